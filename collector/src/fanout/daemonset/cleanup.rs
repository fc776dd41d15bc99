//! Deleting what `--daemonset` created: at the end of the run, on error, on Ctrl-C and
//! SIGTERM (the run stops waiting and comes here), and when a thread panics (the
//! [`Teardown`] guard deletes on drop). A run killed outright (SIGKILL, a lost laptop) leaves
//! its objects behind: they carry the `managed-by` label and an `expires` annotation, and the
//! next run deletes expired ones before it starts, or `kbundle-collect --cleanup` deletes
//! them all at once.
//!
//! Only objects with the label are ever deleted, and only namespaces and DaemonSets.

use super::objects::{DAEMONSET, EXPIRES, INSTANCE, MANAGED_BY};
use crate::cluster::client::ApiError;
use crate::fanout::kubeapi::KubeAccess;
use serde_json::Value;

/// What a run created, deleted when dropped.
pub(crate) struct Teardown<'a> {
    access: &'a KubeAccess,
    namespace: String,
    /// The run created the namespace: deleting it deletes the DaemonSet and pods too.
    namespace_created: bool,
    daemonset_created: bool,
    /// What happened, for the summary.
    pub outcome: Option<Result<String, LeftBehind>>,
}

/// Objects a run created and could not delete: `--cleanup` (or the next run) removes them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not delete {}; `kbundle-collect --cleanup` removes them", .0.join(" and "))]
pub(crate) struct LeftBehind(pub Vec<String>);

/// Earlier runs' objects could not even be listed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("listing {what}: {error}")]
pub(crate) struct ListingFailed {
    /// `namespaces` or `daemonsets`.
    pub what: &'static str,
    /// The API's answer.
    pub error: ApiError,
}

impl<'a> Teardown<'a> {
    /// Nothing created yet in `namespace`.
    pub(crate) fn new(access: &'a KubeAccess, namespace: &str) -> Self {
        Teardown {
            access,
            namespace: namespace.to_string(),
            namespace_created: false,
            daemonset_created: false,
            outcome: None,
        }
    }

    /// The namespace now exists because of this run.
    pub(crate) fn namespace_created(&mut self) {
        self.namespace_created = true;
    }

    /// The DaemonSet now exists.
    pub(crate) fn daemonset_created(&mut self) {
        self.daemonset_created = true;
    }

    /// Deletes what was created (once); `Ok` says what was deleted, `Err` what was left.
    pub(crate) fn run(&mut self) -> Result<String, LeftBehind> {
        if let Some(done) = &self.outcome {
            return done.clone();
        }
        let ns = self.namespace.clone();
        let mut deleted = Vec::new();
        let mut left = Vec::new();
        // The DaemonSet first: its pods start terminating at once, even in a namespace whose
        // deletion is slow.
        if self.daemonset_created {
            let path = format!("/apis/apps/v1/namespaces/{ns}/daemonsets/{DAEMONSET}");
            match delete(self.access, &path) {
                Ok(()) => deleted.push(format!("daemonset {ns}/{DAEMONSET}")),
                Err(e) => left.push(format!("daemonset {ns}/{DAEMONSET} ({e})")),
            }
        }
        if self.namespace_created {
            match delete(self.access, &format!("/api/v1/namespaces/{ns}")) {
                Ok(()) => deleted.push(format!("namespace {ns}")),
                Err(e) => left.push(format!("namespace {ns} ({e})")),
            }
        }
        let outcome = if left.is_empty() {
            Ok(format!("deleted {}", deleted.join(" and ")))
        } else {
            Err(LeftBehind(left))
        };
        self.outcome = Some(outcome.clone());
        outcome
    }

    /// Whether anything was created.
    pub(crate) fn anything(&self) -> bool {
        self.namespace_created || self.daemonset_created
    }
}

impl Drop for Teardown<'_> {
    fn drop(&mut self) {
        if self.outcome.is_none() && self.anything() {
            let _ = self.run();
        }
    }
}

/// `DELETE path` with background propagation; gone already is fine.
fn delete(access: &KubeAccess, path: &str) -> Result<(), ApiError> {
    let body = serde_json::json!({
        "apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background"
    });
    match access.block_on(access.write(http::Method::DELETE, path, Some(&body))) {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some(404) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Objects of earlier runs, found by label: namespaces (with everything in them) and
/// DaemonSets in namespaces not created by a run. With `only_expired`, objects whose
/// `expires` annotation has not passed are kept (another run may be using them); `own` is
/// never touched. Returns one line per object deleted or left, and an error when nothing
/// could be listed.
pub(crate) fn leftovers(
    access: &KubeAccess,
    only_expired: bool,
    own: &str,
) -> Result<Vec<String>, ListingFailed> {
    let selector = format!("labelSelector={}%3D{}", MANAGED_BY.0, MANAGED_BY.1);
    let now = jiff::Timestamp::now();
    let keep = |item: &Value| {
        let instance = item
            .pointer(&format!("/metadata/labels/{}", INSTANCE.replace('/', "~1")))
            .and_then(Value::as_str)
            .unwrap_or("");
        if instance == own {
            return true;
        }
        if !only_expired {
            return false;
        }
        let expires = item
            .pointer(&format!(
                "/metadata/annotations/{}",
                EXPIRES.replace('/', "~1")
            ))
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<jiff::Timestamp>().ok());
        expires.is_some_and(|t| t > now)
    };
    let name = |item: &Value, p: &str| {
        item.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let namespaces = access
        .block_on(access.list(&format!("/api/v1/namespaces?{selector}")))
        .map_err(|error| ListingFailed {
            what: "namespaces",
            error,
        })?;
    let daemonsets = access
        .block_on(access.list(&format!("/apis/apps/v1/daemonsets?{selector}")))
        .map_err(|error| ListingFailed {
            what: "daemonsets",
            error,
        })?;
    let mut lines = Vec::new();
    let mut gone: Vec<String> = Vec::new();
    for ns in namespaces.iter().filter(|i| !keep(i)) {
        let n = name(ns, "/metadata/name");
        if ns.pointer("/metadata/deletionTimestamp").is_some() {
            lines.push(format!("namespace {n}: already being deleted"));
        } else {
            lines.push(match delete(access, &format!("/api/v1/namespaces/{n}")) {
                Ok(()) => format!("deleted namespace {n}"),
                Err(e) => format!("could not delete namespace {n}: {e}"),
            });
        }
        gone.push(n);
    }
    for ds in daemonsets.iter().filter(|i| !keep(i)) {
        let ns = name(ds, "/metadata/namespace");
        if gone.contains(&ns) {
            continue;
        }
        let n = name(ds, "/metadata/name");
        lines.push(
            match delete(
                access,
                &format!("/apis/apps/v1/namespaces/{ns}/daemonsets/{n}"),
            ) {
                Ok(()) => format!("deleted daemonset {ns}/{n}"),
                Err(e) => format!("could not delete daemonset {ns}/{n}: {e}"),
            },
        );
    }
    Ok(lines)
}
