//! `last -x -F reboot shutdown`, `last reboot` and plain `last`: boots, shutdowns and user
//! sessions from wtmp, to find reboots that were not preceded by a clean shutdown.
//!
//! Times come in two shapes: with `-F`, full (`Thu Feb 15 03:12:00 2024`), returned as
//! [`LastTime::Full`]; without, yearless (`Thu Feb 15 03:12`), returned as
//! [`LastTime::Partial`] for the caller to [`resolve`](PartialTime::resolve) against the
//! bundle's creation time. Both are the node's local time, without zone.
//!
//! Strictness: block report. A record is a line with a `Www Mmm dd hh:mm` start time; the
//! `wtmp begins ...` footer is read; other lines are skipped. Text in which nothing is
//! recognised is an error.

use std::sync::LazyLock;

use jiff::civil::{self, Weekday};
use jiff::SignedDuration;
use regex::Regex;

use super::{nothing_recognised, numbered_lines, ParseError};
use crate::yearless::YearlessTime;

static START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) (\d{2}):(\d{2})(?::(\d{2}) (\d{4}))?",
    )
    .expect("valid last time regex")
});
static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\((-)?(?:(\d+)\+)?(\d+):(\d+)\)\s*$").expect("valid duration regex")
});
static CLOCK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{2}):(\d{2})\b").expect("valid clock regex"));

/// Everything `last` printed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LastLog {
    /// Records in output order: newest first.
    pub records: Vec<LastRecord>,
    /// `wtmp begins ...`: how far back the log goes, and its line.
    pub begins: Option<(civil::DateTime, usize)>,
}

/// What a record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// `reboot   system boot  <kernel>`: the system booted.
    Reboot,
    /// `shutdown system down  <kernel>` (`last -x`): a clean shutdown.
    Shutdown,
    /// `runlevel (to lvl N)` (`last -x`).
    Runlevel,
    /// A user login session.
    Session,
}

/// One line of `last`.
#[derive(Debug, Clone, PartialEq)]
pub struct LastRecord {
    /// Reboot, shutdown, runlevel change or user session.
    pub kind: RecordKind,
    /// First column: user name, `reboot`, `shutdown`, `runlevel`.
    pub user: String,
    /// Terminal (`pts/0`, `tty1`), or `system boot` / `system down` / `(to lvl 5)`.
    pub tty: String,
    /// Remote host for sessions; kernel version (cut by `last`) for system records.
    pub host: String,
    /// When it started.
    pub start: LastTime,
    /// How it ended.
    pub end: SessionEnd,
    /// The `(d+hh:mm)` duration, when printed.
    pub duration: Option<SignedDuration>,
    /// 1-based line.
    pub line: usize,
}

/// A start time as `last` printed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastTime {
    /// With `-F`: full date and time (node local time).
    Full(civil::DateTime),
    /// Without `-F`: no year and no seconds.
    Partial(PartialTime),
}

/// A yearless time (`Mon Feb 17 09:29`); the weekday pins the year down when resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialTime {
    /// Day of the week, as printed.
    pub weekday: Weekday,
    /// Month, 1-12.
    pub month: i8,
    /// Day of month, 1-31.
    pub day: i8,
    /// Hour, 0-23.
    pub hour: i8,
    /// Minute, 0-59.
    pub minute: i8,
}

/// How a record ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEnd {
    /// `still logged in` / `still running`.
    StillRunning,
    /// `- crash`: the system went down without a shutdown record while this was open.
    Crash,
    /// `- down`: the system was shut down cleanly while this was open.
    Down,
    /// `gone - no logout`: the session's process is gone, no logout was recorded.
    GoneNoLogout,
    /// `- 14:35`: ended at a time of day (yearless format).
    AtClock(civil::Time),
    /// `- Tue Feb 13 07:00:00 2024`: ended at a full time (`-F`).
    At(civil::DateTime),
    /// Anything else, as printed.
    Other(String),
}

