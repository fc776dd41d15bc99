//! Typed facts: what the bundles say, decoded once and shared by every rule.
//!
//! [`crate::ingest`] fills a [`Facts`] per bundle; several bundles (a cluster bundle plus
//! per-node `--host-only` bundles) are merged by node name into one picture.

pub(crate) mod events;
pub(crate) mod host;
pub(crate) mod memory;
pub(crate) mod outputs;

use jiff::Timestamp;
use kbundle_format::analysis::{CollectionStatus, Flavor};
use kbundle_format::commands::CommandId;
use kbundle_format::manifest::{CertificateRecord, CommandInfo, Manifest};
use kbundle_kube::manifest_pod::StaticPodManifest;
use kbundle_kube::node::Node;
use kbundle_kube::pod::Pod;
use kbundle_kube::workload::{WorkloadKind, WorkloadObject};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

pub(crate) use events::{EventGroup, EventGroups};

/// The earlier of two optional times; an unknown time never wins over a known one (unlike
/// `Option::min`, where `None` is smallest).
pub(crate) fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// An object with the bundle file it came from and the line of its name, for evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    /// The object.
    pub object: T,
    /// Path inside the bundle.
    pub file: Arc<str>,
    /// 1-based line, when known.
    pub line: Option<u64>,
}

/// A workload with its kind (the List it came from says which).
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// Deployment, StatefulSet, ...
    pub kind: WorkloadKind,
    /// The object.
    pub object: WorkloadObject,
}

/// One bundle that was read.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleInfo {
    /// The path given on the command line.
    pub path: String,
    /// Who wrote it.
    pub flavor: Flavor,
    /// When it was collected: manifest `created`, else the newest archive entry time.
    pub created: Option<Timestamp>,
    /// The API server's version.
    pub cluster_version: Option<String>,
    /// The manifest, for kbundle bundles.
    pub manifest: Option<Manifest>,
    /// The nodes this bundle describes (objects or host collectors).
    pub nodes: Vec<String>,
}

/// Something the collector could not collect, or the analyzer could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionIssue {
    /// Collector name (`run/multipath-ll`, `cluster-resources/secrets`) or the unreadable file.
    pub collector: String,
    /// The node, for node collectors.
    pub node: Option<String>,
    /// The namespace, when listing one namespace failed (`<kind>-errors.json`).
    pub namespace: Option<String>,
    /// How it ended.
    pub status: CollectionStatus,
    /// Why.
    pub error: Option<String>,
    /// Where the analyzer learnt it (manifest.json, `<kind>-errors.json`, the file itself).
    pub file: String,
}

impl CollectionIssue {
    /// Whether data the analysis may need is missing (see [`CollectionStatus::is_gap`]).
    pub fn is_gap(&self) -> bool {
        self.status.is_gap()
    }
}

/// One node command as it ran: its info file, and whether its output is in the bundle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandRecord {
    /// `run/<id>-info.json`, when present.
    pub info: Option<CommandInfo>,
    /// `run/<id>.txt` was present.
    pub has_output: bool,
}

/// What the bundles say about one node's host (not its API object).
#[derive(Debug, Clone, Default)]
pub struct HostFacts {
    /// Node commands by id (ids this version does not know are not kept: nothing reads
    /// them).
    pub commands: BTreeMap<CommandId, CommandRecord>,
    /// Files copied from the node (paths on the node, without the leading `/`).
    pub files: BTreeSet<String>,
    /// Certificates from `certificates.json`.
    pub certificates: Vec<Sourced<CertificateRecord>>,
    /// Static pod manifests from /etc/kubernetes/manifests.
    pub static_pods: Vec<Sourced<StaticPodManifest>>,
    /// Parsed command outputs.
    pub outputs: outputs::HostOutputs,
}

