//! Changes of cluster state between two sides: nodes (added, removed, Ready, versions,
//! kernel, OS, taints, capacity), the API (server version, CRDs), controllers (replicas,
//! images, resources, probes), restart counts that grew, and Warning event reasons that
//! appeared.
//!
//! Only fields that mean something are compared, so what always changes between two
//! collections (resourceVersion, managedFields, heartbeats, timestamps, generated names)
//! never shows: docs/diff.md lists what is compared.

use super::digest::{Digest, NodeState};
use super::snapshot::Snapshot;
use super::{evidence, Sides};
use kbundle_format::analysis::{Subject, SubjectKind};
use kbundle_format::diff::{Area, Change, Side};
use kbundle_kube::node::Node;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Appends the cluster changes of `sides` to `out`.
pub(crate) fn compare(sides: &Sides, out: &mut Vec<Change>) {
    nodes(&sides.old, &sides.new, out);
    api(sides, out);
    workloads(&sides.old.snapshot, &sides.new.snapshot, out);
    restarts(&sides.old, &sides.new, out);
    events(&sides.old, &sides.new, out);
}

fn nodes(old: &Digest, new: &Digest, out: &mut Vec<Change>) {
    let (before, after) = (&old.nodes, &new.nodes);
    if before.is_empty() || after.is_empty() {
        // One side has no API objects (a node-only bundle): nodes are not "removed".
        return;
    }
    for (name, NodeState { node, file, line }) in after {
        let Some(NodeState {
            node: was,
            file: old_file,
            line: old_line,
        }) = before.get(name)
        else {
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
    for (name, NodeState { node, file, line }) in before {
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

fn api(sides: &Sides, out: &mut Vec<Change>) {
    if let (Some(a), Some(b)) = (&sides.old.cluster_version, &sides.new.cluster_version) {
        if a != b {
            out.push(Change {
                area: Area::Api,
                subject: Subject::cluster(),
                what: format!("Kubernetes API server {a} → {b}"),
                old: Some(Value::String(a.clone())),
                new: Some(Value::String(b.clone())),
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

fn restarts(old: &Digest, new: &Digest, out: &mut Vec<Change>) {
    for ((ns, pod, container), now) in &new.restarts {
        let was = old
            .restarts
            .get(&(ns.clone(), pod.clone(), container.clone()));
        let before = was.map_or(0, |r| r.count);
        if now.count <= before {
            continue;
        }
        let mut ev = Vec::new();
        if let Some(w) = was {
            ev.push(evidence(
                Side::Old,
                &w.file,
                w.line,
                &format!("{container}: restartCount={before}"),
            ));
        }
        ev.push(evidence(
            Side::New,
            &now.file,
            now.line,
            &format!("{container}: restartCount={}", now.count),
        ));
        out.push(Change {
            area: Area::Pod,
            subject: Subject::pod(ns, pod).with_container(container),
            what: format!(
                "{pod} container {container} in {ns}: restarts {before} → {}",
                now.count
            ),
            old: Some(json!(before)),
            new: Some(json!(now.count)),
            unified_diff: None,
            evidence: ev,
        });
    }
}

fn events(old: &Digest, new: &Digest, out: &mut Vec<Change>) {
    // A side without events says nothing about which reasons are new.
    let (Some(before), Some(after)) = (&old.warning_reasons, &new.warning_reasons) else {
        return;
    };
    for (reason, s) in after {
        if before.contains_key(reason) {
            continue;
        }
        out.push(Change {
            area: Area::Event,
            subject: Subject::cluster(),
            what: format!(
                "New Warning events: {reason} ({} on {} object(s): {}{})",
                s.count,
                s.objects,
                s.first_objects.join(", "),
                if s.objects > s.first_objects.len() {
                    ", ..."
                } else {
                    ""
                }
            ),
            old: None,
            new: Some(json!({"reason": reason, "count": s.count, "objects": s.objects})),
            unified_diff: None,
            evidence: vec![evidence(Side::New, &s.file, s.line, &s.message)],
        });
    }
}
