//! `df -h`, `df -i`, `df -alP`, `df -li` (and `-T`): how full each filesystem is, in blocks
//! or in inodes.
//!
//! Handles: the header's size column (`Size`, `1K-blocks`, `1024-blocks`, `512-blocks`,
//! `Inodes`) to turn values into bytes or counts; an optional `Type` column; rows wrapped
//! after a long device name (`/dev/mapper/vg-lv_root` alone, the numbers indented on the
//! next non-blank line); mount points with spaces; `-` for pseudo filesystems; stderr lines
//! (`df: '/x': No such file or directory`) interleaved, kept as messages.
//!
//! Strictness: table. Any other line is a [`ParseError`]; so are rows before the header.

use super::{numbered_lines, ParseError};

/// What one `df` run printed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DfReport {
    /// True for `df -i` (inode counts), false for block usage.
    pub inodes: bool,
    /// One record per filesystem row, in output order.
    pub filesystems: Vec<DfRecord>,
    /// df's own complaints (`df: '/vobs/GEMS': No such file or directory`): stale mounts.
    pub messages: Vec<DfMessage>,
}

/// One row of `df`.
#[derive(Debug, Clone, PartialEq)]
pub struct DfRecord {
    /// Device or source (`/dev/sda2`, `tmpfs`, `server:/export`).
    pub filesystem: String,
    /// Filesystem type, when `df -T` printed it.
    pub fs_type: Option<String>,
    /// Size column (blocks, human size or inode total).
    pub size: Amount,
    /// Used column.
    pub used: Amount,
    /// Available / free column.
    pub available: Amount,
    /// `Use%` / `Capacity` / `IUse%`; `None` for `-` (pseudo filesystems, no inodes).
    pub use_percent: Option<u8>,
    /// Mount point, spaces kept.
    pub mount_point: String,
    /// 1-based line where the row starts (the device name).
    pub line: usize,
    /// 1-based line holding the numbers; differs from `line` when the row was wrapped.
    pub end_line: usize,
}

/// A value as printed, and its meaning when computable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    /// The text as df printed it (`1.5G`, `98571884`, `-`).
    pub text: String,
    /// Bytes for block reports, inode count for inode reports. Human sizes (`1.5G`) are
    /// read as powers of 1024 and are as approximate as df's rounding. `None` for `-`.
    pub value: Option<u64>,
}

/// A line df wrote to stderr that ended up in the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DfMessage {
    /// 1-based line.
    pub line: usize,
    /// The message, as printed.
    pub text: String,
}

/// Filesystem types that are read-only images: always 100 % used by construction.
const IMAGE_TYPES: &[&str] = &["squashfs", "iso9660", "udf", "erofs", "cramfs"];

impl DfRecord {
    /// A read-only image (snap squashfs on `/dev/loopN`, ISO on `/dev/sr0`, ...) that is
    /// always 100 % full by construction; a fill-level rule must skip it.
    ///
    /// Uses the type when df printed it; otherwise recognises loop devices mounted under
    /// `/snap/` or `/var/lib/snapd/snap/`, and optical drives.
    pub fn is_always_full(&self) -> bool {
        if let Some(fs_type) = &self.fs_type {
            return IMAGE_TYPES.contains(&fs_type.as_str());
        }
        let loop_device = self
            .filesystem
            .strip_prefix("/dev/loop")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        let snap_mount = self.mount_point.starts_with("/snap/")
            || self.mount_point.starts_with("/var/lib/snapd/snap/");
        let optical = self.filesystem.starts_with("/dev/sr") || self.filesystem == "/dev/cdrom";
        (loop_device && snap_mount) || optical
    }
}

/// How the header says values are expressed.
#[derive(Debug, Clone, Copy)]
enum Unit {
    /// `Size` / `Inodes`: plain numbers or numbers with a K/M/G... suffix (powers of 1024).
    Human,
    /// `<N>-blocks`: counts of N-byte blocks.
    Blocks(u64),
}

/// The layout the header announced.
#[derive(Debug, Clone, Copy)]
struct Layout {
    has_type: bool,
    unit: Unit,
}

