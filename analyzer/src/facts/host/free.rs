//! `free -m`: memory and swap totals, in the unit free was asked for (MiB for the bundle's
//! `free -m`).
//!
//! Both procps layouts are read by column name: the modern
//! `total used free shared buff/cache available` and the old
//! `total used free shared buffers cached` with its `-/+ buffers/cache:` row.
//!
//! Strictness: table. The header must come first; rows are `Mem:`, `Swap:`, `Total:`,
//! `Low:`, `High:` or `-/+ buffers/cache:` with integer values; anything else is an error.

use super::{numbered_lines, ParseError};

/// What `free` printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    /// The `Mem:` row.
    pub mem: MemoryRow,
    /// The old layout's `-/+ buffers/cache:` row (`used` and `free` with the caches counted
    /// as free): what procps before 3.3.10 offers instead of `available`.
    pub buffers_cache: Option<MemoryRow>,
    /// The `Swap:` row, when printed.
    pub swap: Option<MemoryRow>,
}

/// One row of `free`, in free's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemoryRow {
    /// `total`.
    pub total: u64,
    /// `used`.
    pub used: u64,
    /// `free`.
    pub free: u64,
    /// `available` (procps ≥ 3.3.10, `Mem:` row only).
    pub available: Option<u64>,
    /// 1-based line.
    pub line: usize,
}

/// Parses `free` output (`-m`, `-k`, `-g` or bytes; not `-h`).
pub(crate) fn parse(text: &str) -> Result<Memory, ParseError> {
    let mut columns: Option<Vec<&str>> = None;
    let mut mem: Option<MemoryRow> = None;
    let mut buffers_cache: Option<MemoryRow> = None;
    let mut swap: Option<MemoryRow> = None;
    let mut last_line = 1;
    for (n, line) in numbered_lines(text) {
        last_line = n;
        if line.trim().is_empty() {
            continue;
        }
        let Some(names) = &columns else {
            let names: Vec<&str> = line.split_whitespace().collect();
            if names.first() != Some(&"total") {
                return Err(ParseError::new(
                    n,
                    "the free header `total used free ...`",
                    line,
                ));
            }
            columns = Some(names);
            continue;
        };
        let (label, values) = line
            .split_once(':')
            .ok_or_else(|| ParseError::new(n, "a row like `Mem: total used free ...`", line))?;
        let row = read_row(n, line, names, values)?;
        match label.trim() {
            "Mem" => mem = Some(row),
            "Swap" => swap = Some(row),
            "-/+ buffers/cache" => buffers_cache = Some(row),
            "Total" | "Low" | "High" => {}
            _ => {
                return Err(ParseError::new(
                    n,
                    "a `Mem:`, `Swap:`, `Total:`, `Low:`, `High:` or `-/+ buffers/cache:` row",
                    line,
                ))
            }
        }
    }
    let mem = mem.ok_or_else(|| ParseError::new(last_line, "a `Mem:` row", ""))?;
    Ok(Memory {
        mem,
        buffers_cache,
        swap,
    })
}

fn read_row(n: usize, line: &str, names: &[&str], values: &str) -> Result<MemoryRow, ParseError> {
    let mut row = MemoryRow {
        line: n,
        ..MemoryRow::default()
    };
    // `-/+ buffers/cache:` has only used and free: values align to the header from `used`.
    let values: Vec<&str> = values.split_whitespace().collect();
    let names = if values.len() == 2 && names.len() > 2 {
        names.get(1..3).unwrap_or_default()
    } else {
        names
    };
    for (name, value) in names.iter().zip(&values) {
        let value: u64 = value
            .parse()
            .map_err(|_| ParseError::new(n, format!("an integer for `{name}`"), line))?;
        match *name {
            "total" => row.total = value,
            "used" => row.used = value,
            "free" => row.free = value,
            "available" => row.available = Some(value),
            _ => {}
        }
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modern_layout() {
        // procps-ng 4.0.2 `free -m` (captured on this project's build host).
        let text =
            "               total        used        free      shared  buff/cache   available
Mem:           24105         310       22514           8        1515       23794
Swap:              0           0           0
";
        let memory = parse(text).unwrap();
        assert_eq!(memory.mem.total, 24105);
        assert_eq!(memory.mem.available, Some(23794));
        assert_eq!(memory.mem.line, 2);
        let swap = memory.swap.unwrap();
        assert_eq!((swap.total, swap.available, swap.line), (0, None, 3));
    }

    #[test]
    fn old_layout_with_buffers_cache_row() {
        let text = "             total       used       free     shared    buffers     cached
Mem:          3832       3644        188          0        161       1874
-/+ buffers/cache:       1608       2224
Swap:         3967         67       3900
";
        let memory = parse(text).unwrap();
        assert_eq!((memory.mem.total, memory.mem.free), (3832, 188));
        assert_eq!(memory.mem.available, None);
        let cache = memory.buffers_cache.unwrap();
        assert_eq!((cache.used, cache.free, cache.line), (1608, 2224, 3));
        assert_eq!(memory.swap.unwrap().used, 67);
    }

    #[test]
    fn errors() {
        assert_eq!(parse("Mem: 1 2 3\n").unwrap_err().line, 1);
        let text = "  total used free\nMem: 1 2 lots\n";
        assert!(parse(text).unwrap_err().expected.contains("free"));
        let text = "  total used free\nRAM: 1 2 3\n";
        assert_eq!(parse(text).unwrap_err().line, 2);
        assert!(parse("  total used free\nSwap: 1 2 3\n").is_err());
    }
}
