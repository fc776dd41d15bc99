//! A diff as terminal text, Markdown and JSON: the same [`Diff`] each time, findings first
//! (new, then persisting ones that changed, then resolved), then the changes by area.

use super::untrusted::{markdown as md, markdown_code as code, terminal};
use kbundle_format::analysis::{BundleSummary, Finding};
use kbundle_format::diff::{Change, Diff, Persisting};
use std::io::{self, Write};

/// Lines of a unified diff shown in the terminal before "... N more lines".
const DIFF_LINES_SHOWN: usize = 40;

/// Writes the diff as indented JSON.
pub fn json(d: &Diff, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, d)?;
    writeln!(out)
}

fn side(bundles: &[BundleSummary]) -> String {
    bundles
        .iter()
        .map(|b| {
            format!(
                "{} (created {}, Kubernetes {}, {} node(s))",
                b.path,
                b.created.as_deref().unwrap_or("unknown"),
                b.cluster_version.as_deref().unwrap_or("unknown"),
                b.nodes.len()
            )
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Persisting findings whose severity or count changed.
fn changed(d: &Diff) -> Vec<&Persisting> {
    d.findings
        .persisting
        .iter()
        .filter(|p| p.changed())
        .collect()
}

/// The one-line summary: how many findings came, went, stayed, and how much state changed.
fn counts(d: &Diff, changed: usize) -> String {
    format!(
        "{} new finding(s), {} resolved, {} persisting ({changed} changed), {} change(s) of state",
        d.findings.new.len(),
        d.findings.resolved.len(),
        d.findings.persisting.len(),
        d.changes.len()
    )
}

fn finding_line(f: &Finding) -> String {
    format!(
        "{} {} [{}]",
        f.severity.as_str().to_uppercase(),
        f.title,
        f.category
    )
}

fn persisting_line(p: &Persisting) -> String {
    let f = &p.finding;
    let severity = if p.old_severity == f.severity {
        f.severity.as_str().to_uppercase()
    } else {
        format!(
            "{} → {}",
            p.old_severity.as_str().to_uppercase(),
            f.severity.as_str().to_uppercase()
        )
    };
    format!(
        "{severity} {} [{}] (count {} → {})",
        f.title, f.category, p.old_count, f.count
    )
}

/// Writes the diff for a terminal.
pub fn terminal_text(d: &Diff, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "old: {}", terminal(&side(&d.old)))?;
    writeln!(out, "new: {}", terminal(&side(&d.new)))?;
    let changed = changed(d);
    writeln!(out, "\n  {}\n", counts(d, changed.len()))?;
    if !d.findings.new.is_empty() {
        writeln!(out, "New findings (root causes first):")?;
        for f in &d.findings.new {
            writeln!(out, "  + {}", terminal(&finding_line(f)))?;
            if let Some(e) = f.evidence.first() {
                writeln!(
                    out,
                    "      {}",
                    terminal(&evidence_text(&e.file, e.line, &e.text))
                )?;
            }
        }
        writeln!(out)?;
    }
    if !changed.is_empty() {
        writeln!(out, "Persisting findings that changed:")?;
        for p in &changed {
            writeln!(out, "  ~ {}", terminal(&persisting_line(p)))?;
        }
        writeln!(out)?;
    }
    if !d.findings.resolved.is_empty() {
        writeln!(out, "Resolved findings:")?;
        for f in &d.findings.resolved {
            writeln!(out, "  - {}", terminal(&finding_line(f)))?;
        }
        writeln!(out)?;
    }
    if d.changes.is_empty() {
        writeln!(out, "No change of state worth reading.")?;
        return Ok(());
    }
    writeln!(out, "Changes:")?;
    for c in &d.changes {
        writeln!(out, "  [{}] {}", c.area.as_str(), terminal(&c.what))?;
        for e in &c.evidence {
            writeln!(
                out,
                "      {}: {}",
                e.side.as_str(),
                terminal(&evidence_text(&e.file, e.line, &e.text))
            )?;
        }
        if let Some(diff) = &c.unified_diff {
            let lines: Vec<&str> = diff.lines().collect();
            for l in lines.iter().take(DIFF_LINES_SHOWN) {
                writeln!(out, "      {}", terminal(l))?;
            }
            if lines.len() > DIFF_LINES_SHOWN {
                writeln!(
                    out,
                    "      ... {} more lines",
                    lines.len() - DIFF_LINES_SHOWN
                )?;
            }
        }
    }
    Ok(())
}

/// Evidence as one line: `file:line text`, or `file text` when the file has no lines.
pub(crate) fn evidence_text(file: &str, line: Option<u64>, text: &str) -> String {
    match line {
        Some(l) => format!("{file}:{l} {text}"),
        None => format!("{file} {text}"),
    }
}

/// Writes the diff as Markdown, for a ticket.
pub fn markdown(d: &Diff, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# kbundle diff\n")?;
    writeln!(out, "- Old: {}", md(&side(&d.old)))?;
    writeln!(out, "- New: {}\n", md(&side(&d.new)))?;
    let changed = changed(d);
    writeln!(out, "**{}**\n", counts(d, changed.len()))?;
    let list = |out: &mut dyn Write, title: &str, items: Vec<String>| -> io::Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        writeln!(out, "## {title}\n")?;
        for i in items {
            writeln!(out, "- {i}")?;
        }
        writeln!(out)
    };
    list(
        out,
        "New findings",
        d.findings
            .new
            .iter()
            .map(|f| {
                let mut s = md(&finding_line(f));
                if let Some(e) = f.evidence.first() {
                    s.push_str(&format!(
                        " — {}",
                        code(&evidence_text(&e.file, e.line, &e.text))
                    ));
                }
                s
            })
            .collect(),
    )?;
    list(
        out,
        "Persisting findings that changed",
        changed.iter().map(|p| md(&persisting_line(p))).collect(),
    )?;
    list(
        out,
        "Resolved findings",
        d.findings
            .resolved
            .iter()
            .map(|f| md(&finding_line(f)))
            .collect(),
    )?;
    if d.changes.is_empty() {
        return writeln!(out, "No change of state worth reading.");
    }
    writeln!(out, "## Changes\n")?;
    for c in &d.changes {
        write_change(c, out)?;
    }
    Ok(())
}

fn write_change(c: &Change, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "- **{}** {}", c.area.as_str(), md(&c.what))?;
    for e in &c.evidence {
        writeln!(
            out,
            "  - {}: {}",
            e.side.as_str(),
            code(&evidence_text(&e.file, e.line, &e.text))
        )?;
    }
    if let Some(diff) = &c.unified_diff {
        let lines: Vec<String> = diff.lines().map(terminal).collect();
        let longest = lines
            .iter()
            .flat_map(|l| l.split(|ch| ch != '`').map(str::len))
            .max()
            .unwrap_or(0);
        let fence = "`".repeat(longest.max(2) + 1);
        writeln!(out, "\n  {fence}diff")?;
        for l in &lines {
            writeln!(out, "  {l}")?;
        }
        writeln!(out, "  {fence}\n")?;
    }
    Ok(())
}
