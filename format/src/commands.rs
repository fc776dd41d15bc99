//! The node commands of the bundle format: one stable id per question the support checklist
//! asks of a node, with the command lines that answer it on different distributions, the
//! checklist step it feeds and how the analyzer reads its output.
//!
//! The ids are the bundle-format contract (the file stems under `host-collectors/<node>/run/`,
//! docs/bundle-format.md): [`CommandId::as_str`] writes them and `str::parse` reads them
//! back, and an id this version does not know (a newer collector's) is an
//! [`UnknownCommand`], never a crash. Everything else about a command is one row,
//! [`CommandId::spec`], whose `match` is exhaustive: a new command does not compile without
//! its row, and the analyzer's parser dispatch (an exhaustive `match` on [`CommandId`]) does
//! not compile until it parses the new output or says why not.

use crate::checklist::Step;
use crate::logs::LogKind;
use std::fmt;
use std::str::FromStr;

/// One node command of bundle format v1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CommandId {
    /// `systemctl-status-kubelet`: the kubelet unit's state and journal tail.
    SystemctlStatusKubelet,
    /// `journalctl-kubelet`: the kubelet's journal.
    JournalctlKubelet,
    /// `systemctl-status-containerd`: the container runtime unit (containerd, else crio).
    SystemctlStatusContainerd,
    /// `journalctl-containerd`: the container runtime's journal.
    JournalctlContainerd,
    /// `last-reboot`: boots and shutdowns from wtmp.
    LastReboot,
    /// `uptime`: time since boot.
    Uptime,
    /// `df-h`: filesystem blocks.
    DfH,
    /// `df-i`: filesystem inodes.
    DfI,
    /// `ifconfig-a`: interfaces (net-tools).
    IfconfigA,
    /// `ip-addr`: interfaces and addresses (iproute2).
    IpAddr,
    /// `ip-link`: interfaces with counters.
    IpLink,
    /// `ip-route`: every routing table.
    IpRoute,
    /// `route-n`: the main routing table (net-tools).
    RouteN,
    /// `iscsiadm-node`: configured iSCSI targets.
    IscsiadmNode,
    /// `iscsiadm-session`: open iSCSI sessions.
    IscsiadmSession,
    /// `multipath-l`: multipath maps from the kernel's view.
    MultipathL,
    /// `multipath-ll`: multipath maps with the path checker's view.
    MultipathLl,
    /// `dmesg`: the kernel ring buffer with wall-clock stamps.
    Dmesg,
    /// `free`: memory and swap, in MiB.
    Free,
    /// `meminfo`: the kernel's memory counters.
    Meminfo,
    /// `timedatectl`: clock synchronization.
    Timedatectl,
    /// `mounts`: what is mounted, with options.
    Mounts,
    /// `crictl-ps`: containers as the runtime sees them, for when the API is down.
    CrictlPs,
}

/// How the collector treats a command's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// A short report (df, ip, ...): kept whole up to the log cap.
    Report,
    /// A log or journal that can be huge: bounded by `--since` and the size cap, newest kept.
    Log,
}

/// How the analyzer reads a command's output: the table's parser entry. Which parser reads a
/// parsed output is the analyzer's exhaustive `match` on [`CommandId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// A report with a parser of its own, read whole.
    Parsed,
    /// A log: streamed through the log rules of this kind, never parsed.
    Scanned(LogKind),
    /// A unit's status: parsed for its state, and the journal tail it ends with scanned as a
    /// log of this kind.
    ParsedAndScanned(LogKind),
}

/// One row of the node-command table.
#[derive(Debug, Clone, Copy)]
pub struct NodeCommand {
    /// The id: the file stem under `host-collectors/<node>/run/`.
    pub id: CommandId,
    /// Command lines to try in order; the first whose program exists is run.
    pub candidates: &'static [&'static [&'static str]],
    /// The systemd unit each candidate is about, for status and journal commands: the
    /// collector prefers a candidate whose unit exists (containerd or crio).
    pub units: &'static [&'static str],
    /// The command as the support checklist writes it, for the report's "read ..." words.
    pub shown: &'static str,
    /// The checklist step whose data this is: a gap in this command leaves that step
    /// without data.
    pub step: Step,
    /// How the analyzer reads the output.
    pub reading: Reading,
}

impl NodeCommand {
    /// The log kind the output is scanned as, when it is (or ends with) a log.
    pub fn log_kind(&self) -> Option<LogKind> {
        match self.reading {
            Reading::Parsed => None,
            Reading::Scanned(kind) | Reading::ParsedAndScanned(kind) => Some(kind),
        }
    }

    /// Report or log, for the collector: only what is nothing but a log is bounded by
    /// `--since` and keeps its newest part.
    pub fn output(&self) -> OutputKind {
        match self.reading {
            Reading::Scanned(_) => OutputKind::Log,
            Reading::Parsed | Reading::ParsedAndScanned(_) => OutputKind::Report,
        }
    }
}

