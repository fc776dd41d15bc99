//! The HTML report's structure, over the fixtures, the interop bundle, a bundle of XSS
//! payloads and a synthetic cluster of 150,000 pods (no browser needed; see html_browser.rs
//! for the page at work).

mod html_common;

use html_common::{count, data_block, markup, xss};
use kbundle_analyzer::render::html::{self, FINDINGS_SHOWN, TABLE_PAGE};
use kbundle_analyzer::report::checklist::{Mark, Step};
use kbundle_analyzer::report::Report;
use regex::Regex;
use std::path::Path;

#[test]
fn templates_never_triple_stash_and_assets_cannot_end_their_element() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../templates"));
    let mut templates = 0;
    for entry in std::fs::read_dir(dir).expect("templates/") {
        let path = entry.expect("an entry").path();
        let text = std::fs::read_to_string(&path).expect("a template");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".hbs") {
            templates += 1;
            assert!(!text.contains("{{{"), "{name} uses a triple-stash");
            assert!(!text.contains("{{&"), "{name} uses {{{{& (unescaped)");
            assert!(!text.contains("{{~{"), "{name} uses a triple-stash");
            let stem = name.trim_end_matches(".hbs");
            assert!(
                html::TEMPLATES.iter().any(|(n, _)| *n == stem)
                    || (stem == "diff" && text == html::diff::TEMPLATE),
                "{name} is not compiled in"
            );
        }
    }
    // The report's templates, and the diff page's.
    assert_eq!(templates, html::TEMPLATES.len() + 1);
    for (name, asset) in [
        ("report.css", html::STYLE),
        ("report.js", html::SCRIPT),
        ("diff.css", html::diff::STYLE),
    ] {
        let lower = asset.to_lowercase();
        for bad in [
            "</script", "</style", "<!--", "{{", "url(", "http:", "https:", "@import",
        ] {
            assert!(!lower.contains(bad), "{name} contains {bad}");
        }
    }
    for sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "Function(",
        "setAttribute('on",
        ".href",
        ".src",
    ] {
        assert!(!html::SCRIPT.contains(sink), "report.js uses {sink}");
    }
}

