//! Container logs: current, and previous for a container that restarted; each capped at
//! `--max-log-bytes` keeping the newest part. The API can only cut a log from its start
//! (`limitBytes`) or keep its last lines (`tailLines`), so the collector asks for the last
//! `cap / 128` lines, and when that many lines came back but fewer bytes than the cap, asks
//! once more for as many lines as the cap holds at the average line length seen. The body
//! streams into a capped spool (newest kept), then through redaction into the bundle.
//!
//! A log that cannot be fetched is a manifest row, never a failure of the run. After two
//! failures on one node that look like its kubelet is down (5xx, timeout), that node's other
//! logs are not asked for: each would wait for the same timeout.

use super::client::{ApiError, Retry};
use super::discovery::escape;
use super::pods::PodRecord;
use super::Context;
use crate::bundle::{Added, Started};
use kbundle_format::layout;
use kbundle_format::manifest::{CollectorRun, CollectorStatus};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

/// How logs are fetched.
#[derive(Debug, Clone, Copy)]
pub struct LogSettings {
    /// Per container log, newest kept (`u64::MAX`: no cap).
    pub cap: u64,
    /// `sinceSeconds`.
    pub since_secs: Option<u64>,
    /// Stop fetching logs once the bundle holds this many (uncompressed) bytes.
    pub max_bundle_bytes: u64,
}

/// One log to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogJob {
    /// Namespace.
    pub namespace: String,
    /// Pod.
    pub pod: String,
    /// Container.
    pub container: String,
    /// The previous instance.
    pub previous: bool,
    /// The pod's node.
    pub node: Option<String>,
}

/// Every log of the selected pods, current before previous.
pub(crate) fn jobs(pods: &[PodRecord]) -> Vec<LogJob> {
    let mut out = Vec::new();
    for p in pods {
        for c in &p.containers {
            for previous in [false, true] {
                if previous && !c.previous {
                    continue;
                }
                out.push(LogJob {
                    namespace: p.namespace.clone(),
                    pod: p.name.clone(),
                    container: c.name.clone(),
                    previous,
                    node: p.node.clone(),
                });
            }
        }
    }
    out
}

enum Outcome {
    Fetched { added: Added, truncated: bool },
    Failed(ApiError),
    NodeDown,
    OverBudget,
    Interrupted,
}

/// Failures per node, to stop asking a node whose kubelet is down.
#[derive(Default)]
struct Breaker {
    nodes: Mutex<BTreeMap<String, (u32, String, u64)>>,
}

impl Breaker {
    const TRIPS_AFTER: u32 = 2;

    fn is_open(&self, node: &str) -> bool {
        let mut nodes = self.nodes.lock().unwrap_or_else(|e| e.into_inner());
        match nodes.get_mut(node) {
            Some((n, _, skipped)) if *n >= Self::TRIPS_AFTER => {
                *skipped += 1;
                true
            }
            _ => false,
        }
    }

    fn failed(&self, node: &str, e: &ApiError) {
        let kubelet_like =
            matches!(e, ApiError::Timeout(_)) || e.code().is_some_and(|c| (500..600).contains(&c));
        if !kubelet_like {
            return;
        }
        let mut nodes = self.nodes.lock().unwrap_or_else(|e| e.into_inner());
        let entry = nodes
            .entry(node.to_string())
            .or_insert_with(|| (0, e.to_string(), 0));
        entry.0 += 1;
    }
}

