//! Where an OpenShift must-gather (`oc adm must-gather`, and `oc adm inspect` under it)
//! keeps what the analyzer reads, told by path alone.
//!
//! `oc adm must-gather` writes `must-gather.local.<n>/` holding `timestamp` (when it started
//! and ended) and one folder per gather image, named after the image
//! (`quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-...`). Under that folder:
//! `cluster-scoped-resources/<group>/<resource>/<name>.yaml` (one object each: nodes are
//! `core/nodes/<node>.yaml`), `namespaces/<ns>/<group>/<resource>.yaml` (Lists: events are
//! `core/events.yaml`), `namespaces/<ns>/pods/<pod>/<pod>.yaml` with each container's logs in
//! `<container>/<container>/logs/{current,previous}.log`, and the masters' journals in
//! `host_service_logs/masters/<unit>_service.log`. The image folder is optional here: a path
//! is classified with or without it.

use crate::path::BundlePath;

/// The folders of an image's gather output: their presence marks the flavor.
pub const MARKER_FOLDERS: &[&str] = &[
    "cluster-scoped-resources",
    "namespaces",
    "host_service_logs",
];

/// `timestamp`: the start and end of the gathering, one Go time per line.
pub const TIMESTAMP: &str = "timestamp";

/// The systemd unit of a `host_service_logs/<role>/<unit>_service.log`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceUnit {
    /// `kubelet_service.log`.
    Kubelet,
    /// `crio_service.log`: the container runtime.
    Crio,
}

/// What a file of a must-gather is, as far as the analyzer reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MustGatherFile<'a> {
    /// `cluster-scoped-resources/core/nodes/<node>.yaml`: one Node.
    Node,
    /// `namespaces/<ns>/pods/<pod>/<pod>.yaml`: one Pod.
    Pod,
    /// `namespaces/<ns>/core/events.yaml`: the namespace's events, a List.
    Events,
    /// `namespaces/<ns>/{apps,batch}/<resource>.yaml`: a List of a workload kind; `dir` is
    /// the kind's directory name in our layout (`deployments`, `jobs`, ...).
    Workloads {
        /// `deployments`, `statefulsets`, `daemonsets`, `replicasets` or `jobs`.
        dir: &'a str,
    },
    /// A container's log.
    ContainerLog {
        /// Namespace.
        namespace: &'a str,
        /// Pod.
        pod: &'a str,
        /// Container.
        container: &'a str,
        /// `previous.log`: the instance before the last restart.
        previous: bool,
    },
    /// `host_service_logs/<role>/<unit>_service.log`: the unit's journal on every node of
    /// the role, each line prefixed by its node's name (`oc adm node-logs`).
    ServiceLog {
        /// The unit.
        unit: ServiceUnit,
    },
    /// `timestamp`.
    Timestamp,
    /// Any other file of a must-gather.
    Unread,
}

impl MustGatherFile<'_> {
    /// Whether this path alone says the input is a must-gather.
    pub fn marks_flavor(path: &BundlePath) -> bool {
        let parts = gather_parts(path);
        parts
            .first()
            .is_some_and(|first| MARKER_FOLDERS.contains(first))
    }
}

/// The path below the image folder, when there is one.
fn gather_parts(path: &BundlePath) -> Vec<&str> {
    let parts: Vec<&str> = path.components().collect();
    let is_gather_root = |p: &str| MARKER_FOLDERS.contains(&p) || p == TIMESTAMP;
    match parts.as_slice() {
        [first, second, ..] if !is_gather_root(first) && is_gather_root(second) => {
            parts[1..].to_vec()
        }
        _ => parts,
    }
}

