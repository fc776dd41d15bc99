//! Properties of the one List decoder ([`stream`]) and of [`locate_field`], which read the
//! Lists of every bundle and every API page:
//! - a List written by serde (an envelope with kind, apiVersion, metadata and items, in any
//!   key order, compact or pretty, maybe after a byte-order mark, or a bare array) streams
//!   back item by item, the same from a reader, from a slice and, written as YAML, from the
//!   YAML decoder;
//! - on any bytes — random, or a valid List damaged — the decoders end without a panic, and
//!   the reader and the slice decoder agree: the same items handed over, the same answer;
//! - `locate_field` never panics, gives lines that exist, in file order, and finds the line
//!   of every plain name.
//!
//! Seeds of failures: `kube/proptest-regressions/list_properties.txt`. `PROPTEST_CASES`
//! raises the budget (docs/fuzzing.md).
//!
//! [`stream`]: kbundle_kube::list::stream

use kbundle_kube::list::locate_field;
use kbundle_kube::list::stream::{
    for_each_json, for_each_json_slice, for_each_yaml, ListError, ListHead, ObjectKey,
};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{json, Map, Value};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/list_properties.txt",
        ))),
        ..ProptestConfig::default()
    }
}

/// Strings as API objects hold them, hostile ones included: quotes, backslashes, control
/// characters, YAML indicators, numbers and booleans that YAML would retype, any Unicode.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z0-9][a-z0-9.-]{0,20}",
        1 => prop::sample::select(&["yes", "no", "null", "~", "1", "0x10", "1e3", "-", ": x", "#c",
            "'", "\"", "\\", "{a}", "[b]", "&a", "*a", "!t", "|", ">", "%", "@", "`"][..])
            .prop_map(str::to_string),
        2 => "\\PC{0,12}",
        1 => any::<String>(),
    ]
}

/// A JSON value of up to three levels, for the fields beside metadata.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An object with a namespace (maybe) and a name, and other fields.
fn object() -> impl Strategy<Value = (String, String, Value)> {
    (
        prop::option::of(text()),
        text(),
        prop::collection::btree_map("(spec|status|data|x[a-z]{0,4})", value(), 0..3),
    )
        .prop_map(|(namespace, name, fields)| {
            let mut meta = Map::new();
            if let Some(ns) = &namespace {
                meta.insert("namespace".into(), Value::from(ns.clone()));
            }
            meta.insert("name".into(), Value::from(name.clone()));
            let mut object: Map<String, Value> = fields.into_iter().collect();
            object.insert("metadata".into(), Value::Object(meta));
            (namespace.unwrap_or_default(), name, Value::Object(object))
        })
}

/// How the List is written.
#[derive(Debug, Clone)]
struct Shape {
    envelope: bool,
    kind: Option<String>,
    api_version: Option<String>,
    resource_version: Option<String>,
    cont: Option<String>,
    pretty: bool,
    items_first: bool,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        any::<bool>(),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(text()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(envelope, kind, api_version, resource_version, cont, pretty, items_first)| Shape {
                envelope,
                kind,
                api_version,
                resource_version,
                cont,
                pretty,
                items_first,
            },
        )
}

/// The List as JSON, the envelope written by hand so that `items` may come first or last.
fn write_json(shape: &Shape, items: &[Value]) -> Vec<u8> {
    let ser = |v: &Value| {
        if shape.pretty {
            serde_json::to_vec_pretty(v)
        } else {
            serde_json::to_vec(v)
        }
        .expect("a value serializes")
    };
    let items_text = ser(&Value::Array(items.to_vec()));
    if !shape.envelope {
        return items_text;
    }
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let field = |k: &str, v: &Value| [format!("\"{k}\":").into_bytes(), ser(v)].concat();
    if let Some(kind) = &shape.kind {
        parts.push(field("kind", &Value::from(kind.clone())));
    }
    if let Some(v) = &shape.api_version {
        parts.push(field("apiVersion", &Value::from(v.clone())));
    }
    let mut meta = Map::new();
    if let Some(rv) = &shape.resource_version {
        meta.insert("resourceVersion".into(), Value::from(rv.clone()));
    }
    if let Some(c) = &shape.cont {
        meta.insert("continue".into(), Value::from(c.clone()));
    }
    parts.push(field("metadata", &Value::Object(meta)));
    let items_part = [b"\"items\":".to_vec(), items_text].concat();
    if shape.items_first {
        parts.insert(0, items_part);
    } else {
        parts.push(items_part);
    }
    let sep: &[u8] = if shape.pretty { b",\n" } else { b"," };
    [b"{".to_vec(), parts.join(sep), b"}".to_vec()].concat()
}

