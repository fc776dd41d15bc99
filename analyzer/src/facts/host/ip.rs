//! `ip addr`, `ip -s link` and `ip -s -d link` (iproute2) into [`Interface`]s.
//!
//! Strictness: block report. Every interface starts with a header line
//! `N: name[@peer]: <FLAGS> mtu M ...`; indented lines under it are `link/...`, `inet`,
//! `inet6`, `altname`, stats blocks (`RX:` / `TX:` and their number lines) or `-d` details.
//! Lines outside that shape (warnings such as `Message truncated`, `valid_lft` lines) are
//! skipped; a recognised line with a malformed value is an error; text without any header
//! is an error.

use std::net::IpAddr;
use std::sync::LazyLock;

use regex::Regex;

use super::interface::{Address, Counters, Interface, LinkStats};
use super::{nothing_recognised, numbered_lines, ParseError};

static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d+):\s+(\S+?):\s+<([^>]*)>(.*)$").expect("valid interface header regex")
});

/// Address flags iproute2 prints after the scope; anything else at the end of an IPv4
/// address line is its label.
const ADDRESS_FLAGS: &[&str] = &[
    "dynamic",
    "secondary",
    "temporary",
    "tentative",
    "deprecated",
    "dadfailed",
    "noprefixroute",
    "mngtmpaddr",
    "nodad",
    "optimistic",
    "home",
    "stable-privacy",
    "autojoin",
    "permanent",
    "primary",
];

/// Detail lines of `ip -d` that carry no link kind.
const NOT_A_KIND: &[&str] = &["addrgenmode", "numtxqueues", "alias", "vf", "prog/xdp"];

/// Which counter block a pending stats header announced.
enum StatsBlock {
    Rx(Vec<String>),
    Tx(Vec<String>),
    /// `RX errors:` / `TX errors:` of `ip -s -s`: read and dropped.
    Other,
}

/// Parses `ip addr` / `ip -s [-d] link` output into interfaces, in output order.
pub(crate) fn parse(text: &str) -> Result<Vec<Interface>, ParseError> {
    let mut interfaces: Vec<Interface> = Vec::new();
    let mut pending: Option<StatsBlock> = None;
    for (n, raw) in numbered_lines(text) {
        if let Some(caps) = HEADER.captures(raw) {
            pending = None;
            interfaces.push(parse_header(n, raw, &caps)?);
            continue;
        }
        let indented = raw.starts_with([' ', '\t']);
        let Some(current) = interfaces.last_mut().filter(|_| indented) else {
            pending = None;
            continue;
        };
        let line = raw.trim();
        if let Some(block) = pending.take() {
            read_counters(n, line, block, current)?;
            continue;
        }
        let first = line.split_whitespace().next().unwrap_or("");
        if let Some(link_type) = first.strip_prefix("link/") {
            read_link(line, link_type, current);
        } else if first == "inet" || first == "inet6" {
            current.addresses.push(parse_address(n, line)?);
        } else if first == "altname" {
            current
                .altnames
                .extend(line.split_whitespace().nth(1).map(String::from));
        } else if first == "RX:" || first == "TX:" {
            let names = line.split_whitespace().skip(1).map(String::from).collect();
            pending = Some(if first == "RX:" {
                StatsBlock::Rx(names)
            } else {
                StatsBlock::Tx(names)
            });
        } else if (first == "RX" || first == "TX") && line.contains(':') {
            pending = Some(StatsBlock::Other);
        } else if first == "valid_lft" || first.is_empty() {
            // Address lifetimes: nothing a rule needs.
        } else if current.kind.is_none() && !NOT_A_KIND.contains(&first) {
            current.kind = Some(first.to_string());
        }
    }
    if interfaces.is_empty() {
        if let Some(err) = nothing_recognised(text, "an interface header `N: name: <FLAGS> mtu M`")
        {
            return Err(err);
        }
    }
    Ok(interfaces)
}

