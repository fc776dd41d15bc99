//! The one streaming List decoder: `{"kind": "PodList", "items": [...]}`, a bare JSON array,
//! `null`, or YAML, handed over one item at a time as whatever type the caller asks for (a
//! typed object, a `serde_json::Value`, a raw `RawValue`, only the object's key), so a 500 MB
//! List never sits in memory decoded. `kbundle serve` (raw items), the collector (its API
//! pages) and the analyzer (typed objects of big members) all read Lists through here.

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::Deserialize;
use std::fmt;
use std::io::{self, Read};
use std::marker::PhantomData;

/// The biggest YAML List decoded (YAML cannot be streamed item by item; bundles hold small
/// ones: troubleshoot's custom resources, must-gather's objects).
pub const MAX_YAML_BYTES: u64 = 64 << 20;

/// What a List said beside its items.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ListHead {
    /// Whether it was an object (`{...}`, a List envelope) rather than a bare array.
    pub envelope: bool,
    /// `kind` (`PodList`), empty when absent.
    pub kind: String,
    /// `apiVersion`, empty when absent.
    pub api_version: String,
    /// `metadata.resourceVersion`.
    pub resource_version: Option<String>,
    /// `metadata.continue`, when not empty: more pages follow.
    pub cont: Option<String>,
    /// Items handed over.
    pub items: u64,
}

/// An object's namespace and name, and nothing else of it: the cheapest item type.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
pub struct ObjectKey {
    /// Its metadata's namespace and name.
    #[serde(default)]
    pub metadata: KeyMeta,
}

/// The namespace and name of [`ObjectKey`].
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
pub struct KeyMeta {
    /// Namespace, empty for cluster-scoped objects.
    #[serde(default, deserialize_with = "crate::serde_util::lenient_string")]
    pub namespace: String,
    /// Name.
    #[serde(default, deserialize_with = "crate::serde_util::lenient_string")]
    pub name: String,
}

/// Why a List could not be read to its end. Items handed over before stay handed over.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// Reading failed: the archive or the connection, not the List.
    #[error("read error: {0}")]
    Io(#[from] io::Error),
    /// Not valid JSON, not a List, or the caller refused an item (its words).
    #[error("not a valid JSON List: {0}")]
    Json(serde_json::Error),
    /// Not valid YAML, or not a List.
    #[error("not a valid YAML List: {0}")]
    Yaml(String),
    /// A YAML List too big to decode whole.
    #[error("a YAML List larger than {} MiB", MAX_YAML_BYTES >> 20)]
    YamlTooLarge,
}

impl From<serde_json::Error> for ListError {
    fn from(e: serde_json::Error) -> Self {
        if e.is_io() {
            ListError::Io(e.into())
        } else {
            ListError::Json(e)
        }
    }
}

/// Streams the items of a JSON List from a reader (a UTF-8 byte-order mark before it is
/// skipped, as [`for_each_json_slice`] and the in-memory decoder skip it).
pub fn for_each_json<T, E, F>(mut body: impl Read, mut each: F) -> Result<ListHead, ListError>
where
    T: DeserializeOwned,
    E: fmt::Display,
    F: FnMut(T) -> Result<(), E>,
{
    let head = without_bom(&mut body)?;
    let body = io::Cursor::new(head).chain(body);
    let mut de =
        serde_json::Deserializer::from_reader(io::BufReader::with_capacity(256 << 10, body));
    let mut each = |_: &ListHead, item: T| each(item);
    let head = ListSeed::new(&mut each).deserialize(&mut de)?;
    de.end()?;
    Ok(head)
}

/// Streams the items of one JSON List from a reader that goes on after it: Lists printed one
/// after another, as `kubectl cluster-info dump` prints them with container logs between.
/// Nothing past the List's closing brace is read, so `body` should be buffered by the caller
/// (it is read a byte at a time). `each` also gets the List's head as read so far, so the
/// caller can tell a `PodList`'s items from a `NodeList`'s (`kind` comes first in what
/// kubectl prints; it is empty when `items` comes before it).
pub fn for_each_json_document<T, E, F>(body: impl Read, mut each: F) -> Result<ListHead, ListError>
where
    T: DeserializeOwned,
    E: fmt::Display,
    F: FnMut(&ListHead, T) -> Result<(), E>,
{
    let mut de = serde_json::Deserializer::from_reader(body);
    Ok(ListSeed::new(&mut each).deserialize(&mut de)?)
}

/// The first bytes of `body` (up to three, however short its reads), without a UTF-8
/// byte-order mark: the rest of the body follows them.
fn without_bom(body: &mut impl Read) -> io::Result<Vec<u8>> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let mut head = Vec::with_capacity(BOM.len());
    body.take(BOM.len() as u64).read_to_end(&mut head)?;
    if head == BOM {
        head.clear();
    }
    Ok(head)
}

