//! `kbundle diff`: what changed between two sets of bundles of one cluster (before and after
//! an upgrade, last week and today).
//!
//! Each side is read and analyzed as `kbundle analyze` would ([`crate::ingest`], rules,
//! causes), plus one more streaming pass ([`snapshot`]) for what only a diff compares. Then
//! the findings are matched ([`findings`]) and the state compared field by chosen field
//! ([`cluster`], [`host`]); what always changes between two collections is never compared,
//! so two bundles of a healthy cluster an hour apart give (almost) nothing. docs/diff.md
//! says what is compared and what is ignored.

mod cluster;
mod digest;
mod findings;
mod host;
mod snapshot;

use crate::facts::Facts;
use crate::logscan::{Catalog, LogScanner, RuleSources};
use crate::AnalyzeError;
use digest::Digest;
use kbundle_format::diff::{Change, Diff, Side, SideEvidence, DIFF_FORMAT_V1};
use std::path::PathBuf;

/// Both sides.
pub(crate) struct Sides {
    old: Digest,
    new: Digest,
}

/// Evidence of one side; a line is only given when known.
pub(crate) fn evidence(side: Side, file: &str, line: Option<u64>, text: &str) -> SideEvidence {
    SideEvidence {
        side,
        file: file.to_string(),
        line,
        text: kbundle_format::untrusted::terminal(text)
            .chars()
            .take(400)
            .collect(),
    }
}

/// Reads and analyzes both sides (each possibly several bundles, merged by node like
/// `analyze` merges them) and compares them.
pub fn diff_paths(
    old: &[PathBuf],
    new: &[PathBuf],
    rules: &RuleSources,
) -> Result<Diff, AnalyzeError> {
    let scanner = LogScanner::new(&Catalog::load(rules)?)?;
    let causes = crate::causes::CauseCatalog::builtin()?;
    // Each side is read, analyzed and digested before the next is read, so only one
    // side's facts are in memory at a time.
    let read = |paths: &[PathBuf]| -> Result<Digest, AnalyzeError> {
        let mut facts = Facts::default();
        for path in paths {
            facts.merge(crate::ingest::read_bundle(path, &scanner)?);
        }
        let snapshot = snapshot::Snapshot::read(paths)?;
        let analysis = crate::report::analyze(&facts, scanner.catalog(), &causes);
        Ok(Digest::of(facts, snapshot, analysis))
    };
    let sides = Sides {
        old: read(old)?,
        new: read(new)?,
    };
    let findings = findings::compare(
        &sides.old.analysis.findings,
        &sides.old.owners,
        &sides.new.analysis.findings,
        &sides.new.owners,
    );
    let mut changes: Vec<Change> = Vec::new();
    cluster::compare(&sides, &mut changes);
    host::compare(&sides, &mut changes);
    // Most telling area first (nodes, the API, manifests...), then by subject; stable, so
    // each comparison's own order holds within a subject.
    changes.sort_by(|a, b| (a.area, &a.subject).cmp(&(b.area, &b.subject)));
    Ok(Diff {
        format: DIFF_FORMAT_V1.to_string(),
        tool: sides.new.analysis.tool.clone(),
        old: sides.old.analysis.bundles.clone(),
        new: sides.new.analysis.bundles.clone(),
        findings,
        changes,
    })
}
