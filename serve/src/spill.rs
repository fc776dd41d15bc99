//! The spill file: every object and log of the bundle, decompressed once into one unnamed
//! temporary file, so that the index holds byte ranges instead of decoded objects and memory
//! stays flat however big the bundle is. The file is deleted by the OS when the server exits.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};

/// Where a piece of the spill file lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Byte offset from the start of the file.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
}

/// Appends bytes while the bundle streams past.
pub(crate) struct SpillWriter {
    out: BufWriter<File>,
    len: u64,
}

impl SpillWriter {
    /// Opens a fresh unnamed temporary file.
    pub(crate) fn new() -> io::Result<Self> {
        Ok(SpillWriter {
            out: BufWriter::with_capacity(1 << 20, tempfile::tempfile()?),
            len: 0,
        })
    }

    /// Appends the pieces as one span (pieces let a caller splice a prefix onto raw bytes).
    pub(crate) fn append(&mut self, pieces: &[&[u8]]) -> io::Result<Span> {
        let offset = self.len;
        for piece in pieces {
            self.out.write_all(piece)?;
            self.len += piece.len() as u64;
        }
        Ok(Span {
            offset,
            len: self.len - offset,
        })
    }

    /// Copies a whole reader (a log) into one span.
    pub(crate) fn copy_from(&mut self, body: &mut dyn Read) -> io::Result<Span> {
        let offset = self.len;
        let copied = io::copy(body, &mut self.out)?;
        self.len += copied;
        Ok(Span {
            offset,
            len: copied,
        })
    }

    /// Flushes and turns the writer into the read side.
    pub(crate) fn finish(self) -> io::Result<Spill> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        Ok(Spill { file })
    }
}

/// The read side: positioned reads, so any number of requests read at once without seeking.
pub(crate) struct Spill {
    file: File,
}

impl Spill {
    /// The bytes of a span.
    pub(crate) fn read(&self, span: Span) -> io::Result<Vec<u8>> {
        let len = usize::try_from(span.len)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "span too long"))?;
        let mut buf = vec![0u8; len];
        self.read_exact_at(&mut buf, span.offset)?;
        Ok(buf)
    }

    #[cfg(unix)]
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, offset)
    }

    #[cfg(windows)]
    fn read_exact_at(&self, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
        while !buf.is_empty() {
            let n = std::os::windows::fs::FileExt::seek_read(&self.file, buf, offset)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            buf = &mut buf[n..];
            offset += n as u64;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_back() {
        let mut w = SpillWriter::new().unwrap();
        let a = w.append(&[b"{\"kind\":\"Pod\",", b"\"x\":1}"]).unwrap();
        let b = w.copy_from(&mut &b"log line\n"[..]).unwrap();
        let spill = w.finish().unwrap();
        assert_eq!(spill.read(a).unwrap(), b"{\"kind\":\"Pod\",\"x\":1}");
        assert_eq!(spill.read(b).unwrap(), b"log line\n");
        assert_eq!(b.offset, a.len);
    }
}
