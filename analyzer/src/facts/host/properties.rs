//! Property tests of every node-output parser: whatever a node printed — random bytes, a
//! soup of the tokens these formats are made of, or a real output (the unit tests' samples
//! and the shared corpus) damaged a few times — a parser returns, never panics, and answers
//! either records whose line numbers are lines of the text, or a [`ParseError`] that points
//! at a line of the text and quotes what is on it.
//!
//! proptest shrinks a failure to a small case and stores its seed in
//! `analyzer/proptest-regressions/facts-host.txt` (committed, replayed first on every run).
//! `PROPTEST_CASES` raises the fixed budget for a longer campaign (docs/fuzzing.md).

use super::testdata::all_corpus_files;
use super::ParseError;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;
use std::fmt::Debug;
use std::sync::{Arc, LazyLock};

/// Cases per parser: each parser reads a few KiB per case, so this stays around a second per
/// property in a debug build.
const CASES: u32 = 256;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/facts-host.txt",
        ))),
        ..ProptestConfig::default()
    }
}

/// Pieces the formats are made of, and values that break naive number and column handling:
/// numbers past `u64`/`i64`, negative counts, separators, multi-byte characters where byte
/// offsets are taken, line ends of every kind.
const TOKENS: &[&str] = &[
    "99999999999999999999",
    "18446744073709551616",
    "9223372036854775807",
    "4294967296",
    "9999999999999999",
    "-1",
    "0",
    "00",
    "1.5e308",
    "NaN",
    "%",
    "100%",
    ":",
    "::",
    "(",
    ")",
    "(99999999999999+99:99)",
    "[",
    "]",
    "<",
    ">",
    "<UP,LOWER_UP>",
    "=",
    "'",
    "\"",
    "`",
    "\\",
    "\\777",
    "/",
    "-",
    "+",
    ".",
    ",",
    "\t",
    " ",
    "   ",
    "\n",
    "\r\n",
    "\r",
    "\0",
    "é",
    "●",
    "└─",
    "|-",
    "`-",
    "\u{FFFD}",
    "\u{200B}",
    "up ",
    " days,",
    "load average: ",
    "Mem:",
    "Swap:",
    "kB",
    "mtu ",
    "inet ",
    "link/ether ",
    "default via ",
    "dev ",
    "reboot   system boot  ",
    "Active: ",
    "Loaded: ",
    "policy=",
    "status=",
    "Current Portal: ",
    "Filesystem",
    "Mounted on",
    "CONTAINER",
    "Destination",
    "NTP synchronized: ",
    "Leap status",
    "Mon Feb 29 ",
    "Thu Jan  1 00:00:00 1970",
    "23:59:60",
    "24:00",
];

/// One damage done to a real output.
#[derive(Debug, Clone)]
enum Damage {
    /// A byte changed (xor with a non-zero mask).
    Flip(Index, u8),
    /// Bytes written over what was there.
    Overwrite(Index, Vec<u8>),
    /// Bytes inserted.
    Insert(Index, Vec<u8>),
    /// A span removed.
    Delete(Index, usize),
    /// The text cut short.
    Truncate(Index),
    /// A line repeated right after itself.
    DuplicateLine(Index),
    /// A line removed.
    DropLine(Index),
    /// The run of digits at or after a place replaced by another number (huge, zero,
    /// negative).
    Number(Index, &'static str),
}

fn token() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::sample::select(TOKENS).prop_map(|t| t.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 1..8),
    ]
}

