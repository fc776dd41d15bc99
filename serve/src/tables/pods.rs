//! The pod table: READY, STATUS (with the init-container and waiting/terminated reasons),
//! RESTARTS with the last restart's age, and the wide IP / NODE / NOMINATED NODE / READINESS
//! GATES, computed like kubernetes' pod printer.

use super::{age, col, list, text, Col};
use jiff::Timestamp;
use serde_json::Value;

const COLUMNS: &[Col] = &[
    col("Name", "string", 0),
    col("Ready", "string", 0),
    col("Status", "string", 0),
    col("Restarts", "string", 0),
    col("Age", "string", 0),
    col("IP", "string", 1),
    col("Node", "string", 1),
    col("Nominated Node", "string", 1),
    col("Readiness Gates", "string", 1),
];

type Cells = fn(&Value, Timestamp) -> Vec<Value>;

pub(super) fn printer(group: &str, resource: &str) -> Option<(&'static [Col], Cells)> {
    ((group, resource) == ("", "pods")).then_some((COLUMNS, cells as Cells))
}

/// The latest `lastState.terminated.finishedAt` seen so far.
#[derive(Default)]
struct LastRestart(Option<Timestamp>);

impl LastRestart {
    fn see(&mut self, status: &Value) {
        let finished = text(status, &["lastState", "terminated", "finishedAt"]);
        if let Ok(t) = finished.parse::<Timestamp>() {
            if self.0.is_none_or(|seen| seen < t) {
                self.0 = Some(t);
            }
        }
    }
}

fn is_restartable_init(pod: &Value, name: &str) -> bool {
    list(pod, &["spec", "initContainers"])
        .iter()
        .any(|c| text(c, &["name"]) == name && text(c, &["restartPolicy"]) == "Always")
}

fn has_condition(pod: &Value, kind: &str) -> bool {
    list(pod, &["status", "conditions"])
        .iter()
        .any(|c| text(c, &["type"]) == kind && text(c, &["status"]) == "True")
}

fn terminated_reason(t: &Value, prefix: &str) -> String {
    let reason = text(t, &["reason"]);
    if !reason.is_empty() {
        return format!("{prefix}{reason}");
    }
    let signal = t.get("signal").and_then(Value::as_i64).unwrap_or(0);
    if signal != 0 {
        format!("{prefix}Signal:{signal}")
    } else {
        let code = t.get("exitCode").and_then(Value::as_i64).unwrap_or(0);
        format!("{prefix}ExitCode:{code}")
    }
}

