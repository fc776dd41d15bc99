//! The page's data block: everything the script pages, filters or renders on demand (all
//! pods and nodes, the timeline, the findings past the first of each group), as compact JSON
//! inside `<script type="application/json">`.
//!
//! Compact, because a cluster of 150,000 pods must fit in a page of a few megabytes: rows
//! are arrays, not objects with repeated keys; repeated strings (namespaces, nodes,
//! statuses, ages, remediations) are indices into one string table; pod names and IPs are
//! front-coded against the previous row (`api-7d9f-x2k4p` after `api-7d9f-a81zq` is
//! `[9, "x2k4p"]`). The script reverses this; docs/html-report.md describes the layout.
//!
//! Safe, because every string in it came from a bundle: [`script_safe_json`] escapes `<`,
//! `>`, `&`, U+2028 and U+2029, so no string can close the block (`</script>`), open a
//! comment (`<!--`) or end a line in an old JavaScript parser.

use super::view::{self, FindingView};
use crate::report::Report;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The block's content, before escaping.
#[derive(Serialize)]
struct Data<'a> {
    /// The string table.
    s: Vec<&'a str>,
    /// Pods, column by column.
    pods: PodColumns,
    /// Nodes: name, status, roles, age, version, internal IP, conditions, OS image, kernel,
    /// runtime.
    nodes: Vec<[&'a str; 10]>,
    /// Timeline: time, severity, source, node, subject, text, location.
    timeline: Vec<[String; 7]>,
    /// Findings not rendered into the page, by group id: see [`finding`].
    findings: BTreeMap<String, Vec<serde_json::Value>>,
}

/// The pod table, one array per column, each as long as there are pods. `namespace` and
/// `node` are indices into the string table; `shape` indexes `shapes`, the distinct
/// (ready, status, restarts, age) combinations as string-table indices (most pods of a
/// cluster share a few). `name` and `ip` are front-coded: `*_keep` UTF-16 units of the
/// previous value (the previous row's name; the previous IP on the same node), then `*_rest`.
#[derive(Serialize, Default)]
struct PodColumns {
    shapes: Vec<[u32; 4]>,
    namespace: Vec<u32>,
    name_keep: Vec<usize>,
    name_rest: Vec<String>,
    shape: Vec<u32>,
    ip_keep: Vec<usize>,
    ip_rest: Vec<String>,
    node: Vec<u32>,
}

/// Interns strings into the table.
#[derive(Default)]
struct Strings<'a> {
    table: Vec<&'a str>,
    index: HashMap<&'a str, u32>,
}

impl<'a> Strings<'a> {
    fn id(&mut self, s: &'a str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.table.len() as u32;
        self.table.push(s);
        self.index.insert(s, i);
        i
    }
}

/// Builds the data block of a report, escaped for a `<script type="application/json">`.
pub(crate) fn block(report: &Report) -> String {
    let mut strings = Strings::default();
    let pods = pod_columns(report, &mut strings);
    let nodes = report
        .inventory
        .nodes
        .iter()
        .map(|n| {
            [
                n.name.as_str(),
                &n.status,
                &n.roles,
                &n.age,
                &n.version,
                &n.internal_ip,
                &n.conditions,
                &n.os_image,
                &n.kernel_version,
                &n.container_runtime,
            ]
        })
        .collect();
    let pod_nodes = view::pod_nodes(report);
    let timeline = report
        .analysis
        .timeline
        .iter()
        .map(|t| {
            let r = view::timeline_row(t, &pod_nodes);
            [
                r.time,
                r.severity.to_string(),
                r.source,
                r.node,
                r.subject,
                r.text,
                r.location,
            ]
        })
        .collect();
    let findings = hidden_findings(report, &mut strings);
    let data = Data {
        s: strings.table,
        pods,
        nodes,
        timeline,
        findings,
    };
    script_safe_json(&data)
}

fn pod_columns<'a>(report: &'a Report, strings: &mut Strings<'a>) -> PodColumns {
    let mut c = PodColumns::default();
    let mut shapes: HashMap<[u32; 4], u32> = HashMap::new();
    let mut prev_ip: HashMap<&str, &str> = HashMap::new();
    let mut prev_name = "";
    for p in &report.inventory.pods {
        c.namespace.push(strings.id(&p.namespace));
        let (keep, rest) = front_code(prev_name, &p.name);
        c.name_keep.push(keep);
        c.name_rest.push(rest.to_string());
        prev_name = &p.name;
        let shape = [
            strings.id(&p.ready),
            strings.id(&p.status),
            strings.id(&p.restarts),
            strings.id(&p.age),
        ];
        let next = c.shapes.len() as u32;
        let id = *shapes.entry(shape).or_insert(next);
        if id == next {
            c.shapes.push(shape);
        }
        c.shape.push(id);
        let previous = prev_ip.insert(&p.node, &p.ip).unwrap_or("");
        let (keep, rest) = front_code(previous, &p.ip);
        c.ip_keep.push(keep);
        c.ip_rest.push(rest.to_string());
        c.node.push(strings.id(&p.node));
    }
    c
}

