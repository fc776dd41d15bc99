//! `route -n` (net-tools) and `ip route show table all` (iproute2) into one route table, so
//! "does this node have a default route" is answered the same way from either.
//!
//! Strictness: table for both. `route -n` must have its `Destination ... Iface` header and
//! eight columns per row. `ip route` rows are `[type] destination key value... [flags]`,
//! with `nexthop` lines of multipath routes indented under their route; unknown keywords
//! are kept in [`Route::other`] rather than rejected, since iproute2 keeps adding them.

use std::net::IpAddr;

use super::interface::{netmask_prefix_len, Family};
use super::{numbered_lines, ParseError};

/// The routes a node printed, in output order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RouteTable {
    /// One per route line.
    pub routes: Vec<Route>,
}

/// What a route does with matching packets (the leading keyword of `ip route`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteType {
    /// Forward (the default; no keyword).
    Unicast,
    /// Local delivery (`table local` entries).
    Local,
    /// Broadcast address (`table local`).
    Broadcast,
    /// Multicast.
    Multicast,
    /// Drop with ICMP unreachable (also `route -n` flag `!`).
    Unreachable,
    /// Drop silently.
    Blackhole,
    /// Drop with ICMP prohibited.
    Prohibit,
    /// Stop lookup in this table.
    Throw,
    /// Anycast.
    Anycast,
    /// Another keyword, as printed.
    Other(String),
}

/// One route.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// Route type.
    pub kind: RouteType,
    /// Destination as printed: `default`, `10.0.2.0/24`, `127.0.0.1`; for `route -n`,
    /// `address/prefix` built from Destination and Genmask.
    pub destination: String,
    /// Destination prefix length (`default` → 0, a bare address → 32 or 128).
    pub prefix_len: Option<u8>,
    /// IPv4 or IPv6.
    pub family: Family,
    /// Next hop (`via`, or route -n's Gateway when not 0.0.0.0).
    pub gateway: Option<IpAddr>,
    /// Output device (`dev`, route -n's Iface).
    pub device: Option<String>,
    /// Routing table name or number (`table local`); `None` = main.
    pub table: Option<String>,
    /// Metric.
    pub metric: Option<u32>,
    /// Who installed it (`proto kernel`, `dhcp`, `static`, `bird`, ...).
    pub proto: Option<String>,
    /// Scope (`link`, `host`, `global`).
    pub scope: Option<String>,
    /// Preferred source address (`src`).
    pub source: Option<String>,
    /// Flag words of `ip route` (`linkdown`, `onlink`, `dead`, `offload`, ...) or the
    /// letters of `route -n` (`U`, `G`, `H`, `!`, ...), one per entry.
    pub flags: Vec<String>,
    /// `nexthop` lines of an ECMP route.
    pub nexthops: Vec<NextHop>,
    /// Key/value pairs not modelled above (`pref medium`, `expires 297sec`, `mtu 1500`).
    pub other: Vec<(String, String)>,
    /// 1-based line of the route.
    pub line: usize,
}

/// One path of a multipath (ECMP) route.
#[derive(Debug, Clone, PartialEq)]
pub struct NextHop {
    /// `via`.
    pub gateway: Option<IpAddr>,
    /// `dev`.
    pub device: Option<String>,
    /// `weight`.
    pub weight: Option<u32>,
    /// `linkdown`, `dead`, `onlink`, ...
    pub flags: Vec<String>,
    /// 1-based line.
    pub line: usize,
}

impl Route {
    /// Destination is everything (`default`, `0.0.0.0/0`, `::/0`).
    pub fn is_default(&self) -> bool {
        self.destination == "default" || self.prefix_len == Some(0)
    }

    /// In the main table (no `table` keyword, or `table main`).
    pub fn in_main_table(&self) -> bool {
        matches!(self.table.as_deref(), None | Some("main"))
    }

    /// Marked unusable: `linkdown` / `dead` (on the route, or on every next hop).
    pub fn is_down(&self) -> bool {
        let down = |flags: &[String]| flags.iter().any(|f| f == "linkdown" || f == "dead");
        down(&self.flags)
            || (!self.nexthops.is_empty() && self.nexthops.iter().all(|h| down(&h.flags)))
    }
}

impl RouteTable {
    /// Default routes that can carry traffic: unicast, main table, not link-down.
    /// `table local` entries, `unreachable default` and the like do not count.
    pub fn default_routes(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter().filter(|r| {
            r.is_default() && r.kind == RouteType::Unicast && r.in_main_table() && !r.is_down()
        })
    }

    /// Whether any usable default route exists (either family).
    pub fn has_default_route(&self) -> bool {
        self.default_routes().next().is_some()
    }

