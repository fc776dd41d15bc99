//! `--pseudonymize`: replaces IP addresses, MAC addresses and host names with consistent
//! stand-ins across every file of a bundle (the same address always gets the same stand-in,
//! subnets stay subnets, see [`address`]), keeping table columns aligned.
//!
//! The map from real value to stand-in is private to the customer: [`Pseudonymizer::map`]
//! is written beside the bundle, never into it.
//!
//! Host names cannot be recognised by their shape, so the ones replaced are those the
//! collector knows (node name, host name, FQDN, given at construction) plus cloud names that
//! embed an address (`ip-10-0-1-23`, mapped through the IPv4 stand-in).

pub mod address;

use address::Key;
use regex::bytes::{Regex, RegexBuilder};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex, RwLock};

/// Replaces addresses and known host names, the same way in every file of a run.
pub struct Pseudonymizer {
    key: Key,
    /// Rebuilt when [`Pseudonymizer::learn_hostnames`] adds names; lines in flight keep the
    /// pattern they started with.
    pattern: RwLock<Arc<Regex>>,
    map: Mutex<PseudonymMap>,
}

/// The private map written beside the bundle: real value → stand-in.
#[derive(Debug, Default, Clone, Serialize)]
pub struct PseudonymMap {
    /// Host names.
    pub hostnames: BTreeMap<String, String>,
    /// IPv4 addresses.
    pub ipv4: BTreeMap<String, String>,
    /// IPv6 addresses.
    pub ipv6: BTreeMap<String, String>,
    /// MAC addresses.
    pub mac: BTreeMap<String, String>,
}

const MAC: &str = r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}";
const V6: &str =
    r"(?:[0-9A-Fa-f]{0,4}:){2,6}\d{1,3}(?:\.\d{1,3}){3}|(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}";
const V4: &str = r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:/\d{1,2})?";
const CLOUD: &str = r"ip-\d{1,3}-\d{1,3}-\d{1,3}-\d{1,3}";

impl Pseudonymizer {
    /// A pseudonymizer with a secret `key` that also replaces the given host names (longest
    /// first; names shorter than 3 characters and `localhost` are ignored). The names get
    /// stand-ins `host-1`, `host-2`, ... in the order given, so the node name given first is
    /// always `host-1`.
    pub fn new(key: [u8; 32], hostnames: &[String]) -> Self {
        let mut names: Vec<String> = Vec::new();
        for n in hostnames {
            let n = n.trim().to_ascii_lowercase();
            if n.len() >= 3 && n != "localhost" && !names.contains(&n) {
                names.push(n);
            }
        }
        let mut map = PseudonymMap::default();
        for (i, n) in names.iter().enumerate() {
            map.hostnames.insert(n.clone(), format!("host-{}", i + 1));
        }
        Pseudonymizer {
            key: Key::new(key),
            pattern: RwLock::new(Arc::new(pattern(&names))),
            map: Mutex::new(map),
        }
    }

    /// Adds host names learnt during the run (a node reached over SSH names itself only
    /// when it answers); new ones get the next `host-N`. Lines pseudonymized before keep
    /// what they had, so a fan-out learns a node's names before writing any of its files.
    pub fn learn_hostnames(&self, hostnames: &[String]) {
        let names: Vec<String> = {
            let mut map = self.lock();
            let mut added = false;
            for n in hostnames {
                let n = n.trim().to_ascii_lowercase();
                if n.len() >= 3 && n != "localhost" && !map.hostnames.contains_key(&n) {
                    let stand_in = format!("host-{}", map.hostnames.len() + 1);
                    map.hostnames.insert(n, stand_in);
                    added = true;
                }
            }
            if !added {
                return;
            }
            map.hostnames.keys().cloned().collect()
        };
        let rebuilt = Arc::new(pattern(&names));
        *self.pattern.write().unwrap_or_else(|e| e.into_inner()) = rebuilt;
    }

