//! The pod table: READY, STATUS (with the init-container and waiting/terminated reasons),
//! RESTARTS with the last restart's age, and the wide IP / NODE / NOMINATED NODE / READINESS
//! GATES, from `kbundle_kube::printers` (kubernetes' pod printer, shared with the report).

use super::{col, Col};
use jiff::Timestamp;
use kbundle_kube::pod::Pod;
use kbundle_kube::printers::pod_columns;
use serde::Deserialize;
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

/// The row of a pod: decoded into the typed pod (leniently: a field of the wrong type is
/// empty, not an error) and printed by the one pod printer the report also uses.
fn cells(pod: &Value, now: Timestamp) -> Vec<Value> {
    let typed = Pod::deserialize(pod).unwrap_or_default();
    let c = pod_columns(&typed);
    vec![
        super::name(pod).into(),
        format!("{}/{}", c.ready, c.containers).into(),
        c.status.clone().into(),
        c.restarts_cell(Some(now)).into(),
        super::age_of(pod, now).into(),
        c.ip.into(),
        or_none(&typed.spec.node_name).into(),
        c.nominated_node.into(),
        c.readiness_gates.into(),
    ]
}

fn or_none(s: &str) -> String {
    if s.is_empty() {
        "<none>".to_string()
    } else {
        s.to_string()
    }
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
