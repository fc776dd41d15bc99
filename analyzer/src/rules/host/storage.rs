//! Storage paths: multipath maps with failed paths or fewer paths than their peers, and
//! iSCSI targets configured without a session.

use crate::facts::host::iscsiadm;
use crate::facts::host::multipath::MultipathMap;
use crate::facts::outputs::Parsed;
use crate::facts::Facts;
use crate::findings::{Draft, Findings};
use crate::rules::{Context, Rule};
use kbundle_format::analysis::{Category, Severity, Subject};
use std::collections::BTreeMap;

/// Multipath maps with failed or faulty paths, or fewer paths than the same map elsewhere.
pub(crate) const MULTIPATH: Rule = Rule {
    id: "host.multipath-faulty",
    category: Category::MultipathFaulty,
    severity: Severity::Warning,
    looks_at: "run/multipath-ll.txt (else multipath-l): path dm/checker/online states; path \
counts of the same WWID across nodes",
    remediation: "Check the failed paths' HBA or iSCSI session, cabling and switch zoning \
(`multipath -ll`, `iscsiadm -m session -P 3`); with no path left I/O queues or fails.",
};

/// iSCSI targets configured without a logged-in session.
pub(crate) const ISCSI: Rule = Rule {
    id: "host.iscsi-no-session",
    category: Category::IscsiSession,
    severity: Severity::Critical,
    looks_at: "run/iscsiadm-node.txt against run/iscsiadm-session.txt",
    remediation: "Log in to the target (`iscsiadm -m node -T <iqn> -p <portal> --login`) and \
find why the session dropped: network to the portal (MTU!), CHAP, the array.",
};

/// The rules of this file.
pub(crate) const RULES: &[&Rule] = &[&MULTIPATH, &ISCSI];

/// Runs the storage rules. Findings are about the node: a node's storage paths are one
/// problem to its engineer, with every degraded map or orphaned target as evidence.
pub(crate) fn check(facts: &Facts, _ctx: &Context, out: &mut Findings) {
    let mut path_counts: BTreeMap<&str, Vec<(&str, usize)>> = BTreeMap::new();
    for (node, host) in &facts.hosts {
        if let Some(mp) = host.outputs.multipath() {
            degraded_maps(node, mp, out);
            for map in &mp.value {
                path_counts
                    .entry(map.wwid.as_str())
                    .or_default()
                    .push((node, map.path_count()));
            }
        }
        if let (Some(nodes), Some(sessions)) =
            (&host.outputs.iscsi_nodes, &host.outputs.iscsi_sessions)
        {
            let orphans = iscsiadm::nodes_without_session(&nodes.value, &sessions.value);
            if orphans.is_empty() {
                continue;
            }
            let mut targets: Vec<&str> = orphans.iter().map(|r| r.target.as_str()).collect();
            targets.dedup();
            let mut draft = Draft::new(&ISCSI, Subject::node(node))
                .title(format!("{} iSCSI portal(s) configured without a session on {node}", orphans.len()))
                .message(format!(
                    "{node} has node records for {} but no logged-in session through {} of its portals ({}).",
                    targets.join(", "),
                    orphans.len(),
                    orphans.iter().map(|r| r.portal.as_str()).collect::<Vec<_>>().join(", ")
                ))
                .count(orphans.len() as u64)
                .evidence(&sessions.file, None, session_summary(&sessions.value));
            for record in orphans {
                draft = draft.evidence(
                    &nodes.file,
                    Some(record.line as u64),
                    nodes.line(record.line),
                );
            }
            out.add(draft.build());
        }
    }
    fewer_paths_than_peers(facts, &path_counts, out);
}

fn session_summary(s: &iscsiadm::SessionList) -> String {
    match (s.sessions.len(), s.messages.first()) {
        (0, Some(m)) => m.text.clone(),
        (0, None) => "no session listed".to_string(),
        (n, _) => format!("{n} session(s) listed"),
    }
}

