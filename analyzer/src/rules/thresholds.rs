//! The numbers the object and host rules judge by, as data: `analyzer/tables/thresholds.yaml`,
//! compiled in, read once and checked (unknown or missing keys, durations that are not
//! positive, a warning level above its critical one are refused; the test below holds that).

use jiff::SignedDuration;
use serde::{Deserialize, Deserializer};
use std::sync::OnceLock;

const TABLE: &str = include_str!("../../tables/thresholds.yaml");

/// Every threshold; docs in the YAML say which rule reads which.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Thresholds {
    #[serde(deserialize_with = "duration")]
    pub incident_window: SignedDuration,
    #[serde(deserialize_with = "duration")]
    pub stale_events: SignedDuration,
    #[serde(deserialize_with = "duration")]
    pub stuck_pending: SignedDuration,
    pub restart_storm: i64,
    #[serde(deserialize_with = "duration")]
    pub certificate_expiry_warning: SignedDuration,
    #[serde(deserialize_with = "duration")]
    pub same_boot: SignedDuration,
    pub startup: Startup,
    pub disk: Disk,
    pub memory: Memory,
}

/// Startup noise windows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Startup {
    #[serde(deserialize_with = "duration")]
    pub grace: SignedDuration,
    #[serde(deserialize_with = "duration")]
    pub boot: SignedDuration,
}

/// Filesystem use levels.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Disk {
    pub warning_percent: u8,
    pub critical_percent: u8,
}

/// Memory levels.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Memory {
    pub low_percent: u64,
    pub critical_percent: u64,
    pub swap_full_percent: u64,
    pub swap_matters_percent: u64,
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<SignedDuration, D::Error> {
    let text = String::deserialize(d)?;
    match text.parse::<SignedDuration>() {
        Ok(v) if v.is_positive() => Ok(v),
        Ok(_) => Err(serde::de::Error::custom(format!(
            "{text:?} is not a positive duration"
        ))),
        Err(e) => Err(serde::de::Error::custom(format!("{text:?}: {e}"))),
    }
}

/// Why the table is refused.
fn check(t: &Thresholds) -> Result<(), String> {
    if !(t.disk.warning_percent < t.disk.critical_percent && t.disk.critical_percent <= 100) {
        return Err(
            "disk: warning_percent must be below critical_percent, both at most 100".into(),
        );
    }
    if t.memory.critical_percent >= t.memory.low_percent {
        return Err("memory: critical_percent must be below low_percent".into());
    }
    if t.restart_storm < 1 {
        return Err("restart_storm must be at least 1".into());
    }
    Ok(())
}

fn parse(text: &str) -> Result<Thresholds, String> {
    let t: Thresholds = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    check(&t)?;
    Ok(t)
}

/// The thresholds compiled into the binary.
pub(crate) fn thresholds() -> &'static Thresholds {
    static TABLE_READ: OnceLock<Thresholds> = OnceLock::new();
    TABLE_READ.get_or_init(|| {
        // The table is part of the source: the test below reads it, so a release cannot
        // carry one that does not parse.
        parse(TABLE).unwrap_or_else(|e| panic!("analyzer/tables/thresholds.yaml: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_table_reads_and_holds_the_documented_values() {
        let t = parse(TABLE).unwrap();
        assert_eq!(t.incident_window, SignedDuration::from_hours(72));
        assert_eq!(t.disk.warning_percent, 85);
        assert_eq!(t.startup.grace, SignedDuration::from_mins(5));
    }

    #[test]
    fn a_table_that_does_not_hold_is_refused() {
        let bad_level = TABLE.replace("warning_percent: 85", "warning_percent: 97");
        assert!(parse(&bad_level).unwrap_err().contains("disk"));
        let bad_duration = TABLE.replace("stuck_pending: 15m", "stuck_pending: soon");
        assert!(parse(&bad_duration).unwrap_err().contains("soon"));
        let unknown = format!("{TABLE}\nrestart_strom: 3\n");
        assert!(parse(&unknown).is_err());
    }
}
