//! One printer, two outputs (issue 9): every pod and node of every fixture and of the real k3s
//! troubleshoot bundle, as the report's inventory lists it and as the real kubectl prints it
//! through `kbundle serve`, must read the same: READY, STATUS, RESTARTS, AGE, IP, NODE for
//! pods; STATUS, ROLES, AGE, VERSION, INTERNAL-IP for nodes.

use kbundle_testkit::{fixture, interop_bundle, kubectls};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `kubectl get ... -o wide` through `kbundle serve`, as rows of named cells (columns cut
/// where the header's words start: kubectl aligns them so).
fn kubectl_rows(kubectl: &Path, bundle: &Path, args: &[&str]) -> Vec<BTreeMap<String, String>> {
    let out = Command::new(env!("CARGO_BIN_EXE_kbundle"))
        .arg("serve")
        .arg(bundle)
        .arg("--")
        .arg(kubectl)
        .args(args)
        .args(["-o", "wide", "--request-timeout=20s"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let mut starts: Vec<(usize, &str)> = Vec::new();
    let mut prev = ' ';
    for (i, ch) in header.char_indices() {
        // Column names hold single spaces ("NOMINATED NODE"): a new column starts after two.
        if ch != ' ' && prev == ' ' && (i < 2 || &header[i - 2..i] == "  " || i == 0) {
            let name_end = header[i..].find("  ").map_or(header.len(), |e| i + e);
            starts.push((i, &header[i..name_end]));
        }
        prev = ch;
    }
    lines
        .map(|line| {
            let mut row = BTreeMap::new();
            for (n, (start, name)) in starts.iter().enumerate() {
                let end = starts
                    .get(n + 1)
                    .map_or(line.len(), |(s, _)| *s)
                    .min(line.len());
                let cell = line.get(*start..end).unwrap_or("").trim().to_string();
                row.insert(name.to_string(), cell);
            }
            row
        })
        .collect()
}

fn bundles() -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = [
        "broken-cluster.tar.gz",
        "healthy-cluster.tar.gz",
        "node-apiserver-down.tar.gz",
    ]
    .iter()
    .map(|f| fixture(f))
    .collect();
    all.extend(interop_bundle());
    all
}

#[test]
fn report_and_kubectl_print_the_same_rows() {
    let Some(kubectl) = kubectls().into_iter().last() else {
        return;
    };
    let mut compared = 0;
    for bundle in bundles() {
        let report = kbundle_analyzer::analyze_paths(std::slice::from_ref(&bundle)).unwrap();
        let inventory = &report.inventory;
        if inventory.pods_collected {
            let served = kubectl_rows(&kubectl, &bundle, &["get", "pods", "-A"]);
            assert_eq!(served.len(), inventory.pods.len(), "{}", bundle.display());
            for pod in &inventory.pods {
                let row = served
                    .iter()
                    .find(|r| r["NAMESPACE"] == pod.namespace && r["NAME"] == pod.name)
                    .unwrap_or_else(|| {
                        panic!("{}: no {}/{}", bundle.display(), pod.namespace, pod.name)
                    });
                let ours = [
                    &pod.ready,
                    &pod.status,
                    &pod.restarts,
                    &pod.age,
                    &pod.ip,
                    &pod.node,
                ];
                let theirs = ["READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"].map(|c| &row[c]);
                assert_eq!(
                    ours.map(String::as_str),
                    theirs.map(String::as_str),
                    "{}: pod {}/{}",
                    bundle.display(),
                    pod.namespace,
                    pod.name
                );
                compared += 1;
            }
        }
        if inventory.nodes_collected {
            let served = kubectl_rows(&kubectl, &bundle, &["get", "nodes"]);
            for node in inventory.nodes.iter().filter(|n| n.in_api) {
                let row = served
                    .iter()
                    .find(|r| r["NAME"] == node.name)
                    .unwrap_or_else(|| panic!("{}: no node {}", bundle.display(), node.name));
                let ours = [
                    &node.status,
                    &node.roles,
                    &node.age,
                    &node.version,
                    &node.internal_ip,
                ];
                let theirs = ["STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP"].map(|c| &row[c]);
                assert_eq!(
                    ours.map(String::as_str),
                    theirs.map(String::as_str),
                    "{}: node {}",
                    bundle.display(),
                    node.name
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 50, "only {compared} rows compared");
}
