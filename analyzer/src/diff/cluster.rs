//! Changes of cluster state between two sides: nodes (added, removed, Ready, versions,
//! kernel, OS, taints, capacity), the API (server version, CRDs), controllers (replicas,
//! images, resources, probes), restart counts that grew, and Warning event reasons that
//! appeared.
//!
//! Only fields that mean something are compared, so what always changes between two
//! collections (resourceVersion, managedFields, heartbeats, timestamps, generated names)
//! never shows: docs/diff.md lists what is compared.

use super::findings::Owners;
use super::snapshot::Snapshot;
use super::{evidence, Sides};
use crate::facts::Facts;
use kbundle_format::analysis::{Subject, SubjectKind};
use kbundle_format::diff::{Area, Change, Side};
use kbundle_kube::node::Node;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Appends the cluster changes of `sides` to `out`.
pub(crate) fn compare(sides: &Sides<'_>, out: &mut Vec<Change>) {
    nodes(sides.old.facts, sides.new.facts, out);
    api(sides, out);
    workloads(sides.old.snapshot, sides.new.snapshot, out);
    restarts(sides, out);
    events(sides.old.facts, sides.new.facts, out);
}

fn nodes(old: &Facts, new: &Facts, out: &mut Vec<Change>) {
    fn by_name(f: &Facts) -> BTreeMap<String, (&Node, &str, Option<u64>)> {
        f.nodes
            .iter()
            .map(|n| {
                (
                    n.object.metadata.name.clone(),
                    (&n.object, &*n.file, n.line),
                )
            })
            .collect()
    }
    let (before, after) = (by_name(old), by_name(new));
    if before.is_empty() || after.is_empty() {
        // One side has no API objects (a node-only bundle): nodes are not "removed".
        return;
    }
    for (name, (node, file, line)) in &after {
        let Some((was, old_file, old_line)) = before.get(name) else {
            out.push(Change {
                area: Area::Node,
                subject: Subject::node(name),
                what: format!("Node {name} joined ({})", describe(node)),
                old: None,
                new: Some(node_value(node)),
                unified_diff: None,
                evidence: vec![evidence(Side::New, file, *line, &describe(node))],
            });
            continue;
        };
        for (field, a, b) in node_fields(was, node) {
            if a == b {
                continue;
            }
            out.push(Change {
                area: Area::Node,
                subject: Subject::node(name),
                what: format!("Node {name}: {field} {} → {}", shown(&a), shown(&b)),
                old: Some(Value::String(a.clone())),
                new: Some(Value::String(b.clone())),
                unified_diff: None,
                evidence: vec![
                    evidence(
                        Side::Old,
                        old_file,
                        *old_line,
                        &format!("{field}: {}", shown(&a)),
                    ),
                    evidence(Side::New, file, *line, &format!("{field}: {}", shown(&b))),
                ],
            });
        }
    }
    for (name, (node, file, line)) in &before {
        if !after.contains_key(name) {
            out.push(Change {
                area: Area::Node,
                subject: Subject::node(name),
                what: format!("Node {name} is gone"),
                old: Some(node_value(node)),
                new: None,
                unified_diff: None,
                evidence: vec![evidence(Side::Old, file, *line, &describe(node))],
            });
        }
    }
}

fn shown(s: &str) -> &str {
    if s.is_empty() {
        "(none)"
    } else {
        s
    }
}

