//! Collection gaps: collectors that failed, timed out or were forbidden, files the analyzer
//! could not read, and interrupted runs — so that nobody mistakes missing data for health.

use super::{Context, Rule};
use crate::facts::{CollectionIssue, Facts};
use crate::findings::{Draft, Findings};
use kbundle_format::analysis::{Category, Severity, Subject, SubjectKind};
use std::collections::BTreeMap;

/// Data the analysis needed is missing.
pub(crate) const GAP: Rule = Rule {
    id: "collection.gap",
    category: Category::CollectionGap,
    severity: Severity::Warning,
    looks_at: "manifest.json collectors and cluster access, <kind>-errors.json, files that \
could not be decoded",
    remediation: "Re-run the collector with the missing permissions or a longer timeout, or \
collect the missing data by hand; until then, treat these areas as unknown, not healthy.",
};

/// The rules of this file.
pub(crate) const RULES: &[&Rule] = &[&GAP];

/// Runs the collection-gap rule: one finding per place data is missing from — a node, a
/// namespace, or the cluster part — listing every gap there.
pub(crate) fn check(facts: &Facts, _ctx: &Context, out: &mut Findings) {
    // A kind whose `<kind>-errors.json` names the failing namespaces is reported per
    // namespace; its manifest row says the same thing less precisely.
    let per_namespace: Vec<&str> = facts
        .collection
        .iter()
        .filter(|i| i.namespace.is_some())
        .map(|i| i.collector.as_str())
        .collect();
    let mut by_place: BTreeMap<Subject, Vec<&CollectionIssue>> = BTreeMap::new();
    for issue in facts.collection.iter().filter(|i| i.is_gap()) {
        if issue.namespace.is_none()
            && issue.node.is_none()
            && per_namespace.contains(&issue.collector.as_str())
        {
            continue;
        }
        let subject = match (&issue.node, &issue.namespace) {
            (Some(n), _) => Subject::node(n),
            (None, Some(ns)) => Subject::new(SubjectKind::Namespace, ns),
            (None, None) => Subject::cluster(),
        };
        by_place.entry(subject).or_default().push(issue);
    }
    for (subject, issues) in by_place {
        let where_ = match subject.kind {
            SubjectKind::Cluster => String::new(),
            SubjectKind::Namespace => format!(" in namespace {}", subject.name),
            _ => format!(" on {}", subject.name),
        };
        let list: Vec<String> = issues
            .iter()
            .map(|i| match &i.error {
                Some(e) => format!("{} ({}: {e})", i.collector, i.status),
                None => format!("{} ({})", i.collector, i.status),
            })
            .collect();
        let mut draft = Draft::new(&GAP, subject)
            .title(format!(
                "{} collector(s) gave no data{where_}",
                issues.len()
            ))
            .message(format!(
                "Not collected or not readable{where_}: {}.",
                list.join("; ")
            ))
            .count(issues.len() as u64);
        for i in issues {
            draft = draft.evidence(
                &i.file,
                None,
                format!(
                    "{} status={} error={}",
                    i.collector,
                    i.status,
                    i.error.as_deref().unwrap_or("")
                ),
            );
        }
        out.add(draft.build());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{facts_at_ten, rule_ids};
    use kbundle_format::analysis::CollectionStatus;

    fn issue(collector: &str, node: Option<&str>, status: CollectionStatus) -> CollectionIssue {
        CollectionIssue {
            collector: collector.into(),
            node: node.map(String::from),
            namespace: None,
            status,
            error: Some("boom".into()),
            file: "manifest.json".into(),
        }
    }

    #[test]
    fn gaps_are_grouped_per_node_and_skips_are_not_gaps() {
        let mut facts = facts_at_ten();
        facts.collection = vec![
            issue("run/multipath-ll", Some("w3"), CollectionStatus::Timeout),
            issue("run/dmesg", Some("w3"), CollectionStatus::Error),
            issue(
                "cluster-resources/secrets",
                None,
                CollectionStatus::Forbidden,
            ),
            issue("run/iscsiadm-node", Some("w1"), CollectionStatus::Skipped),
            issue(
                "run/journalctl-kubelet",
                Some("w1"),
                CollectionStatus::Truncated,
            ),
        ];
        assert_eq!(
            rule_ids(&facts),
            ["collection.gap Cluster cluster", "collection.gap Node w3"]
        );
        let all = crate::rules::testing::evaluate(&facts).into_sorted();
        assert!(all.iter().any(|f| f.count == 2));
    }
}
