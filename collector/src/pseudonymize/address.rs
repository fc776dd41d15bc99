//! Stand-ins for IPv4, IPv6 and MAC addresses that keep the structure an analysis needs.
//!
//! IPv4 keeps its first octet (private stays private, loopback stays loopback) and, for the
//! private ranges, the whole range prefix (10/8, 172.16/12, 192.168/16, 100.64/10,
//! 169.254/16). The bits after that are mapped prefix-preservingly (each output bit is the
//! input bit XOR a keyed hash of the bits before it, as in Crypto-PAn), so two addresses in
//! one subnet stay in one subnet of the same size. The last octet is permuted among 1..=254
//! per subnet, so `.0` network and `.255` broadcast addresses keep their meaning.
//! Unspecified, loopback, multicast, broadcast and netmask values are left alone.

use sha2::{Digest, Sha256};
use std::net::{Ipv4Addr, Ipv6Addr};

/// The keyed function every stand-in is derived from.
#[derive(Clone)]
pub struct Key([u8; 32]);

impl Key {
    /// A key from 32 secret bytes.
    pub fn new(bytes: [u8; 32]) -> Self {
        Key(bytes)
    }

    fn hash(&self, domain: &[u8], data: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.0);
        h.update(domain);
        h.update(data);
        h.finalize().into()
    }

    fn bit(&self, domain: &[u8], prefix: &[u8], len: u32) -> bool {
        let mut data = prefix.to_vec();
        data.extend_from_slice(&len.to_be_bytes());
        self.hash(domain, &data)[0] & 1 == 1
    }
}

/// True for IPv4 values that identify nothing and carry meaning as they are.
pub fn keep_ipv4(ip: Ipv4Addr) -> bool {
    let v = u32::from(ip);
    let o = ip.octets();
    v == 0 || o[0] == 0 || o[0] == 127 || o[0] >= 224 || (!v).wrapping_add(1) & !v == 0
    // netmask: ones then zeros
}

fn kept_prefix_bits(ip: Ipv4Addr) -> u32 {
    let o = ip.octets();
    match o {
        [192, 168, ..] | [169, 254, ..] => 16,
        [172, b, ..] if (16..32).contains(&b) => 12,
        [100, b, ..] if (64..128).contains(&b) => 10,
        _ => 8,
    }
}

/// The stand-in of an IPv4 address.
pub fn map_ipv4(key: &Key, ip: Ipv4Addr) -> Ipv4Addr {
    if keep_ipv4(ip) {
        return ip;
    }
    let v = u32::from(ip);
    let keep = kept_prefix_bits(ip);
    let mut out = v & !((1u32 << (32 - keep)) - 1);
    for i in keep..24 {
        let prefix = if i == 0 { 0 } else { v >> (32 - i) };
        let flip = key.bit(b"v4", &prefix.to_be_bytes(), i);
        let bit = (v >> (31 - i)) & 1;
        out |= (bit ^ flip as u32) << (31 - i);
    }
    let last = (v & 0xff) as u8;
    let mapped_last = match last {
        0 | 255 => last,
        x => {
            let h = key.hash(b"v4-last", &(out >> 8).to_be_bytes());
            // a*x+b mod 254 is a permutation of 0..254 when a is odd and not 127.
            let mut a = u32::from(h[0]) | 1;
            if a == 127 {
                a = 1;
            }
            let b = u32::from(h[1]);
            (((u32::from(x) - 1) * a + b) % 254 + 1) as u8
        }
    };
    Ipv4Addr::from(out | u32::from(mapped_last))
}

/// The stand-in of an IPv6 address: the first 16 bits kept (fe80 link-local, fd private,
/// 2001 documentation ...), the rest of the /64 prefix mapped prefix-preservingly, the
/// interface id hashed (left alone when it is 0 or small, like `::1` of a router).
pub fn map_ipv6(key: &Key, ip: Ipv6Addr) -> Ipv6Addr {
    if ip.is_unspecified() || ip.is_loopback() || ip.is_multicast() {
        return ip;
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return map_ipv4(key, v4).to_ipv6_mapped();
    }
    let v = u128::from(ip);
    let mut out = v & (0xffffu128 << 112);
    for i in 16..64 {
        let prefix = v >> (128 - i);
        let flip = key.bit(b"v6", &prefix.to_be_bytes(), i);
        let bit = (v >> (127 - i)) & 1;
        out |= (bit ^ flip as u128) << (127 - i);
    }
    let iid = v as u64;
    let mapped_iid = if iid <= 0xffff {
        iid
    } else {
        let h = key.hash(b"v6-iid", &v.to_be_bytes());
        let mut b = [0u8; 8];
        b.copy_from_slice(&h[..8]);
        u64::from_be_bytes(b) | 0x1_0000
    };
    Ipv6Addr::from(out | u128::from(mapped_iid))
}

