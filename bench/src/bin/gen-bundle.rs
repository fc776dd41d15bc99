//! `gen-bundle`: writes a large realistic bundle in our format, streamed, for benchmarks.
//!
//! `cargo run --release -p kbundle-bench --bin gen-bundle -- --log-mb 4000 --out big.tar.gz`

use clap::Parser;
use kbundle_bench::{generate, Options};
use std::path::PathBuf;
use std::time::Instant;

/// Write a large realistic kbundle bundle (.tar.gz) for benchmarks.
#[derive(Parser)]
struct Args {
    /// Worker nodes.
    #[arg(long, default_value_t = 20)]
    nodes: usize,
    /// Pods across all namespaces (1 % of them failing).
    #[arg(long, default_value_t = 150_000)]
    pods: usize,
    /// Namespaces.
    #[arg(long, default_value_t = 150)]
    namespaces: usize,
    /// Megabytes of logs, uncompressed (node journals, syslog, kern.log and container logs).
    #[arg(long, default_value_t = 1000)]
    log_mb: u64,
    /// Incident lines (OOM kills, PLEG, i/o timeouts, probe failures) mixed into the logs.
    #[arg(long, default_value_t = 300)]
    incidents: u64,
    /// gzip level (6 is gzip's and the collector's default).
    #[arg(long, default_value_t = 6)]
    level: u32,
    /// Seed: the same arguments give the same bundle.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Events at least (Warnings for failing pods, routine Normal events fill up).
    #[arg(long, default_value_t = 0)]
    events: usize,
    /// Output file.
    #[arg(long)]
    out: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let summary = generate(&Options {
        nodes: args.nodes,
        pods: args.pods,
        namespaces: args.namespaces,
        log_mb: args.log_mb,
        incidents: args.incidents,
        out: args.out.clone(),
        level: args.level,
        seed: args.seed,
        events: args.events,
    })?;
    let compressed = std::fs::metadata(&args.out)?.len();
    println!(
        "{}: {} files, {:.1} MB uncompressed, {:.1} MB compressed (ratio {:.1}), {} incident lines, {} failing pods, {:.1?}",
        args.out.display(),
        summary.files,
        summary.bytes as f64 / 1e6,
        compressed as f64 / 1e6,
        summary.bytes as f64 / compressed as f64,
        summary.incidents,
        summary.failing_pods,
        started.elapsed()
    );
    Ok(())
}
