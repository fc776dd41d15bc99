//! kubectl's printers, written once: the pod STATUS / READY / RESTARTS columns, node ROLES
//! and the human ages of every AGE column, as `kubectl get` computes them (the kubernetes
//! pod printer and apimachinery's `duration.HumanDuration`). The analyzer's report and
//! `kbundle serve`'s tables both print through here, so a pod cannot read `Init:0/1` in one
//! and `PodInitializing` in the other.

use super::pod::{ContainerStatus, Pod, StateDetail};
use jiff::Timestamp;

/// What `kubectl get pods -o wide` shows of a pod, apart from its name and age.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodColumns {
    /// READY's numerator: ready containers (and started, ready sidecars).
    pub ready: u32,
    /// READY's denominator: containers plus sidecar init containers.
    pub containers: u32,
    /// STATUS.
    pub status: String,
    /// RESTARTS' count: the init containers' while initializing, else the containers' and
    /// sidecars'.
    pub restarts: i64,
    /// When the last of those restarts ended, for RESTARTS' "(5m ago)".
    pub last_restart: Option<Timestamp>,
    /// IP (`<none>` when unset).
    pub ip: String,
    /// NOMINATED NODE (`<none>` when unset).
    pub nominated_node: String,
    /// READINESS GATES: `met/total`, or `<none>`.
    pub readiness_gates: String,
}

impl PodColumns {
    /// RESTARTS as kubectl prints it: `3 (5m10s ago)`, or `0`.
    pub fn restarts_cell(&self, now: Option<Timestamp>) -> String {
        match (self.last_restart, now) {
            (Some(t), Some(now)) if self.restarts != 0 => format!(
                "{} ({} ago)",
                self.restarts,
                human_duration(now.as_second() - t.as_second())
            ),
            _ => self.restarts.to_string(),
        }
    }
}

/// The latest `lastState.terminated.finishedAt` seen.
#[derive(Default, Clone, Copy)]
struct LastRestart(Option<Timestamp>);

impl LastRestart {
    fn see(&mut self, status: &ContainerStatus) {
        if let Some(t) = status
            .last_state
            .terminated
            .as_ref()
            .and_then(|t| t.finished_at)
        {
            if self.0.is_none_or(|seen| seen < t) {
                self.0 = Some(t);
            }
        }
    }
}

fn terminated_reason(t: &StateDetail, prefix: &str) -> String {
    if !t.reason.is_empty() {
        return format!("{prefix}{}", t.reason);
    }
    match t.signal.unwrap_or(0) {
        0 => format!("{prefix}ExitCode:{}", t.exit_code.unwrap_or(0)),
        signal => format!("{prefix}Signal:{signal}"),
    }
}

