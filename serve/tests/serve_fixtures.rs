//! `kbundle serve` on the sample bundles of fixtures/ (our own format, .tar.gz and .zip), with
//! the real kubectl: tables compared to rows computed here from the objects of the archive
//! tree in fixtures/src, describe with the pod's events, logs, and a host-only bundle.

mod serve_common;

use kbundle_kube::printers::human_duration;
use kbundle_serve::Bundle;
use serde_json::Value;
use serve_common::*;
use std::path::{Path, PathBuf};

const COLLECTED: &str = "2026-11-27T10:00:00Z";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// The unpacked tree of a fixture (`fixtures/src/<name>/<bundle>/`).
fn tree(name: &str) -> PathBuf {
    let dir = fixtures().join("src").join(name);
    std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .unwrap()
}

fn list_items(path: &Path) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    match v {
        Value::Array(a) => a,
        v => v["items"].as_array().cloned().unwrap_or_default(),
    }
}

fn kind_items(name: &str, dir: &str) -> Vec<Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(tree(name).join("cluster-resources").join(dir))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files.iter().flat_map(|f| list_items(f)).collect()
}

fn seconds(ts: &str) -> i64 {
    ts.parse::<jiff::Timestamp>().unwrap().as_second()
}

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

/// NAMESPACE NAME READY STATUS RESTARTS AGE as a real API server prints them, for pods whose
/// init containers are plain ones (as in these fixtures).
fn pod_row(pod: &Value, now: i64) -> Vec<String> {
    let arr = |ptr: &str| {
        pod.pointer(ptr)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let statuses = arr("/status/containerStatuses");
    let mut status = s(pod, "/status/phase").to_string();
    if !s(pod, "/status/reason").is_empty() {
        status = s(pod, "/status/reason").to_string();
    }
    let mut restarts = 0;
    let mut last: Option<i64> = None;
    let see = |c: &Value, restarts: &mut i64, last: &mut Option<i64>| {
        *restarts += c["restartCount"].as_i64().unwrap_or(0);
        if let Some(t) = c["lastState"]["terminated"]["finishedAt"].as_str() {
            *last = (*last).max(Some(seconds(t)));
        }
    };
    let inits = arr("/status/initContainerStatuses");
    let mut initializing = false;
    for (i, c) in inits.iter().enumerate() {
        see(c, &mut restarts, &mut last);
        let t = &c["state"]["terminated"];
        if t.is_object() && t["exitCode"].as_i64() == Some(0) {
            continue;
        }
        initializing = true;
        status = match (t.is_object(), s(c, "/state/waiting/reason")) {
            (true, _) => format!("Init:{}", s(c, "/state/terminated/reason")),
            (false, r) if !r.is_empty() && r != "PodInitializing" => format!("Init:{r}"),
            _ => format!("Init:{i}/{}", arr("/spec/initContainers").len()),
        };
        break;
    }
    let mut ready = 0;
    if !initializing {
        restarts = 0;
        last = None;
        for c in statuses.iter().rev() {
            see(c, &mut restarts, &mut last);
            if !s(c, "/state/waiting/reason").is_empty() {
                status = s(c, "/state/waiting/reason").to_string();
            } else if c["state"]["terminated"].is_object() {
                status = match s(c, "/state/terminated/reason") {
                    "" => format!("ExitCode:{}", c["state"]["terminated"]["exitCode"]),
                    r => r.to_string(),
                };
            } else if c["ready"] == true && c["state"]["running"].is_object() {
                ready += 1;
            }
        }
    }
    let phase = s(pod, "/status/phase");
    if pod["metadata"]["deletionTimestamp"].is_string() && phase != "Succeeded" && phase != "Failed"
    {
        status = if s(pod, "/status/reason") == "NodeLost" {
            "Unknown".into()
        } else {
            "Terminating".into()
        };
    }
    let restarts = match last {
        Some(t) if restarts > 0 => format!("{restarts} ({} ago)", human_duration(now - t)),
        _ => restarts.to_string(),
    };
    vec![
        s(pod, "/metadata/namespace").to_string(),
        s(pod, "/metadata/name").to_string(),
        format!("{ready}/{}", arr("/spec/containers").len()),
        status,
        restarts,
        human_duration(now - seconds(s(pod, "/metadata/creationTimestamp"))),
    ]
}

fn node_row(node: &Value, now: i64) -> Vec<String> {
    let ready = node["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Ready")
        .map_or("Unknown", |c| {
            if c["status"] == "True" {
                "Ready"
            } else {
                "NotReady"
            }
        });
    let mut status = ready.to_string();
    if node["spec"]["unschedulable"] == true {
        status.push_str(",SchedulingDisabled");
    }
    let mut roles: Vec<&str> = node["metadata"]["labels"]
        .as_object()
        .unwrap()
        .keys()
        .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
        .collect();
    roles.sort();
    vec![
        s(node, "/metadata/name").to_string(),
        status,
        if roles.is_empty() {
            "<none>".to_string()
        } else {
            roles.join(",")
        },
        human_duration(now - seconds(s(node, "/metadata/creationTimestamp"))),
        s(node, "/status/nodeInfo/kubeletVersion").to_string(),
    ]
}

fn header(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|c| c.to_string()).collect()
}

