//! One side of a diff, kept as what the comparison reads and nothing more, so the first
//! side's facts (every pod summary, every event group) are dropped before the second side is
//! read: a diff needs the memory of one analysis plus two small digests, not of two.

use super::findings::Owners;
use super::snapshot::Snapshot;
use crate::facts::{Facts, HostFacts};
use jiff::Timestamp;
use kbundle_format::analysis::{Analysis, Subject, TimelineEntry};
use kbundle_kube::node::Node;
use std::collections::BTreeMap;

/// A Node object and where it was read.
pub(crate) struct NodeState {
    pub node: Node,
    pub file: String,
    pub line: Option<u64>,
}

/// `(namespace, pod identity, container)`.
pub(crate) type ContainerKey = (String, String, String);

/// A restart count with where it was read.
#[derive(Debug, Clone)]
pub(crate) struct Restarts {
    pub count: i64,
    pub file: String,
    pub line: Option<u64>,
}

/// Warning events of one reason.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReasonSummary {
    /// Occurrences.
    pub count: u64,
    /// Objects they were about.
    pub objects: usize,
    /// The first few of them, `Kind name`.
    pub first_objects: Vec<String>,
    /// Where the first group was read, and its message.
    pub file: String,
    pub line: Option<u64>,
    pub message: String,
}

/// What the comparison reads of one side.
pub(crate) struct Digest {
    pub analysis: Analysis,
    pub snapshot: Snapshot,
    pub owners: Owners,
    pub nodes: BTreeMap<String, NodeState>,
    pub hosts: BTreeMap<String, HostFacts>,
    pub restarts: BTreeMap<ContainerKey, Restarts>,
    /// Warning reasons, when events were collected at all.
    pub warning_reasons: Option<BTreeMap<String, ReasonSummary>>,
    pub cluster_version: Option<String>,
    pub reference_time: Option<Timestamp>,
    /// Boots the side's `last` and `uptime` show, with their timeline entry.
    pub boots: Vec<(Timestamp, TimelineEntry)>,
}

impl Digest {
    /// The digest of one side's facts; the facts are consumed.
    pub(crate) fn of(mut facts: Facts, snapshot: Snapshot, mut analysis: Analysis) -> Digest {
        // The findings and the bundles are compared; the timeline is not.
        analysis.timeline = Vec::new();
        let owners = Owners::of(&facts);
        let restarts = restart_counts(&facts, &owners);
        let warning_reasons = facts
            .kinds_present
            .contains("events")
            .then(|| warning_reasons(&facts));
        let mut boots = Vec::new();
        crate::rules::host::reboots::reboots_timeline(&facts, &mut |at, entry| {
            boots.push((at, entry))
        });
        let nodes = std::mem::take(&mut facts.nodes)
            .into_iter()
            .map(|n| {
                (
                    n.object.metadata.name.clone(),
                    NodeState {
                        file: n.file.to_string(),
                        line: n.line,
                        node: n.object,
                    },
                )
            })
            .collect();
        Digest {
            cluster_version: facts.cluster_version().map(str::to_string),
            reference_time: facts.reference_time(),
            hosts: std::mem::take(&mut facts.hosts),
            analysis,
            snapshot,
            owners,
            nodes,
            restarts,
            warning_reasons,
            boots,
        }
    }
}

/// Restarts of each container, by the pod's identity (its workload, so a replaced pod
/// continues its predecessor's line).
fn restart_counts(facts: &Facts, owners: &Owners) -> BTreeMap<ContainerKey, Restarts> {
    let mut out: BTreeMap<ContainerKey, Restarts> = BTreeMap::new();
    for p in &facts.pods_that_may_matter {
        let m = &p.object.metadata;
        let identity = owners.pod_name(&Subject::pod(&m.namespace, &m.name));
        for c in p.object.all_container_statuses() {
            let seen = Restarts {
                count: c.restart_count,
                file: p.file.to_string(),
                line: p.line,
            };
            out.entry((m.namespace.clone(), identity.clone(), c.name.clone()))
                .and_modify(|r| {
                    if seen.count > r.count {
                        *r = seen.clone();
                    }
                })
                .or_insert(seen);
        }
    }
    out
}

fn warning_reasons(facts: &Facts) -> BTreeMap<String, ReasonSummary> {
    let mut out: BTreeMap<String, ReasonSummary> = BTreeMap::new();
    for g in facts.events.iter().filter(|g| g.is_warning()) {
        let s = out
            .entry(g.reason.clone())
            .or_insert_with(|| ReasonSummary {
                file: g.file.to_string(),
                line: g.line,
                message: g.message.clone(),
                ..ReasonSummary::default()
            });
        s.count += g.count;
        s.objects += 1;
        if s.first_objects.len() < 3 {
            s.first_objects
                .push(format!("{} {}", g.object.kind, g.object.name));
        }
    }
    out
}
