//! Members in, facts out: decides what each file of a bundle is (by its path, through the
//! format crate's classifiers: our layout and troubleshoot's first, then each foreign
//! flavor's) and hands it to the decoder, parser or log scanner for it.
//!
//! One file per layout: `kbundle` (ours and troubleshoot's), `sosreport`, `must_gather`,
//! `cluster_info` (with `sections` for files that hold several logs). They share the
//! helpers here, so a node command reads the same whether it came from
//! `host-collectors/<node>/run/df-h.txt` or from a sosreport's `sos_commands/filesys/`, and
//! evidence always names the file as it is in the input.
//!
//! A file that cannot be decoded becomes a collection issue ("unreadable") and the rest of
//! the bundle is still analyzed; only a damaged archive stops the read.

mod cluster_info;
mod kbundle;
mod must_gather;
mod sections;
mod sosreport;

use crate::facts::{BundleInfo, CollectionIssue, Facts, HostFacts, Sourced};
use crate::logscan::{LogFileRef, LogKind};
use crate::AnalyzeError;
use jiff::Timestamp;
use kbundle_format::analysis::{CollectionStatus, Flavor};
use kbundle_format::commands::{CommandId, Reading};
use kbundle_format::layout::{self, PathKind};
use kbundle_format::manifest::Manifest;
use kbundle_format::BundlePath;
use kbundle_kube::list::{decode_list, DecodeError, HasMeta, Located};
use kbundle_kube::manifest_pod::StaticPodManifest;
use kbundle_read::{self as read, Member, MemberSink};
use serde::de::DeserializeOwned;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

/// Command outputs and small JSON files are read whole up to this size; a bigger one is cut
/// (logs never are: they are scanned as streams).
const SMALL_FILE_LIMIT: u64 = 32 * 1024 * 1024;

/// Reads one bundle into facts. Input in which no file of a known flavor is found is
/// [`AnalyzeError::Unrecognised`], never an empty (and so clean) analysis.
pub(crate) fn read_bundle(
    path: &Path,
    logs: &crate::logscan::LogScanner,
) -> Result<Facts, AnalyzeError> {
    // `kubectl cluster-info dump` without a directory prints one stream of JSON and logs:
    // no archive, so no member to hand over.
    if cluster_info::is_dump_stream(path).unwrap_or(false) {
        return cluster_info::read_dump_stream(path, logs);
    }
    let mut ingest = Ingest::new(path, logs);
    let source = read::read_bundle(path, &mut ingest)?;
    if !ingest.recognised() {
        return Err(AnalyzeError::Unrecognised {
            path: path.to_path_buf(),
        });
    }
    Ok(ingest.finish(Some(&source)))
}

struct Ingest<'a> {
    facts: Facts,
    path: String,
    logs: &'a crate::logscan::LogScanner,
    manifest: Option<Manifest>,
    saw_troubleshoot_marker: bool,
    /// A file of our layout or troubleshoot's was seen (anything the layout classifies).
    saw_layout: bool,
    newest_entry: Option<i64>,
    cluster_version: Option<String>,
    /// What a sosreport's files said, when the input is (or holds) one.
    sos: sosreport::SosState,
    /// What a must-gather's files said, when the input is one.
    must_gather: must_gather::MustGatherState,
    /// What a `kubectl cluster-info dump`'s files said, when the input is one.
    dump: cluster_info::DumpState,
}

impl<'a> Ingest<'a> {
    fn new(path: &Path, logs: &'a crate::logscan::LogScanner) -> Self {
        Ingest {
            facts: Facts::default(),
            path: path.display().to_string(),
            logs,
            manifest: None,
            saw_troubleshoot_marker: false,
            saw_layout: false,
            newest_entry: None,
            cluster_version: None,
            sos: sosreport::SosState::default(),
            must_gather: must_gather::MustGatherState::default(),
            dump: cluster_info::DumpState::default(),
        }
    }

    /// Whether any file of a known flavor was seen.
    fn recognised(&self) -> bool {
        self.saw_layout || self.foreign()
    }

    /// Whether the input is of a foreign flavor (a sosreport, a must-gather, a dump).
    fn foreign(&self) -> bool {
        self.sos.marked || self.must_gather.marked || self.dump.marked
    }

