//! The scan itself: big blocks, a literal search over the whole block to jump to candidate
//! lines (as ripgrep does), the rule `RegexSet` on those lines only, and per rule a count,
//! the first and last hit and a few samples. Memory stays flat whatever the file size.

use super::catalog::{Catalog, CatalogError, RuleId, RuleProblem};
use super::cause::CauseMatcher;
use super::prefilter::Prefilter;
use super::time::{parse_line_time, LineTime};
use super::{LogFileRef, LogKind};
use jiff::SignedDuration;
use kbundle_format::analysis::Evidence;
use memchr::memrchr;
use regex::bytes::RegexSet;
use std::io::{self, Read};
use tally::{hit_line, Tally};

/// Bytes read per step. Lines longer than this are cut into pieces (each piece is searched,
/// a rule counts at most once per line).
const BLOCK: usize = 256 * 1024;
/// Lines tried at each end of a file for its time range.
const TIME_PROBE_LINES: usize = 32;
/// Error lines kept as the cause of a container's end.
const CAUSE_LINES: usize = 3;

/// One line of a log, as evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitLine {
    /// 1-based line number in the file.
    pub line: u64,
    /// The line, lossily decoded, tabs turned to spaces, other control characters dropped,
    /// cut to at most 512 bytes.
    pub text: String,
    /// The line's own time stamp, when it has one.
    pub time: Option<LineTime>,
}

/// What one rule found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleHits {
    /// The rule, in the scanner's catalog.
    pub rule: RuleId,
    /// Matching lines.
    pub count: u64,
    /// The first matching line.
    pub first: HitLine,
    /// The last matching line.
    pub last: HitLine,
    /// Up to three lines that differ in more than their digits, the first hit among them.
    pub samples: Vec<HitLine>,
    /// The named captures of the last hit, in pattern order, unset ones left out.
    pub captures: Vec<(String, String)>,
    /// For rules with `min_span`: the longest run of hits without a silence over the rule's
    /// `max_gap`, first to last hit; `None` when the rule has no `min_span` or the hits carry
    /// no times.
    pub longest_run: Option<SignedDuration>,
}

/// Everything the scan of one file produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileScan {
    /// The file scanned.
    pub file: LogFileRef,
    /// Its kind (as in `file`).
    pub kind: LogKind,
    /// Lines read.
    pub lines: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Time of the first stamped line among the first few.
    pub first_time: Option<LineTime>,
    /// Time of the last stamped line among the last few.
    pub last_time: Option<LineTime>,
    /// One entry per rule that matched, in catalog order.
    pub hits: Vec<RuleHits>,
    /// Container logs only: the last (up to three) error-level lines, oldest first, looked
    /// for in the last 256–512 KiB of the file: why the container ended, when it crashed.
    pub cause_lines: Vec<HitLine>,
}

impl HitLine {
    /// The line as a finding's evidence in `file`.
    pub fn evidence(&self, file: &LogFileRef) -> Evidence {
        Evidence {
            file: file.path.to_string(),
            line: Some(self.line),
            text: self.text.clone(),
        }
    }
}

impl RuleHits {
    /// Evidence for a finding: the distinct samples (the first hit among them), then the last
    /// hit when it is not one of them.
    pub fn evidence(&self, file: &LogFileRef) -> Vec<Evidence> {
        let mut out: Vec<Evidence> = self.samples.iter().map(|h| h.evidence(file)).collect();
        if !self.samples.iter().any(|h| h.line == self.last.line) {
            out.push(self.last.evidence(file));
        }
        out
    }
}

impl FileScan {
    /// Renumbers the lines of a scan of a part of a file (one container's block of
    /// `kubectl cluster-info dump`'s logs, one node's run of `oc adm node-logs`), so that
    /// evidence points at the file's own lines: `before` lines of the file precede the part.
    pub(crate) fn offset_lines(&mut self, before: u64) {
        for h in &mut self.hits {
            h.first.line += before;
            h.last.line += before;
            for s in &mut h.samples {
                s.line += before;
            }
        }
        for c in &mut self.cause_lines {
            c.line += before;
        }
    }

    /// The hits that are findings by their rule's thresholds (`min_count`, `min_span`).
    pub fn conclusive<'a>(&'a self, catalog: &'a Catalog) -> impl Iterator<Item = &'a RuleHits> {
        self.hits
            .iter()
            .filter(move |h| catalog.rule(h.rule).is_met(h))
    }
}

