//! The HTML report of a big cluster in real Chromium: page size, time until the page is
//! usable (the script's `kbundle-ready` mark, from navigation start) and time for the pods
//! filter to show its rows, median of 5 loads.
//!
//! The page: of the bundle in `KBUNDLE_BENCH_BUNDLE` (e.g. one written by `gen-bundle`), else
//! a synthetic report of 150,000 pods and 1,500 findings. Needs chromium and chromedriver.
//! Run: `cargo bench -p kbundle-analyzer --bench html_page`.

#[path = "../tests/html_common/mod.rs"]
mod html_common;

use html_common::browser::{self, Browser};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    let Some(browser) = browser::find() else {
        return;
    };
    let started = Instant::now();
    let (what, report) = match std::env::var_os("KBUNDLE_BENCH_BUNDLE") {
        Some(path) => {
            let path = PathBuf::from(path);
            let report = kbundle_analyzer::analyze_paths(std::slice::from_ref(&path))
                .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
            (path.display().to_string(), report)
        }
        None => (
            "synthetic".to_string(),
            html_common::synthetic_report(150_000, 1500),
        ),
    };
    let analyzed = started.elapsed();
    let rendering = Instant::now();
    let page = html_common::page_of(&report);
    let rendered = rendering.elapsed();
    let path = html_common::out_dir().join("bench.html");
    std::fs::write(&path, &page).expect("writing the page");
    println!(
        "{what}: {} pods, {} findings, {} timeline entries; analyzed in {analyzed:.1?}, rendered in {rendered:.1?}",
        report.inventory.pods.len(),
        report.analysis.findings.len(),
        report.analysis.timeline.len()
    );
    println!(
        "page: {:.2} MB ({})",
        page.len() as f64 / 1e6,
        path.display()
    );

    let driver = browser.driver();
    let profile = tempfile::tempdir().expect("a profile directory");
    let s = driver
        .session(&browser.chromium, profile.path())
        .expect("a browser session");
    let url = Browser::url(&path);
    let (mut ready, mut paint, mut filter) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5 {
        s.navigate("about:blank").expect("navigating");
        s.navigate(&url).expect("navigating");
        s.wait_for(
            "return document.documentElement.getAttribute('data-ready') === 'true'",
            "the script",
        )
        .expect("the script ran");
        let times = s
            .execute(
                "var r = performance.getEntriesByName('kbundle-ready')[0]; \
                 var p = performance.getEntriesByName('first-contentful-paint')[0]; \
                 return [r ? r.startTime : -1, p ? p.startTime : -1];",
                json!([]),
            )
            .expect("the marks");
        ready.push(times[0].as_f64().unwrap_or(-1.0));
        paint.push(times[1].as_f64().unwrap_or(-1.0));
        // Type a filter as a user would and time it until the rows are shown (the script
        // waits 120 ms after the last keystroke before filtering).
        let t0 = s
            .execute(
                "var i = document.querySelector('input[data-filter=\"pods\"]'); \
                 i.value = 'crashloop'; var t = performance.now(); \
                 i.dispatchEvent(new Event('input')); return t;",
                json!([]),
            )
            .expect("typing");
        s.wait_for(
            "return performance.getEntriesByName('kbundle-rendered-pods').length > 0",
            "the filtered rows",
        )
        .expect("the filter ran");
        let done = s
            .execute(
                "return performance.getEntriesByName('kbundle-rendered-pods')[0].startTime;",
                json!([]),
            )
            .expect("the mark");
        filter.push(done.as_f64().unwrap_or(-1.0) - t0.as_f64().unwrap_or(0.0));
    }
    println!(
        "Chromium: first contentful paint {:.0} ms, usable (kbundle-ready) {:.0} ms, \
         pods filter shown {:.0} ms after typing (120 ms debounce included); median of 5",
        median(paint),
        median(ready),
        median(filter)
    );
}
