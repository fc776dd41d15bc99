//! The parsed node command outputs of one host, each with the file it came from.

/// Parsed outputs of a node's commands; filled by [`crate::ingest`] from the parsers in
/// [`super::host`].
#[derive(Debug, Clone, Default)]
pub struct HostOutputs {}

impl HostOutputs {
    /// Keeps what this host already has, takes the rest from `other`.
    pub fn merge(&mut self, other: HostOutputs) {
        let _ = other;
    }
}
