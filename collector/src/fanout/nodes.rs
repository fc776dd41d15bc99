//! Which nodes a fan-out collects (`--nodes`), and what the API says of each node: its
//! name, host name, InternalIP and operating system.
//!
//! `--nodes` takes node names (`w1,w2`) or Kubernetes label selectors (`zone in (a,b)`,
//! `node-role.kubernetes.io/worker`, `tier!=db`). The same selection is evaluated here
//! against the listed nodes (to know which nodes must answer) and written into the DaemonSet
//! as node affinity (so the scheduler agrees), so the two can never disagree.

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The nodes asked for: by name, or by label selector; empty means every Linux node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeSelection {
    names: BTreeSet<String>,
    selectors: Vec<Selector>,
}

/// One label selector, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Selector {
    text: String,
    requirements: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    op: Op,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Exists,
    DoesNotExist,
    In(Vec<String>),
    NotIn(Vec<String>),
}

/// Why a `--nodes` value is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// `--nodes ''`.
    #[error("an empty value")]
    EmptyValue,
    /// A name that no node can have.
    #[error("{0:?} is not a node name")]
    NotANodeName(String),
    /// `a=b,,c=d`.
    #[error("{0:?}: an empty requirement")]
    EmptyRequirement(String),
    /// A requirement of a selector that does not read.
    #[error("{selector:?}: {why}")]
    BadRequirement {
        /// The whole selector.
        selector: String,
        /// What is wrong with the requirement.
        why: RequirementError,
    },
}

/// What is wrong with one requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequirementError {
    /// Not a label key.
    #[error("{0:?} is not a label key")]
    Key(String),
    /// Not a label value.
    #[error("{0:?} is not a label value")]
    Value(String),
    /// `in a,b` without parentheses.
    #[error("{0:?}: values go in parentheses")]
    NoParentheses(String),
}

impl NodeSelection {
    /// Parses `--nodes` values: a value with `=`, `!`, `(`, `/` or a space is one label
    /// selector; any other is a comma-separated list of node names.
    pub fn parse(values: &[String]) -> Result<Self, SelectionError> {
        let mut selection = NodeSelection::default();
        for value in values {
            let v = value.trim();
            if v.is_empty() {
                return Err(SelectionError::EmptyValue);
            }
            if v.contains(['=', '!', '(', '/', ' ']) {
                selection.selectors.push(Selector::parse(v)?);
            } else {
                for name in v.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    if !is_dns_subdomain(name) {
                        return Err(SelectionError::NotANodeName(name.to_string()));
                    }
                    selection.names.insert(name.to_string());
                }
            }
        }
        Ok(selection)
    }

    /// No `--nodes`: every node.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.selectors.is_empty()
    }

    /// Node names given by name.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// Whether a node with this name and these labels is selected.
    pub fn matches(&self, name: &str, labels: &BTreeMap<String, String>) -> bool {
        self.is_empty()
            || self.names.contains(name)
            || self.selectors.iter().any(|s| s.matches(labels))
    }

    /// The DaemonSet's `affinity` for this selection, `None` when every node is wanted: node
    /// names as a `matchFields` term, each selector as a `matchExpressions` term (terms are
    /// ORed, like `--nodes` values).
    pub fn affinity(&self) -> Option<Value> {
        if self.is_empty() {
            return None;
        }
        let mut terms = Vec::new();
        if !self.names.is_empty() {
            terms.push(json!({"matchFields": [{
                "key": "metadata.name", "operator": "In",
                "values": self.names.iter().collect::<Vec<_>>(),
            }]}));
        }
        for s in &self.selectors {
            let exprs: Vec<Value> = s
                .requirements
                .iter()
                .map(|r| match &r.op {
                    Op::Exists => json!({"key": r.key, "operator": "Exists"}),
                    Op::DoesNotExist => json!({"key": r.key, "operator": "DoesNotExist"}),
                    Op::In(v) => json!({"key": r.key, "operator": "In", "values": v}),
                    Op::NotIn(v) => json!({"key": r.key, "operator": "NotIn", "values": v}),
                })
                .collect();
            terms.push(json!({ "matchExpressions": exprs }));
        }
        Some(
            json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": terms
            }}}),
        )
    }
}

impl Selector {
    fn parse(text: &str) -> Result<Self, SelectionError> {
        let mut requirements = Vec::new();
        for part in split_top_level(text) {
            let part = part.trim();
            if part.is_empty() {
                return Err(SelectionError::EmptyRequirement(text.to_string()));
            }
            requirements.push(Requirement::parse(part).map_err(|why| {
                SelectionError::BadRequirement {
                    selector: text.to_string(),
                    why,
                }
            })?);
        }
        Ok(Selector {
            text: text.to_string(),
            requirements,
        })
    }

    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| {
            let value = labels.get(&r.key);
            match &r.op {
                Op::Exists => value.is_some(),
                Op::DoesNotExist => value.is_none(),
                Op::In(vs) => value.is_some_and(|v| vs.contains(v)),
                Op::NotIn(vs) => value.is_none_or(|v| !vs.contains(v)),
            }
        })
    }
}

