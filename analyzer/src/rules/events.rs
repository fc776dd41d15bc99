//! Warning events, grouped by reason and object: each reason that belongs to a category is
//! reported there (so a FailedMount is a volume problem, not "an event"); the reasons no
//! category explains are reported as warning-events.

use super::{Context, Rule};
use crate::facts::{EventGroup, Facts};
use crate::findings::{rfc3339, Draft, Findings};
use kbundle_format::analysis::{Category, Severity, Subject};

/// One row of `analyzer/tables/event-reasons.yaml`: event reasons (and message hints) that
/// belong to a category.
#[derive(Debug)]
struct ReasonMapping {
    /// Event reason.
    reason: String,
    /// When set, the message must contain this to map here.
    message_contains: Option<String>,
    /// The rule reported.
    rule: &'static Rule,
    /// Fewer occurrences than this are noise (a probe that failed once in a rollout).
    min_count: u64,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    reasons: Vec<RawRow>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    reason: String,
    #[serde(default)]
    message_contains: Option<String>,
    rule: String,
    #[serde(default = "one")]
    min_count: u64,
    #[serde(default)]
    examples: Vec<String>,
}

fn one() -> u64 {
    1
}

const TABLE: &str = include_str!("../../tables/event-reasons.yaml");

/// Reads the table; every `rule` must be one of this file's rules, every row needs an
/// example.
fn read_table(text: &str) -> Result<Vec<ReasonMapping>, String> {
    let raw: RawTable = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    raw.reasons
        .into_iter()
        .map(|r| {
            let rule = RULES
                .iter()
                .copied()
                .find(|rule| rule.id == r.rule)
                .ok_or_else(|| format!("{}: no event rule {:?}", r.reason, r.rule))?;
            if r.examples.is_empty() {
                return Err(format!("{}: a row needs an example message", r.reason));
            }
            Ok(ReasonMapping {
                reason: r.reason,
                message_contains: r.message_contains,
                rule,
                min_count: r.min_count.max(1),
            })
        })
        .collect()
}

/// The table compiled into the binary, in order: first match wins.
fn mappings() -> &'static [ReasonMapping] {
    static READ: std::sync::OnceLock<Vec<ReasonMapping>> = std::sync::OnceLock::new();
    READ.get_or_init(|| {
        // Part of the source: the test below reads it, so a release cannot carry a table
        // that does not load.
        read_table(TABLE).unwrap_or_else(|e| panic!("analyzer/tables/event-reasons.yaml: {e}"))
    })
}

/// The first row for an event of `reason` with `message`.
fn mapping_for<'t>(
    table: &'t [ReasonMapping],
    reason: &str,
    message: &str,
) -> Option<&'t ReasonMapping> {
    table.iter().find(|m| {
        m.reason == reason
            && m.message_contains
                .as_deref()
                .is_none_or(|needle| message.contains(needle))
    })
}

macro_rules! event_rule {
    ($name:ident, $id:literal, $cat:ident, $sev:ident, $rem:literal) => {
        #[doc = concat!("Events mapped to ", stringify!($cat), ".")]
        pub(crate) const $name: Rule = Rule {
            id: $id,
            category: Category::$cat,
            severity: Severity::$sev,
            looks_at: "events: Warning events by reason and involved object",
            remediation: $rem,
        };
    };
}

event_rule!(
    BACKOFF,
    "event.crash-loop",
    CrashLoop,
    Warning,
    "Read the container's previous log for why it exits."
);
event_rule!(
    IMAGE_PULL,
    "event.image-pull",
    ImagePull,
    Critical,
    "Check the image name, registry reachability and TLS from the node, and pull secrets."
);
event_rule!(
    SCHEDULING,
    "event.failed-scheduling",
    PodPending,
    Warning,
    "Read the scheduler's reason: capacity, taints, affinity or requests."
);
event_rule!(PROBE, "event.probe-failure", ProbeFailure, Warning,
    "Check what the probe calls and its timeouts; a failing liveness probe restarts the container, a failing readiness probe takes it out of its Service.");
