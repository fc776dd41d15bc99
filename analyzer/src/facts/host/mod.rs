//! One parser per node command output (df, ip, ifconfig, route, last, multipath, iscsiadm,
//! timedatectl, systemctl, ...), each tolerant of the real variety in the corpus.
//!
//! Every parser takes the text a command printed and returns typed records; each record
//! carries the 1-based line it was read from, so a finding's evidence can point at it. The
//! parsers do no I/O and know nothing of bundles or rules.
//!
//! Two kinds of strictness, chosen per format (each module says which it uses):
//! - **tables** (date, df, route, iscsiadm, mounts, crictl, uptime, free, meminfo): a line that is
//!   not a known row is a [`ParseError`] naming the line and what was expected;
//! - **block reports** (ip, ifconfig, last, multipath, systemctl, timedatectl): unknown lines
//!   are skipped, because the tools interleave debug, warnings and details that vary between
//!   versions; recognised lines that are malformed are still errors, and text in which nothing
//!   at all is recognised is an error at its first line — except for multipath, whose output
//!   on a host without maps is only such noise (`-v4` debug lines, `DM multipath kernel
//!   driver not loaded`): there it reads as no maps.
//!
//! No parser panics, whatever the input (checked by feeding them truncated corpus files).

/// `crictl ps -a`: containers with state and restart attempt, for when the API is down.
pub(crate) mod crictl;
/// `date` in the C locale (sosreports): when the output was taken.
pub(crate) mod date;
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
    //! No parser may panic on any input, and each answers by its policy: every parser gets
    //! every prefix (at a stride) of every corpus file, including files of other kinds, plus
    //! pseudo-random junk. (facts/host/properties.rs draws many more inputs; these are the
    //! fixed ones every run replays.)

    use super::properties::{check, record_lines};
    use super::testdata::all_corpus_files;
    use super::ParseError;
    use std::fmt::Debug;

    /// What one parser answered: (parser, its records' lines, or its error).
    type Answer = (&'static str, Result<Vec<usize>, ParseError>);

    /// Every parser's answer for `text`, each checked against the promise of the
    /// properties: an error at a line of the text quoting it, records on lines of the text.
    fn feed_all(text: &str) -> Vec<Answer> {
        fn one<T: Debug>(name: &'static str, text: &str, r: Result<T, ParseError>) -> Answer {
            if let Err(e) = check(text, &r) {
                panic!("{name} on {text:?}: {e}");
            }
            (name, r.map(|v| record_lines(&v)))
        }
        // sosreport `date`: no records to place, but it must not panic either.
        let _ = super::date::parse(text);
        let last = super::last::parse(text);
        if let Ok(log) = &last {
            let _ = log.unclean_reboots();
        }
        vec![
            one("crictl", text, super::crictl::parse(text)),
            one("df", text, super::df::parse(text)),
            one("free", text, super::free::parse(text)),
            one("ifconfig", text, super::ifconfig::parse(text)),
            one("ip", text, super::ip::parse(text)),
            one("iscsiadm -m node", text, super::iscsiadm::parse_nodes(text)),
            one(
                "iscsiadm -m session",
                text,
                super::iscsiadm::parse_sessions(text),
            ),
            one("last", text, last),
            one("meminfo", text, super::meminfo::parse(text)),
            one("mounts", text, super::mounts::parse(text)),
            one("multipath", text, super::multipath::parse(text)),
            one("route -n", text, super::route::parse_route_n(text)),
            one("ip route", text, super::route::parse_ip_route(text)),
            one("systemctl", text, super::systemctl::parse(text)),
            one("timedatectl", text, super::timedatectl::parse(text)),
            one("uptime", text, super::uptime::parse(text)),
        ]
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

    /// Junk is refused: each parser either says at which line the junk is not its format,
    /// or, having recognised something, returns records that name their lines. An `Ok` with
    /// nothing in it for non-blank junk would be a parser silently accepting garbage, which
    /// the strictness policy in the module doc forbids — except for multipath, which skips
    /// what it does not know by design (see the module doc).
    #[test]
    fn random_junk_never_panics() {
        // xorshift: deterministic, no dependency.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet: Vec<char> = " \t\n:/%-_.,()[]<>|`\\=@'0123456789abcdefkKMGTP*+#é●└─"
            .chars()
            .collect();
        let (mut junk, mut refused) = (0, 0);
        for _ in 0..400 {
            let len = (next() % 300) as usize;
            let text: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let blank = text.trim().is_empty();
            for (name, answer) in feed_all(&text) {
                match answer {
                    Ok(lines) if blank => {
                        assert!(lines.is_empty(), "{name} found records in blank text");
                    }
                    Ok(lines) if name == "multipath" => {
                        assert!(lines.is_empty(), "multipath found a map in {text:?}");
                    }
                    Ok(lines) => {
                        junk += 1;
                        assert!(
                            !lines.is_empty(),
                            "{name} accepted junk with nothing in it: {text:?}"
                        );
                    }
                    Err(_) if name == "multipath" => {}
                    Err(_) => {
                        junk += 1;
                        refused += 1;
                    }
                }
            }
        }
        // Nearly all of it is refused (a few junk lines happen to read as a record).
        assert!(junk > 5_000, "only {junk} answers on non-blank junk");
        assert!(refused * 100 >= junk * 95, "refused {refused} of {junk}");
    }
}
