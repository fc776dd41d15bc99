//! Where a sosreport (`sos report`, `sosreport` of sos 3.x and 4.x) keeps what our node
//! commands ask, told by path alone.
//!
//! A sosreport describes one host. Its plugins write each command's output to
//! `sos_commands/<plugin>/<command with spaces as _>` and copy files under their own path
//! (`var/log/messages`, `etc/kubernetes/manifests/...`, `proc/meminfo`). The top-level
//! shortcuts (`df`, `date`, `hostname`, ...) are symbolic links into `sos_commands/` and are
//! never read: links are not followed, and the targets are read where they are.
//!
//! Versions name the same command differently (sos 3.0 `df -al`, 3.5 on `df -al -x autofs`,
//! 4.7 on `df -aliT -x autofs`; `general/` before 3.9, `host/`, `date/` and `login/` since;
//! `route -n` until 4.5). Where several files answer one command, [`SosFile::Command`]
//! carries a rank, lower being better (the newest or most detailed form), so the reader
//! keeps the best whatever the archive order.

use crate::commands::CommandId;
use crate::logs::LogKind;
use crate::path::BundlePath;

/// The folders only a sosreport holds at its root: their presence marks the flavor.
pub const MARKER_FOLDERS: &[&str] = &["sos_commands", "sos_reports", "sos_logs"];

/// What a file of a sosreport is, as far as the analyzer reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SosFile<'a> {
    /// The output of a command that answers one of our node commands.
    Command {
        /// Our command.
        id: CommandId,
        /// Lower is better when several files answer the same command.
        rank: u8,
    },
    /// `systemctl status --all` (sos's systemd plugin): every unit's status in one output,
    /// where the kubelet's and the runtime's are looked up when no file of their own exists.
    AllUnitsStatus,
    /// A file copied from the host, at its path on the host without the leading `/`.
    HostFile {
        /// e.g. `var/log/messages`, `etc/kubernetes/manifests/etcd.yaml`.
        host_path: &'a str,
    },
    /// The output of `hostname`, or `/etc/hostname`: the node's name.
    Hostname {
        /// Lower is better.
        rank: u8,
    },
    /// The output of `date`: when the report was taken.
    Date {
        /// `date --utc`, whose zone is always UTC.
        utc: bool,
    },
    /// A file of the flavor's own folders that the analyzer does not read (sos's logs and
    /// reports, other commands' outputs).
    Unread,
}

impl SosFile<'_> {
    /// Whether this file alone says the input is a sosreport (files of `etc/` or `var/log/`
    /// could be anyone's).
    pub fn marks_flavor(path: &BundlePath) -> bool {
        let first = path.components().next().unwrap_or("");
        MARKER_FOLDERS.contains(&first)
    }
}

/// `sos_commands/<plugin>/<file>` → our command, with its rank.
const COMMANDS: &[(&str, &str, CommandId, u8)] = {
    use CommandId::*;
    &[
        ("filesys", "df_-al_-x_autofs", DfH, 0),
        ("filesys", "df_-alP_-x_autofs", DfH, 0),
        ("filesys", "df_-al", DfH, 1),
        ("filesys", "df_-alP", DfH, 1),
        ("filesys", "df_-aliT_-x_autofs", DfI, 0),
        ("filesys", "df_-ali_-x_autofs", DfI, 0),
        ("filesys", "df_-ali", DfI, 1),
        ("filesys", "df_-li", DfI, 2),
        ("networking", "ip_-d_address", IpAddr, 0),
        ("networking", "ip_address", IpAddr, 1),
        ("networking", "ip_addr", IpAddr, 2),
        ("networking", "ip_-s_-d_link", IpLink, 0),
        ("networking", "ip_-s_link", IpLink, 1),
        ("networking", "ip_link", IpLink, 2),
        ("networking", "ip_route_show_table_all", IpRoute, 0),
        ("networking", "route_-n", RouteN, 0),
        ("networking", "ifconfig_-a", IfconfigA, 0),
        ("multipath", "multipath_-ll", MultipathLl, 0),
        ("multipath", "multipath_-v4_-ll", MultipathLl, 1),
        ("multipath", "multipath_-l", MultipathL, 0),
        ("iscsi", "iscsiadm_-m_session_-P_3", IscsiadmSession, 0),
        ("iscsi", "iscsiadm_-m_session_-P_1", IscsiadmSession, 0),
        ("iscsi", "iscsiadm_-m_session", IscsiadmSession, 1),
        ("iscsi", "iscsiadm_-m_node", IscsiadmNode, 0),
        ("login", "last_-F", LastReboot, 0),
        ("login", "last", LastReboot, 1),
        ("login", "last_-F_reboot", LastReboot, 2),
        ("login", "last_reboot", LastReboot, 3),
        ("last", "last", LastReboot, 1),
        ("last", "last_reboot", LastReboot, 3),
        ("host", "uptime", Uptime, 0),
        ("general", "uptime", Uptime, 1),
        ("memory", "free_-m", Free, 0),
        ("systemd", "timedatectl", Timedatectl, 0),
        ("chrony", "chronyc_tracking", Timedatectl, 1),
        ("chrony", "chronyc_-n_tracking", Timedatectl, 1),
        ("kernel", "dmesg_-T", Dmesg, 0),
        ("kernel", "dmesg", Dmesg, 1),
        (
            "kubernetes",
            "systemctl_status_kubelet",
            SystemctlStatusKubelet,
            0,
        ),
        (
            "kubernetes",
            "systemctl_status_snap.kubelet.daemon",
            SystemctlStatusKubelet,
            1,
        ),
        (
            "containerd",
            "systemctl_status_containerd",
            SystemctlStatusContainerd,
            0,
        ),
        (
            "crio",
            "systemctl_status_crio",
            SystemctlStatusContainerd,
            0,
        ),
        ("crio", "crictl_ps_-a", CrictlPs, 0),
        ("crio", "crictl_ps_-va", CrictlPs, 1),
        ("containerd", "crictl_ps_-a", CrictlPs, 0),
    ]
};

