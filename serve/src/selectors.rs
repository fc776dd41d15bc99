//! `labelSelector` and `fieldSelector`: parsing with the API server's grammar and matching
//! against what the index keeps of each object.

use super::head::FieldPath;

/// One label requirement's operator.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LabelOp {
    Eq(String),
    NotEq(String),
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    NotExists,
    Gt(i64),
    Lt(i64),
}

/// A parsed `labelSelector`: every requirement must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LabelSelector(Vec<(String, LabelOp)>);

/// Why a selector is refused, in the API server's words (kubectl prints them as they are).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SelectorError {
    /// A label requirement that does not parse.
    #[error("unable to parse requirement: {0:?}")]
    Requirement(String),
    /// A field selector part without an operator.
    #[error("invalid selector: '{selector}'; can't understand '{part}'")]
    Invalid {
        /// The whole selector.
        selector: String,
        /// The part not understood.
        part: String,
    },
    /// A field the resource cannot be selected by.
    #[error("field label not supported: {0}")]
    FieldNotSupported(String),
}

/// Parses `app=x,tier in (a,b),!legacy,env!=prod,track notin (x),release`.
pub(crate) fn parse_label_selector(text: &str) -> Result<LabelSelector, SelectorError> {
    let mut reqs = Vec::new();
    for part in split_top_level(text) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        reqs.push(parse_label_requirement(part)?);
    }
    Ok(LabelSelector(reqs))
}

/// Splits on commas outside parentheses.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn parse_label_requirement(part: &str) -> Result<(String, LabelOp), SelectorError> {
    let bad = || SelectorError::Requirement(part.to_string());
    if let Some(key) = part.strip_prefix('!') {
        let key = key.trim();
        check_key(key).map_err(|_| bad())?;
        return Ok((key.to_string(), LabelOp::NotExists));
    }
    for (token, neg) in [(" notin ", true), (" in ", false)] {
        if let Some(at) = part.find(token) {
            let key = part[..at].trim();
            check_key(key).map_err(|_| bad())?;
            let set = part[at + token.len()..].trim();
            let inner = set
                .strip_prefix('(')
                .and_then(|s| s.strip_suffix(')'))
                .ok_or_else(bad)?;
            let values: Vec<String> = inner
                .split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            let op = if neg {
                LabelOp::NotIn(values)
            } else {
                LabelOp::In(values)
            };
            return Ok((key.to_string(), op));
        }
    }
    type MakeOp = fn(&str) -> Option<LabelOp>;
    let ops: [(&str, MakeOp); 5] = [
        ("!=", |v| Some(LabelOp::NotEq(v.to_string()))),
        ("==", |v| Some(LabelOp::Eq(v.to_string()))),
        ("=", |v| Some(LabelOp::Eq(v.to_string()))),
        (">", |v| v.parse().ok().map(LabelOp::Gt)),
        ("<", |v| v.parse().ok().map(LabelOp::Lt)),
    ];
    for (token, make) in ops {
        if let Some(at) = part.find(token) {
            let key = part[..at].trim();
            check_key(key).map_err(|_| bad())?;
            let value = part[at + token.len()..].trim();
            return Ok((key.to_string(), make(value).ok_or_else(bad)?));
        }
    }
    check_key(part).map_err(|_| bad())?;
    Ok((part.to_string(), LabelOp::Exists))
}

fn check_key(key: &str) -> Result<(), ()> {
    let ok = !key.is_empty()
        && key.len() <= 317
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if ok {
        Ok(())
    } else {
        Err(())
    }
}

impl LabelSelector {
    /// True when every requirement holds for the labels `get` looks up.
    pub(crate) fn matches<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.0.iter().all(|(key, op)| {
            let value = get(key);
            match op {
                LabelOp::Eq(v) => value == Some(v.as_str()),
                LabelOp::NotEq(v) => value != Some(v.as_str()),
                LabelOp::In(set) => value.is_some_and(|x| set.iter().any(|s| s == x)),
                LabelOp::NotIn(set) => !value.is_some_and(|x| set.iter().any(|s| s == x)),
                LabelOp::Exists => value.is_some(),
                LabelOp::NotExists => value.is_none(),
                LabelOp::Gt(n) => value
                    .and_then(|x| x.parse::<i64>().ok())
                    .is_some_and(|x| x > *n),
                LabelOp::Lt(n) => value
                    .and_then(|x| x.parse::<i64>().ok())
                    .is_some_and(|x| x < *n),
            }
        })
    }
}

