//! A compressed tar (gzip, xz, zstd or bzip2) inflated on its own thread, so that parsing
//! members on the other core overlaps with inflating the next ones.
//!
//! The inflate thread reads the file in large blocks, inflates with the codec's decoder
//! ([`flate2`]'s zlib-rs backend, liblzma, libzstd, libbz2-rs; every one reads concatenated
//! streams as `gzip -dc`, `xz -dc`, `zstd -dc` and `bzip2 -dc` do) and sends filled chunks
//! through a bounded channel: at most [`CHUNKS_IN_FLIGHT`] chunks wait, so memory stays flat whatever
//! the bundle's size. (Sending consumed chunks back to be refilled was measured: no gain
//! beyond noise, the allocator reuses the freed chunk anyway.) A failure to inflate reaches
//! the reader as an `io::Error` with the decoder's message; dropping the reader stops the
//! thread.

use super::container::read_up_to;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Bytes read from the file at a time.
const FILE_READ_SIZE: usize = 1 << 20;
/// Inflated bytes per chunk handed to the reader.
const CHUNK_SIZE: usize = 512 << 10;
/// Chunks that may wait in the channel; with the one being filled and the one being read,
/// at most `CHUNKS_IN_FLIGHT + 2` chunks exist.
const CHUNKS_IN_FLIGHT: usize = 4;

type Chunk = io::Result<Vec<u8>>;

/// How the tar inside a compressed bundle was compressed, told by the file's magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Codec {
    /// `.tar.gz`, `.tgz`: what our collector and troubleshoot write.
    Gzip,
    /// `.tar.xz`, `.txz`: what sos writes by default.
    Xz,
    /// `.tar.zst`, `.tzst`: sos's `-z zstd`, and what many people pick for speed.
    Zstd,
    /// `.tar.bz2`: older sosreports.
    Bzip2,
}

impl Codec {
    /// The format's usual name, for messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Codec::Gzip => "gzip",
            Codec::Xz => "xz",
            Codec::Zstd => "zstd",
            Codec::Bzip2 => "bzip2",
        }
    }

    fn decoder(self, file: BufReader<File>) -> io::Result<Box<dyn Read>> {
        Ok(match self {
            Codec::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(file)),
            Codec::Xz => Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(file)),
            Codec::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(file)?),
            Codec::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(file)),
        })
    }
}

/// The inflated content of a compressed file (all its streams, as `gzip -dc` gives them), read
/// while a thread of its own inflates ahead.
pub(crate) struct InflatedStream {
    chunks: Option<Receiver<Chunk>>,
    current: Vec<u8>,
    pos: usize,
    /// Once failed, every later read fails the same way instead of looking like the end.
    failure: Option<(io::ErrorKind, String)>,
    worker: Option<JoinHandle<()>>,
}

impl InflatedStream {
    /// Starts inflating `file` with `codec` from its current position on a new thread.
    pub(crate) fn spawn(file: File, codec: Codec) -> io::Result<Self> {
        let (chunk_tx, chunk_rx) = mpsc::sync_channel(CHUNKS_IN_FLIGHT);
        let worker = std::thread::Builder::new()
            .name("kbundle-inflate".to_string())
            .spawn(move || inflate(file, codec, &chunk_tx))?;
        Ok(InflatedStream {
            chunks: Some(chunk_rx),
            current: Vec::new(),
            pos: 0,
            failure: None,
            worker: Some(worker),
        })
    }

    /// Called when the channel is closed: a clean end unless the thread died.
    fn finish(&mut self) -> io::Result<usize> {
        self.chunks = None;
        match self.worker.take().map(JoinHandle::join) {
            Some(Err(_)) => self.fail(io::Error::other("the inflate thread stopped unexpectedly")),
            _ => Ok(0),
        }
    }

    fn fail(&mut self, err: io::Error) -> io::Result<usize> {
        self.failure = Some((err.kind(), err.to_string()));
        Err(err)
    }
}

