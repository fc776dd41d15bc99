//! The built-in redaction rules, as data: each rule has a name (what redaction-report.json
//! counts), a pattern, and examples that must be redacted and must be kept. A unit test runs
//! every example, so a rule cannot silently stop working or start eating healthy lines.
//!
//! Pattern conventions: when the pattern has a group named `secret`, only that group is
//! replaced by `***REDACTED***`; otherwise the whole match is. A group named `key` is the
//! field or variable name: rules marked `secret_key` fire only when that name looks like a
//! secret ([`SECRET_KEY_NAME`]) and does not look like a reference to one ([`NOT_A_SECRET_KEY`]).
//! Patterns are matched on bytes, ASCII-only (`\w` is `[0-9A-Za-z_]`), line by line.
//!
//! Three multi-line rules are state machines in [`super::LineRedactor`] and are described at
//! the end of [`BUILTIN`] with their examples (lines separated by `\n`).

/// A field or variable name that holds a secret.
pub const SECRET_KEY_NAME: &str = r"(?i)(passw(or)?d|passphrase|pwd|secret|token|api[_.-]?key|access[_.-]?key|private[_.-]?key|client[_.-]?key|auth[_.-]?key|signing[_.-]?key|encryption[_.-]?key|credentials?|connection[_.-]?string|[._-]key$|^auth$)";

/// A name that mentions a secret but holds something else: a file, a reference, a duration.
pub const NOT_A_SECRET_KEY: &str = r"(?i)(file|path|dir|ttl|seconds|timeout|period|interval|enabled?|hash|type|kind|length|expir\w*|name|namespace|ref|count|size|mode|policy|rotation|format|version|provider|selector|url|uri|issuer|audiences?|_id|id)$";

/// Values that never are secrets: booleans, null, empty, a block-scalar marker, a path, or
/// something already redacted.
pub const NOT_A_SECRET_VALUE: &str =
    r#"^(?i:true|false|null|~|yes|no|""|''|\[\]|\{\}|[|>][-+0-9]*|/\S*|\*\*\*REDACTED\*\*\*.*)$"#;

/// One built-in rule.
#[derive(Debug, Clone, Copy)]
pub struct RuleSpec {
    /// The name counted in redaction-report.json.
    pub name: &'static str,
    /// What it hides, for docs/collector.md.
    pub about: &'static str,
    /// The pattern; empty for the multi-line state machines.
    pub pattern: &'static str,
    /// Fire only when the `key` group looks like a secret's name.
    pub secret_key: bool,
    /// Literals (matched case-insensitively) of which every match contains at least one:
    /// a line without any of them skips the rule. Empty: the rule runs on every line.
    pub hints: &'static [&'static str],
    /// Lines in which the rule must hide a secret (the value after `SECRET=` in the example
    /// is what must disappear: see [`example_secret`]).
    pub must_redact: &'static [&'static str],
    /// Lines that must come out unchanged.
    pub must_keep: &'static [&'static str],
}

const fn rule(
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
        secret_key: false,
        hints,
        must_redact,
        must_keep,
    }
}

/// Every name [`SECRET_KEY_NAME`] accepts contains one of these: the hints of keyed rules.
pub const SECRET_KEY_HINTS: &[&str] = &[
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
    "credential",
    "auth",
    "connection",
];

