//! `read-bundle`: streams every member of a bundle through `kbundle::read::read_bundle` and
//! counts lines with memchr: the reader pipeline alone, without the analysis, for
//! benchmarks. Prints members, bytes, lines, time and peak RSS.

use kbundle::read::{read_bundle, Member, MemberSink, SkipReason};
use std::io;
use std::path::PathBuf;
use std::time::Instant;

/// Counts what streams past.
#[derive(Default)]
struct LineCount {
    bytes: u64,
    lines: u64,
    skipped: u64,
    buf: Vec<u8>,
}

impl MemberSink for LineCount {
    fn member(&mut self, member: Member<'_>) -> io::Result<()> {
        if self.buf.is_empty() {
            self.buf = vec![0; 256 << 10];
        }
        loop {
            let n = member.body.read(&mut self.buf)?;
            if n == 0 {
                return Ok(());
            }
            self.bytes += n as u64;
            self.lines += memchr::memchr_iter(b'\n', &self.buf[..n]).count() as u64;
        }
    }

    fn skipped(&mut self, _entry: &str, _reason: SkipReason) {
        self.skipped += 1;
    }
}

/// Peak resident memory of this process, from /proc (Linux).
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> anyhow::Result<()> {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        anyhow::bail!("usage: read-bundle BUNDLE");
    };
    let started = Instant::now();
    let mut count = LineCount::default();
    let source = read_bundle(&path, &mut count)?;
    let elapsed = started.elapsed();
    println!(
        "{}: {:?}, {} members, {} skipped, {:.1} MB, {} lines, {:.3} s, {:.0} MB/s, peak RSS {} MB",
        path.display(),
        source.container,
        source.members,
        count.skipped,
        count.bytes as f64 / 1e6,
        count.lines,
        elapsed.as_secs_f64(),
        count.bytes as f64 / 1e6 / elapsed.as_secs_f64(),
        peak_rss_kb().map_or("?".to_string(), |kb| (kb / 1024).to_string())
    );
    Ok(())
}
