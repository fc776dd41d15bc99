//! The bundle being written, shared by every collector of a run (node now, cluster API
//! later): the archive writer, the manifest's collector rows, the redaction counts, and the
//! one text pipeline every member goes through: bounded lines → redaction → pseudonyms →
//! size-capped spool → archive.
//!
//! Collectors produce members concurrently; the archive is appended under a lock, one
//! collector's members at a time so they sit together in archive order.

use crate::archive::spool::{Spool, Spooled};
use crate::archive::BundleWriter;
use crate::pseudonymize::Pseudonymizer;
use crate::redact::{LineRedactor, Redactor};
use kbundle_format::layout;
use kbundle_format::manifest::{
    ClusterAccess, CollectorRun, CollectorStatus, FileEntry, Manifest, RedactionCount, Tool,
    FORMAT_V1,
};
use kbundle_format::BundlePath;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

/// Lines longer than this are cut (at a space or comma near the end when there is one) so
/// that memory stays bounded on a file with no line breaks.
pub(crate) const MAX_LINE: usize = 1 << 20;

/// The first write that failed: after it the archive is unusable, and every later call
/// says why with the same words.
#[derive(Debug, Clone, thiserror::Error)]
#[error("writing {path}: {why}")]
struct WriteFailed {
    path: String,
    kind: io::ErrorKind,
    why: String,
}

impl WriteFailed {
    fn new(path: impl std::fmt::Display, e: &io::Error) -> Self {
        WriteFailed {
            path: path.to_string(),
            kind: e.kind(),
            why: e.to_string(),
        }
    }

    fn to_io(&self) -> io::Error {
        io::Error::new(self.kind, self.clone())
    }
}

/// The shared, thread-safe handle collectors write through.
pub(crate) struct Bundle {
    writer: Mutex<Result<BundleWriter, WriteFailed>>,
    runs: Mutex<Vec<CollectorRun>>,
    redactions: Mutex<BTreeMap<(String, String), u64>>,
    redactor: Redactor,
    pseudonyms: Option<Pseudonymizer>,
    spool_dir: PathBuf,
    bytes: AtomicU64,
    cluster: Mutex<Option<ClusterAccess>>,
}

/// One member ready to be appended: its path and its redacted, capped content.
pub(crate) struct Scrubbed {
    /// Where it goes in the bundle.
    pub path: BundlePath,
    /// Its content.
    pub content: Spooled,
}

/// What [`Bundle::add`] wrote.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Added {
    /// Members written.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
}

impl Bundle {
    /// Wraps a started archive. Spools live (unnamed) in the archive's directory.
    pub(crate) fn new(
        writer: BundleWriter,
        redactor: Redactor,
        pseudonyms: Option<Pseudonymizer>,
    ) -> Self {
        let spool_dir = writer.spool_dir().to_path_buf();
        Bundle {
            writer: Mutex::new(Ok(writer)),
            runs: Mutex::new(Vec::new()),
            redactions: Mutex::new(BTreeMap::new()),
            redactor,
            pseudonyms,
            spool_dir,
            bytes: AtomicU64::new(0),
            cluster: Mutex::new(None),
        }
    }

    /// Bytes of the members written so far (uncompressed), for `--max-bundle-bytes`.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// A raw spool beside the bundle (no redaction yet), for content that must be complete
    /// before it is scrubbed, such as a log fetched twice.
    pub(crate) fn spool(&self, cap: u64) -> io::Result<Spool> {
        Spool::new(&self.spool_dir, cap)
    }

    /// Sets `manifest.cluster`: how the API server answered.
    pub(crate) fn set_cluster(&self, access: ClusterAccess) {
        *lock(&self.cluster) = Some(access);
    }

    /// The pseudonymizer, when `--pseudonymize` is on.
    pub(crate) fn pseudonyms(&self) -> Option<&Pseudonymizer> {
        self.pseudonyms.as_ref()
    }

