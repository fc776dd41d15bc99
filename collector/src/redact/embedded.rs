//! Strings that hold documents: the `kubectl.kubernetes.io/last-applied-configuration`
//! annotation (a whole object as JSON), a ConfigMap value holding YAML or a properties file,
//! the escaped JSON in a JSON log line's message, a PEM key in a JSON field.
//!
//! Inside such a string every quote is `\"` and every line break `\n`, so the line rules
//! cannot see its fields. Each double-quoted literal of a line that holds an escape is
//! decoded (JSON rules, which YAML double-quoted scalars share for these escapes), redacted
//! as a stream of its own (its lines, its PEM blocks, its own strings in turn, up to
//! [`MAX_DEPTH`] deep), and written back encoded. Only the string's content changes, and
//! redaction keeps JSON and YAML valid line by line, so a document that was valid stays
//! valid, and so does the line around it. A literal that does not decode (a shell line's
//! `"a\d"`) is left to the line rules.

use super::LineRedactor;

/// How many strings deep strings are opened (an annotation in a JSON log line in a string
/// is three).
pub(super) const MAX_DEPTH: u8 = 4;

/// Redacts the content of every double-quoted literal of `line` that holds a backslash
/// escape. `None` when nothing changed.
pub(super) fn redact_strings(lr: &mut LineRedactor<'_>, line: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut at = 0;
    while let Some(open) = memchr::memchr(b'"', &line[at..]).map(|p| at + p) {
        let Some((close, escaped)) = literal_end(line, open) else {
            break;
        };
        at = close + 1;
        if !escaped {
            continue;
        }
        let Ok(text) = serde_json::from_slice::<String>(&line[open..at]) else {
            continue;
        };
        let Some(redacted) = lr.nested(&text) else {
            continue;
        };
        let Ok(encoded) = serde_json::to_string(&redacted) else {
            continue;
        };
        let buf = out.get_or_insert_with(|| Vec::with_capacity(line.len() + 32));
        buf.extend_from_slice(&line[copied..open]);
        buf.extend_from_slice(encoded.as_bytes());
        copied = at;
    }
    out.map(|mut buf| {
        buf.extend_from_slice(&line[copied..]);
        buf
    })
}

/// `line` with the content of every decodable literal holding an escape replaced by spaces
/// (same length, quotes kept), for the line rules to search while they replace in `line`
/// itself: such a string was redacted as a stream of its own, and its `\"` and `\n` must
/// not be read as quotes and letters by the rules around it, which still see it as one
/// value (`"password": "a\"b"`). `None` when there is no such literal.
pub(super) fn mask(line: &[u8]) -> Option<Vec<u8>> {
    let mut masked: Option<Vec<u8>> = None;
    let mut at = 0;
    while let Some(open) = memchr::memchr(b'"', &line[at..]).map(|p| at + p) {
        let Some((close, escaped)) = literal_end(line, open) else {
            break;
        };
        at = close + 1;
        if escaped && serde_json::from_slice::<String>(&line[open..at]).is_ok() {
            let m = masked.get_or_insert_with(|| line.to_vec());
            m[open + 1..close].fill(b' ');
        }
    }
    masked
}

/// The closing quote of the literal opened at `open`, and whether it holds an escape.
/// `None` when the line ends first.
fn literal_end(line: &[u8], open: usize) -> Option<(usize, bool)> {
    let mut at = open + 1;
    let mut escaped = false;
    while let Some(p) = memchr::memchr2(b'"', b'\\', &line[at..]) {
        let i = at + p;
        if line[i] == b'"' {
            return Some((i, escaped));
        }
        escaped = true;
        at = i + 2;
        if at > line.len() {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::Redactor;

    fn redact(line: &str) -> String {
        Redactor::builtin().stream().text(line)
    }

    #[test]
    fn last_applied_configuration_is_redacted_inside_and_stays_json() {
        let object = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "spec": {"containers": [{"name": "app", "env": [
                {"name": "DB_PASSWORD", "value": "hunter2-in-annotation"},
                {"name": "NOTIFY", "value": "https://hooks.slack.com/services/T0/B0/slackSecretPath"},
                {"name": "MODE", "value": "fast"}
            ]}]}
        });
        let line = format!(
            "    \"kubectl.kubernetes.io/last-applied-configuration\": {},",
            serde_json::to_string(&format!("{object}\n")).unwrap()
        );
        let out = redact(&line);
        assert!(!out.contains("hunter2-in-annotation"), "{out}");
        assert!(!out.contains("slackSecretPath"), "{out}");
        let value: serde_json::Value =
            serde_json::from_str(&format!("{{{}}}", out.trim().trim_end_matches(','))).unwrap();
        let inner = value["kubectl.kubernetes.io/last-applied-configuration"]
            .as_str()
            .unwrap();
        let inner: serde_json::Value = serde_json::from_str(inner).unwrap();
        assert_eq!(inner["spec"]["containers"][0]["env"][2]["value"], "fast");
        assert_eq!(inner["kind"], "Pod");
    }

    #[test]
    fn yaml_in_a_configmap_value_stays_yaml() {
        let doc = "db:\n  host: pg\n  password: hunter2-yaml\nkey: |\n  plain\n";
        let line = format!("  \"app.yaml\": {}", serde_json::to_string(doc).unwrap());
        let out = redact(&line);
        assert!(!out.contains("hunter2-yaml"), "{out}");
        let value: serde_json::Value = serde_json::from_str(&format!("{{{out}}}")).unwrap();
        let yaml: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(value["app.yaml"].as_str().unwrap()).unwrap();
        assert_eq!(yaml["db"]["host"], "pg");
        assert_eq!(yaml["db"]["password"], "***REDACTED***");
    }

    #[test]
    fn strings_in_strings_in_json_log_lines() {
        let inner = r#"{"user":"bob","token":"tok-in-a-string-9"}"#;
        let msg = format!("config {inner}");
        let line = serde_json::json!({"level": "info", "msg": msg}).to_string();
        let nested = serde_json::json!({"log": line}).to_string();
        let out = redact(&nested);
        assert!(!out.contains("tok-in-a-string-9"), "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let v: serde_json::Value = serde_json::from_str(v["log"].as_str().unwrap()).unwrap();
        assert!(v["msg"].as_str().unwrap().starts_with("config {"));
    }

    #[test]
    fn an_escaped_pem_key_loses_its_body() {
        let line = r#"{"tls.key": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIbodyOfTheKey\n-----END EC PRIVATE KEY-----\n"}"#;
        let out = redact(line);
        assert!(!out.contains("MHcCAQEEIbodyOfTheKey"), "{out}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap();
    }

    #[test]
    fn what_does_not_decode_or_holds_nothing_is_left_as_it_is() {
        for line in [
            r#"grep -E "a\d+" file"#,
            r#"{"msg": "line one\nline two", "path": "C:\\temp"}"#,
            r#"unterminated "abc\"def"#,
            r#"ends in a backslash "\"#,
        ] {
            assert_eq!(redact(line), line);
        }
    }
}
