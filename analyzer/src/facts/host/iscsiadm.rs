//! `iscsiadm -m node` (configured targets) and `iscsiadm -m session [-P 1]` (open
//! sessions), so a rule can find targets configured on a node but not logged in.
//!
//! `iscsiadm: No active sessions.` and `iscsiadm: No records found` mean empty lists; every
//! `iscsiadm: ...` line is kept as a message rather than treated as an error.
//!
//! Strictness: table for `-m node` and the one-line `-m session` form (any other line is an
//! error). In the `-P 1` (or `-P 3`) form the known `Key: value` lines are read and the
//! rest of the detail (interface, timeouts, CHAP, attached devices) is skipped.

use std::sync::LazyLock;

use regex::Regex;

use super::{numbered_lines, ParseError};

static NODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\S+),(-?\d+)\s+(\S+)\s*$").expect("valid node regex"));
static SHORT_SESSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\S+): \[(\d+)\] (\S+),(-?\d+) (\S+)(?:\s+\((\S+)\))?\s*$")
        .expect("valid session regex")
});

/// A line iscsiadm printed about itself (`iscsiadm: No active sessions.`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IscsiMessage {
    /// 1-based line.
    pub line: usize,
    /// The text after `iscsiadm: `.
    pub text: String,
}

/// What `iscsiadm -m node` printed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeList {
    /// Configured (discovered) node records.
    pub records: Vec<NodeRecord>,
    /// iscsiadm's own messages.
    pub messages: Vec<IscsiMessage>,
}

/// One node record: a target reachable through a portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRecord {
    /// `address:port` (`10.0.0.5:3260`, `[fe80::1]:3260`).
    pub portal: String,
    /// Target portal group tag (`-1` when unknown).
    pub tpgt: i32,
    /// Target IQN.
    pub target: String,
    /// 1-based line.
    pub line: usize,
}

/// What `iscsiadm -m session [-P 1]` printed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionList {
    /// Sessions in output order.
    pub sessions: Vec<Session>,
    /// iscsiadm's own messages (`No active sessions.`).
    pub messages: Vec<IscsiMessage>,
}

/// One iSCSI session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Session {
    /// Target IQN.
    pub target: String,
    /// Current portal `address:port`.
    pub portal: String,
    /// Target portal group tag of the current portal.
    pub tpgt: Option<i32>,
    /// Persistent portal `address:port` (`-P 1`; differs after a redirect).
    pub persistent_portal: Option<String>,
    /// Session id (`[1]`, `SID: 1`).
    pub sid: Option<u32>,
    /// Transport (`tcp`, `iser`, ...).
    pub transport: Option<String>,
    /// `Some(true)` for `(flash)`, `Some(false)` for `(non-flash)`.
    pub flash: Option<bool>,
    /// `Iface Name` (`-P 1`).
    pub iface_name: Option<String>,
    /// `Iface IPaddress` (`-P 1`).
    pub iface_address: Option<String>,
    /// `iSCSI Connection State` (`LOGGED IN`, `TRANSPORT WAIT`, `FREE`, ...).
    pub connection_state: Option<String>,
    /// `iSCSI Session State` (`LOGGED_IN`, `FAILED`, `FREE`, ...).
    pub session_state: Option<String>,
    /// `Internal iscsid Session State` (`NO CHANGE`, `REOPEN`, ...).
    pub internal_state: Option<String>,
    /// 1-based line where the session starts (the one-line form, or `Current Portal`).
    pub line: usize,
    /// 1-based line of `iSCSI Session State`, when printed.
    pub session_state_line: Option<usize>,
}

impl Session {
    /// Logged in: the one-line form lists only live sessions; `-P 1` says `LOGGED_IN`.
    pub fn is_logged_in(&self) -> bool {
        self.session_state
            .as_deref()
            .is_none_or(|state| state == "LOGGED_IN")
    }
}

/// Node records whose target is not logged in through their portal: configured storage a
/// node cannot reach.
pub(crate) fn nodes_without_session<'a>(
    nodes: &'a NodeList,
    sessions: &SessionList,
) -> Vec<&'a NodeRecord> {
    nodes
        .records
        .iter()
        .filter(|node| {
            !sessions.sessions.iter().any(|s| {
                s.is_logged_in()
                    && s.target == node.target
                    && (s.portal == node.portal
                        || s.persistent_portal.as_deref() == Some(node.portal.as_str()))
            })
        })
        .collect()
}

fn message(line: &str) -> Option<&str> {
    line.strip_prefix("iscsiadm:").map(str::trim)
}

