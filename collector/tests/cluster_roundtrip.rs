//! Round trip: a fixture bundle served by `kbundle serve`, collected back through the API with
//! `--no-host`, analyzes to the same objects and the same findings as the original's cluster
//! part. The server also records every request: the collector only ever sends GET.

mod common;

use common::{
    collect_api, fixture, objects, read_with_analyzer, record_requests, serve, write_kubeconfig,
    Bundle,
};
use kbundle_format::analysis::Finding;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The unpacked fixture without its node part: what an API collection can reproduce.
fn cluster_part(name: &str) -> (tempfile::TempDir, PathBuf) {
    let src = fixture("src").join(name);
    let top = std::fs::read_dir(&src)
        .unwrap()
        .flatten()
        .find(|e| e.path().is_dir())
        .unwrap()
        .path();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join(top.file_name().unwrap());
    copy_tree(&top, &dest, &|rel: &Path| {
        !rel.starts_with("host-collectors")
    });
    (dir, dest)
}

fn copy_tree(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) {
    fn walk(root: &Path, cur: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) {
        for e in std::fs::read_dir(cur).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap();
            if !keep(rel) {
                continue;
            }
            if p.is_dir() {
                walk(root, &p, to, keep);
            } else {
                let dest = to.join(rel);
                std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
                std::fs::copy(&p, &dest).unwrap();
            }
        }
    }
    walk(from, from, to, keep);
}

/// What a finding is about and what kind it is, the parts that must survive a round trip.
fn key(f: &Finding) -> String {
    format!(
        "{:?} {}",
        f.category,
        serde_json::to_string(&f.subject).unwrap_or_default()
    )
}

fn findings(path: &Path) -> BTreeSet<String> {
    let report = kbundle_analyzer::analyze_paths(&[path.to_path_buf()])
        .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
    report
        .analysis
        .findings
        .iter()
        // Gaps describe how a collection went, which differs by design: the served bundle
        // answers everything the original holds.
        .filter(|f| {
            !format!("{:?}", f.category)
                .to_lowercase()
                .contains("collection")
        })
        .map(key)
        .collect()
}

/// Rewrites `manifest.json`'s creation time in an unpacked bundle.
fn set_created(bundle: &Path, created: &str) {
    let path = bundle.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    manifest["created"] = serde_json::to_value(created).unwrap();
    std::fs::write(&path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
}

fn round_trip(name: &str, archive: &str) {
    let served = serve(&fixture(archive), &[]);
    // Through a relay that notes every request line.
    let recorder = record_requests(served.server.addr());
    let kubeconfig = write_kubeconfig(served.dir.path(), &recorder.url);
    let out = served.dir.path().join("collected.tar.gz");
    let output = collect_api(&kubeconfig, &out, &["--quiet"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let collected = Bundle::read(&out);
    collected.check_manifest_files();
    let manifest = collected.manifest();
    let cluster = manifest.cluster.clone().expect("manifest.cluster");
    assert!(cluster.reachable, "{cluster:?}");
    assert_eq!(cluster.server.as_deref(), Some(recorder.url.as_str()));

    // Read-only: GET and nothing else, and no watch.
    let lines = recorder.lines.lock().unwrap().clone();
    assert!(lines.len() > 50, "{lines:?}");
    let other: Vec<&String> = lines
        .iter()
        .filter(|l| !l.starts_with("GET ") || l.contains("watch="))
        .collect();
    assert!(other.is_empty(), "not a plain GET: {other:?}");

    // Same objects, kind by kind and namespace by namespace.
    let (_src_dir, original) = cluster_part(name);
    let (_, original_members) = read_with_analyzer(&original);
    let want = objects(&original_members);
    let got = objects(&collected.members);
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}"
    );
    assert!(want.len() > 50, "{}", want.len());

    // Same findings, both analyzed as of the moment of collection: time windows (recent
    // restarts, incidents within 72 h) count back from a bundle's creation time, and the
    // fixture was made days before this run.
    set_created(&original, &manifest.created);
    let before = findings(&original);
    let after = findings(&out);
    let lost: Vec<_> = before.difference(&after).collect();
    let new: Vec<_> = after.difference(&before).collect();
    assert!(
        lost.is_empty() && new.is_empty(),
        "lost {lost:#?}\nnew {new:#?}"
    );
    assert!(!before.is_empty() || name == "healthy-cluster");
}

#[test]
fn a_broken_cluster_round_trips_through_the_api() {
    round_trip("broken-cluster", "broken-cluster.tar.gz");
}

#[test]
fn a_healthy_cluster_round_trips_through_the_api() {
    round_trip("healthy-cluster", "healthy-cluster.tar.gz");
}
