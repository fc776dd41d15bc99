//! Stamps without a year — syslog and journal short format (`Nov 27 10:00:00`), klog
//! (`E1127 10:00:00.123`), `last` without `-F` (`Thu Nov 27 10:00`) — and the one rule that
//! gives them a year, so a log line and a reboot record of the same moment land on the same
//! date.
//!
//! The rule: the latest date with the stamp's month and day (and weekday, when the stamp
//! prints one) whose time is at most [`SLACK`] after the reference, normally the bundle's
//! creation. The slack covers a clock slightly ahead and a stamp in a zone east of the
//! reference's; anything later belongs to an earlier year (a log read in January still holds
//! December's lines). Without a weekday, the nearest year in which the date exists is taken
//! (Feb 29 looks back to the last leap year); with one, the year must have that weekday,
//! which pins it down within the 28-year calendar cycle, and a weekday no year fits gives no
//! time at all rather than a guess.

use jiff::civil::{self, Weekday};
use jiff::SignedDuration;

/// How far after the reference a stamp may lie and still be of the reference's year.
pub(crate) const SLACK: SignedDuration = SignedDuration::from_hours(24);

/// Years looked back for a date that exists (Feb 29 across a century year: 2104 → 2096).
const DATE_YEARS_BACK: i16 = 8;

/// Years looked back for a date on a given weekday: the Gregorian calendar repeats its
/// weekdays every 28 years between century years.
const WEEKDAY_YEARS_BACK: i16 = 28;

/// A wall-clock time without a year, as a log line or `last` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct YearlessTime {
    /// 1–12.
    pub(crate) month: i8,
    /// 1–31.
    pub(crate) day: i8,
    /// The time of day.
    pub(crate) time: civil::Time,
    /// The day of the week, when the stamp prints it.
    pub(crate) weekday: Option<Weekday>,
}

impl YearlessTime {
    /// The stamp placed in a year by the rule in the module doc, in the frame `reference` is
    /// given in (the caller converts zones); `None` when no year fits (Feb 30, a weekday that
    /// matches no year).
    pub(crate) fn resolve(&self, reference: civil::DateTime) -> Option<civil::DateTime> {
        let limit = reference.saturating_add(SLACK);
        let back = match self.weekday {
            Some(_) => WEEKDAY_YEARS_BACK,
            None => DATE_YEARS_BACK,
        };
        (0..=back)
            .filter_map(|b| {
                let date = civil::Date::new(limit.year().checked_sub(b)?, self.month, self.day);
                Some(date.ok()?.to_datetime(self.time))
            })
            .filter(|at| *at <= limit)
            .find(|at| self.weekday.is_none_or(|w| at.weekday() == w))
    }
}

#[cfg(test)]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn stamp(month: i8, day: i8, hour: i8, weekday: Option<Weekday>) -> YearlessTime {
        YearlessTime {
            month,
            day,
            time: civil::time(hour, 0, 0, 0),
            weekday,
        }
    }

    #[test]
    fn up_to_a_day_ahead_is_this_year_and_later_is_last_year() {
        let reference = date(2027, 1, 1).at(10, 0, 0, 0);
        // 22 hours ahead: a clock or a zone ahead of the reference's.
        assert_eq!(
            stamp(1, 2, 8, None).resolve(reference),
            Some(date(2027, 1, 2).at(8, 0, 0, 0))
        );
        // 30 hours ahead is too far: the year before (the 48 h the log scanner once allowed
        // put this in 2027).
        assert_eq!(
            stamp(1, 2, 16, None).resolve(reference),
            Some(date(2026, 1, 2).at(16, 0, 0, 0))
        );
        assert_eq!(
            stamp(12, 31, 23, None).resolve(reference),
            Some(date(2026, 12, 31).at(23, 0, 0, 0))
        );
    }

    #[test]
    fn leap_days_look_back_to_a_leap_year() {
        assert_eq!(
            stamp(2, 29, 12, None).resolve(date(2026, 3, 1).at(0, 0, 0, 0)),
            Some(date(2024, 2, 29).at(12, 0, 0, 0))
        );
        // 2100 is no leap year: from 2104, the last Feb 29 is in 2096.
        assert_eq!(
            stamp(2, 29, 12, None).resolve(date(2104, 2, 1).at(0, 0, 0, 0)),
            Some(date(2096, 2, 29).at(12, 0, 0, 0))
        );
        assert_eq!(
            stamp(2, 30, 12, None).resolve(date(2026, 3, 1).at(0, 0, 0, 0)),
            None
        );
    }

    #[test]
    fn a_weekday_picks_the_year_or_nothing() {
        // Monday Feb 17: 2025; seen from January 2025, the one before is 2020.
        let monday = stamp(2, 17, 9, Some(Weekday::Monday));
        assert_eq!(
            monday.resolve(date(2025, 3, 1).at(0, 0, 0, 0)),
            Some(date(2025, 2, 17).at(9, 0, 0, 0))
        );
        assert_eq!(
            monday.resolve(date(2025, 1, 10).at(0, 0, 0, 0)),
            Some(date(2020, 2, 17).at(9, 0, 0, 0))
        );
        // Saturday Feb 29 can only be 2020, seen from 2021.
        let leap = stamp(2, 29, 12, Some(Weekday::Saturday));
        assert_eq!(
            leap.resolve(date(2021, 1, 6).at(9, 0, 0, 0)),
            Some(date(2020, 2, 29).at(12, 0, 0, 0))
        );
        // Across 2100 (no leap year) the cycle breaks: from 2110, no Feb 29 of the 28 years
        // before was a Monday. No year is a better answer than a wrong one.
        let monday_leap = stamp(2, 29, 12, Some(Weekday::Monday));
        assert_eq!(monday_leap.resolve(date(2110, 3, 1).at(0, 0, 0, 0)), None);
    }
}
