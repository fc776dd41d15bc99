//! Redaction: every byte written into a bundle passes through here first, line by line,
//! so a secret never reaches the archive and no file is ever held whole in memory.
//!
//! [`Redactor`] holds the compiled rules (built-in [`rules::builtin`] plus `--redact-rules`
//! files, see [`custom`]); a [`LineRedactor`] is one stream's pass with the little state the
//! multi-line rules need (PEM private-key blocks, YAML block scalars, two-line env entries)
//! and counts matches per rule for redaction-report.json. Values are never recorded.
//!
//! Redaction follows the secret, not the file: the same rules run on every member (node
//! files, command outputs, API objects, container logs, what DaemonSet and SSH nodes send),
//! and a string that holds a document of its own (a JSON annotation, a ConfigMap value, the
//! message of a JSON log line) is opened and redacted as a stream of its own ([`embedded`]).

pub mod custom;
mod embedded;
mod keys;
mod replace;
pub mod rules;

use aho_corasick::AhoCorasick;
use regex::bytes::{Regex, RegexBuilder};
use replace::{contains, replace, trim_quotes};
use rules::{Check, RuleSpec, ENV_PAIR, PEM_BLOCK, YAML_BLOCK};

/// What every match becomes.
pub const REDACTED: &str = "***REDACTED***";

/// A compiled line rule.
#[derive(Debug, Clone)]
pub struct Rule {
    name: String,
    regex: Regex,
    check: Check,
    hints: Vec<String>,
    groups: bool,
}

impl Rule {
    /// Compiles a pattern (see [`rules`] for the `secret` and `key` group conventions) that
    /// runs on every line; with `secret_key`, only where its `key` group names a secret.
    pub fn new(name: &str, pattern: &str, secret_key: bool) -> Result<Self, regex::Error> {
        let (check, hints) = if secret_key {
            let hints = rules::SECRET_KEY_HINTS
                .iter()
                .map(|h| h.to_string())
                .collect();
            (Check::SecretKey, hints)
        } else {
            (Check::Always, Vec::new())
        };
        Self::with_hints(name, pattern, check, hints)
    }

    /// A rule that only runs on lines holding one of `hints` (case-insensitively).
    pub fn with_hints(
        name: &str,
        pattern: &str,
        check: Check,
        hints: Vec<String>,
    ) -> Result<Self, regex::Error> {
        let regex = compile(pattern)?;
        let groups = regex
            .capture_names()
            .any(|n| n == Some("secret") || n == Some("key"));
        Ok(Rule {
            name: name.to_string(),
            regex,
            check,
            hints,
            groups,
        })
    }

    /// The name counted in the report.
    pub fn name(&self) -> &str {
        &self.name
    }
}

fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(32 << 20)
        .build()
}

/// The compiled rule set, shared by every stream of a run.
#[derive(Debug, Clone)]
pub struct Redactor {
    rules: Vec<Rule>,
    /// Every hint of every rule, found in one pass over a line.
    hints: AhoCorasick,
    /// The words every secret's name holds ([`rules::SECRET_KEY_HINTS`]), to pass over the
    /// matches of keyed rules that cannot name a secret.
    key_hints: AhoCorasick,
    /// For each hint pattern, the rules it enables.
    hint_rules: Vec<Vec<usize>>,
    /// Rules without hints: they run on every line.
    always: Vec<usize>,
    not_value: Regex,
    machines: Machines,
}

/// Which multi-line state machines are on, and their patterns.
#[derive(Debug, Clone)]
struct Machines {
    pem: bool,
    yaml_block: bool,
    env_pair: bool,
    pem_begin: Regex,
    pem_end: Regex,
    yaml_block_start: Regex,
    env_name: Regex,
    env_value: Regex,
}

/// Why a rule set could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// A pattern did not compile.
    #[error("rule {name}: bad pattern: {source}")]
    Pattern {
        /// The rule.
        name: String,
        /// The regex error.
        source: regex::Error,
    },
}

impl Redactor {
    /// The built-in rules.
    pub fn builtin() -> Self {
        Self::with_extra(Vec::new())
    }

