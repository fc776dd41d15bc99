//! The SSH transport: `kbundle-collect --host-only -o -` on each node through the system
//! OpenSSH client, its archive streamed back over the session's stdout into the bundle.
//!
//! The system client, not a library, so that the customer's `~/.ssh/config`, agent,
//! ProxyJump, certificates and known_hosts work as they do for them. `BatchMode=yes` (unless
//! the user's `--ssh-option` says otherwise) so no session ever waits for a password; every
//! session is its own process group, killed at `--node-timeout`. With `--ssh-upload` our own
//! binary goes to a private `mktemp -d` directory over the same connection and is removed by
//! the remote shell when the session ends, however it ends.

use super::cli::FanOut;
use super::kubeapi::KubeAccess;
use super::merge::{self, Naming};
use super::stream::{self, Stopped};
use super::{FanOutSummary, NodeReport, Shared};
use crate::bundle::{Added, Started};
use crate::cli::UsageError;
use crate::cluster::client::ApiSettings;
use crate::interrupt::Interrupt;
use kbundle_format::manifest::{CollectorStatus, Transport};
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

mod remote;
mod session;

pub(crate) use remote::{remote_command, upload_script};

/// How ssh is run (`--ssh-option`, `--ssh-sudo`, `--remote-binary`, `--ssh-upload`).
#[derive(Debug, Clone)]
pub struct SshOptions {
    /// The client program.
    pub program: PathBuf,
    /// `-o` options, in the order given.
    pub options: Vec<String>,
    /// Run the remote side through `sudo -n`.
    pub sudo: bool,
    /// The remote program, when not uploaded.
    pub remote_binary: String,
    /// Upload our own binary.
    pub upload: bool,
}

impl SshOptions {
    /// Refuses options ssh would misread: empty ones and ones spanning lines.
    pub fn check(&self) -> Result<(), UsageError> {
        for o in &self.options {
            if o.trim().is_empty() || o.contains(['\n', '\r']) {
                return Err(UsageError::new(
                    "--ssh-option",
                    format!("{o:?} is not an ssh option"),
                ));
            }
        }
        if self.remote_binary.trim().is_empty() || self.remote_binary.contains(['\n', '\0']) {
            return Err(UsageError::new("--remote-binary", "not a program"));
        }
        Ok(())
    }
}

/// One SSH destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    /// As given to ssh.
    pub dest: String,
    /// Its host part (for the pseudonymizer).
    pub host: String,
    /// The host and, when the destination gives one, the port: names the node until it
    /// names itself (two nodes behind one address differ by port).
    pub label: String,
    /// The API's name of the node (`--ssh-from-api`): the node is told to use it, so its
    /// data matches its Node object.
    pub api_name: Option<String>,
}

/// An SSH destination refused before ssh runs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadDestination {
    /// Empty, an option (`-o...`), or with spaces.
    #[error("{0:?} is not an SSH destination")]
    NotADestination(String),
    /// `user@` or `ssh://:22`.
    #[error("{0:?} names no host")]
    NoHost(String),
}

impl SshTarget {
    /// Checks a destination (`host`, `user@host`, `ssh://user@host:port`, a config alias).
    pub fn parse(dest: &str) -> Result<Self, BadDestination> {
        let d = dest.trim();
        if d.is_empty() || d.starts_with('-') || d.contains(char::is_whitespace) {
            return Err(BadDestination::NotADestination(dest.to_string()));
        }
        let host = host_of(d);
        if host.is_empty() {
            return Err(BadDestination::NoHost(dest.to_string()));
        }
        let label = match port_of(d) {
            Some(port) => format!("{host}:{port}"),
            None => host.clone(),
        };
        Ok(SshTarget {
            dest: d.to_string(),
            host,
            label,
            api_name: None,
        })
    }
}

/// The host of a destination: without `ssh://`, the user and the port.
fn host_of(dest: &str) -> String {
    let rest = dest.strip_prefix("ssh://").unwrap_or(dest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    if let Some(v6) = rest.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("").to_string();
    }
    if dest.starts_with("ssh://") && rest.matches(':').count() == 1 {
        return rest.split(':').next().unwrap_or("").to_string();
    }
    rest.trim_end_matches('/').to_string()
}

