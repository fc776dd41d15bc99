//! Finding ids: what a ticket cites and what `caused_by` points at.
//!
//! An id is derived from what the finding is about (its category and subject, the identity
//! under which reports are merged), never from its position, so the same input gives the
//! same ids, and adding an unrelated problem to a bundle does not renumber the others.

use kbundle_format::analysis::{Finding, SubjectKind};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Hex digits of the digest kept: 48 bits, so that even 200,000 findings are unlikely to
/// share one; the rare clash is settled by [`assign`].
const HEX_DIGITS: usize = 12;

/// The id of a finding before clashes are settled: `f` and 12 hex digits of the SHA-256 of
/// its identity.
pub(crate) fn base_id(f: &Finding) -> String {
    let s = &f.subject;
    // The node belongs to the identity of things that live on a node, as in the merge key:
    // a pod is the same pod whoever reported its node.
    let node = match s.kind {
        SubjectKind::Interface
        | SubjectKind::Filesystem
        | SubjectKind::Volume
        | SubjectKind::Certificate
        | SubjectKind::Node => s.node.as_deref().unwrap_or(""),
        _ => "",
    };
    let mut h = Sha256::new();
    for part in [
        f.category.as_str(),
        s.kind.word(),
        s.namespace.as_deref().unwrap_or(""),
        &s.name,
        s.container.as_deref().unwrap_or(""),
        s.workload_kind.as_deref().unwrap_or(""),
        node,
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    let mut id = String::with_capacity(1 + HEX_DIGITS);
    id.push('f');
    for b in digest.iter().take(HEX_DIGITS / 2) {
        id.push_str(&format!("{b:02x}"));
    }
    id
}

/// Gives every finding its id. `findings` must already be in a deterministic order: on the
/// rare clash the later finding gets `-2`, `-3`, ... appended.
pub(crate) fn assign(findings: &mut [Finding]) {
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(findings.len());
    for f in findings.iter_mut() {
        let base = base_id(f);
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        f.id = if *n == 1 { base } else { format!("{base}-{n}") };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Draft;
    use kbundle_format::analysis::{Category, Severity, Subject};

    fn finding(category: Category, subject: Subject) -> Finding {
        Draft::of("t.r", category, Severity::Warning, "", subject)
            .evidence("f", None, "x")
            .build()
    }

    #[test]
    fn ids_follow_the_subject_not_the_position() {
        let a = finding(
            Category::CrashLoop,
            Subject::pod("ns", "p").with_container("c"),
        );
        let b = finding(Category::NodeNotReady, Subject::node("w1"));
        let mut one = vec![a.clone(), b.clone()];
        let mut two = vec![b, a];
        assign(&mut one);
        assign(&mut two);
        assert_eq!(one[0].id, two[1].id);
        assert_eq!(one[1].id, two[0].id);
        assert_ne!(one[0].id, one[1].id);
        assert!(one[0].id.starts_with('f') && one[0].id.len() == 1 + HEX_DIGITS);
    }

    #[test]
    fn a_clash_is_settled_in_order() {
        let a = finding(Category::NodeNotReady, Subject::node("w1"));
        let mut all = vec![a.clone(), a];
        assign(&mut all);
        assert_eq!(all[1].id, format!("{}-2", all[0].id));
    }
}
