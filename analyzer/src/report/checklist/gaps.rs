//! Which collection gaps hit which step: collectors by manifest name, and unreadable files
//! by their path in the bundle.

use super::Step;
use kbundle_format::analysis::{Analysis, Category, SubjectKind};
use kbundle_format::commands::{CommandId, CommandRef};
use kbundle_format::layout::{self, PathKind};
use kbundle_format::BundlePath;
use std::collections::HashMap;

/// The collection rows that leave a step without (complete) data, indexed once: node
/// collectors by their node, cluster collectors by step (for the steps that read the API).
/// A container-log gap that names its containers (`namespace/pod/container`) hits only the
/// rows of the nodes those pods run on.
pub(super) struct GapIndex<'a> {
    /// Gap rows of a node's own collectors, with the steps each hits.
    by_node: HashMap<&'a str, Vec<(usize, Vec<Step>)>>,
    /// Gap rows of cluster collectors hitting a step on every row.
    everywhere: HashMap<Step, Vec<usize>>,
    /// Cluster container-log gap rows that name their pods: the nodes they hit.
    pod_logs_of: HashMap<&'a str, Vec<usize>>,
    /// The collection-gap finding of each row (`None`: the cluster row).
    gap_findings: HashMap<Option<&'a str>, usize>,
}

impl<'a> GapIndex<'a> {
    /// Sorts every gap row of the analysis once.
    pub(super) fn new(
        analysis: &'a Analysis,
        pod_nodes: &HashMap<(&str, &'a str), &'a str>,
    ) -> Self {
        let mut index = GapIndex {
            by_node: HashMap::new(),
            everywhere: HashMap::new(),
            pod_logs_of: HashMap::new(),
            gap_findings: HashMap::new(),
        };
        for (i, c) in analysis.collection.iter().enumerate() {
            if !c.status.is_gap() {
                continue;
            }
            let steps = collector_steps(&c.collector);
            if let Some(node) = c.node.as_deref() {
                index.by_node.entry(node).or_default().push((i, steps));
                continue;
            }
            for step in steps.into_iter().filter(|s| s.reads_api()) {
                let named = if step == Step::PodLogs {
                    named_nodes(c.error.as_deref().unwrap_or(""), pod_nodes)
                } else {
                    Vec::new()
                };
                if named.is_empty() {
                    index.everywhere.entry(step).or_default().push(i);
                } else {
                    // The cluster row still shows it; node rows only where the pods ran.
                    index.everywhere_cluster_only(i);
                    for node in named {
                        let rows = index.pod_logs_of.entry(node).or_default();
                        if rows.last() != Some(&i) {
                            rows.push(i);
                        }
                    }
                }
            }
        }
        for (i, f) in analysis.findings.iter().enumerate() {
            if f.category != Category::CollectionGap {
                continue;
            }
            let row = match f.subject.kind {
                SubjectKind::Node => Some(f.subject.name.as_str()),
                SubjectKind::Cluster => None,
                _ => continue,
            };
            index.gap_findings.entry(row).or_insert(i);
        }
        index
    }

    fn everywhere_cluster_only(&mut self, i: usize) {
        self.pod_logs_of.entry(CLUSTER_ROW).or_default().push(i);
    }

    /// The gap rows that leave `step` without (complete) data on this row, in order.
    pub(super) fn gaps_of(&self, node: Option<&str>, step: Step) -> Vec<usize> {
        let mut rows: Vec<usize> = self.everywhere.get(&step).cloned().unwrap_or_default();
        if let Some(n) = node {
            if let Some(own) = self.by_node.get(n) {
                rows.extend(
                    own.iter()
                        .filter(|(_, s)| s.contains(&step))
                        .map(|(i, _)| *i),
                );
            }
        }
        if step == Step::PodLogs {
            let key = node.unwrap_or(CLUSTER_ROW);
            if let Some(named) = self.pod_logs_of.get(key) {
                rows.extend(named);
            }
        }
        rows.sort_unstable();
        rows.dedup();
        rows
    }

    /// The collection-gap finding of the row, for the link of a "no data" cell.
    pub(super) fn gap_finding(&self, node: Option<&str>) -> Option<usize> {
        self.gap_findings.get(&node).copied()
    }
}

/// The key of the cluster row among node names in [`GapIndex::pod_logs_of`]: no node name
/// is empty.
const CLUSTER_ROW: &str = "";

/// The nodes of the pods a container-log gap names in its error (`namespace/pod/container`
/// tokens).
fn named_nodes<'a>(error: &str, pod_nodes: &HashMap<(&str, &'a str), &'a str>) -> Vec<&'a str> {
    let mut nodes: Vec<&'a str> = error
        .split(|ch: char| ch.is_whitespace() || matches!(ch, ',' | ';' | '(' | ')'))
        .filter_map(|token| {
            let mut parts = token.split('/');
            let (ns, pod, _container) = (parts.next()?, parts.next()?, parts.next()?);
            pod_nodes.get(&(ns, pod)).copied()
        })
        .collect();
    nodes.sort_unstable();
    nodes.dedup();
    nodes
}

