//! Node networking: interfaces that should carry traffic but cannot, MTUs that disagree,
//! and nodes without a default route.

use crate::facts::host::interface::{Family, Interface};
use crate::facts::outputs::Parsed;
use crate::facts::Facts;
use crate::findings::{Draft, Findings};
use crate::rules::{Context, Rule};
use kbundle_format::analysis::{Category, Severity, Subject, SubjectKind};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// A physical interface that is configured (admin up, or addressed) but has no carrier or
/// is down.
pub(crate) const INTERFACE_DOWN: Rule = Rule {
    id: "host.interface-down",
    category: Category::InterfaceDown,
    severity: Severity::Warning,
    looks_at: "run/ip-addr.txt (else ip-link, ifconfig-a): UP, LOWER_UP/RUNNING, NO-CARRIER, \
addresses; virtual interfaces (docker0, cni0, veth, cali, kube-ipvs0, ...) are ignored",
    remediation: "Check the cable, switch port and NIC (`ethtool <if>`); a bond member \
without carrier halves the bond's redundancy.",
};

/// Interfaces that should agree on MTU do not.
pub(crate) const MTU_MISMATCH: Rule = Rule {
    id: "host.mtu-mismatch",
    category: Category::MtuMismatch,
    severity: Severity::Warning,
    looks_at: "interfaces of every node: MTU per subnet (or per name for unaddressed \
interfaces) across nodes, and bond/bridge members against their master",
    remediation: "Set the same MTU on every interface of a network (storage networks usually \
9000 end to end, the rest 1500); a mismatch drops large packets silently (iSCSI and \
overlay traffic stall).",
};

/// A node without a default route.
pub(crate) const NO_DEFAULT_ROUTE: Rule = Rule {
    id: "host.no-default-route",
    category: Category::NoDefaultRoute,
    severity: Severity::Warning,
    looks_at: "run/ip-route.txt (else route-n): a default route in the main table",
    remediation: "Restore the default gateway (network configuration, DHCP); without it the \
node cannot reach anything outside its subnets.",
};

/// The rules of this file.
pub(crate) const RULES: &[&Rule] = &[&INTERFACE_DOWN, &MTU_MISMATCH, &NO_DEFAULT_ROUTE];

/// Runs the network rules.
pub(crate) fn check(facts: &Facts, _ctx: &Context, out: &mut Findings) {
    for (node, host) in &facts.hosts {
        if let Some(ifaces) = host.outputs.interfaces() {
            interfaces_down(node, ifaces, out);
            members_against_master(node, ifaces, out);
        }
        if let Some(routes) = host.outputs.routes() {
            if !routes.value.has_default_route() {
                out.add(
                    Draft::new(&NO_DEFAULT_ROUTE, Subject::node(node))
                        .title(format!("Node {node} has no default route"))
                        .message(format!(
                            "The routing table of {node} has no usable default route in its main table ({} routes listed).",
                            routes.value.routes.len()
                        ))
                        .evidence(&routes.file, None, format!("{} routes, none of them `default`", routes.value.routes.len()))
                        .build(),
                );
            }
        }
    }
    mtu_across_nodes(facts, out);
}

fn interface_subject(node: &str, name: &str) -> Subject {
    Subject::new(SubjectKind::Interface, name).on_node(node)
}

fn has_global_address(i: &Interface) -> bool {
    i.addresses
        .iter()
        .any(|a| a.scope.as_deref().is_none_or(|s| s == "global"))
}

fn interfaces_down(node: &str, ifaces: &Parsed<Vec<Interface>>, out: &mut Findings) {
    for i in &ifaces.value {
        if i.is_virtual() || i.is_loopback() {
            continue;
        }
        let problem = if i.is_up() && !i.has_carrier() {
            "is administratively up but has no carrier"
        } else if !i.is_up() && has_global_address(i) {
            "has an address but is down"
        } else {
            continue;
        };
        let member = i
            .master
            .as_deref()
            .map(|m| format!(" (member of {m})"))
            .unwrap_or_default();
        out.add(
            Draft::new(&INTERFACE_DOWN, interface_subject(node, &i.name))
                .title(format!("{} on {node} {problem}", i.name))
                .message(format!("Interface {}{member} on {node} {problem}.", i.name))
                .evidence(&ifaces.file, Some(i.line as u64), ifaces.line(i.line))
                .build(),
        );
    }
}