fn damage() -> impl Strategy<Value = Damage> {
    const NUMBERS: &[&str] = &[
        "0",
        "-1",
        "99999999999999999999",
        "18446744073709551615",
        "9223372036854775808",
        "4294967295",
        "65536",
        "256",
        "9999999999999999",
        "1e400",
    ];
    prop_oneof![
        any::<(Index, u8)>().prop_map(|(at, mask)| Damage::Flip(at, mask.max(1))),
        (any::<Index>(), token()).prop_map(|(at, bytes)| Damage::Overwrite(at, bytes)),
        (any::<Index>(), token()).prop_map(|(at, bytes)| Damage::Insert(at, bytes)),
        (any::<Index>(), 1usize..64).prop_map(|(at, len)| Damage::Delete(at, len)),
        any::<Index>().prop_map(Damage::Truncate),
        any::<Index>().prop_map(Damage::DuplicateLine),
        any::<Index>().prop_map(Damage::DropLine),
        (any::<Index>(), prop::sample::select(NUMBERS)).prop_map(|(at, n)| Damage::Number(at, n)),
    ]
}

/// The start and end (after its `\n`) of the line holding byte `at`.
fn line_around(bytes: &[u8], at: usize) -> (usize, usize) {
    let start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| at + i + 1);
    (start, end)
}

fn apply(bytes: &mut Vec<u8>, damage: &Damage) {
    let at = |i: &Index, len: usize| i.index(len + 1);
    match damage {
        Damage::Flip(i, mask) => {
            if !bytes.is_empty() {
                let p = i.index(bytes.len());
                bytes[p] ^= mask;
            }
        }
        Damage::Overwrite(i, new) => {
            let p = at(i, bytes.len());
            let end = (p + new.len()).min(bytes.len());
            bytes.splice(p..end, new.iter().copied());
        }
        Damage::Insert(i, new) => {
            let p = at(i, bytes.len());
            bytes.splice(p..p, new.iter().copied());
        }
        Damage::Delete(i, len) => {
            let p = at(i, bytes.len());
            let end = (p + len).min(bytes.len());
            bytes.drain(p..end);
        }
        Damage::Truncate(i) => bytes.truncate(at(i, bytes.len())),
        Damage::DuplicateLine(i) | Damage::DropLine(i) => {
            if bytes.is_empty() {
                return;
            }
            let (start, end) = line_around(bytes, i.index(bytes.len()));
            if matches!(damage, Damage::DropLine(_)) {
                bytes.drain(start..end);
            } else {
                let line = bytes[start..end].to_vec();
                bytes.splice(end..end, line);
            }
        }
        Damage::Number(i, number) => {
            let from = at(i, bytes.len());
            let Some(start) = bytes[from..].iter().position(u8::is_ascii_digit) else {
                return;
            };
            let start = from + start;
            let len = bytes[start..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            bytes.splice(start..start + len, number.bytes());
        }
    }
}

/// Texts for one parser: random bytes, token soup, its own samples damaged, and now and
/// then another parser's sample damaged (a file of the wrong kind).
fn texts(own: Vec<String>) -> impl Strategy<Value = String> {
    let own = Arc::new(own);
    let any_sample = Arc::new(samples::all());
    let damaged = |samples: Arc<Vec<String>>| {
        (any::<Index>(), prop::collection::vec(damage(), 1..5)).prop_map(move |(pick, damages)| {
            let mut bytes = samples[pick.index(samples.len())].as_bytes().to_vec();
            for d in &damages {
                apply(&mut bytes, d);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..1024)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        1 => prop::collection::vec(token(), 0..64)
            .prop_map(|t| String::from_utf8_lossy(&t.concat()).into_owned()),
        5 => damaged(own),
        1 => damaged(any_sample),
    ]
}

/// Every `line: N` field anywhere in a parsed value (its pretty `Debug` form puts each field
/// on a line of its own, and strings there cannot hold a raw line break).
pub(super) fn record_lines(value: &impl Debug) -> Vec<usize> {
    static LINE_FIELD: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"(?m)^\s*(?:line|[a-z_]+_line): (?:Some\(\s*)?(\d+)").expect("regex")
    });
    let text = format!("{value:#?}");
    LINE_FIELD
        .captures_iter(&text)
        .map(|c| c[1].parse().expect("a usize"))
        .collect()
}

