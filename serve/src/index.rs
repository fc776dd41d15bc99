//! The index of a served bundle, built in one pass over its members: for every resource, the
//! objects' identity, labels and selectable fields, plus where their JSON lies in the spill
//! file; for every container, where its logs lie. Objects are decoded again only when served.
//! [`IndexBuilder`] builds it.

use super::head::FieldPath;
use super::spill::{Span, Spill};
use jiff::Timestamp;
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::sync::Arc;

pub use super::loader::IndexBuilder;

/// An interned string: labels, namespaces and event fields repeat a lot.
pub type Sym = u32;

/// Strings of the index, each stored once.
#[derive(Default)]
pub struct Interner {
    ids: HashMap<Arc<str>, Sym>,
    strings: Vec<Arc<str>>,
}

impl Interner {
    /// The symbol of `s`, adding it when new.
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(id) = self.ids.get(s) {
            return *id;
        }
        let id = self.strings.len() as Sym;
        let arc: Arc<str> = Arc::from(s);
        self.strings.push(arc.clone());
        self.ids.insert(arc, id);
        id
    }

    /// The string of a symbol.
    pub fn get(&self, sym: Sym) -> &str {
        self.strings.get(sym as usize).map_or("", |s| s)
    }

    /// Drops the lookup table once no string will be added: queries compare text, and the
    /// table is a third of the index's memory on a big bundle.
    pub(super) fn seal(&mut self) {
        self.ids = HashMap::new();
        self.strings.shrink_to_fit();
    }
}

/// One object of the bundle.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Namespace (`""` for cluster-scoped objects).
    pub namespace: Sym,
    /// Name.
    pub name: Sym,
    /// Its JSON in the spill file, `kind` and `apiVersion` included.
    pub span: Span,
    /// Labels, sorted by key.
    pub labels: Box<[(Sym, Sym)]>,
    /// Selectable field values by index into the resource's field table.
    pub fields: Box<[(u8, Sym)]>,
}

/// Every object of one resource (group + plural), sorted by namespace then name like a real
/// API server lists them.
pub struct ResourceData {
    /// API group (`""` for core).
    pub group: String,
    /// The version the objects were collected at.
    pub version: String,
    /// Plural resource name.
    pub resource: String,
    /// Object kind (`""` while unknown).
    pub kind: String,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
    /// What field selectors may name.
    pub fields: &'static [FieldPath],
    /// The objects.
    pub entries: Vec<Entry>,
}

/// One container log file.
#[derive(Debug, Clone)]
pub struct LogFile {
    /// Container name.
    pub container: String,
    /// The instance before the last restart.
    pub previous: bool,
    /// Where the text lies.
    pub span: Span,
}

/// The loaded bundle, immutable once built and shared by every request.
pub struct Index {
    pub(super) strings: Interner,
    pub(super) resources: BTreeMap<(String, String), ResourceData>,
    pub(super) logs: HashMap<(String, String), Vec<LogFile>>,
    pub(super) spill: Spill,
    /// `GET /version` as collected (troubleshoot's `{"info":...}` wrapper removed).
    pub version: Option<serde_json::Value>,
    /// `resources.json`: an array of APIResourceList.
    pub discovery_resources: Option<serde_json::Value>,
    /// `groups.json`: an APIGroupList or an array of APIGroup.
    pub discovery_groups: Option<serde_json::Value>,
    /// When the bundle was collected: AGE columns count from here, never from now.
    pub collected_at: Timestamp,
    /// The resourceVersion served on Lists.
    pub resource_version: String,
    /// Problems met while loading (damaged Lists, odd items); the bundle still serves.
    pub warnings: Vec<String>,
    /// Changes when the bundle changes; continue tokens of another bundle are stale.
    pub epoch: u64,
}

impl Index {
    /// The objects of a resource, if the bundle holds any List of it.
    pub fn resource(&self, group: &str, resource: &str) -> Option<&ResourceData> {
        self.resources
            .get(&(group.to_string(), resource.to_string()))
    }

    /// Every resource the bundle holds Lists of.
    pub fn resources(&self) -> impl Iterator<Item = &ResourceData> {
        self.resources.values()
    }

    /// The text of a symbol.
    pub fn str(&self, sym: Sym) -> &str {
        self.strings.get(sym)
    }

    /// The JSON of one object.
    pub fn object(&self, entry: &Entry) -> io::Result<Vec<u8>> {
        self.spill.read(entry.span)
    }

    /// The bytes of a log file.
    pub fn log_text(&self, log: &LogFile) -> io::Result<Vec<u8>> {
        self.spill.read(log.span)
    }

    /// The log files of a pod.
    pub fn logs(&self, namespace: &str, pod: &str) -> &[LogFile] {
        self.logs
            .get(&(namespace.to_string(), pod.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// Looks an object up by namespace and name.
    pub fn find<'a>(
        &self,
        data: &'a ResourceData,
        namespace: &str,
        name: &str,
    ) -> Option<&'a Entry> {
        data.entries
            .binary_search_by(|e| (self.str(e.namespace), self.str(e.name)).cmp(&(namespace, name)))
            .ok()
            .and_then(|i| data.entries.get(i))
    }

    /// The label value of an entry.
    pub fn label<'a>(&'a self, entry: &Entry, key: &str) -> Option<&'a str> {
        entry
            .labels
            .iter()
            .find(|(k, _)| self.str(*k) == key)
            .map(|(_, v)| self.str(*v))
    }

    /// A selectable field's value of an entry.
    pub fn field<'a>(&'a self, entry: &Entry, index: u8) -> Option<&'a str> {
        entry
            .fields
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, v)| self.str(*v))
    }

    /// Fills the kind and version of a custom resource whose objects did not say (an empty List
    /// with a CRD beside it).
    pub fn complete_kind(&mut self, group: &str, resource: &str, kind: &str, version: &str) {
        if let Some(data) = self
            .resources
            .get_mut(&(group.to_string(), resource.to_string()))
        {
            if data.kind.is_empty() {
                data.kind = kind.to_string();
            }
            if data.version.is_empty() {
                data.version = version.to_string();
            }
        }
    }

    /// Number of objects over all resources.
    pub fn object_count(&self) -> usize {
        self.resources.values().map(|r| r.entries.len()).sum()
    }
}
