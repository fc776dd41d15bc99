//! Properties of reading a log line's time ([`parse_line_time`]) and placing a yearless
//! stamp in time ([`LineTime::resolve`]):
//! - any bytes: no panic, and a yearless answer holds a real month, day and time of day;
//! - a moment written in each stamp format the module reads (ISO with `Z` or an offset,
//!   `YYYY/MM/DD`, syslog, klog, `dmesg -T`, logrus `time="..."`, zap `"ts"` strings and
//!   epoch seconds) is read back as that moment (to the format's precision), for every year
//!   the format can write;
//! - resolving any yearless stamp against any reference never panics, and a stamp made from
//!   a moment in any UTC offset comes back as that moment from a reference up to a year
//!   after it.

use super::{parse_line_time, LineTime};
use crate::yearless::SLACK;
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 1024,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/logscan-time.txt",
        ))),
        ..ProptestConfig::default()
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Any moment from year 1000 to 9999 (the formats print four-digit years).
fn moment() -> impl Strategy<Value = Timestamp> {
    // 1000-01-01T00:00:00Z to 9999-12-29T23:59:59Z (jiff's range ends on Dec 30).
    (-30_610_224_000i64..=253_402_127_999, 0i32..1_000_000_000)
        .prop_map(|(s, ns)| Timestamp::new(s, ns).expect("in range"))
}

/// A UTC offset as logs print them: whole minutes, at most ±23:59.
fn offset() -> impl Strategy<Value = Offset> {
    (-23 * 60 - 59..=23 * 60 + 59i32)
        .prop_map(|mins| Offset::from_seconds(mins * 60).expect("in range"))
}

fn offset_text(offset: Offset, colon: bool) -> String {
    let secs = offset.seconds();
    let sign = if secs < 0 { '-' } else { '+' };
    let (h, m) = (secs.abs() / 3600, secs.abs() % 3600 / 60);
    if colon {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    }
}

fn yearless_of(t: Timestamp) -> LineTime {
    let dt = Offset::UTC.to_datetime(t);
    LineTime::Yearless {
        month: dt.month() as u8,
        day: dt.day() as u8,
        hour: dt.hour() as u8,
        minute: dt.minute() as u8,
        second: dt.second() as u8,
        nanos: 0,
        offset_seconds: None,
    }
}

