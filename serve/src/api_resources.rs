//! What the served API offers: groups, versions and resources, taken from the bundle's own
//! discovery (`resources.json`, `groups.json`) and completed from what the bundle holds, so
//! kubectl can resolve `po`, `deploy` or a custom resource even when discovery was not
//! collected.

use super::index::Index;
use kbundle_format::layout::KIND_DIRS;
use serde_json::Value;
use std::collections::BTreeMap;

/// Resources every API server serves that no bundle layout holds a directory for: served
/// (as empty Lists) so that kubectl's own workflows work, `kubectl cluster-info dump` (which
/// lists replication controllers) and `kubectl get all` (whose category includes them).
/// `(group, version, resource, kind, namespaced)`.
const SERVED_EVEN_IF_NEVER_COLLECTED: &[(&str, &str, &str, &str, bool)] = &[(
    "",
    "v1",
    "replicationcontrollers",
    "ReplicationController",
    true,
)];

/// The verbs a read-only resource offers when the bundle does not say.
const READ_VERBS: &[&str] = &["get", "list", "watch"];

/// One resource of a group version, as discovery describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResource {
    /// Plural name.
    pub name: String,
    /// Singular name (lowercase kind when the bundle left it empty).
    pub singular: String,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
    /// Object kind.
    pub kind: String,
    /// Verbs as the real server listed them.
    pub verbs: Vec<String>,
    /// Short names (`po`, `deploy`).
    pub short_names: Vec<String>,
    /// Categories (`all`).
    pub categories: Vec<String>,
    /// Subresources: name, kind and verbs (`log`, `status`, `scale`).
    pub subresources: Vec<(String, String, Vec<String>)>,
}

/// One version of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupVersion {
    /// e.g. `v1`.
    pub version: String,
    /// Its resources.
    pub resources: Vec<ApiResource>,
}

/// One API group (`""` for core).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Group name.
    pub name: String,
    /// Versions, preferred first.
    pub versions: Vec<GroupVersion>,
}

/// Everything the server offers, core group first, then groups in discovery order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiResources {
    /// The groups.
    pub groups: Vec<Group>,
}

impl ApiResources {
    /// Builds the api_resources of a loaded bundle.
    pub fn build(index: &Index, crds: &[super::crd::Crd]) -> ApiResources {
        let mut api_resources = ApiResources::default();
        if let Some(Value::Array(lists)) = &index.discovery_resources {
            for list in lists {
                api_resources.add_resource_list(list);
            }
        }
        if let Some(groups) = &index.discovery_groups {
            api_resources.order_by_groups(groups);
        }
        if api_resources.groups.is_empty() {
            for k in KIND_DIRS {
                let (short, all) = builtin_names(k.group, k.resource);
                let short: Vec<String> = short.iter().map(|s| s.to_string()).collect();
                let categories = if all {
                    vec!["all".to_string()]
                } else {
                    Vec::new()
                };
                api_resources.add(
                    k.group,
                    k.version,
                    synthesized(k.resource, k.kind, k.namespaced, &short, &categories),
                );
            }
            if let Some(pods) = api_resources.find_mut("", "v1", "pods") {
                pods.subresources
                    .push(("log".into(), "Pod".into(), vec!["get".into()]));
            }
            for &(group, version, resource, kind, namespaced) in SERVED_EVEN_IF_NEVER_COLLECTED {
                let (short, all) = builtin_names(group, resource);
                let short: Vec<String> = short.iter().map(|s| s.to_string()).collect();
                let categories = if all {
                    vec!["all".to_string()]
                } else {
                    Vec::new()
                };
                api_resources.add(
                    group,
                    version,
                    synthesized(resource, kind, namespaced, &short, &categories),
                );
            }
        }
        for crd in crds {
            for version in crd.versions.iter().filter(|v| v.served) {
                if api_resources
                    .find(&crd.group, &version.name, &crd.plural)
                    .is_none()
                {
                    let mut r = synthesized(
                        &crd.plural,
                        &crd.kind,
                        crd.namespaced,
                        &crd.short_names,
                        &crd.categories,
                    );
                    r.singular = crd.singular.clone();
                    api_resources.add(&crd.group, &version.name, r);
                }
            }
        }
        for data in index.resources() {
            let version = if data.version.is_empty() {
                "v1"
            } else {
                &data.version
            };
            let known = api_resources
                .groups
                .iter()
                .filter(|g| g.name == data.group)
                .flat_map(|g| &g.versions)
                .any(|v| v.resources.iter().any(|r| r.name == data.resource));
            if !known && !data.kind.is_empty() {
                api_resources.add(
                    &data.group,
                    version,
                    synthesized(&data.resource, &data.kind, data.namespaced, &[], &[]),
                );
            }
        }
        api_resources
    }

