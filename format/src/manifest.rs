//! The bookkeeping files of a bundle: `manifest.json`, the `-info.json` of each node
//! command, `certificates.json`, `<kind>-errors.json` and `redaction-report.json`.
//!
//! Readers must accept older or foreign bundles, so every field that a producer might leave
//! out has a default.

use serde::{Deserialize, Serialize};

/// The value of `manifest.format` for this version of the format.
pub const FORMAT_V1: &str = "kbundle/v1";

/// `manifest.json`: what the collector did, so that the analyzer can tell missing data from
/// healthy data.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Always [`FORMAT_V1`] for bundles of this version.
    #[serde(default)]
    pub format: String,
    /// The program that wrote the bundle.
    #[serde(default)]
    pub tool: Tool,
    /// When collection started, RFC 3339 UTC.
    #[serde(default)]
    pub created: String,
    /// True when Ctrl-C or SIGTERM cut the collection short.
    #[serde(default)]
    pub interrupted: bool,
    /// The options the collector ran with.
    #[serde(default)]
    pub options: serde_json::Value,
    /// How the API server answered; absent for `--host-only` bundles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterAccess>,
    /// One row per collector, failed ones included.
    #[serde(default)]
    pub collectors: Vec<CollectorRun>,
    /// Every file of the bundle but the manifest itself.
    #[serde(default)]
    pub files: Vec<FileEntry>,
}

/// A program and its version.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tool {
    /// Program name.
    #[serde(default)]
    pub name: String,
    /// Its version.
    #[serde(default)]
    pub version: String,
}

/// How the API server was reached.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClusterAccess {
    /// False when the API server could not be reached at all.
    #[serde(default)]
    pub reachable: bool,
    /// The server URL from the kubeconfig.
    #[serde(default)]
    pub server: Option<String>,
    /// The kubeconfig context used.
    #[serde(default)]
    pub context: Option<String>,
    /// `gitVersion` from `/version`.
    #[serde(default)]
    pub version: Option<String>,
    /// Why it was not reachable.
    #[serde(default)]
    pub error: Option<String>,
}

/// How one collector ended.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum CollectorStatus {
    /// Everything it should have written is there.
    Ok,
    /// It failed; `error` says why.
    Error,
    /// It ran out of time; what it wrote before is kept.
    Timeout,
    /// It did not run (not applicable, tool not installed, interrupted).
    Skipped,
    /// The API refused (403).
    Forbidden,
    /// It ran, but its output was cut to the size cap.
    Truncated,
}

impl CollectorStatus {
    /// Statuses that mean data the analysis may need is missing.
    pub fn is_gap(self) -> bool {
        matches!(self, Self::Error | Self::Timeout | Self::Forbidden)
    }

    /// The word used in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Timeout => "timeout",
            Self::Skipped => "skipped",
            Self::Forbidden => "forbidden",
            Self::Truncated => "truncated",
        }
    }
}

/// One row of `manifest.collectors`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CollectorRun {
    /// e.g. `cluster-resources/pods` or `run/multipath-ll`.
    pub name: String,
    /// The node, for node collectors.
    #[serde(default)]
    pub node: Option<String>,
    /// How it ended.
    pub status: CollectorStatus,
    /// When it started, RFC 3339 UTC.
    #[serde(default)]
    pub started: Option<String>,
    /// How long it ran.
    #[serde(default)]
    pub duration_ms: u64,
    /// What went wrong, in words.
    #[serde(default)]
    pub error: Option<String>,
    /// Files it wrote.
    #[serde(default)]
    pub files: u64,
    /// Bytes it wrote.
    #[serde(default)]
    pub bytes: u64,
    /// How a node collected from elsewhere was reached (`node/<name>` rows of a fan-out run);
    /// absent on every other row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<Transport>,
    /// What the transport reached, for `node/<name>` rows: the SSH destination as the user
    /// gave it, or the agent pod that ran on the node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// The prefix of the one manifest row a fan-out run writes per node for the transport itself
/// (`node/worker-7`), beside the node's own rows (`run/df-h`, ...).
pub const NODE_ROW_PREFIX: &str = "node/";

/// How a node's data reached the bundle, in `node/<name>` rows.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// The collector ran on the node itself.
    Local,
    /// A pod of a temporary DaemonSet ran the node part and the result came through
    /// `pods/exec`.
    Daemonset,
    /// The node part ran over SSH and streamed its archive back.
    Ssh,
    /// A transport this version does not know (a newer collector wrote the bundle).
    #[serde(other)]
    Unknown,
}