/// Parses `iscsiadm -m node`: `10.0.0.5:3260,1 iqn.2001-05.com.example:storage.lun1`.
pub(crate) fn parse_nodes(text: &str) -> Result<NodeList, ParseError> {
    let mut list = NodeList::default();
    for (n, raw) in numbered_lines(text) {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(text) = message(line) {
            list.messages.push(IscsiMessage {
                line: n,
                text: text.to_string(),
            });
            continue;
        }
        let caps = NODE
            .captures(line)
            .ok_or_else(|| ParseError::new(n, "a node record `address:port,tpgt target`", line))?;
        list.records.push(NodeRecord {
            portal: caps[1].to_string(),
            tpgt: caps[2]
                .parse()
                .map_err(|_| ParseError::new(n, "a numeric portal group tag", line))?,
            target: caps[3].to_string(),
            line: n,
        });
    }
    Ok(list)
}

/// The two lines `-P 3` prints before the first target.
fn is_detail_preamble(line: &str) -> bool {
    line.starts_with("iSCSI Transport Class") || line.starts_with("version ")
}

/// Splits `10.0.0.5:3260,1` into the portal and its tag.
fn portal_and_tag(text: &str) -> (String, Option<i32>) {
    match text.rsplit_once(',') {
        Some((portal, tag)) => (portal.to_string(), tag.trim().parse().ok()),
        None => (text.to_string(), None),
    }
}