fn parse_header(n: usize, raw: &str, caps: &regex::Captures<'_>) -> Result<Interface, ParseError> {
    let index = caps[1]
        .parse()
        .map_err(|_| ParseError::new(n, "an interface index", raw))?;
    let (name, peer) = match caps[2].split_once('@') {
        Some((name, peer)) => (name.to_string(), Some(peer.to_string())),
        None => (caps[2].to_string(), None),
    };
    let mut iface = Interface {
        name,
        peer,
        index: Some(index),
        flags: caps[3]
            .split(',')
            .filter(|f| !f.is_empty())
            .map(String::from)
            .collect(),
        line: n,
        ..Interface::default()
    };
    let mut tokens = caps[4].split_whitespace();
    while let Some(key) = tokens.next() {
        match key {
            "mtu" => {
                let value = tokens.next().unwrap_or("");
                iface.mtu = Some(
                    value
                        .parse()
                        .map_err(|_| ParseError::new(n, "a number after `mtu`", raw))?,
                );
            }
            "qdisc" => iface.qdisc = tokens.next().map(String::from),
            "master" => iface.master = tokens.next().map(String::from),
            "state" => iface.operstate = tokens.next().map(String::from),
            _ => {}
        }
    }
    Ok(iface)
}

fn read_link(line: &str, link_type: &str, iface: &mut Interface) {
    iface.link_type = Some(link_type.to_string());
    let ether_like = matches!(
        link_type,
        "ether" | "loopback" | "infiniband" | "ieee802.11"
    );
    if ether_like {
        iface.mac = line
            .split_whitespace()
            .nth(1)
            .filter(|a| a.contains(':'))
            .map(str::to_ascii_lowercase);
    }
}

fn read_counters(
    n: usize,
    line: &str,
    block: StatsBlock,
    iface: &mut Interface,
) -> Result<(), ParseError> {
    let (names, is_rx) = match block {
        StatsBlock::Rx(names) => (names, true),
        StatsBlock::Tx(names) => (names, false),
        StatsBlock::Other => return Ok(()),
    };
    let stats = iface.stats.get_or_insert_with(LinkStats::default);
    let counters: &mut Counters = if is_rx { &mut stats.rx } else { &mut stats.tx };
    for (name, value) in names.iter().zip(line.split_whitespace()) {
        let value: u64 = value
            .parse()
            .map_err(|_| ParseError::new(n, "a line of counters", line))?;
        match name.as_str() {
            "bytes" => counters.bytes = value,
            "packets" => counters.packets = value,
            "errors" => counters.errors = value,
            "dropped" => counters.dropped = value,
            _ => {}
        }
    }
    Ok(())
}

