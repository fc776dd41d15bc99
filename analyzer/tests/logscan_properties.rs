//! Properties of the log scanner ([`LogScanner::scan`]) with the built-in rules, on files
//! made of the rules' own example lines, real log lines from ../shared/corpus, random bytes
//! and damaged versions of all of these, with `\n` or `\r\n` ends and maybe no final one:
//! - the scan never fails or panics on any bytes, counts every byte and every line, and no
//!   rule counts more hits than there are lines;
//! - for every rule that applies to the file, the count, the first and the last hit line are
//!   exactly what matching the rule's pattern against each line alone gives (so the literal
//!   prefilter never loses a line, and rules of other kinds or pods never fire);
//! - reading the file in pieces of any size gives the same scan;
//! - in files larger than the scanner's 256 KiB block, line numbers still hold.
//!
//! Seeds of failures are kept in `analyzer/proptest-regressions/logscan_properties.txt`;
//! `PROPTEST_CASES` raises the fixed budget for a longer campaign (docs/fuzzing.md).

use kbundle_analyzer::logscan::{Catalog, FileScan, LogFileRef, LogKind, LogScanner, PodRef};
use kbundle_format::BundlePath;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;
use std::io::{self, Read};
use std::sync::OnceLock;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/logscan_properties.txt",
        ))),
        ..ProptestConfig::default()
    }
}

fn scanner() -> &'static LogScanner {
    static SCANNER: OnceLock<LogScanner> = OnceLock::new();
    SCANNER.get_or_init(|| LogScanner::builtin().unwrap_or_else(|e| panic!("{e}")))
}

fn catalog() -> &'static Catalog {
    scanner().catalog()
}

/// Lines to build files from: every rule's matching and non-matching examples, and the lines
/// of the corpus logs when ../shared is there.
fn lines_pool() -> &'static Vec<Vec<u8>> {
    static POOL: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut pool: Vec<Vec<u8>> = Vec::new();
        for rule in catalog().rules() {
            for line in rule
                .examples
                .must_match
                .iter()
                .chain(&rule.examples.no_match)
            {
                pool.push(line.as_bytes().to_vec());
            }
        }
        for dir in ["kernel-syslog", "kubelet-journal", "pod-logs"] {
            let Some(dir) = kbundle_testkit::shared(&format!("corpus/{dir}")) else {
                continue;
            };
            let mut files: Vec<_> = std::fs::read_dir(&dir)
                .expect("corpus directory")
                .map(|e| e.expect("an entry").path())
                .collect();
            files.sort();
            for file in files {
                let bytes = std::fs::read(&file).expect("a corpus file");
                // Every 7th line: variety without a pool of tens of thousands.
                pool.extend(bytes.split(|&b| b == b'\n').step_by(7).map(<[u8]>::to_vec));
            }
        }
        pool
    })
}

/// The lines that rules of `kind` must match (their examples): files made of these hit
/// often, so counts above one are common.
fn matching_examples(kind: LogKind) -> &'static [Vec<u8>] {
    static BY_KIND: OnceLock<Vec<Vec<Vec<u8>>>> = OnceLock::new();
    let by_kind = BY_KIND.get_or_init(|| {
        LogKind::ALL
            .iter()
            .map(|k| {
                catalog()
                    .rules()
                    .iter()
                    .filter(|r| r.looks_at.contains(k))
                    .flat_map(|r| r.examples.must_match.iter().map(|l| l.as_bytes().to_vec()))
                    .collect()
            })
            .collect()
    });
    &by_kind[kind as usize]
}

