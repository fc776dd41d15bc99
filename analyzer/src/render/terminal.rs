//! The summary printed on the terminal: the answer first (counts, then critical and warning
//! findings with their first piece of evidence), the rest one line each.

use super::untrusted::terminal as safe;
use kbundle_format::analysis::{Analysis, CollectionStatus, Finding, Severity};
use std::io::{self, Write};

/// Whether to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// ANSI colours (a terminal).
    On,
    /// Plain text (a pipe or file).
    Off,
}

struct Paint(Color);

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        match self.0 {
            Color::On => format!("\x1b[{code}m{text}\x1b[0m"),
            Color::Off => text.to_string(),
        }
    }

    fn severity(&self, s: Severity) -> String {
        match s {
            Severity::Critical => self.wrap("1;31", "CRITICAL"),
            Severity::Warning => self.wrap("1;33", "WARNING"),
            Severity::Info => self.wrap("2", "info"),
        }
    }
}

/// Writes the terminal summary.
pub fn write(a: &Analysis, color: Color, out: &mut dyn Write) -> io::Result<()> {
    let paint = Paint(color);
    for b in &a.bundles {
        writeln!(
            out,
            "{} — {} bundle, created {}, Kubernetes {}, {} node(s)",
            safe(&b.path),
            b.flavor.as_str(),
            b.created.as_deref().unwrap_or("at an unknown time"),
            safe(b.cluster_version.as_deref().unwrap_or("unknown")),
            b.nodes.len()
        )?;
    }
    writeln!(
        out,
        "\n  {} critical   {} warning   {} info\n",
        paint.wrap("1;31", &a.summary.critical.to_string()),
        paint.wrap("1;33", &a.summary.warning.to_string()),
        a.summary.info
    )?;
    if a.summary.critical == 0 && a.summary.warning == 0 {
        writeln!(out, "No problem found.")?;
    }
    for f in a.findings.iter().filter(|f| f.severity > Severity::Info) {
        detailed(&paint, f, out)?;
    }
    let infos: Vec<&Finding> = a
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Info)
        .collect();
    if !infos.is_empty() {
        writeln!(out, "{}", paint.wrap("2", "Context:"))?;
        for f in infos {
            writeln!(
                out,
                "  {} {} [{}]",
                paint.severity(f.severity),
                safe(&f.title),
                f.category
            )?;
        }
        writeln!(out)?;
    }
    let gaps: Vec<_> = a
        .collection
        .iter()
        .filter(|c| c.status != CollectionStatus::Skipped)
        .collect();
    if !gaps.is_empty() {
        writeln!(out, "Not collected or not readable:")?;
        for c in gaps {
            writeln!(
                out,
                "  {}{}: {} {}",
                safe(&c.collector),
                c.node
                    .as_deref()
                    .map(|n| format!(" on {}", safe(n)))
                    .unwrap_or_default(),
                safe(c.status.as_str()),
                safe(c.error.as_deref().unwrap_or(""))
            )?;
        }
    }
    Ok(())
}

fn detailed(paint: &Paint, f: &Finding, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{} {} {}",
        paint.severity(f.severity),
        paint.wrap("1", &safe(&f.title)),
        paint.wrap("2", &format!("[{}]", f.category))
    )?;
    writeln!(out, "    {}", safe(&f.message))?;
    if let Some(e) = f.evidence.first() {
        let at = match e.line {
            Some(l) => format!("{}:{l}", e.file),
            None => e.file.clone(),
        };
        let mut text = safe(&e.text);
        if text.chars().count() > 160 {
            text = text.chars().take(157).collect::<String>() + "...";
        }
        writeln!(out, "    {} {}", paint.wrap("36", &safe(&at)), text)?;
        if f.evidence.len() > 1 {
            writeln!(
                out,
                "    {}",
                paint.wrap(
                    "2",
                    &format!("(+{} more pieces of evidence)", f.evidence.len() - 1)
                )
            )?;
        }
    }
    writeln!(out)
}
