//! One run of `kbundle-collect`: check the options, decide what to collect, write the
//! bundle, print the summary. Exit status 0 whenever a bundle was written (even a partial
//! or interrupted one), 1 when none could be, 2 for bad usage.

use crate::archive::BundleWriter;
use crate::bundle::{rfc3339, Bundle, Started};
use crate::cli::{Args, Options};
use crate::cluster::client::ApiSettings;
use crate::cluster::logs::LogSettings;
use crate::cluster::{Cluster, ClusterOptions, ClusterSummary};
use crate::interrupt::Interrupt;
use crate::node::commands::CommandSettings;
use crate::node::host::HostRoot;
use crate::node::{identity, NodeCollector};
use crate::progress::{Progress, ProgressMode};
use crate::pseudonymize::Pseudonymizer;
use crate::redact::{custom, Redactor};
use clap::Parser;
use kbundle_format::manifest::{CollectorRun, CollectorStatus};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A bundle was written.
pub const EXIT_OK: u8 = 0;
/// No bundle could be written.
pub const EXIT_NO_BUNDLE: u8 = 1;
/// Bad arguments or rules file.
pub const EXIT_USAGE: u8 = 2;

/// The process entry point: parses the command line and runs.
pub fn main() -> ExitCode {
    let args = Args::parse();
    let options = match Options::from_args(args) {
        Ok(o) => o,
        Err(e) => return usage(&e),
    };
    let interrupt = match Interrupt::install() {
        Ok(i) => i,
        Err(e) => {
            eprintln!("kbundle-collect: warning: cannot catch Ctrl-C/SIGTERM: {e}");
            Interrupt::manual()
        }
    };
    ExitCode::from(run(&options, &interrupt))
}

fn usage(message: &str) -> ExitCode {
    eprintln!("kbundle-collect: {message}");
    ExitCode::from(EXIT_USAGE)
}

/// What a run wrote, for the summary and for callers that embed the collector.
#[derive(Debug)]
pub struct Written {
    /// The bundle.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// The private pseudonym map, with `--pseudonymize`.
    pub pseudonym_map: Option<PathBuf>,
    /// Every collector row.
    pub runs: Vec<CollectorRun>,
    /// Cut short by a signal.
    pub interrupted: bool,
    /// What the API part did (absent with `--host-only`).
    pub cluster: Option<ClusterSummary>,
}

/// Runs a collection and returns the exit status.
pub fn run(options: &Options, interrupt: &Interrupt) -> u8 {
    let progress = Progress::new(ProgressMode::detect(options.quiet));
    let started = Started::now();
    match collect(options, interrupt, &progress) {
        Ok(written) => {
            progress.clear();
            println!("{}", written.path.display());
            if !options.quiet {
                summary(&written, started.elapsed_ms());
            }
            EXIT_OK
        }
        Err(Failure::Usage(e)) => {
            progress.clear();
            eprintln!("kbundle-collect: {e}");
            EXIT_USAGE
        }
        Err(Failure::NoBundle(e)) => {
            progress.clear();
            eprintln!("kbundle-collect: no bundle written: {e}");
            EXIT_NO_BUNDLE
        }
    }
}

/// Why a run wrote nothing.
#[derive(Debug)]
pub enum Failure {
    /// The options or a rules file are wrong.
    Usage(String),
    /// The bundle could not be created or written.
    NoBundle(String),
}