/// A file of each kind; container logs of pods that per-pod rules name and of others.
fn file_ref(kind: LogKind, pod: usize) -> LogFileRef {
    if kind != LogKind::ContainerLog {
        return LogFileRef {
            path: BundlePath::new("host-collectors/w1/files/var/log/messages").expect("a path"),
            kind,
            node: Some("w1".into()),
            pod: None,
        };
    }
    const PODS: &[(&str, &str)] = &[
        ("etcd-cp-1", "etcd"),
        ("coredns-5d78c9869d-abcde", "coredns"),
        ("calico-node-x2x9z", "calico-node"),
        ("cilium-7xk2p", "cilium-agent"),
        ("kube-flannel-ds-tj7rb", "kube-flannel"),
        ("kube-apiserver-cp-1", "kube-apiserver"),
        ("web-7d9c6bd7f-x2x9z", "app"),
    ];
    let (name, container) = PODS[pod % PODS.len()];
    LogFileRef {
        path: BundlePath::new(&format!(
            "cluster-resources/pods/logs/kube-system/{name}/{container}.log"
        ))
        .expect("a path"),
        kind,
        node: None,
        pod: Some(PodRef {
            namespace: "kube-system".into(),
            pod: name.into(),
            container: container.into(),
            previous: false,
        }),
    }
}

/// One line of a generated file.
#[derive(Debug, Clone)]
enum Line {
    /// An example line of a rule of the file's kind.
    Example(Index),
    /// A line of the pool as it is.
    Pool(Index),
    /// A line of the pool with a byte changed.
    Flipped(Index, Index, u8),
    /// A line of the pool cut short.
    Cut(Index, Index),
    /// Random bytes (no line break).
    Junk(Vec<u8>),
}

fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        3 => any::<Index>().prop_map(Line::Example),
        3 => any::<Index>().prop_map(Line::Pool),
        1 => any::<(Index, Index, u8)>().prop_map(|(l, at, m)| Line::Flipped(l, at, m.max(1))),
        1 => any::<(Index, Index)>().prop_map(|(l, at)| Line::Cut(l, at)),
        1 => prop::collection::vec(any::<u8>().prop_filter("no line break", |b| *b != b'\n'), 0..80)
            .prop_map(Line::Junk),
    ]
}

fn render(line: &Line, kind: LogKind) -> Vec<u8> {
    let pool = lines_pool();
    let pick = |i: &Index| pool[i.index(pool.len())].clone();
    match line {
        Line::Example(i) => {
            let examples = matching_examples(kind);
            match examples.len() {
                0 => pick(i),
                n => examples[i.index(n)].clone(),
            }
        }
        Line::Pool(i) => pick(i),
        Line::Flipped(i, at, mask) => {
            let mut l = pick(i);
            if !l.is_empty() {
                let p = at.index(l.len());
                l[p] ^= mask;
                if l[p] == b'\n' {
                    l[p] = b' ';
                }
            }
            l
        }
        Line::Cut(i, at) => {
            let mut l = pick(i);
            l.truncate(at.index(l.len() + 1));
            l
        }
        Line::Junk(bytes) => bytes.clone(),
    }
}

/// A file of `kind`: its lines joined by `\n` or `\r\n`, with or without a final line end.
fn file_text(kind: LogKind) -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(line(), 0..60),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(move |(lines, crlf, final_end)| {
            let rendered: Vec<Vec<u8>> = lines.iter().map(|l| render(l, kind)).collect();
            join(&rendered, crlf, final_end)
        })
}

/// A kind, a pod (for container logs) and a file of that kind.
fn kind_pod_text() -> impl Strategy<Value = (LogKind, usize, Vec<u8>)> {
    (prop::sample::select(&LogKind::ALL[..]), 0usize..7)
        .prop_flat_map(|(kind, pod)| (Just(kind), Just(pod), file_text(kind)))
}

fn join(lines: &[Vec<u8>], crlf: bool, final_end: bool) -> Vec<u8> {
    let end: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    let mut text = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        text.extend_from_slice(l);
        if i + 1 < lines.len() || final_end {
            text.extend_from_slice(end);
        }
    }
    text
}

/// The lines of `text` as the scanner numbers them: split at `\n`, one `\r` before it
/// dropped, no line after a final `\n`.
fn oracle_lines(text: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    if text.is_empty() || text.ends_with(b"\n") {
        lines.pop();
    }
    lines
        .into_iter()
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect()
}

