//! Node objects: readiness, pressure, network, cordons and version skew.

use super::{humanize, Context, Rule};
use crate::facts::{Facts, Sourced};
use crate::findings::{Draft, Findings};
use kbundle_format::analysis::{Category, Severity, Subject};
use kbundle_kube::meta::Condition;
use kbundle_kube::node::Node;

/// A node whose Ready condition is False or Unknown.
pub(crate) const NOT_READY: Rule = Rule {
    id: "node.not-ready",
    category: Category::NodeNotReady,
    severity: Severity::Critical,
    looks_at: "nodes: status.conditions[Ready]",
    remediation: "Check the kubelet and container runtime on the node (systemctl status kubelet, \
journalctl -u kubelet) and its network path to the API server; Unknown means the node stopped \
reporting.",
};

/// MemoryPressure, DiskPressure or PIDPressure is True.
pub(crate) const PRESSURE: Rule = Rule {
    id: "node.pressure",
    category: Category::NodePressure,
    severity: Severity::Critical,
    looks_at: "nodes: status.conditions[MemoryPressure|DiskPressure|PIDPressure]",
    remediation: "Free the resource under pressure (large pods, images, logs in /var) or add \
capacity; the kubelet evicts pods until the pressure ends.",
};

/// NetworkUnavailable is True.
pub(crate) const NETWORK_UNAVAILABLE: Rule = Rule {
    id: "node.network-unavailable",
    category: Category::NodeNetworkUnavailable,
    severity: Severity::Critical,
    looks_at: "nodes: status.conditions[NetworkUnavailable]",
    remediation: "The network plugin has not configured this node's routes: check the CNI \
pods on the node (calico-node, cilium, flannel) and their logs.",
};

/// The node is cordoned.
pub(crate) const CORDONED: Rule = Rule {
    id: "node.cordoned",
    category: Category::NodeCordoned,
    severity: Severity::Warning,
    looks_at: "nodes: spec.unschedulable",
    remediation: "If the maintenance is over, `kubectl uncordon <node>`; otherwise new pods \
cannot land here.",
};

/// Kubelets outside the supported skew from the control plane.
pub(crate) const VERSION_SKEW: Rule = Rule {
    id: "cluster.version-skew",
    category: Category::VersionSkew,
    severity: Severity::Warning,
    looks_at: "cluster-info/cluster_version.json, nodes: status.nodeInfo.kubeletVersion",
    remediation: "Upgrade the old kubelets one minor version at a time; a kubelet may be at \
most three minor versions older than the API server (two before v1.28) and never newer.",
};

/// A node whose kubelet reports heartbeats from the future: its clock runs ahead of the
/// API server's.
pub(crate) const CLOCK_AHEAD: Rule = Rule {
    id: "node.clock-ahead",
    category: Category::TimeSync,
    severity: Severity::Warning,
    looks_at: "nodes: status.conditions[].lastHeartbeatTime against the bundle's creation time",
    remediation: "Fix time synchronization on the node (chronyd or systemd-timesyncd); a clock \
ahead of the control plane's breaks certificate validity, leases and log correlation.",
};

/// Kubelets on different minor versions, all within the supported skew: context.
pub(crate) const MIXED_VERSIONS: Rule = Rule {
    id: "cluster.mixed-kubelet-versions",
    category: Category::VersionSkew,
    severity: Severity::Info,
    looks_at: "nodes: status.nodeInfo.kubeletVersion",
    remediation: "Normal during an upgrade; finish it so every node runs the same minor version.",
};

/// Heartbeats this far ahead of the collection mean the node's clock is ahead.
const CLOCK_TOLERANCE: jiff::SignedDuration = jiff::SignedDuration::from_mins(2);

/// The rules of this file.
pub(crate) const RULES: &[&Rule] = &[
    &CLOCK_AHEAD,
    &MIXED_VERSIONS,
    &NOT_READY,
    &PRESSURE,
    &NETWORK_UNAVAILABLE,
    &CORDONED,
    &VERSION_SKEW,
];

/// Runs the node rules.
pub(crate) fn check(facts: &Facts, ctx: &Context, out: &mut Findings) {
    for node in &facts.nodes {
        check_conditions(node, ctx, out);
        if node.object.spec.unschedulable {
            out.add(
                Draft::new(&CORDONED, Subject::node(&node.object.metadata.name))
                    .title(format!("Node {} is cordoned", node.object.metadata.name))
                    .message(format!(
                        "Node {} is marked unschedulable: no new pod will be placed on it.",
                        node.object.metadata.name
                    ))
                    .evidence(&node.file, node.line, "spec.unschedulable: true")
                    .build(),
            );
        }
    }
    check_version_skew(facts, out);
    check_mixed_versions(facts, out);
    check_clocks(facts, ctx, out);
}

