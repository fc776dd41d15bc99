//! The time of a log line, read from the stamp formats that appear in bundles.
//!
//! Only the lines a rule matched (and the first and last line of a file) are ever parsed, so
//! this is written for clarity over raw speed, but it still avoids regexes and allocation.
//!
//! Stamps without a year (syslog and journal short format, klog) are kept as
//! [`LineTime::Yearless`] and given a year by [`LineTime::resolve`] from a reference time,
//! normally the bundle's creation. Stamps without an offset are taken as UTC: for klog that
//! is what the kubelet writes; for syslog, `dmesg -T` and bare ISO stamps it is the node's
//! local time, which the bundle does not record, so UTC is an assumption the report states.

use crate::yearless::YearlessTime;
use jiff::civil::{self, DateTime};
use jiff::tz::Offset;
use jiff::Timestamp;

/// When a log line was written, as far as the line itself says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineTime {
    /// A full point in time (ISO stamps, `dmesg -T`, logrus, zap, CRI prefixes).
    Absolute(Timestamp),
    /// A stamp without a year (syslog/journal short format, klog); see [`LineTime::resolve`].
    Yearless {
        /// 1–12.
        month: u8,
        /// 1–31, valid for the month in some year.
        day: u8,
        /// 0–23.
        hour: u8,
        /// 0–59.
        minute: u8,
        /// 0–59 (a leap second is read as 59).
        second: u8,
        /// Fraction of the second.
        nanos: u32,
        /// The stamp's own UTC offset, when it has one; `None` is read as UTC.
        offset_seconds: Option<i32>,
    },
}

impl LineTime {
    /// The point in time. A yearless stamp takes its year from `reference` by the one rule
    /// for yearless stamps ([`crate::yearless`]: at most a day after `reference`, else an
    /// earlier year), read in the stamp's own offset; a missing offset means UTC.
    pub fn resolve(&self, reference: Timestamp) -> Timestamp {
        match *self {
            LineTime::Absolute(ts) => ts,
            LineTime::Yearless {
                month,
                day,
                hour,
                minute,
                second,
                nanos,
                offset_seconds,
            } => {
                let offset = offset_seconds
                    .and_then(|s| Offset::from_seconds(s).ok())
                    .unwrap_or(Offset::UTC);
                let Ok(time) =
                    civil::Time::new(hour as i8, minute as i8, second as i8, nanos as i32)
                else {
                    return reference;
                };
                let stamp = YearlessTime {
                    month: month as i8,
                    day: day as i8,
                    time,
                    weekday: None,
                };
                stamp
                    .resolve(offset.to_datetime(reference))
                    .and_then(|dt| offset.to_timestamp(dt).ok())
                    .unwrap_or(reference)
            }
        }
    }

    /// True when the stamp carries its own year.
    pub fn is_absolute(&self) -> bool {
        matches!(self, LineTime::Absolute(_))
    }
}

/// Reads the time of one log line (without its line terminator), or `None` when the line has
/// no stamp this module knows, or only a relative one (raw `dmesg`'s seconds since boot).
///
/// Tried in order: an ISO stamp at the start (journal `short-iso`, RFC 3339 syslog, CRI and
/// `kubectl logs --timestamps` prefixes, `2021-09-14 14:31:03,123`), `YYYY/MM/DD HH:MM:SS`
/// (Go's log package, nginx), syslog/journal short `Nov 27 09:12:03[.frac]`, `dmesg -T`
/// `[Fri Nov 27 09:12:03 2026]`, klog `E1127 09:12:03.123456`, then logrus `time="..."` and
/// JSON `"ts"` / `"time"` / `"timestamp"` fields anywhere in the line.
pub(crate) fn parse_line_time(line: &[u8]) -> Option<LineTime> {
    let first = *line.first()?;
    if first.is_ascii_digit() {
        if let Some((ts, _)) = iso_at(line) {
            return Some(LineTime::Absolute(ts));
        }
        if let Some(ts) = slash_datetime(line) {
            return Some(LineTime::Absolute(ts));
        }
    }
    if first.is_ascii_uppercase() {
        if let Some(t) = syslog_short(line) {
            return Some(t);
        }
        if let Some(t) = klog(line) {
            return Some(t);
        }
    }
    if first == b'[' {
        // Raw dmesg `[   12.345678]` is relative to boot: no absolute time.
        return dmesg_t(line).map(LineTime::Absolute);
    }
    embedded(line).map(LineTime::Absolute)
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn month_of(name: &[u8]) -> Option<u8> {
    MONTHS
        .iter()
        .position(|m| m.as_slice() == name)
        .map(|i| i as u8 + 1)
}

/// `n` ASCII digits at `at` as a number; `None` past `u32` (checked: callers read at most
/// four digits, but an overflow must not be a panic).
fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(n)?)?;
    s.iter().try_fold(0u32, |acc, &c| {
        if !c.is_ascii_digit() {
            return None;
        }
        acc.checked_mul(10)?.checked_add(u32::from(c - b'0'))
    })
}

