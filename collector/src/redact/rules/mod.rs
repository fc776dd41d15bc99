//! The built-in redaction rules, as data: each rule has a name (what redaction-report.json
//! counts), a pattern, and examples that must be redacted and must be kept. A unit test runs
//! every example, so a rule cannot silently stop working or start eating healthy lines.
//!
//! Two families, applied in this order to every line:
//!
//! - [`tokens`]: a value redacted by what it is, wherever it stands (provider token formats
//!   with their real prefixes and lengths, webhook URLs, JWTs, PEM keys, ...);
//! - [`fields`]: a value redacted by where it is: after a header, inside a URL or connection
//!   string, or after a name that says it is a secret, in any syntax (`k=v`, `k = v`, `k: v`,
//!   `"k": "v"`, `--k v`, `--k=v`, `K=v`, `k="v"`, `<k>v</k>`).
//!
//! Pattern conventions: when the pattern has a group named `secret`, only that group is
//! replaced by `***REDACTED***`; otherwise the whole match is. A group named `key` is the
//! field or variable name: rules with [`Check::SecretKey`] fire only when that name says it
//! holds a secret ([`super::keys`]) and the value is not a placeholder
//! ([`NOT_A_SECRET_VALUE`]). Patterns are matched on bytes, ASCII-only (`\w` is
//! `[0-9A-Za-z_]`), line by line.
//!
//! Three multi-line rules are state machines in [`super::LineRedactor`] and are described in
//! [`MACHINES`] with their examples (lines separated by `\n`).

pub mod fields;
pub mod tokens;

/// Values that never are secrets: booleans, null, empty, a block-scalar marker, a path or a
/// file name, a reference to a variable or template, a placeholder, the type in a flag's help
/// text (`--token string`), a state word (`auth: failed` must stay readable), or something
/// already redacted.
pub const NOT_A_SECRET_VALUE: &str = r#"^(?i:true|false|null|nil|none|~|yes|no|on|off|""|''|\[\]|\{\}|[|>][-+0-9]*|/\S*|[\w./-]+\.(?:pem|key|crt|cer|cert|csr|der|p12|pfx|jks|json|ya?ml|conf|cfg|ini|txt|env|kubeconfig)|string|strings|stringarray|stringslice|int|int32|int64|uint|float|duration|bool|namedcertkey|\$\{[^}]*\}|\$\([^)]*\)|\{\{.*\}\}|<[a-z _-]*>|\*+|x{3,}|-|n/a|unset|empty|undefined|redacted|\[redacted\]|\[filtered\]|ok|fail|failed|failure|success|succeeded|successful|error|denied|invalid|expired|missing|required|optional|disabled|enabled|\*\*\*REDACTED\*\*\*.*)$"#;

/// What a rule checks before it replaces a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Every match goes.
    Always,
    /// Only when the `key` group names a secret and the value is not a placeholder.
    SecretKey,
    /// [`Check::SecretKey`] for names found in free text, where a bare `auth` or `pass` is a
    /// word rather than a name.
    SecretKeyInProse,
    /// Unless the value is a placeholder, a path or a state word ([`NOT_A_SECRET_VALUE`]).
    NotPlaceholder,
    /// Unless the part after the last `.` is a nanosecond timestamp in hex (16 digits from
    /// `1`): `multus.16a4b5b908d18dbf` is an Event's name, not a kubeadm token.
    NotHexSuffix,
    /// Unless the value is base64 of public PEM blocks only (a CA bundle, a certificate):
    /// those are public, and the analysis reads their expiry.
    NotPublicPem,
}

/// One built-in rule.
#[derive(Debug, Clone, Copy)]
pub struct RuleSpec {
    /// The name counted in redaction-report.json.
    pub name: &'static str,
    /// What it hides, for docs/collector.md.
    pub about: &'static str,
    /// The pattern; empty for the multi-line state machines.
    pub pattern: &'static str,
    /// What is checked before a match is replaced.
    pub check: Check,
    /// Literals (matched case-insensitively) of which every match contains at least one:
    /// a line without any of them skips the rule. Empty: the rule runs on every line.
    pub hints: &'static [&'static str],
    /// Lines in which the rule must hide a secret (the value after `SECRET=` in the example
    /// is what must disappear: see [`example_secrets`]).
    pub must_redact: &'static [&'static str],
    /// Lines that must come out unchanged.
    pub must_keep: &'static [&'static str],
}

