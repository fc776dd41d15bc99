//! The triage checklist: one row per node, one cell per step of the seed procedure (node
//! Ready → kube-system pods → pod logs → static pods → events → kubelet → OS logs →
//! reboots → storage → network → iSCSI / multipath), each cell a mark that links to its
//! findings.
//!
//! A cell is decided from two things, in this order:
//! 1. the findings of the step's categories about the row's node ([`Step::of`] maps every
//!    category but `collection-gap` to exactly one step): a critical or warning finding
//!    decides the cell, whatever else is known;
//! 2. whether the data the step reads is in the bundle for that node: a collection gap on a
//!    collector the step reads, or the data simply absent, makes the cell "no data" with the
//!    reason — never a pass; a step that cannot apply (no static pods on a worker, multipath
//!    and iscsiadm not installed) is "n/a" with the reason; only then is it a pass.
//!
//! Findings about no node (unscheduled pods, workloads, the cluster) go to a first row for
//! the cluster, whose node-only steps are n/a unless such a finding lands there.

use crate::facts::{CommandRecord, Facts, HostFacts};
use crate::logscan::LogKind;
use kbundle_format::analysis::{Analysis, Category, Finding, Severity, SubjectKind};
use kbundle_format::layout::{self, Member};
use kbundle_format::manifest::NOT_FOUND;
use kbundle_format::BundlePath;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[cfg(test)]
mod tests;

/// A step of the seed procedure, in the order it is walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// `kubectl get nodes`: Ready, pressure, cordon, versions.
    NodeReady,
    /// `kubectl get pods -n kube-system -o wide`, then the node's other pods.
    KubeSystemPods,
    /// `kubectl logs [--previous]` of the pods that fail.
    PodLogs,
    /// /etc/kubernetes/manifests against the mirror pods.
    StaticPods,
    /// `kubectl get events`.
    Events,
    /// `systemctl status kubelet`, `journalctl -u kubelet`, the container runtime, and the
    /// node's certificates (x509 errors show in these journals).
    Kubelet,
    /// dmesg, kern.log, syslog / messages; the clock.
    OsLogs,
    /// `last -x reboot shutdown`.
    Reboots,
    /// `df -h`, `df -i`.
    Storage,
    /// Interfaces, routes, MTU.
    Network,
    /// `iscsiadm -m session`, `multipath -ll`.
    IscsiMultipath,
}

impl Step {
    /// Every step, in the seed procedure's order.
    pub const ALL: [Step; 11] = [
        Step::NodeReady,
        Step::KubeSystemPods,
        Step::PodLogs,
        Step::StaticPods,
        Step::Events,
        Step::Kubelet,
        Step::OsLogs,
        Step::Reboots,
        Step::Storage,
        Step::Network,
        Step::IscsiMultipath,
    ];

