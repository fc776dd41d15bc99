//! `uptime`: time since boot (a recent reboot explains restarts), users and load averages.
//!
//! Forms: `10:12:03 up 5 days,  3:02,  2 users,  load average: 0.00, 0.01, 0.05`, with the
//! uptime as `3:02`, `20 min`, `5 days, 3:02`, `1 day, 20 min`, `2 days` and the users part
//! missing on busybox.
//!
//! Strictness: table of one row. The first non-blank line must be an uptime line; any
//! further non-blank line is an error.

use std::sync::LazyLock;

use jiff::civil;
use jiff::SignedDuration;
use regex::Regex;

use super::{numbered_lines, ParseError};

static UPTIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(\d{1,2}):(\d{2}):(\d{2})\s+up\s+(.*?),\s+(?:(\d+)\s+users?,\s+)?load averages?:\s+(\d+\.\d+),?\s+(\d+\.\d+),?\s+(\d+\.\d+)\s*$",
    )
    .expect("valid uptime regex")
});

/// What `uptime` printed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uptime {
    /// The node's local time of day when the command ran.
    pub time_of_day: civil::Time,
    /// Time since boot (minute precision).
    pub up: SignedDuration,
    /// Logged-in users, when printed.
    pub users: Option<u32>,
    /// Load averages over 1, 5 and 15 minutes.
    pub load: [f64; 3],
    /// 1-based line.
    pub line: usize,
}

/// Parses `uptime` output.
pub(crate) fn parse(text: &str) -> Result<Uptime, ParseError> {
    let mut found: Option<Uptime> = None;
    for (n, line) in numbered_lines(text) {
        if line.trim().is_empty() {
            continue;
        }
        if found.is_some() {
            return Err(ParseError::new(n, "nothing after the uptime line", line));
        }
        found = Some(parse_line(n, line)?);
    }
    // Blank text: point at its first line (quoting all of it would put line breaks in the
    // one-line message).
    found.ok_or_else(|| ParseError::new(1, "an uptime line", text.lines().next().unwrap_or("")))
}

fn parse_line(n: usize, line: &str) -> Result<Uptime, ParseError> {
    let expected = "an uptime line `hh:mm:ss up ..., N users, load average: a, b, c`";
    let bad = || ParseError::new(n, expected, line);
    let caps = UPTIME.captures(line).ok_or_else(bad)?;
    let part = |i: usize| caps[i].parse::<i8>().map_err(|_| bad());
    let time_of_day = civil::Time::new(part(1)?, part(2)?, part(3)?, 0).map_err(|_| bad())?;
    let up = up_duration(&caps[4]).ok_or_else(bad)?;
    let users = match caps.get(5) {
        Some(m) => Some(m.as_str().parse().map_err(|_| bad())?),
        None => None,
    };
    let load = |i: usize| caps[i].parse::<f64>().map_err(|_| bad());
    Ok(Uptime {
        time_of_day,
        up,
        users,
        load: [load(6)?, load(7)?, load(8)?],
        line: n,
    })
}

/// `5 days,  3:02` / `1 day, 20 min` / `3:02` / `12 min` / `2 days` → duration.
fn up_duration(text: &str) -> Option<SignedDuration> {
    let mut minutes: i64 = 0;
    for piece in text.split(',').map(str::trim) {
        let mut words = piece.split_whitespace();
        let first = words.next()?;
        let unit = words.next();
        // Checked throughout: a number too big for a duration is a line that does not read.
        let number = |s: &str| s.parse::<i64>().ok();
        let value = match (first.split_once(':'), unit) {
            (Some((h, m)), None) => number(h)?.checked_mul(60)?.checked_add(number(m)?)?,
            (None, Some("day" | "days")) => number(first)?.checked_mul(24 * 60)?,
            (None, Some("min" | "mins")) => number(first)?,
            (None, Some("hr" | "hrs" | "hour" | "hours")) => number(first)?.checked_mul(60)?,
            _ => return None,
        };
        minutes = minutes.checked_add(value)?;
    }
    SignedDuration::try_from_mins(minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minutes(u: &Uptime) -> i64 {
        u.up.as_secs() / 60
    }

    #[test]
    fn procps_forms() {
        // procps-ng 4.0.2 (captured on this project's build host).
        let u = parse(" 23:34:31 up 12 min,  0 user,  load average: 0.33, 0.33, 0.14\n").unwrap();
        assert_eq!(u.time_of_day, civil::time(23, 34, 31, 0));
        assert_eq!((minutes(&u), u.users), (12, Some(0)));
        assert_eq!(u.load, [0.33, 0.33, 0.14]);
        let u =
            parse(" 10:12:03 up 5 days,  3:02,  2 users,  load average: 0.00, 0.01, 0.05").unwrap();
        assert_eq!(minutes(&u), 5 * 24 * 60 + 3 * 60 + 2);
        assert_eq!(u.users, Some(2));
        let u =
            parse(" 10:12:03 up 1 day, 20 min,  1 user,  load average: 12.50, 8.00, 4.25").unwrap();
        assert_eq!(minutes(&u), 24 * 60 + 20);
        assert_eq!(u.load[0], 12.5);
        let u = parse("10:12:03 up  3:02,  1 user,  load average: 0.00, 0.00, 0.00").unwrap();
        assert_eq!(minutes(&u), 182);
    }

    #[test]
    fn busybox_without_users() {
        let u = parse(" 10:12:03 up 120 days, 13:11,  load average: 0.10, 0.20, 0.30\n").unwrap();
        assert_eq!(u.users, None);
        assert_eq!(minutes(&u), 120 * 24 * 60 + 13 * 60 + 11);
    }

    #[test]
    fn errors() {
        assert_eq!(parse("").unwrap_err().line, 1);
        let err = parse("up a while\n").unwrap_err();
        assert!(err.expected.contains("uptime line"));
        let err = parse(" 10:12:03 up 3:02,  1 user,  load average: 0.00, 0.00, 0.00\nextra\n")
            .unwrap_err();
        assert_eq!(err.line, 2);
        assert!(parse(" 25:12:03 up 3:02,  1 user,  load average: 0.00, 0.00, 0.00").is_err());
    }

    #[test]
    fn numbers_too_big_for_a_duration_and_blank_text_are_one_line_errors() {
        // Found by the parser properties (facts/host/properties.rs): these multiplied past
        // i64 or past SignedDuration's range and panicked.
        for up in [
            "999999999999999999:00",
            "999999999999999999 days",
            "999999999999999999 hours",
            "153722867280912931 min",
        ] {
            let line = format!(" 10:12:03 up {up},  1 user,  load average: 0.00, 0.00, 0.00\n");
            assert_eq!(parse(&line).unwrap_err().line, 1, "{up}");
        }
        // Blank text was quoted whole: a line break inside a one-line message.
        let err = parse("\n\n").unwrap_err();
        assert_eq!((err.line, err.found.as_str()), (1, ""));
        assert!(!err.to_string().contains('\n'));
    }
}
