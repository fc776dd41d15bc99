//! Pod and container states: crash loops, image pulls, OOM kills, scheduling, evictions and
//! pods that will not finish terminating.

use super::thresholds::thresholds;
use super::{humanize, Context, Rule};
use crate::facts::{Facts, Sourced};
use crate::findings::{rfc3339, Draft, Findings};
use jiff::SignedDuration;
use kbundle_format::analysis::{Category, Severity, Subject};
use kbundle_kube::pod::{ContainerStatus, Pod, StateDetail};
use std::collections::BTreeMap;

/// A container in CrashLoopBackOff, unable to start, or restarting over and over.
pub(crate) const CRASH_LOOP: Rule = Rule {
    id: "pod.crash-loop",
    category: Category::CrashLoop,
    severity: Severity::Critical,
    looks_at:
        "pods: containerStatuses[].state.waiting.reason, restartCount, lastState.terminated; \
the container's previous log for the cause",
    remediation: "Read the previous log (`kubectl logs <pod> -c <container> --previous`) for why \
it exits; check its configuration, dependencies it cannot reach, and probes that kill it.",
};

/// A container that cannot pull its image.
pub(crate) const IMAGE_PULL: Rule = Rule {
    id: "pod.image-pull",
    category: Category::ImagePull,
    severity: Severity::Critical,
    looks_at: "pods: containerStatuses[].state.waiting.reason (ErrImagePull, ImagePullBackOff, \
InvalidImageName)",
    remediation: "Check the image name and tag, that the registry is reachable from the node, \
its TLS certificate, and the pull secret.",
};

/// A container killed for exceeding its memory limit.
pub(crate) const OOM_KILLED: Rule = Rule {
    id: "pod.oom-killed",
    category: Category::OomKilled,
    severity: Severity::Warning,
    looks_at: "pods: containerStatuses[].state/lastState.terminated.reason == OOMKilled",
    remediation: "Raise the container's memory limit or find what grows (heap settings, \
caches, leaks); the kernel kills it at the cgroup limit.",
};

/// A pod the scheduler cannot place, or one stuck Pending.
pub(crate) const PENDING: Rule = Rule {
    id: "pod.pending",
    category: Category::PodPending,
    severity: Severity::Warning,
    looks_at: "pods: status.phase == Pending, conditions[PodScheduled]",
    remediation: "Read the scheduler's reason: add capacity, relax node selectors, affinity \
or taints, or lower the pod's requests.",
};

/// Pods evicted by the kubelet or the taint manager.
pub(crate) const EVICTED: Rule = Rule {
    id: "pod.evicted",
    category: Category::PodEvicted,
    severity: Severity::Warning,
    looks_at: "pods: status.reason == Evicted",
    remediation: "Evictions follow node pressure: find what filled memory or disk on the node; \
delete the Failed pods once understood.",
};

/// A pod whose deletion has been pending far beyond its grace period.
pub(crate) const STUCK_TERMINATING: Rule = Rule {
    id: "pod.stuck-terminating",
    category: Category::PodStuckTerminating,
    severity: Severity::Warning,
    looks_at: "pods: metadata.deletionTimestamp, deletionGracePeriodSeconds",
    remediation: "Usually the node is gone or the kubelet cannot stop the container: check the \
node, finalizers, and volumes that will not unmount; force delete only when the node is \
known dead.",
};

/// The rules of this file.
pub(crate) const RULES: &[&Rule] = &[
    &CRASH_LOOP,
    &IMAGE_PULL,
    &OOM_KILLED,
    &PENDING,
    &EVICTED,
    &STUCK_TERMINATING,
];

/// Waiting reasons that mean the container cannot start at all.
const CANNOT_START: &[&str] = &[
    "CrashLoopBackOff",
    "RunContainerError",
    "CreateContainerError",
    "CreateContainerConfigError",
    "ContainerCannotRun",
    "StartError",
];

const IMAGE_PULL_REASONS: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "RegistryUnavailable",
];

