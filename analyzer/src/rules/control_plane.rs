//! The control plane: static pod manifests without their pod, and control-plane pods that
//! are not ready or keep restarting.

use super::thresholds::thresholds;
use super::{Context, Rule};
use crate::facts::Facts;
use crate::findings::{Draft, Findings};
use kbundle_format::analysis::{Category, Severity, Subject};
use kbundle_kube::pod::Pod;

/// A manifest in /etc/kubernetes/manifests with no matching mirror pod.
pub(crate) const STATIC_POD_MISSING: Rule = Rule {
    id: "control-plane.static-pod-missing",
    category: Category::StaticPodMissing,
    severity: Severity::Critical,
    looks_at: "host-collectors/<node>/files/etc/kubernetes/manifests/*, pods in the manifest's \
namespace (mirror pod <name>-<node>)",
    remediation: "The kubelet is not running this static pod: check the manifest's YAML, the \
kubelet journal for errors about it, and `crictl ps -a` for its container.",
};

/// An API server, etcd, scheduler or controller-manager pod not ready or restarting.
pub(crate) const UNHEALTHY: Rule = Rule {
    id: "control-plane.unhealthy",
    category: Category::ControlPlaneUnhealthy,
    severity: Severity::Critical,
    looks_at: "kube-system pods with component kube-apiserver, etcd, kube-scheduler, \
kube-controller-manager: Ready condition, restartCount, lastState",
    remediation: "Read the component's previous log; etcd latency, expired certificates and \
resource starvation on the control-plane node are the usual causes.",
};

/// The rules of this file.
pub(crate) const RULES: &[&Rule] = &[&STATIC_POD_MISSING, &UNHEALTHY];

/// Control-plane components by their static pod name.
pub(crate) const COMPONENTS: &[&str] = &[
    "kube-apiserver",
    "etcd",
    "kube-scheduler",
    "kube-controller-manager",
];

/// The component a pod is, if it is a control-plane pod.
pub(crate) fn component_of(pod: &Pod) -> Option<&'static str> {
    if pod.metadata.namespace != "kube-system" {
        return None;
    }
    let by_label = pod.metadata.labels.get("component");
    COMPONENTS
        .iter()
        .copied()
        .find(|c| by_label == Some(*c) || pod.metadata.name.starts_with(&format!("{c}-")))
}

/// Runs the control-plane rules.
pub(crate) fn check(facts: &Facts, ctx: &Context, out: &mut Findings) {
    check_static_pods(facts, out);
    check_components(facts, ctx, out);
}

fn check_static_pods(facts: &Facts, out: &mut Findings) {
    if !facts.kinds_present.contains("pods") {
        return;
    }
    for (node, host) in &facts.hosts {
        for manifest in &host.static_pods {
            let m = &manifest.object.metadata;
            if m.name.is_empty() {
                continue;
            }
            let namespace = if m.namespace.is_empty() {
                "default"
            } else {
                &m.namespace
            };
            let mirror = format!("{}-{node}", m.name);
            let found = facts.pods_that_may_matter.iter().any(|p| {
                p.object.metadata.namespace == namespace && p.object.metadata.name == mirror
            });
            if !found {
                out.add(
                    Draft::new(&STATIC_POD_MISSING, Subject::pod(namespace, &mirror).on_node(node))
                        .title(format!("Static pod {} has no mirror pod on {node}", m.name))
                        .message(format!(
                            "{node} has the manifest {} but the API shows no pod {namespace}/{mirror}: the kubelet is not running it.",
                            manifest.file.rsplit('/').next().unwrap_or(&manifest.file)
                        ))
                        .evidence(&manifest.file, manifest.line, format!("metadata.name: {}", m.name))
                        .build(),
                );
            }
        }
    }
}

fn check_components(facts: &Facts, ctx: &Context, out: &mut Findings) {
    for pod in &facts.pods_that_may_matter {
        let p = &pod.object;
        let Some(component) = component_of(p) else {
            continue;
        };
        if p.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let mut problems = Vec::new();
        if !p.is_ready() {
            problems.push(format!("not ready ({})", p.display_status()));
        }
        let restarts: Vec<String> = p
            .all_container_statuses()
            .filter(|c| {
                c.restart_count >= 3
                    && c.last_state.terminated.as_ref().is_some_and(|t| {
                        t.reason != "Unknown"
                            && ctx.within(t.finished_at, thresholds().incident_window)
                    })
            })
            .map(|c| format!("{} restarted {} times", c.name, c.restart_count))
            .collect();
        problems.extend(restarts);
        if problems.is_empty() {
            continue;
        }
        let mut subject = Subject::pod(&p.metadata.namespace, &p.metadata.name);
        if !p.spec.node_name.is_empty() {
            subject = subject.on_node(&p.spec.node_name);
        }
        out.add(
            Draft::new(&UNHEALTHY, subject)
                .title(format!("{component} on {} is unhealthy", p.spec.node_name))
                .message(format!(
                    "{component} pod {}: {}.",
                    p.metadata.name,
                    problems.join(", ")
                ))
                .count(p.restarts().max(1) as u64)
                .evidence(
                    &pod.file,
                    pod.line,
                    format!(
                        "status: {} restarts={} ready={}",
                        p.display_status(),
                        p.restarts(),
                        p.is_ready()
                    ),
                )
                .build(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::facts::{HostFacts, Sourced};
    use crate::rules::testing::{facts_at_ten, rule_ids, sourced};
    use kbundle_kube::manifest_pod::StaticPodManifest;

    #[test]
    fn manifest_without_mirror_pod_and_restarting_etcd() {
        let mut facts = facts_at_ten();
        facts.pods_that_may_matter = sourced(
            "cluster-resources/pods/kube-system.json",
            r#"[
              {"metadata": {"name": "kube-apiserver-m1", "namespace": "kube-system", "labels": {"component": "kube-apiserver"},
                "annotations": {"kubernetes.io/config.mirror": "abc"}}, "spec": {"nodeName": "m1"},
               "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}},
              {"metadata": {"name": "etcd-m1", "namespace": "kube-system", "labels": {"component": "etcd"}}, "spec": {"nodeName": "m1"},
               "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                 "containerStatuses": [{"name": "etcd", "ready": true, "restartCount": 7,
                   "lastState": {"terminated": {"reason": "Error", "exitCode": 2, "finishedAt": "2026-11-27T09:30:00Z"}}}]}}
            ]"#,
        );
        let mut host = HostFacts::default();
        for name in ["kube-apiserver", "kube-scheduler"] {
            host.static_pods.push(Sourced {
                object: serde_json::from_str::<StaticPodManifest>(&format!(
                    r#"{{"kind": "Pod", "metadata": {{"name": "{name}", "namespace": "kube-system"}}}}"#
                ))
                .unwrap(),
                file: format!("host-collectors/m1/files/etc/kubernetes/manifests/{name}.yaml").into(),
                line: Some(4),
            });
        }
        facts.hosts.insert("m1".into(), host);
        assert_eq!(
            rule_ids(&facts),
            [
                "control-plane.static-pod-missing Pod kube-system/kube-scheduler-m1 on m1",
                "control-plane.unhealthy Pod kube-system/etcd-m1 on m1",
            ]
        );
    }
}
