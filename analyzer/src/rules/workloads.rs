//! Controllers below their desired counts: Deployments, StatefulSets, DaemonSets, Jobs.

use super::thresholds::thresholds;
use super::{Context, Rule};
use crate::facts::{Facts, Sourced, Workload};
use crate::findings::{Draft, Findings};
use kbundle_format::analysis::{Category, Severity, Subject, SubjectKind};
use kbundle_kube::meta::condition;
use kbundle_kube::workload::WorkloadKind;

/// A workload with fewer available, ready or completed pods than it wants.
pub(crate) const UNAVAILABLE: Rule = Rule {
    id: "workload.unavailable",
    category: Category::WorkloadUnavailable,
    severity: Severity::Warning,
    looks_at: "deployments, statefulsets, daemonsets: spec.replicas vs status ready/available; \
jobs: conditions[Failed]",
    remediation: "Look at the workload's pods (crash loops, pending, image pulls) and its \
events; the pods' findings usually name the cause.",
};

/// The rules of this file.
pub(crate) const RULES: &[&Rule] = &[&UNAVAILABLE];

/// The subject of a workload finding.
pub(crate) fn workload_subject(kind: &str, namespace: &str, name: &str) -> Subject {
    Subject::new(SubjectKind::Workload, name)
        .in_namespace(namespace)
        .with_workload_kind(kind)
}

/// Runs the workload rule.
pub(crate) fn check(facts: &Facts, ctx: &Context, out: &mut Findings) {
    for w in &facts.workloads {
        if let Some((have, want, what)) = shortfall(w, ctx) {
            let kind = w.object.kind.as_str();
            let meta = &w.object.object.metadata;
            // Less than half of what it wants is an outage of the workload.
            let severity = if have * 2 < want {
                Severity::Critical
            } else {
                Severity::Warning
            };
            let subject = workload_subject(kind, &meta.namespace, &meta.name);
            out.add(
                Draft::new(&UNAVAILABLE, subject.clone())
                    .severity(severity)
                    .title(format!("{subject}: {have}/{want} {what}"))
                    .message(format!(
                        "{kind} {}/{} has {have} of {want} {what}.",
                        meta.namespace, meta.name
                    ))
                    .evidence(&w.file, w.line, evidence_text(&w.object))
                    .build(),
            );
        }
    }
}

/// `(have, want, what)` when the workload is short.
fn shortfall(w: &Sourced<Workload>, ctx: &Context) -> Option<(i64, i64, &'static str)> {
    let o = &w.object.object;
    let s = &o.status;
    match w.object.kind {
        WorkloadKind::Deployment => {
            let want = o.spec.replicas.unwrap_or(1);
            (want > 0 && s.available_replicas < want).then_some((
                s.available_replicas,
                want,
                "replicas available",
            ))
        }
        WorkloadKind::StatefulSet => {
            let want = o.spec.replicas.unwrap_or(1);
            (want > 0 && s.ready_replicas < want).then_some((
                s.ready_replicas,
                want,
                "replicas ready",
            ))
        }
        WorkloadKind::DaemonSet => {
            let want = s.desired_number_scheduled;
            let ready = s.number_ready.min(want - s.number_unavailable);
            (want > 0 && ready < want).then_some((ready.max(0), want, "pods ready"))
        }
        WorkloadKind::Job => {
            let failed = condition(&s.conditions, "Failed").filter(|c| c.is_true())?;
            if o.spec.suspend
                || !ctx.within(failed.last_transition_time, thresholds().incident_window)
            {
                return None;
            }
            let want = o.spec.completions.unwrap_or(1);
            Some((s.succeeded, want, "completions (the Job failed)"))
        }
        WorkloadKind::ReplicaSet => None,
    }
}

fn evidence_text(w: &Workload) -> String {
    let o = &w.object;
    let s = &o.status;
    match w.kind {
        WorkloadKind::Deployment => format!(
            "spec.replicas={} status.availableReplicas={} readyReplicas={} unavailableReplicas={}",
            o.spec.replicas.unwrap_or(1),
            s.available_replicas,
            s.ready_replicas,
            s.unavailable_replicas
        ),
        WorkloadKind::StatefulSet => format!(
            "spec.replicas={} status.readyReplicas={}",
            o.spec.replicas.unwrap_or(1),
            s.ready_replicas
        ),
        WorkloadKind::DaemonSet => format!(
            "status.desiredNumberScheduled={} numberReady={} numberUnavailable={}",
            s.desired_number_scheduled, s.number_ready, s.number_unavailable
        ),
        WorkloadKind::Job | WorkloadKind::ReplicaSet => {
            let failed = condition(&s.conditions, "Failed");
            format!(
                "status.succeeded={} failed={} condition Failed reason={} message={:?}",
                s.succeeded,
                s.failed,
                failed.map(|c| c.reason.as_str()).unwrap_or(""),
                failed.map(|c| c.message.as_str()).unwrap_or("")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{facts_at_ten, rule_ids, sourced};
    use kbundle_kube::workload::WorkloadObject;

    fn add(facts: &mut crate::facts::Facts, kind: WorkloadKind, json: &str) {
        for s in sourced::<WorkloadObject>("w.json", json) {
            facts.workloads.push(Sourced {
                object: Workload {
                    kind,
                    object: s.object,
                },
                file: s.file,
                line: s.line,
            });
        }
    }

    #[test]
    fn must_match_and_must_not_match() {
        let mut facts = facts_at_ten();
        add(
            &mut facts,
            WorkloadKind::Deployment,
            r#"[
            {"metadata": {"name": "short", "namespace": "a"}, "spec": {"replicas": 3}, "status": {"availableReplicas": 1}},
            {"metadata": {"name": "fine", "namespace": "a"}, "spec": {"replicas": 3}, "status": {"availableReplicas": 3}},
            {"metadata": {"name": "scaled-down", "namespace": "a"}, "spec": {"replicas": 0}, "status": {}}
        ]"#,
        );
        add(
            &mut facts,
            WorkloadKind::StatefulSet,
            r#"[
            {"metadata": {"name": "db", "namespace": "a"}, "spec": {"replicas": 3}, "status": {"readyReplicas": 2}}
        ]"#,
        );
        add(
            &mut facts,
            WorkloadKind::DaemonSet,
            r#"[
            {"metadata": {"name": "agent", "namespace": "a"}, "status": {"desiredNumberScheduled": 4, "numberReady": 3, "numberUnavailable": 1}},
            {"metadata": {"name": "ok", "namespace": "a"}, "status": {"desiredNumberScheduled": 4, "numberReady": 4}}
        ]"#,
        );
        add(
            &mut facts,
            WorkloadKind::Job,
            r#"[
            {"metadata": {"name": "failed", "namespace": "a"}, "status": {"failed": 6, "conditions": [
              {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "lastTransitionTime": "2026-11-27T09:00:00Z"}]}},
            {"metadata": {"name": "done", "namespace": "a"}, "spec": {"completions": 1}, "status": {"succeeded": 1, "conditions": [
              {"type": "Complete", "status": "True"}]}},
            {"metadata": {"name": "failed-long-ago", "namespace": "a"}, "status": {"failed": 6, "conditions": [
              {"type": "Failed", "status": "True", "lastTransitionTime": "2026-09-01T09:00:00Z"}]}}
        ]"#,
        );
        assert_eq!(
            rule_ids(&facts),
            [
                "workload.unavailable DaemonSet a/agent",
                "workload.unavailable Deployment a/short",
                "workload.unavailable Job a/failed",
                "workload.unavailable StatefulSet a/db",
            ]
        );
    }
}
