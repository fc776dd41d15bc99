//! The summary a run prints on stderr: what was written, how many collectors failed, the
//! cluster, the nodes of a fan-out (those that gave nothing, and why), the failed rows.

use crate::fanout::FanOutSummary;
use crate::run::Written;
use kbundle_format::manifest::{CollectorRun, CollectorStatus, NODE_ROW_PREFIX};

/// Prints the summary of a run on stderr.
pub(crate) fn print(w: &Written, elapsed_ms: u64) {
    let failed: Vec<&CollectorRun> = w
        .runs
        .iter()
        .filter(|r| {
            matches!(
                r.status,
                CollectorStatus::Error | CollectorStatus::Timeout | CollectorStatus::Forbidden
            )
        })
        .collect();
    let not_found = w
        .runs
        .iter()
        .filter(|r| r.error.as_deref() == Some(kbundle_format::manifest::NOT_FOUND))
        .count();
    let truncated = w
        .runs
        .iter()
        .filter(|r| r.status == CollectorStatus::Truncated)
        .count();
    let shown = if w.path == std::path::Path::new(crate::archive::STDOUT) {
        "the bundle to standard output".to_string()
    } else {
        format!("{} ({})", w.path.display(), human_size(w.size))
    };
    eprintln!(
        "kbundle-collect: wrote {} in {:.1} s{}",
        shown,
        elapsed_ms as f64 / 1000.0,
        if w.interrupted {
            ", INTERRUPTED: partial bundle"
        } else {
            ""
        }
    );
    eprintln!(
        "kbundle-collect: {} collectors: {} failed, {} truncated, {} tools not installed",
        w.runs.len(),
        failed.len(),
        truncated,
        not_found
    );
    if let Some(c) = &w.cluster {
        match (&c.access.reachable, &c.access.error) {
            (true, _) => eprintln!(
                "kbundle-collect: cluster {} ({}): {} objects, {} pods, {} logs asked for, {} API requests ({} retries){}",
                c.access.server.as_deref().unwrap_or("?"),
                c.access.version.as_deref().unwrap_or("version unknown"),
                c.objects,
                c.pods,
                c.logs,
                c.requests,
                c.retried,
                if c.big {
                    "; big cluster: logs of unhealthy pods and kube-system only (--all-logs for all)"
                } else {
                    ""
                }
            ),
            (false, why) => eprintln!(
                "kbundle-collect: cluster NOT REACHED ({}): {}",
                c.access.server.as_deref().unwrap_or("no server"),
                why.as_deref().unwrap_or("unknown")
            ),
        }
    }
    if let Some(f) = &w.fanout {
        fanout(f);
    }
    const SHOWN: usize = 20;
    for r in failed
        .iter()
        .filter(|r| !r.name.starts_with(NODE_ROW_PREFIX))
        .take(SHOWN)
    {
        eprintln!(
            "  {} {}: {}",
            r.status.as_str(),
            r.name,
            r.error.as_deref().unwrap_or("")
        );
    }
    if failed.len() > SHOWN {
        eprintln!(
            "  ... and {} more (manifest.json lists them all)",
            failed.len() - SHOWN
        );
    }
    if let Some(map) = &w.pseudonym_map {
        eprintln!(
            "kbundle-collect: pseudonym map (keep it, do not send it): {}",
            map.display()
        );
    }
}

/// `14.7 MiB`.
pub(crate) fn human_size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1048576.0 {
        format!("{:.1} MiB", b / 1048576.0)
    } else if b >= 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// The fan-out's lines: counts per status, then every node that gave nothing and why.
fn fanout(f: &FanOutSummary) {
    let count = |s: CollectorStatus| f.nodes.iter().filter(|n| n.status == s).count();
    eprintln!(
        "kbundle-collect: nodes ({}): {} ok, {} timeout, {} error, {} forbidden, {} skipped (of {})",
        f.transport,
        count(CollectorStatus::Ok),
        count(CollectorStatus::Timeout),
        count(CollectorStatus::Error),
        count(CollectorStatus::Forbidden),
        count(CollectorStatus::Skipped),
        f.nodes.len()
    );
    for n in f.nodes.iter().filter(|n| n.status != CollectorStatus::Ok) {
        eprintln!(
            "  {} node {} ({}): {}",
            n.status.as_str(),
            n.name,
            n.target,
            n.error.as_deref().unwrap_or("")
        );
    }
    for note in &f.notes {
        eprintln!("kbundle-collect: {note}");
    }
}