/// The promise every parser keeps (see the module doc).
pub(super) fn check<T: Debug>(
    text: &str,
    result: &Result<T, ParseError>,
) -> Result<(), TestCaseError> {
    let lines: Vec<&str> = text.lines().collect();
    match result {
        Ok(value) => {
            for n in record_lines(value) {
                prop_assert!(
                    (1..=lines.len()).contains(&n),
                    "a record names line {n} of a text with {} lines: {value:#?}",
                    lines.len()
                );
            }
        }
        Err(e) => {
            // An empty text may be refused at its (empty) first line.
            prop_assert!(
                (1..=lines.len().max(1)).contains(&e.line),
                "error at line {} of a text with {} lines: {e}",
                e.line,
                lines.len()
            );
            let line = lines.get(e.line - 1).copied().unwrap_or("");
            let quoted = e.found.strip_suffix("...").unwrap_or(&e.found);
            prop_assert!(
                line.contains(quoted),
                "the error quotes {quoted:?}, line {} is {line:?}",
                e.line
            );
        }
    }
    Ok(())
}

/// The samples each parser starts from: the unit tests' real outputs and the corpus files of
/// its command (when `../shared` is there).
mod samples {
    use super::super::{crictl, df, ifconfig, ip, iscsiadm, last, mounts, multipath, route};
    use super::super::{systemctl, timedatectl};
    use super::all_corpus_files;
    use std::sync::OnceLock;

    fn corpus(patterns: &[&str]) -> Vec<String> {
        static FILES: OnceLock<Vec<(String, String)>> = OnceLock::new();
        let files = FILES.get_or_init(|| {
            all_corpus_files()
                .unwrap_or_default()
                .into_iter()
                .map(|(name, bytes)| (name, String::from_utf8_lossy(&bytes).into_owned()))
                .collect()
        });
        files
            .iter()
            .filter(|(name, _)| patterns.iter().any(|p| name.contains(p)))
            .map(|(_, text)| text.clone())
            .collect()
    }

    fn with(own: &[&str], patterns: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = own.iter().map(|s| s.to_string()).collect();
        out.extend(corpus(patterns));
        out
    }

