//! Decoding Lists the way bundles really hold them: `{"kind": "PodList", "items": [...]}`,
//! a bare JSON array (some troubleshoot files), a single object (must-gather YAML), JSON or
//! YAML — into only the fields our types name.
//!
//! Members up to [`IN_MEMORY_LIMIT`] are read whole so that every object can be given the
//! line of its `name` for evidence; bigger ones are decoded from the stream without lines, so
//! memory stays bounded whatever the bundle holds.

pub mod stream;

use super::meta::ObjectMeta;
use super::serde_util::nullable;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::io::{self, Read};

/// Members larger than this are decoded as a stream, without line numbers.
pub const IN_MEMORY_LIMIT: u64 = 64 * 1024 * 1024;

/// The `items` of a List envelope.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Items<T> {
    /// The objects; `None` when the document is not a List.
    #[serde(default = "Option::default", deserialize_with = "nullable_items")]
    pub items: Option<Vec<T>>,
}

fn nullable_items<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    let v: Vec<T> = nullable(d)?;
    Ok(Some(v))
}

/// Objects with metadata, so that their line can be found.
pub trait HasMeta {
    /// The object's metadata.
    fn meta(&self) -> &ObjectMeta;
}

macro_rules! has_meta {
    ($($t:ty),*) => {$(
        impl HasMeta for $t {
            fn meta(&self) -> &ObjectMeta {
                &self.metadata
            }
        }
    )*};
}
has_meta!(
    super::pod::Pod,
    super::node::Node,
    super::event::Event,
    super::workload::WorkloadObject,
    super::manifest_pod::StaticPodManifest
);

/// An object and the 1-based line of its `name` in the member, when known.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    /// The object.
    pub object: T,
    /// Line of `"name": "<its name>"`, for evidence.
    pub line: Option<u64>,
}

/// Why a member could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Reading the member failed: the archive is damaged, not the JSON.
    #[error("read error: {0}")]
    Io(#[from] io::Error),
    /// Not valid JSON, or not the shape expected.
    #[error("not valid JSON: {0}")]
    Json(serde_json::Error),
    /// Not valid YAML, or not the shape expected.
    #[error("not valid YAML: {0}")]
    Yaml(String),
}

impl From<stream::ListError> for DecodeError {
    fn from(e: stream::ListError) -> Self {
        match e {
            stream::ListError::Io(e) => DecodeError::Io(e),
            stream::ListError::Json(e) => DecodeError::Json(e),
            other => DecodeError::Yaml(other.to_string()),
        }
    }
}

impl From<serde_json::Error> for DecodeError {
    fn from(e: serde_json::Error) -> Self {
        if e.is_io() {
            DecodeError::Io(e.into())
        } else {
            DecodeError::Json(e)
        }
    }
}

/// Decodes a List (or array, or single object) of `T` from a member's body.
pub fn decode_list<T>(
    body: &mut dyn Read,
    size: u64,
    yaml: bool,
) -> Result<Vec<Located<T>>, DecodeError>
where
    T: DeserializeOwned + HasMeta,
{
    if size > IN_MEMORY_LIMIT && !yaml {
        let mut items = Vec::new();
        stream::for_each_json(body, |object: T| {
            items.push(Located { object, line: None });
            Ok::<(), std::convert::Infallible>(())
        })?;
        return Ok(items);
    }
    let mut buf = Vec::with_capacity(size.min(IN_MEMORY_LIMIT) as usize);
    body.take(IN_MEMORY_LIMIT * 4).read_to_end(&mut buf)?;
    decode_slice(&buf, yaml)
}

/// Decodes from bytes already in memory, locating each object's line.
pub fn decode_slice<T>(buf: &[u8], yaml: bool) -> Result<Vec<Located<T>>, DecodeError>
where
    T: DeserializeOwned + HasMeta,
{
    let objects: Vec<T> = if yaml {
        decode_yaml(buf)?
    } else {
        decode_json(buf)?
    };
    let lines = locate_field(
        buf,
        "name",
        objects.iter().map(|o| o.meta().name.as_str()),
        yaml,
    );
    Ok(objects
        .into_iter()
        .zip(lines)
        .map(|(object, line)| Located { object, line })
        .collect())
}

fn first_significant_byte(buf: &[u8]) -> Option<u8> {
    buf.iter()
        .copied()
        .find(|b| !(b.is_ascii_whitespace() || *b == 0xEF || *b == 0xBB || *b == 0xBF))
}

