//! The fan-out's flags (`--daemonset`, `--ssh`, ...) and their checked form.
//!
//! They are a flattened group of the one command line so `--help` shows them under their own
//! heading; [`FanOutArgs::check`] turns them into a [`FanOut`] (or nothing, for a run of this
//! node alone) with every value validated before anything is contacted.

use super::daemonset::DaemonSetOptions;
use super::nodes::NodeSelection;
use super::ssh::{SshOptions, SshTarget};
use crate::cli::{parse_duration, UsageError};
use std::path::PathBuf;
use std::time::Duration;

/// The image the DaemonSet runs unless `--image` says otherwise: versioned with this binary,
/// so an agent never speaks another version's stream.
pub(crate) const DEFAULT_IMAGE: &str = concat!(
    "docker.io/kbundle/kbundle-collect:",
    env!("CARGO_PKG_VERSION")
);

/// Nodes collected at once by default (SSH sessions, or DaemonSet results fetched).
pub(crate) const DEFAULT_NODE_JOBS: usize = 16;

/// Flags of the fan-out: collect other nodes through a temporary DaemonSet or over SSH.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Other nodes (fan-out)")]
pub struct FanOutArgs {
    /// Collect every selected node through a temporary DaemonSet whose pods run the node part
    /// (see docs/collector.md for the objects and the RBAC it needs).
    #[arg(long, conflicts_with_all = ["host_only", "ssh", "ssh_hosts", "ssh_from_api"])]
    pub daemonset: bool,

    /// The agent image for --daemonset [default: docker.io/kbundle/kbundle-collect:<version>].
    #[arg(long, value_name = "IMAGE", requires = "daemonset")]
    pub image: Option<String>,

    /// An image pull secret of --agent-namespace for the agent pods; may be given several
    /// times (needs an existing --agent-namespace that holds it).
    #[arg(long, value_name = "NAME", requires = "agent_namespace")]
    pub image_pull_secret: Vec<String>,

    /// Run the agent in this namespace. An existing namespace is used as it is (only the
    /// DaemonSet is created and deleted there) [default: a new namespace kbundle-<id>,
    /// deleted at the end].
    #[arg(long, value_name = "NS", requires = "daemonset")]
    pub agent_namespace: Option<String>,

    /// priorityClassName of the agent pods.
    #[arg(long, value_name = "NAME", requires = "daemonset")]
    pub priority_class: Option<String>,

    /// Run the agent container privileged (device-mapper access for multipath -l/-ll);
    /// otherwise it gets only CAP_SYS_CHROOT, CAP_DAC_READ_SEARCH and CAP_SYSLOG.
    #[arg(long, requires = "daemonset")]
    pub agent_privileged: bool,

    /// Print every object --daemonset would create, as YAML, and exit without contacting
    /// the cluster.
    #[arg(long, requires = "daemonset")]
    pub dry_run: bool,

    /// Delete every namespace and DaemonSet an earlier --daemonset run left behind (found by
    /// the label app.kubernetes.io/managed-by=kbundle-collect) and exit.
    #[arg(long, conflicts_with_all = ["host_only", "daemonset", "ssh", "ssh_hosts", "ssh_from_api"])]
    pub cleanup: bool,

    /// Which nodes --daemonset and --ssh-from-api collect: a label selector
    /// (`node-role.kubernetes.io/worker`, `zone in (a,b)`), or node names separated by
    /// commas; may be given several times, a node matching any is collected [default: every
    /// Linux node].
    #[arg(long = "nodes", value_name = "SELECTOR|NAMES")]
    pub nodes: Vec<String>,

    /// Give up on a node after this long (s, m, h): its SSH session, or its agent pod until
    /// the result is ready (and, separately, the transfer of that result).
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub node_timeout: String,

    /// Collect this node over SSH (anything ssh accepts: host, user@host, ssh://user@host:port,
    /// a Host of ~/.ssh/config); may be given several times.
    #[arg(long = "ssh", value_name = "DEST")]
    pub ssh: Vec<String>,

    /// A file of SSH destinations, one a line (blank lines and # comments ignored); may be
    /// given several times.
    #[arg(long, value_name = "FILE")]
    pub ssh_hosts: Vec<PathBuf>,

    /// Collect every (selected) node over SSH at its InternalIP, as the API lists it.
    #[arg(long, conflicts_with = "host_only")]
    pub ssh_from_api: bool,

    /// Passed to ssh as `-o OPT` (e.g. User=root, IdentityFile=~/.ssh/ops,
    /// StrictHostKeyChecking=accept-new); may be given several times. Yours win over the
    /// collector's defaults (BatchMode=yes, ConnectTimeout, ServerAliveInterval).
    #[arg(long = "ssh-option", value_name = "OPT")]
    pub ssh_options: Vec<String>,

    /// Run the remote side through `sudo -n` (no password prompt: sudo must allow it).
    #[arg(long)]
    pub ssh_sudo: bool,

