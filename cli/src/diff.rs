//! `kbundle diff`: what changed between two sets of bundles of one cluster.

use crate::cli::{write_to, Outcome};
use anyhow::{bail, Result};
use kbundle_analyzer::render;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// `kbundle diff OLD NEW`, or `--old A --old B --new C` for sides of several bundles.
#[derive(Debug, clap::Args)]
pub(crate) struct DiffArgs {
    /// The earlier bundle and the later one (any format `analyze` reads).
    #[arg(value_name = "BUNDLE", num_args = 0..=2)]
    bundles: Vec<PathBuf>,
    /// A bundle of the earlier side; repeat to merge several (a cluster bundle and node
    /// bundles), like `analyze` merges them.
    #[arg(long = "old", value_name = "BUNDLE")]
    old: Vec<PathBuf>,
    /// A bundle of the later side; repeat to merge several.
    #[arg(long = "new", value_name = "BUNDLE")]
    new: Vec<PathBuf>,
    /// Write the diff as JSON (kbundle-diff/v1) to FILE ('-' for stdout).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the diff as Markdown to FILE ('-' for stdout).
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Write the diff as one self-contained HTML page to FILE ('-' for stdout).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Print nothing on the terminal (outputs still written).
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    rules: crate::rules::RuleFlags,
}

impl DiffArgs {
    /// The two sides, from the positional pair or the repeated flags (not both).
    fn sides(&self) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
        match (
            self.bundles.as_slice(),
            self.old.is_empty(),
            self.new.is_empty(),
        ) {
            ([old, new], true, true) => Ok((vec![old.clone()], vec![new.clone()])),
            ([], false, false) => Ok((self.old.clone(), self.new.clone())),
            _ => bail!("give the two bundles as OLD NEW, or each side with --old and --new"),
        }
    }
}

/// Runs `kbundle diff`.
pub(crate) fn run(args: DiffArgs) -> Result<Outcome> {
    let (old, new) = args.sides()?;
    let diff = kbundle_analyzer::diff::diff_paths(&old, &new, &args.rules.sources())?;
    if let Some(path) = &args.json {
        write_to(path, |out| render::diff::json(&diff, out))?;
    }
    if let Some(path) = &args.markdown {
        write_to(path, |out| render::diff::markdown(&diff, out))?;
    }
    if let Some(path) = &args.html {
        write_to(path, |out| render::html::diff::write(&diff, out))?;
    }
    let stdout_taken = [&args.json, &args.markdown, &args.html]
        .iter()
        .any(|p| p.as_deref() == Some(Path::new("-")));
    if !args.quiet && !stdout_taken {
        let mut out = BufWriter::new(io::stdout().lock());
        render::diff::terminal_text(&diff, &mut out)?;
        out.flush()?;
    }
    Ok(Outcome::Clean)
}
