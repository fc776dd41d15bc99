//! The report at work in real headless Chromium: each page loads with no console error and
//! no request but the file itself, the filters filter, the XSS bundle stays inert, and a
//! screenshot of each page is written under the target directory.
//!
//! Needs `chromium` and `chromedriver` (Debian: chromium, chromium-driver); without them
//! the tests say so and pass, unless KBUNDLE_REQUIRE_BROWSER=1.

mod html_common;

use html_common::browser::{self, Browser};
use html_common::webdriver::Session;
use html_common::xss;
use kbundle_analyzer::report::inventory::PodRow;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Opens a page, waits for its script, and checks it loaded cleanly: no console message
/// of level SEVERE (script errors, CSP violations, failed loads) and no network request
/// but the page's own file. Returns the milliseconds until the page was usable.
fn open_clean(s: &Session<'_>, page: &Path) -> f64 {
    // Leave whatever the browser showed before (its new-tab page loads chrome:// pages of
    // its own), then drop what was logged so far.
    s.navigate("about:blank").expect("navigating");
    s.logs("browser").expect("browser log");
    s.logs("performance").expect("performance log");
    let url = Browser::url(page);
    s.navigate(&url).expect("navigating");
    s.wait_for(
        "return document.documentElement.getAttribute('data-ready') === 'true'",
        "the report's script",
    )
    .expect("the script ran");
    let ready = s
        .execute(
            "var m = performance.getEntriesByName('kbundle-ready'); \
             return m.length ? m[0].startTime : -1;",
            json!([]),
        )
        .expect("the ready mark");
    assert_no_console_errors(s, page);
    assert_no_requests_but(s, &url);
    ready.as_f64().unwrap_or(-1.0)
}

fn assert_no_console_errors(s: &Session<'_>, page: &Path) {
    let errors: Vec<Value> = s
        .logs("browser")
        .expect("browser log")
        .into_iter()
        .filter(|e| e["level"] == "SEVERE")
        .collect();
    assert!(
        errors.is_empty(),
        "{}: console errors {errors:#?}",
        page.display()
    );
}

/// Every request Chromium started since (DevTools Network.requestWillBeSent) was for `url`,
/// but the browser's own chrome:// pages, and the page's resource timing lists nothing.
fn assert_no_requests_but(s: &Session<'_>, url: &str) {
    let mut requests = Vec::new();
    for entry in s.logs("performance").expect("performance log") {
        let Some(text) = entry["message"].as_str() else {
            continue;
        };
        let Ok(message) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        let params = &message["message"]["params"];
        if message["message"]["method"] == "Network.requestWillBeSent" {
            let u = params["request"]["url"].as_str().unwrap_or("").to_string();
            let from_page = params["documentURL"].as_str() == Some(url);
            if from_page || !u.starts_with("chrome://") {
                requests.push(u);
            }
        }
    }
    let others: Vec<&String> = requests.iter().filter(|u| *u != url).collect();
    assert!(
        others.is_empty(),
        "requests other than the page: {others:?}"
    );
    let resources = s
        .execute(
            "return performance.getEntriesByType('resource').map(function (r) { return r.name; });",
            json!([]),
        )
        .expect("resource timing");
    assert_eq!(resources, json!([]), "resources loaded by the page");
}

/// A line for the person running the tests, shown even when the harness captures output.
fn say(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn screenshot(s: &Session<'_>, name: &str) -> PathBuf {
    let height = s
        .execute(
            "return Math.min(document.documentElement.scrollHeight, 4000);",
            json!([]),
        )
        .ok()
        .and_then(|v| v.as_u64())
        .unwrap_or(900);
    s.set_window(1366, height.max(600) as u32)
        .expect("resizing");
    s.execute("window.scrollTo(0, 0); return true;", json!([]))
        .expect("scrolling to the top");
    let png = s.screenshot().expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let path = html_common::out_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).expect("writing the screenshot");
    s.set_window(1366, 900).expect("resizing back");
    say(&format!("screenshot of {name}: {}", path.display()));
    path
}

/// Rows the pods table shows, and how many match, as the page says.
fn pod_rows(s: &Session<'_>) -> (u64, u64) {
    let v = s
        .execute(
            "var t = document.querySelector('table[data-table=\"pods\"]'); \
             return [t.tBodies[0].querySelectorAll('tr:not(.empty)').length, \
                     Number(t.getAttribute('data-matching'))];",
            json!([]),
        )
        .expect("counting rows");
    (v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(0))
}

/// The cells of the pods table's shown rows, as the page shows them.
fn shown_pods(s: &Session<'_>) -> Vec<Vec<String>> {
    let v = s
        .execute(
            "var t = document.querySelector('table[data-table=\"pods\"]'); \
             return Array.prototype.map.call(t.tBodies[0].querySelectorAll('tr:not(.empty)'), \
               function (r) { return Array.prototype.map.call(r.cells, \
                 function (c) { return c.textContent; }); });",
            json!([]),
        )
        .expect("reading rows");
    serde_json::from_value(v).expect("rows of cells")
}

