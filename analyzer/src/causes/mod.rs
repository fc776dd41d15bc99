//! Cause first: which findings explain which, so a report can lead with what to fix.
//!
//! Knowledge of how problems cause each other is data ([`catalog`]: YAML in
//! `analyzer/causes/`, each link with examples the tests run). Whether a link holds between
//! two findings is decided from the bundle's own facts ([`relations`]: the same node, the
//! same pod, the pod of a workload, a named object, a time window) by [`matching`]; a link
//! the data does not show is never made. [`graph`] turns the links into `caused_by` and
//! `because`, ranks the root causes and orders the findings. docs/causes.md says more.

pub(crate) mod catalog;
pub(crate) mod examples;
pub(crate) mod graph;
pub(crate) mod matching;
pub(crate) mod relations;

pub use catalog::{CauseCatalog, CauseCatalogError};
pub use examples::ExampleFinding;
pub use relations::{PodFacts, Relations};

use crate::facts::Facts;
use kbundle_format::analysis::Finding;

/// Gives the findings their ids and links, and orders them: root causes first (most severe,
/// then explaining most, then earliest), then what each explains, chain by chain. Returns
/// the findings and the root ids in rank order. `findings` must come in a deterministic
/// order (as [`crate::findings::Findings::into_sorted`] gives them).
pub(crate) fn explain(
    findings: Vec<Finding>,
    facts: &Facts,
    catalog: &CauseCatalog,
) -> (Vec<Finding>, Vec<String>) {
    explain_with(findings, &Relations::of(facts), catalog)
}

/// [`explain`] with the relations given (the examples and tests build their own).
pub fn explain_with(
    mut findings: Vec<Finding>,
    relations: &Relations,
    catalog: &CauseCatalog,
) -> (Vec<Finding>, Vec<String>) {
    crate::findings::ids::assign(&mut findings);
    let prepared = matching::Prepared::new(&findings, relations);
    let edges: Vec<matching::Edge> = catalog
        .links
        .iter()
        .enumerate()
        .flat_map(|(i, link)| prepared.edges(i, link))
        .collect();
    graph::arrange(findings, &edges, |f| {
        relations.node_of(f).map(str::to_string)
    })
}

#[cfg(test)]
mod tests;
