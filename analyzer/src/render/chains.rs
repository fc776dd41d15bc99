//! The cause chains of an analysis as every renderer walks them: the root causes in rank
//! order, and under each finding the findings it explains. A finding with several causes is
//! shown under the first (`caused_by` lists them in reading order) and only named under the
//! others, so each finding appears once.

use kbundle_format::analysis::{Analysis, Finding};
use std::collections::HashMap;

/// The chains, by index into `analysis.findings`.
#[derive(Debug, Clone, Default)]
pub struct Chains {
    /// Root causes, in rank order (`summary.root_causes`; findings without `caused_by` that
    /// it does not list follow, in the order of `findings`).
    pub roots: Vec<usize>,
    /// For each finding, the findings shown under it.
    pub children: Vec<Vec<usize>>,
    /// For each finding, the findings it explains besides those (shown under another cause).
    pub also: Vec<Vec<usize>>,
    /// For each finding, how many findings its chain holds below it.
    pub explains: Vec<usize>,
}

impl Chains {
    /// The chains of `a`.
    pub fn of(a: &Analysis) -> Self {
        let n = a.findings.len();
        let index: HashMap<&str, usize> = a
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.id.is_empty())
            .map(|(i, f)| (f.id.as_str(), i))
            .collect();
        let mut children = vec![Vec::new(); n];
        let mut also = vec![Vec::new(); n];
        let mut is_root = vec![true; n];
        for (i, f) in a.findings.iter().enumerate() {
            let mut causes = f.caused_by.iter().filter_map(|id| index.get(id.as_str()));
            if let Some(&first) = causes.next() {
                is_root[i] = false;
                children[first].push(i);
                for &other in causes {
                    also[other].push(i);
                }
            }
        }
        let mut roots: Vec<usize> = a
            .summary
            .root_causes
            .iter()
            .filter_map(|id| index.get(id.as_str()).copied())
            .filter(|&i| is_root[i])
            .collect();
        let listed: std::collections::HashSet<usize> = roots.iter().copied().collect();
        for (i, root) in is_root.iter().enumerate() {
            if *root && !listed.contains(&i) {
                roots.push(i);
            }
        }
        let mut chains = Chains {
            roots,
            children,
            also,
            explains: vec![0; n],
        };
        for &r in &chains.roots.clone() {
            chains.count(r, &mut vec![false; n]);
        }
        chains
    }

    fn count(&mut self, at: usize, seen: &mut Vec<bool>) -> usize {
        if seen[at] {
            return 0;
        }
        seen[at] = true;
        let kids = self.children[at].clone();
        let total = kids.iter().map(|&k| 1 + self.count(k, seen)).sum();
        self.explains[at] = total;
        total
    }

    /// The chain below `root`, depth first: (depth, index), depth 1 for its direct effects.
    pub fn below(&self, root: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut stack: Vec<(usize, usize)> =
            self.children[root].iter().rev().map(|&c| (1, c)).collect();
        let mut seen = vec![false; self.children.len()];
        seen[root] = true;
        while let Some((depth, i)) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            out.push((depth, i));
            stack.extend(self.children[i].iter().rev().map(|&c| (depth + 1, c)));
        }
        out
    }
}

/// `explains 3 findings`, or nothing for a finding that explains none.
pub fn explains_words(n: usize) -> Option<String> {
    match n {
        0 => None,
        1 => Some("explains 1 finding".to_string()),
        n => Some(format!("explains {n} findings")),
    }
}

/// The finding's title with its subject's category, for one-line listings.
pub fn one_line(f: &Finding) -> String {
    format!("{} [{}]", f.title, f.category)
}
