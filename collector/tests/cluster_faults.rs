//! A sick API server (kbundle serve's fault injection): down, accepting and hanging, 500 on a
//! kind, 403 on a namespace, 429 with Retry-After, a body cut short, paging forever. Each
//! time the collector finishes in bounded time, writes a bundle, puts every failure in the
//! manifest and collects everything else.

mod common;

use common::{collect_api, collector, fixture, serve, Bundle};
use kbundle_format::manifest::{CollectorStatus, KindError, Manifest};
use std::time::{Duration, Instant};

/// Short deadlines so a fault costs seconds.
const FAST: &[&str] = &[
    "--quiet",
    "--connect-timeout",
    "2",
    "--request-timeout",
    "5",
];

struct Run {
    bundle: Bundle,
    manifest: Manifest,
    took: Duration,
}

fn collect_with(faults: &[&str], extra: &[&str]) -> Run {
    let served = serve(&fixture("broken-cluster.tar.gz"), faults);
    let out = served.dir.path().join("b.tar.gz");
    let mut args = FAST.to_vec();
    args.extend_from_slice(extra);
    let started = Instant::now();
    let output = collect_api(&served.kubeconfig, &out, &args);
    let took = started.elapsed();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bundle = Bundle::read(&out);
    bundle.check_manifest_files();
    let manifest = bundle.manifest();
    Run {
        bundle,
        manifest,
        took,
    }
}

fn row<'m>(m: &'m Manifest, name: &str) -> &'m kbundle_format::manifest::CollectorRun {
    m.collectors
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| {
            let names: Vec<&str> = m.collectors.iter().map(|r| r.name.as_str()).collect();
            panic!("no row {name}; rows: {names:?}")
        })
}

fn pods_of(bundle: &Bundle, namespace: &str) -> usize {
    let text = bundle.text(&format!("cluster-resources/pods/{namespace}.json"));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["items"].as_array().map_or(0, |a| a.len())
}

#[test]
fn a_server_that_is_down_is_known_at_once_and_the_node_part_still_runs() {
    let served = serve(&fixture("broken-cluster.tar.gz"), &[]);
    let kubeconfig = served.kubeconfig.clone();
    let dir = served.dir;
    served.server.stop();
    // A node's filesystem with /etc/kubernetes: the node part runs beside the API part.
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc/kubernetes/manifests")).unwrap();
    std::fs::write(root.path().join("etc/hostname"), "n1\n").unwrap();
    let out = dir.path().join("down.tar.gz");
    let started = Instant::now();
    let output = collector()
        .args(["--kubeconfig"])
        .arg(&kubeconfig)
        .args(["--host-root"])
        .arg(root.path())
        .args(["--node-name", "n1", "--command-timeout", "5", "-o"])
        .arg(&out)
        .args(FAST)
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    let bundle = Bundle::read(&out);
    let m = bundle.manifest();
    let cluster = m.cluster.clone().unwrap();
    assert!(!cluster.reachable);
    let why = cluster.error.unwrap_or_default().to_lowercase();
    assert!(why.contains("refused") || why.contains("connect"), "{why}");
    assert!(m.collectors.iter().any(|r| r.node.as_deref() == Some("n1")));
    assert_eq!(
        row(&m, "cluster-info/cluster_version.json").status,
        CollectorStatus::Error
    );
}

#[test]
fn a_server_that_accepts_and_hangs_is_given_up_after_the_connect_timeout() {
    let run = collect_with(&["hang"], &[]);
    assert!(run.took < Duration::from_secs(20), "{:?}", run.took);
    let cluster = run.manifest.cluster.unwrap();
    assert!(!cluster.reachable);
    assert!(
        cluster
            .error
            .as_deref()
            .unwrap_or("")
            .contains("no answer within 2"),
        "{cluster:?}"
    );
}

#[test]
fn a_kind_answering_500_is_an_error_row_and_the_rest_is_collected() {
    let run = collect_with(&["status=500:deployments"], &[]);
    let m = &run.manifest;
    let deployments = row(m, "cluster-resources/deployments");
    assert_eq!(deployments.status, CollectorStatus::Error);
    assert!(deployments.error.as_deref().unwrap_or("").contains("500"));
    let errors: Vec<KindError> =
        serde_json::from_str(&run.bundle.text("cluster-resources/deployments-errors.json"))
            .unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(row(m, "cluster-resources/pods").status, CollectorStatus::Ok);
    assert!(pods_of(&run.bundle, "shop") > 0);
    assert!(run
        .bundle
        .get("cluster-resources/deployments/shop.json")
        .is_none());
}

