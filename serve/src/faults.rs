//! Fault injection, so the collector's tests can meet a sick API server: one that accepts and
//! hangs, answers 500 on some kinds, 403 on some namespaces, 429 with Retry-After, cuts bodies
//! short, or pages forever — or a hostile one (or a broken proxy before it): a 10 MiB response
//! header, a body that never ends, a redirect to another host, 401 to every request. A down
//! server needs no plan: stop the [`super::Server`] (or use a port nobody listens on).

use crate::api::{Body, Reply};
use crate::routes::ResourcePath;
use crate::status::ApiError;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// The size of the `huge-header` fault's header: far past what any HTTP client buffers for a
/// response head (hyper's default is about 400 KiB).
pub(crate) const HUGE_HEADER_BYTES: usize = 10 << 20;

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
    /// Requests for these resources are answered 200 with a [`HUGE_HEADER_BYTES`] header.
    pub huge_header: Vec<String>,
    /// Requests for these resources are answered 200 with a chunked List body that never
    /// ends (items for as long as the client reads).
    pub endless_body: Vec<String>,
    /// Requests for these resources are answered `302 Found` to the same path on another
    /// server: (resource, base URL such as `http://127.0.0.2:8080`).
    pub redirect: Vec<(String, String)>,
    /// Every request, `/version` and discovery included, is answered 401 Unauthorized (an
    /// expired or revoked token).
    pub unauthorized: bool,
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
#[error("fault {0:?}: expected hang, unauthorized, status=CODE:RESOURCE, forbid-namespace=NS, throttle=EVERY:SECONDS, truncate=RESOURCE, endless=RESOURCE, huge-header=RESOURCE, endless-body=RESOURCE or redirect=RESOURCE:URL")]
pub struct BadFault(pub String);

impl FaultPlan {
    /// Adds one fault written as `NAME[=ARG]`: `hang`, `unauthorized`, `status=500:pods`,
    /// `forbid-namespace=kube-system`, `throttle=3:1` (every 3rd request, Retry-After 1),
    /// `truncate=pods`, `endless=pods`, `huge-header=pods`, `endless-body=pods`,
    /// `redirect=pods:http://127.0.0.2:8080`. A resource may be `*` (all of them).
    pub fn add(&mut self, spec: &str) -> Result<(), BadFault> {
        let bad = || BadFault(spec.to_string());
        let (name, arg) = spec.split_once('=').unwrap_or((spec, ""));
        match name {
            "hang" => self.hang = true,
            "unauthorized" => self.unauthorized = true,
            "huge-header" if !arg.is_empty() => self.huge_header.push(arg.to_string()),
            "endless-body" if !arg.is_empty() => self.endless_body.push(arg.to_string()),
            "redirect" => {
                let (resource, url) = arg.split_once(':').ok_or_else(bad)?;
                if resource.is_empty() || !url.starts_with("http") {
                    return Err(bad());
                }
                self.redirect.push((resource.to_string(), url.to_string()));
            }
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
        let names = |list: &[String]| list.iter().any(|r| r == &path.resource || r == "*");
        if names(&self.huge_header) {
            return Some(Reply {
                code: 200,
                content_type: "application/json".into(),
                headers: vec![("X-Kbundle-Fault", "a".repeat(HUGE_HEADER_BYTES))],
                body: Body::Bytes(b"{}".to_vec()),
            });
        }
        if let Some((_, base)) = self
            .redirect
            .iter()
            .find(|(r, _)| r == &path.resource || r == "*")
        {
            let mut r = Reply::error(ApiError::new(302, "Found", "moved"));
            r.headers.push((
                "Location",
                format!("{}{}", base.trim_end_matches('/'), url_path(path)),
            ));
            return Some(r);
        }
        if names(&self.endless_body) {
            return Some(Reply {
                code: 200,
                content_type: "application/json".into(),
                headers: Vec::new(),
                body: Body::Stream(Box::new(endless_list)),
            });
        }
        None
    }

    /// The answer to every request when the plan says `unauthorized`: what an API server
    /// answers a revoked token.
    pub(crate) fn unauthorized(&self) -> Option<Reply> {
        self.unauthorized
            .then(|| Reply::error(ApiError::new(401, "Unauthorized", "Unauthorized")))
    }

    /// Whether lists of `resource` page forever.
    pub fn endless(&self, resource: &str) -> bool {
        self.endless.iter().any(|r| r == resource || r == "*")
    }
}

/// The request path of `path` (for the redirect's `Location`).
fn url_path(path: &ResourcePath) -> String {
    let mut out = if path.group.is_empty() {
        format!("/api/{}", path.version)
    } else {
        format!("/apis/{}/{}", path.group, path.version)
    };
    if let Some(ns) = &path.namespace {
        out.push_str(&format!("/namespaces/{ns}"));
    }
    for part in [
        Some(&path.resource),
        path.name.as_ref(),
        path.subresource.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        out.push('/');
        out.push_str(part);
    }
    out
}

/// A List that never ends: its head, then items for as long as the client takes them (the
/// writer fails once the client has gone, which ends the producer thread).
fn endless_list(out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(br#"{"kind":"List","apiVersion":"v1","metadata":{},"items":["#)?;
    let item = br#"{"metadata":{"name":"endless","namespace":"default"}},"#.repeat(256);
    loop {
        out.write_all(&item)?;
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
        for spec in [
            "unauthorized",
            "huge-header=pods",
            "endless-body=events",
            "redirect=secrets:http://127.0.0.2:1",
        ] {
            p.add(spec).unwrap();
        }
        assert!(p.unauthorized().is_some_and(|r| r.code == 401));
        assert_eq!(p.huge_header, ["pods"]);
        assert_eq!(p.endless_body, ["events"]);
        assert_eq!(
            p.redirect,
            [("secrets".to_string(), "http://127.0.0.2:1".to_string())]
        );
        for bad in [
            "status=99:pods",
            "status=500",
            "throttle=x:1",
            "nope",
            "truncate=",
            "huge-header=",
            "redirect=pods",
            "redirect=:http://x",
            "redirect=pods:ftp://x",
        ] {
            assert!(p.add(bad).is_err(), "{bad}");
        }
    }
}
