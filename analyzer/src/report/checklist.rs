//! The triage checklist: one row per node, one cell per step of the seed procedure (node
//! Ready → kube-system pods → pod logs → static pods → events → kubelet → OS logs →
//! reboots → storage → network → iSCSI / multipath), each cell a mark that links to its
//! findings.
//!
//! A cell is decided from two things, in this order:
//! 1. the findings of the step's categories about the row's node ([`Step::of`] maps every
//!    category but `collection-gap` to exactly one step; the steps are the format crate's,
//!    so the node command table names them too): a critical or warning finding
//!    decides the cell, whatever else is known;
//! 2. whether the data the step reads is in the bundle for that node: a collection gap on a
//!    collector the step reads, or the data simply absent, makes the cell "no data" with the
//!    reason — never a pass; a step that cannot apply (no static pods on a worker, multipath
//!    and iscsiadm not installed) is "n/a" with the reason; only then is it a pass.
//!
//! Findings about no node (unscheduled pods, workloads, the cluster) go to a first row for
//! the cluster, whose node-only steps are n/a unless such a finding lands there.

mod absent;
mod data;
mod gaps;
pub mod order;
#[cfg(test)]
mod tests;

pub use kbundle_format::checklist::Step;

pub(crate) use absent::absences;

use crate::facts::Facts;
use data::{Data, NodeIndex, NodeView};
use kbundle_format::analysis::{Analysis, Finding, Severity, SubjectKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The verdict of a cell. "No data" and "n/a" are never shown like a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mark {
    /// The data is there and no finding says anything is wrong.
    Pass,
    /// A warning finding, none critical.
    Warning,
    /// A critical finding.
    Critical,
    /// The step's data is missing (not collected, collector failed, file absent).
    NoData,
    /// The step does not apply to this node.
    NotApplicable,
}

/// One cell: a step for a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// The step.
    pub step: Step,
    /// The verdict.
    pub mark: Mark,
    /// Why, in words: the findings, what is missing, or what was read.
    pub reason: String,
    /// Indices into `analysis.findings`: the step's findings about this row, and the
    /// collection-gap finding of the row when a gap left the step without data.
    pub findings: Vec<usize>,
    /// Indices into `analysis.collection`: the gaps that hit this step.
    pub gaps: Vec<usize>,
    /// The root causes its critical and warning findings follow from, as ranks (positions in
    /// `summary.root_causes`), best first: where the cell's mark leads.
    pub roots: Vec<usize>,
}

/// One node's row (or the cluster's, for findings about no node).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The node; `None` for the cluster row.
    pub node: Option<String>,
    /// One cell per [`Step::ALL`], in order.
    pub cells: Vec<Cell>,
}

/// The whole checklist: the cluster row first, then the nodes with a problem by the rank of
/// their worst root cause, then the rest, names in natural order ([`order`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Checklist {
    /// The rows.
    pub rows: Vec<Row>,
}

