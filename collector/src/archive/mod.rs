//! The bundle file itself: one tar.gz or zip with exactly one top directory, written to a
//! temporary file beside the target and renamed into place only when complete, so a bundle
//! that exists is whole.
//!
//! Members are appended as they are produced (streamed, never staged in memory); each one's
//! size and SHA-256 are recorded for `manifest.json`. Only regular files and directories are
//! ever written.

pub(crate) mod spool;

use kbundle_format::manifest::FileEntry;
use kbundle_format::BundlePath;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufWriter, Read};
use std::path::{Path, PathBuf};

/// The container format of a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
pub enum Format {
    /// gzip-compressed tar (the default).
    #[value(name = "tar.gz", alias = "tgz")]
    #[serde(rename = "tar.gz")]
    TarGz,
    /// zip, for those who cannot open a tar.gz.
    #[value(name = "zip")]
    #[serde(rename = "zip")]
    Zip,
}

impl Format {
    /// The file extension, without the leading dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::TarGz => "tar.gz",
            Format::Zip => "zip",
        }
    }
}

enum Container {
    TarGz(Box<tar::Builder<flate2::write::GzEncoder<BufWriter<Out>>>>),
    Zip(Box<zip::ZipWriter<BufWriter<File>>>),
}

/// Where a tar.gz goes: the temporary file beside the target, or standard output (`-o -`,
/// how a remote node streams its bundle back over SSH).
enum Out {
    File(File),
    Stdout(io::Stdout),
}

impl io::Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Out::File(f) => f.write(buf),
            Out::Stdout(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Out::File(f) => f.flush(),
            Out::Stdout(s) => s.flush(),
        }
    }
}

/// The `-o` value that means standard output.
pub(crate) const STDOUT: &str = "-";

/// Appends members to a bundle being written.
pub(crate) struct BundleWriter {
    container: Container,
    /// The temporary file renamed into place at the end; `None` when streaming to stdout.
    temp: Option<tempfile::NamedTempFile>,
    /// Where spools live: beside the target, or the temporary directory for stdout.
    spool_dir: PathBuf,
    target: PathBuf,
    top: String,
    mtime: jiff::Timestamp,
    dirs: BTreeSet<String>,
    files: Vec<FileEntry>,
}

impl BundleWriter {
    /// Starts a bundle that will be renamed to `target` by [`BundleWriter::finish`]. Its
    /// members live under `top/`. The temporary file sits beside the target, mode 0600.
    pub(crate) fn create(
        target: &Path,
        format: Format,
        top: &str,
        mtime: jiff::Timestamp,
    ) -> io::Result<Self> {
        let dir = parent_dir(target);
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "bundle".to_string());
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".partial")
            .tempfile_in(dir)?;
        let file = temp.as_file().try_clone()?;
        let container = match format {
            Format::TarGz => tar_gz(Out::File(file)),
            Format::Zip => Container::Zip(Box::new(zip::ZipWriter::new(BufWriter::with_capacity(
                256 * 1024,
                file,
            )))),
        };
        Ok(BundleWriter {
            container,
            temp: Some(temp),
            spool_dir: dir.to_path_buf(),
            target: target.to_path_buf(),
            top: top.to_string(),
            mtime,
            dirs: BTreeSet::new(),
            files: Vec::new(),
        })
    }

    /// Starts a tar.gz bundle written to standard output as it is produced (`-o -`): nothing
    /// is renamed and nothing stays on disk but unnamed spools in `spool_dir`. A reader sees
    /// a complete archive only when [`BundleWriter::finish`] ran.
    pub(crate) fn stdout(top: &str, mtime: jiff::Timestamp, spool_dir: &Path) -> Self {
        BundleWriter {
            container: tar_gz(Out::Stdout(io::stdout())),
            temp: None,
            spool_dir: spool_dir.to_path_buf(),
            target: PathBuf::from(STDOUT),
            top: top.to_string(),
            mtime,
            dirs: BTreeSet::new(),
            files: Vec::new(),
        }
    }

    /// Where the spools of this bundle's members belong (unnamed files, gone when closed).
    pub(crate) fn spool_dir(&self) -> &Path {
        &self.spool_dir
    }

    /// Appends one regular file of exactly `size` bytes read from `content`, creating its
    /// parent directories first. Returns its manifest row.
    pub(crate) fn add(
        &mut self,
        path: &BundlePath,
        size: u64,
        content: &mut dyn Read,
    ) -> io::Result<FileEntry> {
        let mut parent = String::new();
        let components: Vec<&str> = path.components().collect();
        for dir in components.iter().take(components.len().saturating_sub(1)) {
            if !parent.is_empty() {
                parent.push('/');
            }
            parent.push_str(dir);
            if self.dirs.insert(parent.clone()) {
                self.add_dir(&parent)?;
            }
        }
        let name = format!("{}/{}", self.top, path.as_str());
        let mut hashing = Hashing {
            inner: content.take(size),
            hash: Sha256::new(),
            count: 0,
        };
        match &mut self.container {
            Container::TarGz(builder) => {
                let mut header = tar::Header::new_gnu();
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(size);
                header.set_mode(0o644);
                header.set_mtime(self.mtime.as_second().max(0) as u64);
                builder.append_data(&mut header, &name, &mut hashing)?;
            }
            Container::Zip(zip) => {
                let options = zip_options(self.mtime, 0o644, size);
                zip.start_file(name, options).map_err(zip_error)?;
                io::copy(&mut hashing, zip.as_mut())?;
            }
        }
        if hashing.count != size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "{path}: expected {size} bytes, the source gave {}",
                    hashing.count
                ),
            ));
        }
        let entry = FileEntry {
            path: path.as_str().to_string(),
            size,
            sha256: hex(&hashing.hash.finalize()),
        };
        self.files.push(entry.clone());
        Ok(entry)
    }

    /// Appends an in-memory file (bookkeeping files such as `version.yaml`).
    pub(crate) fn add_bytes(&mut self, path: &BundlePath, bytes: &[u8]) -> io::Result<FileEntry> {
        self.add(path, bytes.len() as u64, &mut &bytes[..])
    }

    /// Rows for every file written so far.
    pub(crate) fn files(&self) -> &[FileEntry] {
        &self.files
    }

    /// Completes the archive, syncs it and renames it to the target. Refuses to replace a
    /// file that appeared there meanwhile.
    pub(crate) fn finish(self) -> io::Result<PathBuf> {
        let file = match self.container {
            Container::TarGz(builder) => {
                match builder
                    .into_inner()?
                    .finish()?
                    .into_inner()
                    .map_err(|e| e.into_error())?
                {
                    Out::File(f) => f,
                    Out::Stdout(mut s) => {
                        io::Write::flush(&mut s)?;
                        return Ok(self.target);
                    }
                }
            }
            Container::Zip(zip) => zip
                .finish()
                .map_err(zip_error)?
                .into_inner()
                .map_err(|e| e.into_error())?,
        };
        file.sync_all()?;
        drop(file);
        match self.temp {
            Some(temp) => temp.persist_noclobber(&self.target).map_err(|e| e.error)?,
            None => return Err(io::Error::other("no temporary file to rename")),
        };
        Ok(self.target)
    }

    fn add_dir(&mut self, dir: &str) -> io::Result<()> {
        let name = format!("{}/{}/", self.top, dir);
        match &mut self.container {
            Container::TarGz(builder) => {
                let mut header = tar::Header::new_gnu();
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                header.set_mode(0o755);
                header.set_mtime(self.mtime.as_second().max(0) as u64);
                builder.append_data(&mut header, &name, io::empty())
            }
            Container::Zip(zip) => zip
                .add_directory(name, zip_options(self.mtime, 0o755, 0))
                .map_err(zip_error),
        }
    }
}