    /// The built-in rules plus `extra` rules (applied before them).
    pub fn with_extra(extra: Vec<Rule>) -> Self {
        Self::from_specs(&rules::builtin(), extra).expect("built-in rules compile")
    }

    /// A redactor made of the given built-in specs (multi-line ones switch their machine on)
    /// and extra compiled rules.
    pub fn from_specs(specs: &[RuleSpec], extra: Vec<Rule>) -> Result<Self, RuleError> {
        // Customer rules first: they know their formats best, and their names should count.
        let mut compiled = extra;
        let on = |n: &str| specs.iter().any(|s| s.name == n);
        let (pem, yaml_block, env_pair) = (on(PEM_BLOCK), on(YAML_BLOCK), on(ENV_PAIR));
        for spec in specs.iter().filter(|s| !s.pattern.is_empty()) {
            let hints = spec.hints.iter().map(|h| h.to_string()).collect();
            compiled.push(
                Rule::with_hints(spec.name, spec.pattern, spec.check, hints).map_err(|source| {
                    RuleError::Pattern {
                        name: spec.name.to_string(),
                        source,
                    }
                })?,
            );
        }
        let mut patterns: Vec<String> = Vec::new();
        let mut hint_rules: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        for (i, rule) in compiled.iter().enumerate() {
            if rule.hints.is_empty() {
                always.push(i);
            }
            for hint in &rule.hints {
                let lower = hint.to_ascii_lowercase();
                match patterns.iter().position(|p| *p == lower) {
                    Some(at) => hint_rules[at].push(i),
                    None => {
                        patterns.push(lower);
                        hint_rules.push(vec![i]);
                    }
                }
            }
        }
        // A DFA: the hints are looked for in every line, and a DFA's overlapping search is
        // the fastest the crate has.
        let hints = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&patterns)
            .expect("hint literals build an automaton");
        let key_hints = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(rules::SECRET_KEY_HINTS)
            .expect("key hints build an automaton");
        let fixed = |p: &str| compile(p).expect("fixed pattern compiles");
        Ok(Redactor {
            key_hints,
            rules: compiled,
            hints,
            hint_rules,
            always,
            not_value: fixed(rules::NOT_A_SECRET_VALUE),
            machines: Machines {
                pem,
                yaml_block,
                env_pair,
                pem_begin: fixed(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----"),
                pem_end: fixed(r"-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----"),
                yaml_block_start: fixed(
                    r#"^(?P<indent> *)(?:-\s+)?["']?(?P<key>[\w.-]+)["']?\s*:\s*[|>][-+0-9]*\s*(#.*)?$"#,
                ),
                env_name: fixed(
                    r#"^\s*(?:-\s+)?["']?name["']?\s*:\s*["']?(?P<key>[^"',\s]+)["']?\s*,?\s*$"#,
                ),
                env_value: fixed(r#"^\s*["']?value["']?\s*:\s*["']?(?P<secret>.*?)["']?\s*,?\s*$"#),
            },
        })
    }

    /// Every rule name, in report order (line rules, then the multi-line machines).
    pub fn rule_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.rules.iter().map(|r| r.name.as_str()).collect();
        let m = &self.machines;
        for (on, name) in [
            (m.pem, PEM_BLOCK),
            (m.yaml_block, YAML_BLOCK),
            (m.env_pair, ENV_PAIR),
        ] {
            if on {
                names.push(name);
            }
        }
        names
    }

