//! `date` (and `date --utc`) in the C locale, as sosreports hold it: when the report was
//! taken (`Thu Feb 10 16:19:17 UTC 2022`).
//!
//! Only a zone that names UTC (`UTC`, `GMT`, `Z`) gives a point in time: other abbreviations
//! (`CET`, `EST`, `IST`) are ambiguous, so such an output says nothing (`Ok(None)`) and the
//! caller takes another source (`date --utc`, timedatectl's `Universal time`).
//!
//! Strictness: table of one row. The first non-blank line must have the six fields
//! `weekday month day hh:mm:ss zone year`; anything else is an error.

use super::{numbered_lines, ParseError};
use jiff::civil::{Date, DateTime, Time};
use jiff::Timestamp;

const EXPECTED: &str = "`Www Mmm dd hh:mm:ss ZONE yyyy`";

/// Parses the output of `date`: the moment it printed, when its zone is UTC.
pub(crate) fn parse(text: &str) -> Result<Option<Timestamp>, ParseError> {
    let Some((n, line)) = numbered_lines(text).find(|(_, l)| !l.trim().is_empty()) else {
        return Err(ParseError::new(1, EXPECTED, ""));
    };
    let bad = || ParseError::new(n, EXPECTED, line);
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [_weekday, month, day, clock, zone, year] = fields.as_slice() else {
        return Err(bad());
    };
    let month = MONTHS.iter().position(|m| m == month).ok_or_else(bad)?;
    let day: i8 = day.parse().map_err(|_| bad())?;
    let year: i16 = year.parse().map_err(|_| bad())?;
    let clock: Vec<i8> = clock
        .split(':')
        .map(|p| p.parse().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let [h, m, s] = clock.as_slice() else {
        return Err(bad());
    };
    let date = Date::new(year, month as i8 + 1, day).map_err(|_| bad())?;
    let time = Time::new(*h, *m, (*s).min(59), 0).map_err(|_| bad())?;
    if !matches!(*zone, "UTC" | "GMT" | "Z") {
        return Ok(None);
    }
    let at = jiff::tz::Offset::UTC
        .to_timestamp(DateTime::from_parts(date, time))
        .map_err(|_| bad())?;
    Ok(Some(at))
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates_give_their_moment_other_zones_none() {
        let t = parse("Thu Feb 10 16:19:17 UTC 2022\n").unwrap().unwrap();
        assert_eq!(t.to_string(), "2022-02-10T16:19:17Z");
        let t = parse("Mon Mar  4 09:05:00 GMT 2024").unwrap().unwrap();
        assert_eq!(t.to_string(), "2024-03-04T09:05:00Z");
        assert_eq!(parse("Thu Feb 10 17:19:17 CET 2022").unwrap(), None);
    }

    #[test]
    fn anything_else_is_an_error_naming_the_line() {
        for bad in [
            "",
            "yesterday",
            "Thu Foo 10 16:19:17 UTC 2022",
            "Thu Feb 31 16:19:17 UTC 2022",
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.expected.contains("hh:mm:ss"), "{bad}: {e}");
        }
    }
}