/// Runs the pod rules that need only the pods.
pub(crate) fn check(facts: &Facts, ctx: &Context, out: &mut Findings) {
    let mut evicted: BTreeMap<String, Vec<&Sourced<Pod>>> = BTreeMap::new();
    for pod in &facts.pods_that_may_matter {
        let p = &pod.object;
        for status in p.all_container_statuses() {
            check_container(facts, pod, status, ctx, out);
        }
        if p.status.reason == "Evicted" {
            evicted
                .entry(p.spec.node_name.clone())
                .or_default()
                .push(pod);
        }
        check_scheduling(pod, ctx, out);
        check_terminating(pod, ctx, out);
    }
    for (node, pods) in evicted {
        report_evictions(&node, &pods, out);
    }
}

fn container_subject(pod: &Pod, container: &str) -> Subject {
    let mut s = Subject::pod(&pod.metadata.namespace, &pod.metadata.name).with_container(container);
    if !pod.spec.node_name.is_empty() {
        s = s.on_node(&pod.spec.node_name);
    }
    s
}

fn pod_subject(pod: &Pod) -> Subject {
    let mut s = Subject::pod(&pod.metadata.namespace, &pod.metadata.name);
    if !pod.spec.node_name.is_empty() {
        s = s.on_node(&pod.spec.node_name);
    }
    s
}

fn terminated_text(prefix: &str, t: &StateDetail) -> String {
    let mut text = format!("{prefix}.terminated.reason={}", non_empty(&t.reason));
    if let Some(code) = t.exit_code {
        text.push_str(&format!(" exitCode={code}"));
    }
    if let Some(at) = t.finished_at {
        text.push_str(&format!(" finishedAt={}", rfc3339(at)));
    }
    text
}

fn non_empty(s: &str) -> &str {
    if s.is_empty() {
        "<none>"
    } else {
        s
    }
}

