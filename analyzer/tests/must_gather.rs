//! OpenShift must-gathers, built here as `oc adm must-gather` lays them out (there is no real
//! one in ../shared): objects one YAML each, Lists of events, container logs, the masters'
//! journals prefixed by node, the `timestamp` file; with and without the image folder, as a
//! directory and as an archive.

mod flavor_common;

use flavor_common::{analyze, cell, findings, tree};
use kbundle_analyzer::report::checklist::{Mark, Step};
use kbundle_format::analysis::Flavor;

const IMAGE: &str = "quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-5e1f3c";

fn node(name: &str, ready: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Node\nmetadata:\n  name: {name}\n  labels:\n    node-role.kubernetes.io/worker: \"\"\nstatus:\n  conditions:\n  - type: Ready\n    status: \"{ready}\"\n    reason: KubeletReady\n    lastTransitionTime: \"2024-03-05T08:00:00Z\"\n  nodeInfo:\n    kubeletVersion: v1.29.6+aba1e8d\n"
    )
}

const CRASHING_POD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: shop
spec:
  nodeName: worker-0
  containers:
  - name: web
    image: registry.example.com/shop/web:1.4
status:
  phase: Running
  containerStatuses:
  - name: web
    ready: false
    restartCount: 40
    image: registry.example.com/shop/web:1.4
    state:
      waiting:
        reason: CrashLoopBackOff
        message: back-off 5m0s restarting failed container=web pod=web-1_shop
    lastState:
      terminated:
        reason: Error
        exitCode: 1
        startedAt: \"2024-03-05T08:58:00Z\"
        finishedAt: \"2024-03-05T08:58:30Z\"
";

const EVENTS: &str = "\
apiVersion: v1
kind: EventList
items:
- metadata:
    name: web-1.17b9
    namespace: shop
  involvedObject:
    kind: Pod
    namespace: shop
    name: web-1
    fieldPath: spec.containers{web}
  reason: BackOff
  type: Warning
  message: Back-off restarting failed container web in pod web-1_shop
  count: 180
  firstTimestamp: \"2024-03-05T06:00:00Z\"
  lastTimestamp: \"2024-03-05T08:59:00Z\"
  source:
    component: kubelet
    host: worker-0
";

const KUBELET_LOGS: &str = "\
master-0 -- Logs begin at Tue 2024-03-05 00:00:00 UTC. --
master-0 Mar 05 08:00:00 master-0 kubenswrapper[2000]: I0305 08:00:00.000000    2000 server.go:400] starting
worker-0 -- Logs begin at Tue 2024-03-05 00:00:00 UTC. --
worker-0 Mar 05 08:10:00 worker-0 kubenswrapper[2100]: E0305 08:10:00.000000    2100 server.go:302] \"Failed to run kubelet\" err=\"failed to run Kubelet: misconfiguration: kubelet cgroup driver: \\\"cgroupfs\\\" is different from docker cgroup driver: \\\"systemd\\\"\"
";

fn must_gather_files(prefix: &str) -> Vec<(String, String)> {
    let p = |rest: &str| format!("{prefix}{rest}");
    vec![
        (
            "timestamp".to_string(),
            "2024-03-05 08:55:00.101 +0000 UTC m=+0.05\n2024-03-05 09:00:00.202 +0000 UTC m=+300.1\n"
                .to_string(),
        ),
        ("event-filter.html".to_string(), "<html></html>".to_string()),
        (
            p("cluster-scoped-resources/core/nodes/master-0.yaml"),
            node("master-0", "True"),
        ),
        (
            p("cluster-scoped-resources/core/nodes/worker-0.yaml"),
            node("worker-0", "False"),
        ),
        (p("namespaces/shop/pods/web-1/web-1.yaml"), CRASHING_POD.to_string()),
        (
            p("namespaces/shop/core/pods.yaml"),
            format!("apiVersion: v1\nkind: PodList\nitems:\n- {}", CRASHING_POD.replace('\n', "\n  ")),
        ),
        (p("namespaces/shop/core/events.yaml"), EVENTS.to_string()),
        (
            p("namespaces/shop/pods/web-1/web/web/logs/current.log"),
            "2024-03-05T08:58:00.000000000Z starting web\n".to_string(),
        ),
        (
            p("namespaces/shop/pods/web-1/web/web/logs/previous.log"),
            "2024-03-05T08:58:00.000000000Z starting web\n2024-03-05T08:58:29.000000000Z panic: dial tcp 10.0.0.9:5432: connect: connection refused\n".to_string(),
        ),
        (
            p("host_service_logs/masters/kubelet_service.log"),
            KUBELET_LOGS.to_string(),
        ),
    ]
}

