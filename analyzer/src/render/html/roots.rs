//! The section the page opens with: the root causes in rank order, each with what was seen,
//! its first evidence, and the chain of findings that follow from it — folded, one line per
//! link with its `because` and the evidence line that shows it.
//!
//! At fleet scale the section stays small: the first [`ROOTS_SHOWN`] roots and the first
//! [`CHAIN_SHOWN`] links of each are in the page; the rest are a click away among the
//! findings, which hold everything.

use super::checklist::Link;
use super::view::location;
use crate::render::chains::{explains_words, Chains};
use crate::report::Report;
use kbundle_format::analysis::Finding;
use serde::Serialize;
use std::collections::HashMap;

/// Root causes rendered into the page.
pub const ROOTS_SHOWN: usize = 50;
/// Findings of one chain rendered into the page.
pub const CHAIN_SHOWN: usize = 200;

/// The root-cause section.
#[derive(Debug, Serialize)]
pub(crate) struct RootsView {
    /// The first [`ROOTS_SHOWN`] roots with a problem (critical or warning).
    pub items: Vec<RootView>,
    /// How many more there are.
    pub hidden: usize,
}

/// One root cause.
#[derive(Debug, Serialize)]
pub(crate) struct RootView {
    /// Element id, `root-<rank>`.
    pub id: String,
    /// `1`, `2`, ...: its rank.
    pub rank: usize,
    /// Severity word (CSS class).
    pub severity: &'static str,
    /// Its title.
    pub title: String,
    /// Category name.
    pub category: &'static str,
    /// What was seen.
    pub message: String,
    /// Its card among the findings, `#f-<index>`.
    pub href: String,
    /// `explains 9 findings`, or empty.
    pub explains: String,
    /// Its first piece of evidence.
    pub evidence: Option<Line>,
    /// Other roots that may be related (same node, same minutes, no known link).
    pub related: Vec<Link>,
    /// The findings that follow from it, depth first.
    pub chain: Vec<ChainItem>,
    /// The summary of the folded chain (`9 findings follow from it`).
    pub chain_label: String,
    /// Links of the chain left out of the page.
    pub chain_hidden: usize,
}

/// A finding in a chain.
#[derive(Debug, Serialize)]
pub(crate) struct ChainItem {
    /// `d1` .. `d6`: its depth below the root (CSS indents by it).
    pub depth: String,
    /// Severity word.
    pub severity: &'static str,
    /// Its title.
    pub title: String,
    /// Category name.
    pub category: &'static str,
    /// Its card, `#f-<index>`.
    pub href: String,
    /// Why its cause explains it.
    pub because: String,
    /// The evidence line that shows the link (the finding's first).
    pub evidence: Option<Line>,
}

/// An evidence line.
#[derive(Debug, Serialize)]
pub(crate) struct Line {
    /// `file:line`.
    pub location: String,
    /// The text, cut to a line's length.
    pub text: String,
}

/// The deepest indentation the page draws; deeper links are drawn at this depth.
const MAX_DEPTH: usize = 6;

/// Builds the section from the analysis.
pub(crate) fn roots(report: &Report) -> RootsView {
    let a = &report.analysis;
    let chains = Chains::of(a);
    let index: HashMap<&str, usize> = a
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    let rank_of: HashMap<usize, usize> = chains
        .roots
        .iter()
        .enumerate()
        .map(|(rank, &i)| (i, rank))
        .collect();
    let problems: Vec<usize> = chains
        .roots
        .iter()
        .copied()
        .filter(|&r| a.findings[r].severity > kbundle_format::analysis::Severity::Info)
        .collect();
    let items = problems
        .iter()
        .take(ROOTS_SHOWN)
        .map(|&r| {
            let f = &a.findings[r];
            let below = chains.below(r);
            let rank = rank_of.get(&r).copied().unwrap_or(0);
            let n = below.len();
            RootView {
                id: format!("root-{rank}"),
                rank: rank + 1,
                severity: f.severity.as_str(),
                title: f.title.clone(),
                category: f.category.as_str(),
                message: f.message.clone(),
                href: format!("#f-{r}"),
                explains: explains_words(chains.explains[r]).unwrap_or_default(),
                evidence: first_line(f),
                related: f
                    .maybe_related
                    .iter()
                    .filter_map(|id| index.get(id.as_str()))
                    .map(|&i| Link {
                        href: format!("#f-{i}"),
                        label: a.findings[i].title.clone(),
                    })
                    .collect(),
                chain: below
                    .iter()
                    .take(CHAIN_SHOWN)
                    .map(|&(depth, i)| {
                        let e = &a.findings[i];
                        ChainItem {
                            depth: format!("d{}", depth.min(MAX_DEPTH)),
                            severity: e.severity.as_str(),
                            title: e.title.clone(),
                            category: e.category.as_str(),
                            href: format!("#f-{i}"),
                            because: e.because.clone().unwrap_or_default(),
                            evidence: first_line(e),
                        }
                    })
                    .collect(),
                chain_label: match n {
                    0 => String::new(),
                    1 => "1 finding follows from it".to_string(),
                    n => format!("{n} findings follow from it"),
                },
                chain_hidden: n.saturating_sub(CHAIN_SHOWN),
            }
        })
        .collect();
    RootsView {
        items,
        hidden: problems.len().saturating_sub(ROOTS_SHOWN),
    }
}

/// The longest evidence text a chain line shows.
const LINE_CHARS: usize = 240;

fn first_line(f: &Finding) -> Option<Line> {
    let e = f.evidence.first()?;
    let mut text: String = e.text.chars().take(LINE_CHARS).collect();
    if e.text.chars().count() > LINE_CHARS {
        text.push('…');
    }
    Some(Line {
        location: location(&e.file, e.line),
        text,
    })
}
