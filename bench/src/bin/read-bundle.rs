//! `read-bundle`: streams every member of a bundle through `kbundle_read::read_bundle` and
//! counts lines with memchr: the reader pipeline alone, without the analysis, for
//! benchmarks. Prints members, bytes, lines, time and peak RSS.
//!
//! `read-bundle --inflate-only FILE.tar.gz` only inflates (flate2, zlib-rs, one thread, no
//! tar): the floor the pipelined reader is measured against.

use kbundle_read::{read_bundle, Member, MemberSink, SkipReason};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
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

/// Inflates `path` on this thread and counts the bytes.
fn inflate_only(path: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let file = std::fs::File::open(path)?;
    let mut gz = flate2::bufread::MultiGzDecoder::new(io::BufReader::with_capacity(1 << 20, file));
    // Large reads, as the reader's inflate thread does (io::copy's 8 KiB would be slower).
    let mut buf = vec![0; 512 << 10];
    let mut bytes = 0u64;
    loop {
        let n = gz.read(&mut buf)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
    }
    let elapsed = started.elapsed();
    println!(
        "{}: inflated {:.1} MB, {:.3} s, {:.0} MB/s, peak RSS {} MB",
        path.display(),
        bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        bytes as f64 / 1e6 / elapsed.as_secs_f64(),
        peak_rss_kb().map_or("?".to_string(), |kb| (kb / 1024).to_string())
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let path = match args.as_slice() {
        [flag, path] if flag.as_os_str() == "--inflate-only" => return inflate_only(path),
        [path] => path,
        _ => anyhow::bail!("usage: read-bundle [--inflate-only] BUNDLE"),
    };
    let started = Instant::now();
    let mut count = LineCount::default();
    let source = read_bundle(path, &mut count)?;
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