fn decode_json<T: DeserializeOwned>(buf: &[u8]) -> Result<Vec<T>, DecodeError> {
    match first_significant_byte(buf) {
        Some(b'[') => Ok(serde_json::from_slice::<Vec<T>>(strip_bom(buf))?),
        Some(b'{') => {
            let envelope: Items<T> = serde_json::from_slice(strip_bom(buf))?;
            match envelope.items {
                Some(items) => Ok(items),
                None => Ok(vec![serde_json::from_slice::<T>(strip_bom(buf))?]),
            }
        }
        None => Ok(Vec::new()),
        Some(_) => Err(DecodeError::Json(serde::de::Error::custom(
            "expected a JSON object or array",
        ))),
    }
}

fn strip_bom(buf: &[u8]) -> &[u8] {
    buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(buf)
}

fn decode_yaml<T: DeserializeOwned>(buf: &[u8]) -> Result<Vec<T>, DecodeError> {
    let yaml_err = |e: serde_yaml_ng::Error| DecodeError::Yaml(e.to_string());
    let value: serde_yaml_ng::Value = serde_yaml_ng::from_slice(buf).map_err(yaml_err)?;
    match value {
        serde_yaml_ng::Value::Null => Ok(Vec::new()),
        serde_yaml_ng::Value::Sequence(_) => serde_yaml_ng::from_value(value).map_err(yaml_err),
        serde_yaml_ng::Value::Mapping(ref map) if map.contains_key("items") => {
            let envelope: Items<T> = serde_yaml_ng::from_value(value).map_err(yaml_err)?;
            Ok(envelope.items.unwrap_or_default())
        }
        other => Ok(vec![serde_yaml_ng::from_value(other).map_err(yaml_err)?]),
    }
}

/// For each value, in order, the 1-based line where `"<field>": "<value>"` (JSON, spaced or
/// compact) or `<field>: <value>` (YAML) occurs. Objects come in file order, so one forward
/// pass over the occurrences of the field finds them all: the cost is linear in the member
/// whatever the JSON's layout. A value not found (escaped, or absent) gets `None`, and the
/// pass resynchronises on the next few values.
pub fn locate_field<'a>(
    buf: &[u8],
    field: &str,
    values: impl Iterator<Item = &'a str>,
    yaml: bool,
) -> Vec<Option<u64>> {
    /// How many expected values a found one may skip: objects whose name was not found.
    const RESYNC: usize = 8;
    let values: Vec<&str> = values.collect();
    let mut out = vec![None; values.len()];
    let token = if yaml {
        format!("{field}:")
    } else {
        format!("\"{field}\":")
    };
    let (mut next, mut line, mut counted_to) = (0usize, 1u64, 0usize);
    for at in memchr::memmem::find_iter(buf, token.as_bytes()) {
        if next >= values.len() {
            break;
        }
        let Some(value) = value_after(buf, at + token.len(), yaml) else {
            continue;
        };
        let window = next..values.len().min(next + RESYNC);
        let Some(k) = window
            .into_iter()
            .find(|&k| !values[k].is_empty() && values[k].as_bytes() == value)
        else {
            continue;
        };
        line += memchr::memchr_iter(b'\n', &buf[counted_to..at]).count() as u64;
        counted_to = at;
        out[k] = Some(line);
        next = k + 1;
    }
    out
}

/// The scalar after a key: a JSON string's raw bytes, or a YAML plain or quoted scalar;
/// `None` for a string written with escapes (`\"`, `\\`, `''`): its bytes are not the
/// value's, and cutting it at an escaped quote could match another object's name and put
/// the objects after it out of step (found by kube/tests/list_properties.rs).
fn value_after(buf: &[u8], from: usize, yaml: bool) -> Option<&[u8]> {
    let rest = buf.get(from..)?;
    let start = rest.iter().position(|b| *b != b' ' && *b != b'\t')?;
    let rest = &rest[start..];
    if yaml {
        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let v = rest[..end].strip_suffix(b"\r").unwrap_or(&rest[..end]);
        if let Some(quoted) = v.strip_prefix(b"\"").and_then(|v| v.strip_suffix(b"\"")) {
            return (!quoted.contains(&b'\\')).then_some(quoted);
        }
        if let Some(quoted) = v.strip_prefix(b"'").and_then(|v| v.strip_suffix(b"'")) {
            return (memchr::memmem::find(quoted, b"''").is_none()).then_some(quoted);
        }
        Some(v)
    } else {
        let rest = rest.strip_prefix(b"\"")?;
        let end = memchr::memchr2(b'"', b'\\', rest)?;
        // A backslash before the closing quote: an escaped string.
        (rest[end] == b'"').then(|| &rest[..end])
    }
}