/// Streams the items of a JSON List already in memory (an API page).
pub fn for_each_json_slice<T, E, F>(body: &[u8], mut each: F) -> Result<ListHead, ListError>
where
    T: DeserializeOwned,
    E: fmt::Display,
    F: FnMut(T) -> Result<(), E>,
{
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut de = serde_json::Deserializer::from_slice(body);
    let mut each = |_: &ListHead, item: T| each(item);
    let head = ListSeed::new(&mut each).deserialize(&mut de)?;
    de.end()?;
    Ok(head)
}

/// The items of a YAML List (a sequence, a `{items: [...]}` mapping, or nothing), decoded
/// whole first (at most [`MAX_YAML_BYTES`]).
pub fn for_each_yaml<T, E, F>(body: impl Read, mut each: F) -> Result<ListHead, ListError>
where
    T: DeserializeOwned,
    E: fmt::Display,
    F: FnMut(T) -> Result<(), E>,
{
    let mut text = String::new();
    body.take(MAX_YAML_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_YAML_BYTES {
        return Err(ListError::YamlTooLarge);
    }
    let yaml = |e: serde_yaml_ng::Error| ListError::Yaml(e.to_string());
    let value: serde_json::Value = serde_yaml_ng::from_str(&text).map_err(yaml)?;
    let mut head = ListHead::default();
    let items = match value {
        serde_json::Value::Null => Vec::new(),
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut map) => {
            head.envelope = true;
            let text_of =
                |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
            head.kind = text_of(map.get("kind")).unwrap_or_default();
            head.api_version = text_of(map.get("apiVersion")).unwrap_or_default();
            head.resource_version =
                text_of(map.get("metadata").and_then(|m| m.get("resourceVersion")));
            match map.remove("items") {
                Some(serde_json::Value::Array(items)) => items,
                _ => Vec::new(),
            }
        }
        _ => return Err(ListError::Yaml("not a List: a scalar".to_string())),
    };
    for item in items {
        let item: T = serde_json::from_value(item)?;
        each(item).map_err(|e| ListError::Yaml(e.to_string()))?;
        head.items += 1;
    }
    Ok(head)
}

struct ListSeed<'f, T, F> {
    each: &'f mut F,
    item: PhantomData<fn() -> T>,
}

impl<'f, T, F> ListSeed<'f, T, F> {
    fn new(each: &'f mut F) -> Self {
        ListSeed {
            each,
            item: PhantomData,
        }
    }
}