/// The port of an `ssh://` destination, when it gives one.
fn port_of(dest: &str) -> Option<u16> {
    let rest = dest.strip_prefix("ssh://")?;
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let after = match rest.strip_prefix('[') {
        Some(v6) => v6.split_once("]:")?.1,
        None => rest.rsplit_once(':')?.1,
    };
    after.trim_end_matches('/').parse().ok()
}

/// Reads `--ssh-hosts`: one destination a line, blank lines and `#` comments skipped.
pub(crate) fn read_hosts_file(path: &Path) -> Result<Vec<SshTarget>, UsageError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError::new("--ssh-hosts", format!("{}: {e}", path.display())))?;
    let mut targets = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        targets.push(SshTarget::parse(line).map_err(|e| {
            UsageError::new(
                "--ssh-hosts",
                format!("{} line {}: {e}", path.display(), i + 1),
            )
        })?);
    }
    if targets.is_empty() {
        return Err(UsageError::new(
            "--ssh-hosts",
            format!("{}: no destination in it", path.display()),
        ));
    }
    Ok(targets)
}

/// The SSH fan-out, ready to run.
pub(crate) struct Prepared {
    options: SshOptions,
    targets: Vec<SshTarget>,
    node_args: Vec<String>,
    jobs: usize,
    /// Why `--ssh-from-api` found no nodes, when it failed.
    api_failure: Option<String>,
    upload: Option<Arc<Vec<u8>>>,
    upload_failure: Option<String>,
}

impl Prepared {
    /// Gathers the destinations: those given, and with `--ssh-from-api` each selected Linux
    /// node's InternalIP.
    pub(crate) fn new(
        fanout: &FanOut,
        options: &SshOptions,
        targets: &[SshTarget],
        from_api: bool,
        api: &ApiSettings,
        interrupt: &Interrupt,
    ) -> Self {
        let mut all = targets.to_vec();
        let mut api_failure = None;
        if from_api {
            let listed = KubeAccess::connect(api, interrupt)
                .map_err(|e| e.to_string())
                .and_then(|k| {
                    k.list_nodes()
                        .map_err(|e| format!("listing nodes at {}: {e}", k.server))
                });
            match listed {
                Ok(nodes) => {
                    for n in nodes
                        .into_iter()
                        .filter(|n| fanout.nodes.matches(&n.name, &n.labels))
                        .filter(|n| n.os().is_none_or(|os| os == "linux"))
                    {
                        let Some(ip) = n.internal_ip.clone() else {
                            api_failure.get_or_insert_with(|| {
                                format!("node {} has no InternalIP", n.name)
                            });
                            continue;
                        };
                        all.push(SshTarget {
                            dest: ip.clone(),
                            label: n.name.clone(),
                            host: ip,
                            api_name: Some(n.name.clone()),
                        });
                    }
                }
                Err(e) => api_failure = Some(e),
            }
        }
        let (upload, upload_failure) = if options.upload {
            match std::env::current_exe().and_then(std::fs::read) {
                Ok(bytes) => (Some(Arc::new(bytes)), None),
                Err(e) => (
                    None,
                    Some(format!("cannot read this program to upload it: {e}")),
                ),
            }
        } else {
            (None, None)
        };
        Prepared {
            options: options.clone(),
            targets: all,
            node_args: fanout.node_args.clone(),
            jobs: fanout.jobs,
            api_failure,
            upload,
            upload_failure,
        }
    }

    /// The destinations' host names and the API's node names, for the pseudonymizer.
    pub(crate) fn hostnames(&self) -> Vec<String> {
        let mut names = Vec::new();
        for t in &self.targets {
            if t.host.parse::<std::net::IpAddr>().is_err() {
                names.push(t.host.clone());
            }
            names.extend(t.api_name.clone());
        }
        names
    }