/// Fetches every log of `jobs`, `concurrency` at a time, and returns the manifest rows: one
/// for all logs, one per log that failed, one per node given up on, one for logs skipped.
pub(crate) async fn fetch_all(
    ctx: &Context<'_, '_>,
    jobs: Vec<LogJob>,
    settings: LogSettings,
    concurrency: usize,
) -> Vec<CollectorRun> {
    let started = Started::now();
    let breaker = Breaker::default();
    let total = jobs.len();
    ctx.progress.phase("cluster logs", total as u64);
    let outcomes = super::bounded(
        jobs.iter().map(|job| {
            let breaker = &breaker;
            async move {
                let item = format!("{}/{}/{}", job.namespace, job.pod, job.container);
                ctx.progress.started(&item);
                let outcome = fetch_one(ctx, job, settings, breaker).await;
                ctx.counters.logs.fetch_add(1, Ordering::Relaxed);
                ctx.progress.advance();
                outcome
            }
        }),
        concurrency,
    )
    .await;

    let mut rows = Vec::new();
    let mut added = Added::default();
    let (mut truncated, mut failed, mut over, mut interrupted) = (0u64, 0u64, 0u64, 0u64);
    for (job, outcome) in jobs.iter().zip(outcomes) {
        let path = layout::pod_log_path(&job.namespace, &job.pod, &job.container, job.previous);
        match outcome {
            Outcome::Fetched {
                added: a,
                truncated: t,
            } => {
                added.files += a.files;
                added.bytes += a.bytes;
                truncated += u64::from(t);
            }
            Outcome::Failed(e) => {
                failed += 1;
                let status = match e {
                    ApiError::Timeout(_) => CollectorStatus::Timeout,
                    ApiError::Status { code: 403, .. } => CollectorStatus::Forbidden,
                    _ => CollectorStatus::Error,
                };
                rows.push(started.row(
                    path.as_str(),
                    None,
                    status,
                    Some(e.to_string()),
                    Added::default(),
                ));
            }
            Outcome::NodeDown => {}
            Outcome::OverBudget => over += 1,
            Outcome::Interrupted => interrupted += 1,
        }
    }
    let nodes = breaker
        .nodes
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    for (node, (_, first, skipped)) in nodes.iter().filter(|(_, v)| v.2 > 0) {
        failed += skipped;
        rows.push(started.row(
            &format!("{}/pods/logs (node {node})", layout::CLUSTER_RESOURCES),
            None,
            CollectorStatus::Error,
            Some(format!(
                "{skipped} logs of pods on {node} not fetched: its kubelet did not answer twice (first: {first})"
            )),
            Added::default(),
        ));
    }
    if over > 0 {
        rows.push(started.row(
            &format!("{}/pods/logs (over budget)", layout::CLUSTER_RESOURCES),
            None,
            CollectorStatus::Skipped,
            Some(format!(
                "{over} logs not fetched: the bundle reached --max-bundle-bytes ({} bytes)",
                settings.max_bundle_bytes
            )),
            Added::default(),
        ));
    }
    if interrupted > 0 {
        rows.push(started.row(
            &format!("{}/pods/logs (interrupted)", layout::CLUSTER_RESOURCES),
            None,
            CollectorStatus::Skipped,
            Some(format!("{interrupted} logs not fetched: interrupted")),
            Added::default(),
        ));
    }
    let fetched = total as u64 - failed - over - interrupted;
    let (status, note) = if failed > 0 {
        (
            CollectorStatus::Error,
            Some(format!(
                "{failed} of {total} logs could not be fetched (rows below)"
            )),
        )
    } else if truncated > 0 {
        (
            CollectorStatus::Truncated,
            Some(format!("{truncated} logs cut to the cap, newest part kept")),
        )
    } else {
        (CollectorStatus::Ok, None)
    };
    let mut summary = vec![started.row(
        &format!("{}/pods/logs", layout::CLUSTER_RESOURCES),
        None,
        status,
        note.map(|n| format!("{n}; {fetched} fetched")),
        added,
    )];
    summary.extend(rows);
    summary
}

