//! What an install puts beside the binary, generated from the clap definitions at run time so
//! it cannot drift from the flags: shell completion scripts and man pages.

use crate::cli::Cli;
use anyhow::{Context as _, Result};
use clap::CommandFactory as _;
use std::io::Write;
use std::path::Path;

/// Writes the completion script of `kbundle` for `shell`. It is built in memory first:
/// clap_complete panics on a write error, and `kbundle completions bash | head` is no reason to.
pub(crate) fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "kbundle", &mut script);
    out.write_all(&script)?;
    out.flush()?;
    Ok(())
}

/// Writes `kbundle.1` and a `kbundle-<subcommand>.1` per visible subcommand into `dir`.
pub(crate) fn man_pages(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    clap_mangen::generate_to(Cli::command(), dir)
        .with_context(|| format!("{}: cannot write the man pages", dir.display()))
}