/// Maps with failed paths, or with no path at all (critical: I/O cannot complete).
fn degraded_maps(node: &str, mp: &Parsed<Vec<MultipathMap>>, out: &mut Findings) {
    let mut severity = Severity::Warning;
    let mut problems = Vec::new();
    let mut draft_evidence = Vec::new();
    for map in &mp.value {
        let failed: Vec<_> = map.failed_paths().collect();
        let total = map.path_count();
        if total == 0 {
            severity = Severity::Critical;
            problems.push(format!(
                "{} ({} {}) has no path",
                map.name, map.vendor, map.product
            ));
            draft_evidence.push((map.line, mp.line(map.line)));
        } else if !failed.is_empty() {
            if failed.len() >= total {
                severity = Severity::Critical;
            }
            problems.push(format!(
                "{} has {} of {total} paths failed ({})",
                map.name,
                failed.len(),
                failed
                    .iter()
                    .map(|p| format!("{} {}", p.hctl, p.device))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            draft_evidence.push((map.line, mp.line(map.line)));
            draft_evidence.extend(failed.iter().map(|p| (p.line, mp.line(p.line))));
        }
    }
    if problems.is_empty() {
        return;
    }
    let mut draft = Draft::new(&MULTIPATH, Subject::node(node))
        .severity(severity)
        .title(format!(
            "Multipath degraded on {node}: {}",
            problems.join("; ")
        ))
        .message(format!("On {node}: {}.", problems.join("; ")))
        .count(problems.len() as u64);
    for (line, text) in draft_evidence {
        draft = draft.evidence(&mp.file, Some(line as u64), text);
    }
    out.add(draft.build());
}

fn fewer_paths_than_peers(
    facts: &Facts,
    counts: &BTreeMap<&str, Vec<(&str, usize)>>,
    out: &mut Findings,
) {
    for (wwid, seen) in counts {
        let Some(most) = seen.iter().map(|(_, n)| *n).max() else {
            continue;
        };
        for (node, n) in seen.iter().filter(|(_, n)| *n < most) {
            let Some(mp) = facts.hosts.get(*node).and_then(|h| h.outputs.multipath()) else {
                continue;
            };
            let Some(map) = mp.value.iter().find(|m| m.wwid == *wwid) else {
                continue;
            };
            out.add(
                Draft::new(&MULTIPATH, Subject::node(*node))
                    .title(format!("Multipath {} on {node} has {n} paths, its peers {most}", map.name))
                    .message(format!(
                        "Map {} ({wwid}) has {n} path(s) on {node} but {most} on other nodes: paths are missing here.",
                        map.name
                    ))
                    .evidence(&mp.file, Some(map.line as u64), mp.line(map.line))
                    .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::host::multipath;
    use crate::facts::HostFacts;
    use crate::rules::testing::{facts_at_ten, rule_ids};

    fn mp(paths: &str) -> String {
        format!(
            "mpatha (3600a098038303053453f463045727a4d) dm-0 NETAPP,LUN C-Mode\n\
             size=100G features='3 queue_if_no_path pg_init_retries 50' hwhandler='1 alua' wp=rw\n\
             `-+- policy='service-time 0' prio=50 status=active\n{paths}"
        )
    }

    fn host_with(text: &str) -> HostFacts {
        let mut h = HostFacts::default();
        h.outputs.multipath_ll = Some(Parsed::new(
            multipath::parse(text).unwrap(),
            "multipath-ll.txt",
            text.into(),
        ));
        h
    }

    #[test]
    fn failed_paths_and_missing_paths_but_not_healthy_maps() {
        let two = "  |- 1:0:0:1 sdb 8:16 active ready running\n  `- 2:0:0:1 sdc 8:32 active ready running\n";
        let one_failed = "  |- 1:0:0:1 sdb 8:16 active ready running\n  `- 2:0:0:1 sdc 8:32 failed faulty offline\n";
        let only_one = "  `- 1:0:0:1 sdb 8:16 active ready running\n";
        let mut facts = facts_at_ten();
        facts.hosts.insert("w1".into(), host_with(&mp(one_failed)));
        facts.hosts.insert("w2".into(), host_with(&mp(two)));
        facts.hosts.insert("w3".into(), host_with(&mp(only_one)));
        assert_eq!(
            rule_ids(&facts),
            [
                "host.multipath-faulty Node w1",
                "host.multipath-faulty Node w3"
            ]
        );
    }
}
