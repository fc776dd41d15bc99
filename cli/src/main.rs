//! `kbundle`: the support engineer's tool. Thin: parse, run, exit.

mod cli;
mod diff;
mod manuals;
mod rules;

use clap::Parser;
use std::process::ExitCode;

/// Analyzing a big bundle allocates millions of small strings: mimalloc does that at a
/// fraction of glibc's cost.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(cli::Outcome::Clean) => ExitCode::SUCCESS,
        Ok(cli::Outcome::Failing) => ExitCode::from(1),
        Ok(cli::Outcome::Invalid) => ExitCode::from(2),
        Err(e) => {
            let message = format!("{e:#}");
            eprintln!(
                "kbundle: {}",
                kbundle_analyzer::render::untrusted::terminal(&message)
            );
            ExitCode::from(2)
        }
    }
}
