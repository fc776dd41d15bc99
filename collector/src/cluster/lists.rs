//! Paged Lists written as they arrive: `GET ...?limit=500&continue=...` page after page, each
//! page decoded item by item on a worker thread while the next one is fetched, each item
//! (without `managedFields`, with its `apiVersion` and `kind`) appended to its namespace's
//! List file in the bundle. Memory: two pages and one item per list, whatever the cluster's
//! size.
//!
//! An all-namespace list comes back sorted by namespace and name (the API server's storage
//! order), so a namespace's file is complete once the next namespace starts. Files are kept
//! open a little longer than that (the last [`MAX_OPEN`] namespaces) for servers that do not
//! sort (aggregated APIs); an item of a namespace whose file was already written is counted
//! and reported, never silently lost.

use super::discovery::Resource;
use super::pages::{each_item, PageHead};
use super::secrets;
use super::{Counters, Observer};
use crate::bundle::{Added, Bundle, Scrubber};
use kbundle_format::layout;
use kbundle_format::BundlePath;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::io;

/// Why a page's items could not all be written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PageWriteError {
    /// Writing to the bundle failed: the run cannot go on.
    #[error("writing the bundle: {0}")]
    Write(io::Error),
    /// The page is not a well-formed List after all.
    #[error("decoding the page: {0}")]
    List(kbundle_kube::list::stream::ListError),
}
use std::sync::atomic::Ordering;

/// Objects per page, as kubectl asks.
pub(crate) const PAGE: u32 = 500;
/// Namespace files kept open per list.
pub(crate) const MAX_OPEN: usize = 32;

/// The bundle path of a resource's List (in `namespace`, for namespaced resources).
pub(crate) fn list_path(resource: &Resource, namespace: Option<&str>) -> BundlePath {
    match layout::kind_dir_for(&resource.group, &resource.plural) {
        Some(kind) => layout::list_path(kind, namespace),
        None => layout::custom_resource_path(
            &resource.group,
            &resource.plural,
            namespace.filter(|_| resource.namespaced),
        ),
    }
}

/// The name `<dir>-errors.json` and manifest rows use for a resource: its fixed directory,
/// else `<plural>.<group>`.
pub(crate) fn dir_name(resource: &Resource) -> String {
    match layout::kind_dir_for(&resource.group, &resource.plural) {
        Some(kind) => kind.dir.to_string(),
        None => layout::custom_resource_dir(&resource.group, &resource.plural),
    }
}

/// How items are changed before they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transform {
    /// As the server sent them (minus `managedFields`).
    Plain,
    /// Secrets: metadata, type and the keys of `data` only.
    SecretMetadata,
}

struct OpenFile<'b> {
    namespace: Option<String>,
    scrubber: Scrubber<'b>,
    items: u64,
    used: u64,
}

/// The List files of one resource being written.
pub(crate) struct ListFiles<'b> {
    bundle: &'b Bundle,
    resource: Resource,
    transform: Transform,
    observer: Observer<'b>,
    counters: &'b Counters,
    list_kind: String,
    list_api_version: String,
    resource_version: String,
    open: Vec<OpenFile<'b>>,
    closed: HashSet<Option<String>>,
    tick: u64,
    last: Option<(String, String)>,
    resume_after: Option<(String, String)>,
    item_buf: Vec<u8>,
    out_buf: Vec<u8>,
    /// Objects written.
    pub objects: u64,
    /// Files and bytes appended to the bundle.
    pub added: Added,
    /// Items dropped because their namespace's file was already written.
    pub out_of_order: BTreeMap<String, u64>,
    /// The first failure to write (the bundle is then unusable).
    pub write_error: Option<String>,
}

impl<'b> ListFiles<'b> {
    /// Files for `resource`; `observer` sees every item before it is written.
    pub(crate) fn new(
        bundle: &'b Bundle,
        resource: &Resource,
        observer: Observer<'b>,
        counters: &'b Counters,
    ) -> Self {
        let transform = if resource.group.is_empty() && resource.plural == "secrets" {
            Transform::SecretMetadata
        } else {
            Transform::Plain
        };
        ListFiles {
            bundle,
            resource: resource.clone(),
            transform,
            observer,
            counters,
            list_kind: format!("{}List", resource.kind),
            list_api_version: resource.api_version(),
            resource_version: String::new(),
            open: Vec::new(),
            closed: HashSet::new(),
            tick: 0,
            last: None,
            resume_after: None,
            item_buf: Vec::new(),
            out_buf: Vec::new(),
            objects: 0,
            added: Added::default(),
            out_of_order: BTreeMap::new(),
            write_error: None,
        }
    }