    /// Streams `source` through redaction (and pseudonyms) into a spool keeping the newest
    /// `cap` bytes. Nothing is written to the archive yet.
    pub(crate) fn scrub(
        &self,
        path: BundlePath,
        source: &mut dyn Read,
        cap: u64,
    ) -> io::Result<Scrubbed> {
        let mut scrubber = self.scrubber(path, cap)?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match source.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            scrubber.write(&buf[..n])?;
        }
        scrubber.finish()
    }

    /// A push-style [`Bundle::scrub`], for sources read piecemeal (command pipes).
    pub(crate) fn scrubber(&self, path: BundlePath, cap: u64) -> io::Result<Scrubber<'_>> {
        Ok(Scrubber {
            bundle: self,
            path,
            redactor: self.redactor.stream(),
            spool: Spool::new(&self.spool_dir, cap)?,
            pending: Vec::new(),
            redacted: Vec::new(),
            renamed: Vec::new(),
        })
    }

    /// [`Bundle::scrub`] for a small document built in memory (info files, certificates.json).
    pub(crate) fn scrub_bytes(&self, path: BundlePath, bytes: &[u8]) -> io::Result<Scrubbed> {
        self.scrub(path, &mut &bytes[..], u64::MAX)
    }

    /// Appends members to the archive, in order and together. After a write error the
    /// archive is unusable: this and every later call fail.
    pub(crate) fn add(&self, members: &[Scrubbed]) -> io::Result<Added> {
        let mut guard = lock(&self.writer);
        let writer = match guard.as_mut() {
            Ok(w) => w,
            Err(failed) => return Err(failed.to_io()),
        };
        let mut added = Added::default();
        for m in members {
            match writer.add(&m.path, m.content.len(), &mut m.content.reader()) {
                Ok(entry) => {
                    added.files += 1;
                    added.bytes += entry.size;
                    self.bytes.fetch_add(entry.size, Ordering::Relaxed);
                }
                Err(e) => {
                    let failed = WriteFailed::new(&m.path, &e);
                    let error = failed.to_io();
                    *guard = Err(failed);
                    return Err(error);
                }
            }
        }
        Ok(added)
    }

    /// Adds redaction counts found elsewhere for `file` (a node's own redaction-report.json,
    /// when its result is merged into this bundle).
    pub(crate) fn count_redactions(&self, file: &str, rule: &str, count: u64) {
        if count > 0 {
            *lock(&self.redactions)
                .entry((file.to_string(), rule.to_string()))
                .or_default() += count;
        }
    }

    /// A short text for the manifest (an SSH error, a destination, a pod event) through the
    /// same redaction and pseudonyms as every member, so that no row says what files hide.
    pub(crate) fn scrub_text(&self, text: &str) -> String {
        let redacted = self.redactor.stream().text(text);
        match &self.pseudonyms {
            Some(ps) => {
                let mut out = Vec::new();
                for (i, line) in redacted.split('\n').enumerate() {
                    if i > 0 {
                        out.push(b'\n');
                    }
                    ps.line(line.as_bytes(), &mut out);
                }
                String::from_utf8_lossy(&out).into_owned()
            }
            None => redacted,
        }
    }

    /// Records one collector's row for the manifest. Its error text is redacted here, so
    /// that an error quoting a command line, an API answer or a node's output cannot carry
    /// a secret into the manifest, whichever collector wrote it. (Callers that also want
    /// pseudonyms use [`Bundle::scrub_text`] first; redacting twice changes nothing.)
    pub(crate) fn record(&self, mut run: CollectorRun) {
        run.error = run.error.map(|e| self.redactor.stream().text(&e));
        lock(&self.runs).push(run);
    }

    /// Rows recorded so far.
    pub(crate) fn runs(&self) -> Vec<CollectorRun> {
        lock(&self.runs).clone()
    }

    /// Writes version.yaml (first, so troubleshoot tools recognise the bundle early).
    pub(crate) fn add_version_yaml(&self, created: &str) -> io::Result<()> {
        let text = format!(
            "apiVersion: troubleshoot.sh/v1beta2\nkind: SupportBundle\nmetadata:\n  name: kbundle\n  creationTimestamp: \"{created}\"\nspec:\n  versionNumber: \"{}\"\n",
            env!("CARGO_PKG_VERSION")
        );
        self.add_raw(layout::VERSION_YAML, text.as_bytes())
    }

    /// Writes redaction-report.json and manifest.json (last: it lists every other file)
    /// and renames the archive into place.
    pub(crate) fn finish(
        self,
        created: &str,
        interrupted: bool,
        options: serde_json::Value,
    ) -> io::Result<PathBuf> {
        let report: Vec<RedactionCount> = lock(&self.redactions)
            .iter()
            .map(|((file, rule), count)| RedactionCount {
                rule: rule.clone(),
                file: file.clone(),
                count: *count,
            })
            .collect();
        let json = serde_json::to_vec_pretty(&report).map_err(io::Error::other)?;
        self.add_raw(layout::REDACTION_REPORT, &json)?;
        let files: Vec<FileEntry> = match lock(&self.writer).as_ref() {
            Ok(w) => w.files().to_vec(),
            Err(failed) => return Err(failed.to_io()),
        };
        let manifest = Manifest {
            format: FORMAT_V1.to_string(),
            tool: Tool {
                name: "kbundle-collect".to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            created: created.to_string(),
            interrupted,
            options,
            cluster: lock(&self.cluster).clone(),
            collectors: self.runs(),
            files,
        };
        let json = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?;
        self.add_raw(layout::MANIFEST, &json)?;
        let writer = self
            .writer
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .map_err(|failed| failed.to_io())?;
        writer.finish()
    }

    fn add_raw(&self, path: &str, bytes: &[u8]) -> io::Result<()> {
        let path = BundlePath::new(path).map_err(io::Error::other)?;
        let mut guard = lock(&self.writer);
        match guard.as_mut() {
            Ok(w) => {
                if let Err(e) = w.add_bytes(&path, bytes) {
                    *guard = Err(WriteFailed::new(&path, &e));
                    return Err(e);
                }
                Ok(())
            }
            Err(failed) => Err(failed.to_io()),
        }
    }
}

