//! Properties of `labelSelector` and `fieldSelector` as `kbundle serve` reads them from any
//! client:
//! - any text parses to a selector or an error, never a panic, and a parsed selector
//!   matches any labels without panicking;
//! - a selector written in the API's grammar (every operator, random spacing) parses, and
//!   matches exactly the label sets a plain model of the Kubernetes semantics says it does
//!   (`!=` and `notin` hold when the label is absent; `>`/`<` need an integer label);
//! - a field selector whose values hold `,`, `=`, `!` and `\`, escaped as kubectl escapes
//!   them, matches exactly the objects whose fields are those values, and a field the
//!   resource cannot be selected by is refused.

use super::{parse_field_selector, parse_label_selector, selectable_fields, SelectorError};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use std::collections::BTreeMap;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/selectors.txt",
        ))),
        ..ProptestConfig::default()
    }
}

/// A requirement of the model.
#[derive(Debug, Clone)]
enum Req {
    Eq(String, String, &'static str),
    NotEq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
    Gt(String, i64),
    Lt(String, i64),
}

/// Few keys and values, so that selectors and labels meet often.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(&["app", "tier", "n", "k8s.io/name", "in", "notin", "a-b_c.d"][..])
            .prop_map(str::to_string),
        1 => "[a-zA-Z0-9][a-zA-Z0-9._/-]{0,30}",
    ]
}

fn label_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(&["web", "db", "5", "-3", "07", "x.y", "a_b"][..]).prop_map(str::to_string),
        1 => "[a-zA-Z0-9._-]{1,12}",
        1 => any::<i64>().prop_map(|n| n.to_string()),
    ]
}

fn req() -> impl Strategy<Value = Req> {
    prop_oneof![
        (key(), label_value(), prop::sample::select(&["=", "=="][..]))
            .prop_map(|(k, v, op)| Req::Eq(k, v, op)),
        (key(), label_value()).prop_map(|(k, v)| Req::NotEq(k, v)),
        (key(), prop::collection::vec(label_value(), 1..4)).prop_map(|(k, v)| Req::In(k, v)),
        (key(), prop::collection::vec(label_value(), 1..4)).prop_map(|(k, v)| Req::NotIn(k, v)),
        key().prop_map(Req::Exists),
        key().prop_map(Req::NotExists),
        (key(), -10i64..10).prop_map(|(k, n)| Req::Gt(k, n)),
        (key(), -10i64..10).prop_map(|(k, n)| Req::Lt(k, n)),
    ]
}

/// The requirement in the API's grammar, with `pad` spaces where the grammar allows them.
fn write(req: &Req, pad: &str) -> String {
    match req {
        Req::Eq(k, v, op) => format!("{pad}{k}{pad}{op}{pad}{v}{pad}"),
        Req::NotEq(k, v) => format!("{pad}{k}{pad}!={pad}{v}{pad}"),
        Req::In(k, vs) => format!(
            "{pad}{k} in{pad} ({pad}{}{pad}){pad}",
            vs.join(&format!("{pad},{pad}"))
        ),
        Req::NotIn(k, vs) => format!("{pad}{k} notin{pad} ({}){pad}", vs.join(",")),
        Req::Exists(k) => format!("{pad}{k}{pad}"),
        Req::NotExists(k) => format!("{pad}!{pad}{k}{pad}"),
        Req::Gt(k, n) => format!("{pad}{k}{pad}>{pad}{n}{pad}"),
        Req::Lt(k, n) => format!("{pad}{k}{pad}<{pad}{n}{pad}"),
    }
}

/// What the Kubernetes API server decides for one requirement.
fn holds(req: &Req, labels: &BTreeMap<String, String>) -> bool {
    let int = |k: &str| labels.get(k).and_then(|v| v.parse::<i64>().ok());
    match req {
        Req::Eq(k, v, _) => labels.get(k) == Some(v),
        Req::NotEq(k, v) => labels.get(k) != Some(v),
        Req::In(k, vs) => labels.get(k).is_some_and(|x| vs.contains(x)),
        Req::NotIn(k, vs) => !labels.get(k).is_some_and(|x| vs.contains(x)),
        Req::Exists(k) => labels.contains_key(k),
        Req::NotExists(k) => !labels.contains_key(k),
        Req::Gt(k, n) => int(k).is_some_and(|x| x > *n),
        Req::Lt(k, n) => int(k).is_some_and(|x| x < *n),
    }
}