/// The stand-in of a MAC address written as `aa:bb:...` or `aa-bb-...`, same separators and
/// case. All-zero and broadcast addresses are kept; the multicast bit of the first octet is
/// kept and the locally-administered bit set, so a stand-in never names a real vendor.
pub fn map_mac(key: &Key, mac: &str) -> String {
    let sep = if mac.contains('-') { '-' } else { ':' };
    let bytes: Vec<u8> = mac
        .split(sep)
        .filter_map(|p| u8::from_str_radix(p, 16).ok())
        .collect();
    if bytes.len() != 6 || bytes.iter().all(|&b| b == 0) || bytes.iter().all(|&b| b == 0xff) {
        return mac.to_string();
    }
    let lower: Vec<u8> = bytes.clone();
    let h = key.hash(b"mac", &lower);
    let mut out = [0u8; 6];
    out.copy_from_slice(&h[..6]);
    out[0] = (out[0] & 0xfc) | 0x02 | (bytes[0] & 0x01);
    let upper = mac.chars().any(|c| c.is_ascii_uppercase());
    out.iter()
        .map(|b| {
            if upper {
                format!("{b:02X}")
            } else {
                format!("{b:02x}")
            }
        })
        .collect::<Vec<_>>()
        .join(&sep.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key::new([7; 32])
    }

    fn common_prefix(a: Ipv4Addr, b: Ipv4Addr) -> u32 {
        (u32::from(a) ^ u32::from(b)).leading_zeros()
    }

    #[test]
    fn ipv4_subnets_stay_subnets() {
        let k = key();
        let pairs = [
            ("10.1.2.3", "10.1.2.200"),
            ("10.1.2.3", "10.1.3.3"),
            ("10.1.2.3", "10.200.2.3"),
            ("192.168.1.10", "192.168.1.11"),
            ("8.8.8.8", "8.8.4.4"),
        ];
        for (a, b) in pairs {
            let (a, b): (Ipv4Addr, Ipv4Addr) = (a.parse().unwrap(), b.parse().unwrap());
            let (ma, mb) = (map_ipv4(&k, a), map_ipv4(&k, b));
            let want = common_prefix(a, b).min(24);
            assert!(common_prefix(ma, mb) >= want, "{a} {b} -> {ma} {mb}");
            if common_prefix(a, b) < 24 {
                assert_eq!(common_prefix(ma, mb), common_prefix(a, b), "{a} {b}");
            }
        }
    }

    #[test]
    fn ipv4_keeps_ranges_and_special_values() {
        let k = key();
        let m = |s: &str| map_ipv4(&k, s.parse().unwrap()).to_string();
        assert!(m("10.0.0.5").starts_with("10."));
        assert!(m("192.168.7.9").starts_with("192.168."));
        assert!(m("10.244.1.0").ends_with(".0"));
        assert!(m("10.244.1.255").ends_with(".255"));
        for same in [
            "127.0.0.1",
            "0.0.0.0",
            "255.255.255.0",
            "255.255.240.0",
            "224.0.0.1",
        ] {
            assert_eq!(m(same), same);
        }
        assert_ne!(m("10.0.0.5"), "10.0.0.5");
        assert_eq!(m("10.0.0.5"), m("10.0.0.5"));
    }

    #[test]
    fn ipv4_mapping_is_one_to_one_within_a_subnet() {
        let k = key();
        let mut seen = std::collections::HashSet::new();
        for last in 0..=255u8 {
            assert!(seen.insert(map_ipv4(&k, Ipv4Addr::new(10, 9, 8, last))));
        }
    }

    #[test]
    fn ipv6_and_macs() {
        let k = key();
        let a: Ipv6Addr = "fe80::a00:27ff:fe4e:66a1".parse().unwrap();
        let b: Ipv6Addr = "fe80::1".parse().unwrap();
        let ma = map_ipv6(&k, a);
        assert_eq!(ma.segments()[0], 0xfe80);
        assert_ne!(ma, a);
        assert_eq!(map_ipv6(&k, b).segments()[7], 1);
        let mapped = map_ipv6(&k, "::ffff:10.0.0.1".parse().unwrap());
        assert_eq!(
            mapped.to_ipv4_mapped().unwrap(),
            map_ipv4(&k, "10.0.0.1".parse().unwrap())
        );
        let mac = map_mac(&k, "08:00:27:4E:66:A1");
        assert_eq!(mac.len(), 17);
        assert!(mac
            .chars()
            .all(|c| c == ':' || c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));
        assert_ne!(mac, "08:00:27:4E:66:A1");
        assert_eq!(map_mac(&k, "ff:ff:ff:ff:ff:ff"), "ff:ff:ff:ff:ff:ff");
        assert_eq!(map_mac(&k, "08-00-27-4e-66-a1").matches('-').count(), 5);
    }
}
