//! The node commands of the bundle format: one stable id per question the support checklist
//! asks of a node, with the command lines that answer it on different distributions.
//!
//! The collector runs the first candidate whose program exists; the analyzer picks its
//! parser by id. Adding a command means adding a row here, a parser in the analyzer and a
//! line in docs/bundle-format.md.

/// How the collector treats a command's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// A short report (df, ip, ...): kept whole up to the log cap.
    Report,
    /// A log or journal that can be huge: bounded by `--since` and the size cap, newest kept.
    Log,
}

/// One row of the node-command table.
#[derive(Debug, Clone, Copy)]
pub struct NodeCommand {
    /// The id: the file stem under `host-collectors/<node>/run/`.
    pub id: &'static str,
    /// Command lines to try in order; the first whose program exists is run.
    pub candidates: &'static [&'static [&'static str]],
    /// Report or log.
    pub output: OutputKind,
    /// The systemd unit the command is about, for status and journal commands: the collector
    /// checks the unit exists before choosing a candidate (containerd or crio).
    pub units: &'static [&'static str],
}

use OutputKind::{Log, Report};

/// Every node command id of bundle format v1, in checklist order.
pub const NODE_COMMANDS: &[NodeCommand] = &[
    NodeCommand {
        id: "systemctl-status-kubelet",
        candidates: &[&["systemctl", "status", "kubelet", "--no-pager", "-l"]],
        output: Report,
        units: &["kubelet"],
    },
    NodeCommand {
        id: "journalctl-kubelet",
        candidates: &[&[
            "journalctl",
            "-u",
            "kubelet",
            "--no-pager",
            "-o",
            "short-iso",
        ]],
        output: Log,
        units: &["kubelet"],
    },
    NodeCommand {
        id: "systemctl-status-containerd",
        candidates: &[
            &["systemctl", "status", "containerd", "--no-pager", "-l"],
            &["systemctl", "status", "crio", "--no-pager", "-l"],
        ],
        output: Report,
        units: &["containerd", "crio"],
    },
    NodeCommand {
        id: "journalctl-containerd",
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
        output: Log,
        units: &["containerd", "crio"],
    },
    NodeCommand {
        id: "last-reboot",
        candidates: &[
            &["last", "-x", "-F", "reboot", "shutdown"],
            &["last", "reboot"],
        ],
        output: Report,
        units: &[],
    },
    NodeCommand {
        id: "uptime",
        candidates: &[&["uptime"]],
        output: Report,
        units: &[],
    },
    NodeCommand {
        id: "df-h",
        candidates: &[&["df", "-h"]],
        output: Report,
        units: &[],
    },
    NodeCommand {
        id: "df-i",
        candidates: &[&["df", "-i"]],
        output: Report,
        units: &[],
    },
    NodeCommand {
        id: "ifconfig-a",
        candidates: &[&["ifconfig", "-a"]],
        output: Report,
        units: &[],
    },
    NodeCommand {
        id: "ip-addr",
        candidates: &[&["ip", "addr"]],
        output: Report,
        units: &[],
    },
    NodeCommand {
        id: "ip-link",
        candidates: &[&["ip", "-s", "link"]],
        output: Report,
        units: &[],
    },
    NodeCommand {
        id: "ip-route",
        candidates: &[&["ip", "route", "show", "table", "all"]],
        output: Report,
        units: &[],
    },
    NodeCommand {
        id: "route-n",
        candidates: &[&["route", "-n"]],
        output: Report,
        units: &[],
    },
    NodeCommand {
        id: "iscsiadm-node",
        candidates: &[&["iscsiadm", "-m", "node"]],
        output: Report,
        units: &[],
    },
    NodeCommand {
        id: "iscsiadm-session",
        candidates: &[&["iscsiadm", "-m", "session", "-P", "1"]],
        output: Report,
        units: &[],
    },
    NodeCommand {
        id: "multipath-l",
        candidates: &[&["multipath", "-l"]],
        output: Report,
        units: &[],
    },
    NodeCommand {
        id: "multipath-ll",
        candidates: &[&["multipath", "-ll"]],
        output: Report,
        units: &[],
    },
    NodeCommand {
        id: "dmesg",
        candidates: &[&["dmesg", "-T"]],
        output: Log,
        units: &[],
    },
    NodeCommand {
        id: "free",
        candidates: &[&["free", "-m"]],
        output: Report,
        units: &[],
    },
    NodeCommand {
        id: "meminfo",
        candidates: &[&["cat", "/proc/meminfo"]],
        output: Report,
        units: &[],
    },
    NodeCommand {
        id: "timedatectl",
        candidates: &[&["timedatectl", "status"], &["chronyc", "tracking"]],
        output: Report,
        units: &[],
    },
    NodeCommand {
        id: "mounts",
        candidates: &[&["cat", "/proc/mounts"]],
        output: Report,
        units: &[],
    },
    NodeCommand {
        id: "crictl-ps",
        candidates: &[&["crictl", "ps", "-a"]],
        output: Report,
        units: &[],
    },
];

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

/// Looks a command up by id.
pub fn node_command(id: &str) -> Option<&'static NodeCommand> {
    NODE_COMMANDS.iter().find(|c| c.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_row_has_a_candidate() {
        let mut ids: Vec<_> = NODE_COMMANDS.iter().map(|c| c.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), NODE_COMMANDS.len());
        assert!(NODE_COMMANDS.iter().all(|c| !c.candidates.is_empty()));
        assert!(node_command("df-h").is_some());
    }
}
