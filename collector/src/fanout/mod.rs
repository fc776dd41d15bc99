//! Other nodes in the one bundle: the node part run on every selected node, through a
//! temporary DaemonSet ([`daemonset`]) or over SSH ([`ssh`]), each node's result streamed
//! into the bundle being written ([`merge`]) under `host-collectors/<node>/`.
//!
//! Whatever the transport, a node ends as exactly one `node/<name>` manifest row (with its
//! transport, target, status and why), plus the node's own rows when its result arrived: a
//! node that gave nothing is a recorded gap, never a missing row. Nodes run `jobs` at a
//! time, each bounded by `--node-timeout`, so the wall time is set by the slowest node and
//! the transfers, not by their sum; memory stays flat because nothing of a node is held
//! (see [`stream`]).

pub(crate) mod cli;
pub(crate) mod daemonset;
pub(crate) mod kubeapi;
pub(crate) mod merge;
pub(crate) mod nodes;
pub(crate) mod ssh;
pub(crate) mod stream;

use crate::bundle::{Added, Bundle, Started};
use crate::interrupt::Interrupt;
use crate::progress::Progress;
use cli::{FanOut, Transport as Chosen};
use kbundle_format::manifest::{CollectorRun, CollectorStatus, Transport, NODE_ROW_PREFIX};
use merge::Limits;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// How one node ended, for the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeOutcome {
    /// Its name in the bundle.
    pub name: String,
    /// What was reached (SSH destination, agent pod), as written in the manifest.
    pub target: String,
    /// Its `node/<name>` row's status.
    pub status: CollectorStatus,
    /// Why, when it failed.
    pub error: Option<String>,
}

/// What the fan-out did, for the summary.
#[derive(Debug, Clone, Default)]
pub struct FanOutSummary {
    /// `ssh` or `daemonset`.
    pub transport: &'static str,
    /// Every node, in the order they finished.
    pub nodes: Vec<NodeOutcome>,
    /// Lines the user must read (objects left behind, a permission missing).
    pub notes: Vec<String>,
}

/// The end of one node, as a transport reports it.
#[derive(Debug)]
pub(crate) struct NodeReport {
    /// Its name in the bundle (a stand-in with `--pseudonymize`).
    pub name: String,
    /// What was reached; scrubbed before it is written.
    pub target: String,
    /// The transport.
    pub transport: Transport,
    /// `ok`, `error`, `timeout`, `forbidden`, `skipped`.
    pub status: CollectorStatus,
    /// Why; scrubbed before it is written.
    pub error: Option<String>,
    /// When the node's work started.
    pub started: Started,
    /// What its result added to the bundle.
    pub added: Added,
}

/// A node reached a second time (two destinations, or an SSH host and its agent pod, that are
/// one machine): refused, so that one node is never written twice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this is node {node}, already collected through {through}: not collected twice")]
pub(crate) struct AlreadyCollected {
    /// What the node calls itself.
    pub node: String,
    /// The target that collected it first (scrubbed).
    pub through: String,
}

/// What every node's work shares: the bundle, the names already taken, the tallies.
pub(crate) struct Shared<'a> {
    /// The bundle being written.
    pub bundle: &'a Bundle,
    /// What the user sees.
    pub progress: &'a Progress,
    /// Ctrl-C / SIGTERM.
    pub interrupt: &'a Interrupt,
    /// Bounds on one node's result.
    pub limits: Limits,
    /// `--node-timeout`.
    pub node_timeout: Duration,
    names: Mutex<BTreeMap<String, String>>,
    outcomes: Mutex<Vec<NodeOutcome>>,
    running: AtomicUsize,
    failed: AtomicUsize,
    done: AtomicUsize,
}

impl<'a> Shared<'a> {
    /// State for one fan-out into `bundle`.
    pub(crate) fn new(
        bundle: &'a Bundle,
        progress: &'a Progress,
        interrupt: &'a Interrupt,
        limits: Limits,
        node_timeout: Duration,
    ) -> Self {
        Shared {
            bundle,
            progress,
            interrupt,
            limits,
            node_timeout,
            names: Mutex::new(BTreeMap::new()),
            outcomes: Mutex::new(Vec::new()),
            running: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
        }
    }

    /// Takes the bundle name of a node that calls itself `remote` (its host names are
    /// learnt by the pseudonymizer first, so none of its files shows them). A name another
    /// target already took is refused: one node is never written twice.
    pub(crate) fn claim(
        &self,
        remote: &str,
        hostnames: &[String],
        target: &str,
    ) -> Result<String, AlreadyCollected> {
        let name = self.bundle_name(remote, hostnames);
        let mut names = self.names.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(other) = names.get(&name) {
            return Err(AlreadyCollected {
                node: remote.to_string(),
                through: self.bundle.scrub_text(other),
            });
        }
        names.insert(name.clone(), target.to_string());
        Ok(name)
    }

    /// The name in the bundle of a node known as `remote`, once its names are learnt.
    pub(crate) fn bundle_name(&self, remote: &str, hostnames: &[String]) -> String {
        match self.bundle.pseudonyms() {
            Some(ps) => {
                let mut all = vec![remote.to_string()];
                all.extend(hostnames.iter().cloned());
                let shorts: Vec<String> = all
                    .iter()
                    .filter(|n| n.parse::<std::net::IpAddr>().is_err())
                    .filter_map(|n| n.split_once('.').map(|(s, _)| s.to_string()))
                    .collect();
                all.extend(shorts);
                all.retain(|n| n.parse::<std::net::IpAddr>().is_err());
                ps.learn_hostnames(&all);
                ps.hostname(remote)
            }
            None => remote.to_string(),
        }
    }

