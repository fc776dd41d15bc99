//! The object tables of the report: nodes and pods as `kubectl get -o wide` would list them
//! at the moment the bundle was taken, so an engineer can look around without a cluster.
//!
//! Ages are measured from the bundle's creation time ([`Facts::reference_time`]), never
//! from the wall clock: a report of an old bundle reads the same as on the day it was taken.

use crate::facts::{BundleInfo, Facts};
use jiff::Timestamp;
use kbundle_kube::node::Node;
use kbundle_kube::pod::PodSummary;
use serde::Serialize;

/// What kubectl prints where a value is unknown.
const UNKNOWN: &str = "<unknown>";
/// What kubectl prints where a value is absent.
const NONE: &str = "<none>";

/// What the bundles are and hold: who collected them from which cluster, and the nodes and
/// pods, sorted the way kubectl sorts them.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Inventory {
    /// One per bundle read, in the order given.
    pub sources: Vec<Source>,
    /// Node objects were in the bundle: an empty `nodes` then means none, not "not collected".
    pub nodes_collected: bool,
    /// Pod lists were in the bundle.
    pub pods_collected: bool,
    /// One row per node (from objects, or from host data alone), by name.
    pub nodes: Vec<NodeRow>,
    /// One row per pod, by namespace and name.
    pub pods: Vec<PodRow>,
}

/// Where a bundle came from, for the report's header.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Source {
    /// The path given on the command line.
    pub path: String,
    /// The kubeconfig context (else the API server URL) the collector used, when recorded.
    pub cluster: Option<String>,
    /// The collector and its version (`kbundle-collect 0.1.0`), when recorded.
    pub collector: Option<String>,
    /// The collection was cut short: the bundle is partial.
    pub interrupted: bool,
}

/// A row of `kubectl get nodes -o wide`, plus the conditions that are not healthy.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NodeRow {
    /// Node name.
    pub name: String,
    /// `Ready`, `NotReady` or `Unknown`, with `,SchedulingDisabled` when cordoned;
    /// `<unknown>` for a node only host data describes.
    pub status: String,
    /// Roles from `node-role.kubernetes.io/*` labels, comma-separated, or `<none>`.
    pub roles: String,
    /// Time from creation to the bundle's creation, kubectl style (`5d3h`).
    pub age: String,
    /// Kubelet version.
    pub version: String,
    /// First InternalIP.
    pub internal_ip: String,
    /// Conditions other than Ready that are not at their healthy value
    /// (`MemoryPressure, DiskPressure`), `none` when all are healthy, `<none>` when the node
    /// reports no condition at all.
    pub conditions: String,
    /// OS image.
    pub os_image: String,
    /// Kernel release.
    pub kernel_version: String,
    /// Container runtime and version.
    pub container_runtime: String,
    /// False for a node known only from host collectors (no Node object in the bundle).
    pub in_api: bool,
}

/// A row of `kubectl get pods -A -o wide`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PodRow {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// Ready containers / containers (`1/2`).
    pub ready: String,
    /// The STATUS column (`Running`, `CrashLoopBackOff`, `Init:Error`, `Terminating`, ...).
    pub status: String,
    /// Restarts, with the time since the last one as kubectl shows it (`5 (3m ago)`).
    pub restarts: String,
    /// Time from creation to the bundle's creation.
    pub age: String,
    /// Pod IP or `<none>`.
    pub ip: String,
    /// Node or `<none>` (not scheduled).
    pub node: String,
}

/// Builds the tables of the facts.
pub fn build(facts: &Facts) -> Inventory {
    let now = facts.reference_time();
    let mut nodes: Vec<NodeRow> = facts
        .nodes
        .iter()
        .map(|n| node_row(&n.object, now))
        .collect();
    for name in facts.hosts.keys() {
        if !nodes.iter().any(|n| &n.name == name) {
            nodes.push(host_only_row(name));
        }
    }
    nodes.sort_by(|a, b| a.name.cmp(&b.name));
    nodes.dedup_by(|a, b| a.name == b.name);
    let mut pods: Vec<PodRow> = facts
        .pod_summaries
        .iter()
        .map(|p| pod_row(p, now))
        .collect();
    pods.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    Inventory {
        sources: facts.bundles.iter().map(source).collect(),
        nodes_collected: facts.kinds_present.contains("nodes"),
        pods_collected: facts.kinds_present.contains("pods"),
        nodes,
        pods,
    }
}

fn source(b: &BundleInfo) -> Source {
    let m = b.manifest.as_ref();
    let cluster = m
        .and_then(|m| m.cluster.as_ref())
        .and_then(|c| c.context.clone().or_else(|| c.server.clone()))
        .filter(|c| !c.is_empty());
    let collector = m.filter(|m| !m.tool.name.is_empty()).map(|m| {
        format!("{} {}", m.tool.name, m.tool.version)
            .trim_end()
            .to_string()
    });
    Source {
        path: b.path.clone(),
        cluster,
        collector,
        interrupted: m.is_some_and(|m| m.interrupted),
    }
}

fn node_row(node: &Node, now: Option<Timestamp>) -> NodeRow {
    let mut status = match node.condition("Ready").map(|c| c.status.as_str()) {
        Some("True") => "Ready",
        Some(_) => "NotReady",
        None => "Unknown",
    }
    .to_string();
    if node.spec.unschedulable {
        status.push_str(",SchedulingDisabled");
    }
    let roles = node.roles();
    let info = &node.status.node_info;
    NodeRow {
        name: node.metadata.name.clone(),
        status,
        roles: if roles.is_empty() {
            NONE.to_string()
        } else {
            roles.join(",")
        },
        age: age(node.metadata.creation_timestamp, now),
        version: or_none(&info.kubelet_version),
        internal_ip: node.internal_ip().unwrap_or(NONE).to_string(),
        conditions: node_conditions(node),
        os_image: or_none(&info.os_image),
        kernel_version: or_none(&info.kernel_version),
        container_runtime: or_none(&info.container_runtime_version),
        in_api: true,
    }
}

