//! Where each piece of data lives in a bundle: the constructors the collector writes with and
//! the classifier the analyzer and `serve` read with, kept side by side so they cannot drift.
//!
//! Paths here are relative to the bundle's top directory (`<name>/`), which archive readers
//! strip before classifying.

use crate::path::{safe_component, BundlePath};

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

/// One Kubernetes resource with a fixed directory name (troubleshoot's spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindDir {
    /// The directory or file stem under `cluster-resources/`.
    pub dir: &'static str,
    /// API group, `""` for core.
    pub group: &'static str,
    /// Preferred version the collector asks for.
    pub version: &'static str,
    /// The resource's plural name in the API.
    pub resource: &'static str,
    /// The object kind.
    pub kind: &'static str,
    /// Namespaced kinds are one List per namespace: `<dir>/<namespace>.json`.
    pub namespaced: bool,
}

const fn k(
    dir: &'static str,
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
    namespaced: bool,
) -> KindDir {
    KindDir {
        dir,
        group,
        version,
        resource,
        kind,
        namespaced,
    }
}

/// The kinds whose directory names are fixed by the format. Anything else discovered goes
/// under `custom-resources/`.
pub const KIND_DIRS: &[KindDir] = &[
    k("nodes", "", "v1", "nodes", "Node", false),
    k("namespaces", "", "v1", "namespaces", "Namespace", false),
    k(
        "pvs",
        "",
        "v1",
        "persistentvolumes",
        "PersistentVolume",
        false,
    ),
    k("pods", "", "v1", "pods", "Pod", true),
    k("events", "", "v1", "events", "Event", true),
    k("services", "", "v1", "services", "Service", true),
    k("endpoints", "", "v1", "endpoints", "Endpoints", true),
    k("configmaps", "", "v1", "configmaps", "ConfigMap", true),
    k("secrets", "", "v1", "secrets", "Secret", true),
    k(
        "pvcs",
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        true,
    ),
    k(
        "serviceaccounts",
        "",
        "v1",
        "serviceaccounts",
        "ServiceAccount",
        true,
    ),
    k(
        "resource-quotas",
        "",
        "v1",
        "resourcequotas",
        "ResourceQuota",
        true,
    ),
    k("limitranges", "", "v1", "limitranges", "LimitRange", true),
    k(
        "deployments",
        "apps",
        "v1",
        "deployments",
        "Deployment",
        true,
    ),
    k(
        "replicasets",
        "apps",
        "v1",
        "replicasets",
        "ReplicaSet",
        true,
    ),
    k(
        "statefulsets",
        "apps",
        "v1",
        "statefulsets",
        "StatefulSet",
        true,
    ),
    k("daemonsets", "apps", "v1", "daemonsets", "DaemonSet", true),
    k("jobs", "batch", "v1", "jobs", "Job", true),
    k("cronjobs", "batch", "v1", "cronjobs", "CronJob", true),
    k(
        "endpointslices",
        "discovery.k8s.io",
        "v1",
        "endpointslices",
        "EndpointSlice",
        true,
    ),
    k(
        "ingress",
        "networking.k8s.io",
        "v1",
        "ingresses",
        "Ingress",
        true,
    ),
    k(
        "ingress-classes",
        "networking.k8s.io",
        "v1",
        "ingressclasses",
        "IngressClass",
        false,
    ),
    k(
        "network-policy",
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        true,
    ),
    k(
        "leases",
        "coordination.k8s.io",
        "v1",
        "leases",
        "Lease",
        true,
    ),
    k(
        "roles",
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "Role",
        true,
    ),
    k(
        "rolebindings",
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
    ),
    k(
        "clusterroles",
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
    ),
    k(
        "clusterrolebindings",
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
    ),
    k(
        "pod-disruption-budgets",
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
    ),
    k(
        "storage-classes",
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "StorageClass",
        false,
    ),
    k(
        "volumeattachments",
        "storage.k8s.io",
        "v1",
        "volumeattachments",
        "VolumeAttachment",
        false,
    ),
    k(
        "custom-resource-definitions",
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        false,
    ),
    k(
        "priorityclasses",
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "PriorityClass",
        false,
    ),
    k(
        "certificatesigningrequests",
        "certificates.k8s.io",
        "v1",
        "certificatesigningrequests",
        "CertificateSigningRequest",
        false,
    ),
    k(
        "validating-webhook-configurations",
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        false,
    ),
    k(
        "mutating-webhook-configurations",
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        false,
    ),
];

/// The fixed directory of a resource, if it has one.
pub fn kind_dir_for(group: &str, resource: &str) -> Option<&'static KindDir> {
    KIND_DIRS
        .iter()
        .find(|k| k.group == group && k.resource == resource)
}

