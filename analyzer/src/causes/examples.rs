//! A link's examples: two findings written in a few words, with the pods and nodes the
//! link's join reads, turned into real findings and relations so the test suite runs each
//! example through the same matcher the analysis uses.
//!
//! ```yaml
//! - cause: {category: node-not-ready, subject: Node w2, at: '07:36'}
//!   effect: {category: workload-unavailable, subject: DaemonSet kube-system/kube-proxy}
//!   pods: ['kube-system/kube-proxy-x on w2 of DaemonSet/kube-proxy']
//! ```
//!
//! A subject is `Kind [namespace/]name[/container] [on node]`, where Kind is a subject
//! kind or a workload kind (`Deployment`, `DaemonSet`, ...). `at` is RFC 3339 or
//! `HH:MM[:SS]` on 2026-11-27 UTC; `until` likewise (the last time seen). A pod is
//! `namespace/name [on node] [of Kind/name] [ready]`; a node is
//! `name [address ...]`.

use super::relations::{PodFacts, Relations};
use jiff::Timestamp;
use kbundle_format::analysis::{Category, Evidence, Finding, Severity, Subject, SubjectKind};
use serde::Deserialize;

/// One example pair.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// The finding that explains.
    pub cause: ExampleFinding,
    /// The finding explained.
    pub effect: ExampleFinding,
    /// Pods the join may look at.
    #[serde(default)]
    pub pods: Vec<String>,
    /// Nodes and their addresses.
    #[serde(default)]
    pub nodes: Vec<String>,
}

/// A finding in a few words.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleFinding {
    /// Its category.
    pub category: String,
    /// Its rule (default `example.<category>`).
    #[serde(default)]
    pub rule: Option<String>,
    /// `Kind [ns/]name[/container] [on node]`.
    pub subject: String,
    /// Default `critical`.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// First seen.
    #[serde(default)]
    pub at: Option<String>,
    /// Last seen (default: `at`).
    #[serde(default)]
    pub until: Option<String>,
    /// The message and evidence text.
    #[serde(default)]
    pub text: Option<String>,
}

impl ExampleFinding {
    /// The finding it describes, or why it cannot be read.
    pub fn finding(&self) -> Result<Finding, String> {
        let category = Category::from_name(&self.category)
            .ok_or_else(|| format!("unknown category {:?}", self.category))?;
        let subject = subject(&self.subject)?;
        let first = self.at.as_deref().map(time).transpose()?;
        let last = self
            .until
            .as_deref()
            .map(time)
            .transpose()?
            .or(first.clone());
        let text = self.text.clone().unwrap_or_default();
        Ok(Finding {
            id: String::new(),
            rule: self
                .rule
                .clone()
                .unwrap_or_else(|| format!("example.{category}")),
            category,
            severity: self.severity.unwrap_or(Severity::Critical),
            caused_by: Vec::new(),
            because: None,
            title: format!("{category} {subject}"),
            message: text.clone(),
            subject,
            count: 1,
            first_seen: first,
            last_seen: last,
            evidence: vec![Evidence {
                file: "example".into(),
                line: Some(1),
                text,
            }],
            remediation: String::new(),
            maybe_related: Vec::new(),
        })
    }
}

impl Example {
    /// The relations its pods and nodes describe.
    pub fn relations(&self) -> Result<Relations, String> {
        let mut r = Relations::default();
        for p in &self.pods {
            r.add_pod(pod(p)?);
        }
        for n in &self.nodes {
            let mut words = n.split_whitespace();
            let name = words.next().ok_or("an empty node")?;
            r.add_node(name, words.map(str::to_string).collect());
        }
        Ok(r)
    }
}

/// Reads `HH:MM[:SS]` (on 2026-11-27 UTC) or RFC 3339, as RFC 3339 UTC.
fn time(s: &str) -> Result<String, String> {
    let full = if s.len() <= 8 && s.contains(':') {
        let s = if s.len() == 5 {
            format!("{s}:00")
        } else {
            s.to_string()
        };
        format!("2026-11-27T{s}Z")
    } else {
        s.to_string()
    };
    let t: Timestamp = full.parse().map_err(|_| format!("bad time {s:?}"))?;
    Ok(crate::findings::rfc3339(t))
}