/// Checks what every page must hold, whatever the bundle.
fn check_page(name: &str, report: &Report, page: &str) {
    let a = &report.analysis;
    let marks = markup(page);
    for id in [
        "summary",
        "checklist",
        "findings",
        "timeline",
        "gaps",
        "nodes",
        "pods",
    ] {
        assert!(
            marks.contains(&format!("id=\"{id}\"")),
            "{name}: no section {id}"
        );
    }
    // The header's counts are the analysis's.
    for (sev, n) in [
        ("critical", a.summary.critical),
        ("warning", a.summary.warning),
        ("info", a.summary.info),
    ] {
        assert!(
            marks.contains(&format!("data-count=\"{sev}\">{n}<")),
            "{name}: {sev} count {n}"
        );
    }
    // One checklist row per node and one for the cluster, one cell per step.
    let rows = &report.checklist.rows;
    assert!(rows[0].node.is_none(), "{name}: the cluster row leads");
    for n in &report.inventory.nodes {
        assert!(
            rows.iter().any(|r| r.node.as_ref() == Some(&n.name)),
            "{name}: {}",
            n.name
        );
    }
    // Quiet nodes with the same marks share a row; every node is still named.
    let shown_rows = count(&marks, "<th scope=\"row\">");
    assert!(shown_rows <= rows.len(), "{name}");
    assert_eq!(count(&marks, "data-mark="), shown_rows * 11, "{name}");
    let checklist = section(&marks, "checklist");
    for n in &report.inventory.nodes {
        assert!(
            checklist.contains(&escaped(&n.name)),
            "{name}: {} not in the checklist",
            n.name
        );
    }
    // The page opens with the root causes: the section comes before the checklist, and it
    // shows the first roots with a problem, in rank order.
    let causes_at = marks.find("id=\"causes\"").expect("a root-cause section");
    assert!(
        causes_at < marks.find("id=\"checklist\"").unwrap(),
        "{name}"
    );
    let problems = a
        .summary
        .root_causes
        .iter()
        .filter(|id| {
            a.findings
                .iter()
                .any(|f| &f.id == *id && f.severity > kbundle_format::analysis::Severity::Info)
        })
        .count();
    assert_eq!(
        count(&marks, "class=\"root "),
        problems.min(kbundle_analyzer::render::html::ROOTS_SHOWN),
        "{name}"
    );
    // Every finding group shows its first findings; the rest are in the data block.
    let data: serde_json::Value = serde_json::from_str(data_block(page)).expect("data is JSON");
    let mut rendered = 0;
    let mut hidden = 0;
    for i in 0..a.findings.len() {
        if marks.contains(&format!("id=\"f-{i}\"")) {
            rendered += 1;
        } else {
            hidden += 1;
        }
    }
    let in_data: usize = data["findings"]
        .as_object()
        .map(|o| o.values().map(|v| v.as_array().map_or(0, Vec::len)).sum())
        .unwrap_or(0);
    assert_eq!(
        (rendered + hidden, in_data),
        (a.findings.len(), hidden),
        "{name}"
    );
    assert_eq!(count(&marks, "class=\"finding "), rendered, "{name}");
    // Tables: the first page in the markup, everything in the data.
    assert_eq!(
        data["pods"]["namespace"].as_array().map(Vec::len),
        Some(report.inventory.pods.len()),
        "{name}"
    );
    assert_eq!(
        data["timeline"].as_array().map(Vec::len),
        Some(a.timeline.len()),
        "{name}"
    );
    assert!(
        marks.contains(&format!("data-total=\"{}\"", report.inventory.pods.len()))
            || !report.inventory.pods_collected,
        "{name}"
    );
    // Every gap has its row.
    for i in 0..a.collection.len() {
        assert!(
            marks.contains(&format!("id=\"gap-{i}\"")),
            "{name}: gap {i}"
        );
    }
    if !a.collection.is_empty() {
        let gaps = a.collection.iter().filter(|c| c.status.is_gap()).count();
        assert!(
            marks.contains(&format!("data-gaps=\"{gaps}\"")),
            "{name}: {gaps} gaps"
        );
    }
    check_self_contained(name, page);
}

/// One file, nothing loaded from anywhere, a CSP naming exactly our script and style.
fn check_self_contained(name: &str, page: &str) {
    let marks = markup(page);
    assert_eq!(count(page, "<script"), 2, "{name}: scripts");
    assert_eq!(count(page, "<style"), 1, "{name}: style sheets");
    for tag in [
        "<link", "<img", "<iframe", "<object", "<embed", "<form", "<base", "<svg", "<video",
        "<audio", "<source",
    ] {
        assert!(!marks.contains(tag), "{name}: {tag} in the page");
    }
    let attr =
        Regex::new(r#"\s(src|href|action|srcset|poster|formaction|background)="([^"]*)""#).unwrap();
    for c in attr.captures_iter(&marks) {
        assert!(
            &c[1] == "href" && c[2].starts_with('#'),
            "{name}: {}=\"{}\" points outside the page",
            &c[1],
            &c[2]
        );
    }
    let csp = Regex::new(r#"<meta http-equiv="Content-Security-Policy" content="([^"]*)">"#)
        .unwrap()
        .captures(&marks)
        .unwrap_or_else(|| panic!("{name}: no CSP meta tag"))[1]
        .replace("&#x27;", "'")
        .replace("&#x3D;", "=");
    assert_eq!(csp, html::content_security_policy(), "{name}");
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    let script = &page[page.rfind("<script>").unwrap() + 8..page.rfind("</script>").unwrap()];
    assert!(csp.contains(&html::csp_hash(script)), "{name}: script hash");
    let style = &page[page.find("<style>").unwrap() + 7..page.find("</style>").unwrap()];
    assert!(csp.contains(&html::csp_hash(style)), "{name}: style hash");
}

#[test]
fn every_bundle_renders_a_whole_page() {
    for bundle in html_common::all_bundles() {
        let name = html_common::short_name(&bundle);
        let (report, page) = html_common::render(std::slice::from_ref(&bundle));
        check_page(&name, &report, &page);
        let path = html_common::out_dir().join(format!("{name}.html"));
        std::fs::write(&path, &page).expect("writing the page");
        println!("{name}: {} bytes, {}", page.len(), path.display());
    }
}

/// `text` as handlebars escapes it into HTML.
fn escaped(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            '`' => out.push_str("&#x60;"),
            '=' => out.push_str("&#x3D;"),
            c => out.push(c),
        }
    }
    out
}