/// Which field a field requirement reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldRef {
    /// `metadata.name`
    Name,
    /// `metadata.namespace`
    Namespace,
    /// An entry of the resource's [`FieldPath`] table.
    Indexed(u8),
}

/// A parsed `fieldSelector`: every requirement must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FieldSelector(Vec<(FieldRef, bool, String)>);

/// Parses `spec.nodeName=w1,status.phase!=Failed` against the fields the resource supports;
/// an unsupported field is refused like the API server does.
pub(crate) fn parse_field_selector(
    text: &str,
    fields: &[FieldPath],
) -> Result<FieldSelector, SelectorError> {
    let mut reqs = Vec::new();
    for part in split_unescaped(text, ',') {
        if part.trim().is_empty() {
            continue;
        }
        let (key, negate, value) = if let Some((k, v)) = split_once_unescaped(&part, "!=") {
            (k, true, v)
        } else if let Some((k, v)) = split_once_unescaped(&part, "==") {
            (k, false, v)
        } else if let Some((k, v)) = split_once_unescaped(&part, "=") {
            (k, false, v)
        } else {
            return Err(SelectorError::Invalid {
                selector: text.to_string(),
                part: part.to_string(),
            });
        };
        let key = key.trim();
        let field = match key {
            "metadata.name" => FieldRef::Name,
            "metadata.namespace" => FieldRef::Namespace,
            other => match fields.iter().position(|f| f.selector == other) {
                Some(i) => FieldRef::Indexed(i as u8),
                None => return Err(SelectorError::FieldNotSupported(other.to_string())),
            },
        };
        reqs.push((field, negate, unescape(value.trim())));
    }
    Ok(FieldSelector(reqs))
}

fn split_unescaped(text: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            if let Some(last) = parts.last_mut() {
                last.push('\\');
                last.push(c);
            }
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(String::new());
        } else if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    parts
}

fn split_once_unescaped<'a>(text: &'a str, op: &str) -> Option<(&'a str, &'a str)> {
    let mut search = 0;
    while let Some(at) = text[search..].find(op) {
        let at = search + at;
        let backslashes = text[..at].chars().rev().take_while(|c| *c == '\\').count();
        if backslashes % 2 == 0 {
            return Some((&text[..at], &text[at + op.len()..]));
        }
        search = at + op.len();
    }
    None
}

fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl FieldSelector {
    /// True when every requirement holds; a field the object lacks reads as `""`.
    pub(crate) fn matches<'a>(
        &self,
        name: &str,
        namespace: &str,
        field: impl Fn(u8) -> Option<&'a str>,
    ) -> bool {
        self.0.iter().all(|(which, negate, want)| {
            let got = match which {
                FieldRef::Name => name,
                FieldRef::Namespace => namespace,
                FieldRef::Indexed(i) => field(*i).unwrap_or(""),
            };
            (got == want) != *negate
        })
    }
}

