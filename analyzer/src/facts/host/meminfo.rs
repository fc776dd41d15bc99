//! `/proc/meminfo`: the kernel's memory counters (`MemTotal`, `MemAvailable`, ...).
//!
//! Strictness: table. Every non-blank line must be `Key:   value [kB]`.

use super::{numbered_lines, ParseError};

/// All counters, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Meminfo {
    /// One entry per line.
    pub entries: Vec<MeminfoEntry>,
}

/// One counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeminfoEntry {
    /// Name (`MemTotal`, `HugePages_Total`).
    pub key: String,
    /// The number as printed.
    pub value: u64,
    /// Whether the value is in kB (most are; `HugePages_*` are counts).
    pub kb: bool,
    /// 1-based line.
    pub line: usize,
}

impl Meminfo {
    /// The entry named `key`.
    pub fn get(&self, key: &str) -> Option<&MeminfoEntry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// The value of `key` in bytes (kB × 1024), or as a count when it has no unit.
    pub fn bytes(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(|e| {
            if e.kb {
                e.value.checked_mul(1024)
            } else {
                Some(e.value)
            }
        })
    }

    /// `MemTotal` in bytes.
    pub fn mem_total(&self) -> Option<u64> {
        self.bytes("MemTotal")
    }

    /// `MemAvailable` in bytes (kernel ≥ 3.14).
    pub fn mem_available(&self) -> Option<u64> {
        self.bytes("MemAvailable")
    }
}

/// Parses the text of `/proc/meminfo`.
pub(crate) fn parse(text: &str) -> Result<Meminfo, ParseError> {
    let mut info = Meminfo::default();
    for (n, line) in numbered_lines(text) {
        if line.trim().is_empty() {
            continue;
        }
        let bad = || ParseError::new(n, "a meminfo line `Key:   value [kB]`", line);
        let (key, rest) = line.split_once(':').ok_or_else(bad)?;
        let mut words = rest.split_whitespace();
        let value = words.next().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
        let kb = match (words.next(), words.next()) {
            (None, None) => false,
            (Some("kB"), None) => true,
            _ => return Err(bad()),
        };
        if key.trim().is_empty() || key.contains(char::is_whitespace) {
            return Err(bad());
        }
        info.entries.push(MeminfoEntry {
            key: key.to_string(),
            value,
            kb,
            line: n,
        });
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_6_1_meminfo() {
        // Head of /proc/meminfo on this project's build host, plus hugepage counts.
        let text = "MemTotal:       24684092 kB
MemFree:        23054876 kB
MemAvailable:   24365760 kB
Buffers:           34040 kB
Cached:          1470728 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
";
        let info = parse(text).unwrap();
        assert_eq!(info.entries.len(), 7);
        assert_eq!(info.mem_total(), Some(24_684_092 * 1024));
        assert_eq!(info.mem_available(), Some(24_365_760 * 1024));
        let huge = info.get("HugePages_Total").unwrap();
        assert_eq!((huge.value, huge.kb, huge.line), (0, false, 6));
        assert_eq!(info.bytes("Nope"), None);
    }

    #[test]
    fn errors() {
        let err = parse("MemTotal: 10 kB\nMemFree 10 kB\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(parse("MemTotal: ten kB\n").is_err());
        assert!(parse("MemTotal: 10 MB\n").is_err());
        assert!(parse("Mem Total: 10 kB\n").is_err());
    }
}