/// The prefix `s` shares with `prev`, as a length in UTF-16 units (what JavaScript's
/// `slice` counts), and the rest of `s`. The cut is always at a character boundary.
fn front_code<'s>(prev: &str, s: &'s str) -> (usize, &'s str) {
    let mut bytes = 0;
    let mut units = 0;
    for (a, b) in prev.chars().zip(s.chars()) {
        if a != b {
            break;
        }
        bytes += b.len_utf8();
        units += b.len_utf16();
    }
    (units, s.get(bytes..).unwrap_or(""))
}

/// The findings of each group past the first [`view::FINDINGS_SHOWN`], as arrays (see
/// [`finding`]).
fn hidden_findings<'a>(
    report: &'a Report,
    strings: &mut Strings<'a>,
) -> BTreeMap<String, Vec<serde_json::Value>> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, f) in report.analysis.findings.iter().enumerate() {
        groups
            .entry(view::group_id(f.severity, f.category))
            .or_default()
            .push(i);
    }
    let ids = view::id_index(&report.analysis.findings);
    groups
        .into_iter()
        .filter(|(_, v)| v.len() > view::FINDINGS_SHOWN)
        .map(|(id, indices)| {
            let cards = indices
                .into_iter()
                .skip(view::FINDINGS_SHOWN)
                .filter_map(|i| {
                    let f = report.analysis.findings.get(i)?;
                    let all = &report.analysis.findings;
                    Some(finding(
                        &view::finding_view(i, f, all, &ids),
                        &f.remediation,
                        strings,
                    ))
                })
                .collect();
            (id, cards)
        })
        .collect()
}

/// A finding card as an array: id, severity, category, rule, title, subject, message,
/// count, first seen, last seen, remediation (string table index), evidence
/// (`[[location, text], ...]`), because, causes (`[[href, title], ...]`).
fn finding<'a>(
    f: &FindingView,
    remediation: &'a str,
    strings: &mut Strings<'a>,
) -> serde_json::Value {
    let evidence: Vec<[&str; 2]> = f
        .evidence
        .iter()
        .map(|e| [e.location.as_str(), e.text.as_str()])
        .collect();
    serde_json::json!([
        f.id,
        f.severity,
        f.category,
        f.rule,
        f.title,
        f.subject,
        f.message,
        f.count,
        f.first_seen,
        f.last_seen,
        strings.id(remediation),
        evidence,
        f.because,
        f.caused_by
            .iter()
            .map(|l| [l.href.as_str(), l.label.as_str()])
            .collect::<Vec<_>>(),
    ])
}

/// JSON that is safe as the content of a `<script>` element: `<`, `>` and `&` (which can
/// only occur inside JSON strings) become `\u003c`, `\u003e`, `\u0026`, and the line
/// separators U+2028 and U+2029 become escapes too. The result parses to the same value.
pub(crate) fn script_safe_json<T: Serialize>(value: &T) -> String {
    // Serializing plain data (strings, numbers, arrays, maps with string keys) cannot fail.
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".to_string());
    let mut out = String::with_capacity(json.len() + json.len() / 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_in_a_string_can_end_the_script_block() {
        let hostile = vec![
            "</script><script>alert(1)</script>",
            "<!-- <script>",
            "a\u{2028}b\u{2029}c & d > e",
            "</SCRIPT >",
        ];
        let json = script_safe_json(&hostile);
        let lower = json.to_lowercase();
        assert!(!lower.contains("</script"), "{json}");
        assert!(!lower.contains("<!--"), "{json}");
        for c in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
            assert!(!json.contains(c), "{c:?} in {json}");
        }
        let back: Vec<String> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, hostile);
    }

    #[test]
    fn front_coding_cuts_at_characters_and_counts_utf16_units() {
        assert_eq!(front_code("", "web-1"), (0, "web-1"));
        assert_eq!(front_code("api-7d9f-a81zq", "api-7d9f-x2k4p"), (9, "x2k4p"));
        assert_eq!(front_code("10.42.1.7", "10.42.1.70"), (9, "0"));
        // 😀 is two UTF-16 units: JavaScript's slice(0, 3) keeps "a😀".
        assert_eq!(front_code("a😀b", "a😀c"), (3, "c"));
        assert_eq!(front_code("é1", "é2"), (1, "2"));
    }
}