    pub(super) fn crictl() -> Vec<String> {
        with(&[crictl::tests::APISERVER_DOWN], &["crictl"])
    }
    pub(super) fn df() -> Vec<String> {
        with(&[df::tests::TYPED], &["-df-"])
    }
    pub(super) fn free() -> Vec<String> {
        with(
            &[
                "               total        used        free      shared  buff/cache   available\n\
                 Mem:           24105         310       22514           8        1515       23794\n\
                 Swap:              0           0           0\n",
                "             total       used       free     shared    buffers     cached\n\
                 Mem:          3832       3644        188          0        161       1874\n\
                 -/+ buffers/cache:       1608       2224\n\
                 Swap:         3967         67       3900\n",
            ],
            &["free"],
        )
    }
    pub(super) fn ifconfig() -> Vec<String> {
        with(&[ifconfig::tests::OLD_FORMAT], &["ifconfig"])
    }
    pub(super) fn ip() -> Vec<String> {
        with(
            &[ip::tests::FLANNEL_NODE, ip::tests::IPROUTE_6_1_LINK],
            &["-ip-a", "-ip-addr", "-ip-s-link"],
        )
    }
    pub(super) fn iscsiadm_nodes() -> Vec<String> {
        with(
            &[
                "10.0.0.5:3260,1 iqn.2001-05.com.example:storage.lun1\n\
                 10.0.0.6:3260,1 iqn.2001-05.com.example:storage.lun2\n\
                 [fd00::7]:3260,-1 iqn.2001-05.com.example:storage.lun3\n",
                "iscsiadm: No records found\n",
            ],
            &["iscsiadm-m-node"],
        )
    }
    pub(super) fn iscsiadm_sessions() -> Vec<String> {
        with(&[iscsiadm::tests::P1], &["iscsiadm-m-session"])
    }
    pub(super) fn last() -> Vec<String> {
        with(&[last::tests::LAST_X_F], &["-last-"])
    }
    pub(super) fn meminfo() -> Vec<String> {
        with(
            &["MemTotal:       24684092 kB\nMemFree:        23054876 kB\n\
               MemAvailable:   24365760 kB\nBuffers:           34040 kB\n\
               Cached:          1470728 kB\nHugePages_Total:       0\n\
               Hugepagesize:       2048 kB\n"],
            &["meminfo"],
        )
    }
    pub(super) fn mounts() -> Vec<String> {
        with(
            &[
                mounts::tests::REMOUNTED,
                "/dev/sda1 /mnt/with\\040space ext4 rw 0 0\n",
            ],
            &["mounts"],
        )
    }
    pub(super) fn multipath() -> Vec<String> {
        with(&[multipath::tests::ALUA], &["multipath"])
    }
    pub(super) fn route_n() -> Vec<String> {
        with(&[], &["route-n"])
    }
    pub(super) fn ip_route() -> Vec<String> {
        with(&[route::tests::TABLE_ALL], &["ip-route"])
    }
    pub(super) fn systemctl() -> Vec<String> {
        with(&[systemctl::tests::KUBELET_AND_CONTAINERD], &["systemctl"])
    }
    pub(super) fn timedatectl() -> Vec<String> {
        with(
            &[
                timedatectl::tests::MODERN_UNSYNCED,
                timedatectl::tests::CENTOS7,
                timedatectl::tests::UBUNTU1804,
                timedatectl::tests::CHRONY_SYNCED,
                timedatectl::tests::CHRONY_UNSYNCED,
            ],
            &["timedatectl", "chrony"],
        )
    }
    pub(super) fn uptime() -> Vec<String> {
        with(
            &[
                " 23:34:31 up 12 min,  0 user,  load average: 0.33, 0.33, 0.14\n",
                " 10:12:03 up 5 days,  3:02,  2 users,  load average: 0.00, 0.01, 0.05",
                " 10:12:03 up 120 days, 13:11,  load average: 0.10, 0.20, 0.30\n",
            ],
            &["uptime"],
        )
    }

    /// Every parser's samples together.
    pub(super) fn all() -> Vec<String> {
        [
            crictl(),
            df(),
            free(),
            ifconfig(),
            ip(),
            iscsiadm_nodes(),
            iscsiadm_sessions(),
            last(),
            meminfo(),
            mounts(),
            multipath(),
            route_n(),
            ip_route(),
            systemctl(),
            timedatectl(),
            uptime(),
        ]
        .concat()
    }
}

/// `route -n` has no unit-test sample of its own; without the corpus it starts from this one.
const ROUTE_N: &str = "\
Kernel IP routing table
Destination     Gateway         Genmask         Flags Metric Ref    Use Iface
0.0.0.0         10.66.208.254   0.0.0.0         UG    0      0        0 eth0
10.66.208.0     0.0.0.0         255.255.255.0   U     0      0        0 eth0
169.254.0.0     0.0.0.0         255.255.0.0     U     1002   0        0 eth0
";