/// The markup of the section with id `id`, up to the next section.
fn section<'a>(marks: &'a str, id: &str) -> &'a str {
    let start = marks
        .find(&format!("<section id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &marks[start..];
    let end = rest[1..].find("<section id=").map_or(rest.len(), |e| e + 1);
    &rest[..end]
}

fn marks_of(report: &Report, node: Option<&str>) -> Vec<Mark> {
    report
        .checklist
        .rows
        .iter()
        .find(|r| r.node.as_deref() == node)
        .unwrap_or_else(|| panic!("a row for {node:?}"))
        .cells
        .iter()
        .map(|c| c.mark)
        .collect()
}

fn fixture(name: &str) -> std::path::PathBuf {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures")).join(name);
    assert!(path.is_file(), "{} is missing", path.display());
    path
}

#[test]
fn the_healthy_cluster_passes_every_step_that_applies() {
    let (report, page) = html_common::render(&[fixture("healthy-cluster.tar.gz")]);
    assert!(markup(&page).contains("data-count=\"critical\">0<"));
    for row in &report.checklist.rows {
        for cell in &row.cells {
            assert!(
                matches!(cell.mark, Mark::Pass | Mark::NotApplicable),
                "{:?} {cell:?}",
                row.node
            );
        }
    }
}

#[test]
fn the_broken_cluster_marks_its_failures_and_its_gaps() {
    let (report, _) = html_common::render(&[fixture("broken-cluster.tar.gz")]);
    let rows = &report.checklist.rows;
    assert_eq!(rows.len(), 5, "the cluster and 4 nodes");
    // w3's multipath -ll timed out: its storage-paths step never passes, and says why (no
    // data, or its finding with "data incomplete").
    let w3 = rows
        .iter()
        .find(|r| r.node.as_deref() == Some("w3"))
        .unwrap();
    let iscsi = &w3.cells[10];
    assert!(!iscsi.gaps.is_empty(), "{iscsi:?}");
    assert_ne!(iscsi.mark, Mark::Pass, "{iscsi:?}");
    assert!(iscsi.reason.contains("multipath-ll timeout"), "{iscsi:?}");
    // Every node has critical or warning cells; workers have no static pods.
    for node in ["m1", "w1", "w2", "w3"] {
        let marks = marks_of(&report, Some(node));
        assert!(
            marks.contains(&Mark::Critical) || marks.contains(&Mark::Warning),
            "{node}"
        );
        if node != "m1" {
            assert_eq!(marks[3], Mark::NotApplicable, "{node}: static pods");
        }
    }
}

#[test]
fn with_the_api_server_down_the_api_steps_have_no_data() {
    let (report, _) = html_common::render(&[fixture("node-apiserver-down.tar.gz")]);
    let cluster = marks_of(&report, None);
    let cp = marks_of(&report, Some("cp-1"));
    for (i, step) in Step::ALL.iter().enumerate() {
        if matches!(step, Step::NodeReady | Step::Events) {
            assert_eq!(
                (cluster[i], cp[i]),
                (Mark::NoData, Mark::NoData),
                "{step:?}"
            );
        }
    }
    // The host part is there: the node's own steps are decided, not unknown.
    assert_eq!(cp[3], Mark::Pass, "static pods");
    assert_eq!(cp[10], Mark::NotApplicable, "no iSCSI or multipath tools");
}

#[test]
fn the_interop_bundle_shows_its_crash_loops_pods_and_no_host_data() {
    let Some(bundle) = html_common::interop_bundle() else {
        return;
    };
    let (report, page) = html_common::render(&[bundle]);
    let marks = markup(&page);
    assert!(marks.contains("v1.24.4+k3s1"));
    assert!(marks.contains("local-path-provisioner-7b7dc8d6f5-45btl"));
    assert_eq!(report.inventory.pods.len(), 8);
    // 8 pods: all in the page's first page of rows.
    let pods = &marks[marks.find("data-table=\"pods\"").unwrap()..];
    assert_eq!(
        count(&pods[..pods.find("</tbody>").unwrap()], "<tr>"),
        8 + 1
    );
    // A troubleshoot bundle has no host data: those steps are "no data", never "pass".
    let node = &report.checklist.rows[1];
    assert_eq!(node.node.as_deref(), Some("k3d-mycluster-server-0"));
    for cell in &node.cells[5..] {
        assert_eq!(
            cell.mark,
            kbundle_analyzer::report::checklist::Mark::NoData,
            "{cell:?}"
        );
    }
}

#[test]
fn bundle_strings_are_text_everywhere() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let bundle = xss::write_bundle(dir.path());
    let (report, page) = html_common::render(&[bundle]);
    check_page("xss", &report, &page);
    let marks = markup(&page);
    // The payloads reached the analysis (or this test would prove nothing) ...
    let json = serde_json::to_string(&report.analysis).unwrap();
    for p in [xss::SCRIPT, xss::IMG, xss::BREAK_OUT, xss::TEMPLATE] {
        assert!(
            json.contains(&serde_json::to_string(p).unwrap()[1..p.len()]),
            "{p} not in the analysis"
        );
    }
    assert!(report.analysis.findings.len() > FINDINGS_SHOWN);
    // ... and the markup holds them only escaped.
    for p in xss::ALL {
        if p.contains(['<', '>', '"']) {
            assert!(!marks.contains(p), "raw payload {p} in the markup");
        }
    }
    for raw in ["onerror=", "onload=", "<img", "<svg", "</script><script"] {
        assert!(!marks.contains(raw), "{raw} in the markup");
    }
    assert!(marks.contains("&lt;script&gt;window.__pwned&#x3D;1"));
    // Template syntax is text: it is in the page as written, never expanded.
    assert!(marks.contains("{{constructor}}{{#each this}}"));
    // The data block cannot be broken out of, and says exactly what the bundle said.
    let block = data_block(&page);
    let lower = block.to_lowercase();
    assert!(!lower.contains("</script") && !lower.contains("<!--"));
    assert!(!block.contains(['<', '>', '\u{2028}', '\u{2029}']));
    let data: serde_json::Value = serde_json::from_str(block).unwrap();
    let strings: Vec<&str> = data["s"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        strings.iter().any(|s| s.contains(xss::IMG)),
        "node names survive whole"
    );
    assert!(data.to_string().contains("window.__pwned=4"));
    let path = html_common::out_dir().join("xss.html");
    std::fs::write(&path, &page).unwrap();
}

#[test]
fn a_page_of_150000_pods_stays_under_10_mb_with_one_page_of_rows() {
    let report = html_common::synthetic_report(150_000, 1500);
    let page = html_common::page_of(&report);
    println!("150,000 pods, 1,500 findings: {} bytes", page.len());
    assert!(page.len() < 10_000_000, "{} bytes", page.len());
    let marks = markup(&page);
    let pods = &marks[marks.find("data-table=\"pods\"").unwrap()..];
    assert_eq!(
        count(&pods[..pods.find("</tbody>").unwrap()], "<tr>"),
        TABLE_PAGE + 1
    );
    assert_eq!(count(&marks, "class=\"finding "), FINDINGS_SHOWN);
    std::fs::write(html_common::out_dir().join("pods-150000.html"), &page).unwrap();
}