/// The pod's columns, by the rules of kubectl's pod printer (`printPod`).
pub fn pod_columns(pod: &Pod) -> PodColumns {
    let has_condition = |kind: &str| {
        pod.status
            .conditions
            .iter()
            .any(|c| c.kind == kind && c.status == "True")
    };
    let is_sidecar = |name: &str| {
        pod.spec
            .init_containers
            .iter()
            .any(|c| c.name == name && c.restart_policy == "Always")
    };
    let sidecars = pod
        .spec
        .init_containers
        .iter()
        .filter(|c| c.restart_policy == "Always")
        .count();
    let containers = (pod.spec.containers.len() + sidecars) as u32;
    let mut ready = 0u32;
    let mut restarts = 0i64;
    let mut sidecar_restarts = 0i64;
    let mut last = LastRestart::default();
    let mut sidecar_last = LastRestart::default();
    let phase = pod.status.phase.as_str();
    let mut reason = if pod.status.reason.is_empty() {
        phase.to_string()
    } else {
        pod.status.reason.clone()
    };
    if pod
        .status
        .conditions
        .iter()
        .any(|c| c.kind == "PodScheduled" && c.reason == "SchedulingGated")
    {
        reason = "SchedulingGated".to_string();
    }

    let mut initializing = false;
    for (i, c) in pod.status.init_container_statuses.iter().enumerate() {
        restarts += c.restart_count;
        last.see(c);
        let sidecar = is_sidecar(&c.name);
        if sidecar {
            sidecar_restarts += c.restart_count;
            sidecar_last.see(c);
        }
        let terminated = c.state.terminated.as_deref();
        if terminated.is_some_and(|t| t.exit_code.unwrap_or(0) == 0) {
            continue;
        }
        if sidecar && c.started == Some(true) {
            if c.ready {
                ready += 1;
            }
            continue;
        }
        reason = match (terminated, c.state.waiting.as_deref()) {
            (Some(t), _) => terminated_reason(t, "Init:"),
            (None, Some(w)) if !w.reason.is_empty() && w.reason != "PodInitializing" => {
                format!("Init:{}", w.reason)
            }
            _ => format!("Init:{}/{}", i, pod.spec.init_containers.len()),
        };
        initializing = true;
        break;
    }

    if !initializing || has_condition("Initialized") {
        restarts = sidecar_restarts;
        last = sidecar_last;
        let mut has_running = false;
        for c in pod.status.container_statuses.iter().rev() {
            restarts += c.restart_count;
            last.see(c);
            let waiting = c.state.waiting.as_deref().map_or("", |w| w.reason.as_str());
            if !waiting.is_empty() {
                reason = waiting.to_string();
            } else if let Some(t) = c.state.terminated.as_deref() {
                reason = terminated_reason(t, "");
            } else if c.ready && c.state.running.is_some() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if has_condition("Ready") {
                "Running"
            } else {
                "NotReady"
            }
            .to_string();
        }
    }

    let deleting = pod.metadata.deletion_timestamp.is_some();
    if deleting && pod.status.reason == "NodeLost" {
        reason = "Unknown".to_string();
    } else if deleting && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".to_string();
    }

    let or_none = |s: &str| {
        if s.is_empty() {
            "<none>".to_string()
        } else {
            s.to_string()
        }
    };
    let ip = pod
        .status
        .pod_ips
        .first()
        .map(|p| p.ip.as_str())
        .filter(|s| !s.is_empty())
        .unwrap_or(&pod.status.pod_ip);
    let gates = &pod.spec.readiness_gates;
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let met = gates
            .iter()
            .filter(|g| has_condition(&g.condition_type))
            .count();
        format!("{met}/{}", gates.len())
    };
    PodColumns {
        ready,
        containers,
        status: reason,
        restarts,
        last_restart: last.0,
        ip: or_none(ip),
        nominated_node: or_none(&pod.status.nominated_node_name),
        readiness_gates,
    }
}

/// ROLES of `kubectl get nodes`: the `node-role.kubernetes.io/<role>` label names and the
/// value of the legacy `kubernetes.io/role` label, sorted, once each (empty: `<none>`).
pub fn node_roles<'a>(labels: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let mut roles: Vec<String> = labels
        .into_iter()
        .filter_map(|(k, v)| match k.strip_prefix("node-role.kubernetes.io/") {
            Some(role) => Some(role),
            None if k == "kubernetes.io/role" => Some(v),
            None => None,
        })
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

/// apimachinery's `duration.HumanDuration`, to the second: two significant units while they
/// matter (`4m30s`, `5h10m`, `3d4h`), one after (`45m`, `20h`, `30d`), years past two years.
/// A second in the future counts as now (clocks disagree that much); more is `<invalid>`.
pub fn human_duration(seconds: i64) -> String {
    fn with_rest(major: i64, major_unit: &str, minor: i64, minor_unit: &str) -> String {
        if minor == 0 {
            format!("{major}{major_unit}")
        } else {
            format!("{major}{major_unit}{minor}{minor_unit}")
        }
    }
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        return with_rest(minutes, "m", seconds % 60, "s");
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        return with_rest(hours, "h", minutes % 60, "m");
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    let days = hours / 24;
    if hours < 24 * 8 {
        return with_rest(days, "d", hours % 24, "h");
    }
    if hours < 24 * 365 * 2 {
        return format!("{days}d");
    }
    if hours < 24 * 365 * 8 {
        return with_rest(days / 365, "y", days % 365, "d");
    }
    format!("{}y", days / 365)
}

/// AGE: the time from `since` to `now`, or `<unknown>` when either is unknown.
pub fn age(since: Option<Timestamp>, now: Option<Timestamp>) -> String {
    match (since, now) {
        (Some(since), Some(now)) => human_duration(now.as_second() - since.as_second()),
        _ => "<unknown>".to_string(),
    }
}

#[cfg(test)]
mod tests;
