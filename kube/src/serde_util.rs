//! Lenient decoding helpers: bundle JSON is untrusted and sometimes odd (nulls where lists
//! belong, malformed times), and one odd field must not cost the whole file.

use jiff::Timestamp;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// Decodes a field that may be `null` as its default value.
pub fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Decodes an RFC 3339 time; anything else (null, empty, garbage) becomes `None`.
pub fn lenient_time<'de, D>(d: D) -> Result<Option<Timestamp>, D::Error>
where
    D: Deserializer<'de>,
{
    let raw = Option::<LenientString>::deserialize(d)?;
    Ok(raw.and_then(|s| s.0.parse::<Timestamp>().ok()))
}

/// Decodes a number that may be null, a string, or out of range, as an `i64` (0 when absent).
pub fn lenient_i64<'de, D>(d: D) -> Result<i64, D::Error>
where
    D: Deserializer<'de>,
{
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = i64;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
            Ok(i64::try_from(v).unwrap_or(i64::MAX))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
            Ok(v as i64)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
            Ok(v.trim().parse().unwrap_or(0))
        }
        fn visit_unit<E: de::Error>(self) -> Result<i64, E> {
            Ok(0)
        }
        fn visit_none<E: de::Error>(self) -> Result<i64, E> {
            Ok(0)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<i64, D::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_any(V)
}

/// Like [`lenient_i64`] but keeps "absent" apart from zero.
pub fn lenient_opt_i64<'de, D>(d: D) -> Result<Option<i64>, D::Error>
where
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "lenient_i64")] i64);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

/// A string that also accepts numbers and booleans (YAML unquoted scalars), never failing
/// on a scalar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LenientString(pub String);

impl<'de> Deserialize<'de> for LenientString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LenientString;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LenientString, E> {
                Ok(LenientString(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<LenientString, E> {
                Ok(LenientString(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LenientString, E> {
                Ok(LenientString(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LenientString, E> {
                Ok(LenientString(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<LenientString, E> {
                Ok(LenientString(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<LenientString, E> {
                Ok(LenientString(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<LenientString, E> {
                Ok(LenientString::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// Decodes an optional string field leniently (numbers and booleans become text).
pub fn lenient_string<'de, D>(d: D) -> Result<String, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<LenientString>::deserialize(d)?
        .map(|s| s.0)
        .unwrap_or_default())
}

/// A map of which only a few keys matter (labels, annotations): the others are skipped
/// without being stored, so a huge `last-applied-configuration` costs nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectedMap(pub Vec<(String, String)>);

impl SelectedMap {
    /// The value of `key`, if it was kept and present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether any kept key starts with `prefix`.
    pub fn keys_with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(move |(k, _)| k.starts_with(prefix))
            .map(|(k, _)| k.as_str())
    }
}

/// Keys of labels and annotations that some rule or table reads.
fn is_selected_key(key: &str) -> bool {
    matches!(
        key,
        "component"
            | "tier"
            | "k8s-app"
            | "app"
            | "app.kubernetes.io/name"
            | "kubernetes.io/config.mirror"
            | "kubernetes.io/config.source"
            | "kubernetes.io/config.hash"
            | "deployment.kubernetes.io/revision"
            | "kubernetes.io/role"
    ) || key.starts_with("node-role.kubernetes.io/")
}

impl<'de> Deserialize<'de> for SelectedMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SelectedMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of strings")
            }
            fn visit_unit<E: de::Error>(self) -> Result<SelectedMap, E> {
                Ok(SelectedMap::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<SelectedMap, E> {
                Ok(SelectedMap::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<SelectedMap, D::Error> {
                d.deserialize_map(V)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SelectedMap, A::Error> {
                let mut kept = Vec::new();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    if is_selected_key(key.as_str()) {
                        let value: LenientString = map.next_value()?;
                        kept.push((key.as_str().to_string(), value.0));
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(SelectedMap(kept))
            }
        }
        d.deserialize_option(V)
    }
}

/// A map key, borrowed from the input when it can be: most keys are skipped, and a key
/// that is only compared need not be allocated.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "nullable")]
        list: Vec<u32>,
        #[serde(default, deserialize_with = "lenient_time")]
        time: Option<Timestamp>,
        #[serde(default, deserialize_with = "lenient_i64")]
        n: i64,
        #[serde(default)]
        labels: SelectedMap,
    }

    #[test]
    fn odd_values_do_not_fail_the_object() {
        let p: Probe = serde_json::from_str(
            r#"{"list": null, "time": "yesterday", "n": "12", "labels": {"app": "web", "huge": {"x": [1,2]}}}"#,
        )
        .unwrap();
        assert!(p.list.is_empty());
        assert!(p.time.is_none());
        assert_eq!(p.n, 12);
        assert_eq!(p.labels.get("app"), Some("web"));
        assert_eq!(p.labels.get("huge"), None);
        let p: Probe =
            serde_json::from_str(r#"{"time": "2026-11-27T10:00:00Z", "labels": null}"#).unwrap();
        assert_eq!(p.time.unwrap().to_string(), "2026-11-27T10:00:00Z");
    }
}
