//! Our own layout and troubleshoot's (`cluster-resources/`, `host-collectors/`,
//! `manifest.json`): Lists of objects, node command files, copied node files and the
//! bookkeeping files, each member by what `layout::classify` says it is.

use super::{Ingest, SMALL_FILE_LIMIT};
use crate::facts::{CollectionIssue, Sourced};
use kbundle_format::analysis::CollectionStatus;
use kbundle_format::commands::CommandRef;
use kbundle_format::layout::{self, CommandPart, PathKind};
use kbundle_format::manifest::{CertificateRecord, CommandInfo, KindError, Manifest};
use kbundle_kube::event::Event;
use kbundle_kube::node::Node;
use kbundle_kube::pod::Pod;
use kbundle_kube::workload::{WorkloadKind, WorkloadObject};
use kbundle_read::Member;
use serde::Deserialize;
use std::io::{self, Read};
use std::sync::Arc;

impl Ingest<'_> {
    /// Reads a member of our layout or troubleshoot's; `kind` is what its path says.
    pub(super) fn layout_member(
        &mut self,
        m: &mut Member<'_>,
        kind: PathKind<'_>,
    ) -> io::Result<()> {
        match kind {
            PathKind::Manifest => {
                self.manifest = self.json::<Manifest>(m)?;
            }
            PathKind::VersionYaml => self.saw_troubleshoot_marker = true,
            PathKind::ClusterVersion => self.cluster_version(m)?,
            PathKind::List { dir, yaml, .. } => self.list_member(m, dir, yaml)?,
            PathKind::KindErrors { dir } => self.kind_errors(m, dir)?,
            PathKind::PodLog { .. } => self.scan_log(m)?,
            PathKind::Command {
                node,
                command,
                part,
            } => self.command(m, node, command, part)?,
            PathKind::NodeFile { node, host_path } => self.node_file(m, node, host_path)?,
            PathKind::Certificates { node } => self.certificates(m, node)?,
            PathKind::Ignored => self.saw_troubleshoot_marker = true,
            PathKind::RedactionReport
            | PathKind::Resources
            | PathKind::Groups
            | PathKind::CustomResources { .. }
            | PathKind::Other => {}
        }
        Ok(())
    }

    pub(super) fn list_member(
        &mut self,
        m: &mut Member<'_>,
        dir: &str,
        yaml: bool,
    ) -> io::Result<()> {
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
                    self.facts.add_replica_set(&rs.object);
                }
            }
            other => {
                if let Some(kind) = WorkloadKind::from_dir(other) {
                    for w in self.list::<WorkloadObject>(m, yaml)? {
                        self.facts.add_workload(kind, w);
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
            CommandPart::Stdout => self.host_command(m, node, id)?,
        }
        Ok(())
    }

    fn node_file(&mut self, m: &mut Member<'_>, node: &str, host_path: &str) -> io::Result<()> {
        self.host_file(m, node, host_path)
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
}

/// The node a bundle path belongs to, for `host-collectors/<node>/...`.
pub(super) fn node_of(file: &str) -> Option<String> {
    let rest = file.strip_prefix("host-collectors/")?;
    Some(rest.split('/').next()?.to_string())
}

/// Every collector row that did not end `ok`, and the run's own trouble.
pub(super) fn manifest_issues(m: &Manifest) -> Vec<CollectionIssue> {
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