/// Parses `iscsiadm -m session` in the one-line form or the `-P 1` / `-P 3` form.
pub(crate) fn parse_sessions(text: &str) -> Result<SessionList, ParseError> {
    let mut list = SessionList::default();
    // The current `Target:` of the -P form: IQN and flash marker.
    let mut target: Option<(String, Option<bool>)> = None;
    for (n, raw) in numbered_lines(text) {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(text) = message(line) {
            list.messages.push(IscsiMessage {
                line: n,
                text: text.to_string(),
            });
            continue;
        }
        if let Some(caps) = SHORT_SESSION.captures(line) {
            list.sessions.push(Session {
                target: caps[5].to_string(),
                portal: caps[3].to_string(),
                tpgt: caps[4].parse().ok(),
                sid: caps[2].parse().ok(),
                transport: Some(caps[1].to_string()),
                flash: caps.get(6).map(|m| m.as_str() == "flash"),
                line: n,
                ..Session::default()
            });
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            if target.is_some() || is_detail_preamble(line) {
                continue;
            }
            return Err(ParseError::new(
                n,
                "a session line `tcp: [1] address:port,tpgt target` or `Target: ...`",
                line,
            ));
        };
        let value = value.trim();
        if key == "Target" {
            let mut words = value.split_whitespace();
            let iqn = words.next().unwrap_or("").to_string();
            let flash = words.next().map(|w| w == "(flash)");
            target = Some((iqn, flash));
            continue;
        }
        if key == "Current Portal" {
            let Some((iqn, flash)) = &target else {
                return Err(ParseError::new(
                    n,
                    "a `Target:` line before `Current Portal`",
                    line,
                ));
            };
            let (portal, tpgt) = portal_and_tag(value);
            list.sessions.push(Session {
                target: iqn.clone(),
                portal,
                tpgt,
                flash: *flash,
                line: n,
                ..Session::default()
            });
            continue;
        }
        let Some(session) = list.sessions.last_mut().filter(|_| target.is_some()) else {
            return Err(ParseError::new(
                n,
                "a session line `tcp: [1] address:port,tpgt target` or `Target: ...`",
                line,
            ));
        };
        let value = Some(value.to_string());
        match key {
            "Persistent Portal" => {
                session.persistent_portal = value.map(|v| portal_and_tag(&v).0);
            }
            "Iface Name" => session.iface_name = value,
            "Iface Transport" => session.transport = value,
            "Iface IPaddress" => session.iface_address = value,
            "SID" => session.sid = value.and_then(|v| v.parse().ok()),
            "iSCSI Connection State" => session.connection_state = value,
            "iSCSI Session State" => {
                session.session_state = value;
                session.session_state_line = Some(n);
            }
            "Internal iscsid Session State" => session.internal_state = value,
            _ => {}
        }
    }
    Ok(list)
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::testdata::corpus;
    use super::*;

    #[test]
    fn corpus_two_sessions_to_one_portal() {
        let Some(text) = corpus("insights-iscsiadm-m-session.txt") else {
            return;
        };
        let list = parse_sessions(&text).unwrap();
        assert_eq!(list.sessions.len(), 2);
        let s = &list.sessions[1];
        assert_eq!(s.target, "iqn.2017-06.com.example:server2");
        assert_eq!(s.portal, "10.72.32.45:3260");
        assert_eq!((s.tpgt, s.sid, s.flash), (Some(1), Some(2), Some(false)));
        assert_eq!(s.transport.as_deref(), Some("tcp"));
        assert_eq!(s.line, 2);
        assert!(s.is_logged_in());
    }

    /// `iscsiadm -m session -P 1` (open-iscsi 2.1) with one healthy and one failed session.
    pub(crate) const P1: &str = "\
Target: iqn.2001-05.com.example:storage.lun1 (non-flash)
\tCurrent Portal: 10.0.0.5:3260,1
\tPersistent Portal: 10.0.0.5:3260,1
\t\t**********
\t\tInterface:
\t\t**********
\t\tIface Name: default
\t\tIface Transport: tcp
\t\tIface Initiatorname: iqn.1993-08.org.debian:01:f6771fccb5af
\t\tIface IPaddress: 10.0.0.21
\t\tIface HWaddress: default
\t\tIface Netdev: default
\t\tSID: 1
\t\tiSCSI Connection State: LOGGED IN
\t\tiSCSI Session State: LOGGED_IN
\t\tInternal iscsid Session State: NO CHANGE
Target: iqn.2001-05.com.example:storage.lun2 (non-flash)
\tCurrent Portal: 10.0.0.6:3260,1
\tPersistent Portal: 10.0.0.6:3260,1
\t\t**********
\t\tInterface:
\t\t**********
\t\tIface Name: default
\t\tIface Transport: tcp
\t\tIface Initiatorname: iqn.1993-08.org.debian:01:f6771fccb5af
\t\tIface IPaddress: 10.0.0.21
\t\tIface HWaddress: default
\t\tIface Netdev: default
\t\tSID: 2
\t\tiSCSI Connection State: TRANSPORT WAIT
\t\tiSCSI Session State: FAILED
\t\tInternal iscsid Session State: REOPEN
";

    #[test]
    fn p1_detail_and_states() {
        let list = parse_sessions(P1).unwrap();
        assert_eq!(list.sessions.len(), 2);
        let ok = &list.sessions[0];
        assert_eq!(ok.target, "iqn.2001-05.com.example:storage.lun1");
        assert_eq!((ok.portal.as_str(), ok.line), ("10.0.0.5:3260", 2));
        assert_eq!(ok.persistent_portal.as_deref(), Some("10.0.0.5:3260"));
        assert_eq!(ok.iface_address.as_deref(), Some("10.0.0.21"));
        assert_eq!(ok.connection_state.as_deref(), Some("LOGGED IN"));
        assert!(ok.is_logged_in());
        let failed = &list.sessions[1];
        assert_eq!(failed.sid, Some(2));
        assert_eq!(failed.session_state.as_deref(), Some("FAILED"));
        assert_eq!(failed.session_state_line, Some(31));
        assert_eq!(failed.internal_state.as_deref(), Some("REOPEN"));
        assert!(!failed.is_logged_in());

        let nodes = parse_nodes(
            "10.0.0.5:3260,1 iqn.2001-05.com.example:storage.lun1\n\
             10.0.0.6:3260,1 iqn.2001-05.com.example:storage.lun2\n\
             [fd00::7]:3260,-1 iqn.2001-05.com.example:storage.lun3\n",
        )
        .unwrap();
        assert_eq!(nodes.records[2].portal, "[fd00::7]:3260");
        assert_eq!(nodes.records[2].tpgt, -1);
        let missing: Vec<usize> = nodes_without_session(&nodes, &list)
            .iter()
            .map(|r| r.line)
            .collect();
        assert_eq!(missing, [2, 3]);
    }

    #[test]
    fn p3_header_lines_are_skipped() {
        let text = "iSCSI Transport Class version 2.0-870\nversion 6.2.0.874-7\n\
                    Target: iqn.2017-10.com.redhat.stirabos:data (non-flash)\n\
                    \tCurrent Portal: 192.168.1.125:3260,1\n\
                    \t\tAttached scsi disk sdb\t\tState: running\n";
        let list = parse_sessions(text).unwrap();
        assert_eq!(list.sessions.len(), 1);
        assert_eq!(list.sessions[0].portal, "192.168.1.125:3260");
    }

    #[test]
    fn no_sessions_and_no_records_are_empty() {
        let list = parse_sessions("iscsiadm: No active sessions.\n").unwrap();
        assert!(list.sessions.is_empty());
        assert_eq!(list.messages[0].text, "No active sessions.");
        let nodes = parse_nodes("iscsiadm: No records found\n").unwrap();
        assert!(nodes.records.is_empty());
        assert_eq!(nodes.messages[0].line, 1);
    }

    #[test]
    fn garbage_is_an_error() {
        let err = parse_nodes("10.0.0.5:3260,1 iqn.a\nhello\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.expected.contains("node record"));
        let err = parse_sessions("hello world\n").unwrap_err();
        assert_eq!(err.line, 1);
        let err = parse_sessions("\tCurrent Portal: 10.0.0.5:3260,1\n").unwrap_err();
        assert!(err.expected.contains("Target"));
    }
}
