//! The timeline: events, kubelet and kernel lines, reboots and container terminations on one
//! time axis, so "what happened first" is visible.
//!
//! Only moments that matter go in (Warning events, terminations that were not clean
//! completions, log lines a rule matched, reboots), and at most [`MAX_ENTRIES`] of them, the
//! most severe kept first, so a cluster of 150,000 pods still gives a readable axis.

use crate::facts::Facts;
use crate::findings::rfc3339;
use crate::rules::thresholds::thresholds;
use crate::rules::Context;
use jiff::Timestamp;
use kbundle_format::analysis::{Severity, Subject, TimelineEntry, TimelineSource};

/// The most entries a timeline holds.
pub(crate) const MAX_ENTRIES: usize = 2000;

/// A timeline entry before its time is formatted, so entries sort by real time.
struct Moment {
    time: Timestamp,
    entry: TimelineEntry,
}

/// Builds the timeline of the facts.
pub(crate) fn build(facts: &Facts, catalog: &crate::logscan::Catalog) -> Vec<TimelineEntry> {
    let ctx = Context::of(facts);
    let mut moments = Vec::new();
    events(facts, &mut moments);
    terminations(facts, &ctx, &mut moments);
    crate::rules::logs::timeline(facts, catalog, &mut |time, entry| {
        moments.push(Moment { time, entry })
    });
    crate::rules::host::reboots_timeline(facts, &mut |time, entry| {
        moments.push(Moment { time, entry })
    });
    // One line matched by two rules is one moment, at its worse severity.
    moments.sort_by(|a, b| {
        (a.time, &a.entry.file, a.entry.line, &a.entry.subject)
            .cmp(&(b.time, &b.entry.file, b.entry.line, &b.entry.subject))
            .then(b.entry.severity.cmp(&a.entry.severity))
    });
    moments.dedup_by(|later, kept| {
        later.time == kept.time
            && later.entry.file == kept.entry.file
            && later.entry.line == kept.entry.line
            && later.entry.subject == kept.entry.subject
    });
    if moments.len() > MAX_ENTRIES {
        moments.sort_by(|a, b| {
            b.entry
                .severity
                .cmp(&a.entry.severity)
                .then(b.time.cmp(&a.time))
        });
        moments.truncate(MAX_ENTRIES);
    }
    moments.sort_by(|a, b| a.time.cmp(&b.time).then(a.entry.text.cmp(&b.entry.text)));
    moments.into_iter().map(|m| m.entry).collect()
}

/// Makes an entry; `time` is formatted the way every output shows times.
pub(crate) fn entry(
    time: Timestamp,
    source: TimelineSource,
    subject: Subject,
    text: String,
    file: &str,
    line: Option<u64>,
    severity: Severity,
) -> TimelineEntry {
    TimelineEntry {
        time: rfc3339(time),
        source,
        subject,
        text,
        file: file.to_string(),
        line,
        severity,
    }
}

fn events(facts: &Facts, out: &mut Vec<Moment>) {
    for g in facts.events.iter() {
        let Some(time) = g.last.or(g.first) else {
            continue;
        };
        let severity = if g.is_warning() {
            Severity::Warning
        } else {
            Severity::Info
        };
        let subject = if g.object.kind == "Node" {
            Subject::node(&g.object.name)
        } else if g.object.kind == "Pod" {
            Subject::pod(&g.object.namespace, &g.object.name)
        } else {
            crate::rules::workloads::workload_subject(
                &g.object.kind,
                &g.object.namespace,
                &g.object.name,
            )
        };
        let count = if g.count > 1 {
            format!("{}× ", g.count)
        } else {
            String::new()
        };
        out.push(Moment {
            time,
            entry: entry(
                time,
                TimelineSource::Event,
                subject,
                format!("{count}{}: {}", g.reason, g.message),
                &g.file,
                g.line,
                severity,
            ),
        });
    }
}

fn terminations(facts: &Facts, ctx: &Context, out: &mut Vec<Moment>) {
    for pod in &facts.pods_that_may_matter {
        let p = &pod.object;
        for c in p.all_container_statuses() {
            for t in [
                c.state.terminated.as_ref(),
                c.last_state.terminated.as_ref(),
            ]
            .into_iter()
            .flatten()
            {
                let Some(time) = t.finished_at else { continue };
                if t.reason == "Completed" || !ctx.within(Some(time), thresholds().incident_window)
                {
                    continue;
                }
                let severity = if t.reason == "OOMKilled" || t.reason == "Error" {
                    Severity::Warning
                } else {
                    Severity::Info
                };
                let mut subject =
                    Subject::pod(&p.metadata.namespace, &p.metadata.name).with_container(&c.name);
                if !p.spec.node_name.is_empty() {
                    subject = subject.on_node(&p.spec.node_name);
                }
                let code = t
                    .exit_code
                    .map(|c| format!(" (exit code {c})"))
                    .unwrap_or_default();
                out.push(Moment {
                    time,
                    entry: entry(
                        time,
                        TimelineSource::PodStatus,
                        subject,
                        format!(
                            "container {} terminated: {}{code}",
                            c.name,
                            if t.reason.is_empty() { "?" } else { &t.reason }
                        ),
                        &pod.file,
                        pod.line,
                        severity,
                    ),
                });
            }
        }
        if let Some(deleted) = p.metadata.deletion_timestamp {
            out.push(Moment {
                time: deleted,
                entry: entry(
                    deleted,
                    TimelineSource::PodStatus,
                    Subject::pod(&p.metadata.namespace, &p.metadata.name),
                    "deletion requested".to_string(),
                    &pod.file,
                    pod.line,
                    Severity::Info,
                ),
            });
        }
    }
}