/// Reads a subject: `Kind [ns/]name[/container] [on node]`.
pub(crate) fn subject(s: &str) -> Result<Subject, String> {
    let (head, node) = match s.split_once(" on ") {
        Some((h, n)) => (h.trim(), Some(n.trim())),
        None => (s.trim(), None),
    };
    let (kind, rest) = head.split_once(' ').unwrap_or((head, ""));
    let rest = rest.trim();
    let parts: Vec<&str> = rest.split('/').collect();
    let namespaced = |needed: usize| -> Result<(), String> {
        if parts.len() == needed && parts.iter().all(|p| !p.is_empty()) {
            Ok(())
        } else {
            Err(format!(
                "subject {s:?}: expected {kind} with {needed} /-separated parts"
            ))
        }
    };
    let mut subject = match kind {
        "Cluster" => Subject::cluster(),
        "Pod" => {
            namespaced(2)?;
            Subject::pod(parts[0], parts[1])
        }
        "Container" => {
            namespaced(3)?;
            Subject::pod(parts[0], parts[1]).with_container(parts[2])
        }
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" | "ReplicaSet" => {
            namespaced(2)?;
            Subject::new(SubjectKind::Workload, parts[1])
                .in_namespace(parts[0])
                .with_workload_kind(kind)
        }
        "Namespace" | "Node" | "Interface" | "Filesystem" | "Certificate" | "Volume"
            if !rest.is_empty() =>
        {
            let k = super::catalog::kind_named(kind).ok_or("unreachable")?;
            if k == SubjectKind::Volume && parts.len() == 2 {
                Subject::new(k, parts[1]).in_namespace(parts[0])
            } else {
                Subject::new(k, rest)
            }
        }
        _ => return Err(format!("subject {s:?}: unknown kind or no name")),
    };
    if let Some(n) = node {
        subject = subject.on_node(n);
    }
    Ok(subject)
}

/// Reads a pod: `ns/name [on node] [of Kind/name] [ready]`.
fn pod(s: &str) -> Result<PodFacts, String> {
    let mut words = s.split_whitespace();
    let id = words.next().ok_or("an empty pod")?;
    let (namespace, name) = id
        .split_once('/')
        .ok_or_else(|| format!("pod {s:?}: expected namespace/name"))?;
    let mut p = PodFacts {
        namespace: namespace.into(),
        name: name.into(),
        ..PodFacts::default()
    };
    while let Some(w) = words.next() {
        let mut value = || {
            words
                .next()
                .ok_or_else(|| format!("pod {s:?}: {w} needs a value"))
        };
        match w {
            "on" => p.node = Some(value()?.to_string()),
            "of" => {
                let v = value()?;
                let (k, n) = v
                    .split_once('/')
                    .ok_or_else(|| format!("pod {s:?}: owner is Kind/name"))?;
                p.owner = Some((k.to_string(), n.to_string()));
            }
            "ready" => p.ready = true,
            _ => return Err(format!("pod {s:?}: unknown word {w:?}")),
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_read_as_written() {
        let c = subject("Container shop/postgres-1/postgres on w3").unwrap();
        assert_eq!(
            c.to_string(),
            "Pod shop/postgres-1 container postgres on w3"
        );
        let d = subject("DaemonSet kube-system/kube-proxy").unwrap();
        assert_eq!(d.to_string(), "DaemonSet kube-system/kube-proxy");
        let f = subject("Filesystem /var on w1").unwrap();
        assert_eq!((f.name.as_str(), f.node.as_deref()), ("/var", Some("w1")));
        assert!(subject("Pod nonamespace").is_err());
        assert!(subject("Gizmo x").is_err());
    }

    #[test]
    fn times_take_the_fixture_day() {
        assert_eq!(time("07:31").unwrap(), "2026-11-27T07:31:00Z");
        assert_eq!(
            time("2026-11-25T08:14:00Z").unwrap(),
            "2026-11-25T08:14:00Z"
        );
        assert!(time("7h").is_err());
    }
}
