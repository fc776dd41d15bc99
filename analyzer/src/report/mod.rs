//! The report: the analysis (findings, timeline and collection gaps in the shape of the
//! analysis format, what the JSON holds) plus the views of the facts that a page adds — the
//! one thing every renderer is fed.

pub mod checklist;
pub mod inventory;

use crate::causes::CauseCatalog;
use crate::facts::Facts;
use crate::logscan::Catalog;
use kbundle_format::analysis::{
    Analysis, BundleSummary, CollectionRow, Finding, Severity, SeverityCounts, ANALYSIS_FORMAT_V1,
};
use kbundle_format::manifest::Tool;

/// Everything the renderers show. The JSON is exactly `analysis`.
#[derive(Debug, Clone)]
pub struct Report {
    /// Findings, timeline and collection rows (analysis format v1).
    pub analysis: Analysis,
    /// Nodes and pods as `kubectl get -o wide` lists them.
    pub inventory: inventory::Inventory,
    /// The triage checklist, one row per node.
    pub checklist: checklist::Checklist,
}

/// Builds the report of the facts; `catalog` is the log-rule catalog the logs were scanned
/// with, `causes` the links that say which finding explains which.
pub fn build(facts: &Facts, catalog: &Catalog, causes: &CauseCatalog) -> Report {
    let analysis = analyze(facts, catalog, causes);
    Report {
        inventory: inventory::build(facts),
        checklist: checklist::build(facts, &analysis),
        analysis,
    }
}

/// Runs the rules over the facts, links the findings to their causes, and assembles the
/// analysis: root causes first.
pub fn analyze(facts: &Facts, catalog: &Catalog, causes: &CauseCatalog) -> Analysis {
    let findings = crate::rules::evaluate(facts, catalog).into_sorted();
    let (findings, root_causes) = crate::causes::explain(findings, facts, causes);
    let mut summary = count(&findings);
    summary.root_causes = root_causes;
    Analysis {
        format: ANALYSIS_FORMAT_V1.to_string(),
        tool: Tool {
            name: "kbundle".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        bundles: bundles(facts),
        summary,
        timeline: crate::timeline::build(facts, catalog),
        collection: collection(facts),
        findings,
        rule_packs: catalog.packs().to_vec(),
    }
}

/// Findings per severity.
pub fn count(findings: &[Finding]) -> SeverityCounts {
    let mut c = SeverityCounts::default();
    for f in findings {
        match f.severity {
            Severity::Critical => c.critical += 1,
            Severity::Warning => c.warning += 1,
            Severity::Info => c.info += 1,
        }
    }
    c
}

fn bundles(facts: &Facts) -> Vec<BundleSummary> {
    facts
        .bundles
        .iter()
        .map(|b| BundleSummary {
            path: b.path.clone(),
            flavor: b.flavor,
            created: b.created.map(crate::findings::rfc3339),
            cluster_version: b.cluster_version.clone(),
            nodes: b.nodes.clone(),
        })
        .collect()
}

/// What was not collected or not read, then what the inputs' flavors cannot hold.
fn collection(facts: &Facts) -> Vec<CollectionRow> {
    facts
        .collection
        .iter()
        .map(|i| CollectionRow {
            collector: i.collector.clone(),
            node: i.node.clone(),
            status: i.status,
            error: i.error.clone(),
        })
        .chain(checklist::absences(facts))
        .collect()
}