fn expected_head(shape: &Shape, n: usize) -> ListHead {
    if !shape.envelope {
        return ListHead {
            items: n as u64,
            ..ListHead::default()
        };
    }
    ListHead {
        envelope: true,
        kind: shape.kind.clone().unwrap_or_default(),
        api_version: shape.api_version.clone().unwrap_or_default(),
        resource_version: shape.resource_version.clone(),
        cont: shape.cont.clone().filter(|c| !c.is_empty()),
        items: n as u64,
    }
}

type Keys = Vec<(String, String)>;

fn keys_json_reader(body: &[u8]) -> (Result<ListHead, ListError>, Keys) {
    let mut keys = Vec::new();
    let r = for_each_json(body, |k: ObjectKey| {
        keys.push((k.metadata.namespace, k.metadata.name));
        Ok::<(), String>(())
    });
    (r, keys)
}

fn keys_json_slice(body: &[u8]) -> (Result<ListHead, ListError>, Keys) {
    let mut keys = Vec::new();
    let r = for_each_json_slice(body, |k: ObjectKey| {
        keys.push((k.metadata.namespace, k.metadata.name));
        Ok::<(), String>(())
    });
    (r, keys)
}

fn keys_yaml(body: &[u8]) -> (Result<ListHead, ListError>, Keys) {
    let mut keys = Vec::new();
    let r = for_each_yaml(body, |k: ObjectKey| {
        keys.push((k.metadata.namespace, k.metadata.name));
        Ok::<(), String>(())
    });
    (r, keys)
}

