//! The cluster part: everything the Kubernetes API tells, read with `GET` only, into the
//! `cluster-info/` and `cluster-resources/` parts of the bundle.
//!
//! In order: [`client`] finds the server and makes every request (deadlines, retries, the
//! [`ratelimit`]); `GET /version` tells within the connect timeout whether the server is there
//! (when it is not, the manifest says why and the node part's bundle is still written);
//! [`discovery`] finds every resource; [`kinds`] lists each one through [`pages`] and
//! [`lists`] (paged, streamed into the bundle; Secrets via [`secrets`]); [`events`] and [`pods`] note, on
//! the way past, which pods' logs to fetch; [`logs`] fetches them. Network waits run on a
//! small tokio runtime, decoding and compression on [`workers`] threads.

pub(crate) mod client;
pub(crate) mod discovery;
pub(crate) mod events;
pub(crate) mod kinds;
pub(crate) mod lists;
pub(crate) mod logs;
pub(crate) mod pages;
pub(crate) mod pods;
pub(crate) mod ratelimit;
pub(crate) mod secrets;
pub(crate) mod workers;

use crate::bundle::{Added, Bundle, Started};
use crate::interrupt::Interrupt;
use crate::progress::Progress;
use client::{Api, ApiError, ApiSettings, Retry, Target};
use discovery::Resource;
use events::WarnedPods;
use futures::StreamExt;
use kbundle_format::layout;
use kbundle_format::manifest::{ClusterAccess, CollectorStatus};
use pods::{PodIndex, PodRecord};
use serde_json::Value;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use workers::Workers;

/// What the cluster part is asked to do.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Connection and politeness.
    pub api: ApiSettings,
    /// `-n`: only these namespaces (empty: all).
    pub namespaces: Vec<String>,
    /// Lists and logs in flight at once.
    pub jobs: usize,
    /// How logs are fetched.
    pub logs: logs::LogSettings,
    /// `--all-logs`.
    pub all_logs: bool,
    /// `--big-cluster-pods`.
    pub big_cluster_pods: u64,
}

/// Live counts for the progress line.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Objects written.
    pub objects: AtomicU64,
    /// Kinds listed.
    pub kinds: AtomicU64,
    /// Logs fetched or given up.
    pub logs: AtomicU64,
}

/// What a list's items are shown to before they are written.
#[derive(Clone, Copy)]
pub(crate) enum Observer<'a> {
    /// Nobody.
    Nothing,
    /// The log selection (pods).
    Pods(&'a PodIndex<'a>),
    /// The Warning-event tally (core events).
    Events(&'a WarnedPods),
    /// The namespace names (namespaces).
    Namespaces(&'a Mutex<Vec<String>>),
}

impl Observer<'_> {
    /// Shows one item.
    pub(crate) fn observe(&self, item: &Value) {
        match self {
            Observer::Nothing => {}
            Observer::Pods(index) => index.observe(item),
            Observer::Events(w) => w.observe(item),
            Observer::Namespaces(names) => {
                if let Some(n) = item.pointer("/metadata/name").and_then(Value::as_str) {
                    names
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(n.to_string());
                }
            }
        }
    }
}

/// Shared by the tasks of one collection. `'s` is the worker threads' scope: what jobs
/// borrow (the bundle, the tallies) lives at least that long.
pub(crate) struct Context<'b, 's> {
    /// The API.
    pub api: &'s Api,
    /// The bundle.
    pub bundle: &'s Bundle,
    /// CPU work.
    pub workers: &'b Workers<'s>,
    /// Counts for the progress line.
    pub counters: &'s Counters,
    /// What the user sees.
    pub progress: &'s Progress,
    /// Ctrl-C.
    pub interrupt: &'s Interrupt,
    /// Pods named in Warning events.
    pub warned: &'s WarnedPods,
    /// The log selection, filled while pods are listed.
    pub pods: &'s PodIndex<'s>,
    /// Namespace names, filled while namespaces are listed.
    pub names: &'s Mutex<Vec<String>>,
}

/// Runs futures `limit` at a time; results in input order.
pub(crate) async fn bounded<F: Future>(
    futures: impl Iterator<Item = F>,
    limit: usize,
) -> Vec<F::Output> {
    futures::stream::iter(futures)
        .buffered(limit.max(1))
        .collect()
        .await
}