impl CommandId {
    /// Every command, in checklist order (the order the collector runs them in, and the
    /// declaration order: `ALL[c as usize] == c`).
    pub const ALL: [CommandId; 23] = [
        CommandId::SystemctlStatusKubelet,
        CommandId::JournalctlKubelet,
        CommandId::SystemctlStatusContainerd,
        CommandId::JournalctlContainerd,
        CommandId::LastReboot,
        CommandId::Uptime,
        CommandId::DfH,
        CommandId::DfI,
        CommandId::IfconfigA,
        CommandId::IpAddr,
        CommandId::IpLink,
        CommandId::IpRoute,
        CommandId::RouteN,
        CommandId::IscsiadmNode,
        CommandId::IscsiadmSession,
        CommandId::MultipathL,
        CommandId::MultipathLl,
        CommandId::Dmesg,
        CommandId::Free,
        CommandId::Meminfo,
        CommandId::Timedatectl,
        CommandId::Mounts,
        CommandId::CrictlPs,
    ];

    /// The id as bundles spell it: the file stem under `run/` and the manifest row
    /// `run/<id>`. These strings are the bundle format and never change.
    pub const fn as_str(self) -> &'static str {
        use CommandId::*;
        match self {
            SystemctlStatusKubelet => "systemctl-status-kubelet",
            JournalctlKubelet => "journalctl-kubelet",
            SystemctlStatusContainerd => "systemctl-status-containerd",
            JournalctlContainerd => "journalctl-containerd",
            LastReboot => "last-reboot",
            Uptime => "uptime",
            DfH => "df-h",
            DfI => "df-i",
            IfconfigA => "ifconfig-a",
            IpAddr => "ip-addr",
            IpLink => "ip-link",
            IpRoute => "ip-route",
            RouteN => "route-n",
            IscsiadmNode => "iscsiadm-node",
            IscsiadmSession => "iscsiadm-session",
            MultipathL => "multipath-l",
            MultipathLl => "multipath-ll",
            Dmesg => "dmesg",
            Free => "free",
            Meminfo => "meminfo",
            Timedatectl => "timedatectl",
            Mounts => "mounts",
            CrictlPs => "crictl-ps",
        }
    }

    /// The command's row: what to run, the step it feeds, how it is read.
    pub fn spec(self) -> &'static NodeCommand {
        &TABLE[self as usize]
    }
}

/// The rows, indexed by [`CommandId`] (`ALL` is in declaration order, checked below).
static TABLE: [NodeCommand; CommandId::ALL.len()] = {
    let mut rows = [row(CommandId::Uptime); CommandId::ALL.len()];
    let mut i = 0;
    while i < rows.len() {
        rows[i] = row(CommandId::ALL[i]);
        i += 1;
    }
    rows
};

/// The systemd units a kubelet runs as, in the order of the kubelet commands' candidates:
/// the one that exists on the node is chosen.
const KUBELET_UNITS: &[&str] = &[
    "kubelet",
    "k3s",
    "k3s-agent",
    "rke2-server",
    "rke2-agent",
    "snap.microk8s.daemon-kubelite",
    "snap.microk8s.daemon-kubelet",
];

