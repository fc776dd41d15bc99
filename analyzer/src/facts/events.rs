//! Events grouped at ingest by reason and object: a cluster can hold 500,000 events, but
//! the rules only ever ask "which reasons, about what, how often, since when".

use super::earliest;
use jiff::Timestamp;
use kbundle_kube::event::{Event, InvolvedObject};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Longest message kept per group; event messages can be pages long.
const MAX_MESSAGE: usize = 1024;

/// All events about one object with one reason.
#[derive(Debug, Clone, PartialEq)]
pub struct EventGroup {
    /// `Warning` or `Normal`.
    pub kind: String,
    /// The reason.
    pub reason: String,
    /// What they are about.
    pub object: InvolvedObject,
    /// Total occurrences (event `count`s summed).
    pub count: u64,
    /// Earliest occurrence.
    pub first: Option<Timestamp>,
    /// Latest occurrence.
    pub last: Option<Timestamp>,
    /// The latest message.
    pub message: String,
    /// The node that reported it (kubelet events).
    pub host: String,
    /// The file of the first event seen.
    pub file: Arc<str>,
    /// The line of the first event seen.
    pub line: Option<u64>,
}

impl EventGroup {
    /// A Warning group.
    pub fn is_warning(&self) -> bool {
        self.kind == "Warning"
    }

    /// The container the events name, from `fieldPath`.
    pub fn container(&self) -> Option<&str> {
        self.object.container()
    }
}

type GroupKey = (String, String, InvolvedObject);

/// Events grouped by (type, reason, object).
#[derive(Debug, Clone, Default)]
pub struct EventGroups {
    groups: BTreeMap<GroupKey, EventGroup>,
}

/// Normal events worth keeping: they mark node state changes on the timeline.
fn normal_worth_keeping(reason: &str) -> bool {
    matches!(
        reason,
        "NodeNotReady"
            | "Rebooted"
            | "NodeHasDiskPressure"
            | "NodeHasInsufficientMemory"
            | "NodeHasInsufficientPID"
            | "Killing"
            | "Preempted"
            | "TaintManagerEviction"
    )
}

impl EventGroups {
    /// Adds one event. Normal events are dropped unless they mark a node or eviction change.
    pub fn add(&mut self, event: Event, file: &Arc<str>, line: Option<u64>) {
        if !event.is_warning() && !normal_worth_keeping(&event.reason) {
            return;
        }
        let occurrences = event.occurrences();
        let (first, last) = (event.first_time(), event.last_time());
        let mut object = event.involved_object;
        // Events of a container and of its pod are one story.
        if object.field_path.starts_with("spec.containers")
            || object.field_path.starts_with("spec.initContainers")
        {
            // keep the field path: it names the container
        } else {
            object.field_path.clear();
        }
        let key = (event.kind.clone(), event.reason.clone(), object.clone());
        let host = event.source.host;
        let mut message = event.message;
        truncate_on_char(&mut message, MAX_MESSAGE);
        match self.groups.get_mut(&key) {
            Some(g) => {
                g.count += occurrences;
                g.first = earliest(g.first, first);
                if last.is_some() && (g.last.is_none() || last >= g.last) {
                    g.last = last;
                    g.message = message;
                }
            }
            None => {
                self.groups.insert(
                    key,
                    EventGroup {
                        kind: event.kind,
                        reason: event.reason,
                        object,
                        count: occurrences,
                        first,
                        last,
                        message,
                        host,
                        file: file.clone(),
                        line,
                    },
                );
            }
        }
    }

    /// Every group, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = &EventGroup> {
        self.groups.values()
    }

    /// Adds another bundle's groups.
    pub fn merge(&mut self, other: EventGroups) {
        for (key, g) in other.groups {
            match self.groups.get_mut(&key) {
                Some(mine) => {
                    mine.count += g.count;
                    mine.first = earliest(mine.first, g.first);
                    if g.last > mine.last {
                        mine.last = g.last;
                        mine.message = g.message;
                    }
                }
                None => {
                    self.groups.insert(key, g);
                }
            }
        }
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// No groups.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

fn truncate_on_char(s: &mut String, max: usize) {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kbundle_kube::list::decode_slice;

    #[test]
    fn corpus_events_group_by_reason_and_object() {
        let Some(path) = kbundle_testkit::shared(
            "corpus/k8s-objects/ts-events-failedmount-imagepull-x509-scheduling.json",
        ) else {
            return;
        };
        let bytes = std::fs::read(path).unwrap();
        let events = decode_slice::<Event>(&bytes, false).unwrap();
        let total = events.len();
        let file: Arc<str> = Arc::from("events.json");
        let mut groups = EventGroups::default();
        for e in events {
            groups.add(e.object, &file, e.line);
        }
        assert!(
            groups.len() < total,
            "{} groups from {total} events",
            groups.len()
        );
        assert!(groups
            .iter()
            .any(|g| g.reason == "FailedMount" && g.count >= 2));
        assert!(groups
            .iter()
            .all(|g| g.is_warning() || normal_worth_keeping(&g.reason)));
    }
}
