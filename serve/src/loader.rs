//! Builds the [`Index`] while the bundle streams past: classifies each member with the
//! format's layout, spills objects and logs, and keeps what selectors and discovery need.

use super::head::read_head;
use super::index::{Entry, Index, Interner, LogFile, ResourceData, Sym};
use super::selectors::selectable_fields;
use super::spill::{Span, SpillWriter};
use jiff::Timestamp;
use kbundle_format::layout::{self, KindDir};
use kbundle_format::manifest::Manifest;
use kbundle_kube::list::stream::{for_each_json, for_each_yaml};
use kbundle_read::{Member, MemberSink};
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read};

/// Bookkeeping files (manifest, discovery, version) are read whole up to this size.
const MAX_SMALL_FILE: u64 = 64 << 20;

/// Builds an [`Index`] from the members of a bundle; hand it to
/// [`kbundle_read::read_bundle`] as the sink, then call [`IndexBuilder::finish`].
pub struct IndexBuilder {
    strings: Interner,
    resources: BTreeMap<(String, String), ResourceData>,
    logs: HashMap<(String, String), Vec<LogFile>>,
    spill: SpillWriter,
    version: Option<serde_json::Value>,
    discovery_resources: Option<serde_json::Value>,
    discovery_groups: Option<serde_json::Value>,
    manifest_created: Option<Timestamp>,
    newest_mtime: Option<i64>,
    resource_version: Option<String>,
    warnings: Vec<String>,
}

impl IndexBuilder {
    /// An empty index with a fresh spill file.
    pub fn new() -> io::Result<Self> {
        Ok(IndexBuilder {
            strings: Interner::default(),
            resources: BTreeMap::new(),
            logs: HashMap::new(),
            spill: SpillWriter::new()?,
            version: None,
            discovery_resources: None,
            discovery_groups: None,
            manifest_created: None,
            newest_mtime: None,
            resource_version: None,
            warnings: Vec::new(),
        })
    }