/// The cluster part before it starts: the runtime and where the server is.
pub(crate) struct Cluster {
    runtime: tokio::runtime::Runtime,
    target: Result<Target, client::ClientError>,
    options: ClusterOptions,
}

/// What the cluster part did, for the summary.
#[derive(Debug, Default, Clone)]
pub struct ClusterSummary {
    /// How the server answered.
    pub access: ClusterAccess,
    /// Requests made (retries included).
    pub requests: u64,
    /// Requests that were retries.
    pub retried: u64,
    /// Objects written.
    pub objects: u64,
    /// Pods listed.
    pub pods: u64,
    /// Logs asked for.
    pub logs: u64,
    /// The big-cluster log selection was used.
    pub big: bool,
}

impl Cluster {
    /// Finds the server (no request yet). Fails only when no runtime can be made.
    pub(crate) fn prepare(options: ClusterOptions) -> std::io::Result<Cluster> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kbundle-api")
            .enable_all()
            .build()?;
        let target = runtime.block_on(client::resolve(&options.api));
        Ok(Cluster {
            runtime,
            target,
            options,
        })
    }

    /// The kubeconfig's name of the cluster, for the bundle's name.
    pub(crate) fn name(&self) -> Option<&str> {
        self.target.as_ref().ok().and_then(|t| t.cluster.as_deref())
    }

    /// Collects everything into `bundle`; every failure becomes a manifest row.
    pub(crate) fn collect(
        self,
        bundle: &Bundle,
        progress: &Progress,
        interrupt: &Interrupt,
    ) -> ClusterSummary {
        let started = Started::now();
        let target = match self.target {
            Ok(t) => t,
            Err(why) => return unreachable(bundle, &started, None, None, why.to_string()),
        };
        // kube's client spawns its connection tasks: it must be made inside the runtime.
        let entered = self.runtime.enter();
        let api = match Api::new(&target, &self.options.api, interrupt.clone()) {
            Ok(a) => a,
            Err(why) => {
                return unreachable(
                    bundle,
                    &started,
                    Some(&target.server),
                    target.context.clone(),
                    why.to_string(),
                )
            }
        };
        drop(entered);
        let counters = Counters::default();
        let runtime = self.runtime;
        let options = self.options;
        let warned = WarnedPods::default();
        let since = options.logs.since_secs.and_then(|s| {
            jiff::Timestamp::now()
                .checked_sub(jiff::SignedDuration::from_secs(i64::try_from(s).ok()?))
                .ok()
        });
        let index = PodIndex::new(options.big_cluster_pods, options.all_logs, since, &warned);
        let names = Mutex::new(Vec::new());
        let mut summary = std::thread::scope(|scope| {
            let workers = Workers::start(scope, 2);
            let ctx = Context {
                api: &api,
                bundle,
                workers: &workers,
                counters: &counters,
                progress,
                interrupt,
                warned: &warned,
                pods: &index,
                names: &names,
            };
            let s = runtime.block_on(run(&ctx, &target, &options));
            workers.close();
            s
        });
        runtime.shutdown_timeout(Duration::from_secs(1));
        summary.requests = api.requests();
        summary.retried = api.retried();
        summary.objects = counters.objects.load(Ordering::Relaxed);
        bundle.set_cluster(summary.access.clone());
        summary
    }
}

fn unreachable(
    bundle: &Bundle,
    started: &Started,
    server: Option<&str>,
    context: Option<String>,
    why: String,
) -> ClusterSummary {
    bundle.record(started.row(
        layout::CLUSTER_VERSION,
        None,
        CollectorStatus::Error,
        Some(format!("API server not reached: {why}")),
        Added::default(),
    ));
    let access = ClusterAccess {
        reachable: false,
        server: server.map(str::to_string),
        context,
        version: None,
        error: Some(why),
    };
    bundle.set_cluster(access.clone());
    ClusterSummary {
        access,
        ..ClusterSummary::default()
    }
}

