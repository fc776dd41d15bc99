//! The command line of `kbundle-collect`, and the checked [`Options`] a run uses.

use crate::archive::Format;
use crate::fanout::cli::{FanOut, FanOutArgs};
use clap::Parser;
use std::path::PathBuf;
use std::time::Duration;

/// Gather a redacted Kubernetes support bundle in bounded time.
///
/// Collects the cluster through its API (kubeconfig like kubectl, or the pod's service
/// account) and, on a node, the node itself. --host-only: this node alone; --no-host: the
/// API alone; --daemonset or --ssh: every node too. Read-only: it changes nothing on the
/// machines or the cluster (GET requests only, but for the temporary DaemonSet of
/// --daemonset) and writes only the bundle (and, with --pseudonymize, its map).
///
/// Every node-part flag can also be set as KBUNDLE_<FLAG> (KBUNDLE_HOST_ROOT, ...).
#[derive(Debug, Parser)]
#[command(name = "kbundle-collect", version, max_term_width = 100)]
pub struct Args {
    /// Collect this node only (no Kubernetes API access); with --ssh, the SSH nodes only.
    #[arg(long, conflicts_with = "no_host", env = "KBUNDLE_HOST_ONLY")]
    pub host_only: bool,

    /// Skip the node part (a workstation that is not a node).
    #[arg(long)]
    pub no_host: bool,

    /// The kubeconfig file [default: KUBECONFIG, else ~/.kube/config, else the pod's service
    /// account].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context [default: its current context].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Collect namespaced objects and logs of this namespace only; may be given several
    /// times [default: all namespaces].
    #[arg(
        short = 'n',
        long = "namespace",
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    pub namespaces: Vec<String>,

    /// All namespaces (the default).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// API requests per second, sustained.
    #[arg(long, value_name = "N", default_value = "50")]
    pub qps: f64,

    /// API requests allowed in a burst above --qps.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub burst: u32,

    /// Print the shell completion script for kbundle-collect on stdout (bash, zsh, fish,
    /// elvish, powershell) and exit.
    #[arg(long, value_name = "SHELL", value_enum, display_order = 1000)]
    pub completions: Option<clap_complete::Shell>,

    /// Print the man page (roff) on stdout and exit: `kbundle-collect --man | man -l -`.
    #[arg(long, display_order = 1001)]
    pub man: bool,

    /// Give up on one API request (its whole answer) after this many seconds (or m, h).
    #[arg(long, value_name = "SECONDS", default_value = "30")]
    pub request_timeout: String,

    /// Give up connecting to the API server after this many seconds (or m, h).
    #[arg(long, value_name = "SECONDS", default_value = "10")]
    pub connect_timeout: String,

    /// Fetch every pod's logs even on a big cluster.
    #[arg(long)]
    pub all_logs: bool,

    /// A cluster with more pods than this is big: logs come only from kube-system and from
    /// pods that are unhealthy, restarted or named in a Warning event.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub big_cluster_pods: u64,

    /// Stop fetching container logs once the bundle holds this much (uncompressed; K, M, G;
    /// 0 means no bound). Objects and node data are always collected.
    #[arg(long, value_name = "SIZE", default_value = "2G")]
    pub max_bundle_bytes: String,

