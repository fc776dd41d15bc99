//! Per-rule counters of one scan: count, first and last hit, a few distinct samples, and for
//! rules with `min_span` the longest run of hits.

use super::{count_newlines, strip_cr, HitLine, KindRules, RuleHits};
use crate::logscan::catalog::Catalog;
use crate::logscan::prefilter::Prefilter;
use crate::logscan::time::{parse_line_time, LineTime};
use jiff::{SignedDuration, Timestamp};
use memchr::{memchr, memrchr};

/// Longest evidence text kept, in bytes.
pub(super) const TEXT_CAP: usize = 512;
/// Bytes of the last hit's line kept to read its captures at the end.
const LAST_LINE_CAP: usize = 8 * 1024;
/// Distinct samples kept per rule.
const SAMPLES: usize = 3;
/// After this many hits, stop looking for new distinct samples.
const SAMPLE_SEARCH_LIMIT: u64 = 10_000;

/// Per-rule counters of one scan.
pub(super) struct Tally<'c> {
    catalog: &'c Catalog,
    kind: &'c KindRules,
    mask: Vec<bool>,
    rules: Vec<Option<Acc>>,
}

/// What is kept of one rule's hits while scanning.
struct Acc {
    count: u64,
    first: HitLine,
    samples: Vec<HitLine>,
    last_line: u64,
    last_bytes: Vec<u8>,
    run: Option<Run>,
}

/// The longest run of hits with no silence over `gap`.
struct Run {
    gap: SignedDuration,
    start: Option<Timestamp>,
    latest: Option<Timestamp>,
    best: Option<SignedDuration>,
}

/// Yearless stamps in one file are compared with each other only: any fixed year works.
fn run_reference() -> Timestamp {
    Timestamp::from_second(978_220_800).unwrap_or(Timestamp::UNIX_EPOCH) // 2000-12-31
}

impl Run {
    fn see(&mut self, time: Option<LineTime>) {
        let Some(ts) = time.map(|t| t.resolve(run_reference())) else {
            return;
        };
        match (self.start, self.latest) {
            (Some(start), Some(latest)) if (ts - latest).abs() <= self.gap => {
                let latest = latest.max(ts);
                self.latest = Some(latest);
                let len = latest - start;
                if self.best.is_none_or(|b| len > b) {
                    self.best = Some(len);
                }
            }
            _ => {
                self.start = Some(ts);
                self.latest = Some(ts);
                if self.best.is_none() {
                    self.best = Some(SignedDuration::ZERO);
                }
            }
        }
    }
}

impl<'c> Tally<'c> {
    pub(super) fn new(catalog: &'c Catalog, kind: &'c KindRules, mask: Vec<bool>) -> Self {
        let rules = (0..kind.rules.len()).map(|_| None).collect();
        Tally {
            catalog,
            kind,
            mask,
            rules,
        }
    }