    /// Runs every session, `jobs` at a time.
    pub(crate) fn run(self, shared: &Shared<'_>) -> FanOutSummary {
        let mut summary = FanOutSummary {
            transport: "ssh",
            ..FanOutSummary::default()
        };
        if let Some(why) = &self.api_failure {
            let started = Started::now();
            shared.bundle.record(started.row(
                "node/*",
                None,
                CollectorStatus::Error,
                Some(shared.bundle.scrub_text(&format!("--ssh-from-api: {why}"))),
                Added::default(),
            ));
            summary.notes.push(format!("--ssh-from-api: {why}"));
        }
        shared.begin(self.targets.len());
        let targets = self.targets.clone();
        super::pool(targets, self.jobs, |target| {
            let report = self.collect(shared, &target);
            shared.node_finished(report, true);
        });
        summary.nodes = shared.outcomes();
        summary
    }

    /// One node: its session from start to row.
    fn collect(&self, shared: &Shared<'_>, target: &SshTarget) -> NodeReport {
        let started = Started::now();
        let label = target.label.clone();
        shared.node_started(&label);
        let fail = |status, why: String| NodeReport {
            name: shared.bundle_name(&label, &[]),
            target: target.dest.clone(),
            transport: Transport::Ssh,
            status,
            error: Some(why),
            started,
            added: Added::default(),
        };
        if shared.interrupt.is_set() {
            return fail(
                CollectorStatus::Skipped,
                "interrupted before it started".into(),
            );
        }
        if let Some(why) = &self.upload_failure {
            return fail(CollectorStatus::Error, why.clone());
        }
        let argv = self.argv(target, shared.node_timeout);
        let outcome = session::run(session::Session {
            program: &self.options.program,
            argv: &argv,
            upload: self.upload.clone(),
            deadline: Instant::now() + shared.node_timeout,
            interrupt: shared.interrupt,
            shared,
            target,
        });
        let name = outcome
            .merged
            .name
            .clone()
            .unwrap_or_else(|| shared.bundle_name(&label, &[]));
        let (status, error) = session::verdict(&outcome, shared.node_timeout);
        NodeReport {
            name,
            target: target.dest.clone(),
            transport: Transport::Ssh,
            status,
            error,
            started,
            added: outcome.merged.added,
        }
    }

    /// ssh's arguments for one node: the user's options first (ssh keeps the first value of
    /// an option), then ours, then the destination and the remote command.
    fn argv(&self, target: &SshTarget, node_timeout: Duration) -> Vec<String> {
        let mut argv = Vec::new();
        for o in &self.options.options {
            argv.push("-o".to_string());
            argv.push(o.clone());
        }
        let connect = node_timeout.as_secs().clamp(1, 30);
        for o in [
            "BatchMode=yes".to_string(),
            format!("ConnectTimeout={connect}"),
            "ServerAliveInterval=15".to_string(),
            "ServerAliveCountMax=4".to_string(),
        ] {
            argv.push("-o".to_string());
            argv.push(o);
        }
        argv.push("-T".to_string());
        argv.push("--".to_string());
        argv.push(target.dest.clone());
        let mut node_args = self.node_args.clone();
        if let Some(name) = &target.api_name {
            node_args.push("--node-name".to_string());
            node_args.push(name.clone());
        }
        argv.push(match &self.upload {
            Some(bytes) => upload_script(bytes.len() as u64, self.options.sudo, &node_args),
            None => remote_command(&self.options.remote_binary, self.options.sudo, &node_args),
        });
        argv
    }
}

/// What the remote collector says of itself on stderr before its archive starts (see
/// `run::IDENTITY_PREFIX`): the node's name and host name, so every name is known to the
/// pseudonymizer before any file of the node is written.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub(crate) struct Identity {
    /// The node name as the node decided it.
    #[serde(default)]
    pub node: String,
    /// The host name.
    #[serde(default)]
    pub hostname: String,
}

/// The stderr of a session as it comes: the identity line and the last lines (for the
/// row's reason), bounded.
#[derive(Default)]
struct Stderr {
    identity: Option<Identity>,
    lines: VecDeque<String>,
    ended: bool,
}

