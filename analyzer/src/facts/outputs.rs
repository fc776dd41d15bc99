//! The parsed node command outputs of one host, each with the file it came from and its
//! text, so a rule can quote the exact line it judged; and the one dispatch from a command
//! id to its parser.

use super::host::{
    crictl, df, free, ifconfig, interface::Interface, ip, iscsiadm, last, meminfo, mounts,
    multipath, route, systemctl, timedatectl, uptime, ParseError,
};
use kbundle_format::commands::CommandId;
use std::sync::Arc;

/// A parsed output with its file and text.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    /// The parser's result.
    pub value: T,
    /// Path inside the bundle.
    pub file: Arc<str>,
    text: Arc<str>,
}

impl<T> Parsed<T> {
    /// Wraps a parser's result.
    pub fn new(value: T, file: &str, text: String) -> Self {
        Parsed {
            value,
            file: Arc::from(file),
            text: Arc::from(text),
        }
    }

    /// The 1-based line `n` of the output, trimmed, for evidence.
    pub fn line(&self, n: usize) -> String {
        self.text
            .lines()
            .nth(n.saturating_sub(1))
            .unwrap_or("")
            .trim()
            .to_string()
    }
}

/// Parsed outputs of a node's commands, filled by [`crate::ingest`].
#[derive(Debug, Clone, Default)]
pub struct HostOutputs {
    /// `df -h`.
    pub df_blocks: Option<Parsed<df::DfReport>>,
    /// `df -i`.
    pub df_inodes: Option<Parsed<df::DfReport>>,
    /// `ip addr` (preferred source of interfaces).
    pub ip_addr: Option<Parsed<Vec<Interface>>>,
    /// `ip -s link`.
    pub ip_link: Option<Parsed<Vec<Interface>>>,
    /// `ifconfig -a`.
    pub ifconfig: Option<Parsed<Vec<Interface>>>,
    /// `ip route show table all`.
    pub ip_route: Option<Parsed<route::RouteTable>>,
    /// `route -n`.
    pub route_n: Option<Parsed<route::RouteTable>>,
    /// `last -x -F reboot shutdown`.
    pub last: Option<Parsed<last::LastLog>>,
    /// `multipath -ll` (preferred: it has the checker's view).
    pub multipath_ll: Option<Parsed<Vec<multipath::MultipathMap>>>,
    /// `multipath -l`.
    pub multipath_l: Option<Parsed<Vec<multipath::MultipathMap>>>,
    /// `iscsiadm -m node`.
    pub iscsi_nodes: Option<Parsed<iscsiadm::NodeList>>,
    /// `iscsiadm -m session -P 1`.
    pub iscsi_sessions: Option<Parsed<iscsiadm::SessionList>>,
    /// `timedatectl status` / `chronyc tracking`.
    pub clock: Option<Parsed<timedatectl::ClockStatus>>,
    /// `systemctl status kubelet`.
    pub kubelet_status: Option<Parsed<systemctl::SystemctlStatus>>,
    /// `systemctl status containerd|crio`.
    pub runtime_status: Option<Parsed<systemctl::SystemctlStatus>>,
    /// `/proc/mounts`.
    pub mounts: Option<Parsed<Vec<mounts::Mount>>>,
    /// `crictl ps -a`.
    pub containers: Option<Parsed<Vec<crictl::Container>>>,
    /// `free -m`.
    pub free: Option<Parsed<free::Memory>>,
    /// `/proc/meminfo`.
    pub meminfo: Option<Parsed<meminfo::Meminfo>>,
    /// `uptime`.
    pub uptime: Option<Parsed<uptime::Uptime>>,
}

impl HostOutputs {
    /// Parses `text`, the output of command `id` read from `file`, into its slot. The
    /// `match` is exhaustive: a command added to the format does not compile until it is
    /// parsed here or its arm says why not.
    pub fn parse(&mut self, id: CommandId, file: &str, text: String) -> Result<(), ParseError> {
        use CommandId::*;
        /// Runs `parse` on the text and keeps the result, with file and text, in `field`.
        macro_rules! into {
            ($field:ident, $parse:expr) => {{
                let value = $parse(&text)?;
                self.$field = Some(Parsed::new(value, file, text));
            }};
        }
        match id {
            SystemctlStatusKubelet => into!(kubelet_status, systemctl::parse),
            SystemctlStatusContainerd => into!(runtime_status, systemctl::parse),
            LastReboot => into!(last, last::parse),
            Uptime => into!(uptime, uptime::parse),
            DfH => into!(df_blocks, df::parse),
            DfI => into!(df_inodes, df::parse),
            IfconfigA => into!(ifconfig, ifconfig::parse),
            IpAddr => into!(ip_addr, ip::parse),
            IpLink => into!(ip_link, ip::parse),
            IpRoute => into!(ip_route, route::parse_ip_route),
            RouteN => into!(route_n, route::parse_route_n),
            IscsiadmNode => into!(iscsi_nodes, iscsiadm::parse_nodes),
            IscsiadmSession => into!(iscsi_sessions, iscsiadm::parse_sessions),
            MultipathL => into!(multipath_l, multipath::parse),
            MultipathLl => into!(multipath_ll, multipath::parse),
            Free => into!(free, free::parse),
            Meminfo => into!(meminfo, meminfo::parse),
            Timedatectl => into!(clock, timedatectl::parse),
            Mounts => into!(mounts, mounts::parse),
            CrictlPs => into!(containers, crictl::parse),
            // Logs and nothing else: the log scanner reads them (`Reading::Scanned`).
            JournalctlKubelet | JournalctlContainerd | Dmesg => {}
        }
        Ok(())
    }

    /// The interfaces from the best source present: `ip addr`, else `ip -s link`, else
    /// `ifconfig -a`.
    pub fn interfaces(&self) -> Option<&Parsed<Vec<Interface>>> {
        self.ip_addr
            .as_ref()
            .or(self.ip_link.as_ref())
            .or(self.ifconfig.as_ref())
    }

    /// The routes from `ip route`, else `route -n`.
    pub fn routes(&self) -> Option<&Parsed<route::RouteTable>> {
        self.ip_route.as_ref().or(self.route_n.as_ref())
    }

    /// The node's memory, from `/proc/meminfo`, else `free -m`.
    pub fn memory(&self) -> Option<super::memory::Memory> {
        super::memory::combine(self.meminfo.as_ref(), self.free.as_ref())
    }

    /// The multipath maps from `multipath -ll`, else `-l`.
    pub fn multipath(&self) -> Option<&Parsed<Vec<multipath::MultipathMap>>> {
        self.multipath_ll.as_ref().or(self.multipath_l.as_ref())
    }

    /// Keeps what this host already has, takes the rest from `other`.
    pub fn merge(&mut self, other: HostOutputs) {
        macro_rules! take {
            ($($f:ident),*) => {$(
                if self.$f.is_none() {
                    self.$f = other.$f;
                }
            )*};
        }
        take!(
            df_blocks,
            df_inodes,
            ip_addr,
            ip_link,
            ifconfig,
            ip_route,
            route_n,
            last,
            multipath_ll,
            multipath_l,
            iscsi_nodes,
            iscsi_sessions,
            clock,
            kubelet_status,
            runtime_status,
            mounts,
            containers,
            free,
            meminfo,
            uptime
        );
    }
}
