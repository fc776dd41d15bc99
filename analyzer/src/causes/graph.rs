//! From links to the order a reader needs: the edges the catalog found become a cause
//! graph (never a cycle, no shortcut beside a longer chain), each effect learns its
//! `caused_by` and `because`, each root takes the severity of the worst thing it explains,
//! and the findings are ordered roots first, then chain by chain.

use super::matching::Edge;
use jiff::{SignedDuration, Timestamp};
use kbundle_format::analysis::{Finding, Severity};
use std::cmp::{Ordering, Reverse};

/// Roots on the same node that started this close together are shown as maybe related.
pub(crate) const RELATED_WINDOW: SignedDuration = SignedDuration::from_mins(10);

/// At most this many "maybe related" ids per finding.
const MAX_RELATED: usize = 5;

/// The graph over findings, by index.
pub(crate) struct Graph {
    children: Vec<Vec<usize>>,
    parents: Vec<Vec<(usize, usize)>>,
}

impl Graph {
    /// Builds the graph from edges in the order given: an edge that would close a cycle, or
    /// repeats a pair, is left out (the earlier link wins); then an edge is dropped when a
    /// longer chain already leads from its cause to its effect, so a chain reads
    /// `runtime down → PLEG → NotReady`, not also `runtime down → NotReady`.
    pub(crate) fn new(n: usize, edges: &[Edge]) -> Self {
        let mut g = Graph {
            children: vec![Vec::new(); n],
            parents: vec![Vec::new(); n],
        };
        for (k, e) in edges.iter().enumerate() {
            if g.children[e.cause].contains(&e.effect) || g.reaches(e.effect, e.cause, None) {
                continue;
            }
            g.children[e.cause].push(e.effect);
            g.parents[e.effect].push((e.cause, k));
        }
        for effect in 0..n {
            if g.parents[effect].len() < 2 {
                continue;
            }
            let parents: Vec<usize> = g.parents[effect].iter().map(|p| p.0).collect();
            let redundant: Vec<usize> = parents
                .iter()
                .copied()
                .filter(|&a| {
                    parents
                        .iter()
                        .any(|&p| p != a && g.reaches(a, p, Some((a, effect))))
                })
                .collect();
            for a in redundant {
                g.parents[effect].retain(|p| p.0 != a);
                g.children[a].retain(|&c| c != effect);
            }
        }
        g
    }

    /// Whether `to` can be reached from `from` (ignoring the edge `skip`).
    fn reaches(&self, from: usize, to: usize, skip: Option<(usize, usize)>) -> bool {
        if from == to {
            return true;
        }
        let mut seen = vec![false; self.children.len()];
        let mut stack = vec![from];
        while let Some(x) = stack.pop() {
            for &c in &self.children[x] {
                if Some((x, c)) == skip || seen[c] {
                    continue;
                }
                if c == to {
                    return true;
                }
                seen[c] = true;
                stack.push(c);
            }
        }
        false
    }

    /// How many findings each finding explains, directly or down its chains.
    fn explained_counts(&self) -> Vec<usize> {
        let n = self.children.len();
        let mut seen = vec![usize::MAX; n];
        (0..n)
            .map(|root| {
                let mut count = 0;
                let mut stack = vec![root];
                while let Some(x) = stack.pop() {
                    for &c in &self.children[x] {
                        if seen[c] != root {
                            seen[c] = root;
                            count += 1;
                            stack.push(c);
                        }
                    }
                }
                count
            })
            .collect()
    }

    /// The findings reachable from `root`, not counting it.
    fn below(&self, root: usize) -> Vec<usize> {
        let mut seen = vec![false; self.children.len()];
        let mut out = Vec::new();
        let mut stack = vec![root];
        while let Some(x) = stack.pop() {
            for &c in &self.children[x] {
                if !seen[c] {
                    seen[c] = true;
                    out.push(c);
                    stack.push(c);
                }
            }
        }
        out
    }
}

/// Raises each root to the severity of the worst finding it explains alone (that no other
/// root also leads to): a cause is at least as bad as what follows from it, but a problem
/// with several independent causes does not make each of them as bad as itself.
fn raise_roots(g: &Graph, roots: &[usize], findings: &mut [Finding]) {
    let below: Vec<Vec<usize>> = roots.iter().map(|&r| g.below(r)).collect();
    let mut reached_by = vec![0usize; findings.len()];
    for b in &below {
        for &x in b {
            reached_by[x] += 1;
        }
    }
    for (&r, b) in roots.iter().zip(&below) {
        let worst = b
            .iter()
            .filter(|&&x| reached_by[x] == 1)
            .map(|&x| findings[x].severity)
            .max();
        if let Some(w) = worst {
            findings[r].severity = findings[r].severity.max(w);
        }
    }
}