/// Reads stderr into `state`, waking waiters on the identity line and at the end.
fn read_stderr(mut source: impl Read, state: Arc<(Mutex<Stderr>, Condvar)>) {
    const KEPT: usize = 20;
    const LONGEST: usize = 500;
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = [0u8; 8192];
    let push = |line: &[u8], state: &(Mutex<Stderr>, Condvar)| {
        let text = String::from_utf8_lossy(line).trim_end().to_string();
        let mut s = state.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(json) = text.strip_prefix(crate::run::IDENTITY_PREFIX) {
            if s.identity.is_none() {
                s.identity = serde_json::from_str(json.trim()).ok();
                state.1.notify_all();
            }
            return;
        }
        if text.is_empty() || text.starts_with("Warning: Permanently added") {
            return;
        }
        if s.lines.len() == KEPT {
            s.lines.pop_front();
        }
        s.lines.push_back(text.chars().take(LONGEST).collect());
    };
    loop {
        let n = match source.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        pending.extend_from_slice(&buf[..n]);
        while let Some(i) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=i).collect();
            push(&line, &state);
        }
        if pending.len() > 64 * 1024 {
            let line = std::mem::take(&mut pending);
            push(&line, &state);
        }
    }
    if !pending.is_empty() {
        push(&pending, &state);
    }
    let mut s = state.0.lock().unwrap_or_else(|e| e.into_inner());
    s.ended = true;
    state.1.notify_all();
}

/// Names an SSH node: waits (briefly) for its identity line, then claims its name.
struct SshNaming<'s, 'b> {
    shared: &'s Shared<'b>,
    stderr: Arc<(Mutex<Stderr>, Condvar)>,
    target: &'s SshTarget,
    deadline: Instant,
}

/// How long a node's identity line is waited for once its archive has started.
const IDENTITY_WAIT: Duration = Duration::from_secs(5);

impl Naming for SshNaming<'_, '_> {
    fn name(&mut self, remote: &str) -> Result<String, super::AlreadyCollected> {
        let until = (Instant::now() + IDENTITY_WAIT).min(self.deadline);
        let (lock, cv) = &*self.stderr;
        let mut s = lock.lock().unwrap_or_else(|e| e.into_inner());
        while s.identity.is_none() && !s.ended {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            s = cv
                .wait_timeout(s, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        let mut names = vec![self.target.host.clone()];
        if let Some(id) = &s.identity {
            names.push(id.hostname.clone());
            names.push(id.node.clone());
        }
        drop(s);
        names.retain(|n| !n.is_empty());
        self.shared.claim(remote, &names, &self.target.dest)
    }
}

/// Kills a session's whole process group (ssh and any ProxyCommand it started).
fn kill(child: &mut Child) {
    crate::sys::kill_group(child.id());
    let _ = child.kill();
}

/// Waits for the child until `until`, killing it then; its exit code when it exited.
fn reap(child: &mut Child, until: Instant) -> Option<i32> {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.code(),
            Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                kill(child);
                return child.wait().ok().and_then(|s| s.code());
            }
        }
    }
}

/// Starts ssh in its own process group with the three pipes.
fn spawn(program: &Path, argv: &[String], upload: bool) -> std::io::Result<Child> {
    Command::new(program)
        .args(argv)
        .stdin(if upload {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
}

/// Writes the binary to the session's stdin, then closes it (the remote `head -c` ends).
fn feed(mut stdin: impl Write, bytes: Arc<Vec<u8>>) {
    let _ = stdin.write_all(&bytes);
}

/// The merge side of a session; see [`session::run`].
fn merge_session(
    shared: &Shared<'_>,
    reader: &mut stream::DeadlineReader,
    stderr: Arc<(Mutex<Stderr>, Condvar)>,
    target: &SshTarget,
    deadline: Instant,
) -> merge::Merged {
    let mut naming = SshNaming {
        shared,
        stderr,
        target,
        deadline,
    };
    merge::merge(shared.bundle, reader, &mut naming, shared.limits)
}

/// Why a reader stopped, in the row's words.
fn stopped_words(stopped: Option<Stopped>) -> Option<&'static str> {
    match stopped {
        Some(Stopped::Deadline) => Some("timeout"),
        Some(Stopped::Interrupted) => Some("interrupted"),
        None => None,
    }
}

#[cfg(test)]
mod tests;