    /// Finds the candidate lines of `data` (complete lines, the first numbered `first_line`)
    /// and checks them; returns the number of line breaks in `data`.
    pub(super) fn search(&mut self, prefilter: &Prefilter, data: &[u8], first_line: u64) -> u64 {
        let mut pos = 0;
        let mut counted = 0;
        let mut line = first_line;
        let mut cursor = prefilter.cursor();
        while pos < data.len() {
            let Some(at) = prefilter.next_hit(data, pos, &mut cursor) else {
                break;
            };
            let start = memrchr(b'\n', &data[pos..at]).map_or(pos, |i| pos + i + 1);
            let end = memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i);
            line += count_newlines(&data[counted..start]);
            counted = start;
            self.check(strip_cr(&data[start..end]), line);
            pos = end + 1;
        }
        line += count_newlines(&data[counted.min(data.len())..]);
        line - first_line
    }

    fn check(&mut self, text: &[u8], number: u64) {
        let matches = self.kind.set.matches(text);
        if !matches.matched_any() {
            return;
        }
        for index in matches.iter() {
            if self.mask[index] {
                self.record(index, text, number);
            }
        }
    }

    fn record(&mut self, index: usize, text: &[u8], number: u64) {
        let rule = self.catalog.rule(self.kind.rules[index]);
        let slot = &mut self.rules[index];
        let Some(acc) = slot else {
            let time = parse_line_time(text);
            let first = hit_line(number, text, time);
            let mut run = rule.min_span.map(|_| Run {
                gap: rule.max_gap,
                start: None,
                latest: None,
                best: None,
            });
            if let Some(run) = run.as_mut() {
                run.see(time);
            }
            *slot = Some(Acc {
                count: 1,
                samples: vec![first.clone()],
                first,
                last_line: number,
                last_bytes: capped(text, LAST_LINE_CAP).to_vec(),
                run,
            });
            return;
        };
        // A line cut into pieces (longer than a block) counts once.
        if acc.last_line == number {
            return;
        }
        acc.count += 1;
        acc.last_line = number;
        acc.last_bytes.clear();
        acc.last_bytes
            .extend_from_slice(capped(text, LAST_LINE_CAP));
        if let Some(run) = acc.run.as_mut() {
            run.see(parse_line_time(text));
        }
        if acc.samples.len() < SAMPLES
            && acc.count <= SAMPLE_SEARCH_LIMIT
            && !acc
                .samples
                .iter()
                .any(|s| same_but_digits(s.text.as_bytes(), capped(text, TEXT_CAP)))
        {
            acc.samples
                .push(hit_line(number, text, parse_line_time(text)));
        }
    }

    pub(super) fn finish(self) -> Vec<RuleHits> {
        let mut out = Vec::new();
        for (index, acc) in self.rules.into_iter().enumerate() {
            let Some(acc) = acc else { continue };
            let id = self.kind.rules[index];
            let rule = self.catalog.rule(id);
            let captures = rule
                .pattern
                .captures(&acc.last_bytes)
                .map(|caps| {
                    rule.pattern
                        .capture_names()
                        .flatten()
                        .filter_map(|name| {
                            caps.name(name)
                                .map(|m| (name.to_string(), clean_text(m.as_bytes(), TEXT_CAP)))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let last = hit_line(
                acc.last_line,
                &acc.last_bytes,
                parse_line_time(&acc.last_bytes),
            );
            out.push(RuleHits {
                rule: id,
                count: acc.count,
                first: acc.first,
                last,
                samples: acc.samples,
                captures,
                longest_run: acc.run.and_then(|r| r.best),
            });
        }
        out.sort_by_key(|h| h.rule);
        out
    }
}

pub(super) fn hit_line(line: u64, text: &[u8], time: Option<LineTime>) -> HitLine {
    HitLine {
        line,
        text: clean_text(text, TEXT_CAP),
        time,
    }
}

fn capped(text: &[u8], cap: usize) -> &[u8] {
    &text[..text.len().min(cap)]
}

/// Lossy UTF-8, tabs as spaces, other control characters dropped, at most `cap` bytes (cut
/// on a character boundary, ending in `…` when cut).
fn clean_text(bytes: &[u8], cap: usize) -> String {
    let raw = String::from_utf8_lossy(capped(bytes, cap + 4));
    let mut out = String::with_capacity(raw.len().min(cap));
    let mut cut = false;
    for c in raw.chars() {
        let c = if c == '\t' { ' ' } else { c };
        if c.is_control() {
            continue;
        }
        if out.len() + c.len_utf8() > cap {
            cut = true;
            break;
        }
        out.push(c);
    }
    if cut || bytes.len() > cap + 4 {
        while out.len() + '…'.len_utf8() > cap {
            out.pop();
        }
        out.push('…');
    }
    out
}

/// True when two lines are equal once ASCII digits are ignored (same message, other time,
/// pid or count): such lines make poor separate samples.
fn same_but_digits(a: &[u8], b: &[u8]) -> bool {
    let mut a = a.iter().filter(|c| !c.is_ascii_digit());
    let mut b = b.iter().filter(|c| !c.is_ascii_digit());
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x == y => {}
            // Tabs became spaces in stored texts; compare them alike.
            (Some(b' '), Some(b'\t')) | (Some(b'\t'), Some(b' ')) => {}
            _ => return false,
        }
    }
}
