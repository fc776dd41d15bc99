//! The order of the checklist's rows, so the one node with a problem is not found by
//! scrolling: the cluster row first, then the rows with a problem, ordered by the rank of the
//! worst root cause they show, then the rest; names in natural order (`k8s-wk-2` before
//! `k8s-wk-10`) within each.

use super::{Mark, Row};
use kbundle_format::analysis::{Analysis, Severity};
use std::cmp::Ordering;
use std::collections::HashMap;

/// Compares names as people do: runs of digits by their value, the rest as text.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let (n, rest_x) = digits(x);
                let (m, rest_y) = digits(y);
                let n_trim = trim_zeros(n);
                let m_trim = trim_zeros(m);
                let by_value = n_trim.len().cmp(&m_trim.len()).then(n_trim.cmp(m_trim));
                if by_value != Ordering::Equal {
                    return by_value;
                }
                x = rest_x;
                y = rest_y;
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn digits(s: &[u8]) -> (&[u8], &[u8]) {
    let end = s
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    s.split_at(end)
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b != b'0').unwrap_or(s.len());
    &s[start..]
}

/// For each finding, the root causes it follows from (itself for a root), as positions in
/// `summary.root_causes` (its rank), best first.
pub fn root_ranks(a: &Analysis) -> Vec<Vec<usize>> {
    let index: HashMap<&str, usize> = a
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    let rank: HashMap<&str, usize> = a
        .summary
        .root_causes
        .iter()
        .enumerate()
        .map(|(r, id)| (id.as_str(), r))
        .collect();
    let mut memo: Vec<Option<Vec<usize>>> = vec![None; a.findings.len()];
    (0..a.findings.len())
        .map(|i| ranks_of(a, i, &index, &rank, &mut memo, 0))
        .collect()
}

fn ranks_of(
    a: &Analysis,
    i: usize,
    index: &HashMap<&str, usize>,
    rank: &HashMap<&str, usize>,
    memo: &mut Vec<Option<Vec<usize>>>,
    depth: usize,
) -> Vec<usize> {
    if let Some(known) = &memo[i] {
        return known.clone();
    }
    let f = &a.findings[i];
    let mut out: Vec<usize> = rank.get(f.id.as_str()).copied().into_iter().collect();
    // `caused_by` never forms a cycle; the depth bound only guards a hand-edited analysis.
    if depth < 64 {
        for id in &f.caused_by {
            if let Some(&p) = index.get(id.as_str()) {
                out.extend(ranks_of(a, p, index, rank, memo, depth + 1));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    memo[i] = Some(out.clone());
    out
}

/// Sorts the rows (the module doc's order) and records each cell's roots.
pub fn arrange(rows: &mut [Row], a: &Analysis) {
    let ranks = root_ranks(a);
    for row in rows.iter_mut() {
        for cell in &mut row.cells {
            let mut roots: Vec<usize> = cell
                .findings
                .iter()
                .filter(|&&i| {
                    a.findings
                        .get(i)
                        .is_some_and(|f| f.severity >= Severity::Warning)
                })
                .flat_map(|&i| ranks.get(i).cloned().unwrap_or_default())
                .collect();
            roots.sort_unstable();
            roots.dedup();
            cell.roots = roots;
        }
    }
    rows.sort_by(|a, b| {
        let key = |r: &Row| {
            let problem = r
                .cells
                .iter()
                .any(|c| matches!(c.mark, Mark::Critical | Mark::Warning));
            let worst = r
                .cells
                .iter()
                .filter_map(|c| c.roots.first())
                .min()
                .copied();
            (r.node.is_some(), !problem, worst.unwrap_or(usize::MAX))
        };
        key(a).cmp(&key(b)).then_with(|| {
            natural_cmp(
                a.node.as_deref().unwrap_or(""),
                b.node.as_deref().unwrap_or(""),
            )
        })
    });
}

#[cfg(test)]
mod tests {
    use super::natural_cmp;
    use std::cmp::Ordering::*;

    #[test]
    fn names_sort_naturally() {
        let mut names = vec!["k8s-wk-10", "k8s-wk-2", "k8s-wk-1", "k8s-cp-1", "k8s-wk-02"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            ["k8s-cp-1", "k8s-wk-1", "k8s-wk-02", "k8s-wk-2", "k8s-wk-10"]
        );
        assert_eq!(natural_cmp("w1", "w1"), Equal);
        assert_eq!(natural_cmp("w", "w1"), Less);
        assert_eq!(natural_cmp("node9b", "node10a"), Less);
    }
}
