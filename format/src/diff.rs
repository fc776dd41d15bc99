//! The diff format (`kbundle-diff/v1`): what changed between two sets of bundles of the same
//! cluster, as `kbundle diff` writes it. docs/diff.md describes every field.
//!
//! Findings keep the analysis format's shape, so a ticket system that reads one reads the
//! other; cluster and node state changes are [`Change`]s with the evidence of both sides.

use crate::analysis::{BundleSummary, Finding, Severity, Subject};
use serde::{Deserialize, Serialize};

/// The format string of this version.
pub const DIFF_FORMAT_V1: &str = "kbundle-diff/v1";

/// What changed between the `old` bundles and the `new` ones.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Diff {
    /// Always [`DIFF_FORMAT_V1`].
    pub format: String,
    /// The program that wrote it.
    pub tool: crate::manifest::Tool,
    /// The bundles of the earlier side, merged like `kbundle analyze` merges them.
    pub old: Vec<BundleSummary>,
    /// The bundles of the later side.
    pub new: Vec<BundleSummary>,
    /// Findings that appeared, went away, or stayed.
    pub findings: FindingChanges,
    /// Changes of cluster and node state, most important area first.
    pub changes: Vec<Change>,
}

/// Findings matched across the two sides by rule and subject (pods by their workload and
/// container, so a restarted pod with a new name is the same problem).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FindingChanges {
    /// Only in the new bundles: root causes first, as the analysis orders them.
    pub new: Vec<Finding>,
    /// Only in the old bundles.
    pub resolved: Vec<Finding>,
    /// In both, as the new bundles show them, with what changed.
    pub persisting: Vec<Persisting>,
}

/// A finding present on both sides.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Persisting {
    /// The finding as the new bundles show it.
    pub finding: Finding,
    /// Its severity in the old bundles.
    pub old_severity: Severity,
    /// Its count in the old bundles.
    pub old_count: u64,
}

impl Persisting {
    /// Whether its severity or its count changed: the persisting findings worth showing.
    pub fn changed(&self) -> bool {
        self.old_severity != self.finding.severity || self.old_count != self.finding.count
    }
}

/// What part of the cluster a change is about.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    /// A node object: added, removed, Ready, versions, kernel, taints, capacity; time drift.
    Node,
    /// The control plane and API: server version, API groups, CRDs.
    Api,
    /// A static-pod manifest on a node.
    StaticPod,
    /// A kubelet or container runtime configuration file on a node.
    Config,
    /// A node's reboots between the two collections.
    Reboot,
    /// A controller's images, replicas, resources or probes.
    Workload,
    /// Restarts of a container that grew.
    Pod,
    /// Warning event reasons that appeared.
    Event,
    /// A filesystem whose use grew past a threshold.
    Filesystem,
    /// Interfaces, MTU, addresses and routes of a node.
    Network,
    /// Multipath paths and iSCSI sessions of a node.
    Storage,
}

impl Area {
    /// The name used in the JSON (`static-pod`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Node => "node",
            Area::Api => "api",
            Area::StaticPod => "static-pod",
            Area::Config => "config",
            Area::Reboot => "reboot",
            Area::Workload => "workload",
            Area::Pod => "pod",
            Area::Event => "event",
            Area::Filesystem => "filesystem",
            Area::Network => "network",
            Area::Storage => "storage",
        }
    }
}

/// Which side a piece of evidence comes from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// The earlier bundles.
    Old,
    /// The later bundles.
    New,
}

impl Side {
    /// `old` or `new`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Old => "old",
            Side::New => "new",
        }
    }
}

/// Where a side shows what it shows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SideEvidence {
    /// The side.
    pub side: Side,
    /// The file inside that side's bundle.
    pub file: String,
    /// The 1-based line, when the file has lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The text there.
    pub text: String,
}

/// One change of state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Change {
    /// What part of the cluster.
    pub area: Area,
    /// What it is about.
    pub subject: Subject,
    /// One sentence: what changed.
    pub what: String,
    /// The old value (absent when the thing is new).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<serde_json::Value>,
    /// The new value (absent when the thing is gone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<serde_json::Value>,
    /// A unified diff of the file, for manifests and configuration files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unified_diff: Option<String>,
    /// Where each side shows it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<SideEvidence>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_names_are_the_json_names() {
        for a in [
            Area::Node,
            Area::Api,
            Area::StaticPod,
            Area::Config,
            Area::Reboot,
            Area::Workload,
            Area::Pod,
            Area::Event,
            Area::Filesystem,
            Area::Network,
            Area::Storage,
        ] {
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
    }
}
