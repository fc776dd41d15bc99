//! The rule set as a whole: every example of every rule, alone and together.

use super::rules::{builtin, example_secrets};
use super::*;

fn redact_with(r: &Redactor, text: &str) -> String {
    r.stream().text(text)
}

#[test]
fn every_rule_redacts_its_examples_on_its_own() {
    let mut failures = Vec::new();
    for spec in builtin() {
        let alone = Redactor::from_specs(std::slice::from_ref(&spec), Vec::new()).unwrap();
        for example in spec.must_redact {
            let secrets = example_secrets(example);
            assert!(!secrets.is_empty(), "{}: example has no SECRET=", spec.name);
            let mut stream = alone.stream();
            let out = stream.text(example);
            for s in secrets {
                if out.contains(s) {
                    failures.push(format!("{}: {s:?} survived in {out:?}", spec.name));
                }
            }
            if !out.contains(REDACTED) {
                failures.push(format!("{}: nothing redacted in {out:?}", spec.name));
            }
            if !stream
                .counts()
                .iter()
                .any(|(n, c)| *n == spec.name && *c > 0)
            {
                failures.push(format!("{}: not counted for {example:?}", spec.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_whole_set_keeps_every_healthy_example() {
    let all = Redactor::builtin();
    let mut failures = Vec::new();
    for spec in builtin() {
        for example in spec.must_keep {
            let out = redact_with(&all, example);
            if &out != example {
                failures.push(format!("{}: {example:?} became {out:?}", spec.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_whole_set_redacts_every_example() {
    let all = Redactor::builtin();
    let mut failures = Vec::new();
    for spec in builtin() {
        for example in spec.must_redact {
            let out = redact_with(&all, example);
            for s in example_secrets(example) {
                if out.contains(s) {
                    failures.push(format!("{}: {s:?} survived in {out:?}", spec.name));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rule_names_are_unique() {
    let all = Redactor::builtin();
    let mut names = all.rule_names();
    let n = names.len();
    names.sort();
    names.dedup();
    assert_eq!(n, names.len());
    assert!(n >= 30, "{n} rules");
}

#[test]
fn every_rule_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/collector.md"))
        .unwrap();
    for name in Redactor::builtin().rule_names() {
        assert!(
            doc.contains(&format!("`{name}`")),
            "{name} is not in docs/collector.md"
        );
    }
}

#[test]
fn pem_blocks_keep_their_markers_and_lose_their_body() {
    let text =
        "a\n  -----BEGIN EC PRIVATE KEY-----\n  MHcCAQEE\n  -----END EC PRIVATE KEY-----\nb\n";
    let out = redact_with(&Redactor::builtin(), text);
    assert_eq!(
        out,
        "a\n  -----BEGIN EC PRIVATE KEY-----\n  ***REDACTED***\n  -----END EC PRIVATE KEY-----\nb\n"
    );
}

#[test]
fn an_unterminated_pem_block_hides_the_rest() {
    let out = redact_with(
        &Redactor::builtin(),
        "-----BEGIN PRIVATE KEY-----\nMIIE\nmore\n",
    );
    assert_eq!(out, "-----BEGIN PRIVATE KEY-----\n");
}

#[test]
fn unquoted_yaml_values_stay_yaml() {
    let out = redact_with(&Redactor::builtin(), "password: hunter2\n");
    assert_eq!(out, "password: \"***REDACTED***\"\n");
    let out = redact_with(&Redactor::builtin(), r#"{"password": "hunter2"}"#);
    assert_eq!(out, r#"{"password": "***REDACTED***"}"#);
}

#[test]
fn a_redacted_value_is_counted_once() {
    let all = Redactor::builtin();
    let mut s = all.stream();
    s.text("password: hunter2\n");
    let total: u64 = s.counts().iter().map(|(_, c)| c).sum();
    assert_eq!(total, 1, "{:?}", s.counts());
}

#[test]
fn json_stays_json() {
    let all = Redactor::builtin();
    let mut broken = Vec::new();
    let extra = [
        r#"{"msg":"password: hunter2x"}"#,
        r#"{"level":"info","msg":"Cookie: session=abc; x=y"}"#,
        r#"{"msg":"login token=abc123 user=bob","ok":true}"#,
        r#"{"args":["--password","hunter2","--token=abc"]}"#,
        r#"{"config":"db:\n  password: hunter2\n","env":[{"name":"API_TOKEN","value":"x y"}]}"#,
    ];
    let examples = builtin()
        .into_iter()
        .flat_map(|spec| spec.must_redact.iter().chain(spec.must_keep))
        .chain(&extra);
    for example in examples {
        if serde_json::from_str::<serde_json::Value>(example).is_err() {
            continue;
        }
        let out = redact_with(&all, example);
        if let Err(e) = serde_json::from_str::<serde_json::Value>(&out) {
            broken.push(format!("{example} became {out} ({e})"));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn pathological_lines_stay_linear() {
    // Each is about 1 MiB; work growing with the square of the length would take minutes
    // here (it did for two of them: a rejected name searched again inside a value that runs
    // to the end of the line, and the quote state scanned from the line's start per match).
    let all = Redactor::builtin();
    let lines = [
        "a: b, ".repeat(170_000),
        "token: x ".repeat(110_000),
        "\"\\\"".repeat(250_000),
        r#""msg":"x","#.repeat(100_000),
        format!(
            "{{\"a\":{}}}",
            serde_json::to_string(&r#"{"b":"password: x","c":"y"}"#.repeat(20_000)).unwrap()
        ),
        "abcdef.".repeat(150_000),
        "key=".repeat(250_000),
        "msg=".repeat(250_000) + "password=x",
    ];
    // Up to 2 s each unoptimized on the 2-core test machine; a deadline generous for a
    // loaded one, enforced from outside so that a quadratic case fails instead of hanging.
    let all = std::sync::Arc::new(all);
    for line in lines {
        let (tx, rx) = std::sync::mpsc::channel();
        let r = std::sync::Arc::clone(&all);
        let head: String = line.chars().take(12).collect();
        std::thread::spawn(move || {
            let mut out = Vec::new();
            r.stream().line(line.as_bytes(), &mut out);
            let _ = tx.send(out.len());
        });
        let written = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("{head:?}... took more than 30 s"));
        assert!(written > 0);
    }
}
