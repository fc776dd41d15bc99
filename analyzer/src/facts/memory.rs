//! A node's memory as one fact, combined from the two outputs that show it:
//! `/proc/meminfo` (preferred: exact, in kB, with the swap counters) and `free -m` (MiB).
//!
//! What counts is *available* memory — the kernel's `MemAvailable`, free memory plus the
//! caches it can drop — never `MemFree`: a healthy node fills its free memory with page
//! cache, and reading that as pressure would alarm on every node.

use super::host::{free, meminfo};
use super::outputs::Parsed;
use std::sync::Arc;

/// What a node's memory looked like when the bundle was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memory {
    /// Physical memory, in bytes.
    pub total: u64,
    /// Memory available for new work without swapping, in bytes.
    pub available: u64,
    /// Swap, when the node has any.
    pub swap: Option<Swap>,
    /// The output it was read from.
    pub file: Arc<str>,
    /// The lines that show it, as (1-based line, text), for evidence.
    pub lines: Vec<(usize, String)>,
}

/// A node's swap space, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Swap {
    /// Configured swap.
    pub total: u64,
    /// Swap not in use.
    pub free: u64,
}

/// One MiB: `free -m`'s unit, the unit of the bundle's `run/free.txt`.
const MIB: u64 = 1024 * 1024;

/// The memory of a node from `/proc/meminfo`, else from `free -m`; `None` when neither says
/// how much is available (a kernel before 3.14 without `MemAvailable` and no `free`).
pub(crate) fn combine(
    meminfo: Option<&Parsed<meminfo::Meminfo>>,
    free: Option<&Parsed<free::Memory>>,
) -> Option<Memory> {
    meminfo
        .and_then(from_meminfo)
        .or_else(|| free.and_then(from_free))
}

fn from_meminfo(parsed: &Parsed<meminfo::Meminfo>) -> Option<Memory> {
    let info = &parsed.value;
    let total = info.mem_total().filter(|t| *t > 0)?;
    let available = info.mem_available()?;
    let mut shown = vec!["MemTotal", "MemAvailable"];
    let swap = match (info.bytes("SwapTotal"), info.bytes("SwapFree")) {
        (Some(total), Some(free)) if total > 0 => {
            shown.extend(["SwapTotal", "SwapFree"]);
            Some(Swap { total, free })
        }
        _ => None,
    };
    let lines = shown
        .into_iter()
        .filter_map(|key| info.get(key))
        .map(|e| (e.line, parsed.line(e.line)))
        .collect();
    Some(Memory {
        total,
        available,
        swap,
        file: parsed.file.clone(),
        lines,
    })
}

fn from_free(parsed: &Parsed<free::Memory>) -> Option<Memory> {
    let memory = &parsed.value;
    if memory.mem.total == 0 {
        return None;
    }
    let (available, row) = match (memory.mem.available, memory.buffers_cache) {
        (Some(available), _) => (available, memory.mem),
        (None, Some(cache)) => (cache.free, cache),
        (None, None) => return None,
    };
    let swap = memory.swap.filter(|s| s.total > 0);
    let mut rows = vec![memory.mem.line, row.line];
    rows.extend(swap.map(|s| s.line));
    rows.dedup();
    Some(Memory {
        total: memory.mem.total.saturating_mul(MIB),
        available: available.saturating_mul(MIB),
        swap: swap.map(|s| Swap {
            total: s.total.saturating_mul(MIB),
            free: s.free.saturating_mul(MIB),
        }),
        file: parsed.file.clone(),
        lines: rows.into_iter().map(|n| (n, parsed.line(n))).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meminfo(text: &str) -> Parsed<meminfo::Meminfo> {
        Parsed::new(
            meminfo::parse(text).unwrap(),
            "run/meminfo.txt",
            text.into(),
        )
    }

    fn free(text: &str) -> Parsed<free::Memory> {
        Parsed::new(free::parse(text).unwrap(), "run/free.txt", text.into())
    }

    const FREE_OLD: &str =
        "             total       used       free     shared    buffers     cached
Mem:          3832       3644        188          0        161       1874
-/+ buffers/cache:       1608       2224
Swap:         3967         67       3900
";

    #[test]
    fn meminfo_is_preferred_and_counts_caches_as_available() {
        let m = meminfo(
            "MemTotal:       1000 kB\nMemFree:          20 kB\nMemAvailable:    600 kB\n\
             Cached:          550 kB\nSwapTotal:         0 kB\nSwapFree:          0 kB\n",
        );
        let f = free(FREE_OLD);
        let memory = combine(Some(&m), Some(&f)).unwrap();
        assert_eq!((memory.total, memory.available), (1000 * 1024, 600 * 1024));
        assert_eq!(memory.swap, None, "no swap configured");
        assert_eq!(&*memory.file, "run/meminfo.txt");
        assert_eq!(memory.lines[1], (3, "MemAvailable:    600 kB".to_string()));
    }

    #[test]
    fn old_free_falls_back_to_the_buffers_cache_row() {
        let memory = combine(None, Some(&free(FREE_OLD))).unwrap();
        assert_eq!(memory.total, 3832 * MIB);
        assert_eq!(memory.available, 2224 * MIB);
        assert_eq!(
            memory.swap,
            Some(Swap {
                total: 3967 * MIB,
                free: 3900 * MIB
            })
        );
        let lines: Vec<usize> = memory.lines.iter().map(|(n, _)| *n).collect();
        assert_eq!(lines, [2, 3, 4]);
    }

    #[test]
    fn nothing_to_judge_without_an_available_figure() {
        let m = meminfo("MemTotal:       1000 kB\nMemFree:          20 kB\n");
        assert_eq!(combine(Some(&m), None), None);
        assert_eq!(combine(None, None), None);
    }
}