    /// Directory the node's filesystem is mounted at (e.g. /host in a DaemonSet pod).
    #[arg(
        long,
        value_name = "DIR",
        default_value = "/",
        env = "KBUNDLE_HOST_ROOT"
    )]
    pub host_root: PathBuf,

    /// The node's name in the bundle [default: the kubelet's node name, else the host name].
    #[arg(long, value_name = "NAME", env = "KBUNDLE_NODE_NAME")]
    pub node_name: Option<String>,

    /// Where to write the bundle: a file, an existing directory to put the default name in,
    /// or - for standard output (tar.gz, streamed) [default: kbundle-<node>-<UTC
    /// time>.tar.gz in the current directory].
    #[arg(short, long, value_name = "PATH", env = "KBUNDLE_OUTPUT")]
    pub output: Option<PathBuf>,

    /// Archive format [default: from the --output extension, else tar.gz].
    #[arg(long, value_enum, env = "KBUNDLE_FORMAT")]
    pub format: Option<Format>,

    /// How far back journals go: a number with s, m, h, d or w.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "72h",
        env = "KBUNDLE_SINCE"
    )]
    pub since: String,

    /// Size cap per log, journal or command output, newest part kept (K, M, G suffixes are
    /// powers of 1024; 0 means no cap) [default: 20M for node files and commands, 5M per
    /// container log].
    #[arg(long, value_name = "SIZE", env = "KBUNDLE_MAX_LOG_BYTES")]
    pub max_log_bytes: Option<String>,

    /// Kill a node command (and everything it started) after this many seconds (or m, h).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value = "30",
        env = "KBUNDLE_COMMAND_TIMEOUT"
    )]
    pub command_timeout: String,

    /// How many node commands and files are collected at once (at most 16) [default: 4]; with
    /// --ssh or --daemonset, how many nodes at once (1-64) [default: 16].
    #[arg(long, value_name = "N", env = "KBUNDLE_JOBS", value_parser = clap::value_parser!(u8).range(1..=64))]
    pub jobs: Option<u8>,

    /// Extra redaction rules (YAML, see docs/collector.md); may be given several times.
    #[arg(long, value_name = "FILE", env = "KBUNDLE_REDACT_RULES")]
    pub redact_rules: Vec<PathBuf>,

    /// Replace IP addresses, MAC addresses and host names with consistent stand-ins; the map
    /// is written beside the bundle as <bundle>.pseudonyms.json (mode 0600), never into it.
    #[arg(long, env = "KBUNDLE_PSEUDONYMIZE")]
    pub pseudonymize: bool,

    /// No progress and no summary on stderr (the bundle path is still printed on stdout).
    #[arg(short, long, env = "KBUNDLE_QUIET")]
    pub quiet: bool,

    /// Other nodes.
    #[command(flatten)]
    pub fanout: FanOutArgs,
}

/// What the process does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Collect a bundle.
    Collect,
    /// `--dry-run`: print the DaemonSet's objects.
    DryRun,
    /// `--cleanup`: delete what earlier `--daemonset` runs left.
    Cleanup,
    /// `--agent DIR`: collect into DIR, then wait to be fetched.
    Agent(PathBuf),
}

/// The run's settings, checked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Options {
    /// `--host-only`.
    pub host_only: bool,
    /// `--no-host`.
    pub no_host: bool,
    /// `--kubeconfig` (a local path: not recorded).
    #[serde(skip)]
    pub kubeconfig: Option<PathBuf>,
    /// `--context`.
    pub context: Option<String>,
    /// `-n` as given; `["*"]` for all namespaces, as the manifest writes it.
    #[serde(serialize_with = "namespaces")]
    pub namespaces: Vec<String>,
    /// `--qps`.
    pub qps: f64,
    /// `--burst`.
    pub burst: u32,
    /// `--request-timeout`.
    #[serde(serialize_with = "seconds")]
    pub request_timeout: Duration,
    /// `--connect-timeout`.
    #[serde(serialize_with = "seconds")]
    pub connect_timeout: Duration,
    /// `--all-logs`.
    pub all_logs: bool,
    /// `--big-cluster-pods`.
    pub big_cluster_pods: u64,
    /// `--max-bundle-bytes` (`u64::MAX` for no bound).
    pub max_bundle_bytes: u64,
    /// `--since` in seconds, for `sinceSeconds` on container logs.
    #[serde(skip)]
    pub since_secs: u64,
    /// The cap per container log (`u64::MAX` for none).
    #[serde(rename = "log_max_bytes")]
    pub container_log_max_bytes: u64,
    /// `--host-root`.
    pub host_root: PathBuf,
    /// `--node-name`.
    pub node_name: Option<String>,
    /// `--output`, as given (a local path: not recorded in the manifest).
    #[serde(skip)]
    pub output: Option<PathBuf>,
    /// The archive format.
    pub format: Format,
    /// `--since` as given (`72h`).
    pub since: String,
    /// `--since` in systemd's spelling, for `journalctl --since=-<span>` (`3d`, `30min`).
    #[serde(skip)]
    pub since_span: String,
    /// The cap per node file, journal or command output (`u64::MAX` for none).
    #[serde(rename = "node_log_max_bytes")]
    pub max_log_bytes: u64,
    /// `--command-timeout`.
    #[serde(serialize_with = "seconds")]
    pub command_timeout: Duration,
    /// `--jobs`.
    pub jobs: usize,
    /// `--redact-rules`.
    pub redact_rules: Vec<PathBuf>,
    /// `--pseudonymize`.
    pub pseudonymize: bool,
    /// `--quiet`.
    #[serde(skip)]
    pub quiet: bool,
    /// `-o -`: the bundle goes to standard output.
    #[serde(skip)]
    pub to_stdout: bool,
    /// The fan-out, with `--daemonset` or `--ssh` (recorded through [`FanOut::describe`]).
    #[serde(skip)]
    pub fanout: Option<FanOut>,
    /// What the process does.
    #[serde(skip)]
    pub action: Action,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_secs())
}