/// `inet 10.0.0.32/24 brd 10.0.0.255 scope global dynamic enp0s20f0` and the like.
fn parse_address(n: usize, line: &str) -> Result<Address, ParseError> {
    let mut tokens = line.split_whitespace();
    let family = tokens.next().unwrap_or("");
    let local = tokens.next().unwrap_or("");
    let (address, prefix_len) = parse_cidr(local)
        .ok_or_else(|| ParseError::new(n, "an address like `10.0.0.1/24` after inet", line))?;
    let mut addr = Address {
        address,
        prefix_len,
        peer: None,
        broadcast: None,
        scope: None,
        label: None,
        flags: Vec::new(),
        line: n,
    };
    let rest: Vec<&str> = tokens.collect();
    let mut i = 0;
    while let Some(&token) = rest.get(i) {
        let value = rest.get(i + 1).map(|v| v.to_string());
        match token {
            "brd" => addr.broadcast = value,
            "peer" => {
                if addr.prefix_len.is_none() {
                    addr.prefix_len = value.as_deref().and_then(parse_cidr).and_then(|c| c.1);
                }
                addr.peer = value;
            }
            "scope" => addr.scope = value,
            "metric" | "proto" | "valid_lft" | "preferred_lft" => {}
            _ => {
                let is_label =
                    family == "inet" && i + 1 == rest.len() && !ADDRESS_FLAGS.contains(&token);
                if is_label {
                    addr.label = Some(token.to_string());
                } else {
                    addr.flags.push(token.to_string());
                }
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    Ok(addr)
}

/// `10.0.0.1/24` → (10.0.0.1, Some(24)); `10.0.0.1` → (10.0.0.1, None).
fn parse_cidr(text: &str) -> Option<(IpAddr, Option<u8>)> {
    match text.split_once('/') {
        Some((addr, len)) => Some((addr.parse().ok()?, Some(len.parse().ok()?))),
        None => Some((text.parse().ok()?, None)),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::interface::Family;
    use super::super::testdata::corpus;
    use super::*;

    fn by_name<'a>(ifaces: &'a [Interface], name: &str) -> &'a Interface {
        ifaces
            .iter()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("no interface {name}"))
    }

    #[test]
    fn corpus_centos_ip_a_shows_no_carrier_nic_next_to_jumbo_nic() {
        let Some(text) = corpus("dkilcy-ip-a-mtu9000-nocarrier-down.txt") else {
            return;
        };
        let ifaces = parse(&text).unwrap();
        assert_eq!(ifaces.len(), 5);
        let f0 = by_name(&ifaces, "enp0s20f0");
        assert_eq!((f0.mtu, f0.index, f0.line), (Some(9000), Some(2), 7));
        assert!(f0.is_up() && f0.has_carrier() && !f0.is_virtual());
        assert_eq!(f0.addresses.len(), 1);
        let a = &f0.addresses[0];
        assert_eq!(a.cidr(), "10.0.0.32/24");
        assert_eq!(a.scope.as_deref(), Some("global"));
        assert_eq!(a.label.as_deref(), Some("enp0s20f0"));
        assert_eq!(a.flags, ["dynamic"]);
        assert_eq!(a.line, 9);
        let f1 = by_name(&ifaces, "enp0s20f1");
        assert_eq!(f1.mtu, Some(1500));
        assert!(f1.has_flag("NO-CARRIER") && f1.is_up() && !f1.has_carrier());
        assert_eq!(f1.operstate.as_deref(), Some("DOWN"));
        assert_eq!(f1.mac.as_deref(), Some("0c:c4:7a:31:60:0d"));
        assert_eq!(f1.line, 11);
        let lo = by_name(&ifaces, "lo");
        assert!(lo.is_loopback() && lo.is_virtual());
        assert_eq!(lo.addresses[1].family(), Family::Inet6);
        assert_eq!(lo.addresses[1].label, None);
    }

    #[test]
    fn corpus_insights_ip_addr_bond_slave_without_carrier() {
        let Some(text) = corpus("insights-ip-addr-bond-nocarrier.txt") else {
            return;
        };
        let ifaces = parse(&text).unwrap();
        let names: Vec<&str> = ifaces.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names,
            ["lo", "eth7", "tunl0", "tunl1", "bond1.57", "ip.tun2"]
        );
        let eth7 = by_name(&ifaces, "eth7");
        assert_eq!(eth7.master.as_deref(), Some("bond1"));
        assert!(!eth7.has_carrier() && eth7.has_flag("SLAVE"));
        assert_eq!(eth7.line, 9);
        assert_eq!(by_name(&ifaces, "lo").mtu, Some(16436));
        let vlan = by_name(&ifaces, "bond1.57");
        assert_eq!(vlan.peer.as_deref(), Some("bond1"));
        assert_eq!(vlan.addresses.len(), 3);
        assert_eq!(vlan.addresses[2].flags, ["mngtmpaddr", "dynamic"]);
        let tunl1 = by_name(&ifaces, "tunl1");
        assert_eq!(tunl1.link_type.as_deref(), Some("[65534]"));
        let p2p = &tunl1.addresses[0];
        assert_eq!(p2p.peer.as_deref(), Some("172.30.0.2/32"));
        assert_eq!(
            (p2p.prefix_len, p2p.label.as_deref()),
            (Some(32), Some("tun0"))
        );
        let tun2 = by_name(&ifaces, "ip.tun2");
        assert_eq!(tun2.mtu, Some(80));
        assert!(tun2.is_virtual(), "ipip link");
        assert_eq!(tun2.mac, None);
    }

    #[test]
    fn corpus_ip_s_d_link_has_mixed_mtus_kinds_and_stats() {
        let Some(text) = corpus("insights-ip-s-link-mixed-mtu-9000.txt") else {
            return;
        };
        let ifaces = parse(&text).unwrap();
        assert_eq!(ifaces.len(), 14);
        for name in ["eth0_1", "eth0_2"] {
            let slave = by_name(&ifaces, name);
            assert_eq!(slave.mtu, Some(9000));
            assert_eq!(slave.master.as_deref(), Some("bond0"));
            assert_eq!(slave.kind.as_deref(), Some("bond_slave"));
            assert!(!slave.is_virtual());
        }
        assert_eq!(by_name(&ifaces, "br-int").mtu, Some(8950));
        let vxlan = by_name(&ifaces, "vxlan_sys_4789");
        assert_eq!(
            (vxlan.mtu, vxlan.kind.as_deref()),
            (Some(65520), Some("vxlan"))
        );
        let gre0 = by_name(&ifaces, "gre0");
        assert_eq!((gre0.peer.as_deref(), gre0.mtu), (Some("NONE"), Some(1476)));
        assert!(gre0.is_virtual());
        let eth0 = by_name(&ifaces, "eth0");
        assert!(!eth0.is_up() && eth0.operstate.as_deref() == Some("DOWN"));
        assert_eq!(eth0.mtu, Some(1500));
        let stats = by_name(&ifaces, "eth0_1").stats.unwrap();
        assert_eq!(stats.rx.bytes, 16_809_815_066_893);
        assert_eq!(stats.rx.dropped, 117_902);
        assert_eq!(stats.tx.packets, 19_520_904_636);
        assert_eq!(
            by_name(&ifaces, "br-int").stats.unwrap().rx.dropped,
            101_259_804
        );
        assert_eq!(by_name(&ifaces, "geneve1").stats.unwrap().rx.errors, 8);
        assert_eq!(by_name(&ifaces, "geneve1").line, 90);
    }

    /// `ip addr` of a flannel node (iproute2 5.x): altname, metric in the address line,
    /// veth in a pod namespace, docker0 without carrier, a secondary labelled address.
    pub(crate) const FLANNEL_NODE: &str = "\
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
2: ens3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000
    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff
    altname enp0s3
    inet 192.168.122.10/24 metric 100 brd 192.168.122.255 scope global dynamic ens3
       valid_lft 3362sec preferred_lft 3362sec
    inet 192.168.122.50/24 brd 192.168.122.255 scope global secondary ens3:vip
       valid_lft forever preferred_lft forever
    inet6 fe80::5054:ff:fe12:3456/64 scope link 
       valid_lft forever preferred_lft forever
3: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN group default 
    link/ether 6e:1c:4b:2f:9a:01 brd ff:ff:ff:ff:ff:ff
    inet 10.244.0.0/32 scope global flannel.1
       valid_lft forever preferred_lft forever
4: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default qlen 1000
    link/ether 8a:3e:5c:7d:21:90 brd ff:ff:ff:ff:ff:ff
    inet 10.244.0.1/24 brd 10.244.0.255 scope global cni0
       valid_lft forever preferred_lft forever
5: veth3c9a1f2e@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue master cni0 state UP group default 
    link/ether 2e:5d:7a:8b:9c:0d brd ff:ff:ff:ff:ff:ff link-netns cni-5b1f0e6a-8e0f-4f38-9d6e-3b1c2a7d9e10
    inet6 fe80::2c5d:7aff:fe8b:9c0d/64 scope link 
       valid_lft forever preferred_lft forever
6: docker0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN group default 
    link/ether 02:42:5F:3A:1B:2C brd ff:ff:ff:ff:ff:ff
    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0
       valid_lft forever preferred_lft forever
";

    #[test]
    fn flannel_node_addresses_labels_and_virtual_links() {
        let ifaces = parse(FLANNEL_NODE).unwrap();
        assert_eq!(ifaces.len(), 6);
        let ens3 = by_name(&ifaces, "ens3");
        assert_eq!(ens3.altnames, ["enp0s3"]);
        assert_eq!(ens3.addresses.len(), 3);
        assert_eq!(ens3.addresses[0].cidr(), "192.168.122.10/24");
        assert_eq!(
            ens3.addresses[0].broadcast.as_deref(),
            Some("192.168.122.255")
        );
        assert_eq!(ens3.addresses[1].label.as_deref(), Some("ens3:vip"));
        assert_eq!(ens3.addresses[1].flags, ["secondary"]);
        assert_eq!(ens3.addresses[2].scope.as_deref(), Some("link"));
        let veth = by_name(&ifaces, "veth3c9a1f2e");
        assert_eq!(veth.peer.as_deref(), Some("if2"));
        assert_eq!(veth.master.as_deref(), Some("cni0"));
        let docker0 = by_name(&ifaces, "docker0");
        assert!(docker0.is_up() && !docker0.has_carrier() && docker0.is_virtual());
        assert_eq!(docker0.mac.as_deref(), Some("02:42:5f:3a:1b:2c"));
        let real: Vec<&str> = ifaces
            .iter()
            .filter(|i| !i.is_virtual())
            .map(|i| i.name.as_str())
            .collect();
        assert_eq!(real, ["ens3"]);
    }

    /// `ip -s -d link` of iproute2 6.1 (captured on this project's build host): the newer
    /// stats header with `missed`, trailing spaces, `ifb` kind line.
    pub(crate) const IPROUTE_6_1_LINK: &str = "\
2: ifb0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 32
    link/ether 1a:97:87:8e:bc:20 brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 
    ifb addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 
    RX:  bytes packets errors dropped  missed   mcast           
             0       0      0       0       0       0 
    TX:  bytes packets errors dropped carrier collsns           
             0       0      0       0       0       0 
4: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400 qdisc pfifo_fast state UP mode DEFAULT group default qlen 1000
    link/ether 02:fc:00:00:00:01 brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535 addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 65536 tso_max_segs 65535 gro_max_size 65536 parentbus virtio parentdev virtio2 
    RX:  bytes packets errors dropped  missed   mcast           
     352648869   27161      0       0       0       0 
    RX errors:  length    crc   frame    fifo overrun
                     0      0       0       0       0 
    TX:  bytes packets errors dropped carrier collsns           
       2382219   27401      0       0       0       0 
";

    #[test]
    fn iproute_6_stats_and_kinds() {
        let ifaces = parse(IPROUTE_6_1_LINK).unwrap();
        assert_eq!(ifaces.len(), 2);
        assert_eq!(ifaces[0].kind.as_deref(), Some("ifb"));
        assert!(ifaces[0].is_virtual());
        let eth0 = &ifaces[1];
        assert_eq!(eth0.kind, None);
        let stats = eth0.stats.unwrap();
        assert_eq!((stats.rx.bytes, stats.rx.packets), (352_648_869, 27_161));
        assert_eq!((stats.tx.bytes, stats.tx.packets), (2_382_219, 27_401));
    }

    #[test]
    fn garbage_is_an_error_at_its_first_line() {
        let err = parse("\nhello world\nmore\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.to_string().contains("interface header"), "{err}");
        assert_eq!(parse("").unwrap(), vec![]);
    }

    #[test]
    fn malformed_recognised_lines_are_errors() {
        let err = parse("1: lo: <UP> mtu big qdisc noqueue\n").unwrap_err();
        assert_eq!(err.line, 1);
        let err = parse("1: lo: <UP> mtu 1500\n    inet 10.0.0.300/8 scope host lo\n").unwrap_err();
        assert_eq!(err.line, 2);
    }
}
