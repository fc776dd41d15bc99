//! Server-side tables (`Accept: application/json;as=Table;g=meta.k8s.io`): the columns and cell
//! values a real API server gives, so `kubectl get` prints what it would print against the
//! cluster. Builtin kinds follow kubernetes' printers; custom resources follow their CRD's
//! `additionalPrinterColumns`; anything else gets NAME and AGE.
//!
//! A real server always fills the wide (`-o wide`) cells; kubectl hides columns of priority 1
//! unless asked. The same is done here.

pub(crate) mod age;
mod core;
mod jsonpath;
mod pods;
mod workloads;

use super::crd::PrinterColumn;
use jiff::Timestamp;
use serde_json::{json, Value};

/// One column of a builtin table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Col {
    /// Title as the API server spells it (kubectl upper-cases it).
    pub name: &'static str,
    /// `string`, `integer`, `date`, ...
    pub kind: &'static str,
    /// 0: always shown; 1: `-o wide` only.
    pub priority: i64,
}

const fn col(name: &'static str, kind: &'static str, priority: i64) -> Col {
    Col {
        name,
        kind,
        priority,
    }
}

/// How the rows of one resource are printed.
pub(crate) enum Printer {
    /// A builtin kind with its own columns.
    Builtin {
        /// The columns.
        columns: &'static [Col],
        /// Cell values of one object at the collection time.
        cells: fn(&Value, Timestamp) -> Vec<Value>,
    },
    /// A custom resource with printer columns from its CRD.
    Custom(Vec<PrinterColumn>),
}

const NAME_AGE: &[Col] = &[col("Name", "string", 0), col("Age", "string", 0)];
const NAME_CREATED: &[Col] = &[col("Name", "string", 0), col("Created At", "date", 0)];

impl Printer {
    /// The printer of a resource; `crd_columns` are the CRD's columns when it is a custom one.
    pub(crate) fn for_resource(
        group: &str,
        resource: &str,
        crd_columns: Option<&[PrinterColumn]>,
    ) -> Printer {
        if let Some((columns, cells)) = pods::printer(group, resource)
            .or_else(|| core::printer(group, resource))
            .or_else(|| workloads::printer(group, resource))
        {
            return Printer::Builtin { columns, cells };
        }
        if (group, resource) == ("apiextensions.k8s.io", "customresourcedefinitions") {
            return Printer::Builtin {
                columns: NAME_CREATED,
                cells: |o, _| vec![name(o).into(), created_at(o).into()],
            };
        }
        match crd_columns {
            Some(cols) if !cols.is_empty() => Printer::Custom(cols.to_vec()),
            _ => Printer::Builtin {
                columns: NAME_AGE,
                cells: |o, now| vec![name(o).into(), age_of(o, now).into()],
            },
        }
    }

    /// `columnDefinitions` of the Table.
    pub(crate) fn column_definitions(&self) -> Value {
        let defs: Vec<Value> = match self {
            Printer::Builtin { columns, .. } => columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    column_json(c.name, c.kind, c.priority, "", i == 0 && c.name == "Name")
                })
                .collect(),
            Printer::Custom(cols) => std::iter::once(column_json("Name", "string", 0, "", true))
                .chain(
                    cols.iter()
                        .map(|c| column_json(&c.name, &c.kind, c.priority, &c.description, false)),
                )
                .collect(),
        };
        Value::Array(defs)
    }

    /// The cells of one object.
    pub(crate) fn cells(&self, object: &Value, now: Timestamp) -> Vec<Value> {
        match self {
            Printer::Builtin { cells, .. } => cells(object, now),
            Printer::Custom(cols) => std::iter::once(Value::from(name(object)))
                .chain(cols.iter().map(|c| jsonpath::cell(object, c, now)))
                .collect(),
        }
    }
}

fn column_json(name: &str, kind: &str, priority: i64, description: &str, is_name: bool) -> Value {
    let description = if description.is_empty() && is_name {
        "Name must be unique within a namespace."
    } else {
        description
    };
    json!({
        "name": name,
        "type": kind,
        "format": if is_name { "name" } else { "" },
        "description": description,
        "priority": priority,
    })
}