/// The compiled rules of one log kind.
#[derive(Debug, Clone)]
struct KindRules {
    /// Set index → rule.
    rules: Vec<RuleId>,
    /// Every literal of every rule: a line holding none cannot match any rule.
    prefilter: Option<Prefilter>,
    /// The rules' patterns, in `rules` order.
    set: RegexSet,
}

/// The catalog compiled for scanning: build once, share between threads, scan many files.
#[derive(Debug, Clone)]
pub struct LogScanner {
    catalog: Catalog,
    kinds: Vec<KindRules>,
    cause: CauseMatcher,
}

impl LogScanner {
    /// Compiles the catalog: per log kind, one literal prefilter and one `RegexSet`.
    pub fn new(catalog: &Catalog) -> Result<LogScanner, CatalogError> {
        let mut kinds = Vec::with_capacity(LogKind::ALL.len());
        for kind in LogKind::ALL {
            let rules: Vec<RuleId> = catalog
                .rules()
                .iter()
                .enumerate()
                .filter(|(_, r)| r.looks_at.contains(&kind))
                .map(|(i, _)| RuleId(i))
                .collect();
            let err = |problem| CatalogError {
                file: "*".to_string(),
                rule: None,
                problem,
            };
            let patterns = rules.iter().map(|&id| catalog.rule(id).pattern.as_str());
            let set = RegexSet::new(patterns)
                .map_err(|error| err(RuleProblem::KindPatterns { kind, error }))?;
            let literals = rules
                .iter()
                .flat_map(|&id| catalog.rule(id).literals.iter().cloned())
                .collect();
            let prefilter = Prefilter::new(literals)
                .map_err(|error| err(RuleProblem::KindPrefilter { kind, error }))?;
            kinds.push(KindRules {
                rules,
                prefilter,
                set,
            });
        }
        let cause = CauseMatcher::new().map_err(|e| CatalogError {
            file: "*".to_string(),
            rule: None,
            problem: RuleProblem::CausePattern(e),
        })?;
        Ok(LogScanner {
            catalog: catalog.clone(),
            kinds,
            cause,
        })
    }

    /// The scanner of the catalog compiled into the binary ([`Catalog::builtin`]).
    pub fn builtin() -> Result<LogScanner, CatalogError> {
        LogScanner::new(&Catalog::builtin()?)
    }

    /// The catalog the scanner was built from: [`RuleHits::rule`] indexes it.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Reads `reader` to its end and returns what the rules for `file`'s kind (and pod) found.
    /// Only I/O errors of `reader` are errors; any bytes (invalid UTF-8, CRLF, NUL, endless
    /// lines) are scanned.
    pub fn scan(&self, file: &LogFileRef, reader: impl Read) -> io::Result<FileScan> {
        let kind = &self.kinds[file.kind as usize];
        let mask: Vec<bool> = kind
            .rules
            .iter()
            .map(|&id| self.catalog.rule(id).applies_to(file))
            .collect();
        self.scan_masked(file, kind, mask, reader)
    }

