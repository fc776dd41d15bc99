//! The network interface as both `ip` and `ifconfig` describe it, so a rule about links
//! (down, no carrier, MTU mismatch) works whichever tool the node had.

use std::net::IpAddr;

/// One network interface of a node.
///
/// Fields a tool does not print stay `None` / empty (ifconfig has no index, qdisc, master
/// or operstate; `ip -s link` has no addresses).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Interface {
    /// Name without any `@peer` suffix (`bond1.57`, `veth1a2b`, `eth0:1` for an alias).
    pub name: String,
    /// What followed `@` in `ip` output: the parent (`bond1`), `ifN` for a veth in another
    /// namespace, or `NONE` for tunnel fallback devices.
    pub peer: Option<String>,
    /// Kernel interface index (`ip` only).
    pub index: Option<u32>,
    /// Flags as printed, upper case: `UP`, `LOWER_UP`, `NO-CARRIER`, `RUNNING`, `SLAVE`, ...
    pub flags: Vec<String>,
    /// MTU in bytes.
    pub mtu: Option<u32>,
    /// Queueing discipline (`mq`, `noqueue`, `noop`, ...).
    pub qdisc: Option<String>,
    /// Bond, bridge or OVS the interface is enslaved to.
    pub master: Option<String>,
    /// RFC 2863 operational state as `ip` prints it: `UP`, `DOWN`, `UNKNOWN`,
    /// `LOWERLAYERDOWN`, `DORMANT`.
    pub operstate: Option<String>,
    /// Link layer type in `ip`'s words: `ether`, `loopback`, `ipip`, `gre`, `none`, ...
    /// (ifconfig's `Ethernet` / `Local Loopback` are mapped to these).
    pub link_type: Option<String>,
    /// Hardware address, lower case, for Ethernet-like links.
    pub mac: Option<String>,
    /// First word of the `ip -d` detail line: link kind (`vxlan`, `veth`, `bridge`,
    /// `openvswitch`, ...) or slave kind (`bond_slave`); `None` without `-d`.
    pub kind: Option<String>,
    /// Alternative names (`altname` lines of newer `ip`).
    pub altnames: Vec<String>,
    /// Addresses, in output order.
    pub addresses: Vec<Address>,
    /// Traffic counters, when the output had them (`ip -s`, ifconfig).
    pub stats: Option<LinkStats>,
    /// 1-based line of the interface's header line.
    pub line: usize,
}

/// One address of an interface.
#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    /// The local address.
    pub address: IpAddr,
    /// Prefix length, when printed (or derived from an ifconfig netmask).
    pub prefix_len: Option<u8>,
    /// Point-to-point peer, as printed (`172.30.0.2/32`).
    pub peer: Option<String>,
    /// Broadcast address, as printed.
    pub broadcast: Option<String>,
    /// Scope: `global`, `link`, `host`, `site`, or a number.
    pub scope: Option<String>,
    /// IPv4 label (`eth0`, `eth0:1`); `None` for IPv6.
    pub label: Option<String>,
    /// Address flags: `dynamic`, `secondary`, `tentative`, `dadfailed`, `deprecated`, ...
    pub flags: Vec<String>,
    /// 1-based line of the address.
    pub line: usize,
}

/// RX and TX counters of an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LinkStats {
    /// Received.
    pub rx: Counters,
    /// Transmitted.
    pub tx: Counters,
}

/// One direction's counters (missing columns read as 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// Bytes.
    pub bytes: u64,
    /// Packets.
    pub packets: u64,
    /// Errors.
    pub errors: u64,
    /// Dropped packets.
    pub dropped: u64,
}

/// Address family of an [`Address`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// IPv4 (`inet`).
    Inet,
    /// IPv6 (`inet6`).
    Inet6,
}

impl Address {
    /// IPv4 or IPv6.
    pub fn family(&self) -> Family {
        match self.address {
            IpAddr::V4(_) => Family::Inet,
            IpAddr::V6(_) => Family::Inet6,
        }
    }

    /// `address/prefix`, or the bare address when no prefix is known.
    pub fn cidr(&self) -> String {
        match self.prefix_len {
            Some(p) => format!("{}/{p}", self.address),
            None => self.address.to_string(),
        }
    }
}

/// Name prefixes of interfaces that Kubernetes networking, container runtimes, hypervisors
/// or the kernel create on their own; their being down or carrier-less is normal.
const VIRTUAL_PREFIXES: &[&str] = &[
    "docker",
    "cni",
    "veth",
    "cali",
    "flannel",
    "vxlan",
    "tunl",
    "kube-ipvs",
    "kube-bridge",
    "dummy",
    "virbr",
    "cilium_",
    "lxc",
    "weave",
    "datapath",
    "nodelocaldns",
    "genev",
    "ovs-system",
    "ovn-k8s",
    "antrea-",
    "podman",
    "ifb",
    "vnet",
    "gre0",
    "gretap0",
    "erspan0",
    "ip_vti0",
    "ip6_vti0",
    "ip6tnl0",
    "ip6gre0",
    "sit0",
    "br-int",
    "br-tun",
];

/// `ip -d` kinds of purely virtual links.
const VIRTUAL_KINDS: &[&str] = &[
    "veth",
    "vxlan",
    "bridge",
    "dummy",
    "gre",
    "gretap",
    "geneve",
    "ipip",
    "sit",
    "openvswitch",
    "tun",
    "ifb",
    "wireguard",
    "vrf",
    "ip6tnl",
];

/// Link types that are never physical ports.
const VIRTUAL_LINK_TYPES: &[&str] = &[
    "loopback", "none", "ipip", "gre", "sit", "tunnel6", "gre6", "unspec", "void",
];

