//! `kbundle serve` with the real kubectl (oldest and newest installed) against a small cluster
//! bundle: every command of the issue, with the printed tables compared to what a real API
//! server prints for the same objects at the bundle's collection time (2026-11-27T10:00:00Z).

mod serve_common;

use serve_common::cluster::{self, COLLECTED};
use serve_common::*;

/// The bundle's member mtimes are later than `created`: AGE must follow the manifest.
const MTIME: i64 = 1_800_000_000;

fn with_each_kubectl(check: impl Fn(&Kubectl)) {
    let server = serve(bundle_of(&cluster::files(), MTIME));
    for bin in kubectls() {
        check(&Kubectl::new(&bin, &server));
    }
}

fn rows(text: &str) -> Vec<Vec<String>> {
    table(text)
}

fn expect(k: &Kubectl, args: &[&str], want: &[&[&str]]) {
    let got = rows(&k.ok(args));
    let want: Vec<Vec<String>> = want
        .iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(got, want, "{} {:?}", k.name, args);
}

#[test]
fn get_nodes_plain_and_wide() {
    // Ready condition → STATUS; node-role labels → ROLES; an Unknown Ready condition prints
    // NotReady, and spec.unschedulable adds SchedulingDisabled.
    with_each_kubectl(|k| {
        expect(
            k,
            &["get", "nodes"],
            &[
                &["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
                &["cp1", "Ready", "control-plane", "26d", "v1.30.2"],
                &["w1", "Ready", "worker", "7d", "v1.30.2"],
                &[
                    "w2",
                    "NotReady,SchedulingDisabled",
                    "<none>",
                    "150m",
                    "v1.29.6",
                ],
            ],
        );
        expect(
            k,
            &["get", "nodes", "-o", "wide"],
            &[
                &[
                    "NAME",
                    "STATUS",
                    "ROLES",
                    "AGE",
                    "VERSION",
                    "INTERNAL-IP",
                    "EXTERNAL-IP",
                    "OS-IMAGE",
                    "KERNEL-VERSION",
                    "CONTAINER-RUNTIME",
                ],
                &[
                    "cp1",
                    "Ready",
                    "control-plane",
                    "26d",
                    "v1.30.2",
                    "10.0.0.1",
                    "<none>",
                    "Ubuntu 22.04.4 LTS",
                    "5.15.0-105-generic",
                    "containerd://1.7.13",
                ],
                &[
                    "w1",
                    "Ready",
                    "worker",
                    "7d",
                    "v1.30.2",
                    "10.0.0.11",
                    "203.0.113.11",
                    "Ubuntu 22.04.4 LTS",
                    "5.15.0-105-generic",
                    "containerd://1.7.13",
                ],
                &[
                    "w2",
                    "NotReady,SchedulingDisabled",
                    "<none>",
                    "150m",
                    "v1.29.6",
                    "10.0.0.12",
                    "<none>",
                    "Ubuntu 22.04.4 LTS",
                    "5.15.0-105-generic",
                    "containerd://1.7.13",
                ],
            ],
        );
    });
}

#[test]
fn get_pods_tables_selectors_and_namespaces() {
    // web-1: 2/2 ready, 3 restarts, the last one finished at 08:00 (120m before collection).
    // web-2: waiting in CrashLoopBackOff. report-x: terminated Completed.
    with_each_kubectl(|k| {
        expect(
            k,
            &["get", "pods", "-A"],
            &[
                &["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"],
                &["default", "report-x", "0/1", "Completed", "0", "2d"],
                &["default", "web-1", "2/2", "Running", "3 (120m ago)", "3h"],
                &["default", "web-2", "0/1", "CrashLoopBackOff", "0", "5m"],
                &[
                    "kube-system",
                    "coredns-5d78c9869d-abcde",
                    "1/1",
                    "Running",
                    "0",
                    "25d",
                ],
            ],
        );
        expect(
            k,
            &["-n", "kube-system", "get", "pod", "-o", "wide"],
            &[
                &[
                    "NAME",
                    "READY",
                    "STATUS",
                    "RESTARTS",
                    "AGE",
                    "IP",
                    "NODE",
                    "NOMINATED NODE",
                    "READINESS GATES",
                ],
                &[
                    "coredns-5d78c9869d-abcde",
                    "1/1",
                    "Running",
                    "0",
                    "25d",
                    "10.244.0.2",
                    "cp1",
                    "<none>",
                    "<none>",
                ],
            ],
        );
        expect(
            k,
            &["get", "pods", "-l", "app=web"],
            &[
                &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
                &["web-1", "2/2", "Running", "3 (120m ago)", "3h"],
                &["web-2", "0/1", "CrashLoopBackOff", "0", "5m"],
            ],
        );
        expect(
            k,
            &["get", "pods", "-l", "app in (report),tier notin (front)"],
            &[
                &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
                &["report-x", "0/1", "Completed", "0", "2d"],
            ],
        );
        expect(
            k,
            &["get", "pods", "--field-selector", "spec.nodeName=w1"],
            &[
                &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
                &["report-x", "0/1", "Completed", "0", "2d"],
                &["web-1", "2/2", "Running", "3 (120m ago)", "3h"],
            ],
        );
        let none = k.run(&["get", "pods", "-n", "nowhere"]);
        assert!(String::from_utf8_lossy(&none.stderr).contains("No resources found"));
        // Paged like kubectl does on big clusters.
        let names = k.ok(&["get", "pods", "-A", "--chunk-size=1", "-o", "name"]);
        assert_eq!(names.lines().count(), 4, "{names}");
    });
}

#[test]
fn get_pod_as_yaml_and_json() {
    with_each_kubectl(|k| {
        let yaml = k.ok(&["get", "pod", "web-1", "-o", "yaml"]);
        assert!(
            yaml.contains("kind: Pod") && yaml.contains("name: web-1"),
            "{yaml}"
        );
        assert!(yaml.contains("reason: OOMKilled"), "{yaml}");
        let json = k.ok(&["get", "pods", "-o", "json"]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["items"].as_array().unwrap().len(), 3);
        let err = k.fails(&["get", "pod", "nope"]);
        assert!(err.contains("pods \"nope\" not found"), "{err}");
    });
}

#[test]
fn describe_pod_and_node() {
    with_each_kubectl(|k| {
        let d = k.ok(&["describe", "pod", "web-1"]);
        for want in [
            "Name:",
            "web-1",
            "Node:",
            "w1",
            "OOMKilling",
            "Container app was OOM killed",
            "Pulled",
            "Events:",
        ] {
            assert!(
                d.contains(want),
                "{} describe pod lacks {want:?}:\n{d}",
                k.name
            );
        }
        assert!(
            !d.contains("Back-off restarting"),
            "events of another pod:\n{d}"
        );
        let n = k.ok(&["describe", "node", "w1"]);
        for want in [
            "Name:",
            "w1",
            "worker",
            "InternalIP:",
            "10.0.0.11",
            "web-1",
            "Non-terminated Pods:",
        ] {
            assert!(
                n.contains(want),
                "{} describe node lacks {want:?}:\n{n}",
                k.name
            );
        }
        assert!(
            !n.contains("report-x"),
            "a Succeeded pod is not running on the node:\n{n}"
        );
    });
}

#[test]
fn logs_containers_previous_and_errors() {
    with_each_kubectl(|k| {
        let out = k.run(&["logs", "web-1"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "app line 1\napp line 2\napp line 3\n"
        );
        assert_eq!(k.ok(&["logs", "web-1", "-c", "sidecar"]), "sidecar ready\n");
        assert_eq!(
            k.ok(&["logs", "web-1", "-c", "app", "--previous"]),
            "app crashed: out of memory\n"
        );
        assert_eq!(
            k.ok(&["logs", "web-1", "-c", "app", "--tail=1", "--timestamps"]),
            "app line 3\n"
        );
        let err = k.fails(&["logs", "web-1", "-c", "nope"]);
        assert!(
            err.contains("container nope is not valid for pod web-1"),
            "{err}"
        );
        let err = k.fails(&["logs", "web-1", "-c", "sidecar", "--previous"]);
        assert!(
            err.contains("previous terminated container \"sidecar\" in pod \"web-1\" not found"),
            "{err}"
        );
    });
}

#[test]
fn events_sorted_by_last_timestamp() {
    with_each_kubectl(|k| {
        expect(
            k,
            &["get", "events", "-A", "--sort-by=.lastTimestamp"],
            &[
                &[
                    "NAMESPACE",
                    "LAST SEEN",
                    "TYPE",
                    "REASON",
                    "OBJECT",
                    "MESSAGE",
                ],
                &[
                    "default",
                    "120m",
                    "Warning",
                    "OOMKilling",
                    "pod/web-1",
                    "Container app was OOM killed",
                ],
                &[
                    "default",
                    "119m",
                    "Normal",
                    "Pulled",
                    "pod/web-1",
                    "Container image \"nginx:1.25\" already present on machine",
                ],
                &[
                    "default",
                    "60s",
                    "Warning",
                    "BackOff",
                    "pod/web-2",
                    "Back-off restarting failed container app",
                ],
            ],
        );
    });
}

#[test]
fn workloads_crds_and_custom_resources() {
    with_each_kubectl(|k| {
        expect(
            k,
            &["get", "deploy,ds,sts", "-A"],
            &[
                &[
                    "NAMESPACE",
                    "NAME",
                    "READY",
                    "UP-TO-DATE",
                    "AVAILABLE",
                    "AGE",
                ],
                &["default", "deployment.apps/web", "1/2", "2", "1", "3h"],
                &[
                    "NAMESPACE",
                    "NAME",
                    "DESIRED",
                    "CURRENT",
                    "READY",
                    "UP-TO-DATE",
                    "AVAILABLE",
                    "NODE SELECTOR",
                    "AGE",
                ],
                &[
                    "kube-system",
                    "daemonset.apps/kube-proxy",
                    "3",
                    "3",
                    "2",
                    "3",
                    "2",
                    "kubernetes.io/os=linux",
                    "26d",
                ],
                &["NAMESPACE", "NAME", "READY", "AGE"],
                &["default", "statefulset.apps/db", "3/3", "7d"],
            ],
        );
        expect(
            k,
            &["get", "crd"],
            &[
                &["NAME", "CREATED AT"],
                &["widgets.example.com", "2026-11-02T10:00:00Z"],
            ],
        );
        expect(
            k,
            &["get", "widgets"],
            &[&["NAME", "SIZE", "AGE"], &["blue", "7", "60m"]],
        );
        expect(
            k,
            &["get", "wdg", "blue"],
            &[&["NAME", "SIZE", "AGE"], &["blue", "7", "60m"]],
        );
    });
}

#[test]
fn writes_are_refused_reads_are_allowed() {
    with_each_kubectl(|k| {
        let err = k.fails(&["delete", "pod", "web-1"]);
        assert!(
            err.contains("MethodNotAllowed") && err.contains("read-only"),
            "{err}"
        );
        let err = k.fails(&["label", "pod", "web-1", "x=y"]);
        assert!(err.contains("read-only"), "{err}");
        assert_eq!(k.ok(&["auth", "can-i", "list", "pods"]).trim(), "yes");
        let out = k.run(&["auth", "can-i", "delete", "pods"]);
        let answer = String::from_utf8_lossy(&out.stdout);
        assert!(answer.starts_with("no"), "{answer}");
    });
}

#[test]
fn collection_time_is_the_manifest_time() {
    assert_eq!(COLLECTED, "2026-11-27T10:00:00Z");
    let bundle = bundle_of(&cluster::files(), MTIME);
    assert_eq!(bundle.index.collected_at.to_string(), COLLECTED);
}
