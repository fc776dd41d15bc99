//! The checklist as the page shows it. Rows with a problem come first (the report orders
//! them by their worst root cause) and their marks lead to that root cause; rows with no
//! problem that share the same marks fold into one row ("196 nodes pass every step") whose
//! names open on demand, so a fleet's healthy majority costs one row, not thousands.

use crate::report::checklist::{Mark, Row};
use crate::report::Report;
use serde::Serialize;

/// A checklist row.
#[derive(Debug, Serialize)]
pub(crate) struct ChecklistRow {
    /// For a folded row: the nodes it stands for.
    pub fold: Option<Fold>,
    /// Node name, or `cluster`.
    pub node: String,
    /// The row about no single node.
    pub is_cluster: bool,
    /// One per step.
    pub cells: Vec<CellView>,
}

/// A checklist cell.
#[derive(Debug, Serialize)]
pub(crate) struct CellView {
    /// `pass`, `warning`, `critical`, `no-data`, `n-a` (CSS class and test hook).
    pub mark: &'static str,
    /// A symbol that says the same as the word (for print and colour-blind readers).
    pub symbol: &'static str,
    /// The word shown.
    pub word: &'static str,
    /// Why.
    pub reason: String,
    /// The reason cut to a length that fits a cell (the tooltip has it whole).
    pub brief: String,
    /// The step's label, for the cell's tooltip.
    pub step: &'static str,
    /// Where the mark links: the first finding, else the first gap.
    pub href: Option<String>,
    /// Links to the further findings.
    pub more: Vec<Link>,
}

/// A link inside the page.
#[derive(Debug, Serialize)]
pub(crate) struct Link {
    /// `#f-12`.
    pub href: String,
    /// What it says (`+2`).
    pub label: String,
}

/// The nodes a folded row stands for.
#[derive(Debug, Serialize)]
pub(crate) struct Fold {
    /// `196 nodes pass every step`.
    pub label: String,
    /// Their names, in natural order, comma-separated.
    pub names: String,
}

