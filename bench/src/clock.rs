//! Log timestamps in the shapes real logs use, formatted without a time library per line
//! (a large bundle has hundreds of millions of lines).

use std::io::Write;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A moment in UTC, split into civil fields.
#[derive(Clone, Copy)]
pub struct Stamp {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    micros: u32,
}

impl Stamp {
    /// The civil fields of `micros` since the unix epoch.
    pub fn at(micros: i64) -> Self {
        let secs = micros.div_euclid(1_000_000);
        let days = secs.div_euclid(86_400);
        let in_day = secs.rem_euclid(86_400) as u32;
        // Days to civil date (proleptic Gregorian), after H. Hinnant's algorithm.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Stamp {
            year,
            month,
            day,
            hour: in_day / 3600,
            minute: in_day / 60 % 60,
            second: in_day % 60,
            micros: micros.rem_euclid(1_000_000) as u32,
        }
    }

    /// `2026-11-27T10:00:00.123456Z` with `digits` fraction digits (0, 3, 6 or 9).
    pub fn rfc3339(&self, out: &mut Vec<u8>, digits: u32) {
        let _ = write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        let _ = match digits {
            3 => write!(out, ".{:03}", self.micros / 1000),
            6 => write!(out, ".{:06}", self.micros),
            9 => write!(out, ".{:06}{:03}", self.micros, self.micros % 997),
            _ => Ok(()),
        };
        out.push(b'Z');
    }

    /// journalctl `-o short-iso`: `2026-11-27T10:00:00+0000`.
    pub fn short_iso(&self, out: &mut Vec<u8>) {
        let _ = write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+0000",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
    }

    /// syslog: `Nov 27 10:00:00` (no year).
    pub fn syslog(&self, out: &mut Vec<u8>) {
        let _ = write!(
            out,
            "{} {:2} {:02}:{:02}:{:02}",
            MONTHS[(self.month - 1) as usize],
            self.day,
            self.hour,
            self.minute,
            self.second
        );
    }

    /// klog's header stamp: `1127 10:00:00.123456`.
    pub fn klog(&self, out: &mut Vec<u8>) {
        let _ = write!(
            out,
            "{:02}{:02} {:02}:{:02}:{:02}.{:06}",
            self.month, self.day, self.hour, self.minute, self.second, self.micros
        );
    }

    /// nginx's access-log stamp: `27/Nov/2026:10:00:00 +0000`.
    pub fn clf(&self, out: &mut Vec<u8>) {
        let _ = write!(
            out,
            "{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000",
            self.day,
            MONTHS[(self.month - 1) as usize],
            self.year,
            self.hour,
            self.minute,
            self.second
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_a_known_moment() {
        // 2026-11-27T10:00:00.123456Z
        let stamp = Stamp::at(1_795_773_600_123_456);
        let mut out = Vec::new();
        stamp.rfc3339(&mut out, 6);
        out.push(b' ');
        stamp.syslog(&mut out);
        out.push(b' ');
        stamp.klog(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "2026-11-27T10:00:00.123456Z Nov 27 10:00:00 1127 10:00:00.123456"
        );
    }
}
