//! Command-line glue: parse flags, build the pipeline, print, choose the exit code.

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand, ValueEnum};
use kbundle_analyzer::render;
use kbundle_format::analysis::{Analysis, Severity};
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// kbundle: analyze Kubernetes support bundles offline.
#[derive(Debug, Parser)]
#[command(name = "kbundle", version, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyze one or more bundles (.tar.gz, .tgz, .tar, .zip or directories); several are
    /// merged by node name (a cluster bundle plus per-node --host-only bundles).
    Analyze(AnalyzeArgs),
    /// What changed between two bundles of one cluster (before and after an upgrade, last
    /// week and today): findings new, resolved and persisting, and changes of state.
    Diff(crate::diff::DiffArgs),
    /// List every rule (id, category, severity, what it looks at); check and test rule packs.
    Rules(crate::rules::RulesArgs),
    /// Serve a bundle as a read-only Kubernetes API on 127.0.0.1 for kubectl.
    Serve(kbundle_serve::command::ServeArgs),
    /// Open a shell whose kubectl reads a bundle (KUBECONFIG set to a served bundle).
    Shell(kbundle_serve::command::ShellArgs),
    /// Print the shell completion script for kbundle on stdout.
    ///
    /// bash: `source <(kbundle completions bash)`, or save it as
    /// /usr/share/bash-completion/completions/kbundle. zsh: save it as _kbundle in a directory
    /// of $fpath. fish: save it as ~/.config/fish/completions/kbundle.fish.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages into DIR: kbundle.1 and one per subcommand.
    ///
    /// `man -l DIR/kbundle.1` reads one. The release tarball's man/man1 is made this way.
    Man {
        /// The directory to write the pages into (created if missing).
        #[arg(long, value_name = "DIR")]
        out_dir: PathBuf,
    },
}

#[derive(Debug, clap::Args)]
struct AnalyzeArgs {
    /// Bundles to analyze together.
    #[arg(required = true, value_name = "BUNDLE")]
    bundles: Vec<PathBuf>,
    /// Write the analysis as JSON (analysis format v1) to FILE ('-' for stdout).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write a Markdown report to FILE ('-' for stdout).
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Write the self-contained HTML report to FILE ('-' for stdout).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Exit with status 1 when a finding of this severity or worse exists.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    fail_on: Option<FailOn>,
    /// Print nothing on the terminal (outputs still written).
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    rules: crate::rules::RuleFlags,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FailOn {
    Critical,
    Warning,
}

/// What the process should exit with.
pub(crate) enum Outcome {
    /// Analyzed; nothing at or above `--fail-on`.
    Clean,
    /// Analyzed; findings at or above `--fail-on`.
    Failing,
    /// The input is invalid (a rule pack with problems, printed already): exit 2.
    Invalid,
}

/// Runs the command line; errors are printed by the caller as one line.
pub(crate) fn run(cli: Cli) -> Result<Outcome> {
    match cli.command {
        Command::Analyze(args) => analyze(args),
        Command::Diff(args) => crate::diff::run(args),
        Command::Rules(args) => Ok(match crate::rules::run(args)? {
            crate::rules::RulesOutcome::Ok => Outcome::Clean,
            crate::rules::RulesOutcome::Problems => Outcome::Invalid,
        }),
        Command::Serve(args) => kbundle_serve::command::serve(args).map(|()| Outcome::Clean),
        Command::Shell(args) => kbundle_serve::command::shell(args).map(|()| Outcome::Clean),
        Command::Completions { shell } => {
            crate::manuals::completions(shell, &mut io::stdout().lock())?;
            Ok(Outcome::Clean)
        }
        Command::Man { out_dir } => {
            crate::manuals::man_pages(&out_dir)?;
            Ok(Outcome::Clean)
        }
    }
}

fn analyze(args: AnalyzeArgs) -> Result<Outcome> {
    let report = kbundle_analyzer::analyze_with_rules(&args.bundles, &args.rules.sources())?;
    let analysis = &report.analysis;
    if let Some(path) = &args.json {
        write_to(path, |out| render::json::write(analysis, out))?;
    }
    if let Some(path) = &args.markdown {
        write_to(path, |out| render::markdown::write(analysis, out))?;
    }
    if let Some(path) = &args.html {
        write_to(path, |out| render::html::write(&report, out))?;
    }
    let stdout_taken = [&args.json, &args.markdown, &args.html]
        .iter()
        .any(|p| p.as_deref() == Some(Path::new("-")));
    if !args.quiet && !stdout_taken {
        let stdout = io::stdout();
        let color = if stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none() {
            render::terminal::Color::On
        } else {
            render::terminal::Color::Off
        };
        let mut out = BufWriter::new(stdout.lock());
        render::terminal::write(analysis, color, &mut out)?;
        out.flush()?;
    }
    Ok(outcome(analysis, args.fail_on))
}

fn outcome(a: &Analysis, fail_on: Option<FailOn>) -> Outcome {
    let threshold = match fail_on {
        None => return Outcome::Clean,
        Some(FailOn::Critical) => Severity::Critical,
        Some(FailOn::Warning) => Severity::Warning,
    };
    if a.findings.iter().any(|f| f.severity >= threshold) {
        Outcome::Failing
    } else {
        Outcome::Clean
    }
}

/// Writes to FILE, or to stdout for `-`; errors name the file.
pub(crate) fn write_to(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<()> {
    if path == Path::new("-") {
        let mut out = BufWriter::new(io::stdout().lock());
        render(&mut out)?;
        out.flush()?;
        return Ok(());
    }
    let file = File::create(path).with_context(|| format!("{}: cannot create", path.display()))?;
    let mut out = BufWriter::new(file);
    render(&mut out).with_context(|| format!("{}: cannot write", path.display()))?;
    out.flush()
        .with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(())
}