/// Everything the rules look at.
#[derive(Debug, Default)]
pub struct Facts {
    /// The bundles read.
    pub bundles: Vec<BundleInfo>,
    /// Nodes.
    pub nodes: Vec<Sourced<Node>>,
    /// Pods a rule may care about ([`Pod::may_matter`]): the healthy majority of a big
    /// cluster is only in `pod_summaries`.
    pub pods_that_may_matter: Vec<Sourced<Pod>>,
    /// Every pod, as a row of the pod table.
    pub pod_summaries: Vec<kbundle_kube::pod::PodSummary>,
    /// Events grouped by reason and object.
    pub events: EventGroups,
    /// Controllers.
    pub workloads: Vec<Sourced<Workload>>,
    /// ReplicaSet (namespace, name) → owning Deployment name.
    pub replica_set_owner: HashMap<(String, String), String>,
    /// Host facts per node name.
    pub hosts: BTreeMap<String, HostFacts>,
    /// Log scan results, one per log file.
    pub logs: Vec<crate::logscan::FileScan>,
    /// What could not be collected or read.
    pub collection: Vec<CollectionIssue>,
    /// Kind directories that were present (`pods`, `nodes`, ...), so rules can tell
    /// "no pods" from "pods not collected".
    pub kinds_present: BTreeSet<String>,
}

impl Facts {
    /// The moment the analysis is about: the newest bundle's creation time. Rules measure
    /// "recent" and "long ago" from it, never from the wall clock, so an old bundle analyzes
    /// the same today as the day it was taken.
    pub fn reference_time(&self) -> Option<Timestamp> {
        self.bundles.iter().filter_map(|b| b.created).max()
    }

    /// The newest moment the content itself states: the last event, the last stamped log
    /// line that carries its year. What a bundle that states no creation time is dated by
    /// (never by its files' modification times, which say when it was unpacked).
    pub fn newest_content_time(&self) -> Option<Timestamp> {
        let events = self.events.iter().filter_map(|g| g.last);
        let logs = self.logs.iter().filter_map(|l| match l.last_time? {
            crate::logscan::LineTime::Absolute(t) => Some(t),
            crate::logscan::LineTime::Yearless { .. } => None,
        });
        events.chain(logs).max()
    }

    /// The API server's version, from whichever bundle knows it.
    pub fn cluster_version(&self) -> Option<&str> {
        self.bundles
            .iter()
            .find_map(|b| b.cluster_version.as_deref())
    }

    /// Whether any bundle holds the cluster part (objects from the API).
    pub fn has_cluster_part(&self) -> bool {
        self.kinds_present.contains("pods") || self.kinds_present.contains("nodes")
    }

    /// The node names known from objects or host collectors, sorted.
    pub fn node_names(&self) -> Vec<String> {
        let mut names: BTreeSet<String> = self
            .nodes
            .iter()
            .map(|n| n.object.metadata.name.clone())
            .collect();
        names.extend(self.hosts.keys().cloned());
        names.into_iter().collect()
    }

    /// Adds another bundle's facts: objects are appended, hosts merged by node name.
    pub fn merge(&mut self, other: Facts) {
        self.bundles.extend(other.bundles);
        self.nodes.extend(other.nodes);
        self.pods_that_may_matter.extend(other.pods_that_may_matter);
        self.pod_summaries.extend(other.pod_summaries);
        self.events.merge(other.events);
        self.workloads.extend(other.workloads);
        self.replica_set_owner.extend(other.replica_set_owner);
        for (name, host) in other.hosts {
            let mine = self.hosts.entry(name).or_default();
            mine.merge(host);
        }
        self.logs.extend(other.logs);
        self.collection.extend(other.collection);
        self.kinds_present.extend(other.kinds_present);
    }

