//! Node services and history: the kubelet and container runtime services, clock
//! synchronization, reboots, and (when the API is down) the control-plane containers
//! `crictl` shows.

use crate::facts::host::last::{LastRecord, RecordKind};
use crate::facts::host::systemctl::SystemctlStatus;
use crate::facts::outputs::Parsed;
use crate::facts::{Facts, HostFacts};
use crate::findings::{rfc3339, Draft, Findings};
use crate::rules::control_plane::{COMPONENTS, STATIC_POD_MISSING, UNHEALTHY};
use crate::rules::{Context, Rule, INCIDENT_WINDOW};
use jiff::Timestamp;
use kbundle_format::analysis::{Category, Severity, Subject, TimelineEntry, TimelineSource};

/// The kubelet service is not active.
pub const KUBELET_DOWN: Rule = Rule {
    id: "host.kubelet-down",
    category: Category::KubeletDown,
    severity: Severity::Critical,
    looks_at: "run/systemctl-status-kubelet.txt: Active state",
    remediation: "Read why it exits (`journalctl -u kubelet -e`): configuration, certificates, \
the container runtime, swap, cgroup driver; then `systemctl restart kubelet`.",
};

/// The container runtime service is not active.
pub const RUNTIME_DOWN: Rule = Rule {
    id: "host.runtime-down",
    category: Category::RuntimeDown,
    severity: Severity::Critical,
    looks_at: "run/systemctl-status-containerd.txt (containerd or crio): Active state",
    remediation: "Read the runtime's journal (`journalctl -u containerd -e`), fix and restart \
it; the kubelet cannot run any pod without it.",
};

/// The clock is not synchronized.
pub const TIME_SYNC: Rule = Rule {
    id: "host.time-unsynchronized",
    category: Category::TimeSync,
    severity: Severity::Warning,
    looks_at: "run/timedatectl.txt: System clock synchronized / chrony Leap status",
    remediation: "Enable and fix NTP (chronyd or systemd-timesyncd); clocks that drift break \
certificates, etcd leases and log correlation.",
};

/// A reboot without a clean shutdown, or one inside the incident window.
pub const REBOOT: Rule = Rule {
    id: "host.unexpected-reboot",
    category: Category::UnexpectedReboot,
    severity: Severity::Warning,
    looks_at: "run/last-reboot.txt: reboot records, crash sessions, shutdown records",
    remediation: "Find why the node went down: kernel panics and hangs in kern.log before the \
reboot, the hypervisor or BMC event log, power.",
};

/// The rules of this file (and the control-plane rules it also raises from `crictl`).
pub const RULES: &[&Rule] = &[&KUBELET_DOWN, &RUNTIME_DOWN, &TIME_SYNC, &REBOOT];

/// Runs the service rules.
pub fn check(facts: &Facts, ctx: &Context, out: &mut Findings) {
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
        reboots(node, host, ctx, out);
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

/// The time of a reboot record, read as UTC (`last` prints node local time).
fn record_time(r: &LastRecord, now: Option<Timestamp>) -> Option<Timestamp> {
    let utc = jiff::tz::TimeZone::UTC;
    let reference = utc.to_datetime(now.unwrap_or_else(Timestamp::now));
    let dt = r.start.resolve(reference)?;
    utc.to_timestamp(dt).ok()
}

fn reboots(node: &str, host: &HostFacts, ctx: &Context, out: &mut Findings) {
    let Some(last) = &host.outputs.last else {
        return;
    };
    let unclean = last.value.unclean_reboots();
    for r in last
        .value
        .records
        .iter()
        .filter(|r| r.kind == RecordKind::Reboot)
    {
        let time = record_time(r, ctx.now);
        let recent = ctx.within(time, INCIDENT_WINDOW) && time.is_some();
        let cause = unclean.iter().find(|u| u.reboot_line == r.line);
        let (severity, why) = match (cause, recent) {
            (Some(_), true) => (
                Severity::Critical,
                "without a clean shutdown, inside the incident window",
            ),
            (None, true) => (Severity::Warning, "inside the incident window"),
            (Some(_), false) => (Severity::Info, "without a clean shutdown"),
            (None, false) => continue,
        };
        let when = time
            .map(rfc3339)
            .unwrap_or_else(|| "at an unknown time".into());
        let mut draft = Draft::new(&REBOOT, Subject::node(node))
            .severity(severity)
            .title(format!("{node} rebooted {why}"))
            .message(format!(
                "{node} booted at {when} {why} (kernel {}).",
                r.host
            ))
            .seen_at(time)
            .evidence(&last.file, Some(r.line as u64), last.line(r.line));
        if let Some(c) = cause {
            draft = draft.evidence(
                &last.file,
                Some(c.evidence_line as u64),
                last.line(c.evidence_line),
            );
        }
        out.add(draft.build());
    }
}

/// Adds reboots from `last` to the timeline.
pub fn reboots_timeline(facts: &Facts, add: &mut dyn FnMut(Timestamp, TimelineEntry)) {
    let now = facts.reference_time();
    for (node, host) in &facts.hosts {
        let Some(last) = &host.outputs.last else {
            continue;
        };
        for r in last
            .value
            .records
            .iter()
            .filter(|r| matches!(r.kind, RecordKind::Reboot | RecordKind::Shutdown))
        {
            let Some(time) = record_time(r, now) else {
                continue;
            };
            if now.is_some_and(|n| n.duration_since(time) > INCIDENT_WINDOW) {
                continue;
            }
            let what = if r.kind == RecordKind::Reboot {
                "boot"
            } else {
                "shutdown"
            };
            add(
                time,
                crate::timeline::entry(
                    time,
                    TimelineSource::Reboot,
                    Subject::node(node),
                    format!("system {what} (kernel {})", r.host),
                    &last.file,
                    Some(r.line as u64),
                    if r.kind == RecordKind::Reboot {
                        Severity::Warning
                    } else {
                        Severity::Info
                    },
                ),
            );
        }
    }
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
    use crate::facts::host::{last, systemctl, timedatectl};
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
    const LAST_CRASH: &str = "\
reboot   system boot  5.15.0-91-generic Fri Nov 27 08:41:12 2026   still running
reboot   system boot  5.15.0-91-generic Mon Nov  2 07:59:58 2026 - Fri Nov 27 08:40:00 2026 (25+00:40)

wtmp begins Mon Nov  2 07:59:58 2026
";
    const LAST_CLEAN_OLD: &str = "\
reboot   system boot  5.15.0-91-generic Mon Nov  2 07:59:58 2026   still running
shutdown system down  5.15.0-91-generic Mon Nov  2 07:58:40 2026 - Mon Nov  2 07:59:58 2026  (00:01)
reboot   system boot  5.15.0-91-generic Thu Oct  1 10:00:00 2026 - Mon Nov  2 07:58:40 2026 (31+21:58)

wtmp begins Thu Oct  1 10:00:00 2026
";

    fn host(kubelet: &str, clock: &str, last_text: &str) -> HostFacts {
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
        h.outputs.last = Some(Parsed::new(
            last::parse(last_text).unwrap(),
            "l.txt",
            last_text.into(),
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
                LAST_CRASH,
            ),
        );
        facts.hosts.insert(
            "good".into(),
            host(
                KUBELET_OK,
                "System clock synchronized: yes\n              NTP service: active\n",
                LAST_CLEAN_OLD,
            ),
        );
        assert_eq!(
            rule_ids(&facts),
            [
                "host.kubelet-down Node bad",
                "host.time-unsynchronized Node bad",
                "host.unexpected-reboot Node bad",
            ]
        );
    }
}