/// The findings with their links written, in reading order, and the root ids in rank order.
/// `findings` must carry their ids and be in a deterministic order; `node_of` says which
/// node a finding is about (for "maybe related").
pub(crate) fn arrange(
    mut findings: Vec<Finding>,
    edges: &[Edge],
    node_of: impl Fn(&Finding) -> Option<String>,
) -> (Vec<Finding>, Vec<String>) {
    let n = findings.len();
    let g = Graph::new(n, edges);
    let explains = g.explained_counts();
    let roots: Vec<usize> = (0..n).filter(|&i| g.parents[i].is_empty()).collect();
    raise_roots(&g, &roots, &mut findings);
    let first: Vec<Option<Timestamp>> = findings
        .iter()
        .map(|f| f.first_seen.as_deref().and_then(|s| s.parse().ok()))
        .collect();
    let rank = |a: &usize, b: &usize| -> Ordering {
        Reverse(findings[*a].severity)
            .cmp(&Reverse(findings[*b].severity))
            .then(explains[*b].cmp(&explains[*a]))
            .then(earliest_first(first[*a], first[*b]))
            .then(a.cmp(b))
    };
    let mut ranked_roots = roots.clone();
    ranked_roots.sort_by(rank);
    // Effects: causes in rank order, the line of the strongest first.
    let mut order_of = vec![0usize; n];
    let mut order: Vec<usize> = Vec::with_capacity(n);
    let mut placed = vec![false; n];
    for &r in &ranked_roots {
        placed[r] = true;
        order.push(r);
    }
    for &r in &ranked_roots {
        let mut stack = vec![r];
        let mut chain = Vec::new();
        while let Some(x) = stack.pop() {
            if x != r {
                chain.push(x);
            }
            let mut kids: Vec<usize> = g.children[x]
                .iter()
                .copied()
                .filter(|&c| !placed[c])
                .collect();
            kids.sort_by(rank);
            for &c in &kids {
                placed[c] = true;
            }
            stack.extend(kids.into_iter().rev());
        }
        order.extend(chain);
    }
    for (pos, &i) in order.iter().enumerate() {
        order_of[i] = pos;
    }
    let ids: Vec<String> = findings.iter().map(|f| f.id.clone()).collect();
    for (i, f) in findings.iter_mut().enumerate() {
        let mut parents = g.parents[i].clone();
        parents.sort_by_key(|&(p, _)| order_of[p]);
        f.caused_by = parents.iter().map(|&(p, _)| ids[p].clone()).collect();
        let mut lines: Vec<&str> = Vec::new();
        for &(_, k) in &parents {
            let line = edges[k].because.as_str();
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
        f.because = (!lines.is_empty()).then(|| lines.join("; "));
        if let Some(at) = parents.first().and_then(|&(_, k)| edges[k].evidence) {
            if at > 0 && at < f.evidence.len() {
                let e = f.evidence.remove(at);
                f.evidence.insert(0, e);
            }
        }
    }
    relate(&mut findings, &ranked_roots, &first, node_of);
    let root_ids = ranked_roots.iter().map(|&r| ids[r].clone()).collect();
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    let ordered = order.iter().filter_map(|&i| slots[i].take()).collect();
    (ordered, root_ids)
}

/// Marks roots of different categories on the same node that started within
/// [`RELATED_WINDOW`] of each other as maybe related: a correlation worth a look, with no
/// mechanism the catalog knows. (Roots of one category at one moment, like the certificates
/// one `kubeadm init` issued, are siblings anyway.)
fn relate(
    findings: &mut [Finding],
    roots: &[usize],
    first: &[Option<Timestamp>],
    node_of: impl Fn(&Finding) -> Option<String>,
) {
    let candidates: Vec<(usize, String, Timestamp)> = roots
        .iter()
        .filter(|&&r| findings[r].severity >= Severity::Warning)
        .filter_map(|&r| Some((r, node_of(&findings[r])?, first[r]?)))
        .collect();
    let mut related: Vec<Vec<String>> = vec![Vec::new(); findings.len()];
    for (a, (ia, na, ta)) in candidates.iter().enumerate() {
        for (ib, nb, tb) in &candidates[a + 1..] {
            let other_kind = findings[*ia].category != findings[*ib].category;
            if na == nb && other_kind && ta.duration_since(*tb).abs() <= RELATED_WINDOW {
                if related[*ia].len() < MAX_RELATED {
                    related[*ia].push(findings[*ib].id.clone());
                }
                if related[*ib].len() < MAX_RELATED {
                    related[*ib].push(findings[*ia].id.clone());
                }
            }
        }
    }
    for (f, r) in findings.iter_mut().zip(related) {
        f.maybe_related = r;
    }
}

/// Known times before unknown ones, earlier first.
fn earliest_first(a: Option<Timestamp>, b: Option<Timestamp>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}