impl Interface {
    /// Administratively up (`UP` flag): someone wants this link to work.
    pub fn is_up(&self) -> bool {
        self.has_flag("UP")
    }

    /// The link has carrier: `LOWER_UP` (ip) or `RUNNING` (ifconfig), and no `NO-CARRIER`.
    pub fn has_carrier(&self) -> bool {
        !self.has_flag("NO-CARRIER") && (self.has_flag("LOWER_UP") || self.has_flag("RUNNING"))
    }

    /// Loopback (`lo`, or a loopback link type / flag).
    pub fn is_loopback(&self) -> bool {
        self.name == "lo"
            || self.has_flag("LOOPBACK")
            || self.link_type.as_deref() == Some("loopback")
    }

    /// Created by software (container networking, CNI, tunnels, bridges of hypervisors,
    /// loopback): such links are often down by design and must not raise alarms.
    ///
    /// Known by name (docker0, br-<hash>, cni0, veth*, cali*, flannel*, vxlan*, tunl0,
    /// kube-ipvs0, dummy*, virbr*, cilium_*, ...), by `ip -d` kind, by link type, or by a
    /// `@NONE` peer (kernel tunnel fallback devices).
    pub fn is_virtual(&self) -> bool {
        let name = self.name.as_str();
        VIRTUAL_PREFIXES.iter().any(|p| name.starts_with(p))
            || is_docker_network_bridge(name)
            || self
                .kind
                .as_deref()
                .is_some_and(|k| VIRTUAL_KINDS.contains(&k))
            || self
                .link_type
                .as_deref()
                .is_some_and(|t| VIRTUAL_LINK_TYPES.contains(&t) || t.starts_with('['))
            || self.peer.as_deref() == Some("NONE")
            || self.is_loopback()
    }

    /// Whether the interface carries `flag` (case-sensitive, as printed).
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
}

/// Docker user networks: `br-` followed by 12 hex digits.
fn is_docker_network_bridge(name: &str) -> bool {
    name.strip_prefix("br-")
        .is_some_and(|rest| rest.len() == 12 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Prefix length of a dotted IPv4 netmask (`255.255.255.0` → 24); `None` when the mask is
/// not a valid contiguous mask.
pub(crate) fn netmask_prefix_len(mask: &str) -> Option<u8> {
    let mask: std::net::Ipv4Addr = mask.parse().ok()?;
    let bits = u32::from(mask);
    let ones = bits.leading_ones();
    // Contiguous: every bit after the leading ones is zero.
    (bits.checked_shl(ones).unwrap_or(0) == 0).then_some(ones as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(name: &str, flags: &[&str]) -> Interface {
        Interface {
            name: name.to_string(),
            flags: flags.iter().map(|f| f.to_string()).collect(),
            ..Interface::default()
        }
    }

    #[test]
    fn carrier_follows_lower_up_running_and_no_carrier() {
        assert!(iface("eth0", &["BROADCAST", "UP", "LOWER_UP"]).has_carrier());
        assert!(iface("eth0", &["UP", "BROADCAST", "RUNNING"]).has_carrier());
        let no_carrier = iface("eth1", &["NO-CARRIER", "BROADCAST", "UP"]);
        assert!(no_carrier.is_up() && !no_carrier.has_carrier());
        let admin_down = iface("eth2", &["BROADCAST", "MULTICAST"]);
        assert!(!admin_down.is_up() && !admin_down.has_carrier());
    }

    #[test]
    fn virtual_interfaces_are_recognised_by_name_kind_and_type() {
        for name in [
            "lo",
            "docker0",
            "br-3f1e2d4c5b6a",
            "cni0",
            "veth1a2b3c",
            "cali12ab",
            "flannel.1",
            "vxlan.calico",
            "tunl0",
            "kube-ipvs0",
            "dummy0",
            "virbr0",
            "cilium_host",
        ] {
            assert!(iface(name, &[]).is_virtual(), "{name}");
        }
        for name in ["eth0", "ens33", "enp0s20f1", "bond0", "br-ex", "eno1"] {
            assert!(!iface(name, &[]).is_virtual(), "{name}");
        }
        let mut by_kind = iface("storage-tun", &[]);
        by_kind.kind = Some("vxlan".into());
        assert!(by_kind.is_virtual());
        let mut by_type = iface("ip.tun2", &[]);
        by_type.link_type = Some("ipip".into());
        assert!(by_type.is_virtual());
        let mut fallback = iface("gre7", &[]);
        fallback.peer = Some("NONE".into());
        assert!(fallback.is_virtual());
    }

    #[test]
    fn netmasks_convert_to_prefix_lengths() {
        assert_eq!(netmask_prefix_len("255.255.255.0"), Some(24));
        assert_eq!(netmask_prefix_len("255.0.0.0"), Some(8));
        assert_eq!(netmask_prefix_len("255.255.255.255"), Some(32));
        assert_eq!(netmask_prefix_len("0.0.0.0"), Some(0));
        assert_eq!(netmask_prefix_len("255.0.255.0"), None);
        assert_eq!(netmask_prefix_len("garbage"), None);
    }

    #[test]
    fn cidr_and_family() {
        let a = Address {
            address: "10.0.0.32".parse().unwrap(),
            prefix_len: Some(24),
            peer: None,
            broadcast: None,
            scope: None,
            label: None,
            flags: vec![],
            line: 1,
        };
        assert_eq!(a.cidr(), "10.0.0.32/24");
        assert_eq!(a.family(), Family::Inet);
    }
}
