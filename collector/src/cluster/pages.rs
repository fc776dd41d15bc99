//! Reading a List page without keeping it decoded: its head (kind, continue token, item
//! count, first item) for the next request, then its items one at a time for the writer.

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;
use std::io;

/// The head of a page: what the next request needs, read without keeping the items.
#[derive(Debug, Default, Clone)]
pub struct PageHead {
    /// `kind` of the List (`PodList`).
    pub kind: String,
    /// `apiVersion` of the List.
    pub api_version: String,
    /// `metadata.continue`, when more pages follow.
    pub cont: Option<String>,
    /// `metadata.resourceVersion`.
    pub resource_version: Option<String>,
    /// Items on this page.
    pub items: u64,
    /// `namespace/name` of the first item (loop detection).
    pub first: Option<String>,
}

/// Checks that a page is a well-formed JSON object and reads its head.
pub fn page_head(body: &[u8]) -> Result<PageHead, String> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let head = HeadSeed
        .deserialize(&mut de)
        .and_then(|h| de.end().map(|_| h))
        .map_err(|e| format!("not a List: {e}"))?;
    Ok(head)
}

struct HeadSeed;

impl<'de> DeserializeSeed<'de> for HeadSeed {
    type Value = PageHead;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<PageHead, D::Error> {
        d.deserialize_map(HeadVisitor)
    }
}

struct HeadVisitor;

#[derive(Deserialize, Default)]
struct ListMeta {
    #[serde(default, rename = "continue")]
    cont: Option<String>,
    #[serde(default, rename = "resourceVersion")]
    resource_version: Option<String>,
}

#[derive(Deserialize, Default)]
struct ItemKey {
    #[serde(default)]
    metadata: ItemMeta,
}

#[derive(Deserialize, Default)]
struct ItemMeta {
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

impl<'de> Visitor<'de> for HeadVisitor {
    type Value = PageHead;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kubernetes List object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PageHead, A::Error> {
        let mut head = PageHead::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "kind" => head.kind = map.next_value::<Option<String>>()?.unwrap_or_default(),
                "apiVersion" => {
                    head.api_version = map.next_value::<Option<String>>()?.unwrap_or_default()
                }
                "metadata" => {
                    let meta = map.next_value::<Option<ListMeta>>()?.unwrap_or_default();
                    head.cont = meta.cont.filter(|c| !c.is_empty());
                    head.resource_version = meta.resource_version;
                }
                "items" => {
                    let (n, first) = map.next_value_seed(CountItems)?;
                    head.items = n;
                    head.first = first;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(head)
    }
}

struct CountItems;

impl<'de> DeserializeSeed<'de> for CountItems {
    type Value = (u64, Option<String>);
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CountItems {
    type Value = (u64, Option<String>);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of items")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((0, None))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let first = seq.next_element::<ItemKey>()?.map(|k| {
            format!(
                "{}/{}",
                k.metadata.namespace.unwrap_or_default(),
                k.metadata.name.unwrap_or_default()
            )
        });
        let mut n = u64::from(first.is_some());
        while seq.next_element::<IgnoredAny>()?.is_some() {
            n += 1;
        }
        Ok((n, first))
    }
}

/// Calls `f` for each item of a page, one decoded item at a time.
pub fn each_item(body: &[u8], f: &mut dyn FnMut(Value) -> io::Result<()>) -> Result<(), String> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde::Deserializer::deserialize_map(&mut de, PageItems(f))
        .map_err(|e| format!("decoding the page: {e}"))
}

struct PageItems<'f>(&'f mut dyn FnMut(Value) -> io::Result<()>);

impl<'de> Visitor<'de> for PageItems<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kubernetes List object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "items" {
                map.next_value_seed(ItemsSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct ItemsSeed<'f>(&'f mut dyn FnMut(Value) -> io::Result<()>);

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of items")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<Value>()? {
            (self.0)(item).map_err(de::Error::custom)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_count_items_and_find_the_continue_token() {
        let body = br#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"abc","remainingItemCount":3},
            "items":[{"metadata":{"namespace":"a","name":"p1"}},{"metadata":{"name":"p2"}}]}"#;
        let h = page_head(body).unwrap();
        assert_eq!(h.kind, "PodList");
        assert_eq!(h.cont.as_deref(), Some("abc"));
        assert_eq!(h.resource_version.as_deref(), Some("7"));
        assert_eq!(h.items, 2);
        assert_eq!(h.first.as_deref(), Some("a/p1"));
        let last = page_head(br#"{"metadata":{"continue":""},"items":null}"#).unwrap();
        assert_eq!((last.cont, last.items), (None, 0));
        assert!(page_head(br#"{"kind":"PodList","items":[{"#).is_err());
        assert!(page_head(b"[1]").is_err());
    }

    #[test]
    fn items_are_visited_one_by_one() {
        let body = br#"{"items":[{"a":1},{"b":2}],"kind":"X"}"#;
        let mut seen = Vec::new();
        each_item(body, &mut |v| {
            seen.push(v);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1]["b"], 2);
    }
}
