//! The analysis behind `kbundle`: reads Kubernetes support bundles offline and says what is
//! broken, where, since when, and why we think so.
//!
//! The modules follow the data, one way: the bundle's members (from `kbundle-read`) go
//! through [`ingest`] into [`facts`] (node outputs parsed by `facts::host`, logs through
//! [`logscan`]); [`rules`] turn facts into findings; [`report`] assembles findings, timeline
//! and gaps into the analysis model; [`render`] writes that model as JSON, Markdown, terminal
//! text or HTML.

pub mod facts;
pub mod findings;
pub mod ingest;
pub mod logscan;
pub mod render;
pub mod report;
pub mod rules;
pub mod timeline;

use std::path::PathBuf;

/// Reads every bundle, merges their facts by node name, and analyzes the whole.
pub fn analyze_paths(paths: &[PathBuf]) -> anyhow::Result<report::Report> {
    let scanner = logscan::LogScanner::builtin()?;
    let mut facts = facts::Facts::default();
    for path in paths {
        facts.merge(ingest::read_bundle(path, &scanner)?);
    }
    Ok(report::build(&facts, scanner.catalog()))
}
