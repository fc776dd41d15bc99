//! Discovery: every group and version the server offers (`/api`, `/apis`, then each
//! group-version), written as `groups.json` and `resources.json`, and the plan of what to
//! list: each listable resource of each group's preferred version, custom resources included.

use super::client::{Api, ApiError, Retry};
use serde::Deserialize;
use serde_json::Value;

/// One resource the collector lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resource {
    /// API group, `""` for core.
    pub group: String,
    /// The version listed (the group's preferred one).
    pub version: String,
    /// Plural name (`pods`).
    pub plural: String,
    /// Kind (`Pod`).
    pub kind: String,
    /// One List per namespace, or one for the cluster.
    pub namespaced: bool,
}

impl Resource {
    /// `v1` or `apps/v1`.
    pub(crate) fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The collection's URL path, across namespaces or in one.
    pub(crate) fn collection(&self, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace {
            Some(ns) => format!("{base}/namespaces/{}/{}", escape(ns), self.plural),
            None => format!("{base}/{}", self.plural),
        }
    }

    /// `pods` or `widgets.example.com`, for messages.
    pub(crate) fn name(&self) -> String {
        kbundle_format::layout::custom_resource_dir(&self.group, &self.plural)
    }
}

/// What discovery found.
#[derive(Debug, Default)]
pub(crate) struct Discovered {
    /// `groups.json`: the APIGroupList, the core group first.
    pub groups: Value,
    /// `resources.json`: every APIResourceList fetched.
    pub resources: Vec<Value>,
    /// What to list, in a good order (see [`order`]).
    pub plan: Vec<Resource>,
    /// Group-versions whose discovery failed (an aggregated API that is down, RBAC).
    pub failures: Vec<(String, ApiError)>,
}

#[derive(Deserialize)]
struct ApiVersions {
    #[serde(default)]
    versions: Vec<String>,
}

#[derive(Deserialize)]
struct GroupList {
    #[serde(default)]
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    #[serde(default)]
    name: String,
    #[serde(default)]
    versions: Vec<GroupVersion>,
    #[serde(default, rename = "preferredVersion")]
    preferred: Option<GroupVersion>,
}

#[derive(Deserialize, Clone)]
struct GroupVersion {
    #[serde(default)]
    version: String,
}

#[derive(Deserialize)]
struct ResourceList {
    #[serde(default)]
    resources: Vec<ApiResource>,
}

#[derive(Deserialize)]
struct ApiResource {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespaced: bool,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    verbs: Vec<String>,
}