fn check_container(
    facts: &Facts,
    pod: &Sourced<Pod>,
    c: &ContainerStatus,
    ctx: &Context,
    out: &mut Findings,
) {
    let p = &pod.object;
    let subject = container_subject(p, &c.name);
    let waiting = c
        .state
        .waiting
        .as_ref()
        .map(|w| w.reason.as_str())
        .unwrap_or("");
    let last = c.last_state.terminated.as_ref();

    if IMAGE_PULL_REASONS.contains(&waiting) {
        let w = c
            .state
            .waiting
            .as_ref()
            .map(|w| w.message.as_str())
            .unwrap_or("");
        out.add(
            Draft::new(&IMAGE_PULL, subject.clone())
                .title(format!("{} cannot pull its image", subject))
                .message(format!("{waiting} for image {}: {w}", c.image))
                .evidence(
                    &pod.file,
                    pod.line,
                    format!(
                        "containerStatuses[{}].state.waiting.reason={waiting} message={w:?}",
                        c.name
                    ),
                )
                .build(),
        );
    }

    let last_reason = last.map(|t| t.reason.as_str()).unwrap_or("");
    let recent_restart =
        last.is_some_and(|t| ctx.within(t.finished_at, thresholds().incident_window));
    let storm = c.restart_count >= thresholds().restart_storm
        && last_reason != "Unknown"
        && last.is_some()
        && recent_restart;
    if CANNOT_START.contains(&waiting) || storm {
        let during_start = !CANNOT_START.contains(&waiting)
            && super::startup::restarts_during_start(
                p.status.start_time,
                last.and_then(|t| t.finished_at),
                c.ready,
            );
        let severity = if during_start {
            Severity::Info
        } else if CANNOT_START.contains(&waiting) || !c.ready {
            Severity::Critical
        } else {
            Severity::Warning
        };
        let now = if waiting.is_empty() {
            if c.ready {
                "running and ready now".to_string()
            } else {
                "not ready now".to_string()
            }
        } else {
            format!("now {waiting}")
        };
        let mut message = format!("Container {} restarted {} times", c.name, c.restart_count);
        if let Some(t) = last {
            message.push_str(&format!(
                "; the last run ended with {}",
                non_empty(&t.reason)
            ));
            if let Some(code) = t.exit_code {
                message.push_str(&format!(" (exit code {code})"));
            }
            if let Some(at) = t.finished_at {
                message.push_str(&format!(" at {}", rfc3339(at)));
            }
        }
        message.push_str(&format!(", {now}."));
        if during_start {
            message.push_str(&format!(
                " Every restart came within {} minutes of the pod's start: startup noise.",
                super::startup::grace().as_secs() / 60
            ));
        }
        let causes = crate::rules::logs::crash_causes(
            facts,
            &p.metadata.namespace,
            &p.metadata.name,
            &c.name,
        );
        if let Some(first) = causes.first() {
            message.push_str(&format!(" Its log says: {}", first.text));
        }
        let mut draft = Draft::new(&CRASH_LOOP, subject.clone())
            .severity(severity)
            .title(format!(
                "{subject} is crash-looping ({} restarts)",
                c.restart_count
            ))
            .message(message)
            .count(c.restart_count.max(1) as u64)
            .seen_at(last.and_then(|t| t.finished_at))
            .evidence(
                &pod.file,
                pod.line,
                format!(
                    "containerStatuses[{}]: restartCount={} state.waiting.reason={} {}",
                    c.name,
                    c.restart_count,
                    non_empty(waiting),
                    last.map(|t| terminated_text("lastState", t))
                        .unwrap_or_default()
                ),
            );
        for cause in causes {
            draft = draft.evidence(&cause.file, Some(cause.line), cause.text);
        }
        out.add(draft.build());
    }

    for (prefix, t) in [("state", c.state.terminated.as_ref()), ("lastState", last)] {
        let Some(t) = t else { continue };
        if t.reason == "OOMKilled" && ctx.within(t.finished_at, thresholds().incident_window) {
            out.add(
                Draft::new(&OOM_KILLED, subject.clone())
                    .title(format!("{subject} was OOMKilled"))
                    .message(format!(
                        "Container {} was killed for exceeding its memory limit{}.",
                        c.name,
                        t.finished_at
                            .map(|at| format!(" at {}", rfc3339(at)))
                            .unwrap_or_default()
                    ))
                    .seen_at(t.finished_at)
                    .evidence(&pod.file, pod.line, terminated_text(prefix, t))
                    .build(),
            );
            break;
        }
    }
}

fn check_scheduling(pod: &Sourced<Pod>, ctx: &Context, out: &mut Findings) {
    let p = &pod.object;
    if p.status.phase != "Pending" || p.metadata.deletion_timestamp.is_some() {
        return;
    }
    let scheduled = kbundle_kube::meta::condition(&p.status.conditions, "PodScheduled");
    if let Some(c) = scheduled.filter(|c| c.status == "False") {
        let age = ctx
            .age(p.metadata.creation_timestamp)
            .map(|d| format!(" for {}", humanize(d)))
            .unwrap_or_default();
        out.add(
            Draft::new(&PENDING, pod_subject(p))
                .title(format!("Pod {} cannot be scheduled", p.key()))
                .message(format!("Pending{age}: {}", non_empty(&c.message)))
                .seen_at(c.last_transition_time)
                .evidence(
                    &pod.file,
                    pod.line,
                    format!(
                        "PodScheduled=False reason={} message={:?}",
                        c.reason, c.message
                    ),
                )
                .build(),
        );
    }
}

/// Runs after the event rules: a pod Pending for long with no other finding about it (a
/// failing mount or sandbox already explains a pod stuck in ContainerCreating).
pub(crate) fn check_stuck_pending(facts: &Facts, ctx: &Context, out: &mut Findings) {
    let explained = out.pods_with_findings();
    for pod in &facts.pods_that_may_matter {
        let p = &pod.object;
        if p.status.phase != "Pending" || p.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let Some(age) = ctx.age(p.metadata.creation_timestamp) else {
            continue;
        };
        let subject = pod_subject(p);
        let key = (p.metadata.namespace.clone(), p.metadata.name.clone());
        if age > thresholds().stuck_pending && !explained.contains(&key) {
            out.add(
                Draft::new(&PENDING, subject)
                    .title(format!("Pod {} is stuck Pending", p.key()))
                    .message(format!(
                        "Pending for {} with status {}.",
                        humanize(age),
                        p.display_status()
                    ))
                    .evidence(
                        &pod.file,
                        pod.line,
                        format!("status.phase=Pending ({})", p.display_status()),
                    )
                    .build(),
            );
        }
    }
}