const fn fp(selector: &'static str, path: &'static [&'static str]) -> FieldPath {
    FieldPath { selector, path }
}

const POD_FIELDS: &[FieldPath] = &[
    fp("spec.nodeName", &["spec", "nodeName"]),
    fp("spec.restartPolicy", &["spec", "restartPolicy"]),
    fp("spec.schedulerName", &["spec", "schedulerName"]),
    fp("spec.serviceAccountName", &["spec", "serviceAccountName"]),
    fp("spec.hostNetwork", &["spec", "hostNetwork"]),
    fp("status.phase", &["status", "phase"]),
    fp("status.podIP", &["status", "podIP"]),
    fp("status.nominatedNodeName", &["status", "nominatedNodeName"]),
];

const EVENT_FIELDS: &[FieldPath] = &[
    fp("involvedObject.kind", &["involvedObject", "kind"]),
    fp("involvedObject.namespace", &["involvedObject", "namespace"]),
    fp("involvedObject.name", &["involvedObject", "name"]),
    fp("involvedObject.uid", &["involvedObject", "uid"]),
    fp(
        "involvedObject.apiVersion",
        &["involvedObject", "apiVersion"],
    ),
    fp(
        "involvedObject.resourceVersion",
        &["involvedObject", "resourceVersion"],
    ),
    fp("involvedObject.fieldPath", &["involvedObject", "fieldPath"]),
    fp("reason", &["reason"]),
    fp("reportingComponent", &["reportingComponent"]),
    fp("source", &["source", "component"]),
    fp("type", &["type"]),
];

const NODE_FIELDS: &[FieldPath] = &[fp("spec.unschedulable", &["spec", "unschedulable"])];
const SECRET_FIELDS: &[FieldPath] = &[fp("type", &["type"])];
const NAMESPACE_FIELDS: &[FieldPath] = &[fp("status.phase", &["status", "phase"])];
const REPLICA_FIELDS: &[FieldPath] = &[fp("status.replicas", &["status", "replicas"])];
const JOB_FIELDS: &[FieldPath] = &[fp("status.successful", &["status", "succeeded"])];

/// The fields beyond `metadata.name` / `metadata.namespace` that the API server lets a field
/// selector name for a resource.
pub(crate) fn selectable_fields(group: &str, resource: &str) -> &'static [FieldPath] {
    match (group, resource) {
        ("", "pods") => POD_FIELDS,
        ("", "events") => EVENT_FIELDS,
        ("", "nodes") => NODE_FIELDS,
        ("", "secrets") => SECRET_FIELDS,
        ("", "namespaces") => NAMESPACE_FIELDS,
        ("apps", "replicasets") | ("", "replicationcontrollers") => REPLICA_FIELDS,
        ("batch", "jobs") => JOB_FIELDS,
        _ => &[],
    }
}

#[cfg(test)]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn sel_matches(sel: &str, l: &BTreeMap<String, String>) -> bool {
        parse_label_selector(sel)
            .unwrap()
            .matches(|k| l.get(k).map(String::as_str))
    }

    #[test]
    fn label_operators() {
        let l = labels(&[("app", "web"), ("tier", "front"), ("n", "5")]);
        assert!(sel_matches("app=web", &l));
        assert!(sel_matches("app==web", &l));
        assert!(!sel_matches("app!=web", &l));
        assert!(sel_matches("env!=prod", &l));
        assert!(sel_matches("tier in (front, back)", &l));
        assert!(!sel_matches("tier notin (front,back)", &l));
        assert!(sel_matches("missing notin (x)", &l));
        assert!(!sel_matches("missing in (x)", &l));
        assert!(sel_matches("app,!legacy", &l));
        assert!(!sel_matches("legacy", &l));
        assert!(sel_matches("n>4,n<6", &l));
        assert!(sel_matches("app=web,tier in (front),n", &l));
        assert!(sel_matches("", &l));
        assert!(parse_label_selector("a b=c").is_err());
        assert!(parse_label_selector("x in y").is_err());
    }

    #[test]
    fn field_selectors_like_kubectl_describe() {
        let sel = parse_field_selector(
            "involvedObject.name=web-1,involvedObject.namespace=default,involvedObject.kind=Pod",
            EVENT_FIELDS,
        )
        .unwrap();
        let fields = ["Pod", "default", "web-1"];
        assert!(sel.matches("e1", "default", |i| fields.get(i as usize).copied()));
        assert!(!sel.matches("e1", "default", |_| None));

        let sel = parse_field_selector(
            "spec.nodeName=w1,status.phase!=Succeeded,status.phase!=Failed",
            POD_FIELDS,
        )
        .unwrap();
        let pod = |i: u8| match i {
            0 => Some("w1"),
            5 => Some("Running"),
            _ => None,
        };
        assert!(sel.matches("p", "d", pod));
        let failed = |i: u8| match i {
            0 => Some("w1"),
            5 => Some("Failed"),
            _ => None,
        };
        assert!(!sel.matches("p", "d", failed));
        assert_eq!(
            parse_field_selector("spec.bogus=1", POD_FIELDS)
                .unwrap_err()
                .to_string(),
            "field label not supported: spec.bogus"
        );
        let sel = parse_field_selector("metadata.name=a\\,b", &[]).unwrap();
        assert!(sel.matches("a,b", "", |_| None));
        assert!(!sel.matches("a", "", |_| None));
        assert!(parse_field_selector("spec.nodeName", POD_FIELDS).is_err());
    }
}