/// The entry for a directory name, accepting troubleshoot's spelling variants.
pub fn kind_dir_named(dir: &str) -> Option<&'static KindDir> {
    let canonical = match dir {
        "clusterRoleBindings" => "clusterrolebindings",
        "clusterRoles" => "clusterroles",
        other => other,
    };
    KIND_DIRS.iter().find(|k| k.dir == canonical)
}

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
pub fn command_path(node: &str, id: &str, part: CommandPart) -> BundlePath {
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

/// What a path in a bundle holds, as far as its name tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member<'a> {
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
        /// Command id.
        id: &'a str,
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

/// Classifies a path relative to the bundle's top directory.
pub fn classify(path: &BundlePath) -> Member<'_> {
    let parts: Vec<&str> = path.components().collect();
    match parts.as_slice() {
        ["manifest.json"] => Member::Manifest,
        ["version.yaml"] => Member::VersionYaml,
        ["redaction-report.json"] => Member::RedactionReport,
        ["analysis.json"] => Member::Ignored,
        ["all-logs", ..] => Member::Ignored,
        ["cluster-info", "cluster_version.json"] => Member::ClusterVersion,
        ["cluster-resources", "resources.json"] => Member::Resources,
        ["cluster-resources", "groups.json"] => Member::Groups,
        ["cluster-resources", "pods", "logs", namespace, pod, file] => {
            match file.strip_suffix(".log") {
                Some(stem) => match stem.strip_suffix("-previous") {
                    Some(container) => Member::PodLog {
                        namespace,
                        pod,
                        container,
                        previous: true,
                    },
                    None => Member::PodLog {
                        namespace,
                        pod,
                        container: stem,
                        previous: false,
                    },
                },
                None => Member::Other,
            }
        }
        ["cluster-resources", "custom-resources", resource, file] => match data_stem(file) {
            Some((namespace, yaml)) => Member::CustomResources {
                resource,
                namespace: Some(namespace),
                yaml,
            },
            None => Member::Other,
        },
        ["cluster-resources", "custom-resources", file] => match data_stem(file) {
            Some((resource, yaml)) => Member::CustomResources {
                resource,
                namespace: None,
                yaml,
            },
            None => Member::Other,
        },
        ["cluster-resources", file] => match file.strip_suffix("-errors.json") {
            Some(dir) => Member::KindErrors { dir },
            None => match data_stem(file) {
                Some((dir, yaml)) => Member::List {
                    dir,
                    namespace: None,
                    yaml,
                },
                None => Member::Other,
            },
        },
        ["cluster-resources", dir, file] => match data_stem(file) {
            Some((namespace, yaml)) => Member::List {
                dir,
                namespace: Some(namespace),
                yaml,
            },
            None => Member::Other,
        },
        ["host-collectors", node, "certificates.json"] => Member::Certificates { node },
        ["host-collectors", node, "run", file] => classify_command_file(node, file),
        ["host-collectors", node, "files", ..] => {
            let prefix_len = "host-collectors/".len() + node.len() + "/files/".len();
            Member::NodeFile {
                node,
                host_path: &path.as_str()[prefix_len..],
            }
        }
        _ => Member::Other,
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

fn classify_command_file<'a>(node: &'a str, file: &'a str) -> Member<'a> {
    if let Some(id) = file.strip_suffix("-info.json") {
        Member::Command {
            node,
            id,
            part: CommandPart::Info,
        }
    } else if let Some(id) = file.strip_suffix("-stderr.txt") {
        Member::Command {
            node,
            id,
            part: CommandPart::Stderr,
        }
    } else if let Some(id) = file.strip_suffix(".txt") {
        Member::Command {
            node,
            id,
            part: CommandPart::Stdout,
        }
    } else {
        Member::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify_str(s: &str) -> Member<'_> {
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
            Member::List {
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
            Member::PodLog {
                namespace: "default",
                pod: "web-1",
                container: "app",
                previous: true
            }
        );
        for part in [CommandPart::Stdout, CommandPart::Stderr, CommandPart::Info] {
            let p = command_path("w1", "df-h", part);
            assert_eq!(
                classify(&p),
                Member::Command {
                    node: "w1",
                    id: "df-h",
                    part
                }
            );
        }
        let f = node_file_path("w1", "/var/log/kern.log");
        assert_eq!(f.as_str(), "host-collectors/w1/files/var/log/kern.log");
        assert_eq!(
            classify(&f),
            Member::NodeFile {
                node: "w1",
                host_path: "var/log/kern.log"
            }
        );
        let cr = custom_resource_path("helm.cattle.io", "helmcharts", Some("kube-system"));
        assert_eq!(
            classify(&cr),
            Member::CustomResources {
                resource: "helmcharts.helm.cattle.io",
                namespace: Some("kube-system"),
                yaml: false
            }
        );
        assert_eq!(
            classify(&kind_errors_path("pods")),
            Member::KindErrors { dir: "pods" }
        );
    }

    #[test]
    fn troubleshoot_quirks() {
        assert_eq!(
            classify_str("cluster-resources/clusterRoleBindings.json"),
            Member::List {
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
            Member::CustomResources {
                resource: "addons.k3s.cattle.io",
                namespace: Some("kube-system"),
                yaml: true
            }
        );
        assert_eq!(classify_str("all-logs/x/y.log"), Member::Ignored);
    }

    #[test]
    fn node_file_paths_cannot_escape() {
        let f = node_file_path("../evil", "/../../etc/passwd");
        assert_eq!(f.as_str(), "host-collectors/.._evil/files/etc/passwd");
    }

    #[test]
    fn kind_dirs_are_unique() {
        let mut dirs: Vec<_> = KIND_DIRS.iter().map(|k| k.dir).collect();
        dirs.sort();
        dirs.dedup();
        assert_eq!(dirs.len(), KIND_DIRS.len());
        assert_eq!(
            kind_dir_for("", "persistentvolumeclaims").unwrap().dir,
            "pvcs"
        );
    }
}