#[cfg(test)]
mod tests {
    use super::super::event::Event;
    use super::super::pod::Pod;
    use super::*;

    #[test]
    fn every_corpus_object_file_decodes() {
        let Some(corpus) = kbundle_testkit::shared("corpus/k8s-objects") else {
            return;
        };
        for entry in std::fs::read_dir(corpus).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let bytes = std::fs::read(&path).unwrap();
            let yaml = name.ends_with(".yaml");
            let decoded = if name.contains("-events-") {
                decode_slice::<Event>(&bytes, yaml).map(|v| v.len())
            } else if name.contains("-nodes-") {
                decode_slice::<super::super::node::Node>(&bytes, yaml).map(|v| v.len())
            } else {
                decode_slice::<Pod>(&bytes, yaml).map(|v| v.len())
            };
            let n = decoded.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(n > 0, "{name}: no objects");
        }
    }

    #[test]
    fn lines_point_at_each_objects_name() {
        let json = b"{\n  \"items\": [\n    {\"metadata\": {\n      \"name\": \"a\"}},\n    {\"metadata\": {\n      \"name\": \"b\"}}\n  ]\n}\n";
        let pods = decode_slice::<Pod>(json, false).unwrap();
        assert_eq!(pods[0].line, Some(4));
        assert_eq!(pods[1].line, Some(6));
    }

    #[test]
    fn lines_are_found_in_compact_json_and_yaml_in_one_pass() {
        let compact = b"{\"items\":[{\"metadata\":{\"name\":\"a\",\"ownerReferences\":[{\"name\":\"rs-1\"}]}},\n{\"metadata\":{\"name\":\"b\"}}]}";
        let pods = decode_slice::<Pod>(compact, false).unwrap();
        assert_eq!((pods[0].line, pods[1].line), (Some(1), Some(2)));
        let yaml = b"items:\n- metadata:\n    name: a\n- metadata:\n    name: \"b\"\n";
        let pods = decode_slice::<Pod>(yaml, true).unwrap();
        assert_eq!((pods[0].line, pods[1].line), (Some(3), Some(5)));
        // A name that is never found does not stop the next ones from being found.
        let lines = locate_field(
            b"\"name\": \"x\"\n\"name\": \"z\"",
            "name",
            ["y", "x", "z"].into_iter(),
            false,
        );
        assert_eq!(lines, [None, Some(1), Some(2)]);
    }

    #[test]
    fn an_escaped_name_is_not_found_and_does_not_shift_the_others() {
        // The first name, `"`, was read cut at its escaped quote as `\`, matched the third
        // name (a backslash) on line 1, and `a` on line 2 was then never looked for.
        let json = b"[{\"name\":\"\\\"\"},\n{\"name\":\"a\"},\n{\"name\":\"\\\\\"}]";
        let lines = locate_field(json, "name", ["\"", "a", "\\"].into_iter(), false);
        assert_eq!(lines, [None, Some(2), None]);
        let yaml = b"- name: \"x\\\"y\"\n- name: a\n- name: 'it''s'\n- name: 'b'\n";
        let lines = locate_field(yaml, "name", ["x\"y", "a", "it's", "b"].into_iter(), true);
        assert_eq!(lines, [None, Some(2), None, Some(4)]);
    }

    #[test]
    fn shapes_bare_array_single_object_and_streamed() {
        let arr = br#"[{"metadata": {"name": "x"}}]"#;
        assert_eq!(decode_slice::<Pod>(arr, false).unwrap().len(), 1);
        let single = br#"{"kind": "Pod", "metadata": {"name": "x"}}"#;
        assert_eq!(decode_slice::<Pod>(single, false).unwrap().len(), 1);
        let null_items = br#"{"kind": "PodList", "items": null}"#;
        assert!(decode_slice::<Pod>(null_items, false).unwrap().is_empty());
        // Past the in-memory limit the List streams, without lines.
        let big = b"  {\"items\": [{\"metadata\": {\"name\": \"x\"}}]}";
        let streamed = decode_list::<Pod>(&mut &big[..], IN_MEMORY_LIMIT + 1, false).unwrap();
        assert_eq!((streamed.len(), streamed[0].line), (1, None));
        assert!(decode_slice::<Pod>(b"garbage", false).is_err());
        assert!(decode_slice::<Pod>(b"{\"items\": [", false).is_err());
    }
}