/// The steps whose data a collector (a manifest name, or the path of an unreadable file)
/// provides.
pub(super) fn collector_steps(collector: &str) -> Vec<Step> {
    if collector == "cluster API" {
        return vec![
            Step::NodeReady,
            Step::KubeSystemPods,
            Step::PodLogs,
            Step::Events,
        ];
    }
    if collector.starts_with(kbundle_format::manifest::NODE_ROW_PREFIX) {
        // `node/<name>`: the transport of a fan-out run (SSH, the DaemonSet agent). When it
        // failed, every step that reads the node's own data is incomplete.
        return vec![
            Step::StaticPods,
            Step::Kubelet,
            Step::OsLogs,
            Step::Reboots,
            Step::Storage,
            Step::Network,
            Step::IscsiMultipath,
        ];
    }
    if let Some(id) = collector.strip_prefix("run/") {
        return id
            .parse::<CommandId>()
            .map(|c| c.spec().step)
            .into_iter()
            .collect();
    }
    if let Some(path) = collector.strip_prefix("files/") {
        return host_file_step(path).into_iter().collect();
    }
    if collector == "certificates" {
        return vec![Step::Kubelet];
    }
    if let Some(rest) = collector.strip_prefix("cluster-resources/") {
        // `cluster-resources/<kind>[ in namespace <ns>]`, or a file of that directory.
        if rest.starts_with("pods/logs") || rest.starts_with("pod-logs") {
            return vec![Step::PodLogs];
        }
        let dir = rest.split([' ', '/', '.']).next().unwrap_or("");
        return kind_step(dir.strip_suffix("-errors").unwrap_or(dir))
            .into_iter()
            .collect();
    }
    // An unreadable file is named by its path in the bundle.
    let Ok(path) = BundlePath::new(collector) else {
        return Vec::new();
    };
    match layout::classify(&path) {
        PathKind::Command {
            command: CommandRef::Known(id),
            ..
        } => vec![id.spec().step],
        PathKind::NodeFile { host_path, .. } => host_file_step(host_path).into_iter().collect(),
        PathKind::Certificates { .. } => vec![Step::Kubelet],
        PathKind::PodLog { .. } => vec![Step::PodLogs],
        PathKind::List { dir, .. } => {
            let canonical = layout::kind_dir_named(dir).map_or(dir, |k| k.dir);
            kind_step(canonical).into_iter().collect()
        }
        _ => Vec::new(),
    }
}

fn kind_step(dir: &str) -> Option<Step> {
    match dir {
        "nodes" => Some(Step::NodeReady),
        "pods" => Some(Step::KubeSystemPods),
        "events" => Some(Step::Events),
        _ => None,
    }
}

/// The step a copied node file feeds (path on the node, without the leading `/`).
fn host_file_step(path: &str) -> Option<Step> {
    if path.starts_with("var/log/") {
        Some(Step::OsLogs)
    } else if path.starts_with("etc/kubernetes/manifests") {
        Some(Step::StaticPods)
    } else if path.starts_with("var/lib/kubelet") {
        Some(Step::Kubelet)
    } else {
        None
    }
}