/// The fields of a node that are compared, as text.
fn node_fields(a: &Node, b: &Node) -> Vec<(&'static str, String, String)> {
    let f = |n: &Node| -> [(&'static str, String); 9] {
        let info = &n.status.node_info;
        let mut taints: Vec<String> = n
            .spec
            .taints
            .iter()
            .map(|t| format!("{}:{}", t.key, t.effect))
            .collect();
        taints.sort();
        [
            (
                "Ready",
                n.condition("Ready")
                    .map(|c| c.status.clone())
                    .unwrap_or_else(|| "Unknown".into()),
            ),
            ("kubelet", info.kubelet_version.clone()),
            ("container runtime", info.container_runtime_version.clone()),
            ("kernel", info.kernel_version.clone()),
            ("OS image", info.os_image.clone()),
            (
                "scheduling",
                if n.spec.unschedulable {
                    "disabled (cordoned)".into()
                } else {
                    "enabled".into()
                },
            ),
            ("taints", taints.join(", ")),
            ("CPU capacity", n.capacity("cpu").unwrap_or_default()),
            ("memory capacity", n.capacity("memory").unwrap_or_default()),
        ]
    };
    f(a).into_iter()
        .zip(f(b))
        .map(|((field, x), (_, y))| (field, x, y))
        .collect()
}

fn describe(n: &Node) -> String {
    let info = &n.status.node_info;
    format!(
        "kubelet {}, {}, kernel {}",
        shown(&info.kubelet_version),
        shown(&info.container_runtime_version),
        shown(&info.kernel_version)
    )
}

fn node_value(n: &Node) -> Value {
    let info = &n.status.node_info;
    json!({
        "kubelet": info.kubelet_version,
        "container_runtime": info.container_runtime_version,
        "kernel": info.kernel_version,
        "os_image": info.os_image,
    })
}

fn api(sides: &Sides<'_>, out: &mut Vec<Change>) {
    let (old, new) = (sides.old.facts, sides.new.facts);
    if let (Some(a), Some(b)) = (old.cluster_version(), new.cluster_version()) {
        if a != b {
            out.push(Change {
                area: Area::Api,
                subject: Subject::cluster(),
                what: format!("Kubernetes API server {a} → {b}"),
                old: Some(Value::String(a.into())),
                new: Some(Value::String(b.into())),
                unified_diff: None,
                evidence: vec![
                    evidence(Side::Old, "cluster-info/cluster_version.json", None, a),
                    evidence(Side::New, "cluster-info/cluster_version.json", None, b),
                ],
            });
        }
    }
    let (a, b): (BTreeSet<&String>, BTreeSet<&String>) = (
        sides.old.snapshot.crds.iter().collect(),
        sides.new.snapshot.crds.iter().collect(),
    );
    if a.is_empty() || b.is_empty() {
        return;
    }
    let file = "cluster-resources/custom-resource-definitions.json";
    for (side, only, verb) in [
        (Side::New, b.difference(&a), "added"),
        (Side::Old, a.difference(&b), "removed"),
    ] {
        for crd in only {
            let subject = Subject::new(SubjectKind::Cluster, crd.as_str());
            out.push(Change {
                area: Area::Api,
                subject,
                what: format!("CustomResourceDefinition {crd} {verb}"),
                old: (side == Side::Old).then(|| Value::String(crd.to_string())),
                new: (side == Side::New).then(|| Value::String(crd.to_string())),
                unified_diff: None,
                evidence: vec![evidence(side, file, None, crd)],
            });
        }
    }
}

fn workloads(old: &Snapshot, new: &Snapshot, out: &mut Vec<Change>) {
    if old.templates.is_empty() || new.templates.is_empty() {
        return;
    }
    for ((kind, ns, name), b) in &new.templates {
        let subject = crate::rules::workloads::workload_subject(kind, ns, name);
        let Some(a) = old.templates.get(&(kind.clone(), ns.clone(), name.clone())) else {
            out.push(Change {
                area: Area::Workload,
                subject,
                what: format!("{kind} {ns}/{name} was created ({})", images(&b.containers)),
                old: None,
                new: Some(Value::String(images(&b.containers))),
                unified_diff: None,
                evidence: vec![evidence(Side::New, &b.member, None, name)],
            });
            continue;
        };
        let mut push = |what: String, old: Value, new: Value| {
            out.push(Change {
                area: Area::Workload,
                subject: subject.clone(),
                what: what.clone(),
                old: Some(old.clone()),
                new: Some(new.clone()),
                unified_diff: None,
                evidence: vec![
                    evidence(Side::Old, &a.member, None, &format!("{name}: {old}")),
                    evidence(Side::New, &b.member, None, &format!("{name}: {new}")),
                ],
            });
        };
        if a.replicas != b.replicas {
            push(
                format!(
                    "{kind} {ns}/{name}: replicas {} → {}",
                    a.replicas.map_or("-".into(), |r| r.to_string()),
                    b.replicas.map_or("-".into(), |r| r.to_string())
                ),
                json!(a.replicas),
                json!(b.replicas),
            );
        }
        for c in &b.containers {
            let Some(was) = a.containers.iter().find(|x| x.name == c.name) else {
                push(
                    format!(
                        "{kind} {ns}/{name}: container {} added ({})",
                        c.name, c.image
                    ),
                    Value::Null,
                    Value::String(c.image.clone()),
                );
                continue;
            };
            for (field, x, y) in [
                ("image", json!(was.image), json!(c.image)),
                ("resources", was.resources.clone(), c.resources.clone()),
                (
                    "liveness probe",
                    was.liveness_probe.clone(),
                    c.liveness_probe.clone(),
                ),
                (
                    "readiness probe",
                    was.readiness_probe.clone(),
                    c.readiness_probe.clone(),
                ),
            ] {
                if x != y {
                    push(
                        format!(
                            "{kind} {ns}/{name}: container {} {field} {} → {}",
                            c.name,
                            brief(&x),
                            brief(&y)
                        ),
                        x,
                        y,
                    );
                }
            }
        }
        for c in &a.containers {
            if !b.containers.iter().any(|x| x.name == c.name) {
                push(
                    format!("{kind} {ns}/{name}: container {} removed", c.name),
                    Value::String(c.image.clone()),
                    Value::Null,
                );
            }
        }
    }
    for ((kind, ns, name), a) in &old.templates {
        if !new
            .templates
            .contains_key(&(kind.clone(), ns.clone(), name.clone()))
        {
            out.push(Change {
                area: Area::Workload,
                subject: crate::rules::workloads::workload_subject(kind, ns, name),
                what: format!("{kind} {ns}/{name} was deleted"),
                old: Some(Value::String(images(&a.containers))),
                new: None,
                unified_diff: None,
                evidence: vec![evidence(Side::Old, &a.member, None, name)],
            });
        }
    }
}

fn images(containers: &[super::snapshot::TemplateContainer]) -> String {
    containers
        .iter()
        .map(|c| c.image.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value in a sentence: strings bare, absent as `none`, objects as compact JSON.
fn brief(v: &Value) -> String {
    match v {
        Value::Null => "none".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `(namespace, pod identity, container)`.
type ContainerKey = (String, String, String);

/// A restart count with where it was read: `(count, file, line)`.
type Restarts = (i64, String, Option<u64>);

/// Restarts of each container, by the pod's identity (its workload, so a replaced pod
/// continues its predecessor's line).
fn restart_counts(facts: &Facts, owners: &Owners) -> BTreeMap<ContainerKey, Restarts> {
    let mut out: BTreeMap<ContainerKey, Restarts> = BTreeMap::new();
    for p in &facts.pods_that_may_matter {
        let m = &p.object.metadata;
        let subject = Subject::pod(&m.namespace, &m.name);
        let identity = owners.pod_name(&subject);
        for c in p.object.all_container_statuses() {
            let e = out
                .entry((m.namespace.clone(), identity.clone(), c.name.clone()))
                .or_insert((0, p.file.to_string(), p.line));
            if c.restart_count > e.0 {
                *e = (c.restart_count, p.file.to_string(), p.line);
            }
        }
    }
    out
}

fn restarts(sides: &Sides<'_>, out: &mut Vec<Change>) {
    let before = restart_counts(sides.old.facts, &sides.old.owners);
    let after = restart_counts(sides.new.facts, &sides.new.owners);
    for ((ns, pod, container), (n, file, line)) in &after {
        let (was, old_file, old_line) = before
            .get(&(ns.clone(), pod.clone(), container.clone()))
            .cloned()
            .unwrap_or((0, String::new(), None));
        if *n <= was {
            continue;
        }
        let mut ev = Vec::new();
        if !old_file.is_empty() {
            ev.push(evidence(
                Side::Old,
                &old_file,
                old_line,
                &format!("{container}: restartCount={was}"),
            ));
        }
        ev.push(evidence(
            Side::New,
            file,
            *line,
            &format!("{container}: restartCount={n}"),
        ));
        out.push(Change {
            area: Area::Pod,
            subject: Subject::pod(ns, pod).with_container(container),
            what: format!("{pod} container {container} in {ns}: restarts {was} → {n}"),
            old: Some(json!(was)),
            new: Some(json!(n)),
            unified_diff: None,
            evidence: ev,
        });
    }
}

fn events(old: &Facts, new: &Facts, out: &mut Vec<Change>) {
    let reasons = |f: &Facts| -> BTreeSet<String> {
        f.events
            .iter()
            .filter(|g| g.is_warning())
            .map(|g| g.reason.clone())
            .collect()
    };
    let before = reasons(old);
    if !old.kinds_present.contains("events") {
        return;
    }
    let mut by_reason: BTreeMap<&str, Vec<&crate::facts::EventGroup>> = BTreeMap::new();
    for g in new.events.iter().filter(|g| g.is_warning()) {
        if !before.contains(&g.reason) {
            by_reason.entry(&g.reason).or_default().push(g);
        }
    }
    for (reason, groups) in by_reason {
        let count: u64 = groups.iter().map(|g| g.count).sum();
        let first = groups[0];
        let objects: Vec<String> = groups
            .iter()
            .take(3)
            .map(|g| format!("{} {}", g.object.kind, g.object.name))
            .collect();
        out.push(Change {
            area: Area::Event,
            subject: Subject::cluster(),
            what: format!(
                "New Warning events: {reason} ({count} on {} object(s): {}{})",
                groups.len(),
                objects.join(", "),
                if groups.len() > 3 { ", ..." } else { "" }
            ),
            old: None,
            new: Some(json!({"reason": reason, "count": count, "objects": groups.len()})),
            unified_diff: None,
            evidence: vec![evidence(Side::New, &first.file, first.line, &first.message)],
        });
    }
}
