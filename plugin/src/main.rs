//! `kubectl-kbundle`: the kbundle tools as a kubectl plugin. `kubectl kbundle collect ...`
//! runs `kbundle-collect ...` and `kubectl kbundle analyze ...` runs `kbundle analyze ...`;
//! this binary only parses enough to pick the tool, then hands over.

mod dispatch;

use clap::{CommandFactory, Parser, Subcommand};
use std::ffi::OsString;
use std::process::ExitCode;

/// Collect and analyze Kubernetes support bundles (kbundle, as a kubectl plugin).
///
/// `collect` runs kbundle-collect against the cluster of the current context: KUBECONFIG and
/// kubectl's --kubeconfig, --context, -n and -A mean what they mean to kubectl, before or after
/// the subcommand. `analyze`, `rules`, `serve` and `shell` run kbundle, offline. Everything
/// after the subcommand is passed on unchanged, so `kubectl kbundle collect --help` lists the
/// collector's own flags.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-kbundle",
    bin_name = "kubectl kbundle",
    version,
    max_term_width = 100,
    arg_required_else_help = true,
    after_help = "Examples:\n  kubectl kbundle collect -o /tmp/\n  kubectl kbundle --context prod collect -n shop\n  kubectl kbundle analyze kbundle-prod-*.tar.gz --html report.html"
)]
struct Plugin {
    #[command(flatten)]
    kube: KubeFlags,

    /// Print this plugin's man page (roff) on stdout; scripts/dist.sh ships it.
    #[arg(long, hide = true)]
    man: bool,

    #[command(subcommand)]
    tool: Option<Tool>,
}

/// kubectl's own flags where kubectl users put them, before the subcommand. Only `collect`
/// talks to a cluster, so only `collect` takes them.
#[derive(Debug, clap::Args)]
struct KubeFlags {
    /// The kubeconfig file [default: KUBECONFIG, else ~/.kube/config].
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<OsString>,

    /// The kubeconfig context to use [default: its current context].
    #[arg(long, value_name = "NAME")]
    context: Option<OsString>,

    /// Collect this namespace only; may be given several times [default: all namespaces].
    #[arg(short = 'n', long, value_name = "NS")]
    namespace: Vec<OsString>,

    /// All namespaces (the default of collect).
    #[arg(short = 'A', long)]
    all_namespaces: bool,
}

impl KubeFlags {
    /// The flags as kbundle-collect spells them (the same spelling as kubectl's).
    fn to_args(&self) -> Vec<OsString> {
        let mut args = Vec::new();
        if let Some(k) = &self.kubeconfig {
            args.extend(["--kubeconfig".into(), k.clone()]);
        }
        if let Some(c) = &self.context {
            args.extend(["--context".into(), c.clone()]);
        }
        for n in &self.namespace {
            args.extend(["--namespace".into(), n.clone()]);
        }
        if self.all_namespaces {
            args.push("--all-namespaces".into());
        }
        args
    }
}

#[derive(Debug, Subcommand)]
enum Tool {
    /// Collect a support bundle from the cluster (runs kbundle-collect; `collect --help` for
    /// its flags).
    #[command(disable_help_flag = true)]
    Collect(PassOn),
    /// Analyze bundles offline (runs kbundle analyze; `analyze --help` for its flags).
    #[command(disable_help_flag = true)]
    Analyze(PassOn),
    /// List the analyzer's rules (runs kbundle rules).
    #[command(disable_help_flag = true)]
    Rules(PassOn),
    /// Serve a bundle as a read-only API for kubectl (runs kbundle serve).
    #[command(disable_help_flag = true)]
    Serve(PassOn),
    /// Open a shell whose kubectl reads a bundle (runs kbundle shell).
    #[command(disable_help_flag = true)]
    Shell(PassOn),
}

/// The rest of the command line, for the tool.
#[derive(Debug, clap::Args)]
struct PassOn {
    /// Arguments for the tool, passed on unchanged.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    args: Vec<OsString>,
}

fn main() -> ExitCode {
    let plugin = Plugin::parse();
    if plugin.man {
        return match clap_mangen::Man::new(Plugin::command()).render(&mut std::io::stdout()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("kubectl-kbundle: cannot write the man page: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let kube_args = plugin.kube.to_args();
    let (program, subcommand, rest) = match plugin.tool {
        Some(Tool::Collect(rest)) => ("kbundle-collect", None, rest),
        Some(Tool::Analyze(rest)) => ("kbundle", Some("analyze"), rest),
        Some(Tool::Rules(rest)) => ("kbundle", Some("rules"), rest),
        Some(Tool::Serve(rest)) => ("kbundle", Some("serve"), rest),
        Some(Tool::Shell(rest)) => ("kbundle", Some("shell"), rest),
        None => {
            let _ = Plugin::command().print_help();
            return ExitCode::from(2);
        }
    };
    if let (Some(sub), Some(flag)) = (subcommand, kube_args.first()) {
        Plugin::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                format!(
                    "{} is for collect: {sub} reads a bundle, not a cluster",
                    flag.to_string_lossy()
                ),
            )
            .exit();
    }
    let mut args: Vec<OsString> = subcommand.map(OsString::from).into_iter().collect();
    args.extend(kube_args);
    args.extend(rest.args);
    dispatch::run(program, &args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Plugin {
        Plugin::try_parse_from(std::iter::once("kubectl-kbundle").chain(args.iter().copied()))
            .unwrap()
    }

    #[test]
    fn everything_after_the_subcommand_is_passed_on() {
        let p = parse(&["collect", "--help", "-n", "x", "--host-only"]);
        let Some(Tool::Collect(rest)) = p.tool else {
            panic!("{p:?}")
        };
        assert_eq!(rest.args, ["--help", "-n", "x", "--host-only"]);
        assert!(p.kube.to_args().is_empty());
    }

    #[test]
    fn kubectl_flags_before_the_subcommand_are_kept_in_order() {
        let p = parse(&[
            "--context",
            "prod",
            "-n",
            "a",
            "--namespace=b",
            "--kubeconfig",
            "/k",
            "collect",
            "-o",
            "/tmp/",
        ]);
        assert_eq!(
            p.kube.to_args(),
            [
                "--kubeconfig",
                "/k",
                "--context",
                "prod",
                "--namespace",
                "a",
                "--namespace",
                "b"
            ]
        );
    }

    #[test]
    fn the_definition_is_consistent() {
        Plugin::command().debug_assert();
    }
}
