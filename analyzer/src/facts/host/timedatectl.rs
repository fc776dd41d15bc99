//! `timedatectl status` (all systemd generations) and `chronyc tracking`: is the node's clock
//! synchronized, and what UTC time did it report.
//!
//! Read keys: `System clock synchronized` (systemd ≥ 239), `NTP synchronized` (older),
//! `NTP service`, `NTP enabled`, `systemd-timesyncd.service active`, `Local time`,
//! `Universal time`; chrony's `Reference ID`, `Stratum`, `System time`, `Leap status`.
//!
//! Strictness: block report. Other lines (time zone, RTC, DST notes, warnings) are
//! skipped; text without any known key is an error.

use jiff::civil;

use super::{nothing_recognised, numbered_lines, ParseError};

/// Which tool printed the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClockSource {
    /// `timedatectl status`.
    #[default]
    Timedatectl,
    /// `chronyc tracking`.
    Chrony,
}

/// Time synchronization status of a node.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClockStatus {
    /// Which tool printed it.
    pub source: ClockSource,
    /// `System clock synchronized` / `NTP synchronized`, with its line.
    pub synchronized_flag: Option<(bool, usize)>,
    /// NTP service state: `active`, `inactive`, `n/a` (`NTP enabled: yes` and
    /// `systemd-timesyncd.service active: yes` are read as `active`).
    pub ntp_service: Option<String>,
    /// `Local time`, as printed (with its zone abbreviation).
    pub local_time: Option<String>,
    /// `Universal time`: what the node believed UTC was when the command ran.
    pub universal_time: Option<civil::DateTime>,
    /// chrony `Leap status`, with its line: `Normal`, `Not synchronised`, ...
    pub leap_status: Option<(String, usize)>,
    /// chrony `System time`: seconds the clock is ahead of NTP time (negative = behind).
    pub offset_seconds: Option<f64>,
    /// chrony `Stratum`.
    pub stratum: Option<u32>,
    /// chrony `Reference ID` (`C0A80101 (192.168.1.1)`; `00000000 ()` = none).
    pub reference_id: Option<String>,
}

impl ClockStatus {
    /// Whether the clock is synchronized: timedatectl's flag, or chrony's leap status
    /// (anything but `Not synchronised` counts as synchronized). `None` when the output
    /// does not say.
    pub fn synchronized(&self) -> Option<bool> {
        if let Some((flag, _)) = self.synchronized_flag {
            return Some(flag);
        }
        self.leap_status
            .as_ref()
            .map(|(status, _)| !status.starts_with("Not synchronised"))
    }

    /// The line that answered [`synchronized`](Self::synchronized), for evidence.
    pub fn synchronized_line(&self) -> Option<usize> {
        self.synchronized_flag
            .map(|(_, line)| line)
            .or_else(|| self.leap_status.as_ref().map(|(_, line)| *line))
    }
}