/// One damage to a serialized List.
#[derive(Debug, Clone)]
enum Damage {
    Flip(Index, u8),
    Cut(Index),
    Insert(Index, &'static str),
    Delete(Index, usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<(Index, u8)>().prop_map(|(i, m)| Damage::Flip(i, m.max(1))),
        any::<Index>().prop_map(Damage::Cut),
        (
            any::<Index>(),
            prop::sample::select(
                &[
                    "{",
                    "}",
                    "[",
                    "]",
                    ",",
                    ":",
                    "\"",
                    "\\",
                    "null",
                    "\"items\":",
                    "\"metadata\":",
                    "\"name\":",
                    "1e999999",
                    "-",
                    "\u{feff}",
                    "\0",
                    "\"\\ud800\"",
                    "[[[[[[[[[[",
                ][..]
            )
        )
            .prop_map(|(i, s)| Damage::Insert(i, s)),
        (any::<Index>(), 1usize..16).prop_map(|(i, n)| Damage::Delete(i, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, d: &Damage) {
    let at = |i: &Index, len: usize| i.index(len + 1);
    match d {
        Damage::Flip(i, m) => {
            if !bytes.is_empty() {
                let p = i.index(bytes.len());
                bytes[p] ^= m;
            }
        }
        Damage::Cut(i) => bytes.truncate(at(i, bytes.len())),
        Damage::Insert(i, s) => {
            let p = at(i, bytes.len());
            bytes.splice(p..p, s.bytes());
        }
        Damage::Delete(i, n) => {
            let p = at(i, bytes.len());
            let end = (p + n).min(bytes.len());
            bytes.drain(p..end);
        }
    }
}

/// The number of lines of `buf` (a last line without `\n` counts).
fn line_count(buf: &[u8]) -> u64 {
    buf.iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

/// A name `locate_field` must find: serde writes it as it is in JSON and as a plain scalar
/// in YAML.
fn is_plain(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !matches!(
            name,
            "yes" | "no" | "null" | "true" | "false" | "on" | "off" | "y" | "n"
        )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_written_list_streams_back_from_reader_slice_and_yaml(
        shape in shape(),
        objects in prop::collection::vec(object(), 0..8),
        bom in any::<bool>(),
    ) {
        let items: Vec<Value> = objects.iter().map(|(_, _, v)| v.clone()).collect();
        let keys: Keys = objects.iter().map(|(ns, n, _)| (ns.clone(), n.clone())).collect();
        let mut body = write_json(&shape, &items);
        if bom {
            body.splice(0..0, *b"\xEF\xBB\xBF");
        }
        let head = expected_head(&shape, items.len());
        let (r, got) = keys_json_slice(&body);
        prop_assert_eq!(r.expect("the slice decoder reads it"), head.clone());
        prop_assert_eq!(&got, &keys);
        let (r, got) = keys_json_reader(&body);
        prop_assert_eq!(r.expect("the reader decoder reads it"), head.clone());
        prop_assert_eq!(&got, &keys);

        // The same List as YAML (the YAML decoder does not read `continue`: bundles' YAML
        // Lists are files, not pages).
        let value: Value = serde_json::from_slice(strip_bom(&body)).expect("valid JSON");
        let yaml = serde_yaml_ng::to_string(&value).expect("YAML");
        let (r, got) = keys_yaml(yaml.as_bytes());
        prop_assert_eq!(r.expect("the YAML decoder reads it"), ListHead { cont: None, ..head });
        prop_assert_eq!(&got, &keys);
    }

    #[test]
    fn damaged_or_random_bytes_end_in_the_same_answer_from_reader_and_slice(
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..512),
            (shape(), prop::collection::vec(object(), 0..5), prop::collection::vec(damage(), 1..4))
                .prop_map(|(shape, objects, damages)| {
                    let items: Vec<Value> = objects.into_iter().map(|(_, _, v)| v).collect();
                    let mut body = write_json(&shape, &items);
                    for d in &damages {
                        apply(&mut body, d);
                    }
                    body
                }),
        ],
    ) {
        let (slice, slice_keys) = keys_json_slice(&body);
        let (reader, reader_keys) = keys_json_reader(&body);
        prop_assert_eq!(&slice_keys, &reader_keys);
        match (&slice, &reader) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false, "slice {:?}, reader {:?}", slice, reader),
        }
        // YAML is a superset of JSON: its decoder must end too.
        let _ = keys_yaml(&body);
    }

    #[test]
    fn located_lines_exist_in_file_order_and_plain_names_are_found(
        names in prop::collection::vec(prop_oneof![3 => "[a-z][a-z0-9-]{0,12}", 1 => text()], 0..12),
        pretty in any::<bool>(),
        yaml in any::<bool>(),
    ) {
        let items: Vec<Value> = names
            .iter()
            .map(|n| json!({"metadata": {"name": n}, "spec": {"replicas": 1}}))
            .collect();
        let list = json!({"kind": "PodList", "items": items});
        let buf = if yaml {
            serde_yaml_ng::to_string(&list).expect("YAML").into_bytes()
        } else if pretty {
            serde_json::to_vec_pretty(&list).expect("JSON")
        } else {
            serde_json::to_vec(&list).expect("JSON")
        };
        let lines = locate_field(&buf, "name", names.iter().map(String::as_str), yaml);
        prop_assert_eq!(lines.len(), names.len());
        let text = String::from_utf8_lossy(&buf).into_owned();
        let text_lines: Vec<&str> = text.split('\n').collect();
        let mut previous = 0;
        for (name, line) in names.iter().zip(&lines) {
            let Some(line) = *line else {
                prop_assert!(!is_plain(name), "{:?} not found in {}", name, text);
                continue;
            };
            prop_assert!(line >= previous && line <= line_count(&buf), "line {}", line);
            previous = line;
            let at = text_lines[line as usize - 1];
            prop_assert!(at.contains("name") && at.contains(name.as_str()), "line {} of {}", line, text);
        }
    }

    #[test]
    fn locate_field_on_any_bytes_gives_existing_lines_in_order(
        buf in prop::collection::vec(prop::sample::select(&b"name:\" \n\tab'-{}[],"[..]), 0..400),
        values in prop::collection::vec("[ab]{0,2}", 0..20),
        yaml in any::<bool>(),
    ) {
        let lines = locate_field(&buf, "name", values.iter().map(String::as_str), yaml);
        prop_assert_eq!(lines.len(), values.len());
        let mut previous = 0;
        for line in lines.into_iter().flatten() {
            prop_assert!(line >= previous && line >= 1 && line <= line_count(&buf));
            previous = line;
        }
    }
}

/// Deeply nested input must end in an error, not overflow the stack (which would abort the
/// whole test process, not fail one test).
#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for open in ["[", "{\"items\":", "{\"a\":"] {
        let body = open.repeat(10_000);
        assert!(keys_json_slice(body.as_bytes()).0.is_err(), "{open:?}");
        assert!(keys_json_reader(body.as_bytes()).0.is_err(), "{open:?}");
    }
    for open in ["[", "- ", "{a: "] {
        let body = open.repeat(10_000);
        assert!(keys_yaml(body.as_bytes()).0.is_err(), "{open:?}");
    }
    // Block mappings, each level indented one more.
    let body: String = (0..1_000)
        .map(|i| format!("{}a:\n", " ".repeat(i)))
        .collect();
    assert!(keys_yaml(body.as_bytes()).0.is_err());
}
