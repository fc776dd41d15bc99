//! The node collector: runs the node commands, copies the node files and describes the
//! certificates of one node into `host-collectors/<node>/`, a bounded number at a time.
//!
//! Nothing here stops for one failure: each command, file entry and the certificate scan
//! ends as a row of manifest.json (`ok`, `error`, `timeout`, `skipped`, `truncated`).

pub(crate) mod certificates;
pub(crate) mod commands;
pub(crate) mod files;
pub(crate) mod host;
pub(crate) mod identity;

use crate::bundle::{Added, Bundle, Started};
use crate::interrupt::Interrupt;
use crate::progress::Progress;
use commands::{CommandSettings, Outcome, Plan};
use files::CopyError;
use host::HostRoot;
use kbundle_format::commands::{node_commands, NodeCommand, CERTIFICATE_DIRS, NODE_FILES};
use kbundle_format::layout::{self, CommandPart};
use kbundle_format::manifest::{CollectorRun, CollectorStatus, CommandInfo, NOT_FOUND};
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Everything the node collector needs.
pub(crate) struct NodeCollector<'a> {
    /// Where the node's files are.
    pub host: HostRoot,
    /// The node's name as written in the bundle (a stand-in with `--pseudonymize`).
    pub node: String,
    /// How commands run.
    pub settings: CommandSettings,
    /// How many items run at once.
    pub jobs: usize,
    /// The bundle being written.
    pub bundle: &'a Bundle,
    /// Set by Ctrl-C / SIGTERM.
    pub interrupt: &'a Interrupt,
    /// What the user sees.
    pub progress: &'a Progress,
}

