//! One kind, listed whole: across all namespaces in one paged list when allowed, else
//! namespace by namespace (RBAC that forbids the cluster-wide list never drops a namespace
//! silently: each one is tried, and each refusal is a row of `<kind>-errors.json` and of
//! the manifest). Pages are fetched while the previous one is written; a list whose
//! `continue` token expired (410) starts over once, skipping what was written; a list that
//! pages forever is stopped when a page repeats.

use super::client::{ApiError, Retry};
use super::discovery::{escape, Resource};
use super::lists::{self, ListFiles, PAGE};
use super::pages::{self, PageHead};
use super::{Context, Observer};
use crate::bundle::{Added, Started};
use bytes::Bytes;
use kbundle_format::layout;
use kbundle_format::manifest::{CollectorRun, CollectorStatus, KindError};
use std::collections::HashSet;

/// Which namespaces a namespaced kind is listed in.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Namespaces<'a> {
    /// All of them: one cluster-wide list; `known` is the fallback when that is forbidden.
    All {
        /// The cluster's namespaces, from the namespaces list.
        known: &'a [String],
    },
    /// Only these (`-n`), one list each, each with its file even when empty.
    Only(&'a [String]),
}

/// Why a list stopped early.
#[derive(Debug, Clone)]
enum Stop {
    Api(ApiError),
    Endless(String),
    Write(String),
}

impl Stop {
    fn status(&self) -> CollectorStatus {
        match self {
            Stop::Api(ApiError::Status { code: 403, .. }) => CollectorStatus::Forbidden,
            Stop::Api(ApiError::Timeout(_)) => CollectorStatus::Timeout,
            Stop::Api(ApiError::Interrupted) => CollectorStatus::Skipped,
            _ => CollectorStatus::Error,
        }
    }

    fn message(&self) -> String {
        match self {
            Stop::Api(e) => e.to_string(),
            Stop::Endless(m) | Stop::Write(m) => m.clone(),
        }
    }
}

/// Lists `resource` and returns its manifest rows: one for the kind, one per namespace that
/// failed. `<kind>-errors.json` is written when anything failed.
pub(crate) async fn collect<'s>(
    ctx: &Context<'_, 's>,
    resource: &Resource,
    namespaces: Namespaces<'_>,
    observer: Observer<'s>,
) -> Vec<CollectorRun> {
    let started = Started::now();
    let dir = lists::dir_name(resource);
    let row_name = match layout::kind_dir_for(&resource.group, &resource.plural) {
        Some(_) => format!("{}/{dir}", layout::CLUSTER_RESOURCES),
        None => format!("{}/custom-resources/{dir}", layout::CLUSTER_RESOURCES),
    };
    let mut files = ListFiles::new(ctx.bundle, resource, observer, ctx.counters);
    let mut failures: Vec<(Option<String>, Stop)> = Vec::new();

    if !resource.namespaced {
        let (f, r) = run(ctx, &resource.collection(None), files).await;
        files = f;
        match r {
            Ok(()) => {
                if let Err(e) = files.ensure(None) {
                    failures.push((None, Stop::Write(e.to_string())));
                }
            }
            Err(stop) => failures.push((None, stop)),
        }
    } else {
        let (each, explicit): (Vec<&String>, bool) = match namespaces {
            Namespaces::Only(list) => (list.iter().collect(), true),
            Namespaces::All { known } => {
                let (f, r) = run(ctx, &resource.collection(None), files).await;
                files = f;
                match r {
                    Ok(()) => (Vec::new(), false),
                    Err(Stop::Api(e)) if e.is_forbidden() && !known.is_empty() => {
                        // RBAC may still allow some namespaces: ask each one.
                        (known.iter().collect(), false)
                    }
                    Err(stop) => {
                        failures.push((None, stop));
                        (Vec::new(), false)
                    }
                }
            }
        };
        for ns in each {
            if ctx.interrupt.is_set() {
                failures.push((Some(ns.clone()), Stop::Api(ApiError::Interrupted)));
                continue;
            }
            let (f, r) = run(ctx, &resource.collection(Some(ns)), files).await;
            files = f;
            let r = match r {
                Ok(()) if explicit => files
                    .ensure(Some(ns))
                    .map_err(|e| Stop::Write(e.to_string())),
                other => other,
            };
            if let Err(stop) = r {
                failures.push((Some(ns.clone()), stop));
            }
            if let Err(e) = files.close(Some(ns)) {
                failures.push((Some(ns.clone()), Stop::Write(e.to_string())));
            }
        }
    }
    let closed = ctx.workers.run(move || {
        let r = files.close_all();
        (files, r)
    });
    let (files, closed) = closed.await;
    if let Err(e) = closed {
        failures.push((None, Stop::Write(e.to_string())));
    }
    for (ns, count) in &files.out_of_order {
        failures.push((
            Some(ns.clone()).filter(|n| !n.is_empty()),
            Stop::Endless(format!(
                "{count} objects came after this namespace's file was written (the server does not sort its list): not saved"
            )),
        ));
    }
    rows(
        ctx,
        &started,
        &row_name,
        &dir,
        files.added,
        files.objects,
        failures,
    )
}

