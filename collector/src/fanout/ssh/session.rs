//! One SSH session: ssh started in its own process group, its stdout pumped through the
//! deadline channel into the merge, its stderr kept for the identity line and the reason,
//! and at the end ssh reaped or killed, never waited for past the node's deadline.
//!
//! The pumps are detached threads: a ControlMaster (or anything else ssh handed its pipes
//! to) may keep them open after ssh is gone, and the merge must not wait for that.

use super::{kill, merge_session, reap, spawn, stopped_words, SshTarget, Stderr};
use crate::fanout::merge::Merged;
use crate::fanout::stream::{self, Stopped};
use crate::fanout::{human, Shared};
use crate::interrupt::Interrupt;
use kbundle_format::manifest::CollectorStatus;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// What one session needs.
pub(super) struct Session<'a, 'b> {
    pub(super) program: &'a Path,
    pub(super) argv: &'a [String],
    pub(super) upload: Option<Arc<Vec<u8>>>,
    pub(super) deadline: Instant,
    pub(super) interrupt: &'a Interrupt,
    pub(super) shared: &'a Shared<'b>,
    pub(super) target: &'a SshTarget,
}

/// How a session went.
pub(super) struct Outcome {
    pub(super) merged: Merged,
    pub(super) exit: Option<i32>,
    pub(super) spawn_error: Option<String>,
    pub(super) stopped: Option<Stopped>,
    pub(super) last_line: Option<String>,
    pub(super) received: u64,
}

/// Runs the session to its end (or the deadline).
pub(super) fn run(s: Session<'_, '_>) -> Outcome {
    let mut child = match spawn(s.program, s.argv, s.upload.is_some()) {
        Ok(c) => c,
        Err(e) => {
            return Outcome {
                merged: Merged::default(),
                exit: None,
                spawn_error: Some(format!("cannot run {}: {e}", s.program.display())),
                stopped: None,
                last_line: None,
                received: 0,
            }
        }
    };
    let (tx, mut reader) = stream::channel(s.deadline, s.interrupt.clone());
    if let Some(mut stdout) = child.stdout.take() {
        std::thread::spawn(move || tx.pump(&mut stdout));
    }
    let state = Arc::new((Mutex::new(Stderr::default()), Condvar::new()));
    if let Some(stderr) = child.stderr.take() {
        let st = Arc::clone(&state);
        std::thread::spawn(move || super::read_stderr(stderr, st));
    }
    if let (Some(bytes), Some(stdin)) = (s.upload, child.stdin.take()) {
        std::thread::spawn(move || super::feed(stdin, bytes));
    }
    let merged = merge_session(
        s.shared,
        &mut reader,
        Arc::clone(&state),
        s.target,
        s.deadline,
    );
    let stopped = reader.stopped();
    let received = reader.received();
    drop(reader);
    let now = Instant::now();
    let grace = if stopped.is_some() || (merged.error.is_some() && !merged.complete) {
        Duration::ZERO
    } else if merged.complete {
        Duration::from_secs(5)
    } else {
        Duration::from_secs(2)
    };
    let until = (now + grace).min(s.deadline.max(now));
    let exit = if grace.is_zero() {
        kill(&mut child);
        reap(&mut child, now)
    } else {
        reap(&mut child, until)
    };
    // ssh's own last words come on stderr as it exits: give the reader a moment.
    let last_line = {
        let (lock, cv) = &*state;
        let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
        let until = Instant::now() + Duration::from_secs(1);
        while !st.ended {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            st = cv
                .wait_timeout(st, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        st.lines.back().cloned()
    };
    Outcome {
        merged,
        exit,
        spawn_error: None,
        stopped,
        last_line,
        received,
    }
}

/// The `node/<name>` row's status and reason for a session.
pub(super) fn verdict(o: &Outcome, node_timeout: Duration) -> (CollectorStatus, Option<String>) {
    if let Some(e) = &o.spawn_error {
        return (CollectorStatus::Error, Some(e.clone()));
    }
    if o.merged.complete {
        if o.merged.remote_interrupted {
            return (
                CollectorStatus::Error,
                Some("the node's own run was interrupted: its data is partial".to_string()),
            );
        }
        return (CollectorStatus::Ok, None);
    }
    if o.merged.remote_name.is_some() && o.merged.name.is_none() {
        // Refused by name: the same node reached twice.
        return (CollectorStatus::Skipped, o.merged.error.clone());
    }
    let said = o
        .last_line
        .as_deref()
        .map(|l| format!(": {l}"))
        .unwrap_or_default();
    match stopped_words(o.stopped) {
        Some("timeout") => {
            return (
                CollectorStatus::Timeout,
                Some(format!(
                    "no complete result after --node-timeout {} ({} received){said}",
                    human(node_timeout),
                    bytes(o.received)
                )),
            )
        }
        Some(_) => {
            return (
                CollectorStatus::Error,
                Some(format!("interrupted ({} received)", bytes(o.received))),
            )
        }
        None => {}
    }
    let why = match (o.exit, &o.last_line, &o.merged.error) {
        (Some(255), Some(line), _) => line.clone(),
        (_, _, Some(e)) if o.received > 0 => match &o.last_line {
            Some(line) => format!("{e} ({line})"),
            None => e.clone(),
        },
        (_, Some(line), _) => line.clone(),
        (_, None, Some(e)) => e.clone(),
        (_, None, None) => "no result".to_string(),
    };
    let code = match o.exit {
        Some(255) => " (ssh exit status 255)".to_string(),
        Some(c) => format!(" (exit status {c})"),
        None => " (killed)".to_string(),
    };
    (CollectorStatus::Error, Some(format!("{why}{code}")))
}

fn bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / 1048576.0)
    } else {
        format!("{n} bytes")
    }
}
