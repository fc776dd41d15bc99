//! Collects findings from every rule and keeps the promise "one problem, one finding": a
//! second report of the same category about the same subject is folded into the first
//! (higher severity kept, evidence added, times widened) instead of becoming a new row.

pub(crate) mod ids;

use jiff::Timestamp;
use kbundle_format::analysis::{Category, Evidence, Finding, Severity, Subject, SubjectKind};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Evidence kept per finding; the rest is counted, not listed.
pub(crate) const MAX_EVIDENCE: usize = 5;

/// The identity of a problem: two reports with the same key are the same problem.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ProblemKey {
    category: Category,
    kind: SubjectKind,
    namespace: Option<String>,
    name: String,
    container: Option<String>,
    node: Option<String>,
}

impl ProblemKey {
    fn of(f: &Finding) -> Self {
        // For objects of the API the node is left out on purpose: a kubelet journal names a
        // pod without knowing which node the API put it on, and both reports are one
        // problem. Things that live on a node (its interfaces, filesystems, volumes,
        // certificates) are different things on different nodes.
        let node = match f.subject.kind {
            SubjectKind::Interface
            | SubjectKind::Filesystem
            | SubjectKind::Volume
            | SubjectKind::Certificate => f.subject.node.clone(),
            _ => None,
        };
        ProblemKey {
            category: f.category,
            kind: f.subject.kind,
            namespace: f.subject.namespace.clone(),
            name: f.subject.name.clone(),
            container: f.subject.container.clone(),
            node,
        }
    }
}

/// The findings of one analysis, merged as they arrive.
#[derive(Debug, Default)]
pub struct Findings {
    by_problem: BTreeMap<ProblemKey, Finding>,
}

impl Findings {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a finding, folding it into an earlier report of the same problem. The earlier
    /// report keeps its rule, title, message and count: rules that read objects run before
    /// rules that read logs, and objects say it more precisely.
    pub fn add(&mut self, finding: Finding) {
        let key = ProblemKey::of(&finding);
        match self.by_problem.get_mut(&key) {
            None => {
                self.by_problem.insert(key, finding);
            }
            Some(existing) => fold(existing, finding),
        }
    }

    /// Applies every `(precise, vague)` pair at once: a finding of `vague` goes when a
    /// finding of `precise` has the same subject. Which findings go is decided on the
    /// findings as the rules left them, so the outcome does not depend on the order of the
    /// pairs (a finding that goes still suppresses what it names).
    pub fn suppress_all<'a>(&mut self, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) {
        type Identity = (SubjectKind, Option<String>, String);
        let mut by_rule: HashMap<&str, HashSet<Identity>> = HashMap::new();
        for f in self.by_problem.values() {
            by_rule
                .entry(f.rule.as_str())
                .or_default()
                .insert(subject_identity(&f.subject));
        }
        let mut doomed: HashSet<(String, Identity)> = HashSet::new();
        for (precise, vague) in pairs {
            let (Some(subjects), Some(candidates)) = (by_rule.get(precise), by_rule.get(vague))
            else {
                continue;
            };
            for s in candidates.intersection(subjects) {
                doomed.insert((vague.to_string(), s.clone()));
            }
        }
        if doomed.is_empty() {
            return;
        }
        self.by_problem
            .retain(|_, f| !doomed.contains(&(f.rule.clone(), subject_identity(&f.subject))));
    }

    /// The pods (namespace, name) that some finding is about, themselves or a container.
    pub fn pods_with_findings(&self) -> std::collections::HashSet<(String, String)> {
        self.by_problem
            .values()
            .filter_map(|f| f.subject.pod_identity())
            .map(|(ns, name)| (ns.to_string(), name.to_string()))
            .collect()
    }

    /// The findings so far, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Finding> {
        self.by_problem.values()
    }

    /// The findings, most severe first, then by category and subject.
    pub fn into_sorted(self) -> Vec<Finding> {
        let mut all: Vec<Finding> = self.by_problem.into_values().collect();
        all.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.category.cmp(&b.category))
                .then(a.subject.cmp(&b.subject))
                .then(a.rule.cmp(&b.rule))
        });
        all
    }

    /// How many findings so far.
    pub fn len(&self) -> usize {
        self.by_problem.len()
    }

    /// No finding so far.
    pub fn is_empty(&self) -> bool {
        self.by_problem.is_empty()
    }
}

/// Who a subject is, for suppression: a pod and its containers are one.
fn subject_identity(s: &Subject) -> (SubjectKind, Option<String>, String) {
    let kind = if s.kind == SubjectKind::Container {
        SubjectKind::Pod
    } else {
        s.kind
    };
    (kind, s.namespace.clone(), s.name.clone())
}

fn fold(existing: &mut Finding, other: Finding) {
    existing.severity = existing.severity.max(other.severity);
    if existing.subject.node.is_none() {
        existing.subject.node = other.subject.node;
    }
    existing.first_seen = min_time(existing.first_seen.take(), other.first_seen);
    existing.last_seen = max_time(existing.last_seen.take(), other.last_seen);
    for e in other.evidence {
        if existing.evidence.len() >= MAX_EVIDENCE {
            break;
        }
        if !existing.evidence.contains(&e) {
            existing.evidence.push(e);
        }
    }
}

fn min_time(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b < a { b } else { a }),
        (a, b) => a.or(b),
    }
}