    /// A fresh pass over one stream.
    pub fn stream(&self) -> LineRedactor<'_> {
        self.stream_at(0)
    }

    /// A pass over a string found inside a stream, `depth` strings deep.
    fn stream_at(&self, depth: u8) -> LineRedactor<'_> {
        LineRedactor {
            r: self,
            state: State::Normal,
            counts: vec![0; self.rules.len() + 3],
            hits: Vec::new(),
            candidate: vec![false; self.rules.len()],
            depth,
        }
    }

    fn is_secret_key(&self, key: &[u8], prose: bool) -> bool {
        keys::is_secret_key(key, prose)
    }

    fn is_secret_value(&self, value: &[u8]) -> bool {
        let value = trim_quotes(value);
        !value.is_empty() && !self.not_value.is_match(value) && !replace::has_redacted(value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Normal,
    /// Inside a PEM private-key block: every line is dropped until END.
    InPem,
    /// Inside a YAML block scalar under a secret key indented by `indent` spaces.
    YamlBlock {
        indent: usize,
        replaced: bool,
    },
    /// The previous line named a secret env var; this one may hold its value.
    AfterEnvName,
}

const PEM_SLOT: usize = 0;
const YAML_SLOT: usize = 1;
const ENV_SLOT: usize = 2;

/// One stream's redaction pass: feed it lines in order, it writes redacted lines.
pub struct LineRedactor<'r> {
    r: &'r Redactor,
    state: State,
    /// Multi-line machines in slots 0..3, line rules after.
    counts: Vec<u64>,
    hits: Vec<usize>,
    candidate: Vec<bool>,
    /// How many strings deep this stream is (0: a member of the bundle).
    depth: u8,
}

