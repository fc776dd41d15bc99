//! What the bundle holds for each step of a row: the data checks that tell "read" from "not
//! collected" from "does not apply".

use super::Step;
use crate::facts::{CommandRecord, Facts, HostFacts, Sourced};
use crate::logscan::LogKind;
use kbundle_format::commands::CommandId;
use kbundle_format::manifest::NOT_FOUND;
use kbundle_kube::node::Node;
use std::collections::{HashMap, HashSet};

/// What the bundle holds for one step of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Data {
    /// Read; what was read.
    Present(String),
    /// Missing; what and why.
    Missing(String),
    /// Does not apply; why.
    NotApplicable(String),
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

fn command(host: &HostFacts, id: CommandId) -> Command {
    match host.commands.get(&id) {
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

/// What the rows' data checks count, indexed once by node: a row then costs what its node
/// holds, not what the cluster holds (5,000 rows each filtering 150,000 pods and 500,000
/// events was most of the time of a big bundle's analysis).
pub(super) struct NodeIndex<'a> {
    nodes: HashMap<&'a str, &'a Sourced<Node>>,
    per_node: HashMap<&'a str, NodeCounts>,
    /// Nodes whose /etc/kubernetes/manifests copy is a row that is not a gap (copied, and
    /// empty or absent).
    manifests_copied: HashSet<&'a str>,
    unscheduled: usize,
    container_logs: usize,
}

/// What one node holds, counted.
#[derive(Debug, Default, Clone, Copy)]
struct NodeCounts {
    /// Pod rows on the node (as the pod table lists them).
    pods: usize,
    /// Of those, in kube-system.
    system_pods: usize,
    /// Distinct pods (namespace and name) on the node.
    distinct_pods: usize,
    /// Container logs of those pods.
    container_logs: usize,
    /// Event groups about the node, its pods, or reported from it.
    event_groups: usize,
    /// Mirror pods (of static manifests) among the pods that may matter.
    mirrors: usize,
}

impl<'a> NodeIndex<'a> {
    /// Counts everything once.
    pub(super) fn new(facts: &'a Facts) -> Self {
        let mut per_node: HashMap<&'a str, NodeCounts> = HashMap::new();
        let mut pod_node: HashMap<(&'a str, &'a str), &'a str> = HashMap::new();
        for p in &facts.pod_summaries {
            let c = per_node.entry(p.node.as_str()).or_default();
            c.pods += 1;
            if p.namespace == "kube-system" {
                c.system_pods += 1;
            }
            pod_node.insert((p.namespace.as_str(), p.name.as_str()), p.node.as_str());
        }
        for node in pod_node.values() {
            per_node.entry(node).or_default().distinct_pods += 1;
        }
        let mut container_logs = 0;
        for log in facts
            .logs
            .iter()
            .filter(|l| l.kind == LogKind::ContainerLog)
        {
            let Some(pod) = &log.file.pod else { continue };
            container_logs += 1;
            if let Some(node) = pod_node.get(&(pod.namespace.as_str(), pod.pod.as_str())) {
                per_node.entry(node).or_default().container_logs += 1;
            }
        }
        for g in facts.events.iter() {
            let mut about: [Option<&str>; 3] = [None; 3];
            if g.object.kind == "Node" {
                about[0] = Some(g.object.name.as_str());
            }
            about[1] = Some(g.host.as_str());
            if g.object.kind == "Pod" {
                about[2] = pod_node
                    .get(&(g.object.namespace.as_str(), g.object.name.as_str()))
                    .copied();
            }
            for (i, node) in about.iter().enumerate() {
                let Some(node) = node else { continue };
                if about[..i].contains(&Some(node)) {
                    continue; // one group counts once per node
                }
                if let Some(c) = per_node.get_mut(node) {
                    c.event_groups += 1;
                } else {
                    per_node.insert(
                        node,
                        NodeCounts {
                            event_groups: 1,
                            ..NodeCounts::default()
                        },
                    );
                }
            }
        }
        for p in facts
            .pods_that_may_matter
            .iter()
            .filter(|p| p.object.is_mirror())
        {
            per_node
                .entry(p.object.spec.node_name.as_str())
                .or_default()
                .mirrors += 1;
        }
        let manifests_copied = facts
            .bundles
            .iter()
            .filter_map(|b| b.manifest.as_ref())
            .flat_map(|m| &m.collectors)
            .filter(|c| {
                c.name.trim_end_matches("/*") == "files/etc/kubernetes/manifests"
                    && !c.status.is_gap()
            })
            .filter_map(|c| c.node.as_deref())
            .collect();
        let mut nodes = HashMap::new();
        for n in &facts.nodes {
            // The first object of a name, as a search in order would find.
            nodes.entry(n.object.metadata.name.as_str()).or_insert(n);
        }
        NodeIndex {
            nodes,
            per_node,
            manifests_copied,
            unscheduled: facts
                .pod_summaries
                .iter()
                .filter(|p| p.node.is_empty())
                .count(),
            container_logs,
        }
    }

    fn counts(&self, node: &str) -> NodeCounts {
        self.per_node.get(node).copied().unwrap_or_default()
    }
}

/// The facts one row's data checks read.
pub(super) struct NodeView<'a> {
    facts: &'a Facts,
    index: &'a NodeIndex<'a>,
    node: Option<&'a str>,
    host: Option<&'a HostFacts>,
}

