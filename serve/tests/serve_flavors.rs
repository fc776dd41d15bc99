//! `kbundle serve` of the layouts other tools write, with the real kubectl: the directory
//! `kubectl cluster-info dump --output-directory` writes (made here by kubectl itself through
//! `kbundle serve` of a fixture, then served again: the pods and nodes come back the same),
//! and an OpenShift must-gather (one YAML per node and pod, events as a List, container logs).

mod serve_common;

use kbundle_serve::Bundle;
use serve_common::*;
use std::path::Path;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name)
}

fn load(path: &Path) -> Bundle {
    Bundle::load(path).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()))
}

#[test]
fn a_cluster_info_dump_made_through_serve_serves_the_same_pods_and_nodes() {
    let Some(bin) = kubectls().into_iter().next() else {
        return;
    };
    let original = serve(load(&fixture("broken-cluster.tar.gz")));
    let k = Kubectl::new(&bin, &original);
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("dump");
    k.ok(&[
        "cluster-info",
        "dump",
        "--all-namespaces",
        "--output-directory",
        dump.to_str().unwrap(),
    ]);
    assert!(dump.join("nodes.json").exists());
    let again = serve(load(&dump));
    let k2 = Kubectl::new(&bin, &again);
    // A dump states no collection time, so ages count from its files' time: compared
    // without the AGE column and without the "(… ago)" of RESTARTS.
    let timeless = |text: String| -> Vec<Vec<String>> {
        let rows = table(&text);
        let age = rows[0].iter().position(|c| c == "AGE");
        rows.into_iter()
            .map(|r| {
                r.into_iter()
                    .enumerate()
                    .filter(|(i, _)| Some(*i) != age)
                    .map(|(_, c)| c.split(" (").next().unwrap_or("").to_string())
                    .collect()
            })
            .collect()
    };
    for args in [
        &["get", "pods", "-A", "-o", "wide"][..],
        &["get", "nodes", "-o", "wide"][..],
        &["get", "deployments", "-A"][..],
    ] {
        assert_eq!(timeless(k2.ok(args)), timeless(k.ok(args)), "{args:?}");
    }
}

#[test]
fn a_must_gather_serves_its_nodes_pods_events_and_logs() {
    let Some(bin) = kubectls().into_iter().next() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let top = dir
        .path()
        .join("must-gather.local.1234/quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-0f1e");
    let write = |rel: &str, body: &str| {
        let p = top.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    };
    write("timestamp", "2026-11-27 09:59:00.123456 +0000 UTC m=+0.1\n2026-11-27 10:00:00.123456 +0000 UTC m=+60.1\n");
    write(
        "cluster-scoped-resources/core/nodes/master-0.yaml",
        "apiVersion: v1\nkind: Node\nmetadata:\n  name: master-0\n  creationTimestamp: \"2026-11-01T00:00:00Z\"\n  labels:\n    node-role.kubernetes.io/master: \"\"\nstatus:\n  conditions:\n  - type: Ready\n    status: \"True\"\n  nodeInfo:\n    kubeletVersion: v1.29.8+f10c92d\n",
    );
    write(
        "namespaces/openshift-etcd/pods/etcd-master-0/etcd-master-0.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd-master-0\n  namespace: openshift-etcd\n  creationTimestamp: \"2026-11-20T00:00:00Z\"\nspec:\n  nodeName: master-0\n  containers:\n  - name: etcd\n    image: quay.io/etcd\nstatus:\n  phase: Running\n  conditions:\n  - type: Ready\n    status: \"True\"\n  containerStatuses:\n  - name: etcd\n    ready: true\n    restartCount: 4\n    image: quay.io/etcd\n    state:\n      running:\n        startedAt: \"2026-11-27T08:00:00Z\"\n",
    );
    write(
        "namespaces/openshift-etcd/pods/etcd-master-0/etcd/etcd/logs/current.log",
        "2026-11-27T09:58:00.000000000Z {\"level\":\"warn\",\"msg\":\"slow fdatasync\"}\n",
    );
    write(
        "namespaces/openshift-etcd/core/events.yaml",
        "apiVersion: v1\nkind: EventList\nitems:\n- apiVersion: v1\n  kind: Event\n  metadata:\n    name: etcd-master-0.1\n    namespace: openshift-etcd\n  type: Warning\n  reason: Unhealthy\n  message: 'Readiness probe failed: etcd not ready'\n  involvedObject:\n    kind: Pod\n    namespace: openshift-etcd\n    name: etcd-master-0\n  count: 3\n  lastTimestamp: \"2026-11-27T09:50:00Z\"\n",
    );
    let server = serve(load(&dir.path().join("must-gather.local.1234")));
    let k = Kubectl::new(&bin, &server);
    let nodes = table(&k.ok(&["get", "nodes"]));
    assert_eq!(nodes[1][0], "master-0", "{nodes:?}");
    assert_eq!(nodes[1][1], "Ready", "{nodes:?}");
    let pods = table(&k.ok(&["get", "pods", "-A"]));
    assert_eq!(
        pods[1][..5],
        ["openshift-etcd", "etcd-master-0", "1/1", "Running", "4"],
        "{pods:?}"
    );
    let events = k.ok(&["get", "events", "-n", "openshift-etcd"]);
    assert!(
        events.contains("Readiness probe failed: etcd not ready"),
        "{events}"
    );
    let logs = k.ok(&[
        "logs",
        "-n",
        "openshift-etcd",
        "etcd-master-0",
        "-c",
        "etcd",
    ]);
    assert!(logs.contains("slow fdatasync"), "{logs}");
    // What a must-gather does not hold answers as an empty List, not an error.
    let none = k.run(&["get", "replicationcontrollers,services", "-A"]);
    assert!(none.status.success(), "{none:?}");
}