impl Read for InflatedStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some((kind, message)) = &self.failure {
            return Err(io::Error::new(*kind, message.clone()));
        }
        if buf.is_empty() {
            return Ok(0);
        }
        while self.pos == self.current.len() {
            self.current = Vec::new();
            self.pos = 0;
            let Some(chunks) = &self.chunks else {
                return Ok(0);
            };
            match chunks.recv() {
                Ok(Ok(chunk)) => self.current = chunk,
                Ok(Err(err)) => return self.fail(err),
                Err(mpsc::RecvError) => return self.finish(),
            }
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Drop for InflatedStream {
    fn drop(&mut self) {
        // Closing the channel first makes a thread blocked on `send` return, so the join
        // cannot wait forever.
        self.chunks = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// The inflate thread: fills chunks until the end of the data, an error, or a reader that
/// went away. The end is signalled by closing the channel.
fn inflate(file: File, codec: Codec, chunks: &SyncSender<Chunk>) {
    let mut decoder = match codec.decoder(BufReader::with_capacity(FILE_READ_SIZE, file)) {
        Ok(decoder) => decoder,
        Err(err) => {
            let _ = chunks.send(Err(describe(codec, err)));
            return;
        }
    };
    loop {
        let mut chunk = vec![0; CHUNK_SIZE];
        let filled = match read_up_to(&mut decoder, &mut chunk) {
            Ok(filled) => filled,
            Err(err) => {
                let _ = chunks.send(Err(describe(codec, err)));
                return;
            }
        };
        if filled == 0 {
            return;
        }
        chunk.truncate(filled);
        if chunks.send(Ok(chunk)).is_err() || filled < CHUNK_SIZE {
            return;
        }
    }
}

/// Puts the decoder's error in words a support engineer reads as "the file is damaged".
fn describe(codec: Codec, err: io::Error) -> io::Error {
    let name = codec.name();
    let message = if err.kind() == io::ErrorKind::UnexpectedEof {
        format!("unexpected end of archive ({name} data cut short)")
    } else {
        format!("corrupt {name} data: {err}")
    };
    io::Error::new(err.kind(), message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::{Seek, Write};

    fn gzip_file(parts: &[&[u8]]) -> File {
        let mut file = tempfile::tempfile().unwrap();
        for part in parts {
            let mut gz = GzEncoder::new(Vec::new(), Compression::default());
            gz.write_all(part).unwrap();
            file.write_all(&gz.finish().unwrap()).unwrap();
        }
        file.rewind().unwrap();
        file
    }

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn yields_every_member_of_a_multi_member_gzip() {
        let big = pattern(3 * CHUNK_SIZE + 17);
        let file = gzip_file(&[&big, b"tail"]);
        let mut out = Vec::new();
        InflatedStream::spawn(file, Codec::Gzip)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out.len(), big.len() + 4);
        assert!(out.starts_with(&big) && out.ends_with(b"tail"));
    }

    #[test]
    fn truncation_is_an_error_that_stays() {
        let file = gzip_file(&[&pattern(2 * CHUNK_SIZE)]);
        let len = file.metadata().unwrap().len();
        file.set_len(len / 2).unwrap();
        let mut stream = InflatedStream::spawn(file, Codec::Gzip).unwrap();
        let err = stream.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("unexpected end"), "{err}");
        let again = stream.read(&mut [0; 16]).unwrap_err();
        assert_eq!(again.to_string(), err.to_string());
    }

    /// Dropping the reader while the inflate thread is blocked on a full channel must
    /// release and join it. A drop that joined before closing the channel would wait for
    /// ever; the deadline turns that hang into a failure. (60 s is far beyond the
    /// milliseconds this takes, even on a loaded machine.)
    #[test]
    fn dropping_the_reader_early_stops_the_thread() {
        const DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);
        let file = gzip_file(&[&pattern(12 * CHUNK_SIZE)]);
        let mut stream = InflatedStream::spawn(file, Codec::Gzip).unwrap();
        let mut first = [0; 10];
        stream.read_exact(&mut first).unwrap();
        assert_eq!(first, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        // Let the thread fill the channel and block on its next send.
        std::thread::sleep(std::time::Duration::from_millis(200));
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        // Drop joins the inflate thread: it returns only because the blocked sender was
        // released. Dropped on a helper thread, so that a hang is seen, not suffered.
        std::thread::spawn(move || {
            drop(stream);
            let _ = done_tx.send(());
        });
        assert!(
            done_rx.recv_timeout(DEADLINE).is_ok(),
            "dropping the reader did not stop the inflate thread within {DEADLINE:?}"
        );
    }
}
