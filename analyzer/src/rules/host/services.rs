//! Node services: the kubelet and container runtime services, clock synchronization, and
//! (when the API is down) the control-plane containers `crictl` shows.

use crate::facts::host::systemctl::SystemctlStatus;
use crate::facts::outputs::Parsed;
use crate::facts::{Facts, HostFacts};
use crate::findings::{Draft, Findings};
use crate::rules::control_plane::{COMPONENTS, STATIC_POD_MISSING, UNHEALTHY};
use crate::rules::{Context, Rule};
use kbundle_format::analysis::{Category, Severity, Subject};

/// The kubelet service is not active.
pub(crate) const KUBELET_DOWN: Rule = Rule {
    id: "host.kubelet-down",
    category: Category::KubeletDown,
    severity: Severity::Critical,
    looks_at: "run/systemctl-status-kubelet.txt: Active state",
    remediation: "Read why it exits (`journalctl -u kubelet -e`): configuration, certificates, \
the container runtime, swap, cgroup driver; then `systemctl restart kubelet`.",
};

/// The container runtime service is not active.
pub(crate) const RUNTIME_DOWN: Rule = Rule {
    id: "host.runtime-down",
    category: Category::RuntimeDown,
    severity: Severity::Critical,
    looks_at: "run/systemctl-status-containerd.txt (containerd or crio): Active state",
    remediation: "Read the runtime's journal (`journalctl -u containerd -e`), fix and restart \
it; the kubelet cannot run any pod without it.",
};

/// The clock is not synchronized.
pub(crate) const TIME_SYNC: Rule = Rule {
    id: "host.time-unsynchronized",
    category: Category::TimeSync,
    severity: Severity::Warning,
    looks_at: "run/timedatectl.txt: System clock synchronized / chrony Leap status",
    remediation: "Enable and fix NTP (chronyd or systemd-timesyncd); clocks that drift break \
certificates, etcd leases and log correlation.",
};

/// The rules of this file (and the control-plane rules it also raises from `crictl`).
pub(crate) const RULES: &[&Rule] = &[&KUBELET_DOWN, &RUNTIME_DOWN, &TIME_SYNC];

/// Runs the service rules.
pub(crate) fn check(facts: &Facts, _ctx: &Context, out: &mut Findings) {
    for (node, host) in &facts.hosts {
        if let Some(s) = &host.outputs.kubelet_status {
            service(node, s, &["kubelet"], &KUBELET_DOWN, out);
        }
        if let Some(s) = &host.outputs.runtime_status {
            service(
                node,
                s,
                &["containerd", "crio", "docker"],
                &RUNTIME_DOWN,
                out,
            );
        }
        if let Some(clock) = &host.outputs.clock {
            if clock.value.synchronized() == Some(false) {
                let line = clock.value.synchronized_line();
                out.add(
                    Draft::new(&TIME_SYNC, Subject::node(node))
                        .title(format!("Clock of {node} is not synchronized"))
                        .message(format!(
                            "{node} reports its clock unsynchronized (NTP service: {}).",
                            clock.value.ntp_service.as_deref().unwrap_or("unknown")
                        ))
                        .evidence(
                            &clock.file,
                            line.map(|l| l as u64),
                            line.map(|l| clock.line(l)).unwrap_or_default(),
                        )
                        .build(),
                );
            }
        }
        if !facts.kinds_present.contains("pods") {
            control_plane_containers(node, host, out);
        }
    }
}

fn service(
    node: &str,
    s: &Parsed<SystemctlStatus>,
    names: &[&str],
    rule: &'static Rule,
    out: &mut Findings,
) {
    let Some(unit) = names.iter().find_map(|n| s.value.unit(n)) else {
        return;
    };
    if !unit.is_found() || unit.is_active() {
        return;
    }
    let state = format!(
        "{} ({})",
        unit.active_state.as_deref().unwrap_or("unknown"),
        unit.sub_state.as_deref().unwrap_or("?")
    );
    let line = unit.active_line.unwrap_or(unit.line);
    let mut draft = Draft::new(rule, Subject::node(node))
        .title(format!("{} is {state} on {node}", unit.name))
        .message(format!(
            "{} on {node} is {state}{}{}.",
            unit.name,
            unit.since
                .as_deref()
                .map(|s| format!(" since {s}"))
                .unwrap_or_default(),
            unit.main_pid_detail
                .as_deref()
                .map(|d| format!("; main process {d}"))
                .unwrap_or_default()
        ))
        .evidence(&s.file, Some(line as u64), s.line(line));
    for j in unit.journal.iter().rev().take(3) {
        draft = draft.evidence(&s.file, Some(j.line as u64), j.text.clone());
    }
    out.add(draft.build());
}

