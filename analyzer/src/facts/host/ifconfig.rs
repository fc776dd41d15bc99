//! `ifconfig -a` (net-tools) into the same [`Interface`] type as `ip`.
//!
//! Both formats are read, even mixed:
//! - new (net-tools ≥ 2.10, CentOS 7+): `eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500`
//!   then `inet ... netmask ...`, `inet6 ... prefixlen ... scopeid 0x20<link>`,
//!   `ether MAC  txqueuelen N  (Ethernet)`, `RX packets N  bytes N`, `RX errors N  dropped N ...`;
//! - old (net-tools 1.60, RHEL 6, Ubuntu ≤ 16.04): `eth0      Link encap:Ethernet  HWaddr MAC`,
//!   `inet addr:... Bcast:... Mask:...`, `inet6 addr: .../64 Scope:Link`,
//!   `UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1`, `RX packets:N errors:N dropped:N ...`,
//!   `RX bytes:N (...)  TX bytes:N (...)`.
//!
//! Strictness: block report. A non-indented, non-blank line must be an interface header
//! (error otherwise); indented lines that are not understood (`device interrupt 16`,
//! `collisions:0 txqueuelen:1000`) are skipped.

use std::net::IpAddr;
use std::sync::LazyLock;

use regex::Regex;

use super::interface::{netmask_prefix_len, Address, Counters, Interface, LinkStats};
use super::{numbered_lines, ParseError};

static NEW_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\S+): flags=\d+<([^>]*)>(?:\s+mtu\s+(\d+))?").expect("valid header regex")
});
static OLD_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\S+)\s+Link encap:(.+?)(?:\s+HWaddr\s+(\S+))?\s*$").expect("valid header regex")
});

/// Parses `ifconfig -a` output into interfaces, in output order.
pub(crate) fn parse(text: &str) -> Result<Vec<Interface>, ParseError> {
    let mut interfaces: Vec<Interface> = Vec::new();
    for (n, raw) in numbered_lines(text) {
        if raw.trim().is_empty() {
            continue;
        }
        if !raw.starts_with([' ', '\t']) {
            interfaces.push(parse_header(n, raw)?);
            continue;
        }
        let Some(current) = interfaces.last_mut() else {
            return Err(ParseError::new(
                n,
                "an interface header such as `eth0: flags=...` before indented lines",
                raw,
            ));
        };
        read_detail(n, raw.trim(), current)?;
    }
    Ok(interfaces)
}

fn parse_header(n: usize, raw: &str) -> Result<Interface, ParseError> {
    if let Some(caps) = NEW_HEADER.captures(raw) {
        let mtu = match caps.get(3) {
            Some(m) => Some(
                m.as_str()
                    .parse()
                    .map_err(|_| ParseError::new(n, "a number after `mtu`", raw))?,
            ),
            None => None,
        };
        return Ok(Interface {
            name: caps[1].to_string(),
            flags: caps[2]
                .split(',')
                .filter(|f| !f.is_empty())
                .map(String::from)
                .collect(),
            mtu,
            line: n,
            ..Interface::default()
        });
    }
    if let Some(caps) = OLD_HEADER.captures(raw) {
        return Ok(Interface {
            name: caps[1].to_string(),
            link_type: Some(link_type_from_encap(caps[2].trim())),
            mac: caps
                .get(3)
                .map(|m| m.as_str().to_ascii_lowercase())
                .filter(|m| m.contains(':')),
            line: n,
            ..Interface::default()
        });
    }
    Err(ParseError::new(
        n,
        "an interface header (`eth0: flags=4163<UP,...>  mtu 1500` or `eth0  Link encap:...`)",
        raw,
    ))
}

/// Maps net-tools' hardware type names to `ip`'s `link/<type>` words.
fn link_type_from_encap(encap: &str) -> String {
    match encap {
        "Ethernet" | "ether" => "ether",
        "Local Loopback" | "loop" => "loopback",
        "InfiniBand" | "infiniband" => "infiniband",
        "IPIP Tunnel" => "ipip",
        "IPv6-in-IPv4" => "sit",
        "Point-to-Point Protocol" => "ppp",
        "UNSPEC" | "unspec" => "unspec",
        other => return other.to_ascii_lowercase(),
    }
    .to_string()
}

