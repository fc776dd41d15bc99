//! The sample bundles in fixtures/ against their ground truth (`<name>.expected.json`,
//! written with the fixtures): every critical and warning finding expected, and no other.
//! The healthy cluster must give none.

use kbundle_format::analysis::{Analysis, Finding, Severity};
use serde::Deserialize;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

#[derive(Debug, Deserialize)]
struct Expected {
    category: String,
    severity: String,
    subject: serde_json::Map<String, serde_json::Value>,
    why: String,
}

fn analyze(path: &Path) -> Analysis {
    kbundle_analyzer::analyze_paths(&[path.to_path_buf()])
        .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()))
        .analysis
}

/// Whether `f` is the finding `e` describes: same category and severity, and every subject
/// field the expectation names has the same value.
fn matches(e: &Expected, f: &Finding) -> bool {
    if f.category.as_str() != e.category || f.severity.as_str() != e.severity {
        return false;
    }
    let subject = serde_json::to_value(&f.subject).expect("subjects serialize");
    e.subject.iter().all(|(k, v)| subject.get(k) == Some(v))
}

fn describe(f: &Finding) -> String {
    format!(
        "{} {} {} [{}] {}",
        f.severity, f.category, f.subject, f.rule, f.title
    )
}

fn check(name: &str) {
    let bundle = fixtures().join(format!("{name}.tar.gz"));
    let expected: Vec<Expected> = serde_json::from_slice(
        &std::fs::read(fixtures().join(format!("{name}.expected.json"))).expect("expected file"),
    )
    .expect("expected file parses");
    let analysis = analyze(&bundle);
    let problems: Vec<&Finding> = analysis
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect();
    let missing: Vec<String> = expected
        .iter()
        .filter(|e| !problems.iter().any(|f| matches(e, f)))
        .map(|e| format!("{} {} {:?} — {}", e.severity, e.category, e.subject, e.why))
        .collect();
    let unexpected: Vec<String> = problems
        .iter()
        .filter(|f| !expected.iter().any(|e| matches(e, f)))
        .map(|f| describe(f))
        .collect();
    assert!(
        missing.is_empty() && unexpected.is_empty() && problems.len() == expected.len(),
        "{name}: {} findings, {} expected\nmissing:\n  {}\nunexpected:\n  {}",
        problems.len(),
        expected.len(),
        missing.join("\n  "),
        unexpected.join("\n  ")
    );
    for f in &analysis.findings {
        assert!(!f.evidence.is_empty(), "{} has no evidence", describe(f));
    }
}

#[test]
fn broken_cluster_gives_exactly_its_expected_findings() {
    check("broken-cluster");
}

#[test]
fn healthy_cluster_gives_no_critical_or_warning_finding() {
    check("healthy-cluster");
}

#[test]
fn node_with_its_api_server_down_gives_exactly_its_expected_findings() {
    check("node-apiserver-down");
}

#[test]
fn zip_and_unpacked_directory_read_the_same_as_the_tar_gz() {
    let summary = |a: &Analysis| -> Vec<String> { a.findings.iter().map(describe).collect() };
    let tgz = analyze(&fixtures().join("broken-cluster.tar.gz"));
    let zip = analyze(&fixtures().join("broken-cluster.zip"));
    let dir = analyze(&fixtures().join("src/broken-cluster"));
    assert_eq!(summary(&tgz), summary(&zip));
    assert_eq!(
        summary(&tgz),
        summary(&dir),
        "fixtures/src and the archive differ: run fixtures/pack.py"
    );
}

#[test]
fn per_node_bundles_merge_with_the_cluster_bundle() {
    // The host-only bundle of cp-1 beside the broken cluster: one analysis, both pictures.
    let report = kbundle_analyzer::analyze_paths(&[
        fixtures().join("broken-cluster.tar.gz"),
        fixtures().join("node-apiserver-down.tar.gz"),
    ])
    .unwrap();
    let a = &report.analysis;
    assert_eq!(a.bundles.len(), 2);
    assert!(a
        .findings
        .iter()
        .any(|f| f.subject.node.as_deref() == Some("cp-1")));
    assert!(a.findings.iter().any(|f| f.subject.name == "w2"));
}
