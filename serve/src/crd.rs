//! CustomResourceDefinitions found in the bundle: names and scope for discovery, and the
//! `additionalPrinterColumns` that a real server uses for custom-resource tables.

use super::index::Index;
use serde_json::Value;

/// A printer column of a CRD version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterColumn {
    /// Column title.
    pub name: String,
    /// `string`, `integer`, `number`, `boolean` or `date`.
    pub kind: String,
    /// Simple JSONPath such as `.spec.replicas` or `.status.conditions[0].status`.
    pub json_path: String,
    /// 0 for the default view, more for `-o wide`.
    pub priority: i64,
    /// Column description.
    pub description: String,
}

/// One served version of a CRD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrdVersion {
    /// e.g. `v1`.
    pub name: String,
    /// Whether the server serves it.
    pub served: bool,
    /// Its printer columns.
    pub columns: Vec<PrinterColumn>,
}

/// What the server needs of one CRD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crd {
    /// `spec.group`.
    pub group: String,
    /// `spec.names.plural`.
    pub plural: String,
    /// `spec.names.singular`.
    pub singular: String,
    /// `spec.names.kind`.
    pub kind: String,
    /// `spec.scope == Namespaced`.
    pub namespaced: bool,
    /// `spec.names.shortNames`.
    pub short_names: Vec<String>,
    /// `spec.names.categories`.
    pub categories: Vec<String>,
    /// `spec.versions` (or the v1beta1 `spec.version`).
    pub versions: Vec<CrdVersion>,
}

/// Reads every CRD the bundle holds; unreadable ones are skipped.
pub(crate) fn load_crds(index: &Index) -> Vec<Crd> {
    let Some(data) = index.resource("apiextensions.k8s.io", "customresourcedefinitions") else {
        return Vec::new();
    };
    data.entries
        .iter()
        .filter_map(|e| index.object(e).ok())
        .filter_map(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .filter_map(|v| parse_crd(&v))
        .collect()
}

fn parse_crd(v: &Value) -> Option<Crd> {
    let spec = v.get("spec")?;
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let list = |v: &Value, k: &str| -> Vec<String> {
        v.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let names = spec.get("names")?;
    let kind = s(names, "kind");
    let plural = s(names, "plural");
    if kind.is_empty() || plural.is_empty() {
        return None;
    }
    let shared_columns = columns(spec.get("additionalPrinterColumns"), "JSONPath");
    let mut versions: Vec<CrdVersion> = spec
        .get("versions")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .map(|ver| {
                    let own = columns(ver.get("additionalPrinterColumns"), "jsonPath");
                    CrdVersion {
                        name: s(ver, "name"),
                        served: ver.get("served").and_then(Value::as_bool).unwrap_or(true),
                        columns: if own.is_empty() {
                            shared_columns.clone()
                        } else {
                            own
                        },
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if versions.is_empty() {
        versions.push(CrdVersion {
            name: s(spec, "version"),
            served: true,
            columns: shared_columns,
        });
    }
    let mut singular = s(names, "singular");
    if singular.is_empty() {
        singular = kind.to_lowercase();
    }
    Some(Crd {
        group: s(spec, "group"),
        plural,
        singular,
        kind,
        namespaced: s(spec, "scope") != "Cluster",
        short_names: list(names, "shortNames"),
        categories: list(names, "categories"),
        versions,
    })
}

fn columns(v: Option<&Value>, path_key: &str) -> Vec<PrinterColumn> {
    let Some(Value::Array(cols)) = v else {
        return Vec::new();
    };
    cols.iter()
        .map(|c| PrinterColumn {
            name: c
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            kind: c
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("string")
                .to_string(),
            json_path: c
                .get(path_key)
                .or_else(|| c.get("jsonPath"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            priority: c.get("priority").and_then(Value::as_i64).unwrap_or(0),
            description: c
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_and_v1beta1_shapes() {
        let v1: Value = serde_json::from_str(
            r#"{"spec":{"group":"y.io","scope":"Cluster","names":{"plural":"widgets","kind":"Widget","shortNames":["wd"]},
            "versions":[{"name":"v1","served":true,"additionalPrinterColumns":[{"name":"Size","type":"integer","jsonPath":".spec.size"}]},
                        {"name":"v0","served":false}]}}"#,
        )
        .unwrap();
        let c = parse_crd(&v1).unwrap();
        assert!(!c.namespaced);
        assert_eq!(c.singular, "widget");
        assert_eq!(c.versions[0].columns[0].json_path, ".spec.size");
        assert!(!c.versions[1].served);
        let beta: Value = serde_json::from_str(
            r#"{"spec":{"group":"y.io","scope":"Namespaced","version":"v1beta1","names":{"plural":"gadgets","kind":"Gadget"},
            "additionalPrinterColumns":[{"name":"Age","type":"date","JSONPath":".metadata.creationTimestamp"}]}}"#,
        )
        .unwrap();
        let c = parse_crd(&beta).unwrap();
        assert_eq!(c.versions[0].name, "v1beta1");
        assert_eq!(c.versions[0].columns[0].kind, "date");
        assert!(parse_crd(&serde_json::json!({"spec":{}})).is_none());
    }
}
