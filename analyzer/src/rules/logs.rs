//! Log rules: the scanner's hits become findings (thresholds, one finding per rule and
//! subject, suppression of vaguer rules), crash causes for the pod rules, and the timeline's
//! log lines. The rules themselves are data in `analyzer/rules/*.yaml`.

use crate::facts::Facts;
use crate::findings::{Draft, Findings};
use crate::logscan::{Catalog, FileScan, LogFileRef, LogKind, RuleHits};
use jiff::Timestamp;
use kbundle_format::analysis::{Subject, TimelineEntry, TimelineSource};
use std::collections::BTreeMap;

/// A log line that explains why a container died.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CauseLine {
    /// The log file inside the bundle.
    pub file: String,
    /// 1-based line.
    pub line: u64,
    /// The line.
    pub text: String,
}

/// The error lines of a container's previous log (else its current log), oldest first.
pub(crate) fn crash_causes(
    facts: &Facts,
    namespace: &str,
    pod: &str,
    container: &str,
) -> Vec<CauseLine> {
    let of = |previous: bool| {
        facts.logs.iter().find(|s| {
            s.file.pod.as_ref().is_some_and(|p| {
                p.namespace == namespace
                    && p.pod == pod
                    && p.container == container
                    && p.previous == previous
            })
        })
    };
    of(true)
        .filter(|s| !s.cause_lines.is_empty())
        .or_else(|| of(false))
        .map(|s| {
            s.cause_lines
                .iter()
                .map(|h| CauseLine {
                    file: s.file.path.to_string(),
                    line: h.line,
                    text: h.text.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What a log finding is about: the pod the rule's captures name (`pod_ns`, `pod_name`,
/// `ctr`), else the pod of a container log (what its log says — DNS, etcd, CNI trouble — is
/// the pod's; the container is in the evidence's path), else the node of a node log.
fn subject_of(file: &LogFileRef, hits: &RuleHits) -> Subject {
    let capture = |name: &str| {
        hits.captures
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if let (Some(ns), Some(pod)) = (capture("pod_ns"), capture("pod_name")) {
        let mut s = Subject::pod(ns, pod);
        if let Some(c) = capture("ctr") {
            s = s.with_container(c);
        }
        if let Some(n) = &file.node {
            s = s.on_node(n);
        }
        return s;
    }
    match (&file.pod, &file.node) {
        (Some(p), _) => Subject::pod(&p.namespace, &p.pod),
        (None, Some(node)) => Subject::node(node),
        (None, None) => Subject::cluster(),
    }
}

/// One rule's hits about one subject, over every file that showed them.
struct Gathered<'a> {
    rule: &'a crate::logscan::LogRule,
    /// The file with the most hits, and those hits: its title and message lead.
    lead: (&'a FileScan, &'a RuleHits),
    /// kern.log, syslog and dmesg repeat the same lines: the count is the largest count
    /// in one file, not the sum.
    count: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    evidence: Vec<kbundle_format::analysis::Evidence>,
}

/// Every conclusive hit, gathered by rule and subject over all files.
fn gather<'a>(facts: &'a Facts, catalog: &'a Catalog) -> BTreeMap<(String, Subject), Gathered<'a>> {
    let reference = facts.reference_time().unwrap_or_else(Timestamp::now);
    let mut gathered: BTreeMap<(String, Subject), Gathered> = BTreeMap::new();
    for scan in &facts.logs {
        for hits in scan.conclusive(catalog) {
            let rule = catalog.rule(hits.rule);
            let subject = subject_of(&scan.file, hits);
            let first = hits.first.time.map(|t| t.resolve(reference));
            let last = hits.last.time.map(|t| t.resolve(reference));
            let g = gathered
                .entry((rule.id.clone(), subject))
                .or_insert_with(|| Gathered {
                    rule,
                    lead: (scan, hits),
                    count: 0,
                    first: None,
                    last: None,
                    evidence: Vec::new(),
                });
            // The file with the most hits leads; on a tie the more specific log (the kubelet
            // journal over its copy in syslog).
            if (hits.count, specificity(scan.kind)) > (g.lead.1.count, specificity(g.lead.0.kind)) {
                g.lead = (scan, hits);
            }
            g.count = g.count.max(hits.count);
            g.first = crate::facts::earliest(g.first, first);
            g.last = g.last.max(last);
            g.evidence.extend(hits.evidence(&scan.file));
        }
    }
    gathered
}

/// Turns every conclusive log hit into findings.
pub(crate) fn check(facts: &Facts, catalog: &Catalog, out: &mut Findings) {
    let gathered = gather(facts, catalog);
    for ((_, subject), g) in gathered {
        if pods_say_it_better(out, g.rule.category, &subject) {
            continue;
        }
        let (scan, hits) = g.lead;
        let r = g.rule;
        let mut draft = Draft::of(&r.id, r.category, r.severity, &r.remediation, subject)
            .title(g.rule.title_for(hits, &scan.file))
            .message(g.rule.message_for(hits, &scan.file))
            .count(g.count)
            .seen_at(g.first)
            .seen_at(g.last);
        for e in g.evidence {
            draft = draft.evidence(&e.file, e.line, e.text);
        }
        out.add(draft.build());
    }
}

/// A node-level log finding ("image pulls failing on w1") adds nothing when the pods on that
/// node already have findings of the same category from their objects or events, which
/// name the pod, the container and the reason.
fn pods_say_it_better(
    out: &Findings,
    category: kbundle_format::analysis::Category,
    subject: &Subject,
) -> bool {
    use kbundle_format::analysis::SubjectKind;
    subject.kind == SubjectKind::Node
        && out.iter().any(|f| {
            f.category == category
                && f.subject.pod_identity().is_some()
                && f.subject.node.as_deref() == Some(subject.name.as_str())
        })
}

/// How directly a kind of log shows what it holds: syslog and status tails repeat others.
fn specificity(kind: LogKind) -> u8 {
    match kind {
        LogKind::KubeletJournal | LogKind::RuntimeJournal | LogKind::ContainerLog => 3,
        LogKind::Kernel => 2,
        LogKind::ServiceStatus => 1,
        LogKind::Syslog => 0,
    }
}

fn timeline_source(kind: LogKind) -> TimelineSource {
    match kind {
        LogKind::KubeletJournal => TimelineSource::Kubelet,
        LogKind::Kernel => TimelineSource::Kernel,
        LogKind::ContainerLog => TimelineSource::ContainerLog,
        LogKind::RuntimeJournal | LogKind::Syslog | LogKind::ServiceStatus => {
            TimelineSource::Syslog
        }
    }
}

/// Adds the first and last line of every log finding to the timeline, from the file that
/// showed it most (the journal, not its copy in syslog).
pub(crate) fn timeline(
    facts: &Facts,
    catalog: &Catalog,
    add: &mut dyn FnMut(Timestamp, TimelineEntry),
) {
    let reference = facts.reference_time().unwrap_or_else(Timestamp::now);
    for ((_, subject), g) in gather(facts, catalog) {
        let (scan, hits) = g.lead;
        let mut lines = vec![&hits.first];
        if hits.last.line != hits.first.line {
            lines.push(&hits.last);
        }
        for h in lines {
            let Some(t) = h.time else { continue };
            let time = t.resolve(reference);
            add(
                time,
                crate::timeline::entry(
                    time,
                    timeline_source(scan.kind),
                    subject.clone(),
                    h.text.clone(),
                    scan.file.path.as_str(),
                    Some(h.line),
                    g.rule.severity,
                ),
            );
        }
    }
}