    /// The column heading.
    pub fn label(self) -> &'static str {
        match self {
            Step::NodeReady => "Node Ready",
            Step::KubeSystemPods => "kube-system pods",
            Step::PodLogs => "Pod logs",
            Step::StaticPods => "Static pods",
            Step::Events => "Events",
            Step::Kubelet => "Kubelet",
            Step::OsLogs => "OS logs",
            Step::Reboots => "Reboots",
            Step::Storage => "Storage (df)",
            Step::Network => "Network",
            Step::IscsiMultipath => "iSCSI / multipath",
        }
    }

    /// What the step checks, in one line (the heading's tooltip).
    pub fn checks(self) -> &'static str {
        match self {
            Step::NodeReady => "Node conditions (Ready, pressure, network), cordon, version skew",
            Step::KubeSystemPods => {
                "The pods on the node, kube-system first: crash loops, image pulls, OOM kills, \
pending, evicted, stuck, sandboxes, volumes, control plane"
            }
            Step::PodLogs => "Container logs: etcd, DNS and CNI errors",
            Step::StaticPods => {
                "Manifests in /etc/kubernetes/manifests against running mirror pods"
            }
            Step::Events => "Warning events, probe failures",
            Step::Kubelet => {
                "Kubelet and container runtime: systemctl status, journals; certificate expiry"
            }
            Step::OsLogs => "Kernel OOM, hangs, I/O errors, conntrack, clock sync",
            Step::Reboots => "Reboots without clean shutdown, reboots in the incident window",
            Step::Storage => "Filesystem blocks and inodes (df -h, df -i)",
            Step::Network => "Interfaces up, MTU agreement, default route",
            Step::IscsiMultipath => "iSCSI sessions and multipath paths",
        }
    }

    /// The step a finding category belongs to; `None` only for `collection-gap`, which
    /// makes cells "no data" instead (through the collectors it names).
    pub fn of(category: Category) -> Option<Step> {
        use Category as C;
        Some(match category {
            C::NodeNotReady
            | C::NodePressure
            | C::NodeNetworkUnavailable
            | C::NodeCordoned
            | C::VersionSkew => Step::NodeReady,
            C::CrashLoop
            | C::ImagePull
            | C::OomKilled
            | C::PodPending
            | C::PodEvicted
            | C::PodStuckTerminating
            | C::WorkloadUnavailable
            | C::VolumeMount
            | C::SandboxFailure
            | C::ControlPlaneUnhealthy => Step::KubeSystemPods,
            C::EtcdProblem | C::DnsFailure | C::CniFailure => Step::PodLogs,
            C::StaticPodMissing => Step::StaticPods,
            C::ProbeFailure | C::WarningEvents => Step::Events,
            C::KubeletDown | C::KubeletError | C::RuntimeDown | C::CertExpiry => Step::Kubelet,
            C::KernelOom | C::KernelHang | C::DiskIoError | C::ConntrackFull | C::TimeSync => {
                Step::OsLogs
            }
            C::UnexpectedReboot => Step::Reboots,
            C::DiskFull | C::InodeExhaustion => Step::Storage,
            C::InterfaceDown | C::MtuMismatch | C::NoDefaultRoute => Step::Network,
            C::MultipathFaulty | C::IscsiSession => Step::IscsiMultipath,
            C::CollectionGap => return None,
        })
    }

    /// The categories of this step, in the spec's order.
    pub fn categories(self) -> impl Iterator<Item = Category> {
        Category::ALL
            .iter()
            .copied()
            .filter(move |c| Step::of(*c) == Some(self))
    }

    /// Steps that read the cluster's API objects, and so apply to the cluster row.
    fn reads_api(self) -> bool {
        matches!(
            self,
            Step::NodeReady | Step::KubeSystemPods | Step::PodLogs | Step::Events
        )
    }
}

/// The verdict of a cell. "No data" and "n/a" are never shown like a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mark {
    /// The data is there and no finding says anything is wrong.
    Pass,
    /// A warning finding, none critical.
    Warning,
    /// A critical finding.
    Critical,
    /// The step's data is missing (not collected, collector failed, file absent).
    NoData,
    /// The step does not apply to this node.
    NotApplicable,
}

/// One cell: a step for a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// The step.
    pub step: Step,
    /// The verdict.
    pub mark: Mark,
    /// Why, in words: the findings, what is missing, or what was read.
    pub reason: String,
    /// Indices into `analysis.findings`: the step's findings about this row, and the
    /// collection-gap finding of the row when a gap left the step without data.
    pub findings: Vec<usize>,
    /// Indices into `analysis.collection`: the gaps that hit this step.
    pub gaps: Vec<usize>,
}

/// One node's row (or the cluster's, for findings about no node).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The node; `None` for the cluster row.
    pub node: Option<String>,
    /// One cell per [`Step::ALL`], in order.
    pub cells: Vec<Cell>,
}

/// The whole checklist: the cluster row first, then nodes by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Checklist {
    /// The rows.
    pub rows: Vec<Row>,
}

/// What the bundle holds for one step of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Data {
    /// Read; what was read.
    Present(String),
    /// Missing; what and why.
    Missing(String),
    /// Does not apply; why.
    NotApplicable(String),
}

/// Builds the checklist of an analysis from the facts it was made of.
pub fn build(facts: &Facts, analysis: &Analysis) -> Checklist {
    let pod_nodes: HashMap<(&str, &str), &str> = facts
        .pods
        .iter()
        .filter(|p| !p.object.spec.node_name.is_empty())
        .map(|p| {
            let m = &p.object.metadata;
            (
                (m.namespace.as_str(), m.name.as_str()),
                p.object.spec.node_name.as_str(),
            )
        })
        .collect();
    let mut nodes: BTreeSet<String> = facts.node_names().into_iter().collect();
    let mut by_row: BTreeMap<(Option<String>, Step), Vec<usize>> = BTreeMap::new();
    for (i, f) in analysis.findings.iter().enumerate() {
        let Some(step) = Step::of(f.category) else {
            continue;
        };
        let node = node_of(f, &pod_nodes).map(str::to_string);
        if let Some(n) = &node {
            nodes.insert(n.clone());
        }
        by_row.entry((node, step)).or_default().push(i);
    }
    let rows_nodes = std::iter::once(None).chain(nodes.into_iter().map(Some));
    let rows = rows_nodes
        .map(|node| {
            let view = NodeView::new(facts, node.as_deref());
            let cells = Step::ALL
                .iter()
                .map(|&step| {
                    let findings = by_row
                        .get(&(node.clone(), step))
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    let gaps = gaps_of(analysis, node.as_deref(), step, &pod_nodes);
                    let gap_finding = gap_finding(analysis, node.as_deref());
                    decide(step, analysis, findings, gaps, gap_finding, view.data(step))
                })
                .collect();
            Row { node, cells }
        })
        .collect();
    Checklist { rows }
}