fn byte_is(b: &[u8], at: usize, want: u8) -> bool {
    b.get(at) == Some(&want)
}

/// A fraction `[.,]ddd…` at `at`: (nanoseconds, bytes used). Digits past nine are ignored.
fn fraction(b: &[u8], at: usize) -> (u32, usize) {
    if !matches!(b.get(at), Some(b'.') | Some(b',')) {
        return (0, 0);
    }
    let mut nanos = 0u32;
    let mut used = 1;
    let mut places = 0;
    while let Some(&c) = b.get(at + used) {
        if !c.is_ascii_digit() {
            break;
        }
        if places < 9 {
            nanos = nanos * 10 + u32::from(c - b'0');
            places += 1;
        }
        used += 1;
    }
    if used == 1 {
        return (0, 0);
    }
    for _ in places..9 {
        nanos *= 10;
    }
    (nanos, used)
}

/// `HH:MM:SS` at `at`, checked.
fn clock(b: &[u8], at: usize) -> Option<(u8, u8, u8)> {
    let h = digits(b, at, 2)?;
    let m = digits(b, at + 3, 2)?;
    let s = digits(b, at + 6, 2)?;
    if !byte_is(b, at + 2, b':') || !byte_is(b, at + 5, b':') || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some((h as u8, m as u8, s.min(59) as u8))
}

/// A UTC offset at `at`: `Z`, `+HH:MM`, `+HHMM` or `+HH`. Returns (seconds, bytes used);
/// (0, 0) when there is none.
fn offset_at(b: &[u8], at: usize) -> Option<(Option<i32>, usize)> {
    match b.get(at) {
        Some(b'Z') | Some(b'z') => Some((Some(0), 1)),
        Some(&sign @ (b'+' | b'-')) => {
            let h = digits(b, at + 1, 2)?;
            let (m, used) = if byte_is(b, at + 3, b':') {
                (digits(b, at + 4, 2)?, 6)
            } else if let Some(m) = digits(b, at + 3, 2) {
                (m, 5)
            } else {
                (0, 3)
            };
            if h > 23 || m > 59 {
                return None;
            }
            let secs = (h * 3600 + m * 60) as i32;
            Some((Some(if sign == b'-' { -secs } else { secs }), used))
        }
        _ => Some((None, 0)),
    }
}

