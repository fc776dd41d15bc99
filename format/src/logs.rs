//! The kinds of log a bundle holds, named here because the layout decides them: a node
//! command's table row says which kind its output is
//! ([`crate::commands::NodeCommand::log_kind`]), a copied node file's path says it
//! ([`LogKind::of_node_file`]), and the analyzer's log rules name the kinds they read.

/// What produced a log, which decides the rules that read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogKind {
    /// `journalctl -u kubelet` (`run/journalctl-kubelet.txt`).
    KubeletJournal,
    /// The container runtime's journal (`run/journalctl-containerd.txt`, containerd or crio).
    RuntimeJournal,
    /// The kernel ring buffer: `files/var/log/kern.log`, `run/dmesg.txt`.
    Kernel,
    /// `files/var/log/syslog`, `syslog.1`, `messages`: these repeat kernel, kubelet and runtime
    /// lines, so rules for those usually look here too.
    Syslog,
    /// `run/systemctl-status-*.txt`: a unit's state and the tail of its journal.
    ServiceStatus,
    /// `cluster-resources/pods/logs/<ns>/<pod>/<container>[-previous].log`.
    ContainerLog,
}

impl LogKind {
    /// Every kind, in declaration order (`ALL[k as usize] == k`).
    pub const ALL: [LogKind; 6] = [
        LogKind::KubeletJournal,
        LogKind::RuntimeJournal,
        LogKind::Kernel,
        LogKind::Syslog,
        LogKind::ServiceStatus,
        LogKind::ContainerLog,
    ];

    /// The name used in rule files (`kubelet-journal`, `container-log`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            LogKind::KubeletJournal => "kubelet-journal",
            LogKind::RuntimeJournal => "runtime-journal",
            LogKind::Kernel => "kernel",
            LogKind::Syslog => "syslog",
            LogKind::ServiceStatus => "service-status",
            LogKind::ContainerLog => "container-log",
        }
    }

    /// Looks a kind up by its rule-file name.
    pub fn from_name(name: &str) -> Option<LogKind> {
        LogKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The kind of a file copied from a node (its path on the node without the leading
    /// `/`); `None` for files that are not logs. Rotated copies (`syslog.1`,
    /// `messages-20240101`, as sosreports hold them) are the same log; compressed ones are
    /// not read as text.
    pub fn of_node_file(host_path: &str) -> Option<LogKind> {
        let name = host_path.strip_prefix("var/log/")?;
        if [".gz", ".xz", ".bz2", ".zst"]
            .iter()
            .any(|z| name.ends_with(z))
        {
            return None;
        }
        let base = name.split(['.', '-']).next().unwrap_or(name);
        match base {
            "kern" if name.starts_with("kern.log") => Some(LogKind::Kernel),
            // Ubuntu's boot-time ring buffer, as sosreports copy it.
            "dmesg" => Some(LogKind::Kernel),
            "syslog" | "messages" => Some(LogKind::Syslog),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_all_is_in_declaration_order() {
        for (i, kind) in LogKind::ALL.into_iter().enumerate() {
            assert_eq!(kind as usize, i);
            assert_eq!(LogKind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(LogKind::from_name("kernal"), None);
    }

    #[test]
    fn node_files_by_path() {
        assert_eq!(
            LogKind::of_node_file("var/log/kern.log"),
            Some(LogKind::Kernel)
        );
        assert_eq!(
            LogKind::of_node_file("var/log/syslog.1"),
            Some(LogKind::Syslog)
        );
        assert_eq!(
            LogKind::of_node_file("var/log/messages"),
            Some(LogKind::Syslog)
        );
        assert_eq!(
            LogKind::of_node_file("var/log/messages-20240101"),
            Some(LogKind::Syslog)
        );
        assert_eq!(
            LogKind::of_node_file("var/log/kern.log.2"),
            Some(LogKind::Kernel)
        );
        assert_eq!(
            LogKind::of_node_file("var/log/dmesg"),
            Some(LogKind::Kernel)
        );
        assert_eq!(LogKind::of_node_file("var/log/syslog.2.gz"), None);
        assert_eq!(LogKind::of_node_file("var/log/kernel-install.log"), None);
        assert_eq!(LogKind::of_node_file("etc/os-release"), None);
    }
}