proptest! {
    #![proptest_config(config())]

    #[test]
    fn crictl_answers_within_its_input(text in texts(samples::crictl())) {
        check(&text, &super::crictl::parse(&text))?;
    }

    #[test]
    fn df_answers_within_its_input(text in texts(samples::df())) {
        let result = super::df::parse(&text);
        if let Ok(report) = &result {
            for fs in &report.filesystems {
                let _ = fs.is_always_full();
            }
        }
        check(&text, &result)?;
    }

    #[test]
    fn free_answers_within_its_input(text in texts(samples::free())) {
        check(&text, &super::free::parse(&text))?;
    }

    #[test]
    fn ifconfig_answers_within_its_input(text in texts(samples::ifconfig())) {
        let result = super::ifconfig::parse(&text);
        if let Ok(interfaces) = &result {
            touch_interfaces(interfaces);
        }
        check(&text, &result)?;
    }

    #[test]
    fn ip_addr_and_link_answer_within_their_input(text in texts(samples::ip())) {
        let result = super::ip::parse(&text);
        if let Ok(interfaces) = &result {
            touch_interfaces(interfaces);
        }
        check(&text, &result)?;
    }

    #[test]
    fn iscsiadm_nodes_answer_within_their_input(text in texts(samples::iscsiadm_nodes())) {
        check(&text, &super::iscsiadm::parse_nodes(&text))?;
    }

    #[test]
    fn iscsiadm_sessions_answer_within_their_input(text in texts(samples::iscsiadm_sessions())) {
        let result = super::iscsiadm::parse_sessions(&text);
        if let Ok(list) = &result {
            for s in &list.sessions {
                let _ = s.is_logged_in();
            }
        }
        check(&text, &result)?;
    }

    #[test]
    fn last_answers_within_its_input(text in texts(samples::last())) {
        let result = super::last::parse(&text);
        if let Ok(log) = &result {
            for unclean in log.unclean_reboots() {
                let lines = text.lines().count();
                prop_assert!(unclean.reboot_line <= lines && unclean.evidence_line <= lines);
            }
            if let Some((_, line)) = log.begins {
                prop_assert!((1..=text.lines().count()).contains(&line));
            }
        }
        check(&text, &result)?;
    }

    #[test]
    fn meminfo_answers_within_its_input(text in texts(samples::meminfo())) {
        let result = super::meminfo::parse(&text);
        if let Ok(info) = &result {
            let _ = (info.mem_total(), info.mem_available());
        }
        check(&text, &result)?;
    }

    #[test]
    fn mounts_answer_within_their_input(text in texts(samples::mounts())) {
        check(&text, &super::mounts::parse(&text))?;
    }

    #[test]
    fn multipath_answers_within_its_input(text in texts(samples::multipath())) {
        let result = super::multipath::parse(&text);
        if let Ok(maps) = &result {
            for map in maps {
                let _ = (map.path_count(), map.failed_paths().count());
                for path in map.paths() {
                    let _ = path.is_failed();
                }
            }
        }
        check(&text, &result)?;
    }

    #[test]
    fn route_n_answers_within_its_input(
        text in texts([vec![ROUTE_N.to_string()], samples::route_n()].concat())
    ) {
        let result = super::route::parse_route_n(&text);
        if let Ok(table) = &result {
            let _ = table.has_default_route();
        }
        check(&text, &result)?;
    }

    #[test]
    fn ip_route_answers_within_its_input(text in texts(samples::ip_route())) {
        let result = super::route::parse_ip_route(&text);
        if let Ok(table) = &result {
            let _ = table.has_default_route();
            for route in &table.routes {
                let _ = (route.is_default(), route.in_main_table(), route.is_down());
            }
        }
        check(&text, &result)?;
    }

    #[test]
    fn systemctl_answers_within_its_input(text in texts(samples::systemctl())) {
        let result = super::systemctl::parse(&text);
        if let Ok(status) = &result {
            for unit in &status.units {
                let _ = (unit.is_found(), unit.is_active());
            }
        }
        check(&text, &result)?;
    }

    #[test]
    fn timedatectl_answers_within_its_input(text in texts(samples::timedatectl())) {
        let result = super::timedatectl::parse(&text);
        if let Ok(clock) = &result {
            let _ = clock.synchronized();
            if let Some(line) = clock.synchronized_line() {
                prop_assert!((1..=text.lines().count()).contains(&line));
            }
        }
        check(&text, &result)?;
    }

    #[test]
    fn uptime_answers_within_its_input(text in texts(samples::uptime())) {
        check(&text, &super::uptime::parse(&text))?;
    }
}

/// The health helpers the rules call on every interface.
fn touch_interfaces(interfaces: &[super::interface::Interface]) {
    for iface in interfaces {
        let _ = (
            iface.is_up(),
            iface.has_carrier(),
            iface.is_loopback(),
            iface.is_virtual(),
        );
        for address in &iface.addresses {
            let _ = (address.family(), address.cidr());
        }
    }
}
