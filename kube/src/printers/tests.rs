use super::*;

fn pod(json: &str) -> Pod {
    serde_json::from_str(json).unwrap()
}

#[test]
fn ages_match_apimachinery() {
    let cases = [
        (-5, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (130, "2m10s"),
        (600, "10m"),
        (179 * 60, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 60 * 4, "3h4m"),
        (47 * 3600, "47h"),
        (48 * 3600, "2d"),
        (49 * 3600, "2d1h"),
        (8 * 86400, "8d"),
        (729 * 86400, "729d"),
        (730 * 86400, "2y"),
        (731 * 86400, "2y1d"),
        (9 * 365 * 86400, "9y"),
        (4 * 60 + 30, "4m30s"),
        (5 * 3600 + 10 * 60, "5h10m"),
        (20 * 3600 + 59 * 60, "20h"),
        (3 * 86_400 + 4 * 3600, "3d4h"),
        (30 * 86_400 + 3600, "30d"),
        (3 * 365 * 86_400 + 86_400, "3y1d"),
        (10 * 365 * 86_400, "10y"),
    ];
    for (secs, want) in cases {
        assert_eq!(human_duration(secs), want, "{secs}");
    }
    let now: Timestamp = "2022-12-21T16:44:00Z".parse().unwrap();
    let then: Timestamp = "2022-12-21T16:40:00Z".parse().unwrap();
    assert_eq!(age(Some(then), Some(now)), "4m");
    assert_eq!(age(None, Some(now)), "<unknown>");
}

#[test]
fn roles_from_both_label_forms() {
    let labels = [
        ("node-role.kubernetes.io/control-plane", ""),
        ("node-role.kubernetes.io/master", ""),
        ("kubernetes.io/role", "worker"),
        ("node-role.kubernetes.io/", "ignored"),
        ("kubernetes.io/hostname", "m1"),
    ];
    assert_eq!(node_roles(labels), ["control-plane", "master", "worker"]);
    assert!(node_roles([("kubernetes.io/role", "")]).is_empty());
}

#[test]
fn an_init_container_running_is_init_n_of_m_not_pod_initializing() {
    // The drift of issue 9: the report printed PodInitializing here, kubectl prints Init:0/1.
    let p = pod(r#"{"metadata": {"name": "p"},
        "spec": {"initContainers": [{"name": "i"}], "containers": [{"name": "a"}]},
        "status": {"phase": "Pending",
          "initContainerStatuses": [{"name": "i", "state": {"running": {}}}],
          "containerStatuses": [{"name": "a", "state": {"waiting": {"reason": "PodInitializing"}}}]}}"#);
    let c = pod_columns(&p);
    assert_eq!(
        (c.status.as_str(), c.ready, c.containers),
        ("Init:0/1", 0, 1)
    );
}

#[test]
fn restarts_are_the_init_containers_while_initializing() {
    let p = pod(r#"{"metadata": {"name": "p"},
        "spec": {"initContainers": [{"name": "i"}], "containers": [{"name": "a"}]},
        "status": {"phase": "Pending",
          "initContainerStatuses": [{"name": "i", "restartCount": 4,
             "state": {"waiting": {"reason": "CrashLoopBackOff"}},
             "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2022-12-21T16:39:00Z"}}}],
          "containerStatuses": [{"name": "a", "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}]}}"#);
    let c = pod_columns(&p);
    assert_eq!(c.status, "Init:CrashLoopBackOff");
    let now: Timestamp = "2022-12-21T16:44:00Z".parse().unwrap();
    assert_eq!(c.restarts_cell(Some(now)), "4 (5m ago)");
    assert_eq!(c.restarts_cell(None), "4");
}

#[test]
fn node_lost_signal_and_evicted() {
    let lost = pod(
        r#"{"metadata": {"name": "p", "deletionTimestamp": "2022-12-21T16:00:00Z"},
        "status": {"phase": "Running", "reason": "NodeLost"}}"#,
    );
    assert_eq!(pod_columns(&lost).status, "Unknown");
    let killed = pod(
        r#"{"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]},
        "status": {"phase": "Running", "containerStatuses": [
          {"name": "a", "state": {"terminated": {"signal": 9}}}]}}"#,
    );
    assert_eq!(pod_columns(&killed).status, "Signal:9");
    let evicted = pod(r#"{"metadata": {"name": "p"},
        "status": {"phase": "Failed", "reason": "Evicted", "podIPs": [{"ip": "10.1.2.3"}]}}"#);
    let c = pod_columns(&evicted);
    assert_eq!((c.status.as_str(), c.ip.as_str()), ("Evicted", "10.1.2.3"));
}
