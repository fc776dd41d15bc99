//! The few parts of an object the index keeps: identity, labels, creation time and the fields
//! that field selectors ask about. Decoding is lenient: a value of an unexpected type reads as
//! absent instead of failing the object.

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// A string, number or boolean as text; anything else (objects, arrays, null) is `None`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Scalar<'a>(pub Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Scalar<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Borrowed(if v {
                    "true"
                } else {
                    "false"
                }))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl Scalar<'_> {
    /// The text, or `""`.
    pub(crate) fn as_str(&self) -> &str {
        self.0.as_deref().unwrap_or("")
    }
}

/// The top level of an object, each member kept raw until asked for.
type Top<'a> = BTreeMap<Cow<'a, str>, &'a RawValue>;

#[derive(Deserialize, Default)]
struct MetaHead<'a> {
    #[serde(borrow, default)]
    name: Scalar<'a>,
    #[serde(borrow, default)]
    namespace: Scalar<'a>,
    #[serde(borrow, default, rename = "creationTimestamp")]
    creation_timestamp: Scalar<'a>,
    #[serde(borrow, default)]
    labels: Option<&'a RawValue>,
}

/// One field a field selector may name, and where it lives in the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldPath {
    /// The name in `fieldSelector`, e.g. `spec.nodeName`.
    pub selector: &'static str,
    /// The JSON path to it, e.g. `["spec", "nodeName"]` (`source` is `source.component`).
    pub path: &'static [&'static str],
}

/// What the index keeps of one object.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    /// `kind`, when the object carries it.
    pub kind: Option<String>,
    /// `apiVersion`, when the object carries it.
    pub api_version: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` (empty when absent).
    pub namespace: String,
    /// `metadata.labels`, string values only.
    pub labels: Vec<(String, String)>,
    /// `metadata.creationTimestamp` as written.
    pub created: String,
    /// Values of the selectable fields, by index into the `FieldPath` table given.
    pub fields: Vec<(u8, String)>,
}

/// Reads the head of an object; `None` when it is not a JSON object.
pub(crate) fn read_head(raw: &str, fields: &[FieldPath]) -> Option<Head> {
    let top: Top = serde_json::from_str(raw).ok()?;
    let mut head = Head::default();
    let text = |key: &str| -> Option<String> {
        let raw = top.get(key)?;
        serde_json::from_str::<Scalar>(raw.get())
            .ok()?
            .0
            .map(Cow::into_owned)
    };
    head.kind = text("kind");
    head.api_version = text("apiVersion");
    if let Some(meta) = top.get("metadata") {
        let meta: MetaHead = serde_json::from_str(meta.get()).unwrap_or_default();
        head.name = meta.name.as_str().to_string();
        head.namespace = meta.namespace.as_str().to_string();
        head.created = meta.creation_timestamp.as_str().to_string();
        if let Some(labels) = meta.labels {
            if let Ok(map) = serde_json::from_str::<BTreeMap<Cow<str>, Scalar>>(labels.get()) {
                head.labels = map
                    .into_iter()
                    .filter_map(|(k, v)| Some((k.into_owned(), v.0?.into_owned())))
                    .collect();
            }
        }
    }
    let mut parsed: BTreeMap<&str, BTreeMap<Cow<str>, Scalar>> = BTreeMap::new();
    for (i, field) in fields.iter().enumerate() {
        let value = match field.path {
            [one] => text(one),
            [outer, inner] => {
                if !parsed.contains_key(outer) {
                    let map = top
                        .get(*outer)
                        .and_then(|raw| serde_json::from_str(raw.get()).ok())
                        .unwrap_or_default();
                    parsed.insert(outer, map);
                }
                parsed
                    .get(outer)
                    .and_then(|m| m.get(*inner))
                    .and_then(|s| s.0.as_deref())
                    .map(str::to_string)
            }
            _ => None,
        };
        if let Some(value) = value {
            head.fields.push((i as u8, value));
        }
    }
    Some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[FieldPath] = &[
        FieldPath {
            selector: "spec.nodeName",
            path: &["spec", "nodeName"],
        },
        FieldPath {
            selector: "status.phase",
            path: &["status", "phase"],
        },
        FieldPath {
            selector: "type",
            path: &["type"],
        },
    ];

    #[test]
    fn reads_identity_labels_and_fields() {
        let raw = r#"{"kind":"Pod","metadata":{"name":"w\u0031","namespace":"d","labels":{"app":"x","n":1,"o":{}},
            "creationTimestamp":"2022-12-01T14:01:21Z"},"spec":{"nodeName":"n1","containers":[{}]},
            "status":{"phase":"Running"},"type":{"odd":true}}"#;
        let h = read_head(raw, FIELDS).unwrap();
        assert_eq!(h.kind.as_deref(), Some("Pod"));
        assert_eq!(h.api_version, None);
        assert_eq!(h.name, "w1");
        assert_eq!(h.namespace, "d");
        assert_eq!(
            h.labels,
            vec![("app".into(), "x".into()), ("n".into(), "1".into())]
        );
        assert_eq!(
            h.fields,
            vec![(0, "n1".to_string()), (1, "Running".to_string())]
        );
    }

    #[test]
    fn odd_shapes_read_as_absent() {
        assert!(read_head("[1]", FIELDS).is_none());
        let h = read_head(r#"{"metadata":"x","spec":3}"#, FIELDS).unwrap();
        assert_eq!(h.name, "");
        assert!(h.fields.is_empty());
    }
}