    fn add_resource_list(&mut self, list: &Value) {
        let Some(gv) = list.get("groupVersion").and_then(Value::as_str) else {
            return;
        };
        let (group, version) = match gv.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", gv),
        };
        let Some(Value::Array(resources)) = list.get("resources") else {
            return;
        };
        let text = |r: &Value, k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let strings = |r: &Value, k: &str| -> Vec<String> {
            r.get(k)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut subs = Vec::new();
        for r in resources {
            let name = text(r, "name");
            if name.is_empty() {
                continue;
            }
            if let Some((parent, sub)) = name.split_once('/') {
                subs.push((
                    parent.to_string(),
                    sub.to_string(),
                    text(r, "kind"),
                    strings(r, "verbs"),
                ));
                continue;
            }
            let kind = text(r, "kind");
            let mut singular = text(r, "singularName");
            if singular.is_empty() {
                singular = kind.to_lowercase();
            }
            self.add(
                group,
                version,
                ApiResource {
                    name,
                    singular,
                    namespaced: r
                        .get("namespaced")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    kind,
                    verbs: strings(r, "verbs"),
                    short_names: strings(r, "shortNames"),
                    categories: strings(r, "categories"),
                    subresources: Vec::new(),
                },
            );
        }
        for (parent, sub, kind, verbs) in subs {
            if let Some(r) = self.find_mut(group, version, &parent) {
                r.subresources.push((sub, kind, verbs));
            }
        }
    }

    /// Puts groups and versions in the order `groups.json` gives, preferred version first.
    fn order_by_groups(&mut self, groups: &Value) {
        let list = match groups {
            Value::Array(a) => a.as_slice(),
            Value::Object(_) => groups
                .get("groups")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice),
            _ => &[],
        };
        let mut rank: BTreeMap<String, (usize, String)> = BTreeMap::new();
        for (i, g) in list.iter().enumerate() {
            let name = g
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let preferred = g
                .get("preferredVersion")
                .and_then(|p| p.get("version"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            rank.insert(name, (i, preferred));
        }
        self.groups.sort_by_key(|g| {
            let r = rank.get(&g.name).map_or(usize::MAX, |(i, _)| *i);
            (!g.name.is_empty(), r)
        });
        for g in &mut self.groups {
            if let Some((_, preferred)) = rank.get(&g.name) {
                if let Some(pos) = g.versions.iter().position(|v| &v.version == preferred) {
                    let v = g.versions.remove(pos);
                    g.versions.insert(0, v);
                }
            }
        }
    }

    fn add(&mut self, group: &str, version: &str, resource: ApiResource) {
        let g = match self.groups.iter().position(|g| g.name == group) {
            Some(i) => &mut self.groups[i],
            None => {
                self.groups.push(Group {
                    name: group.to_string(),
                    versions: Vec::new(),
                });
                let last = self.groups.len() - 1;
                if group.is_empty() {
                    let core = self.groups.remove(last);
                    self.groups.insert(0, core);
                    &mut self.groups[0]
                } else {
                    &mut self.groups[last]
                }
            }
        };
        let v = match g.versions.iter().position(|v| v.version == version) {
            Some(i) => &mut g.versions[i],
            None => {
                g.versions.push(GroupVersion {
                    version: version.to_string(),
                    resources: Vec::new(),
                });
                let last = g.versions.len() - 1;
                &mut g.versions[last]
            }
        };
        if !v.resources.iter().any(|r| r.name == resource.name) {
            v.resources.push(resource);
        }
    }

    /// A resource of a group version.
    pub fn find(&self, group: &str, version: &str, resource: &str) -> Option<&ApiResource> {
        self.groups
            .iter()
            .find(|g| g.name == group)?
            .versions
            .iter()
            .find(|v| v.version == version)?
            .resources
            .iter()
            .find(|r| r.name == resource)
    }

    fn find_mut(&mut self, group: &str, version: &str, resource: &str) -> Option<&mut ApiResource> {
        self.groups
            .iter_mut()
            .find(|g| g.name == group)?
            .versions
            .iter_mut()
            .find(|v| v.version == version)?
            .resources
            .iter_mut()
            .find(|r| r.name == resource)
    }

    /// A group version.
    pub fn group_version(&self, group: &str, version: &str) -> Option<&GroupVersion> {
        self.groups
            .iter()
            .find(|g| g.name == group)?
            .versions
            .iter()
            .find(|v| v.version == version)
    }
}

/// The short names of builtin resources, and whether they are in the `all` category, for
/// bundles without discovery (kubectl resolves `deploy`, `ds`, `sts` through them).
fn builtin_names(group: &str, resource: &str) -> (&'static [&'static str], bool) {
    match (group, resource) {
        ("", "pods") => (&["po"], true),
        ("", "services") => (&["svc"], true),
        ("", "replicationcontrollers") => (&["rc"], true),
        ("", "nodes") => (&["no"], false),
        ("", "namespaces") => (&["ns"], false),
        ("", "configmaps") => (&["cm"], false),
        ("", "endpoints") => (&["ep"], false),
        ("", "events") => (&["ev"], false),
        ("", "persistentvolumeclaims") => (&["pvc"], false),
        ("", "persistentvolumes") => (&["pv"], false),
        ("", "serviceaccounts") => (&["sa"], false),
        ("", "resourcequotas") => (&["quota"], false),
        ("", "limitranges") => (&["limits"], false),
        ("apps", "deployments") => (&["deploy"], true),
        ("apps", "replicasets") => (&["rs"], true),
        ("apps", "statefulsets") => (&["sts"], true),
        ("apps", "daemonsets") => (&["ds"], true),
        ("batch", "jobs") => (&[], true),
        ("batch", "cronjobs") => (&["cj"], true),
        ("networking.k8s.io", "ingresses") => (&["ing"], false),
        ("networking.k8s.io", "networkpolicies") => (&["netpol"], false),
        ("policy", "poddisruptionbudgets") => (&["pdb"], false),
        ("storage.k8s.io", "storageclasses") => (&["sc"], false),
        ("apiextensions.k8s.io", "customresourcedefinitions") => (&["crd", "crds"], false),
        ("scheduling.k8s.io", "priorityclasses") => (&["pc"], false),
        ("certificates.k8s.io", "certificatesigningrequests") => (&["csr"], false),
        _ => (&[], false),
    }
}