event_rule!(MOUNT, "event.volume-mount", VolumeMount, Critical,
    "Check the volume's backend (CSI driver pods, storage reachability), that the referenced Secret/ConfigMap/path exists, and for Multi-Attach the node still holding the volume.");
event_rule!(SANDBOX, "event.sandbox-failure", SandboxFailure, Critical,
    "The runtime or CNI plugin could not create the pod's sandbox: check the CNI pods on the node and the runtime's journal.");
event_rule!(
    CNI,
    "event.network-not-ready",
    CniFailure,
    Critical,
    "The node's network plugin is not configured: check the CNI daemonset pod on that node."
);
event_rule!(
    EVICTION,
    "event.evicted",
    PodEvicted,
    Warning,
    "Find the node pressure that caused the eviction."
);
event_rule!(
    PRESSURE,
    "event.eviction-threshold",
    NodePressure,
    Warning,
    "The kubelet reached an eviction threshold: free the resource under pressure on the node."
);
event_rule!(
    SYSTEM_OOM,
    "event.system-oom",
    KernelOom,
    Warning,
    "Find what filled the node's memory; set requests and limits."
);
event_rule!(
    REBOOT,
    "event.rebooted",
    UnexpectedReboot,
    Warning,
    "Find why the node rebooted (kernel log, hypervisor, power)."
);
event_rule!(WORKLOAD, "event.workload-failure", WorkloadUnavailable, Warning,
    "The controller cannot create or complete its pods: read the event's message (quota, admission, backoff limit).");
event_rule!(
    OTHER,
    "event.warning",
    WarningEvents,
    Warning,
    "Read the events' message; they are not explained by any other finding."
);

/// The rules of this file.
pub(crate) const RULES: &[&Rule] = &[
    &BACKOFF,
    &IMAGE_PULL,
    &SCHEDULING,
    &PROBE,
    &MOUNT,
    &SANDBOX,
    &CNI,
    &EVICTION,
    &PRESSURE,
    &SYSTEM_OOM,
    &REBOOT,
    &WORKLOAD,
    &OTHER,
];

/// Normal events kept for the timeline only.
fn timeline_only(g: &EventGroup) -> bool {
    !g.is_warning() && !matches!(g.reason.as_str(), "TaintManagerEviction")
}

/// Runs the event rules.
pub(crate) fn check(facts: &Facts, ctx: &Context, out: &mut Findings) {
    let starts = super::startup::Starts::of(facts);
    for g in facts.events.iter() {
        if timeline_only(g) {
            continue;
        }
        let mapping = mapping_for(mappings(), &g.reason, &g.message);
        let (rule, min_count) = match mapping {
            Some(m) => (m.rule, m.min_count),
            None => (&OTHER, 1),
        };
        let mut severity = rule.severity;
        if g.count < min_count || !ctx.within(g.last, super::thresholds::thresholds().stale_events)
        {
            severity = Severity::Info;
        }
        let startup_noise = starts.explains(g);
        if startup_noise.is_some() {
            severity = Severity::Info;
        }
        let mut subject = subject_of(facts, g);
        if rule.category == Category::CniFailure {
            // The network plugin runs as a DaemonSet: its pods failing on several nodes are
            // one problem of the DaemonSet.
            if let Some(ds) = daemonset_of_pod(facts, g) {
                subject = ds;
            }
        }
        if rule.category == Category::PodEvicted {
            // Evictions are the node's story: one finding per node, with the pods as evidence.
            if let Some(node) = node_of_pod(facts, g) {
                subject = Subject::node(node);
            }
        }
        let span = match (g.first, g.last) {
            (Some(a), Some(b)) if a != b => format!(" between {} and {}", rfc3339(a), rfc3339(b)),
            (_, Some(b)) => format!(" at {}", rfc3339(b)),
            _ => String::new(),
        };
        out.add(
            Draft::new(rule, subject.clone())
                .severity(severity)
                .title(format!("{} {}: {}", g.count, g.reason, subject))
                .message(match &startup_noise {
                    Some(why) => format!("{} × {}{span}: {} {why}", g.count, g.reason, g.message),
                    None => format!("{} × {}{span}: {}", g.count, g.reason, g.message),
                })
                .count(g.count)
                .seen_at(g.first)
                .seen_at(g.last)
                .evidence(
                    &g.file,
                    g.line,
                    format!(
                        "{} {} {}/{}: {}",
                        g.kind, g.reason, g.object.kind, g.object.name, g.message
                    ),
                )
                .build(),
        );
    }
}