/// A reboot that did not follow a clean shutdown, and why we think so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UncleanReboot {
    /// Line of the `reboot system boot` record.
    pub reboot_line: usize,
    /// Line of the record that shows it: the crashed session, or the earlier boot that
    /// this one followed without a shutdown in between.
    pub evidence_line: usize,
    /// Which evidence.
    pub reason: UncleanReason,
}

/// Why a reboot counts as unclean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UncleanReason {
    /// A session open before this boot ended in `crash`.
    SessionCrashed,
    /// `last -x` output has shutdown records, and the record before this boot (in time) is
    /// another boot, not a shutdown.
    NoShutdownBefore,
}

impl PartialTime {
    /// The time placed in a year by the one rule for yearless stamps ([`crate::yearless`]):
    /// at most a day after `not_after`, on a date with this weekday. `None` for impossible
    /// dates (Feb 30) and for a weekday no year of the calendar cycle fits.
    pub fn resolve(&self, not_after: civil::DateTime) -> Option<civil::DateTime> {
        let stamp = YearlessTime {
            month: self.month,
            day: self.day,
            time: civil::Time::new(self.hour, self.minute, 0, 0).ok()?,
            weekday: Some(self.weekday),
        };
        stamp.resolve(not_after)
    }
}

impl LastTime {
    /// The full time: as printed, or resolved against `not_after` (see [`PartialTime::resolve`]).
    pub fn resolve(&self, not_after: civil::DateTime) -> Option<civil::DateTime> {
        match self {
            LastTime::Full(at) => Some(*at),
            LastTime::Partial(partial) => partial.resolve(not_after),
        }
    }
}

impl LastLog {
    /// Reboots not preceded by a clean shutdown, in output order (newest first).
    ///
    /// Two kinds of evidence: a session ending in `crash` marks the first boot after it
    /// (the nearest `reboot` record above it); and, when the output has shutdown records at
    /// all (`last -x`), a boot whose previous boot/shutdown record is a boot. The oldest
    /// boot is never flagged by the second rule: the log does not show what preceded it.
    pub fn unclean_reboots(&self) -> Vec<UncleanReboot> {
        let mut found: Vec<UncleanReboot> = Vec::new();
        let mut add = |reboot: &LastRecord, evidence: &LastRecord, reason| {
            if !found.iter().any(|u| u.reboot_line == reboot.line) {
                found.push(UncleanReboot {
                    reboot_line: reboot.line,
                    evidence_line: evidence.line,
                    reason,
                });
            }
        };
        let mut boot_above: Option<&LastRecord> = None;
        for record in &self.records {
            match (record.kind, &record.end) {
                (RecordKind::Reboot, _) => boot_above = Some(record),
                (_, SessionEnd::Crash) => {
                    if let Some(boot) = boot_above {
                        add(boot, record, UncleanReason::SessionCrashed);
                    }
                }
                _ => {}
            }
        }
        if self.records.iter().any(|r| r.kind == RecordKind::Shutdown) {
            let system: Vec<&LastRecord> = self
                .records
                .iter()
                .filter(|r| matches!(r.kind, RecordKind::Reboot | RecordKind::Shutdown))
                .collect();
            for pair in system.windows(2) {
                if let [newer, older] = pair {
                    if newer.kind == RecordKind::Reboot && older.kind == RecordKind::Reboot {
                        add(newer, older, UncleanReason::NoShutdownBefore);
                    }
                }
            }
        }
        found.sort_by_key(|u| u.reboot_line);
        found
    }

    /// The boot records, newest first.
    pub fn reboots(&self) -> impl Iterator<Item = &LastRecord> {
        self.records.iter().filter(|r| r.kind == RecordKind::Reboot)
    }
}

