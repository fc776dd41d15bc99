//! A member's content, held to the size its header declares.

use std::io::{self, Read};

/// Yields exactly `size` bytes of `inner`, or fails with `UnexpectedEof` when the archive
/// ends first: a member cut short is damage, never a quietly shorter file.
pub(crate) struct SizedBody<R> {
    inner: R,
    remaining: u64,
}

impl<R: Read> SizedBody<R> {
    pub(crate) fn new(inner: R, size: u64) -> Self {
        SizedBody {
            inner,
            remaining: size,
        }
    }
}

impl<R: Read> Read for SizedBody<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.remaining == 0 {
            return Ok(0);
        }
        let want = usize::try_from(self.remaining).map_or(buf.len(), |r| r.min(buf.len()));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "unexpected end of archive ({} bytes of the member missing)",
                    self.remaining
                ),
            ));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yields_the_declared_size() {
        let mut out = Vec::new();
        SizedBody::new(&b"hello world"[..], 5)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"hello");
    }

    #[test]
    fn a_short_member_is_an_error() {
        let mut out = Vec::new();
        let err = SizedBody::new(&b"hello"[..], 8)
            .read_to_end(&mut out)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert!(err.to_string().contains("3 bytes"), "{err}");
    }
}