/// Without objects from the API, `crictl ps -a` is what tells whether the static
/// control-plane pods run.
fn control_plane_containers(node: &str, host: &HostFacts, out: &mut Findings) {
    let Some(containers) = &host.outputs.containers else {
        return;
    };
    for manifest in &host.static_pods {
        let name = manifest.object.metadata.name.as_str();
        let ours: Vec<_> = containers.value.iter().filter(|c| c.name == name).collect();
        let running = ours.iter().any(|c| c.is_running());
        let namespace = if manifest.object.metadata.namespace.is_empty() {
            "kube-system"
        } else {
            &manifest.object.metadata.namespace
        };
        let subject = Subject::pod(namespace, format!("{name}-{node}")).on_node(node);
        if ours.is_empty() {
            out.add(
                Draft::new(&STATIC_POD_MISSING, subject)
                    .title(format!("Static pod {name} has no container on {node}"))
                    .message(format!("{node} has a manifest for {name} but `crictl ps -a` shows no container of it."))
                    .evidence(&manifest.file, manifest.line, format!("metadata.name: {name}"))
                    .evidence(&containers.file, None, format!("no container named {name}"))
                    .build(),
            );
            continue;
        }
        let attempts = ours.iter().filter_map(|c| c.attempt).max().unwrap_or(0);
        if COMPONENTS.contains(&name) && (!running || attempts >= 3) {
            let worst = ours.iter().find(|c| !c.is_running()).unwrap_or(&ours[0]);
            let state = if running { "running" } else { "not running" };
            out.add(
                Draft::new(&UNHEALTHY, subject)
                    .severity(if running { Severity::Warning } else { Severity::Critical })
                    .title(format!("{name} on {node} is {state} after {attempts} restarts"))
                    .message(format!(
                        "`crictl ps -a` on {node}: {name} is {state}, restart attempt {attempts}, last state {}.",
                        worst.state
                    ))
                    .count(u64::from(attempts).max(1))
                    .evidence(&containers.file, Some(worst.line as u64), containers.line(worst.line))
                    .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::host::{systemctl, timedatectl};
    use crate::rules::testing::{facts_at_ten, rule_ids};

    const KUBELET_FAILED: &str = "\
× kubelet.service - kubelet: The Kubernetes Node Agent
     Loaded: loaded (/lib/systemd/system/kubelet.service; enabled; vendor preset: enabled)
    Drop-In: /usr/lib/systemd/system/kubelet.service.d
             └─10-kubeadm.conf
     Active: activating (auto-restart) (Result: exit-code) since Fri 2026-11-27 09:59:51 UTC; 8s ago
       Docs: https://kubernetes.io/docs/
    Process: 48213 ExecStart=/usr/bin/kubelet (code=exited, status=1/FAILURE)
   Main PID: 48213 (code=exited, status=1/FAILURE)
";
    const KUBELET_OK: &str = "\
● kubelet.service - kubelet: The Kubernetes Node Agent
     Loaded: loaded (/lib/systemd/system/kubelet.service; enabled; vendor preset: enabled)
     Active: active (running) since Mon 2026-11-02 08:00:11 UTC; 3 weeks 4 days ago
   Main PID: 812 (kubelet)
";
    fn host(kubelet: &str, clock: &str) -> HostFacts {
        let mut h = HostFacts::default();
        h.outputs.kubelet_status = Some(Parsed::new(
            systemctl::parse(kubelet).unwrap(),
            "s.txt",
            kubelet.into(),
        ));
        h.outputs.clock = Some(Parsed::new(
            timedatectl::parse(clock).unwrap(),
            "t.txt",
            clock.into(),
        ));
        h
    }

    #[test]
    fn must_match_and_must_not_match() {
        let mut facts = facts_at_ten();
        facts.hosts.insert(
            "bad".into(),
            host(
                KUBELET_FAILED,
                "System clock synchronized: no\n              NTP service: inactive\n",
            ),
        );
        facts.hosts.insert(
            "good".into(),
            host(
                KUBELET_OK,
                "System clock synchronized: yes\n              NTP service: active\n",
            ),
        );
        assert_eq!(
            rule_ids(&facts),
            [
                "host.kubelet-down Node bad",
                "host.time-unsynchronized Node bad",
            ]
        );
    }
}
