//! Where `kubectl cluster-info dump --output-directory DIR` keeps what the analyzer reads,
//! told by path alone; and the markers of the same dump printed to standard output.
//!
//! The directory holds `nodes.json`, then per namespace `<ns>/events.json`,
//! `replication-controllers.json`, `services.json`, `daemonsets.json`, `deployments.json`,
//! `replicasets.json`, `pods.json` (Lists as `kubectl get -o json` prints them; `.yaml` with
//! `-o yaml`), and `<ns>/<pod>/logs.txt` holding each container's current log between
//! [`LOG_START`] and [`LOG_END`] lines. Without `--output-directory` the same Lists and log
//! blocks follow one another on standard output.

use crate::path::BundlePath;

/// The file every dump starts with: its presence marks the flavor.
pub const NODES: &str = "nodes.json";

/// The line before a container's log: `==== START logs for container <c> of pod <ns>/<pod> ====`.
pub const LOG_START: &str = "==== START logs for container ";
/// The line after it: `==== END logs for container <c> of pod <ns>/<pod> ====`.
pub const LOG_END: &str = "==== END logs for container ";

/// What a file of a dump directory is, as far as the analyzer reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpFile<'a> {
    /// `nodes.json`, or a namespace's List of a kind; `dir` is the kind's directory name in
    /// our layout (`nodes`, `pods`, `events`, `deployments`, ...).
    List {
        /// The kind, as our layout names its directory.
        dir: &'a str,
        /// `.yaml` rather than `.json`.
        yaml: bool,
    },
    /// `<ns>/<pod>/logs.txt`: the pod's containers' logs, in blocks.
    PodLogs,
    /// A List the analyzer does not read (services, replication controllers).
    Unread,
}

impl DumpFile<'_> {
    /// Whether this path alone says the input is a dump.
    pub fn marks_flavor(path: &BundlePath) -> bool {
        matches!(path.as_str(), "nodes.json" | "nodes.yaml")
    }
}

/// Classifies a path relative to the dump directory; `None` for a path that is no part of a
/// dump's layout.
pub fn classify(path: &BundlePath) -> Option<DumpFile<'_>> {
    let parts: Vec<&str> = path.components().collect();
    match parts.as_slice() {
        [file] => {
            let (name, yaml) = data_stem(file)?;
            (name == "nodes").then_some(DumpFile::List { dir: "nodes", yaml })
        }
        [_namespace, file] => {
            let (name, yaml) = data_stem(file)?;
            Some(match name {
                "pods" | "events" | "deployments" | "daemonsets" | "replicasets" => {
                    DumpFile::List { dir: name, yaml }
                }
                "services" | "replication-controllers" => DumpFile::Unread,
                _ => return None,
            })
        }
        [_namespace, _pod, "logs.txt"] => Some(DumpFile::PodLogs),
        _ => None,
    }
}

fn data_stem(file: &str) -> Option<(&str, bool)> {
    match file.strip_suffix(".json") {
        Some(stem) => Some((stem, false)),
        None => file.strip_suffix(".yaml").map(|stem| (stem, true)),
    }
}

/// The container, namespace and pod a [`LOG_START`] line names.
pub fn log_start(line: &str) -> Option<(&str, &str, &str)> {
    let rest = line.trim_end().strip_prefix(LOG_START)?;
    let rest = rest.strip_suffix(" ====")?;
    let (container, pod) = rest.split_once(" of pod ")?;
    let (namespace, pod) = pod.split_once('/')?;
    Some((container, namespace, pod))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(p: &str) -> Option<DumpFile<'static>> {
        let p: &'static BundlePath = Box::leak(Box::new(BundlePath::new(p).unwrap()));
        classify(p)
    }

    #[test]
    fn the_output_directory() {
        assert_eq!(
            of("nodes.json"),
            Some(DumpFile::List {
                dir: "nodes",
                yaml: false
            })
        );
        assert_eq!(
            of("kube-system/pods.json"),
            Some(DumpFile::List {
                dir: "pods",
                yaml: false
            })
        );
        assert_eq!(
            of("default/events.yaml"),
            Some(DumpFile::List {
                dir: "events",
                yaml: true
            })
        );
        assert_eq!(
            of("default/replication-controllers.json"),
            Some(DumpFile::Unread)
        );
        assert_eq!(of("kube-system/etcd-m1/logs.txt"), Some(DumpFile::PodLogs));
        assert_eq!(of("kube-system/notes.json"), None);
        assert_eq!(of("version.txt"), None);
        assert!(DumpFile::marks_flavor(
            &BundlePath::new("nodes.json").unwrap()
        ));
        assert!(!DumpFile::marks_flavor(
            &BundlePath::new("default/pods.json").unwrap()
        ));
    }

    #[test]
    fn log_block_headers() {
        assert_eq!(
            log_start("==== START logs for container etcd of pod kube-system/etcd-m1 ====\n"),
            Some(("etcd", "kube-system", "etcd-m1"))
        );
        assert_eq!(
            log_start("==== END logs for container etcd of pod a/b ===="),
            None
        );
        assert_eq!(log_start("==== START logs for container x ===="), None);
    }
}
