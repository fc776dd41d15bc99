//! Streams the items of one List member (`{"items":[...]}`, a bare JSON array, or YAML) one at a
//! time, so a 500 MB pod list never sits in memory decoded: each item is handed over as raw
//! JSON text and dropped before the next is read.

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::fmt;
use std::io::Read;

/// The biggest YAML List we decode whole (YAML cannot be streamed item by item); troubleshoot
/// writes only small custom-resource Lists as YAML.
const MAX_YAML_BYTES: u64 = 64 << 20;

/// What the List itself said, beside its items.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ListHead {
    /// `metadata.resourceVersion` of the List, when present.
    pub resource_version: Option<String>,
}

/// Calls `each` for every item of the List in `body`. Items already handed over stay handed
/// over when the List turns out damaged half-way; the error says where it broke.
pub fn for_each_item(
    body: &mut dyn Read,
    yaml: bool,
    each: &mut dyn FnMut(&RawValue) -> Result<(), String>,
) -> Result<ListHead, String> {
    if yaml {
        return for_each_yaml_item(body, each);
    }
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(body));
    let head = ListSeed { each }
        .deserialize(&mut de)
        .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(head)
}

fn for_each_yaml_item(
    body: &mut dyn Read,
    each: &mut dyn FnMut(&RawValue) -> Result<(), String>,
) -> Result<ListHead, String> {
    let mut text = String::new();
    body.take(MAX_YAML_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    if text.len() as u64 > MAX_YAML_BYTES {
        return Err(format!(
            "YAML list larger than {} MiB",
            MAX_YAML_BYTES >> 20
        ));
    }
    let value: serde_json::Value = serde_yaml_ng::from_str(&text).map_err(|e| e.to_string())?;
    let (items, head) = match value {
        serde_json::Value::Array(items) => (items, ListHead::default()),
        serde_json::Value::Object(mut map) => {
            let rv = map
                .get("metadata")
                .and_then(|m| m.get("resourceVersion"))
                .and_then(|v| v.as_str())
                .map(str::to_string);
            let items = match map.remove("items") {
                Some(serde_json::Value::Array(items)) => items,
                _ => Vec::new(),
            };
            (
                items,
                ListHead {
                    resource_version: rv,
                },
            )
        }
        serde_json::Value::Null => (Vec::new(), ListHead::default()),
        _ => return Err("not a List".to_string()),
    };
    for item in items {
        let raw = serde_json::value::to_raw_value(&item).map_err(|e| e.to_string())?;
        each(&raw)?;
    }
    Ok(head)
}

struct ListSeed<'f> {
    each: &'f mut dyn FnMut(&RawValue) -> Result<(), String>,
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_> {
    type Value = ListHead;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<ListHead, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = ListHead;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a List object or an array of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ListHead, A::Error> {
        ItemsSeed { each: self.each }.visit_seq(seq)?;
        Ok(ListHead::default())
    }

    fn visit_unit<E: de::Error>(self) -> Result<ListHead, E> {
        Ok(ListHead::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ListHead, A::Error> {
        #[derive(Deserialize)]
        struct Meta {
            #[serde(default, rename = "resourceVersion")]
            resource_version: Option<String>,
        }
        let mut head = ListHead::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "items" => map.next_value_seed(ItemsSeed {
                    each: &mut *self.each,
                })?,
                "metadata" => {
                    if let Ok(meta) = map.next_value::<Meta>() {
                        head.resource_version = meta.resource_version;
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(head)
    }
}

struct ItemsSeed<'f> {
    each: &'f mut dyn FnMut(&RawValue) -> Result<(), String>,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of objects")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            (self.each)(&raw).map_err(de::Error::custom)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(text: &str, yaml: bool) -> (Result<ListHead, String>, Vec<String>) {
        let mut got = Vec::new();
        let r = for_each_item(&mut text.as_bytes(), yaml, &mut |raw| {
            got.push(raw.get().to_string());
            Ok(())
        });
        (r, got)
    }

    #[test]
    fn list_object_array_and_yaml() {
        let (r, items) = collect(
            r#"{"kind":"PodList","metadata":{"resourceVersion":"42"},"items":[{"a":1},{"b":[2]}]}"#,
            false,
        );
        assert_eq!(r.unwrap().resource_version.as_deref(), Some("42"));
        assert_eq!(items, vec![r#"{"a":1}"#, r#"{"b":[2]}"#]);
        let (r, items) = collect(r#"[{"a":1}]"#, false);
        assert!(r.is_ok());
        assert_eq!(items.len(), 1);
        let (r, items) = collect("- kind: X\n  metadata: {name: a}\n", true);
        assert!(r.is_ok());
        assert_eq!(items, vec![r#"{"kind":"X","metadata":{"name":"a"}}"#]);
        let (r, items) = collect(r#"{"items":null}"#, false);
        assert!(r.is_ok() && items.is_empty());
    }

    #[test]
    fn damaged_list_keeps_what_came_before() {
        let (r, items) = collect(r#"{"items":[{"a":1},{"b":"#, false);
        assert!(r.is_err());
        assert_eq!(items, vec![r#"{"a":1}"#]);
        let (r, _) = collect("\"text\"", false);
        assert!(r.is_err());
    }
}
