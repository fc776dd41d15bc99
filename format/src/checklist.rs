//! The steps of the support checklist a node is walked through (node Ready → kube-system
//! pods → pod logs → static pods → events → kubelet → OS logs → reboots → storage → network
//! → iSCSI / multipath).
//!
//! They live here, beside the categories and the node command table, because both sides
//! name them: every finding category belongs to one step ([`Step::of`]) and every node command
//! feeds one ([`crate::commands::NodeCommand::step`]), so the report's checklist can tell
//! "no data" from "pass" without a list of its own.

use crate::analysis::Category;
use serde::Serialize;

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
    /// dmesg, kern.log, syslog / messages; the clock; memory.
    OsLogs,
    /// `last -x reboot shutdown`, `uptime`.
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

    /// Whether the step reads the cluster's API objects, so that it applies to the
    /// checklist's cluster row and a failed API collector leaves it without data.
    pub fn reads_api(self) -> bool {
        matches!(
            self,
            Step::NodeReady | Step::KubeSystemPods | Step::PodLogs | Step::Events
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_but_collection_gap_has_one_step() {
        let placed: usize = Step::ALL.iter().map(|s| s.categories().count()).sum();
        assert_eq!(placed, Category::ALL.len() - 1);
        assert_eq!(Step::of(Category::CollectionGap), None);
    }
}