/// The rows the pods table must show for a filter (its first page), like the script's
/// filter: every word in some column, ignoring case.
fn expected_pods(pods: &[PodRow], filter: &str) -> Vec<Vec<String>> {
    let words: Vec<String> = filter.split_whitespace().map(str::to_lowercase).collect();
    pods.iter()
        .map(|p| {
            vec![
                p.namespace.clone(),
                p.name.clone(),
                p.ready.clone(),
                p.status.clone(),
                p.restarts.clone(),
                p.age.clone(),
                p.ip.clone(),
                p.node.clone(),
            ]
        })
        .filter(|row| {
            let key = row.join("\u{1}").to_lowercase();
            words.iter().all(|w| key.contains(w.as_str()))
        })
        .take(100)
        .collect()
}

fn filter_pods(s: &Session<'_>, text: &str) {
    let input = s
        .find("input[data-filter=\"pods\"]")
        .expect("the pods filter");
    s.execute(
        "performance.clearMarks('kbundle-rendered-pods'); return true;",
        json!([]),
    )
    .expect("clearing marks");
    s.type_into(&input, text).expect("typing");
    s.wait_for(
        "return performance.getEntriesByName('kbundle-rendered-pods').length > 0;",
        "the filter",
    )
    .expect("the filter ran");
}