fn timestamp(
    year: u32,
    date: (u32, u32),
    time: (u8, u8, u8),
    nanos: u32,
    offset: Option<i32>,
) -> Option<Timestamp> {
    let dt = DateTime::new(
        i16::try_from(year).ok()?,
        date.0 as i8,
        date.1 as i8,
        time.0 as i8,
        time.1 as i8,
        time.2 as i8,
        nanos as i32,
    )
    .ok()?;
    let offset = Offset::from_seconds(offset.unwrap_or(0)).ok()?;
    offset.to_timestamp(dt).ok()
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.frac][offset]` at the start of `b`: the timestamp and its length.
fn iso_at(b: &[u8]) -> Option<(Timestamp, usize)> {
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    if !byte_is(b, 4, b'-') || !byte_is(b, 7, b'-') || !matches!(b.get(10), Some(b'T' | b' ')) {
        return None;
    }
    let time = clock(b, 11)?;
    let (nanos, frac_len) = fraction(b, 19);
    let (offset, off_len) = offset_at(b, 19 + frac_len)?;
    let ts = timestamp(year, (month, day), time, nanos, offset)?;
    Some((ts, 19 + frac_len + off_len))
}

/// `YYYY/MM/DD HH:MM:SS[.frac]` (Go's log package, nginx's error log), taken as UTC.
fn slash_datetime(b: &[u8]) -> Option<Timestamp> {
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    if !byte_is(b, 4, b'/') || !byte_is(b, 7, b'/') || !byte_is(b, 10, b' ') {
        return None;
    }
    let time = clock(b, 11)?;
    let (nanos, _) = fraction(b, 19);
    timestamp(year, (month, day), time, nanos, None)
}

fn yearless(month: u8, day: u32, time: (u8, u8, u8), nanos: u32) -> Option<LineTime> {
    // Checked against a leap year so that Feb 29 passes and Apr 31 does not.
    DateTime::new(2000, month as i8, day as i8, 0, 0, 0, 0).ok()?;
    Some(LineTime::Yearless {
        month,
        day: day as u8,
        hour: time.0,
        minute: time.1,
        second: time.2,
        nanos,
        offset_seconds: None,
    })
}

/// `Nov 27 09:12:03[.frac] host ...`, the day possibly space-padded (`Nov  7`).
fn syslog_short(b: &[u8]) -> Option<LineTime> {
    let month = month_of(b.get(0..3)?)?;
    if !byte_is(b, 3, b' ') {
        return None;
    }
    let day = match (b.get(4), b.get(5)) {
        (Some(b' '), Some(d)) if d.is_ascii_digit() => u32::from(d - b'0'),
        _ => digits(b, 4, 2)?,
    };
    if !byte_is(b, 6, b' ') {
        return None;
    }
    let time = clock(b, 7)?;
    let (nanos, _) = fraction(b, 15);
    yearless(month, day, time, nanos)
}

/// klog's `Lmmdd hh:mm:ss.uuuuuu` header (L is one of I, W, E, F), written in UTC.
fn klog(b: &[u8]) -> Option<LineTime> {
    if !matches!(b.first(), Some(b'I' | b'W' | b'E' | b'F')) {
        return None;
    }
    let month = digits(b, 1, 2)?;
    let day = digits(b, 3, 2)?;
    if !byte_is(b, 5, b' ') || !(1..=12).contains(&month) {
        return None;
    }
    let time = clock(b, 6)?;
    let (nanos, _) = fraction(b, 14);
    yearless(month as u8, day, time, nanos)
}

/// `dmesg -T`'s `[Fri Nov 27 09:12:03 2026]`, the day possibly space-padded.
fn dmesg_t(b: &[u8]) -> Option<Timestamp> {
    if !byte_is(b, 4, b' ') || !byte_is(b, 8, b' ') {
        return None;
    }
    let month = month_of(b.get(5..8)?)?;
    let day = match (b.get(9), b.get(10)) {
        (Some(b' '), Some(d)) if d.is_ascii_digit() => u32::from(d - b'0'),
        _ => digits(b, 9, 2)?,
    };
    if !byte_is(b, 11, b' ') {
        return None;
    }
    let time = clock(b, 12)?;
    let year = digits(b, 21, 4)?;
    if !byte_is(b, 20, b' ') || !byte_is(b, 25, b']') {
        return None;
    }
    timestamp(year, (u32::from(month), day), time, 0, None)
}

/// A stamp inside the line: logrus `time="…"`, or a JSON `"ts"` (string or epoch seconds),
/// `"time"` or `"timestamp"` field.
fn embedded(b: &[u8]) -> Option<Timestamp> {
    const KEYS: [&[u8]; 4] = [b"time=\"", b"\"ts\":", b"\"time\":", b"\"timestamp\":"];
    for key in KEYS {
        let Some(at) = memchr::memmem::find(b, key) else {
            continue;
        };
        let mut rest = b.get(at + key.len()..)?;
        while let Some((b' ', tail)) = rest.split_first() {
            rest = tail;
        }
        if let Some(quoted) = rest.strip_prefix(b"\"") {
            if let Some((ts, _)) = iso_at(quoted) {
                return Some(ts);
            }
        } else if let Some(ts) = epoch(rest) {
            return Some(ts);
        }
        if key == b"time=\"" {
            if let Some((ts, _)) = iso_at(rest) {
                return Some(ts);
            }
        }
    }
    None
}

/// Unix seconds with an optional fraction, as zap writes `"ts":1631692800.123`.
fn epoch(b: &[u8]) -> Option<Timestamp> {
    let len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(9..=11).contains(&len) {
        return None;
    }
    // Eleven digits pass u32 (from 2106 on): read as i64, which holds them all.
    let secs = b[..len]
        .iter()
        .fold(0i64, |acc, &c| acc * 10 + i64::from(c - b'0'));
    let (nanos, _) = fraction(b, len);
    Timestamp::new(secs, nanos as i32).ok()
}

#[cfg(test)]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;

    fn abs(s: &str) -> LineTime {
        LineTime::Absolute(s.parse().unwrap())
    }

    fn parse(s: &str) -> Option<LineTime> {
        parse_line_time(s.as_bytes())
    }

    #[test]
    fn journal_short_iso_with_compact_offset() {
        assert_eq!(
            parse("2026-11-27T09:12:03+0000 m1 kubelet[1234]: E1127 09:12:03.1 x"),
            Some(abs("2026-11-27T09:12:03Z"))
        );
        assert_eq!(
            parse("2026-11-27T10:12:03.250+0100 m1 containerd[88]: level=error"),
            Some(abs("2026-11-27T09:12:03.25Z"))
        );
    }

    #[test]
    fn rfc3339_syslog_and_cri_and_kubectl_prefixes() {
        assert_eq!(
            parse("2026-11-27T09:12:03.123456+00:00 w3 kernel: [1834.1] Out of memory"),
            Some(abs("2026-11-27T09:12:03.123456Z"))
        );
        assert_eq!(
            parse("2026-11-27T09:12:03.123456789Z stdout F E1127 09:12:03.1 1 a.go:1] x"),
            Some(abs("2026-11-27T09:12:03.123456789Z"))
        );
        assert_eq!(
            parse("2021-09-14T14:16:32.721434818Z 2021-09-14T14:16:32.721Z\tINFO\top\tx"),
            Some(abs("2021-09-14T14:16:32.721434818Z"))
        );
        assert_eq!(
            parse("2021-09-14T16:16:32-05:30 host x"),
            Some(abs("2021-09-14T21:46:32Z"))
        );
    }

    #[test]
    fn bare_iso_and_slash_stamps_are_utc() {
        assert_eq!(
            parse("2021-09-14 14:31:03,123 ERROR app: boom"),
            Some(abs("2021-09-14T14:31:03.123Z"))
        );
        assert_eq!(
            parse("2022/12/21 16:40:00 [error] 29#29: *1 connect() failed"),
            Some(abs("2022-12-21T16:40:00Z"))
        );
    }

    #[test]
    fn syslog_and_journal_short_are_yearless() {
        assert_eq!(
            parse("Nov 27 09:12:03 w3 kernel: [1834.123] oom-kill:constraint=CONSTRAINT_NONE"),
            Some(LineTime::Yearless {
                month: 11,
                day: 27,
                hour: 9,
                minute: 12,
                second: 3,
                nanos: 0,
                offset_seconds: None
            })
        );
        let precise = parse(
            "Nov 10 14:17:41.900439 ci-master-0 kubenswrapper[2296]: E1110 14:17:41.900391 x",
        )
        .unwrap();
        assert_eq!(
            precise.resolve("2023-12-03T00:00:00Z".parse().unwrap()),
            "2023-11-10T14:17:41.900439Z".parse::<Timestamp>().unwrap()
        );
        assert!(matches!(
            parse("Sep  4 03:00:01 host CRON[1]: x"),
            Some(LineTime::Yearless { day: 4, .. })
        ));
        assert_eq!(parse("Nov 31 09:12:03 host x"), None);
    }

    #[test]
    fn dmesg_t_is_absolute_and_raw_dmesg_has_no_time() {
        assert_eq!(
            parse("[Fri Nov 27 09:12:03 2026] Out of memory: Killed process 4121 (java)"),
            Some(abs("2026-11-27T09:12:03Z"))
        );
        assert_eq!(
            parse("[Mon Sep  7 01:02:03 2026] eth0: Link is Down"),
            Some(abs("2026-09-07T01:02:03Z"))
        );
        assert_eq!(
            parse("[  246.752196] INFO: task syz-executor0:10244 blocked"),
            None
        );
        assert_eq!(parse("[  351.648071][    C1] rcu: INFO: rcu_preempt"), None);
    }

    #[test]
    fn klog_header_is_yearless_utc() {
        let t = parse("E1221 09:43:10.853025       1 reflector.go:138] Failed to watch").unwrap();
        assert_eq!(
            t.resolve("2023-01-03T00:00:00Z".parse().unwrap()),
            "2022-12-21T09:43:10.853025Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(parse("Error: unable to load configmap"), None);
        assert_eq!(parse("I1399 09:43:10.8 x"), None);
    }

    #[test]
    fn logrus_and_zap_fields() {
        assert_eq!(
            parse(r#"time="2022-12-21T09:43:10Z" level=fatal msg="Error starting daemon""#),
            Some(abs("2022-12-21T09:43:10Z"))
        );
        assert_eq!(
            parse(r#"time="2021-09-14 14:12:34.886326473Z" level=warning msg="x""#),
            Some(abs("2021-09-14T14:12:34.886326473Z"))
        );
        assert_eq!(
            parse(r#"{"level":"error","ts":"2021-09-14T14:16:52.030Z","msg":"Reconciler error"}"#),
            Some(abs("2021-09-14T14:16:52.03Z"))
        );
        assert_eq!(
            parse(r#"{"level":"warn","ts":1631692800.123,"caller":"etcdserver/util.go:166"}"#),
            Some(abs("2021-09-15T08:00:00.123Z"))
        );
        // Epoch seconds past u32 (2106 on) overflowed the digit reader; found by the
        // properties in time/properties.rs.
        assert_eq!(
            parse(r#"{"level":"warn","ts":4294967296.5}"#),
            Some(abs("2106-02-07T06:28:16.5Z"))
        );
        assert_eq!(
            parse(r#"{"ts":99999999999}"#),
            Some(abs("5138-11-16T09:46:39Z"))
        );
        assert_eq!(parse("just some words"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn yearless_takes_the_year_before_when_it_would_be_in_the_future() {
        let t = parse("Dec 31 23:59:59 host x").unwrap();
        let reference: Timestamp = "2027-01-01T10:00:00Z".parse().unwrap();
        assert_eq!(
            t.resolve(reference),
            "2026-12-31T23:59:59Z".parse::<Timestamp>().unwrap()
        );
        let soon = parse("Jan  2 08:00:00 host x").unwrap();
        assert_eq!(
            soon.resolve(reference),
            "2027-01-02T08:00:00Z".parse::<Timestamp>().unwrap()
        );
        let leap = parse("Feb 29 12:00:00 host x").unwrap();
        assert_eq!(
            leap.resolve("2026-03-01T00:00:00Z".parse().unwrap()),
            "2024-02-29T12:00:00Z".parse::<Timestamp>().unwrap()
        );
    }
}
