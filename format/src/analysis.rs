//! The analysis model: what `kbundle analyze --json` writes and what the HTML and terminal
//! renderers are fed, so that no output can say something another does not.

use serde::{Deserialize, Serialize};
use std::fmt;

mod flavor;
pub use flavor::Flavor;

/// The value of `format` in an analysis.
pub const ANALYSIS_FORMAT_V1: &str = "kbundle-analysis/v1";

/// The whole analysis of one or more bundles.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Analysis {
    /// Always [`ANALYSIS_FORMAT_V1`].
    pub format: String,
    /// The analyzer that wrote it.
    pub tool: crate::manifest::Tool,
    /// The bundles read, in the order given.
    pub bundles: Vec<BundleSummary>,
    /// Counts of findings per severity, and the root causes in rank order.
    pub summary: SeverityCounts,
    /// Findings: the root causes first in rank order, then what they explain, chain by
    /// chain.
    pub findings: Vec<Finding>,
    /// What happened when, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// Every collector that did not end `ok`.
    pub collection: Vec<CollectionRow>,
    /// Rule packs given with `--rules`, and the built-in rules each replaced: an analysis
    /// made with other rules says so. Absent when only the built-in rules ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rule_packs: Vec<RulePack>,
}

/// One rule file of a pack that went into the analysis.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RulePack {
    /// The file, as found under the path given to `--rules`.
    pub path: String,
    /// How many rules it holds.
    pub rules: usize,
    /// Ids of built-in rules its rules replaced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<String>,
}

/// One bundle that went into the analysis.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BundleSummary {
    /// The path as given on the command line.
    pub path: String,
    /// Who wrote it.
    pub flavor: Flavor,
    /// When it was collected, RFC 3339 UTC, when known.
    pub created: Option<String>,
    /// The API server's version, when known.
    pub cluster_version: Option<String>,
    /// The nodes it describes, from objects or from host collectors.
    pub nodes: Vec<String>,
}

/// How many findings of each severity, and which of them to fix first.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SeverityCounts {
    /// Findings that say the cluster is broken now.
    pub critical: usize,
    /// Findings worth a look.
    pub warning: usize,
    /// Context, not problems.
    pub info: usize,
    /// The ids of the findings nothing else explains, in rank order (most severe, then
    /// explaining most, then earliest): what a reader should look at first. Additive to v1:
    /// older analyses lack it and read as empty.
    #[serde(default)]
    pub root_causes: Vec<String>,
}

/// How bad a finding is. Ordered: `Info < Warning < Critical`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Context, not a problem.
    Info,
    /// Worth a look; may explain symptoms.
    Warning,
    /// Something is broken now.
    Critical,
}

impl Severity {
    /// The word used in JSON and on screen.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

macro_rules! categories {
    ($($variant:ident = $name:literal : $meaning:literal,)*) => {
        /// The fixed list of finding categories that tickets and dashboards rely on.
        #[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Category {
            $(
                #[doc = $meaning]
                #[serde(rename = $name)]
                $variant,
            )*
        }

        impl Category {
            /// Every category, in the order of the spec.
            pub const ALL: &'static [Category] = &[$(Category::$variant,)*];

            /// The category's name in JSON.
            pub fn as_str(self) -> &'static str {
                match self { $(Category::$variant => $name,)* }
            }

            /// One line saying what the category means.
            pub fn meaning(self) -> &'static str {
                match self { $(Category::$variant => $meaning,)* }
            }

            /// Looks a category up by its JSON name.
            pub fn from_name(name: &str) -> Option<Category> {
                match name { $($name => Some(Category::$variant),)* _ => None }
            }
        }
    };
}

