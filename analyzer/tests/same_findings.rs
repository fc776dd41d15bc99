//! The same planted problem gives the same finding whatever layout carries it: a full /var,
//! a failed kubelet and a kernel OOM kill on a node (our `--host-only` bundle against a
//! sosreport), a NotReady node and a crash-looping pod in a cluster (our bundle against a
//! must-gather and both forms of `kubectl cluster-info dump`). Only the evidence's file names
//! differ.

mod flavor_common;

use flavor_common::{analyze, tree};
use kbundle_analyzer::report::Report;
use kbundle_format::analysis::{Category, Finding};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// When every input was taken.
const TAKEN: &str = "2024-03-05T09:00:00Z";

/// What must be equal: everything but the evidence's files and lines (the layout's own).
/// `exact` compares the message and the evidence's text too; without it they are left out,
/// for node outputs whose tools print the same numbers differently (`39G` or `40894464`).
fn key(f: &Finding, exact: bool) -> String {
    let mut k = format!(
        "{} {:?} {:?} {} | {} | x{} | {:?}..{:?}",
        f.rule, f.category, f.severity, f.subject, f.title, f.count, f.first_seen, f.last_seen
    );
    if exact {
        let mut texts: Vec<&str> = f.evidence.iter().map(|e| e.text.as_str()).collect();
        texts.sort();
        k.push_str(&format!(" | {} | {texts:?}", f.message));
    }
    k
}

fn keys_of(report: &Report, exact: bool) -> BTreeSet<String> {
    report
        .analysis
        .findings
        .iter()
        .filter(|f| f.category != Category::CollectionGap)
        .map(|f| key(f, exact))
        .collect()
}

fn keys(report: &Report) -> BTreeSet<String> {
    keys_of(report, true)
}

fn manifest() -> String {
    format!(r#"{{"format": "kbundle/v1", "created": "{TAKEN}"}}"#)
}

// ---- A node: df, the kubelet's unit, the kernel's log --------------------------------------

const DF_H: &str = "\
Filesystem      Size  Used Avail Use% Mounted on
/dev/sda1        40G   12G   28G  30% /
/dev/sdb1        40G   39G  1.0G  98% /var
";

const DF_1K: &str = "\
Filesystem     1K-blocks     Used Available Use% Mounted on
proc                   0        0         0    - /proc
/dev/sda1       41943040 12582912  29360128  30% /
/dev/sdb1       41943040 40894464   1048576  98% /var
";

const KUBELET_FAILED: &str = "\
× kubelet.service - kubelet: The Kubernetes Node Agent
     Loaded: loaded (/lib/systemd/system/kubelet.service; enabled; vendor preset: enabled)
     Active: failed (Result: exit-code) since Tue 2024-03-05 08:40:00 UTC; 20min ago
    Process: 1234 ExecStart=/usr/bin/kubelet (code=exited, status=1/FAILURE)
   Main PID: 1234 (code=exited, status=1/FAILURE)

Mar 05 08:40:00 w1 systemd[1]: kubelet.service: Failed with result 'exit-code'.
";

const KERN_LOG: &str = "\
Mar  5 08:30:00 w1 kernel: [12345.678901] Out of memory: Killed process 4121 (java) total-vm:8123456kB, anon-rss:6123456kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:12345kB oom_score_adj:0
";

#[test]
fn a_node_problem_in_a_sosreport_is_found_as_in_a_host_only_bundle() {
    let ours = tree(&[
        ("manifest.json", &manifest()),
        ("host-collectors/w1/run/df-h.txt", DF_H),
        (
            "host-collectors/w1/run/systemctl-status-kubelet.txt",
            KUBELET_FAILED,
        ),
        ("host-collectors/w1/files/var/log/kern.log", KERN_LOG),
    ]);
    let sos = tree(&[
        ("sos_commands/host/hostname", "w1\n"),
        (
            "sos_commands/date/date_--utc",
            "Tue Mar  5 09:00:00 UTC 2024\n",
        ),
        ("sos_commands/filesys/df_-al_-x_autofs", DF_1K),
        (
            "sos_commands/kubernetes/systemctl_status_kubelet",
            KUBELET_FAILED,
        ),
        ("var/log/kern.log", KERN_LOG),
    ]);
    let want = keys_of(&analyze(&[ours.path()]), false);
    for rule in ["host.disk-full", "host.kubelet-down", "kernel.oom-kill"] {
        assert!(
            want.iter().any(|k| k.starts_with(rule)),
            "{rule} planted: {want:#?}"
        );
    }
    assert_eq!(keys_of(&analyze(&[sos.path()]), false), want);
}

// ---- A cluster: a NotReady node, a crash-looping pod ---------------------------------------

fn nodes() -> Vec<Value> {
    let node = |name: &str, ready: &str| {
        json!({"metadata": {"name": name},
               "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "KubeletNotReady",
                                          "lastTransitionTime": "2024-03-05T08:30:00Z"}],
                          "nodeInfo": {"kubeletVersion": "v1.29.6"}}})
    };
    vec![node("w1", "False"), node("w2", "True")]
}

