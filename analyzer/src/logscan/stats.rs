//! `kbundle rules --stats`: what each log rule costs on a real bundle, so an author sees a
//! rule that is slow or matches too much before shipping it.
//!
//! The analysis scans a log once for all rules of its kind (one literal prefilter, one
//! `RegexSet`), so no rule's share of that time can be read off it. Here each rule runs by
//! itself over the logs it reads, with its own prefilter and its own regex: the time is what
//! the rule costs alone, an upper bound of what it adds to the shared scan. The bundle is
//! read once; each member streams through every rule in blocks of whole lines.

use super::catalog::Catalog;
use super::prefilter::Prefilter;
use super::scanner::count_newlines;
use super::LogFileRef;
use kbundle_read::{Member, MemberSink};
use memchr::{memchr, memrchr};
use std::io::{self, Read};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Bytes read at a time; lines longer than this are cut.
const BLOCK: usize = 1 << 20;

/// What one rule did on a bundle.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleStats {
    /// The rule's id.
    pub id: String,
    /// Log files it read.
    pub files: u64,
    /// Lines of those files.
    pub lines: u64,
    /// Bytes of those files.
    pub bytes: u64,
    /// Lines its prefilter let through to the regex.
    pub candidates: u64,
    /// Lines its pattern matched.
    pub matches: u64,
    /// Time spent in its prefilter and its regex.
    pub time: Duration,
}

struct Compiled<'c> {
    rule: &'c super::LogRule,
    prefilter: Option<Prefilter>,
    stats: RuleStats,
}

struct Sink<'c> {
    rules: Vec<Compiled<'c>>,
}

/// Runs every rule of `catalog` by itself over the logs of `bundles`.
pub fn rule_stats(
    catalog: &Catalog,
    bundles: &[PathBuf],
) -> Result<Vec<RuleStats>, kbundle_read::ReadError> {
    let rules = catalog
        .rules()
        .iter()
        .map(|rule| Compiled {
            rule,
            // Built by the catalog's own checks already; a rule whose literals would not
            // build is measured without a prefilter.
            prefilter: Prefilter::new(rule.literals.clone()).ok().flatten(),
            stats: RuleStats {
                id: rule.id.clone(),
                ..RuleStats::default()
            },
        })
        .collect();
    let mut sink = Sink { rules };
    for path in bundles {
        kbundle_read::read_bundle(path, &mut sink)?;
    }
    Ok(sink.rules.into_iter().map(|c| c.stats).collect())
}

impl MemberSink for Sink<'_> {
    fn member(&mut self, m: Member<'_>) -> io::Result<()> {
        let Some(file) = LogFileRef::for_path(m.path) else {
            return Ok(());
        };
        let active: Vec<usize> = self
            .rules
            .iter()
            .enumerate()
            .filter(|(_, c)| c.rule.applies_to(&file))
            .map(|(i, _)| i)
            .collect();
        if active.is_empty() {
            return Ok(());
        }
        for &i in &active {
            self.rules[i].stats.files += 1;
        }
        let mut buf: Vec<u8> = Vec::with_capacity(BLOCK);
        loop {
            let want = BLOCK.saturating_sub(buf.len()).max(1);
            let got = (&mut *m.body).take(want as u64).read_to_end(&mut buf)?;
            let eof = got < want;
            let cut = if eof {
                buf.len()
            } else {
                memrchr(b'\n', &buf).map_or(buf.len(), |i| i + 1)
            };
            let block = &buf[..cut];
            let newlines = count_newlines(block);
            let lines = newlines + u64::from(eof && !block.is_empty() && !block.ends_with(b"\n"));
            for &i in &active {
                let c = &mut self.rules[i];
                c.stats.lines += lines;
                c.stats.bytes += block.len() as u64;
                let started = Instant::now();
                let (candidates, matches) = run(c, block);
                c.stats.time += started.elapsed();
                c.stats.candidates += candidates;
                c.stats.matches += matches;
            }
            if eof {
                return Ok(());
            }
            buf.drain(..cut);
        }
    }
}

/// One rule over one block of whole lines: (candidate lines, matching lines).
fn run(c: &Compiled<'_>, block: &[u8]) -> (u64, u64) {
    let (mut candidates, mut matches) = (0, 0);
    let mut check = |line: &[u8]| {
        candidates += 1;
        if c.rule.pattern.is_match(line) {
            matches += 1;
        }
    };
    match &c.prefilter {
        Some(pf) => {
            let mut cursor = pf.cursor();
            let mut pos = 0;
            while pos < block.len() {
                let Some(at) = pf.next_hit(block, pos, &mut cursor) else {
                    break;
                };
                let start = memrchr(b'\n', &block[pos..at]).map_or(pos, |i| pos + i + 1);
                let end = memchr(b'\n', &block[at..]).map_or(block.len(), |i| at + i);
                check(&block[start..end]);
                pos = end + 1;
            }
        }
        None => block.split(|&b| b == b'\n').for_each(check),
    }
    (candidates, matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_counts_its_own_lines_candidates_and_matches() {
        let dir = tempfile::tempdir().unwrap();
        let kern = dir.path().join("b/host-collectors/w1/files/var/log");
        std::fs::create_dir_all(&kern).unwrap();
        std::fs::write(dir.path().join("b/manifest.json"), "{}").unwrap();
        let mut text = String::new();
        for i in 0..1000 {
            text.push_str(&format!(
                "Nov 27 09:00:00 w1 kernel: [{i}.0] eth0: link up\n"
            ));
        }
        text.push_str(
            "Nov 27 09:12:03 w1 kernel: Out of memory: Killed process 4121 (java) total-vm:1kB\n",
        );
        text.push_str(
            "Nov 27 09:12:04 w1 kernel: Out of memory: Killed process 4122 (java) total-vm:1kB",
        );
        std::fs::write(kern.join("kern.log"), text).unwrap();
        let catalog = Catalog::builtin().unwrap();
        let stats = rule_stats(&catalog, &[dir.path().join("b")]).unwrap();
        let oom = stats.iter().find(|s| s.id == "kernel.oom-kill").unwrap();
        assert_eq!((oom.files, oom.lines, oom.matches), (1, 1002, 2));
        assert!(oom.candidates >= 2 && oom.candidates < 100, "{oom:?}");
        // A rule that reads container logs only saw nothing here.
        let container_only = catalog
            .rules()
            .iter()
            .find(|r| r.looks_at == [super::super::LogKind::ContainerLog])
            .unwrap();
        let s = stats.iter().find(|s| s.id == container_only.id).unwrap();
        assert_eq!((s.files, s.lines), (0, 0));
    }
}
