//! Changes of node state between two sides, from the node command outputs and files:
//! static-pod manifests and runtime configuration (with a unified diff), filesystems that
//! filled, interfaces, MTU, addresses and routes, multipath paths and iSCSI sessions, reboots
//! between the two collections, and clocks that lost synchronization.

use super::digest::Digest;
use super::snapshot::{FileText, MANIFESTS};
use super::{evidence, Sides};
use crate::facts::outputs::Parsed;
use crate::facts::HostFacts;
use kbundle_format::analysis::{Subject, SubjectKind};
use kbundle_format::diff::{Area, Change, Side, SideEvidence};
use serde_json::{json, Value};
use similar::TextDiff;
use std::collections::{BTreeMap, BTreeSet};

/// A filesystem is worth a change when its use grew by this many points...
const GREW_BY: u8 = 5;
/// ...and ends at least this full, or when it crosses one of [`LEVELS`].
const WORTH: u8 = 80;
/// Use levels whose crossing is always shown.
const LEVELS: [u8; 3] = [85, 90, 95];

/// Appends the node changes of `sides` to `out`.
pub(crate) fn compare(sides: &Sides, out: &mut Vec<Change>) {
    files(sides, out);
    for (node, b) in &sides.new.hosts {
        let Some(a) = sides.old.hosts.get(node) else {
            continue;
        };
        filesystems(node, a, b, out);
        network(node, a, b, out);
        storage(node, a, b, out);
        clock(node, a, b, out);
    }
    reboots(&sides.old, &sides.new, out);
}

/// Static-pod manifests and configuration files: added, removed, changed (with the diff).
fn files(sides: &Sides, out: &mut Vec<Change>) {
    let (old, new) = (&sides.old.snapshot.files, &sides.new.snapshot.files);
    let nodes_old: BTreeSet<&String> = sides.old.hosts.keys().collect();
    let nodes_new: BTreeSet<&String> = sides.new.hosts.keys().collect();
    let keys: BTreeSet<&(String, String)> = old.keys().chain(new.keys()).collect();
    for key in keys {
        let (node, path) = key;
        // A node that only one side collected says nothing about its files.
        if !(nodes_old.contains(node) && nodes_new.contains(node)) {
            continue;
        }
        let (a, b) = (old.get(key), new.get(key));
        let area = if path.starts_with(MANIFESTS) {
            Area::StaticPod
        } else {
            Area::Config
        };
        let subject = Subject::new(SubjectKind::Node, node.as_str());
        let label = format!("/{path}");
        let (what, diff) = match (a, b) {
            (Some(a), Some(b)) if a.text == b.text => continue,
            (Some(a), Some(b)) => (format!("{label} changed on {node}"), unified(a, b)),
            (None, Some(b)) => (format!("{label} appeared on {node}"), unified(&empty(), b)),
            (Some(a), None) => (format!("{label} is gone from {node}"), unified(a, &empty())),
            (None, None) => continue,
        };
        let mut ev = Vec::new();
        if let Some(a) = a {
            ev.push(evidence(Side::Old, &a.member, None, &first_line(&a.text)));
        }
        if let Some(b) = b {
            ev.push(evidence(Side::New, &b.member, None, &first_line(&b.text)));
        }
        out.push(Change {
            area,
            subject,
            what,
            old: None,
            new: None,
            unified_diff: Some(diff),
            evidence: ev,
        });
    }
}

