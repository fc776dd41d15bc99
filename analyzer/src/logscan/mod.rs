//! Log scanning: one pass over every log line, many rules at once, keeping counts and a few
//! example lines per rule, never the log itself.
//!
//! The rules are data: YAML files in `analyzer/rules/`, compiled into the binary and
//! checked when loaded ([`Catalog::builtin`]); docs/rules.md says how to write one. A
//! [`LogScanner`] compiles them once per [`LogKind`] and scans any number of files, from
//! any number of threads, each into a [`FileScan`] that the rules layer turns into findings.

mod catalog;
mod cause;
mod literals;
mod packs;
mod prefilter;
mod scanner;
mod stats;
pub(crate) mod template;
mod time;

pub use catalog::{Catalog, CatalogError, LogRule, RuleExamples, RuleId, RuleProblem};
pub use kbundle_format::logs::LogKind;
pub use literals::LiteralError;
pub use packs::{read_pack, PackError, PackFile, RuleSources, MAX_PACK_FILE};
pub use scanner::{FileScan, HitLine, LogScanner, RuleHits};
pub use stats::{rule_stats, RuleStats};
pub use template::TemplateError;
pub use time::LineTime;

use kbundle_format::commands::CommandRef;
use kbundle_format::layout::{self, PathKind};
use kbundle_format::BundlePath;

/// The container a container log belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PodRef {
    /// The pod's namespace.
    pub namespace: String,
    /// The pod's name.
    pub pod: String,
    /// The container's name.
    pub container: String,
    /// True for `<container>-previous.log`: the instance before the last restart.
    pub previous: bool,
}

/// One log file of a bundle and what it is about: the scanner needs the kind (which rules)
/// and the pod (per-pod rules such as etcd's); node and pod are carried into findings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LogFileRef {
    /// The file inside the bundle.
    pub path: BundlePath,
    /// What wrote it.
    pub kind: LogKind,
    /// The node it comes from, for node files.
    pub node: Option<String>,
    /// The container, for container logs.
    pub pod: Option<PodRef>,
}

impl LogFileRef {
    /// Recognises the log files of the bundle layout; `None` for anything else (including
    /// troubleshoot's `all-logs/` copies, which repeat `pods/logs/`).
    pub fn for_path(path: &BundlePath) -> Option<LogFileRef> {
        let (kind, node, pod) = match layout::classify(path) {
            PathKind::PodLog {
                namespace,
                pod,
                container,
                previous,
            } => (
                LogKind::ContainerLog,
                None,
                Some(PodRef {
                    namespace: namespace.to_string(),
                    pod: pod.to_string(),
                    container: container.to_string(),
                    previous,
                }),
            ),
            PathKind::Command {
                node,
                command: CommandRef::Known(id),
                part: layout::CommandPart::Stdout,
            } => (id.spec().log_kind()?, Some(node.to_string()), None),
            PathKind::NodeFile { node, host_path } => (
                LogKind::of_node_file(host_path)?,
                Some(node.to_string()),
                None,
            ),
            _ => return None,
        };
        Some(LogFileRef {
            path: path.clone(),
            kind,
            node,
            pod,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(path: &str) -> Option<LogKind> {
        LogFileRef::for_path(&BundlePath::new(path).unwrap()).map(|f| f.kind)
    }

    #[test]
    fn recognises_the_log_files_of_the_layout() {
        use LogKind::*;
        let cases = [
            (
                "host-collectors/w1/run/journalctl-kubelet.txt",
                Some(KubeletJournal),
            ),
            (
                "host-collectors/w1/run/journalctl-containerd.txt",
                Some(RuntimeJournal),
            ),
            ("host-collectors/w1/run/journalctl-kubelet-stderr.txt", None),
            (
                "host-collectors/w1/run/systemctl-status-kubelet.txt",
                Some(ServiceStatus),
            ),
            ("host-collectors/w1/run/dmesg.txt", Some(Kernel)),
            ("host-collectors/w1/run/df-h.txt", None),
            ("host-collectors/w1/files/var/log/kern.log", Some(Kernel)),
            ("host-collectors/w1/files/var/log/syslog.1", Some(Syslog)),
            ("host-collectors/w1/files/var/log/messages", Some(Syslog)),
            ("host-collectors/w1/files/etc/os-release", None),
            (
                "cluster-resources/pods/logs/kube-system/etcd-m1/etcd-previous.log",
                Some(ContainerLog),
            ),
            ("all-logs/kube-system/etcd-m1/etcd.log", None),
        ];
        for (path, want) in cases {
            assert_eq!(kind_of(path), want, "{path}");
        }
        let f = LogFileRef::for_path(
            &BundlePath::new("cluster-resources/pods/logs/kube-system/etcd-m1/etcd-previous.log")
                .unwrap(),
        )
        .unwrap();
        let pod = f.pod.unwrap();
        assert_eq!(
            (pod.pod.as_str(), pod.container.as_str(), pod.previous),
            ("etcd-m1", "etcd", true)
        );
        assert_eq!(
            LogFileRef::for_path(&BundlePath::new("host-collectors/w1/run/dmesg.txt").unwrap())
                .unwrap()
                .node
                .as_deref(),
            Some("w1")
        );
    }
}
