//! A tar.gz bundle written as it is generated: members go into the tar stream one at a time
//! and a second thread compresses, so generating and compressing share the two cores and
//! nothing but the member being built is held in memory.

use kbundle_format::manifest::FileEntry;
use kbundle_format::BundlePath;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::mpsc::{self, SyncSender};
use std::thread::JoinHandle;

const CHUNK: usize = 1 << 20;

/// Appends members under `<top>/`, directories first, and records each for the manifest.
pub struct BundleWriter {
    tar: tar::Builder<ChunkSender>,
    top: String,
    mtime: u64,
    dirs: BTreeSet<String>,
    files: Vec<FileEntry>,
    bytes: u64,
}

impl BundleWriter {
    /// Creates `out` and starts the compressing thread (gzip `level` 0-9).
    pub fn create(out: &Path, top: &str, mtime: u64, level: u32) -> io::Result<Self> {
        let file = File::create(out)?;
        let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(4);
        let compressor = std::thread::Builder::new().name("gzip".to_string()).spawn(
            move || -> io::Result<()> {
                let mut gz = flate2::write::GzEncoder::new(
                    BufWriter::with_capacity(CHUNK, file),
                    flate2::Compression::new(level),
                );
                for chunk in rx {
                    gz.write_all(&chunk)?;
                }
                gz.finish()?.flush()
            },
        )?;
        let mut writer = BundleWriter {
            tar: tar::Builder::new(ChunkSender {
                buf: Vec::with_capacity(CHUNK),
                tx: Some(tx),
                compressor: Some(compressor),
            }),
            top: top.to_string(),
            mtime,
            dirs: BTreeSet::new(),
            files: Vec::new(),
            bytes: 0,
        };
        writer.dir(top)?;
        Ok(writer)
    }

    fn dir(&mut self, path: &str) -> io::Result<()> {
        if !self.dirs.insert(path.to_string()) {
            return Ok(());
        }
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(tar::EntryType::Directory);
        header.set_mode(0o755);
        header.set_mtime(self.mtime);
        header.set_size(0);
        self.tar
            .append_data(&mut header, format!("{path}/"), io::empty())
    }

    /// Appends `content` as `path` (below the top directory).
    pub fn add(&mut self, path: &BundlePath, content: &[u8]) -> io::Result<()> {
        let mut parent = self.top.clone();
        let components: Vec<&str> = path.components().collect();
        if let Some((_, dirs)) = components.split_last() {
            for dir in dirs {
                parent = format!("{parent}/{dir}");
                self.dir(&parent.clone())?;
            }
        }
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o644);
        header.set_mtime(self.mtime);
        header.set_size(content.len() as u64);
        self.tar
            .append_data(&mut header, format!("{}/{path}", self.top), content)?;
        self.files.push(FileEntry {
            path: path.to_string(),
            size: content.len() as u64,
            sha256: format!("{:x}", Sha256::digest(content)),
        });
        self.bytes += content.len() as u64;
        Ok(())
    }

    /// The files written so far, for the manifest.
    pub fn files(&self) -> &[FileEntry] {
        &self.files
    }

    /// Uncompressed bytes of member content written so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Ends the tar, waits for the compressor and returns its result.
    pub fn finish(self) -> io::Result<()> {
        let mut sender = self.tar.into_inner()?;
        sender.flush()?;
        sender.tx = None;
        match sender.compressor.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the gzip thread panicked")),
            None => Ok(()),
        }
    }
}

/// The tar stream's sink: hands 1 MiB chunks to the compressing thread.
struct ChunkSender {
    buf: Vec<u8>,
    tx: Option<SyncSender<Vec<u8>>>,
    compressor: Option<JoinHandle<io::Result<()>>>,
}

impl ChunkSender {
    fn send(&mut self) -> io::Result<()> {
        let full = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        match &self.tx {
            Some(tx) => tx
                .send(full)
                .map_err(|_| io::Error::other("the gzip thread stopped (disk full?)")),
            None => Ok(()),
        }
    }
}

impl Write for ChunkSender {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.send()?;
        }
        Ok(())
    }
}