#[test]
fn every_page_loads_offline_cleanly_and_its_filters_work() {
    let Some(browser) = browser::find() else {
        return;
    };
    let driver = browser.driver();
    let profile = tempfile::tempdir().expect("a profile directory");
    let s = driver
        .session(&browser.chromium, profile.path())
        .expect("a browser session");
    for bundle in html_common::all_bundles() {
        let name = html_common::short_name(&bundle);
        let (report, page) = html_common::render(std::slice::from_ref(&bundle));
        let path = html_common::out_dir().join(format!("{name}.html"));
        std::fs::write(&path, &page).expect("writing the page");
        let ready = open_clean(&s, &path);
        say(&format!(
            "{name}: {} bytes, usable after {ready:.0} ms",
            page.len()
        ));
        screenshot(&s, &name);

        // The checklist has a mark in every cell of every row it shows (quiet nodes with
        // the same marks share a row), and names every node.
        let rows = s
            .execute(
                "return document.querySelectorAll('table.checklist tbody tr').length;",
                json!([]),
            )
            .unwrap();
        let cells = s
            .execute(
                "return document.querySelectorAll('table.checklist td .mark').length;",
                json!([]),
            )
            .unwrap();
        let rows = rows.as_u64().unwrap_or(0) as usize;
        assert_eq!(cells, json!(rows * 11), "{name}");
        assert!(rows <= report.checklist.rows.len(), "{name}");
        let text = s
            .execute(
                "return document.querySelector('table.checklist').textContent;",
                json!([]),
            )
            .unwrap();
        for n in &report.inventory.nodes {
            assert!(
                text.as_str().is_some_and(|t| t.contains(&n.name)),
                "{name}: {}",
                n.name
            );
        }
        // The page opens with the root causes, in the analysis's rank order.
        let ranks = s
            .execute(
                "return Array.prototype.map.call(document.querySelectorAll('#causes li.root'), \
                 function (li) { return Number(li.getAttribute('data-rank')); });",
                json!([]),
            )
            .unwrap();
        let ranks: Vec<usize> = serde_json::from_value(ranks).unwrap_or_default();
        let mut sorted = ranks.clone();
        sorted.sort_unstable();
        assert_eq!(ranks, sorted, "{name}: roots in rank order");

        // Filtering pods by a node's name shows exactly the pods that mention it.
        let pods = &report.inventory.pods;
        let Some(first) = pods.first() else {
            continue;
        };
        let (shown, matching) = pod_rows(&s);
        assert_eq!(matching as usize, pods.len(), "{name}");
        assert_eq!(shown as usize, pods.len().min(100), "{name}");
        // A node's name: many pods, so the decoding of front-coded names and IPs shows.
        let term = pods
            .iter()
            .map(|p| &p.node)
            .find(|n| *n != "<none>")
            .unwrap_or(&first.name)
            .clone();
        let want = pods
            .iter()
            .filter(|p| {
                [
                    &p.namespace,
                    &p.name,
                    &p.ready,
                    &p.status,
                    &p.restarts,
                    &p.age,
                    &p.ip,
                    &p.node,
                ]
                .iter()
                .any(|c| c.to_lowercase().contains(&term.to_lowercase()))
            })
            .count();
        filter_pods(&s, &term);
        let (shown, matching) = pod_rows(&s);
        assert_eq!(
            (shown as usize, matching as usize),
            (want.min(100), want),
            "{name}"
        );
        // The rows the script decoded from the data are the pods, cell for cell.
        assert_eq!(shown_pods(&s), expected_pods(pods, &term), "{name}");
        let status = s
            .execute(
                "return document.querySelector('[data-status=\"pods\"]').textContent;",
                json!([]),
            )
            .unwrap();
        assert!(
            status
                .as_str()
                .unwrap_or("")
                .contains(&format!("of {want}")),
            "{name}: {status}"
        );
        // Nothing matches a word no pod has.
        filter_pods(&s, " no-such-pod-anywhere");
        assert_eq!(pod_rows(&s), (0, 0), "{name}");

        // The timeline filters by severity: unchecking info leaves the rest.
        let a = &report.analysis;
        if !a.timeline.is_empty() {
            let info = s
                .find("input[data-filter-severity=\"timeline\"][value=\"info\"]")
                .unwrap();
            s.click(&info).unwrap();
            let not_info = a
                .timeline
                .iter()
                .filter(|t| t.severity.as_str() != "info")
                .count();
            s.wait_for(
                &format!(
                    "return document.querySelector('table[data-table=\"timeline\"]')\
                     .getAttribute('data-matching') === '{not_info}';"
                ),
                "the timeline's severity filter",
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert_no_console_errors(&s, &path);
    }
}

#[test]
fn the_xss_bundle_renders_as_text_and_runs_nothing() {
    let Some(browser) = browser::find() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let bundle = xss::write_bundle(dir.path());
    let (report, page) = html_common::render(&[bundle]);
    let path = html_common::out_dir().join("xss.html");
    std::fs::write(&path, &page).expect("writing the page");
    let driver = browser.driver();
    let profile = tempfile::tempdir().expect("a profile directory");
    let s = driver
        .session(&browser.chromium, profile.path())
        .expect("a browser session");
    open_clean(&s, &path);
    let title = format!("kbundle report: {}", xss::TEMPLATE);

    // Make the script render everything it can from the data: the hidden findings, every
    // page of pods and nodes, a filtered timeline.
    let more = s
        .find("button.show-more")
        .expect("a group with hidden findings");
    s.click(&more).unwrap();
    let hidden_rendered = s
        .execute(
            "return document.querySelectorAll('details.finding').length;",
            json!([]),
        )
        .unwrap();
    assert_eq!(hidden_rendered, json!(report.analysis.findings.len()));
    filter_pods(&s, "</script><script>");
    assert_eq!(
        shown_pods(&s),
        expected_pods(&report.inventory.pods, "</script><script>")
    );
    let node = s.find("select[data-filter-node=\"timeline\"]").unwrap();
    s.click(&node).unwrap();
    s.execute(
        "var sel = document.querySelector('select[data-filter-node=\"timeline\"]'); \
         sel.selectedIndex = 1; sel.dispatchEvent(new Event('change'));",
        json!([]),
    )
    .unwrap();
    let nodes_filter = s.find("input[data-filter=\"nodes\"]").unwrap();
    s.type_into(&nodes_filter, "<").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    // Follow every link of the checklist (fragment links only, by construction).
    s.execute(
        "var links = document.querySelectorAll('table.checklist a'); \
         for (var i = 0; i < links.length; i++) links[i].click();",
        json!([]),
    )
    .unwrap();
    screenshot(&s, "xss");

    let state = s
        .execute(
            "return {pwned: typeof window.__pwned, title: document.title, \
                     images: document.images.length, svgs: document.querySelectorAll('svg').length, \
                     scripts: document.scripts.length, \
                     text: document.body.textContent};",
            json!([]),
        )
        .unwrap();
    assert_eq!(state["pwned"], "undefined", "a payload ran");
    assert_eq!(state["title"], json!(title), "the title changed");
    assert_eq!(state["images"], 0);
    assert_eq!(state["svgs"], 0);
    assert_eq!(state["scripts"], 2);
    let text = state["text"].as_str().unwrap_or("");
    for p in [
        xss::SCRIPT,
        xss::IMG,
        xss::BREAK_OUT,
        xss::TEMPLATE,
        xss::JS_URL,
    ] {
        assert!(text.contains(p), "{p} is not shown as text");
    }
    let hrefs = s
        .execute(
            "return Array.prototype.map.call(document.querySelectorAll('[href]'), \
             function (a) { return a.getAttribute('href'); }) \
             .filter(function (h) { return h.charAt(0) !== '#'; });",
            json!([]),
        )
        .unwrap();
    assert_eq!(hrefs, json!([]), "links leaving the page");
    assert_no_console_errors(&s, &path);
}
