//! Helpers for the tests of foreign flavors: trees built in a temporary directory, and the
//! checklist cells and findings they are judged by.

#![allow(dead_code)] // each test file uses its own part

use kbundle_analyzer::report::checklist::{Mark, Step};
use kbundle_analyzer::report::Report;

/// Writes `files` (path, content) under a new temporary directory.
pub(crate) fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    dir
}

/// The checklist cell of `node` (the cluster row for `None`) for `step`: its mark and reason.
pub(crate) fn cell(report: &Report, node: Option<&str>, step: Step) -> (Mark, String) {
    let row = report
        .checklist
        .rows
        .iter()
        .find(|r| r.node.as_deref() == node)
        .unwrap_or_else(|| panic!("no checklist row for {node:?}"));
    let c = row.cells.iter().find(|c| c.step == step).unwrap();
    (c.mark, c.reason.clone())
}

/// Every finding as `rule subject first-evidence-file`.
pub(crate) fn findings(report: &Report) -> Vec<String> {
    report
        .analysis
        .findings
        .iter()
        .map(|f| format!("{} {} {}", f.rule, f.subject, f.evidence[0].file))
        .collect()
}

/// Analyzes the inputs, which must read.
pub(crate) fn analyze(paths: &[&std::path::Path]) -> Report {
    let paths: Vec<_> = paths.iter().map(|p| p.to_path_buf()).collect();
    kbundle_analyzer::analyze_paths(&paths).expect("the input reads")
}
