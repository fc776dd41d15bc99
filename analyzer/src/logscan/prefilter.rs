//! Finding candidate lines fast: every literal of every rule of a log kind, searched over a
//! whole block at once. SIMD literal search (Teddy) takes at most 64 literals, so larger
//! sets are split into groups searched side by side, each remembering its next hit.

use super::literals::minimize;
use aho_corasick::{AhoCorasick, Input, MatchKind};

/// Literals per searcher: the most the SIMD searcher accepts.
const GROUP: usize = 64;

/// The literal searchers of one log kind.
#[derive(Debug, Clone)]
pub(crate) struct Prefilter {
    groups: Vec<AhoCorasick>,
}

/// Where a group's next hit is, as far as the search of one block has looked.
#[derive(Debug, Clone, Copy)]
enum Next {
    /// Not searched since the block began.
    Unknown,
    /// A hit starting here.
    At(usize),
    /// No further hit in the block.
    Done,
}

/// The search state of one block.
pub(crate) struct Cursor {
    next: Vec<Next>,
}

impl Prefilter {
    /// Builds the searchers; `None` when there is no literal (no rule for the kind).
    pub(crate) fn new(
        mut literals: Vec<Vec<u8>>,
    ) -> Result<Option<Prefilter>, aho_corasick::BuildError> {
        minimize(&mut literals);
        let mut literals: Vec<Vec<u8>> = literals.iter().map(|l| rare_start(l).to_vec()).collect();
        minimize(&mut literals);
        if literals.is_empty() {
            return Ok(None);
        }
        let groups = literals
            .chunks(GROUP)
            .map(|group| {
                // Leftmost-first is what enables the SIMD searcher; any hit will do for us.
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(group)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(Prefilter { groups }))
    }

    /// A fresh search state for a new block.
    pub(crate) fn cursor(&self) -> Cursor {
        Cursor {
            next: vec![Next::Unknown; self.groups.len()],
        }
    }

    /// The start of the first literal hit at or after `pos` in `data`.
    pub(crate) fn next_hit(&self, data: &[u8], pos: usize, cursor: &mut Cursor) -> Option<usize> {
        let mut first: Option<usize> = None;
        for (searcher, next) in self.groups.iter().zip(cursor.next.iter_mut()) {
            let stale = match *next {
                Next::Unknown => true,
                Next::At(at) => at < pos,
                Next::Done => false,
            };
            if stale {
                *next = match searcher.find(Input::new(data).span(pos..data.len())) {
                    Some(m) => Next::At(m.start()),
                    None => Next::Done,
                };
            }
            if let Next::At(at) = *next {
                first = Some(first.map_or(at, |f| f.min(at)));
            }
        }
        first
    }
}

/// Bytes kept of a literal at least (or all of a shorter one).
const KEEP: usize = 8;

/// The literal from the start that makes its first three bytes rarest in logs. The SIMD
/// searcher looks at the first three bytes of each literal and checks the rest only when
/// they match, so `" failed for volume "` (space, f, a: everywhere) is searched as
/// `"led for volume "`. Any tail of a literal is still in every line the literal is.
fn rare_start(lit: &[u8]) -> &[u8] {
    let last = lit.len().saturating_sub(KEEP);
    let start = (0..=last)
        .min_by_key(|&s| lit[s..].iter().take(3).map(|&b| commonness(b)).sum::<u32>())
        .unwrap_or(0);
    &lit[start..]
}

/// How common a byte is in log text, roughly: spaces and lower-case letters most, then
/// digits and quotes, then other punctuation, upper-case letters least.
fn commonness(b: u8) -> u32 {
    match b {
        b' ' => 100,
        b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' => 80,
        b'h' | b'l' | b'd' | b'c' | b'u' | b'm' | b'f' | b'p' | b'g' => 60,
        b'a'..=b'z' | b'0'..=b'9' | b'"' => 45,
        b'.' | b',' | b':' | b'=' | b'/' | b'-' | b'_' => 35,
        b'A'..=b'Z' => 15,
        _ => 20,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_literals_are_searched_in_groups() {
        let literals: Vec<Vec<u8>> = (0..150)
            .map(|i| format!("word{i:03}!").into_bytes())
            .collect();
        let pf = Prefilter::new(literals).unwrap().unwrap();
        assert_eq!(pf.groups.len(), 3);
        let data = b"aaa word149! bbb word002! ccc word070! word149!";
        let mut cursor = pf.cursor();
        let mut hits = Vec::new();
        let mut pos = 0;
        while let Some(at) = pf.next_hit(data, pos, &mut cursor) {
            hits.push(at);
            pos = at + 1;
        }
        assert_eq!(hits, [4, 17, 30, 39]);
    }

    #[test]
    fn literals_start_at_rare_bytes() {
        assert_eq!(rare_start(b" failed for volume "), b"led for volume ");
        assert_eq!(rare_start(b"PLEG is not healthy"), b"PLEG is not healthy");
        assert_eq!(rare_start(b"BUG: "), b"BUG: ");
    }

    #[test]
    fn redundant_literals_are_dropped() {
        let pf = Prefilter::new(vec![b"Failed to run".to_vec(), b"Failed to".to_vec()])
            .unwrap()
            .unwrap();
        assert_eq!(pf.groups[0].patterns_len(), 1);
        assert!(Prefilter::new(Vec::new()).unwrap().is_none());
    }
}
