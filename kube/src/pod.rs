//! Pods, decoded into the fields the pod, workload and control-plane rules read.

use super::meta::{Condition, ObjectMeta};
use super::serde_util::{lenient_i64, lenient_string, lenient_time, nullable};
use jiff::Timestamp;
use serde::Deserialize;

/// A Pod.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Pod {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Spec.
    #[serde(default)]
    pub spec: PodSpec,
    /// Status.
    #[serde(default)]
    pub status: PodStatus,
}

/// The parts of `spec` rules read.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    /// The node it was scheduled to.
    #[serde(default, deserialize_with = "lenient_string")]
    pub node_name: String,
    /// Containers by name.
    #[serde(default, deserialize_with = "nullable")]
    pub containers: Vec<ContainerSpec>,
    /// Init containers by name.
    #[serde(default, deserialize_with = "nullable")]
    pub init_containers: Vec<ContainerSpec>,
    /// Grace period for termination.
    #[serde(default, deserialize_with = "super::serde_util::lenient_opt_i64")]
    pub termination_grace_period_seconds: Option<i64>,
    /// Priority class (system-node-critical marks static control-plane pods).
    #[serde(default, deserialize_with = "lenient_string")]
    pub priority_class_name: String,
    /// Conditions the pod must also meet to be ready (kubectl's READINESS GATES).
    #[serde(default, deserialize_with = "nullable")]
    pub readiness_gates: Vec<ReadinessGate>,
}

/// A readiness gate: a condition type of `status.conditions`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ReadinessGate {
    /// The condition's type.
    #[serde(default, deserialize_with = "lenient_string")]
    pub condition_type: String,
}

/// A container of the spec.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ContainerSpec {
    /// Container name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: String,
    /// Image reference.
    #[serde(default, deserialize_with = "lenient_string")]
    pub image: String,
    /// `Always` on an init container makes it a sidecar (Kubernetes 1.28+).
    #[serde(default, rename = "restartPolicy", deserialize_with = "lenient_string")]
    pub restart_policy: String,
}

/// The parts of `status` rules read.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PodStatus {
    /// Pending, Running, Succeeded, Failed, Unknown.
    #[serde(default, deserialize_with = "lenient_string")]
    pub phase: String,
    /// e.g. `Evicted`, `NodeLost`, `Shutdown`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub reason: String,
    /// Why, in words.
    #[serde(default, deserialize_with = "lenient_string")]
    pub message: String,
    /// PodScheduled, Initialized, ContainersReady, Ready.
    #[serde(default, deserialize_with = "nullable")]
    pub conditions: Vec<Condition>,
    /// One per container.
    #[serde(default, deserialize_with = "nullable")]
    pub container_statuses: Vec<ContainerStatus>,
    /// One per init container.
    #[serde(default, deserialize_with = "nullable")]
    pub init_container_statuses: Vec<ContainerStatus>,
    /// When the kubelet started the pod.
    #[serde(default, deserialize_with = "lenient_time")]
    pub start_time: Option<Timestamp>,
    /// The pod's IP.
    #[serde(default, rename = "podIP", deserialize_with = "lenient_string")]
    pub pod_ip: String,
    /// Its IPs (dual stack: the first is `podIP`).
    #[serde(default, rename = "podIPs", deserialize_with = "nullable")]
    pub pod_ips: Vec<PodIp>,
    /// The node a preempting scheduler nominated.
    #[serde(default, deserialize_with = "lenient_string")]
    pub nominated_node_name: String,
}

/// One of a pod's IPs.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct PodIp {
    /// The address.
    #[serde(default, deserialize_with = "lenient_string")]
    pub ip: String,
}

/// A container's status.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStatus {
    /// Container name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: String,
    /// Passing its readiness probe.
    #[serde(default, deserialize_with = "nullable")]
    pub ready: bool,
    /// Restarts so far.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub restart_count: i64,
    /// Image.
    #[serde(default, deserialize_with = "lenient_string")]
    pub image: String,
    /// Now.
    #[serde(default)]
    pub state: ContainerState,
    /// Before the last restart.
    #[serde(default)]
    pub last_state: ContainerState,
    /// The startup probe passed (sidecars count as ready only once started).
    #[serde(default, deserialize_with = "nullable")]
    pub started: Option<bool>,
}

/// One of waiting, running or terminated. Boxed: two of the three are always empty, and
/// 150,000 pods' statuses must stay small.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ContainerState {
    /// Waiting: CrashLoopBackOff, ImagePullBackOff, ContainerCreating, ...
    #[serde(default)]
    pub waiting: Option<Box<StateDetail>>,
    /// Running since.
    #[serde(default)]
    pub running: Option<Box<StateDetail>>,
    /// Terminated: Error, OOMKilled, Completed, ...
    #[serde(default)]
    pub terminated: Option<Box<StateDetail>>,
}