async fn fetch_one<'s>(
    ctx: &Context<'_, 's>,
    job: &LogJob,
    settings: LogSettings,
    breaker: &Breaker,
) -> Outcome {
    if ctx.interrupt.is_set() {
        return Outcome::Interrupted;
    }
    if let Some(node) = &job.node {
        if breaker.is_open(node) {
            return Outcome::NodeDown;
        }
    }
    if ctx.bundle.bytes() >= settings.max_bundle_bytes {
        return Outcome::OverBudget;
    }
    let mut base = format!(
        "/api/v1/namespaces/{}/pods/{}/log?container={}",
        escape(&job.namespace),
        escape(&job.pod),
        escape(&job.container)
    );
    if job.previous {
        base.push_str("&previous=true");
    }
    if let Some(s) = settings.since_secs {
        base.push_str(&format!("&sinceSeconds={s}"));
    }
    let first_tail = (settings.cap != u64::MAX).then(|| (settings.cap / 128).max(100));
    let mut got = match fetch_raw(ctx, &base, first_tail, settings.cap).await {
        Ok(g) => g,
        Err(e) => return failure(job, breaker, e),
    };
    if let Some(tail) = first_tail {
        if got.lines >= tail && got.bytes < settings.cap {
            // More lines than asked for exist and the cap has room: ask for as many lines as
            // it holds at this log's average line length.
            let avg = (got.bytes / got.lines.max(1)).max(1);
            let wanted = (settings.cap / avg).saturating_mul(105) / 100 + 1;
            if wanted > tail {
                match fetch_raw(ctx, &base, Some(wanted), settings.cap).await {
                    Ok(g) => got = g,
                    Err(ApiError::Interrupted) => return Outcome::Interrupted,
                    // Keep the first, shorter answer.
                    Err(_) => {}
                }
            }
        }
    }
    let truncated = got.spooled.truncated() || got.tail.is_some_and(|t| got.lines >= t);
    let path = layout::pod_log_path(&job.namespace, &job.pod, &job.container, job.previous);
    let bundle = ctx.bundle;
    let cap = settings.cap;
    let spooled = got.spooled;
    let written = ctx
        .workers
        .run(move || {
            let member = bundle.scrub(path, &mut spooled.reader(), cap)?;
            bundle.add(&[member])
        })
        .await;
    match written {
        Ok(added) => Outcome::Fetched { added, truncated },
        Err(e) => Outcome::Failed(ApiError::Transport(format!("writing the log: {e}"))),
    }
}

fn failure(job: &LogJob, breaker: &Breaker, e: ApiError) -> Outcome {
    if e == ApiError::Interrupted {
        return Outcome::Interrupted;
    }
    if let Some(node) = &job.node {
        breaker.failed(node, &e);
    }
    Outcome::Failed(e)
}

struct Raw {
    spooled: crate::archive::spool::Spooled,
    bytes: u64,
    lines: u64,
    tail: Option<u64>,
}

async fn fetch_raw(
    ctx: &Context<'_, '_>,
    base: &str,
    tail: Option<u64>,
    cap: u64,
) -> Result<Raw, ApiError> {
    let url = match tail {
        Some(t) => format!("{base}&tailLines={t}"),
        None => base.to_string(),
    };
    let mut spool = ctx
        .bundle
        .spool(cap)
        .map_err(|e| ApiError::Transport(format!("cannot spool the log: {e}")))?;
    let mut lines = 0u64;
    let streamed = ctx
        .api
        .stream(&url, Retry::Throttling, |chunk| {
            lines += memchr::memchr_iter(b'\n', chunk).count() as u64;
            spool.write(chunk)
        })
        .await?;
    let spooled = spool
        .finish()
        .map_err(|e| ApiError::Transport(format!("cannot spool the log: {e}")))?;
    Ok(Raw {
        spooled,
        bytes: streamed.bytes,
        lines,
        tail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::pods::ContainerLogs;

    #[test]
    fn previous_logs_only_for_restarted_containers() {
        let pod = PodRecord {
            namespace: "a".into(),
            name: "p".into(),
            node: None,
            containers: vec![
                ContainerLogs {
                    name: "app".into(),
                    previous: true,
                },
                ContainerLogs {
                    name: "side".into(),
                    previous: false,
                },
            ],
            reason: None,
        };
        let j: Vec<(String, bool)> = jobs(&[pod])
            .into_iter()
            .map(|j| (j.container, j.previous))
            .collect();
        assert_eq!(
            j,
            [
                ("app".into(), false),
                ("app".into(), true),
                ("side".into(), false)
            ]
        );
    }

    #[test]
    fn a_node_is_given_up_after_two_kubelet_failures() {
        let b = Breaker::default();
        let e500 = ApiError::Status {
            code: 500,
            message: "dial tcp 10.0.0.3:10250: connect: connection refused".into(),
            retry_after: None,
        };
        let e404 = ApiError::Status {
            code: 404,
            message: String::new(),
            retry_after: None,
        };
        b.failed("w1", &e404);
        b.failed("w1", &e500);
        assert!(!b.is_open("w1"));
        b.failed("w1", &ApiError::Timeout(std::time::Duration::from_secs(1)));
        assert!(b.is_open("w1") && b.is_open("w1"));
        assert!(!b.is_open("w2"));
        assert_eq!(b.nodes.lock().unwrap()["w1"].2, 2);
    }
}