/// When a collector started, to fill its manifest row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Started {
    at: jiff::Timestamp,
    instant: Instant,
}

impl Started {
    /// Now.
    pub(crate) fn now() -> Self {
        Started {
            at: jiff::Timestamp::now(),
            instant: Instant::now(),
        }
    }

    /// Milliseconds since.
    pub(crate) fn elapsed_ms(&self) -> u64 {
        self.instant.elapsed().as_millis() as u64
    }

    /// The manifest row of a collector that started here and ends now.
    pub(crate) fn row(
        &self,
        name: &str,
        node: Option<&str>,
        status: CollectorStatus,
        error: Option<String>,
        added: Added,
    ) -> CollectorRun {
        CollectorRun {
            name: name.to_string(),
            node: node.map(str::to_string),
            status,
            started: Some(rfc3339(self.at)),
            duration_ms: self.elapsed_ms(),
            error,
            files: added.files,
            bytes: added.bytes,
            transport: None,
            target: None,
        }
    }
}

/// RFC 3339 UTC with second precision, as the manifest writes times.
pub(crate) fn rfc3339(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One member on its way into the bundle: bytes go in, redacted lines come out into a
/// capped spool. Memory: the pending partial line (at most [`MAX_LINE`]) and small buffers.
pub(crate) struct Scrubber<'b> {
    bundle: &'b Bundle,
    path: BundlePath,
    redactor: LineRedactor<'b>,
    spool: Spool,
    pending: Vec<u8>,
    redacted: Vec<u8>,
    renamed: Vec<u8>,
}

