//! Files that hold several logs, read in one pass: `oc adm node-logs` output (a must-gather's
//! `host_service_logs/`), where every line starts with its node's name, and `kubectl
//! cluster-info dump`'s logs, where each container's log sits between `==== START logs for
//! container ...` and `==== END ...` lines.
//!
//! [`Lines`] reads the file a line at a time and lets the caller look at the next line before
//! taking it; a [`Section`] is a `Read` over the run of lines that belong to one part, handed
//! to the log scanner as if it were a file of its own. The file streams past once: nothing is
//! held but the current line.

use std::io::{self, BufRead, Read};

/// Longest line kept whole; the rest of a longer line is passed over (the log scanner cuts
/// long lines too, and no marker or prefix is that long).
const MAX_LINE: usize = 1 << 20;

/// A file read a line at a time, with the next line visible before it is taken.
pub(super) struct Lines<R> {
    inner: R,
    /// The next line (with its `\n`), from `pos` on; valid when `pending`.
    line: Vec<u8>,
    pos: usize,
    pending: bool,
    /// Lines taken whole so far: the 1-based number of the next line is this plus one.
    taken: u64,
}

impl<R: BufRead> Lines<R> {
    pub(super) fn new(inner: R) -> Self {
        Lines {
            inner,
            line: Vec::new(),
            pos: 0,
            pending: false,
            taken: 0,
        }
    }

    /// The next line (with its line break), without taking it; `None` at the end.
    pub(super) fn peek(&mut self) -> io::Result<Option<&[u8]>> {
        if !self.pending {
            self.line.clear();
            self.pos = 0;
            if !read_line(&mut self.inner, &mut self.line)? {
                return Ok(None);
            }
            self.pending = true;
        }
        Ok(Some(&self.line[self.pos..]))
    }

    /// Takes the line [`peek`](Self::peek) showed.
    pub(super) fn take_line(&mut self) {
        if self.pending {
            self.pending = false;
            self.taken += 1;
        }
    }

    /// Lines taken so far (the number of the line before the next one).
    pub(super) fn taken(&self) -> u64 {
        self.taken
    }
}

/// The file as bytes from the current position on (what a JSON decoder reads between the
/// logs of a stream); lines are counted as they are consumed.
impl<R: BufRead> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(rest) = self.peek()? else {
            return Ok(0);
        };
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        if self.pos == self.line.len() {
            self.take_line();
        }
        Ok(n)
    }
}

/// Reads one line into `line` (cut at [`MAX_LINE`]); false at the end of the file.
fn read_line(r: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<bool> {
    let mut any = false;
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            return Ok(any);
        }
        any = true;
        let (chunk, done) = match memchr::memchr(b'\n', avail) {
            Some(i) => (&avail[..=i], true),
            None => (avail, false),
        };
        let room = MAX_LINE.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = chunk.len();
        r.consume(used);
        if done {
            return Ok(true);
        }
        if line.len() >= MAX_LINE && line.last() != Some(&b'\n') {
            line.push(b'\n');
        }
    }
}

/// What a [`Section`] makes of the next line.
pub(super) enum Belongs {
    /// The line is the section's, after its first `n` bytes (a prefix to drop).
    Yes(usize),
    /// The section ended before this line, which is left for the next one.
    EndBefore,
    /// This line ends the section and is taken with it (an `==== END ...` line).
    EndAt,
}

/// The run of lines of one part of a [`Lines`] file, as a reader.
pub(super) struct Section<'l, R, F> {
    lines: &'l mut Lines<R>,
    belongs: F,
    /// The section ended.
    done: bool,
    /// The first line was judged (a section may start inside a line).
    started: bool,
}

impl<'l, R: BufRead, F: FnMut(&[u8]) -> Belongs> Section<'l, R, F> {
    /// The section that starts at the next line of `lines`, its lines told by `belongs`.
    pub(super) fn new(lines: &'l mut Lines<R>, belongs: F) -> Self {
        Section {
            lines,
            belongs,
            done: false,
            started: false,
        }
    }

