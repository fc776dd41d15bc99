//! Controllers (Deployment, StatefulSet, DaemonSet, Job, ReplicaSet) normalised to desired
//! versus ready counts, which is all the workload rules compare.

use super::meta::{Condition, ObjectMeta};
use super::serde_util::{lenient_i64, lenient_opt_i64, nullable};
use serde::Deserialize;

/// A controller object as decoded: spec and status fields of all workload kinds, each kind
/// setting its own.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct WorkloadObject {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Spec.
    #[serde(default)]
    pub spec: WorkloadSpec,
    /// Status.
    #[serde(default)]
    pub status: WorkloadStatus,
}

/// Spec fields of Deployment, StatefulSet, Job and ReplicaSet.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct WorkloadSpec {
    /// Desired replicas (absent means 1 for Deployments and StatefulSets).
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub replicas: Option<i64>,
    /// Job completions.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub completions: Option<i64>,
    /// Suspended Job or CronJob: not a failure to be below target.
    #[serde(default, deserialize_with = "nullable")]
    pub suspend: bool,
}

/// Status fields of all workload kinds.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadStatus {
    /// Deployment/StatefulSet/ReplicaSet.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub replicas: i64,
    /// Deployment/StatefulSet/ReplicaSet.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub ready_replicas: i64,
    /// Deployment/StatefulSet.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub available_replicas: i64,
    /// Deployment.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub unavailable_replicas: i64,
    /// DaemonSet.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub desired_number_scheduled: i64,
    /// DaemonSet.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub number_ready: i64,
    /// DaemonSet.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub number_available: i64,
    /// DaemonSet.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub number_unavailable: i64,
    /// Job.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub succeeded: i64,
    /// Job.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub failed: i64,
    /// Job.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub active: i64,
    /// Available/Progressing (Deployment), Complete/Failed (Job).
    #[serde(default, deserialize_with = "nullable")]
    pub conditions: Vec<Condition>,
}

/// The kinds the workload rule compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkloadKind {
    /// apps/v1 Deployment.
    Deployment,
    /// apps/v1 StatefulSet.
    StatefulSet,
    /// apps/v1 DaemonSet.
    DaemonSet,
    /// batch/v1 Job.
    Job,
    /// apps/v1 ReplicaSet (kept to map pods to Deployments).
    ReplicaSet,
}

impl WorkloadKind {
    /// The Kubernetes kind name.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::ReplicaSet => "ReplicaSet",
        }
    }

    /// The kind stored in a directory of the bundle.
    pub fn from_dir(dir: &str) -> Option<WorkloadKind> {
        match dir {
            "deployments" => Some(WorkloadKind::Deployment),
            "statefulsets" => Some(WorkloadKind::StatefulSet),
            "daemonsets" => Some(WorkloadKind::DaemonSet),
            "jobs" => Some(WorkloadKind::Job),
            "replicasets" => Some(WorkloadKind::ReplicaSet),
            _ => None,
        }
    }
}