    /// Gives host data named by a host name (a sosreport's `hostname`, short or fully
    /// qualified) the name of the Node object it describes, when exactly one Node's name
    /// agrees with it up to the domain (`w1` and `w1.example.com`), so that it merges with
    /// that node; its logs and gaps follow. Names that match a Node, or several, are kept.
    pub fn align_host_names(&mut self) {
        let nodes: BTreeSet<&str> = self
            .nodes
            .iter()
            .map(|n| n.object.metadata.name.as_str())
            .collect();
        let short = |name: &str| name.split('.').next().unwrap_or(name).to_string();
        let renames: Vec<(String, String)> = self
            .hosts
            .keys()
            .filter(|h| !nodes.contains(h.as_str()))
            .filter_map(|h| {
                let mut same = nodes.iter().filter(|n| short(n) == short(h));
                match (same.next(), same.next()) {
                    (Some(n), None) => Some((h.clone(), n.to_string())),
                    _ => None,
                }
            })
            .collect();
        for (from, to) in renames {
            if let Some(host) = self.hosts.remove(&from) {
                self.hosts.entry(to.clone()).or_default().merge(host);
            }
            for log in self.logs.iter_mut() {
                if log.file.node.as_deref() == Some(from.as_str()) {
                    log.file.node = Some(to.clone());
                }
            }
            for issue in self.collection.iter_mut() {
                if issue.node.as_deref() == Some(from.as_str()) {
                    issue.node = Some(to.clone());
                }
            }
            for b in self.bundles.iter_mut() {
                for n in b.nodes.iter_mut().filter(|n| **n == from) {
                    n.clone_from(&to);
                }
            }
        }
    }

    /// Adds pods as read: every one becomes a table row; the object is kept only when a rule
    /// may care about it ([`Pod::may_matter`]).
    pub fn add_pods(&mut self, pods: impl IntoIterator<Item = Sourced<Pod>>) {
        for pod in pods {
            self.pod_summaries.push(pod.object.summary());
            if pod.object.may_matter() {
                self.pods_that_may_matter.push(pod);
            }
        }
    }

    /// Remembers the Deployment that owns a ReplicaSet, so its pods are told as the
    /// Deployment's.
    pub fn add_replica_set(&mut self, rs: &WorkloadObject) {
        let meta = &rs.metadata;
        if let Some(owner) = meta
            .owner_references
            .iter()
            .find(|o| o.kind == "Deployment")
        {
            self.replica_set_owner.insert(
                (meta.namespace.clone(), meta.name.clone()),
                owner.name.clone(),
            );
        }
    }

    /// Adds a controller of `kind` as read.
    pub fn add_workload(&mut self, kind: WorkloadKind, w: Sourced<WorkloadObject>) {
        self.workloads.push(Sourced {
            object: Workload {
                kind,
                object: w.object,
            },
            file: w.file,
            line: w.line,
        });
    }

    /// Every pod of a node, as table rows (healthy ones included).
    pub fn pods_on<'a>(
        &'a self,
        node: &'a str,
    ) -> impl Iterator<Item = &'a kbundle_kube::pod::PodSummary> + 'a {
        self.pod_summaries.iter().filter(move |p| p.node == node)
    }

    /// The workload that owns a pod: its kind and name (a ReplicaSet is followed to its
    /// Deployment).
    pub fn owner_of(&self, pod: &Pod) -> Option<(String, String)> {
        let owner = pod.metadata.owner_references.first()?;
        if owner.kind == "ReplicaSet" {
            let key = (pod.metadata.namespace.clone(), owner.name.clone());
            if let Some(dep) = self.replica_set_owner.get(&key) {
                return Some(("Deployment".to_string(), dep.clone()));
            }
        }
        Some((owner.kind.clone(), owner.name.clone()))
    }
}

impl HostFacts {
    /// Fills what this host lacks from `other` (the same node seen by another bundle).
    pub fn merge(&mut self, other: HostFacts) {
        for (id, cmd) in other.commands {
            self.commands.entry(id).or_insert(cmd);
        }
        self.files.extend(other.files);
        self.certificates.extend(other.certificates);
        self.static_pods.extend(other.static_pods);
        self.outputs.merge(other.outputs);
    }
}
