//! Which container logs to fetch. Pods are seen once, while their List streams past; what a
//! log needs (names, node, restarts) is kept per pod, for every pod on a small cluster and
//! only for the pods worth it on a big one (more than `--big-cluster-pods`, default 2,000):
//! kube-system, pods that are not Running and Ready, pods that restarted, pods named in a
//! Warning event. Memory is then bounded by the unhealthy pods, not the cluster.

use super::events::WarnedPods;
use serde_json::Value;
use std::sync::Mutex;

/// What a pod's logs need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PodRecord {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `spec.nodeName`, for telling a down kubelet from a missing log.
    pub node: Option<String>,
    /// Containers with a log to fetch: init, regular and ephemeral, in that order.
    pub containers: Vec<ContainerLogs>,
    /// Why its logs are wanted even on a big cluster; `None` for a healthy pod.
    pub reason: Option<&'static str>,
}

/// One container's logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContainerLogs {
    /// Container name.
    pub name: String,
    /// It restarted within `--since`: the previous instance's log is wanted too.
    pub previous: bool,
}

impl PodRecord {
    /// Reads a pod object. Containers that never started (no status, or waiting without a
    /// restart) are left out: they have no log to fetch. A restart counts (for the selection
    /// and for the previous log) when the last instance ended after `since` (or at an
    /// unknown time): an older one has no log within `--since` anyway.
    pub(crate) fn from_pod(
        pod: &Value,
        warned: bool,
        since: Option<jiff::Timestamp>,
    ) -> Option<PodRecord> {
        let meta = pod.get("metadata")?;
        let namespace = meta.get("namespace")?.as_str()?.to_string();
        let name = meta.get("name")?.as_str()?.to_string();
        let node = pod
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        let statuses: Vec<&Value> = [
            "initContainerStatuses",
            "containerStatuses",
            "ephemeralContainerStatuses",
        ]
        .iter()
        .filter_map(|k| {
            pod.pointer(&format!("/status/{k}"))
                .and_then(Value::as_array)
        })
        .flatten()
        .collect();
        let mut containers = Vec::new();
        let mut restarted = false;
        for field in ["initContainers", "containers", "ephemeralContainers"] {
            let Some(list) = pod
                .pointer(&format!("/spec/{field}"))
                .and_then(Value::as_array)
            else {
                continue;
            };
            for c in list {
                let Some(cname) = c.get("name").and_then(Value::as_str) else {
                    continue;
                };
                let Some(status) = statuses
                    .iter()
                    .find(|s| s.get("name").and_then(Value::as_str) == Some(cname))
                else {
                    continue;
                };
                let restarts = status
                    .get("restartCount")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                let has = |k: &str| status.pointer(k).is_some_and(|v| !v.is_null());
                let ran = has("/state/running")
                    || has("/state/terminated")
                    || has("/lastState/terminated")
                    || restarts > 0;
                if !ran {
                    continue;
                }
                let ended = status
                    .pointer("/lastState/terminated/finishedAt")
                    .and_then(Value::as_str)
                    .and_then(|t| t.parse::<jiff::Timestamp>().ok());
                let recent = match (since, ended) {
                    (Some(since), Some(ended)) => ended >= since,
                    _ => true,
                };
                let previous = restarts > 0 && recent;
                restarted |= previous;
                containers.push(ContainerLogs {
                    name: cname.to_string(),
                    previous,
                });
            }
        }
        let phase = pod
            .pointer("/status/phase")
            .and_then(Value::as_str)
            .unwrap_or("");
        let ready = pod
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .is_some_and(|conds| {
                conds.iter().any(|c| {
                    c.get("type").and_then(Value::as_str) == Some("Ready")
                        && c.get("status").and_then(Value::as_str) == Some("True")
                })
            });
        let reason = if phase != "Succeeded" && !(phase == "Running" && ready) {
            Some("not running and ready")
        } else if restarted {
            Some("restarted")
        } else if warned {
            Some("named in a Warning event")
        } else if namespace == "kube-system" {
            Some("kube-system")
        } else {
            None
        };
        Some(PodRecord {
            namespace,
            name,
            node,
            containers,
            reason,
        })
    }
}

/// The pods whose logs may be fetched, filled while pods are listed.
pub(crate) struct PodIndex<'w> {
    threshold: u64,
    since: Option<jiff::Timestamp>,
    all_logs: bool,
    warned: &'w WarnedPods,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    kept: Vec<PodRecord>,
    total: u64,
}

/// The pods chosen, and how.
#[derive(Debug, Default)]
pub(crate) struct Selection {
    /// Pods whose logs are fetched, the unhealthy first.
    pub pods: Vec<PodRecord>,
    /// Pods listed.
    pub total: u64,
    /// More pods than the threshold and no `--all-logs`: only the unhealthy ones.
    pub big: bool,
}

