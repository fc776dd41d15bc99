//! Events are listed like every other kind (core/v1 under `events/`, events.k8s.io/v1 under
//! `custom-resources/`); on the way past, the pods named in a Warning event are noted, since
//! on a big cluster their logs are collected even when they look healthy.

use serde_json::Value;
use std::collections::HashSet;
use std::sync::Mutex;

/// Pods named in a Warning event, as `(namespace, name)`. Bounded by the number of pods.
#[derive(Debug, Default)]
pub(crate) struct WarnedPods {
    pods: Mutex<HashSet<(String, String)>>,
}

impl WarnedPods {
    /// Notes the pod a core/v1 Event is about, when it is a Warning about a Pod.
    pub(crate) fn observe(&self, event: &Value) {
        if event.get("type").and_then(Value::as_str) != Some("Warning") {
            return;
        }
        let Some(obj) = event.get("involvedObject") else {
            return;
        };
        if obj.get("kind").and_then(Value::as_str) != Some("Pod") {
            return;
        }
        let field = |k: &str| obj.get(k).and_then(Value::as_str).unwrap_or("");
        let namespace = match field("namespace") {
            "" => event
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or(""),
            ns => ns,
        };
        let name = field("name");
        if name.is_empty() {
            return;
        }
        self.lock()
            .insert((namespace.to_string(), name.to_string()));
    }

    /// Whether a Warning named this pod.
    pub(crate) fn contains(&self, namespace: &str, name: &str) -> bool {
        self.lock()
            .contains(&(namespace.to_string(), name.to_string()))
    }

    /// Every pod named, sorted.
    pub(crate) fn pods(&self) -> Vec<(String, String)> {
        let mut v: Vec<_> = self.lock().iter().cloned().collect();
        v.sort();
        v
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<(String, String)>> {
        self.pods.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_warnings_about_pods_count() {
        let w = WarnedPods::default();
        w.observe(
            &serde_json::json!({"type":"Warning","metadata":{"namespace":"a"},
            "involvedObject":{"kind":"Pod","name":"p1"}}),
        );
        w.observe(&serde_json::json!({"type":"Normal","involvedObject":{"kind":"Pod","namespace":"a","name":"p2"}}));
        w.observe(
            &serde_json::json!({"type":"Warning","involvedObject":{"kind":"Node","name":"n1"}}),
        );
        w.observe(&serde_json::json!({"type":"Warning","involvedObject":{"kind":"Pod","namespace":"b","name":"p3"}}));
        assert!(w.contains("a", "p1") && w.contains("b", "p3"));
        assert!(!w.contains("a", "p2"));
        assert_eq!(w.pods().len(), 2);
    }
}
