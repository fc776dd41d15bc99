//! Storage paths: multipath maps with failed paths or fewer paths than their peers, and
//! iSCSI targets configured without a session.

use crate::facts::host::iscsiadm;
use crate::facts::host::multipath::MultipathMap;
use crate::facts::outputs::Parsed;
use crate::facts::Facts;
use crate::findings::{Draft, Findings};
use crate::rules::{Context, Rule};
use kbundle_format::analysis::{Category, Severity, Subject, SubjectKind};
use std::collections::BTreeMap;

/// Multipath maps with failed or faulty paths, or fewer paths than the same map elsewhere.
pub const MULTIPATH: Rule = Rule {
    id: "host.multipath-faulty",
    category: Category::MultipathFaulty,
    severity: Severity::Warning,
    looks_at: "run/multipath-ll.txt (else multipath-l): path dm/checker/online states; path \
counts of the same WWID across nodes",
    remediation: "Check the failed paths' HBA or iSCSI session, cabling and switch zoning \
(`multipath -ll`, `iscsiadm -m session -P 3`); with no path left I/O queues or fails.",
};

/// iSCSI targets configured without a logged-in session.
pub const ISCSI: Rule = Rule {
    id: "host.iscsi-no-session",
    category: Category::IscsiSession,
    severity: Severity::Warning,
    looks_at: "run/iscsiadm-node.txt against run/iscsiadm-session.txt",
    remediation: "Log in to the target (`iscsiadm -m node -T <iqn> -p <portal> --login`) and \
find why the session dropped: network to the portal (MTU!), CHAP, the array.",
};

/// The rules of this file.
pub const RULES: &[&Rule] = &[&MULTIPATH, &ISCSI];

/// Runs the storage rules.
pub fn check(facts: &Facts, _ctx: &Context, out: &mut Findings) {
    let mut path_counts: BTreeMap<&str, Vec<(&str, usize)>> = BTreeMap::new();
    for (node, host) in &facts.hosts {
        if let Some(mp) = host.outputs.multipath() {
            for map in &mp.value {
                failed_paths(node, mp, map, out);
                path_counts
                    .entry(map.wwid.as_str())
                    .or_default()
                    .push((node, map.path_count()));
            }
        }
        if let (Some(nodes), Some(sessions)) =
            (&host.outputs.iscsi_nodes, &host.outputs.iscsi_sessions)
        {
            for record in iscsiadm::nodes_without_session(&nodes.value, &sessions.value) {
                let subject = Subject::new(SubjectKind::Volume, &record.target).on_node(node);
                out.add(
                    Draft::new(&ISCSI, subject)
                        .title(format!("iSCSI target {} has no session on {node}", record.target))
                        .message(format!(
                            "{node} is configured for {} through {} but has no logged-in session to it.",
                            record.target, record.portal
                        ))
                        .evidence(&nodes.file, Some(record.line as u64), nodes.line(record.line))
                        .evidence(&sessions.file, None, session_summary(&sessions.value))
                        .build(),
                );
            }
        }
    }
    fewer_paths_than_peers(facts, &path_counts, out);
}

fn session_summary(s: &iscsiadm::SessionList) -> String {
    match (s.sessions.len(), s.messages.first()) {
        (0, Some(m)) => m.text.clone(),
        (n, _) => format!("{n} session(s) listed"),
    }
}

fn map_subject(node: &str, map: &MultipathMap) -> Subject {
    Subject::new(SubjectKind::Volume, &map.name).on_node(node)
}

fn failed_paths(
    node: &str,
    mp: &Parsed<Vec<MultipathMap>>,
    map: &MultipathMap,
    out: &mut Findings,
) {
    let failed: Vec<_> = map.failed_paths().collect();
    if failed.is_empty() {
        return;
    }
    let total = map.path_count();
    let severity = if failed.len() >= total {
        Severity::Critical
    } else {
        Severity::Warning
    };
    let mut draft = Draft::new(&MULTIPATH, map_subject(node, map))
        .severity(severity)
        .title(format!(
            "Multipath {} on {node}: {} of {total} paths failed",
            map.name,
            failed.len()
        ))
        .message(format!(
            "Map {} ({} {} {}) on {node} has {} failed path(s) of {total}: {}.",
            map.name,
            map.wwid,
            map.vendor,
            map.product,
            failed.len(),
            failed
                .iter()
                .map(|p| format!("{} {}", p.hctl, p.device))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .count(failed.len() as u64)
        .evidence(&mp.file, Some(map.line as u64), mp.line(map.line));
    for p in failed {
        draft = draft.evidence(&mp.file, Some(p.line as u64), mp.line(p.line));
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
                Draft::new(&MULTIPATH, map_subject(node, map))
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
                "host.multipath-faulty Volume mpatha on w1",
                "host.multipath-faulty Volume mpatha on w3"
            ]
        );
    }
}
