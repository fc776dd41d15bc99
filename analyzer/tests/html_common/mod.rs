//! Shared by the HTML report tests: the bundles to render, rendering, and reading the page.

#![allow(dead_code, unused_imports, unreachable_pub)] // Each test crate uses its own part of this module.

pub mod browser;
pub mod webdriver;
pub mod xss;

use kbundle_analyzer::report::inventory::PodRow;
use kbundle_analyzer::report::Report;
use kbundle_format::analysis::{Category, Severity, Subject};
use std::path::{Path, PathBuf};

/// The real troubleshoot bundle of the shared interop folder, or `None` after printing why
/// the calling test skips it (see `kbundle_testkit::shared`).
pub fn interop_bundle() -> Option<PathBuf> {
    kbundle_testkit::interop_bundle()
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

/// Every bundle whose page the tests check: the fixtures and, when ../shared is there, the
/// interop bundle.
pub fn all_bundles() -> Vec<PathBuf> {
    let mut all = fixture_bundles();
    all.extend(interop_bundle());
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
    let report = kbundle_analyzer::analyze_paths(paths)
        .unwrap_or_else(|e| panic!("analyzing {paths:?}: {e:#}"));
    let page = page_of(&report);
    (report, page)
}

/// The page of a report.
pub fn page_of(report: &Report) -> String {
    let mut out = Vec::new();
    kbundle_analyzer::render::html::write(report, &mut out).expect("the page renders");
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

/// A cluster of `n` pods over 150 namespaces and 20 nodes, named as controllers name them.
pub fn synthetic_pods(n: usize) -> Vec<PodRow> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b"bcdfghjklmnpqrstvwxz2456789";
    let word = |len: usize, next: &mut dyn FnMut() -> u64| -> String {
        (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize] as char)
            .collect()
    };
    let apps = [
        "api", "web", "worker", "cart", "checkout", "search", "auth", "billing",
    ];
    let mut pods: Vec<PodRow> = (0..n)
        .map(|i| {
            let app = apps[i % apps.len()];
            let rs = (i / 40) % 7;
            let failing = i % 100 == 0;
            PodRow {
                namespace: format!("team-{:03}", i % 150),
                name: format!("{app}-{}-{}", 7_000_000 + rs * 9_973, word(5, &mut next)),
                ready: if failing { "0/1" } else { "1/1" }.to_string(),
                status: if failing {
                    "CrashLoopBackOff"
                } else {
                    "Running"
                }
                .to_string(),
                restarts: if failing {
                    "12 (3m ago)".to_string()
                } else {
                    "0".to_string()
                },
                age: format!("{}d", 1 + i % 60),
                ip: format!("10.42.{}.{}", i % 20, 2 + next() % 250),
                node: format!("worker-{:03}", i % 20),
            }
        })
        .collect();
    pods.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    pods
}

/// The broken-cluster fixture's report with `pods` synthetic pods and `findings` crash-loop
/// findings in one group (1 % of 150,000 pods failing), like a big cluster's.
pub fn synthetic_report(pods: usize, findings: usize) -> Report {
    let base = kbundle_testkit::fixture("broken-cluster.tar.gz");
    let mut report = kbundle_analyzer::analyze_paths(&[base]).expect("the broken-cluster fixture");
    report.inventory.pods = synthetic_pods(pods);
    let template = report.analysis.findings[0].clone();
    report.analysis.findings = (0..findings)
        .map(|i| {
            let mut f = template.clone();
            f.category = Category::CrashLoop;
            f.severity = Severity::Warning;
            f.subject = Subject::pod(format!("team-{:03}", i % 150), format!("api-{i}"))
                .on_node(format!("worker-{:03}", i % 20));
            f
        })
        .collect();
    report
}
