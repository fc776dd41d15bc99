//! The literals a rule's pattern cannot match without: the scanner searches a whole buffer
//! for them at memory speed and runs the rule regexes only on the few lines that hold one.

use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Hir, HirKind};

/// Shortest literal worth searching for: shorter ones hit nearly every line.
pub(crate) const MIN_LITERAL_LEN: usize = 3;
/// At most this many literals per rule (case variants and small alternations multiply).
const MAX_LITERALS: usize = 16;

/// Why no literal set was found for a pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LiteralError {
    /// The pattern does not parse.
    #[error("{0}")]
    Syntax(Box<regex_syntax::Error>),
    /// Every literal it contains is optional or too short.
    #[error(
        "no literal text of at least {MIN_LITERAL_LEN} bytes that every match must contain; \
         start the pattern with (or include) fixed words so the scanner can find it"
    )]
    NoLiteral,
}

/// Parses `pattern` the way `regex::bytes` does and returns a small set of literals such that
/// every match contains at least one of them, or why no such set was found.
pub(crate) fn required_literals(pattern: &str) -> Result<Vec<Vec<u8>>, LiteralError> {
    let hir = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(|e| LiteralError::Syntax(Box::new(e)))?;
    required(&hir).ok_or(LiteralError::NoLiteral)
}

/// The best literal set every match of `hir` contains: the prefix or suffix literals of the
/// whole, of any run of a concatenation's parts, or of any one part; for an alternation, the
/// union of its branches' sets.
fn required(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let mut best = usable(hir);
    let mut consider = |set: Option<Vec<Vec<u8>>>| {
        if let Some(set) = set {
            if best.as_ref().is_none_or(|b| score(&set) > score(b)) {
                best = Some(set);
            }
        }
    };
    match hir.kind() {
        HirKind::Capture(cap) => consider(required(&cap.sub)),
        HirKind::Repetition(rep) if rep.min > 0 => consider(required(&rep.sub)),
        HirKind::Concat(children) => {
            for i in 0..children.len() {
                consider(required(&children[i]));
                for j in i + 2..=children.len() {
                    if (i, j) != (0, children.len()) {
                        consider(usable(&Hir::concat(children[i..j].to_vec())));
                    }
                }
            }
        }
        HirKind::Alternation(branches) => {
            let union = branches
                .iter()
                .map(required)
                .collect::<Option<Vec<_>>>()
                .map(|sets| sets.into_iter().flatten().collect::<Vec<_>>());
            consider(union.and_then(|mut set| {
                minimize(&mut set);
                (set.len() <= MAX_LITERALS).then_some(set)
            }));
        }
        _ => {}
    }
    best
}

/// The prefix or suffix literal set of `hir`, if it is finite, small and free of line breaks.
fn usable(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let mut best: Option<Vec<Vec<u8>>> = None;
    for kind in [ExtractKind::Prefix, ExtractKind::Suffix] {
        let mut extractor = Extractor::new();
        extractor.kind(kind).limit_total(MAX_LITERALS * 4);
        let seq = extractor.extract(hir);
        let Some(lits) = seq.literals() else {
            continue;
        };
        let mut set: Vec<Vec<u8>> = lits.iter().map(|l| l.as_bytes().to_vec()).collect();
        if set.is_empty()
            || set
                .iter()
                .any(|l| l.len() < MIN_LITERAL_LEN || l.contains(&b'\n') || l.contains(&b'\r'))
        {
            continue;
        }
        minimize(&mut set);
        if set.len() > MAX_LITERALS {
            continue;
        }
        if best.as_ref().is_none_or(|b| score(&set) > score(b)) {
            best = Some(set);
        }
    }
    best
}

/// Drops duplicates and any literal that contains another one: finding the shorter one
/// already finds every line the longer one would.
pub(crate) fn minimize(set: &mut Vec<Vec<u8>>) {
    set.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    set.dedup();
    let mut kept: Vec<Vec<u8>> = Vec::with_capacity(set.len());
    for lit in set.drain(..) {
        if !kept.iter().any(|k| memchr::memmem::find(&lit, k).is_some()) {
            kept.push(lit);
        }
    }
    *set = kept;
}

/// Longer literals hit fewer lines (`failed to ` is everywhere, `failed to set up network for
/// sandbox` is not); fewer literals keep the prefilter small. Past 12 bytes length matters
/// less than the count, but still breaks ties.
fn score(set: &[Vec<u8>]) -> (usize, std::cmp::Reverse<usize>, usize) {
    let shortest = set.iter().map(Vec::len).min().unwrap_or(0);
    (shortest.min(12), std::cmp::Reverse(set.len()), shortest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(p: &str) -> Vec<String> {
        required_literals(p)
            .unwrap()
            .into_iter()
            .map(|l| String::from_utf8(l).unwrap())
            .collect()
    }

    #[test]
    fn prefix_literals_of_plain_patterns() {
        assert_eq!(
            lits(r"Out of memory: Killed process (?P<pid>\d+) \((?P<comm>[^)]+)\)"),
            vec!["Out of memory: Killed process "]
        );
        assert_eq!(
            lits(r"(?:EXT4-fs error|XFS \(\S+\): metadata I/O error)"),
            vec!["EXT4-fs error", "): metadata I/O error"]
        );
    }

    #[test]
    fn inner_literals_when_the_pattern_starts_with_a_class() {
        assert_eq!(
            lits(r#"\S+ blocked for more than (?P<secs>\d+) seconds"#),
            vec![" blocked for more than "]
        );
        assert_eq!(
            lits(r"(?P<dev>\w+): [Ll]ink is [Dd]own"),
            vec![
                ": Link is Down",
                ": Link is down",
                ": link is Down",
                ": link is down"
            ]
        );
    }

    #[test]
    fn patterns_without_a_usable_literal_are_refused() {
        assert!(required_literals(r"\d+ \w+").is_err());
        assert!(required_literals(r"E\d").is_err());
        assert!(required_literals(r"(unclosed").is_err());
    }
}