    /// Whether a usable default route of `family` exists.
    pub fn has_default_route_for(&self, family: Family) -> bool {
        self.default_routes().any(|r| r.family == family)
    }
}

/// Parses `route -n` (the IPv4 table of net-tools).
pub(crate) fn parse_route_n(text: &str) -> Result<RouteTable, ParseError> {
    let mut table = RouteTable::default();
    let mut header_seen = false;
    for (n, raw) in numbered_lines(text) {
        let line = raw.trim();
        if line.is_empty() || line.starts_with("Kernel IP routing table") {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.first() == Some(&"Destination") {
            header_seen = true;
            continue;
        }
        if !header_seen {
            return Err(ParseError::new(
                n,
                "the `Destination Gateway Genmask Flags Metric Ref Use Iface` header",
                line,
            ));
        }
        let [dest, gateway, mask, flags, metric, _ref, _use, iface] = fields[..] else {
            return Err(ParseError::new(
                n,
                "8 columns: Destination Gateway Genmask Flags Metric Ref Use Iface",
                line,
            ));
        };
        let bad = |what: &str| ParseError::new(n, what.to_string(), line);
        let dest_addr: IpAddr = dest.parse().map_err(|_| bad("an IPv4 destination"))?;
        let prefix_len =
            netmask_prefix_len(mask).ok_or_else(|| bad("a contiguous netmask in Genmask"))?;
        let gateway: IpAddr = gateway.parse().map_err(|_| bad("an IPv4 gateway"))?;
        let metric = metric.parse().map_err(|_| bad("a numeric metric"))?;
        let flags: Vec<String> = flags.chars().map(String::from).collect();
        let kind = if flags.iter().any(|f| f == "!") {
            RouteType::Unreachable
        } else {
            RouteType::Unicast
        };
        table.routes.push(Route {
            kind,
            destination: format!("{dest_addr}/{prefix_len}"),
            prefix_len: Some(prefix_len),
            family: Family::Inet,
            gateway: (!gateway.is_unspecified()).then_some(gateway),
            device: Some(iface.to_string()),
            table: None,
            metric: Some(metric),
            proto: None,
            scope: None,
            source: None,
            flags,
            nexthops: Vec::new(),
            other: Vec::new(),
            line: n,
        });
    }
    Ok(table)
}

/// Route flags of iproute2 (words without a value).
const IP_ROUTE_FLAGS: &[&str] = &[
    "linkdown",
    "onlink",
    "dead",
    "pervasive",
    "offload",
    "trap",
    "notify",
    "rt_offload",
    "rt_trap",
    "rt_offload_failed",
    "unresolved",
];

/// Parses `ip route show table all` (or plain `ip route`, `ip -6 route`).
pub(crate) fn parse_ip_route(text: &str) -> Result<RouteTable, ParseError> {
    let mut table = RouteTable::default();
    for (n, raw) in numbered_lines(text) {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with("nexthop") {
            let Some(route) = table.routes.last_mut() else {
                return Err(ParseError::new(
                    n,
                    "a route before its `nexthop` lines",
                    line,
                ));
            };
            route.nexthops.push(parse_nexthop(n, line)?);
            continue;
        }
        table.routes.push(parse_ip_route_line(n, line)?);
    }
    Ok(table)
}

fn route_type(word: &str) -> Option<RouteType> {
    Some(match word {
        "unicast" => RouteType::Unicast,
        "local" => RouteType::Local,
        "broadcast" => RouteType::Broadcast,
        "multicast" => RouteType::Multicast,
        "unreachable" => RouteType::Unreachable,
        "blackhole" => RouteType::Blackhole,
        "prohibit" => RouteType::Prohibit,
        "throw" => RouteType::Throw,
        "anycast" => RouteType::Anycast,
        "nat" => RouteType::Other(word.to_string()),
        _ => return None,
    })
}

fn parse_ip_route_line(n: usize, line: &str) -> Result<Route, ParseError> {
    let mut tokens = line.split_whitespace().peekable();
    let mut kind = RouteType::Unicast;
    if let Some(k) = tokens.peek().and_then(|w| route_type(w)) {
        kind = k;
        tokens.next();
    }
    let destination = tokens.next().unwrap_or("").to_string();
    let (prefix_len, dest_family) = destination_prefix(&destination)
        .ok_or_else(|| ParseError::new(n, "a route destination (`default` or a prefix)", line))?;
    let mut route = Route {
        kind,
        destination,
        prefix_len,
        family: dest_family.unwrap_or(Family::Inet),
        gateway: None,
        device: None,
        table: None,
        metric: None,
        proto: None,
        scope: None,
        source: None,
        flags: Vec::new(),
        nexthops: Vec::new(),
        other: Vec::new(),
        line: n,
    };
    let bad = |what: &str| ParseError::new(n, what.to_string(), line);
    while let Some(key) = tokens.next() {
        if IP_ROUTE_FLAGS.contains(&key) {
            route.flags.push(key.to_string());
            continue;
        }
        // `mtu lock 1400`: the lock marker belongs to the next attribute.
        let mut value = tokens.next().unwrap_or("");
        if value == "lock" {
            value = tokens.next().unwrap_or("");
        }
        match key {
            "via" => {
                // `via inet6 fe80::1` names the family first.
                if value == "inet" || value == "inet6" {
                    value = tokens.next().unwrap_or("");
                }
                route.gateway = Some(value.parse().map_err(|_| bad("an address after `via`"))?);
            }
            "dev" => route.device = Some(value.to_string()),
            "table" => route.table = Some(value.to_string()),
            "metric" => route.metric = Some(value.parse().map_err(|_| bad("a numeric metric"))?),
            "proto" => route.proto = Some(value.to_string()),
            "scope" => route.scope = Some(value.to_string()),
            "src" => route.source = Some(value.to_string()),
            _ => route.other.push((key.to_string(), value.to_string())),
        }
    }
    if dest_family.is_none() {
        // `default` has no family of its own: take it from the gateway or source.
        let v6 = route.gateway.is_some_and(|g| g.is_ipv6())
            || route.source.as_deref().is_some_and(|s| s.contains(':'))
            || route.other.iter().any(|(k, _)| k == "pref");
        route.family = if v6 { Family::Inet6 } else { Family::Inet };
    }
    Ok(route)
}

/// `default` → (Some(0), None); `10.0.0.0/8` → (Some(8), Inet); `127.0.0.1` → (Some(32), Inet).
fn destination_prefix(destination: &str) -> Option<(Option<u8>, Option<Family>)> {
    if destination == "default" {
        return Some((Some(0), None));
    }
    let (addr, len) = match destination.split_once('/') {
        Some((addr, len)) => (addr, Some(len.parse::<u8>().ok()?)),
        None => (destination, None),
    };
    let addr: IpAddr = addr.parse().ok()?;
    let family = if addr.is_ipv4() {
        Family::Inet
    } else {
        Family::Inet6
    };
    let full = if addr.is_ipv4() { 32 } else { 128 };
    Some((Some(len.unwrap_or(full)), Some(family)))
}

fn parse_nexthop(n: usize, line: &str) -> Result<NextHop, ParseError> {
    let mut hop = NextHop {
        gateway: None,
        device: None,
        weight: None,
        flags: Vec::new(),
        line: n,
    };
    let mut tokens = line.split_whitespace().skip(1);
    while let Some(key) = tokens.next() {
        if IP_ROUTE_FLAGS.contains(&key) {
            hop.flags.push(key.to_string());
            continue;
        }
        let value = tokens.next().unwrap_or("");
        let bad = |what: &str| ParseError::new(n, what.to_string(), line);
        match key {
            "via" => hop.gateway = Some(value.parse().map_err(|_| bad("an address after `via`"))?),
            "dev" => hop.device = Some(value.to_string()),
            "weight" => hop.weight = Some(value.parse().map_err(|_| bad("a numeric weight"))?),
            _ => {}
        }
    }
    Ok(hop)
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::testdata::corpus;
    use super::*;

    #[test]
    fn corpus_route_n_has_a_default_gateway() {
        let Some(text) = corpus("insights-route-n.txt") else {
            return;
        };
        let table = parse_route_n(&text).unwrap();
        assert_eq!(table.routes.len(), 3);
        let zeroconf = &table.routes[1];
        assert_eq!(zeroconf.destination, "169.254.0.0/16");
        assert_eq!(zeroconf.metric, Some(1002));
        assert_eq!(zeroconf.gateway, None);
        assert!(table.has_default_route());
        let default = table.default_routes().next().unwrap();
        assert_eq!(default.gateway, Some("10.66.208.254".parse().unwrap()));
        assert_eq!(default.device.as_deref(), Some("eth0"));
        assert_eq!(default.flags, ["U", "G"]);
        assert_eq!(default.line, 5);
    }

    #[test]
    fn corpus_ip_route_with_linkdown_docker_bridge() {
        let Some(text) = corpus("jc-centos77-ip-route-linkdown.out") else {
            return;
        };
        let table = parse_ip_route(&text).unwrap();
        assert_eq!(table.routes.len(), 4);
        assert!(table.has_default_route_for(Family::Inet));
        assert!(!table.has_default_route_for(Family::Inet6));
        let default = &table.routes[0];
        assert_eq!(default.proto.as_deref(), Some("dhcp"));
        assert_eq!(default.metric, Some(100));
        let docker = &table.routes[3];
        assert_eq!(docker.device.as_deref(), Some("docker0"));
        assert_eq!(docker.flags, ["linkdown"]);
        assert!(docker.is_down());
        assert_eq!(docker.source.as_deref(), Some("172.17.0.1"));
        assert_eq!(docker.line, 4);
    }

    /// `ip route show table all` of iproute2 6.1 (captured on this project's build host,
    /// dual stack), with the `table local` entries.
    pub(crate) const TABLE_ALL: &str = "\
default via 192.0.2.1 dev eth0 
192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2 
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 
broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 
local 192.0.2.2 dev eth0 table local proto kernel scope host src 192.0.2.2 
broadcast 192.0.2.255 dev eth0 table local proto kernel scope link src 192.0.2.2 
fd00::/64 dev eth0 proto kernel metric 256 pref medium
fe80::/64 dev eth0 proto kernel metric 256 pref medium
default via fd00::1 dev eth0 metric 1024 pref medium
local ::1 dev lo table local proto kernel metric 0 pref medium
local fd00::2 dev eth0 table local proto kernel metric 0 pref medium
multicast ff00::/8 dev eth0 table local proto kernel metric 256 pref medium
";

    #[test]
    fn table_all_types_and_families() {
        let table = parse_ip_route(TABLE_ALL).unwrap();
        assert_eq!(table.routes.len(), 13);
        assert_eq!(table.default_routes().count(), 2);
        assert!(table.has_default_route_for(Family::Inet6));
        let local = &table.routes[2];
        assert_eq!(local.kind, RouteType::Local);
        assert_eq!(local.table.as_deref(), Some("local"));
        assert_eq!(local.prefix_len, Some(8));
        assert_eq!(table.routes[4].kind, RouteType::Broadcast);
        assert_eq!(table.routes[12].kind, RouteType::Multicast);
        assert_eq!(table.routes[12].family, Family::Inet6);
        assert_eq!(
            table.routes[7].other,
            [("pref".to_string(), "medium".to_string())]
        );
    }

    #[test]
    fn only_usable_main_table_unicast_defaults_count() {
        let text = "\
unreachable default metric 4278198272
default via 10.1.0.1 dev eth9 table 100
default via 10.0.0.1 dev eth0 linkdown
blackhole 10.0.0.0/8
";
        let table = parse_ip_route(text).unwrap();
        assert_eq!(table.routes[0].kind, RouteType::Unreachable);
        assert_eq!(table.routes[3].kind, RouteType::Blackhole);
        assert!(!table.has_default_route());
    }

    #[test]
    fn multipath_default_route() {
        let text = "\
default proto static metric 100 
\tnexthop via 10.0.0.1 dev eth0 weight 1 
\tnexthop via 10.0.1.1 dev eth1 weight 1 linkdown
10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5 mtu lock 1400
";
        let table = parse_ip_route(text).unwrap();
        assert_eq!(table.routes.len(), 2);
        let default = &table.routes[0];
        assert_eq!(default.nexthops.len(), 2);
        assert_eq!(default.nexthops[1].flags, ["linkdown"]);
        assert_eq!(default.nexthops[1].line, 3);
        assert!(!default.is_down(), "one path still up");
        assert!(table.has_default_route());
        assert_eq!(
            table.routes[1].other,
            [("mtu".to_string(), "1400".to_string())]
        );
    }

    #[test]
    fn no_default_route() {
        let text = "Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n10.0.0.0        0.0.0.0         255.255.255.0   U     0      0        0 eth0\n";
        assert!(!parse_route_n(text).unwrap().has_default_route());
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse_route_n("10.0.0.0 0.0.0.0 255.0.0.0 U 0 0 0 eth0\n").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.expected.contains("header"));
        let text = "Destination Gateway Genmask Flags Metric Ref Use Iface\n10.0.0.0 0.0.0.0 255.0.0.0 U 0\n";
        assert_eq!(parse_route_n(text).unwrap_err().line, 2);
        let err = parse_ip_route("default via 10.0.0.1\nnot-a-route dev eth0\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.expected.contains("destination"));
        assert_eq!(
            parse_ip_route("\tnexthop via 10.0.0.1\n").unwrap_err().line,
            1
        );
        assert_eq!(parse_ip_route("default via banana\n").unwrap_err().line, 1);
    }
}