impl Scrubber<'_> {
    /// Feeds bytes; complete lines are redacted and spooled at once.
    pub(crate) fn write(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            let room = MAX_LINE - self.pending.len();
            let window = &data[..data.len().min(room)];
            if let Some(i) = memchr::memchr(b'\n', window) {
                self.pending.extend_from_slice(&window[..=i]);
                data = &data[i + 1..];
                self.flush_line()?;
                continue;
            }
            self.pending.extend_from_slice(window);
            data = &data[window.len()..];
            if self.pending.len() >= MAX_LINE {
                // No line break in MAX_LINE bytes: cut at a separator near the end.
                let tail = self.pending.len().saturating_sub(4096);
                let cut = self.pending[tail..]
                    .iter()
                    .rposition(|&b| b == b' ' || b == b',')
                    .map_or(self.pending.len(), |i| tail + i + 1);
                let rest = self.pending.split_off(cut);
                self.flush_line()?;
                self.pending = rest;
            }
        }
        Ok(())
    }

    fn flush_line(&mut self) -> io::Result<()> {
        self.redacted.clear();
        self.redactor.line(&self.pending, &mut self.redacted);
        self.pending.clear();
        match &self.bundle.pseudonyms {
            Some(ps) => {
                self.renamed.clear();
                for piece in self.redacted.split_inclusive(|&b| b == b'\n') {
                    let (body, eol) = match piece.strip_suffix(b"\n") {
                        Some(b) => (b, &b"\n"[..]),
                        None => (piece, &b""[..]),
                    };
                    ps.line(body, &mut self.renamed);
                    self.renamed.extend_from_slice(eol);
                }
                self.spool.write(&self.renamed)
            }
            None => self.spool.write(&self.redacted),
        }
    }

    /// Ends the stream: records the redaction counts and returns the member.
    pub(crate) fn finish(mut self) -> io::Result<Scrubbed> {
        if !self.pending.is_empty() {
            self.flush_line()?;
        }
        let counts = self.redactor.counts();
        if !counts.is_empty() {
            let mut tally = lock(&self.bundle.redactions);
            for (rule, n) in counts {
                *tally
                    .entry((self.path.as_str().to_string(), rule.to_string()))
                    .or_default() += n;
            }
        }
        Ok(Scrubbed {
            path: self.path,
            content: self.spool.finish()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::archive::{BundleWriter, Format};
    use std::io::Read;

    fn bundle(dir: &std::path::Path) -> Bundle {
        let w = BundleWriter::create(
            &dir.join("b.tar.gz"),
            Format::TarGz,
            "b",
            jiff::Timestamp::now(),
        )
        .unwrap();
        Bundle::new(w, Redactor::builtin(), None)
    }

    fn text(s: &Scrubbed) -> String {
        let mut out = String::new();
        s.content.reader().read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn pieces_make_lines_and_secrets_are_counted_per_file() {
        let dir = tempfile::tempdir().unwrap();
        let b = bundle(dir.path());
        let mut s = b
            .scrubber(BundlePath::new("x.txt").unwrap(), u64::MAX)
            .unwrap();
        for piece in ["pass", "word: hun", "ter2\nok\nto", "ken: abc"] {
            s.write(piece.as_bytes()).unwrap();
        }
        let done = s.finish().unwrap();
        assert_eq!(
            text(&done),
            "password: \"***REDACTED***\"\nok\ntoken: \"***REDACTED***\""
        );
        let tally = lock(&b.redactions).clone();
        assert_eq!(
            tally.get(&("x.txt".to_string(), "yaml-secret-field".to_string())),
            Some(&2)
        );
    }

    #[test]
    fn manifest_rows_are_redacted_whoever_records_them() {
        let dir = tempfile::tempdir().unwrap();
        let b = bundle(dir.path());
        let error = "curl -d x https://hooks.slack.com/services/T0/B0/rowSecretPath9 failed";
        let started = Started::now();
        let row = started.row(
            "run/notify",
            Some("n1"),
            CollectorStatus::Error,
            Some(error.to_string()),
            Added::default(),
        );
        b.record(row);
        let recorded = b.runs()[0].error.clone().unwrap();
        assert!(!recorded.contains("rowSecretPath9"), "{recorded}");
        assert!(recorded.starts_with("curl -d x https://hooks.slack.com/services/"));
    }

    #[test]
    fn long_lines_come_in_bounded_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let b = bundle(dir.path());
        let mut body = vec![b'a'; MAX_LINE + 10];
        body[MAX_LINE - 100] = b' ';
        body.extend_from_slice(b"\nshort\n");
        let done = b
            .scrub(BundlePath::new("y").unwrap(), &mut &body[..], u64::MAX)
            .unwrap();
        assert_eq!(text(&done).into_bytes(), body);
    }
}
