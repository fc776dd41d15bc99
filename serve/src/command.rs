//! `kbundle serve` and `kbundle shell`: load, serve on 127.0.0.1, write a kubeconfig, then wait
//! for Ctrl-C, run one command, or open a shell with KUBECONFIG set.

use super::kubeconfig::Kubeconfig;
use super::{Bundle, ServeOptions, Server};
use anyhow::{Context as _, Result};
use kbundle_format::untrusted::terminal;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// `kbundle serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The bundle to serve (.tar.gz, .tgz, .tar, .zip or directory).
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    /// Port on 127.0.0.1 (default: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Write the kubeconfig to FILE (default: a temporary file removed at exit).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Run COMMAND with KUBECONFIG set, then exit with its status (after `--`).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// `kbundle shell`.
#[derive(Debug, clap::Args)]
pub struct ShellArgs {
    /// The bundle to serve.
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    /// Port on 127.0.0.1 (default: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Write the kubeconfig to FILE (default: a temporary file removed at exit).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
}

struct Running {
    server: Server,
    kubeconfig: Kubeconfig,
}

fn start(bundle_path: &Path, port: u16, kubeconfig: Option<&Path>) -> Result<Running> {
    let shown = terminal(&bundle_path.display().to_string());
    eprintln!("kbundle serve: loading {shown} ...");
    let started = std::time::Instant::now();
    let bundle = Bundle::load(bundle_path)?;
    for w in &bundle.index.warnings {
        eprintln!("kbundle serve: warning: {}", terminal(w));
    }
    eprintln!(
        "kbundle serve: indexed {} objects in {:.1} s",
        bundle.index.object_count(),
        started.elapsed().as_secs_f64()
    );
    let server = Server::start(
        Arc::new(bundle),
        ServeOptions {
            port,
            ..ServeOptions::default()
        },
    )
    .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
    let kubeconfig = Kubeconfig::write(&server.url(), kubeconfig)?;
    Ok(Running { server, kubeconfig })
}

/// Serves until Ctrl-C, or runs the command after `--` and exits with its status.
pub fn serve(args: ServeArgs) -> Result<()> {
    let running = start(&args.bundle, args.port, args.kubeconfig.as_deref())?;
    let config = terminal(&running.kubeconfig.path().display().to_string());
    if let Some((program, rest)) = args.command.split_first() {
        let status = Command::new(program)
            .args(rest)
            .env("KUBECONFIG", running.kubeconfig.path())
            .status()
            .with_context(|| format!("cannot run {}", terminal(program)));
        drop(running);
        let code = status?.code().unwrap_or(1);
        std::process::exit(code);
    }
    println!("Serving the bundle read-only at {}", running.server.url());
    println!("KUBECONFIG={config}");
    println!("Try: KUBECONFIG={config} kubectl get pods -A    (Ctrl-C to stop)");
    wait_for_ctrl_c()?;
    drop(running);
    Ok(())
}

/// Opens `$SHELL` with KUBECONFIG set; serving stops when the shell exits.
pub fn shell(args: ShellArgs) -> Result<()> {
    let running = start(&args.bundle, args.port, args.kubeconfig.as_deref())?;
    let shell = std::env::var_os("SHELL").unwrap_or_else(|| "/bin/sh".into());
    println!(
        "kbundle shell: kubectl now reads the bundle at {} (type exit to stop)",
        running.server.url()
    );
    let status = Command::new(&shell)
        .env("KUBECONFIG", running.kubeconfig.path())
        .status()
        .with_context(|| format!("cannot run {}", terminal(&shell.to_string_lossy())));
    drop(running);
    let code = status?.code().unwrap_or(1);
    std::process::exit(code);
}

/// Waits for Ctrl-C (or SIGTERM on Unix), so the temporary kubeconfig is removed either way.
fn wait_for_ctrl_c() -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                r = tokio::signal::ctrl_c() => r,
                _ = term.recv() => Ok(()),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await
        }
    })?;
    Ok(())
}
