//! Members in, facts out: decides what each file of a bundle is (by its path, through the
//! format crate's classifier) and hands it to the decoder, parser or log scanner for it.
//!
//! A file that cannot be decoded becomes a collection issue ("unreadable") and the rest of
//! the bundle is still analyzed; only a damaged archive stops the read.

use crate::facts::{BundleInfo, CollectionIssue, Facts, Sourced, Workload};
use crate::logscan::LogFileRef;
use crate::AnalyzeError;
use jiff::Timestamp;
use kbundle_format::analysis::{CollectionStatus, Flavor};
use kbundle_format::commands::{CommandId, CommandRef, Reading};
use kbundle_format::layout::{self, CommandPart, PathKind};
use kbundle_format::manifest::{CertificateRecord, CommandInfo, KindError, Manifest};
use kbundle_kube::event::Event;
use kbundle_kube::list::{decode_list, DecodeError, HasMeta, Located};
use kbundle_kube::manifest_pod::StaticPodManifest;
use kbundle_kube::node::Node;
use kbundle_kube::pod::Pod;
use kbundle_kube::workload::{WorkloadKind, WorkloadObject};
use kbundle_read::{self as read, Member, MemberSink};
use serde::de::DeserializeOwned;
use serde::Deserialize;
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
    let mut ingest = Ingest::new(path, logs);
    read::read_bundle(path, &mut ingest)?;
    if !ingest.recognised {
        return Err(AnalyzeError::Unrecognised {
            path: path.to_path_buf(),
        });
    }
    Ok(ingest.finish())
}

struct Ingest<'a> {
    facts: Facts,
    path: String,
    logs: &'a crate::logscan::LogScanner,
    manifest: Option<Manifest>,
    saw_troubleshoot_marker: bool,
    /// A file of a known flavor was seen (anything the layout classifies).
    recognised: bool,
    newest_entry: Option<i64>,
    cluster_version: Option<String>,
}

impl<'a> Ingest<'a> {
    fn new(path: &Path, logs: &'a crate::logscan::LogScanner) -> Self {
        Ingest {
            facts: Facts::default(),
            path: path.display().to_string(),
            logs,
            manifest: None,
            saw_troubleshoot_marker: false,
            recognised: false,
            newest_entry: None,
            cluster_version: None,
        }
    }

    fn unreadable(&mut self, file: &str, error: impl std::fmt::Display) {
        self.facts.collection.push(CollectionIssue {
            collector: file.to_string(),
            node: node_of(file),
            namespace: None,
            status: CollectionStatus::Unreadable,
            error: Some(error.to_string()),
            file: file.to_string(),
        });
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
        let mut buf = Vec::new();
        m.body.take(SMALL_FILE_LIMIT).read_to_end(&mut buf)?;
        match serde_json::from_slice(&buf) {
            Ok(v) => Ok(Some(v)),
            Err(e) => {
                self.unreadable(m.path.as_str(), format!("not valid JSON: {e}"));
                Ok(None)
            }
        }
    }