/// `t` without its fraction, as a format without one prints it (floored, also before 1970).
fn whole_seconds(t: Timestamp) -> Timestamp {
    t - SignedDuration::from_nanos(i64::from(Offset::UTC.to_datetime(t).subsec_nanosecond()))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_bytes_give_no_time_or_a_real_one(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..64),
            // Lines that start like a stamp and then go wrong.
            (prop::sample::select(&[
                "2026-", "2026/11/27 ", "Nov 27 ", "E1127 ", "[Fri Nov 27 ", "time=\"",
                "{\"ts\":", "{\"time\":\"", "{\"timestamp\":",
            ][..]), prop::collection::vec(prop::sample::select(
                &b"0123456789 :.,-+TZz/]\"ABCDEFGHIJKLMNOPabcdef\x00\xff"[..]), 0..40))
                .prop_map(|(head, tail)| [head.as_bytes(), &tail].concat()),
        ],
        reference in any::<i64>().prop_map(|s| {
            Timestamp::from_second(s.rem_euclid(Timestamp::MAX.as_second()))
                .unwrap_or(Timestamp::UNIX_EPOCH)
        }),
    ) {
        let Some(time) = parse_line_time(&bytes) else { return Ok(()) };
        if let LineTime::Yearless { month, day, hour, minute, second, nanos, .. } = time {
            prop_assert!((1..=12).contains(&month) && (1..=31).contains(&day));
            prop_assert!(hour < 24 && minute < 60 && second < 60 && nanos < 1_000_000_000);
            prop_assert!(jiff::civil::Date::new(2000, month as i8, day as i8).is_ok());
        }
        // Any reference, the ends of time included.
        let _ = time.resolve(reference);
        let _ = time.resolve(Timestamp::MIN);
        let _ = time.resolve(Timestamp::MAX);
    }

    #[test]
    fn a_moment_written_in_any_format_reads_back(
        t in moment(),
        offset in offset(),
        colon in any::<bool>(),
        which in 0usize..9,
        message in "[a-z ]{0,20}",
    ) {
        let utc = Offset::UTC.to_datetime(t);
        let local = offset.to_datetime(t);
        let month = MONTHS[utc.month() as usize - 1];
        let weekday = &format!("{:?}", utc.weekday())[..3];
        let iso_utc = utc.strftime("%Y-%m-%dT%H:%M:%S%.9fZ").to_string();
        let (line, want) = match which {
            0 => (format!("{iso_utc} host {message}"), Some(LineTime::Absolute(t))),
            1 => (
                format!(
                    "{}{} host {message}",
                    local.strftime("%Y-%m-%dT%H:%M:%S%.9f"),
                    offset_text(offset, colon)
                ),
                Some(LineTime::Absolute(t)),
            ),
            2 => (
                format!("{} [error] {message}", utc.strftime("%Y/%m/%d %H:%M:%S")),
                Some(LineTime::Absolute(whole_seconds(t))),
            ),
            3 => (
                format!("{month} {:>2} {} host kernel: {message}", utc.day(), utc.strftime("%H:%M:%S")),
                Some(yearless_of(t)),
            ),
            4 => (
                format!("E{} {}.000000 1 a.go:1] {message}", utc.strftime("%m%d"), utc.strftime("%H:%M:%S")),
                Some(yearless_of(t)),
            ),
            5 => (
                format!("[{weekday} {month} {:>2} {} {}] {message}",
                    utc.day(), utc.strftime("%H:%M:%S"), utc.year()),
                Some(LineTime::Absolute(whole_seconds(t))),
            ),
            6 => (
                format!("time=\"{iso_utc}\" level=error msg=\"{message}\""),
                Some(LineTime::Absolute(t)),
            ),
            7 => (
                format!("{{\"level\":\"error\",\"ts\":\"{iso_utc}\",\"msg\":\"{message}\"}}"),
                Some(LineTime::Absolute(t)),
            ),
            _ => {
                // zap's epoch seconds with milliseconds: 9 to 11 digits are read.
                let secs = t.as_second();
                let millis = t.subsec_nanosecond() / 1_000_000;
                let want = (100_000_000..=99_999_999_999).contains(&secs).then(|| {
                    LineTime::Absolute(Timestamp::new(secs, millis * 1_000_000).expect("in range"))
                });
                (format!("{{\"level\":\"warn\",\"ts\":{secs}.{millis:03},\"msg\":\"{message}\"}}"), want)
            }
        };
        prop_assert_eq!(parse_line_time(line.as_bytes()), want, "{}", line);
    }

    #[test]
    fn a_yearless_stamp_comes_back_from_a_reference_up_to_a_year_later(
        t in moment(),
        offset in offset(),
        after_secs in 0i64..365 * 86_400,
    ) {
        let local = offset.to_datetime(t);
        prop_assume!(local.year() > 1000 && local.year() < 9999);
        let stamp = LineTime::Yearless {
            month: local.month() as u8,
            day: local.day() as u8,
            hour: local.hour() as u8,
            minute: local.minute() as u8,
            second: local.second() as u8,
            nanos: local.subsec_nanosecond() as u32,
            offset_seconds: Some(offset.seconds()),
        };
        let reference = t + SignedDuration::from_secs(after_secs) - SLACK;
        prop_assert_eq!(stamp.resolve(reference), t);
    }

    #[test]
    fn resolving_any_fields_against_any_reference_never_panics(
        month in any::<u8>(), day in any::<u8>(), hour in any::<u8>(), minute in any::<u8>(),
        second in any::<u8>(), nanos in any::<u32>(), offset_seconds in any::<Option<i32>>(),
        reference in prop_oneof![
            Just(Timestamp::MIN),
            Just(Timestamp::MAX),
            (Timestamp::MIN.as_second()..=Timestamp::MAX.as_second())
                .prop_map(|s| Timestamp::from_second(s).expect("in range")),
        ],
    ) {
        let stamp = LineTime::Yearless { month, day, hour, minute, second, nanos, offset_seconds };
        let _ = stamp.resolve(reference);
    }
}