fn tar_gz(out: Out) -> Container {
    let out = BufWriter::with_capacity(256 * 1024, out);
    let gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
    let mut builder = tar::Builder::new(gz);
    builder.mode(tar::HeaderMode::Deterministic);
    Container::TarGz(Box::new(builder))
}

fn zip_options(mtime: jiff::Timestamp, mode: u32, size: u64) -> zip::write::SimpleFileOptions {
    let civil = jiff::tz::TimeZone::UTC.to_datetime(mtime);
    let when = zip::DateTime::from_date_and_time(
        u16::try_from(civil.year()).unwrap_or(1980),
        civil.month() as u8,
        civil.day() as u8,
        civil.hour() as u8,
        civil.minute() as u8,
        civil.second() as u8,
    )
    .unwrap_or_default();
    zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(mode)
        .last_modified_time(when)
        .large_file(size >= u32::MAX as u64)
}

fn zip_error(e: zip::result::ZipError) -> io::Error {
    match e {
        zip::result::ZipError::Io(io) => io,
        other => io::Error::other(other.to_string()),
    }
}

/// The directory a target path lives in (`.` for a bare file name).
pub(crate) fn parent_dir(target: &Path) -> &Path {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

struct Hashing<R> {
    inner: R,
    hash: Sha256,
    count: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> BundlePath {
        BundlePath::new(s).unwrap()
    }

    #[test]
    fn a_tar_gz_has_one_top_dir_regular_files_and_dirs_only() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("b.tar.gz");
        let mut w =
            BundleWriter::create(&target, Format::TarGz, "b", jiff::Timestamp::now()).unwrap();
        let e = w.add_bytes(&p("a/b/c.txt"), b"hello").unwrap();
        assert_eq!(
            e.sha256,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        w.add_bytes(&p("a/d.txt"), b"").unwrap();
        // Nothing at the target until finished.
        assert!(!target.exists());
        assert_eq!(w.finish().unwrap(), target);
        let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(File::open(&target).unwrap()));
        let mut names = Vec::new();
        for entry in ar.entries().unwrap() {
            let entry = entry.unwrap();
            let t = entry.header().entry_type();
            assert!(t == tar::EntryType::Regular || t == tar::EntryType::Directory);
            names.push(entry.path().unwrap().to_string_lossy().into_owned());
        }
        assert_eq!(names, ["b/a/", "b/a/b/", "b/a/b/c.txt", "b/a/d.txt"]);
        // No leftover temporary file.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_zip_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("b.zip");
        let mut w =
            BundleWriter::create(&target, Format::Zip, "b", jiff::Timestamp::now()).unwrap();
        w.add_bytes(&p("x/y.json"), b"{}").unwrap();
        w.finish().unwrap();
        let mut zip = zip::ZipArchive::new(File::open(&target).unwrap()).unwrap();
        let mut s = String::new();
        zip.by_name("b/x/y.json")
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, "{}");
    }

    #[test]
    fn a_short_source_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("b.zip");
        let mut w =
            BundleWriter::create(&target, Format::Zip, "b", jiff::Timestamp::now()).unwrap();
        assert!(w.add(&p("x"), 10, &mut &b"abc"[..]).is_err());
    }

    #[test]
    fn an_unfinished_bundle_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("b.tar.gz");
        let mut w =
            BundleWriter::create(&target, Format::TarGz, "b", jiff::Timestamp::now()).unwrap();
        w.add_bytes(&p("x"), b"abc").unwrap();
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
