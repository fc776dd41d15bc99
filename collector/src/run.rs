//! One run of `kbundle-collect`: check the options, decide what to collect, write the
//! bundle, print the summary. Exit status 0 whenever a bundle was written (even a partial
//! or interrupted one), 1 when none could be, 2 for bad usage.
//!
//! Besides collecting, the same binary answers the DaemonSet agent's roles (see [`agent`]),
//! `--dry-run` and `--cleanup` of `--daemonset`.

use crate::agent;
use crate::archive::BundleWriter;
use crate::bundle::{rfc3339, Bundle, Started};
use crate::cli::{Action, Args, Options};
use crate::cluster::client::ApiSettings;
use crate::cluster::logs::LogSettings;
use crate::cluster::{Cluster, ClusterOptions, ClusterSummary};
use crate::fanout::{self, FanOutSummary};
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

/// The line a collector streaming its bundle to stdout (`-o -`) writes first on stderr:
/// its node's name and host name as JSON. The SSH fan-out reads it before the node's first
/// file, so `--pseudonymize` knows every name of the node before writing any of its data.
pub const IDENTITY_PREFIX: &str = "kbundle-collect: identity ";

/// The process entry point: parses the command line and runs.
pub fn main() -> ExitCode {
    if let Some(code) = agent::multi_call() {
        return ExitCode::from(code);
    }
    let args = Args::parse();
    if let Some(dir) = &args.fanout.agent_fetch {
        return ExitCode::from(agent::fetch(dir));
    }
    if let Some(dir) = &args.fanout.agent_ready {
        return ExitCode::from(agent::ready(dir));
    }
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
    match &options.action {
        Action::Collect => ExitCode::from(run(&options, &interrupt)),
        Action::DryRun => ExitCode::from(dry_run(&options)),
        Action::Cleanup => ExitCode::from(cleanup(&options, &interrupt)),
        Action::Agent(dir) => {
            let code = match agent::finished_bundle(dir) {
                Some(done) => {
                    println!("{}", done.display());
                    EXIT_OK
                }
                None => run(&options, &interrupt),
            };
            // Stay until the pod is deleted, so the result can be fetched.
            agent::hold(&interrupt);
            ExitCode::from(code)
        }
    }
}

fn usage(error: &crate::cli::UsageError) -> ExitCode {
    eprintln!("kbundle-collect: {error}");
    ExitCode::from(EXIT_USAGE)
}

/// `--daemonset --dry-run`: the objects as YAML on stdout; nothing is contacted.
fn dry_run(options: &Options) -> u8 {
    match options.fanout.as_ref().map(fanout::daemonset::dry_run) {
        Some(Ok(yaml)) => {
            print!("{yaml}");
            EXIT_OK
        }
        Some(Err(e)) => {
            eprintln!("kbundle-collect: {e}");
            EXIT_USAGE
        }
        None => {
            eprintln!("kbundle-collect: --dry-run needs --daemonset");
            EXIT_USAGE
        }
    }
}

/// `--cleanup`: deletes every object earlier `--daemonset` runs left; 0 when nothing is
/// left, 1 when something could not be listed or deleted.
fn cleanup(options: &Options, interrupt: &Interrupt) -> u8 {
    let (lines, ok) = fanout::daemonset::cleanup_all(&api_settings(options), interrupt);
    for l in &lines {
        eprintln!("kbundle-collect: {l}");
    }
    if ok {
        EXIT_OK
    } else {
        EXIT_NO_BUNDLE
    }
}

/// What a run wrote, for the summary and for callers that embed the collector.
#[derive(Debug)]
pub struct Written {
    /// The bundle (`-` for standard output).
    pub path: PathBuf,
    /// Its size in bytes (0 for standard output).
    pub size: u64,
    /// The private pseudonym map, with `--pseudonymize`.
    pub pseudonym_map: Option<PathBuf>,
    /// Every collector row.
    pub runs: Vec<CollectorRun>,
    /// Cut short by a signal.
    pub interrupted: bool,
    /// What the API part did (absent with `--host-only`).
    pub cluster: Option<ClusterSummary>,
    /// What the fan-out did (with `--daemonset` or `--ssh`).
    pub fanout: Option<FanOutSummary>,
}