/// Asks `/api` and `/apis` (failing only when both fail), then every group-version,
/// `jobs` at a time.
pub(crate) async fn discover(api: &Api, jobs: usize) -> Result<Discovered, ApiError> {
    let core = api.get("/api", Retry::Full).await;
    let apis = api.get("/apis", Retry::Full).await;
    let mut out = Discovered::default();
    let core_versions = match &core {
        Ok(body) => parse::<ApiVersions>(body, "/api")?.versions,
        Err(e) => {
            out.failures.push(("/api".to_string(), e.clone()));
            Vec::new()
        }
    };
    let mut groups: Vec<Value> = Vec::new();
    let mut parsed: Vec<Group> = Vec::new();
    if !core_versions.is_empty() {
        let versions: Vec<Value> = core_versions
            .iter()
            .map(|v| serde_json::json!({"groupVersion": v, "version": v}))
            .collect();
        groups.push(serde_json::json!({
            "name": "",
            "versions": versions,
            "preferredVersion": versions.first().cloned().unwrap_or(Value::Null),
        }));
        parsed.push(Group {
            name: String::new(),
            versions: core_versions
                .iter()
                .map(|v| GroupVersion { version: v.clone() })
                .collect(),
            preferred: core_versions
                .first()
                .map(|v| GroupVersion { version: v.clone() }),
        });
    }
    match &apis {
        Ok(body) => {
            let value: Value = parse(body, "/apis")?;
            if let Some(list) = value.get("groups").and_then(Value::as_array) {
                groups.extend(list.iter().cloned());
            }
            parsed.extend(parse::<GroupList>(body, "/apis")?.groups);
        }
        Err(e) => out.failures.push(("/apis".to_string(), e.clone())),
    }
    if let (Err(e), Err(_)) = (&core, &apis) {
        return Err(e.clone());
    }
    out.groups = serde_json::json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups});

    // Every version of every group, each its own request; the preferred one is planned.
    let mut targets = Vec::new();
    for g in &parsed {
        for v in &g.versions {
            if v.version.is_empty() {
                continue;
            }
            let preferred = g.preferred.as_ref().map_or(
                g.versions.first().map(|f| &f.version) == Some(&v.version),
                |p| p.version == v.version,
            );
            targets.push((g.name.clone(), v.version.clone(), preferred));
        }
    }
    let fetched = super::bounded(
        targets.iter().map(|(group, version, _)| async move {
            let path = if group.is_empty() {
                format!("/api/{version}")
            } else {
                format!("/apis/{group}/{version}")
            };
            (api.get(&path, Retry::Full).await, path)
        }),
        jobs,
    )
    .await;
    for ((group, version, preferred), (result, path)) in targets.iter().zip(fetched) {
        let body = match result {
            Ok(b) => b,
            Err(ApiError::Interrupted) => return Err(ApiError::Interrupted),
            Err(e) => {
                out.failures.push((path, e));
                continue;
            }
        };
        let (list, value) = match (
            serde_json::from_slice::<ResourceList>(&body),
            serde_json::from_slice::<Value>(&body),
        ) {
            (Ok(l), Ok(v)) => (l, v),
            (Err(e), _) | (_, Err(e)) => {
                out.failures.push((
                    path,
                    ApiError::Transport(format!("not an APIResourceList: {e}")),
                ));
                continue;
            }
        };
        out.resources.push(value);
        if !preferred {
            continue;
        }
        for r in list.resources {
            if r.name.is_empty() || r.name.contains('/') || !r.verbs.iter().any(|v| v == "list") {
                continue;
            }
            let res = Resource {
                group: group.clone(),
                version: version.clone(),
                plural: r.name,
                kind: r.kind,
                namespaced: r.namespaced,
            };
            if !out
                .plan
                .iter()
                .any(|p| p.group == res.group && p.plural == res.plural)
            {
                out.plan.push(res);
            }
        }
    }
    order(&mut out.plan);
    Ok(out)
}

/// Lists that take longest first (each is a chain of pages, so a long one started last would
/// finish last alone): events, pods, then the rest by group and name. Namespaces are listed
/// before everything else by the caller.
pub(crate) fn order(plan: &mut [Resource]) {
    let rank = |r: &Resource| match (r.group.as_str(), r.plural.as_str()) {
        ("", "events") => 0,
        ("", "pods") => 1,
        ("events.k8s.io", "events") => 2,
        ("", _) => 3,
        _ => 4,
    };
    plan.sort_by(|a, b| (rank(a), &a.group, &a.plural).cmp(&(rank(b), &b.group, &b.plural)));
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8], path: &str) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::Transport(format!("{path}: not discovery JSON: {e}")))
}

/// Percent-encodes a path segment or query value (names are DNS labels in practice; this
/// keeps a hostile one from changing the request).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(group: &str, plural: &str, namespaced: bool) -> Resource {
        Resource {
            group: group.into(),
            version: "v1".into(),
            plural: plural.into(),
            kind: String::new(),
            namespaced,
        }
    }

    #[test]
    fn paths_and_order() {
        let pods = r("", "pods", true);
        assert_eq!(pods.collection(None), "/api/v1/pods");
        assert_eq!(
            pods.collection(Some("a b")),
            "/api/v1/namespaces/a%20b/pods"
        );
        let d = r("apps", "deployments", true);
        assert_eq!(
            d.collection(Some("x")),
            "/apis/apps/v1/namespaces/x/deployments"
        );
        assert_eq!(d.api_version(), "apps/v1");
        let mut plan = vec![
            d.clone(),
            r("", "nodes", false),
            pods.clone(),
            r("", "events", true),
        ];
        order(&mut plan);
        let names: Vec<_> = plan.iter().map(|p| p.plural.as_str()).collect();
        assert_eq!(names, ["events", "pods", "nodes", "deployments"]);
        assert_eq!(escape("../x?y"), "..%2Fx%3Fy");
    }
}