/// Builds the checklist of an analysis from the facts it was made of.
pub fn build(facts: &Facts, analysis: &Analysis) -> Checklist {
    let pod_nodes: HashMap<(&str, &str), &str> = facts
        .pods_that_may_matter
        .iter()
        .filter(|p| !p.object.spec.node_name.is_empty())
        .map(|p| {
            let m = &p.object.metadata;
            (
                (m.namespace.as_str(), m.name.as_str()),
                p.object.spec.node_name.as_str(),
            )
        })
        .collect();
    let mut nodes: BTreeSet<String> = facts.node_names().into_iter().collect();
    // A node the collector named but got nothing from (an SSH host that refused, an agent pod
    // that never ran) has no objects and no host data: its manifest rows alone give it a row,
    // so it shows as "no data" instead of being absent.
    nodes.extend(analysis.collection.iter().filter_map(|c| c.node.clone()));
    let mut by_row: BTreeMap<(Option<String>, Step), Vec<usize>> = BTreeMap::new();
    for (i, f) in analysis.findings.iter().enumerate() {
        let Some(step) = Step::of(f.category) else {
            continue;
        };
        let node = node_of(f, &pod_nodes).map(str::to_string);
        if let Some(n) = &node {
            nodes.insert(n.clone());
        }
        by_row.entry((node, step)).or_default().push(i);
    }
    let index = NodeIndex::new(facts);
    let gap_index = gaps::GapIndex::new(analysis, &pod_nodes);
    let rows_nodes = std::iter::once(None).chain(nodes.into_iter().map(Some));
    let mut rows = rows_nodes
        .map(|node| {
            let view = NodeView::new(facts, &index, node.as_deref());
            let cells = Step::ALL
                .iter()
                .map(|&step| {
                    let findings = by_row
                        .get(&(node.clone(), step))
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    let gaps = gap_index.gaps_of(node.as_deref(), step);
                    let gap_finding = gap_index.gap_finding(node.as_deref());
                    decide(step, analysis, findings, gaps, gap_finding, view.data(step))
                })
                .collect();
            Row { node, cells }
        })
        .collect::<Vec<Row>>();
    order::arrange(&mut rows, analysis);
    Checklist { rows }
}

/// The node a finding is about: the node itself, the node of its subject, or the node its
/// pod was scheduled to.
fn node_of<'a>(f: &'a Finding, pod_nodes: &HashMap<(&str, &str), &'a str>) -> Option<&'a str> {
    let s = &f.subject;
    if s.kind == SubjectKind::Node {
        return Some(&s.name);
    }
    if let Some(n) = &s.node {
        return Some(n);
    }
    if matches!(s.kind, SubjectKind::Pod | SubjectKind::Container) {
        let ns = s.namespace.as_deref().unwrap_or("");
        return pod_nodes.get(&(ns, s.name.as_str())).copied();
    }
    None
}

/// Decides one cell (the rule in the module doc).
fn decide(
    step: Step,
    analysis: &Analysis,
    findings: &[usize],
    gaps: Vec<usize>,
    gap_finding: Option<usize>,
    data: Data,
) -> Cell {
    let worst = findings
        .iter()
        .filter_map(|&i| analysis.findings.get(i))
        .map(|f| f.severity)
        .max();
    let gap_words: Vec<String> = gaps
        .iter()
        .filter_map(|&i| analysis.collection.get(i))
        .map(|c| match &c.error {
            Some(e) => format!("{} {}: {e}", c.collector, c.status),
            None => format!("{} {}", c.collector, c.status),
        })
        .collect();
    let mut linked = findings.to_vec();
    let (mark, reason) = match (worst, &data) {
        (Some(s @ (Severity::Critical | Severity::Warning)), _) => {
            let mut reason = count_findings(findings.len());
            if !gap_words.is_empty() {
                reason.push_str(&format!("; data incomplete ({})", gap_words.join("; ")));
            }
            let mark = if s == Severity::Critical {
                Mark::Critical
            } else {
                Mark::Warning
            };
            (mark, reason)
        }
        _ if !gap_words.is_empty() => {
            linked.extend(gap_finding);
            (
                Mark::NoData,
                format!("collection gap: {}", gap_words.join("; ")),
            )
        }
        (_, Data::Missing(why)) => (Mark::NoData, why.clone()),
        (_, Data::NotApplicable(why)) => (Mark::NotApplicable, why.clone()),
        (_, Data::Present(what)) => {
            let reason = if findings.is_empty() {
                format!("no finding; read {what}")
            } else {
                format!("{} (info); read {what}", count_findings(findings.len()))
            };
            (Mark::Pass, reason)
        }
    };
    Cell {
        step,
        mark,
        reason,
        findings: linked,
        gaps,
        roots: Vec::new(),
    }
}

fn count_findings(n: usize) -> String {
    if n == 1 {
        "1 finding".to_string()
    } else {
        format!("{n} findings")
    }
}
