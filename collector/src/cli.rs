//! The command line of `kbundle-collect`, and the checked [`Options`] a run uses.

use crate::archive::Format;
use clap::Parser;
use std::path::PathBuf;
use std::time::Duration;

/// Gather a redacted Kubernetes support bundle in bounded time.
///
/// Run on a node with --host-only to collect that node alone. Read-only: it changes
/// nothing on the machine and writes only the bundle (and, with --pseudonymize, its map).
#[derive(Debug, Parser)]
#[command(name = "kbundle-collect", version, max_term_width = 100)]
pub struct Args {
    /// Collect this node only (no Kubernetes API access).
    #[arg(long)]
    pub host_only: bool,

    /// Directory the node's filesystem is mounted at (e.g. /host in a DaemonSet pod).
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub host_root: PathBuf,

    /// The node's name in the bundle [default: the kubelet's node name, else the host name].
    #[arg(long, value_name = "NAME")]
    pub node_name: Option<String>,

    /// Where to write the bundle: a file, or an existing directory to put the default name in
    /// [default: kbundle-<node>-<UTC time>.tar.gz in the current directory].
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Archive format [default: from the --output extension, else tar.gz].
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// How far back journals go: a number with s, m, h, d or w.
    #[arg(long, value_name = "DURATION", default_value = "72h")]
    pub since: String,

    /// Size cap per log, journal or command output, newest part kept (K, M, G suffixes are
    /// powers of 1024; 0 means no cap).
    #[arg(long, value_name = "SIZE", default_value = "20M")]
    pub max_log_bytes: String,

    /// Kill a node command (and everything it started) after this many seconds (or m, h).
    #[arg(long, value_name = "SECONDS", default_value = "30")]
    pub command_timeout: String,

    /// How many node commands and files are collected at once (1-16).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=16))]
    pub jobs: u8,

    /// Extra redaction rules (YAML, see docs/collector.md); may be given several times.
    #[arg(long, value_name = "FILE")]
    pub redact_rules: Vec<PathBuf>,

    /// Replace IP addresses, MAC addresses and host names with consistent stand-ins; the map
    /// is written beside the bundle as <bundle>.pseudonyms.json (mode 0600), never into it.
    #[arg(long)]
    pub pseudonymize: bool,

    /// No progress and no summary on stderr (the bundle path is still printed on stdout).
    #[arg(short, long)]
    pub quiet: bool,
}

/// The run's settings, checked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Options {
    /// `--host-only`.
    pub host_only: bool,
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
    /// `--max-log-bytes` (`u64::MAX` for no cap).
    #[serde(rename = "log_max_bytes")]
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
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_secs())
}

impl Options {
    /// Checks the arguments; the error is one line naming the flag.
    pub fn from_args(args: Args) -> Result<Self, String> {
        let format =
            args.format
                .unwrap_or_else(|| match args.output.as_deref().and_then(|p| p.to_str()) {
                    Some(p) if p.ends_with(".zip") => Format::Zip,
                    _ => Format::TarGz,
                });
        let since_secs = parse_duration(&args.since).map_err(|e| format!("--since: {e}"))?;
        let timeout =
            parse_duration(&args.command_timeout).map_err(|e| format!("--command-timeout: {e}"))?;
        if timeout == 0 {
            return Err("--command-timeout: must be at least 1 second".to_string());
        }
        let max = parse_size(&args.max_log_bytes).map_err(|e| format!("--max-log-bytes: {e}"))?;
        if !args.host_root.is_dir() {
            return Err(format!(
                "--host-root: {} is not a directory",
                args.host_root.display()
            ));
        }
        Ok(Options {
            host_only: args.host_only,
            host_root: args.host_root,
            node_name: args.node_name,
            output: args.output,
            format,
            since: args.since.trim().to_string(),
            since_span: systemd_span(since_secs),
            max_log_bytes: if max == 0 { u64::MAX } else { max },
            command_timeout: Duration::from_secs(timeout),
            jobs: usize::from(args.jobs),
            redact_rules: args.redact_rules,
            pseudonymize: args.pseudonymize,
            quiet: args.quiet,
        })
    }
}

/// Seconds in `72h`, `30m`, `2d`, `1w`, `45s` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 72h, 30m or 45s"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "s" | "sec" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("{text:?}: unknown unit (use s, m, h, d or w)")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("{text:?} is too long"))
}

/// A size like `20M`, `512K`, `1G`, `20MiB` or a bare number of bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{text:?} is not a size like 20M"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("{text:?}: unknown unit (use K, M or G)")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("{text:?} is too big"))
}

/// A span in systemd's syntax (journalctl --since=-<span>), in the largest exact unit.
fn systemd_span(secs: u64) -> String {
    for (unit, size) in [("d", 86_400), ("h", 3600), ("min", 60)] {
        if secs >= size && secs % size == 0 {
            return format!("{}{unit}", secs / size);
        }
    }
    format!("{secs}s")
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
        let bad = Args::parse_from(["kbundle-collect", "--since", "forever"]);
        assert!(Options::from_args(bad).unwrap_err().starts_with("--since"));
    }
}
