//! Discovery documents: the legacy ones (`/api`, `/api/v1`, `/apis`, `/apis/<g>`,
//! `/apis/<g>/<v>`) and the aggregated `APIGroupDiscoveryList` (v2 and v2beta1) that kubectl
//! 1.26+ asks for first.

use super::api_resources::{ApiResource, ApiResources, Group};
use serde_json::{json, Value};

/// Which aggregated discovery version the client accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aggregated {
    /// `apidiscovery.k8s.io/v2`
    V2,
    /// `apidiscovery.k8s.io/v2beta1`
    V2Beta1,
}

impl Aggregated {
    /// The Content-Type to answer with.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Aggregated::V2 => {
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
            }
            Aggregated::V2Beta1 => {
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
            }
        }
    }

    fn api_version(self) -> &'static str {
        match self {
            Aggregated::V2 => "apidiscovery.k8s.io/v2",
            Aggregated::V2Beta1 => "apidiscovery.k8s.io/v2beta1",
        }
    }
}

/// `GET /api`.
pub(crate) fn api_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

/// `GET /apis`: every group but core.
pub(crate) fn api_group_list(api_resources: &ApiResources) -> Value {
    let groups: Vec<Value> = api_resources
        .groups
        .iter()
        .filter(|g| !g.name.is_empty() && !g.versions.is_empty())
        .map(api_group_body)
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `GET /apis/<group>`.
pub(crate) fn api_group(group: &Group) -> Value {
    let mut v = api_group_body(group);
    if let Value::Object(map) = &mut v {
        map.insert("kind".into(), "APIGroup".into());
        map.insert("apiVersion".into(), "v1".into());
    }
    v
}

fn api_group_body(group: &Group) -> Value {
    let versions: Vec<Value> = group
        .versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{}/{}", group.name, v.version), "version": v.version}))
        .collect();
    let preferred = versions.first().cloned().unwrap_or(Value::Null);
    json!({"name": group.name, "versions": versions, "preferredVersion": preferred})
}

/// `GET /api/v1` or `/apis/<group>/<version>`.
pub(crate) fn api_resource_list(group: &str, version: &str, resources: &[ApiResource]) -> Value {
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let mut out = Vec::new();
    for r in resources {
        let mut entry = json!({
            "name": r.name,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": r.verbs,
        });
        if !r.short_names.is_empty() {
            entry["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            entry["categories"] = json!(r.categories);
        }
        out.push(entry);
        for (sub, kind, verbs) in &r.subresources {
            out.push(json!({
                "name": format!("{}/{}", r.name, sub),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": kind,
                "verbs": verbs,
            }));
        }
    }
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": out})
}

/// The aggregated document of `/api` (`core == true`) or `/apis`.
pub(crate) fn aggregated(api_resources: &ApiResources, core: bool, version: Aggregated) -> Value {
    let items: Vec<Value> = api_resources
        .groups
        .iter()
        .filter(|g| g.name.is_empty() == core && !g.versions.is_empty())
        .map(|g| {
            let versions: Vec<Value> = g
                .versions
                .iter()
                .map(|v| {
                    let resources: Vec<Value> = v
                        .resources
                        .iter()
                        .filter(|r| !r.kind.is_empty())
                        .map(|r| aggregated_resource(&g.name, &v.version, r))
                        .collect();
                    json!({"version": v.version, "resources": resources, "freshness": "Current"})
                })
                .collect();
            let metadata = if core {
                json!({"creationTimestamp": null})
            } else {
                json!({"name": g.name, "creationTimestamp": null})
            };
            json!({"metadata": metadata, "versions": versions})
        })
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": version.api_version(),
        "metadata": {},
        "items": items,
    })
}

fn aggregated_resource(group: &str, version: &str, r: &ApiResource) -> Value {
    let mut v = json!({
        "resource": r.name,
        "responseKind": {"group": group, "version": version, "kind": r.kind},
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular,
        "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        v["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        v["categories"] = json!(r.categories);
    }
    if !r.subresources.is_empty() {
        let subs: Vec<Value> = r
            .subresources
            .iter()
            .map(|(sub, kind, verbs)| {
                let mut s = json!({"subresource": sub, "verbs": verbs});
                if !kind.is_empty() {
                    s["responseKind"] = json!({"group": group, "version": version, "kind": kind});
                }
                s
            })
            .collect();
        v["subresources"] = Value::Array(subs);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_resources::GroupVersion;

    fn api_resources() -> ApiResources {
        let pod = ApiResource {
            name: "pods".into(),
            singular: "pod".into(),
            namespaced: true,
            kind: "Pod".into(),
            verbs: vec!["get".into(), "list".into()],
            short_names: vec!["po".into()],
            categories: vec!["all".into()],
            subresources: vec![("log".into(), "Pod".into(), vec!["get".into()])],
        };
        let deploy = ApiResource {
            name: "deployments".into(),
            singular: "deployment".into(),
            kind: "Deployment".into(),
            subresources: Vec::new(),
            ..pod.clone()
        };
        ApiResources {
            groups: vec![
                Group {
                    name: "".into(),
                    versions: vec![GroupVersion {
                        version: "v1".into(),
                        resources: vec![pod],
                    }],
                },
                Group {
                    name: "apps".into(),
                    versions: vec![GroupVersion {
                        version: "v1".into(),
                        resources: vec![deploy],
                    }],
                },
            ],
        }
    }

    #[test]
    fn legacy_documents() {
        let c = api_resources();
        let groups = api_group_list(&c);
        assert_eq!(groups["groups"].as_array().unwrap().len(), 1);
        assert_eq!(
            groups["groups"][0]["preferredVersion"]["groupVersion"],
            "apps/v1"
        );
        let core = api_resource_list("", "v1", &c.groups[0].versions[0].resources);
        assert_eq!(core["groupVersion"], "v1");
        assert_eq!(core["resources"][1]["name"], "pods/log");
    }

    #[test]
    fn aggregated_documents() {
        let c = api_resources();
        let core = aggregated(&c, true, Aggregated::V2);
        assert_eq!(core["items"].as_array().unwrap().len(), 1);
        let pods = &core["items"][0]["versions"][0]["resources"][0];
        assert_eq!(pods["scope"], "Namespaced");
        assert_eq!(pods["subresources"][0]["subresource"], "log");
        let apis = aggregated(&c, false, Aggregated::V2Beta1);
        assert_eq!(apis["apiVersion"], "apidiscovery.k8s.io/v2beta1");
        assert_eq!(apis["items"][0]["metadata"]["name"], "apps");
    }
}