categories! {
    NodeNotReady = "node-not-ready": "a node's Ready condition is False or Unknown",
    NodePressure = "node-pressure": "MemoryPressure, DiskPressure or PIDPressure is True",
    NodeNetworkUnavailable = "node-network-unavailable": "NetworkUnavailable is True",
    NodeCordoned = "node-cordoned": "a node is unschedulable",
    VersionSkew = "version-skew": "kubelet / control-plane versions outside the supported skew, or nodes disagree",
    CrashLoop = "crash-loop": "a container in CrashLoopBackOff, or restarting repeatedly",
    ImagePull = "image-pull": "ErrImagePull / ImagePullBackOff / InvalidImageName",
    OomKilled = "oom-killed": "a container was terminated with reason OOMKilled",
    PodPending = "pod-pending": "a pod cannot be scheduled (FailedScheduling, Pending for long)",
    PodEvicted = "pod-evicted": "pods evicted (by the kubelet's eviction manager or taint manager)",
    PodStuckTerminating = "pod-stuck-terminating": "a pod with a deletionTimestamp long past its grace period",
    ProbeFailure = "probe-failure": "liveness/readiness/startup probes failing (Unhealthy events, kubelet probe errors)",
    WorkloadUnavailable = "workload-unavailable": "a Deployment/StatefulSet/DaemonSet/Job below its desired, available or completed count",
    VolumeMount = "volume-mount": "FailedMount / FailedAttachVolume / multi-attach errors",
    SandboxFailure = "sandbox-failure": "FailedCreatePodSandBox, CNI \"failed to set up network\"",
    StaticPodMissing = "static-pod-missing": "a manifest in /etc/kubernetes/manifests without a matching running pod",
    ControlPlaneUnhealthy = "control-plane-unhealthy": "apiserver, etcd, scheduler or controller-manager not ready or restarting",
    EtcdProblem = "etcd-problem": "etcd slow applies, leader changes, \"database space exceeded\", heartbeat failures",
    CertExpiry = "cert-expiry": "a certificate expired or expiring within 30 days; x509 expiry errors in logs",
    KubeletDown = "kubelet-down": "the kubelet service is not active, or fails to start",
    KubeletError = "kubelet-error": "the kubelet journal shows PLEG unhealthy, \"node not found\", cgroup-driver mismatch, ...",
    RuntimeDown = "runtime-down": "the container runtime (containerd/crio) is not running or not answering",
    KernelOom = "kernel-oom": "the kernel OOM killer ran",
    KernelHang = "kernel-hang": "soft lockup, hung task, RCU stall, kernel panic",
    DiskIoError = "disk-io-error": "block I/O errors, filesystem errors, read-only remounts",
    ConntrackFull = "conntrack-full": "nf_conntrack table full, dropping packets",
    UnexpectedReboot = "unexpected-reboot": "a reboot without a clean shutdown, or a reboot inside the incident window",
    DiskFull = "disk-full": "a filesystem at or above 85 % (warning) / 95 % (critical) of its blocks",
    InodeExhaustion = "inode-exhaustion": "a filesystem at or above 85 % / 95 % of its inodes",
    TimeSync = "time-sync": "clock not synchronized, or node clocks disagree",
    InterfaceDown = "interface-down": "a network interface that should be up is down or has no carrier",
    MtuMismatch = "mtu-mismatch": "interfaces that should agree on MTU do not (storage 9000 vs 1500 elsewhere, nodes differ)",
    NoDefaultRoute = "no-default-route": "a node without a default route",
    DnsFailure = "dns-failure": "cluster DNS failing (CoreDNS errors, timeouts to upstreams, NXDOMAIN storms)",
    CniFailure = "cni-failure": "the network plugin unhealthy (calico/flannel/cilium errors, BGP down)",
    MultipathFaulty = "multipath-faulty": "multipath devices with failed or faulty paths, or fewer paths than their peers",
    IscsiSession = "iscsi-session": "iSCSI targets configured without a session, or session errors",
    WarningEvents = "warning-events": "Warning events that no other category explains",
    CollectionGap = "collection-gap": "data the analysis needed is missing: a collector failed, timed out, or was forbidden",
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SubjectKind {
    /// The cluster as a whole.
    Cluster,
    /// A node.
    Node,
    /// A namespace.
    Namespace,
    /// A pod.
    Pod,
    /// One container of a pod.
    Container,
    /// A Deployment, StatefulSet, DaemonSet, Job, ... (`workload_kind` says which).
    Workload,
    /// A persistent volume or claim.
    Volume,
    /// A network interface on a node.
    Interface,
    /// A mounted filesystem on a node.
    Filesystem,
    /// A certificate.
    Certificate,
}

/// The object a finding is about.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Subject {
    /// What kind of thing.
    pub kind: SubjectKind,
    /// Its name.
    pub name: String,
    /// Its namespace, for namespaced objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The node it is on or of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The container, for container findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Deployment, StatefulSet, ..., for workload findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_kind: Option<String>,
}

impl Subject {
    /// A subject with only a kind and a name.
    pub fn new(kind: SubjectKind, name: impl Into<String>) -> Self {
        Subject {
            kind,
            name: name.into(),
            namespace: None,
            node: None,
            container: None,
            workload_kind: None,
        }
    }

    /// The whole cluster.
    pub fn cluster() -> Self {
        Subject::new(SubjectKind::Cluster, "cluster")
    }

