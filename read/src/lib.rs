//! Bundle readers: turn a `.tar.gz`/`.tgz`, `.tar.xz`/`.txz`, `.tar.zst`/`.tzst`,
//! `.tar.bz2`, `.tar`, `.zip` or unpacked directory into a stream of members, never extracting anything to disk and never following links.
//!
//! The reader knows nothing about what a member means; the analyzer's ingest does. They meet
//! through [`MemberSink`], so adding an archive format touches this folder only.
//!
//! One file per job: `container` tells the format by content, `entry` checks names and strips
//! the top directory, `inflate` inflates gzip, xz, zstd or bzip2 on a thread of its own, `tar`, `zip` and `dir`
//! walk each container, `body` holds a member to its declared size.

mod body;
mod container;
mod dir;
mod entry;
mod inflate;
mod tar;
mod zip;

use container::Sniffed;
use inflate::Codec;
use kbundle_format::untrusted::terminal;
use kbundle_format::BundlePath;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek};
use std::path::{Path, PathBuf};

/// One regular file of a bundle, handed to the sink while the archive streams past.
pub struct Member<'a> {
    /// The path below the bundle's top directory, already checked to be safe.
    pub path: &'a BundlePath,
    /// Size in bytes as the archive declares it.
    pub size: u64,
    /// Modification time from the archive header, unix seconds; troubleshoot bundles carry
    /// no creation time elsewhere.
    pub modified: Option<i64>,
    /// The content. Reading it is optional; what is left is skipped.
    pub body: &'a mut dyn Read,
}

/// Why an entry was passed over without being handed to the sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// A symbolic or hard link (troubleshoot's `all-logs/` holds many): never followed.
    Link,
    /// A device, FIFO or other special file.
    Special,
    /// An entry beside the bundle's top directory (macOS zips add `__MACOSX/`); the entry is
    /// named by its full path in the archive.
    OutsideTopDir,
    /// A name that cannot be a bundle path but does not escape the bundle (not UTF-8, a
    /// backslash, a control character): the reason says which. A directory so named is
    /// passed over with everything below it.
    UnusualName(String),
}

/// Receives the members of a bundle in archive order.
pub trait MemberSink {
    /// Called once per regular file. Only I/O errors of `body` may be returned (they abort the
    /// read as a damaged archive); content the sink cannot parse is the sink's to record.
    fn member(&mut self, member: Member<'_>) -> io::Result<()>;

    /// Called for entries that are not regular files and were not read.
    fn skipped(&mut self, _entry: &str, _reason: SkipReason) {}
}

/// How a bundle was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// gzip-compressed tar.
    TarGz,
    /// xz-compressed tar (sos's default).
    TarXz,
    /// zstd-compressed tar.
    TarZst,
    /// bzip2-compressed tar.
    TarBz2,
    /// Plain tar.
    Tar,
    /// zip.
    Zip,
    /// An unpacked directory.
    Directory,
}

/// What the reader learnt about the bundle as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The path as given.
    pub path: PathBuf,
    /// How it was stored.
    pub container: Container,
    /// The top directory that was stripped (`kbundle-...` or `support-bundle`), if any.
    pub top_dir: Option<String>,
    /// Regular files handed to the sink.
    pub members: u64,
}

/// Why a bundle could not be read. Every message names the bundle and fits on one line:
/// names and decoder messages from inside a hostile archive can hold line breaks and
/// terminal escapes, so they are shown escaped.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The path does not exist.
    #[error("{}: no such file or directory", shown(.path))]
    NotFound {
        /// The bundle path.
        path: PathBuf,
    },
    /// The file is neither a gzip/tar/zip archive nor a directory.
    #[error("{}: not a bundle: {}", shown(.path), terminal(.why))]
    NotABundle {
        /// The bundle path.
        path: PathBuf,
        /// What was wrong.
        why: String,
    },
    /// The archive is damaged or ends early.
    #[error("{}: damaged archive: {}", shown(.path), terminal(.why))]
    Damaged {
        /// The bundle path.
        path: PathBuf,
        /// What was wrong.
        why: String,
    },
    /// An entry with an absolute path, `..`, or another unsafe name: refused, never followed.
    #[error("{}: refused entry {:?}: {}", shown(.path), .entry, terminal(.why))]
    UnsafeEntry {
        /// The bundle path.
        path: PathBuf,
        /// The entry's raw name.
        entry: String,
        /// Why it is unsafe.
        why: String,
    },
    /// Any other I/O error.
    #[error("{}: {}", shown(.path), terminal(&.source.to_string()))]
    Io {
        /// The bundle path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

/// The path as a message shows it: on one line, unable to act on a terminal.
fn shown(path: &Path) -> String {
    terminal(&path.display().to_string())
}

/// Reads the bundle at `path`, handing every regular file to `sink` in archive order
/// (sorted order for a directory). The container is told by content, not by extension.
///
/// Nothing is extracted and no link is followed; memory stays flat whatever the bundle's
/// size. A compressed tar is inflated on a second thread while this one runs the sink. Unsafe
/// entry names fail the whole read ([`ReadError::UnsafeEntry`]); a body that cannot be read
/// to its declared size, or a sink that returns an error, fails it as [`ReadError::Damaged`].
pub fn read_bundle(path: &Path, sink: &mut dyn MemberSink) -> Result<Source, ReadError> {
    let io_error = |source: io::Error| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => ReadError::NotFound {
            path: path.to_path_buf(),
        },
        _ => io_error(source),
    })?;
    let source = |container, (members, top_dir)| Source {
        path: path.to_path_buf(),
        container,
        top_dir,
        members,
    };
    if meta.is_dir() {
        return dir::read_directory(path, sink).map(|read| source(Container::Directory, read));
    }
    let not_a_bundle = |why: &str| ReadError::NotABundle {
        path: path.to_path_buf(),
        why: why.to_string(),
    };
    if !meta.is_file() {
        // A FIFO or device would block or never end.
        return Err(not_a_bundle("not a regular file or directory"));
    }
    let mut file = File::open(path).map_err(io_error)?;
    let sniffed = container::sniff(&mut file).map_err(io_error)?;
    file.rewind().map_err(io_error)?;
    let (container, read) = match sniffed {
        Sniffed::Compressed(codec) => {
            let container = match codec {
                Codec::Gzip => Container::TarGz,
                Codec::Xz => Container::TarXz,
                Codec::Zstd => Container::TarZst,
                Codec::Bzip2 => Container::TarBz2,
            };
            (
                container,
                tar::read_compressed_tar(file, codec, path, sink)?,
            )
        }
        Sniffed::Tar => {
            let read = tar::read_tar(BufReader::with_capacity(1 << 20, file), path, sink)?;
            (Container::Tar, (read.members, read.top_dir))
        }
        Sniffed::Zip => (Container::Zip, zip::read_zip(file, path, sink)?),
        Sniffed::Empty => return Err(not_a_bundle("empty file")),
        Sniffed::Unknown => return Err(not_a_bundle(
            "not a tar archive (plain, gzip, xz, zstd or bzip2), a zip archive, nor a directory",
        )),
    };
    Ok(source(container, read))
}