/// The row of every command: an exhaustive `match`, so a new command needs its row.
const fn row(id: CommandId) -> NodeCommand {
    use CommandId::*;
    use LogKind::{Kernel, KubeletJournal, RuntimeJournal, ServiceStatus};
    use Reading::{Parsed, ParsedAndScanned, Scanned};
    match id {
        // The kubelet's own unit, else the unit it runs inside: k3s (server, agent), RKE2
        // (server, agent), microk8s (kubelite, or kubelet before 1.21).
        SystemctlStatusKubelet => NodeCommand {
            id,
            candidates: &[
                &["systemctl", "status", "kubelet", "--no-pager", "-l"],
                &["systemctl", "status", "k3s", "--no-pager", "-l"],
                &["systemctl", "status", "k3s-agent", "--no-pager", "-l"],
                &["systemctl", "status", "rke2-server", "--no-pager", "-l"],
                &["systemctl", "status", "rke2-agent", "--no-pager", "-l"],
                &[
                    "systemctl",
                    "status",
                    "snap.microk8s.daemon-kubelite",
                    "--no-pager",
                    "-l",
                ],
                &[
                    "systemctl",
                    "status",
                    "snap.microk8s.daemon-kubelet",
                    "--no-pager",
                    "-l",
                ],
            ],
            units: KUBELET_UNITS,
            shown: "systemctl status kubelet",
            step: Step::Kubelet,
            reading: ParsedAndScanned(ServiceStatus),
        },
        JournalctlKubelet => NodeCommand {
            id,
            candidates: &[
                &[
                    "journalctl",
                    "-u",
                    "kubelet",
                    "--no-pager",
                    "-o",
                    "short-iso",
                ],
                &["journalctl", "-u", "k3s", "--no-pager", "-o", "short-iso"],
                &[
                    "journalctl",
                    "-u",
                    "k3s-agent",
                    "--no-pager",
                    "-o",
                    "short-iso",
                ],
                &[
                    "journalctl",
                    "-u",
                    "rke2-server",
                    "--no-pager",
                    "-o",
                    "short-iso",
                ],
                &[
                    "journalctl",
                    "-u",
                    "rke2-agent",
                    "--no-pager",
                    "-o",
                    "short-iso",
                ],
                &[
                    "journalctl",
                    "-u",
                    "snap.microk8s.daemon-kubelite",
                    "--no-pager",
                    "-o",
                    "short-iso",
                ],
                &[
                    "journalctl",
                    "-u",
                    "snap.microk8s.daemon-kubelet",
                    "--no-pager",
                    "-o",
                    "short-iso",
                ],
            ],
            units: KUBELET_UNITS,
            shown: "journalctl -u kubelet",
            step: Step::Kubelet,
            reading: Scanned(KubeletJournal),
        },
        SystemctlStatusContainerd => NodeCommand {
            id,
            candidates: &[
                &["systemctl", "status", "containerd", "--no-pager", "-l"],
                &["systemctl", "status", "crio", "--no-pager", "-l"],
            ],
            units: &["containerd", "crio"],
            shown: "systemctl status containerd",
            step: Step::Kubelet,
            reading: ParsedAndScanned(ServiceStatus),
        },
        JournalctlContainerd => NodeCommand {
            id,
            candidates: &[
                &[
                    "journalctl",
                    "-u",
                    "containerd",
                    "--no-pager",
                    "-o",
                    "short-iso",
                ],
                &["journalctl", "-u", "crio", "--no-pager", "-o", "short-iso"],
            ],
            units: &["containerd", "crio"],
            shown: "journalctl -u containerd",
            step: Step::Kubelet,
            reading: Scanned(RuntimeJournal),
        },
        LastReboot => NodeCommand {
            id,
            candidates: &[
                &["last", "-x", "-F", "reboot", "shutdown"],
                &["last", "reboot"],
            ],
            units: &[],
            shown: "last -x reboot",
            step: Step::Reboots,
            reading: Parsed,
        },
        Uptime => report(id, &[&["uptime"]], "uptime", Step::Reboots),
        DfH => report(id, &[&["df", "-h"]], "df -h", Step::Storage),
        DfI => report(id, &[&["df", "-i"]], "df -i", Step::Storage),
        IfconfigA => report(id, &[&["ifconfig", "-a"]], "ifconfig -a", Step::Network),
        IpAddr => report(id, &[&["ip", "addr"]], "ip addr", Step::Network),
        IpLink => report(id, &[&["ip", "-s", "link"]], "ip -s link", Step::Network),
        IpRoute => report(
            id,
            &[&["ip", "route", "show", "table", "all"]],
            "ip route",
            Step::Network,
        ),
        RouteN => report(id, &[&["route", "-n"]], "route -n", Step::Network),
        IscsiadmNode => report(
            id,
            &[&["iscsiadm", "-m", "node"]],
            "iscsiadm -m node",
            Step::IscsiMultipath,
        ),
        IscsiadmSession => report(
            id,
            &[&["iscsiadm", "-m", "session", "-P", "1"]],
            "iscsiadm -m session",
            Step::IscsiMultipath,
        ),
        MultipathL => report(
            id,
            &[&["multipath", "-l"]],
            "multipath -l",
            Step::IscsiMultipath,
        ),
        MultipathLl => report(
            id,
            &[&["multipath", "-ll"]],
            "multipath -ll",
            Step::IscsiMultipath,
        ),
        Dmesg => NodeCommand {
            id,
            candidates: &[&["dmesg", "-T"]],
            units: &[],
            shown: "dmesg",
            step: Step::OsLogs,
            reading: Scanned(Kernel),
        },
        Free => report(id, &[&["free", "-m"]], "free -m", Step::OsLogs),
        Meminfo => report(
            id,
            &[&["cat", "/proc/meminfo"]],
            "/proc/meminfo",
            Step::OsLogs,
        ),
        Timedatectl => report(
            id,
            &[&["timedatectl", "status"], &["chronyc", "tracking"]],
            "timedatectl",
            Step::OsLogs,
        ),
        Mounts => report(
            id,
            &[&["cat", "/proc/mounts"]],
            "/proc/mounts",
            Step::Storage,
        ),
        CrictlPs => report(
            id,
            &[&["crictl", "ps", "-a"]],
            "crictl ps -a",
            Step::StaticPods,
        ),
    }
}

