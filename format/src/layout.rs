//! Where each piece of data lives in a bundle: the constructors the collector writes with and
//! the classifier the analyzer and `serve` read with, kept side by side so they cannot drift.
//!
//! Paths here are relative to the bundle's top directory (`<name>/`), which archive readers
//! strip before classifying.

mod kinds;

use crate::commands::{CommandId, CommandRef};
use crate::path::{safe_component, BundlePath};
pub use kinds::{kind_dir_for, kind_dir_named, KindDir, KIND_DIRS};

/// `manifest.json`: what was collected and how it went.
pub const MANIFEST: &str = "manifest.json";
/// `version.yaml`: marks the bundle as a troubleshoot-compatible SupportBundle.
pub const VERSION_YAML: &str = "version.yaml";
/// `redaction-report.json`: rule, file and count of every redaction, never the values.
pub const REDACTION_REPORT: &str = "redaction-report.json";
/// `cluster-info/cluster_version.json`: the API server's `GET /version`.
pub const CLUSTER_VERSION: &str = "cluster-info/cluster_version.json";
/// `cluster-resources/resources.json`: discovery, an array of APIResourceList.
pub const RESOURCES: &str = "cluster-resources/resources.json";
/// `cluster-resources/groups.json`: discovery, the APIGroupList (or its array of groups).
pub const GROUPS: &str = "cluster-resources/groups.json";
/// The folder of the cluster part.
pub const CLUSTER_RESOURCES: &str = "cluster-resources";
/// The folder of the node part.
pub const HOST_COLLECTORS: &str = "host-collectors";

/// Where the List of a kind lives: `cluster-resources/<dir>.json` for cluster-scoped kinds,
/// `cluster-resources/<dir>/<namespace>.json` for namespaced ones.
pub fn list_path(kind: &KindDir, namespace: Option<&str>) -> BundlePath {
    match namespace {
        Some(ns) if kind.namespaced => BundlePath::from_components([
            CLUSTER_RESOURCES,
            kind.dir,
            &format!("{}.json", safe_component(ns)),
        ]),
        _ => BundlePath::from_components([CLUSTER_RESOURCES, &format!("{}.json", kind.dir)]),
    }
}

/// The directory name of a resource without a fixed one: `<plural>.<group>`, or `<plural>`
/// for the core group.
pub fn custom_resource_dir(group: &str, resource: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    }
}

/// Where the List of a custom (or otherwise unnamed) resource lives.
pub fn custom_resource_path(group: &str, resource: &str, namespace: Option<&str>) -> BundlePath {
    let dir = custom_resource_dir(group, resource);
    match namespace {
        Some(ns) => BundlePath::from_components([
            CLUSTER_RESOURCES,
            "custom-resources",
            &dir,
            &format!("{}.json", safe_component(ns)),
        ]),
        None => BundlePath::from_components([
            CLUSTER_RESOURCES,
            "custom-resources",
            &format!("{}.json", safe_component(&dir)),
        ]),
    }
}

/// `cluster-resources/<dir>-errors.json`: why listing a kind failed, per namespace.
pub fn kind_errors_path(dir: &str) -> BundlePath {
    BundlePath::from_components([CLUSTER_RESOURCES, &format!("{dir}-errors.json")])
}

/// Where a container's log lives (`previous` for the instance before the last restart).
pub fn pod_log_path(namespace: &str, pod: &str, container: &str, previous: bool) -> BundlePath {
    let file = if previous {
        format!("{}-previous.log", safe_component(container))
    } else {
        format!("{}.log", safe_component(container))
    };
    BundlePath::from_components([CLUSTER_RESOURCES, "pods", "logs", namespace, pod, &file])
}

/// Which file of a node command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandPart {
    /// `run/<id>.txt`
    Stdout,
    /// `run/<id>-stderr.txt`
    Stderr,
    /// `run/<id>-info.json`
    Info,
}

/// Where a node command's output, stderr or info file lives.
pub fn command_path(node: &str, id: CommandId, part: CommandPart) -> BundlePath {
    let file = match part {
        CommandPart::Stdout => format!("{id}.txt"),
        CommandPart::Stderr => format!("{id}-stderr.txt"),
        CommandPart::Info => format!("{id}-info.json"),
    };
    BundlePath::from_components([HOST_COLLECTORS, node, "run", &file])
}

/// Where a file copied from a node lives: its absolute host path under `files/`.
pub fn node_file_path(node: &str, host_path: &str) -> BundlePath {
    let mut parts = vec![
        HOST_COLLECTORS.to_string(),
        safe_component(node),
        "files".to_string(),
    ];
    parts.extend(
        host_path
            .split('/')
            .filter(|c| !c.is_empty() && *c != "." && *c != "..")
            .map(safe_component),
    );
    BundlePath::from_components(parts)
}

