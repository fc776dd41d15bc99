//! Does a name say that its value is a secret? The keyed rules (`k=v`, `k: v`, `"k": "v"`,
//! `--k v`, `K=v`, `k="v"`, ...) find a name and a value in any syntax; this decides whether
//! the value goes, so that every syntax agrees on which names hold secrets.
//!
//! A name is read as words, not as a string: `apiKey`, `API_KEY`, `api-key` and `api.key` are
//! all `api key`, while `keyring`, `monkey` and `tokenizer` are single words that merely
//! contain `key` or `token` and stay. A name holds a secret when
//!
//! - one of its words is, or ends with, a secret noun: `password` (`dbpassword`), `passwd`,
//!   `passphrase`, `pwd`, `secret`, `token` (`authtoken`), `credential(s)`, `creds`, `apikey`,
//!   `secretkey`, `accesskey`, `privatekey`, ...;
//! - or its last word is `key` after a word that does not make it a public or structural
//!   key (`tls.key`, `ssh_key`, `license-key`, but not `public_key`, `sort_key`, `topologyKey`
//!   nor a bare `key`, which Kubernetes uses everywhere for label and toleration keys);
//! - or its last word is `auth` (`auth`, `basicAuth`) or `pass` (`DB_PASS`), except that in
//!   prose a bare `auth` or `pass` is no name (`auth: unable to find a keyring`);
//!
//! and its last word does not say that the value is about the secret rather than the secret
//! itself: `passwordFile`, `tokenTTL`, `secretName`, `secret_ref`, `password_min_length`,
//! `auth_type`, ... (see [`ABOUT_THE_SECRET`]).

/// Nouns whose value is a secret; a word equal to one of them or ending with one counts.
const SECRET_NOUNS: &[&str] = &[
    "password",
    "passwords",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "credential",
    "credentials",
    "creds",
    "apikey",
    "secretkey",
    "accesskey",
    "privatekey",
    "authkey",
    "signingkey",
    "encryptionkey",
    "sessionkey",
    "masterkey",
    "connectionstring",
];

/// Last words that make a name describe a secret (where it is, how long it lives, what it
/// is called) rather than hold it.
pub(crate) const ABOUT_THE_SECRET: &[&str] = &[
    "file",
    "files",
    "filename",
    "path",
    "paths",
    "dir",
    "directory",
    "ttl",
    "seconds",
    "secs",
    "timeout",
    "period",
    "interval",
    "enabled",
    "enable",
    "disabled",
    "required",
    "hash",
    "type",
    "kind",
    "length",
    "len",
    "expiry",
    "expires",
    "expiration",
    "expire",
    "name",
    "names",
    "namespace",
    "ref",
    "refs",
    "reference",
    "count",
    "size",
    "mode",
    "policy",
    "rotation",
    "format",
    "version",
    "provider",
    "selector",
    "url",
    "uri",
    "endpoint",
    "issuer",
    "audience",
    "audiences",
    "id",
    "ids",
    "class",
    "algorithm",
    "usage",
    "source",
    "location",
    "prefix",
    "suffix",
    "field",
    "regex",
    "pattern",
    "template",
    "min",
    "max",
    "limit",
    "retries",
    "method",
    "mechanism",
    "scheme",
    "user",
    "username",
    "login",
    "email",
    "at",
    "time",
    "timestamp",
    "date",
    "age",
    "duration",
    "lifetime",
    "status",
    "state",
    "error",
    "errors",
    "reason",
    "header",
    // A file name (`token.json`, `tls.crt`) or a source location (klog's `secret.go:195]`).
    "go",
    "py",
    "rs",
    "java",
    "js",
    "ts",
    "c",
    "cc",
    "h",
    "rb",
    "sh",
    "log",
    "json",
    "yaml",
    "yml",
    "conf",
    "cfg",
    "pem",
    "crt",
    "cer",
    "cert",
    "csr",
    "pub",
];

/// Words before a final `key` that make it a structural or public key, not a secret one.
const NOT_SECRET_KEYS: &[&str] = &[
    "public",
    "pub",
    "primary",
    "foreign",
    "sort",
    "partition",
    "routing",
    "cache",
    "hash",
    "label",
    "labels",
    "group",
    "shard",
    "idempotency",
    "lookup",
    "map",
    "object",
    "s3",
    "config",
    "metadata",
    "annotation",
    "selector",
    "topology",
    "field",
    "column",
    "index",
    "unique",
    "composite",
    "row",
    "range",
    "dedup",
    "match",
    "topic",
    "message",
    "record",
    "item",
    "dict",
    "node",
    "host",
    "env",
    "registry",
    "storage",
    "sharding",
    "distribution",
    "merge",
    "patch",
    "json",
    "yaml",
    "toleration",
    "taint",
    "affinity",
    "spread",
    // `cert key`, `sni cert key`: the key file of a certificate pair, named by path.
    "cert",
    "sni",
    // Identifiers in UI and data formats (`iconKey`, `i18nKey`, `messageKey`).
    "icon",
    "i18n",
    "translation",
    "locale",
    "lang",
    "event",
    "resource",
    "feature",
    "flag",
    "option",
    "setting",
    "property",
    "attribute",
    "attr",
    "dimension",
    "metric",
    "tag",
    "bucket",
    "state",
    "status",
    "route",
    "menu",
];

