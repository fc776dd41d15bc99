//! One node's result merged into the bundle being written, as it streams in.
//!
//! The node sends the tar.gz that `kbundle-collect --host-only` writes. Each of its
//! `host-collectors/<node>/...` members goes through this bundle's own pipeline (redaction
//! with the customer's extra rules, the run's one pseudonymizer, the size cap) into the
//! archive under the node's name here; its manifest rows and redaction counts join this
//! bundle's. Nothing else of it is taken: no other path, no link, no device, nothing that
//! would leave the node's directory. A member is never held in memory: it streams through a
//! spool like every local member, so a 100 MB node costs what a 100 KB one does.

use crate::bundle::{Added, Bundle};
use kbundle_format::layout::{HOST_COLLECTORS, MANIFEST, REDACTION_REPORT, VERSION_YAML};
use kbundle_format::manifest::{Manifest, RedactionCount};
use kbundle_format::BundlePath;
use std::io::{self, Read};

/// Bounds on what one node may send.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Cap per member (the newest part is kept), as for local members.
    pub cap: u64,
    /// Members at most: a node writes about a hundred; more is a broken or hostile stream.
    pub max_members: usize,
    /// Size at most of the node's manifest.json and redaction-report.json.
    pub max_meta: u64,
}

impl Limits {
    /// The limits for a run whose per-file cap is `cap`.
    pub(crate) fn with_cap(cap: u64) -> Self {
        Limits {
            cap,
            max_members: 20_000,
            max_meta: 64 << 20,
        }
    }
}

/// How the merge names the node in this bundle. Called once, when the stream first shows
/// what the node calls itself; an `Err` refuses the node (another node already has the
/// name) and ends the merge with that reason.
pub(crate) trait Naming {
    /// The name in this bundle for a node that calls itself `remote`.
    fn name(&mut self, remote: &str) -> Result<String, super::AlreadyCollected>;
}

/// What one merge learnt and wrote.
#[derive(Debug, Default)]
pub(crate) struct Merged {
    /// The node's name as the node gave it.
    pub remote_name: Option<String>,
    /// Its name in this bundle (a stand-in with `--pseudonymize`).
    pub name: Option<String>,
    /// Members written and their bytes.
    pub added: Added,
    /// Rows of the node's own manifest recorded here.
    pub rows: u64,
    /// The node's manifest arrived: the result is whole.
    pub complete: bool,
    /// The node's own run was interrupted (its bundle is partial).
    pub remote_interrupted: bool,
    /// Entries not taken, with why (at most a few are kept).
    pub refused: Vec<String>,
    /// Why the stream ended before its manifest, when it did.
    pub error: Option<String>,
    /// The read error that ended it (to tell a timeout from a broken stream).
    pub error_kind: Option<io::ErrorKind>,
}

/// Reads the node's archive from `source` into `bundle`.
pub(crate) fn merge(
    bundle: &Bundle,
    source: &mut dyn Read,
    naming: &mut dyn Naming,
    limits: Limits,
) -> Merged {
    let mut merged = Merged::default();
    let decoder = flate2::read::GzDecoder::new(source);
    let mut archive = tar::Archive::new(decoder);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            stop(&mut merged, &e, "reading the node's archive");
            return merged;
        }
    };
    let mut members = 0usize;
    let mut manifest: Option<Manifest> = None;
    let mut redactions: Vec<RedactionCount> = Vec::new();
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                stop(&mut merged, &e, "reading the node's archive");
                break;
            }
        };
        members += 1;
        if members > limits.max_members {
            merged.error = Some(format!(
                "the node sent more than {} members; the rest was not read",
                limits.max_members
            ));
            break;
        }
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !(kind.is_file() || kind == tar::EntryType::Continuous) {
            refuse(&mut merged, &raw, "not a regular file");
            continue;
        }
        // Strip the node bundle's own top directory.
        let rest = match raw.trim_start_matches("./").split_once('/') {
            Some((_, rest)) => rest.to_string(),
            None => raw.clone(),
        };
        if rest == MANIFEST {
            match read_meta::<Manifest>(&mut entry, limits.max_meta) {
                Ok(m) => manifest = Some(m),
                Err(e) => refuse(&mut merged, &raw, &e.to_string()),
            }
            continue;
        }
        if rest == REDACTION_REPORT {
            match read_meta::<Vec<RedactionCount>>(&mut entry, limits.max_meta) {
                Ok(r) => redactions = r,
                Err(e) => refuse(&mut merged, &raw, &e.to_string()),
            }
            continue;
        }
        if rest == VERSION_YAML {
            continue;
        }
        let Some((node, tail)) = rest
            .strip_prefix(HOST_COLLECTORS)
            .and_then(|r| r.strip_prefix('/'))
            .and_then(|r| r.split_once('/'))
        else {
            refuse(&mut merged, &raw, "outside host-collectors/<node>/");
            continue;
        };
        let name = match decide(&mut merged, naming, node) {
            Ok(Some(name)) => name,
            Ok(None) => {
                refuse(&mut merged, &raw, "a second node in one node's archive");
                continue;
            }
            Err(()) => return merged,
        };
        let path = match BundlePath::new(&format!("{HOST_COLLECTORS}/{name}/{tail}")) {
            Ok(p) => p,
            Err(e) => {
                refuse(&mut merged, &raw, &e.to_string());
                continue;
            }
        };
        let scrubbed = match bundle.scrub(path, &mut entry, limits.cap) {
            Ok(s) => s,
            Err(e) => {
                stop(&mut merged, &e, &format!("receiving {tail}"));
                break;
            }
        };
        match bundle.add(std::slice::from_ref(&scrubbed)) {
            Ok(a) => {
                merged.added.files += a.files;
                merged.added.bytes += a.bytes;
            }
            Err(e) => {
                stop(&mut merged, &e, "writing the bundle");
                break;
            }
        }
    }
    if let Some(m) = manifest {
        record(bundle, &mut merged, naming, &m, &redactions);
    }
    merged
}