/// One unit of node work.
#[derive(Debug, Clone, Copy)]
enum Item {
    Command(&'static NodeCommand),
    File(&'static str),
    Certificates,
}

impl Item {
    fn name(&self) -> String {
        match self {
            Item::Command(c) => format!("run/{}", c.id),
            Item::File(f) => format!("files/{}", f.trim_start_matches('/')),
            Item::Certificates => "certificates".to_string(),
        }
    }
}

impl NodeCollector<'_> {
    /// Collects everything, recording one manifest row per item. Once interrupted, items
    /// not started are recorded as skipped.
    pub(crate) fn collect(&self) {
        let mut items: Vec<Item> = node_commands().map(Item::Command).collect();
        items.extend(NODE_FILES.iter().map(|f| Item::File(f)));
        items.push(Item::Certificates);
        self.progress
            .phase(&format!("node {}", self.node), items.len() as u64);
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..self.jobs.clamp(1, items.len()) {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(item) = items.get(i) else { break };
                    let name = item.name();
                    self.progress.started(&name);
                    let row = self.collect_item(*item);
                    self.progress.finished(&name, row.status.as_str());
                    self.bundle.record(row);
                });
            }
        });
    }

    fn collect_item(&self, item: Item) -> CollectorRun {
        let started = Started::now();
        if self.interrupt.is_set() {
            if let Item::Command(cmd) = item {
                let info = CommandInfo {
                    error: Some("interrupted before it ran".to_string()),
                    ..CommandInfo::default()
                };
                let _ = self.write_info(cmd, &info, Vec::new());
            }
            return self.row(
                &started,
                item,
                CollectorStatus::Skipped,
                Some("interrupted before it ran".to_string()),
                Added::default(),
            );
        }
        match item {
            Item::Command(cmd) => self.command(cmd, &started),
            Item::File(entry) => self.file(entry, &started),
            Item::Certificates => self.certificates(&started),
        }
    }

    fn row(
        &self,
        started: &Started,
        item: Item,
        status: CollectorStatus,
        error: Option<String>,
        added: Added,
    ) -> CollectorRun {
        started.row(&item.name(), Some(&self.node), status, error, added)
    }

    fn command(&self, cmd: &'static NodeCommand, started: &Started) -> CollectorRun {
        let item = Item::Command(cmd);
        let argv = match commands::plan(cmd, &self.host, &self.settings) {
            Plan::Run(argv) => argv,
            Plan::NotFound => return self.not_run(cmd, started, Vec::new(), NOT_FOUND.to_string()),
            Plan::Unavailable(why) => return self.not_run(cmd, started, Vec::new(), why),
        };
        let path = |part| layout::command_path(&self.node, cmd.id, part);
        let cap = self.settings.max_bytes;
        let scrubbers = self
            .bundle
            .scrubber(path(CommandPart::Stdout), cap)
            .and_then(|o| Ok((o, self.bundle.scrubber(path(CommandPart::Stderr), cap)?)));
        let (out, err) = match scrubbers {
            Ok(s) => s,
            Err(e) => {
                return self.row(
                    started,
                    item,
                    CollectorStatus::Error,
                    Some(format!("cannot spool output: {e}")),
                    Added::default(),
                )
            }
        };
        let outcome = match commands::run(&argv, &self.settings, self.interrupt, out, err) {
            Ok(o) => o,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return self.not_run(cmd, started, argv, NOT_FOUND.to_string())
            }
            Err(e) => {
                let info = CommandInfo {
                    argv: argv.clone(),
                    duration_ms: started.elapsed_ms(),
                    error: Some(format!("cannot start: {e}")),
                    ..CommandInfo::default()
                };
                let added = self.write_info(cmd, &info, Vec::new()).unwrap_or_default();
                return self.row(started, item, CollectorStatus::Error, info.error, added);
            }
        };
        let (status, error) = self.judge(&outcome);
        let truncated = outcome.stdout.content.truncated() || outcome.stderr.content.truncated();
        let info = CommandInfo {
            argv,
            exit_code: outcome.exit_code,
            duration_ms: outcome.duration.as_millis() as u64,
            timed_out: outcome.timed_out,
            truncated,
            error: error.clone(),
        };
        let mut members = vec![outcome.stdout];
        if !outcome.stderr.content.is_empty() {
            members.push(outcome.stderr);
        }
        match self.write_info(cmd, &info, members) {
            Ok(added) => self.row(started, item, status, error, added),
            Err(e) => self.row(
                started,
                item,
                CollectorStatus::Error,
                Some(e.to_string()),
                Added::default(),
            ),
        }
    }

    /// The manifest status of a finished command, and why when it is not `ok`.
    fn judge(&self, o: &Outcome) -> (CollectorStatus, Option<String>) {
        let secs = o.duration.as_secs_f64();
        if o.timed_out {
            return (
                CollectorStatus::Timeout,
                Some(format!(
                    "killed after {} s",
                    self.settings.timeout.as_secs()
                )),
            );
        }
        if o.interrupted {
            return (
                CollectorStatus::Error,
                Some(format!("interrupted: killed after {secs:.1} s")),
            );
        }
        let first_stderr = || {
            let mut head = String::new();
            let _ = o
                .stderr
                .content
                .reader()
                .take(400)
                .read_to_string(&mut head);
            let line = head.lines().next().unwrap_or("").trim().to_string();
            if line.is_empty() {
                String::new()
            } else {
                format!(": {}", line.chars().take(200).collect::<String>())
            }
        };
        match (o.exit_code, o.signal) {
            (Some(0), _) => {}
            // A non-zero exit with output is data (systemctl status exits 3 for a stopped
            // unit); without output it is a failure.
            (Some(code), _) if o.stdout.content.is_empty() => {
                return (
                    CollectorStatus::Error,
                    Some(format!("exit status {code}{}", first_stderr())),
                )
            }
            (Some(_), _) => {}
            (None, Some(sig)) => {
                return (
                    CollectorStatus::Error,
                    Some(format!("killed by signal {sig}")),
                )
            }
            (None, None) => return (CollectorStatus::Error, Some("no exit status".to_string())),
        }
        if o.stdout.content.truncated() || o.stderr.content.truncated() {
            return (CollectorStatus::Truncated, None);
        }
        (CollectorStatus::Ok, None)
    }

    fn not_run(
        &self,
        cmd: &'static NodeCommand,
        started: &Started,
        argv: Vec<String>,
        why: String,
    ) -> CollectorRun {
        let info = CommandInfo {
            argv,
            error: Some(why.clone()),
            ..CommandInfo::default()
        };
        match self.write_info(cmd, &info, Vec::new()) {
            Ok(added) => self.row(
                started,
                Item::Command(cmd),
                CollectorStatus::Skipped,
                Some(why),
                added,
            ),
            Err(e) => self.row(
                started,
                Item::Command(cmd),
                CollectorStatus::Error,
                Some(e.to_string()),
                Added::default(),
            ),
        }
    }

    /// Appends `members` and the command's `-info.json`, together.
    fn write_info(
        &self,
        cmd: &NodeCommand,
        info: &CommandInfo,
        mut members: Vec<crate::bundle::Scrubbed>,
    ) -> std::io::Result<Added> {
        let json = serde_json::to_vec_pretty(info).map_err(std::io::Error::other)?;
        let path = layout::command_path(&self.node, cmd.id, CommandPart::Info);
        members.push(self.bundle.scrub_bytes(path, &json)?);
        self.bundle.add(&members)
    }

    fn file(&self, entry: &'static str, started: &Started) -> CollectorRun {
        let item = Item::File(entry);
        let paths = match files::expand(&self.host, entry) {
            Ok(p) => p,
            Err(CopyError::Absent(why)) => {
                return self.row(
                    started,
                    item,
                    CollectorStatus::Skipped,
                    Some(why),
                    Added::default(),
                )
            }
            Err(CopyError::Failed(why)) => {
                return self.row(
                    started,
                    item,
                    CollectorStatus::Error,
                    Some(why),
                    Added::default(),
                )
            }
        };
        let mut members = Vec::new();
        let mut truncated = false;
        let mut failures = Vec::new();
        let mut absent = Vec::new();
        for p in &paths {
            if self.interrupt.is_set() {
                failures.push(format!("{p}: interrupted before it was copied"));
                continue;
            }
            match files::copy(
                &self.host,
                self.bundle,
                &self.node,
                p,
                self.settings.max_bytes,
            ) {
                Ok(c) => {
                    truncated |= c.truncated;
                    members.push(c.member);
                }
                Err(CopyError::Absent(why)) => absent.push(why),
                Err(CopyError::Failed(why)) => failures.push(why),
            }
        }
        let added = match self.bundle.add(&members) {
            Ok(a) => a,
            Err(e) => {
                return self.row(
                    started,
                    item,
                    CollectorStatus::Error,
                    Some(e.to_string()),
                    Added::default(),
                )
            }
        };
        let (status, error) = if !failures.is_empty() {
            (CollectorStatus::Error, Some(failures.join("; ")))
        } else if members.is_empty() {
            let why = absent
                .first()
                .cloned()
                .unwrap_or_else(|| "no files".to_string());
            (CollectorStatus::Skipped, Some(why))
        } else if truncated {
            (CollectorStatus::Truncated, None)
        } else {
            (CollectorStatus::Ok, None)
        };
        self.row(started, item, status, error, added)
    }

    fn certificates(&self, started: &Started) -> CollectorRun {
        let item = Item::Certificates;
        let scan = certificates::scan(&self.host, CERTIFICATE_DIRS);
        if scan.dirs_found == 0 {
            return self.row(
                started,
                item,
                CollectorStatus::Skipped,
                Some(format!(
                    "no certificate directory ({})",
                    CERTIFICATE_DIRS.join(", ")
                )),
                Added::default(),
            );
        }
        let written = serde_json::to_vec_pretty(&scan.records)
            .map_err(std::io::Error::other)
            .and_then(|json| {
                self.bundle
                    .scrub_bytes(layout::certificates_path(&self.node), &json)
            })
            .and_then(|m| self.bundle.add(&[m]));
        match written {
            Ok(added) if scan.failures.is_empty() => {
                self.row(started, item, CollectorStatus::Ok, None, added)
            }
            Ok(added) => self.row(
                started,
                item,
                CollectorStatus::Error,
                Some(scan.failures.join("; ")),
                added,
            ),
            Err(e) => self.row(
                started,
                item,
                CollectorStatus::Error,
                Some(e.to_string()),
                Added::default(),
            ),
        }
    }
}