impl LineRedactor<'_> {
    /// Redacts one line (with or without its `\n`) and appends the result to `out`.
    pub fn line(&mut self, line: &[u8], out: &mut Vec<u8>) {
        let (body, eol) = match line.strip_suffix(b"\n") {
            Some(b) => (b, &b"\n"[..]),
            None => (line, &b""[..]),
        };
        let m = &self.r.machines;
        match self.state {
            State::InPem => {
                if let Some(end) = m.pem_end.find(body) {
                    // The END line's indentation, for both lines: a key in a YAML block
                    // scalar must stay inside it.
                    let indent = body.len() - body.trim_ascii_start().len();
                    let indent = &body[..indent.min(end.start())];
                    out.extend_from_slice(indent);
                    out.extend_from_slice(REDACTED.as_bytes());
                    out.push(b'\n');
                    out.extend_from_slice(indent);
                    out.extend_from_slice(&body[end.start()..]);
                    out.extend_from_slice(eol);
                    self.state = State::Normal;
                }
                return;
            }
            State::YamlBlock { indent, replaced } => {
                let spaces = body.iter().take_while(|&&b| b == b' ').count();
                let blank = body.iter().all(|b| b.is_ascii_whitespace());
                if blank || spaces > indent {
                    if !replaced && !blank {
                        out.extend_from_slice(&body[..spaces]);
                        out.extend_from_slice(REDACTED.as_bytes());
                        out.extend_from_slice(eol);
                        self.counts[YAML_SLOT] += 1;
                        self.state = State::YamlBlock {
                            indent,
                            replaced: true,
                        };
                    }
                    return;
                }
                self.state = State::Normal;
            }
            State::AfterEnvName => {
                self.state = State::Normal;
                if let Some(c) = m.env_value.captures(body) {
                    if let Some(s) = c.name("secret") {
                        if self.r.is_secret_value(s.as_bytes()) {
                            self.counts[ENV_SLOT] += 1;
                            out.extend_from_slice(&body[..s.start()]);
                            out.extend_from_slice(REDACTED.as_bytes());
                            out.extend_from_slice(&body[s.end()..]);
                            out.extend_from_slice(eol);
                            return;
                        }
                    }
                }
            }
            State::Normal => {}
        }
        static PRIVATE_KEY: replace::Needle =
            replace::Needle::new(|| memchr::memmem::Finder::new(b"PRIVATE KEY"));
        static NAME: replace::Needle =
            replace::Needle::new(|| memchr::memmem::Finder::new(b"name"));
        let private_key = PRIVATE_KEY.in_(body);
        if m.pem && private_key {
            if let Some(begin) = m.pem_begin.find(body) {
                if !m.pem_end.is_match(&body[begin.end()..]) {
                    self.counts[PEM_SLOT] += 1;
                    out.extend_from_slice(&body[..begin.end()]);
                    out.push(b'\n');
                    self.state = State::InPem;
                    return;
                }
            }
        }
        let start = out.len();
        self.apply_rules(body, out);
        let written = &out[start..];
        let block_marker = written
            .trim_ascii_end()
            .iter()
            .rev()
            .take(4)
            .any(|&b| b == b'|' || b == b'>');
        if m.yaml_block && block_marker {
            if let Some(c) = m.yaml_block_start.captures(written) {
                if c.name("key")
                    .is_some_and(|k| self.r.is_secret_key(k.as_bytes(), false))
                {
                    let indent = c.name("indent").map_or(0, |i| i.len());
                    self.state = State::YamlBlock {
                        indent,
                        replaced: false,
                    };
                }
            }
        }
        if m.env_pair && self.state == State::Normal && NAME.in_(body) {
            if let Some(c) = m.env_name.captures(body) {
                if c.name("key")
                    .is_some_and(|k| self.r.is_secret_key(k.as_bytes(), false))
                {
                    self.state = State::AfterEnvName;
                }
            }
        }
        out.extend_from_slice(eol);
    }

    fn apply_rules(&mut self, body: &[u8], out: &mut Vec<u8>) {
        self.hits.clear();
        self.candidate.iter_mut().for_each(|c| *c = false);
        for i in &self.r.always {
            self.candidate[*i] = true;
        }
        for m in self.r.hints.find_overlapping_iter(body) {
            for &i in &self.r.hint_rules[m.pattern().as_usize()] {
                self.candidate[i] = true;
            }
        }
        self.hits.extend(
            self.candidate
                .iter()
                .enumerate()
                .filter(|(_, c)| **c)
                .map(|(i, _)| i),
        );
        let strings = self.depth < embedded::MAX_DEPTH && contains(body, b"\\");
        let opened = if strings {
            embedded::redact_strings(self, body)
        } else {
            None
        };
        if self.hits.is_empty() {
            out.extend_from_slice(opened.as_deref().unwrap_or(body));
            return;
        }
        let mut current: Vec<u8> = opened.unwrap_or_else(|| body.to_vec());
        let mut masked = if strings {
            embedded::mask(&current)
        } else {
            None
        };
        let mut next = Vec::with_capacity(current.len() + 32);
        for i in 0..self.hits.len() {
            let idx = self.hits[i];
            let rule = &self.r.rules[idx];
            next.clear();
            let scan = masked.as_deref().unwrap_or(&current);
            let n = replace(self.r, rule, &current, scan, &mut next);
            if n > 0 {
                self.counts[3 + idx] += n;
                std::mem::swap(&mut current, &mut next);
                if masked.is_some() {
                    masked = embedded::mask(&current);
                }
            }
        }
        out.extend_from_slice(&current);
    }

    /// Matches per rule so far, rules that never fired left out.
    pub fn counts(&self) -> Vec<(&str, u64)> {
        let machines = [PEM_BLOCK, YAML_BLOCK, ENV_PAIR];
        let mut out = Vec::new();
        for (slot, name) in machines.iter().enumerate() {
            if self.counts[slot] > 0 {
                out.push((*name, self.counts[slot]));
            }
        }
        for (i, rule) in self.r.rules.iter().enumerate() {
            if self.counts[3 + i] > 0 {
                out.push((rule.name.as_str(), self.counts[3 + i]));
            }
        }
        out
    }

    /// Redacts `text`, a string found inside this stream, as a stream of its own; its
    /// matches count as this stream's. `None` when nothing in it changed.
    fn nested(&mut self, text: &str) -> Option<String> {
        let mut inner = self.r.stream_at(self.depth + 1);
        let mut out = Vec::with_capacity(text.len() + 16);
        for line in text.as_bytes().split_inclusive(|&b| b == b'\n') {
            inner.line(line, &mut out);
        }
        if out == text.as_bytes() {
            return None;
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&inner.counts) {
            *mine += theirs;
        }
        Some(String::from_utf8_lossy(&out).into_owned())
    }

    /// Redacts a whole text (tests and small in-memory documents).
    pub fn text(&mut self, text: &str) -> String {
        let mut out = Vec::new();
        for line in text.split_inclusive('\n') {
            self.line(line.as_bytes(), &mut out);
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

#[cfg(test)]
mod tests;
