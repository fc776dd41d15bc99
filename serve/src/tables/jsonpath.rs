//! The JSONPath subset CRD printer columns use: `.a.b`, `[0]`, `[*]` and
//! `[?(@.type=="Ready")]`. A path outside it yields an empty cell, as a real server does for a
//! path that finds nothing.

use super::age;
use crate::crd::PrinterColumn;
use jiff::Timestamp;
use serde_json::Value;

#[derive(Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
    All,
    Filter(String, String),
}

fn parse(path: &str) -> Option<Vec<Step>> {
    let path = path.trim();
    let path = path
        .strip_prefix('{')
        .and_then(|p| p.strip_suffix('}'))
        .unwrap_or(path);
    let mut steps = Vec::new();
    let mut rest = path.strip_prefix('$').unwrap_or(path);
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end > 0 {
                steps.push(Step::Key(r[..end].to_string()));
            }
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = r[..end].trim();
            rest = &r[end + 1..];
            if inner == "*" {
                steps.push(Step::All);
            } else if let Ok(i) = inner.parse() {
                steps.push(Step::Index(i));
            } else if let Some(f) = inner.strip_prefix("?(@.").and_then(|f| f.strip_suffix(')')) {
                let (key, value) = f.split_once("==")?;
                let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
                steps.push(Step::Filter(key.trim().to_string(), value.to_string()));
            } else {
                let key = inner.trim_matches(|c| c == '"' || c == '\'');
                steps.push(Step::Key(key.to_string()));
            }
        } else {
            return None;
        }
    }
    Some(steps)
}

fn eval<'a>(v: &'a Value, steps: &[Step]) -> Vec<&'a Value> {
    let mut current = vec![v];
    for step in steps {
        let mut next = Vec::new();
        for v in current {
            match step {
                Step::Key(k) => next.extend(v.get(k.as_str())),
                Step::Index(i) => next.extend(v.get(*i)),
                Step::All => match v {
                    Value::Array(a) => next.extend(a.iter()),
                    Value::Object(m) => next.extend(m.values()),
                    _ => {}
                },
                Step::Filter(k, want) => {
                    if let Value::Array(a) = v {
                        next.extend(a.iter().filter(|e| {
                            e.get(k.as_str()).is_some_and(|x| match x {
                                Value::String(s) => s == want,
                                other => {
                                    *other
                                        == serde_json::from_str::<Value>(want)
                                            .unwrap_or(Value::Null)
                                }
                            })
                        }));
                    }
                }
            }
        }
        current = next;
    }
    current
}

/// The cell of one printer column for one object.
pub(crate) fn cell(object: &Value, column: &PrinterColumn, now: Timestamp) -> Value {
    let Some(steps) = parse(&column.json_path) else {
        return Value::Null;
    };
    let found = eval(object, &steps);
    let Some(first) = found.first() else {
        return Value::Null;
    };
    match (column.kind.as_str(), first) {
        ("date", Value::String(s)) => age::since(s, now).into(),
        ("integer", Value::Number(_))
        | ("number", Value::Number(_))
        | ("boolean", Value::Bool(_)) => (*first).clone(),
        (_, Value::String(s)) if found.len() == 1 => s.clone().into(),
        _ => {
            let parts: Vec<String> = found
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            parts.join(",").into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn column(kind: &str, path: &str) -> PrinterColumn {
        PrinterColumn {
            name: "X".into(),
            kind: kind.into(),
            json_path: path.into(),
            priority: 0,
            description: String::new(),
        }
    }

    #[test]
    fn paths_and_types() {
        let now: Timestamp = "2022-12-21T16:44:00Z".parse().unwrap();
        let o = json!({"spec": {"size": 3, "tags": ["a", "b"], "job": {"name": "j"}},
            "status": {"conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]},
            "metadata": {"creationTimestamp": "2022-12-21T16:40:00Z"}});
        assert_eq!(cell(&o, &column("integer", ".spec.size"), now), json!(3));
        assert_eq!(
            cell(&o, &column("string", ".spec.tags[*]"), now),
            json!("a,b")
        );
        assert_eq!(
            cell(&o, &column("string", ".spec.tags[1]"), now),
            json!("b")
        );
        assert_eq!(
            cell(&o, &column("string", ".spec.job.name"), now),
            json!("j")
        );
        assert_eq!(
            cell(
                &o,
                &column("string", ".status.conditions[?(@.type==\"Ready\")].status"),
                now
            ),
            json!("True")
        );
        assert_eq!(
            cell(&o, &column("date", ".metadata.creationTimestamp"), now),
            json!("4m")
        );
        assert_eq!(
            cell(&o, &column("string", ".spec.missing"), now),
            Value::Null
        );
        assert_eq!(cell(&o, &column("string", "spec"), now), Value::Null);
    }
}