/// The API server's clock dates the bundle; a kubelet stamps its heartbeats with its own.
fn check_clocks(facts: &Facts, ctx: &Context, out: &mut Findings) {
    let Some(now) = ctx.now else { return };
    for node in &facts.nodes {
        let Some(c) = node
            .object
            .status
            .conditions
            .iter()
            .filter(|c| c.last_heartbeat_time.is_some())
            .max_by_key(|c| c.last_heartbeat_time)
        else {
            continue;
        };
        let Some(beat) = c.last_heartbeat_time else {
            continue;
        };
        let ahead = beat.duration_since(now);
        if ahead > CLOCK_TOLERANCE {
            let name = &node.object.metadata.name;
            out.add(
                Draft::new(&CLOCK_AHEAD, Subject::node(name))
                    .title(format!("Clock of {name} runs {} ahead", humanize(ahead)))
                    .message(format!(
                        "{name} reported a heartbeat at {}, {} after the bundle was collected: its clock is ahead of the control plane's.",
                        crate::findings::rfc3339(beat),
                        humanize(ahead)
                    ))
                    .evidence(&node.file, node.line, condition_text(c))
                    .build(),
            );
        }
    }
}

fn check_mixed_versions(facts: &Facts, out: &mut Findings) {
    let mut by_minor: std::collections::BTreeMap<(u32, u32), Vec<&Sourced<Node>>> =
        Default::default();
    for node in &facts.nodes {
        if let Some(v) = minor_version(&node.object.status.node_info.kubelet_version) {
            by_minor.entry(v).or_default().push(node);
        }
    }
    if by_minor.len() < 2 {
        return;
    }
    let summary: Vec<String> = by_minor
        .iter()
        .map(|((major, minor), nodes)| format!("v{major}.{minor} on {} node(s)", nodes.len()))
        .collect();
    let mut draft = Draft::new(&MIXED_VERSIONS, Subject::cluster())
        .title(format!("Kubelets run {} minor versions", by_minor.len()))
        .message(format!(
            "Kubelet versions differ across nodes: {}.",
            summary.join(", ")
        ));
    for nodes in by_minor.values() {
        if let Some(n) = nodes.first() {
            draft = draft.evidence(
                &n.file,
                n.line,
                format!(
                    "{}: status.nodeInfo.kubeletVersion: {}",
                    n.object.metadata.name, n.object.status.node_info.kubelet_version
                ),
            );
        }
    }
    out.add(draft.build());
}

fn condition_text(c: &Condition) -> String {
    let mut text = format!("{}={}", c.kind, c.status);
    if !c.reason.is_empty() {
        text.push_str(&format!(" reason={}", c.reason));
    }
    if !c.message.is_empty() {
        text.push_str(&format!(" message={:?}", c.message));
    }
    if let Some(t) = c.last_transition_time {
        text.push_str(&format!(" since {}", crate::findings::rfc3339(t)));
    }
    text
}

fn check_conditions(node: &Sourced<Node>, ctx: &Context, out: &mut Findings) {
    let name = &node.object.metadata.name;
    for c in &node.object.status.conditions {
        let since = ctx
            .age(c.last_transition_time)
            .map(|d| format!(" for {}", humanize(d)))
            .unwrap_or_default();
        let draft = match (c.kind.as_str(), c.status.as_str()) {
            ("Ready", "False" | "Unknown") => Draft::new(&NOT_READY, Subject::node(name))
                .title(format!("Node {name} is NotReady"))
                .message(format!(
                    "Ready is {}{since}: {}",
                    c.status,
                    if c.message.is_empty() {
                        &c.reason
                    } else {
                        &c.message
                    }
                )),
            ("MemoryPressure" | "DiskPressure" | "PIDPressure", "True") => {
                // Every pressure of a node is one finding, titled with all of them.
                let all: Vec<&str> = node
                    .object
                    .status
                    .conditions
                    .iter()
                    .filter(|p| p.kind.ends_with("Pressure") && p.is_true())
                    .map(|p| p.kind.as_str())
                    .collect();
                Draft::new(&PRESSURE, Subject::node(name))
                    .title(format!("Node {name} has {}", all.join(" and ")))
                    .message(format!("{} is True{since}: {}", c.kind, c.message))
            }
            ("NetworkUnavailable", "True") => Draft::new(&NETWORK_UNAVAILABLE, Subject::node(name))
                .title(format!("Node {name} has no pod network"))
                .message(format!("NetworkUnavailable is True{since}: {}", c.message)),
            _ => continue,
        };
        out.add(
            draft
                .seen_at(c.last_transition_time)
                .seen_at(c.last_heartbeat_time)
                .evidence(&node.file, node.line, condition_text(c))
                .build(),
        );
    }
}