#[test]
fn a_forbidden_namespace_is_recorded_and_the_others_are_listed_one_by_one() {
    let run = collect_with(&["forbid-namespace=shop"], &[]);
    let m = &run.manifest;
    let pods = row(m, "cluster-resources/pods");
    assert_eq!(pods.status, CollectorStatus::Forbidden, "{pods:?}");
    assert_eq!(
        row(m, "cluster-resources/pods/shop").status,
        CollectorStatus::Forbidden
    );
    let errors: Vec<KindError> =
        serde_json::from_str(&run.bundle.text("cluster-resources/pods-errors.json")).unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].namespace.as_deref(), Some("shop"));
    assert!(errors[0].error.starts_with("403"), "{errors:?}");
    // The other namespaces came through the per-namespace fallback.
    assert!(pods_of(&run.bundle, "kube-system") > 0);
    assert!(pods_of(&run.bundle, "payments") > 0);
    assert!(run.bundle.get("cluster-resources/pods/shop.json").is_none());
    // Cluster-scoped kinds are not affected.
    assert_eq!(
        row(m, "cluster-resources/nodes").status,
        CollectorStatus::Ok
    );
}

#[test]
fn throttling_is_waited_out() {
    let run = collect_with(&["throttle=10:1"], &[]);
    let m = &run.manifest;
    let gaps: Vec<_> = m
        .collectors
        .iter()
        .filter(|r| r.status.is_gap() && !r.name.starts_with("cluster-resources/pods/logs"))
        .collect();
    assert!(gaps.is_empty(), "{gaps:#?}");
    assert!(pods_of(&run.bundle, "shop") > 0);
    assert!(run.took < Duration::from_secs(90), "{:?}", run.took);
}

#[test]
fn a_body_cut_short_is_retried_then_recorded() {
    let run = collect_with(&["truncate=pods"], &[]);
    let m = &run.manifest;
    let pods = row(m, "cluster-resources/pods");
    assert_eq!(pods.status, CollectorStatus::Error, "{pods:?}");
    assert!(run
        .bundle
        .get("cluster-resources/pods-errors.json")
        .is_some());
    assert_eq!(
        row(m, "cluster-resources/nodes").status,
        CollectorStatus::Ok
    );
    assert!(run
        .bundle
        .get("cluster-resources/deployments/shop.json")
        .is_some());
}

#[test]
fn a_list_that_pages_forever_is_stopped() {
    let run = collect_with(&["endless=nodes"], &[]);
    let m = &run.manifest;
    let nodes = row(m, "cluster-resources/nodes");
    assert_eq!(nodes.status, CollectorStatus::Error);
    assert!(
        nodes.error.as_deref().unwrap_or("").contains("loops"),
        "{nodes:?}"
    );
    // What came before the loop is kept, once.
    let v: serde_json::Value =
        serde_json::from_str(&run.bundle.text("cluster-resources/nodes.json")).unwrap();
    let names: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["metadata"]["name"].as_str())
        .collect();
    let mut unique = names.clone();
    unique.dedup();
    assert!(!names.is_empty());
    assert_eq!(names, unique);
    assert_eq!(row(m, "cluster-resources/pods").status, CollectorStatus::Ok);
}

#[test]
fn sigterm_while_the_server_throttles_still_leaves_a_valid_bundle() {
    // Every request answered 429 with Retry-After: 30: the collector sits waiting.
    let served = serve(&fixture("broken-cluster.tar.gz"), &["throttle=1:30"]);
    let out = served.dir.path().join("stopped.tar.gz");
    let home = tempfile::tempdir().unwrap();
    let mut child = collector()
        .args(["--no-host", "--kubeconfig"])
        .arg(&served.kubeconfig)
        .arg("-o")
        .arg(&out)
        .args(FAST)
        .env_remove("KUBECONFIG")
        .env("HOME", home.path())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let started = Instant::now();
    common::terminate(&child);
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let bundle = Bundle::read(&out);
    bundle.check_manifest_files();
    let m = bundle.manifest();
    assert!(m.interrupted);
}
