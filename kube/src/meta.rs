//! The parts of `metadata` that rules read, shared by every kind.

use super::serde_util::{lenient_i64, lenient_string, lenient_time, nullable, SelectedMap};
use jiff::Timestamp;
use serde::Deserialize;

/// `metadata`, reduced to what rules and tables use.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// Object name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: String,
    /// Namespace; empty for cluster-scoped objects.
    #[serde(default, deserialize_with = "lenient_string")]
    pub namespace: String,
    /// When it was created.
    #[serde(default, deserialize_with = "lenient_time")]
    pub creation_timestamp: Option<Timestamp>,
    /// Set when deletion was requested.
    #[serde(default, deserialize_with = "lenient_time")]
    pub deletion_timestamp: Option<Timestamp>,
    /// Grace period granted at deletion.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub deletion_grace_period_seconds: i64,
    /// A few labels (component, tier, k8s-app, app, node roles).
    #[serde(default)]
    pub labels: SelectedMap,
    /// A few annotations (static-pod mirror and source).
    #[serde(default)]
    pub annotations: SelectedMap,
    /// Controllers owning the object.
    #[serde(default, deserialize_with = "nullable")]
    pub owner_references: Vec<OwnerReference>,
}

/// An owner of an object (ReplicaSet of a Pod, Deployment of a ReplicaSet, ...).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct OwnerReference {
    /// Owner kind.
    #[serde(default, deserialize_with = "lenient_string")]
    pub kind: String,
    /// Owner name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: String,
}

/// A status condition (`Ready`, `MemoryPressure`, `Available`, ...).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Condition type.
    #[serde(default, rename = "type", deserialize_with = "lenient_string")]
    pub kind: String,
    /// `True`, `False` or `Unknown`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub status: String,
    /// Machine-readable reason.
    #[serde(default, deserialize_with = "lenient_string")]
    pub reason: String,
    /// Human-readable message.
    #[serde(default, deserialize_with = "lenient_string")]
    pub message: String,
    /// When the status last changed.
    #[serde(default, deserialize_with = "lenient_time")]
    pub last_transition_time: Option<Timestamp>,
    /// When the node last reported it (nodes only).
    #[serde(default, deserialize_with = "lenient_time")]
    pub last_heartbeat_time: Option<Timestamp>,
}

impl Condition {
    /// `status == "True"`.
    pub fn is_true(&self) -> bool {
        self.status == "True"
    }
}

/// Finds a condition by type.
pub fn condition<'a>(conditions: &'a [Condition], kind: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.kind == kind)
}
