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

    /// The status `kubectl get pods` would show in its STATUS column.
    pub fn display_status(&self) -> String {
        if self.metadata.deletion_timestamp.is_some() {
            return "Terminating".to_string();
        }
        if !self.status.reason.is_empty() {
            return self.status.reason.clone();
        }
        for s in &self.status.init_container_statuses {
            if let Some(w) = &s.state.waiting {
                if !w.reason.is_empty() && w.reason != "PodInitializing" {
                    return format!("Init:{}", w.reason);
                }
            }
            if let Some(t) = &s.state.terminated {
                if t.exit_code.unwrap_or(0) != 0 {
                    return format!("Init:{}", non_empty(&t.reason, "Error"));
                }
            }
        }
        let mut status = self.status.phase.clone();
        for s in &self.status.container_statuses {
            if let Some(w) = &s.state.waiting {
                if !w.reason.is_empty() {
                    status = w.reason.clone();
                }
            } else if let Some(t) = &s.state.terminated {
                status = non_empty(&t.reason, "Terminated").to_string();
            }
        }
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
    /// time from the bundle's creation).
    pub fn summary(&self) -> PodSummary {
        let status = self.display_status();
        // Like kubectl: init containers' restarts while initializing, else the app ones'.
        let counted: Vec<&ContainerStatus> = if status.starts_with("Init:") {
            self.status.init_container_statuses.iter().collect()
        } else {
            self.status.container_statuses.iter().collect()
        };
        PodSummary {
            namespace: self.metadata.namespace.clone(),
            name: self.metadata.name.clone(),
            node: self.spec.node_name.clone(),
            ready: self
                .status
                .container_statuses
                .iter()
                .filter(|c| c.ready)
                .count() as u32,
            containers: self
                .spec
                .containers
                .len()
                .max(self.status.container_statuses.len()) as u32,
            status,
            restarts: counted.iter().map(|c| c.restart_count).sum(),
            last_restart: counted
                .iter()
                .filter_map(|c| c.last_state.terminated.as_ref()?.finished_at)
                .max(),
            created: self.metadata.creation_timestamp,
            ip: self.status.pod_ip.clone(),
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

fn non_empty<'a>(s: &'a str, fallback: &'a str) -> &'a str {
    if s.is_empty() {
        fallback
    } else {
        s
    }
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