    /// Records a file that could not be decoded; `node` is the node it is about, when known.
    fn unreadable_on(&mut self, file: &str, node: Option<String>, error: impl std::fmt::Display) {
        self.facts.collection.push(CollectionIssue {
            collector: file.to_string(),
            node,
            namespace: None,
            status: CollectionStatus::Unreadable,
            error: Some(error.to_string()),
            file: file.to_string(),
        });
    }

    /// Records a file of our layout that could not be decoded (its path names its node).
    fn unreadable(&mut self, file: &str, error: impl std::fmt::Display) {
        self.unreadable_on(file, kbundle::node_of(file), error);
    }

    /// Decodes a List into sourced objects; a decoding error is recorded, an I/O error
    /// returned.
    fn list<T: DeserializeOwned + HasMeta>(
        &mut self,
        m: &mut Member<'_>,
        yaml: bool,
    ) -> io::Result<Vec<Sourced<T>>> {
        let file: Arc<str> = Arc::from(m.path.as_str());
        match decode_list::<T>(m.body, m.size, yaml) {
            Ok(items) => Ok(items
                .into_iter()
                .map(|Located { object, line }| Sourced {
                    object,
                    file: file.clone(),
                    line,
                })
                .collect()),
            Err(DecodeError::Io(e)) => Err(e),
            Err(e) => {
                self.unreadable(&file, e);
                Ok(Vec::new())
            }
        }
    }

    /// Decodes a small JSON document; errors are recorded and give `None`.
    fn json<T: DeserializeOwned>(&mut self, m: &mut Member<'_>) -> io::Result<Option<T>> {
        let buf = small(m)?;
        match serde_json::from_slice(&buf) {
            Ok(v) => Ok(Some(v)),
            Err(e) => {
                self.unreadable(m.path.as_str(), format!("not valid JSON: {e}"));
                Ok(None)
            }
        }
    }

    fn host(&mut self, node: &str) -> &mut HostFacts {
        self.facts.hosts.entry(node.to_string()).or_default()
    }