/// Parses the output of `last` (any of the forms above).
pub(crate) fn parse(text: &str) -> Result<LastLog, ParseError> {
    let mut log = LastLog::default();
    for (n, line) in numbered_lines(text) {
        let Some(caps) = START.captures(line) else {
            continue;
        };
        let Some(whole) = caps.get(0) else { continue };
        let start = time_from(n, line, &caps)?;
        let prefix = line[..whole.start()].trim();
        let rest = line[whole.end()..].trim();
        if prefix.starts_with("wtmp begins") || prefix.starts_with("btmp begins") {
            if let LastTime::Full(at) = start {
                log.begins = Some((at, n));
            }
            continue;
        }
        if prefix.is_empty() {
            continue;
        }
        log.records.push(record(n, line, prefix, rest, start)?);
    }
    if log.records.is_empty() && log.begins.is_none() {
        if let Some(err) =
            nothing_recognised(text, "a `last` record with a `Www Mmm dd hh:mm` time")
        {
            return Err(err);
        }
    }
    Ok(log)
}

fn record(
    n: usize,
    line: &str,
    prefix: &str,
    rest: &str,
    start: LastTime,
) -> Result<LastRecord, ParseError> {
    let words: Vec<&str> = prefix.split_whitespace().collect();
    let user = words.first().copied().unwrap_or("").to_string();
    let (kind, tty_words) = match words.as_slice() {
        ["reboot", "system", "boot", ..] => (RecordKind::Reboot, 2),
        ["shutdown", "system", "down", ..] => (RecordKind::Shutdown, 2),
        ["runlevel", ..] => (RecordKind::Runlevel, runlevel_words(&words)),
        _ => (RecordKind::Session, 1),
    };
    let tty_end = (1 + tty_words).min(words.len());
    let tty = words.get(1..tty_end).unwrap_or_default().join(" ");
    let host = words.get(tty_end..).unwrap_or_default().join(" ");
    let (end, duration) = session_end(n, line, rest)?;
    Ok(LastRecord {
        kind,
        user,
        tty,
        host,
        start,
        end,
        duration,
        line: n,
    })
}

/// `(to lvl 5)` spans words until the one ending in `)`.
fn runlevel_words(words: &[&str]) -> usize {
    words
        .iter()
        .skip(1)
        .position(|w| w.ends_with(')'))
        .map_or(1, |i| i + 1)
}

fn session_end(
    n: usize,
    line: &str,
    rest: &str,
) -> Result<(SessionEnd, Option<SignedDuration>), ParseError> {
    let duration = match DURATION.captures(rest) {
        Some(caps) => {
            let number = |i: usize| -> Result<i64, ParseError> {
                caps.get(i).map_or(Ok(0), |m| {
                    m.as_str()
                        .parse()
                        .map_err(|_| ParseError::new(n, "a duration `(d+hh:mm)`", line))
                })
            };
            // Checked: a damaged wtmp can print any number of days, and a duration that
            // does not fit is an unreadable record, not a crash.
            let too_long = || ParseError::new(n, "a duration `(d+hh:mm)` that fits", line);
            let (days, hours, mins) = (number(2)?, number(3)?, number(4)?);
            let minutes = days
                .checked_mul(24)
                .and_then(|h| h.checked_add(hours))
                .and_then(|h| h.checked_mul(60))
                .and_then(|m| m.checked_add(mins))
                .ok_or_else(too_long)?;
            let sign = if caps.get(1).is_some() { -1 } else { 1 };
            Some(SignedDuration::try_from_mins(sign * minutes).ok_or_else(too_long)?)
        }
        None => None,
    };
    let end = if rest.starts_with("still logged in") || rest.starts_with("still running") {
        SessionEnd::StillRunning
    } else if rest.starts_with("gone - no logout") {
        SessionEnd::GoneNoLogout
    } else if let Some(after) = rest.strip_prefix('-') {
        let after = after.trim_start();
        if after.starts_with("crash") {
            SessionEnd::Crash
        } else if after.starts_with("down") {
            SessionEnd::Down
        } else if let Some(caps) = START
            .captures(after)
            .filter(|c| c.get(0).map(|m| m.start()) == Some(0))
        {
            match time_from(n, line, &caps)? {
                LastTime::Full(at) => SessionEnd::At(at),
                LastTime::Partial(_) => SessionEnd::Other(after.to_string()),
            }
        } else if let Some(caps) = CLOCK.captures(after) {
            let hour: i8 = caps[1].parse().unwrap_or(-1);
            let minute: i8 = caps[2].parse().unwrap_or(-1);
            let time = civil::Time::new(hour, minute, 0, 0)
                .map_err(|_| ParseError::new(n, "an end time `hh:mm`", line))?;
            SessionEnd::AtClock(time)
        } else {
            SessionEnd::Other(after.to_string())
        }
    } else {
        SessionEnd::Other(rest.to_string())
    };
    Ok((end, duration))
}