fn empty() -> FileText {
    FileText {
        member: "/dev/null".into(),
        text: String::new(),
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .to_string()
}

/// A unified diff with three lines of context, named by the members of each side.
fn unified(a: &FileText, b: &FileText) -> String {
    TextDiff::from_lines(&a.text, &b.text)
        .unified_diff()
        .context_radius(3)
        .header(&format!("old/{}", a.member), &format!("new/{}", b.member))
        .to_string()
}

fn filesystems(node: &str, a: &HostFacts, b: &HostFacts, out: &mut Vec<Change>) {
    for (what, old, new) in [
        ("space", &a.outputs.df_blocks, &b.outputs.df_blocks),
        ("inodes", &a.outputs.df_inodes, &b.outputs.df_inodes),
    ] {
        let (Some(old), Some(new)) = (old, new) else {
            continue;
        };
        let before: BTreeMap<&str, (u8, usize)> = old
            .value
            .filesystems
            .iter()
            .filter_map(|f| Some((f.mount_point.as_str(), (f.use_percent?, f.line))))
            .collect();
        for f in &new.value.filesystems {
            let Some(now) = f.use_percent else { continue };
            let Some(&(was, old_line)) = before.get(f.mount_point.as_str()) else {
                continue;
            };
            let crossed = LEVELS.iter().any(|&l| was < l && now >= l);
            if !(crossed || (now >= WORTH && now >= was.saturating_add(GREW_BY))) {
                continue;
            }
            out.push(Change {
                area: Area::Filesystem,
                subject: Subject::new(SubjectKind::Filesystem, f.mount_point.as_str())
                    .on_node(node),
                what: format!("{} on {node}: {what} use {was} % → {now} %", f.mount_point),
                old: Some(json!(was)),
                new: Some(json!(now)),
                unified_diff: None,
                evidence: vec![at(Side::Old, old, old_line), at(Side::New, new, f.line)],
            });
        }
    }
}

fn network(node: &str, a: &HostFacts, b: &HostFacts, out: &mut Vec<Change>) {
    if let (Some(old), Some(new)) = (a.outputs.interfaces(), b.outputs.interfaces()) {
        let before: BTreeMap<&str, &crate::facts::host::interface::Interface> =
            old.value.iter().map(|i| (i.name.as_str(), i)).collect();
        let after: BTreeMap<&str, &crate::facts::host::interface::Interface> =
            new.value.iter().map(|i| (i.name.as_str(), i)).collect();
        let mut push =
            |name: &str, what: String, o: Value, n: Value, ol: Option<usize>, nl: Option<usize>| {
                let mut ev = Vec::new();
                if let Some(l) = ol {
                    ev.push(at(Side::Old, old, l));
                }
                if let Some(l) = nl {
                    ev.push(at(Side::New, new, l));
                }
                out.push(Change {
                    area: Area::Network,
                    subject: Subject::new(SubjectKind::Interface, name).on_node(node),
                    what,
                    old: Some(o),
                    new: Some(n),
                    unified_diff: None,
                    evidence: ev,
                });
            };
        for (name, i) in &after {
            // Pod interfaces come and go with pods: only the node's own are compared.
            if is_pod_interface(name) {
                continue;
            }
            let Some(was) = before.get(name) else {
                push(
                    name,
                    format!("{name} appeared on {node}"),
                    Value::Null,
                    json!(name),
                    None,
                    Some(i.line),
                );
                continue;
            };
            if was.mtu != i.mtu {
                push(
                    name,
                    format!("{name} on {node}: MTU {} → {}", opt(was.mtu), opt(i.mtu)),
                    json!(was.mtu),
                    json!(i.mtu),
                    Some(was.line),
                    Some(i.line),
                );
            }
            let up =
                |x: &crate::facts::host::interface::Interface| x.flags.iter().any(|f| f == "UP");
            if up(was) != up(i) {
                push(
                    name,
                    format!(
                        "{name} on {node} is {}",
                        if up(i) { "up now" } else { "down now" }
                    ),
                    json!(up(was)),
                    json!(up(i)),
                    Some(was.line),
                    Some(i.line),
                );
            }
            let addrs = |x: &crate::facts::host::interface::Interface| -> BTreeSet<String> {
                x.addresses
                    .iter()
                    .map(|a| {
                        format!(
                            "{}/{}",
                            a.address,
                            a.prefix_len.map_or(String::new(), |p| p.to_string())
                        )
                    })
                    .collect()
            };
            let (x, y) = (addrs(was), addrs(i));
            if x != y {
                push(
                    name,
                    format!(
                        "{name} on {node}: addresses {} → {}",
                        list_or_none(&x),
                        list_or_none(&y)
                    ),
                    json!(x),
                    json!(y),
                    Some(was.line),
                    Some(i.line),
                );
            }
        }
        for (name, was) in &before {
            if !is_pod_interface(name) && !after.contains_key(name) {
                push(
                    name,
                    format!("{name} is gone from {node}"),
                    json!(name),
                    Value::Null,
                    Some(was.line),
                    None,
                );
            }
        }
    }
    if let (Some(old), Some(new)) = (a.outputs.routes(), b.outputs.routes()) {
        let key = |r: &crate::facts::host::route::Route| {
            format!(
                "{}{} via {} dev {}",
                r.destination,
                r.prefix_len.map_or(String::new(), |p| format!("/{p}")),
                r.gateway.map_or("-".into(), |g| g.to_string()),
                r.device.as_deref().unwrap_or("-")
            )
        };
        let main = |r: &&crate::facts::host::route::Route| {
            r.table.as_deref().is_none_or(|t| t == "main")
                && !r.device.as_deref().is_some_and(is_pod_interface)
        };
        let before: BTreeMap<String, usize> = old
            .value
            .routes
            .iter()
            .filter(main)
            .map(|r| (key(r), r.line))
            .collect();
        let after: BTreeMap<String, usize> = new
            .value
            .routes
            .iter()
            .filter(main)
            .map(|r| (key(r), r.line))
            .collect();
        for (route, line) in &after {
            if !before.contains_key(route) {
                out.push(route_change(
                    node,
                    route,
                    "added",
                    at(Side::New, new, *line),
                ));
            }
        }
        for (route, line) in &before {
            if !after.contains_key(route) {
                out.push(route_change(
                    node,
                    route,
                    "removed",
                    at(Side::Old, old, *line),
                ));
            }
        }
    }
}

fn route_change(node: &str, route: &str, verb: &str, seen: SideEvidence) -> Change {
    Change {
        area: Area::Network,
        subject: Subject::node(node),
        what: format!("Route {route} {verb} on {node}"),
        old: (seen.side == Side::Old).then(|| json!(route)),
        new: (seen.side == Side::New).then(|| json!(route)),
        unified_diff: None,
        evidence: vec![seen],
    }
}

/// The evidence of line `n` of one side's parsed command output.
fn at<T>(side: Side, parsed: &Parsed<T>, n: usize) -> SideEvidence {
    evidence(side, &parsed.file, Some(n as u64), &parsed.line(n))
}

/// Interfaces that belong to pods (veth and CNI devices), which change with every pod.
fn is_pod_interface(name: &str) -> bool {
    [
        "veth",
        "cali",
        "lxc",
        "vxlan.calico",
        "flannel.",
        "cni",
        "tunl",
        "genev",
        "kube-ipvs",
        "nodelocaldns",
        "docker",
        "br-",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

fn opt(v: Option<u32>) -> String {
    v.map_or("unknown".into(), |v| v.to_string())
}

fn list_or_none(s: &BTreeSet<String>) -> String {
    if s.is_empty() {
        "none".into()
    } else {
        s.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

fn storage(node: &str, a: &HostFacts, b: &HostFacts, out: &mut Vec<Change>) {
    if let (Some(old), Some(new)) = (a.outputs.multipath(), b.outputs.multipath()) {
        let active = |m: &crate::facts::host::multipath::MultipathMap| {
            m.groups
                .iter()
                .flat_map(|g| &g.paths)
                .filter(|p| p.dm_state == "active" || p.checker_state == "ready")
                .count()
        };
        let before: BTreeMap<&str, (usize, usize)> = old
            .value
            .iter()
            .map(|m| (m.name.as_str(), (active(m), m.line)))
            .collect();
        for m in &new.value {
            let now = active(m);
            let (was, old_line) = match before.get(m.name.as_str()) {
                Some(&v) => v,
                None => continue,
            };
            if was == now {
                continue;
            }
            out.push(Change {
                area: Area::Storage,
                subject: Subject::new(SubjectKind::Volume, m.name.as_str()).on_node(node),
                what: format!("Multipath {} on {node}: active paths {was} → {now}", m.name),
                old: Some(json!(was)),
                new: Some(json!(now)),
                unified_diff: None,
                evidence: vec![at(Side::Old, old, old_line), at(Side::New, new, m.line)],
            });
        }
    }
    if let (Some(old), Some(new)) = (&a.outputs.iscsi_sessions, &b.outputs.iscsi_sessions) {
        let set = |s: &crate::facts::host::iscsiadm::SessionList| -> BTreeSet<String> {
            s.sessions
                .iter()
                .map(|s| format!("{} {}", s.portal, s.target))
                .collect()
        };
        let (x, y) = (set(&old.value), set(&new.value));
        for (side, only, verb, parsed) in [
            (Side::Old, x.difference(&y), "lost", old),
            (Side::New, y.difference(&x), "gained", new),
        ] {
            for session in only {
                out.push(Change {
                    area: Area::Storage,
                    subject: Subject::node(node),
                    what: format!("iSCSI session {session} {verb} on {node}"),
                    old: (side == Side::Old).then(|| json!(session)),
                    new: (side == Side::New).then(|| json!(session)),
                    unified_diff: None,
                    evidence: vec![evidence(side, &parsed.file, None, session)],
                });
            }
        }
    }
}

fn clock(node: &str, a: &HostFacts, b: &HostFacts, out: &mut Vec<Change>) {
    let (Some(old), Some(new)) = (&a.outputs.clock, &b.outputs.clock) else {
        return;
    };
    let (Some((was, ol)), Some((now, nl))) =
        (old.value.synchronized_flag, new.value.synchronized_flag)
    else {
        return;
    };
    if was && !now {
        out.push(Change {
            area: Area::Node,
            subject: Subject::node(node),
            what: format!("The clock of {node} is no longer synchronized"),
            old: Some(json!(true)),
            new: Some(json!(false)),
            unified_diff: None,
            evidence: vec![at(Side::Old, old, ol), at(Side::New, new, nl)],
        });
    }
}

/// Boots the new side shows after the old side was collected.
fn reboots(old: &Digest, new: &Digest, out: &mut Vec<Change>) {
    let Some(since) = old.reference_time else {
        return;
    };
    let until = new.reference_time;
    let mut seen = BTreeSet::new();
    for (at, entry) in &new.boots {
        if *at <= since || until.is_some_and(|u| *at > u) {
            continue;
        }
        let node = entry.subject.name.clone();
        if !old.hosts.contains_key(&node) || !seen.insert((node.clone(), *at)) {
            continue;
        }
        out.push(Change {
            area: Area::Reboot,
            subject: Subject::node(&node),
            what: format!(
                "{node} booted at {} (between the two collections)",
                crate::findings::rfc3339(*at)
            ),
            old: None,
            new: Some(json!(crate::findings::rfc3339(*at))),
            unified_diff: None,
            evidence: vec![evidence(Side::New, &entry.file, entry.line, &entry.text)],
        });
    }
}
