//! Replacing a rule's matches in one line: the `secret` group or the whole match becomes
//! [`REDACTED`], quoted where it would otherwise turn a YAML value into an alias, inside its
//! quotes where it had some (so `'two words'` becomes `'***REDACTED***'`, still a string).

use super::rules::Check;
use super::{Redactor, Rule, REDACTED};
use base64::Engine as _;

/// Replaces every match of `rule` in `line`, writing the result to `out`. Returns how many
/// matches were replaced. Matches are searched in `scan`, which is `line` or a copy of it
/// of the same length with the content of already-redacted strings masked (see
/// [`super::embedded::mask`]); values are checked and replaced in `line`.
pub(super) fn replace(
    r: &Redactor,
    rule: &Rule,
    line: &[u8],
    scan: &[u8],
    out: &mut Vec<u8>,
) -> u64 {
    debug_assert_eq!(line.len(), scan.len());
    if !rule.groups {
        return replace_whole(r, rule, line, scan, out);
    }
    if !rule.regex.is_match(scan) {
        return 0;
    }
    let secret_idx = rule.regex.capture_names().position(|n| n == Some("secret"));
    let key_idx = rule.regex.capture_names().position(|n| n == Some("key"));
    let keyed = matches!(rule.check, Check::SecretKey | Check::SecretKeyInProse);
    let mut quotes = QuoteState::default();
    // Looking again inside the value of a rejected name costs a search each time; a line
    // like `key=key=key=...` would make that quadratic. Past this many bytes searched, a
    // rejected match is passed over whole, which keeps every line linear (and can miss a
    // name hidden in such a line: `msg=msg=...=password=x` with no space for a megabyte).
    let mut budget = line.len() + 4096;
    let mut last = 0;
    let mut count = 0;
    let mut from = 0;
    while from <= line.len() {
        if keyed {
            // Most `name: value` matches name no secret: a match without any word a
            // secret's name holds is passed over, value and all, before the costlier
            // search for its groups.
            let Some(m) = rule.regex.find_at(scan, from) else {
                break;
            };
            if !r.key_hints.is_match(&scan[m.range()]) {
                from = m.end().max(from + usize::from(m.is_empty()));
                continue;
            }
            from = m.start();
        }
        let Some(caps) = rule.regex.captures_at(scan, from) else {
            break;
        };
        let Some(whole) = caps.get(0) else { break };
        budget = budget.saturating_sub(whole.end().saturating_sub(from));
        // Next search: after this match, or when a name turns out not to be a secret's,
        // right after that name, so that `"msg":"password: x"` still finds `password: x`
        // inside the value the rejected `msg` match covered.
        let key = key_idx.and_then(|i| caps.get(i));
        from = whole.end().max(from + usize::from(whole.is_empty()));
        let target = secret_idx.and_then(|i| caps.get(i)).unwrap_or(whole);
        let (start, end) = inside_quotes(line, target.start(), target.end());
        let value = &line[start..end];
        if value.is_empty() || has_redacted(value) {
            continue;
        }
        match rule.check {
            Check::Always => {}
            Check::SecretKey | Check::SecretKeyInProse => {
                let prose = rule.check == Check::SecretKeyInProse;
                let key_ok = key.is_some_and(|k| r.is_secret_key(&line[k.range()], prose));
                if !key_ok || !r.is_secret_value(value) {
                    if let Some(k) = key.filter(|k| k.end() > whole.start() && budget > 0) {
                        from = k.end().min(from);
                    }
                    continue;
                }
            }
            Check::NotPublicPem | Check::NotPlaceholder | Check::NotHexSuffix => {
                if !other_check(r, rule.check, value) {
                    continue;
                }
            }
        }
        out.extend_from_slice(&line[last..start]);
        if yaml_plain_value(line, start, &mut quotes) {
            out.push(b'"');
            out.extend_from_slice(REDACTED.as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(REDACTED.as_bytes());
        }
        last = end;
        count += 1;
    }
    if count > 0 {
        out.extend_from_slice(&line[last..]);
    }
    count
}

/// [`replace`] for rules without groups: cheaper, no captures.
fn replace_whole(r: &Redactor, rule: &Rule, line: &[u8], scan: &[u8], out: &mut Vec<u8>) -> u64 {
    let mut quotes = QuoteState::default();
    let mut last = 0;
    let mut count = 0;
    for m in rule.regex.find_iter(scan) {
        let value = &line[m.range()];
        if value.is_empty() || has_redacted(value) {
            continue;
        }
        if !other_check(r, rule.check, value) {
            continue;
        }
        out.extend_from_slice(&line[last..m.start()]);
        if yaml_plain_value(line, m.start(), &mut quotes) {
            out.push(b'"');
            out.extend_from_slice(REDACTED.as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(REDACTED.as_bytes());
        }
        last = m.end();
        count += 1;
    }
    if count > 0 {
        out.extend_from_slice(&line[last..]);
    }
    count
}

/// The span of a matched value without its quotes, when it is quoted with one kind of quote
/// at both ends.
fn inside_quotes(line: &[u8], start: usize, end: usize) -> (usize, usize) {
    if end >= start + 2 {
        let (first, last) = (line[start], line[end - 1]);
        if first == last && (first == b'"' || first == b'\'') {
            return (start + 1, end - 1);
        }
    }
    (start, end)
}

/// Whether `value` passes the rule's check, for the checks that look at the value alone.
fn other_check(r: &Redactor, check: Check, value: &[u8]) -> bool {
    match check {
        Check::Always | Check::SecretKey | Check::SecretKeyInProse => true,
        Check::NotPublicPem => !public_pem(value),
        Check::NotPlaceholder => r.is_secret_value(value),
        Check::NotHexSuffix => {
            let suffix = value.rsplit(|&b| b == b'.').next().unwrap_or(value);
            let event_time = suffix.len() == 16
                && suffix.first() == Some(&b'1')
                && suffix.iter().all(u8::is_ascii_hexdigit);
            !event_time
        }
    }
}

/// PEM labels of public material: certificates, CRLs, requests and public keys.
const PUBLIC_PEM: &[&[u8]] = &[
    b"CERTIFICATE",
    b"TRUSTED CERTIFICATE",
    b"X509 CRL",
    b"CERTIFICATE REQUEST",
    b"NEW CERTIFICATE REQUEST",
    b"PUBLIC KEY",
    b"RSA PUBLIC KEY",
];

/// True when `value` is base64 of PEM text whose every block is public (a CA bundle, a
/// certificate): those are no secret, and the analysis reads their dates. Anything that
/// does not decode, holds no PEM block or holds any other block (a key after a
/// certificate) is not.
fn public_pem(value: &[u8]) -> bool {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    let value = value.trim_ascii();
    let Ok(decoded) = STANDARD
        .decode(value)
        .or_else(|_| STANDARD_NO_PAD.decode(value))
    else {
        return false;
    };
    if contains(&decoded, b"PRIVATE") {
        return false;
    }
    let mut blocks = 0;
    for at in memchr::memmem::find_iter(&decoded, b"-----BEGIN ") {
        let label = &decoded[at + 11..];
        let Some(len) = memchr::memmem::find(label, b"-----") else {
            return false;
        };
        if !PUBLIC_PEM.contains(&&label[..len]) {
            return false;
        }
        blocks += 1;
    }
    blocks > 0
}

/// True when the value starting at `at` is an unquoted YAML scalar (after `: ` or `- `):
/// there `***REDACTED***` would read as an alias, so it gets quotes. `quotes` follows the
/// line's double-quoted strings from one call to the next (`at` never goes back).
fn yaml_plain_value(line: &[u8], at: usize, quotes: &mut QuoteState) -> bool {
    if matches!(line.get(at), Some(b'"') | Some(b'\'')) {
        return false;
    }
    let before = &line[..at];
    let trimmed = before.trim_ascii_end();
    trimmed.len() < before.len()
        && (trimmed.ends_with(b":")
            || (trimmed.ends_with(b"-") && trimmed[..trimmed.len() - 1].trim_ascii().is_empty()))
        && !quotes.open_at(line, at)
}

/// Whether a double-quoted string is open at a point of a line: a value inside a JSON or
/// YAML string (`{"msg": "password: x"}`) must not get quotes, which would end the string.
/// Scans the line once however many points of it are asked about, in order.
#[derive(Debug, Default)]
struct QuoteState {
    at: usize,
    open: bool,
    escaped: bool,
}

impl QuoteState {
    fn open_at(&mut self, line: &[u8], at: usize) -> bool {
        if at < self.at {
            *self = QuoteState::default();
        }
        for &b in &line[self.at..at] {
            match b {
                _ if self.escaped => self.escaped = false,
                b'\\' => self.escaped = self.open,
                b'"' => self.open = !self.open,
                _ => {}
            }
        }
        self.at = at;
        self.open
    }
}

/// A value without surrounding blanks, commas and quotes.
pub(super) fn trim_quotes(value: &[u8]) -> &[u8] {
    let mut v = value.trim_ascii();
    if let Some(rest) = v.strip_suffix(b",") {
        v = rest.trim_ascii_end();
    }
    for q in [b'"', b'\'', b'"'] {
        if v.len() >= 2 && v[0] == q && v[v.len() - 1] == q {
            return &v[1..v.len() - 1];
        }
    }
    v
}

pub(super) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    match needle {
        [byte] => memchr::memchr(*byte, hay).is_some(),
        _ => memchr::memmem::find(hay, needle).is_some(),
    }
}

/// A substring search built once, for the needles looked for in every line.
pub(super) struct Needle(std::sync::LazyLock<memchr::memmem::Finder<'static>>);

impl Needle {
    /// A search for `needle`, built on first use.
    pub(super) const fn new(needle: fn() -> memchr::memmem::Finder<'static>) -> Self {
        Needle(std::sync::LazyLock::new(needle))
    }

    /// Whether `hay` holds the needle.
    pub(super) fn in_(&self, hay: &[u8]) -> bool {
        self.0.find(hay).is_some()
    }
}

/// [`REDACTED`].
pub(super) static REDACTED_NEEDLE: Needle =
    Needle::new(|| memchr::memmem::Finder::new(REDACTED.as_bytes()));

/// Whether `hay` holds [`REDACTED`].
pub(super) fn has_redacted(hay: &[u8]) -> bool {
    REDACTED_NEEDLE.in_(hay)
}