fn rows(
    ctx: &Context<'_, '_>,
    started: &Started,
    row_name: &str,
    dir: &str,
    mut added: Added,
    objects: u64,
    failures: Vec<(Option<String>, Stop)>,
) -> Vec<CollectorRun> {
    let mut out = Vec::new();
    if failures.is_empty() {
        out.push(started.row(row_name, None, CollectorStatus::Ok, None, added));
        return out;
    }
    let errors: Vec<KindError> = failures
        .iter()
        .map(|(ns, stop)| KindError {
            namespace: ns.clone(),
            error: stop.message(),
        })
        .collect();
    let written = serde_json::to_vec_pretty(&errors)
        .map_err(std::io::Error::other)
        .and_then(|json| ctx.bundle.scrub_bytes(layout::kind_errors_path(dir), &json))
        .and_then(|m| ctx.bundle.add(&[m]));
    match written {
        Ok(a) => {
            added.files += a.files;
            added.bytes += a.bytes;
        }
        Err(e) => out.push(started.row(
            &format!("{}/{dir}-errors.json", layout::CLUSTER_RESOURCES),
            None,
            CollectorStatus::Error,
            Some(e.to_string()),
            Added::default(),
        )),
    }
    // The kind's status is its worst failure; namespaces that failed get rows of their own.
    let worst = failures
        .iter()
        .map(|(_, s)| s.status())
        .max_by_key(|s| match s {
            CollectorStatus::Error => 4,
            CollectorStatus::Timeout => 3,
            CollectorStatus::Forbidden => 2,
            CollectorStatus::Skipped => 1,
            _ => 0,
        })
        .unwrap_or(CollectorStatus::Error);
    let scoped: Vec<&(Option<String>, Stop)> =
        failures.iter().filter(|(ns, _)| ns.is_some()).collect();
    let summary = if scoped.is_empty() {
        failures
            .iter()
            .map(|(_, s)| s.message())
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        let names: Vec<&str> = scoped
            .iter()
            .filter_map(|(ns, _)| ns.as_deref())
            .take(5)
            .collect();
        format!(
            "{} in {} namespace(s) ({}{}); {objects} objects collected elsewhere; see {dir}-errors.json",
            worst.as_str(),
            scoped.len(),
            names.join(", "),
            if scoped.len() > 5 { ", ..." } else { "" },
        )
    };
    out.push(started.row(row_name, None, worst, Some(summary), added));
    for (ns, stop) in scoped {
        if let Some(ns) = ns {
            out.push(started.row(
                &format!("{row_name}/{ns}"),
                None,
                stop.status(),
                Some(stop.message()),
                Added::default(),
            ));
        }
    }
    out
}

/// A fetched page.
struct Page {
    body: Bytes,
    head: PageHead,
}

/// Fetches one page; a body that is not a well-formed List is fetched once more.
async fn page(ctx: &Context<'_, '_>, path: &str, cont: Option<&str>) -> Result<Page, Stop> {
    let url = match cont {
        Some(c) => format!("{path}?limit={PAGE}&continue={}", escape(c)),
        None => format!("{path}?limit={PAGE}"),
    };
    let mut last = String::new();
    for _ in 0..2 {
        let body = ctx.api.get(&url, Retry::Full).await.map_err(Stop::Api)?;
        match pages::page_head(&body) {
            Ok(head) => return Ok(Page { body, head }),
            Err(e) => last = e.to_string(),
        }
    }
    Err(Stop::Api(ApiError::Transport(format!("{url}: {last}"))))
}

/// Runs one paged list into `files`, handing them back with how it ended.
async fn run<'s>(
    ctx: &Context<'_, 's>,
    path: &str,
    mut files: ListFiles<'s>,
) -> (ListFiles<'s>, Result<(), Stop>) {
    let mut restarted = false;
    let mut tokens: HashSet<String> = HashSet::new();
    let mut firsts: HashSet<String> = HashSet::new();
    let mut current = match page(ctx, path, None).await {
        Ok(p) => p,
        Err(stop) => return (files, Err(stop)),
    };
    loop {
        if let Some(first) = &current.head.first {
            if !firsts.insert(first.clone()) {
                return (
                    files,
                    Err(Stop::Endless(format!(
                        "the server sent a page starting at {first} twice: its paging loops; stopped"
                    ))),
                );
            }
        }
        let next = current.head.cont.clone();
        if let Some(t) = &next {
            if !tokens.insert(t.clone()) {
                return (
                    files,
                    Err(Stop::Endless(
                        "the server repeated a continue token: its paging loops; stopped".into(),
                    )),
                );
            }
        }
        let Page { body, head } = current;
        let write = ctx.workers.run(move || {
            let r = files.write_page(&body, &head);
            (files, r)
        });
        let ((f, written), fetched) = match &next {
            Some(token) => {
                let (w, n) = futures::join!(write, page(ctx, path, Some(token)));
                (w, Some(n))
            }
            None => (write.await, None),
        };
        files = f;
        if let Err(e) = written {
            return (files, Err(Stop::Write(e.to_string())));
        }
        current = match fetched {
            None => return (files, Ok(())),
            Some(Ok(p)) => p,
            Some(Err(Stop::Api(e))) if e.code() == Some(410) && !restarted => {
                // The continue token expired: start over once, after what was written.
                restarted = true;
                files.resume_after_last();
                tokens.clear();
                firsts.clear();
                match page(ctx, path, None).await {
                    Ok(p) => p,
                    Err(stop) => return (files, Err(stop)),
                }
            }
            Some(Err(stop)) => return (files, Err(stop)),
        };
    }
}
