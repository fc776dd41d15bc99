//! Filesystems: blocks and inodes running out, disk filesystems remounted read-only.

use crate::facts::host::df::{DfRecord, DfReport};
use crate::facts::host::mounts;
use crate::facts::outputs::Parsed;
use crate::facts::Facts;
use crate::findings::{Draft, Findings};
use crate::rules::thresholds::thresholds;
use crate::rules::{Context, Rule};
use kbundle_format::analysis::{Category, Severity, Subject, SubjectKind};

/// A filesystem at or above 85 % (95 % critical) of its blocks.
pub(crate) const DISK_FULL: Rule = Rule {
    id: "host.disk-full",
    category: Category::DiskFull,
    severity: Severity::Warning,
    looks_at: "run/df-h.txt: Use%",
    remediation: "Free space on the filesystem (container images: `crictl rmi --prune`; logs \
under /var/log; unused volumes) or grow it; the kubelet starts evicting pods at 85-90 %.",
};

/// A filesystem at or above 85 % (95 % critical) of its inodes.
pub(crate) const INODES: Rule = Rule {
    id: "host.inode-exhaustion",
    category: Category::InodeExhaustion,
    severity: Severity::Warning,
    looks_at: "run/df-i.txt: IUse%",
    remediation: "Find the directory with millions of small files (often container layers \
or an application's cache) and clean it; inodes cannot be added to ext4 without reformat.",
};

/// A disk filesystem mounted read-only while the others are read-write.
pub(crate) const READ_ONLY: Rule = Rule {
    id: "host.read-only-mount",
    category: Category::DiskIoError,
    severity: Severity::Critical,
    looks_at: "run/mounts.txt: ro among disk filesystems",
    remediation: "The kernel usually remounts a filesystem read-only after I/O or metadata \
errors: check kern.log for the cause, the disk's health, and fsck it before remounting.",
};

/// The rules of this file.
pub(crate) const RULES: &[&Rule] = &[&DISK_FULL, &INODES, &READ_ONLY];

/// Filesystems whose fullness mirrors another one (container overlays on the same disk) or
/// is not a capacity problem.
fn is_shadow(r: &DfRecord) -> bool {
    let fs_type = r.fs_type.as_deref().unwrap_or("");
    matches!(
        r.filesystem.as_str(),
        "overlay" | "shm" | "none" | "udev" | "devtmpfs"
    ) || matches!(fs_type, "overlay" | "devtmpfs")
        || r.mount_point.starts_with("/var/lib/kubelet/pods/")
        || r.mount_point.starts_with("/run/containerd/")
        || r.mount_point.starts_with("/var/lib/docker/")
        || r.mount_point.starts_with("/run/k3s/")
        || r.mount_point
            .starts_with("/var/lib/containers/storage/overlay")
}

/// Runs the disk rules.
pub(crate) fn check(facts: &Facts, _ctx: &Context, out: &mut Findings) {
    for (node, host) in &facts.hosts {
        if let Some(df) = &host.outputs.df_blocks {
            usage(node, df, &DISK_FULL, "of its space", out);
        }
        if let Some(df) = &host.outputs.df_inodes {
            usage(node, df, &INODES, "of its inodes", out);
        }
        if let Some(m) = &host.outputs.mounts {
            read_only_devices(node, m, out);
        }
    }
}

/// One finding per device: a device mounted in several places (bind mounts of a volume into
/// pods) is one filesystem that went read-only, named by its shortest mount point.
fn read_only_devices(node: &str, m: &Parsed<Vec<mounts::Mount>>, out: &mut Findings) {
    let mut by_device: std::collections::BTreeMap<&str, Vec<&mounts::Mount>> = Default::default();
    for mount in mounts::unexpected_read_only(&m.value) {
        by_device
            .entry(mount.device.as_str())
            .or_default()
            .push(mount);
    }
    for (device, mut places) in by_device {
        places.sort_by_key(|p| (p.mount_point.len(), p.line));
        let Some(first) = places.first() else {
            continue;
        };
        // The node is the subject: the I/O errors in its kernel log that caused the remount
        // are the same problem and join this finding.
        let subject = Subject::node(node);
        let also = if places.len() > 1 {
            format!(" (also mounted at {} other place(s))", places.len() - 1)
        } else {
            String::new()
        };
        let mut draft = Draft::new(&READ_ONLY, subject)
            .title(format!("{device} on {node} is mounted read-only"))
            .message(format!(
                "{device} ({}) is mounted read-only at {}{also} while the node's other disk filesystems are read-write.",
                first.fs_type, first.mount_point
            ))
            .count(places.len() as u64);
        for p in places {
            draft = draft.evidence(&m.file, Some(p.line as u64), m.line(p.line));
        }
        out.add(draft.build());
    }
}

fn usage(node: &str, df: &Parsed<DfReport>, rule: &'static Rule, what: &str, out: &mut Findings) {
    for r in &df.value.filesystems {
        let Some(pct) = r.use_percent else { continue };
        if pct < thresholds().disk.warning_percent || r.is_always_full() || is_shadow(r) {
            continue;
        }
        let severity = if pct >= thresholds().disk.critical_percent {
            Severity::Critical
        } else {
            Severity::Warning
        };
        let subject = Subject::new(SubjectKind::Filesystem, &r.mount_point).on_node(node);
        out.add(
            Draft::new(rule, subject)
                .severity(severity)
                .title(format!(
                    "{} on {node} is {pct} % full ({what})",
                    r.mount_point
                ))
                .message(format!(
                    "{} ({}) on {node} uses {pct} % {what}: {} used, {} available.",
                    r.mount_point, r.filesystem, r.used.text, r.available.text
                ))
                .evidence(&df.file, Some(r.end_line as u64), df.line(r.end_line))
                .build(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::host::df;
    use crate::facts::host::testdata::corpus;
    use crate::facts::HostFacts;
    use crate::rules::testing::{facts_at_ten, rule_ids};

    fn facts_with_df(text: &str) -> Facts {
        let mut facts = facts_at_ten();
        let mut host = HostFacts::default();
        host.outputs.df_blocks = Some(Parsed::new(
            df::parse(text).unwrap(),
            "host-collectors/w1/run/df-h.txt",
            text.into(),
        ));
        facts.hosts.insert("w1".into(), host);
        facts
    }

    #[test]
    fn must_match_full_disks_by_threshold() {
        let facts = facts_with_df(
            "Filesystem      Size  Used Avail Use% Mounted on\n\
             /dev/sda1        97G   94G  3.0G  97% /\n\
             /dev/sdb1       200G  176G   24G  88% /var/lib/containerd\n\
             /dev/sdc1       200G   20G  180G  10% /data\n",
        );
        assert_eq!(
            rule_ids(&facts),
            [
                "host.disk-full Filesystem / on w1",
                "host.disk-full Filesystem /var/lib/containerd on w1"
            ]
        );
        let all = crate::rules::testing::evaluate(&facts).into_sorted();
        assert_eq!(all[0].severity, Severity::Critical);
        assert_eq!(all[0].evidence[0].line, Some(2));
        assert!(all[0].evidence[0].text.starts_with("/dev/sda1"));
    }

    #[test]
    fn must_not_match_snap_loops_and_overlays() {
        let overlay = "Filesystem Size Used Avail Use% Mounted on\n\
                       overlay 97G 94G 3.0G 97% /run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs\n";
        assert!(rule_ids(&facts_with_df(overlay)).is_empty());
        let Some(text) = corpus("jc-ubuntu1804-df-h-snap-loops-100pct.out") else {
            return;
        };
        assert!(rule_ids(&facts_with_df(&text)).is_empty());
    }
}
