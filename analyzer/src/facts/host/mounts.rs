//! `/proc/mounts`: what is mounted where, with which options, so a rule can spot a disk
//! filesystem the kernel remounted read-only after I/O errors.
//!
//! Each line is `device mountpoint fstype options dump pass`; the kernel escapes space, tab,
//! newline and backslash in the first two fields as `\040`, `\011`, `\012`, `\134`.
//!
//! Strictness: table. A line without at least the four first fields, or with non-numeric
//! dump/pass fields, is an error.

use super::{numbered_lines, ParseError};

/// One mounted filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Source device (`/dev/sda1`, `overlay`, `server:/export`), escapes decoded.
    pub device: String,
    /// Mount point, escapes decoded (`/mnt/VM Tools`).
    pub mount_point: String,
    /// Filesystem type (`ext4`, `xfs`, `tmpfs`, ...).
    pub fs_type: String,
    /// Mount options (`rw`, `relatime`, `errors=remount-ro`, ...).
    pub options: Vec<String>,
    /// 1-based line.
    pub line: usize,
}

/// Filesystem types that live on a block device and hold data.
const DISK_TYPES: &[&str] = &[
    "ext2", "ext3", "ext4", "xfs", "btrfs", "reiserfs", "jfs", "f2fs", "zfs", "nilfs2",
];

impl Mount {
    /// Mounted read-only (`ro` option).
    pub fn is_read_only(&self) -> bool {
        self.options.iter().any(|o| o == "ro")
    }

    /// A data filesystem on a block device (ext4/xfs/btrfs/... on `/dev/...`): one that
    /// should normally be writable, unlike squashfs images, ISO mounts or pseudo
    /// filesystems.
    pub fn is_disk_filesystem(&self) -> bool {
        self.device.starts_with("/dev/") && DISK_TYPES.contains(&self.fs_type.as_str())
    }
}

/// Disk filesystems mounted read-only while at least one other disk filesystem is
/// writable: the signature of an `errors=remount-ro` after I/O errors. Empty when every
/// disk filesystem is read-only (an appliance with a read-only root by design).
pub(crate) fn unexpected_read_only(mounts: &[Mount]) -> Vec<&Mount> {
    let disks = || mounts.iter().filter(|m| m.is_disk_filesystem());
    if !disks().any(|m| !m.is_read_only()) {
        return Vec::new();
    }
    disks().filter(|m| m.is_read_only()).collect()
}

/// Parses the text of `/proc/mounts` (or `/etc/mtab`).
pub(crate) fn parse(text: &str) -> Result<Vec<Mount>, ParseError> {
    let mut mounts = Vec::new();
    for (n, line) in numbered_lines(text) {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [device, mount_point, fs_type, options, rest @ ..] = fields.as_slice() else {
            return Err(ParseError::new(
                n,
                "a mount line `device mountpoint fstype options dump pass`",
                line,
            ));
        };
        if rest.len() > 2 || rest.iter().any(|f| f.parse::<u32>().is_err()) {
            return Err(ParseError::new(
                n,
                "numeric dump and pass fields at the end of the mount line",
                line,
            ));
        }
        mounts.push(Mount {
            device: unescape(device),
            mount_point: unescape(mount_point),
            fs_type: fs_type.to_string(),
            options: options.split(',').map(String::from).collect(),
            line: n,
        });
    }
    Ok(mounts)
}

/// Decodes the kernel's `\ooo` octal escapes; anything else is kept as is.
fn unescape(field: &str) -> String {
    if !field.contains('\\') {
        return field.to_string();
    }
    let mut out = Vec::with_capacity(field.len());
    let mut rest = field.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        if first == b'\\' {
            if let [a @ b'0'..=b'3', b @ b'0'..=b'7', c @ b'0'..=b'7', after @ ..] = tail {
                out.push((a - b'0') * 64 + (b - b'0') * 8 + (c - b'0'));
                rest = after;
                continue;
            }
        }
        out.push(first);
        rest = tail;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// `/proc/mounts` of a node whose data disk was remounted read-only, captured shape
    /// from a Linux 6.1 host plus an escaped mount point and a snap.
    pub(crate) const REMOUNTED: &str = "\
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
/dev/vda1 / ext4 rw,relatime,discard,errors=remount-ro 0 0
/dev/vdb1 /var/lib/kubelet xfs ro,relatime,attr2,inode64,logbufs=8,logbsize=32k,noquota 0 0
/dev/loop3 /snap/core20/2264 squashfs ro,nodev,relatime,errors=continue 0 0
/dev/sdb1 /mnt/VM\\040Tools ext4 rw,relatime 0 0
overlay /run/containerd/io.containerd.runtime.v2.task/k8s.io/3f1e/rootfs overlay rw,relatime,lowerdir=/a:/b,upperdir=/c,workdir=/d 0 0
";

    #[test]
    fn remounted_data_disk_is_flagged() {
        let mounts = parse(REMOUNTED).unwrap();
        assert_eq!(mounts.len(), 7);
        let kubelet = &mounts[3];
        assert!(kubelet.is_read_only() && kubelet.is_disk_filesystem());
        assert_eq!(kubelet.fs_type, "xfs");
        let snap = &mounts[4];
        assert!(snap.is_read_only() && !snap.is_disk_filesystem());
        assert_eq!(mounts[5].mount_point, "/mnt/VM Tools");
        assert!(mounts[2].options.contains(&"errors=remount-ro".to_string()));
        let flagged: Vec<usize> = unexpected_read_only(&mounts)
            .iter()
            .map(|m| m.line)
            .collect();
        assert_eq!(flagged, [4]);
    }

    #[test]
    fn all_read_only_appliance_is_not_flagged() {
        let mounts =
            parse("/dev/sda1 / ext4 ro,relatime 0 0\n/dev/sda2 /usr ext4 ro 0 0\n").unwrap();
        assert!(unexpected_read_only(&mounts).is_empty());
    }

    #[test]
    fn escapes_are_decoded() {
        assert_eq!(unescape(r"/a\040b\011c\134d"), "/a b\tc\\d");
        assert_eq!(unescape(r"/odd\09"), r"/odd\09");
        assert_eq!(unescape(r"/trailing\04"), r"/trailing\04");
        assert_eq!(unescape(r"\777"), r"\777");
    }

    #[test]
    fn malformed_lines_are_errors() {
        let err = parse("proc /proc proc rw 0 0\n/dev/sda1 /\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.expected.contains("mount line"));
        let err = parse("/dev/sda1 / ext4 rw zero 0\n").unwrap_err();
        assert!(err.expected.contains("dump"));
    }
}
