//! tar archives, plain or inflated by [`super::inflate`], read entry by entry.

use super::body::SizedBody;
use super::container::{is_tar_block, read_up_to, BLOCK};
use super::entry::{EntryName, EntryNames};
use super::inflate::{Codec, InflatedStream};
use super::{Member, MemberSink, ReadError, SkipReason};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use tar::EntryType;

/// What a tar archive yielded.
pub(crate) struct TarRead<R> {
    /// Regular files handed to the sink.
    pub(crate) members: u64,
    /// The stripped top directory.
    pub(crate) top_dir: Option<String>,
    /// The reader, positioned after the end-of-archive block, for the caller to drain.
    pub(crate) rest: R,
}

/// Reads a compressed tar: inflated on a thread of its own while this one parses the
/// entries and runs the sink. The stream is read to its end after the tar's end-of-archive
/// block, so that the codec's own checksum is checked too.
pub(crate) fn read_compressed_tar(
    file: File,
    codec: Codec,
    bundle: &Path,
    sink: &mut dyn MemberSink,
) -> Result<(u64, Option<String>), ReadError> {
    let mut stream = InflatedStream::spawn(file, codec).map_err(|source| ReadError::Io {
        path: bundle.to_path_buf(),
        source,
    })?;
    let mut head = [0u8; BLOCK];
    let n = read_up_to(&mut stream, &mut head).map_err(|e| damaged(bundle, &e))?;
    if !is_tar_block(&head[..n]) {
        return Err(ReadError::NotABundle {
            path: bundle.to_path_buf(),
            why: format!("{} data that is not a tar archive", codec.name()),
        });
    }
    let read = read_tar(io::Cursor::new(head).chain(stream), bundle, sink)?;
    let mut rest = read.rest;
    io::copy(&mut rest, &mut io::sink()).map_err(|e| damaged(bundle, &e))?;
    Ok((read.members, read.top_dir))
}

/// Hands every regular file of the tar stream `reader` to `sink`, in archive order.
pub(crate) fn read_tar<R: Read>(
    reader: R,
    bundle: &Path,
    sink: &mut dyn MemberSink,
) -> Result<TarRead<R>, ReadError> {
    let mut archive = tar::Archive::new(EndWatch {
        inner: reader,
        ended: false,
    });
    let mut names = EntryNames::new(bundle);
    let mut members = 0;
    let entries = archive.entries().map_err(|e| damaged(bundle, &e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| damaged(bundle, &e))?;
        let kind = entry.header().entry_type();
        if kind == EntryType::XGlobalHeader {
            // pax global headers (git archive writes one) carry defaults, not a file.
            continue;
        }
        let raw = entry.path_bytes().into_owned();
        let placed = names.place(&raw, kind == EntryType::Directory)?;
        let path = match placed {
            EntryName::Top => continue,
            EntryName::Outside(full) => {
                sink.skipped(&full, SkipReason::OutsideTopDir);
                continue;
            }
            EntryName::Inside(path) => path,
            EntryName::Unusual { entry, why } => {
                sink.skipped(&entry, SkipReason::UnusualName(why));
                continue;
            }
        };
        match kind {
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {}
            EntryType::Directory => continue,
            EntryType::Symlink | EntryType::Link => {
                sink.skipped(path.as_str(), SkipReason::Link);
                continue;
            }
            _ => {
                sink.skipped(path.as_str(), SkipReason::Special);
                continue;
            }
        }
        let size = entry.size();
        let modified = entry
            .header()
            .mtime()
            .ok()
            .and_then(|t| i64::try_from(t).ok());
        let mut body = SizedBody::new(&mut entry, size);
        sink.member(Member {
            path: &path,
            size,
            modified,
            body: &mut body,
        })
        .map_err(|e| ReadError::Damaged {
            path: bundle.to_path_buf(),
            why: format!("{path}: {}", describe(&e)),
        })?;
        members += 1;
    }
    let top_dir = names.top_dir().map(str::to_string);
    let watch = archive.into_inner();
    if watch.ended {
        // The data stopped at a header boundary without the end-of-archive blocks.
        return Err(ReadError::Damaged {
            path: bundle.to_path_buf(),
            why: "unexpected end of archive (no end-of-archive marker)".to_string(),
        });
    }
    Ok(TarRead {
        members,
        top_dir,
        rest: watch.inner,
    })
}

/// Notes whether the data ran out: the tar crate treats the end of data at a header boundary
/// as the end of the archive, but a whole archive ends with zero blocks.
struct EndWatch<R> {
    inner: R,
    ended: bool,
}

impl<R: Read> Read for EndWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.ended = true;
        }
        Ok(n)
    }
}

fn damaged(bundle: &Path, err: &io::Error) -> ReadError {
    ReadError::Damaged {
        path: bundle.to_path_buf(),
        why: describe(err),
    }
}

/// The tar crate's words for data that ends early, said the way the rest of the reader says it.
fn describe(err: &io::Error) -> String {
    let message = err.to_string();
    match message.as_str() {
        "failed to read entire block" | "unexpected EOF during skip" => {
            "unexpected end of archive".to_string()
        }
        _ => message,
    }
}
