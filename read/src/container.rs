//! Which container a file is, told by its first bytes rather than its name: a bundle renamed
//! `.zip` or saved without an extension still reads, and a random file named `.tar.gz` is
//! refused as not a bundle.

use super::inflate::Codec;
use std::io::{self, Read};

/// Offset and value of the POSIX/GNU tar magic in a header block.
const USTAR_OFFSET: usize = 257;
const USTAR_MAGIC: &[u8] = b"ustar";
/// A tar header block.
pub(crate) const BLOCK: usize = 512;

/// What the first bytes of a file say it is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Sniffed {
    /// A compressed stream (gzip, xz, zstd, bzip2): to be checked for a tar inside once
    /// inflated.
    Compressed(Codec),
    /// A tar header (or an empty tar).
    Tar,
    /// A zip local header (or an empty zip).
    Zip,
    /// Nothing at all.
    Empty,
    /// Something else.
    Unknown,
}

/// Reads up to one tar block from `reader` and says what it holds.
pub(crate) fn sniff(reader: &mut impl Read) -> io::Result<Sniffed> {
    let mut head = [0u8; BLOCK];
    let n = read_up_to(reader, &mut head)?;
    let head = &head[..n];
    Ok(if head.is_empty() {
        Sniffed::Empty
    } else if let Some(codec) = compression(head) {
        Sniffed::Compressed(codec)
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Sniffed::Zip
    } else if is_tar_block(head) {
        Sniffed::Tar
    } else {
        Sniffed::Unknown
    })
}

/// The compression whose magic bytes start `head`, if any.
fn compression(head: &[u8]) -> Option<Codec> {
    if head.starts_with(&[0x1f, 0x8b]) {
        Some(Codec::Gzip)
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Some(Codec::Xz)
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(Codec::Zstd)
    } else if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
        Some(Codec::Bzip2)
    } else {
        None
    }
}

/// Whether `block` starts a tar archive: a header with the ustar magic, or the zero block of
/// an empty archive.
pub(crate) fn is_tar_block(block: &[u8]) -> bool {
    block.len() == BLOCK
        && (block.get(USTAR_OFFSET..USTAR_OFFSET + USTAR_MAGIC.len()) == Some(USTAR_MAGIC)
            || block.iter().all(|&b| b == 0))
}

/// Reads until `buf` is full or the data ends; returns how much was read.
pub(crate) fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniffed(bytes: &[u8]) -> Sniffed {
        sniff(&mut &bytes[..]).unwrap()
    }

    #[test]
    fn tells_containers_by_their_magic() {
        assert_eq!(
            sniffed(&[0x1f, 0x8b, 8, 0]),
            Sniffed::Compressed(Codec::Gzip)
        );
        assert_eq!(
            sniffed(b"\xfd7zXZ\x00\x00\x04"),
            Sniffed::Compressed(Codec::Xz)
        );
        assert_eq!(
            sniffed(&[0x28, 0xb5, 0x2f, 0xfd, 0x04]),
            Sniffed::Compressed(Codec::Zstd)
        );
        assert_eq!(sniffed(b"BZh91AY&SY"), Sniffed::Compressed(Codec::Bzip2));
        assert_eq!(sniffed(b"PK\x03\x04rest"), Sniffed::Zip);
        let mut tar = [0u8; BLOCK];
        tar[..4].copy_from_slice(b"a.md");
        tar[USTAR_OFFSET..USTAR_OFFSET + 6].copy_from_slice(b"ustar\0");
        assert_eq!(sniffed(&tar), Sniffed::Tar);
        assert_eq!(sniffed(&[0u8; BLOCK]), Sniffed::Tar);
    }

    #[test]
    fn anything_else_is_not_an_archive() {
        assert_eq!(sniffed(b""), Sniffed::Empty);
        assert_eq!(sniffed(b"{\"kind\":\"PodList\"}"), Sniffed::Unknown);
        assert_eq!(sniffed(&[0u8; 100]), Sniffed::Unknown);
        assert_eq!(sniffed(&[7u8; BLOCK]), Sniffed::Unknown);
        assert_eq!(sniffed(b"BZh0"), Sniffed::Unknown);
        assert_eq!(sniffed(b"BZ"), Sniffed::Unknown);
    }
}