fn check(report: &kbundle_analyzer::report::Report, what: &str) {
    let a = &report.analysis;
    assert_eq!(a.bundles[0].flavor, Flavor::MustGather, "{what}");
    assert_eq!(a.bundles[0].nodes, ["master-0", "worker-0"], "{what}");
    assert_eq!(
        a.bundles[0].created.as_deref(),
        Some("2024-03-05T09:00:00Z"),
        "{what}: the end time in `timestamp`"
    );
    let found = findings(report);
    for (want, file) in [
        (
            "pod.crash-loop Pod shop/web-1 container web on worker-0",
            "namespaces/shop/pods/web-1/web-1.yaml",
        ),
        (
            "node.not-ready Node worker-0",
            "cluster-scoped-resources/core/nodes/worker-0.yaml",
        ),
        (
            "kubelet.cgroup-driver-mismatch Node worker-0",
            "host_service_logs/masters/kubelet_service.log",
        ),
    ] {
        assert!(
            found
                .iter()
                .any(|f| f.starts_with(want) && f.ends_with(file)),
            "{what}: {want} ({file}) not in {found:#?}"
        );
    }
    let crash = a
        .findings
        .iter()
        .find(|f| f.rule == "pod.crash-loop")
        .unwrap();
    assert!(
        crash
            .evidence
            .iter()
            .any(|e| e.file.ends_with("web/web/logs/previous.log") && e.text.contains("panic")),
        "{what}: the previous log's cause: {:?}",
        crash.evidence
    );
    let journal = a
        .findings
        .iter()
        .find(|f| f.rule == "kubelet.cgroup-driver-mismatch")
        .unwrap();
    assert_eq!(
        journal.evidence[0].line,
        Some(4),
        "{what}: the line in the file, not in worker-0's part"
    );
    assert_eq!(
        report.inventory.pods.len(),
        1,
        "{what}: the pod once, though core/pods.yaml lists it too"
    );
    assert_eq!(
        cell(report, Some("worker-0"), Step::Kubelet).0,
        Mark::Critical
    );
    let (mark, reason) = cell(report, Some("master-0"), Step::Kubelet);
    assert_eq!(mark, Mark::Pass, "{what}: {reason}");
    assert_eq!(cell(report, Some("worker-0"), Step::PodLogs).0, Mark::Pass);
    // What a must-gather cannot hold is a gap, never a pass.
    for node in ["master-0", "worker-0"] {
        for (step, why) in [
            (Step::Storage, "a must-gather has no df output"),
            (Step::Network, "a must-gather has no ip or route output"),
            (Step::OsLogs, "a must-gather has no dmesg"),
        ] {
            let (mark, reason) = cell(report, Some(node), step);
            assert_eq!(mark, Mark::NoData, "{what}: {node} {step:?}: {reason}");
            assert!(reason.contains(why), "{what}: {node} {step:?}: {reason}");
        }
    }
}

#[test]
fn a_must_gather_directory_with_its_image_folder_and_without() {
    for prefix in [format!("{IMAGE}/"), String::new()] {
        let files = must_gather_files(&prefix);
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let dir = tree(&files);
        check(&analyze(&[dir.path()]), &format!("prefix {prefix:?}"));
    }
}

#[test]
fn a_must_gather_archive() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("must-gather.tar.gz");
    let file = std::fs::File::create(&path).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (name, data) in must_gather_files(&format!("{IMAGE}/")) {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_000_000_000);
        header.set_entry_type(tar::EntryType::Regular);
        let name = format!("must-gather.local.5421342344627712289/{name}");
        tar.append_data(&mut header, name, data.as_bytes()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
    check(&analyze(&[&path]), "archive");
}