#[test]
fn cluster_fixtures_print_like_a_real_server() {
    let now = seconds(COLLECTED);
    for (name, archive) in [
        ("broken-cluster", "broken-cluster.tar.gz"),
        ("broken-cluster", "broken-cluster.zip"),
        ("healthy-cluster", "healthy-cluster.tar.gz"),
    ] {
        let bundle = Bundle::load(&fixtures().join(archive)).unwrap();
        assert_eq!(bundle.index.collected_at.to_string(), COLLECTED);
        let server = serve(bundle);
        let mut pods = kind_items(name, "pods");
        pods.sort_by_key(|p| {
            (
                s(p, "/metadata/namespace").to_string(),
                s(p, "/metadata/name").to_string(),
            )
        });
        let mut want_pods = vec![header(&[
            "NAMESPACE",
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
        ])];
        want_pods.extend(pods.iter().map(|p| pod_row(p, now)));
        let nodes = list_items(&tree(name).join("cluster-resources/nodes.json"));
        let mut want_nodes = vec![header(&["NAME", "STATUS", "ROLES", "AGE", "VERSION"])];
        want_nodes.extend(nodes.iter().map(|n| node_row(n, now)));
        for bin in kubectls() {
            let k = Kubectl::new(&bin, &server);
            assert_eq!(
                table(&k.ok(&["get", "pods", "-A"])),
                want_pods,
                "{} {archive}",
                k.name
            );
            assert_eq!(
                table(&k.ok(&["get", "nodes"])),
                want_nodes,
                "{} {archive}",
                k.name
            );
            let wide = table(&k.ok(&["-n", "kube-system", "get", "pod", "-o", "wide"]));
            assert_eq!(
                wide[0][5..],
                ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
            );
            assert_eq!(
                wide.len(),
                pods.iter()
                    .filter(|p| s(p, "/metadata/namespace") == "kube-system")
                    .count()
                    + 1
            );
        }
    }
}

#[test]
fn describe_shows_the_pods_events_and_logs_are_served() {
    let server = serve(Bundle::load(&fixtures().join("broken-cluster.tar.gz")).unwrap());
    let events = kind_items("broken-cluster", "events");
    // The pod with the most events.
    let mut counts: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for e in &events {
        if e["involvedObject"]["kind"] == "Pod" {
            *counts
                .entry((
                    s(e, "/involvedObject/namespace").into(),
                    s(e, "/involvedObject/name").into(),
                ))
                .or_default() += 1;
        }
    }
    let ((ns, pod), _) = counts.iter().max_by_key(|(_, n)| **n).unwrap();
    let reasons: Vec<&str> = events
        .iter()
        .filter(|e| s(e, "/involvedObject/name") == pod && s(e, "/involvedObject/namespace") == ns)
        .map(|e| s(e, "/reason"))
        .collect();
    let log_dir = tree("broken-cluster").join("cluster-resources/pods/logs/kube-system/etcd-m1");
    let log_file = std::fs::read_dir(&log_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| !p.to_string_lossy().ends_with("-previous.log"))
        .unwrap();
    let container = log_file.file_stem().unwrap().to_string_lossy().into_owned();
    let log = std::fs::read_to_string(&log_file).unwrap();
    for bin in kubectls() {
        let k = Kubectl::new(&bin, &server);
        let d = k.ok(&["-n", ns, "describe", "pod", pod]);
        for reason in &reasons {
            assert!(
                d.contains(reason),
                "{} describe pod {ns}/{pod} lacks event {reason}:\n{d}",
                k.name
            );
        }
        assert_eq!(
            k.ok(&["-n", "kube-system", "logs", "etcd-m1", "-c", &container]),
            log
        );
        let err = k.fails(&["-n", ns, "delete", "pod", pod]);
        assert!(err.contains("read-only"), "{err}");
    }
}

#[test]
fn a_host_only_bundle_serves_an_empty_cluster() {
    let server = serve(Bundle::load(&fixtures().join("node-apiserver-down.tar.gz")).unwrap());
    for bin in kubectls() {
        let k = Kubectl::new(&bin, &server);
        let out = k.run(&["get", "pods", "-A"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("No resources found"));
    }
}