fn synthesized(
    name: &str,
    kind: &str,
    namespaced: bool,
    short_names: &[String],
    categories: &[String],
) -> ApiResource {
    ApiResource {
        name: name.to_string(),
        singular: kind.to_lowercase(),
        namespaced,
        kind: kind.to_string(),
        verbs: READ_VERBS.iter().map(|s| s.to_string()).collect(),
        short_names: short_names.to_vec(),
        categories: categories.to_vec(),
        subresources: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexBuilder;
    use kbundle_format::BundlePath;
    use kbundle_read::{Member, MemberSink};

    fn index_of(files: &[(&str, &str)]) -> Index {
        let mut b = IndexBuilder::new().unwrap();
        for (path, body) in files {
            let p = BundlePath::new(path).unwrap();
            b.member(Member {
                path: &p,
                size: body.len() as u64,
                modified: None,
                body: &mut body.as_bytes(),
            })
            .unwrap();
        }
        b.finish().unwrap()
    }

    #[test]
    fn from_bundle_discovery() {
        let index = index_of(&[
            (
                "cluster-resources/resources.json",
                r#"[{"groupVersion":"apps/v1","resources":[{"name":"deployments","namespaced":true,"kind":"Deployment","verbs":["get","list"],"shortNames":["deploy"]},{"name":"deployments/scale","kind":"Scale","verbs":["get"]}]},
                    {"groupVersion":"v1","resources":[{"name":"pods","singularName":"","namespaced":true,"kind":"Pod","verbs":["get"]}]}]"#,
            ),
            (
                "cluster-resources/groups.json",
                r#"[{"name":"","preferredVersion":{"version":"v1"}},{"name":"apps","preferredVersion":{"version":"v1"}}]"#,
            ),
        ]);
        let c = ApiResources::build(&index, &[]);
        assert_eq!(c.groups[0].name, "");
        let pods = c.find("", "v1", "pods").unwrap();
        assert_eq!(pods.singular, "pod");
        let d = c.find("apps", "v1", "deployments").unwrap();
        assert_eq!(d.short_names, vec!["deploy"]);
        assert_eq!(d.subresources[0].0, "scale");
    }

    #[test]
    fn synthesized_when_discovery_is_missing() {
        let index = index_of(&[(
            "cluster-resources/custom-resources/widgets.y.io.json",
            r#"[{"apiVersion":"y.io/v1","kind":"Widget","metadata":{"name":"w"}}]"#,
        )]);
        let c = ApiResources::build(&index, &[]);
        assert!(c.find("", "v1", "pods").is_some());
        let ds = c.find("apps", "v1", "daemonsets").unwrap();
        assert!(ds.namespaced);
        assert_eq!(ds.short_names, vec!["ds"]);
        assert_eq!(ds.categories, vec!["all"]);
        let w = c.find("y.io", "v1", "widgets").unwrap();
        assert!(!w.namespaced);
        assert_eq!(w.kind, "Widget");
    }
}
