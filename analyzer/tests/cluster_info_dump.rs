//! `kubectl cluster-info dump`, both forms, built here as kubectl writes them: the
//! `--output-directory` tree and the one stream it prints to standard output. Both give the
//! same findings, with evidence at the file's own lines.

mod flavor_common;

use flavor_common::{analyze, cell, findings, tree};
use kbundle_analyzer::report::checklist::{Mark, Step};
use kbundle_format::analysis::{CollectionStatus, Flavor};
use serde_json::{json, Value};

/// A List as kubectl prints it: `kind` first.
fn list(kind: &str, items: Vec<Value>) -> String {
    format!(
        "{{\n    \"kind\": \"{kind}\",\n    \"apiVersion\": \"v1\",\n    \"metadata\": {{\n        \"resourceVersion\": \"4242\"\n    }},\n    \"items\": {}\n}}",
        serde_json::to_string_pretty(&items).unwrap()
    )
}

fn nodes() -> String {
    let node = |name: &str, ready: &str| {
        json!({"metadata": {"name": name},
               "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "KubeletReady",
                                          "lastTransitionTime": "2024-03-05T08:00:00Z"}]}})
    };
    list(
        "NodeList",
        vec![node("cp-0", "True"), node("worker-0", "False")],
    )
}

fn pods() -> String {
    list(
        "PodList",
        vec![json!({
            "metadata": {"name": "metrics-server-6d94bc8694-x2x7k", "namespace": "kube-system"},
            "spec": {"nodeName": "cp-0", "containers": [{"name": "metrics-server", "image": "registry.k8s.io/metrics-server:v0.7.0"}]},
            "status": {"phase": "Running", "containerStatuses": [{
                "name": "metrics-server", "ready": false, "restartCount": 57,
                "image": "registry.k8s.io/metrics-server:v0.7.0",
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
                "lastState": {"terminated": {"reason": "Error", "exitCode": 1,
                    "startedAt": "2024-03-05T08:58:00Z", "finishedAt": "2024-03-05T08:58:31Z"}}}]}
        })],
    )
}

fn events() -> String {
    list(
        "EventList",
        vec![json!({
            "metadata": {"name": "metrics-server.17b9", "namespace": "kube-system"},
            "involvedObject": {"kind": "Pod", "namespace": "kube-system", "name": "metrics-server-6d94bc8694-x2x7k",
                               "fieldPath": "spec.containers{metrics-server}"},
            "reason": "BackOff", "type": "Warning", "count": 230,
            "message": "Back-off restarting failed container metrics-server",
            "firstTimestamp": "2024-03-05T04:00:00Z", "lastTimestamp": "2024-03-05T08:59:40Z",
            "source": {"component": "kubelet", "host": "cp-0"}
        })],
    )
}

const LOGS: &str = "\
==== START logs for container metrics-server of pod kube-system/metrics-server-6d94bc8694-x2x7k ====
I0305 08:58:00.000000       1 serving.go:374] Generated self-signed cert
E0305 08:58:30.000000       1 run.go:74] \"command failed\" err=\"unable to load configmap based request-header-client-ca-file: Get \\\"https://10.96.0.1:443/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication\\\": dial tcp 10.96.0.1:443: i/o timeout\"
==== END logs for container metrics-server of pod kube-system/metrics-server-6d94bc8694-x2x7k ====
";

fn check(report: &kbundle_analyzer::report::Report, log_file: &str, log_line: u64) {
    let a = &report.analysis;
    assert_eq!(a.bundles[0].flavor, Flavor::ClusterInfoDump);
    assert_eq!(a.bundles[0].nodes, ["cp-0", "worker-0"]);
    assert_eq!(
        a.bundles[0].created.as_deref(),
        Some("2024-03-05T08:59:40Z"),
        "dated by its newest event"
    );
    let found = findings(report);
    for want in [
        "pod.crash-loop Pod kube-system/metrics-server-6d94bc8694-x2x7k container metrics-server on cp-0",
        "node.not-ready Node worker-0",
    ] {
        assert!(found.iter().any(|f| f.starts_with(want)), "{want} not in {found:#?}");
    }
    let crash = a
        .findings
        .iter()
        .find(|f| f.rule == "pod.crash-loop")
        .unwrap();
    let cause = crash
        .evidence
        .iter()
        .find(|e| e.text.contains("i/o timeout"))
        .unwrap_or_else(|| panic!("the log's cause: {:?}", crash.evidence));
    assert_eq!(
        (cause.file.as_str(), cause.line),
        (log_file, Some(log_line))
    );
    assert_eq!(cell(report, Some("cp-0"), Step::PodLogs).0, Mark::Pass);
    assert_eq!(cell(report, Some("cp-0"), Step::Events).0, Mark::Pass);
    // What a dump cannot hold is a gap, never a pass.
    let (mark, reason) = cell(report, Some("worker-0"), Step::Storage);
    assert_eq!(mark, Mark::NoData, "{reason}");
    assert!(
        reason.contains("a cluster-info dump has no df output"),
        "{reason}"
    );
    let absent = report
        .analysis
        .collection
        .iter()
        .filter(|c| c.status == CollectionStatus::Absent && c.node.as_deref() == Some("cp-0"))
        .count();
    assert_eq!(
        absent, 7,
        "each of a node's own steps: {:?}",
        report.analysis.collection
    );
}

