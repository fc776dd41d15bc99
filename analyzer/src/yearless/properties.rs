//! Properties of the one rule for yearless stamps ([`super::YearlessTime::resolve`]), over
//! every month, day, time, weekday and reference jiff can hold: it never panics; an answer
//! has the stamp's month, day, time (and weekday), lies at most [`SLACK`] after the
//! reference, and is the latest date that does; a stamp made from any moment is given back
//! that moment by any reference less than a year (plus the slack) after it.

use super::{YearlessTime, SLACK};
use jiff::civil::{self, Date, DateTime, Weekday};
use jiff::{SignedDuration, ToSpan};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn config() -> ProptestConfig {
    ProptestConfig {
        // Each case resolves once and checks at most ~30 candidate years: cheap.
        cases: 2048,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/yearless.txt",
        ))),
        ..ProptestConfig::default()
    }
}

fn weekday() -> impl Strategy<Value = Weekday> {
    (1i8..=7).prop_map(|n| Weekday::from_monday_one_offset(n).expect("1..=7"))
}

fn time() -> impl Strategy<Value = civil::Time> {
    (0i8..24, 0i8..60, 0i8..60, 0i32..1_000_000_000)
        .prop_map(|(h, m, s, ns)| civil::Time::new(h, m, s, ns).expect("in range"))
}

/// A date of `years` that exists: the day is drawn within its month (no rejections, which
/// a long campaign would run out of).
fn date_in(years: std::ops::RangeInclusive<i16>) -> impl Strategy<Value = Date> {
    (years, 1i8..=12).prop_flat_map(|(y, m)| {
        let days = Date::new(y, m, 1).expect("the 1st exists").days_in_month();
        (1..=days).prop_map(move |d| Date::new(y, m, d).expect("within the month"))
    })
}

/// Any civil datetime jiff can hold, with the ends of its range drawn often.
fn any_datetime() -> impl Strategy<Value = DateTime> {
    prop_oneof![
        1 => Just(DateTime::MIN),
        1 => Just(DateTime::MAX),
        8 => (date_in(-9999..=9999), time()).prop_map(|(d, t)| d.to_datetime(t)),
    ]
}

/// A datetime of the years logs are read in.
fn log_datetime() -> impl Strategy<Value = DateTime> {
    (date_in(1900..=2200), time()).prop_map(|(d, t)| d.to_datetime(t))
}

fn fits(stamp: &YearlessTime, year: i16, limit: DateTime) -> bool {
    Date::new(year, stamp.month, stamp.day).is_ok_and(|d| {
        let at = d.to_datetime(stamp.time);
        at <= limit && stamp.weekday.is_none_or(|w| at.weekday() == w)
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn an_answer_is_the_latest_date_that_fits(
        month in -2i8..=14,
        day in -1i8..=33,
        time in time(),
        weekday in prop::option::of(weekday()),
        reference in any_datetime(),
    ) {
        let stamp = YearlessTime { month, day, time, weekday };
        let limit = reference.saturating_add(SLACK);
        match stamp.resolve(reference) {
            Some(at) => {
                prop_assert_eq!((at.month(), at.day(), at.time()), (month, day, time));
                prop_assert!(weekday.is_none_or(|w| at.weekday() == w));
                prop_assert!(at <= limit, "{at} is after {limit}");
                for later in at.year() + 1..=limit.year() {
                    prop_assert!(!fits(&stamp, later, limit), "{later} fits too, after {at}");
                }
            }
            None => {
                // Nothing fits in the years looked back (8 without a weekday, 28 with one).
                let back = if weekday.is_some() { 28 } else { 8 };
                for year in (limit.year().saturating_sub(back)..=limit.year()).rev() {
                    prop_assert!(!fits(&stamp, year, limit), "{year} fits, yet no answer");
                }
            }
        }
    }

    #[test]
    fn a_moment_comes_back_from_any_reference_within_a_year_after_it(
        moment in log_datetime(),
        // How long after the moment the reference's limit (reference + SLACK) lies: less
        // than a year, so the same date a year later is already past the limit.
        after_secs in 0i64..365 * 86_400,
        with_weekday in any::<bool>(),
    ) {
        let stamp = YearlessTime {
            month: moment.month(),
            day: moment.day(),
            time: moment.time(),
            weekday: with_weekday.then(|| moment.weekday()),
        };
        let limit = moment.checked_add(SignedDuration::from_secs(after_secs)).expect("in range");
        let reference = limit.checked_sub(SLACK).expect("in range");
        // The reference's own year, read by the rule, does not move the answer.
        prop_assert!(moment.checked_add(1.year()).is_ok_and(|next| next > limit)
            || (moment.month(), moment.day()) == (2, 29));
        prop_assert_eq!(stamp.resolve(reference), Some(moment));
    }

    #[test]
    fn every_date_of_a_leap_year_has_an_answer_without_a_weekday(
        date in date_in(2000..=2000),
        time in time(),
        reference in log_datetime(),
    ) {
        let (month, day) = (date.month(), date.day());
        let stamp = YearlessTime { month, day, time, weekday: None };
        prop_assert!(stamp.resolve(reference).is_some(), "{month}-{day} from {reference}");
    }
}