/// What each rule should find, matching its pattern against every line alone.
fn check_against_oracle(
    file: &LogFileRef,
    text: &[u8],
    scan: &FileScan,
) -> Result<(), TestCaseError> {
    let lines = oracle_lines(text);
    prop_assert_eq!(scan.bytes, text.len() as u64);
    prop_assert_eq!(scan.lines, lines.len() as u64);
    for (index, rule) in catalog().rules().iter().enumerate() {
        let hit_lines: Vec<u64> = if rule.applies_to(file) {
            lines
                .iter()
                .enumerate()
                .filter(|(_, l)| rule.pattern.is_match(l))
                .map(|(i, _)| i as u64 + 1)
                .collect()
        } else {
            Vec::new()
        };
        let found = scan.hits.iter().find(|h| h.rule.index() == index);
        match (found, hit_lines.first(), hit_lines.last()) {
            (None, None, _) => {}
            (Some(h), Some(&first), Some(&last)) => {
                prop_assert_eq!(h.count, hit_lines.len() as u64, "rule {}", rule.id);
                prop_assert!(h.count <= scan.lines);
                prop_assert_eq!(
                    (h.first.line, h.last.line),
                    (first, last),
                    "rule {}",
                    rule.id
                );
                prop_assert!(!h.samples.is_empty() && h.samples.len() <= 3);
                for s in &h.samples {
                    prop_assert!(
                        hit_lines.contains(&s.line),
                        "rule {} sample {}",
                        rule.id,
                        s.line
                    );
                }
            }
            (found, _, _) => prop_assert!(
                false,
                "rule {}: scan found {:?}, line by line {} hits",
                rule.id,
                found.map(|h| (h.count, h.first.line)),
                hit_lines.len()
            ),
        }
    }
    Ok(())
}

/// Hands out data in pieces of the sizes given, round and round, as a slow decompressor or a
/// pipe would.
struct Pieces<'a> {
    data: &'a [u8],
    sizes: Vec<usize>,
    next: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let size = self.sizes[self.next % self.sizes.len()];
        self.next += 1;
        let n = size.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn every_rule_counts_exactly_the_lines_its_pattern_matches(
        (kind, pod, text) in kind_pod_text(),
    ) {
        let file = file_ref(kind, pod);
        let scan = scanner().scan(&file, text.as_slice()).expect("reading a slice cannot fail");
        check_against_oracle(&file, &text, &scan)?;
    }

    #[test]
    fn random_bytes_scan_to_the_end(
        kind in prop::sample::select(&LogKind::ALL[..]),
        bytes in prop::collection::vec(any::<u8>(), 0..4096),
    ) {
        let file = file_ref(kind, 0);
        let scan = scanner().scan(&file, bytes.as_slice()).expect("reading a slice cannot fail");
        check_against_oracle(&file, &bytes, &scan)?;
    }

    #[test]
    fn reading_in_pieces_gives_the_same_scan(
        (kind, pod, text) in kind_pod_text(),
        sizes in prop::collection::vec(1usize..300, 1..8),
    ) {
        let file = file_ref(kind, pod);
        let whole = scanner().scan(&file, text.as_slice()).expect("a slice");
        let pieces = Pieces { data: &text, sizes, next: 0 };
        let pieced = scanner().scan(&file, pieces).expect("pieces");
        prop_assert_eq!(whole, pieced);
    }
}

proptest! {
    // Each case scans ~300 KiB in a debug build: few cases.
    #![proptest_config(config(6))]

    #[test]
    fn line_numbers_hold_across_blocks(
        kind in prop::sample::select(&LogKind::ALL[..]),
        pod in 0usize..7,
        lines in prop::collection::vec(line(), 1..40),
        at in prop::collection::vec(any::<Index>(), 1..40),
        crlf in any::<bool>(),
    ) {
        // ~3,600 filler lines of 90 bytes: past the 256 KiB block, with the generated lines
        // scattered among them.
        let filler = b"Nov 27 09:00:00 w1 systemd[1]: Started Session 1 of user core, nothing to see here at all.".to_vec();
        let mut all: Vec<Vec<u8>> = vec![filler; 3600];
        for (line, at) in lines.iter().zip(&at) {
            let p = at.index(all.len() + 1);
            all.insert(p, render(line, kind));
        }
        let text = join(&all, crlf, true);
        prop_assert!(text.len() > 256 * 1024);
        let file = file_ref(kind, pod);
        let scan = scanner().scan(&file, text.as_slice()).expect("a slice");
        check_against_oracle(&file, &text, &scan)?;
    }
}