#[test]
fn the_output_directory() {
    let dir = tree(&[
        ("nodes.json", &nodes()),
        ("kube-system/events.json", &events()),
        (
            "kube-system/replication-controllers.json",
            &list("ReplicationControllerList", vec![]),
        ),
        ("kube-system/services.json", &list("ServiceList", vec![])),
        (
            "kube-system/daemonsets.json",
            &list("DaemonSetList", vec![]),
        ),
        (
            "kube-system/deployments.json",
            &list("DeploymentList", vec![]),
        ),
        (
            "kube-system/replicasets.json",
            &list("ReplicaSetList", vec![]),
        ),
        ("kube-system/pods.json", &pods()),
        ("kube-system/metrics-server-6d94bc8694-x2x7k/logs.txt", LOGS),
    ]);
    check(
        &analyze(&[dir.path()]),
        "kube-system/metrics-server-6d94bc8694-x2x7k/logs.txt",
        3,
    );
}

/// The stream kubectl prints: Lists one after another, then the logs; line numbers count
/// from the top of the whole file.
fn stream() -> String {
    let mut s = String::new();
    for doc in [
        nodes(),
        events(),
        list("ReplicationControllerList", vec![]),
        list("ServiceList", vec![]),
        list("DaemonSetList", vec![]),
        list("DeploymentList", vec![]),
        list("ReplicaSetList", vec![]),
        pods(),
    ] {
        s.push_str(&doc);
        s.push('\n');
    }
    s.push_str(LOGS);
    s
}

#[test]
fn the_stream_printed_to_standard_output() {
    let text = stream();
    let dir = tree(&[("cluster-info.dump", &text)]);
    let line = text
        .lines()
        .position(|l| l.contains("i/o timeout"))
        .unwrap() as u64
        + 1;
    check(
        &analyze(&[&dir.path().join("cluster-info.dump")]),
        "cluster-info.dump",
        line,
    );
}

/// A List cut short in the middle of the stream is a gap naming the file and line; what
/// follows it is still read.
#[test]
fn a_broken_list_in_the_stream_is_a_gap_and_the_rest_is_read() {
    let text = stream().replacen(
        "\"kind\": \"ServiceList\",",
        "\"kind\": \"ServiceList\", \"items\": [{oops",
        1,
    );
    let dir = tree(&[("dump.txt", &text)]);
    let report = analyze(&[&dir.path().join("dump.txt")]);
    let gap = report
        .analysis
        .collection
        .iter()
        .find(|c| c.status == CollectionStatus::Unreadable)
        .expect("a gap for the broken List");
    assert_eq!(gap.collector, "dump.txt");
    assert!(
        gap.error.as_deref().unwrap_or("").starts_with("line "),
        "{gap:?}"
    );
    let found = findings(&report);
    assert!(
        found.iter().any(|f| f.starts_with("pod.crash-loop")),
        "{found:#?}"
    );
}

/// Another producer's key order (`items` before `kind`, as `jq -S` writes) reads the same.
#[test]
fn lists_whose_items_come_before_their_kind() {
    let sorted = |text: String| -> String {
        let v: Value = serde_json::from_str(&text).unwrap();
        serde_json::to_string_pretty(&v).unwrap() // serde_json's maps sort their keys
    };
    let text = [nodes(), events(), pods()].map(sorted).join("\n") + "\n" + LOGS;
    assert!(text.find("\"items\"").unwrap() < text.find("\"kind\"").unwrap());
    let dir = tree(&[("sorted.json", &text)]);
    let line = text
        .lines()
        .position(|l| l.contains("i/o timeout"))
        .unwrap() as u64
        + 1;
    check(
        &analyze(&[&dir.path().join("sorted.json")]),
        "sorted.json",
        line,
    );
}

/// JSON that is no List of kubectl's is not a dump: refused, never analyzed as empty.
#[test]
fn json_of_no_list_is_not_a_dump() {
    let dir = tree(&[(
        "analysis.json",
        r#"{"kind": "ConfigMap", "data": {"note": "NodeList"}}"#,
    )]);
    let err = kbundle_analyzer::analyze_paths(&[dir.path().join("analysis.json")]).unwrap_err();
    assert!(
        err.to_string().contains("not a bundle of any known flavor"),
        "{err}"
    );
}