fn read_detail(n: usize, line: &str, iface: &mut Interface) -> Result<(), ParseError> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    match tokens.as_slice() {
        ["inet", "addr:", ..] | ["inet6", "addr:", ..] => read_old_address(n, line, iface),
        ["inet", addr, ..] if addr.starts_with("addr:") => read_old_address(n, line, iface),
        ["inet", ..] | ["inet6", ..] => read_new_address(n, line, &tokens, iface),
        ["ether" | "loop" | "unspec" | "tunnel" | "infiniband" | "ppp", ..] => {
            read_new_link(&tokens, line, iface);
            Ok(())
        }
        ["RX" | "TX", ..] => read_counters(n, line, &tokens, iface),
        _ if line.contains("MTU:") => {
            read_old_flags(n, line, &tokens, iface)?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `ether 02:42:b1:9a:ea:02  txqueuelen 0  (Ethernet)`, `loop  txqueuelen 1000  (Local Loopback)`.
fn read_new_link(tokens: &[&str], line: &str, iface: &mut Interface) {
    let described = line
        .rfind('(')
        .and_then(|start| line[start + 1..].strip_suffix(')'));
    let first = tokens.first().copied().unwrap_or("");
    iface.link_type = Some(link_type_from_encap(described.unwrap_or(first)));
    if first == "ether" {
        iface.mac = tokens.get(1).map(|m| m.to_ascii_lowercase());
    }
}

/// `inet 172.17.0.1  netmask 255.255.0.0  broadcast 0.0.0.0` /
/// `inet6 fe80::1  prefixlen 64  scopeid 0x20<link>`.
fn read_new_address(
    n: usize,
    line: &str,
    tokens: &[&str],
    iface: &mut Interface,
) -> Result<(), ParseError> {
    let address: IpAddr = tokens
        .get(1)
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| ParseError::new(n, "an IP address after inet/inet6", line))?;
    let mut addr = Address {
        address,
        prefix_len: None,
        peer: None,
        broadcast: None,
        scope: None,
        label: None,
        flags: Vec::new(),
        line: n,
    };
    let mut pairs = tokens.iter().skip(2);
    while let Some(&key) = pairs.next() {
        let value = pairs.next().copied();
        match key {
            "netmask" => addr.prefix_len = value.and_then(netmask_prefix_len),
            "prefixlen" => addr.prefix_len = value.and_then(|v| v.parse().ok()),
            "broadcast" => addr.broadcast = value.map(String::from),
            "destination" => addr.peer = value.map(String::from),
            // `scopeid 0x20<link>`: the name is between the angle brackets.
            "scopeid" => {
                addr.scope = value
                    .and_then(|v| v.split_once('<'))
                    .map(|(_, s)| s.trim_end_matches('>').to_string())
            }
            _ => {}
        }
    }
    if addr.address.is_ipv4() {
        addr.label = Some(iface.name.clone());
    }
    iface.addresses.push(addr);
    Ok(())
}

/// `inet addr:10.0.0.5  Bcast:10.0.0.255  Mask:255.255.255.0`,
/// `inet addr:10.8.0.1  P-t-P:10.8.0.2  Mask:255.255.255.255`,
/// `inet6 addr: fe80::250:56ff:fe8a:1b2c/64 Scope:Link`.
fn read_old_address(n: usize, line: &str, iface: &mut Interface) -> Result<(), ParseError> {
    let rest = line
        .split_once("addr:")
        .map(|(_, r)| r.trim_start())
        .unwrap_or("");
    let mut tokens = rest.split_whitespace();
    let local = tokens.next().unwrap_or("");
    let (address, mut prefix_len) = match local.split_once('/') {
        Some((a, len)) => (a.parse().ok(), len.parse().ok()),
        None => (local.parse().ok(), None),
    };
    let address: IpAddr =
        address.ok_or_else(|| ParseError::new(n, "an IP address after `addr:`", line))?;
    let mut addr = Address {
        address,
        prefix_len: None,
        peer: None,
        broadcast: None,
        scope: None,
        label: None,
        flags: Vec::new(),
        line: n,
    };
    for token in tokens {
        let Some((key, value)) = token.split_once(':') else {
            continue;
        };
        match key {
            "Bcast" => addr.broadcast = Some(value.to_string()),
            "P-t-P" => addr.peer = Some(value.to_string()),
            "Mask" => prefix_len = netmask_prefix_len(value),
            "Scope" => addr.scope = Some(value.to_ascii_lowercase()),
            _ => {}
        }
    }
    addr.prefix_len = prefix_len;
    if addr.address.is_ipv4() {
        addr.label = Some(iface.name.clone());
    }
    iface.addresses.push(addr);
    Ok(())
}

/// `UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1` (old format's flags and MTU).
fn read_old_flags(
    n: usize,
    line: &str,
    tokens: &[&str],
    iface: &mut Interface,
) -> Result<(), ParseError> {
    for token in tokens {
        if let Some(mtu) = token.strip_prefix("MTU:") {
            iface.mtu = Some(
                mtu.parse()
                    .map_err(|_| ParseError::new(n, "a number after `MTU:`", line))?,
            );
        } else if !token.contains(':') {
            iface.flags.push(token.to_string());
        }
    }
    Ok(())
}

/// New: `RX packets 8061  bytes 1514413 (1.4 MiB)` / `RX errors 0  dropped 0  overruns 0  frame 0`.
/// Old: `RX packets:8061 errors:0 dropped:0 overruns:0 frame:0` /
/// `RX bytes:1514413 (1.4 MiB)  TX bytes:866622 (846.3 KiB)`.
fn read_counters(
    n: usize,
    line: &str,
    tokens: &[&str],
    iface: &mut Interface,
) -> Result<(), ParseError> {
    // Old format puts `key:value` in one token; new puts `key value` in two. A direction
    // word (RX/TX) switches the direction mid-line (old `RX bytes:... TX bytes:...`).
    let mut rx = tokens.first() == Some(&"RX");
    let mut i = 1;
    let stats = iface.stats.get_or_insert_with(LinkStats::default);
    while let Some(&token) = tokens.get(i) {
        i += 1;
        if token == "RX" || token == "TX" {
            rx = token == "RX";
            continue;
        }
        let (key, value) = match token.split_once(':') {
            Some((key, value)) => (key, value),
            None => {
                let Some(&value) = tokens.get(i) else { break };
                i += 1;
                (token, value)
            }
        };
        let counters: &mut Counters = if rx { &mut stats.rx } else { &mut stats.tx };
        let field = match key {
            "bytes" => &mut counters.bytes,
            "packets" => &mut counters.packets,
            "errors" => &mut counters.errors,
            "dropped" => &mut counters.dropped,
            _ => continue,
        };
        *field = value
            .parse()
            .map_err(|_| ParseError::new(n, format!("a number for `{key}`"), line))?;
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::testdata::corpus;
    use super::*;

    #[test]
    fn corpus_centos7_new_format() {
        let Some(text) = corpus("jc-centos77-ifconfig-a.out") else {
            return;
        };
        let ifaces = parse(&text).unwrap();
        let names: Vec<&str> = ifaces.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["docker0", "ens33", "lo"]);
        let docker0 = &ifaces[0];
        assert_eq!(docker0.flags, ["UP", "BROADCAST", "MULTICAST"]);
        assert!(docker0.is_up() && !docker0.has_carrier() && docker0.is_virtual());
        assert_eq!(docker0.addresses[0].cidr(), "172.17.0.1/16");
        assert_eq!(docker0.mac.as_deref(), Some("02:42:b1:9a:ea:02"));
        assert_eq!(docker0.link_type.as_deref(), Some("ether"));
        let ens33 = &ifaces[1];
        assert_eq!((ens33.mtu, ens33.line), (Some(1500), 9));
        assert!(ens33.has_carrier() && !ens33.is_virtual());
        assert_eq!(ens33.addresses.len(), 2);
        assert_eq!(ens33.addresses[1].cidr(), "fe80::c1cb:715d:bc3e:b8a0/64");
        assert_eq!(ens33.addresses[1].scope.as_deref(), Some("link"));
        assert_eq!(ens33.addresses[1].line, 11);
        let stats = ens33.stats.unwrap();
        assert_eq!((stats.rx.packets, stats.rx.bytes), (8061, 1_514_413));
        assert_eq!((stats.tx.packets, stats.tx.bytes), (4502, 866_622));
        let lo = &ifaces[2];
        assert_eq!(lo.mtu, Some(65536));
        assert_eq!(lo.link_type.as_deref(), Some("loopback"));
        assert_eq!(lo.addresses[1].scope.as_deref(), Some("host"));
    }

    /// net-tools 1.60 on RHEL 6: jumbo NIC, an admin-down NIC, an up NIC without carrier,
    /// an alias, loopback.
    pub(crate) const OLD_FORMAT: &str = "\
eth0      Link encap:Ethernet  HWaddr 00:50:56:8A:1B:2C  
          inet addr:10.20.30.40  Bcast:10.20.30.255  Mask:255.255.255.0
          inet6 addr: fe80::250:56ff:fe8a:1b2c/64 Scope:Link
          UP BROADCAST RUNNING MULTICAST  MTU:9000  Metric:1
          RX packets:1234567 errors:0 dropped:12 overruns:0 frame:0
          TX packets:7654321 errors:3 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:1000 
          RX bytes:987654321 (941.9 MiB)  TX bytes:123456789 (117.7 MiB)

eth0:1    Link encap:Ethernet  HWaddr 00:50:56:8A:1B:2C  
          inet addr:10.20.30.41  Bcast:10.20.30.255  Mask:255.255.255.0
          UP BROADCAST RUNNING MULTICAST  MTU:9000  Metric:1

eth1      Link encap:Ethernet  HWaddr 00:50:56:8A:1B:2D  
          BROADCAST MULTICAST  MTU:1500  Metric:1
          RX packets:0 errors:0 dropped:0 overruns:0 frame:0
          TX packets:0 errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:1000 
          RX bytes:0 (0.0 b)  TX bytes:0 (0.0 b)

eth2      Link encap:Ethernet  HWaddr 00:50:56:8A:1B:2E  
          UP BROADCAST MULTICAST  MTU:1500  Metric:1
          RX packets:0 errors:0 dropped:0 overruns:0 frame:0
          TX packets:0 errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:1000 
          RX bytes:0 (0.0 b)  TX bytes:0 (0.0 b)
          Interrupt:19 Base address:0x2000 

lo        Link encap:Local Loopback  
          inet addr:127.0.0.1  Mask:255.0.0.0
          inet6 addr: ::1/128 Scope:Host
          UP LOOPBACK RUNNING  MTU:65536  Metric:1
          RX packets:480 errors:0 dropped:0 overruns:0 frame:0
          TX packets:480 errors:0 dropped:0 overruns:0 carrier:0
          collisions:0 txqueuelen:0 
          RX bytes:40000 (39.0 KiB)  TX bytes:40000 (39.0 KiB)

";

    #[test]
    fn old_format_flags_mtu_addresses_and_counters() {
        let ifaces = parse(OLD_FORMAT).unwrap();
        let names: Vec<&str> = ifaces.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["eth0", "eth0:1", "eth1", "eth2", "lo"]);
        let eth0 = &ifaces[0];
        assert_eq!(eth0.mtu, Some(9000));
        assert_eq!(eth0.mac.as_deref(), Some("00:50:56:8a:1b:2c"));
        assert!(eth0.is_up() && eth0.has_carrier());
        assert_eq!(eth0.addresses[0].cidr(), "10.20.30.40/24");
        assert_eq!(eth0.addresses[0].broadcast.as_deref(), Some("10.20.30.255"));
        assert_eq!(eth0.addresses[1].cidr(), "fe80::250:56ff:fe8a:1b2c/64");
        assert_eq!(eth0.addresses[1].scope.as_deref(), Some("link"));
        let stats = eth0.stats.unwrap();
        assert_eq!(stats.rx.packets, 1_234_567);
        assert_eq!(stats.rx.dropped, 12);
        assert_eq!(stats.tx.errors, 3);
        assert_eq!(stats.rx.bytes, 987_654_321);
        assert_eq!(stats.tx.bytes, 123_456_789);
        assert_eq!(ifaces[1].addresses[0].label.as_deref(), Some("eth0:1"));
        let eth1 = &ifaces[2];
        assert!(!eth1.is_up() && !eth1.has_carrier());
        assert_eq!(eth1.line, 14);
        let eth2 = &ifaces[3];
        assert!(eth2.is_up() && !eth2.has_carrier(), "up without RUNNING");
        let lo = &ifaces[4];
        assert_eq!(lo.link_type.as_deref(), Some("loopback"));
        assert!(lo.is_loopback() && lo.is_virtual());
    }

    #[test]
    fn stray_text_is_an_error_naming_the_line() {
        let err = parse("eth0: flags=4163<UP>  mtu 1500\n\nnot an interface\n").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.expected.contains("interface header"));
        let err = parse("        inet 10.0.0.1  netmask 255.0.0.0\n").unwrap_err();
        assert_eq!(err.line, 1);
        let err = parse("eth0: flags=4163<UP>  mtu 1500\n        inet 10.0.0.999\n").unwrap_err();
        assert_eq!(err.line, 2);
    }
}