fn pod() -> Value {
    json!({
        "metadata": {"name": "web-1", "namespace": "shop", "uid": "0b7c"},
        "spec": {"nodeName": "w2", "containers": [{"name": "web", "image": "registry.example.com/shop/web:1.4"}]},
        "status": {"phase": "Running", "containerStatuses": [{
            "name": "web", "ready": false, "restartCount": 40, "image": "registry.example.com/shop/web:1.4",
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
            "lastState": {"terminated": {"reason": "Error", "exitCode": 1,
                "startedAt": "2024-03-05T08:58:00Z", "finishedAt": "2024-03-05T08:58:30Z"}}}]}
    })
}

fn events() -> Vec<Value> {
    vec![json!({
        "metadata": {"name": "web-1.17b9", "namespace": "shop"},
        "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "web-1", "fieldPath": "spec.containers{web}"},
        "reason": "BackOff", "type": "Warning", "count": 180,
        "message": "Back-off restarting failed container web in pod web-1_shop",
        "firstTimestamp": "2024-03-05T06:00:00Z", "lastTimestamp": TAKEN,
        "source": {"component": "kubelet", "host": "w2"}
    })]
}

const WEB_LOG: &str = "\
starting web 1.4
panic: dial tcp 10.0.0.9:5432: connect: connection refused
";

fn list(kind: &str, items: Vec<Value>) -> Value {
    json!({"kind": kind, "apiVersion": "v1", "metadata": {}, "items": items})
}

fn json_text(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

fn yaml_text(v: &Value) -> String {
    serde_yaml_ng::to_string(v).unwrap()
}

/// The findings of the planted cluster problem in our own layout.
fn in_our_bundle() -> BTreeSet<String> {
    let ours = tree(&[
        ("manifest.json", &manifest()),
        (
            "cluster-resources/nodes.json",
            &json_text(&list("NodeList", nodes())),
        ),
        (
            "cluster-resources/pods/shop.json",
            &json_text(&list("PodList", vec![pod()])),
        ),
        (
            "cluster-resources/events/shop.json",
            &json_text(&list("EventList", events())),
        ),
        ("cluster-resources/pods/logs/shop/web-1/web.log", WEB_LOG),
    ]);
    let want = keys(&analyze(&[ours.path()]));
    for rule in ["pod.crash-loop", "node.not-ready"] {
        assert!(
            want.iter().any(|k| k.starts_with(rule)),
            "{rule} planted: {want:#?}"
        );
    }
    want
}

/// The container's log between kubectl's markers.
fn log_block() -> String {
    format!(
        "==== START logs for container web of pod shop/web-1 ====\n{WEB_LOG}==== END logs for container web of pod shop/web-1 ====\n"
    )
}

#[test]
fn a_cluster_problem_in_a_must_gather_is_found_as_in_our_bundle() {
    let mut files: Vec<(String, String)> = vec![
        (
            "timestamp".into(),
            "2024-03-05 09:00:00.000000001 +0000 UTC m=+0.1\n".into(),
        ),
        (
            "namespaces/shop/pods/web-1/web-1.yaml".into(),
            yaml_text(&pod()),
        ),
        (
            "namespaces/shop/core/events.yaml".into(),
            yaml_text(&list("EventList", events())),
        ),
        (
            "namespaces/shop/pods/web-1/web/web/logs/current.log".into(),
            WEB_LOG.into(),
        ),
    ];
    for n in nodes() {
        let name = n["metadata"]["name"].as_str().unwrap().to_string();
        files.push((
            format!("cluster-scoped-resources/core/nodes/{name}.yaml"),
            yaml_text(&n),
        ));
    }
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let must_gather = tree(&files);
    assert_eq!(keys(&analyze(&[must_gather.path()])), in_our_bundle());
}

#[test]
fn a_cluster_problem_in_a_dump_directory_is_found_as_in_our_bundle() {
    let dump = tree(&[
        ("nodes.json", &json_text(&list("NodeList", nodes()))),
        ("shop/events.json", &json_text(&list("EventList", events()))),
        ("shop/pods.json", &json_text(&list("PodList", vec![pod()]))),
        ("shop/web-1/logs.txt", &log_block()),
    ]);
    assert_eq!(keys(&analyze(&[dump.path()])), in_our_bundle());
}

#[test]
fn a_cluster_problem_in_a_printed_dump_is_found_as_in_our_bundle() {
    let stream = [
        json_text(&list("NodeList", nodes())),
        json_text(&list("EventList", events())),
        json_text(&list("PodList", vec![pod()])),
        log_block(),
    ]
    .join("\n");
    let dir = tree(&[("cluster-info.dump", &stream)]);
    assert_eq!(
        keys(&analyze(&[&dir.path().join("cluster-info.dump")])),
        in_our_bundle()
    );
}
