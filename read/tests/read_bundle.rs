//! `read_bundle` end to end: bundles built in temporary folders as tar.gz, tgz, tar, zip and
//! directories; the real troubleshoot bundle; and hostile archives, which must fail cleanly.

use flate2::write::GzEncoder;
use flate2::Compression;
use kbundle_read::{read_bundle, Container, Member, MemberSink, ReadError, SkipReason, Source};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use tempfile::TempDir;
use zip::write::SimpleFileOptions;

const TOP: &str = "kbundle-prod-20261127T100000Z";

/// Everything a read handed over.
#[derive(Default)]
struct Collected {
    members: Vec<(String, Vec<u8>)>,
    skipped: Vec<(String, SkipReason)>,
    modified: Vec<Option<i64>>,
}

impl MemberSink for Collected {
    fn member(&mut self, member: Member<'_>) -> io::Result<()> {
        let mut content = Vec::new();
        member.body.read_to_end(&mut content)?;
        assert_eq!(content.len() as u64, member.size, "{}", member.path);
        self.members.push((member.path.to_string(), content));
        self.modified.push(member.modified);
        Ok(())
    }

    fn skipped(&mut self, entry: &str, reason: SkipReason) {
        self.skipped.push((entry.to_string(), reason));
    }
}

impl Collected {
    fn paths(&self) -> Vec<&str> {
        self.members.iter().map(|(p, _)| p.as_str()).collect()
    }
}

fn read(path: &Path) -> Result<(Source, Collected), ReadError> {
    let mut sink = Collected::default();
    read_bundle(path, &mut sink).map(|source| (source, sink))
}

/// A tar entry as a test writes it; names are written raw, so hostile ones get through.
enum Entry<'a> {
    File(&'a str, &'a [u8]),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
    HardLink(&'a str, &'a str),
    Fifo(&'a str),
    RawName(&'a [u8]),
}

fn tar_bytes(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        let mut header = tar::Header::new_gnu();
        header.set_mode(0o644);
        header.set_mtime(1_795_000_000);
        let (name, kind, data, link): (&[u8], _, &[u8], Option<&str>) = match entry {
            Entry::File(name, data) => (name.as_bytes(), tar::EntryType::Regular, data, None),
            Entry::Dir(name) => (name.as_bytes(), tar::EntryType::Directory, b"", None),
            Entry::Symlink(name, to) => (name.as_bytes(), tar::EntryType::Symlink, b"", Some(to)),
            Entry::HardLink(name, to) => (name.as_bytes(), tar::EntryType::Link, b"", Some(to)),
            Entry::Fifo(name) => (name.as_bytes(), tar::EntryType::Fifo, b"", None),
            Entry::RawName(name) => (name, tar::EntryType::Regular, b"x", None),
        };
        header.set_entry_type(kind);
        header.set_size(data.len() as u64);
        let raw = &mut header.as_old_mut().name;
        raw.fill(0);
        raw[..name.len()].copy_from_slice(name);
        if let Some(to) = link {
            header.as_old_mut().linkname[..to.len()].copy_from_slice(to.as_bytes());
        }
        header.set_cksum();
        builder.append(&header, data).unwrap();
    }
    builder.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    gzip_at(bytes, Compression::fast())
}

/// gzip at `level`; `Compression::none()` keeps the large tests quick in debug builds.
fn gzip_at(bytes: &[u8], level: Compression) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), level);
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 1);
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn zst(bytes: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(bytes, 1).unwrap()
}

fn bz2(bytes: &[u8]) -> Vec<u8> {
    let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    fs::write(&path, bytes).unwrap();
    path
}

/// Deterministic bytes that do not compress (xorshift).
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect()
}

/// A log large enough to cross the inflate thread's chunks several times.
fn big_log() -> Vec<u8> {
    let mut log = Vec::new();
    for i in 0..12_000 {
        writeln!(
            log,
            "I1127 10:{:02}:{:02}.{i:06} 1234 kubelet.go:2100] \"SyncLoop (PLEG): event for pod\" pod=\"default/web-{i}\"",
            i / 600 % 60,
            i / 10 % 60
        )
        .unwrap();
    }
    log
}

