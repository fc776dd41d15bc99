//! The analysis as Markdown, to paste into a ticket: summary, the root causes with what
//! follows from each (the first lines a reader sees), then every finding with its evidence,
//! then gaps.

use super::chains::{explains_words, Chains};
use super::untrusted::{markdown as md, markdown_code as code};
use kbundle_format::analysis::{Analysis, Finding, Severity};
use std::io::{self, Write};

/// Writes the Markdown report.
pub fn write(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# kbundle analysis\n")?;
    for b in &a.bundles {
        writeln!(
            out,
            "- Bundle {} ({}), created {}, Kubernetes {}, nodes: {}",
            code(&b.path),
            b.flavor.as_str(),
            b.created.as_deref().unwrap_or("unknown"),
            md(b.cluster_version.as_deref().unwrap_or("unknown")),
            md(&b.nodes.join(", "))
        )?;
    }
    writeln!(
        out,
        "\n**{} critical, {} warning, {} info**\n",
        a.summary.critical, a.summary.warning, a.summary.info
    )?;
    roots(a, out)?;
    for severity in [Severity::Critical, Severity::Warning, Severity::Info] {
        let findings: Vec<_> = a
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .collect();
        if findings.is_empty() {
            continue;
        }
        writeln!(
            out,
            "## {} ({})\n",
            severity.as_str().to_uppercase(),
            findings.len()
        )?;
        for f in findings {
            writeln!(out, "### {} \n", md(&f.title))?;
            writeln!(
                out,
                "- Category: `{}` · rule `{}` · count {} · id `{}`",
                f.category, f.rule, f.count, f.id
            )?;
            if !f.caused_by.is_empty() {
                writeln!(
                    out,
                    "- Caused by {}: {}",
                    f.caused_by
                        .iter()
                        .map(|id| format!("`{id}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    md(f.because.as_deref().unwrap_or(""))
                )?;
            }
            writeln!(out, "- Subject: {}", md(&f.subject.to_string()))?;
            if f.first_seen.is_some() || f.last_seen.is_some() {
                writeln!(
                    out,
                    "- Seen: {} → {}",
                    f.first_seen.as_deref().unwrap_or("?"),
                    f.last_seen.as_deref().unwrap_or("?")
                )?;
            }
            writeln!(out, "- {}", md(&f.message))?;
            writeln!(out, "- Remediation: {}", md(&f.remediation))?;
            for e in &f.evidence {
                let at = match e.line {
                    Some(l) => format!("{}:{l}", e.file),
                    None => e.file.clone(),
                };
                writeln!(out, "  - {}: {}", code(&at), code(&e.text))?;
            }
            writeln!(out)?;
        }
    }
    if !a.collection.is_empty() {
        writeln!(out, "## Collection\n")?;
        writeln!(
            out,
            "| collector | node | status | error |\n|---|---|---|---|"
        )?;
        for c in &a.collection {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                md(&c.collector),
                md(c.node.as_deref().unwrap_or("")),
                md(c.status.as_str()),
                md(c.error.as_deref().unwrap_or(""))
            )?;
        }
    }
    Ok(())
}

/// The root causes, numbered in rank order, each with the findings that follow from it as a
/// nested list.
fn roots(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let chains = Chains::of(a);
    let shown: Vec<usize> = chains
        .roots
        .iter()
        .copied()
        .filter(|&r| a.findings[r].severity > Severity::Info)
        .collect();
    if shown.is_empty() {
        return Ok(());
    }
    writeln!(out, "## Root causes ({})\n", shown.len())?;
    for (n, &r) in shown.iter().enumerate() {
        let f = &a.findings[r];
        let explains = explains_words(chains.explains[r])
            .map(|w| format!(" — {w}"))
            .unwrap_or_default();
        writeln!(out, "{}. {}{explains}", n + 1, line(f))?;
        for (depth, i) in chains.below(r) {
            let e = &a.findings[i];
            let pad = "   ".repeat(depth);
            let why = e
                .because
                .as_deref()
                .map(|w| format!(" — *because {}*", md(w)))
                .unwrap_or_default();
            writeln!(out, "{pad}- {}{why}", line(e))?;
        }
    }
    writeln!(out)
}

fn line(f: &Finding) -> String {
    format!(
        "**{}** {} (`{}`, `{}`)",
        f.severity.as_str().to_uppercase(),
        md(&f.title),
        f.category,
        f.id
    )
}