    fn list_member(&mut self, m: &mut Member<'_>, dir: &str, yaml: bool) -> io::Result<()> {
        let canonical = layout::kind_dir_named(dir).map(|k| k.dir).unwrap_or(dir);
        self.facts.kinds_present.insert(canonical.to_string());
        match canonical {
            "pods" => {
                let pods = self.list::<Pod>(m, yaml)?;
                self.facts.add_pods(pods);
            }
            "nodes" => {
                let nodes = self.list::<Node>(m, yaml)?;
                self.facts.nodes.extend(nodes);
            }
            "events" => {
                for e in self.list::<Event>(m, yaml)? {
                    self.facts.events.add(e.object, &e.file, e.line);
                }
            }
            "replicasets" => {
                for rs in self.list::<WorkloadObject>(m, yaml)? {
                    let meta = &rs.object.metadata;
                    if let Some(owner) = meta
                        .owner_references
                        .iter()
                        .find(|o| o.kind == "Deployment")
                    {
                        self.facts.replica_set_owner.insert(
                            (meta.namespace.clone(), meta.name.clone()),
                            owner.name.clone(),
                        );
                    }
                }
            }
            other => {
                if let Some(kind) = WorkloadKind::from_dir(other) {
                    for w in self.list::<WorkloadObject>(m, yaml)? {
                        self.facts.workloads.push(Sourced {
                            object: Workload {
                                kind,
                                object: w.object,
                            },
                            file: w.file,
                            line: w.line,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    fn kind_errors(&mut self, m: &mut Member<'_>, dir: &str) -> io::Result<()> {
        /// troubleshoot writes plain strings; we write objects.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Row {
            Ours(KindError),
            Text(String),
        }
        let Some(rows) = self.json::<Vec<Row>>(m)? else {
            return Ok(());
        };
        for row in rows {
            let (namespace, error) = match row {
                Row::Ours(e) => (e.namespace, e.error),
                Row::Text(t) => (None, t),
            };
            let status = if error.contains("forbidden") {
                CollectionStatus::Forbidden
            } else {
                CollectionStatus::Error
            };
            self.facts.collection.push(CollectionIssue {
                collector: format!("cluster-resources/{dir}"),
                node: None,
                namespace: namespace.filter(|n| !n.is_empty()),
                status,
                error: Some(error),
                file: m.path.as_str().to_string(),
            });
        }
        Ok(())
    }

    fn cluster_version(&mut self, m: &mut Member<'_>) -> io::Result<()> {
        /// `GET /version`, bare (ours) or wrapped in `info` (troubleshoot).
        #[derive(Deserialize)]
        struct Version {
            #[serde(default, rename = "gitVersion")]
            git_version: Option<String>,
            #[serde(default)]
            info: Option<Box<Version>>,
            #[serde(default)]
            string: Option<String>,
        }
        if let Some(v) = self.json::<Version>(m)? {
            self.cluster_version = v
                .git_version
                .or(v.info.and_then(|i| i.git_version))
                .or(v.string);
        }
        Ok(())
    }

    fn host(&mut self, node: &str) -> &mut crate::facts::HostFacts {
        self.facts.hosts.entry(node.to_string()).or_default()
    }

    fn command(
        &mut self,
        m: &mut Member<'_>,
        node: &str,
        command: CommandRef<'_>,
        part: CommandPart,
    ) -> io::Result<()> {
        // An id this version does not know (a newer collector's) has nothing to read it.
        let CommandRef::Known(id) = command else {
            return Ok(());
        };
        match part {
            CommandPart::Info => {
                if let Some(info) = self.json::<CommandInfo>(m)? {
                    self.host(node).commands.entry(id).or_default().info = Some(info);
                }
            }
            CommandPart::Stderr => {}
            CommandPart::Stdout => {
                self.host(node).commands.entry(id).or_default().has_output = true;
                self.command_output(m, node, id)?;
            }
        }
        Ok(())
    }

    /// Reads a command's output as its table row says: scanned as a log, parsed, or both.
    fn command_output(&mut self, m: &mut Member<'_>, node: &str, id: CommandId) -> io::Result<()> {
        let scanned = match id.spec().reading {
            Reading::Scanned(_) => return self.scan_log(m),
            Reading::Parsed => false,
            Reading::ParsedAndScanned(_) => true,
        };
        let mut bytes = Vec::new();
        m.body.take(SMALL_FILE_LIMIT).read_to_end(&mut bytes)?;
        if let Some(log) = LogFileRef::for_path(m.path).filter(|_| scanned) {
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
            self.unreadable(file, e);
        }
        Ok(())
    }

    fn node_file(&mut self, m: &mut Member<'_>, node: &str, host_path: &str) -> io::Result<()> {
        self.host(node).files.insert(host_path.to_string());
        if LogFileRef::for_path(m.path).is_some() {
            return self.scan_log(m);
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

    fn certificates(&mut self, m: &mut Member<'_>, node: &str) -> io::Result<()> {
        let mut buf = Vec::new();
        m.body.take(SMALL_FILE_LIMIT).read_to_end(&mut buf)?;
        let records: Vec<CertificateRecord> = match serde_json::from_slice(&buf) {
            Ok(r) => r,
            Err(e) => {
                self.unreadable(m.path.as_str(), format!("not valid JSON: {e}"));
                return Ok(());
            }
        };
        let file: Arc<str> = Arc::from(m.path.as_str());
        let lines = kbundle_kube::list::locate_field(
            &buf,
            "path",
            records.iter().map(|r| r.path.as_str()),
            false,
        );
        let host = self.host(node);
        for (record, line) in records.into_iter().zip(lines) {
            host.certificates.push(Sourced {
                object: record,
                file: file.clone(),
                line,
            });
        }
        Ok(())
    }

    fn finish(mut self) -> Facts {
        let manifest = self.manifest.take();
        let flavor = match &manifest {
            Some(m) if m.format.starts_with("kbundle") => Flavor::Kbundle,
            _ if self.saw_troubleshoot_marker => Flavor::Troubleshoot,
            _ if !self.facts.hosts.is_empty() => Flavor::Kbundle,
            _ => Flavor::Troubleshoot,
        };
        let created = manifest
            .as_ref()
            .and_then(|m| m.created.parse::<Timestamp>().ok())
            .or_else(|| {
                self.newest_entry
                    .and_then(|s| Timestamp::from_second(s).ok())
            });
        let cluster_version = self.cluster_version.take().or_else(|| {
            manifest
                .as_ref()
                .and_then(|m| m.cluster.as_ref()?.version.clone())
        });
        if let Some(m) = &manifest {
            self.facts.collection.extend(manifest_issues(m));
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

/// The node a bundle path belongs to, for `host-collectors/<node>/...`.
fn node_of(file: &str) -> Option<String> {
    let rest = file.strip_prefix("host-collectors/")?;
    Some(rest.split('/').next()?.to_string())
}

/// Every collector row that did not end `ok`, and the run's own trouble.
fn manifest_issues(m: &Manifest) -> Vec<CollectionIssue> {
    let mut issues: Vec<CollectionIssue> = m
        .collectors
        .iter()
        .filter_map(|c| {
            Some(CollectionIssue {
                collector: c.name.clone(),
                node: c.node.clone(),
                namespace: None,
                status: CollectionStatus::of(c.status)?,
                error: c.error.clone(),
                file: layout::MANIFEST.to_string(),
            })
        })
        .collect();
    if m.interrupted {
        issues.push(CollectionIssue {
            collector: "kbundle-collect".into(),
            node: None,
            namespace: None,
            status: CollectionStatus::Interrupted,
            error: Some("the collection was interrupted: this bundle is partial".into()),
            file: layout::MANIFEST.to_string(),
        });
    }
    if let Some(c) = m.cluster.as_ref().filter(|c| !c.reachable) {
        issues.push(CollectionIssue {
            collector: "cluster API".into(),
            node: None,
            namespace: None,
            status: CollectionStatus::Error,
            error: Some(format!(
                "API server {} unreachable: {}",
                c.server.as_deref().unwrap_or("(unknown)"),
                c.error.as_deref().unwrap_or("no reason given")
            )),
            file: layout::MANIFEST.to_string(),
        });
    }
    issues
}

impl MemberSink for Ingest<'_> {
    fn member(&mut self, mut m: Member<'_>) -> io::Result<()> {
        if let Some(t) = m.modified {
            self.newest_entry = Some(self.newest_entry.map_or(t, |n| n.max(t)));
        }
        let path = m.path.clone();
        let kind = layout::classify(&path);
        self.recognised |= kind != PathKind::Other;
        match kind {
            PathKind::Manifest => {
                self.manifest = self.json::<Manifest>(&mut m)?;
            }
            PathKind::VersionYaml => self.saw_troubleshoot_marker = true,
            PathKind::ClusterVersion => self.cluster_version(&mut m)?,
            PathKind::List { dir, yaml, .. } => self.list_member(&mut m, dir, yaml)?,
            PathKind::KindErrors { dir } => self.kind_errors(&mut m, dir)?,
            PathKind::PodLog { .. } => self.scan_log(&mut m)?,
            PathKind::Command {
                node,
                command,
                part,
            } => self.command(&mut m, node, command, part)?,
            PathKind::NodeFile { node, host_path } => self.node_file(&mut m, node, host_path)?,
            PathKind::Certificates { node } => self.certificates(&mut m, node)?,
            PathKind::Ignored => self.saw_troubleshoot_marker = true,
            PathKind::RedactionReport
            | PathKind::Resources
            | PathKind::Groups
            | PathKind::CustomResources { .. }
            | PathKind::Other => {}
        }
        Ok(())
    }
}

impl Ingest<'_> {
    fn scan_log(&mut self, m: &mut Member<'_>) -> io::Result<()> {
        let Some(file) = LogFileRef::for_path(m.path) else {
            return Ok(());
        };
        let scan = self.logs.scan(&file, &mut *m.body)?;
        self.facts.logs.push(scan);
        Ok(())
    }
}