/// The journals of the units we read: `journalctl --no-pager --unit <unit> [...]`, in the
/// plugin that knows the unit (sos 3.x and 4.x alike).
const JOURNALS: &[(&str, &str, CommandId)] = &[
    ("kubernetes", "kubelet", CommandId::JournalctlKubelet),
    (
        "kubernetes",
        "snap.kubelet.daemon",
        CommandId::JournalctlKubelet,
    ),
    ("containerd", "containerd", CommandId::JournalctlContainerd),
    ("crio", "crio", CommandId::JournalctlContainerd),
];

/// Files copied from the host that the analyzer reads as a command's output.
const FILES_AS_COMMANDS: &[(&str, CommandId)] = &[
    ("proc/meminfo", CommandId::Meminfo),
    ("proc/mounts", CommandId::Mounts),
];

/// Files copied from the host that the analyzer reads besides the logs of `var/log/`
/// ([`LogKind::of_node_file`]): static pod manifests (a folder), the OS, the kubelet's
/// configuration.
const HOST_FILES: &[&str] = &[
    "etc/kubernetes/manifests/",
    "etc/os-release",
    "var/lib/kubelet/config.yaml",
];

fn is_host_file(s: &str) -> bool {
    if s.starts_with("var/log/") {
        return LogKind::of_node_file(s).is_some();
    }
    HOST_FILES.iter().any(|want| match want.strip_suffix('/') {
        Some(_) => s.strip_prefix(want).is_some_and(|r| !r.is_empty()),
        None => s == *want,
    })
}

/// Classifies a path relative to the sosreport's top directory; `None` for a path that is
/// no part of a sosreport's layout.
pub fn classify(path: &BundlePath) -> Option<SosFile<'_>> {
    let s = path.as_str();
    let parts: Vec<&str> = path.components().collect();
    match parts.as_slice() {
        ["sos_commands", plugin, file] => Some(command_file(plugin, file)),
        [first, ..] if MARKER_FOLDERS.contains(first) => Some(SosFile::Unread),
        ["etc", "hostname"] => Some(SosFile::Hostname { rank: 2 }),
        _ => {
            if let Some(&(_, id)) = FILES_AS_COMMANDS.iter().find(|(p, _)| *p == s) {
                return Some(SosFile::Command { id, rank: 0 });
            }
            let wanted = is_host_file(s);
            wanted.then_some(SosFile::HostFile { host_path: s })
        }
    }
}

fn command_file(plugin: &str, file: &str) -> SosFile<'static> {
    match (plugin, file) {
        ("host" | "general", "hostname") => {
            return SosFile::Hostname {
                rank: u8::from(plugin == "general"),
            }
        }
        ("date", "date_--utc") => return SosFile::Date { utc: true },
        ("date" | "general", "date") => return SosFile::Date { utc: false },
        ("systemd", "systemctl_status_--all") => return SosFile::AllUnitsStatus,
        _ => {}
    }
    if let Some(&(_, _, id, rank)) = COMMANDS
        .iter()
        .find(|(p, f, _, _)| *p == plugin && *f == file)
    {
        return SosFile::Command { id, rank };
    }
    if let Some(unit) = journal_unit(file) {
        if let Some(&(_, _, id)) = JOURNALS.iter().find(|(p, u, _)| *p == plugin && *u == unit) {
            return SosFile::Command { id, rank: 0 };
        }
    }
    SosFile::Unread
}

