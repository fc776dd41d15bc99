//! A node's result on its way in: bytes from the transport (ssh's stdout, a pods/exec
//! stream) pass through a small bounded channel to the thread that merges them, and every
//! read there has a deadline.
//!
//! So nothing the remote side does can make the merge wait past `--node-timeout`, or past a
//! Ctrl-C: a read that would block longer returns an error, the transport is then killed or
//! dropped. The channel holds a few chunks at most, so memory stays flat whatever a node
//! sends and a slow merge slows the sender instead of piling up bytes.

use crate::interrupt::Interrupt;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Chunks in flight between a transport and its merge (64 KiB each: about 1 MiB).
const IN_FLIGHT: usize = 16;
/// Size of the chunks a blocking source is read in.
pub(crate) const CHUNK: usize = 64 * 1024;

/// Why a [`DeadlineReader`] stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stopped {
    /// The deadline passed.
    Deadline,
    /// Ctrl-C or SIGTERM.
    Interrupted,
}

/// The sending side, held by the transport.
#[derive(Clone)]
pub(crate) struct Sender {
    tx: SyncSender<io::Result<Vec<u8>>>,
    received: Arc<AtomicU64>,
}

impl Sender {
    /// Hands over a chunk, waiting while the channel is full; `false` once the reader is
    /// gone (the merge ended: the transport should stop).
    pub(crate) fn send(&self, chunk: Vec<u8>) -> bool {
        self.received
            .fetch_add(chunk.len() as u64, Ordering::Relaxed);
        self.tx.send(Ok(chunk)).is_ok()
    }

    /// [`Sender::send`] for async code that must not block a runtime thread: `Err(chunk)`
    /// when the channel is full (try again later).
    pub(crate) fn try_send(&self, chunk: Vec<u8>) -> Result<bool, Vec<u8>> {
        let len = chunk.len() as u64;
        match self.tx.try_send(Ok(chunk)) {
            Ok(()) => {
                self.received.fetch_add(len, Ordering::Relaxed);
                Ok(true)
            }
            Err(TrySendError::Full(Ok(chunk))) => Err(chunk),
            Err(TrySendError::Full(Err(_))) => Ok(true),
            Err(TrySendError::Disconnected(_)) => Ok(false),
        }
    }

    /// Ends the stream with an error (the transport broke); dropping the sender ends it
    /// cleanly.
    pub(crate) fn fail(&self, e: io::Error) {
        let _ = self.tx.send(Err(e));
    }

    /// Copies a blocking source (ssh's stdout) into the channel until it ends or the reader
    /// is gone.
    pub(crate) fn pump(&self, source: &mut dyn Read) {
        loop {
            let mut buf = vec![0u8; CHUNK];
            match source.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    buf.truncate(n);
                    if !self.send(buf) {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return self.fail(e),
            }
        }
    }
}

/// The merging side: a `Read` whose every wait ends at the deadline or on interrupt.
pub(crate) struct DeadlineReader {
    rx: Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    pos: usize,
    deadline: Instant,
    interrupt: Interrupt,
    stopped: Option<Stopped>,
    received: Arc<AtomicU64>,
}

/// A connected pair: the transport sends, the merge reads until `deadline`.
pub(crate) fn channel(deadline: Instant, interrupt: Interrupt) -> (Sender, DeadlineReader) {
    let (tx, rx) = sync_channel(IN_FLIGHT);
    let received = Arc::new(AtomicU64::new(0));
    (
        Sender {
            tx,
            received: Arc::clone(&received),
        },
        DeadlineReader {
            rx,
            chunk: Vec::new(),
            pos: 0,
            deadline,
            interrupt,
            stopped: None,
            received,
        },
    )
}

impl DeadlineReader {
    /// Why reading stopped early, if it did.
    pub(crate) fn stopped(&self) -> Option<Stopped> {
        self.stopped
    }

    /// Bytes the transport has handed over so far.
    pub(crate) fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }
}

impl Read for DeadlineReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.pos < self.chunk.len() {
                let n = buf.len().min(self.chunk.len() - self.pos);
                buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if let Some(why) = self.stopped {
                return Err(stop_error(why));
            }
            if self.interrupt.is_set() {
                self.stopped = Some(Stopped::Interrupted);
                continue;
            }
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                self.stopped = Some(Stopped::Deadline);
                continue;
            }
            match self.rx.recv_timeout(left.min(Duration::from_millis(100))) {
                Ok(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Ok(0),
            }
        }
    }
}

fn stop_error(why: Stopped) -> io::Error {
    match why {
        Stopped::Deadline => io::Error::new(io::ErrorKind::TimedOut, "the node timeout passed"),
        // Not `ErrorKind::Interrupted`: that kind means "retry" to every `Read` loop (the
        // scrubber's, tar's), which would spin on it for ever.
        Stopped::Interrupted => io::Error::other("interrupted"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_flow_and_the_end_is_an_eof() {
        let (tx, mut rx) = channel(Instant::now() + Duration::from_secs(5), Interrupt::manual());
        let t = std::thread::spawn(move || {
            tx.pump(&mut &b"hello world"[..]);
        });
        let mut out = String::new();
        rx.read_to_string(&mut out).unwrap();
        t.join().unwrap();
        assert_eq!(out, "hello world");
        assert_eq!(rx.received(), 11);
        assert_eq!(rx.stopped(), None);
    }

    #[test]
    fn a_silent_source_ends_at_the_deadline() {
        let (tx, mut rx) = channel(
            Instant::now() + Duration::from_millis(300),
            Interrupt::manual(),
        );
        let started = Instant::now();
        let err = rx.read(&mut [0u8; 8]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(rx.stopped(), Some(Stopped::Deadline));
        drop(tx);
    }

    #[test]
    fn an_interrupt_ends_a_wait() {
        let stop = Interrupt::manual();
        let (_tx, mut rx) = channel(Instant::now() + Duration::from_secs(60), stop.clone());
        let s = stop.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            s.set();
        });
        let err = rx.read(&mut [0u8; 8]).unwrap_err();
        assert_ne!(err.kind(), io::ErrorKind::Interrupted, "a retry would spin");
        assert_eq!(err.to_string(), "interrupted");
        assert_eq!(rx.stopped(), Some(Stopped::Interrupted));
    }
}