    /// After a list had to start over (410 Expired): items up to the last one written are
    /// skipped, since a list comes back in the same order.
    pub(crate) fn resume_after_last(&mut self) {
        self.resume_after = self.last.clone();
    }

    /// Writes the items of one page.
    pub(crate) fn write_page(
        &mut self,
        body: &[u8],
        head: &PageHead,
    ) -> Result<(), PageWriteError> {
        if !head.kind.is_empty() && self.objects == 0 && self.open.is_empty() {
            self.list_kind = head.kind.clone();
        }
        if !head.api_version.is_empty() {
            self.list_api_version = head.api_version.clone();
        }
        if let Some(rv) = &head.resource_version {
            self.resource_version = rv.clone();
        }
        let mut failed: Option<io::Error> = None;
        let result = each_item(body, &mut |item| match self.item(item) {
            Ok(()) => Ok(()),
            Err(e) => {
                let message = e.to_string();
                failed = Some(e);
                Err(io::Error::other(message))
            }
        });
        match (failed, result) {
            (Some(e), _) => {
                self.write_error.get_or_insert(e.to_string());
                Err(PageWriteError::Write(e))
            }
            (None, r) => r.map_err(PageWriteError::List),
        }
    }

    fn item(&mut self, mut item: Value) -> io::Result<()> {
        let Some(obj) = item.as_object_mut() else {
            return Ok(());
        };
        let (namespace, name) = match obj.get_mut("metadata").and_then(Value::as_object_mut) {
            Some(meta) => {
                meta.remove("managedFields");
                let s = |k: &str| meta.get(k).and_then(Value::as_str).map(str::to_string);
                (s("namespace"), s("name").unwrap_or_default())
            }
            None => (None, String::new()),
        };
        if !obj.contains_key("apiVersion") {
            obj.insert(
                "apiVersion".into(),
                Value::String(self.resource.api_version()),
            );
        }
        if !obj.contains_key("kind") {
            obj.insert("kind".into(), Value::String(self.resource.kind.clone()));
        }
        let namespace = namespace.filter(|_| self.resource.namespaced);
        let key = (namespace.clone().unwrap_or_default(), name);
        if let Some(after) = &self.resume_after {
            if &key <= after {
                return Ok(());
            }
            self.resume_after = None;
        }
        self.last = Some(key);
        self.observer.observe(&item);
        if self.transform == Transform::SecretMetadata {
            item = secrets::metadata_only(&item);
        }
        let Some(index) = self.file_for(namespace.as_deref())? else {
            return Ok(());
        };
        self.item_buf.clear();
        serde_json::to_writer_pretty(&mut self.item_buf, &item).map_err(io::Error::other)?;
        self.out_buf.clear();
        let file = &mut self.open[index];
        if file.items > 0 {
            self.out_buf.push(b',');
        }
        for line in self.item_buf.split(|&b| b == b'\n') {
            self.out_buf.extend_from_slice(b"\n    ");
            self.out_buf.extend_from_slice(line);
        }
        file.items += 1;
        file.scrubber.write(&self.out_buf)?;
        self.objects += 1;
        self.counters.objects.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// The open file of `namespace`, opening it (and closing the least recently used one
    /// beyond [`MAX_OPEN`]); `None` when its file was already written.
    fn file_for(&mut self, namespace: Option<&str>) -> io::Result<Option<usize>> {
        self.tick += 1;
        if let Some(i) = self
            .open
            .iter()
            .position(|f| f.namespace.as_deref() == namespace)
        {
            self.open[i].used = self.tick;
            return Ok(Some(i));
        }
        let key = namespace.map(str::to_string);
        if self.closed.contains(&key) {
            *self
                .out_of_order
                .entry(namespace.unwrap_or("").to_string())
                .or_default() += 1;
            return Ok(None);
        }
        if self.open.len() >= MAX_OPEN {
            if let Some(oldest) = self
                .open
                .iter()
                .enumerate()
                .min_by_key(|(_, f)| f.used)
                .map(|(i, _)| i)
            {
                let file = self.open.swap_remove(oldest);
                self.close_file(file)?;
            }
        }
        let path = list_path(&self.resource, namespace);
        let mut scrubber = self.bundle.scrubber(path, u64::MAX)?;
        let quote = |v: &str| Value::String(v.to_string()).to_string();
        let text = format!(
            "{{\n  \"kind\": {},\n  \"apiVersion\": {},\n  \"metadata\": {{\n    \"resourceVersion\": {}\n  }},\n  \"items\": [",
            quote(&self.list_kind),
            quote(&self.list_api_version),
            quote(&self.resource_version),
        );
        scrubber.write(text.as_bytes())?;
        self.open.push(OpenFile {
            namespace: key,
            scrubber,
            items: 0,
            used: self.tick,
        });
        Ok(Some(self.open.len() - 1))
    }

    /// Makes sure `namespace` has a file even when it holds no object (asked-for namespaces,
    /// cluster-scoped kinds).
    pub(crate) fn ensure(&mut self, namespace: Option<&str>) -> io::Result<()> {
        self.file_for(namespace).map(|_| ())
    }

    /// Writes the file of `namespace` into the bundle, if it is open.
    pub(crate) fn close(&mut self, namespace: Option<&str>) -> io::Result<()> {
        if let Some(i) = self
            .open
            .iter()
            .position(|f| f.namespace.as_deref() == namespace)
        {
            let file = self.open.swap_remove(i);
            self.close_file(file)?;
        }
        Ok(())
    }

    /// Writes every open file into the bundle.
    pub(crate) fn close_all(&mut self) -> io::Result<()> {
        let mut open = std::mem::take(&mut self.open);
        open.sort_by(|a, b| a.namespace.cmp(&b.namespace));
        let mut first_error = None;
        for file in open {
            if let Err(e) = self.close_file(file) {
                first_error.get_or_insert(e);
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn close_file(&mut self, mut file: OpenFile<'b>) -> io::Result<()> {
        self.closed.insert(file.namespace.clone());
        let tail: &[u8] = if file.items == 0 {
            b"]\n}\n"
        } else {
            b"\n  ]\n}\n"
        };
        file.scrubber.write(tail)?;
        let member = file.scrubber.finish()?;
        let added = self.bundle.add(&[member]).inspect_err(|e| {
            self.write_error.get_or_insert(e.to_string());
        })?;
        self.added.files += added.files;
        self.added.bytes += added.bytes;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Observer;

    fn read_members(path: &std::path::Path) -> BTreeMap<String, Value> {
        use std::io::Read;
        let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(
            std::fs::File::open(path).unwrap(),
        ));
        let mut out = BTreeMap::new();
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            let name = e.path().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".json") && !name.ends_with("manifest.json") {
                let mut text = String::new();
                e.read_to_string(&mut text).unwrap();
                let v: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|err| panic!("{name}: {err}\n{text}"));
                out.insert(name.split_once('/').unwrap().1.to_string(), v);
            }
        }
        out
    }

    #[test]
    fn pages_become_one_valid_list_per_namespace() {
        use crate::archive::{BundleWriter, Format};
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("b.tar.gz");
        let w = BundleWriter::create(&target, Format::TarGz, "b", jiff::Timestamp::now()).unwrap();
        let bundle = Bundle::new(w, crate::redact::Redactor::builtin(), None);
        let counters = Counters::default();
        let secrets = Resource {
            group: String::new(),
            version: "v1".into(),
            plural: "secrets".into(),
            kind: "Secret".into(),
            namespaced: true,
        };
        let mut files = ListFiles::new(&bundle, &secrets, Observer::Nothing, &counters);
        let page1 = br#"{"kind":"SecretList","apiVersion":"v1","metadata":{"resourceVersion":"9","continue":"x"},"items":[
            {"metadata":{"namespace":"a","name":"s1","managedFields":[{"manager":"m"}]},"type":"Opaque","data":{"k":"c2VjcmV0"}},
            {"metadata":{"namespace":"b","name":"s2"},"data":{}}]}"#;
        let page2 =
            br#"{"kind":"SecretList","apiVersion":"v1","metadata":{"resourceVersion":"9"},"items":[
            {"metadata":{"namespace":"b","name":"s3"}},
            {"metadata":{"namespace":"c","name":"s4"}}]}"#;
        for page in [&page1[..], &page2[..]] {
            let head = crate::cluster::pages::page_head(page).unwrap();
            files.write_page(page, &head).unwrap();
        }
        files.ensure(Some("empty")).unwrap();
        files.close_all().unwrap();
        assert_eq!(files.objects, 4);
        assert_eq!(counters.objects.load(Ordering::Relaxed), 4);
        assert_eq!(files.added.files, 4);
        bundle.finish("now", false, Value::Null).unwrap();
        let members = read_members(&target);
        let a = &members["cluster-resources/secrets/a.json"];
        assert_eq!(a["kind"], "SecretList");
        assert_eq!(a["metadata"]["resourceVersion"], "9");
        assert_eq!(a["items"][0]["kind"], "Secret");
        assert_eq!(a["items"][0]["data"]["k"], "");
        assert!(a["items"][0]["metadata"].get("managedFields").is_none());
        let b = &members["cluster-resources/secrets/b.json"];
        assert_eq!(b["items"].as_array().unwrap().len(), 2);
        let empty = &members["cluster-resources/secrets/empty.json"];
        assert_eq!(empty["items"], serde_json::json!([]));
        assert!(!members.values().any(|v| v.to_string().contains("c2VjcmV0")));
    }

    #[test]
    fn a_namespace_that_comes_back_after_its_file_was_written_is_counted() {
        use crate::archive::{BundleWriter, Format};
        let dir = tempfile::tempdir().unwrap();
        let w = BundleWriter::create(
            &dir.path().join("b.tar.gz"),
            Format::TarGz,
            "b",
            jiff::Timestamp::now(),
        )
        .unwrap();
        let bundle = Bundle::new(w, crate::redact::Redactor::builtin(), None);
        let counters = Counters::default();
        let pods = Resource {
            group: String::new(),
            version: "v1".into(),
            plural: "pods".into(),
            kind: "Pod".into(),
            namespaced: true,
        };
        let mut files = ListFiles::new(&bundle, &pods, Observer::Nothing, &counters);
        let mut items = Vec::new();
        for i in 0..(MAX_OPEN + 1) {
            items.push(format!(
                r#"{{"metadata":{{"namespace":"ns{i:03}","name":"p"}}}}"#
            ));
        }
        // ns000 again, after MAX_OPEN newer namespaces pushed its file out.
        items.push(r#"{"metadata":{"namespace":"ns000","name":"q"}}"#.to_string());
        let page = format!(r#"{{"items":[{}]}}"#, items.join(","));
        let head = crate::cluster::pages::page_head(page.as_bytes()).unwrap();
        files.write_page(page.as_bytes(), &head).unwrap();
        files.close_all().unwrap();
        assert_eq!(files.objects, MAX_OPEN as u64 + 1);
        assert_eq!(files.out_of_order.get("ns000"), Some(&1));
    }

    #[test]
    fn paths_follow_the_layout() {
        let r = |g: &str, p: &str, ns: bool| Resource {
            group: g.into(),
            version: "v1".into(),
            plural: p.into(),
            kind: "K".into(),
            namespaced: ns,
        };
        assert_eq!(
            list_path(&r("", "pods", true), Some("x")).as_str(),
            "cluster-resources/pods/x.json"
        );
        assert_eq!(
            list_path(&r("", "nodes", false), None).as_str(),
            "cluster-resources/nodes.json"
        );
        assert_eq!(
            list_path(&r("events.k8s.io", "events", true), Some("x")).as_str(),
            "cluster-resources/custom-resources/events.events.k8s.io/x.json"
        );
        assert_eq!(
            list_path(&r("x.io", "widgets", false), Some("ignored")).as_str(),
            "cluster-resources/custom-resources/widgets.x.io.json"
        );
        assert_eq!(dir_name(&r("", "persistentvolumeclaims", true)), "pvcs");
        assert_eq!(dir_name(&r("x.io", "widgets", true)), "widgets.x.io");
    }
}