/// Names the node on its first member; `Ok(None)` for a member of another node, `Err` when
/// the node is refused (the reason is in `merged.error`).
fn decide(merged: &mut Merged, naming: &mut dyn Naming, node: &str) -> Result<Option<String>, ()> {
    match (&merged.remote_name, &merged.name) {
        (Some(remote), Some(name)) if remote == node => Ok(Some(name.clone())),
        (Some(_), _) => Ok(None),
        (None, _) => match naming.name(node) {
            Ok(name) => {
                merged.remote_name = Some(node.to_string());
                merged.name = Some(name.clone());
                Ok(Some(name))
            }
            Err(why) => {
                merged.remote_name = Some(node.to_string());
                merged.error = Some(why.to_string());
                Err(())
            }
        },
    }
}

/// The node's manifest rows and redaction counts, renamed to the node's name here.
fn record(
    bundle: &Bundle,
    merged: &mut Merged,
    naming: &mut dyn Naming,
    m: &Manifest,
    redactions: &[RedactionCount],
) {
    if merged.name.is_none() {
        // A node that wrote no file still has rows; they name it.
        if let Some(node) = m.collectors.iter().find_map(|r| r.node.clone()) {
            if decide(merged, naming, &node).is_err() {
                return;
            }
        }
    }
    let (Some(remote), Some(name)) = (merged.remote_name.clone(), merged.name.clone()) else {
        merged.error = Some("the node's archive names no node".to_string());
        return;
    };
    merged.complete = true;
    merged.remote_interrupted = m.interrupted;
    for row in &m.collectors {
        let mut row = row.clone();
        row.node = Some(name.clone());
        row.error = row.error.map(|e| bundle.scrub_text(&e));
        row.transport = None;
        row.target = None;
        bundle.record(row);
        merged.rows += 1;
    }
    let prefix = format!("{HOST_COLLECTORS}/{remote}/");
    for r in redactions {
        if let Some(tail) = r.file.strip_prefix(&prefix) {
            bundle.count_redactions(
                &format!("{HOST_COLLECTORS}/{name}/{tail}"),
                &r.rule,
                r.count,
            );
        }
    }
}

/// Why a node's manifest.json or redaction-report.json is refused.
#[derive(Debug, thiserror::Error)]
enum MetaError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("larger than {0} bytes")]
    TooLarge(u64),
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
}

fn read_meta<T: serde::de::DeserializeOwned>(
    entry: &mut dyn Read,
    max: u64,
) -> Result<T, MetaError> {
    let mut bytes = Vec::new();
    entry.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(MetaError::TooLarge(max));
    }
    Ok(serde_json::from_slice(&bytes)?)
}

fn refuse(merged: &mut Merged, path: &str, why: &str) {
    const KEPT: usize = 5;
    if merged.refused.len() < KEPT {
        let shown: String = path.chars().take(200).collect();
        merged.refused.push(format!("{shown}: {why}"));
    }
}

fn stop(merged: &mut Merged, e: &io::Error, doing: &str) {
    merged.error_kind = Some(e.kind());
    merged.error = Some(match e.kind() {
        io::ErrorKind::TimedOut => e.to_string(),
        io::ErrorKind::UnexpectedEof => {
            format!("{doing}: the stream ended in the middle of the archive")
        }
        _ => format!("{doing}: {e}"),
    });
}

#[cfg(test)]
mod tests;
