//! `kbundle`: reads Kubernetes support bundles offline and says what is broken, where, since
//! when, and why we think so.
//!
//! The modules follow the data, one way:
//! [`read`] (archive → members) → [`ingest`] (members → [`facts`], logs through
//! [`logscan`]) → [`rules`] (facts → findings) → [`report`] (findings, timeline, gaps →
//! the analysis model) → [`render`] (model → JSON, Markdown, terminal).

pub mod cli;
pub mod facts;
pub mod findings;
pub mod ingest;
pub mod logscan;
pub mod read;
pub mod render;
pub mod report;
pub mod rules;
pub mod serve;
pub mod timeline;

use anyhow::Result;
use std::path::PathBuf;

/// Reads every bundle, merges their facts by node name, and analyzes the whole.
pub fn analyze_paths(paths: &[PathBuf]) -> Result<report::Report> {
    let scanner = logscan::LogScanner::builtin()?;
    let mut facts = facts::Facts::default();
    for path in paths {
        facts.merge(ingest::read_bundle(path, &scanner)?);
    }
    Ok(report::build(&facts, scanner.catalog()))
}