/// Runs a collection and returns the exit status.
pub fn run(options: &Options, interrupt: &Interrupt) -> u8 {
    let progress = Progress::new(ProgressMode::detect(options.quiet));
    let started = Started::now();
    match collect(options, interrupt, &progress) {
        Ok(written) => {
            progress.clear();
            if !options.to_stdout {
                println!("{}", written.path.display());
            }
            if !options.quiet {
                crate::summary::print(&written, started.elapsed_ms());
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
    let hostname = identity::hostname(&host);
    if options.to_stdout {
        // Before any byte of the archive: who this node is (see IDENTITY_PREFIX).
        let id =
            serde_json::json!({"node": node.name, "source": node.source, "hostname": hostname});
        eprintln!("{IDENTITY_PREFIX}{id}");
    }
    // Other nodes: what must be known before writing (destinations, the API's nodes).
    let prepared = options.fanout.as_ref().map(|f| {
        if !options.quiet {
            progress.note("nodes: preparing the fan-out");
        }
        fanout::prepare(f, &api_settings(options), interrupt)
    });
    let evidence = identity::node_evidence(&host, path_env.as_deref());
    let collect_node =
        prepared.is_none() && !options.no_host && (options.host_only || evidence.is_some());
    let cluster =
        if options.host_only {
            None
        } else {
            Some(Cluster::prepare(cluster_options(options)).map_err(|e| {
                Failure::NoBundle(format!("cannot start the API client runtime: {e}"))
            })?)
        };

    let pseudonyms = if options.pseudonymize {
        let mut names = vec![node.name.clone(), hostname.clone()];
        if let Some((short, _)) = hostname.split_once('.') {
            names.push(short.to_string());
        }
        if let Some(p) = &prepared {
            names.extend(p.hostnames());
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
    if !options.to_stdout && target.exists() {
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
    let writer = if options.to_stdout {
        Ok(BundleWriter::stdout(
            &top,
            created_at,
            &std::env::temp_dir(),
        ))
    } else {
        BundleWriter::create(&target, options.format, &top, created_at)
    };
    let writer = writer.map_err(|e| {
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
    } else if prepared.is_some() {
        if !options.quiet {
            progress.note("this machine's node part is skipped: the fan-out collects the nodes");
        }
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

    // The cluster first, so its objects are a picture of the cluster before any agent pod.
    let cluster_summary = cluster.map(|c| {
        if !options.quiet {
            progress.note("cluster: collecting through the API");
        }
        c.collect(&bundle, progress, interrupt)
    });

    let fanout_summary = prepared.map(|p| {
        let f = options
            .fanout
            .as_ref()
            .expect("prepared from options.fanout");
        let shared = fanout::Shared::new(
            &bundle,
            progress,
            interrupt,
            fanout::merge::Limits::with_cap(options.max_log_bytes),
            f.node_timeout,
        );
        p.run(&shared)
    });

    let interrupted = interrupt.is_set();
    let runs = bundle.runs();
    let mut options_json = serde_json::to_value(options).unwrap_or_default();
    if options.pseudonymize && options.node_name.is_some() {
        options_json["node_name"] = serde_json::Value::String(node_in_bundle.clone());
    }
    if let Some(f) = &options.fanout {
        options_json["fanout"] = f.describe();
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
    let size = if options.to_stdout {
        0
    } else {
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
    };
    Ok(Written {
        path,
        size,
        pseudonym_map: pseudonym_source,
        runs,
        interrupted,
        cluster: cluster_summary,
        fanout: fanout_summary,
    })
}

/// How the API is reached, from the command line.
pub fn api_settings(options: &Options) -> ApiSettings {
    ApiSettings {
        kubeconfig: options.kubeconfig.clone(),
        context: options.context.clone(),
        qps: options.qps,
        burst: options.burst,
        request_timeout: options.request_timeout,
        connect_timeout: options.connect_timeout,
    }
}

/// The API part's settings from the command line.
pub fn cluster_options(options: &Options) -> ClusterOptions {
    ClusterOptions {
        api: api_settings(options),
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
        Some(_) if options.to_stdout => PathBuf::from(name),
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
