//! Rules: facts in, findings out. Each file holds the rules of one subject area, each rule
//! declared as data ([`Rule`]: id, category, severity, what it looks at, remediation) with
//! must-match and must-not-match examples in the tests beside it.
//!
//! Object rules run before log rules, so when both report one problem the precise report
//! (from the object) leads and the log lines join it as evidence.

pub(crate) mod certificates;
pub(crate) mod collection;
pub(crate) mod control_plane;
pub(crate) mod events;
pub(crate) mod host;
pub(crate) mod logs;
pub(crate) mod nodes;
pub(crate) mod pods;
pub(crate) mod startup;
pub(crate) mod thresholds;
pub(crate) mod workloads;

use crate::facts::Facts;
use crate::findings::Findings;
use crate::logscan::Catalog;
use jiff::{SignedDuration, Timestamp};
use kbundle_format::analysis::{Category, Severity};

/// A rule's identity and the words it is reported with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, `area.what` (e.g. `pod.crash-loop`).
    pub id: &'static str,
    /// Its category from the fixed list.
    pub category: Category,
    /// Default severity (a rule may raise or lower it per finding).
    pub severity: Severity,
    /// What data it reads, for the rule list and the docs.
    pub looks_at: &'static str,
    /// What to do about it.
    pub remediation: &'static str,
}

/// What every rule may need besides the facts.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// The moment of collection (see [`Facts::reference_time`]).
    pub now: Option<Timestamp>,
}

impl Context {
    /// Builds the context of an analysis.
    pub fn of(facts: &Facts) -> Self {
        Context {
            now: facts.reference_time(),
        }
    }

    /// Whether `t` lies within `window` before the collection (unknown times count as
    /// recent: an unknown time is no reason to stay quiet).
    pub fn within(&self, t: Option<Timestamp>, window: SignedDuration) -> bool {
        match (self.now, t) {
            (Some(now), Some(t)) => now.duration_since(t) <= window,
            _ => true,
        }
    }

    /// How long before the collection `t` was.
    pub fn age(&self, t: Option<Timestamp>) -> Option<SignedDuration> {
        Some(self.now?.duration_since(t?))
    }
}

/// Every object rule, for `kbundle rules` and the docs.
pub fn object_rules() -> Vec<&'static Rule> {
    [
        nodes::RULES,
        pods::RULES,
        workloads::RULES,
        events::RULES,
        control_plane::RULES,
        certificates::RULES,
        collection::RULES,
    ]
    .into_iter()
    .chain(host::RULES.iter().copied())
    .flatten()
    .copied()
    .collect()
}

/// Runs every rule over the facts: object and host rules first, then the log rules of
/// `catalog` (the one the logs were scanned with).
pub fn evaluate(facts: &Facts, catalog: &Catalog) -> Findings {
    let ctx = Context::of(facts);
    let mut out = Findings::new();
    nodes::check(facts, &ctx, &mut out);
    pods::check(facts, &ctx, &mut out);
    workloads::check(facts, &ctx, &mut out);
    control_plane::check(facts, &ctx, &mut out);
    certificates::check(facts, &ctx, &mut out);
    host::check(facts, &ctx, &mut out);
    events::check(facts, &ctx, &mut out);
    pods::check_stuck_pending(facts, &ctx, &mut out);
    logs::check(facts, catalog, &mut out);
    collection::check(facts, &ctx, &mut out);
    // Every suppression at once, object rules' and log rules' alike, after every rule ran.
    let log_rules = catalog.rules().iter().flat_map(|r| {
        r.suppresses
            .iter()
            .map(move |v| (r.id.as_str(), v.as_str()))
    });
    out.suppress_all(
        SUPPRESSIONS
            .iter()
            .map(|s| (s.precise, s.vague))
            .chain(log_rules),
    );
    out
}

/// One incident reported once: when the `precise` rule reports a subject, the `vague`
/// rule's report about the same subject is dropped.
#[derive(Debug, Clone, Copy)]
pub struct Suppression {
    /// The rule whose conclusion wins.
    pub precise: &'static str,
    /// The rule whose report about the same subject goes.
    pub vague: &'static str,
    /// Why the precise one says it all.
    pub why: &'static str,
}

const fn suppression(precise: &'static str, vague: &'static str, why: &'static str) -> Suppression {
    Suppression {
        precise,
        vague,
        why,
    }
}