fn cells(pod: &Value, now: Timestamp) -> Vec<Value> {
    let spec_containers = list(pod, &["spec", "containers"]);
    let init_specs = list(pod, &["spec", "initContainers"]);
    let mut total = spec_containers.len();
    total += init_specs
        .iter()
        .filter(|c| text(c, &["restartPolicy"]) == "Always")
        .count();
    let mut ready = 0usize;
    let mut restarts = 0i64;
    let mut sidecar_restarts = 0i64;
    let mut last = LastRestart::default();
    let mut sidecar_last = LastRestart::default();
    let phase = text(pod, &["status", "phase"]);
    let mut reason = phase.to_string();
    let status_reason = text(pod, &["status", "reason"]);
    if !status_reason.is_empty() {
        reason = status_reason.to_string();
    }
    if list(pod, &["status", "conditions"])
        .iter()
        .any(|c| text(c, &["type"]) == "PodScheduled" && text(c, &["reason"]) == "SchedulingGated")
    {
        reason = "SchedulingGated".to_string();
    }

    let init_statuses = list(pod, &["status", "initContainerStatuses"]);
    let mut initializing = false;
    for (i, c) in init_statuses.iter().enumerate() {
        restarts += c.get("restartCount").and_then(Value::as_i64).unwrap_or(0);
        last.see(c);
        let name = text(c, &["name"]);
        let sidecar = is_restartable_init(pod, name);
        if sidecar {
            sidecar_restarts += c.get("restartCount").and_then(Value::as_i64).unwrap_or(0);
            sidecar_last.see(c);
        }
        let terminated = c.get("state").and_then(|s| s.get("terminated"));
        let waiting = c.get("state").and_then(|s| s.get("waiting"));
        if let Some(t) = terminated {
            if t.get("exitCode").and_then(Value::as_i64).unwrap_or(0) == 0 {
                continue;
            }
        }
        if sidecar && c.get("started").and_then(Value::as_bool) == Some(true) {
            if c.get("ready").and_then(Value::as_bool) == Some(true) {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = terminated {
            reason = terminated_reason(t, "Init:");
        } else if let Some(w) = waiting.filter(|w| {
            let r = text(w, &["reason"]);
            !r.is_empty() && r != "PodInitializing"
        }) {
            reason = format!("Init:{}", text(w, &["reason"]));
        } else {
            reason = format!("Init:{}/{}", i, init_specs.len());
        }
        initializing = true;
        break;
    }

    if !initializing || has_condition(pod, "Initialized") {
        restarts = sidecar_restarts;
        last = sidecar_last;
        let mut has_running = false;
        for c in list(pod, &["status", "containerStatuses"]).iter().rev() {
            restarts += c.get("restartCount").and_then(Value::as_i64).unwrap_or(0);
            last.see(c);
            let state = c.get("state");
            let waiting = state.and_then(|s| s.get("waiting"));
            let terminated = state.and_then(|s| s.get("terminated"));
            let waiting_reason = waiting.map(|w| text(w, &["reason"])).unwrap_or("");
            if !waiting_reason.is_empty() {
                reason = waiting_reason.to_string();
            } else if let Some(t) = terminated {
                reason = terminated_reason(t, "");
            } else if c.get("ready").and_then(Value::as_bool) == Some(true)
                && state.and_then(|s| s.get("running")).is_some()
            {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if has_condition(pod, "Ready") {
                "Running".to_string()
            } else {
                "NotReady".to_string()
            };
        }
    }

    let deleting = pod
        .get("metadata")
        .and_then(|m| m.get("deletionTimestamp"))
        .is_some_and(|d| !d.is_null());
    if deleting && status_reason == "NodeLost" {
        reason = "Unknown".to_string();
    } else if deleting && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".to_string();
    }

    let restarts_cell = match last.0 {
        Some(t) if restarts != 0 => format!(
            "{} ({} ago)",
            restarts,
            age::human_duration(now.as_second() - t.as_second())
        ),
        _ => restarts.to_string(),
    };

    let ip = list(pod, &["status", "podIPs"])
        .first()
        .map(|p| text(p, &["ip"]))
        .filter(|s| !s.is_empty())
        .or_else(|| Some(text(pod, &["status", "podIP"])).filter(|s| !s.is_empty()))
        .unwrap_or("<none>");
    let or_none = |s: &str| {
        if s.is_empty() {
            "<none>".to_string()
        } else {
            s.to_string()
        }
    };
    let gates = list(pod, &["spec", "readinessGates"]);
    let gates_cell = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let conditions = list(pod, &["status", "conditions"]);
        let met = gates
            .iter()
            .filter(|g| {
                let kind = text(g, &["conditionType"]);
                conditions
                    .iter()
                    .find(|c| text(c, &["type"]) == kind)
                    .is_some_and(|c| text(c, &["status"]) == "True")
            })
            .count();
        format!("{}/{}", met, gates.len())
    };
    vec![
        super::name(pod).into(),
        format!("{ready}/{total}").into(),
        reason.into(),
        restarts_cell.into(),
        super::age_of(pod, now).into(),
        ip.into(),
        or_none(text(pod, &["spec", "nodeName"])).into(),
        or_none(text(pod, &["status", "nominatedNodeName"])).into(),
        gates_cell.into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        "2022-12-21T16:44:00Z".parse().unwrap()
    }

    #[test]
    fn running_pod_with_restarts() {
        let pod = json!({
            "metadata": {"name": "web", "creationTimestamp": "2022-12-01T14:01:21Z"},
            "spec": {"nodeName": "w1", "containers": [{"name": "a"}, {"name": "b"}]},
            "status": {"phase": "Running", "podIP": "10.0.0.5", "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 3, "state": {"running": {}},
                 "lastState": {"terminated": {"finishedAt": "2022-12-21T13:44:00Z"}}},
                {"name": "b", "ready": true, "restartCount": 2, "state": {"running": {}}}
            ]}
        });
        let c = cells(&pod, now());
        assert_eq!(c[0], "web");
        assert_eq!(c[1], "2/2");
        assert_eq!(c[2], "Running");
        assert_eq!(c[3], "5 (3h ago)");
        assert_eq!(c[4], "20d");
        assert_eq!(c[5], "10.0.0.5");
        assert_eq!(c[6], "w1");
        assert_eq!(c[7], "<none>");
        assert_eq!(c[8], "<none>");
    }

    #[test]
    fn waiting_init_and_terminating() {
        let crash = json!({
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "a", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}
        });
        assert_eq!(cells(&crash, now())[2], "CrashLoopBackOff");
        assert_eq!(cells(&crash, now())[1], "0/1");
        let init = json!({
            "metadata": {"name": "p"},
            "spec": {"initContainers": [{"name": "i1"}, {"name": "i2"}], "containers": [{"name": "a"}]},
            "status": {"phase": "Pending", "initContainerStatuses": [
                {"name": "i1", "state": {"terminated": {"exitCode": 0}}},
                {"name": "i2", "state": {"running": {}}}]}
        });
        assert_eq!(cells(&init, now())[2], "Init:1/2");
        let failed_init = json!({
            "metadata": {"name": "p"},
            "spec": {"initContainers": [{"name": "i1"}], "containers": [{"name": "a"}]},
            "status": {"phase": "Pending", "initContainerStatuses": [
                {"name": "i1", "state": {"terminated": {"exitCode": 2}}}]}
        });
        assert_eq!(cells(&failed_init, now())[2], "Init:ExitCode:2");
        let terminating = json!({
            "metadata": {"name": "p", "deletionTimestamp": "2022-12-21T16:00:00Z"},
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Running"}
        });
        assert_eq!(cells(&terminating, now())[2], "Terminating");
        let completed = json!({
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Succeeded", "containerStatuses": [
                {"name": "a", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}
        });
        assert_eq!(cells(&completed, now())[2], "Completed");
    }

    #[test]
    fn sidecars_and_gates() {
        let pod = json!({
            "metadata": {"name": "p"},
            "spec": {"initContainers": [{"name": "side", "restartPolicy": "Always"}],
                     "containers": [{"name": "a"}],
                     "readinessGates": [{"conditionType": "x/ready"}]},
            "status": {"phase": "Running",
                "conditions": [{"type": "x/ready", "status": "True"}, {"type": "Initialized", "status": "True"}],
                "initContainerStatuses": [{"name": "side", "started": true, "ready": true, "restartCount": 1, "state": {"running": {}}}],
                "containerStatuses": [{"name": "a", "ready": true, "state": {"running": {}}}]}
        });
        let c = cells(&pod, now());
        assert_eq!(c[1], "2/2");
        assert_eq!(c[3], "1");
        assert_eq!(c[8], "1/1");
    }
}
