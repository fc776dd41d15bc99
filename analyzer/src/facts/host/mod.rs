//! One parser per node command output (df, ip, ifconfig, route, last, multipath, iscsiadm,
//! timedatectl, systemctl, ...), each tolerant of the real variety in the corpus.
//!
//! Every parser takes the text a command printed and returns typed records; each record
//! carries the 1-based line it was read from, so a finding's evidence can point at it. The
//! parsers do no I/O and know nothing of bundles or rules.
//!
//! Two kinds of strictness, chosen per format (each module says which it uses):
//! - **tables** (df, route, iscsiadm, mounts, crictl, uptime, free, meminfo): a line that is
//!   not a known row is a [`ParseError`] naming the line and what was expected;
//! - **block reports** (ip, ifconfig, last, multipath, systemctl, timedatectl): unknown lines
//!   are skipped, because the tools interleave debug, warnings and details that vary between
//!   versions; recognised lines that are malformed are still errors, and text in which nothing
//!   at all is recognised is an error at its first line.
//!
//! No parser panics, whatever the input (checked by feeding them truncated corpus files).

/// `crictl ps -a`: containers with state and restart attempt, for when the API is down.
pub(crate) mod crictl;
/// `df -h`, `df -i`, `df -alP`, `df -li`: filesystem fill levels, blocks or inodes.
pub(crate) mod df;
/// `free -m`: memory and swap totals.
pub(crate) mod free;
/// `ifconfig -a` (net-tools, new and old formats) into the shared [`interface::Interface`].
pub(crate) mod ifconfig;
/// The network interface type shared by `ip` and `ifconfig`, with its health helpers.
pub(crate) mod interface;
/// `ip addr`, `ip -s link`, `ip -s -d link` into [`interface::Interface`]s.
pub(crate) mod ip;
/// `iscsiadm -m node` and `iscsiadm -m session [-P 1]`: configured targets and sessions.
pub(crate) mod iscsiadm;
/// `last -x -F reboot shutdown`, `last reboot`, `last`: boots, shutdowns, crashed sessions.
pub(crate) mod last;
/// `/proc/meminfo`: kernel memory counters.
pub(crate) mod meminfo;
/// `/proc/mounts`: what is mounted where, with which options (read-only remounts).
pub(crate) mod mounts;
/// `multipath -l`, `-ll`, `-v4 -ll`, modern and RHEL 5 formats: maps, path groups, paths.
pub(crate) mod multipath;
/// `route -n` and `ip route show table all` into one route table type.
pub(crate) mod route;
/// `systemctl status <unit>... --no-pager -l` and the all-units `systemctl status`.
pub(crate) mod systemctl;
/// `timedatectl status` and `chronyc tracking`: is the clock synchronized.
pub(crate) mod timedatectl;
/// `uptime`: time since boot, users and load averages.
pub(crate) mod uptime;

/// Why a command's output could not be read: the 1-based line, what the parser expected
/// there, and (the start of) what it found. The caller adds the file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: expected {expected}, found `{found}`")]
pub struct ParseError {
    /// 1-based line number in the command output.
    pub line: usize,
    /// What would have been valid at that point, in words.
    pub expected: String,
    /// The offending text, cut to 80 characters.
    pub found: String,
}

impl ParseError {
    /// Builds an error for `line` (1-based), cutting `found` to a readable length.
    pub(crate) fn new(line: usize, expected: impl Into<String>, found: &str) -> Self {
        const MAX_CHARS: usize = 80;
        let found = match found.char_indices().nth(MAX_CHARS) {
            Some((cut, _)) => format!("{}...", &found[..cut]),
            None => found.to_string(),
        };
        ParseError {
            line,
            expected: expected.into(),
            found,
        }
    }
}

/// The lines of `text` with their 1-based numbers (`\r\n` endings accepted).
pub(crate) fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().map(|(i, l)| (i + 1, l))
}

/// The error a block-report parser returns when it recognised nothing in non-empty text:
/// it points at the first non-blank line. `None` when the text is blank.
pub(crate) fn nothing_recognised(text: &str, expected: &str) -> Option<ParseError> {
    numbered_lines(text)
        .find(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| ParseError::new(n, expected, l))
}

#[cfg(test)]
pub(crate) mod testdata {
    //! Access to the shared corpus from unit tests (by path, never copied). Without
    //! `../shared` a test skips with a printed reason (a failure when
    //! `KBUNDLE_REQUIRE_SHARED=1`): it returns early and never asserts on missing data.

    /// The text of `host-commands/<name>` in the shared corpus, or `None` when the corpus is
    /// absent (the skip is printed).
    pub(crate) fn corpus(name: &str) -> Option<String> {
        let path = kbundle_testkit::shared(&format!("corpus/host-commands/{name}"))?;
        Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
    }

    /// Every file of the host-commands corpus, as (name, bytes); `None` when it is absent.
    pub(crate) fn all_corpus_files() -> Option<Vec<(String, Vec<u8>)>> {
        let dir = kbundle_testkit::shared("corpus/host-commands")?;
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| {
                let path = entry.expect("directory entry").path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                let bytes = std::fs::read(&path).expect("corpus file");
                (name, bytes)
            })
            .collect();
        files.sort();
        Some(files)
    }
}

#[cfg(test)]
mod properties;

#[cfg(test)]
mod robustness {
    //! No parser may panic on any input: every parser gets every prefix (at a stride) of
    //! every corpus file, including files of other kinds, plus pseudo-random junk.

    use super::testdata::all_corpus_files;

    fn feed_all(text: &str) {
        let _ = super::crictl::parse(text);
        let _ = super::df::parse(text);
        let _ = super::free::parse(text);
        let _ = super::ifconfig::parse(text);
        let _ = super::ip::parse(text);
        let _ = super::iscsiadm::parse_nodes(text);
        let _ = super::iscsiadm::parse_sessions(text);
        if let Ok(log) = super::last::parse(text) {
            let _ = log.unclean_reboots();
        }
        let _ = super::meminfo::parse(text);
        let _ = super::mounts::parse(text);
        let _ = super::multipath::parse(text);
        let _ = super::route::parse_route_n(text);
        let _ = super::route::parse_ip_route(text);
        let _ = super::systemctl::parse(text);
        let _ = super::timedatectl::parse(text);
        let _ = super::uptime::parse(text);
    }

    #[test]
    fn truncated_corpus_files_never_panic() {
        let Some(files) = all_corpus_files() else {
            return;
        };
        assert!(files.len() >= 16, "corpus has {} files", files.len());
        for (_name, bytes) in &files {
            // About 150 cut points per file, always including the ones near the end.
            let stride = (bytes.len() / 150).max(1);
            let mut cut = 0;
            while cut <= bytes.len() {
                feed_all(&String::from_utf8_lossy(&bytes[..cut]));
                // A middle slice too: a parser must cope with text starting mid-record.
                feed_all(&String::from_utf8_lossy(&bytes[cut / 2..cut]));
                cut += stride;
            }
            feed_all(&String::from_utf8_lossy(bytes));
        }
    }

    #[test]
    fn random_junk_never_panics() {
        // xorshift: deterministic, no dependency.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let alphabet: Vec<char> = " \t\n:/%-_.,()[]<>|`\\=@'0123456789abcdefkKMGTP*+#é●└─"
            .chars()
            .collect();
        for _ in 0..400 {
            let mut text = String::new();
            let len = (state % 300) as usize;
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            feed_all(&text);
        }
    }
}