/// Collects into a bundle and returns what was written.
pub fn collect(
    options: &Options,
    interrupt: &Interrupt,
    progress: &Progress,
) -> Result<Written, Failure> {
    let mut extra = Vec::new();
    for file in &options.redact_rules {
        extra.extend(custom::load(file).map_err(|e| Failure::Usage(e.to_string()))?);
    }
    let redactor = Redactor::with_extra(extra);
    let host = HostRoot::new(&options.host_root);
    let path_env = std::env::var_os("PATH");
    let node = identity::node_name(&host, options.node_name.as_deref());
    let evidence = identity::node_evidence(&host, path_env.as_deref());
    let collect_node = !options.no_host && (options.host_only || evidence.is_some());
    let cluster =
        if options.host_only {
            None
        } else {
            Some(Cluster::prepare(cluster_options(options)).map_err(|e| {
                Failure::NoBundle(format!("cannot start the API client runtime: {e}"))
            })?)
        };

    let pseudonyms = if options.pseudonymize {
        let hostname = identity::hostname(&host);
        let mut names = vec![node.name.clone(), hostname.clone()];
        if let Some((short, _)) = hostname.split_once('.') {
            names.push(short.to_string());
        }
        Some(Pseudonymizer::new(
            random_key()
                .map_err(|e| Failure::NoBundle(format!("no randomness for --pseudonymize: {e}")))?,
            &names,
        ))
    } else {
        None
    };
    let node_in_bundle = match &pseudonyms {
        Some(ps) => ps.hostname(&node.name),
        None => node.name.clone(),
    };

    let created_at = jiff::Timestamp::now();
    let created = rfc3339(created_at);
    // `kbundle-<cluster-or-host>-<time>`: the kubeconfig's cluster name when the API part
    // runs and has one, else the node.
    let bundle_subject = cluster
        .as_ref()
        .and_then(|c| c.name())
        .map(str::to_string)
        .unwrap_or_else(|| node_in_bundle.clone());
    let target = target_path(options, &bundle_subject, created_at);
    if target.exists() {
        return Err(Failure::Usage(format!(
            "{} already exists; remove it or choose another --output",
            target.display()
        )));
    }
    let map_path = pseudonyms.as_ref().map(|_| map_path(&target));
    if let Some(m) = map_path.as_ref().filter(|m| m.exists()) {
        return Err(Failure::Usage(format!("{} already exists", m.display())));
    }
    let top = top_dir(&target);
    let writer = BundleWriter::create(&target, options.format, &top, created_at).map_err(|e| {
        Failure::NoBundle(format!(
            "cannot create a bundle beside {}: {e}",
            target.display()
        ))
    })?;
    let bundle = Bundle::new(writer, redactor, pseudonyms);
    bundle
        .add_version_yaml(&created)
        .map_err(|e| Failure::NoBundle(e.to_string()))?;

    if collect_node {
        if !options.quiet {
            progress.note(&format!(
                "node {} (name from {})",
                node_in_bundle, node.source
            ));
        }
        NodeCollector {
            host: host.clone(),
            node: node_in_bundle.clone(),
            settings: CommandSettings {
                timeout: options.command_timeout,
                since: options.since_span.clone(),
                max_bytes: options.max_log_bytes,
                path_env,
            },
            jobs: options.jobs,
            bundle: &bundle,
            interrupt,
            progress,
        }
        .collect();
    } else {
        let why = if options.no_host {
            "--no-host: node part skipped".to_string()
        } else {
            format!(
                "not a Kubernetes node (no kubelet program or unit, no /etc/kubernetes, no /var/lib/kubelet under {}): node part skipped",
                options.host_root.display()
            )
        };
        progress.note(&why);
        bundle.record(Started::now().row(
            "host-collectors",
            Some(&node_in_bundle),
            CollectorStatus::Skipped,
            Some(why),
            Default::default(),
        ));
    }

    let cluster_summary = cluster.map(|c| {
        if !options.quiet {
            progress.note("cluster: collecting through the API");
        }
        c.collect(&bundle, progress, interrupt)
    });

    let interrupted = interrupt.is_set();
    let runs = bundle.runs();
    let mut options_json = serde_json::to_value(options).unwrap_or_default();
    if options.pseudonymize && options.node_name.is_some() {
        options_json["node_name"] = serde_json::Value::String(node_in_bundle.clone());
    }
    let pseudonym_source = map_path.clone();
    let ps_map = bundle.pseudonyms().map(|p| p.map());
    let path = bundle
        .finish(&created, interrupted, options_json)
        .map_err(|e| Failure::NoBundle(e.to_string()))?;
    if let (Some(map), Some(entries)) = (pseudonym_source.as_ref(), ps_map) {
        if let Err(e) = write_map(map, &entries) {
            eprintln!(
                "kbundle-collect: warning: cannot write the pseudonym map {}: {e}",
                map.display()
            );
        }
    }
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    Ok(Written {
        path,
        size,
        pseudonym_map: pseudonym_source,
        runs,
        interrupted,
        cluster: cluster_summary,
    })
}

/// The API part's settings from the command line.
pub fn cluster_options(options: &Options) -> ClusterOptions {
    ClusterOptions {
        api: ApiSettings {
            kubeconfig: options.kubeconfig.clone(),
            context: options.context.clone(),
            qps: options.qps,
            burst: options.burst,
            request_timeout: options.request_timeout,
            connect_timeout: options.connect_timeout,
        },
        namespaces: options.namespaces.clone(),
        jobs: options.jobs,
        logs: LogSettings {
            cap: options.container_log_max_bytes,
            since_secs: Some(options.since_secs).filter(|s| *s > 0),
            max_bundle_bytes: options.max_bundle_bytes,
        },
        all_logs: options.all_logs,
        big_cluster_pods: options.big_cluster_pods,
    }
}