fn check_terminating(pod: &Sourced<Pod>, ctx: &Context, out: &mut Findings) {
    let p = &pod.object;
    let Some(deleted) = p.metadata.deletion_timestamp else {
        return;
    };
    let Some(age) = ctx.age(Some(deleted)) else {
        return;
    };
    let grace = SignedDuration::from_secs(p.metadata.deletion_grace_period_seconds.max(0));
    // Saturating: the grace period is the object's own number, up to i64::MAX seconds.
    if age > grace.saturating_add(SignedDuration::from_mins(5)) {
        out.add(
            Draft::new(&STUCK_TERMINATING, pod_subject(p))
                .title(format!("Pod {} is stuck Terminating", p.key()))
                .message(format!(
                    "Deletion was requested {} before collection with a grace period of {}s.",
                    humanize(age),
                    grace.as_secs()
                ))
                .seen_at(Some(deleted))
                .evidence(
                    &pod.file,
                    pod.line,
                    format!("metadata.deletionTimestamp={}", rfc3339(deleted)),
                )
                .build(),
        );
    }
}

fn report_evictions(node: &str, pods: &[&Sourced<Pod>], out: &mut Findings) {
    let subject = if node.is_empty() {
        Subject::cluster()
    } else {
        Subject::node(node)
    };
    let where_ = if node.is_empty() {
        String::new()
    } else {
        format!(" from {node}")
    };
    let reason = pods
        .first()
        .map(|p| p.object.status.message.clone())
        .unwrap_or_default();
    let mut draft = Draft::new(&EVICTED, subject)
        .title(format!("{} pods were evicted{where_}", pods.len()))
        .message(format!(
            "{} pods were evicted{where_}: {reason}",
            pods.len()
        ))
        .count(pods.len() as u64);
    for pod in pods {
        let p = &pod.object;
        draft = draft.seen_at(p.status.start_time).evidence(
            &pod.file,
            pod.line,
            format!(
                "{}: status.reason=Evicted message={:?}",
                p.key(),
                p.status.message
            ),
        );
    }
    out.add(draft.build());
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{facts_at_ten, rule_ids, sourced};

    fn pod(name: &str, status: &str, meta_extra: &str) -> String {
        format!(
            r#"{{"metadata": {{"name": "{name}", "namespace": "ns", "creationTimestamp": "2026-11-27T08:00:00Z"{meta_extra}}},
               "spec": {{"nodeName": "w1"}}, "status": {status}}}"#
        )
    }

    fn analyze(pods: &[String]) -> Vec<String> {
        let mut facts = facts_at_ten();
        facts.pods_that_may_matter = sourced(
            "cluster-resources/pods/ns.json",
            &format!("[{}]", pods.join(",")),
        );
        rule_ids(&facts)
    }

    #[test]
    fn must_match() {
        let ids = analyze(&[
            pod(
                "crash",
                r#"{"phase": "Running", "containerStatuses": [{"name": "app", "restartCount": 12,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"reason": "Error", "exitCode": 1, "finishedAt": "2026-11-27T09:55:00Z"}}}]}"#,
                "",
            ),
            // The troubleshoot bundle's case: running now, but 189 restarts with reason Error.
            pod(
                "storm",
                r#"{"phase": "Running", "containerStatuses": [{"name": "app", "restartCount": 189, "ready": true,
                "state": {"running": {}},
                "lastState": {"terminated": {"reason": "Error", "exitCode": 1, "finishedAt": "2026-11-27T03:00:00Z"}}}]}"#,
                "",
            ),
            pod(
                "pull",
                r#"{"phase": "Pending", "containerStatuses": [{"name": "app", "image": "noimage.com/x",
                "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}}]}"#,
                "",
            ),
            pod(
                "oom",
                r#"{"phase": "Running", "containerStatuses": [{"name": "app", "restartCount": 1, "ready": true,
                "state": {"running": {}},
                "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137, "finishedAt": "2026-11-27T09:12:00Z"}}}]}"#,
                "",
            ),
            pod(
                "unschedulable",
                r#"{"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
                "reason": "Unschedulable", "message": "0/4 nodes are available: 4 Insufficient memory."}]}"#,
                "",
            ),
            pod(
                "evicted",
                r#"{"phase": "Failed", "reason": "Evicted", "message": "The node was low on resource: memory."}"#,
                "",
            ),
            pod(
                "stuck",
                r#"{"phase": "Running"}"#,
                r#", "deletionTimestamp": "2026-11-27T09:00:00Z", "deletionGracePeriodSeconds": 30"#,
            ),
        ]);
        assert_eq!(
            ids,
            [
                "pod.crash-loop Pod ns/crash container app on w1",
                "pod.crash-loop Pod ns/storm container app on w1",
                "pod.evicted Node w1",
                "pod.image-pull Pod ns/pull container app on w1",
                "pod.oom-killed Pod ns/oom container app on w1",
                "pod.pending Pod ns/unschedulable on w1",
                "pod.stuck-terminating Pod ns/stuck on w1",
            ]
        );
    }

    #[test]
    fn must_not_match() {
        let ids = analyze(&[
            // Restarts because the node restarted (reason Unknown) are not a crash loop.
            pod(
                "node-restart",
                r#"{"phase": "Running", "containerStatuses": [{"name": "app", "restartCount": 96, "ready": true,
                "state": {"running": {}},
                "lastState": {"terminated": {"reason": "Unknown", "exitCode": 255, "finishedAt": "2026-11-27T09:00:00Z"}}}]}"#,
                "",
            ),
            // One restart weeks ago.
            pod(
                "old-restart",
                r#"{"phase": "Running", "containerStatuses": [{"name": "app", "restartCount": 1, "ready": true,
                "state": {"running": {}},
                "lastState": {"terminated": {"reason": "Error", "exitCode": 1, "finishedAt": "2026-11-06T09:00:00Z"}}}]}"#,
                "",
            ),
            // Many restarts, all long ago.
            pod(
                "old-storm",
                r#"{"phase": "Running", "containerStatuses": [{"name": "app", "restartCount": 40, "ready": true,
                "state": {"running": {}},
                "lastState": {"terminated": {"reason": "Error", "exitCode": 1, "finishedAt": "2026-10-01T09:00:00Z"}}}]}"#,
                "",
            ),
            // A completed Job pod.
            pod(
                "job-done",
                r#"{"phase": "Succeeded", "containerStatuses": [{"name": "app", "restartCount": 0,
                "state": {"terminated": {"reason": "Completed", "exitCode": 0, "finishedAt": "2026-11-27T09:00:00Z"}}}]}"#,
                "",
            ),
            // Terminating within its grace period.
            pod(
                "leaving",
                r#"{"phase": "Running"}"#,
                r#", "deletionTimestamp": "2026-11-27T09:59:50Z", "deletionGracePeriodSeconds": 30"#,
            ),
        ]);
        assert!(ids.is_empty(), "{ids:?}");
    }

    #[test]
    fn a_grace_period_of_any_size_is_no_crash() {
        // `grace + 5 min` overflowed SignedDuration and panicked on this pod (seen while
        // fuzzing: every number in an object is the bundle's to choose).
        let ids = analyze(&[pod(
            "forever",
            r#"{"phase": "Running"}"#,
            r#", "deletionTimestamp": "2026-11-27T08:00:00Z", "deletionGracePeriodSeconds": 9223372036854775807"#,
        )]);
        assert!(ids.is_empty(), "{ids:?}");
    }
}