/// Our layout with a top directory: the files a test expects, and the tar holding them.
fn sample_bundle(log: &[u8]) -> (Vec<(String, Vec<u8>)>, Vec<u8>) {
    let files: Vec<(String, Vec<u8>)> = vec![
        (
            "manifest.json".into(),
            br#"{"format":"kbundle/v1"}"#.to_vec(),
        ),
        (
            "cluster-resources/pods/default.json".into(),
            br#"{"kind":"PodList","items":[]}"#.to_vec(),
        ),
        (
            "cluster-resources/pods/logs/default/web-1/app.log".into(),
            log.to_vec(),
        ),
        (
            "host-collectors/w1/run/df-h.txt".into(),
            b"Filesystem Size\n".to_vec(),
        ),
        ("host-collectors/w1/run/empty.txt".into(), Vec::new()),
    ];
    let names: Vec<String> = files.iter().map(|(p, _)| format!("{TOP}/{p}")).collect();
    let top_dir = format!("{TOP}/");
    let mut list = vec![Entry::Dir(&top_dir)];
    for (name, (_, data)) in names.iter().zip(&files) {
        list.push(Entry::File(name, data));
    }
    let tar = tar_bytes(&list);
    (files, tar)
}

fn assert_sample(
    source: &Source,
    got: &Collected,
    files: &[(String, Vec<u8>)],
    container: Container,
) {
    assert_eq!(source.container, container);
    assert_eq!(source.top_dir.as_deref(), Some(TOP));
    assert_eq!(source.members, files.len() as u64);
    assert_eq!(got.members, files);
    assert!(got.skipped.is_empty(), "{:?}", got.skipped);
}

#[test]
fn tar_gz_tgz_and_tar_hand_over_every_member_stripped() {
    let dir = TempDir::new().unwrap();
    let (files, tar) = sample_bundle(&big_log());
    let gz = gzip(&tar);
    for (name, bytes, container) in [
        ("b.tar.gz", &gz, Container::TarGz),
        ("b.tgz", &gz, Container::TarGz),
        ("renamed.zip", &gz, Container::TarGz),
        ("b.tar", &tar, Container::Tar),
    ] {
        let path = write(&dir, name, bytes);
        let (source, got) = read(&path).unwrap();
        assert_sample(&source, &got, &files, container);
        assert_eq!(source.path, path);
        assert_eq!(got.modified[0], Some(1_795_000_000));
    }
}