    /// The fan-out starts `total` nodes.
    pub(crate) fn begin(&self, total: usize) {
        self.progress.phase("nodes", total as u64);
        self.show("");
    }

    /// A node's work started.
    pub(crate) fn node_started(&self, label: &str) {
        self.running.fetch_add(1, Ordering::SeqCst);
        self.show(label);
    }

    /// A node ended: its `node/<name>` row is recorded and the tallies move.
    pub(crate) fn node_finished(&self, report: NodeReport, was_running: bool) {
        if was_running {
            self.running.fetch_sub(1, Ordering::SeqCst);
        }
        self.done.fetch_add(1, Ordering::SeqCst);
        if report.status.is_gap() {
            self.failed.fetch_add(1, Ordering::SeqCst);
        }
        let target = self.bundle.scrub_text(&report.target);
        let error = report.error.map(|e| self.bundle.scrub_text(&one_line(&e)));
        let mut row: CollectorRun = report.started.row(
            &format!("{NODE_ROW_PREFIX}{}", report.name),
            Some(&report.name),
            report.status,
            error.clone(),
            report.added,
        );
        row.transport = Some(report.transport);
        row.target = Some(target.clone());
        self.bundle.record(row);
        self.progress.finished(
            &format!("{NODE_ROW_PREFIX}{}", report.name),
            report.status.as_str(),
        );
        self.show("");
        self.outcomes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(NodeOutcome {
                name: report.name,
                target,
                status: report.status,
                error,
            });
    }

    /// Every node's outcome so far.
    pub(crate) fn outcomes(&self) -> Vec<NodeOutcome> {
        self.outcomes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn show(&self, current: &str) {
        let text = format!(
            "done {} · running {} · failed {}{}{}",
            self.done.load(Ordering::SeqCst),
            self.running.load(Ordering::SeqCst),
            self.failed.load(Ordering::SeqCst),
            if current.is_empty() { "" } else { " · " },
            current
        );
        self.progress.message(&text);
    }
}

/// Runs `work` on every item, `jobs` at a time; returns when all are done.
pub(crate) fn pool<T: Send>(items: Vec<T>, jobs: usize, work: impl Fn(T) + Sync) {
    let queue = Mutex::new(items.into_iter());
    let workers = jobs.max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                let Some(item) = next else { break };
                work(item);
            });
        }
    });
}

/// The fan-out before the bundle exists: destinations parsed, nodes listed (for
/// `--daemonset` and `--ssh-from-api`), so the pseudonymizer can know every node's names
/// before the first file is written.
pub(crate) enum Prepared {
    /// Over SSH.
    Ssh(ssh::Prepared),
    /// Through a DaemonSet.
    DaemonSet(Box<daemonset::Prepared>),
}

/// Prepares the fan-out: reads what must be known before writing (no object is created).
pub(crate) fn prepare(
    fanout: &FanOut,
    api: &crate::cluster::client::ApiSettings,
    interrupt: &Interrupt,
) -> Prepared {
    match &fanout.transport {
        Chosen::Ssh {
            options,
            targets,
            from_api,
        } => Prepared::Ssh(ssh::Prepared::new(
            fanout, options, targets, *from_api, api, interrupt,
        )),
        Chosen::DaemonSet(options) => Prepared::DaemonSet(Box::new(daemonset::Prepared::new(
            fanout, options, api, interrupt,
        ))),
    }
}

impl Prepared {
    /// Host names and addresses of the nodes known so far, for the pseudonymizer.
    pub(crate) fn hostnames(&self) -> Vec<String> {
        match self {
            Prepared::Ssh(p) => p.hostnames(),
            Prepared::DaemonSet(p) => p.hostnames(),
        }
    }

    /// Collects every node into the bundle; every node ends as a row.
    pub(crate) fn run(self, shared: &Shared<'_>) -> FanOutSummary {
        match self {
            Prepared::Ssh(p) => p.run(shared),
            Prepared::DaemonSet(p) => p.run(shared),
        }
    }
}

/// Only the first line of a message, bounded, for a manifest row.
pub(crate) fn one_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut out: String = line.chars().take(500).collect();
    if line.chars().count() > 500 {
        out.push('…');
    }
    out
}

/// `10m`, `45s`, `1h30m`: a duration as the user wrote it, for messages.
pub(crate) fn human(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_bounded_line_and_durations_read_as_written() {
        assert_eq!(one_line("\n  first \nsecond"), "first");
        assert_eq!(one_line(&"x".repeat(600)).chars().count(), 501);
        assert_eq!(human(Duration::from_secs(600)), "10m");
        assert_eq!(human(Duration::from_secs(20)), "20s");
        assert_eq!(human(Duration::from_secs(90)), "1m30s");
        assert_eq!(human(Duration::from_secs(5400)), "1h30m");
    }

    #[test]
    fn the_pool_runs_everything_at_most_jobs_at_once() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let seen = Mutex::new(Vec::new());
        pool((0..20).collect(), 3, |i: u32| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(10));
            seen.lock().unwrap().push(i);
            running.fetch_sub(1, Ordering::SeqCst);
        });
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        assert_eq!(seen, (0..20).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 3);
    }
}