    /// Sorts, drops duplicate objects (the last copy wins) and seals the spill file.
    pub fn finish(self) -> io::Result<Index> {
        let IndexBuilder {
            mut strings,
            mut resources,
            logs,
            spill,
            ..
        } = self;
        let mut total = 0u64;
        for data in resources.values_mut() {
            let entries = std::mem::take(&mut data.entries);
            let mut keyed: Vec<(usize, Entry)> = entries.into_iter().enumerate().collect();
            keyed.sort_by(|(ia, a), (ib, b)| {
                (
                    strings.get(a.namespace),
                    strings.get(a.name),
                    std::cmp::Reverse(*ia),
                )
                    .cmp(&(
                        strings.get(b.namespace),
                        strings.get(b.name),
                        std::cmp::Reverse(*ib),
                    ))
            });
            keyed.dedup_by(|next, kept| {
                next.1.namespace == kept.1.namespace && next.1.name == kept.1.name
            });
            data.entries = keyed.into_iter().map(|(_, e)| e).collect();
            data.entries.shrink_to_fit();
            total += data.entries.len() as u64;
        }
        strings.seal();
        let collected_at = self
            .manifest_created
            .or_else(|| {
                self.newest_mtime
                    .and_then(|s| Timestamp::from_second(s).ok())
            })
            .unwrap_or_else(Timestamp::now);
        let epoch = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            total.hash(&mut h);
            collected_at.as_second().hash(&mut h);
            for key in resources.keys() {
                key.hash(&mut h);
            }
            h.finish()
        };
        Ok(Index {
            strings,
            resources,
            logs,
            spill: spill.finish()?,
            version: self.version,
            discovery_resources: self.discovery_resources,
            discovery_groups: self.discovery_groups,
            collected_at,
            resource_version: self.resource_version.unwrap_or_else(|| "1".to_string()),
            warnings: self.warnings,
            epoch,
        })
    }

    fn read_list(
        &mut self,
        path: &str,
        target: Target,
        namespace: Option<&str>,
        yaml: bool,
        body: &mut dyn Read,
    ) -> io::Result<()> {
        let IndexBuilder {
            strings,
            resources,
            spill,
            warnings,
            resource_version,
            ..
        } = self;
        let fields = selectable_fields(&target.group, &target.resource);
        let data = resources
            .entry((target.group.clone(), target.resource.clone()))
            .or_insert_with(|| ResourceData {
                group: target.group.clone(),
                version: target.version.clone(),
                resource: target.resource.clone(),
                kind: target.kind.clone(),
                namespaced: target.namespaced,
                fields,
                entries: Vec::new(),
            });
        let mut spill_error: Option<io::Error> = None;
        let mut skipped = 0usize;
        let mut each = |raw: Box<RawValue>| -> io::Result<()> {
            let text = raw.get();
            let Some(head) = read_head(text, fields) else {
                skipped += 1;
                return Ok(());
            };
            if head.name.is_empty() {
                skipped += 1;
                return Ok(());
            }
            if data.kind.is_empty() {
                if let Some(kind) = &head.kind {
                    data.kind = kind.clone();
                }
            }
            if let Some(av) = &head.api_version {
                if data.version.is_empty() {
                    data.version = av.rsplit('/').next().unwrap_or("").to_string();
                }
            }
            let ns = if data.namespaced {
                if head.namespace.is_empty() {
                    namespace.unwrap_or("")
                } else {
                    &head.namespace
                }
            } else {
                ""
            };
            let span = match spill_object(spill, text, &head, data) {
                Ok(span) => span,
                Err(e) => {
                    let message = e.to_string();
                    spill_error = Some(e);
                    return Err(io::Error::other(message));
                }
            };
            let mut labels: Vec<(Sym, Sym)> = head
                .labels
                .iter()
                .map(|(k, v)| (strings.intern(k), strings.intern(v)))
                .collect();
            labels.sort_unstable();
            let entry = Entry {
                namespace: strings.intern(ns),
                name: strings.intern(&head.name),
                span,
                labels: labels.into_boxed_slice(),
                fields: head
                    .fields
                    .iter()
                    .map(|(i, v)| (*i, strings.intern(v)))
                    .collect(),
            };
            data.entries.push(entry);
            Ok(())
        };
        let result = if yaml {
            for_each_yaml(body, &mut each)
        } else {
            for_each_json(body, &mut each)
        };
        if let Some(e) = spill_error {
            return Err(e);
        }
        match result {
            Ok(head) => {
                if resource_version.is_none() {
                    *resource_version = head.resource_version.filter(|rv| !rv.is_empty());
                }
            }
            Err(why) => warnings.push(format!("{path}: {why}; objects before it are served")),
        }
        if skipped > 0 {
            warnings.push(format!(
                "{path}: {skipped} items without a name were skipped"
            ));
        }
        Ok(())
    }

    fn read_small(&mut self, path: &str, body: &mut dyn Read) -> Option<Vec<u8>> {
        let mut buf = Vec::new();
        match body.take(MAX_SMALL_FILE + 1).read_to_end(&mut buf) {
            Ok(n) if n as u64 > MAX_SMALL_FILE => {
                self.warnings
                    .push(format!("{path}: larger than 64 MiB, ignored"));
                None
            }
            Ok(_) => Some(buf),
            Err(e) => {
                self.warnings.push(format!("{path}: {e}"));
                None
            }
        }
    }

    fn read_json(&mut self, path: &str, body: &mut dyn Read) -> Option<serde_json::Value> {
        let buf = self.read_small(path, body)?;
        match serde_json::from_slice(&buf) {
            Ok(v) => Some(v),
            Err(e) => {
                self.warnings.push(format!("{path}: not JSON: {e}"));
                None
            }
        }
    }
}

/// Where a List's items go.
struct Target {
    group: String,
    version: String,
    resource: String,
    kind: String,
    namespaced: bool,
}

impl Target {
    fn of(kind: &KindDir) -> Self {
        Target {
            group: kind.group.to_string(),
            version: kind.version.to_string(),
            resource: kind.resource.to_string(),
            kind: kind.kind.to_string(),
            namespaced: kind.namespaced,
        }
    }

    /// `custom-resources/<plural>.<group>`: the kind and version come from the objects (or the
    /// CRD) later.
    fn custom(dir: &str, namespaced: bool) -> Self {
        let (resource, group) = dir.split_once('.').unwrap_or((dir, ""));
        Target {
            group: group.to_string(),
            version: String::new(),
            resource: resource.to_string(),
            kind: String::new(),
            namespaced,
        }
    }
}