/// The unit of `journalctl_--no-pager_--unit_<unit>[_--since_...]`.
fn journal_unit(file: &str) -> Option<&str> {
    let rest = file.strip_prefix("journalctl_")?;
    let (_, after) = rest.split_once("--unit_")?;
    Some(after.split("_--").next().unwrap_or(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(p: &str) -> Option<SosFile<'static>> {
        let p: &'static BundlePath = Box::leak(Box::new(BundlePath::new(p).unwrap()));
        classify(p)
    }

    fn cmd(id: CommandId, rank: u8) -> Option<SosFile<'static>> {
        Some(SosFile::Command { id, rank })
    }

    #[test]
    fn sos_3_and_4_names_of_the_same_command() {
        use CommandId::*;
        // df: 3.0, 3.5 to 4.6, 4.7 on (with the type column).
        assert_eq!(of("sos_commands/filesys/df_-al"), cmd(DfH, 1));
        assert_eq!(of("sos_commands/filesys/df_-al_-x_autofs"), cmd(DfH, 0));
        assert_eq!(of("sos_commands/filesys/df_-ali"), cmd(DfI, 1));
        assert_eq!(of("sos_commands/filesys/df_-aliT_-x_autofs"), cmd(DfI, 0));
        // general/ before 3.9; host/, date/ and login/ since.
        assert_eq!(
            of("sos_commands/general/hostname"),
            Some(SosFile::Hostname { rank: 1 })
        );
        assert_eq!(
            of("sos_commands/host/hostname"),
            Some(SosFile::Hostname { rank: 0 })
        );
        assert_eq!(
            of("sos_commands/general/date"),
            Some(SosFile::Date { utc: false })
        );
        assert_eq!(
            of("sos_commands/date/date_--utc"),
            Some(SosFile::Date { utc: true })
        );
        assert_eq!(of("sos_commands/general/uptime"), cmd(Uptime, 1));
        assert_eq!(of("sos_commands/host/uptime"), cmd(Uptime, 0));
        assert_eq!(of("sos_commands/last/last"), cmd(LastReboot, 1));
        assert_eq!(of("sos_commands/login/last_-F"), cmd(LastReboot, 0));
        // ip: 3.0 then 3.5 on.
        assert_eq!(of("sos_commands/networking/ip_address"), cmd(IpAddr, 1));
        assert_eq!(of("sos_commands/networking/ip_-d_address"), cmd(IpAddr, 0));
        assert_eq!(of("sos_commands/networking/ip_link"), cmd(IpLink, 2));
        assert_eq!(of("sos_commands/networking/ip_-s_-d_link"), cmd(IpLink, 0));
        // The unit status: a file of its own in 4.x plugins with services, else all units.
        assert_eq!(
            of("sos_commands/kubernetes/systemctl_status_kubelet"),
            cmd(SystemctlStatusKubelet, 0)
        );
        assert_eq!(
            of("sos_commands/systemd/systemctl_status_--all"),
            Some(SosFile::AllUnitsStatus)
        );
    }

    #[test]
    fn journals_of_our_units_whatever_the_options() {
        use CommandId::*;
        assert_eq!(
            of("sos_commands/kubernetes/journalctl_--no-pager_--unit_kubelet"),
            cmd(JournalctlKubelet, 0)
        );
        assert_eq!(
            of("sos_commands/kubernetes/journalctl_--no-pager_--unit_kubelet_--since_-3days"),
            cmd(JournalctlKubelet, 0)
        );
        assert_eq!(
            of("sos_commands/crio/journalctl_--no-pager_--unit_crio"),
            cmd(JournalctlContainerd, 0)
        );
        assert_eq!(
            of("sos_commands/kubernetes/journalctl_--no-pager_--unit_kube-proxy"),
            Some(SosFile::Unread)
        );
    }

    #[test]
    fn host_files_and_what_is_no_part_of_a_sosreport() {
        assert_eq!(
            of("var/log/syslog.1"),
            Some(SosFile::HostFile {
                host_path: "var/log/syslog.1"
            })
        );
        assert_eq!(
            of("etc/kubernetes/manifests/etcd.yaml"),
            Some(SosFile::HostFile {
                host_path: "etc/kubernetes/manifests/etcd.yaml"
            })
        );
        assert_eq!(of("proc/meminfo"), cmd(CommandId::Meminfo, 0));
        assert_eq!(of("sos_logs/sos.log"), Some(SosFile::Unread));
        assert_eq!(of("var/log/syslogd.conf"), None);
        assert_eq!(of("etc/passwd"), None);
        assert_eq!(of("cluster-resources/nodes.json"), None);
        // The top-level shortcuts are links, never read.
        assert_eq!(of("df"), None);
        assert!(SosFile::marks_flavor(
            &BundlePath::new("sos_commands/x/y").unwrap()
        ));
        assert!(!SosFile::marks_flavor(
            &BundlePath::new("var/log/syslog").unwrap()
        ));
    }
}
