//! The facts a link's join reads: which node a pod runs on, which workload owns it, which
//! workloads have a pod that is not ready on a node, a node's addresses. Taken from the
//! bundle's objects once, so every link is decided from the same picture.

use crate::facts::Facts;
use kbundle_format::analysis::{Finding, SubjectKind};
use std::collections::{BTreeSet, HashMap};

/// A workload as `(kind, namespace, name)`.
pub(crate) type WorkloadKey = (String, String, String);

/// What the joins need to know about one pod.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodFacts {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// The node it was scheduled to.
    pub node: Option<String>,
    /// The owning workload's kind and name (a ReplicaSet followed to its Deployment).
    pub owner: Option<(String, String)>,
    /// All its containers are ready.
    pub ready: bool,
}

/// Pods, owners and node addresses, indexed for the joins.
#[derive(Debug, Clone, Default)]
pub struct Relations {
    pods: HashMap<(String, String), PodFacts>,
    unready_by_node: HashMap<String, BTreeSet<WorkloadKey>>,
    addresses: HashMap<String, Vec<String>>,
}

impl Relations {
    /// The relations of an analysis's facts. Only pods a rule may care about are kept as
    /// objects ([`Facts::pods`]), which includes every pod that is not ready.
    pub fn of(facts: &Facts) -> Self {
        let mut r = Relations::default();
        for p in &facts.pods_that_may_matter {
            let o = &p.object;
            r.add_pod(PodFacts {
                namespace: o.metadata.namespace.clone(),
                name: o.metadata.name.clone(),
                node: Some(o.spec.node_name.clone()).filter(|n| !n.is_empty()),
                owner: facts.owner_of(o),
                ready: o.is_ready(),
            });
        }
        for n in &facts.nodes {
            let addresses = n
                .object
                .status
                .addresses
                .iter()
                .map(|a| a.address.clone())
                .filter(|a| !a.is_empty())
                .collect();
            r.add_node(&n.object.metadata.name, addresses);
        }
        r
    }

    /// Adds a pod.
    pub fn add_pod(&mut self, p: PodFacts) {
        if let (Some(node), Some((kind, name)), false) = (&p.node, &p.owner, p.ready) {
            self.unready_by_node
                .entry(node.clone())
                .or_default()
                .insert((kind.clone(), p.namespace.clone(), name.clone()));
        }
        self.pods.insert((p.namespace.clone(), p.name.clone()), p);
    }

    /// Adds a node's addresses.
    pub fn add_node(&mut self, name: &str, addresses: Vec<String>) {
        self.addresses
            .entry(name.to_string())
            .or_default()
            .extend(addresses);
    }

    fn pod(&self, f: &Finding) -> Option<&PodFacts> {
        let (ns, name) = f.subject.pod_identity()?;
        self.pods.get(&(ns.to_string(), name.to_string()))
    }

    /// The node a finding is about: the node itself, its subject's node, or the node its pod
    /// was scheduled to.
    pub fn node_of<'a>(&'a self, f: &'a Finding) -> Option<&'a str> {
        let s = &f.subject;
        if s.kind == SubjectKind::Node {
            return Some(&s.name);
        }
        if let Some(n) = &s.node {
            return Some(n);
        }
        self.pod(f)?.node.as_deref()
    }

    /// The workload that owns the pod a finding is about.
    pub fn owner_of(&self, f: &Finding) -> Option<WorkloadKey> {
        let p = self.pod(f)?;
        let (kind, name) = p.owner.clone()?;
        Some((kind, p.namespace.clone(), name))
    }

    /// The workload a workload finding is about.
    pub fn workload(f: &Finding) -> Option<WorkloadKey> {
        let s = &f.subject;
        (s.kind == SubjectKind::Workload).then(|| {
            (
                s.workload_kind.clone().unwrap_or_default(),
                s.namespace.clone().unwrap_or_default(),
                s.name.clone(),
            )
        })
    }

    /// Workloads with a pod on `node` that is not ready.
    pub fn unready_workloads_on(&self, node: &str) -> impl Iterator<Item = &WorkloadKey> {
        self.unready_by_node.get(node).into_iter().flatten()
    }

    /// The words by which another finding's text may name this finding's subject: a node's
    /// name and addresses, a pod's name, a workload's `name.namespace` (its service's DNS
    /// name), a certificate's path.
    pub fn names_of(&self, f: &Finding) -> Vec<String> {
        let s = &f.subject;
        match s.kind {
            SubjectKind::Node => {
                let mut names = vec![s.name.clone()];
                names.extend(self.addresses.get(&s.name).into_iter().flatten().cloned());
                names
            }
            SubjectKind::Workload => match &s.namespace {
                Some(ns) => vec![format!("{}.{ns}", s.name)],
                None => vec![s.name.clone()],
            },
            SubjectKind::Cluster => Vec::new(),
            _ => vec![s.name.clone()],
        }
    }
}

/// Whether `text` holds `name` as a whole word: not inside a longer name or address
/// (`w1` is not in `w10`, `10.0.0.2` not in `10.0.0.22`).
pub(crate) fn names(text: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

#[cfg(test)]
mod tests {
    use super::names;

    #[test]
    fn names_are_whole_words() {
        assert!(names("BGP not established with 10.0.0.22", "10.0.0.22"));
        assert!(!names("BGP not established with 10.0.0.22", "10.0.0.2"));
        assert!(names("node \"w1\" not found", "w1"));
        assert!(!names("k8s-w10 is down", "w1"));
        assert!(names(
            "lookup postgres.shop.svc.cluster.local",
            "postgres.shop"
        ));
        assert!(!names("anything", ""));
    }
}