fn members_against_master(node: &str, ifaces: &Parsed<Vec<Interface>>, out: &mut Findings) {
    for member in &ifaces.value {
        let Some(master) = member.master.as_deref() else {
            continue;
        };
        let Some(m) = ifaces.value.iter().find(|i| i.name == master) else {
            continue;
        };
        if let (Some(a), Some(b)) = (member.mtu, m.mtu) {
            if a != b && !m.is_virtual() {
                out.add(
                    Draft::new(&MTU_MISMATCH, interface_subject(node, &member.name))
                        .title(format!(
                            "{} on {node} has MTU {a}, its master {master} {b}",
                            member.name
                        ))
                        .message(format!(
                            "Interface {} (MTU {a}) is a member of {master} (MTU {b}) on {node}.",
                            member.name
                        ))
                        .evidence(
                            &ifaces.file,
                            Some(member.line as u64),
                            ifaces.line(member.line),
                        )
                        .evidence(&ifaces.file, Some(m.line as u64), ifaces.line(m.line))
                        .build(),
                );
            }
        }
    }
}

/// The IPv4 network an interface is on, as `a.b.c.d/len`.
fn ipv4_network(i: &Interface) -> Option<String> {
    i.addresses.iter().find_map(|a| {
        let (IpAddr::V4(v4), Some(len), Family::Inet) = (a.address, a.prefix_len, a.family())
        else {
            return None;
        };
        if v4.is_loopback() || v4.is_link_local() || len == 0 || len > 32 {
            return None;
        }
        let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
        let net = std::net::Ipv4Addr::from(u32::from(v4) & mask);
        Some(format!("{net}/{len}"))
    })
}

struct Member<'a> {
    node: &'a str,
    iface: &'a Interface,
    source: &'a Parsed<Vec<Interface>>,
}