/// The object rules' suppressions (log rules name theirs in their YAML). A test checks
/// that every id here is a rule, as loading a pack checks a pack's.
pub const SUPPRESSIONS: &[Suppression] = &[
    suppression(
        "control-plane.unhealthy",
        "pod.crash-loop",
        "a restarting etcd or API server is a control-plane problem first",
    ),
    suppression(
        "control-plane.unhealthy",
        "event.crash-loop",
        "a restarting etcd or API server is a control-plane problem first",
    ),
    suppression(
        "control-plane.unhealthy",
        "event.probe-failure",
        "a restarting etcd or API server is a control-plane problem first",
    ),
    suppression(
        "control-plane.unhealthy",
        "kubelet.crash-loop",
        "a restarting etcd or API server is a control-plane problem first",
    ),
    suppression(
        "pod.crash-loop",
        "event.probe-failure",
        "a crash-looping container fails its probes too: the crash is the problem",
    ),
];

/// Human words for a duration: `3d 4h`, `2h 5m`, `40s`.
pub fn humanize(d: SignedDuration) -> String {
    let secs = d.as_secs().max(0);
    let (days, hours, mins) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {mins}m")
    } else if mins > 0 {
        format!("{mins}m")
    } else {
        format!("{secs}s")
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Builds facts from small JSON objects, so rule tests read like the cases they cover.

    use crate::facts::{Facts, Sourced};
    use kbundle_kube::list::{decode_slice, HasMeta};
    use serde::de::DeserializeOwned;
    use std::sync::Arc;

    /// Decodes a JSON array of objects as if read from `file`.
    pub(crate) fn sourced<T: DeserializeOwned + HasMeta>(
        file: &str,
        json: &str,
    ) -> Vec<Sourced<T>> {
        let file: Arc<str> = Arc::from(file);
        decode_slice::<T>(json.as_bytes(), false)
            .expect("test JSON decodes")
            .into_iter()
            .map(|l| Sourced {
                object: l.object,
                file: file.clone(),
                line: l.line,
            })
            .collect()
    }

    /// Facts collected at `2026-11-27T10:00:00Z`.
    pub(crate) fn facts_at_ten() -> Facts {
        let mut f = Facts::default();
        f.bundles.push(crate::facts::BundleInfo {
            path: "test".into(),
            flavor: kbundle_format::analysis::Flavor::Kbundle,
            created: Some("2026-11-27T10:00:00Z".parse().unwrap()),
            cluster_version: Some("v1.29.4".into()),
            manifest: None,
            nodes: Vec::new(),
        });
        f.kinds_present.insert("pods".into());
        f.kinds_present.insert("nodes".into());
        f
    }

    /// The catalog compiled into the binary, loaded once for all tests.
    pub(crate) fn catalog() -> &'static crate::logscan::Catalog {
        static CATALOG: std::sync::OnceLock<crate::logscan::Catalog> = std::sync::OnceLock::new();
        CATALOG.get_or_init(|| crate::logscan::Catalog::builtin().expect("builtin catalog loads"))
    }

    /// Runs every rule, as `analyze` does.
    pub(crate) fn evaluate(facts: &Facts) -> crate::findings::Findings {
        super::evaluate(facts, catalog())
    }

    /// The rule ids of the findings, sorted.
    pub(crate) fn rule_ids(facts: &Facts) -> Vec<String> {
        let mut ids: Vec<String> = evaluate(facts)
            .into_sorted()
            .into_iter()
            .map(|f| format!("{} {}", f.rule, f.subject))
            .collect();
        ids.sort();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_suppression_names_two_rules_that_exist() {
        let catalog = testing::catalog();
        let exists =
            |id: &str| object_rules().iter().any(|r| r.id == id) || catalog.find(id).is_some();
        for s in SUPPRESSIONS {
            assert!(exists(s.precise), "{s:?}: no rule {}", s.precise);
            assert!(exists(s.vague), "{s:?}: no rule {}", s.vague);
            assert_ne!(s.precise, s.vague, "{s:?}");
        }
    }

    #[test]
    fn suppressions_do_not_depend_on_their_order() {
        use crate::findings::{Draft, Findings};
        use kbundle_format::analysis::Subject;
        let rule = |id: &'static str, category| Rule {
            id,
            category,
            severity: Severity::Warning,
            looks_at: "",
            remediation: "",
        };
        let a = rule("t.a", Category::CrashLoop);
        let b = rule("t.b", Category::ProbeFailure);
        let c = rule("t.c", Category::PodPending);
        let make = || {
            let mut set = Findings::new();
            for r in [&a, &b, &c] {
                set.add(
                    Draft::new(r, Subject::node("w1"))
                        .evidence("f", Some(1), "x")
                        .build(),
                );
            }
            set
        };
        let pairs = [("t.a", "t.b"), ("t.b", "t.c")];
        let mut forward = make();
        forward.suppress_all(pairs);
        let mut backward = make();
        backward.suppress_all(pairs.iter().rev().copied());
        let ids =
            |s: Findings| -> Vec<String> { s.into_sorted().into_iter().map(|f| f.rule).collect() };
        assert_eq!(ids(forward), ["t.a"]);
        assert_eq!(ids(backward), ["t.a"]);
    }
}
