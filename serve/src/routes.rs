//! The Kubernetes URL grammar: which document, collection, object or subresource a path names.

/// What a request path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/version`
    Version,
    /// `/healthz`, `/livez`, `/readyz`
    Health,
    /// `/api`
    Api,
    /// `/apis`
    Apis,
    /// `/apis/<group>`
    Group(String),
    /// `/api/v1` or `/apis/<group>/<version>`
    GroupVersion(String, String),
    /// A collection, an object or an object's subresource.
    Resource(ResourcePath),
    /// Anything else.
    Unknown,
}

/// A path below a group version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourcePath {
    /// API group (`""` for core).
    pub group: String,
    /// Version.
    pub version: String,
    /// Namespace, when the path has `namespaces/<ns>/`.
    pub namespace: Option<String>,
    /// Plural resource.
    pub resource: String,
    /// Object name, for an object or subresource.
    pub name: Option<String>,
    /// Subresource (`log`, `status`), when named.
    pub subresource: Option<String>,
}

/// Parses a request path (without its query).
pub(crate) fn parse(path: &str) -> Route {
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    match s.as_slice() {
        ["version"] => Route::Version,
        ["healthz" | "livez" | "readyz", ..] => Route::Health,
        ["api"] => Route::Api,
        ["apis"] => Route::Apis,
        ["api", version] => Route::GroupVersion(String::new(), version.to_string()),
        ["apis", group] => Route::Group(group.to_string()),
        ["apis", group, version] => Route::GroupVersion(group.to_string(), version.to_string()),
        ["api", version, rest @ ..] => resource("", version, rest),
        ["apis", group, version, rest @ ..] => resource(group, version, rest),
        _ => Route::Unknown,
    }
}

fn resource(group: &str, version: &str, rest: &[&str]) -> Route {
    let (namespace, rest) = match rest {
        ["namespaces", ns, tail @ ..] if !tail.is_empty() => (Some(ns.to_string()), tail),
        _ => (None, rest),
    };
    let (resource, name, subresource) = match rest {
        [r] => (r, None, None),
        [r, n] => (r, Some(n.to_string()), None),
        [r, n, sub] => (r, Some(n.to_string()), Some(sub.to_string())),
        _ => return Route::Unknown,
    };
    Route::Resource(ResourcePath {
        group: group.to_string(),
        version: version.to_string(),
        namespace,
        resource: resource.to_string(),
        name,
        subresource,
    })
}

/// Decodes `%xx` escapes; invalid ones are kept as written.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes.get(i),
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (Some(b'%'), Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (Some(b), _, _) => {
                out.push(*b);
                i += 1;
            }
            (None, _, _) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;

    fn res(route: Route) -> ResourcePath {
        match route {
            Route::Resource(r) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn paths() {
        assert_eq!(parse("/version"), Route::Version);
        assert_eq!(parse("/api"), Route::Api);
        assert_eq!(
            parse("/api/v1"),
            Route::GroupVersion("".into(), "v1".into())
        );
        assert_eq!(parse("/apis/apps"), Route::Group("apps".into()));
        let r = res(parse("/api/v1/namespaces/kube-system/pods/web-1/log"));
        assert_eq!(r.namespace.as_deref(), Some("kube-system"));
        assert_eq!(
            (
                r.resource.as_str(),
                r.name.as_deref(),
                r.subresource.as_deref()
            ),
            ("pods", Some("web-1"), Some("log"))
        );
        let r = res(parse("/api/v1/namespaces/default"));
        assert_eq!(
            (r.resource.as_str(), r.name.as_deref(), r.namespace),
            ("namespaces", Some("default"), None)
        );
        let r = res(parse("/api/v1/namespaces"));
        assert_eq!(r.resource, "namespaces");
        let r = res(parse("/apis/apps/v1/deployments"));
        assert_eq!((r.group.as_str(), r.namespace), ("apps", None));
        let r = res(parse("/api/v1/nodes/w%31"));
        assert_eq!(r.name.as_deref(), Some("w1"));
        assert_eq!(parse("/api/v1/a/b/c/d"), Route::Unknown);
        assert_eq!(parse("/openapi/v2"), Route::Unknown);
        assert_eq!(percent_decode("a%2"), "a%2");
    }
}