fn max_time(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b > a { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Formats a time the way every output shows it: RFC 3339 in UTC, whole seconds.
pub(crate) fn rfc3339(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A finding under construction, so rules say what they know and leave out the rest.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    finding: Finding,
}

impl Draft {
    /// Starts a finding of `rule` about `subject`.
    pub(crate) fn new(rule: &crate::rules::Rule, subject: Subject) -> Self {
        Draft::of(
            rule.id,
            rule.category,
            rule.severity,
            rule.remediation,
            subject,
        )
    }

    /// Starts a finding of a rule known only at run time (the log rules of the catalog).
    pub(crate) fn of(
        rule: &str,
        category: kbundle_format::analysis::Category,
        severity: Severity,
        remediation: &str,
        subject: Subject,
    ) -> Self {
        Draft {
            finding: Finding {
                id: String::new(),
                rule: rule.to_string(),
                category,
                severity,
                caused_by: Vec::new(),
                because: None,
                title: String::new(),
                message: String::new(),
                subject,
                count: 1,
                first_seen: None,
                last_seen: None,
                evidence: Vec::new(),
                remediation: remediation.to_string(),
                maybe_related: Vec::new(),
            },
        }
    }

    /// Sets the one-line title.
    pub(crate) fn title(mut self, title: impl Into<String>) -> Self {
        self.finding.title = title.into();
        self
    }

    /// Sets what exactly was seen.
    pub(crate) fn message(mut self, message: impl Into<String>) -> Self {
        self.finding.message = message.into();
        self
    }

    /// Overrides the rule's default severity.
    pub(crate) fn severity(mut self, severity: Severity) -> Self {
        self.finding.severity = severity;
        self
    }

    /// Sets how many times it was seen.
    pub(crate) fn count(mut self, count: u64) -> Self {
        self.finding.count = count.max(1);
        self
    }

    /// Widens the time span to include `t`.
    pub(crate) fn seen_at(mut self, t: Option<Timestamp>) -> Self {
        if let Some(t) = t {
            let s = rfc3339(t);
            self.finding.first_seen = min_time(self.finding.first_seen.take(), Some(s.clone()));
            self.finding.last_seen = max_time(self.finding.last_seen.take(), Some(s));
        }
        self
    }

    /// Adds a piece of evidence (at most [`MAX_EVIDENCE`] are kept).
    pub(crate) fn evidence(
        mut self,
        file: &str,
        line: Option<u64>,
        text: impl Into<String>,
    ) -> Self {
        if self.finding.evidence.len() < MAX_EVIDENCE {
            let e = Evidence {
                file: file.to_string(),
                line,
                text: text.into(),
            };
            if !self.finding.evidence.contains(&e) {
                self.finding.evidence.push(e);
            }
        }
        self
    }

    /// The finished finding. A finding without evidence is a bug in its rule, so it is
    /// given the rule's name as evidence rather than dropped silently.
    pub(crate) fn build(mut self) -> Finding {
        if self.finding.title.is_empty() {
            self.finding.title = format!("{}: {}", self.finding.category, self.finding.subject);
        }
        if self.finding.message.is_empty() {
            self.finding.message = self.finding.title.clone();
        }
        debug_assert!(
            !self.finding.evidence.is_empty(),
            "{} gave no evidence",
            self.finding.rule
        );
        self.finding
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rule;

    const A: Rule = Rule {
        id: "test.a",
        category: Category::CrashLoop,
        severity: Severity::Warning,
        looks_at: "tests",
        remediation: "none",
    };
    const B: Rule = Rule {
        id: "test.b",
        category: Category::CrashLoop,
        severity: Severity::Critical,
        looks_at: "tests",
        remediation: "none",
    };

    #[test]
    fn the_same_problem_twice_is_one_finding() {
        let mut set = Findings::new();
        let pod = Subject::pod("ns", "p");
        set.add(
            Draft::new(&A, pod.clone())
                .count(7)
                .evidence("a", Some(1), "x")
                .build(),
        );
        set.add(
            Draft::new(&B, pod.clone().on_node("w1"))
                .count(2)
                .evidence("b", Some(2), "y")
                .build(),
        );
        let all = set.into_sorted();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].rule, "test.a");
        assert_eq!(all[0].count, 7);
        assert_eq!(all[0].severity, Severity::Critical);
        assert_eq!(all[0].evidence.len(), 2);
        assert_eq!(all[0].subject.node.as_deref(), Some("w1"));
    }

    #[test]
    fn suppression_removes_the_vaguer_rule_only_for_the_same_subject() {
        let mut set = Findings::new();
        let general = Rule {
            category: Category::WarningEvents,
            ..A
        };
        set.add(
            Draft::new(&B, Subject::node("w1"))
                .evidence("f", None, "t")
                .build(),
        );
        set.add(
            Draft::new(&general, Subject::node("w1"))
                .evidence("f", None, "t")
                .build(),
        );
        set.add(
            Draft::new(&general, Subject::node("w2"))
                .evidence("f", None, "t")
                .build(),
        );
        set.suppress_all([("test.b", "test.a")]);
        let all = set.into_sorted();
        assert_eq!(all.len(), 2);
        assert!(all
            .iter()
            .all(|f| f.rule == "test.b" || f.subject.name == "w2"));
    }
}