/// Where a node's certificate descriptions live.
pub fn certificates_path(node: &str) -> BundlePath {
    BundlePath::from_components([HOST_COLLECTORS, node, "certificates.json"])
}

/// What a path in a bundle holds, as far as its name tells: the classification of a path,
/// not the file itself (the reader's `kbundle_read::Member` is the file being streamed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathKind<'a> {
    /// `manifest.json`
    Manifest,
    /// `version.yaml`
    VersionYaml,
    /// `redaction-report.json`
    RedactionReport,
    /// `cluster-info/cluster_version.json`
    ClusterVersion,
    /// `cluster-resources/resources.json`
    Resources,
    /// `cluster-resources/groups.json`
    Groups,
    /// The List of a cluster-scoped kind, or of a namespaced kind in one namespace.
    /// `dir` is the directory name as found (troubleshoot spellings included).
    List {
        /// Directory or file stem.
        dir: &'a str,
        /// The namespace for namespaced kinds.
        namespace: Option<&'a str>,
        /// `.yaml` rather than `.json`.
        yaml: bool,
    },
    /// A List of custom resources: `custom-resources/<plural>.<group>/<namespace>.json` or
    /// `custom-resources/<plural>.<group>.json`.
    CustomResources {
        /// `<plural>.<group>` (or `<plural>` for the core group).
        resource: &'a str,
        /// The namespace, for namespaced resources.
        namespace: Option<&'a str>,
        /// `.yaml` rather than `.json`.
        yaml: bool,
    },
    /// `cluster-resources/<dir>-errors.json`
    KindErrors {
        /// The kind's directory name.
        dir: &'a str,
    },
    /// A container log.
    PodLog {
        /// Namespace.
        namespace: &'a str,
        /// Pod name.
        pod: &'a str,
        /// Container name.
        container: &'a str,
        /// The instance before the last restart.
        previous: bool,
    },
    /// A node command's stdout, stderr or info file.
    Command {
        /// Node name.
        node: &'a str,
        /// The command, or the unknown id a newer or foreign bundle used.
        command: CommandRef<'a>,
        /// Which file.
        part: CommandPart,
    },
    /// A file copied from a node; `host_path` is the path on the node without its leading `/`.
    NodeFile {
        /// Node name.
        node: &'a str,
        /// e.g. `var/log/kern.log`.
        host_path: &'a str,
    },
    /// `host-collectors/<node>/certificates.json`
    Certificates {
        /// Node name.
        node: &'a str,
    },
    /// troubleshoot's own `analysis.json`, or its `all-logs/` copies: known, not needed.
    Ignored,
    /// Anything else.
    Other,
}

/// Classifies a path relative to the bundle's top directory by its name alone (nothing is
/// read), so the analyzer, `kbundle serve` and the tests agree on what every file is.
pub fn classify(path: &BundlePath) -> PathKind<'_> {
    let parts: Vec<&str> = path.components().collect();
    match parts.as_slice() {
        ["manifest.json"] => PathKind::Manifest,
        ["version.yaml"] => PathKind::VersionYaml,
        ["redaction-report.json"] => PathKind::RedactionReport,
        ["analysis.json"] => PathKind::Ignored,
        ["all-logs", ..] => PathKind::Ignored,
        ["cluster-info", "cluster_version.json"] => PathKind::ClusterVersion,
        ["cluster-resources", "resources.json"] => PathKind::Resources,
        ["cluster-resources", "groups.json"] => PathKind::Groups,
        ["cluster-resources", "pods", "logs", namespace, pod, file] => {
            match file.strip_suffix(".log") {
                Some(stem) => match stem.strip_suffix("-previous") {
                    Some(container) => PathKind::PodLog {
                        namespace,
                        pod,
                        container,
                        previous: true,
                    },
                    None => PathKind::PodLog {
                        namespace,
                        pod,
                        container: stem,
                        previous: false,
                    },
                },
                None => PathKind::Other,
            }
        }
        ["cluster-resources", "custom-resources", resource, file] => match data_stem(file) {
            Some((namespace, yaml)) => PathKind::CustomResources {
                resource,
                namespace: Some(namespace),
                yaml,
            },
            None => PathKind::Other,
        },
        ["cluster-resources", "custom-resources", file] => match data_stem(file) {
            Some((resource, yaml)) => PathKind::CustomResources {
                resource,
                namespace: None,
                yaml,
            },
            None => PathKind::Other,
        },
        ["cluster-resources", file] => match file.strip_suffix("-errors.json") {
            Some(dir) => PathKind::KindErrors { dir },
            None => match data_stem(file) {
                Some((dir, yaml)) => PathKind::List {
                    dir,
                    namespace: None,
                    yaml,
                },
                None => PathKind::Other,
            },
        },
        ["cluster-resources", dir, file] => match data_stem(file) {
            Some((namespace, yaml)) => PathKind::List {
                dir,
                namespace: Some(namespace),
                yaml,
            },
            None => PathKind::Other,
        },
        ["host-collectors", node, "certificates.json"] => PathKind::Certificates { node },
        ["host-collectors", node, "run", file] => classify_command_file(node, file),
        ["host-collectors", node, "files", ..] => {
            let prefix_len = "host-collectors/".len() + node.len() + "/files/".len();
            PathKind::NodeFile {
                node,
                host_path: &path.as_str()[prefix_len..],
            }
        }
        _ => PathKind::Other,
    }
}

