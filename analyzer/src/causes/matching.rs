//! Deciding links: for each link of the catalog, the pairs of findings it joins. A pair
//! holds when both sides admit their finding, the join relates them in the bundle's facts,
//! the effect did not start before the cause (unless the link says the times say little),
//! and the text conditions (`mentions`, `same_value`) hold.
//!
//! Pairs are found by keys (the node, the pod, the workload), not by trying every pair, so
//! a fleet of findings stays quick; only the text-naming joins compare texts pairwise, and
//! their sides are narrow categories.

use super::catalog::{Join, Link, Order, Side};
use super::relations::{names, Relations};
use crate::logscan::template;
use jiff::{SignedDuration, Timestamp};
use kbundle_format::analysis::{Finding, SubjectKind};
use std::collections::HashMap;

/// Clocks of different sources disagree a little, and some findings carry the time a state
/// was reported rather than began: an effect may start this much before its cause.
pub(crate) const CLOCK_SLACK: SignedDuration = SignedDuration::from_mins(5);

/// A cause-effect pair one link joins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edge {
    /// Index of the cause.
    pub cause: usize,
    /// Index of the effect.
    pub effect: usize,
    /// Index of the link in the catalog.
    pub link: usize,
    /// The `because` line, filled in.
    pub because: String,
    /// The effect's evidence that shows the link (its text matched), if one did.
    pub evidence: Option<usize>,
}

/// The findings prepared once for every link: their times parsed.
pub(crate) struct Prepared<'a> {
    findings: &'a [Finding],
    times: Vec<(Option<Timestamp>, Option<Timestamp>)>,
    relations: &'a Relations,
}

impl<'a> Prepared<'a> {
    /// Prepares `findings` with the facts of `relations`.
    pub(crate) fn new(findings: &'a [Finding], relations: &'a Relations) -> Self {
        let parse = |s: &Option<String>| s.as_deref().and_then(|s| s.parse::<Timestamp>().ok());
        Prepared {
            findings,
            times: findings
                .iter()
                .map(|f| (parse(&f.first_seen), parse(&f.last_seen)))
                .collect(),
            relations,
        }
    }

    /// Every pair `link` joins, cause by cause in order.
    pub(crate) fn edges(&self, link_index: usize, link: &Link) -> Vec<Edge> {
        let causes = self.side(&link.cause);
        let effects = self.side(&link.effect);
        if causes.is_empty() || effects.is_empty() {
            return Vec::new();
        }
        let mut by_key: HashMap<String, Vec<(usize, Option<usize>)>> = HashMap::new();
        for &(e, at) in &effects {
            for key in self.effect_keys(link.join, e) {
                by_key.entry(key).or_default().push((e, at));
            }
        }
        let mut out = Vec::new();
        for &(c, _) in &causes {
            let mut seen = Vec::new();
            for key in self.cause_keys(link.join, c) {
                for &(e, at) in by_key.get(&key).into_iter().flatten() {
                    if e == c || seen.contains(&e) {
                        continue;
                    }
                    seen.push(e);
                    if let Some(edge) = self.pair(link_index, link, c, e, at) {
                        out.push(edge);
                    }
                }
            }
        }
        out
    }

    /// Findings that `side` admits, with where its `mentions` matched: `None` inside the
    /// tuple when the match is in the title or message (or there is no `mentions`).
    fn side(&self, side: &Side) -> Vec<(usize, Option<usize>)> {
        self.findings
            .iter()
            .enumerate()
            .filter(|(_, f)| side.admits(f))
            .filter_map(|(i, f)| match &side.mentions {
                None => Some((i, None)),
                Some(re) => mention(f, re).map(|at| (i, at)),
            })
            .collect()
    }

    fn cause_keys(&self, join: Join, i: usize) -> Vec<String> {
        let f = &self.findings[i];
        let r = self.relations;
        match join {
            Join::SameNode => r.node_of(f).map(str::to_string).into_iter().collect(),
            Join::SameSubject => vec![identity(f)],
            Join::PodOfWorkload | Join::SameWorkload => r
                .owner_of(f)
                .map(|w| workload_key(&w))
                .into_iter()
                .collect(),
            Join::WorkloadOnNode => match r.node_of(f) {
                Some(n) => r.unready_workloads_on(n).map(workload_key).collect(),
                None => Vec::new(),
            },
            Join::EffectNamesCause | Join::CauseNamesEffect | Join::Anywhere => {
                vec![String::new()]
            }
        }
    }

    fn effect_keys(&self, join: Join, i: usize) -> Vec<String> {
        let f = &self.findings[i];
        let r = self.relations;
        match join {
            Join::SameNode => r.node_of(f).map(str::to_string).into_iter().collect(),
            Join::SameSubject => vec![identity(f)],
            Join::SameWorkload => r
                .owner_of(f)
                .map(|w| workload_key(&w))
                .into_iter()
                .collect(),
            Join::PodOfWorkload | Join::WorkloadOnNode => Relations::workload(f)
                .map(|w| workload_key(&w))
                .into_iter()
                .collect(),
            Join::EffectNamesCause | Join::CauseNamesEffect | Join::Anywhere => {
                vec![String::new()]
            }
        }
    }