/// `-o` as given (a directory gets the default name), else the default name here.
fn target_path(options: &Options, node: &str, created: jiff::Timestamp) -> PathBuf {
    let stamp = created.strftime("%Y%m%dT%H%M%SZ");
    let name = format!(
        "kbundle-{}-{stamp}.{}",
        kbundle_format::path::safe_component(node).replace(' ', "_"),
        options.format.extension()
    );
    match &options.output {
        Some(p) if p.is_dir() => p.join(name),
        Some(p) => p.clone(),
        None => PathBuf::from(name),
    }
}

/// The bundle's top directory: its file name without the archive extension.
fn top_dir(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "kbundle".to_string());
    let stem = [".tar.gz", ".tgz", ".zip", ".tar"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
        .unwrap_or(&name);
    kbundle_format::path::safe_component(stem)
}

/// `<bundle>.pseudonyms.json`.
fn map_path(target: &Path) -> PathBuf {
    let mut s = target.as_os_str().to_owned();
    s.push(".pseudonyms.json");
    PathBuf::from(s)
}

fn write_map(path: &Path, map: &crate::pseudonymize::PseudonymMap) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(&serde_json::to_vec_pretty(map).map_err(std::io::Error::other)?)?;
    file.write_all(b"\n")?;
    file.sync_all()
}

fn random_key() -> std::io::Result<[u8; 32]> {
    let mut key = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut key)?;
    Ok(key)
}

fn summary(w: &Written, elapsed_ms: u64) {
    let failed: Vec<&CollectorRun> = w
        .runs
        .iter()
        .filter(|r| {
            matches!(
                r.status,
                CollectorStatus::Error | CollectorStatus::Timeout | CollectorStatus::Forbidden
            )
        })
        .collect();
    let not_found = w
        .runs
        .iter()
        .filter(|r| r.error.as_deref() == Some(kbundle_format::manifest::NOT_FOUND))
        .count();
    let truncated = w
        .runs
        .iter()
        .filter(|r| r.status == CollectorStatus::Truncated)
        .count();
    eprintln!(
        "kbundle-collect: wrote {} ({}) in {:.1} s{}",
        w.path.display(),
        human_size(w.size),
        elapsed_ms as f64 / 1000.0,
        if w.interrupted {
            ", INTERRUPTED: partial bundle"
        } else {
            ""
        }
    );
    eprintln!(
        "kbundle-collect: {} collectors: {} failed, {} truncated, {} tools not installed",
        w.runs.len(),
        failed.len(),
        truncated,
        not_found
    );
    if let Some(c) = &w.cluster {
        match (&c.access.reachable, &c.access.error) {
            (true, _) => eprintln!(
                "kbundle-collect: cluster {} ({}): {} objects, {} pods, {} logs asked for, {} API requests ({} retries){}",
                c.access.server.as_deref().unwrap_or("?"),
                c.access.version.as_deref().unwrap_or("version unknown"),
                c.objects,
                c.pods,
                c.logs,
                c.requests,
                c.retried,
                if c.big {
                    "; big cluster: logs of unhealthy pods and kube-system only (--all-logs for all)"
                } else {
                    ""
                }
            ),
            (false, why) => eprintln!(
                "kbundle-collect: cluster NOT REACHED ({}): {}",
                c.access.server.as_deref().unwrap_or("no server"),
                why.as_deref().unwrap_or("unknown")
            ),
        }
    }
    const SHOWN: usize = 20;
    for r in failed.iter().take(SHOWN) {
        eprintln!(
            "  {} {}: {}",
            r.status.as_str(),
            r.name,
            r.error.as_deref().unwrap_or("")
        );
    }
    if failed.len() > SHOWN {
        eprintln!(
            "  ... and {} more (manifest.json lists them all)",
            failed.len() - SHOWN
        );
    }
    if let Some(map) = &w.pseudonym_map {
        eprintln!(
            "kbundle-collect: pseudonym map (keep it, do not send it): {}",
            map.display()
        );
    }
}

fn human_size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1048576.0 {
        format!("{:.1} MiB", b / 1048576.0)
    } else if b >= 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else {
        format!("{bytes} B")
    }
}
