use super::*;
use serde_json::json;

fn pod(status: Value) -> Value {
    json!({"metadata": {"name": "kbundle-agent-x1"},
           "spec": {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
               {"nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["w1"]}]}]}}}},
           "status": status})
}

#[test]
fn a_pod_is_tied_to_its_node_before_it_is_scheduled() {
    assert_eq!(node_of(&pod(json!({}))).as_deref(), Some("w1"));
    let mut p = pod(json!({}));
    p["spec"]["nodeName"] = json!("w2");
    assert_eq!(node_of(&p).as_deref(), Some("w2"));
    assert_eq!(node_of(&json!({"spec": {}})), None);
}

#[test]
fn states_from_pending_to_ready() {
    assert_eq!(
        state(&pod(json!({"phase": "Pending"}))),
        PodState::Waiting("Pending".into())
    );
    let creating = pod(json!({"phase": "Pending", "containerStatuses": [
        {"ready": false, "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}]}));
    assert_eq!(
        state(&creating),
        PodState::Waiting("Pending: ContainerCreating".into())
    );
    let running = pod(json!({"phase": "Running", "containerStatuses": [
        {"ready": false, "restartCount": 0, "state": {"running": {}}}]}));
    assert_eq!(state(&running), PodState::Collecting);
    let ready = pod(json!({"phase": "Running", "containerStatuses": [
        {"ready": true, "restartCount": 0, "state": {"running": {}}}]}));
    assert_eq!(state(&ready), PodState::Ready);
}

#[test]
fn failures_say_why() {
    let unschedulable = pod(
        json!({"phase": "Pending", "conditions": [{"type": "PodScheduled",
        "status": "False", "reason": "Unschedulable", "message": "0/3 nodes are available: 1 Insufficient memory."}]}),
    );
    assert_eq!(
        state(&unschedulable),
        PodState::Failed("unschedulable: 0/3 nodes are available: 1 Insufficient memory.".into())
    );
    let pull = pod(
        json!({"phase": "Pending", "containerStatuses": [{"ready": false, "restartCount": 0,
        "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"r.example/k:0.1\""}}}]}),
    );
    let PodState::Failed(why) = state(&pull) else {
        panic!()
    };
    assert!(
        why.starts_with("image pull failed: ImagePullBackOff: Back-off pulling"),
        "{why}"
    );
    let crashed = pod(
        json!({"phase": "Running", "containerStatuses": [{"ready": false, "restartCount": 1,
        "state": {"running": {}},
        "lastState": {"terminated": {"exitCode": 2, "reason": "Error", "message": "--host-root: /host is not a directory"}}}]}),
    );
    assert_eq!(
        state(&crashed),
        PodState::Failed(
            "agent crashed: exit code 2 (Error): --host-root: /host is not a directory".into()
        )
    );
    let evicted =
        pod(json!({"phase": "Failed", "reason": "Evicted", "message": "ephemeral storage"}));
    assert_eq!(
        state(&evicted),
        PodState::Failed("agent pod Failed: Evicted: ephemeral storage".into())
    );
}

#[test]
fn the_last_warning_event_is_the_reason() {
    let events = vec![
        json!({"involvedObject": {"name": "p"}, "type": "Normal", "reason": "Pulling", "message": "pulling", "lastTimestamp": "2026-01-01T00:00:09Z"}),
        json!({"involvedObject": {"name": "p"}, "type": "Warning", "reason": "Failed", "message": "rpc error: not found", "lastTimestamp": "2026-01-01T00:00:05Z"}),
        json!({"involvedObject": {"name": "q"}, "type": "Warning", "reason": "BackOff", "message": "x", "lastTimestamp": "2026-01-01T00:00:10Z"}),
    ];
    assert_eq!(
        last_event(&events, "p").as_deref(),
        Some("Failed: rpc error: not found")
    );
    assert_eq!(last_event(&events, "none"), None);
}