    /// The edge from `c` to `e` when the time and text conditions hold.
    fn pair(
        &self,
        link_index: usize,
        link: &Link,
        c: usize,
        e: usize,
        mention_at: Option<usize>,
    ) -> Option<Edge> {
        let (cause, effect) = (&self.findings[c], &self.findings[e]);
        if !self.in_time(link, c, e) {
            return None;
        }
        let mut evidence = mention_at;
        match link.join {
            Join::EffectNamesCause => {
                let at = named_in(effect, &self.relations.names_of(cause))?;
                evidence = evidence.or(at);
            }
            Join::CauseNamesEffect => {
                named_in(cause, &self.relations.names_of(effect))?;
            }
            _ => {}
        }
        let mut value = None;
        if let Some(same) = &link.same_value {
            let theirs: Vec<String> = texts(cause)
                .flat_map(|(_, t)| captures(&same.cause, t))
                .collect();
            let (at, v) = texts(effect).find_map(|(at, t)| {
                captures(&same.effect, t)
                    .find(|v| theirs.contains(v))
                    .map(|v| (at, v))
            })?;
            evidence = evidence.or(at);
            value = Some(v);
        }
        let r = self.relations;
        let because = template::render(&link.because, |name| match name {
            "node" => r
                .node_of(effect)
                .or_else(|| r.node_of(cause))
                .map(str::to_string),
            "cause" => Some(cause.subject.to_string()),
            "effect" => Some(effect.subject.to_string()),
            "value" => value.clone(),
            _ => None,
        });
        Some(Edge {
            cause: c,
            effect: e,
            link: link_index,
            because,
            evidence,
        })
    }

    fn in_time(&self, link: &Link, c: usize, e: usize) -> bool {
        let (c_first, c_last) = self.times[c];
        let (e_first, _) = self.times[e];
        let known = c_first.is_some() && e_first.is_some();
        if link.order == Order::CauseFirstKnown && !known {
            return false;
        }
        if link.order != Order::Any {
            if let (Some(c), Some(e)) = (c_first, e_first) {
                if e.duration_since(c) < -CLOCK_SLACK {
                    return false;
                }
            }
        }
        if let (Some(within), Some(last), Some(e)) = (link.within, c_last.or(c_first), e_first) {
            if e.duration_since(last) > within {
                return false;
            }
        }
        true
    }
}

/// The identity of a subject for `same-subject`: a pod and its containers are one; things
/// that live on a node are told apart by it.
fn identity(f: &Finding) -> String {
    let s = &f.subject;
    let kind = match s.kind {
        SubjectKind::Container => SubjectKind::Pod,
        k => k,
    };
    let node = match kind {
        SubjectKind::Interface
        | SubjectKind::Filesystem
        | SubjectKind::Volume
        | SubjectKind::Certificate => s.node.as_deref().unwrap_or(""),
        _ => "",
    };
    format!(
        "{kind:?}\0{}\0{}\0{}\0{node}",
        s.workload_kind.as_deref().unwrap_or(""),
        s.namespace.as_deref().unwrap_or(""),
        s.name
    )
}

fn workload_key((kind, ns, name): &(String, String, String)) -> String {
    format!("{kind}\0{ns}\0{name}")
}

/// A finding's texts: its subject's name, title and message (`None`), then each piece of
/// evidence (its index).
fn texts(f: &Finding) -> impl Iterator<Item = (Option<usize>, &str)> {
    [
        (None, f.subject.name.as_str()),
        (None, f.title.as_str()),
        (None, f.message.as_str()),
    ]
    .into_iter()
    .chain(
        f.evidence
            .iter()
            .enumerate()
            .map(|(i, e)| (Some(i), e.text.as_str())),
    )
}

/// Where `re` matches a finding's text: `Some(None)` in the title or message,
/// `Some(Some(i))` in evidence `i`, `None` nowhere.
fn mention(f: &Finding, re: &regex::Regex) -> Option<Option<usize>> {
    texts(f).find(|(_, t)| re.is_match(t)).map(|(at, _)| at)
}

/// Where a finding's text names one of `names` (see [`mention`]).
fn named_in(f: &Finding, names_: &[String]) -> Option<Option<usize>> {
    texts(f)
        .find(|(_, t)| names_.iter().any(|n| names(t, n)))
        .map(|(at, _)| at)
}

fn captures<'t>(re: &'t regex::Regex, text: &'t str) -> impl Iterator<Item = String> + 't {
    re.captures_iter(text)
        .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
}