impl<'w> PodIndex<'w> {
    /// An index that keeps every pod up to `threshold` pods (all of them with `all_logs`);
    /// restarts that ended before `since` do not count.
    pub(crate) fn new(
        threshold: u64,
        all_logs: bool,
        since: Option<jiff::Timestamp>,
        warned: &'w WarnedPods,
    ) -> Self {
        PodIndex {
            threshold,
            since,
            all_logs,
            warned,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Notes one listed pod.
    pub(crate) fn observe(&self, pod: &Value) {
        let warned = match (
            pod.pointer("/metadata/namespace").and_then(Value::as_str),
            pod.pointer("/metadata/name").and_then(Value::as_str),
        ) {
            (Some(ns), Some(name)) => self.warned.contains(ns, name),
            _ => false,
        };
        let Some(record) = PodRecord::from_pod(pod, warned, self.since) else {
            return;
        };
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.total += 1;
        let big = !self.all_logs && inner.total > self.threshold;
        if big && inner.total == self.threshold + 1 {
            inner.kept.retain(|r| r.reason.is_some());
            inner.kept.shrink_to_fit();
        }
        if !big || record.reason.is_some() {
            inner.kept.push(record);
        }
    }

    /// The selection: every pod kept, the ones with a reason first (kube-system last among
    /// them), so a `--max-bundle-bytes` cut drops healthy pods' logs first.
    pub(crate) fn finish(&self) -> Selection {
        let inner = std::mem::take(&mut *self.inner.lock().unwrap_or_else(|e| e.into_inner()));
        let big = !self.all_logs && inner.total > self.threshold;
        let mut pods = inner.kept;
        let rank = |r: &PodRecord| match r.reason {
            Some("kube-system") => 1,
            Some(_) => 0,
            None => 2,
        };
        pods.sort_by_key(rank);
        Selection {
            pods,
            total: inner.total,
            big,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(ns: &str, name: &str, phase: &str, ready: bool, restarts: u64) -> Value {
        json!({
            "metadata": {"namespace": ns, "name": name},
            "spec": {"nodeName": "w1",
                     "initContainers": [{"name": "init"}],
                     "containers": [{"name": "app"}, {"name": "side"}],
                     "ephemeralContainers": [{"name": "debug"}]},
            "status": {"phase": phase,
                "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}],
                "initContainerStatuses": [{"name": "init", "restartCount": 0, "state": {"terminated": {"exitCode": 0}}}],
                "containerStatuses": [
                    {"name": "app", "restartCount": restarts, "state": {"running": {}},
                     "lastState": {"terminated": {"finishedAt": "2026-11-27T09:00:00Z"}}},
                    {"name": "side", "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}],
                "ephemeralContainerStatuses": [{"name": "debug", "restartCount": 0, "state": {"running": {}}}]}
        })
    }

    #[test]
    fn records_name_containers_that_ran() {
        let r = PodRecord::from_pod(&pod("a", "p", "Running", true, 2), false, None).unwrap();
        let names: Vec<(&str, bool)> = r
            .containers
            .iter()
            .map(|c| (c.name.as_str(), c.previous))
            .collect();
        assert_eq!(names, [("init", false), ("app", true), ("debug", false)]);
        assert_eq!(r.reason, Some("restarted"));
        assert_eq!(r.node.as_deref(), Some("w1"));
        let before: jiff::Timestamp = "2026-11-27T08:00:00Z".parse().unwrap();
        let after: jiff::Timestamp = "2026-11-27T09:30:00Z".parse().unwrap();
        let recent = PodRecord::from_pod(&pod("a", "p", "Running", true, 2), false, Some(before));
        assert_eq!(recent.unwrap().reason, Some("restarted"));
        let old =
            PodRecord::from_pod(&pod("a", "p", "Running", true, 2), false, Some(after)).unwrap();
        assert_eq!(old.reason, None);
        assert!(old.containers.iter().all(|c| !c.previous));
        let healthy = PodRecord::from_pod(&pod("a", "p", "Running", true, 0), false, None).unwrap();
        assert_eq!(healthy.reason, None);
        let done = PodRecord::from_pod(&pod("a", "p", "Succeeded", false, 0), false, None).unwrap();
        assert_eq!(done.reason, None);
        let pending =
            PodRecord::from_pod(&pod("a", "p", "Pending", false, 0), false, None).unwrap();
        assert_eq!(pending.reason, Some("not running and ready"));
        let warned = PodRecord::from_pod(&pod("a", "p", "Running", true, 0), true, None).unwrap();
        assert_eq!(warned.reason, Some("named in a Warning event"));
    }

    #[test]
    fn a_big_cluster_keeps_the_unhealthy_only() {
        let warned = WarnedPods::default();
        warned.observe(&json!({"type": "Warning", "involvedObject": {"kind": "Pod", "namespace": "a", "name": "w"}}));
        let index = PodIndex::new(3, false, None, &warned);
        for i in 0..10 {
            index.observe(&pod("a", &format!("ok{i}"), "Running", true, 0));
        }
        index.observe(&pod("a", "w", "Running", true, 0));
        index.observe(&pod("kube-system", "dns", "Running", true, 0));
        index.observe(&pod("a", "crash", "Running", false, 7));
        let s = index.finish();
        assert!(s.big);
        assert_eq!(s.total, 13);
        let names: Vec<&str> = s.pods.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["w", "crash", "dns"]);

        let small = PodIndex::new(3, false, None, &warned);
        small.observe(&pod("a", "ok", "Running", true, 0));
        small.observe(&pod("a", "crash", "Running", false, 7));
        let s = small.finish();
        assert!(!s.big);
        assert_eq!(s.pods[0].name, "crash");
        assert_eq!(s.pods.len(), 2);

        let all = PodIndex::new(1, true, None, &warned);
        for i in 0..5 {
            all.observe(&pod("a", &format!("ok{i}"), "Running", true, 0));
        }
        let s = all.finish();
        assert!(!s.big);
        assert_eq!(s.pods.len(), 5);
    }
}