/// Field values with everything the escaping must carry: separators, operators,
/// backslashes, any Unicode. No space at either end: the parser trims those.
fn field_value() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z0-9,=!\\\\ -]{0,12}", "\\PC{0,8}",].prop_map(|v| v.trim().to_string())
}

/// kubectl's escaping of a field selector value (`fields.EscapeValue`).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace(',', "\\,")
        .replace('=', "\\=")
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_is_a_selector_or_an_error(
        text in prop_oneof![
            any::<String>(),
            prop::collection::vec(prop::sample::select(&[
                "a", "=", "==", "!=", "!", ",", " in ", " notin ", "(", ")", " ", ">", "<",
                "-1", "99999999999999999999", "\\", "é", "\u{0}",
            ][..]), 0..16).prop_map(|p| p.concat()),
        ],
        labels in prop::collection::btree_map(key(), label_value(), 0..4),
        fields in prop::collection::vec(prop::option::of(field_value()), 8),
    ) {
        if let Ok(selector) = parse_label_selector(&text) {
            let _ = selector.matches(|k| labels.get(k).map(String::as_str));
        }
        if let Ok(selector) = parse_field_selector(&text, selectable_fields("", "pods")) {
            let _ = selector.matches("n", "ns", |i| {
                fields.get(usize::from(i)).and_then(|f| f.as_deref())
            });
        }
    }

    #[test]
    fn a_label_selector_matches_what_the_api_server_would(
        reqs in prop::collection::vec(req(), 0..5),
        pad in prop::sample::select(&["", " ", "  "][..]),
        label_sets in prop::collection::vec(prop::collection::btree_map(key(), label_value(), 0..5), 1..6),
    ) {
        let text: Vec<String> = reqs.iter().map(|r| write(r, pad)).collect();
        let text = text.join(",");
        let selector = parse_label_selector(&text)
            .map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        for labels in &label_sets {
            let want = reqs.iter().all(|r| holds(r, labels));
            let got = selector.matches(|k| labels.get(k).map(String::as_str));
            prop_assert_eq!(got, want, "{:?} on {:?}", text, labels);
        }
    }

    #[test]
    fn an_escaped_field_selector_matches_exactly_its_values(
        reqs in prop::collection::vec((0usize..10, any::<bool>(), field_value()), 1..4),
        objects in prop::collection::vec(prop::collection::vec(field_value(), 10), 1..5),
        equal_sign in prop::sample::select(&["=", "=="][..]),
    ) {
        // Pods: metadata.name, metadata.namespace and the eight selectable pod fields.
        let table = selectable_fields("", "pods");
        let field_name = |i: usize| match i {
            0 => "metadata.name",
            1 => "metadata.namespace",
            i => table[i - 2].selector,
        };
        let text: Vec<String> = reqs
            .iter()
            .map(|(f, negate, v)| {
                let op = if *negate { "!=" } else { equal_sign };
                format!("{}{op}{}", field_name(*f), escape(v))
            })
            .collect();
        let text = text.join(",");
        let selector = parse_field_selector(&text, table)
            .map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        // Objects that hold the wanted values, and the random ones.
        let mut objects = objects;
        let mut exact = vec![String::new(); 10];
        for (f, _, v) in &reqs {
            exact[*f] = v.clone();
        }
        objects.push(exact);
        for object in &objects {
            let want = reqs.iter().all(|(f, negate, v)| (object[*f] == *v) != *negate);
            let got = selector.matches(&object[0], &object[1], |i| {
                object.get(usize::from(i) + 2).map(String::as_str)
            });
            prop_assert_eq!(got, want, "{:?} on {:?}", text, object);
        }
    }

    #[test]
    fn a_field_the_resource_cannot_be_selected_by_is_refused(
        field in "[a-zA-Z.]{1,24}",
        value in field_value(),
    ) {
        let table = selectable_fields("", "nodes");
        prop_assume!(field != "metadata.name" && field != "metadata.namespace");
        prop_assume!(!table.iter().any(|f| f.selector == field));
        let text = format!("{field}={}", escape(&value));
        prop_assert_eq!(
            parse_field_selector(&text, table),
            Err(SelectorError::FieldNotSupported(field.clone()))
        );
    }
}