/// The row of a parsed report that concerns no systemd unit.
const fn report(
    id: CommandId,
    candidates: &'static [&'static [&'static str]],
    shown: &'static str,
    step: Step,
) -> NodeCommand {
    NodeCommand {
        id,
        candidates,
        units: &[],
        shown,
        step,
        reading: Reading::Parsed,
    }
}

// `ALL` lists the variants in declaration order, so `spec` and `ALL` agree by index.
const _: () = {
    let mut i = 0;
    while i < CommandId::ALL.len() {
        assert!(CommandId::ALL[i] as usize == i);
        i += 1;
    }
};

impl fmt::Display for CommandId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A command id this version of the format does not know: a newer collector's, or a foreign
/// tool's. Readers keep the id as found and skip what they cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown node command `{0}`")]
pub struct UnknownCommand(pub String);

impl FromStr for CommandId {
    type Err = UnknownCommand;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CommandId::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCommand(s.to_string()))
    }
}

/// A command as a bundle names it: one of this version's, or an unknown id kept as found
/// (reading a newer or foreign bundle never fails on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandRef<'a> {
    /// A command of this version.
    Known(CommandId),
    /// An id this version does not know.
    Unknown(&'a str),
}

impl<'a> CommandRef<'a> {
    /// Reads an id as found in a bundle.
    pub fn parse(id: &'a str) -> Self {
        id.parse()
            .map_or(CommandRef::Unknown(id), CommandRef::Known)
    }

    /// The id as found.
    pub fn as_str(&self) -> &'a str {
        match *self {
            CommandRef::Known(id) => id.as_str(),
            CommandRef::Unknown(id) => id,
        }
    }
}

/// Every row of the node-command table, in checklist order.
pub fn node_commands() -> impl Iterator<Item = &'static NodeCommand> {
    CommandId::ALL.into_iter().map(CommandId::spec)
}

/// Files copied from a node, as absolute host paths; a trailing `/*` copies a directory's
/// regular files (not recursively).
pub const NODE_FILES: &[&str] = &[
    "/var/log/syslog",
    "/var/log/syslog.1",
    "/var/log/kern.log",
    "/var/log/messages",
    "/etc/kubernetes/manifests/*",
    "/etc/os-release",
    "/var/lib/kubelet/config.yaml",
    "/etc/hostname",
];

/// Directories whose certificates are described in `certificates.json`.
pub const CERTIFICATE_DIRS: &[&str] = &["/etc/kubernetes/pki", "/var/lib/kubelet/pki"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_every_row_is_its_own() {
        for id in CommandId::ALL {
            assert_eq!(id.as_str().parse::<CommandId>(), Ok(id));
            assert_eq!(id.spec().id, id, "{id}");
            assert!(!id.spec().candidates.is_empty(), "{id}");
        }
        let mut names: Vec<&str> = CommandId::ALL.iter().map(|c| c.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CommandId::ALL.len());
    }

    #[test]
    fn unknown_ids_are_kept_not_refused() {
        assert_eq!(
            "sosreport-extra".parse::<CommandId>(),
            Err(UnknownCommand("sosreport-extra".into()))
        );
        assert_eq!(
            CommandRef::parse("sosreport-extra"),
            CommandRef::Unknown("sosreport-extra")
        );
        assert_eq!(CommandRef::parse("df-h"), CommandRef::Known(CommandId::DfH));
        assert_eq!(CommandRef::parse("df-h").as_str(), "df-h");
    }

    #[test]
    fn only_pure_logs_are_bounded_like_logs() {
        use CommandId::*;
        let logs: Vec<CommandId> = CommandId::ALL
            .into_iter()
            .filter(|c| c.spec().output() == OutputKind::Log)
            .collect();
        assert_eq!(logs, [JournalctlKubelet, JournalctlContainerd, Dmesg]);
        assert_eq!(
            SystemctlStatusKubelet.spec().log_kind(),
            Some(LogKind::ServiceStatus)
        );
        assert_eq!(DfH.spec().log_kind(), None);
    }

    #[test]
    fn the_docs_list_every_command() {
        let docs = include_str!("../../docs/bundle-format.md");
        let table = docs
            .split("## Node commands")
            .nth(1)
            .and_then(|s| s.split("\n\n").nth(2))
            .expect("the node command table");
        let mut documented: Vec<&str> = table
            .lines()
            .filter_map(|l| l.strip_prefix("| "))
            .flat_map(|l| l.split(" |").next().unwrap_or("").split(", "))
            .filter_map(|id| id.strip_prefix('`')?.strip_suffix('`'))
            .collect();
        documented.sort();
        let mut ids: Vec<&str> = CommandId::ALL.iter().map(|c| c.as_str()).collect();
        ids.sort();
        assert_eq!(documented, ids);
    }
}
