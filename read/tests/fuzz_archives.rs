//! Property tests of the reader on damaged and hostile archives: whatever the bytes, a read
//! ends (never hangs), never panics, hands over only checked paths with bodies no longer than
//! declared, and a failure is one line that names the file.
//!
//! Each property starts from a valid bundle in one container (tar, tar.gz, tar.xz, tar.zst,
//! tar.bz2, zip) and damages it: bytes flipped, spans overwritten, cut short, garbage
//! appended. proptest shrinks a failure to a small case and stores its seed in
//! `proptest-regressions/`, which is committed so every later run replays it. The case count
//! is a fixed budget for `cargo test` (`PROPTEST_CASES` raises it for a longer campaign; see
//! docs/fuzzing.md).

use kbundle_read::{read_bundle, Member, MemberSink, ReadError, SkipReason};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use std::io::{self, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// Reads every body to its end, as the analyzer does, checking the reader's promises.
#[derive(Default)]
struct Checking {
    members: u64,
}

impl MemberSink for Checking {
    fn member(&mut self, member: Member<'_>) -> io::Result<()> {
        let mut body = Vec::new();
        member.body.read_to_end(&mut body)?;
        assert!(
            body.len() as u64 <= member.size,
            "{}: {} bytes handed over, {} declared",
            member.path,
            body.len(),
            member.size
        );
        let path = member.path.as_str();
        assert!(!path.starts_with('/') && !path.split('/').any(|c| c == ".."));
        self.members += 1;
        Ok(())
    }

    fn skipped(&mut self, entry: &str, _reason: SkipReason) {
        assert!(!entry.is_empty());
    }
}

/// A small but complete bundle: a top directory, JSON, a log that spans several blocks.
fn sample_tar() -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut add = |path: &str, data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_795_000_000);
        header.set_cksum();
        builder.append_data(&mut header, path, data).unwrap();
    };
    add("kbundle-x/manifest.json", br#"{"format":"kbundle/v1"}"#);
    add(
        "kbundle-x/cluster-resources/pods/default.json",
        br#"{"kind":"PodList","items":[{"metadata":{"name":"a"}}]}"#,
    );
    let log: Vec<u8> = (0..400)
        .flat_map(|i| format!("I1127 10:00:{:02} kubelet line {i}\n", i % 60).into_bytes())
        .collect();
    add(
        "kbundle-x/host-collectors/w1/run/journalctl-kubelet.txt",
        &log,
    );
    builder.into_inner().unwrap()
}

#[derive(Debug, Clone, Copy)]
enum Shape {
    Tar,
    Gzip,
    Xz,
    Zstd,
    Bzip2,
    Zip,
}

fn container(shape: Shape) -> Vec<u8> {
    let tar = sample_tar();
    match shape {
        Shape::Tar => tar,
        Shape::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&tar).unwrap();
            e.finish().unwrap()
        }
        Shape::Xz => {
            let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
            e.write_all(&tar).unwrap();
            e.finish().unwrap()
        }
        Shape::Zstd => zstd::stream::encode_all(&tar[..], 1).unwrap(),
        Shape::Bzip2 => {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
            e.write_all(&tar).unwrap();
            e.finish().unwrap()
        }
        Shape::Zip => {
            let mut zip = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
            let mut archive = tar::Archive::new(&tar[..]);
            for entry in archive.entries().unwrap() {
                let mut entry = entry.unwrap();
                let name = entry.path().unwrap().to_string_lossy().into_owned();
                zip.start_file(name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                io::copy(&mut entry, &mut zip).unwrap();
            }
            zip.finish().unwrap().into_inner()
        }
    }
}

/// One way to damage a file.
#[derive(Debug, Clone)]
enum Damage {
    /// XOR a byte at a fraction of the length.
    Flip { at: f64, mask: u8 },
    /// Overwrite a span with given bytes.
    Overwrite { at: f64, bytes: Vec<u8> },
    /// Keep only a fraction of the file.
    Cut { keep: f64 },
    /// Append bytes after the end.
    Append { bytes: Vec<u8> },
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (0.0..1.0f64, 1..=255u8).prop_map(|(at, mask)| Damage::Flip { at, mask }),
        (0.0..1.0f64, prop::collection::vec(any::<u8>(), 1..64))
            .prop_map(|(at, bytes)| Damage::Overwrite { at, bytes }),
        (0.0..1.0f64).prop_map(|keep| Damage::Cut { keep }),
        prop::collection::vec(any::<u8>(), 1..600).prop_map(|bytes| Damage::Append { bytes }),
    ]
}

fn apply(mut file: Vec<u8>, damages: &[Damage]) -> Vec<u8> {
    for d in damages {
        let at = |f: f64, len: usize| ((f * len as f64) as usize).min(len.saturating_sub(1));
        match d {
            Damage::Flip { at: f, mask } if !file.is_empty() => {
                let i = at(*f, file.len());
                file[i] ^= mask;
            }
            Damage::Overwrite { at: f, bytes } if !file.is_empty() => {
                let i = at(*f, file.len());
                let end = (i + bytes.len()).min(file.len());
                file[i..end].copy_from_slice(&bytes[..end - i]);
            }
            Damage::Cut { keep } => file.truncate((*keep * file.len() as f64) as usize),
            Damage::Append { bytes } => file.extend_from_slice(bytes),
            _ => {}
        }
    }
    file
}

/// Reads `bytes` as a bundle file on another thread, failing the test if it takes more than
/// a few seconds (a hang is a bug); returns the reader's answer.
fn read_with_deadline(bytes: Vec<u8>) -> Result<u64, ReadError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.bundle");
    std::fs::write(&path, &bytes).unwrap();
    let (tx, rx) = mpsc::channel();
    let reading = path.clone();
    std::thread::spawn(move || {
        let mut sink = Checking::default();
        let result = read_bundle(&reading, &mut sink).map(|_| sink.members);
        let _ = tx.send(result);
    });
    let result = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the read neither finished nor failed within 20 s");
    if let Err(err) = &result {
        check_message(err, &path);
    }
    result
}

fn check_message(err: &ReadError, path: &Path) {
    let message = err.to_string();
    assert!(!message.contains('\n'), "{message}");
    assert!(
        message.starts_with(&path.display().to_string()),
        "{message}"
    );
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        Just(Shape::Tar),
        Just(Shape::Gzip),
        Just(Shape::Xz),
        Just(Shape::Zstd),
        Just(Shape::Bzip2),
        Just(Shape::Zip),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 192,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/fuzz_archives.txt",
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn damaged_archives_end_in_an_answer(
        shape in shape(),
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let bytes = apply(container(shape), &damages);
        // Ok (the damage missed anything that matters) or a one-line error: both are fine;
        // a panic or a hang is not.
        let _ = read_with_deadline(bytes);
    }

    #[test]
    fn random_bytes_are_refused(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        match read_with_deadline(bytes.clone()) {
            Ok(members) => prop_assert_eq!(members, 0, "random bytes gave members"),
            Err(ReadError::NotABundle { .. } | ReadError::Damaged { .. }) => {}
            Err(other) => prop_assert!(false, "unexpected error kind: {other}"),
        }
    }
}

#[test]
fn every_undamaged_container_reads_whole() {
    for shape in [
        Shape::Tar,
        Shape::Gzip,
        Shape::Xz,
        Shape::Zstd,
        Shape::Bzip2,
        Shape::Zip,
    ] {
        let members = read_with_deadline(container(shape)).unwrap();
        assert_eq!(members, 3, "{shape:?}");
    }
}
