//! Which collection gaps hit which step: collectors by manifest name, and unreadable files
//! by their path in the bundle.

use super::Step;
use kbundle_format::analysis::{Analysis, Category, SubjectKind};
use kbundle_format::commands::{CommandId, CommandRef};
use kbundle_format::layout::{self, PathKind};
use kbundle_format::BundlePath;
use std::collections::HashMap;

/// The collection rows that leave `step` without (complete) data on this row: node
/// collectors of the node, and cluster collectors for the steps that read the API. A
/// container-log gap that names its containers (`namespace/pod/container`) hits only the
/// rows of the nodes those pods run on.
pub(super) fn gaps_of(
    analysis: &Analysis,
    node: Option<&str>,
    step: Step,
    pod_nodes: &HashMap<(&str, &str), &str>,
) -> Vec<usize> {
    analysis
        .collection
        .iter()
        .enumerate()
        .filter(|(_, c)| c.status.is_gap())
        .filter(|(_, c)| match c.node.as_deref() {
            Some(n) => node == Some(n),
            None => step.reads_api(),
        })
        .filter(|(_, c)| collector_steps(&c.collector).contains(&step))
        .filter(|(_, c)| {
            let (Some(node), Step::PodLogs) = (node, step) else {
                return true;
            };
            let named: Vec<&str> = c
                .error
                .as_deref()
                .unwrap_or("")
                .split(|ch: char| ch.is_whitespace() || matches!(ch, ',' | ';' | '(' | ')'))
                .filter_map(|token| {
                    let mut parts = token.split('/');
                    let (ns, pod, _container) = (parts.next()?, parts.next()?, parts.next()?);
                    pod_nodes.get(&(ns, pod)).copied()
                })
                .collect();
            named.is_empty() || named.contains(&node)
        })
        .map(|(i, _)| i)
        .collect()
}

/// The collection-gap finding of the row, for the link of a "no data" cell.
pub(super) fn gap_finding(analysis: &Analysis, node: Option<&str>) -> Option<usize> {
    analysis.findings.iter().position(|f| {
        f.category == Category::CollectionGap
            && match node {
                Some(n) => f.subject.kind == SubjectKind::Node && f.subject.name == n,
                None => f.subject.kind == SubjectKind::Cluster,
            }
    })
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
