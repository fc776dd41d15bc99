//! Ages as the API server prints them (`5m10s`, `3h4m`, `12d`), counted from the bundle's
//! collection time so that a bundle read a month later still shows the ages the cluster had.

use jiff::Timestamp;

/// `translateTimestampSince`: the age of an RFC 3339 time at `now`; `<unknown>` when absent or
/// unreadable.
pub(crate) fn since(timestamp: &str, now: Timestamp) -> String {
    match timestamp.parse::<Timestamp>() {
        Ok(t) => human_duration(now.as_second() - t.as_second()),
        Err(_) => "<unknown>".to_string(),
    }
}

/// The duration between two RFC 3339 times (a job's start and completion).
pub(crate) fn between(start: &str, end: &str) -> Option<String> {
    let s = start.parse::<Timestamp>().ok()?;
    let e = end.parse::<Timestamp>().ok()?;
    Some(human_duration(e.as_second() - s.as_second()))
}

pub(crate) use kbundle_kube::printers::human_duration;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_of_rfc3339_times() {
        let now: Timestamp = "2022-12-21T16:44:00Z".parse().unwrap();
        assert_eq!(since("2022-12-21T16:40:00Z", now), "4m");
        assert_eq!(since("", now), "<unknown>");
        assert_eq!(
            between("2022-12-21T16:40:00Z", "2022-12-21T16:40:30Z").as_deref(),
            Some("30s")
        );
    }
}