fn namespaces<S: serde::Serializer>(n: &[String], s: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    if n.is_empty() {
        ["*"].serialize(s)
    } else {
        n.serialize(s)
    }
}

/// The default cap for node files, journals and command outputs.
pub const NODE_LOG_MAX: u64 = 20 << 20;
/// The default cap per container log.
pub const CONTAINER_LOG_MAX: u64 = 5 << 20;

impl Options {
    /// Checks the arguments; the error is one line naming the flag.
    pub fn from_args(args: Args) -> Result<Self, UsageError> {
        let format =
            args.format
                .unwrap_or_else(|| match args.output.as_deref().and_then(|p| p.to_str()) {
                    Some(p) if p.ends_with(".zip") => Format::Zip,
                    _ => Format::TarGz,
                });
        let since_secs = parse_duration(&args.since).map_err(|e| UsageError::new("--since", e))?;
        let timeout = parse_duration(&args.command_timeout)
            .map_err(|e| UsageError::new("--command-timeout", e))?;
        if timeout == 0 {
            return Err(UsageError::new(
                "--command-timeout",
                "must be at least 1 second",
            ));
        }
        let max = match &args.max_log_bytes {
            Some(text) => {
                Some(parse_size(text).map_err(|e| UsageError::new("--max-log-bytes", e))?)
            }
            None => None,
        };
        let no_cap = |n: u64| if n == 0 { u64::MAX } else { n };
        let request_timeout = parse_duration(&args.request_timeout)
            .map_err(|e| UsageError::new("--request-timeout", e))?;
        let connect_timeout = parse_duration(&args.connect_timeout)
            .map_err(|e| UsageError::new("--connect-timeout", e))?;
        if request_timeout == 0 || connect_timeout == 0 {
            let flag = if request_timeout == 0 {
                "--request-timeout"
            } else {
                "--connect-timeout"
            };
            return Err(UsageError::new(flag, "must be at least 1 second"));
        }
        if !(args.qps.is_finite() && args.qps > 0.0) {
            return Err(UsageError::new(
                "--qps",
                format!("{} is not a positive number", args.qps),
            ));
        }
        if args.burst == 0 {
            return Err(UsageError::new("--burst", "must be at least 1"));
        }
        let max_bundle = parse_size(&args.max_bundle_bytes)
            .map_err(|e| UsageError::new("--max-bundle-bytes", e))?;
        if let Some(bad) = args.namespaces.iter().find(|n| n.trim().is_empty()) {
            return Err(UsageError::new(
                "--namespace",
                format!("{bad:?} is not a namespace name"),
            ));
        }
        let mut namespaces = args.namespaces.clone();
        namespaces.sort();
        namespaces.dedup();
        let to_stdout =
            args.output.as_deref() == Some(std::path::Path::new(crate::archive::STDOUT));
        if to_stdout && format == Format::Zip {
            return Err(UsageError::new(
                "-o -",
                "only tar.gz can be streamed (zip needs to seek)",
            ));
        }
        if to_stdout && args.pseudonymize {
            return Err(UsageError::new(
                "-o - and --pseudonymize",
                "the pseudonym map would have nowhere to go",
            ));
        }
        // The node part's flags every remote collector gets, so each node honours them.
        let mut node_args = vec![
            "--since".to_string(),
            args.since.trim().to_string(),
            "--command-timeout".to_string(),
            timeout.to_string(),
        ];
        if let Some(m) = &args.max_log_bytes {
            node_args.extend(["--max-log-bytes".to_string(), m.trim().to_string()]);
        }
        let fanout = args.fanout.check(node_args, args.jobs.map(usize::from))?;
        let action = if args.fanout.cleanup {
            Action::Cleanup
        } else if args.fanout.dry_run {
            Action::DryRun
        } else if let Some(dir) = &args.fanout.agent {
            if !dir.is_dir() {
                return Err(UsageError::new(
                    "--agent",
                    format!("{} is not a directory", dir.display()),
                ));
            }
            Action::Agent(dir.clone())
        } else {
            Action::Collect
        };
        let agent = matches!(action, Action::Agent(_));
        if !args.host_root.is_dir() {
            return Err(UsageError::new(
                "--host-root",
                format!("{} is not a directory", args.host_root.display()),
            ));
        }
        Ok(Options {
            host_only: args.host_only || agent,
            no_host: args.no_host,
            kubeconfig: args.kubeconfig,
            context: args.context,
            namespaces,
            qps: args.qps,
            burst: args.burst,
            request_timeout: Duration::from_secs(request_timeout),
            connect_timeout: Duration::from_secs(connect_timeout),
            all_logs: args.all_logs,
            big_cluster_pods: args.big_cluster_pods,
            max_bundle_bytes: no_cap(max_bundle),
            since_secs,
            container_log_max_bytes: no_cap(max.unwrap_or(CONTAINER_LOG_MAX)),
            host_root: args.host_root,
            node_name: args.node_name,
            output: match &action {
                Action::Agent(dir) => Some(dir.clone()),
                _ => args.output,
            },
            format,
            since: args.since.trim().to_string(),
            since_span: systemd_span(since_secs),
            max_log_bytes: no_cap(max.unwrap_or(NODE_LOG_MAX)),
            command_timeout: Duration::from_secs(timeout),
            jobs: usize::from(args.jobs.unwrap_or(4)).min(16),
            redact_rules: args.redact_rules,
            pseudonymize: args.pseudonymize,
            quiet: args.quiet,
            to_stdout,
            fanout,
            action,
        })
    }
}