impl Requirement {
    fn parse(part: &str) -> Result<Self, RequirementError> {
        let key_ok = |k: &str| {
            let ok = !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
            if ok {
                Ok(k.to_string())
            } else {
                Err(RequirementError::Key(k.to_string()))
            }
        };
        let value_ok = |v: &str| {
            let v = v.trim();
            if v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                Ok(v.to_string())
            } else {
                Err(RequirementError::Value(v.to_string()))
            }
        };
        if let Some(key) = part.strip_prefix('!') {
            return Ok(Requirement {
                key: key_ok(key.trim())?,
                op: Op::DoesNotExist,
            });
        }
        for (sep, negate) in [("!=", true), ("==", false), ("=", false)] {
            if let Some((k, v)) = part.split_once(sep) {
                let values = vec![value_ok(v)?];
                return Ok(Requirement {
                    key: key_ok(k.trim())?,
                    op: if negate {
                        Op::NotIn(values)
                    } else {
                        Op::In(values)
                    },
                });
            }
        }
        for (word, negate) in [(" notin ", true), (" in ", false)] {
            if let Some((k, rest)) = part.split_once(word) {
                let list = rest
                    .trim()
                    .strip_prefix('(')
                    .and_then(|r| r.strip_suffix(')'))
                    .ok_or_else(|| RequirementError::NoParentheses(part.to_string()))?;
                let values = list
                    .split(',')
                    .map(value_ok)
                    .collect::<Result<Vec<_>, _>>()?;
                return Ok(Requirement {
                    key: key_ok(k.trim())?,
                    op: if negate {
                        Op::NotIn(values)
                    } else {
                        Op::In(values)
                    },
                });
            }
        }
        Ok(Requirement {
            key: key_ok(part)?,
            op: Op::Exists,
        })
    }
}

/// Splits at commas outside parentheses (`a in (x,y),b` is two requirements).
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
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

/// A node name as Kubernetes allows it (a DNS subdomain).
pub(crate) fn is_dns_subdomain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && !name.starts_with(['-', '.'])
        && !name.ends_with(['-', '.'])
}

/// A node as the API lists it: what the fan-out needs to reach and name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiNode {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// The `Hostname` address the kubelet reports.
    pub hostname: Option<String>,
    /// The first `InternalIP` address.
    pub internal_ip: Option<String>,
}

impl ApiNode {
    /// Reads one item of a NodeList; `None` without a name.
    pub(crate) fn from_item(item: &Value) -> Option<ApiNode> {
        let name = item.pointer("/metadata/name")?.as_str()?.to_string();
        let labels = item
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let address = |kind: &str| {
            item.pointer("/status/addresses")
                .and_then(Value::as_array)?
                .iter()
                .find(|a| a.get("type").and_then(Value::as_str) == Some(kind))
                .and_then(|a| a.get("address")?.as_str())
                .map(str::to_string)
        };
        Some(ApiNode {
            name,
            labels,
            hostname: address("Hostname"),
            internal_ip: address("InternalIP"),
        })
    }

    /// The node's operating system label (`linux`, `windows`), when it has one.
    pub(crate) fn os(&self) -> Option<&str> {
        self.labels
            .get("kubernetes.io/os")
            .or_else(|| self.labels.get("beta.kubernetes.io/os"))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn names_and_selectors_select_like_kubectl() {
        let s = NodeSelection::parse(&[
            "w1,w2".to_string(),
            "zone in (a,b),tier!=db".to_string(),
            "node-role.kubernetes.io/control-plane".to_string(),
        ])
        .unwrap();
        assert!(s.matches("w1", &labels(&[])));
        assert!(s.matches("x", &labels(&[("zone", "a")])));
        assert!(!s.matches("x", &labels(&[("zone", "a"), ("tier", "db")])));
        assert!(!s.matches("x", &labels(&[("zone", "c")])));
        assert!(s.matches(
            "cp",
            &labels(&[("node-role.kubernetes.io/control-plane", "")])
        ));
        assert!(NodeSelection::default().matches("any", &labels(&[])));
        let none = NodeSelection::parse(&["!gpu".to_string()]).unwrap();
        assert!(none.matches("x", &labels(&[])));
        assert!(!none.matches("x", &labels(&[("gpu", "1")])));
    }

    #[test]
    fn the_affinity_says_the_same() {
        let s = NodeSelection::parse(&["w1".to_string(), "zone notin (c)".to_string()]).unwrap();
        let a = s.affinity().unwrap();
        let terms = &a["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
            ["nodeSelectorTerms"];
        assert_eq!(terms[0]["matchFields"][0]["values"], json!(["w1"]));
        assert_eq!(
            terms[1]["matchExpressions"][0],
            json!({"key": "zone", "operator": "NotIn", "values": ["c"]})
        );
        assert!(NodeSelection::default().affinity().is_none());
    }

    #[test]
    fn bad_values_are_refused_with_their_reason() {
        for bad in ["", "W1", "zone in a,b", "a=b c", "=x", "k=(v)"] {
            assert!(NodeSelection::parse(&[bad.to_string()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_node_item_gives_name_addresses_and_os() {
        let item = json!({"metadata": {"name": "w1", "labels": {"kubernetes.io/os": "linux"}},
            "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.5"},
                                     {"type": "Hostname", "address": "w1.corp"}]}});
        let n = ApiNode::from_item(&item).unwrap();
        assert_eq!(n.internal_ip.as_deref(), Some("10.0.0.5"));
        assert_eq!(n.hostname.as_deref(), Some("w1.corp"));
        assert_eq!(n.os(), Some("linux"));
        assert!(ApiNode::from_item(&json!({})).is_none());
    }
}