/// Parses `timedatectl status` or `chronyc tracking`.
pub(crate) fn parse(text: &str) -> Result<ClockStatus, ParseError> {
    let mut status = ClockStatus::default();
    let mut recognised = false;
    for (n, raw) in numbered_lines(text) {
        let Some((key, value)) = raw.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        let yes_no = |v: &str| match v {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        let bad = |what: &str| ParseError::new(n, what.to_string(), raw);
        match key {
            "System clock synchronized" | "NTP synchronized" => {
                let flag = yes_no(value).ok_or_else(|| bad("`yes` or `no`"))?;
                status.synchronized_flag = Some((flag, n));
            }
            "NTP service" => status.ntp_service = Some(value.to_string()),
            "NTP enabled" | "systemd-timesyncd.service active" | "Network time on" => {
                let flag = yes_no(value).ok_or_else(|| bad("`yes` or `no`"))?;
                status.ntp_service = Some(if flag { "active" } else { "inactive" }.to_string());
            }
            "Local time" => status.local_time = Some(value.to_string()),
            "Universal time" if value == "n/a" => {}
            "Universal time" => {
                status.universal_time = Some(
                    universal_time(value)
                        .ok_or_else(|| bad("a time like `Tue 2020-01-07 14:33:49 UTC`"))?,
                );
            }
            "Leap status" => {
                status.source = ClockSource::Chrony;
                status.leap_status = Some((value.to_string(), n));
            }
            "System time" => {
                status.source = ClockSource::Chrony;
                status.offset_seconds = Some(
                    chrony_offset(value).ok_or_else(|| bad("`N seconds fast|slow of NTP time`"))?,
                );
            }
            "Stratum" => {
                status.source = ClockSource::Chrony;
                status.stratum = Some(value.parse().map_err(|_| bad("a numeric stratum"))?);
            }
            "Reference ID" => {
                status.source = ClockSource::Chrony;
                status.reference_id = Some(value.to_string());
            }
            _ => continue,
        }
        recognised = true;
    }
    if !recognised {
        if let Some(err) = nothing_recognised(
            text,
            "timedatectl (`System clock synchronized: yes`) or chronyc tracking output",
        ) {
            return Err(err);
        }
    }
    Ok(status)
}

/// `Tue 2020-01-07 14:33:49 UTC` → 2020-01-07T14:33:49; `n/a` → None.
fn universal_time(value: &str) -> Option<civil::DateTime> {
    let mut words = value.split_whitespace();
    let first = words.next()?;
    // The weekday is optional in some builds.
    let date = if first.contains('-') {
        first
    } else {
        words.next()?
    };
    let time = words.next()?;
    format!("{date}T{time}").parse().ok()
}

/// `0.000001234 seconds fast of NTP time` → 1.234e-6; `slow` → negative.
fn chrony_offset(value: &str) -> Option<f64> {
    let mut words = value.split_whitespace();
    let seconds: f64 = words.next()?.parse().ok()?;
    match (words.next()?, words.next()?) {
        ("seconds", "fast") => Some(seconds),
        ("seconds", "slow") => Some(-seconds),
        _ => None,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use jiff::civil::date;

    /// systemd 249 (Ubuntu 22.04), unsynchronized.
    pub(crate) const MODERN_UNSYNCED: &str = "\
               Local time: Sat 2027-12-25 00:02:26 UTC
           Universal time: Sat 2027-12-25 00:02:26 UTC
                 RTC time: Fri 2025-10-31 05:07:35
                Time zone: UTC (UTC, +0000)
System clock synchronized: no
              NTP service: active
          RTC in local TZ: no
";

    /// systemd 219 (CentOS 7), with the DST note lines.
    pub(crate) const CENTOS7: &str = "\
      Local time: Tue 2020-01-07 09:33:49 EST
  Universal time: Tue 2020-01-07 14:33:49 UTC
        RTC time: Tue 2020-01-07 14:33:48
       Time zone: America/New_York (EST, -0500)
     NTP enabled: yes
NTP synchronized: yes
 RTC in local TZ: no
      DST active: no
 Last DST change: DST ended at
                  Sun 2019-11-03 01:59:59 EDT
                  Sun 2019-11-03 01:00:59 EST
";

    /// systemd 237 (Ubuntu 18.04).
    pub(crate) const UBUNTU1804: &str = "\
                      Local time: Tue 2020-03-03 10:58:24 PST
                  Universal time: Tue 2020-03-03 18:58:24 UTC
                        RTC time: Tue 2020-03-03 18:58:24
                       Time zone: America/Los_Angeles (PST, -0800)
       System clock synchronized: yes
systemd-timesyncd.service active: yes
                 RTC in local TZ: no
";

    #[test]
    fn timedatectl_generations() {
        let modern = parse(MODERN_UNSYNCED).unwrap();
        assert_eq!(modern.synchronized(), Some(false));
        assert_eq!(modern.synchronized_line(), Some(5));
        assert_eq!(modern.ntp_service.as_deref(), Some("active"));
        assert_eq!(
            modern.universal_time,
            Some(date(2027, 12, 25).at(0, 2, 26, 0))
        );
        let old = parse(CENTOS7).unwrap();
        assert_eq!(old.synchronized(), Some(true));
        assert_eq!(old.ntp_service.as_deref(), Some("active"));
        assert_eq!(old.universal_time, Some(date(2020, 1, 7).at(14, 33, 49, 0)));
        assert_eq!(
            old.local_time.as_deref(),
            Some("Tue 2020-01-07 09:33:49 EST")
        );
        let bionic = parse(UBUNTU1804).unwrap();
        assert_eq!(bionic.synchronized(), Some(true));
        assert_eq!(bionic.source, ClockSource::Timedatectl);
        assert_eq!(bionic.ntp_service.as_deref(), Some("active"));
    }

    /// chrony 4.x, synchronized and not.
    pub(crate) const CHRONY_SYNCED: &str = "\
Reference ID    : C0A80101 (192.168.1.1)
Stratum         : 3
Ref time (UTC)  : Thu Feb 15 12:34:56 2024
System time     : 0.000001234 seconds fast of NTP time
Last offset     : +0.000002345 seconds
RMS offset      : 0.000012345 seconds
Frequency       : 12.345 ppm slow
Residual freq   : +0.001 ppm
Skew            : 0.012 ppm
Root delay      : 0.012345678 seconds
Root dispersion : 0.001234567 seconds
Update interval : 64.2 seconds
Leap status     : Normal
";

    pub(crate) const CHRONY_UNSYNCED: &str = "\
Reference ID    : 00000000 ()
Stratum         : 0
Ref time (UTC)  : Thu Jan 01 00:00:00 1970
System time     : 2.500000000 seconds slow of NTP time
Last offset     : +0.000000000 seconds
Leap status     : Not synchronised
";

    #[test]
    fn chrony_tracking() {
        let synced = parse(CHRONY_SYNCED).unwrap();
        assert_eq!(synced.source, ClockSource::Chrony);
        assert_eq!(synced.synchronized(), Some(true));
        assert_eq!(synced.synchronized_line(), Some(13));
        assert_eq!(synced.stratum, Some(3));
        assert_eq!(synced.offset_seconds, Some(0.000_001_234));
        assert_eq!(synced.universal_time, None);
        let unsynced = parse(CHRONY_UNSYNCED).unwrap();
        assert_eq!(unsynced.synchronized(), Some(false));
        assert_eq!(unsynced.offset_seconds, Some(-2.5));
        assert_eq!(unsynced.reference_id.as_deref(), Some("00000000 ()"));
    }

    #[test]
    fn unknown_output_is_an_error() {
        let err = parse("System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n").unwrap_err();
        assert_eq!(err.line, 1);
        let err = parse("System clock synchronized: maybe\n").unwrap_err();
        assert!(err.expected.contains("yes"), "{err}");
        assert_eq!(parse("").unwrap().synchronized(), None);
        let container = parse("Universal time: n/a\nNTP service: n/a\n").unwrap();
        assert_eq!(container.universal_time, None);
        assert_eq!(container.synchronized(), None);
    }
}
