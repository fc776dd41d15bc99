//! `kbundle rules`: list the rules, and check and test rule packs before they ship.

use anyhow::Result;
use kbundle_analyzer::logscan::{Catalog, RuleSources};
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

/// `--rules` and `--no-builtin-rules`, shared by `analyze` and `rules`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct RuleFlags {
    /// Add the log rules of a pack: a YAML rule file, or a directory of them (*.yaml, *.yml),
    /// in the schema of docs/rules.md; may be given several times. A pack rule with a
    /// built-in rule's id replaces it, and the analysis says so.
    #[arg(long = "rules", value_name = "PATH")]
    packs: Vec<PathBuf>,
    /// Leave the built-in log rules out: only the packs' rules run.
    #[arg(long, requires = "packs")]
    no_builtin_rules: bool,
}

impl RuleFlags {
    /// Where the log rules come from.
    pub(crate) fn sources(&self) -> RuleSources {
        RuleSources {
            builtin: !self.no_builtin_rules,
            packs: self.packs.clone(),
        }
    }
}

/// `kbundle rules [check|test]`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct RulesArgs {
    #[command(subcommand)]
    action: Option<RulesAction>,
    #[command(flatten)]
    rules: RuleFlags,
    /// Instead of listing the rules, run each log rule by itself over the logs of BUNDLE and
    /// show what it costs: files and lines it read, lines its prefilter let through, matches,
    /// time. May be given several times.
    #[arg(long, value_name = "BUNDLE")]
    stats: Vec<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
enum RulesAction {
    /// Validate rule packs: schema, regexes, placeholders and every example. Prints
    /// `file: rule id: what is wrong` for each problem and exits 2 when there is one.
    Check {
        /// Rule files or directories of them.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Run a pack's examples and, with --bundle, show what each of its rules found there.
    Test {
        /// Rule files or directories of them.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// A bundle to analyze with the pack (beside the built-in rules); may be given
        /// several times, merged as by `kbundle analyze`.
        #[arg(long, value_name = "BUNDLE")]
        bundle: Vec<PathBuf>,
    },
}

/// What `kbundle rules` ended with.
pub(crate) enum RulesOutcome {
    /// Listed, or the packs hold.
    Ok,
    /// A pack has problems (printed): exit 2.
    Problems,
}

/// Runs `kbundle rules`.
pub(crate) fn run(args: RulesArgs) -> Result<RulesOutcome> {
    match args.action {
        None if !args.stats.is_empty() => stats(&args.rules.sources(), &args.stats),
        None => list(&args.rules.sources()),
        Some(RulesAction::Check { paths }) => check(paths),
        Some(RulesAction::Test { paths, bundle }) => test(paths, &bundle),
    }
}

fn stats(sources: &RuleSources, bundles: &[PathBuf]) -> Result<RulesOutcome> {
    let catalog = Catalog::load(sources)?;
    let mut stats = kbundle_analyzer::logscan::rule_stats(&catalog, bundles)?;
    stats.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.id.cmp(&b.id)));
    let mut out = BufWriter::new(io::stdout().lock());
    writeln!(
        out,
        "{:<36} {:>6} {:>11} {:>10} {:>11} {:>9} {:>10} {:>9}",
        "RULE", "FILES", "LINES", "MB", "CANDIDATES", "MATCHES", "TIME MS", "MB/S"
    )?;
    let (mut total_time, mut bytes_seen) = (std::time::Duration::ZERO, 0u64);
    for s in &stats {
        let secs = s.time.as_secs_f64();
        let mb = s.bytes as f64 / 1e6;
        writeln!(
            out,
            "{:<36} {:>6} {:>11} {:>10.1} {:>11} {:>9} {:>10.1} {:>9}",
            kbundle_analyzer::render::untrusted::terminal(&s.id),
            s.files,
            s.lines,
            mb,
            s.candidates,
            s.matches,
            secs * 1000.0,
            if secs > 0.0 {
                format!("{:.0}", mb / secs)
            } else {
                "-".into()
            }
        )?;
        total_time += s.time;
        bytes_seen = bytes_seen.max(s.bytes);
    }
    writeln!(
        out,
        "{} rules, each timed alone: {:.1} ms in all (the analysis runs them together, in one pass per log)",
        stats.len(),
        total_time.as_secs_f64() * 1000.0
    )?;
    out.flush()?;
    Ok(RulesOutcome::Ok)
}

