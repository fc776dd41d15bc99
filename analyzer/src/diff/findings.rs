//! Findings matched across two analyses: the same rule about the same thing is one problem
//! that persists, even when the pod it was about has been replaced by one with a new name.

use crate::facts::Facts;
use kbundle_format::analysis::{Finding, Subject, SubjectKind};
use kbundle_format::diff::{FindingChanges, Persisting};
use std::collections::{HashMap, HashSet};

/// What a finding is about, in terms that survive a pod's replacement: pods by the workload
/// that owns them (with the node for DaemonSet pods, the name for StatefulSet pods, whose
/// names are stable), everything else by its subject.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Identity {
    rule: String,
    kind: SubjectKind,
    namespace: Option<String>,
    name: String,
    container: Option<String>,
    node: Option<String>,
}

/// Owners of the pods one side knows, `(namespace, pod)` → `kind/name`.
pub(crate) struct Owners(HashMap<(String, String), (String, String)>);

impl Owners {
    /// The owners of the pods the facts keep as objects (those a rule may report).
    pub(crate) fn of(facts: &Facts) -> Self {
        Owners(
            facts
                .pods_that_may_matter
                .iter()
                .filter_map(|p| {
                    let m = &p.object.metadata;
                    let owner = facts.owner_of(&p.object)?;
                    Some(((m.namespace.clone(), m.name.clone()), owner))
                })
                .collect(),
        )
    }

    /// The identity of a finding on this side.
    pub(crate) fn identity(&self, f: &Finding) -> Identity {
        let s = &f.subject;
        let pod_like = matches!(s.kind, SubjectKind::Pod | SubjectKind::Container);
        let (name, node) = if pod_like {
            self.pod_identity(s)
        } else {
            (s.name.clone(), s.node.clone())
        };
        Identity {
            rule: f.rule.clone(),
            kind: s.kind,
            namespace: s.namespace.clone(),
            name,
            container: s.container.clone(),
            node,
        }
    }

    /// The name a pod is known by across the two sides (its workload, or its own name).
    pub(crate) fn pod_name(&self, s: &Subject) -> String {
        self.pod_identity(s).0
    }

    fn pod_identity(&self, s: &Subject) -> (String, Option<String>) {
        let ns = s.namespace.clone().unwrap_or_default();
        match self.0.get(&(ns, s.name.clone())) {
            Some((kind, _)) if kind == "StatefulSet" => (s.name.clone(), None),
            Some((kind, name)) if kind == "DaemonSet" => (format!("{kind}/{name}"), s.node.clone()),
            Some((kind, name)) if kind == "Job" => {
                (format!("Job/{}", strip_cron_suffix(name)), None)
            }
            Some((kind, name)) => (format!("{kind}/{name}"), None),
            // Not kept as an object (a mirror pod has no owner, a healthy pod no object):
            // its generated suffixes are dropped, so `web-7c9d8f6b5-tm7vd` and
            // `web-6f8b7d9c4-x2k9p` are both `web`.
            None => (generated_base(&s.name), None),
        }
    }
}

/// `backup-29929500` (a CronJob's Job) → `backup`.
fn strip_cron_suffix(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((base, n)) if n.len() >= 8 && n.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => name,
    }
}

/// A pod name without the suffixes controllers generate: a 5-character random suffix,
/// then a ReplicaSet's template hash or a CronJob's schedule number.
fn generated_base(name: &str) -> String {
    let random = |s: &str| {
        s.len() == 5
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    let hash = |s: &str| {
        (6..=10).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && s.bytes().any(|b| b.is_ascii_digit())
    };
    let mut base = name;
    if let Some((b, tail)) = base.rsplit_once('-') {
        if random(tail) {
            base = b;
            if let Some((b2, tail2)) = base.rsplit_once('-') {
                if hash(tail2) || (tail2.len() >= 8 && tail2.bytes().all(|c| c.is_ascii_digit())) {
                    base = b2;
                }
            }
        }
    }
    base.to_string()
}

/// Matches the findings of the two sides.
pub(crate) fn compare(
    old: &[Finding],
    old_owners: &Owners,
    new: &[Finding],
    new_owners: &Owners,
) -> FindingChanges {
    let mut old_by_identity: HashMap<Identity, &Finding> = HashMap::new();
    for f in old {
        old_by_identity.entry(old_owners.identity(f)).or_insert(f);
    }
    let mut matched: HashSet<Identity> = HashSet::new();
    let mut changes = FindingChanges::default();
    // The new findings keep the analysis's order: root causes first.
    for f in new {
        let identity = new_owners.identity(f);
        match old_by_identity.get(&identity) {
            Some(before) if matched.insert(identity.clone()) => {
                changes.persisting.push(Persisting {
                    finding: f.clone(),
                    old_severity: before.severity,
                    old_count: before.count,
                })
            }
            Some(_) => {}
            None => changes.new.push(f.clone()),
        }
    }
    for f in old {
        if !matched.contains(&old_owners.identity(f)) {
            changes.resolved.push(f.clone());
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_suffixes_go_and_chosen_names_stay() {
        assert_eq!(generated_base("web-7c9d8f6b5-tm7vd"), "web");
        assert_eq!(generated_base("coredns-76f75df574-x8dqz"), "coredns");
        assert_eq!(
            generated_base("sitemap-refresh-29929500-7469c"),
            "sitemap-refresh"
        );
        assert_eq!(generated_base("calico-node-g2m7r"), "calico-node");
        // Names a person chose are kept whole.
        assert_eq!(generated_base("postgres-1"), "postgres-1");
        assert_eq!(generated_base("etcd-cp1"), "etcd-cp1");
        assert_eq!(
            generated_base("kube-apiserver-master"),
            "kube-apiserver-master"
        );
        assert_eq!(strip_cron_suffix("backup-29929500"), "backup");
        assert_eq!(strip_cron_suffix("backup-7"), "backup-7");
    }
}