/// `(major, minor)` of a Kubernetes version string like `v1.29.4+k3s1`.
pub(crate) fn minor_version(v: &str) -> Option<(u32, u32)> {
    let v = v.trim().trim_start_matches('v');
    let mut parts = v.split(['.', '-', '+']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

fn check_version_skew(facts: &Facts, out: &mut Findings) {
    let Some(server) = facts.cluster_version() else {
        return;
    };
    let Some((smaj, smin)) = minor_version(server) else {
        return;
    };
    let allowed_older = if smin >= 28 { 3 } else { 2 };
    for node in &facts.nodes {
        let kubelet = &node.object.status.node_info.kubelet_version;
        let Some((kmaj, kmin)) = minor_version(kubelet) else {
            continue;
        };
        let problem = if kmaj != smaj || kmin > smin {
            Some(format!("newer than the API server {server}"))
        } else if smin - kmin > allowed_older {
            Some(format!(
                "{} minor versions older than the API server {server} (at most {allowed_older} are supported)",
                smin - kmin
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            let name = &node.object.metadata.name;
            out.add(
                Draft::new(&VERSION_SKEW, Subject::node(name))
                    .title(format!(
                        "Kubelet on {name} is {kubelet}, outside the supported skew"
                    ))
                    .message(format!("The kubelet on {name} runs {kubelet}, {problem}."))
                    .evidence(
                        &node.file,
                        node.line,
                        format!("status.nodeInfo.kubeletVersion: {kubelet}"),
                    )
                    .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{facts_at_ten, rule_ids, sourced};

    fn node(name: &str, conditions: &str, extra: &str) -> String {
        format!(
            r#"{{"metadata": {{"name": "{name}"}}, "spec": {{{extra}}},
               "status": {{"conditions": [{conditions}], "nodeInfo": {{"kubeletVersion": "v1.29.4"}}}}}}"#
        )
    }

    const READY: &str = r#"{"type": "Ready", "status": "True", "reason": "KubeletReady"},
        {"type": "MemoryPressure", "status": "False"}, {"type": "NetworkUnavailable", "status": "False"}"#;

    #[test]
    fn must_match() {
        let mut facts = facts_at_ten();
        let nodes = [
            node(
                "down",
                r#"{"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
                 "message": "Kubelet stopped posting node status.", "lastTransitionTime": "2026-11-27T08:00:00Z"}"#,
                "",
            ),
            node(
                "full",
                r#"{"type": "Ready", "status": "True"}, {"type": "DiskPressure", "status": "True"}"#,
                "",
            ),
            node(
                "nonet",
                r#"{"type": "Ready", "status": "True"}, {"type": "NetworkUnavailable", "status": "True"}"#,
                "",
            ),
            node("cordoned", READY, r#""unschedulable": true"#),
        ];
        facts.nodes = sourced(
            "cluster-resources/nodes.json",
            &format!("[{}]", nodes.join(",")),
        );
        assert_eq!(
            rule_ids(&facts),
            [
                "node.cordoned Node cordoned",
                "node.network-unavailable Node nonet",
                "node.not-ready Node down",
                "node.pressure Node full"
            ]
        );
    }

    #[test]
    fn must_not_match_a_healthy_node() {
        let mut facts = facts_at_ten();
        facts.nodes = sourced("nodes.json", &format!("[{}]", node("ok", READY, "")));
        assert!(rule_ids(&facts).is_empty());
    }

    #[test]
    fn a_heartbeat_from_the_future_is_a_clock_ahead() {
        let mut facts = facts_at_ten();
        let json = r#"[
          {"metadata": {"name": "ahead"}, "status": {"conditions": [
            {"type": "Ready", "status": "True", "lastHeartbeatTime": "2026-11-27T10:07:00Z"}]}},
          {"metadata": {"name": "fine"}, "status": {"conditions": [
            {"type": "Ready", "status": "True", "lastHeartbeatTime": "2026-11-27T09:59:40Z"}]}}
        ]"#;
        facts.nodes = sourced("nodes.json", json);
        assert_eq!(rule_ids(&facts), ["node.clock-ahead Node ahead"]);
    }

    #[test]
    fn version_skew_follows_the_policy() {
        assert_eq!(minor_version("v1.24.4+k3s1"), Some((1, 24)));
        assert_eq!(minor_version("v1.25.16-eks-abc"), Some((1, 25)));
        let mut facts = facts_at_ten(); // API server v1.29.4
        let json = r#"[
          {"metadata": {"name": "old"}, "status": {"nodeInfo": {"kubeletVersion": "v1.25.16"}}},
          {"metadata": {"name": "ok"}, "status": {"nodeInfo": {"kubeletVersion": "v1.26.0"}}},
          {"metadata": {"name": "new"}, "status": {"nodeInfo": {"kubeletVersion": "v1.30.1"}}}
        ]"#;
        facts.nodes = sourced("nodes.json", json);
        assert_eq!(
            rule_ids(&facts),
            [
                "cluster.mixed-kubelet-versions Cluster cluster",
                "cluster.version-skew Node new",
                "cluster.version-skew Node old"
            ]
        );
    }
}
