//! Startup noise: what a healthy cluster prints while a pod or a node comes up.
//!
//! A readiness probe fails until the application listens; the network plugin is not ready
//! for the first seconds after the kubelet starts; a volume's ConfigMap is "not registered"
//! until the kubelet has synced; a pod waits for a node to lose its `not-ready` taint. When
//! all of an event group's occurrences fall within a few minutes (the `startup` thresholds of
//! `analyzer/tables/thresholds.yaml`) of a start of the pod or node
//! they concern, and that pod or node is healthy now, the events are information, not a
//! problem. The same holds for a container whose restarts all came in its pod's first
//! minutes and that is ready now.

use super::thresholds::thresholds;
use crate::facts::{EventGroup, Facts};
use crate::findings::rfc3339;
use jiff::{SignedDuration, Timestamp};
use std::collections::{HashMap, HashSet};

/// How long after a start its noise is expected. (Before a node turns Ready, its boot may
/// print noise for `startup.boot`: the kubelet starts, then the runtime, the network plugin,
/// and only then the node is Ready.)
pub(crate) fn grace() -> SignedDuration {
    thresholds().startup.grace
}

/// Event reasons that a healthy start prints; nothing else is ever called startup noise.
const STARTUP_REASONS: &[&str] = &[
    "Unhealthy",
    "ProbeError",
    "BackOff",
    "NetworkNotReady",
    "FailedMount",
    "FailedCreatePodSandBox",
    "FailedScheduling",
];

/// What is known of a pod's starts and of its health now.
#[derive(Debug, Clone)]
struct PodStart {
    /// Creation, and the kubelet's start of the pod when known.
    moments: Vec<Timestamp>,
    /// Running with every container ready, or completed.
    healthy: bool,
    /// The node it runs on (empty when not scheduled).
    node: String,
}

/// The starts of the pods and nodes that events name, to tell their startup noise.
#[derive(Debug, Default)]
pub(crate) struct Starts {
    pods: HashMap<(String, String), PodStart>,
    /// When each node that is Ready now became Ready.
    nodes_ready_since: HashMap<String, Timestamp>,
}

impl Starts {
    /// The starts of the pods and nodes that the event groups of a startup reason name;
    /// only those pods are looked up, so a bundle of 150,000 healthy pods costs one pass.
    pub(crate) fn of(facts: &Facts) -> Self {
        let named: HashSet<(&str, &str)> = facts
            .events
            .iter()
            .filter(|g| g.object.kind == "Pod" && STARTUP_REASONS.contains(&g.reason.as_str()))
            .map(|g| (g.object.namespace.as_str(), g.object.name.as_str()))
            .collect();
        let mut pods = HashMap::new();
        if !named.is_empty() {
            for s in &facts.pod_summaries {
                if !named.contains(&(s.namespace.as_str(), s.name.as_str())) {
                    continue;
                }
                let healthy =
                    (s.status == "Running" && s.containers > 0 && s.ready == s.containers)
                        || s.status == "Completed";
                pods.insert(
                    (s.namespace.clone(), s.name.clone()),
                    PodStart {
                        moments: s.created.into_iter().collect(),
                        healthy,
                        node: s.node.clone(),
                    },
                );
            }
            for p in &facts.pods_that_may_matter {
                let m = &p.object.metadata;
                if let (Some(start), Some(entry)) = (
                    p.object.status.start_time,
                    pods.get_mut(&(m.namespace.clone(), m.name.clone())),
                ) {
                    entry.moments.push(start);
                }
            }
        }
        let nodes_ready_since = facts
            .nodes
            .iter()
            .filter_map(|n| {
                let ready = n.object.condition("Ready").filter(|c| c.is_true())?;
                Some((n.object.metadata.name.clone(), ready.last_transition_time?))
            })
            .collect();
        Starts {
            pods,
            nodes_ready_since,
        }
    }

    /// Why the events of `g` are startup noise, as a sentence for the finding's message, or
    /// `None` when they are not.
    pub(crate) fn explains(&self, g: &EventGroup) -> Option<String> {
        if !STARTUP_REASONS.contains(&g.reason.as_str()) {
            return None;
        }
        let (first, last) = (g.first?, g.last?);
        let pod = (g.object.kind == "Pod")
            .then(|| {
                self.pods
                    .get(&(g.object.namespace.clone(), g.object.name.clone()))
            })
            .flatten();
        if let Some(pod) = pod.filter(|p| p.healthy) {
            if let Some(start) = pod
                .moments
                .iter()
                .find(|&&s| inside(first, last, s, grace()))
            {
                return Some(format!(
                    "All of them came within {} of the pod's start at {}, and it is ready now: startup noise.",
                    minutes(grace()),
                    rfc3339(*start)
                ));
            }
        }
        let node = match g.object.kind.as_str() {
            "Node" => g.object.name.as_str(),
            _ if !g.host.is_empty() => g.host.as_str(),
            _ => pod.map(|p| p.node.as_str()).unwrap_or_default(),
        };
        let pod_fine = pod.is_none_or(|p| p.healthy);
        let ready_since = self.nodes_ready_since.get(node).filter(|_| pod_fine)?;
        let boot = thresholds().startup.boot;
        let boot_start = ready_since.checked_sub(boot).ok()?;
        inside(first, last, boot_start, boot + grace()).then(|| {
            format!(
                "All of them came while node {node} was starting (it is Ready since {}), and it is healthy now: startup noise.",
                rfc3339(*ready_since)
            )
        })
    }
}

