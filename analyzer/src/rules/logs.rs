//! Log rules: turn the log scanner's hits into findings, and give other rules the lines
//! that explain a crash.

use crate::facts::Facts;

/// A log line that explains why a container died.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CauseLine {
    /// The log file inside the bundle.
    pub file: String,
    /// 1-based line.
    pub line: u64,
    /// The line.
    pub text: String,
}

/// The error lines of a container's previous (else current) log, newest last.
pub fn crash_causes(facts: &Facts, namespace: &str, pod: &str, container: &str) -> Vec<CauseLine> {
    let _ = (facts, namespace, pod, container);
    Vec::new()
}

/// Adds the log lines rules matched to the timeline.
pub fn timeline(
    facts: &Facts,
    add: &mut dyn FnMut(jiff::Timestamp, kbundle_format::analysis::TimelineEntry),
) {
    let _ = (facts, add);
}
