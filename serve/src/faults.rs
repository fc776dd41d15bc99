//! Fault injection, so the collector's tests can meet a sick API server: one that accepts and
//! hangs, answers 500 on some kinds, 403 on some namespaces, 429 with Retry-After, cuts bodies
//! short, or pages forever. A down server needs no plan: stop the [`super::Server`] (or use a
//! port nobody listens on).

use crate::api::Reply;
use crate::routes::ResourcePath;
use crate::status::ApiError;
use std::sync::atomic::{AtomicU64, Ordering};

/// What to break. The default breaks nothing.
#[derive(Debug, Default)]
pub struct FaultPlan {
    /// Accept connections and never answer.
    pub hang: bool,
    /// Answer this status instead of serving the resource (`*` for every resource).
    pub status: Vec<(String, u16)>,
    /// Answer 403 for these namespaces, and for all-namespace lists of namespaced kinds (as RBAC
    /// does for a user without cluster-wide rights).
    pub forbidden_namespaces: Vec<String>,
    /// Every n-th resource request answers 429 with `Retry-After: seconds`.
    pub throttle: Option<Throttle>,
    /// Cut the body of these resources' lists half-way.
    pub truncate: Vec<String>,
    /// Lists of these resources never end: the last page points back to the first.
    pub endless: Vec<String>,
    requests: AtomicU64,
}

/// The 429 fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Every n-th request (1: all of them).
    pub every: u64,
    /// The `Retry-After` value, in seconds.
    pub retry_after: u64,
}

/// A fault spec that does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fault {0:?}: expected hang, status=CODE:RESOURCE, forbid-namespace=NS, throttle=EVERY:SECONDS, truncate=RESOURCE or endless=RESOURCE")]
pub struct BadFault(pub String);

impl FaultPlan {
    /// Adds one fault written as the hidden `--fault` flag takes it: `hang`, `status=500:pods`,
    /// `forbid-namespace=kube-system`, `throttle=3:1` (every 3rd request, Retry-After 1),
    /// `truncate=pods`, `endless=pods`.
    pub fn add(&mut self, spec: &str) -> Result<(), BadFault> {
        let bad = || BadFault(spec.to_string());
        let (name, arg) = spec.split_once('=').unwrap_or((spec, ""));
        match name {
            "hang" => self.hang = true,
            "status" => {
                let (code, resource) = arg.split_once(':').ok_or_else(bad)?;
                let code: u16 = code.parse().map_err(|_| bad())?;
                if !(400..=599).contains(&code) {
                    return Err(bad());
                }
                self.status.push((resource.to_string(), code));
            }
            "forbid-namespace" if !arg.is_empty() => {
                self.forbidden_namespaces.push(arg.to_string())
            }
            "throttle" => {
                let (every, secs) = arg.split_once(':').ok_or_else(bad)?;
                let every: u64 = every.parse().map_err(|_| bad())?;
                self.throttle = Some(Throttle {
                    every: every.max(1),
                    retry_after: secs.parse().map_err(|_| bad())?,
                });
            }
            "truncate" if !arg.is_empty() => self.truncate.push(arg.to_string()),
            "endless" if !arg.is_empty() => self.endless.push(arg.to_string()),
            _ => return Err(bad()),
        }
        Ok(())
    }

    /// The status to answer instead of serving `resource`, if any.
    pub fn status_for(&self, resource: &str) -> Option<u16> {
        self.status
            .iter()
            .find(|(r, _)| r == resource || r == "*")
            .map(|(_, c)| *c)
    }

    /// Whether a request in `namespace` (`None`: all namespaces) of a namespaced kind is refused.
    pub fn forbids(&self, namespace: Option<&str>, namespaced: bool) -> bool {
        if self.forbidden_namespaces.is_empty() || !namespaced {
            return false;
        }
        match namespace {
            Some(ns) => self.forbidden_namespaces.iter().any(|f| f == ns),
            None => true,
        }
    }

    /// Counts a resource request; `Some(seconds)` when this one is to be throttled.
    pub fn throttled(&self) -> Option<u64> {
        let t = self.throttle?;
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        (n % t.every == 0).then_some(t.retry_after)
    }

    /// Whether lists of `resource` are cut short.
    pub fn truncates(&self, resource: &str) -> bool {
        self.truncate.iter().any(|r| r == resource || r == "*")
    }

    /// The error answered instead of serving `path`, when a fault says so: throttled (429),
    /// a status for the resource, or a namespace refused (403 as RBAC words it).
    pub(crate) fn refuse(&self, path: &ResourcePath, namespaced: bool) -> Option<Reply> {
        if let Some(seconds) = self.throttled() {
            let mut r = Reply::error(ApiError::new(
                429,
                "TooManyRequests",
                "the server has received too many requests and has asked us to try again later",
            ));
            r.headers.push(("Retry-After", seconds.to_string()));
            return Some(r);
        }
        if let Some(code) = self.status_for(&path.resource) {
            return Some(Reply::error(ApiError::new(
                code,
                "InternalError",
                format!("injected fault: {} answers {code}", path.resource),
            )));
        }
        if self.forbids(path.namespace.as_deref(), namespaced) {
            let verb = if path.name.is_some() { "get" } else { "list" };
            let scope = match &path.namespace {
                Some(ns) => format!("in the namespace \"{ns}\""),
                None => "at the cluster scope".to_string(),
            };
            return Some(Reply::error(ApiError::new(403, "Forbidden", format!(
                "{} is forbidden: User \"system:anonymous\" cannot {verb} resource \"{}\" in API group \"{}\" {scope}",
                path.resource, path.resource, path.group
            ))));
        }
        None
    }

    /// Whether lists of `resource` page forever.
    pub fn endless(&self, resource: &str) -> bool {
        self.endless.iter().any(|r| r == resource || r == "*")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_applies() {
        let mut p = FaultPlan::default();
        for spec in [
            "hang",
            "status=500:pods",
            "forbid-namespace=kube-system",
            "throttle=2:3",
            "truncate=events",
            "endless=nodes",
        ] {
            p.add(spec).unwrap();
        }
        assert!(p.hang);
        assert_eq!(p.status_for("pods"), Some(500));
        assert_eq!(p.status_for("nodes"), None);
        assert!(p.forbids(Some("kube-system"), true));
        assert!(p.forbids(None, true));
        assert!(!p.forbids(Some("default"), true));
        assert!(!p.forbids(None, false));
        assert_eq!(p.throttled(), None);
        assert_eq!(p.throttled(), Some(3));
        assert!(p.truncates("events") && !p.truncates("pods"));
        assert!(p.endless("nodes"));
        for bad in [
            "status=99:pods",
            "status=500",
            "throttle=x:1",
            "nope",
            "truncate=",
        ] {
            assert!(p.add(bad).is_err(), "{bad}");
        }
    }
}
