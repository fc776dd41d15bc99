//! Nodes: conditions, schedulability and versions.

use super::meta::{Condition, ObjectMeta};
use super::serde_util::{lenient_string, nullable};
use serde::Deserialize;

/// A Node object.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Node {
    /// Metadata (roles are labels).
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Spec.
    #[serde(default)]
    pub spec: NodeSpec,
    /// Status.
    #[serde(default)]
    pub status: NodeStatus,
}

/// The parts of `spec` rules read.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct NodeSpec {
    /// Cordoned.
    #[serde(default, deserialize_with = "nullable")]
    pub unschedulable: bool,
    /// Taints.
    #[serde(default, deserialize_with = "nullable")]
    pub taints: Vec<Taint>,
}

/// A taint.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Taint {
    /// Key.
    #[serde(default, deserialize_with = "lenient_string")]
    pub key: String,
    /// NoSchedule, NoExecute, PreferNoSchedule.
    #[serde(default, deserialize_with = "lenient_string")]
    pub effect: String,
}

/// The parts of `status` rules read.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    /// Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable.
    #[serde(default, deserialize_with = "nullable")]
    pub conditions: Vec<Condition>,
    /// Versions of the node's software.
    #[serde(default)]
    pub node_info: NodeInfo,
    /// InternalIP, Hostname, ...
    #[serde(default, deserialize_with = "nullable")]
    pub addresses: Vec<NodeAddress>,
    /// `cpu`, `memory`, `pods`, ... as quantities; kept as JSON so a malformed value costs
    /// that value, not the node.
    #[serde(default)]
    pub capacity: serde_json::Value,
}

/// `status.nodeInfo`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NodeInfo {
    /// e.g. `v1.29.4`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub kubelet_version: String,
    /// e.g. `containerd://1.7.13`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub container_runtime_version: String,
    /// e.g. `Ubuntu 22.04.4 LTS`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub os_image: String,
    /// Kernel release.
    #[serde(default, deserialize_with = "lenient_string")]
    pub kernel_version: String,
}

/// A node address.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct NodeAddress {
    /// InternalIP, ExternalIP, Hostname.
    #[serde(default, rename = "type", deserialize_with = "lenient_string")]
    pub kind: String,
    /// The address.
    #[serde(default, deserialize_with = "lenient_string")]
    pub address: String,
}

impl Node {
    /// ROLES as `kubectl get nodes` prints them (the one printer, [`node_roles`]).
    ///
    /// [`node_roles`]: super::printers::node_roles
    pub fn roles(&self) -> Vec<String> {
        super::printers::node_roles(
            self.metadata
                .labels
                .0
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
    }

    /// Control-plane nodes carry the control-plane (or legacy master) role.
    pub fn is_control_plane(&self) -> bool {
        self.roles()
            .iter()
            .any(|r| r == "control-plane" || r == "master")
    }

    /// The condition of a type, if reported.
    pub fn condition(&self, kind: &str) -> Option<&Condition> {
        super::meta::condition(&self.status.conditions, kind)
    }

    /// A capacity quantity as written (`4`, `16318928Ki`), when the node reports it.
    pub fn capacity(&self, resource: &str) -> Option<String> {
        self.status
            .capacity
            .get(resource)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    }

    /// The first InternalIP.
    pub fn internal_ip(&self) -> Option<&str> {
        self.status
            .addresses
            .iter()
            .find(|a| a.kind == "InternalIP")
            .map(|a| a.address.as_str())
    }
}