/// The rows of the page's checklist: see the module doc.
pub(crate) fn checklist(report: &Report) -> Vec<ChecklistRow> {
    let roots = &report.analysis.summary.root_causes;
    let title_of = |rank: usize| {
        roots
            .get(rank)
            .and_then(|id| report.analysis.findings.iter().find(|f| &f.id == id))
            .map(|f| f.title.clone())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    // Rows with no problem, grouped by their marks, in order of first appearance.
    let mut quiet: Vec<(Vec<Mark>, Vec<&Row>)> = Vec::new();
    for row in &report.checklist.rows {
        let problem = row
            .cells
            .iter()
            .any(|c| matches!(c.mark, Mark::Critical | Mark::Warning));
        if problem || row.node.is_none() {
            out.push(ChecklistRow {
                fold: None,
                node: row.node.clone().unwrap_or_else(|| "cluster".to_string()),
                is_cluster: row.node.is_none(),
                cells: row.cells.iter().map(|c| cell(c, &title_of)).collect(),
            });
            continue;
        }
        let marks: Vec<Mark> = row.cells.iter().map(|c| c.mark).collect();
        match quiet.iter_mut().find(|(m, _)| *m == marks) {
            Some((_, rows)) => rows.push(row),
            None => quiet.push((marks, vec![row])),
        }
    }
    // Groups that pass outright go last: they are the least interesting.
    quiet.sort_by_key(|(marks, _)| {
        marks
            .iter()
            .all(|m| matches!(m, Mark::Pass | Mark::NotApplicable))
    });
    for (marks, rows) in quiet {
        if rows.len() == 1 {
            let row = rows[0];
            out.push(ChecklistRow {
                fold: None,
                node: row.node.clone().unwrap_or_default(),
                is_cluster: false,
                cells: row.cells.iter().map(|c| cell(c, &title_of)).collect(),
            });
            continue;
        }
        let n = rows.len();
        let passes = marks
            .iter()
            .all(|m| matches!(m, Mark::Pass | Mark::NotApplicable));
        let label = if passes {
            format!("{n} nodes pass every step")
        } else {
            format!("{n} nodes, no problem, the same marks")
        };
        let names: Vec<&str> = rows.iter().filter_map(|r| r.node.as_deref()).collect();
        out.push(ChecklistRow {
            fold: Some(Fold {
                label: label.clone(),
                names: names.join(", "),
            }),
            node: label,
            is_cluster: false,
            cells: rows[0]
                .cells
                .iter()
                .map(|c| {
                    let (mark, symbol, word) = mark_words(c.mark);
                    let reason =
                        format!("the same on all {n} nodes; on {}: {}", names[0], c.reason);
                    CellView {
                        mark,
                        symbol,
                        word,
                        brief: brief(&reason),
                        reason,
                        step: c.step.label(),
                        href: None,
                        more: Vec::new(),
                    }
                })
                .collect(),
        });
    }
    out
}

/// A cell of a row shown as itself: its mark leads to the root cause that explains it (in
/// the root-cause section), the further links to its findings.
fn cell(c: &crate::report::checklist::Cell, title_of: &impl Fn(usize) -> String) -> CellView {
    let (mark, symbol, word) = mark_words(c.mark);
    let root = c.roots.first().copied();
    let mut reason = c.reason.clone();
    if let Some(r) = root {
        reason.push_str(&format!("; root cause #{}: {}", r + 1, title_of(r)));
    }
    let findings = c.findings.iter().map(|i| format!("#f-{i}"));
    let (href, more): (Option<String>, Vec<String>) = match root {
        Some(r) if r < super::roots::ROOTS_SHOWN => {
            (Some(format!("#root-{r}")), findings.collect())
        }
        _ => {
            let mut f = findings;
            let first = f
                .next()
                .or_else(|| c.gaps.first().map(|i| format!("#gap-{i}")));
            (first, f.collect())
        }
    };
    let offset = if root.is_some_and(|r| r < super::roots::ROOTS_SHOWN) {
        1
    } else {
        2
    };
    CellView {
        mark,
        symbol,
        word,
        brief: brief(&c.reason),
        reason,
        step: c.step.label(),
        href,
        more: more
            .into_iter()
            .take(MORE_LINKS)
            .enumerate()
            .map(|(n, href)| Link {
                href,
                label: format!("+{}", n + offset),
            })
            .collect(),
    }
}

/// At most [`BRIEF_CHARS`] characters of `text`, cut at a word with `…`.
fn brief(text: &str) -> String {
    match text.char_indices().nth(BRIEF_CHARS) {
        None => text.to_string(),
        Some((cut, _)) => {
            let head = &text[..cut];
            let head = head.rsplit_once(' ').map_or(head, |(h, _)| h);
            format!("{}…", head.trim_end_matches([',', ';', ':', ' ']))
        }
    }
}

/// Links to further findings a cell shows (its reason says how many there are).
const MORE_LINKS: usize = 4;

/// The longest reason a checklist cell shows.
const BRIEF_CHARS: usize = 80;

/// CSS class, symbol and word of a mark.
pub(crate) fn mark_words(mark: Mark) -> (&'static str, &'static str, &'static str) {
    match mark {
        Mark::Pass => ("pass", "✔", "pass"),
        Mark::Warning => ("warning", "▲", "warning"),
        Mark::Critical => ("critical", "✖", "critical"),
        Mark::NoData => ("no-data", "?", "no data"),
        Mark::NotApplicable => ("n-a", "–", "n/a"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn briefs_cut_long_reasons_at_a_word() {
        assert_eq!(brief("no finding; read df -h"), "no finding; read df -h");
        let long = "collection gap: cluster-resources/pods/logs error: 6 of 47 container logs could not be fetched";
        let b = brief(long);
        assert!(
            b.ends_with('…') && b.chars().count() <= BRIEF_CHARS + 1,
            "{b}"
        );
        assert!(long.starts_with(b.trim_end_matches('…')));
        assert_eq!(brief(&"é".repeat(200)).chars().count(), BRIEF_CHARS + 1);
    }
}
