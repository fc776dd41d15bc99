//! `kbundle`: the support engineer's tool. Thin: parse, run, exit.

use clap::Parser;
use std::process::ExitCode;

/// Analyzing a big bundle allocates millions of small strings: mimalloc does that at a
/// fraction of glibc's cost.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = kbundle::cli::Cli::parse();
    match kbundle::cli::run(cli) {
        Ok(kbundle::cli::Outcome::Clean) => ExitCode::SUCCESS,
        Ok(kbundle::cli::Outcome::Failing) => ExitCode::from(1),
        Err(e) => {
            let message = format!("{e:#}");
            eprintln!(
                "kbundle: {}",
                kbundle::render::untrusted::terminal(&message)
            );
            ExitCode::from(2)
        }
    }
}