fn list(sources: &RuleSources) -> Result<RulesOutcome> {
    let mut out = BufWriter::new(io::stdout().lock());
    if sources.builtin {
        for r in kbundle_analyzer::rules::object_rules() {
            writeln!(
                out,
                "{:<36} {:<26} {:<8} {}",
                r.id, r.category, r.severity, r.looks_at
            )?;
        }
    }
    let catalog = Catalog::load(sources)?;
    for r in catalog.rules() {
        let kinds: Vec<&str> = r.looks_at.iter().map(|k| k.as_str()).collect();
        writeln!(
            out,
            "{:<36} {:<26} {:<8} logs: {} ({})",
            r.id,
            r.category,
            r.severity,
            kinds.join(", "),
            kbundle_analyzer::render::untrusted::terminal(&r.file)
        )?;
    }
    out.flush()?;
    Ok(RulesOutcome::Ok)
}

/// The catalog of the built-in rules plus `paths`, so that a pack's suppressions and
/// replacements resolve as they will in an analysis; `None` (after printing why) when a
/// pack does not load.
fn load_packs(paths: Vec<PathBuf>) -> Option<Catalog> {
    let sources = RuleSources {
        builtin: true,
        packs: paths,
    };
    match Catalog::load(&sources) {
        Ok(c) => Some(c),
        Err(e) => {
            eprintln!(
                "{}",
                kbundle_analyzer::render::untrusted::terminal(&e.to_string())
            );
            None
        }
    }
}

fn check(paths: Vec<PathBuf>) -> Result<RulesOutcome> {
    let Some(catalog) = load_packs(paths) else {
        return Ok(RulesOutcome::Problems);
    };
    let problems = catalog.check_pack_examples();
    for p in &problems {
        eprintln!("{}", kbundle_analyzer::render::untrusted::terminal(p));
    }
    if !problems.is_empty() {
        return Ok(RulesOutcome::Problems);
    }
    let rules: usize = catalog.packs().iter().map(|p| p.rules).sum();
    println!(
        "ok: {rules} rules in {} files, every example holds",
        catalog.packs().len()
    );
    for pack in catalog.packs() {
        for id in &pack.replaces {
            println!(
                "{}: replaces the built-in rule {id}",
                kbundle_analyzer::render::untrusted::terminal(&pack.path)
            );
        }
    }
    Ok(RulesOutcome::Ok)
}

fn test(paths: Vec<PathBuf>, bundles: &[PathBuf]) -> Result<RulesOutcome> {
    let Some(catalog) = load_packs(paths.clone()) else {
        return Ok(RulesOutcome::Problems);
    };
    let problems = catalog.check_pack_examples();
    let mut out = BufWriter::new(io::stdout().lock());
    let pack_rules: Vec<_> = catalog
        .rules()
        .iter()
        .filter(|r| catalog.packs().iter().any(|p| p.path == r.file))
        .collect();
    for r in &pack_rules {
        let failed = problems
            .iter()
            .filter(|p| p.contains(&format!(": rule {}: ", r.id)))
            .count();
        writeln!(
            out,
            "{} {}: {} match and {} no_match examples{}",
            if failed == 0 { "ok  " } else { "FAIL" },
            r.id,
            r.examples.must_match.len(),
            r.examples.no_match.len(),
            if failed == 0 {
                String::new()
            } else {
                format!(", {failed} problems")
            }
        )?;
    }
    out.flush()?;
    for p in &problems {
        eprintln!("{}", kbundle_analyzer::render::untrusted::terminal(p));
    }
    if !bundles.is_empty() {
        let report = kbundle_analyzer::analyze_with_rules(
            bundles,
            &RuleSources {
                builtin: true,
                packs: paths,
            },
        )?;
        for r in &pack_rules {
            let found: Vec<_> = report
                .analysis
                .findings
                .iter()
                .filter(|f| f.rule == r.id)
                .collect();
            writeln!(out, "\n{}: {} findings", r.id, found.len())?;
            for f in found {
                writeln!(
                    out,
                    "  {} ({}, {} lines)",
                    kbundle_analyzer::render::untrusted::terminal(&f.title),
                    f.severity,
                    f.count
                )?;
                for e in f.evidence.iter().take(3) {
                    writeln!(
                        out,
                        "    {}:{}: {}",
                        kbundle_analyzer::render::untrusted::terminal(&e.file),
                        e.line.map(|l| l.to_string()).unwrap_or_default(),
                        kbundle_analyzer::render::untrusted::terminal(&e.text)
                    )?;
                }
            }
        }
        out.flush()?;
    }
    Ok(if problems.is_empty() {
        RulesOutcome::Ok
    } else {
        RulesOutcome::Problems
    })
}