    /// Reads what is left of the section, so the next one starts at its end.
    pub(super) fn finish(mut self) -> io::Result<()> {
        io::copy(&mut self, &mut io::sink()).map(|_| ())
    }
}

impl<R: BufRead, F: FnMut(&[u8]) -> Belongs> Read for Section<'_, R, F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.done || buf.is_empty() {
                return Ok(0);
            }
            if self.lines.peek()?.is_none() {
                self.done = true;
                return Ok(0);
            }
            // A line is judged once, when none of it was handed out yet.
            if self.lines.pos == 0 || !self.started {
                self.started = true;
                let line = &self.lines.line[self.lines.pos..];
                match (self.belongs)(line) {
                    Belongs::Yes(skip) => {
                        self.lines.pos += skip.min(line.len());
                    }
                    Belongs::EndBefore => {
                        self.done = true;
                        return Ok(0);
                    }
                    Belongs::EndAt => {
                        self.lines.take_line();
                        self.done = true;
                        return Ok(0);
                    }
                }
            }
            let rest = &self.lines.line[self.lines.pos..];
            if rest.is_empty() {
                self.lines.take_line();
                continue;
            }
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            self.lines.pos += n;
            if self.lines.pos == self.lines.line.len() {
                self.lines.take_line();
            }
            return Ok(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(r: &mut impl Read) -> String {
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn sections_by_prefix_keep_the_file_line_numbers() {
        let text = "m0 a\nm0 b\nm1 c\nm1 d\nm1 e\nm0 f\n";
        let mut lines = Lines::new(text.as_bytes());
        let mut got = Vec::new();
        while let Some(line) = lines.peek().unwrap() {
            let node =
                String::from_utf8_lossy(line.split(|b| *b == b' ').next().unwrap()).into_owned();
            let first = lines.taken() + 1;
            let prefix = format!("{node} ");
            let mut section = Section::new(&mut lines, |l: &[u8]| {
                if l.starts_with(prefix.as_bytes()) {
                    Belongs::Yes(prefix.len())
                } else {
                    Belongs::EndBefore
                }
            });
            let body = read_all(&mut section);
            section.finish().unwrap();
            got.push((node, first, body));
        }
        assert_eq!(
            got,
            [
                ("m0".to_string(), 1, "a\nb\n".to_string()),
                ("m1".to_string(), 3, "c\nd\ne\n".to_string()),
                ("m0".to_string(), 6, "f\n".to_string()),
            ]
        );
    }

    #[test]
    fn marked_sections_and_bytes_between_them() {
        let text = "{\"a\": 1}\n==== START x ====\nl1\nl2\n==== END x ====\ntail";
        let mut lines = Lines::new(text.as_bytes());
        let v: serde_json::Value = serde_json::Deserializer::from_reader(&mut lines)
            .into_iter()
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(v["a"], 1);
        assert_eq!(lines.peek().unwrap(), Some(&b"\n"[..]));
        lines.take_line();
        assert!(lines.peek().unwrap().unwrap().starts_with(b"==== START"));
        lines.take_line();
        let first = lines.taken() + 1;
        let mut section = Section::new(&mut lines, |l: &[u8]| {
            if l.starts_with(b"==== END") {
                Belongs::EndAt
            } else {
                Belongs::Yes(0)
            }
        });
        assert_eq!(read_all(&mut section), "l1\nl2\n");
        assert_eq!(first, 3);
        assert_eq!(lines.peek().unwrap(), Some(&b"tail"[..]));
        assert_eq!(lines.taken(), 5);
    }

    #[test]
    fn an_endless_line_is_cut_not_held() {
        let long = "x".repeat(MAX_LINE * 2 + 10) + "\nnext\n";
        let mut lines = Lines::new(io::BufReader::with_capacity(4096, long.as_bytes()));
        assert_eq!(lines.peek().unwrap().unwrap().len(), MAX_LINE + 1);
        lines.take_line();
        assert_eq!(lines.peek().unwrap(), Some(&b"next\n"[..]));
    }
}