/// Whether a container's restarts are startup noise: the last one ended within [`grace`]
/// of its pod's start and the container is ready now.
pub(crate) fn restarts_during_start(
    pod_start: Option<Timestamp>,
    last_restart: Option<Timestamp>,
    ready_now: bool,
) -> bool {
    match (pod_start, last_restart) {
        (Some(start), Some(last)) => ready_now && inside(last, last, start, grace()),
        _ => false,
    }
}

/// Whether `first..=last` lies within `start..=start + span` (a minute of clock skew
/// before `start` allowed).
fn inside(first: Timestamp, last: Timestamp, start: Timestamp, span: SignedDuration) -> bool {
    let skew = SignedDuration::from_mins(1);
    first.duration_since(start) >= -skew && last.duration_since(start) <= span
}

fn minutes(d: SignedDuration) -> String {
    format!("{} minutes", d.as_secs() / 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{facts_at_ten, sourced};
    use kbundle_kube::event::Event;
    use kbundle_kube::list::decode_slice;
    use std::sync::Arc;

    fn facts(pod_status: &str, node_ready_since: &str, events: &[(&str, &str, &str)]) -> Facts {
        let mut f = facts_at_ten();
        f.add_pods(sourced(
            "cluster-resources/pods/ns.json",
            &format!(
                r#"[{{"metadata": {{"name": "web", "namespace": "ns", "creationTimestamp": "2026-11-27T09:00:00Z"}},
                    "spec": {{"nodeName": "w1", "containers": [{{"name": "app"}}]}},
                    "status": {pod_status}}}]"#
            ),
        ));
        f.nodes = sourced(
            "cluster-resources/nodes.json",
            &format!(
                r#"[{{"metadata": {{"name": "w1"}}, "status": {{"conditions": [
                    {{"type": "Ready", "status": "True", "lastTransitionTime": "{node_ready_since}"}}]}}}}]"#
            ),
        );
        let file: Arc<str> = Arc::from("cluster-resources/events/ns.json");
        let json = events
            .iter()
            .map(|(reason, first, last)| {
                format!(
                    r#"{{"metadata": {{"name": "web.{reason}"}}, "type": "Warning", "reason": "{reason}",
                        "message": "Readiness probe failed: connection refused",
                        "involvedObject": {{"kind": "Pod", "namespace": "ns", "name": "web"}},
                        "count": 4, "firstTimestamp": "{first}", "lastTimestamp": "{last}"}}"#
                )
            })
            .collect::<Vec<_>>()
            .join(",");
        for e in decode_slice::<Event>(format!("[{json}]").as_bytes(), false).unwrap() {
            f.events.add(e.object, &file, e.line);
        }
        f
    }

    const READY: &str = r#"{"phase": "Running", "startTime": "2026-11-27T09:00:02Z",
        "conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0,
            "state": {"running": {"startedAt": "2026-11-27T09:00:05Z"}}}]}"#;
    const NOT_READY: &str = r#"{"phase": "Running", "startTime": "2026-11-27T09:00:02Z",
        "conditions": [{"type": "Ready", "status": "False"}],
        "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0,
            "state": {"running": {"startedAt": "2026-11-27T09:00:05Z"}}}]}"#;
    const LONG_READY: &str = "2026-11-01T00:00:00Z";

    fn explained(f: &Facts) -> Vec<bool> {
        let starts = Starts::of(f);
        f.events
            .iter()
            .map(|g| starts.explains(g).is_some())
            .collect()
    }

    #[test]
    fn must_match() {
        // Probe failures in the first two minutes of a pod that is ready now.
        let f = facts(
            READY,
            LONG_READY,
            &[("Unhealthy", "2026-11-27T09:00:10Z", "2026-11-27T09:02:00Z")],
        );
        assert_eq!(explained(&f), [true]);
        // The network plugin not ready while the node booted (Ready since 09:30).
        let f = facts(
            READY,
            "2026-11-27T09:30:00Z",
            &[(
                "NetworkNotReady",
                "2026-11-27T09:25:00Z",
                "2026-11-27T09:29:50Z",
            )],
        );
        assert_eq!(explained(&f), [true]);
    }

    #[test]
    fn must_not_match() {
        // Probe failures that went on long after the start.
        let f = facts(
            READY,
            LONG_READY,
            &[("Unhealthy", "2026-11-27T09:00:10Z", "2026-11-27T09:40:00Z")],
        );
        assert_eq!(explained(&f), [false]);
        // Within the first minutes, but the pod is still not ready.
        let f = facts(
            NOT_READY,
            LONG_READY,
            &[("Unhealthy", "2026-11-27T09:00:10Z", "2026-11-27T09:02:00Z")],
        );
        assert_eq!(explained(&f), [false]);
        // A reason that is never startup noise, even at the start.
        let f = facts(
            READY,
            LONG_READY,
            &[(
                "FailedAttachVolume",
                "2026-11-27T09:00:10Z",
                "2026-11-27T09:01:00Z",
            )],
        );
        assert_eq!(explained(&f), [false]);
        // Sandbox failures long after the node became Ready.
        let f = facts(
            READY,
            "2026-11-27T08:00:00Z",
            &[(
                "FailedCreatePodSandBox",
                "2026-11-27T09:30:00Z",
                "2026-11-27T09:31:00Z",
            )],
        );
        assert_eq!(explained(&f), [false]);
    }

    #[test]
    fn restarts_in_the_first_minutes_of_a_ready_container() {
        let start = "2026-11-27T09:00:00Z".parse().ok();
        let early = "2026-11-27T09:03:00Z".parse().ok();
        let late = "2026-11-27T09:30:00Z".parse().ok();
        assert!(restarts_during_start(start, early, true));
        assert!(!restarts_during_start(start, early, false));
        assert!(!restarts_during_start(start, late, true));
        assert!(!restarts_during_start(None, early, true));
    }
}