/// A flag whose value is not what it must be: the one line the user sees, naming the flag.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{flag}: {problem}")]
pub struct UsageError {
    /// The flag, as typed (`--since`).
    pub flag: &'static str,
    /// What is wrong with its value.
    pub problem: String,
}

impl UsageError {
    /// `flag: problem`.
    pub fn new(flag: &'static str, problem: impl std::fmt::Display) -> Self {
        UsageError {
            flag,
            problem: problem.to_string(),
        }
    }
}

/// A duration or size that does not read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ValueError {
    /// No leading number.
    #[error("{text:?} is not a {what}")]
    NotANumber {
        /// The value given.
        text: String,
        /// What was expected, with examples.
        what: &'static str,
    },
    /// A number with a unit we do not know.
    #[error("{text:?}: unknown unit (use {units})")]
    UnknownUnit {
        /// The value given.
        text: String,
        /// The units we know.
        units: &'static str,
    },
    /// More than 64 bits can hold.
    #[error("{text:?} is too large")]
    TooLarge {
        /// The value given.
        text: String,
    },
}

/// Seconds in `72h`, `30m`, `2d`, `1w`, `45s` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<u64, ValueError> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num.parse().map_err(|_| ValueError::NotANumber {
        text: text.to_string(),
        what: "duration like 72h, 30m or 45s",
    })?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "s" | "sec" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => {
            return Err(ValueError::UnknownUnit {
                text: text.to_string(),
                units: "s, m, h, d or w",
            })
        }
    };
    n.checked_mul(mult).ok_or_else(|| ValueError::TooLarge {
        text: text.to_string(),
    })
}

/// A size like `20M`, `512K`, `1G`, `20MiB` or a bare number of bytes.
pub fn parse_size(text: &str) -> Result<u64, ValueError> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num.parse().map_err(|_| ValueError::NotANumber {
        text: text.to_string(),
        what: "size like 20M",
    })?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => {
            return Err(ValueError::UnknownUnit {
                text: text.to_string(),
                units: "K, M or G",
            })
        }
    };
    n.checked_mul(mult).ok_or_else(|| ValueError::TooLarge {
        text: text.to_string(),
    })
}