fn time_from(n: usize, line: &str, caps: &regex::Captures<'_>) -> Result<LastTime, ParseError> {
    let bad = || ParseError::new(n, "a valid date and time", line);
    let weekday = match &caps[1] {
        "Mon" => Weekday::Monday,
        "Tue" => Weekday::Tuesday,
        "Wed" => Weekday::Wednesday,
        "Thu" => Weekday::Thursday,
        "Fri" => Weekday::Friday,
        "Sat" => Weekday::Saturday,
        _ => Weekday::Sunday,
    };
    let month = match &caps[2] {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        _ => 12,
    };
    let number = |i: usize| {
        caps.get(i)
            .map(|m| m.as_str().parse::<i16>().map_err(|_| bad()))
    };
    let small = |i: usize| -> Result<i8, ParseError> {
        let v = number(i).ok_or_else(bad)??;
        i8::try_from(v).map_err(|_| bad())
    };
    let (day, hour, minute) = (small(3)?, small(4)?, small(5)?);
    match (number(6), number(7)) {
        (Some(second), Some(year)) => {
            let second = i8::try_from(second?).map_err(|_| bad())?;
            let at = civil::DateTime::new(year?, month, day, hour, minute, second, 0)
                .map_err(|_| bad())?;
            Ok(LastTime::Full(at))
        }
        _ => {
            // Validate now so that resolve() only fails on Feb 29-like cases.
            civil::Time::new(hour, minute, 0, 0).map_err(|_| bad())?;
            if !(1..=31).contains(&day) {
                return Err(bad());
            }
            Ok(LastTime::Partial(PartialTime {
                weekday,
                month,
                day,
                hour,
                minute,
            }))
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::testdata::corpus;
    use super::*;
    use jiff::civil::date;

    #[test]
    fn corpus_centos_has_crashes_and_resolves_leap_day() {
        let Some(text) = corpus("jc-centos77-last-with-crash.out") else {
            return;
        };
        let log = parse(&text).unwrap();
        assert_eq!(log.records.len(), 182);
        let (begins, line) = log.begins.unwrap();
        assert_eq!(begins, date(2019, 8, 15).at(10, 57, 6, 0));
        assert_eq!(line, 184);
        let first = &log.records[0];
        assert_eq!(first.kind, RecordKind::Session);
        assert_eq!(
            (first.user.as_str(), first.tty.as_str()),
            ("kbrazil", "pts/0")
        );
        assert_eq!(first.host, "kbrazil-mac.attl");
        assert_eq!(first.end, SessionEnd::StillRunning);
        let boot = &log.records[2];
        assert_eq!(boot.kind, RecordKind::Reboot);
        assert_eq!(boot.tty, "system boot");
        assert_eq!(boot.host, "3.10.0-1062.1.2.");
        assert_eq!(boot.end, SessionEnd::AtClock(civil::time(14, 35, 0, 0)));
        assert_eq!(boot.duration, Some(SignedDuration::from_mins(7)));
        let crashed = &log.records[3];
        assert_eq!(crashed.end, SessionEnd::Crash);
        assert_eq!(
            crashed.duration,
            Some(SignedDuration::from_mins(24 * 60 + 60 + 59))
        );
        let crashes = log
            .records
            .iter()
            .filter(|r| r.end == SessionEnd::Crash)
            .count();
        assert!(crashes > 50, "{crashes}");
        let unclean = log.unclean_reboots();
        assert_eq!(
            unclean[0],
            UncleanReboot {
                reboot_line: 3,
                evidence_line: 4,
                reason: UncleanReason::SessionCrashed
            }
        );
        assert!(unclean.len() > 40, "{}", unclean.len());
        // The record `Sat Feb 29 12:13` can only be 2020.
        let leap = log.records.iter().find(|r| r.line == 115).unwrap();
        assert_eq!(leap.kind, RecordKind::Reboot);
        let bundle_created = date(2021, 1, 6).at(9, 0, 0, 0);
        assert_eq!(
            leap.start.resolve(bundle_created),
            Some(date(2020, 2, 29).at(12, 13, 0, 0))
        );
        // The newest record is in January 2021, the ones of December in 2020.
        assert_eq!(
            log.records[0].start.resolve(bundle_created),
            Some(date(2021, 1, 5).at(14, 29, 0, 0))
        );
        assert_eq!(
            log.records[5].start.resolve(bundle_created),
            Some(date(2020, 12, 30).at(11, 12, 0, 0))
        );
    }

    #[test]
    fn corpus_ubuntu_has_only_clean_reboots() {
        let Some(text) = corpus("jc-ubuntu1804-last-reboot.out") else {
            return;
        };
        let log = parse(&text).unwrap();
        assert_eq!(log.records.len(), 14);
        assert_eq!(log.reboots().count(), 7);
        assert_eq!(log.records[1].end, SessionEnd::StillRunning);
        assert_eq!(log.records[1].host, "4.15.0-88-generi");
        assert_eq!(log.records[2].end, SessionEnd::Down);
        assert_eq!(log.records.last().unwrap().host, "4.15.0-76-generi");
        assert!(log.unclean_reboots().is_empty());
        assert_eq!(log.begins.unwrap().1, 16);
    }

    /// util-linux 2.38 `last -x -F` on a wtmp built with utmpdump: a clean shutdown then a
    /// boot, a boot without shutdown (crash), gone sessions and a runlevel record.
    pub(crate) const LAST_X_F: &str = "\
bob      pts/0        10.0.0.8         Thu Feb 15 03:20:00 2024   gone - no logout
reboot   system boot  5.15.0-94-generi Thu Feb 15 03:12:00 2024   still running
alice    pts/0        10.0.0.7         Tue Feb 13 07:10:00 2024 - crash                    (1+20:02)
reboot   system boot  5.15.0-94-generi Tue Feb 13 07:00:00 2024   still running
shutdown system down  5.15.0-91-generi Mon Feb 12 18:00:00 2024 - Tue Feb 13 07:00:00 2024  (13:00)
root     tty1                          Sat Feb 10 10:00:00 2024 - down                     (2+08:00)
alice    pts/0        10.0.0.7         Sat Feb 10 08:05:00 2024 - Sat Feb 10 09:00:00 2024  (00:55)
runlevel (to lvl 5)   5.15.0-91-generi Sat Feb 10 08:00:10 2024 - Mon Feb 12 18:00:00 2024 (2+09:59)
reboot   system boot  5.15.0-91-generi Sat Feb 10 08:00:00 2024 - Mon Feb 12 18:00:00 2024 (2+10:00)

wtmp begins Sat Feb 10 08:00:00 2024
";

    #[test]
    fn full_times_and_shutdown_records() {
        let log = parse(LAST_X_F).unwrap();
        assert_eq!(log.records.len(), 9);
        assert_eq!(log.records[0].end, SessionEnd::GoneNoLogout);
        assert_eq!(
            log.records[1].start,
            LastTime::Full(date(2024, 2, 15).at(3, 12, 0, 0))
        );
        let shutdown = &log.records[4];
        assert_eq!(shutdown.kind, RecordKind::Shutdown);
        assert_eq!(shutdown.tty, "system down");
        assert_eq!(
            shutdown.end,
            SessionEnd::At(date(2024, 2, 13).at(7, 0, 0, 0))
        );
        assert_eq!(shutdown.duration, Some(SignedDuration::from_hours(13)));
        let runlevel = &log.records[7];
        assert_eq!(runlevel.kind, RecordKind::Runlevel);
        assert_eq!(runlevel.tty, "(to lvl 5)");
        assert_eq!(runlevel.host, "5.15.0-91-generi");
        assert_eq!(log.records[5].host, "", "local login has no host");
        let unclean = log.unclean_reboots();
        assert_eq!(unclean.len(), 1);
        assert_eq!(unclean[0].reboot_line, 2);
        // Both rules point at the Feb 15 boot; the crash is found first.
        assert_eq!(unclean[0].reason, UncleanReason::SessionCrashed);
        assert_eq!(unclean[0].evidence_line, 3);
    }

    #[test]
    fn boot_after_boot_without_sessions_is_unclean_with_x() {
        let text = "\
reboot   system boot  5.15.0-94-generi Thu Feb 15 03:12:00 2024   still running
reboot   system boot  5.15.0-94-generi Tue Feb 13 07:00:00 2024   still running
shutdown system down  5.15.0-91-generi Mon Feb 12 18:00:00 2024 - Tue Feb 13 07:00:00 2024  (13:00)
reboot   system boot  5.15.0-91-generi Sat Feb 10 08:00:00 2024 - Mon Feb 12 18:00:00 2024 (2+10:00)
";
        let unclean = parse(text).unwrap().unclean_reboots();
        assert_eq!(
            unclean,
            [UncleanReboot {
                reboot_line: 1,
                evidence_line: 2,
                reason: UncleanReason::NoShutdownBefore
            }]
        );
    }

    #[test]
    fn partial_times_resolve_before_the_reference() {
        let feb17 = PartialTime {
            weekday: Weekday::Monday,
            month: 2,
            day: 17,
            hour: 9,
            minute: 29,
        };
        // Feb 17 2025 was a Monday.
        assert_eq!(
            feb17.resolve(date(2025, 3, 1).at(0, 0, 0, 0)),
            Some(date(2025, 2, 17).at(9, 29, 0, 0))
        );
        // Seen from January 2025, Monday Feb 17 is in 2020 (the previous Monday Feb 17).
        assert_eq!(
            feb17.resolve(date(2025, 1, 10).at(0, 0, 0, 0)),
            Some(date(2020, 2, 17).at(9, 29, 0, 0))
        );
        let feb30 = PartialTime { day: 30, ..feb17 };
        assert_eq!(feb30.resolve(date(2025, 3, 1).at(0, 0, 0, 0)), None);
    }

    #[test]
    fn empty_and_garbage() {
        let log = parse("\nwtmp begins Tue May 20 00:00:00 2025\n").unwrap();
        assert!(log.records.is_empty());
        assert_eq!(log.begins.unwrap().1, 2);
        let err = parse("no such file\n").unwrap_err();
        assert_eq!(err.line, 1);
        let err = parse("reboot   system boot  5.15 Thu Feb 31 03:12:00 2024   still running\n")
            .unwrap_err();
        assert!(err.expected.contains("date"), "{err}");
    }

    #[test]
    fn a_duration_too_long_for_any_clock_is_an_error_not_a_crash() {
        // Found by the parser properties (facts/host/properties.rs): `(9999999999999999:10)`
        // overflowed the minutes, and SignedDuration::from_mins panicked past i64 seconds.
        for duration in ["(9999999999999999:10)", "(153722867280912930+00:00)"] {
            let text = format!(
                "alice    pts/0        10.0.0.7         Tue Feb 13 07:10 - down   {duration}\n"
            );
            let err = parse(&text).unwrap_err();
            assert_eq!(err.line, 1);
            assert!(err.expected.contains("duration"), "{err}");
        }
        // The longest that fits still reads.
        let text =
            "alice    pts/0        10.0.0.7         Tue Feb 13 07:10 - down   (99999+23:59)\n";
        let log = parse(text).unwrap();
        assert_eq!(
            log.records[0].duration,
            Some(SignedDuration::from_mins((99_999 * 24 + 23) * 60 + 59))
        );
    }
}