/// Writes an object to the spill file, adding `kind` and `apiVersion` when the bundle left
/// them out (kubectl needs them on every item).
fn spill_object(
    spill: &mut SpillWriter,
    text: &str,
    head: &super::head::Head,
    data: &ResourceData,
) -> io::Result<Span> {
    let text = text.trim();
    let mut prefix = String::new();
    if head.kind.is_none() && !data.kind.is_empty() {
        prefix.push_str(&format!("\"kind\":{},", json_string(&data.kind)));
    }
    if head.api_version.is_none() && !data.version.is_empty() {
        let av = if data.group.is_empty() {
            data.version.clone()
        } else {
            format!("{}/{}", data.group, data.version)
        };
        prefix.push_str(&format!("\"apiVersion\":{},", json_string(&av)));
    }
    if prefix.is_empty() {
        return spill.append(&[text.as_bytes()]);
    }
    let rest = text.strip_prefix('{').unwrap_or(text).trim_start();
    if rest.starts_with('}') {
        prefix.pop();
    }
    spill.append(&[b"{", prefix.as_bytes(), rest.as_bytes()])
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

impl MemberSink for IndexBuilder {
    fn member(&mut self, member: Member<'_>) -> io::Result<()> {
        if let Some(m) = member.modified {
            self.newest_mtime = Some(self.newest_mtime.map_or(m, |n| n.max(m)));
        }
        let path = member.path.as_str().to_string();
        match layout::classify(member.path) {
            layout::PathKind::Manifest => {
                if let Some(buf) = self.read_small(&path, member.body) {
                    match serde_json::from_slice::<Manifest>(&buf) {
                        Ok(m) => self.manifest_created = m.created.parse().ok(),
                        Err(e) => self.warnings.push(format!("{path}: {e}")),
                    }
                }
            }
            layout::PathKind::ClusterVersion => {
                if let Some(mut v) = self.read_json(&path, member.body) {
                    if let Some(info) = v.get_mut("info").map(serde_json::Value::take) {
                        v = info;
                    }
                    self.version = Some(v);
                }
            }
            layout::PathKind::Resources => {
                self.discovery_resources = self.read_json(&path, member.body);
            }
            layout::PathKind::Groups => {
                self.discovery_groups = self.read_json(&path, member.body);
            }
            layout::PathKind::List {
                dir,
                namespace,
                yaml,
            } => {
                if let Some(kind) = layout::kind_dir_named(dir) {
                    let namespace = namespace.map(str::to_string);
                    self.read_list(
                        &path,
                        Target::of(kind),
                        namespace.as_deref(),
                        yaml,
                        member.body,
                    )?;
                }
            }
            layout::PathKind::CustomResources {
                resource,
                namespace,
                yaml,
            } => {
                let target = Target::custom(resource, namespace.is_some());
                let namespace = namespace.map(str::to_string);
                self.read_list(&path, target, namespace.as_deref(), yaml, member.body)?;
            }
            layout::PathKind::PodLog {
                namespace,
                pod,
                container,
                previous,
            } => self.add_log(namespace, pod, container, previous, member.body)?,
            _ => self.other_flavor(&path, member)?,
        }
        Ok(())
    }
}

impl IndexBuilder {
    /// Members of the layouts other tools write, served like ours: an OpenShift
    /// must-gather (one YAML per node and pod, Lists of events and workloads, container
    /// logs) and the directory `kubectl cluster-info dump --output-directory` writes (JSON
    /// Lists per namespace). What they do not hold answers as empty Lists, like any kind
    /// this bundle lacks.
    fn other_flavor(&mut self, path: &str, member: Member<'_>) -> io::Result<()> {
        use kbundle_format::flavors::{cluster_info::DumpFile, must_gather::MustGatherFile};
        if let Some(file) = kbundle_format::flavors::must_gather::classify(member.path) {
            let list = |dir: &str| layout::kind_dir_named(dir).map(Target::of);
            return match file {
                MustGatherFile::Node => self.read_one_yaml(path, list("nodes"), member.body),
                MustGatherFile::Pod => self.read_one_yaml(path, list("pods"), member.body),
                MustGatherFile::Events => match list("events") {
                    Some(t) => self.read_list(path, t, None, true, member.body),
                    None => Ok(()),
                },
                MustGatherFile::Workloads { dir } => match list(dir) {
                    Some(t) => self.read_list(path, t, None, true, member.body),
                    None => Ok(()),
                },
                MustGatherFile::ContainerLog {
                    namespace,
                    pod,
                    container,
                    previous,
                } => self.add_log(namespace, pod, container, previous, member.body),
                _ => Ok(()),
            };
        }
        if let Some(DumpFile::List { dir, yaml }) =
            kbundle_format::flavors::cluster_info::classify(member.path)
        {
            if let Some(kind) = layout::kind_dir_named(dir) {
                // `<namespace>/<kind>.json`, or `nodes.json` at the top.
                let namespace = path.split_once('/').map(|(ns, _)| ns.to_string());
                let target = Target::of(kind);
                return self.read_list(path, target, namespace.as_deref(), yaml, member.body);
            }
        }
        Ok(())
    }

    /// Spills a container's log and files it under its pod.
    fn add_log(
        &mut self,
        namespace: &str,
        pod: &str,
        container: &str,
        previous: bool,
        body: &mut dyn Read,
    ) -> io::Result<()> {
        let span = self.spill.copy_from(body)?;
        self.logs
            .entry((namespace.to_string(), pod.to_string()))
            .or_default()
            .push(LogFile {
                container: container.to_string(),
                previous,
                span,
            });
        Ok(())
    }

    /// A file holding one object in YAML (must-gather's nodes and pods), read as a List of
    /// one.
    fn read_one_yaml(
        &mut self,
        path: &str,
        target: Option<Target>,
        body: &mut dyn Read,
    ) -> io::Result<()> {
        let Some(target) = target else {
            return Ok(());
        };
        let Some(buf) = self.read_small(path, body) else {
            return Ok(());
        };
        let object: serde_json::Value = match serde_yaml_ng::from_slice(&buf) {
            Ok(v) => v,
            Err(e) => {
                self.warnings.push(format!("{path}: not YAML: {e}"));
                return Ok(());
            }
        };
        let list = serde_json::to_vec(&[object]).map_err(io::Error::other)?;
        self.read_list(path, target, None, false, &mut list.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kbundle_format::BundlePath;

    fn feed(b: &mut IndexBuilder, path: &str, body: &str, modified: Option<i64>) {
        let p = BundlePath::new(path).unwrap();
        b.member(Member {
            path: &p,
            size: body.len() as u64,
            modified,
            body: &mut body.as_bytes(),
        })
        .unwrap();
    }

    #[test]
    fn indexes_lists_logs_and_quirks() {
        let mut b = IndexBuilder::new().unwrap();
        feed(
            &mut b,
            "cluster-resources/pods/default.json",
            r#"{"kind":"PodList","metadata":{"resourceVersion":"77"},"items":[
                {"metadata":{"name":"b","labels":{"app":"x"}},"spec":{"nodeName":"w1"}},
                {"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","namespace":"default"}}]}"#,
            Some(100),
        );
        feed(
            &mut b,
            "cluster-resources/custom-resource-definitions.json",
            r#"[{"metadata":{"name":"x.y.io"}}]"#,
            Some(200),
        );
        feed(
            &mut b,
            "cluster-resources/custom-resources/widgets.y.io/default.yaml",
            "- apiVersion: y.io/v2\n  kind: Widget\n  metadata: {name: w}\n",
            None,
        );
        feed(
            &mut b,
            "cluster-resources/pods/logs/default/b/app.log",
            "hello\n",
            None,
        );
        feed(
            &mut b,
            "cluster-info/cluster_version.json",
            r#"{"info":{"gitVersion":"v1.24.4"},"string":"v1.24.4"}"#,
            None,
        );
        let index = b.finish().unwrap();
        assert_eq!(index.collected_at.as_second(), 200);
        assert_eq!(index.resource_version, "77");
        assert_eq!(index.version.as_ref().unwrap()["gitVersion"], "v1.24.4");
        let pods = index.resource("", "pods").unwrap();
        let names: Vec<&str> = pods.entries.iter().map(|e| index.str(e.name)).collect();
        assert_eq!(names, vec!["a", "b"]);
        let b_pod = index.find(pods, "default", "b").unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&index.object(b_pod).unwrap()).unwrap();
        assert_eq!(json["kind"], "Pod");
        assert_eq!(json["apiVersion"], "v1");
        assert_eq!(index.label(b_pod, "app"), Some("x"));
        assert_eq!(index.field(b_pod, 0), Some("w1"));
        let crd = index
            .resource("apiextensions.k8s.io", "customresourcedefinitions")
            .unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&index.object(&crd.entries[0]).unwrap()).unwrap();
        assert_eq!(json["apiVersion"], "apiextensions.k8s.io/v1");
        let widgets = index.resource("y.io", "widgets").unwrap();
        assert_eq!(
            (widgets.kind.as_str(), widgets.version.as_str()),
            ("Widget", "v2")
        );
        assert!(widgets.namespaced);
        let logs = index.logs("default", "b");
        assert_eq!(index.log_text(&logs[0]).unwrap(), b"hello\n");
    }

    #[test]
    fn damaged_list_is_a_warning_and_duplicates_collapse() {
        let mut b = IndexBuilder::new().unwrap();
        feed(
            &mut b,
            "cluster-resources/nodes.json",
            r#"{"items":[{"metadata":{"name":"n1"}},{"metadata":{"name":"n1","labels":{"v":"2"}}},{"#,
            None,
        );
        let index = b.finish().unwrap();
        assert_eq!(index.warnings.len(), 1, "{:?}", index.warnings);
        let nodes = index.resource("", "nodes").unwrap();
        assert_eq!(nodes.entries.len(), 1);
        assert_eq!(index.label(&nodes.entries[0], "v"), Some("2"));
    }
}
