//! Replacing a rule's matches in one line: the `secret` group or the whole match becomes
//! [`REDACTED`], quoted where it would otherwise turn a YAML value into an alias.

use super::{Redactor, Rule, REDACTED};

/// Replaces every match of `rule` in `line`, writing the result to `out`. Returns how many
/// matches were replaced.
pub(super) fn replace(r: &Redactor, rule: &Rule, line: &[u8], out: &mut Vec<u8>) -> u64 {
    if !rule.groups {
        return replace_whole(rule, line, out);
    }
    if !rule.regex.is_match(line) {
        return 0;
    }
    let secret_idx = rule.regex.capture_names().position(|n| n == Some("secret"));
    let key_idx = rule.regex.capture_names().position(|n| n == Some("key"));
    let mut last = 0;
    let mut count = 0;
    for caps in rule.regex.captures_iter(line) {
        let Some(whole) = caps.get(0) else { continue };
        let target = secret_idx.and_then(|i| caps.get(i)).unwrap_or(whole);
        if target.as_bytes().is_empty() || contains(target.as_bytes(), REDACTED.as_bytes()) {
            continue;
        }
        if rule.secret_key {
            let key_ok = key_idx
                .and_then(|i| caps.get(i))
                .is_some_and(|k| r.is_secret_key(k.as_bytes()));
            if !key_ok || !r.is_secret_value(target.as_bytes()) {
                continue;
            }
        }
        out.extend_from_slice(&line[last..target.start()]);
        if yaml_plain_value(line, target.start()) {
            out.push(b'"');
            out.extend_from_slice(REDACTED.as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(REDACTED.as_bytes());
        }
        last = target.end();
        count += 1;
    }
    if count > 0 {
        out.extend_from_slice(&line[last..]);
    }
    count
}

/// [`replace`] for rules without groups: cheaper, no captures.
fn replace_whole(rule: &Rule, line: &[u8], out: &mut Vec<u8>) -> u64 {
    let mut last = 0;
    let mut count = 0;
    for m in rule.regex.find_iter(line) {
        if m.as_bytes().is_empty() || contains(m.as_bytes(), REDACTED.as_bytes()) {
            continue;
        }
        out.extend_from_slice(&line[last..m.start()]);
        if yaml_plain_value(line, m.start()) {
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

/// True when the value starting at `at` is an unquoted YAML scalar (after `: ` or `- `):
/// there `***REDACTED***` would read as an alias, so it gets quotes.
fn yaml_plain_value(line: &[u8], at: usize) -> bool {
    if matches!(line.get(at), Some(b'"') | Some(b'\'')) {
        return false;
    }
    let before = &line[..at];
    let trimmed = before.trim_ascii_end();
    trimmed.len() < before.len()
        && (trimmed.ends_with(b":")
            || (trimmed.ends_with(b"-") && trimmed[..trimmed.len() - 1].trim_ascii().is_empty()))
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
    memchr::memmem::find(hay, needle).is_some()
}
