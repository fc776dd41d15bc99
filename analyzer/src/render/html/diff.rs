//! The diff as one HTML page, built like the report (handlebars, every bundle string
//! escaped, nothing loaded from anywhere) and simpler: it runs no script at all, so its
//! Content-Security-Policy allows only its own style sheet.

use super::{csp_hash, verbatim};
use crate::render::diff::evidence_text;
use kbundle_format::analysis::Finding;
use kbundle_format::diff::{Change, Diff};
use serde::Serialize;
use std::io::{self, Write};

/// The diff page's template.
pub const TEMPLATE: &str = include_str!("../../../../templates/diff.hbs");
/// The diff page's style sheet, inserted verbatim.
pub const STYLE: &str = include_str!("../../../../templates/diff.css");

/// Unified diff lines shown per change; the JSON holds all of them.
const DIFF_LINES_SHOWN: usize = 400;

#[derive(Serialize)]
struct Page {
    csp: String,
    generated_by: String,
    old: Vec<String>,
    new: Vec<String>,
    counts: Counts,
    new_findings: Vec<FindingRow>,
    changed: Vec<PersistingRow>,
    resolved: Vec<FindingRow>,
    areas: Vec<AreaGroup>,
}

#[derive(Serialize)]
struct Counts {
    new: usize,
    changed: usize,
    unchanged: usize,
    resolved: usize,
    changes: usize,
}

#[derive(Serialize)]
struct FindingRow {
    severity: &'static str,
    title: String,
    category: String,
    evidence: Option<String>,
}

#[derive(Serialize)]
struct PersistingRow {
    old_severity: &'static str,
    severity: &'static str,
    title: String,
    category: String,
    old_count: u64,
    count: u64,
}

#[derive(Serialize)]
struct AreaGroup {
    name: &'static str,
    count: usize,
    changes: Vec<ChangeRow>,
}

#[derive(Serialize)]
struct ChangeRow {
    what: String,
    evidence: Vec<EvidenceRow>,
    diff: Vec<DiffLine>,
}

#[derive(Serialize)]
struct EvidenceRow {
    side: &'static str,
    text: String,
}

#[derive(Serialize)]
struct DiffLine {
    class: &'static str,
    text: String,
}

fn finding_row(f: &Finding) -> FindingRow {
    FindingRow {
        severity: f.severity.as_str(),
        title: f.title.clone(),
        category: f.category.to_string(),
        evidence: f
            .evidence
            .first()
            .map(|e| evidence_text(&e.file, e.line, &e.text)),
    }
}

fn change_row(c: &Change) -> ChangeRow {
    let diff = c
        .unified_diff
        .as_deref()
        .map(|d| {
            d.lines()
                .take(DIFF_LINES_SHOWN)
                .map(|l| DiffLine {
                    class: match l.as_bytes().first() {
                        Some(b'+') if !l.starts_with("+++") => "add",
                        Some(b'-') if !l.starts_with("---") => "del",
                        Some(b'@') => "hunk",
                        _ => "ctx",
                    },
                    text: l.to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    ChangeRow {
        what: c.what.clone(),
        evidence: c
            .evidence
            .iter()
            .map(|e| EvidenceRow {
                side: e.side.as_str(),
                text: evidence_text(&e.file, e.line, &e.text),
            })
            .collect(),
        diff,
    }
}

fn page(d: &Diff) -> Page {
    let side = |b: &kbundle_format::analysis::BundleSummary| {
        format!(
            "{} — created {}, Kubernetes {}, {} node(s)",
            b.path,
            b.created.as_deref().unwrap_or("unknown"),
            b.cluster_version.as_deref().unwrap_or("unknown"),
            b.nodes.len()
        )
    };
    let (changed, unchanged): (Vec<_>, Vec<_>) =
        d.findings.persisting.iter().partition(|p| p.changed());
    let mut areas: Vec<AreaGroup> = Vec::new();
    for c in &d.changes {
        match areas.last_mut() {
            Some(g) if g.name == c.area.as_str() => {
                g.count += 1;
                g.changes.push(change_row(c));
            }
            _ => areas.push(AreaGroup {
                name: c.area.as_str(),
                count: 1,
                changes: vec![change_row(c)],
            }),
        }
    }
    Page {
        csp: format!(
            "default-src 'none'; style-src '{}'; base-uri 'none'; form-action 'none'",
            csp_hash(STYLE)
        ),
        generated_by: format!("{} {}", d.tool.name, d.tool.version),
        old: d.old.iter().map(side).collect(),
        new: d.new.iter().map(side).collect(),
        counts: Counts {
            new: d.findings.new.len(),
            changed: changed.len(),
            unchanged: unchanged.len(),
            resolved: d.findings.resolved.len(),
            changes: d.changes.len(),
        },
        new_findings: d.findings.new.iter().map(finding_row).collect(),
        changed: changed
            .iter()
            .map(|p| PersistingRow {
                old_severity: p.old_severity.as_str(),
                severity: p.finding.severity.as_str(),
                title: p.finding.title.clone(),
                category: p.finding.category.to_string(),
                old_count: p.old_count,
                count: p.finding.count,
            })
            .collect(),
        resolved: d.findings.resolved.iter().map(finding_row).collect(),
        areas,
    }
}

/// Writes the diff as one HTML page.
pub fn write(d: &Diff, out: &mut dyn Write) -> io::Result<()> {
    let mut hb = handlebars::Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_template_string("diff", TEMPLATE)
        .map_err(io::Error::other)?;
    hb.register_helper("inline_style", Box::new(verbatim(STYLE)));
    hb.render_to_write("diff", &page(d), out)
        .map_err(io::Error::other)
}