    /// The stand-in of a known host name (the node name in bundle paths), or the name itself
    /// when it is not known.
    pub fn hostname(&self, name: &str) -> String {
        let lower = name.to_ascii_lowercase();
        self.lock()
            .hostnames
            .get(&lower)
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    /// Rewrites one line (without its `\n`) into `out`. Where a stand-in is longer or
    /// shorter than the original and a run of two or more spaces follows, the run absorbs
    /// the difference, so columns of `route -n`, `df` or `ip` tables stay aligned.
    pub fn line(&self, line: &[u8], out: &mut Vec<u8>) {
        let mut last = 0;
        let mut debt: isize = 0; // bytes the output is longer than the input so far
        let mut at = 0;
        let pattern = Arc::clone(&self.pattern.read().unwrap_or_else(|e| e.into_inner()));
        while let Some(caps) = pattern.captures_at(line, at) {
            let Some(whole) = caps.get(0) else { break };
            let replacement = self.replacement(line, &caps);
            let Some((end, stand_in)) = replacement else {
                at = whole.start() + 1;
                continue;
            };
            copy_absorbing(&line[last..whole.start()], out, &mut debt);
            out.extend_from_slice(stand_in.as_bytes());
            debt += stand_in.len() as isize - (end - whole.start()) as isize;
            last = end;
            at = end;
            if at >= line.len() {
                break;
            }
        }
        copy_absorbing(&line[last..], out, &mut debt);
    }

    /// For a candidate match: where it ends and what replaces it, or `None` when it is not
    /// an address after all (part of a longer token, a version number, an invalid value).
    fn replacement(
        &self,
        line: &[u8],
        caps: &regex::bytes::Captures<'_>,
    ) -> Option<(usize, String)> {
        let whole = caps.get(0)?;
        let (start, end) = (whole.start(), whole.end());
        let prev = start.checked_sub(1).and_then(|i| line.get(i)).copied();
        let next = line.get(end).copied();
        let text = std::str::from_utf8(whole.as_bytes()).ok()?;
        let word = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
        if let Some(m) = caps.name("cloud") {
            if word(prev) || word(next) {
                return None;
            }
            let parts: Vec<u8> = m.as_bytes()[3..]
                .split(|&b| b == b'-')
                .filter_map(|p| std::str::from_utf8(p).ok()?.parse().ok())
                .collect();
            let [a, b, c, d] = parts.as_slice() else {
                return None;
            };
            let ip = self.ipv4(Ipv4Addr::new(*a, *b, *c, *d));
            return Some((end, format!("ip-{}", ip.to_string().replace('.', "-"))));
        }
        if caps.name("mac").is_some() {
            if word(prev) || word(next) || prev == Some(b':') || next == Some(b':') {
                return None;
            }
            let stand_in = address::map_mac(&self.key, text);
            self.lock()
                .mac
                .insert(text.to_ascii_lowercase(), stand_in.clone());
            return Some((end, stand_in));
        }
        if caps.name("v6").is_some() {
            if word(prev) || prev == Some(b':') || prev == Some(b'.') || word(next) {
                return None;
            }
            if next == Some(b':')
                || (next == Some(b'.') && line.get(end + 1).is_some_and(u8::is_ascii_digit))
            {
                return None;
            }
            let groups: Vec<&str> = text.split(':').filter(|g| !g.is_empty()).collect();
            if groups.len() <= 2 && !groups.iter().any(|g| g.len() == 4) {
                return None; // `a::b` in code or logs, not an address
            }
            let ip: Ipv6Addr = text.parse().ok()?;
            let stand_in = address::map_ipv6(&self.key, ip);
            if stand_in != ip {
                self.lock()
                    .ipv6
                    .insert(ip.to_string(), stand_in.to_string());
            }
            return Some((end, stand_in.to_string()));
        }
        if caps.name("v4").is_some() {
            let dotted_before = prev == Some(b'.') || word(prev);
            let more_after =
                next == Some(b'.') && line.get(end + 1).is_some_and(u8::is_ascii_digit);
            if dotted_before || more_after || word(next) {
                return None;
            }
            let (addr, prefix) = match text.split_once('/') {
                Some((a, p)) => (a, p.parse::<u32>().ok().filter(|p| *p <= 32)),
                None => (text, None),
            };
            let ip: Ipv4Addr = addr.parse().ok()?;
            let mut stand_in = self.ipv4(ip);
            if let Some(p) = prefix {
                // A network in CIDR form keeps zero host bits.
                let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
                if u32::from(ip) & !mask == 0 {
                    stand_in = Ipv4Addr::from(u32::from(stand_in) & mask);
                }
                return Some((end, format!("{stand_in}/{p}")));
            }
            let addr_end = start + addr.len();
            return Some((addr_end, stand_in.to_string()));
        }
        if caps.name("host").is_some() {
            let host_char = |b: Option<u8>| {
                b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            };
            if host_char(prev) || host_char(next) {
                return None;
            }
            let lower = text.to_ascii_lowercase();
            return self.lock().hostnames.get(&lower).map(|s| (end, s.clone()));
        }
        None
    }

    fn ipv4(&self, ip: Ipv4Addr) -> Ipv4Addr {
        let stand_in = address::map_ipv4(&self.key, ip);
        if stand_in != ip {
            self.lock()
                .ipv4
                .insert(ip.to_string(), stand_in.to_string());
        }
        stand_in
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PseudonymMap> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of the map so far.
    pub fn map(&self) -> PseudonymMap {
        self.lock().clone()
    }
}

/// Copies `gap` (text between two replacements), letting its first run of two or more
/// spaces absorb `debt` (positive: remove spaces, keeping one; negative: add spaces).
/// The one pattern of addresses and the known host names (longest first, so a FQDN wins
/// over its short form).
fn pattern(names: &[String]) -> Regex {
    let mut by_length = names.to_vec();
    by_length.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let host_alt: Vec<String> = by_length.iter().map(|n| regex::escape(n)).collect();
    let mut alternatives = vec![
        format!("(?P<cloud>{CLOUD})"),
        format!("(?P<mac>{MAC})"),
        format!("(?P<v6>{V6})"),
        format!("(?P<v4>{V4})"),
    ];
    if !host_alt.is_empty() {
        alternatives.push(format!("(?P<host>(?i:{}))", host_alt.join("|")));
    }
    RegexBuilder::new(&alternatives.join("|"))
        .unicode(false)
        .build()
        .expect("pseudonym pattern compiles")
}

fn copy_absorbing(gap: &[u8], out: &mut Vec<u8>, debt: &mut isize) {
    if *debt == 0 {
        out.extend_from_slice(gap);
        return;
    }
    let mut i = 0;
    while i < gap.len() {
        if gap[i] == b' ' {
            let run = gap[i..].iter().take_while(|&&b| b == b' ').count();
            if run >= 2 {
                out.extend_from_slice(&gap[..i]);
                let keep = if *debt > 0 {
                    let removable = (run - 1) as isize;
                    let removed = removable.min(*debt);
                    *debt -= removed;
                    run - removed as usize
                } else {
                    let added = -*debt;
                    *debt = 0;
                    run + added as usize
                };
                out.extend(std::iter::repeat_n(b' ', keep));
                out.extend_from_slice(&gap[i + run..]);
                return;
            }
            i += run;
        } else {
            i += 1;
        }
    }
    out.extend_from_slice(gap);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Pseudonymizer {
        Pseudonymizer::new(
            [9; 32],
            &["worker-3".to_string(), "worker-3.corp.example".to_string()],
        )
    }

    fn line(ps: &Pseudonymizer, s: &str) -> String {
        let mut out = Vec::new();
        ps.line(s.as_bytes(), &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_same_value_gets_the_same_stand_in_everywhere() {
        let ps = p();
        let a = line(&ps, "node worker-3 at 10.0.0.5 mac 08:00:27:4e:66:a1");
        let b = line(&ps, "10.0.0.5 is worker-3.corp.example, WORKER-3 too");
        assert!(!a.contains("10.0.0.5") && !a.contains("worker-3") && !a.contains("08:00:27"));
        let ip_a = a.split(' ').nth(3).unwrap();
        assert!(b.starts_with(ip_a), "{a} / {b}");
        assert!(a.contains("host-1"), "{a}");
        assert!(b.contains("host-2") && b.contains("host-1 too"), "{b}");
        let map = ps.map();
        assert_eq!(map.ipv4.get("10.0.0.5").map(String::as_str), Some(ip_a));
        assert_eq!(ps.hostname("worker-3"), "host-1");
    }

    #[test]
    fn names_learnt_later_get_the_next_stand_in() {
        let ps = p();
        let before = ps.map().hostnames.len();
        ps.learn_hostnames(&["Worker-9.corp".to_string(), "worker-9".to_string()]);
        ps.learn_hostnames(&["worker-9".to_string(), "xy".to_string()]);
        let map = ps.map();
        assert_eq!(map.hostnames.len(), before + 2);
        let long = map.hostnames["worker-9.corp"].clone();
        let short = map.hostnames["worker-9"].clone();
        assert_eq!(long, format!("host-{}", before + 1));
        assert_eq!(
            line(&ps, "worker-9.corp and worker-9 and xy"),
            format!("{long} and {short} and xy")
        );
    }

    #[test]
    fn columns_stay_aligned() {
        let ps = p();
        let table = [
            "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface",
            "0.0.0.0         10.0.2.2        0.0.0.0         UG    100    0        0 eth0",
            "10.244.0.0      0.0.0.0         255.255.0.0     U     0      0        0 cni0",
            "192.168.100.0   0.0.0.0         255.255.255.0   U     0      0        0 eth1",
        ];
        let cols = |s: &str| -> Vec<usize> {
            s.char_indices()
                .filter(|&(i, c)| c != ' ' && (i == 0 || s.as_bytes()[i - 1] == b' '))
                .map(|(i, _)| i)
                .collect()
        };
        for row in table {
            let out = line(&ps, row);
            assert_eq!(cols(&out), cols(row), "{row}\n{out}");
        }
        assert!(!line(&ps, table[3]).contains("192.168.100.0 "));
    }

    #[test]
    fn versions_times_and_words_are_left_alone() {
        let ps = p();
        for s in [
            "kernel 5.15.0-91-generic v1.28.3",
            "at 12:30:45 pid 42",
            "std::vector and a::b",
            "Version: 1.2.3.4.5",
            "worker-30 and myworker-3",
            "sha256:0123456789abcdef",
        ] {
            assert_eq!(line(&ps, s), s);
        }
    }

    #[test]
    fn cidr_networks_and_cloud_names() {
        let ps = p();
        let out = line(&ps, "route 10.244.0.0/16 via ip-10-0-1-23.ec2.internal");
        let net = out.split(' ').nth(1).unwrap();
        assert!(net.starts_with("10.") && net.ends_with(".0/16"), "{out}");
        let mapped = ps.map().ipv4.get("10.0.1.23").cloned().unwrap();
        assert!(
            out.contains(&format!("ip-{}", mapped.replace('.', "-"))),
            "{out}"
        );
        let v6 = line(&ps, "inet6 fe80::a00:27ff:fe4e:66a1/64 scope link");
        assert!(
            v6.starts_with("inet6 fe80:") && !v6.contains("fe4e:66a1"),
            "{v6}"
        );
        let mapped6 = line(&ps, "::ffff:10.0.1.23 end");
        assert_eq!(mapped6, format!("::ffff:{mapped} end"));
    }
}