/// The details of a container state (fields unused by a state are empty).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StateDetail {
    /// Reason.
    #[serde(default, deserialize_with = "lenient_string")]
    pub reason: String,
    /// Message.
    #[serde(default, deserialize_with = "lenient_string")]
    pub message: String,
    /// Exit code (terminated).
    #[serde(default, deserialize_with = "super::serde_util::lenient_opt_i64")]
    pub exit_code: Option<i64>,
    /// Started at (running, terminated).
    #[serde(default, deserialize_with = "lenient_time")]
    pub started_at: Option<Timestamp>,
    /// Finished at (terminated).
    #[serde(default, deserialize_with = "lenient_time")]
    pub finished_at: Option<Timestamp>,
    /// The signal that ended it (terminated), when no reason says why.
    #[serde(default, deserialize_with = "super::serde_util::lenient_opt_i64")]
    pub signal: Option<i64>,
}

impl Pod {
    /// `namespace/name`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.metadata.namespace, self.metadata.name)
    }

    /// The pod's Ready condition is True.
    pub fn is_ready(&self) -> bool {
        super::meta::condition(&self.status.conditions, "Ready").is_some_and(|c| c.is_true())
    }

    /// A static pod's mirror (created by the kubelet from a manifest file).
    pub fn is_mirror(&self) -> bool {
        self.metadata
            .annotations
            .get("kubernetes.io/config.mirror")
            .is_some()
            || self.metadata.annotations.get("kubernetes.io/config.source") == Some("file")
    }

    /// Every container status, init containers first.
    pub fn all_container_statuses(&self) -> impl Iterator<Item = &ContainerStatus> {
        self.status
            .init_container_statuses
            .iter()
            .chain(self.status.container_statuses.iter())
    }

    /// The status `kubectl get pods` would show in its STATUS column (`Unknown` when the
    /// pod says nothing at all), from the one pod printer.
    pub fn display_status(&self) -> String {
        let status = super::printers::pod_columns(self).status;
        if status.is_empty() {
            "Unknown".to_string()
        } else {
            status
        }
    }

    /// Total restarts of all containers.
    pub fn restarts(&self) -> i64 {
        self.all_container_statuses().map(|c| c.restart_count).sum()
    }

    /// Whether any rule could say something about this pod. Pods that are Running and
    /// ready with no restart, no deletion and outside kube-system are only rows of the pod
    /// table: the analysis keeps their [`PodSummary`] and drops the object, so 150,000
    /// healthy pods cost little memory.
    pub fn may_matter(&self) -> bool {
        let healthy_running = self.status.phase == "Running"
            && self.is_ready()
            && self.status.container_statuses.iter().all(|c| c.ready);
        let healthy = (healthy_running || self.status.phase == "Succeeded")
            && self.status.reason.is_empty()
            && self.metadata.deletion_timestamp.is_none()
            && self.all_container_statuses().all(|c| {
                c.restart_count == 0
                    && c.state.waiting.is_none()
                    && c.state
                        .terminated
                        .as_ref()
                        .is_none_or(|t| t.reason == "Completed")
            });
        !healthy || self.metadata.namespace == "kube-system" || self.is_mirror()
    }

    /// The row `kubectl get pods -o wide` would show, minus the ages (computed at display
    /// time from the bundle's creation), through the one pod printer.
    pub fn summary(&self) -> PodSummary {
        let c = super::printers::pod_columns(self);
        PodSummary {
            namespace: self.metadata.namespace.clone(),
            name: self.metadata.name.clone(),
            node: self.spec.node_name.clone(),
            ready: c.ready,
            containers: c.containers,
            status: if c.status.is_empty() {
                "Unknown".to_string()
            } else {
                c.status
            },
            restarts: c.restarts,
            last_restart: c.last_restart,
            created: self.metadata.creation_timestamp,
            ip: if c.ip == "<none>" {
                String::new()
            } else {
                c.ip
            },
        }
    }
}

/// A pod as one row of the pod table: kept for every pod of the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSummary {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Node, empty when not scheduled.
    pub node: String,
    /// Ready containers.
    pub ready: u32,
    /// Containers.
    pub containers: u32,
    /// The STATUS column.
    pub status: String,
    /// Restarts (of init containers while initializing).
    pub restarts: i64,
    /// When the last restart ended.
    pub last_restart: Option<Timestamp>,
    /// Creation time.
    pub created: Option<Timestamp>,
    /// Pod IP, empty when none.
    pub ip: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_crash_looping_pod_from_the_corpus() {
        let Some(file) =
            kbundle_testkit::shared("corpus/k8s-objects/ts-pod-crashloop-containercannotrun.json")
        else {
            return;
        };
        let text = std::fs::read_to_string(file).unwrap();
        let list: crate::list::Items<Pod> =
            serde_json::from_str(&text).expect("corpus pod list decodes");
        let pods = list.items.expect("a List");
        let pod = &pods[0];
        assert_eq!(pod.display_status(), "CrashLoopBackOff");
        let c = &pod.status.container_statuses[0];
        assert_eq!(c.restart_count, 4);
        assert_eq!(
            c.last_state.terminated.as_ref().unwrap().reason,
            "ContainerCannotRun"
        );
    }
}