    /// A node.
    pub fn node(name: impl Into<String>) -> Self {
        Subject::new(SubjectKind::Node, name)
    }

    /// A pod in a namespace.
    pub fn pod(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Subject::new(SubjectKind::Pod, name).in_namespace(namespace)
    }

    /// Sets the namespace.
    pub fn in_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Sets the node.
    pub fn on_node(mut self, node: impl Into<String>) -> Self {
        self.node = Some(node.into());
        self
    }

    /// Sets the container; a pod's subject becomes that container's (kind `Container`, the
    /// pod's name and namespace kept).
    pub fn with_container(mut self, container: impl Into<String>) -> Self {
        if self.kind == SubjectKind::Pod {
            self.kind = SubjectKind::Container;
        }
        self.container = Some(container.into());
        self
    }

    /// The pod a Pod or Container subject is about, as `(namespace, name)`: findings about a
    /// pod and about one of its containers concern the same pod.
    pub fn pod_identity(&self) -> Option<(&str, &str)> {
        match self.kind {
            SubjectKind::Pod | SubjectKind::Container => {
                Some((self.namespace.as_deref().unwrap_or(""), self.name.as_str()))
            }
            _ => None,
        }
    }

    /// Sets the workload kind.
    pub fn with_workload_kind(mut self, kind: impl Into<String>) -> Self {
        self.workload_kind = Some(kind.into());
        self
    }
}

impl fmt::Display for Subject {
    /// `Pod kube-system/etcd-m1`, `Node w1`, `Interface w1/eth0`-style labels.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match (&self.kind, &self.workload_kind) {
            (SubjectKind::Workload, Some(w)) => w.as_str(),
            // A container is shown as its pod, with the container named after it.
            (SubjectKind::Container, _) => "Pod",
            (k, _) => k.word(),
        };
        write!(f, "{kind} ")?;
        if let Some(ns) = &self.namespace {
            write!(f, "{ns}/")?;
        }
        write!(f, "{}", self.name)?;
        if let Some(c) = &self.container {
            write!(f, " container {c}")?;
        }
        if !matches!(self.kind, SubjectKind::Node) {
            if let Some(n) = &self.node {
                write!(f, " on {n}")?;
            }
        }
        Ok(())
    }
}

impl SubjectKind {
    /// The kind as a word in titles and ids (`Node`, `Pod`, ...).
    pub fn word(self) -> &'static str {
        match self {
            SubjectKind::Cluster => "Cluster",
            SubjectKind::Node => "Node",
            SubjectKind::Namespace => "Namespace",
            SubjectKind::Pod => "Pod",
            SubjectKind::Container => "Container",
            SubjectKind::Workload => "Workload",
            SubjectKind::Volume => "Volume",
            SubjectKind::Interface => "Interface",
            SubjectKind::Filesystem => "Filesystem",
            SubjectKind::Certificate => "Certificate",
        }
    }
}

/// Where in the bundle a finding was seen: the proof an engineer opens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Evidence {
    /// Path inside the bundle (below its top directory); for several bundles, prefixed by
    /// nothing: the bundle is named in `bundles`.
    pub file: String,
    /// 1-based line number, for text files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The line, or a short description of the object field that shows the problem.
    pub text: String,
}

/// One problem, said once, with its proof.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    /// Unique within one analysis and the same for the same input (derived from the rule,
    /// category and subject, not from the finding's position), so a ticket can cite it and
    /// `caused_by` can point at it. Empty only in analyses written before ids existed.
    #[serde(default)]
    pub id: String,
    /// The rule that raised it, e.g. `kernel.oom-kill`.
    pub rule: String,
    /// Its category from the fixed list.
    pub category: Category,
    /// How bad.
    pub severity: Severity,
    /// The ids of the findings that explain this one, where the bundle shows the link; empty
    /// for a root cause.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caused_by: Vec<String>,
    /// One line saying why `caused_by` explains it, from the facts that link them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub because: Option<String>,
    /// One line for the list view.
    pub title: String,
    /// What exactly was seen.
    pub message: String,
    /// What it is about.
    pub subject: Subject,
    /// How many times it was seen (lines, events, restarts, ...).
    pub count: u64,
    /// First time seen, RFC 3339 UTC, when known.
    pub first_seen: Option<String>,
    /// Last time seen, RFC 3339 UTC, when known.
    pub last_seen: Option<String>,
    /// At least one piece of evidence.
    pub evidence: Vec<Evidence>,
    /// What to do about it.
    pub remediation: String,
    /// Ids of other root causes that happened on the same node at about the same time with
    /// no known mechanism between them: worth a look together, never a `caused_by`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maybe_related: Vec<String>,
}