/// The string at a path, or `""`.
pub(crate) fn text<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    get(v, path).and_then(Value::as_str).unwrap_or("")
}

/// The integer at a path, or 0.
pub(crate) fn int(v: &Value, path: &[&str]) -> i64 {
    get(v, path).and_then(Value::as_i64).unwrap_or(0)
}

/// The array at a path, or empty.
pub(crate) fn list<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    get(v, path)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The value at a path.
pub(crate) fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

pub(crate) fn name(o: &Value) -> &str {
    text(o, &["metadata", "name"])
}

pub(crate) fn age_of(o: &Value, now: Timestamp) -> String {
    age::since(text(o, &["metadata", "creationTimestamp"]), now)
}

fn created_at(o: &Value) -> String {
    let ts = text(o, &["metadata", "creationTimestamp"]);
    match ts.parse::<Timestamp>() {
        Ok(t) => t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => String::new(),
    }
}

/// `labels.FormatLabels`: `k=v,k2=v2` sorted by key, `<none>` when empty.
pub(crate) fn format_labels(v: Option<&Value>) -> String {
    let Some(Value::Object(map)) = v else {
        return "<none>".to_string();
    };
    let mut pairs: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{}={}", k, v.as_str().unwrap_or("")))
        .collect();
    if pairs.is_empty() {
        return "<none>".to_string();
    }
    pairs.sort();
    pairs.join(",")
}

/// A `LabelSelector` (`matchLabels` + `matchExpressions`) as `labels.Selector.String()`.
pub(crate) fn format_selector(v: Option<&Value>) -> String {
    let Some(sel) = v else {
        return "<none>".to_string();
    };
    let mut reqs: Vec<(String, String)> = Vec::new();
    if let Some(Value::Object(m)) = sel.get("matchLabels") {
        for (k, v) in m {
            reqs.push((k.clone(), format!("{}={}", k, v.as_str().unwrap_or(""))));
        }
    }
    for e in sel
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = text(e, &["key"]).to_string();
        let mut values: Vec<&str> = list(e, &["values"])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        values.sort_unstable();
        let s = match text(e, &["operator"]) {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.clone(),
            "DoesNotExist" => format!("!{key}"),
            _ => continue,
        };
        reqs.push((key, s));
    }
    reqs.sort();
    reqs.into_iter()
        .map(|(_, s)| s)
        .collect::<Vec<_>>()
        .join(",")
}

/// `layoutContainerCells`: container names and images, comma-joined.
pub(crate) fn containers_and_images(containers: &[Value]) -> (String, String) {
    let names: Vec<&str> = containers.iter().map(|c| text(c, &["name"])).collect();
    let images: Vec<&str> = containers.iter().map(|c| text(c, &["image"])).collect();
    (names.join(","), images.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_and_crd_tables() {
        let now: Timestamp = "2022-12-21T16:44:00Z".parse().unwrap();
        let obj = json!({"metadata":{"name":"x","creationTimestamp":"2022-12-21T16:00:00Z"}});
        let p = Printer::for_resource("", "limitranges", None);
        assert_eq!(p.cells(&obj, now), vec![json!("x"), json!("44m")]);
        assert_eq!(p.column_definitions()[0]["format"], "name");
        let p = Printer::for_resource("apiextensions.k8s.io", "customresourcedefinitions", None);
        assert_eq!(
            p.cells(&obj, now),
            vec![json!("x"), json!("2022-12-21T16:00:00Z")]
        );
    }

    #[test]
    fn selectors_print_like_apimachinery() {
        let sel = json!({"matchLabels":{"b":"2","a":"1"},"matchExpressions":[{"key":"c","operator":"In","values":["y","x"]}]});
        assert_eq!(format_selector(Some(&sel)), "a=1,b=2,c in (x,y)");
        assert_eq!(format_labels(Some(&json!({}))), "<none>");
        assert_eq!(format_labels(Some(&json!({"z":"1","a":"2"}))), "a=2,z=1");
    }
}