impl RuleSpec {
    /// The same rule with another check.
    pub const fn checked(mut self, check: Check) -> Self {
        self.check = check;
        self
    }
}

/// A rule that replaces every match.
pub const fn rule(
    name: &'static str,
    about: &'static str,
    pattern: &'static str,
    hints: &'static [&'static str],
    must_redact: &'static [&'static str],
    must_keep: &'static [&'static str],
) -> RuleSpec {
    RuleSpec {
        name,
        about,
        pattern,
        check: Check::Always,
        hints,
        must_redact,
        must_keep,
    }
}

/// Every name [`super::keys`] accepts contains one of these: the hints of keyed rules.
pub const SECRET_KEY_HINTS: &[&str] = &[
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
    "credential",
    "creds",
    "auth",
    "connection",
];

/// A rule that replaces the `secret` group only when the `key` group names a secret.
pub const fn keyed(
    name: &'static str,
    about: &'static str,
    pattern: &'static str,
    must_redact: &'static [&'static str],
    must_keep: &'static [&'static str],
) -> RuleSpec {
    RuleSpec {
        name,
        about,
        pattern,
        check: Check::SecretKey,
        hints: SECRET_KEY_HINTS,
        must_redact,
        must_keep,
    }
}

/// Name of the PEM private-key block state machine.
pub const PEM_BLOCK: &str = "pem-private-key";
/// Name of the YAML block-scalar state machine (`password: |` and indented lines after it).
pub const YAML_BLOCK: &str = "yaml-block-secret";
/// Name of the two-line env-var state machine (`name: DB_PASSWORD` then `value: ...`).
pub const ENV_PAIR: &str = "env-name-value";

/// The multi-line rules: no pattern, a state machine each in [`super::LineRedactor`].
pub const MACHINES: &[RuleSpec] = &[
    rule(
        PEM_BLOCK,
        "multi-line PEM private-key blocks (RSA, EC, OpenSSH, PKCS#8, encrypted, PGP): the body between BEGIN and END, also inside a JSON string (a GCP service-account key's `private_key`)",
        "",
        &["PRIVATE KEY"],
        &[
            "-----BEGIN RSA PRIVATE KEY-----\nSECRET=MIIEowIBAAKCAQEAxyz\nSECRET=abcdefgh\n-----END RSA PRIVATE KEY-----",
            r#"{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\nSECRET=MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"}"#,
        ],
        &["-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"],
    ),
    rule(
        YAML_BLOCK,
        "YAML block scalars under a secret-looking key (`password: |` and the indented lines below)",
        "",
        &[],
        &["config:\n  password: |\n    SECRET=line-one\n    SECRET=line-two\n  user: bob"],
        &["script: |\n  echo hello\nuser: bob"],
    ),
    rule(
        ENV_PAIR,
        "Kubernetes env entries split over two lines (`- name: DB_PASSWORD` then `value: ...`, YAML or pretty JSON)",
        "",
        &[],
        &[
            "env:\n- name: DB_PASSWORD\n  value: SECRET=hunter2\n- name: MODE",
            "\"name\": \"API_TOKEN\",\n\"value\": \"SECRET=abc123\"",
        ],
        &["- name: LOG_LEVEL\n  value: debug"],
    ),
];

/// Every built-in rule, in the order they are applied to a line: token formats first, so the
/// report names the most precise rule, then the rules that go by context, then the machines.
pub fn builtin() -> Vec<RuleSpec> {
    tokens::TOKENS
        .iter()
        .chain(fields::FIELDS)
        .chain(MACHINES)
        .copied()
        .collect()
}

/// The secrets an example hides: what follows each `SECRET=` marker up to the next
/// whitespace, quote, `@`, `;`, `&`, `<` or backslash. Tests check none of them survives.
pub fn example_secrets(example: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = example;
    while let Some(i) = rest.find("SECRET=") {
        let tail = &rest[i + "SECRET=".len()..];
        let end = tail
            .find(|c: char| c.is_whitespace() || "\"'@;&<\\".contains(c))
            .unwrap_or(tail.len());
        out.push(&tail[..end]);
        rest = &tail[end..];
    }
    out
}