/// Where a timeline entry came from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum TimelineSource {
    /// A Kubernetes event.
    Event,
    /// A kubelet journal line.
    Kubelet,
    /// A kernel line (kern.log, dmesg).
    Kernel,
    /// A syslog / messages line.
    Syslog,
    /// A reboot from `last`.
    Reboot,
    /// A pod or container state change from the objects.
    PodStatus,
    /// A container log line.
    ContainerLog,
}

/// One moment on the incident's time axis.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TimelineEntry {
    /// RFC 3339 UTC.
    pub time: String,
    /// Where it came from.
    pub source: TimelineSource,
    /// What it is about.
    pub subject: Subject,
    /// What happened.
    pub text: String,
    /// The file inside the bundle.
    pub file: String,
    /// 1-based line, for text files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// How bad.
    pub severity: Severity,
}

/// A collector that did not end `ok`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CollectionRow {
    /// Collector name from the manifest, or the file that could not be read.
    pub collector: String,
    /// The node, for node collectors.
    pub node: Option<String>,
    /// How it ended.
    pub status: CollectionStatus,
    /// Why.
    pub error: Option<String>,
}

/// Why data is missing or partial: the manifest's statuses of a collector that did not end
/// `ok`, plus the three only the analyzer sees (a file it could not read, a run that was cut
/// short, data the input's flavor cannot hold). One word list from the manifest to the JSON, the checklist and the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CollectionStatus {
    /// The collector failed.
    Error,
    /// The collector ran out of time; what it wrote before is kept.
    Timeout,
    /// The collector did not run (not applicable, tool not installed).
    Skipped,
    /// The API refused (403).
    Forbidden,
    /// The output was cut to the size cap.
    Truncated,
    /// A file is in the bundle but the analyzer could not decode it.
    Unreadable,
    /// The collection was interrupted: the bundle is partial.
    Interrupted,
    /// The input's flavor cannot hold this data (a must-gather has no `df` output): never
    /// collected, so unknown, not healthy.
    Absent,
}

impl CollectionStatus {
    /// The status of a manifest row; `None` for `ok`, which is no collection issue.
    pub fn of(status: crate::manifest::CollectorStatus) -> Option<Self> {
        use crate::manifest::CollectorStatus as C;
        Some(match status {
            C::Ok => return None,
            C::Error => Self::Error,
            C::Timeout => Self::Timeout,
            C::Skipped => Self::Skipped,
            C::Forbidden => Self::Forbidden,
            C::Truncated => Self::Truncated,
        })
    }

    /// Statuses that mean data the analysis may need is missing (a skip or a cut is not).
    pub fn is_gap(self) -> bool {
        matches!(
            self,
            Self::Error
                | Self::Timeout
                | Self::Forbidden
                | Self::Unreadable
                | Self::Interrupted
                | Self::Absent
        )
    }

    /// The word used in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Timeout => "timeout",
            Self::Skipped => "skipped",
            Self::Forbidden => "forbidden",
            Self::Truncated => "truncated",
            Self::Unreadable => "unreadable",
            Self::Interrupted => "interrupted",
            Self::Absent => "absent",
        }
    }
}

impl fmt::Display for CollectionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_round_trip_through_json() {
        assert_eq!(Category::ALL.len(), 39);
        for c in Category::ALL {
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(Category::from_name(c.as_str()), Some(*c));
        }
    }

    #[test]
    fn collection_statuses_are_the_manifest_words_and_three_more() {
        use crate::manifest::CollectorStatus;
        for c in [
            CollectorStatus::Error,
            CollectorStatus::Timeout,
            CollectorStatus::Skipped,
            CollectorStatus::Forbidden,
            CollectorStatus::Truncated,
        ] {
            let s = CollectionStatus::of(c).unwrap();
            assert_eq!(s.as_str(), c.as_str());
            assert_eq!(s.is_gap(), c.is_gap());
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
        assert_eq!(CollectionStatus::of(CollectorStatus::Ok), None);
        for s in [
            CollectionStatus::Unreadable,
            CollectionStatus::Interrupted,
            CollectionStatus::Absent,
        ] {
            assert!(s.is_gap());
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
    }

    #[test]
    fn severities_order_and_subjects_print() {
        assert!(Severity::Critical > Severity::Warning);
        let s = Subject::pod("kube-system", "etcd-m1")
            .on_node("m1")
            .with_container("etcd");
        assert_eq!(
            s.to_string(),
            "Pod kube-system/etcd-m1 container etcd on m1"
        );
    }
}