/// Classifies a path relative to the must-gather's top directory (with or without its image
/// folder); `None` for a path that is no part of a must-gather's layout.
pub fn classify(path: &BundlePath) -> Option<MustGatherFile<'_>> {
    let parts = gather_parts(path);
    Some(match parts.as_slice() {
        [TIMESTAMP] => MustGatherFile::Timestamp,
        ["cluster-scoped-resources", "core", "nodes", file] if file.ends_with(".yaml") => {
            MustGatherFile::Node
        }
        ["namespaces", _, "pods", pod, file] if file.strip_suffix(".yaml") == Some(*pod) => {
            MustGatherFile::Pod
        }
        ["namespaces", _, "core", "events.yaml"] => MustGatherFile::Events,
        ["namespaces", _, "apps", file] => match file.strip_suffix(".yaml") {
            Some(dir @ ("deployments" | "statefulsets" | "daemonsets" | "replicasets")) => {
                MustGatherFile::Workloads { dir }
            }
            _ => MustGatherFile::Unread,
        },
        ["namespaces", _, "batch", "jobs.yaml"] => MustGatherFile::Workloads { dir: "jobs" },
        ["namespaces", namespace, "pods", pod, container, again, "logs", file]
            if container == again =>
        {
            let previous = match *file {
                "current.log" | "current.insecure.log" => false,
                "previous.log" | "previous.insecure.log" => true,
                _ => return Some(MustGatherFile::Unread),
            };
            MustGatherFile::ContainerLog {
                namespace,
                pod,
                container,
                previous,
            }
        }
        ["host_service_logs", _role, file] => match *file {
            "kubelet_service.log" => MustGatherFile::ServiceLog {
                unit: ServiceUnit::Kubelet,
            },
            "crio_service.log" => MustGatherFile::ServiceLog {
                unit: ServiceUnit::Crio,
            },
            _ => MustGatherFile::Unread,
        },
        [first, ..] if MARKER_FOLDERS.contains(first) => MustGatherFile::Unread,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(p: &str) -> Option<MustGatherFile<'static>> {
        let p: &'static BundlePath = Box::leak(Box::new(BundlePath::new(p).unwrap()));
        classify(p)
    }

    const IMAGE: &str = "quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-0123abcd";

    #[test]
    fn with_and_without_the_image_folder() {
        for prefix in ["", &format!("{IMAGE}/")] {
            let p = |rest: &str| format!("{prefix}{rest}");
            assert_eq!(
                of(&p("cluster-scoped-resources/core/nodes/master-0.yaml")),
                Some(MustGatherFile::Node)
            );
            assert_eq!(
                of(&p("namespaces/openshift-etcd/pods/etcd-m0/etcd-m0.yaml")),
                Some(MustGatherFile::Pod)
            );
            assert_eq!(
                of(&p("namespaces/openshift-etcd/core/events.yaml")),
                Some(MustGatherFile::Events)
            );
            assert_eq!(
                of(&p(
                    "namespaces/openshift-etcd/pods/etcd-m0/etcd/etcd/logs/previous.log"
                )),
                Some(MustGatherFile::ContainerLog {
                    namespace: "openshift-etcd",
                    pod: "etcd-m0",
                    container: "etcd",
                    previous: true
                })
            );
            assert_eq!(
                of(&p("host_service_logs/masters/kubelet_service.log")),
                Some(MustGatherFile::ServiceLog {
                    unit: ServiceUnit::Kubelet
                })
            );
            assert_eq!(
                of(&p("namespaces/x/apps/deployments.yaml")),
                Some(MustGatherFile::Workloads { dir: "deployments" })
            );
            assert_eq!(
                of(&p("namespaces/x/core/pods.yaml")),
                Some(MustGatherFile::Unread),
                "pods are read one per file, not twice"
            );
            assert!(MustGatherFile::marks_flavor(
                &BundlePath::new(&p("namespaces/x/core/pods.yaml")).unwrap()
            ));
        }
        assert_eq!(of("timestamp"), Some(MustGatherFile::Timestamp));
        assert_eq!(
            of(&format!("{IMAGE}/timestamp")),
            Some(MustGatherFile::Timestamp)
        );
        assert!(!MustGatherFile::marks_flavor(
            &BundlePath::new("timestamp").unwrap()
        ));
        assert_eq!(of("event-filter.html"), None);
        assert_eq!(of("cluster-resources/nodes.json"), None);
        assert_eq!(of("sos_commands/host/hostname"), None);
    }
}
