//! The analysis as JSON (analysis format v1), for tickets and scripts.

use kbundle_format::analysis::Analysis;
use std::io::{self, Write};

/// Writes the analysis as pretty-printed JSON.
pub fn write(analysis: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, analysis)?;
    out.write_all(b"\n")
}