/// A span in systemd's syntax (journalctl --since=-<span>), in the largest exact unit.
fn systemd_span(secs: u64) -> String {
    for (unit, size) in [("d", 86_400), ("h", 3600), ("min", 60)] {
        if secs >= size && secs.is_multiple_of(size) {
            return format!("{}{unit}", secs / size);
        }
    }
    format!("{secs}s")
}

/// `--completions SHELL` and `--man`, answered before anything else looks at the command line:
/// both print what the flags above define, so they cannot drift from them. `None` when neither
/// is asked for, or the command line does not parse: it is then left to [`crate::run::main`].
pub fn print_generated() -> Option<std::process::ExitCode> {
    let asked = std::env::args_os().skip(1).any(|a| {
        let a = a.to_string_lossy();
        a == "--man" || a.starts_with("--completions")
    });
    if !asked {
        return None;
    }
    // A command line that does not parse is left to run::main, which reports it.
    let args = Args::try_parse().ok()?;
    let mut command = <Args as clap::CommandFactory>::command();
    // In memory first: clap_complete panics on a write error (`... | head`).
    let mut text = Vec::new();
    let made = match args.completions {
        Some(shell) => {
            clap_complete::generate(shell, &mut command, "kbundle-collect", &mut text);
            Ok(())
        }
        None if args.man => clap_mangen::Man::new(command).render(&mut text),
        None => return None,
    };
    let mut out = std::io::stdout().lock();
    let written = made
        .and_then(|()| std::io::Write::write_all(&mut out, &text))
        .and_then(|()| std::io::Write::flush(&mut out));
    match written {
        Ok(()) => Some(std::process::ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("kbundle-collect: cannot write to stdout: {e}");
            Some(std::process::ExitCode::FAILURE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("72h"), Ok(259_200));
        assert_eq!(parse_duration("30"), Ok(30));
        assert_eq!(parse_duration("2m"), Ok(120));
        assert!(parse_duration("h").is_err() && parse_duration("3y").is_err());
        assert_eq!(parse_size("20M"), Ok(20 << 20));
        assert_eq!(parse_size("512kib"), Ok(512 << 10));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("1T").is_err() && parse_size("-1").is_err());
        assert_eq!(systemd_span(259_200), "3d");
        assert_eq!(systemd_span(7200), "2h");
        assert_eq!(systemd_span(90), "90s");
        assert_eq!(systemd_span(1800), "30min");
    }

    #[test]
    fn the_output_extension_picks_the_format() {
        let args = Args::parse_from(["kbundle-collect", "--host-only", "-o", "x.zip"]);
        let o = Options::from_args(args).unwrap();
        assert_eq!(o.format, Format::Zip);
        assert_eq!(o.max_log_bytes, 20 << 20);
        assert_eq!(o.container_log_max_bytes, 5 << 20);
        assert!(o.namespaces.is_empty());
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(json["namespaces"], serde_json::json!(["*"]));
        assert_eq!(json["log_max_bytes"], 5 << 20);
        let args = Args::parse_from([
            "kbundle-collect",
            "--no-host",
            "-n",
            "b",
            "--namespace",
            "a",
            "-n",
            "b",
            "--max-log-bytes",
            "1M",
            "--qps",
            "5",
            "--burst",
            "10",
        ]);
        let o = Options::from_args(args).unwrap();
        assert_eq!(o.namespaces, ["a", "b"]);
        assert_eq!(
            (o.max_log_bytes, o.container_log_max_bytes),
            (1 << 20, 1 << 20)
        );
        assert!(Args::try_parse_from(["kbundle-collect", "--host-only", "--no-host"]).is_err());
        assert!(Args::try_parse_from(["kbundle-collect", "-A", "-n", "x"]).is_err());
        let bad = Args::parse_from(["kbundle-collect", "--qps", "0"]);
        assert_eq!(Options::from_args(bad).unwrap_err().flag, "--qps");
        let bad = Args::parse_from(["kbundle-collect", "--since", "forever"]);
        assert_eq!(Options::from_args(bad).unwrap_err().flag, "--since");
    }
}