impl Transport {
    /// The word used in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Daemonset => "daemonset",
            Self::Ssh => "ssh",
            Self::Unknown => "unknown",
        }
    }
}

/// One row of `manifest.files`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    /// Path relative to the bundle's top directory.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
}

/// `run/<id>-info.json`: how a node command ran.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct CommandInfo {
    /// The command line actually run (empty when none existed).
    #[serde(default)]
    pub argv: Vec<String>,
    /// Exit status; absent when killed or never started.
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// Wall time.
    #[serde(default)]
    pub duration_ms: u64,
    /// Killed at the timeout.
    #[serde(default)]
    pub timed_out: bool,
    /// Output cut to the size cap (newest part kept).
    #[serde(default)]
    pub truncated: bool,
    /// `"not found"` when no candidate exists, else what went wrong.
    #[serde(default)]
    pub error: Option<String>,
}

/// The `error` of a command none of whose candidates exists on the node.
pub const NOT_FOUND: &str = "not found";

/// One row of `certificates.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct CertificateRecord {
    /// Absolute path on the node.
    pub path: String,
    /// Subject DN.
    #[serde(default)]
    pub subject: String,
    /// Issuer DN.
    #[serde(default)]
    pub issuer: String,
    /// RFC 3339 UTC.
    #[serde(default)]
    pub not_before: String,
    /// RFC 3339 UTC.
    #[serde(default)]
    pub not_after: String,
    /// Subject alternative DNS names.
    #[serde(default)]
    pub dns_names: Vec<String>,
}

/// One row of `<kind>-errors.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct KindError {
    /// The namespace that failed; empty or absent for cluster-scoped kinds.
    #[serde(default)]
    pub namespace: Option<String>,
    /// The API's error.
    #[serde(default)]
    pub error: String,
}

/// One row of `redaction-report.json`: how often a rule fired in a file, never what it hid.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RedactionCount {
    /// Rule name.
    pub rule: String,
    /// Path inside the bundle.
    pub file: String,
    /// Matches replaced.
    pub count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_parses() {
        let json = r#"{
          "format": "kbundle/v1",
          "tool": {"name": "kbundle-collect", "version": "0.1.0"},
          "created": "2026-11-27T10:00:00Z",
          "interrupted": false,
          "options": {"since": "72h", "namespaces": ["*"], "log_max_bytes": 5242880},
          "cluster": {"reachable": true, "server": "https://10.0.0.1:6443", "context": "prod",
                      "version": "v1.28.3", "error": null},
          "collectors": [
            {"name": "cluster-resources/pods", "node": null, "status": "ok",
             "started": "2026-11-27T10:00:01Z", "duration_ms": 812, "error": null, "files": 12, "bytes": 190233},
            {"name": "run/multipath-ll", "node": "worker-3", "status": "timeout",
             "started": "2026-11-27T10:00:01Z", "duration_ms": 30000, "error": "killed after 30 s", "files": 1, "bytes": 0}
          ],
          "files": [{"path": "cluster-resources/pods/default.json", "size": 1234, "sha256": "00"}]
        }"#;
        let m: Manifest = serde_json::from_str(json).unwrap();
        assert_eq!(m.collectors[1].status, CollectorStatus::Timeout);
        assert!(m.collectors[1].status.is_gap());
        assert_eq!(m.cluster.unwrap().version.as_deref(), Some("v1.28.3"));
        assert_eq!(m.collectors[0].transport, None);
    }

    #[test]
    fn node_rows_of_a_fan_out_carry_their_transport() {
        let json = r#"{"name": "node/worker-7", "node": "worker-7", "status": "timeout",
            "transport": "ssh", "target": "ssh://root@10.0.0.17", "started": "2026-11-27T10:00:01Z",
            "duration_ms": 600000, "error": "no result after --node-timeout 10m"}"#;
        let row: CollectorRun = serde_json::from_str(json).unwrap();
        assert_eq!(row.transport, Some(Transport::Ssh));
        assert_eq!(row.target.as_deref(), Some("ssh://root@10.0.0.17"));
        let newer: CollectorRun = serde_json::from_str(
            r#"{"name": "node/x", "status": "ok", "transport": "carrier-pigeon"}"#,
        )
        .unwrap();
        assert_eq!(newer.transport, Some(Transport::Unknown));
        // Rows without a transport are written as before.
        let plain = serde_json::to_value(CollectorRun {
            transport: None,
            ..row
        })
        .unwrap();
        assert!(plain.get("transport").is_none());
    }
}