fn data_stem(file: &str) -> Option<(&str, bool)> {
    if let Some(stem) = file.strip_suffix(".json") {
        Some((stem, false))
    } else if let Some(stem) = file.strip_suffix(".yaml") {
        Some((stem, true))
    } else {
        file.strip_suffix(".yml").map(|stem| (stem, true))
    }
}

fn classify_command_file<'a>(node: &'a str, file: &'a str) -> PathKind<'a> {
    let (id, part) = if let Some(id) = file.strip_suffix("-info.json") {
        (id, CommandPart::Info)
    } else if let Some(id) = file.strip_suffix("-stderr.txt") {
        (id, CommandPart::Stderr)
    } else if let Some(id) = file.strip_suffix(".txt") {
        (id, CommandPart::Stdout)
    } else {
        return PathKind::Other;
    };
    PathKind::Command {
        node,
        command: CommandRef::parse(id),
        part,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify_str(s: &str) -> PathKind<'_> {
        // Leak is fine in tests: classify borrows from the path.
        let p: &'static BundlePath = Box::leak(Box::new(BundlePath::new(s).unwrap()));
        classify(p)
    }

    #[test]
    fn writer_paths_classify_back() {
        let pods = kind_dir_named("pods").unwrap();
        let p = list_path(pods, Some("kube-system"));
        assert_eq!(p.as_str(), "cluster-resources/pods/kube-system.json");
        assert_eq!(
            classify(&p),
            PathKind::List {
                dir: "pods",
                namespace: Some("kube-system"),
                yaml: false
            }
        );
        let nodes = kind_dir_named("nodes").unwrap();
        assert_eq!(
            list_path(nodes, None).as_str(),
            "cluster-resources/nodes.json"
        );
        let log = pod_log_path("default", "web-1", "app", true);
        assert_eq!(
            classify(&log),
            PathKind::PodLog {
                namespace: "default",
                pod: "web-1",
                container: "app",
                previous: true
            }
        );
        for part in [CommandPart::Stdout, CommandPart::Stderr, CommandPart::Info] {
            let p = command_path("w1", CommandId::DfH, part);
            assert_eq!(
                classify(&p),
                PathKind::Command {
                    node: "w1",
                    command: CommandRef::Known(CommandId::DfH),
                    part
                }
            );
        }
        assert_eq!(
            classify_str("host-collectors/w1/run/sosreport-extra-info.json"),
            PathKind::Command {
                node: "w1",
                command: CommandRef::Unknown("sosreport-extra"),
                part: CommandPart::Info
            }
        );
        let f = node_file_path("w1", "/var/log/kern.log");
        assert_eq!(f.as_str(), "host-collectors/w1/files/var/log/kern.log");
        assert_eq!(
            classify(&f),
            PathKind::NodeFile {
                node: "w1",
                host_path: "var/log/kern.log"
            }
        );
        let cr = custom_resource_path("helm.cattle.io", "helmcharts", Some("kube-system"));
        assert_eq!(
            classify(&cr),
            PathKind::CustomResources {
                resource: "helmcharts.helm.cattle.io",
                namespace: Some("kube-system"),
                yaml: false
            }
        );
        assert_eq!(
            classify(&kind_errors_path("pods")),
            PathKind::KindErrors { dir: "pods" }
        );
    }

    #[test]
    fn troubleshoot_quirks() {
        assert_eq!(
            classify_str("cluster-resources/clusterRoleBindings.json"),
            PathKind::List {
                dir: "clusterRoleBindings",
                namespace: None,
                yaml: false
            }
        );
        assert!(kind_dir_named("clusterRoleBindings").is_some());
        assert_eq!(
            classify_str(
                "cluster-resources/custom-resources/addons.k3s.cattle.io/kube-system.yaml"
            ),
            PathKind::CustomResources {
                resource: "addons.k3s.cattle.io",
                namespace: Some("kube-system"),
                yaml: true
            }
        );
        assert_eq!(classify_str("all-logs/x/y.log"), PathKind::Ignored);
    }

    #[test]
    fn node_file_paths_cannot_escape() {
        let f = node_file_path("../evil", "/../../etc/passwd");
        assert_eq!(f.as_str(), "host-collectors/.._evil/files/etc/passwd");
    }
}