impl<'de, T, E, F> DeserializeSeed<'de> for ListSeed<'_, T, F>
where
    T: DeserializeOwned,
    E: fmt::Display,
    F: FnMut(&ListHead, T) -> Result<(), E>,
{
    type Value = ListHead;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<ListHead, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T, E, F> Visitor<'de> for ListSeed<'_, T, F>
where
    T: DeserializeOwned,
    E: fmt::Display,
    F: FnMut(&ListHead, T) -> Result<(), E>,
{
    type Value = ListHead;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a List object or an array of objects")
    }

    fn visit_unit<Er: de::Error>(self) -> Result<ListHead, Er> {
        Ok(ListHead::default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ListHead, A::Error> {
        let bare = ListHead::default();
        let items = ItemsSeed::new(self.each, &bare).visit_seq(seq)?;
        Ok(ListHead {
            items,
            ..ListHead::default()
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ListHead, A::Error> {
        #[derive(Deserialize, Default)]
        struct ListMeta {
            #[serde(default, rename = "continue")]
            cont: Option<String>,
            #[serde(default, rename = "resourceVersion")]
            resource_version: Option<String>,
        }
        let mut head = ListHead {
            envelope: true,
            ..ListHead::default()
        };
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "items" => {
                    head.items = map.next_value_seed(ItemsSeed::new(&mut *self.each, &head))?
                }
                "kind" => head.kind = map.next_value::<Option<String>>()?.unwrap_or_default(),
                "apiVersion" => {
                    head.api_version = map.next_value::<Option<String>>()?.unwrap_or_default()
                }
                "metadata" => {
                    // A List's metadata of an unexpected shape is no reason to lose its items.
                    let meta = map
                        .next_value::<Option<serde_json::Value>>()?
                        .and_then(|v| serde_json::from_value::<ListMeta>(v).ok())
                        .unwrap_or_default();
                    head.cont = meta.cont.filter(|c| !c.is_empty());
                    head.resource_version = meta.resource_version;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(head)
    }
}

struct ItemsSeed<'f, T, F> {
    each: &'f mut F,
    /// The List's head as read before its items.
    head: &'f ListHead,
    item: PhantomData<fn() -> T>,
}

impl<'f, T, F> ItemsSeed<'f, T, F> {
    fn new(each: &'f mut F, head: &'f ListHead) -> Self {
        ItemsSeed {
            each,
            head,
            item: PhantomData,
        }
    }
}

impl<'de, T, E, F> DeserializeSeed<'de> for ItemsSeed<'_, T, F>
where
    T: DeserializeOwned,
    E: fmt::Display,
    F: FnMut(&ListHead, T) -> Result<(), E>,
{
    type Value = u64;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T, E, F> Visitor<'de> for ItemsSeed<'_, T, F>
where
    T: DeserializeOwned,
    E: fmt::Display,
    F: FnMut(&ListHead, T) -> Result<(), E>,
{
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of objects")
    }

    fn visit_unit<Er: de::Error>(self) -> Result<u64, Er> {
        Ok(0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
        let mut n = 0;
        while let Some(item) = seq.next_element::<T>()? {
            (self.each)(self.head, item).map_err(de::Error::custom)?;
            n += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;

    fn raw(text: &str) -> (Result<ListHead, ListError>, Vec<String>) {
        let mut got = Vec::new();
        let r = for_each_json(text.as_bytes(), |item: Box<RawValue>| {
            got.push(item.get().to_string());
            Ok::<(), String>(())
        });
        (r, got)
    }

    #[test]
    fn list_objects_arrays_null_and_yaml() {
        let (r, items) = raw(
            r#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"42","continue":"abc"},"items":[{"a":1},{"b":[2]}]}"#,
        );
        let head = r.unwrap();
        assert_eq!(
            (
                head.kind.as_str(),
                head.resource_version.as_deref(),
                head.cont.as_deref()
            ),
            ("PodList", Some("42"), Some("abc"))
        );
        assert_eq!((head.items, head.envelope), (2, true));
        assert_eq!(items, [r#"{"a":1}"#, r#"{"b":[2]}"#]);
        let (r, items) = raw(r#"[{"a":1}]"#);
        assert!(!r.unwrap().envelope);
        assert_eq!(items.len(), 1);
        let (r, items) = raw(r#"{"items":null,"metadata":{"continue":""}}"#);
        assert_eq!(r.unwrap().cont, None);
        assert!(items.is_empty());
        assert!(raw("null").0.is_ok());
        let mut keys = Vec::new();
        let head = for_each_yaml(
            "kind: List\nitems:\n- metadata: {namespace: a, name: p}\n".as_bytes(),
            |k: ObjectKey| {
                keys.push(k.metadata);
                Ok::<(), String>(())
            },
        )
        .unwrap();
        assert_eq!((head.kind.as_str(), head.items), ("List", 1));
        assert_eq!(
            (keys[0].namespace.as_str(), keys[0].name.as_str()),
            ("a", "p")
        );
    }

    #[test]
    fn lists_one_after_another_each_with_its_kind() {
        let text = "{\n \"kind\": \"NodeList\",\n \"items\": [{\"n\": 1}]\n}\n{\"kind\": \"PodList\", \"items\": [{\"p\": 1}, {\"p\": 2}]}\n==== START logs";
        let mut body = text.as_bytes();
        let mut got = Vec::new();
        for _ in 0..2 {
            let head =
                for_each_json_document(&mut body, |head: &ListHead, v: serde_json::Value| {
                    got.push(format!("{} {v}", head.kind));
                    Ok::<(), String>(())
                })
                .unwrap();
            assert!(head.envelope);
        }
        assert_eq!(
            got,
            [
                "NodeList {\"n\":1}",
                "PodList {\"p\":1}",
                "PodList {\"p\":2}"
            ]
        );
        assert_eq!(body, b"\n==== START logs", "nothing past the List is read");
    }

    #[test]
    fn a_byte_order_mark_is_skipped_by_the_reader_too() {
        // Found by tests/list_properties.rs: the slice decoder skipped it, the reader (big
        // members) refused the List.
        let body = b"\xEF\xBB\xBF[{\"a\":1}]";
        let (r, items) = raw(std::str::from_utf8(body).unwrap());
        assert_eq!((r.unwrap().items, items.len()), (1, 1));
        // A body shorter than a mark, and one that only starts like it.
        assert!(raw("[").0.is_err());
        let mut n = 0;
        let r = for_each_json(&b"\xEF\xBB[]"[..], |_: serde_json::Value| {
            n += 1;
            Ok::<(), String>(())
        });
        assert!(r.is_err());
    }

    #[test]
    fn a_damaged_list_keeps_what_came_before_and_the_caller_may_stop_it() {
        let (r, items) = raw(r#"{"items":[{"a":1},{"b":"#);
        assert!(matches!(r, Err(ListError::Json(_))));
        assert_eq!(items, [r#"{"a":1}"#]);
        assert!(raw("\"text\"").0.is_err());
        let r = for_each_json_slice(br#"[{"a":1},{"a":2}]"#, |_: serde_json::Value| Err("full"));
        assert!(r.unwrap_err().to_string().contains("full"));
    }
}
