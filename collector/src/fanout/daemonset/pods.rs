//! How an agent pod is doing, read from its status and the events about it: still on its way
//! (scheduling, pulling, collecting), ready with a result, or failed for a reason that will
//! not go away by waiting (unschedulable, image not pullable, crashed, evicted).

use serde_json::Value;

/// Where an agent pod is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PodState {
    /// Not running yet, with what it waits for (`Pending: ContainerCreating`).
    Waiting(String),
    /// Running the node part.
    Collecting,
    /// Its result is ready (the readiness probe found the bundle).
    Ready,
    /// It will not give a result; why.
    Failed(String),
}

/// Reasons of a waiting container that end the node at once (the kubelet already retried
/// or cannot start it as specified).
const FATAL_WAITING: &[&str] = &[
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
];

/// The node a pod is for: where it was scheduled, else the node its affinity names (the
/// DaemonSet controller pins each pod to one node).
pub(crate) fn node_of(pod: &Value) -> Option<String> {
    if let Some(n) = pod.pointer("/spec/nodeName").and_then(Value::as_str) {
        if !n.is_empty() {
            return Some(n.to_string());
        }
    }
    let terms = pod
        .pointer("/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")?
        .as_array()?;
    terms.iter().find_map(|t| {
        t.get("matchFields")?.as_array()?.iter().find_map(|f| {
            if f.get("key")?.as_str()? != "metadata.name" {
                return None;
            }
            let values = f.get("values")?.as_array()?;
            (values.len() == 1).then(|| values[0].as_str().map(str::to_string))?
        })
    })
}

/// The pod's name.
pub(crate) fn name_of(pod: &Value) -> String {
    pod.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// Reads a pod's state.
pub(crate) fn state(pod: &Value) -> PodState {
    let phase = pod
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("Pending");
    let str_at = |v: &Value, p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    if matches!(phase, "Failed" | "Succeeded") {
        let reason = str_at(pod, "/status/reason");
        let message = str_at(pod, "/status/message");
        return PodState::Failed(join(&format!("agent pod {phase}"), &reason, &message));
    }
    if let Some(conds) = pod.pointer("/status/conditions").and_then(Value::as_array) {
        for c in conds {
            if c.get("type").and_then(Value::as_str) == Some("PodScheduled")
                && c.get("status").and_then(Value::as_str) == Some("False")
                && c.get("reason").and_then(Value::as_str) == Some("Unschedulable")
            {
                return PodState::Failed(join("unschedulable", "", &str_at(c, "/message")));
            }
        }
    }
    let container = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .and_then(|cs| cs.first());
    if let Some(c) = container {
        let restarts = c.get("restartCount").and_then(Value::as_u64).unwrap_or(0);
        let waiting = str_at(c, "/state/waiting/reason");
        if FATAL_WAITING.contains(&waiting.as_str()) {
            let what = if waiting.contains("Image") {
                "image pull failed"
            } else if waiting == "CrashLoopBackOff" {
                "agent crashed"
            } else {
                "agent container cannot start"
            };
            let mut text = join(what, &waiting, &str_at(c, "/state/waiting/message"));
            if let Some(t) = c.pointer("/lastState/terminated") {
                text.push_str(&last_exit(t));
            }
            return PodState::Failed(text);
        }
        // The agent never exits by itself: any termination is a crash.
        let terminated = c.pointer("/state/terminated").or_else(|| {
            (restarts > 0)
                .then(|| c.pointer("/lastState/terminated"))
                .flatten()
        });
        if let Some(t) = terminated {
            return PodState::Failed(format!("agent crashed{}", last_exit(t)));
        }
        if c.get("ready").and_then(Value::as_bool) == Some(true) {
            return PodState::Ready;
        }
        if c.pointer("/state/running").is_some() {
            return PodState::Collecting;
        }
        if !waiting.is_empty() {
            let message = str_at(c, "/state/waiting/message");
            return PodState::Waiting(join(&format!("{phase}: {waiting}"), "", &message));
        }
    }
    PodState::Waiting(phase.to_string())
}

/// `: exit code 2 (Error) after 3 restarts: <message>` of a terminated state.
fn last_exit(t: &Value) -> String {
    let code = t.get("exitCode").and_then(Value::as_i64);
    let reason = t.get("reason").and_then(Value::as_str).unwrap_or("");
    let message = t.get("message").and_then(Value::as_str).unwrap_or("");
    let mut out = String::new();
    if let Some(code) = code {
        out.push_str(&format!(": exit code {code}"));
    }
    if !reason.is_empty() {
        out.push_str(&format!(" ({reason})"));
    }
    if !message.trim().is_empty() {
        out.push_str(&format!(": {}", super::super::one_line(message)));
    }
    out
}

fn join(what: &str, reason: &str, message: &str) -> String {
    let mut out = what.to_string();
    if !reason.is_empty() {
        out.push_str(&format!(": {reason}"));
    }
    if !message.trim().is_empty() {
        out.push_str(&format!(": {}", super::super::one_line(message)));
    }
    out
}

/// The newest event about `object` (a pod or the DaemonSet), Warning first, as `reason:
/// message`, for the row of a node that failed or timed out.
pub(crate) fn last_event(events: &[Value], object: &str) -> Option<String> {
    let about: Vec<&Value> = events
        .iter()
        .filter(|e| e.pointer("/involvedObject/name").and_then(Value::as_str) == Some(object))
        .collect();
    let when = |e: &Value| {
        [
            "/lastTimestamp",
            "/eventTime",
            "/firstTimestamp",
            "/metadata/creationTimestamp",
        ]
        .iter()
        .find_map(|p| {
            e.pointer(p)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        })
        .unwrap_or("")
        .to_string()
    };
    let warning = |e: &&&Value| e.get("type").and_then(Value::as_str) == Some("Warning");
    let pick = about
        .iter()
        .filter(warning)
        .max_by_key(|e| when(e))
        .or_else(|| about.iter().max_by_key(|e| when(e)))?;
    let reason = pick.get("reason").and_then(Value::as_str).unwrap_or("");
    let message = pick.get("message").and_then(Value::as_str).unwrap_or("");
    Some(format!("{reason}: {}", super::super::one_line(message)))
}

#[cfg(test)]
mod tests;