/// The DaemonSet owning the pod an event is about, as a subject.
fn daemonset_of_pod(facts: &Facts, g: &EventGroup) -> Option<Subject> {
    if g.object.kind != "Pod" {
        return None;
    }
    let pod = facts.pods_that_may_matter.iter().find(|p| {
        p.object.metadata.namespace == g.object.namespace && p.object.metadata.name == g.object.name
    })?;
    match facts.owner_of(&pod.object)? {
        (kind, name) if kind == "DaemonSet" => Some(super::workloads::workload_subject(
            "DaemonSet",
            &g.object.namespace,
            &name,
        )),
        _ => None,
    }
}

/// The node of the pod an event is about: the reporting kubelet, else the pod's spec.
fn node_of_pod<'a>(facts: &'a Facts, g: &'a EventGroup) -> Option<&'a str> {
    if g.object.kind != "Pod" {
        return None;
    }
    if !g.host.is_empty() {
        return Some(&g.host);
    }
    facts
        .pods_that_may_matter
        .iter()
        .find(|p| {
            p.object.metadata.namespace == g.object.namespace
                && p.object.metadata.name == g.object.name
        })
        .map(|p| p.object.spec.node_name.as_str())
        .filter(|n| !n.is_empty())
}

/// The subject an event group is about: its pod (and container), node, or workload.
fn subject_of(facts: &Facts, g: &EventGroup) -> Subject {
    let o = &g.object;
    match o.kind.as_str() {
        "Pod" => {
            let mut s = Subject::pod(&o.namespace, &o.name);
            if let Some(c) = g.container() {
                s = s.with_container(c);
            }
            if !g.host.is_empty() {
                s = s.on_node(&g.host);
            }
            s
        }
        "Node" => Subject::node(&o.name),
        "ReplicaSet" => match facts
            .replica_set_owner
            .get(&(o.namespace.clone(), o.name.clone()))
        {
            Some(dep) => super::workloads::workload_subject("Deployment", &o.namespace, dep),
            None => super::workloads::workload_subject("ReplicaSet", &o.namespace, &o.name),
        },
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" => {
            super::workloads::workload_subject(&o.kind, &o.namespace, &o.name)
        }
        "PersistentVolumeClaim" | "PersistentVolume" => {
            let s = Subject::new(kbundle_format::analysis::SubjectKind::Volume, &o.name);
            if o.namespace.is_empty() {
                s
            } else {
                s.in_namespace(&o.namespace)
            }
        }
        "Namespace" => Subject::new(kbundle_format::analysis::SubjectKind::Namespace, &o.name),
        _ if o.namespace.is_empty() => Subject::cluster(),
        // HorizontalPodAutoscaler, Service, Ingress, ...: named by their own kind.
        _ => super::workloads::workload_subject(&o.kind, &o.namespace, &o.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::facts_at_ten;
    use kbundle_kube::event::Event;
    use kbundle_kube::list::decode_slice;
    use std::sync::Arc;

    fn findings(events_json: &str) -> Vec<(String, Severity, u64)> {
        let mut facts = facts_at_ten();
        let file: Arc<str> = Arc::from("cluster-resources/events/ns.json");
        for e in decode_slice::<Event>(events_json.as_bytes(), false).unwrap() {
            facts.events.add(e.object, &file, e.line);
        }
        let mut out = Findings::new();
        check(&facts, &Context::of(&facts), &mut out);
        out.into_sorted()
            .into_iter()
            .map(|f| (format!("{} {}", f.rule, f.subject), f.severity, f.count))
            .collect()
    }

    fn ev(reason: &str, kind: &str, name: &str, count: u32, message: &str) -> String {
        format!(
            r#"{{"metadata": {{"name": "{name}.{reason}"}}, "type": "Warning", "reason": "{reason}", "message": "{message}",
               "involvedObject": {{"kind": "{kind}", "namespace": "ns", "name": "{name}", "fieldPath": "spec.containers{{app}}"}},
               "count": {count}, "firstTimestamp": "2026-11-27T09:00:00Z", "lastTimestamp": "2026-11-27T09:50:00Z"}}"#
        )
    }

    #[test]
    fn every_example_of_the_reason_table_lands_on_its_row() {
        let table = read_table(TABLE).unwrap();
        let raw: RawTable = serde_yaml_ng::from_str(TABLE).unwrap();
        assert!(table.len() > 20);
        for row in &raw.reasons {
            for message in &row.examples {
                let found = mapping_for(&table, &row.reason, message).unwrap();
                assert_eq!(
                    found.rule.id, row.rule,
                    "{} {message:?} lands on {}",
                    row.reason, found.rule.id
                );
            }
        }
    }

    #[test]
    fn a_table_naming_an_unknown_rule_or_without_examples_is_refused() {
        let unknown = "reasons:\n  - {reason: X, rule: event.nope, examples: [x]}\n";
        assert!(read_table(unknown).unwrap_err().contains("event.nope"));
        let bare = "reasons:\n  - {reason: X, rule: event.warning}\n";
        assert!(read_table(bare).unwrap_err().contains("example"));
        assert!(read_table(
            "reasons:\n  - {reason: X, rule: event.warning, colour: red, examples: [x]}\n"
        )
        .is_err());
    }

    #[test]
    fn reasons_go_to_their_category_and_repeats_are_one_finding() {
        let json = format!(
            "[{}]",
            [
                ev(
                    "BackOff",
                    "Pod",
                    "web",
                    400,
                    "Back-off restarting failed container app"
                ),
                ev(
                    "BackOff",
                    "Pod",
                    "img",
                    12,
                    "Back-off pulling image \\\"x\\\""
                ),
                ev(
                    "FailedMount",
                    "Pod",
                    "db",
                    3,
                    "MountVolume.SetUp failed for volume \\\"data\\\""
                ),
                ev(
                    "Unhealthy",
                    "Pod",
                    "api",
                    9,
                    "Readiness probe failed: connection refused"
                ),
                ev(
                    "FailedComputeMetricsReplicas",
                    "HorizontalPodAutoscaler",
                    "web",
                    7,
                    "invalid metrics"
                ),
            ]
            .join(",")
        );
        let got = findings(&json);
        assert_eq!(got.len(), 5, "{got:?}");
        assert!(got.contains(&(
            "event.crash-loop Pod ns/web container app".into(),
            Severity::Warning,
            400
        )));
        assert!(got
            .iter()
            .any(|(s, sev, _)| s.starts_with("event.image-pull Pod ns/img")
                && *sev == Severity::Critical));
        assert!(got
            .iter()
            .any(|(s, _, _)| s.starts_with("event.volume-mount Pod ns/db")));
        assert!(got
            .iter()
            .any(|(s, _, _)| s.starts_with("event.probe-failure Pod ns/api")));
        assert!(got
            .iter()
            .any(|(s, _, _)| s == "event.warning HorizontalPodAutoscaler ns/web"));
    }

    #[test]
    fn a_probe_that_failed_once_is_not_a_problem() {
        let got = findings(&format!(
            "[{}]",
            ev("Unhealthy", "Pod", "api", 1, "Readiness probe failed")
        ));
        assert_eq!(got[0].1, Severity::Info);
    }
}
