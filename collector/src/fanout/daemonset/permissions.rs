//! What `--daemonset` may do, asked before anything is created: one
//! SelfSubjectAccessReview per verb and resource, so a refusal names exactly what is missing
//! (`create daemonsets.apps in namespace kbundle-x7k2p`) instead of failing half-way with
//! objects left behind. The same list is printed by `--dry-run` and documented as a Role.

use crate::fanout::kubeapi::KubeAccess;
use serde_json::{json, Value};

/// One permission the run needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Need {
    /// `create`, `delete`, `list`, `get`.
    pub verb: &'static str,
    /// API group (`""` for core).
    pub group: &'static str,
    /// Plural resource.
    pub resource: &'static str,
    /// `exec` for pods/exec.
    pub subresource: Option<&'static str>,
    /// The namespace, for namespaced resources.
    pub namespace: Option<String>,
    /// Needed for the run (else only for removing an earlier run's leftovers).
    pub required: bool,
}

impl std::fmt::Display for Need {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut what = self.resource.to_string();
        if let Some(sub) = self.subresource {
            what = format!("{what}/{sub}");
        }
        if !self.group.is_empty() {
            what = format!("{what}.{}", self.group);
        }
        match &self.namespace {
            Some(ns) => write!(f, "{} {what} in namespace {ns}", self.verb),
            None => write!(f, "{} {what} (cluster-wide)", self.verb),
        }
    }
}

/// The permissions of a run in `namespace`; `create_namespace` when the run creates (and
/// deletes) it, else it only reads it and manages its DaemonSet there.
pub(crate) fn needs(namespace: &str, create_namespace: bool) -> Vec<Need> {
    let ns = || Some(namespace.to_string());
    let need = |verb, group, resource, subresource, namespace, required| Need {
        verb,
        group,
        resource,
        subresource,
        namespace,
        required,
    };
    let mut v = vec![need("list", "", "nodes", None, None, true)];
    if create_namespace {
        v.push(need("create", "", "namespaces", None, None, true));
        v.push(need("delete", "", "namespaces", None, None, true));
    } else {
        v.push(need("get", "", "namespaces", None, None, true));
        v.push(need("delete", "apps", "daemonsets", None, ns(), true));
    }
    v.extend([
        need("create", "apps", "daemonsets", None, ns(), true),
        need("list", "", "pods", None, ns(), true),
        need("list", "", "events", None, ns(), true),
        need("create", "", "pods", Some("exec"), ns(), true),
        need("list", "", "namespaces", None, None, false),
        need("list", "apps", "daemonsets", None, None, false),
    ]);
    v
}

fn review(n: &Need) -> Value {
    let mut attrs = json!({"verb": n.verb, "group": n.group, "resource": n.resource});
    if let Some(sub) = n.subresource {
        attrs["subresource"] = Value::String(sub.to_string());
    }
    if let Some(ns) = &n.namespace {
        attrs["namespace"] = Value::String(ns.clone());
    }
    json!({
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": attrs},
    })
}

/// The access reviews themselves failed (an old or locked-down API server).
#[derive(Debug, Clone, thiserror::Error)]
#[error("SelfSubjectAccessReview: {0}")]
pub(crate) struct ReviewFailed(pub crate::cluster::client::ApiError);

/// The path of access reviews.
pub(crate) const REVIEWS: &str = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

/// Asks the API about every need; returns those it denies. `Err` when the reviews
/// themselves could not be made (the run then goes on and lets the API say no).
pub(crate) async fn denied(access: &KubeAccess, needs: &[Need]) -> Result<Vec<Need>, ReviewFailed> {
    let mut missing = Vec::new();
    for n in needs {
        let answer = access
            .write(http::Method::POST, REVIEWS, Some(&review(n)))
            .await
            .map_err(ReviewFailed)?;
        let allowed = answer
            .pointer("/status/allowed")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if !allowed {
            missing.push(n.clone());
        }
    }
    Ok(missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_read_as_rbac_sentences() {
        let all = needs("kbundle-ab12c", true);
        let text: Vec<String> = all.iter().map(|n| n.to_string()).collect();
        assert!(text.contains(&"create daemonsets.apps in namespace kbundle-ab12c".to_string()));
        assert!(text.contains(&"create pods/exec in namespace kbundle-ab12c".to_string()));
        assert!(text.contains(&"create namespaces (cluster-wide)".to_string()));
        assert!(!needs("mine", false)
            .iter()
            .any(|n| n.verb == "create" && n.resource == "namespaces"));
        let r = review(&all[0]);
        assert_eq!(r["spec"]["resourceAttributes"]["resource"], "nodes");
        assert!(r["spec"]["resourceAttributes"].get("namespace").is_none());
    }
}