/// Parses the output of one `df` invocation.
pub(crate) fn parse(text: &str) -> Result<DfReport, ParseError> {
    let mut report = DfReport::default();
    let mut layout: Option<Layout> = None;
    // A device name printed alone on its line, waiting for its numbers.
    let mut wrapped: Option<(usize, String)> = None;
    for (n, raw) in numbered_lines(text) {
        let line = raw.trim_end();
        if line.trim().is_empty() {
            continue;
        }
        let first = line.split_whitespace().next().unwrap_or("");
        if first.ends_with("df:") {
            report.messages.push(DfMessage {
                line: n,
                text: line.to_string(),
            });
            continue;
        }
        if first == "Filesystem" {
            let new = parse_header(n, line)?;
            if layout.is_none() {
                report.inodes = line.contains("Inodes");
            }
            layout = Some(new);
            continue;
        }
        let Some(layout) = layout else {
            return Err(ParseError::new(
                n,
                "the df header `Filesystem ... Mounted on`",
                line,
            ));
        };
        let continuation = line.starts_with([' ', '\t']);
        if let Some((start, device)) = wrapped.take() {
            if !continuation {
                return Err(ParseError::new(
                    n,
                    format!("the indented numbers of wrapped row `{device}`"),
                    line,
                ));
            }
            report
                .filesystems
                .push(parse_row(n, line, start, Some(device), layout)?);
            continue;
        }
        if !continuation && line.split_whitespace().count() == 1 {
            wrapped = Some((n, first.to_string()));
            continue;
        }
        report
            .filesystems
            .push(parse_row(n, line, n, None, layout)?);
    }
    if let Some((start, device)) = wrapped {
        return Err(ParseError::new(
            start,
            "the numbers of this wrapped row on a following line",
            &device,
        ));
    }
    Ok(report)
}

fn parse_header(n: usize, line: &str) -> Result<Layout, ParseError> {
    let columns: Vec<&str> = line.split_whitespace().collect();
    let has_type = columns.get(1) == Some(&"Type");
    let size_column = columns
        .get(if has_type { 2 } else { 1 })
        .copied()
        .unwrap_or("");
    let unit = match size_column {
        "Size" | "Inodes" => Unit::Human,
        blocks => Unit::Blocks(block_size(blocks).ok_or_else(|| {
            ParseError::new(
                n,
                "a size column `Size`, `Inodes` or `<N>-blocks` in the df header",
                line,
            )
        })?),
    };
    Ok(Layout { has_type, unit })
}

/// `1K-blocks` → 1024, `1024-blocks` → 1024, `512-blocks` → 512, `1M-blocks`, `1kB-blocks`.
fn block_size(column: &str) -> Option<u64> {
    let size = column.strip_suffix("-blocks")?;
    let digits_end = size
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(size.len());
    let count: u64 = size[..digits_end].parse().ok()?;
    let multiplier = match &size[digits_end..] {
        "" => 1,
        suffix => suffix_multiplier(suffix)?,
    };
    count.checked_mul(multiplier)
}

/// `K`/`k` → 1024 ... `Y`; `kB`, `MB`, ... → powers of 1000 (coreutils `-B` spellings).
fn suffix_multiplier(suffix: &str) -> Option<u64> {
    let (letter, decimal) = match suffix.strip_suffix('B') {
        Some(letter) => (letter, true),
        None => (suffix.strip_suffix("iB").unwrap_or(suffix), false),
    };
    let power = match letter {
        "K" | "k" => 1,
        "M" => 2,
        "G" => 3,
        "T" => 4,
        "P" => 5,
        "E" => 6,
        _ => return None,
    };
    let base: u64 = if decimal { 1000 } else { 1024 };
    base.checked_pow(power)
}

/// Reads one row; `device` is set when the name came on an earlier (wrapped) line.
fn parse_row(
    n: usize,
    line: &str,
    start: usize,
    device: Option<String>,
    layout: Layout,
) -> Result<DfRecord, ParseError> {
    let leading = usize::from(device.is_none()) + usize::from(layout.has_type);
    let (fields, mount_point) = split_fields(line, leading + 4);
    if fields.len() < leading + 4 || mount_point.is_empty() {
        return Err(ParseError::new(
            n,
            "a df row: filesystem, [type,] size, used, available, use%, mount point",
            line,
        ));
    }
    let mut fields = fields.into_iter();
    let mut next = || fields.next().unwrap_or_default();
    let filesystem = match device {
        Some(device) => device,
        None => next().to_string(),
    };
    let fs_type = layout.has_type.then(|| next().to_string());
    let size = amount(n, line, next(), layout.unit)?;
    let used = amount(n, line, next(), layout.unit)?;
    let available = amount(n, line, next(), layout.unit)?;
    let percent = next();
    let use_percent = match percent {
        "-" => None,
        p => Some(
            p.strip_suffix('%')
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| ParseError::new(n, "a use percentage like `30%` or `-`", line))?,
        ),
    };
    Ok(DfRecord {
        filesystem,
        fs_type,
        size,
        used,
        available,
        use_percent,
        mount_point: mount_point.to_string(),
        line: start,
        end_line: n,
    })
}