    /// The kbundle-collect program on the remote nodes.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "kbundle-collect",
        env = "KBUNDLE_REMOTE_BINARY"
    )]
    pub remote_binary: String,

    /// Copy this kbundle-collect to a private temporary directory on each node over the same
    /// SSH connection, run it, and remove it.
    #[arg(long, conflicts_with = "remote_binary")]
    pub ssh_upload: bool,

    /// The ssh client program.
    #[arg(
        long,
        value_name = "PROGRAM",
        default_value = "ssh",
        env = "KBUNDLE_SSH"
    )]
    pub ssh_program: PathBuf,

    /// Agent pod role: collect this node into DIR (like --host-only -o DIR) unless a bundle is
    /// already there, then wait for it to be fetched until terminated.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["daemonset", "ssh", "cleanup"])]
    pub agent: Option<PathBuf>,

    /// Agent pod role: write the finished bundle in DIR to standard output (what the
    /// collector runs through pods/exec); exit status 3 when there is none yet.
    #[arg(long, value_name = "DIR")]
    pub agent_fetch: Option<PathBuf>,

    /// Agent pod role: exit 0 when DIR holds a finished bundle, 1 otherwise (the agent pod's
    /// readiness probe).
    #[arg(long, value_name = "DIR")]
    pub agent_ready: Option<PathBuf>,
}

/// What the fan-out does, checked.
#[derive(Debug, Clone)]
pub struct FanOut {
    /// How nodes are reached.
    pub transport: Transport,
    /// The per-node deadline.
    pub node_timeout: Duration,
    /// Nodes at once.
    pub jobs: usize,
    /// `--nodes`.
    pub nodes: NodeSelection,
    /// The node-part flags every remote collector gets (`--since`, `--max-log-bytes`,
    /// `--command-timeout`), so each node honours what the user asked here.
    pub node_args: Vec<String>,
}

/// The transport and its settings.
#[derive(Debug, Clone)]
pub enum Transport {
    /// `--daemonset`.
    DaemonSet(DaemonSetOptions),
    /// `--ssh`, `--ssh-hosts`, `--ssh-from-api`.
    Ssh {
        /// How ssh is run.
        options: SshOptions,
        /// The destinations given (`--ssh`, `--ssh-hosts`).
        targets: Vec<SshTarget>,
        /// `--ssh-from-api`.
        from_api: bool,
    },
}

impl FanOutArgs {
    /// Whether any transport was asked for.
    pub fn wanted(&self) -> bool {
        self.daemonset || !self.ssh.is_empty() || !self.ssh_hosts.is_empty() || self.ssh_from_api
    }

    /// Checks the flags; `None` for a run without fan-out. `node_args` are the node-part
    /// flags to hand on; `jobs` is `--jobs` when given.
    pub fn check(
        &self,
        node_args: Vec<String>,
        jobs: Option<usize>,
    ) -> Result<Option<FanOut>, UsageError> {
        let secs =
            parse_duration(&self.node_timeout).map_err(|e| UsageError::new("--node-timeout", e))?;
        if secs == 0 {
            return Err(UsageError::new(
                "--node-timeout",
                "must be at least 1 second",
            ));
        }
        let nodes = NodeSelection::parse(&self.nodes).map_err(|e| UsageError::new("--nodes", e))?;
        if !self.wanted() {
            if !self.nodes.is_empty() && !self.cleanup {
                return Err(UsageError::new(
                    "--nodes",
                    "only with --daemonset or --ssh-from-api",
                ));
            }
            if self.ssh_upload || self.ssh_sudo || !self.ssh_options.is_empty() {
                return Err(UsageError::new(
                    "--ssh-upload, --ssh-sudo and --ssh-option",
                    "need --ssh, --ssh-hosts or --ssh-from-api",
                ));
            }
            return Ok(None);
        }
        if !(nodes.is_empty() || self.daemonset || self.ssh_from_api) {
            return Err(UsageError::new(
                "--nodes",
                "only with --daemonset or --ssh-from-api (--ssh names its hosts)",
            ));
        }
        let transport = if self.daemonset {
            Transport::DaemonSet(DaemonSetOptions::check(self)?)
        } else {
            let mut targets = Vec::new();
            for dest in &self.ssh {
                targets.push(SshTarget::parse(dest).map_err(|e| UsageError::new("--ssh", e))?);
            }
            for file in &self.ssh_hosts {
                targets.extend(super::ssh::read_hosts_file(file)?);
            }
            let options = SshOptions {
                program: self.ssh_program.clone(),
                options: self.ssh_options.clone(),
                sudo: self.ssh_sudo,
                remote_binary: self.remote_binary.clone(),
                upload: self.ssh_upload,
            };
            options.check()?;
            Transport::Ssh {
                options,
                targets,
                from_api: self.ssh_from_api,
            }
        };
        Ok(Some(FanOut {
            transport,
            node_timeout: Duration::from_secs(secs),
            jobs: jobs.unwrap_or(DEFAULT_NODE_JOBS),
            nodes,
            node_args,
        }))
    }
}

impl FanOut {
    /// What the manifest's `options` records of the fan-out: the transport and its limits,
    /// never destinations (addresses and host names stay out of the manifest's options).
    pub fn describe(&self) -> serde_json::Value {
        let transport = match &self.transport {
            Transport::DaemonSet(_) => "daemonset",
            Transport::Ssh { .. } => "ssh",
        };
        let mut v = serde_json::json!({
            "transport": transport,
            "node_timeout": self.node_timeout.as_secs(),
            "jobs": self.jobs,
        });
        if let Transport::DaemonSet(d) = &self.transport {
            v["image"] = serde_json::Value::String(d.image.clone());
            v["agent_privileged"] = serde_json::Value::Bool(d.privileged);
        }
        v
    }
}