/// True when `name` (a field, flag, variable or attribute name) says its value is a secret.
/// `prose`: the name was found in free text (a log line), where a bare `auth` or `pass` is
/// more often a word than a name.
pub(crate) fn is_secret_key(name: &[u8], prose: bool) -> bool {
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    let secret_noun = |w: &str| SECRET_NOUNS.iter().any(|n| w.ends_with(n));
    // `connection_string`, `access_key`: nouns written as two words.
    let two_words = words.len() >= 2 && {
        let joined = format!("{}{last}", words[words.len() - 2]);
        SECRET_NOUNS.contains(&joined.as_str())
    };
    if two_words || words.iter().any(|w| secret_noun(w)) {
        return !ABOUT_THE_SECRET.contains(&last.as_str());
    }
    match last.as_str() {
        "auth" | "pass" => !(prose && words.len() == 1),
        "key" => words.len() >= 2 && !NOT_SECRET_KEYS.contains(&words[words.len() - 2].as_str()),
        _ => false,
    }
}

/// The lowercase words of a name: split at anything not a letter or digit and where
/// camelCase changes case (`clientSecret`, `APIKey` → `api`, `key`; digits stay with the
/// letters before them: `oauth2Token` → `oauth2`, `token`).
fn words(name: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (i, &b) in name.iter().enumerate() {
        if !b.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| name[p]);
        let next = name.get(i + 1).copied();
        let upper = b.is_ascii_uppercase();
        let boundary = upper
            && !cur.is_empty()
            && (prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(|n| n.is_ascii_lowercase())));
        if boundary {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(b.to_ascii_lowercase() as char);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_words() {
        let w = |s: &str| words(s.as_bytes()).join(" ");
        assert_eq!(w("clientSecret"), "client secret");
        assert_eq!(w("APIKey"), "api key");
        assert_eq!(w("AWS_SECRET_ACCESS_KEY"), "aws secret access key");
        assert_eq!(
            w("node.session.auth.password"),
            "node session auth password"
        );
        assert_eq!(w("oauth2Token"), "oauth2 token");
        assert_eq!(w("--db-password"), "db password");
        assert_eq!(w("DBPassword"), "db password");
    }

    #[test]
    fn secret_names_in_every_spelling() {
        for name in [
            "password",
            "PASSWORD",
            "db_password",
            "dbpassword",
            "MYSQL_ROOT_PASSWORD",
            "node.session.auth.password",
            "node.session.auth.password_in",
            "passwd",
            "passphrase",
            "keyPassphrase",
            "secret",
            "client_secret",
            "clientSecret",
            "AWS_SECRET_ACCESS_KEY",
            "token",
            "auth_token",
            "authToken",
            "apitoken",
            "GITHUB_TOKEN",
            "x-auth-token",
            "apikey",
            "apiKey",
            "api_key",
            "API-KEY",
            "x-api-key",
            "tls.key",
            "ssh_key",
            "private_key",
            "privateKey",
            "signing-key",
            "license_key",
            "credentials",
            "credential",
            "aws_creds",
            "auth",
            "basicAuth",
            "http-auth",
            "DB_PASS",
            "pass",
            "connectionString",
            "ConnectionString",
            "PWD",
            "secret_value",
            "token_secret",
        ] {
            assert!(
                is_secret_key(name.as_bytes(), false),
                "{name} should be secret"
            );
        }
    }

    #[test]
    fn every_secret_name_holds_a_hint() {
        // The keyed rules skip matches without any of these words: a name the decision
        // accepts without one would never be redacted.
        for noun in SECRET_NOUNS.iter().chain(&["auth", "pass", "key"]) {
            assert!(
                crate::redact::rules::SECRET_KEY_HINTS
                    .iter()
                    .any(|h| noun.contains(h)),
                "{noun}"
            );
        }
    }

    #[test]
    fn look_alike_names_are_not_secret() {
        for name in [
            "keyring",
            "monkey",
            "tokenizer",
            "tokenizer_path",
            "max_tokens",
            "key",
            "keys",
            "hotkey",
            "pubkey",
            "public_key",
            "publicKey",
            "sort_key",
            "routing-key",
            "topologyKey",
            "secretKeyRef",
            "secretName",
            "secret_ref",
            "passwordFile",
            "password-file",
            "token_ttl",
            "tokenExpirationSeconds",
            "token-auth-file",
            "service-account-key-file",
            "password_min_length",
            "password_policy",
            "auth_type",
            "authorization-mode",
            "authentication",
            "authMethod",
            "node.session.auth.authmethod",
            "node.session.auth.username",
            "bypass",
            "compass",
            "passwordless",
            "imagePullSecrets",
            "secrets",
            "automountServiceAccountToken_enabled",
            "token_url",
            "key_id",
            "access_key_id",
            "kid",
            "uid",
            "resourceVersion",
            "gitCommit",
            "secret.go",
            "token.json",
            "tls.crt",
            "physj5ApwD",
            "iconKey",
            "",
            "--",
        ] {
            assert!(
                !is_secret_key(name.as_bytes(), false),
                "{name} should not be secret"
            );
        }
        for name in ["auth", "pass", "Auth"] {
            assert!(is_secret_key(name.as_bytes(), false), "{name}");
            assert!(!is_secret_key(name.as_bytes(), true), "{name} in prose");
        }
    }
}
