//! Log scanning: one pass over every log line, many rules at once (a `RegexSet`), keeping
//! counts and a few example lines per rule, never the log itself.

/// Placeholder until the scanner lands.
#[derive(Debug, Clone)]
pub struct FileScan {}

/// Placeholder until the scanner lands.
#[derive(Debug)]
pub struct LogScanner {}

impl LogScanner {
    /// Placeholder until the scanner lands.
    pub fn builtin() -> anyhow::Result<Self> {
        Ok(LogScanner {})
    }
}