async fn run<'s>(
    ctx: &Context<'_, 's>,
    target: &Target,
    options: &ClusterOptions,
) -> ClusterSummary {
    let started = Started::now();
    let mut summary = ClusterSummary {
        access: ClusterAccess {
            reachable: true,
            server: Some(target.server.clone()),
            context: target.context.clone(),
            version: None,
            error: None,
        },
        ..ClusterSummary::default()
    };
    // 1. Is anyone there? Within the connect timeout, retried only when refused or reset.
    ctx.progress.phase("cluster", 1);
    ctx.progress.started("GET /version");
    match ctx
        .api
        .get_within("/version", Retry::Connect, options.api.connect_timeout)
        .await
    {
        Ok(body) => {
            summary.access.version = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
                v.get("gitVersion")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
            write_json(ctx, &started, layout::CLUSTER_VERSION, &body);
        }
        Err(e @ (ApiError::Transport(_) | ApiError::Timeout(_) | ApiError::Interrupted)) => {
            let mut s = unreachable(
                ctx.bundle,
                &started,
                Some(&target.server),
                target.context.clone(),
                e.to_string(),
            );
            s.access.server = Some(target.server.clone());
            return s;
        }
        Err(e) => {
            // It answered, but not /version (401, 403): say so and try the rest anyway.
            summary.access.error = Some(e.to_string());
            ctx.bundle.record(started.row(
                layout::CLUSTER_VERSION,
                None,
                if e.is_forbidden() {
                    CollectorStatus::Forbidden
                } else {
                    CollectorStatus::Error
                },
                Some(e.to_string()),
                Added::default(),
            ));
        }
    }
    ctx.progress.finished("GET /version", "ok");

    // 2. Discovery.
    let started = Started::now();
    let found = match discovery::discover(ctx.api, options.jobs).await {
        Ok(d) => d,
        Err(e) => {
            ctx.bundle.record(started.row(
                layout::RESOURCES,
                None,
                CollectorStatus::Error,
                Some(format!("discovery failed: {e}")),
                Added::default(),
            ));
            summary
                .access
                .error
                .get_or_insert(format!("discovery failed: {e}"));
            return summary;
        }
    };
    write_value(ctx, &started, layout::GROUPS, &found.groups);
    write_value(
        ctx,
        &started,
        layout::RESOURCES,
        &Value::Array(found.resources),
    );
    for (gv, e) in &found.failures {
        ctx.bundle.record(started.row(
            &format!("{} {gv}", layout::RESOURCES),
            None,
            if e.is_forbidden() {
                CollectorStatus::Forbidden
            } else {
                CollectorStatus::Error
            },
            Some(format!("discovery of {gv}: {e}")),
            Added::default(),
        ));
    }

    // 3. Namespaces first (the fallback when a cluster-wide list is forbidden), then the
    //    rest, `jobs` lists at a time, the longest first.
    let plan = found.plan;
    ctx.progress.phase("cluster objects", plan.len() as u64);
    let is_namespaces = |r: &Resource| r.group.is_empty() && r.plural == "namespaces";
    for r in plan.iter().filter(|r| is_namespaces(r)) {
        list_kind(
            ctx,
            r,
            kinds::Namespaces::All { known: &[] },
            Observer::Namespaces(ctx.names),
        )
        .await;
    }
    let mut known = std::mem::take(&mut *ctx.names.lock().unwrap_or_else(|e| e.into_inner()));
    known.sort();
    let scope = if options.namespaces.is_empty() {
        kinds::Namespaces::All { known: &known }
    } else {
        kinds::Namespaces::Only(&options.namespaces)
    };
    let ticker = async {
        loop {
            ctx.progress.message(&format!(
                "kinds {}/{} · namespaces {} · objects {} · requests {}",
                ctx.counters.kinds.load(Ordering::Relaxed),
                plan.len(),
                if options.namespaces.is_empty() {
                    known.len()
                } else {
                    options.namespaces.len()
                },
                ctx.counters.objects.load(Ordering::Relaxed),
                ctx.api.requests(),
            ));
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    };
    let lists = bounded(
        plan.iter().filter(|r| !is_namespaces(r)).map(|r| {
            let observer = match (r.group.as_str(), r.plural.as_str()) {
                ("", "pods") => Observer::Pods(ctx.pods),
                ("", "events") => Observer::Events(ctx.warned),
                _ => Observer::Nothing,
            };
            list_kind(ctx, r, scope, observer)
        }),
        options.jobs,
    );
    tokio::select! {
        _ = lists => {}
        _ = ticker => {}
    }

    // 4. Logs.
    let mut selection = ctx.pods.finish();
    summary.pods = selection.total;
    summary.big = selection.big;
    if selection.big {
        add_warned(ctx, &mut selection.pods, ctx.warned).await;
        let skipped = selection.total - selection.pods.len() as u64;
        let why = format!(
            "big cluster ({} pods, more than --big-cluster-pods {}): logs of kube-system and of pods not Running and Ready, restarted or named in a Warning event only; {skipped} healthy pods' logs not fetched (--all-logs fetches them)",
            selection.total, options.big_cluster_pods
        );
        ctx.progress.note(&why);
        ctx.bundle.record(Started::now().row(
            &format!("{}/pods/logs (healthy pods)", layout::CLUSTER_RESOURCES),
            None,
            CollectorStatus::Skipped,
            Some(why),
            Added::default(),
        ));
    }
    let jobs = logs::jobs(&selection.pods);
    summary.logs = jobs.len() as u64;
    let ticker = async {
        loop {
            ctx.progress.message(&format!(
                "logs {}/{} · requests {}",
                ctx.counters.logs.load(Ordering::Relaxed),
                summary.logs,
                ctx.api.requests(),
            ));
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    };
    let rows = tokio::select! {
        rows = logs::fetch_all(ctx, jobs, options.logs, options.jobs) => rows,
        _ = ticker => Vec::new(),
    };
    for row in rows {
        ctx.bundle.record(row);
    }
    summary
}

async fn list_kind<'s>(
    ctx: &Context<'_, 's>,
    resource: &Resource,
    scope: kinds::Namespaces<'_>,
    observer: Observer<'s>,
) {
    let name = resource.name();
    ctx.progress.started(&name);
    let rows = kinds::collect(ctx, resource, scope, observer).await;
    let outcome = rows.first().map_or("ok", |r| r.status.as_str());
    ctx.counters.kinds.fetch_add(1, Ordering::Relaxed);
    ctx.progress.finished(&name, outcome);
    for row in rows {
        ctx.bundle.record(row);
    }
}

/// On a big cluster, pods named in a Warning event that looked healthy when listed (the
/// events may have come later) are fetched one by one and added.
async fn add_warned(ctx: &Context<'_, '_>, pods: &mut Vec<PodRecord>, warned: &WarnedPods) {
    let missing: Vec<(String, String)> = warned
        .pods()
        .into_iter()
        .filter(|(ns, name)| !pods.iter().any(|p| &p.namespace == ns && &p.name == name))
        .collect();
    let fetched = bounded(
        missing.iter().map(|(ns, name)| async move {
            let path = format!(
                "/api/v1/namespaces/{}/pods/{}",
                discovery::escape(ns),
                discovery::escape(name)
            );
            ctx.api.get(&path, Retry::Full).await
        }),
        4,
    )
    .await;
    for body in fetched.into_iter().flatten() {
        if let Ok(pod) = serde_json::from_slice::<Value>(&body) {
            if let Some(record) = PodRecord::from_pod(&pod, true, None) {
                pods.push(record);
            }
        }
    }
}

fn write_json(ctx: &Context<'_, '_>, started: &Started, path: &str, body: &[u8]) {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if value.is_null() {
        ctx.bundle.record(started.row(
            path,
            None,
            CollectorStatus::Error,
            Some("the answer was not JSON".to_string()),
            Added::default(),
        ));
        return;
    }
    write_value(ctx, started, path, &value);
}

fn write_value(ctx: &Context<'_, '_>, started: &Started, path: &str, value: &Value) {
    let written = serde_json::to_vec_pretty(value)
        .map_err(std::io::Error::other)
        .and_then(|json| {
            let path = kbundle_format::BundlePath::new(path).map_err(std::io::Error::other)?;
            ctx.bundle.scrub_bytes(path, &json)
        })
        .and_then(|m| ctx.bundle.add(&[m]));
    let row = match written {
        Ok(added) => started.row(path, None, CollectorStatus::Ok, None, added),
        Err(e) => started.row(
            path,
            None,
            CollectorStatus::Error,
            Some(e.to_string()),
            Added::default(),
        ),
    };
    ctx.bundle.record(row);
}