const fn keyed(
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
        secret_key: true,
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

/// Every built-in rule, in the order they are applied to a line. Specific token formats come
/// before the generic key/value rules so the report names the most precise rule.
pub const BUILTIN: &[RuleSpec] = &[
    rule(
        "pem-private-key-inline",
        "a whole PEM private key on one line (JSON strings with \\n escapes)",
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----(?P<secret>.*?)-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----",
        &["PRIVATE KEY"],
        &[r#"{"key": "-----BEGIN RSA PRIVATE KEY-----\nSECRET=MIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n"}"#],
        &["-----BEGIN CERTIFICATE-----MIIB-----END CERTIFICATE-----"],
    ),
    rule(
        "base64-pem",
        "a base64-encoded PEM block (Kubernetes Secret data, kubeconfig *-data)",
        r"LS0tLS1CRUdJTi[A-Za-z0-9+/=]{16,}",
        &["LS0tLS1CRUdJTi"],
        &["tls.key: SECRET=LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2"],
        &["LS0tLS1 is just a prefix"],
    ),
    rule(
        "kubeconfig-data",
        "kubeconfig and Secret `*-data` fields (client-key-data, certificate-authority-data, ...)",
        r#"(?P<key>[\w.-]+-data)["']?\s*[:=]\s*["']?(?P<secret>[A-Za-z0-9+/=_-]{8,})"#,
        &["-data"],
        &[
            "    client-key-data: SECRET=bm90LWEtcmVhbC1rZXk=",
            r#"{"client-certificate-data":"SECRET=Y2VydGlmaWNhdGU="}"#,
        ],
        &["client-key: /etc/kubernetes/pki/admin.key", "metadata: {}"],
    ),
    rule(
        "jwt",
        "JSON Web Tokens (service-account tokens, OIDC id tokens)",
        r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
        &["eyJ"],
        &["token=SECRET=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl used"],
        &["eyJ alone is not a token", "a.eyJb.c"],
    ),
    rule(
        "bearer-token",
        "`Bearer <token>` in headers, logs and curl command lines",
        r"(?i)\bbearer\s+(?P<secret>[A-Za-z0-9._~+/=-]{8,})",
        &["bearer"],
        &["Authorization: Bearer SECRET=abcdef0123456789xyz"],
        &["the bearer of bad news", "Bearer token missing"],
    ),
    rule(
        "authorization-header",
        "`Authorization:` / `Proxy-Authorization:` header values (Basic, Digest, raw tokens)",
        r#"(?i)\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:(?:basic|bearer|digest|token|negotiate)\s+)?(?P<secret>[^\s"',]{6,})"#,
        &["authorization"],
        &["Authorization: Basic SECRET=dXNlcjpwYXNzd29yZA=="],
        &["authorization mode: Node,RBAC", "--authorization-mode=Node,RBAC"],
    ),
    rule(
        "api-key-header",
        "`X-Api-Key:`-style headers",
        r#"(?i)\bx-(?:api|auth|access)-?(?:key|token)["']?\s*:\s*["']?(?P<secret>[^\s"',]{4,})"#,
        &["x-api", "x-auth", "x-access"],
        &["X-Api-Key: SECRET=k3y-0123456789"],
        &["x-request-id: 1234"],
    ),
    rule(
        "cookie",
        "`Cookie:` and `Set-Cookie:` header values",
        r"(?i)\b(?:set-)?cookie\s*:\s*(?P<secret>\S.*)$",
        &["cookie"],
        &["Set-Cookie: SECRET=session=abc123; HttpOnly"],
        &["cookies are disabled"],
    ),
    rule(
        "url-credentials",
        "passwords in URLs: basic auth and database connection URLs (postgres://u:p@h, mongodb+srv://, redis://:p@, amqp://)",
        r#"(?i)\b[a-z][a-z0-9+.-]{1,20}://[^/\s:@"']*:(?P<secret>[^@\s/"']+)@"#,
        &["://"],
        &[
            "proxy=http://admin:SECRET=hunter2@proxy.corp:3128",
            "DATABASE_URL=postgres://app:SECRET=s3cr3t@db:5432/app",
            "redis://:SECRET=r3dispass@cache:6379/0",
        ],
        &["https://10.0.0.1:6443/api", "http://example.com/a:b"],
    ),
    rule(
        "connection-string-password",
        "`Password=` / `Pwd=` in ADO.NET, ODBC and JDBC connection strings",
        r#"(?i)(?:^|[;\s?&"'])(?:password|pwd)\s*=\s*(?P<secret>[^;\s&"'<>]+)"#,
        &["password", "pwd"],
        &[
            "Server=db;Database=app;User Id=sa;Password=SECRET=S3cr3tPass!;",
            "jdbc:mysql://db/app?user=root&password=SECRET=t0psecret",
        ],
        &["password= ", "Server=db;Database=app;", "--password-file=/etc/pw"],
    ),
    rule(
        "url-query-secret",
        "secrets in URL query strings (access_token, sig, X-Amz-Signature, ...)",
        r#"(?i)[?&](?P<key>access_token|id_token|refresh_token|token|api_key|apikey|secret|client_secret|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential)=(?P<secret>[^&\s"'#]+)"#,
        &["token=", "key=", "secret=", "sig=", "signature=", "credential="],
        &["GET /blob?sv=2020&sig=SECRET=abcDEF%2B123 200"],
        &["GET /api?limit=500&continue=abc 200"],
    ),
    rule(
        "aws-access-key-id",
        "AWS access key ids (AKIA..., ASIA...)",
        r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}\b",
        &["AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "AROA", "APKA", "ASCA"],
        &["aws_access_key_id = SECRET=AKIAIOSFODNN7EXAMPLE"],
        &["AKIA is a prefix", "AKIAIOSFODNN7EXAMPLEX1"],
    ),
    rule(
        "aws-secret-access-key",
        "AWS secret access keys",
        r#"(?i)aws_?secret_?access_?key["']?\s*[:=]\s*["']?(?P<secret>[A-Za-z0-9/+=]{40})"#,
        &["secret"],
        &["aws_secret_access_key = SECRET=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
        &["aws_secret_access_key is required"],
    ),
    rule(
        "github-token",
        "GitHub personal access and app tokens",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b",
        &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        &["git clone https://SECRET=ghp_0123456789abcdefghijklmnopqrstuvwxyz@github.com/o/r"],
        &["ghp_short"],
    ),
    rule(
        "gitlab-token",
        "GitLab personal access tokens",
        r"\bglpat-[A-Za-z0-9_-]{20,}",
        &["glpat-"],
        &["PRIVATE-TOKEN SECRET=glpat-abcdefghij0123456789"],
        &["glpat-x"],
    ),
    rule(
        "slack-token",
        "Slack bot, user and app tokens",
        r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
        &["xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-"],
        &["slack SECRET=xoxb-123456789012-abcdefghijkl"],
        &["xoxo hugs"],
    ),
    rule(
        "google-api-key",
        "Google API keys",
        r"\bAIza[0-9A-Za-z_-]{35}\b",
        &["AIza"],
        &["maps key SECRET=AIzaSyA1234567890abcdefghijklmnopqrstuv"],
        &["AIza is a prefix"],
    ),
    rule(
        "stripe-key",
        "Stripe secret and restricted keys",
        r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,}\b",
        &["sk_live_", "sk_test_", "rk_live_", "rk_test_"],
        &["stripe SECRET=sk_live_0123456789abcdefABCDEF"],
        &["sk_live_ is a prefix"],
    ),
    rule(
        "npm-token",
        "npm access tokens",
        r"\bnpm_[A-Za-z0-9]{36}\b",
        &["npm_"],
        &["//registry.npmjs.org/:_authToken=SECRET=npm_0123456789abcdefghijklmnopqrstuvwxyz"],
        &["npm_config_cache=/tmp"],
    ),
    rule(
        "vault-token",
        "HashiCorp Vault service and batch tokens",
        r"\bhv[sb]\.[A-Za-z0-9_-]{24,}",
        &["hvs.", "hvb."],
        &["VAULT SECRET=hvs.CAESIJ0123456789abcdefghijklmnop"],
        &["hvs.short"],
    ),
    rule(
        "sk-api-key",
        "`sk-` API keys (OpenAI-, Anthropic-style)",
        r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{32,}",
        &["sk-"],
        &["key SECRET=sk-proj-0123456789abcdefghijklmnopqrstuvwxyzABCD"],
        &["sk-short", "task-0123456789abcdefghijklmnopqrstuvwxyz"],
    ),
    rule(
        "kubeadm-bootstrap-token",
        "kubeadm bootstrap tokens (`abcdef.0123456789abcdef`)",
        r"\b[a-z0-9]{6}\.[a-z0-9]{16}\b",
        &["."],
        &["kubeadm join 10.0.0.1:6443 --token SECRET=abcdef.0123456789abcdef"],
        &["image: registry.k8s.io/pause:3.9", "kube-proxy.daemonset"],
    ),
    rule(
        "azure-storage-key",
        "Azure storage AccountKey= and SharedAccessKey= values",
        r#"(?i)\b(?:AccountKey|SharedAccessKey)\s*=\s*(?P<secret>[^;\s"']+)"#,
        &["accountkey", "sharedaccesskey"],
        &["DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=SECRET=bXlrZXk=;"],
        &["AccountName=acct;"],
    ),
    rule(
        "docker-auth",
        "registry credentials in Docker config JSON (`auth`, `identitytoken`)",
        r#""(?:auth|identitytoken|registrytoken)"\s*:\s*"(?P<secret>[^"]+)""#,
        &["auth\"", "identitytoken", "registrytoken"],
        &[r#"{"auths":{"r.io":{"auth":"SECRET=dXNlcjpwYXNz"}}}"#],
        &[r#"{"auths":{}}"#],
    ),
    rule(
        "redis-password-directive",
        "`requirepass` / `masterauth` in redis.conf",
        r"(?i)^\s*(?:requirepass|masterauth)\s+(?P<secret>\S+)",
        &["requirepass", "masterauth"],
        &["requirepass SECRET=foobared"],
        &["# requirepass is commented"],
    ),
    keyed(
        "env-json",
        "Kubernetes env entries in JSON on one line (`{\"name\":\"DB_PASSWORD\",\"value\":\"...\"}`)",
        r#""name"\s*:\s*"(?P<key>[^"]{1,200})"\s*,\s*"value"\s*:\s*"(?P<secret>(?:[^"\\]|\\.)*)""#,
        &[r#"{"name":"DB_PASSWORD","value":"SECRET=hunter2"}"#],
        &[r#"{"name":"LOG_LEVEL","value":"debug"}"#],
    ),
    keyed(
        "env-yaml-flow",
        "Kubernetes env entries in YAML flow style (`{name: API_TOKEN, value: ...}`)",
        r#"\bname:\s*["']?(?P<key>[\w.-]+)["']?\s*,\s*value:\s*(?P<secret>[^,}\s]+)"#,
        &["env: [{name: API_TOKEN, value: SECRET=abc123}]"],
        &["env: [{name: MODE, value: fast}]"],
    ),
    keyed(
        "xml-secret",
        "secret elements in XML (`<password>...</password>`)",
        r"(?i)<(?P<key>[\w:.-]+)>(?P<secret>[^<]+)</",
        &["<password>SECRET=hunter2</password>"],
        &["<name>web</name>"],
    ),
    keyed(
        "cli-flag-secret",
        "secrets passed as command-line flags (`--password=...`, `--token ...`)",
        r#"--(?P<key>[\w-]+)(?:=|\s+)(?P<secret>"[^"]*"|'[^']*'|[^\s"',]+)"#,
        &[
            "mysql --password=SECRET=s3cret --host db",
            "etcdctl --token SECRET=abcdefgh get /",
            r#"flags.go:59] FLAG: --storage-driver-password="SECRET=root""#,
        ],
        &[
            "--token-auth-file=/etc/kubernetes/tokens.csv",
            "--discovery-token-ca-cert-hash sha256:0123abcd",
            "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
        ],
    ),
    keyed(
        "env-assignment",
        "secret shell and env-file variables (`DB_PASSWORD=...`, `export API_TOKEN=...`)",
        r#"\b(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<secret>"[^"]*"|'[^']*'|[^\s"']+)"#,
        &["export DB_PASSWORD=SECRET=hunter2", "API_TOKEN='SECRET=abc def'"],
        &["PATH=/usr/bin:/bin", "KUBELET_KUBEADM_ARGS=--node-ip=10.0.0.5", "TOKEN_TTL=5m"],
    ),
    keyed(
        "json-secret-field",
        "secret fields in JSON (`\"password\": \"...\"`, `\"client_secret\": ...`)",
        r#""(?P<key>[^"]{1,100})"\s*:\s*"(?P<secret>(?:[^"\\]|\\.)*)""#,
        &[
            r#"{"password":"SECRET=hunter2","user":"bob"}"#,
            r#"  "clientSecret": "SECRET=abc\"def","#,
        ],
        &[
            r#"{"secretName":"tls-cert","tokenFile":"/var/run/token"}"#,
            r#""automountServiceAccountToken": "false""#,
        ],
    ),
    keyed(
        "yaml-secret-field",
        "secret fields in YAML (`password: ...`, `apiKey: ...`)",
        // A value opening a mapping or a list (`{`, `[`) is structure, not a secret: pretty
        // JSON (`"serviceAccountToken": {`) must stay JSON.
        r#"^\s*(?:-\s+)?["']?(?P<key>[\w.-]+)["']?\s*:\s+(?P<secret>[^\s{\[].*?)\s*$"#,
        &["  password: SECRET=hunter2", "- api_key: SECRET=abc123", "  tls.key: SECRET=c2VjcmV0"],
        &[
            r#"                  "serviceAccountToken": {"#,
            r#"        "imagePullSecrets": ["#,
            "  secretName: my-tls",
            "  automountServiceAccountToken: false",
            "  tokenFile: /var/lib/token",
            "  - key: node-role.kubernetes.io/master",
            "  secretKeyRef:",
        ],
    ),
    keyed(
        "ini-secret-field",
        "secret settings in INI/TOML/properties files (`password = ...`)",
        r#"^\s*(?P<key>[\w.-]+)\s*=\s*(?P<secret>\S.*?)\s*$"#,
        &["db.password = SECRET=hunter2", "client_secret=SECRET=xyz"],
        &["timeout = 30", "token_file = /etc/token"],
    ),
    keyed(
        "log-secret-field",
        "secret fields in the middle of a log line (`app[7]: password: ...`, `login token=...`)",
        // The most general single-line rule, so it comes last. The key after a space or a bracket, unquoted (quoted names are JSON's rule, and a
        // quoted volume name before ` : secret "db" not found` is no key), and a value of at
        // least four characters, so that `token: no` stays.
        r#"(?:^|[\s\[({,;])(?P<key>[A-Za-z][\w.-]*)\s*[:=]\s*["']?(?P<secret>[^\s"',;{}\[\]]{4,})"#,
        &[
            "Jan  1 00:00:02 node-3 app[7]: password: SECRET=hunter2-planted",
            "level=info msg=\"login\" user=bob token=SECRET=0123abcd",
            "connecting with (api_key: SECRET=k3y-0123456789)",
        ],
        &[
            "E1203 kubelet.go:2855] x509: certificate has expired or is not yet valid",
            "MountVolume.SetUp failed for volume \"db-secret\" : secret \"db\" not found",
            "using token_file: /var/run/secrets/token",
            "token: no",
        ],
    ),
    rule(
        PEM_BLOCK,
        "multi-line PEM private-key blocks (RSA, EC, OpenSSH, PKCS#8, encrypted, PGP): the body between BEGIN and END",
        "",
        &["PRIVATE KEY"],
        &["-----BEGIN RSA PRIVATE KEY-----\nSECRET=MIIEowIBAAKCAQEAxyz\nSECRET=abcdefgh\n-----END RSA PRIVATE KEY-----"],
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