    /// Reads the output of node command `id` on `node`, wherever the input keeps it, as the
    /// command table says: scanned as a log, parsed, or both.
    fn host_command(&mut self, m: &mut Member<'_>, node: &str, id: CommandId) -> io::Result<()> {
        self.host(node).commands.entry(id).or_default().has_output = true;
        let log = id
            .spec()
            .log_kind()
            .map(|kind| node_log(m.path, kind, node));
        let scanned = match id.spec().reading {
            Reading::Scanned(_) => return self.scan_log_as(m, log),
            Reading::Parsed => None,
            Reading::ParsedAndScanned(_) => log,
        };
        let bytes = small(m)?;
        if let Some(log) = scanned {
            // A unit's status ends with the tail of its journal: scanned like a journal,
            // parsed for the unit's state below.
            let scan = self.logs.scan(&log, bytes.as_slice())?;
            self.facts.logs.push(scan);
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if text.trim().is_empty() && id != CommandId::IscsiadmSession {
            // A tool that printed nothing (not installed, nothing configured) says nothing;
            // but `iscsiadm -m session` prints nothing (its "No active sessions." goes to
            // stderr) exactly when there is no session, which is the news.
            return Ok(());
        }
        let file = m.path.as_str();
        if let Err(e) = self.host(node).outputs.parse(id, file, text) {
            self.unreadable_on(file, Some(node.to_string()), e);
        }
        Ok(())
    }

    /// Reads a file copied from `node` (`host_path` is its path there): logs are scanned,
    /// static pod manifests decoded.
    fn host_file(&mut self, m: &mut Member<'_>, node: &str, host_path: &str) -> io::Result<()> {
        self.host(node).files.insert(host_path.to_string());
        if let Some(kind) = LogKind::of_node_file(host_path) {
            return self.scan_log_as(m, Some(node_log(m.path, kind, node)));
        }
        if let Some(name) = host_path.strip_prefix("etc/kubernetes/manifests/") {
            if !name.contains('/')
                && (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json"))
            {
                let yaml = !name.ends_with(".json");
                let manifests = self.list::<StaticPodManifest>(m, yaml)?;
                let host = self.host(node);
                host.static_pods.extend(
                    manifests
                        .into_iter()
                        .filter(|s| s.object.kind.is_empty() || s.object.kind == "Pod"),
                );
            }
        }
        Ok(())
    }

    /// Scans a log of our layout (the kind and node its path says).
    fn scan_log(&mut self, m: &mut Member<'_>) -> io::Result<()> {
        let log = LogFileRef::for_path(m.path);
        self.scan_log_as(m, log)
    }

    /// Scans a member as the log `log` says; nothing when it is `None`.
    fn scan_log_as(&mut self, m: &mut Member<'_>, log: Option<LogFileRef>) -> io::Result<()> {
        let Some(file) = log else {
            return Ok(());
        };
        let scan = self.logs.scan(&file, &mut *m.body)?;
        self.facts.logs.push(scan);
        Ok(())
    }

    /// The facts of the bundle, with its flavor and time decided; `source` is what the
    /// reader said of an archive or directory (`None` for a single file read whole).
    fn finish(mut self, source: Option<&read::Source>) -> Facts {
        let manifest = self.manifest.take();
        let sos = self.sos.marked;
        if sos {
            let fallback = source
                .and_then(|s| s.top_dir.clone())
                .unwrap_or_else(|| file_stem(Path::new(&self.path)));
            sosreport::name_the_host(&mut self.facts, &mut self.sos, &fallback);
        }
        let flavor = match &manifest {
            Some(m) if m.format.starts_with("kbundle") => Flavor::Kbundle,
            _ if sos => Flavor::Sosreport,
            _ if self.must_gather.marked => Flavor::MustGather,
            _ if self.dump.marked => Flavor::ClusterInfoDump,
            _ if self.saw_troubleshoot_marker => Flavor::Troubleshoot,
            _ if !self.facts.hosts.is_empty() => Flavor::Kbundle,
            _ => Flavor::Troubleshoot,
        };
        // Only an archive's entry times say when it was written (troubleshoot states no
        // time): a directory's are when it was unpacked, and a foreign flavor's are its
        // files' own, so those are dated by what they say.
        let archive_time = source
            .filter(|s| s.container != read::Container::Directory && !self.foreign())
            .and(self.newest_entry)
            .and_then(|s| Timestamp::from_second(s).ok());
        let created = manifest
            .as_ref()
            .and_then(|m| m.created.parse::<Timestamp>().ok())
            .or(self.sos.created())
            .or(self.must_gather.taken)
            .or(archive_time)
            .or_else(|| self.facts.newest_content_time());
        let cluster_version = self.cluster_version.take().or_else(|| {
            manifest
                .as_ref()
                .and_then(|m| m.cluster.as_ref()?.version.clone())
        });
        if let Some(m) = &manifest {
            self.facts.collection.extend(kbundle::manifest_issues(m));
        }
        let nodes = self.facts.node_names();
        self.facts.bundles.push(BundleInfo {
            path: self.path,
            flavor,
            created,
            cluster_version,
            manifest,
            nodes,
        });
        self.facts
    }
}

/// The log `path` is, as a log of `kind` from `node`.
fn node_log(path: &BundlePath, kind: LogKind, node: &str) -> LogFileRef {
    LogFileRef {
        path: path.clone(),
        kind,
        node: Some(node.to_string()),
        pod: None,
    }
}

/// A member's body up to [`SMALL_FILE_LIMIT`].
fn small(m: &mut Member<'_>) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    m.body.take(SMALL_FILE_LIMIT).read_to_end(&mut buf)?;
    Ok(buf)
}

/// The file name of `path` without its archive extensions, for naming what has no name.
fn file_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut stem = name.as_str();
    for ext in [
        ".gz", ".xz", ".zst", ".bz2", ".tgz", ".txz", ".tzst", ".tar", ".zip",
    ] {
        stem = stem.strip_suffix(ext).unwrap_or(stem);
    }
    stem.to_string()
}

impl MemberSink for Ingest<'_> {
    fn member(&mut self, mut m: Member<'_>) -> io::Result<()> {
        if let Some(t) = m.modified {
            self.newest_entry = Some(self.newest_entry.map_or(t, |n| n.max(t)));
        }
        let path = m.path.clone();
        let kind = layout::classify(&path);
        if kind != PathKind::Other {
            self.saw_layout = true;
            return self.layout_member(&mut m, kind);
        }
        if let Some(file) = kbundle_format::flavors::sosreport::classify(&path) {
            return self.sos_member(&mut m, file);
        }
        if let Some(file) = kbundle_format::flavors::must_gather::classify(&path) {
            return self.must_gather_member(&mut m, file);
        }
        if let Some(file) = kbundle_format::flavors::cluster_info::classify(&path) {
            return self.dump_member(&mut m, file);
        }
        Ok(())
    }
}
