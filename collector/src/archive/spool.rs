//! A size-capped spool for one member of the bundle: the newest `cap` bytes of a stream,
//! kept in an unnamed temporary file beside the bundle.
//!
//! Tar needs a member's size before its content, and outputs must be redacted before they
//! are written, so every member passes through a spool. The file is used as a ring: memory
//! stays at one small buffer whatever the stream's length, disk at most `cap` bytes, and
//! the file disappears when the spool is dropped (it has no name: O_TMPFILE on Linux).

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;

const BUFFER: usize = 64 * 1024;

/// Collects a stream, keeping its newest `cap` bytes.
pub(crate) struct Spool {
    file: File,
    cap: u64,
    /// Bytes written to the ring so far (logical length of the stream).
    written: u64,
    buf: Vec<u8>,
}

impl Spool {
    /// A spool in `dir` keeping at most `cap` bytes (`u64::MAX` for no cap).
    pub(crate) fn new(dir: &Path, cap: u64) -> io::Result<Self> {
        Ok(Spool {
            file: tempfile::tempfile_in(dir)?,
            cap: cap.max(1),
            written: 0,
            buf: Vec::with_capacity(BUFFER),
        })
    }

    /// Appends bytes.
    pub(crate) fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if self.buf.len() + data.len() > BUFFER {
            self.flush()?;
        }
        if data.len() >= BUFFER {
            self.put(data)
        } else {
            self.buf.extend_from_slice(data);
            Ok(())
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        let buf = std::mem::take(&mut self.buf);
        let r = self.put(&buf);
        self.buf = buf;
        self.buf.clear();
        r
    }

    /// Writes `data` at the ring position; only its last `cap` bytes can survive.
    fn put(&mut self, data: &[u8]) -> io::Result<()> {
        let len = data.len() as u64;
        let skip = len.saturating_sub(self.cap);
        let mut rest = data.get(skip as usize..).unwrap_or_default();
        self.written += skip;
        while !rest.is_empty() {
            let pos = self.written % self.cap;
            let room = (self.cap - pos).min(rest.len() as u64) as usize;
            let (now, later) = rest.split_at(room);
            self.file.write_all_at(now, pos)?;
            self.written += room as u64;
            rest = later;
        }
        Ok(())
    }

    /// Ends the stream. When it was longer than the cap, the kept part starts after the
    /// first line break, so the bundle never holds half a line.
    pub(crate) fn finish(mut self) -> io::Result<Spooled> {
        self.flush()?;
        if self.written <= self.cap {
            return Ok(Spooled {
                file: self.file,
                segments: [(0, self.written), (0, 0)],
                truncated: false,
            });
        }
        let start = self.written % self.cap;
        let mut segments = [(start, self.cap - start), (0, start)];
        // Skip to just after the first '\n' of the kept bytes (if there is one).
        let mut skipped = 0u64;
        let mut chunk = vec![0u8; BUFFER];
        'search: for seg in segments {
            let mut off = 0;
            while off < seg.1 {
                let n = (seg.1 - off).min(BUFFER as u64) as usize;
                let got = self.file.read_at(&mut chunk[..n], seg.0 + off)?;
                if got == 0 {
                    break;
                }
                if let Some(i) = chunk[..got].iter().position(|&b| b == b'\n') {
                    skipped += i as u64 + 1;
                    break 'search;
                }
                skipped += got as u64;
                off += got as u64;
            }
        }
        if skipped >= self.cap {
            skipped = 0; // one giant line: keep its tail rather than nothing
        }
        for seg in segments.iter_mut() {
            let cut = skipped.min(seg.1);
            seg.0 += cut;
            seg.1 -= cut;
            skipped -= cut;
        }
        Ok(Spooled {
            file: self.file,
            segments,
            truncated: true,
        })
    }
}

/// The kept content of a finished spool, ready to be copied into the archive.
pub(crate) struct Spooled {
    file: File,
    segments: [(u64, u64); 2],
    truncated: bool,
}

impl Spooled {
    /// Length of the kept content.
    pub(crate) fn len(&self) -> u64 {
        self.segments[0].1 + self.segments[1].1
    }

    /// True when nothing was kept.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when older content was dropped to honour the cap.
    pub(crate) fn truncated(&self) -> bool {
        self.truncated
    }

    /// A reader over the kept content, oldest byte first.
    pub(crate) fn reader(&self) -> SpooledReader<'_> {
        SpooledReader {
            spooled: self,
            segment: 0,
            offset: 0,
        }
    }
}

/// Reads a [`Spooled`] without moving any file cursor.
pub(crate) struct SpooledReader<'a> {
    spooled: &'a Spooled,
    segment: usize,
    offset: u64,
}

impl Read for SpooledReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while let Some(&(start, len)) = self.spooled.segments.get(self.segment) {
            if self.offset >= len {
                self.segment += 1;
                self.offset = 0;
                continue;
            }
            let want = (len - self.offset).min(out.len() as u64) as usize;
            let got = self
                .spooled
                .file
                .read_at(&mut out[..want], start + self.offset)?;
            if got == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "spool file shrank",
                ));
            }
            self.offset += got as u64;
            return Ok(got);
        }
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(s: &Spooled) -> String {
        let mut out = String::new();
        s.reader().read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn short_streams_are_kept_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut sp = Spool::new(dir.path(), 100).unwrap();
        sp.write(b"one\n").unwrap();
        sp.write(b"two\n").unwrap();
        let s = sp.finish().unwrap();
        assert!(!s.truncated());
        assert_eq!(content(&s), "one\ntwo\n");
        assert_eq!(s.len(), 8);
    }

    #[test]
    fn long_streams_keep_the_newest_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let mut sp = Spool::new(dir.path(), 1000).unwrap();
        for i in 0..10_000 {
            sp.write(format!("line {i:05}\n").as_bytes()).unwrap();
        }
        let s = sp.finish().unwrap();
        assert!(s.truncated());
        let text = content(&s);
        assert!(text.len() <= 1000 && text.len() > 980, "{}", text.len());
        assert!(text.starts_with("line "), "{text:.20}");
        assert!(text.ends_with("line 09999\n"));
        let lines: Vec<_> = text.lines().collect();
        assert!(lines.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_write_larger_than_the_cap_keeps_its_tail() {
        let dir = tempfile::tempdir().unwrap();
        let mut sp = Spool::new(dir.path(), 10).unwrap();
        sp.write(&[b'a'; 200_000]).unwrap();
        sp.write(b"xyz\n0123").unwrap();
        let s = sp.finish().unwrap();
        assert_eq!(content(&s), "0123");
    }
}