/// The first `count` whitespace-separated fields of `line`, and the rest of the line after
/// them with its leading blanks removed (a mount point may contain spaces).
fn split_fields(line: &str, count: usize) -> (Vec<&str>, &str) {
    let mut fields = Vec::with_capacity(count);
    let mut rest = line.trim_start();
    while fields.len() < count && !rest.is_empty() {
        let end = rest.find([' ', '\t']).unwrap_or(rest.len());
        fields.push(&rest[..end]);
        rest = rest[end..].trim_start();
    }
    (fields, rest)
}

fn amount(n: usize, line: &str, text: &str, unit: Unit) -> Result<Amount, ParseError> {
    let value =
        if text == "-" {
            None
        } else {
            let value = match unit {
                Unit::Blocks(size) => text.parse::<u64>().ok().and_then(|v| v.checked_mul(size)),
                Unit::Human => human_value(text),
            };
            Some(value.ok_or_else(|| {
                ParseError::new(n, format!("a size or count, not `{text}`"), line)
            })?)
        };
    Ok(Amount {
        text: text.to_string(),
        value,
    })
}

/// `0`, `976M`, `1.5G`, `1,5G` (comma locales) → the value in base units.
fn human_value(text: &str) -> Option<u64> {
    if let Ok(plain) = text.parse::<u64>() {
        return Some(plain);
    }
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let number: f64 = text[..split].replace(',', ".").parse().ok()?;
    let scaled = number * suffix_multiplier(&text[split..])? as f64;
    (scaled.is_finite() && scaled >= 0.0 && scaled < u64::MAX as f64).then(|| scaled.round() as u64)
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::testdata::corpus;
    use super::*;

    const GIB: u64 = 1 << 30;
    const MIB: u64 = 1 << 20;

    fn at<'a>(report: &'a DfReport, mount: &str) -> &'a DfRecord {
        report
            .filesystems
            .iter()
            .find(|r| r.mount_point == mount)
            .unwrap_or_else(|| panic!("no mount {mount}"))
    }

    #[test]
    fn corpus_ubuntu_snap_loops_are_full_but_always_full() {
        let Some(text) = corpus("jc-ubuntu1804-df-h-snap-loops-100pct.out") else {
            return;
        };
        let report = parse(&text).unwrap();
        assert!(!report.inodes);
        assert_eq!(report.filesystems.len(), 18);
        let loops: Vec<&DfRecord> = report
            .filesystems
            .iter()
            .filter(|r| r.filesystem.starts_with("/dev/loop"))
            .collect();
        assert_eq!(loops.len(), 11);
        assert!(loops
            .iter()
            .all(|r| r.use_percent == Some(100) && r.is_always_full()));
        let root = at(&report, "/");
        assert_eq!(root.filesystem, "/dev/sda2");
        assert_eq!(root.use_percent, Some(30));
        assert!(!root.is_always_full());
        assert_eq!(root.size.value, Some(20 * GIB));
        assert_eq!(root.used.text, "5.5G");
        assert_eq!(root.used.value, Some(5 * GIB + GIB / 2));
        assert_eq!(root.line, 4);
        let core = at(&report, "/snap/core18/1223");
        assert_eq!(core.available.value, Some(0));
        assert_eq!(core.line, 8);
    }

    #[test]
    fn corpus_centos_df_h_is_healthy() {
        let Some(text) = corpus("jc-centos77-df-h.out") else {
            return;
        };
        let report = parse(&text).unwrap();
        assert_eq!(report.filesystems.len(), 7);
        assert_eq!(at(&report, "/").use_percent, Some(11));
        assert_eq!(at(&report, "/").filesystem, "/dev/mapper/centos-root");
        let boot = at(&report, "/boot");
        assert_eq!(boot.use_percent, Some(23));
        assert_eq!(boot.size.value, Some(1014 * MIB));
        assert!(report
            .filesystems
            .iter()
            .all(|r| r.use_percent.is_some_and(|p| p < 85)));
    }

    #[test]
    fn corpus_df_li_wrapped_row_and_spaces_in_mount_points() {
        let Some(text) = corpus("insights-df-li-inodes-wrapped-line.txt") else {
            return;
        };
        let report = parse(&text).unwrap();
        assert!(report.inodes);
        assert_eq!(report.filesystems.len(), 10);
        let root = at(&report, "/");
        assert_eq!(root.filesystem, "/dev/mapper/vg_lxcrhel6sat56-lv_root");
        assert_eq!((root.line, root.end_line), (2, 4));
        assert_eq!(root.size.value, Some(6_275_072));
        assert_eq!(root.used.value, Some(124_955));
        assert_eq!(root.use_percent, Some(2));
        assert_eq!(at(&report, "/V M T o o l s").filesystem, "/dev/sdb1");
        assert_eq!(at(&report, "/VM Tools").line, 14);
    }

    #[test]
    fn corpus_df_alp_pseudo_filesystems_and_stderr() {
        let Some(text) = corpus("insights-df-alP-with-stderr.txt") else {
            return;
        };
        let report = parse(&text).unwrap();
        assert_eq!(report.messages.len(), 2);
        assert_eq!(report.messages[0].line, 1);
        assert!(report.messages[1].text.contains("/vobs/NT/TFax"));
        assert_eq!(report.filesystems.len(), 9);
        let root = at(&report, "/");
        assert_eq!(root.use_percent, Some(5));
        assert_eq!(root.size.value, Some(98_571_884 * 1024));
        assert_eq!(at(&report, "/sys").use_percent, None);
        assert_eq!(at(&report, "/sys/fs/cgroup").line, 13);
    }

    /// coreutils 9.1 `df -ahT` and `df -ih` (captured on this project's build host), plus a
    /// squashfs snap and a full data disk as a typed row.
    pub(crate) const TYPED: &str = "\
Filesystem              Type      Size  Used Avail Use% Mounted on
proc                    proc         0     0     0    - /proc
devtmpfs                devtmpfs   12G     0   12G   0% /dev
/dev/vda                ext4      252G   13G   79G  15% /
/dev/loop3              squashfs   64M   64M     0 100% /snap/core20/2264
/dev/sdb1               xfs       500G  481G   19G  97% /var/lib/containerd
df: /nonexistent: No such file or directory
";

    #[test]
    fn typed_rows_use_the_type_for_images() {
        let report = parse(TYPED).unwrap();
        assert_eq!(report.filesystems.len(), 5);
        assert_eq!(report.messages.len(), 1);
        let proc = at(&report, "/proc");
        assert_eq!(
            (proc.fs_type.as_deref(), proc.use_percent),
            (Some("proc"), None)
        );
        let snap = at(&report, "/snap/core20/2264");
        assert!(snap.is_always_full());
        let data = at(&report, "/var/lib/containerd");
        assert_eq!(data.use_percent, Some(97));
        assert!(!data.is_always_full());
        assert_eq!(data.available.value, Some(19 * GIB));
    }

    #[test]
    fn human_inode_counts() {
        let text = "\
Filesystem              Inodes IUsed IFree IUse% Mounted on
devtmpfs                  3.0M   114  3.0M    1% /dev
";
        let report = parse(text).unwrap();
        assert!(report.inodes);
        assert_eq!(report.filesystems[0].size.value, Some(3 * MIB));
        assert_eq!(report.filesystems[0].used.value, Some(114));
    }

    #[test]
    fn block_sizes_from_the_header() {
        assert_eq!(block_size("1K-blocks"), Some(1024));
        assert_eq!(block_size("1024-blocks"), Some(1024));
        assert_eq!(block_size("512-blocks"), Some(512));
        assert_eq!(block_size("1M-blocks"), Some(MIB));
        assert_eq!(block_size("1kB-blocks"), Some(1000));
        assert_eq!(block_size("Size"), None);
        assert_eq!(human_value("1,5G"), Some(GIB + GIB / 2));
        assert_eq!(human_value("4.0K"), Some(4096));
        assert_eq!(human_value("12Q"), None);
    }

    #[test]
    fn errors_name_the_line_and_what_was_expected() {
        let err = parse("/dev/sda1 100 50 50 50% /\n").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.expected.contains("header"), "{err}");
        let text =
            "Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/sda1 100 fifty 50 50% /\n";
        let err = parse(text).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.expected.contains("fifty"), "{err}");
        let text = "Filesystem Size Used Avail Use% Mounted on\n/dev/sda1 1G 1G 0 full /\n";
        assert_eq!(parse(text).unwrap_err().line, 2);
        let text = "Filesystem Size Used Avail Use% Mounted on\n/dev/sda1 1G 1G\n";
        assert_eq!(parse(text).unwrap_err().line, 2);
        let text = "Filesystem Size Used Avail Use% Mounted on\n/dev/mapper/long\n";
        assert_eq!(parse(text).unwrap_err().line, 2);
        assert_eq!(parse("").unwrap(), DfReport::default());
    }
}