/// Conditions other than Ready that say something is wrong: pressure or network conditions
/// that are not `False` (`Unknown` counts: the node stopped reporting).
fn node_conditions(node: &Node) -> String {
    let conditions = &node.status.conditions;
    if conditions.is_empty() {
        return NONE.to_string();
    }
    let bad: Vec<String> = conditions
        .iter()
        .filter(|c| c.kind != "Ready" && c.status != "False")
        .map(|c| {
            if c.is_true() {
                c.kind.clone()
            } else {
                format!("{}={}", c.kind, c.status)
            }
        })
        .collect();
    if bad.is_empty() {
        "none".to_string()
    } else {
        bad.join(", ")
    }
}

fn host_only_row(name: &str) -> NodeRow {
    NodeRow {
        name: name.to_string(),
        status: UNKNOWN.to_string(),
        roles: UNKNOWN.to_string(),
        age: UNKNOWN.to_string(),
        version: UNKNOWN.to_string(),
        internal_ip: UNKNOWN.to_string(),
        conditions: "no Node object in the bundle".to_string(),
        os_image: UNKNOWN.to_string(),
        kernel_version: UNKNOWN.to_string(),
        container_runtime: UNKNOWN.to_string(),
        in_api: false,
    }
}

fn pod_row(pod: &PodSummary, now: Option<Timestamp>) -> PodRow {
    let restarts = match pod.last_restart {
        Some(t) if pod.restarts > 0 => format!("{} ({} ago)", pod.restarts, age(Some(t), now)),
        _ => pod.restarts.to_string(),
    };
    PodRow {
        namespace: pod.namespace.clone(),
        name: pod.name.clone(),
        ready: format!("{}/{}", pod.ready, pod.containers),
        status: pod.status.clone(),
        restarts,
        age: age(pod.created, now),
        ip: or_none(&pod.ip),
        node: or_none(&pod.node),
    }
}

fn or_none(s: &str) -> String {
    if s.is_empty() {
        NONE.to_string()
    } else {
        s.to_string()
    }
}

/// The time from `since` to `now` as kubectl's AGE column prints it, or `<unknown>` (the
/// one printer, shared with `kbundle serve`).
pub use kbundle_kube::printers::age;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{facts_at_ten, sourced};

    #[test]
    fn pods_and_nodes_are_listed_like_kubectl_get_wide() {
        let mut facts = facts_at_ten();
        facts.nodes = sourced(
            "cluster-resources/nodes.json",
            r#"[{"metadata":{"name":"w1","creationTimestamp":"2026-11-20T10:00:00Z",
                 "labels":{"node-role.kubernetes.io/worker":""}},
                 "spec":{"unschedulable":true},
                 "status":{"conditions":[{"type":"Ready","status":"False"},
                                         {"type":"DiskPressure","status":"True"},
                                         {"type":"MemoryPressure","status":"False"},
                                         {"type":"PIDPressure","status":"Unknown"}],
                           "nodeInfo":{"kubeletVersion":"v1.29.4"},
                           "addresses":[{"type":"InternalIP","address":"10.0.0.7"}]}}]"#,
        );
        facts.hosts.insert("w2".into(), Default::default());
        facts.add_pods(sourced(
            "cluster-resources/pods/default.json",
            r#"[{"metadata":{"namespace":"default","name":"web-1",
                             "creationTimestamp":"2026-11-27T09:55:00Z"},
                 "spec":{"nodeName":"w1","containers":[{"name":"a"},{"name":"b"}]},
                 "status":{"phase":"Running","podIP":"10.42.0.5","containerStatuses":[
                   {"name":"a","ready":true,"restartCount":0,"state":{"running":{}}},
                   {"name":"b","ready":false,"restartCount":5,
                    "state":{"waiting":{"reason":"CrashLoopBackOff"}},
                    "lastState":{"terminated":{"reason":"Error","exitCode":1,
                                               "finishedAt":"2026-11-27T09:57:00Z"}}}]}},
                {"metadata":{"namespace":"apps","name":"pending-0"},
                 "status":{"phase":"Pending"}}]"#,
        ));
        let inv = build(&facts);
        assert!(inv.nodes_collected && inv.pods_collected);
        let w1 = &inv.nodes[0];
        assert_eq!(
            (w1.status.as_str(), w1.roles.as_str(), w1.age.as_str()),
            ("NotReady,SchedulingDisabled", "worker", "7d")
        );
        assert_eq!(w1.conditions, "DiskPressure, PIDPressure=Unknown");
        assert_eq!(w1.internal_ip, "10.0.0.7");
        assert!(!inv.nodes[1].in_api);
        assert_eq!(inv.nodes[1].name, "w2");
        let names: Vec<&str> = inv.pods.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["pending-0", "web-1"]);
        let web = &inv.pods[1];
        assert_eq!(
            (
                web.ready.as_str(),
                web.status.as_str(),
                web.restarts.as_str(),
                web.age.as_str()
            ),
            ("1/2", "CrashLoopBackOff", "5 (3m ago)", "5m")
        );
        let pending = &inv.pods[0];
        assert_eq!(
            (
                pending.node.as_str(),
                pending.ip.as_str(),
                pending.age.as_str()
            ),
            ("<none>", "<none>", "<unknown>")
        );
    }
}
