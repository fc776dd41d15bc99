//! The summary printed on the terminal: the answer first — the root causes in rank order,
//! each with its first piece of evidence and, folded under it one line each, the findings
//! that follow from it — then context and collection gaps.

use super::chains::{explains_words, Chains};
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
    let chains = Chains::of(a);
    let roots: Vec<usize> = chains
        .roots
        .iter()
        .copied()
        .filter(|&r| a.findings[r].severity > Severity::Info)
        .collect();
    writeln!(
        out,
        "\n  {} critical   {} warning   {} info   {} root cause(s)\n",
        paint.wrap("1;31", &a.summary.critical.to_string()),
        paint.wrap("1;33", &a.summary.warning.to_string()),
        a.summary.info,
        roots.len()
    )?;
    if a.summary.critical == 0 && a.summary.warning == 0 {
        writeln!(out, "No problem found.")?;
    }
    for (n, &r) in roots.iter().enumerate() {
        let f = &a.findings[r];
        let explains = explains_words(chains.explains[r])
            .map(|w| paint.wrap("2", &format!(" — {w}")))
            .unwrap_or_default();
        write!(out, "{} ", paint.wrap("1", &format!("#{}", n + 1)))?;
        detailed(&paint, f, &explains, out)?;
        for (depth, i) in chains.below(r) {
            let e = &a.findings[i];
            let pad = "  ".repeat(depth + 1);
            writeln!(
                out,
                "{pad}→ {} {} {}",
                paint.severity(e.severity),
                safe(&e.title),
                paint.wrap("2", &format!("[{}]", e.category))
            )?;
            if let Some(why) = &e.because {
                writeln!(
                    out,
                    "{pad}    {}",
                    paint.wrap("2", &format!("because {}", safe(why)))
                )?;
            }
        }
        writeln!(out)?;
    }
    let infos: Vec<&Finding> = chains
        .roots
        .iter()
        .map(|&r| &a.findings[r])
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
        .filter(|c| {
            !matches!(
                c.status,
                CollectionStatus::Skipped | CollectionStatus::Absent
            )
        })
        .collect();
    absent(a, out)?;
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

/// What the inputs' flavors cannot hold, once per reason with the nodes it concerns: a
/// must-gather of a hundred nodes lacks `df` on every one of them, which is one line.
fn absent(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
    for c in a
        .collection
        .iter()
        .filter(|c| c.status == CollectionStatus::Absent)
    {
        let why = c.error.as_deref().unwrap_or("");
        let at = match reasons.iter().position(|(r, _)| *r == why) {
            Some(i) => i,
            None => {
                reasons.push((why, Vec::new()));
                reasons.len() - 1
            }
        };
        reasons[at].1.extend(c.node.as_deref());
    }
    if reasons.is_empty() {
        return Ok(());
    }
    writeln!(out, "Not in what was read (unknown, not healthy):")?;
    for (why, nodes) in reasons {
        let on = match nodes.as_slice() {
            [] => String::new(),
            [one] => format!(" (node {})", safe(one)),
            many => {
                let shown: Vec<String> = many.iter().take(5).map(|n| safe(n)).collect();
                let more = many.len().saturating_sub(5);
                let tail = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                format!(" ({} nodes: {}{tail})", many.len(), shown.join(", "))
            }
        };
        writeln!(out, "  {}{on}", safe(why))?;
    }
    Ok(())
}

fn detailed(paint: &Paint, f: &Finding, tail: &str, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{} {} {}{tail}",
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kbundle_format::analysis::CollectionRow;

    #[test]
    fn what_the_inputs_cannot_hold_is_one_line_per_reason() {
        let mut a: Analysis = serde_json::from_str(
            r#"{"format": "kbundle-analysis/v1", "tool": {"name": "kbundle", "version": "0"},
                "bundles": [], "summary": {"critical": 0, "warning": 0, "info": 0},
                "findings": [], "timeline": [], "collection": []}"#,
        )
        .unwrap();
        for node in ["m0", "m1", "m2", "w0", "w1", "w2", "w3"] {
            for (collector, why) in [
                ("run/df-h", "a must-gather has no df output"),
                ("run/ip-addr", "a must-gather has no ip or route output"),
            ] {
                a.collection.push(CollectionRow {
                    collector: collector.into(),
                    node: Some(node.into()),
                    status: CollectionStatus::Absent,
                    error: Some(why.into()),
                });
            }
        }
        let mut out = Vec::new();
        write(&a, Color::Off, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(
                "Not in what was read (unknown, not healthy):\n  a must-gather has no df output (7 nodes: m0, m1, m2, w0, w1 and 2 more)\n  a must-gather has no ip or route output (7 nodes:"
            ),
            "{text}"
        );
        assert!(!text.contains("Not collected or not readable"), "{text}");
    }
}