#[test]
fn xz_zstd_and_bzip2_tars_read_like_gzip_ones() {
    let dir = TempDir::new().unwrap();
    let (files, tar) = sample_bundle(&big_log());
    let twice_zst = [zst(&tar[..tar.len() / 2]), zst(&tar[tar.len() / 2..])].concat();
    for (name, bytes, container) in [
        ("sosreport-w1.tar.xz", xz(&tar), Container::TarXz),
        ("b.txz", xz(&tar), Container::TarXz),
        ("b.tar.zst", zst(&tar), Container::TarZst),
        // zstd -dc reads concatenated frames as one stream; so do we.
        ("two-frames.tzst", twice_zst, Container::TarZst),
        ("b.tar.bz2", bz2(&tar), Container::TarBz2),
        ("no-extension", xz(&tar), Container::TarXz),
    ] {
        let path = write(&dir, name, &bytes);
        let (source, got) = read(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_sample(&source, &got, &files, container);
    }
}

#[test]
fn zip_hands_over_every_member_and_skips_links() {
    let dir = TempDir::new().unwrap();
    let (files, _) = sample_bundle(&big_log());
    let path = dir.path().join("b.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&path).unwrap());
    let options = SimpleFileOptions::default().unix_permissions(0o644);
    zip.add_directory(format!("{TOP}/"), options).unwrap();
    for (name, data) in &files {
        zip.start_file(format!("{TOP}/{name}"), options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.add_symlink(
        format!("{TOP}/all-logs/app.log"),
        "../../etc/shadow",
        options,
    )
    .unwrap();
    zip.start_file("__MACOSX/._manifest.json", options).unwrap();
    zip.write_all(b"apple").unwrap();
    zip.finish().unwrap();

    let (source, got) = read(&path).unwrap();
    assert_eq!(source.container, Container::Zip);
    assert_eq!(source.top_dir.as_deref(), Some(TOP));
    assert_eq!(got.members, files);
    assert_eq!(
        got.skipped,
        vec![
            ("all-logs/app.log".to_string(), SkipReason::Link),
            (
                "__MACOSX/._manifest.json".to_string(),
                SkipReason::OutsideTopDir
            ),
        ]
    );
    assert!(got.modified.iter().all(Option::is_some));
}

#[test]
fn a_directory_is_walked_sorted_without_following_links() {
    let dir = TempDir::new().unwrap();
    // Unpacked into a folder of its own: the reader descends into the lone bundle folder.
    let root = dir.path().join("unpacked");
    let bundle = root.join(TOP);
    let (files, _) = sample_bundle(b"log line\n");
    for (name, data) in &files {
        let path = bundle.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, data).unwrap();
    }
    fs::create_dir_all(bundle.join("all-logs")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", bundle.join("all-logs/outside.log")).unwrap();
    std::os::unix::fs::symlink("../cluster-resources", bundle.join("all-logs/dir-link")).unwrap();
    let fifo = bundle.join("host-collectors/w1/fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    fs::write(root.join(".DS_Store"), b"finder").unwrap();

    let (source, got) = read(&root).unwrap();
    assert_eq!(source.container, Container::Directory);
    assert_eq!(source.top_dir.as_deref(), Some(TOP));
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(got.members, sorted);
    assert_eq!(
        got.skipped,
        vec![
            ("all-logs/dir-link".to_string(), SkipReason::Link),
            ("all-logs/outside.log".to_string(), SkipReason::Link),
            ("host-collectors/w1/fifo".to_string(), SkipReason::Special),
        ]
    );

    // Pointed at the bundle folder itself, nothing is stripped.
    let (source, again) = read(&bundle).unwrap();
    assert_eq!(source.top_dir, None);
    assert_eq!(again.members, sorted);
}

#[test]
fn a_directory_with_a_lone_bundle_folder_is_the_bundle() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("cluster-resources/nodes.json");
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(&file, b"[]").unwrap();
    let (source, got) = read(dir.path()).unwrap();
    assert_eq!(source.top_dir, None);
    assert_eq!(got.paths(), ["cluster-resources/nodes.json"]);
}

#[test]
fn entries_at_the_archive_root_are_accepted() {
    let dir = TempDir::new().unwrap();
    let tar = tar_bytes(&[
        Entry::Dir("./"),
        Entry::File("./manifest.json", b"{}"),
        Entry::File("./cluster-resources/nodes.json", b"[]"),
    ]);
    let (source, got) = read(&write(&dir, "root.tar.gz", &gzip(&tar))).unwrap();
    assert_eq!(source.top_dir, None);
    assert_eq!(
        got.paths(),
        ["manifest.json", "cluster-resources/nodes.json"]
    );

    let tar = tar_bytes(&[
        Entry::File("cluster-resources/nodes.json", b"[]"),
        Entry::File("version.yaml", b"kind: SupportBundle"),
    ]);
    let (source, got) = read(&write(&dir, "root2.tar", &tar)).unwrap();
    assert_eq!(source.top_dir, None);
    assert_eq!(
        got.paths(),
        ["cluster-resources/nodes.json", "version.yaml"]
    );
}

#[test]
fn the_real_troubleshoot_bundle_reads_with_its_links_skipped() {
    let Some(path) = kbundle_testkit::interop_bundle() else {
        return;
    };
    let (source, got) = read(&path).unwrap();
    assert_eq!(source.container, Container::TarGz);
    assert_eq!(source.top_dir.as_deref(), Some("support-bundle"));
    assert_eq!(source.members, 102);
    assert_eq!(got.members.len(), 102);
    assert_eq!(got.skipped.len(), 19);
    assert!(got.skipped.iter().all(|(_, why)| *why == SkipReason::Link));
    assert_eq!(
        got.skipped
            .iter()
            .filter(|(p, _)| p.starts_with("all-logs/"))
            .count(),
        18
    );
    let paths = got.paths();
    assert!(paths.contains(&"cluster-resources/pods/kube-system.json"));
    assert!(paths.contains(
        &"cluster-resources/pods/logs/kube-system/local-path-provisioner-7b7dc8d6f5-45btl/local-path-provisioner-previous.log"
    ));
    assert!(paths.iter().all(|p| !p.starts_with("support-bundle")));
}

/// The error a hostile archive gives, checked to be one line that names the file.
fn refused(path: &Path) -> ReadError {
    let err = match read(path) {
        Ok((_, got)) => panic!("{} was read: {:?}", path.display(), got.paths()),
        Err(err) => err,
    };
    let message = err.to_string();
    assert!(!message.contains('\n'), "{message}");
    assert!(
        message.starts_with(&path.display().to_string()),
        "{message}"
    );
    err
}

#[test]
fn unsafe_names_are_refused() {
    let dir = TempDir::new().unwrap();
    for (i, name) in [
        &b"../x"[..],
        b"/etc/passwd",
        b"a/../../x",
        b"kbundle-x/../../../etc/cron.d/x",
        b"kbundle-x\\..\\..\\x",
    ]
    .iter()
    .enumerate()
    {
        let tar = tar_bytes(&[
            Entry::File("kbundle-x/manifest.json", b"{}"),
            Entry::RawName(name),
        ]);
        let path = write(&dir, &format!("hostile-{i}.tar.gz"), &gzip(&tar));
        let err = refused(&path);
        assert!(
            matches!(err, ReadError::UnsafeEntry { .. }),
            "{}: {err}",
            String::from_utf8_lossy(name)
        );
    }
    // A link's name is checked like any other, even though links are never followed.
    let tar = tar_bytes(&[Entry::Symlink("../escape", "/etc/passwd")]);
    let err = refused(&write(&dir, "link-name.tar", &tar));
    assert!(matches!(err, ReadError::UnsafeEntry { .. }), "{err}");
}

#[test]
fn odd_names_are_passed_over_and_the_rest_still_reads() {
    let dir = TempDir::new().unwrap();
    let tar = tar_bytes(&[
        Entry::File("kbundle-x/manifest.json", b"{}"),
        Entry::RawName(b"kbundle-x/etc/systemd/system/snap-kube\\x2dapiserver-2599.mount"),
        Entry::RawName(b"kbundle-x/caf\xe9.log"),
        Entry::File("kbundle-x/z.log", b"z\n"),
    ]);
    let (source, got) = read(&write(&dir, "sos-like.tar.gz", &gzip(&tar))).unwrap();
    assert_eq!(source.members, 2);
    assert_eq!(got.paths(), ["manifest.json", "z.log"]);
    assert_eq!(got.skipped.len(), 2, "{:?}", got.skipped);
    assert!(got
        .skipped
        .iter()
        .all(|(_, why)| matches!(why, SkipReason::UnusualName(_))));
    assert!(got.skipped[0].0.contains("snap-kube"));
}

#[test]
fn links_and_special_files_are_skipped_never_followed() {
    let dir = TempDir::new().unwrap();
    let tar = tar_bytes(&[
        Entry::File("kbundle-x/a.log", b"a\n"),
        Entry::Symlink("kbundle-x/all-logs/out.log", "../../../../etc/shadow"),
        Entry::HardLink("kbundle-x/hard.log", "/etc/shadow"),
        Entry::Fifo("kbundle-x/pipe"),
        Entry::File("kbundle-x/b.log", b"b\n"),
    ]);
    let (source, got) = read(&write(&dir, "links.tar.gz", &gzip(&tar))).unwrap();
    assert_eq!(source.members, 2);
    assert_eq!(got.paths(), ["a.log", "b.log"]);
    assert_eq!(
        got.skipped,
        vec![
            ("all-logs/out.log".to_string(), SkipReason::Link),
            ("hard.log".to_string(), SkipReason::Link),
            ("pipe".to_string(), SkipReason::Special),
        ]
    );
}

#[test]
fn a_zip_with_parent_components_is_refused() {
    let dir = TempDir::new().unwrap();
    for (i, name) in ["kbundle-x/../../x", "..\\..\\x", "/etc/passwd"]
        .iter()
        .enumerate()
    {
        let path = dir.path().join(format!("hostile-{i}.zip"));
        let mut zip = zip::ZipWriter::new(fs::File::create(&path).unwrap());
        zip.start_file("kbundle-x/manifest.json", SimpleFileOptions::default())
            .unwrap();
        zip.write_all(b"{}").unwrap();
        zip.start_file(*name, SimpleFileOptions::default()).unwrap();
        zip.write_all(b"x").unwrap();
        zip.finish().unwrap();
        let err = refused(&path);
        assert!(
            matches!(err, ReadError::UnsafeEntry { .. }),
            "{name}: {err}"
        );
    }
}

#[test]
fn truncated_archives_are_damaged_never_a_panic() {
    let dir = TempDir::new().unwrap();
    let (files, tar) = sample_bundle(&big_log());
    let gz = gzip(&tar);
    let (xz, zst, bz2) = (xz(&tar), zst(&tar), bz2(&tar));
    for (kind, bytes) in [
        ("tar.gz", &gz),
        ("tar", &tar),
        ("tar.xz", &xz),
        ("tar.zst", &zst),
        ("tar.bz2", &bz2),
    ] {
        for cut in [
            100,
            511,
            512,
            1024,
            bytes.len() / 10,
            bytes.len() / 3,
            bytes.len() / 2,
            bytes.len() * 9 / 10,
            bytes.len() - 1024,
            bytes.len() - 8,
            bytes.len() - 1,
        ] {
            let path = write(&dir, &format!("cut-{cut}.{kind}"), &bytes[..cut]);
            match read(&path) {
                Ok((source, got)) => {
                    // Only a tar cut in its end-of-archive padding is still whole.
                    assert_eq!(kind, "tar", "a {kind} cut at {cut} was read");
                    assert_eq!(got.members, files, "cut at {cut}");
                    assert_eq!(source.members, files.len() as u64);
                }
                Err(err) => {
                    let message = refused(&path).to_string();
                    assert!(
                        matches!(
                            err,
                            ReadError::Damaged { .. } | ReadError::NotABundle { .. }
                        ),
                        "{message}"
                    );
                    if cut > 1024 {
                        assert!(matches!(err, ReadError::Damaged { .. }), "{message}");
                        assert!(message.contains("unexpected end of archive"), "{message}");
                    }
                }
            }
        }
    }
}

#[test]
fn a_truncated_zip_is_damaged() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("whole.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&path).unwrap());
    zip.start_file("kbundle-x/a.log", SimpleFileOptions::default())
        .unwrap();
    zip.write_all(&big_log()).unwrap();
    zip.finish().unwrap();
    let bytes = fs::read(&path).unwrap();
    for cut in [bytes.len() / 2, bytes.len() - 10] {
        let cut_path = write(&dir, &format!("cut-{cut}.zip"), &bytes[..cut]);
        let err = refused(&cut_path);
        assert!(matches!(err, ReadError::Damaged { .. }), "{err}");
    }
}

#[test]
fn corrupt_gzip_data_is_damaged() {
    let dir = TempDir::new().unwrap();
    let (_, tar) = sample_bundle(&big_log());
    let mut gz = gzip(&tar);
    let middle = gz.len() / 2;
    for byte in &mut gz[middle..middle + 64] {
        *byte = !*byte;
    }
    let err = refused(&write(&dir, "corrupt.tar.gz", &gz));
    assert!(matches!(err, ReadError::Damaged { .. }), "{err}");
}

#[test]
fn what_is_not_a_bundle_says_so() {
    let dir = TempDir::new().unwrap();
    for (name, bytes) in [
        ("garbage.tar.gz", noise(4096, 7)),
        ("empty.tar.gz", Vec::new()),
        ("random-inside.tar.gz", gzip(&noise(100_000, 11))),
        ("short-inside.tgz", gzip(b"hello")),
        ("random-inside.tar.xz", xz(&noise(100_000, 12))),
        ("random-inside.tar.zst", zst(&noise(100_000, 13))),
        ("random-inside.tar.bz2", bz2(&noise(100_000, 14))),
        ("notes.zip", b"just some text, not a zip".to_vec()),
    ] {
        let path = write(&dir, name, &bytes);
        let err = refused(&path);
        assert!(matches!(err, ReadError::NotABundle { .. }), "{err}");
    }
    // Magic bytes and nothing after them: a damaged zstd file, said as such.
    let cut = write(
        &dir,
        "magic-only.tar.zst",
        &[0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0],
    );
    let err = refused(&cut);
    assert!(matches!(err, ReadError::Damaged { .. }), "{err}");
    let missing = dir.path().join("missing.tar.gz");
    let err = refused(&missing);
    assert!(matches!(err, ReadError::NotFound { .. }), "{err}");
}

#[test]
fn a_sink_error_stops_the_read_and_the_inflate_thread() {
    struct FailSecond(u32);
    impl MemberSink for FailSecond {
        fn member(&mut self, member: Member<'_>) -> io::Result<()> {
            self.0 += 1;
            let mut first = [0; 8];
            member.body.read_exact(&mut first)?;
            if self.0 == 2 {
                return Err(io::Error::other("the sink gave up"));
            }
            Ok(())
        }
    }
    let dir = TempDir::new().unwrap();
    let files: Vec<(String, Vec<u8>)> = (0..6)
        .map(|i| (format!("kbundle-x/n{i}.bin"), noise(1 << 20, i + 1)))
        .collect();
    let entries: Vec<Entry<'_>> = files
        .iter()
        .map(|(n, d)| Entry::File(n.as_str(), d.as_slice()))
        .collect();
    let path = write(
        &dir,
        "big.tar.gz",
        &gzip_at(&tar_bytes(&entries), Compression::none()),
    );
    let err = read_bundle(&path, &mut FailSecond(0)).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, ReadError::Damaged { .. }), "{message}");
    assert!(message.contains("n1.bin: the sink gave up"), "{message}");
}

/// Many tiny entries stream through; that memory stays flat is measured by the benchmark
/// (300,000 entries, 6 MB peak RSS: docs/performance.md), debug builds being too slow here.
#[test]
fn a_tar_bomb_of_tiny_entries_streams() {
    let dir = TempDir::new().unwrap();
    let names: Vec<String> = (0..5_000)
        .map(|i| format!("kbundle-x/host-collectors/w{}/run/{i}.txt", i % 7))
        .collect();
    let entries: Vec<Entry<'_>> = names.iter().map(|n| Entry::File(n, b"1\n")).collect();
    let path = write(
        &dir,
        "bomb.tar.gz",
        &gzip_at(&tar_bytes(&entries), Compression::none()),
    );

    struct Count(u64, u64);
    impl MemberSink for Count {
        fn member(&mut self, member: Member<'_>) -> io::Result<()> {
            self.0 += 1;
            self.1 += io::copy(member.body, &mut io::sink())?;
            Ok(())
        }
    }
    let mut count = Count(0, 0);
    let source = read_bundle(&path, &mut count).unwrap();
    assert_eq!((source.members, count.0, count.1), (5_000, 5_000, 10_000));
}