/// The node a finding is about: the node itself, the node of its subject, or the node its
/// pod was scheduled to.
fn node_of<'a>(f: &'a Finding, pod_nodes: &HashMap<(&str, &str), &'a str>) -> Option<&'a str> {
    let s = &f.subject;
    if s.kind == SubjectKind::Node {
        return Some(&s.name);
    }
    if let Some(n) = &s.node {
        return Some(n);
    }
    if matches!(s.kind, SubjectKind::Pod | SubjectKind::Container) {
        let ns = s.namespace.as_deref().unwrap_or("");
        return pod_nodes.get(&(ns, s.name.as_str())).copied();
    }
    None
}

/// Statuses of collection rows that mean data is missing (as
/// [`crate::facts::CollectionIssue::is_gap`]), unlike `skipped` or `truncated`.
pub fn is_gap(status: &str) -> bool {
    matches!(
        status,
        "error" | "timeout" | "forbidden" | "unreadable" | "interrupted"
    )
}

/// The collection rows that leave `step` without (complete) data on this row: node
/// collectors of the node, and cluster collectors for the steps that read the API. A
/// container-log gap that names its containers (`namespace/pod/container`) hits only the
/// rows of the nodes those pods run on.
fn gaps_of(
    analysis: &Analysis,
    node: Option<&str>,
    step: Step,
    pod_nodes: &HashMap<(&str, &str), &str>,
) -> Vec<usize> {
    analysis
        .collection
        .iter()
        .enumerate()
        .filter(|(_, c)| is_gap(&c.status))
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
fn gap_finding(analysis: &Analysis, node: Option<&str>) -> Option<usize> {
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
fn collector_steps(collector: &str) -> Vec<Step> {
    if collector == "cluster API" {
        return vec![
            Step::NodeReady,
            Step::KubeSystemPods,
            Step::PodLogs,
            Step::Events,
        ];
    }
    if let Some(id) = collector.strip_prefix("run/") {
        return command_step(id).into_iter().collect();
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
        Member::Command { id, .. } => command_step(id).into_iter().collect(),
        Member::NodeFile { host_path, .. } => host_file_step(host_path).into_iter().collect(),
        Member::Certificates { .. } => vec![Step::Kubelet],
        Member::PodLog { .. } => vec![Step::PodLogs],
        Member::List { dir, .. } => {
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

/// The step a node command feeds (bundle format's command ids).
fn command_step(id: &str) -> Option<Step> {
    Some(match id {
        "systemctl-status-kubelet"
        | "journalctl-kubelet"
        | "systemctl-status-containerd"
        | "journalctl-containerd" => Step::Kubelet,
        "crictl-ps" => Step::StaticPods,
        "dmesg" | "timedatectl" | "free" | "meminfo" => Step::OsLogs,
        "last-reboot" | "uptime" => Step::Reboots,
        "df-h" | "df-i" | "mounts" => Step::Storage,
        "ifconfig-a" | "ip-addr" | "ip-link" | "ip-route" | "route-n" => Step::Network,
        "iscsiadm-node" | "iscsiadm-session" | "multipath-l" | "multipath-ll" => {
            Step::IscsiMultipath
        }
        _ => return None,
    })
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

/// Decides one cell (the rule in the module doc).
fn decide(
    step: Step,
    analysis: &Analysis,
    findings: &[usize],
    gaps: Vec<usize>,
    gap_finding: Option<usize>,
    data: Data,
) -> Cell {
    let worst = findings
        .iter()
        .filter_map(|&i| analysis.findings.get(i))
        .map(|f| f.severity)
        .max();
    let gap_words: Vec<String> = gaps
        .iter()
        .filter_map(|&i| analysis.collection.get(i))
        .map(|c| match &c.error {
            Some(e) => format!("{} {}: {e}", c.collector, c.status),
            None => format!("{} {}", c.collector, c.status),
        })
        .collect();
    let mut linked = findings.to_vec();
    let (mark, reason) = match (worst, &data) {
        (Some(s @ (Severity::Critical | Severity::Warning)), _) => {
            let mut reason = count_findings(findings.len());
            if !gap_words.is_empty() {
                reason.push_str(&format!("; data incomplete ({})", gap_words.join("; ")));
            }
            let mark = if s == Severity::Critical {
                Mark::Critical
            } else {
                Mark::Warning
            };
            (mark, reason)
        }
        _ if !gap_words.is_empty() => {
            linked.extend(gap_finding);
            (
                Mark::NoData,
                format!("collection gap: {}", gap_words.join("; ")),
            )
        }
        (_, Data::Missing(why)) => (Mark::NoData, why.clone()),
        (_, Data::NotApplicable(why)) => (Mark::NotApplicable, why.clone()),
        (_, Data::Present(what)) => {
            let reason = if findings.is_empty() {
                format!("no finding; read {what}")
            } else {
                format!("{} (info); read {what}", count_findings(findings.len()))
            };
            (Mark::Pass, reason)
        }
    };
    Cell {
        step,
        mark,
        reason,
        findings: linked,
        gaps,
    }
}

fn count_findings(n: usize) -> String {
    if n == 1 {
        "1 finding".to_string()
    } else {
        format!("{n} findings")
    }
}

/// How a node command went, from its info file and output.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Command {
    /// It left output.
    Output,
    /// None of its programs exists on the node.
    NotInstalled,
    /// It ran (or tried) and left no output; why.
    Failed(String),
    /// The bundle says nothing of it.
    Absent,
}

fn command(host: &HostFacts, id: &str) -> Command {
    match host.commands.get(id) {
        Some(CommandRecord {
            has_output: true, ..
        }) => Command::Output,
        Some(CommandRecord {
            info: Some(info), ..
        }) => match info.error.as_deref() {
            Some(NOT_FOUND) => Command::NotInstalled,
            Some(e) => Command::Failed(e.to_string()),
            None if info.timed_out => Command::Failed("timed out".to_string()),
            None => Command::Failed(format!(
                "no output (exit code {})",
                info.exit_code
                    .map_or_else(|| "unknown".to_string(), |c| c.to_string())
            )),
        },
        _ => Command::Absent,
    }
}

/// The facts one row's data checks read.
struct NodeView<'a> {
    facts: &'a Facts,
    node: Option<&'a str>,
    host: Option<&'a HostFacts>,
}

impl<'a> NodeView<'a> {
    fn new(facts: &'a Facts, node: Option<&'a str>) -> Self {
        NodeView {
            facts,
            node,
            host: node.and_then(|n| facts.hosts.get(n)),
        }
    }

    fn data(&self, step: Step) -> Data {
        let Some(node) = self.node else {
            return self.cluster_data(step);
        };
        match step {
            Step::NodeReady => self.node_ready(node),
            Step::KubeSystemPods => self.pods(node),
            Step::PodLogs => self.pod_logs(node),
            Step::Events => self.events(node),
            host_step => match self.host {
                None => Data::Missing(format!(
                    "no host data for this node (no host-collectors/{node}/ in the bundle)"
                )),
                Some(host) => match host_step {
                    Step::StaticPods => self.static_pods(node, host),
                    Step::Kubelet => any_command(
                        host,
                        &[
                            ("systemctl-status-kubelet", "systemctl status kubelet"),
                            ("journalctl-kubelet", "journalctl -u kubelet"),
                        ],
                    ),
                    Step::OsLogs => os_logs(host),
                    Step::Reboots => any_command(
                        host,
                        &[("last-reboot", "last -x reboot"), ("uptime", "uptime")],
                    ),
                    Step::Storage => any_command(host, &[("df-h", "df -h"), ("df-i", "df -i")]),
                    Step::Network => network(host),
                    _ => iscsi_multipath(host),
                },
            },
        }
    }

    fn cluster_data(&self, step: Step) -> Data {
        let kinds = &self.facts.kinds_present;
        let have = |kind: &str, what: String, missing: &str| {
            if kinds.contains(kind) {
                Data::Present(what)
            } else {
                Data::Missing(missing.to_string())
            }
        };
        match step {
            Step::NodeReady => have(
                "nodes",
                format!("{} Node objects", self.facts.nodes.len()),
                "no Node objects in the bundle",
            ),
            Step::KubeSystemPods => {
                let unscheduled = self
                    .facts
                    .pods
                    .iter()
                    .filter(|p| p.object.spec.node_name.is_empty())
                    .count();
                have(
                    "pods",
                    format!(
                        "{} pods, {unscheduled} not scheduled to a node",
                        self.facts.pods.len()
                    ),
                    "no pod lists in the bundle",
                )
            }
            Step::PodLogs => {
                let logs = self.container_logs(|_, _| true);
                if logs > 0 {
                    Data::Present(format!("{logs} container logs"))
                } else {
                    Data::Missing("no container log in the bundle".to_string())
                }
            }
            Step::Events => have(
                "events",
                format!("{} event groups", self.facts.events.len()),
                "no event lists in the bundle",
            ),
            _ => Data::NotApplicable("a step of each node, not of the cluster".to_string()),
        }
    }

    fn node_ready(&self, node: &str) -> Data {
        let object = self
            .facts
            .nodes
            .iter()
            .find(|n| n.object.metadata.name == node);
        match object {
            Some(n) => match n.object.condition("Ready") {
                Some(c) => Data::Present(format!("the Node object (Ready={})", c.status)),
                None => Data::Missing("the Node object reports no Ready condition".to_string()),
            },
            None if !self.facts.kinds_present.contains("nodes") => {
                Data::Missing("no Node objects in the bundle".to_string())
            }
            None => Data::Missing(format!("no Node object named {node} in the bundle")),
        }
    }

    fn pods(&self, node: &str) -> Data {
        if !self.facts.kinds_present.contains("pods") {
            return Data::Missing("no pod lists in the bundle".to_string());
        }
        let (mut all, mut system) = (0, 0);
        for p in self.facts.pods_on(node) {
            all += 1;
            if p.object.metadata.namespace == "kube-system" {
                system += 1;
            }
        }
        Data::Present(format!("{all} pods on this node, {system} in kube-system"))
    }

    fn pod_logs(&self, node: &str) -> Data {
        if !self.facts.kinds_present.contains("pods") {
            return Data::Missing("no pod lists in the bundle".to_string());
        }
        let pods: BTreeSet<(&str, &str)> = self
            .facts
            .pods_on(node)
            .map(|p| {
                (
                    p.object.metadata.namespace.as_str(),
                    p.object.metadata.name.as_str(),
                )
            })
            .collect();
        if pods.is_empty() {
            return Data::NotApplicable("no pod runs on this node".to_string());
        }
        let logs = self.container_logs(|ns, pod| pods.contains(&(ns, pod)));
        if logs > 0 {
            Data::Present(format!(
                "{logs} container logs of the {} pods here",
                pods.len()
            ))
        } else {
            Data::Missing(format!(
                "none of the {} pods on this node has a container log in the bundle",
                pods.len()
            ))
        }
    }

    /// Container logs scanned whose pod passes `wanted`.
    fn container_logs(&self, wanted: impl Fn(&str, &str) -> bool) -> usize {
        self.facts
            .logs
            .iter()
            .filter(|l| l.kind == LogKind::ContainerLog)
            .filter_map(|l| l.file.pod.as_ref())
            .filter(|p| wanted(&p.namespace, &p.pod))
            .count()
    }

    fn events(&self, node: &str) -> Data {
        if !self.facts.kinds_present.contains("events") {
            return Data::Missing("no event lists in the bundle".to_string());
        }
        let here: BTreeSet<(&str, &str)> = self
            .facts
            .pods_on(node)
            .map(|p| {
                (
                    p.object.metadata.namespace.as_str(),
                    p.object.metadata.name.as_str(),
                )
            })
            .collect();
        let about = self
            .facts
            .events
            .iter()
            .filter(|g| {
                (g.object.kind == "Node" && g.object.name == node)
                    || g.host == node
                    || (g.object.kind == "Pod"
                        && here.contains(&(g.object.namespace.as_str(), g.object.name.as_str())))
            })
            .count();
        Data::Present(format!(
            "events ({about} groups about this node or its pods)"
        ))
    }

    fn static_pods(&self, node: &str, host: &HostFacts) -> Data {
        let manifests = host
            .files
            .iter()
            .filter(|f| f.starts_with("etc/kubernetes/manifests/"))
            .count();
        if manifests > 0 {
            return Data::Present(format!("{manifests} files of /etc/kubernetes/manifests"));
        }
        let mirrors = self
            .facts
            .pods_on(node)
            .filter(|p| p.object.is_mirror())
            .count();
        // The collector copied the directory (a row that is not a gap: ok with no file, or
        // skipped because it is empty or absent) and found nothing in it.
        let dir_empty = self.facts.bundles.iter().any(|b| {
            b.manifest.as_ref().is_some_and(|m| {
                m.collectors.iter().any(|c| {
                    c.node.as_deref() == Some(node)
                        && c.name.trim_end_matches("/*") == "files/etc/kubernetes/manifests"
                        && !c.status.is_gap()
                })
            })
        });
        match (dir_empty, mirrors) {
            (true, 0) => Data::NotApplicable(
                "/etc/kubernetes/manifests is empty or absent and no mirror pod runs here"
                    .to_string(),
            ),
            (true, n) => Data::Missing(format!(
                "{n} mirror pods run here but /etc/kubernetes/manifests was empty or absent"
            )),
            (false, _) => Data::Missing("/etc/kubernetes/manifests was not collected".to_string()),
        }
    }
}

/// Present when any of the commands left output; else missing, saying what became of each.
fn any_command(host: &HostFacts, commands: &[(&str, &str)]) -> Data {
    let mut read = Vec::new();
    let mut missing = Vec::new();
    for (id, shown) in commands {
        match command(host, id) {
            Command::Output => read.push(*shown),
            Command::NotInstalled => missing.push(format!("{shown}: not installed")),
            Command::Failed(why) => missing.push(format!("{shown}: {why}")),
            Command::Absent => missing.push(format!("{shown}: not in the bundle")),
        }
    }
    if read.is_empty() {
        Data::Missing(missing.join("; "))
    } else {
        Data::Present(read.join(", "))
    }
}

fn os_logs(host: &HostFacts) -> Data {
    let mut read: Vec<String> = host
        .files
        .iter()
        .filter(|f| {
            ["var/log/kern.log", "var/log/syslog", "var/log/messages"]
                .iter()
                .any(|p| f.starts_with(p))
        })
        .map(|f| format!("/{f}"))
        .collect();
    if command(host, "dmesg") == Command::Output {
        read.insert(0, "dmesg".to_string());
    }
    if read.is_empty() {
        Data::Missing("no dmesg, kern.log, syslog or messages in the bundle".to_string())
    } else {
        Data::Present(read.join(", "))
    }
}

fn network(host: &HostFacts) -> Data {
    let interfaces = any_command(
        host,
        &[
            ("ip-addr", "ip addr"),
            ("ip-link", "ip -s link"),
            ("ifconfig-a", "ifconfig -a"),
        ],
    );
    let routes = any_command(host, &[("ip-route", "ip route"), ("route-n", "route -n")]);
    match (interfaces, routes) {
        (Data::Present(i), Data::Present(r)) => Data::Present(format!("{i}, {r}")),
        (Data::Missing(why), _) => Data::Missing(format!("no interface list ({why})")),
        (_, Data::Missing(why)) => Data::Missing(format!("no route table ({why})")),
        (other, _) => other,
    }
}

fn iscsi_multipath(host: &HostFacts) -> Data {
    let tools = [
        ("iscsiadm", ["iscsiadm-session", "iscsiadm-node"]),
        ("multipath", ["multipath-ll", "multipath-l"]),
    ];
    let mut read = Vec::new();
    let mut not_installed = Vec::new();
    let mut missing = Vec::new();
    for (tool, ids) in tools {
        let states: Vec<Command> = ids.iter().map(|id| command(host, id)).collect();
        if states.contains(&Command::Output) {
            read.push(tool);
        } else if states.iter().all(|s| *s == Command::NotInstalled) {
            not_installed.push(tool);
        } else {
            missing.push(tool);
        }
    }
    if !read.is_empty() {
        let mut what = read.join(", ");
        if !not_installed.is_empty() {
            what.push_str(&format!(" ({} not installed)", not_installed.join(", ")));
        }
        Data::Present(what)
    } else if missing.is_empty() {
        Data::NotApplicable("iscsiadm and multipath are not installed on this node".to_string())
    } else {
        Data::Missing(format!(
            "no output of {} in the bundle",
            missing.join(" or ")
        ))
    }
}
