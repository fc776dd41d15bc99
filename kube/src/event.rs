//! Events (core/v1), decoded for grouping by reason and object.

use super::meta::ObjectMeta;
use super::serde_util::{lenient_i64, lenient_string, lenient_time};
use jiff::Timestamp;
use serde::Deserialize;

/// A core/v1 Event.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// `Normal` or `Warning`.
    #[serde(default, rename = "type", deserialize_with = "lenient_string")]
    pub kind: String,
    /// BackOff, FailedScheduling, Unhealthy, ...
    #[serde(default, deserialize_with = "lenient_string")]
    pub reason: String,
    /// The message.
    #[serde(default, deserialize_with = "lenient_string")]
    pub message: String,
    /// What it is about.
    #[serde(default)]
    pub involved_object: InvolvedObject,
    /// How often it happened (deduplicated by the API server).
    #[serde(default, deserialize_with = "lenient_i64")]
    pub count: i64,
    /// First time.
    #[serde(default, deserialize_with = "lenient_time")]
    pub first_timestamp: Option<Timestamp>,
    /// Last time.
    #[serde(default, deserialize_with = "lenient_time")]
    pub last_timestamp: Option<Timestamp>,
    /// events.k8s.io-era time, when the legacy ones are empty.
    #[serde(default, deserialize_with = "lenient_time")]
    pub event_time: Option<Timestamp>,
    /// Series (events.k8s.io-era repetition).
    #[serde(default)]
    pub series: Option<EventSeries>,
    /// Who reported it.
    #[serde(default)]
    pub source: EventSource,
    /// Who reported it (newer field).
    #[serde(default, deserialize_with = "lenient_string")]
    pub reporting_component: String,
}

/// `involvedObject`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub struct InvolvedObject {
    /// Kind.
    #[serde(default, deserialize_with = "lenient_string")]
    pub kind: String,
    /// Namespace.
    #[serde(default, deserialize_with = "lenient_string")]
    pub namespace: String,
    /// Name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: String,
    /// e.g. `spec.containers{app}`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub field_path: String,
}

/// `series`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EventSeries {
    /// Occurrences.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub count: i64,
    /// Last occurrence.
    #[serde(default, deserialize_with = "lenient_time")]
    pub last_observed_time: Option<Timestamp>,
}

/// `source`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct EventSource {
    /// kubelet, default-scheduler, ...
    #[serde(default, deserialize_with = "lenient_string")]
    pub component: String,
    /// The node, for kubelet events.
    #[serde(default, deserialize_with = "lenient_string")]
    pub host: String,
}

impl Event {
    /// Occurrences, at least 1.
    pub fn occurrences(&self) -> u64 {
        let n = self
            .series
            .as_ref()
            .map(|s| s.count)
            .filter(|c| *c > 0)
            .unwrap_or(self.count);
        n.max(1) as u64
    }

    /// First occurrence, from whichever field is set.
    pub fn first_time(&self) -> Option<Timestamp> {
        self.first_timestamp
            .or(self.event_time)
            .or(self.last_timestamp)
            .or(self.metadata.creation_timestamp)
    }

    /// Last occurrence, from whichever field is set.
    pub fn last_time(&self) -> Option<Timestamp> {
        self.last_timestamp
            .or(self.series.as_ref().and_then(|s| s.last_observed_time))
            .or(self.event_time)
            .or(self.first_timestamp)
            .or(self.metadata.creation_timestamp)
    }

    /// A Warning, not a Normal event.
    pub fn is_warning(&self) -> bool {
        self.kind == "Warning"
    }
}

impl InvolvedObject {
    /// The container the object reference points into, from `fieldPath`
    /// (`spec.containers{app}`).
    pub fn container(&self) -> Option<&str> {
        let fp = &self.field_path;
        let start = fp.find('{')? + 1;
        let end = fp[start..].find('}')? + start;
        Some(&fp[start..end])
    }
}