impl<'a> NodeView<'a> {
    pub(super) fn new(facts: &'a Facts, index: &'a NodeIndex<'a>, node: Option<&'a str>) -> Self {
        NodeView {
            facts,
            index,
            node,
            host: node.and_then(|n| facts.hosts.get(n)),
        }
    }

    pub(super) fn data(&self, step: Step) -> Data {
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
                            CommandId::SystemctlStatusKubelet,
                            CommandId::JournalctlKubelet,
                        ],
                    ),
                    Step::OsLogs => os_logs(host),
                    Step::Reboots => any_command(host, &[CommandId::LastReboot, CommandId::Uptime]),
                    Step::Storage => any_command(host, &[CommandId::DfH, CommandId::DfI]),
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
            Step::KubeSystemPods => have(
                "pods",
                format!(
                    "{} pods, {} not scheduled to a node",
                    self.facts.pod_summaries.len(),
                    self.index.unscheduled
                ),
                "no pod lists in the bundle",
            ),
            Step::PodLogs => {
                let logs = self.index.container_logs;
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
        match self.index.nodes.get(node) {
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
        let c = self.index.counts(node);
        Data::Present(format!(
            "{} pods on this node, {} in kube-system",
            c.pods, c.system_pods
        ))
    }

    fn pod_logs(&self, node: &str) -> Data {
        if !self.facts.kinds_present.contains("pods") {
            return Data::Missing("no pod lists in the bundle".to_string());
        }
        let c = self.index.counts(node);
        if c.distinct_pods == 0 {
            return Data::NotApplicable("no pod runs on this node".to_string());
        }
        if c.container_logs > 0 {
            Data::Present(format!(
                "{} container logs of the {} pods here",
                c.container_logs, c.distinct_pods
            ))
        } else {
            Data::Missing(format!(
                "none of the {} pods on this node has a container log in the bundle",
                c.distinct_pods
            ))
        }
    }

    fn events(&self, node: &str) -> Data {
        if !self.facts.kinds_present.contains("events") {
            return Data::Missing("no event lists in the bundle".to_string());
        }
        Data::Present(format!(
            "events ({} groups about this node or its pods)",
            self.index.counts(node).event_groups
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
        let mirrors = self.index.counts(node).mirrors;
        // The collector copied the directory (a row that is not a gap: ok with no file, or
        // skipped because it is empty or absent) and found nothing in it.
        let dir_empty = self.index.manifests_copied.contains(node);
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
fn any_command(host: &HostFacts, commands: &[CommandId]) -> Data {
    let mut read = Vec::new();
    let mut missing = Vec::new();
    for &id in commands {
        let shown = id.spec().shown;
        match command(host, id) {
            Command::Output => read.push(shown),
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
    if command(host, CommandId::Dmesg) == Command::Output {
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
        &[CommandId::IpAddr, CommandId::IpLink, CommandId::IfconfigA],
    );
    let routes = any_command(host, &[CommandId::IpRoute, CommandId::RouteN]);
    match (interfaces, routes) {
        (Data::Present(i), Data::Present(r)) => Data::Present(format!("{i}, {r}")),
        (Data::Missing(why), _) => Data::Missing(format!("no interface list ({why})")),
        (_, Data::Missing(why)) => Data::Missing(format!("no route table ({why})")),
        (other, _) => other,
    }
}

fn iscsi_multipath(host: &HostFacts) -> Data {
    let tools = [
        (
            "iscsiadm",
            [CommandId::IscsiadmSession, CommandId::IscsiadmNode],
        ),
        ("multipath", [CommandId::MultipathLl, CommandId::MultipathL]),
    ];
    let mut read = Vec::new();
    let mut not_installed = Vec::new();
    let mut missing = Vec::new();
    for (tool, ids) in tools {
        let states: Vec<Command> = ids.iter().map(|&id| command(host, id)).collect();
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