    fn scan_masked(
        &self,
        file: &LogFileRef,
        kind: &KindRules,
        mask: Vec<bool>,
        mut reader: impl Read,
    ) -> io::Result<FileScan> {
        let prefilter = kind.prefilter.as_ref().filter(|_| mask.contains(&true));
        let mut tally = Tally::new(&self.catalog, kind, mask);
        let mut buf: Vec<u8> = Vec::with_capacity(BLOCK * 2);
        // The chunk before the current one, kept for the tail work at the end.
        let mut prev = Chunk::default();
        let mut next_line: u64 = 1;
        let mut bytes: u64 = 0;
        let mut first_time = None;
        let mut ends_with_newline = true;
        loop {
            let want = BLOCK.saturating_sub(buf.len()).max(1);
            let got = (&mut reader).take(want as u64).read_to_end(&mut buf)?;
            let eof = got < want;
            bytes += got as u64;
            let cut = if eof {
                buf.len()
            } else {
                memrchr(b'\n', &buf).map_or(buf.len(), |i| i + 1)
            };
            let data = &buf[..cut];
            if bytes > 0 && first_time.is_none() && next_line == 1 {
                first_time = first_stamp(data);
            }
            let newlines = match prefilter {
                Some(pf) => tally.search(pf, data, next_line),
                None => count_newlines(data),
            };
            if !data.is_empty() {
                ends_with_newline = data.last() == Some(&b'\n');
            }
            let chunk_first = next_line;
            next_line += newlines;
            if eof {
                let current = ChunkRef {
                    data,
                    first_line: chunk_first,
                };
                let tail = [prev.as_ref(), current];
                let last_time = last_stamp(&tail);
                let cause_lines = if file.kind == LogKind::ContainerLog {
                    self.cause_lines(&tail)
                } else {
                    Vec::new()
                };
                let lines = if bytes == 0 {
                    0
                } else if ends_with_newline {
                    next_line - 1
                } else {
                    next_line
                };
                return Ok(FileScan {
                    file: file.clone(),
                    kind: file.kind,
                    lines,
                    bytes,
                    first_time,
                    last_time,
                    hits: tally.finish(),
                    cause_lines,
                });
            }
            // Keep this chunk as `prev`, reuse the old `prev` buffer for the carried-over
            // partial line and the next block.
            let mut spare = std::mem::take(&mut prev.data);
            spare.clear();
            spare.extend_from_slice(&buf[cut..]);
            buf.truncate(cut);
            prev = Chunk {
                data: buf,
                first_line: chunk_first,
            };
            buf = spare;
        }
    }

    fn cause_lines(&self, tail: &[ChunkRef<'_>; 2]) -> Vec<HitLine> {
        let mut found = Vec::new();
        for_lines_backward(tail, |number, line| {
            if self.cause.is_cause(line) {
                found.push(hit_line(number, line, parse_line_time(line)));
            }
            found.len() < CAUSE_LINES
        });
        found.reverse();
        found
    }
}

#[derive(Default)]
struct Chunk {
    data: Vec<u8>,
    first_line: u64,
}

impl Chunk {
    fn as_ref(&self) -> ChunkRef<'_> {
        ChunkRef {
            data: &self.data,
            first_line: self.first_line,
        }
    }
}

#[derive(Clone, Copy)]
struct ChunkRef<'a> {
    data: &'a [u8],
    first_line: u64,
}

/// Calls `f(line number, line)` for the lines of `tail`, last first, until it returns false.
fn for_lines_backward(tail: &[ChunkRef<'_>; 2], mut f: impl FnMut(u64, &[u8]) -> bool) {
    for chunk in tail.iter().rev() {
        let data = chunk.data;
        if data.is_empty() {
            continue;
        }
        let mut end = data.len();
        if data.last() == Some(&b'\n') {
            end -= 1;
        }
        let mut number = chunk.first_line + count_newlines(&data[..end]);
        loop {
            let start = memrchr(b'\n', &data[..end]).map_or(0, |i| i + 1);
            if !f(number, strip_cr(&data[start..end])) {
                return;
            }
            if start == 0 {
                break;
            }
            end = start - 1;
            number -= 1;
        }
    }
}

fn first_stamp(data: &[u8]) -> Option<LineTime> {
    data.split(|&b| b == b'\n')
        .take(TIME_PROBE_LINES)
        .find_map(|line| parse_line_time(strip_cr(line)))
}

fn last_stamp(tail: &[ChunkRef<'_>; 2]) -> Option<LineTime> {
    let mut found = None;
    let mut tried = 0;
    for_lines_backward(tail, |_, line| {
        found = parse_line_time(line);
        tried += 1;
        found.is_none() && tried < TIME_PROBE_LINES
    });
    found
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Line breaks in `data`. Written so the compiler turns it into SIMD compares: byte
/// counters per lane, emptied before they can overflow (255 rows of 64 bytes).
pub(super) fn count_newlines(data: &[u8]) -> u64 {
    const ROW: usize = 64;
    let mut total = 0u64;
    let mut blocks = data.chunks_exact(ROW * 255);
    for block in blocks.by_ref() {
        let mut lanes = [0u8; ROW];
        for row in block.chunks_exact(ROW) {
            for (lane, &b) in lanes.iter_mut().zip(row.iter()) {
                *lane += u8::from(b == b'\n');
            }
        }
        total += lanes.iter().map(|&n| u64::from(n)).sum::<u64>();
    }
    total + blocks.remainder().iter().filter(|&&b| b == b'\n').count() as u64
}

mod tally;
#[cfg(test)]
mod tests;