fn mtu_across_nodes(facts: &Facts, out: &mut Findings) {
    let mut groups: BTreeMap<String, Vec<Member>> = BTreeMap::new();
    for (node, host) in &facts.hosts {
        let Some(ifaces) = host.outputs.interfaces() else {
            continue;
        };
        for i in &ifaces.value {
            if i.is_virtual() || i.is_loopback() || i.mtu.is_none() {
                continue;
            }
            let key = match ipv4_network(i) {
                Some(net) => format!("network {net}"),
                None if i.master.is_none() && i.is_up() => format!("interface {}", i.name),
                None => continue,
            };
            groups.entry(key).or_default().push(Member {
                node,
                iface: i,
                source: ifaces,
            });
        }
    }
    for (key, members) in groups {
        let mut by_mtu: BTreeMap<u32, usize> = BTreeMap::new();
        for m in &members {
            *by_mtu.entry(m.iface.mtu.unwrap_or(0)).or_default() += 1;
        }
        if by_mtu.len() < 2 {
            continue;
        }
        // The expected MTU is the most common one; on a tie the larger, since jumbo frames
        // configured anywhere on a network are meant everywhere on it.
        let expected = by_mtu
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(b.0)))
            .map(|(mtu, _)| *mtu)
            .unwrap_or(0);
        let peers: Vec<String> = members
            .iter()
            .filter(|m| m.iface.mtu == Some(expected))
            .map(|m| format!("{}/{}", m.node, m.iface.name))
            .collect();
        for m in members.iter().filter(|m| m.iface.mtu != Some(expected)) {
            let mtu = m.iface.mtu.unwrap_or(0);
            out.add(
                Draft::new(&MTU_MISMATCH, interface_subject(m.node, &m.iface.name))
                    .title(format!(
                        "{} on {} has MTU {mtu}, its peers {expected}",
                        m.iface.name, m.node
                    ))
                    .message(format!(
                        "On {key}, {} of {} has MTU {mtu} while {} have {expected}.",
                        m.iface.name,
                        m.node,
                        peers.join(", ")
                    ))
                    .evidence(
                        &m.source.file,
                        Some(m.iface.line as u64),
                        m.source.line(m.iface.line),
                    )
                    .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::host::{ip, route};
    use crate::facts::HostFacts;
    use crate::rules::testing::{facts_at_ten, rule_ids};

    fn ip_addr(ens4_mtu: u32, ens4_ip: &str, ens5: &str) -> String {
        format!(
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n\
             \x20   link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n\
             \x20   inet 127.0.0.1/8 scope host lo\n\
             2: ens3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000\n\
             \x20   link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff\n\
             \x20   inet 10.0.0.11/24 brd 10.0.0.255 scope global ens3\n\
             3: ens4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu {ens4_mtu} qdisc mq state UP group default qlen 1000\n\
             \x20   link/ether 52:54:00:12:34:57 brd ff:ff:ff:ff:ff:ff\n\
             \x20   inet {ens4_ip}/24 brd 10.20.0.255 scope global ens4\n\
             4: ens5: <{ens5}> mtu 1500 qdisc mq state DOWN group default qlen 1000\n\
             \x20   link/ether 52:54:00:12:34:58 brd ff:ff:ff:ff:ff:ff\n\
             5: docker0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN group default\n\
             \x20   link/ether 02:42:ac:11:00:01 brd ff:ff:ff:ff:ff:ff\n\
             \x20   inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0\n"
        )
    }

    fn host(text: &str, routes: &str) -> HostFacts {
        let mut h = HostFacts::default();
        h.outputs.ip_addr = Some(Parsed::new(
            ip::parse(text).unwrap(),
            "ip-addr.txt",
            text.into(),
        ));
        h.outputs.ip_route = Some(Parsed::new(
            route::parse_ip_route(routes).unwrap(),
            "ip-route.txt",
            routes.into(),
        ));
        h
    }

    const ROUTES: &str = "default via 10.0.0.1 dev ens3 proto dhcp src 10.0.0.11 metric 100\n\
                          10.0.0.0/24 dev ens3 proto kernel scope link src 10.0.0.11\n";
    const NO_DEFAULT: &str = "10.0.0.0/24 dev ens3 proto kernel scope link src 10.0.0.11\n";

    #[test]
    fn must_match() {
        let mut facts = facts_at_ten();
        facts.hosts.insert(
            "m1".into(),
            host(&ip_addr(9000, "10.20.0.10", "BROADCAST,MULTICAST"), ROUTES),
        );
        facts.hosts.insert(
            "w1".into(),
            host(
                &ip_addr(9000, "10.20.0.11", "NO-CARRIER,BROADCAST,MULTICAST,UP"),
                ROUTES,
            ),
        );
        facts.hosts.insert(
            "w3".into(),
            host(
                &ip_addr(1500, "10.20.0.13", "BROADCAST,MULTICAST"),
                NO_DEFAULT,
            ),
        );
        assert_eq!(
            rule_ids(&facts),
            [
                "host.interface-down Interface ens5 on w1",
                "host.mtu-mismatch Interface ens4 on w3",
                "host.no-default-route Node w3",
            ]
        );
    }

    #[test]
    fn must_not_match_healthy_nodes_with_docker0_down() {
        let mut facts = facts_at_ten();
        facts.hosts.insert(
            "a".into(),
            host(&ip_addr(9000, "10.20.0.10", "BROADCAST,MULTICAST"), ROUTES),
        );
        facts.hosts.insert(
            "b".into(),
            host(&ip_addr(9000, "10.20.0.11", "BROADCAST,MULTICAST"), ROUTES),
        );
        assert!(rule_ids(&facts).is_empty(), "{:?}", rule_ids(&facts));
    }
}
