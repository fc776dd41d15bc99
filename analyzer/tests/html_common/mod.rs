//! Shared by the HTML report tests: the bundles to render, rendering, and reading the page.

#![allow(dead_code)] // Each test crate uses its own part of this module.

pub mod browser;
pub mod webdriver;
pub mod xss;

use kbundle::report::Report;
use std::path::{Path, PathBuf};

/// The real troubleshoot bundle of the shared interop folder.
pub fn interop_bundle() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/interop/troubleshoot-k3s-support-bundle.tar.gz"
    ))
}

/// The project's fixture bundles (`fixtures/*.tar.gz`), by name.
pub fn fixture_bundles() -> Vec<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures"));
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".tar.gz"))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// Every bundle whose page the tests check: the fixtures and the interop bundle.
pub fn all_bundles() -> Vec<PathBuf> {
    let mut all = fixture_bundles();
    all.push(interop_bundle());
    all
}

/// A short name for a bundle's outputs (`broken-cluster`).
pub fn short_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.trim_end_matches(".tar.gz")
        .trim_end_matches(".tgz")
        .to_string()
}

/// Analyzes the bundles and renders the page.
pub fn render(paths: &[PathBuf]) -> (Report, String) {
    let report =
        kbundle::analyze_paths(paths).unwrap_or_else(|e| panic!("analyzing {paths:?}: {e:#}"));
    let page = page_of(&report);
    (report, page)
}

/// The page of a report.
pub fn page_of(report: &Report) -> String {
    let mut out = Vec::new();
    kbundle::render::html::write(report, &mut out).expect("the page renders");
    String::from_utf8(out).expect("the page is UTF-8")
}

/// Where the tests write pages and screenshots: under the target directory.
pub fn out_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&dir).expect("creating the output directory");
    dir
}

/// The content of the page's JSON data block.
pub fn data_block(html: &str) -> &str {
    let open = r#"<script type="application/json" id="kbundle-data">"#;
    let start = html.find(open).expect("the data block") + open.len();
    let end = start + html[start..].find("</script>").expect("its end");
    &html[start..end]
}

/// The page without its data block and script (what handlebars wrote from templates).
pub fn markup(html: &str) -> String {
    let open = r#"<script type="application/json" id="kbundle-data">"#;
    let start = html.find(open).expect("the data block");
    html[..start].to_string()
}

/// How often `needle` occurs in `hay`.
pub fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}
