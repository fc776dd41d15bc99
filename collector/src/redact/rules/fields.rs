//! Values redacted by where they stand: after a header, inside a URL or a connection string,
//! or after a name that says it holds a secret. The keyed rules (the second half) cover
//! the syntaxes a name and its value are written in, and all of them ask
//! [`super::super::keys`] whether the name is a secret's, so `password` is treated alike in
//! a YAML file, a log line, a flag and an XML attribute.

use super::{keyed, rule, Check, RuleSpec};

/// The context and keyed rules, in the order they run (after the token formats).
pub const FIELDS: &[RuleSpec] = &[
    rule(
        "kubeconfig-data",
        "kubeconfig and Secret `*-data` fields (`client-key-data`, `token-data`, ...); base64 certificates (`certificate-authority-data`) stay",
        r#"(?P<key>[\w.-]+-data)["']?\s*[:=]\s*["']?(?P<secret>[A-Za-z0-9+/=_-]{8,})"#,
        &["-data"],
        &[
            "    client-key-data: SECRET=bm90LWEtcmVhbC1rZXk=",
            r#"{"client-certificate-data":"SECRET=Y2VydGlmaWNhdGU="}"#,
        ],
        &[
            "client-key: /etc/kubernetes/pki/admin.key",
            "metadata: {}",
            r#"  "flannel.alpha.coreos.com/backend-data": "{\"VNI\":1,\"VtepMAC\":\"c6:c2:b9:1b:49:2e\"}","#,
            "    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=",
        ],
    )
    .checked(Check::NotPublicPem),
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
        // To the end of the line, or of the string it is in.
        r#"(?i)\b(?:set-)?cookie\s*:\s*(?P<secret>[^\s"][^"]*)"#,
        &["cookie"],
        &[
            "Set-Cookie: SECRET=session=abc123; HttpOnly",
            r#"{"msg": "Cookie: SECRET=session=abc123"}"#,
        ],
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
        &[
            "password= ",
            "Server=db;Database=app;",
            "--password-file=/etc/pw",
            "sudo: ops : TTY=pts/0 ; PWD=/home/ops ; USER=root",
        ],
    )
    .checked(Check::NotPlaceholder),
    rule(
        "azure-storage-key",
        "Azure storage and Service Bus `AccountKey=` / `SharedAccessKey=` values",
        r#"(?i)\b(?:AccountKey|SharedAccessKey)\s*=\s*(?P<secret>[^;\s"']+)"#,
        &["accountkey", "sharedaccesskey"],
        &["DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=SECRET=bXlrZXk=;"],
        &["AccountName=acct;"],
    ),
    rule(
        "azure-sas-signature",
        "the `sig=` of Azure shared access signatures (`SharedAccessSignature=sv=...&sig=...`, `SharedAccessSignature sr=...&sig=...`)",
        r#"(?i)\bSharedAccessSignature[\s=]+[^\s"';]*?\bsig=(?P<secret>[^&\s"';]+)"#,
        &["sharedaccesssignature"],
        &[
            "BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=2021-06-08&ss=b&sig=SECRET=AbC%2Bdef0123456789%3D",
            "Authorization: SharedAccessSignature sr=https%3A%2F%2Fns.servicebus.windows.net&sig=SECRET=AbCdEf0123456789&se=1700000000&skn=send",
        ],
        &["SharedAccessSignature is not configured"],
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
        "aws-secret-access-key",
        "AWS secret access keys (40 characters after `aws_secret_access_key`, `AWS_SECRET_ACCESS_KEY`, `SecretAccessKey`)",
        r#"(?i)(?:aws_?)?secret_?access_?key["']?\s*[:=]\s*["']?(?P<secret>[A-Za-z0-9/+=]{40})"#,
        &["secret"],
        &[
            "aws_secret_access_key = SECRET=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            r#""SecretAccessKey": "SECRET=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY""#,
        ],
        &["aws_secret_access_key is required"],
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
    )
    .checked(Check::NotPlaceholder),
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
        "secret elements in XML (`<password>...</password>`, `<secret type=\"x\">...</secret>`)",
        r#"(?i)<(?P<key>[\w:.-]+)(?:\s[^<>]*)?>(?P<secret>[^<]+)</"#,
        &[
            "<password>SECRET=hunter2</password>",
            r#"<ClientSecret encrypted="false">SECRET=abc123</ClientSecret>"#,
        ],
        &["<name>web</name>", "<passwordFile>/etc/pw</passwordFile>"],
    ),
    keyed(
        "xml-key-value",
        "settings written as a name attribute and a value attribute (`<add key=\"DbPassword\" value=\"...\"/>`, `<property name=\"db.password\" value=\"...\"/>`)",
        r#"\b(?:key|name)\s*=\s*"(?P<key>[^"]{1,100})"\s+value\s*=\s*"(?P<secret>[^"]*)""#,
        &[
            r#"<add key="ApiKey" value="SECRET=k3y0123"/>"#,
            r#"<property name="db.password" value="SECRET=hunter2"/>"#,
        ],
        &[r#"<add key="LogLevel" value="debug"/>"#],
    ),
    keyed(
        "cli-flag-secret",
        "secrets passed as command-line flags (`--password=...`, `--token ...`)",
        r#"--(?P<key>[\w.-]+)(?:=|\s+)(?P<secret>"[^"]*"|'[^']*'|[^\s"',]+)"#,
        &[
            "mysql --password=SECRET=s3cret --host db",
            "etcdctl --token SECRET=abcdefgh get /",
            r#"flags.go:59] FLAG: --storage-driver-password="SECRET=root""#,
        ],
        &[
            "--token-auth-file=/etc/kubernetes/tokens.csv",
            "--discovery-token-ca-cert-hash sha256:0123abcd",
            "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
            r#"flags.go:59] FLAG: --docker-tls-key="key.pem""#,
            "      --kubelet-client-key string                 Path to a client key file for TLS.",
        ],
    ),
    keyed(
        "env-assignment",
        "`NAME=value` with a secret's name: shell and env-file variables (`export DB_PASSWORD=...`), XML attributes (`password=\"...\"`), logfmt",
        r#"\b(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<secret>"[^"]*"|'[^']*'|[^\s"']+)"#,
        &[
            "export DB_PASSWORD=SECRET=hunter2",
            "API_TOKEN='SECRET=abc def'",
            r#"<connection host="db" password="SECRET=hunter2" />"#,
        ],
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
            "  keyring: /etc/ceph/keyring.bin",
            "  tokenizer: bpe",
        ],
    ),
    keyed(
        "ini-secret-field",
        "secret settings in INI/TOML/properties files (`password = ...`)",
        r#"^\s*(?P<key>[\w.-]+)\s*=\s*(?P<secret>\S.*?)\s*$"#,
        &["db.password = SECRET=hunter2", "client_secret=SECRET=xyz"],
        &["timeout = 30", "token_file = /etc/token", "node.session.auth.password = <empty>"],
    ),
    keyed(
        "log-secret-field",
        "secret fields in the middle of a log line (`app[7]: password: ...`, `node.session.auth.password = ...`, `login token=...`, `{'token': '...'}`)",
        // The most general single-line rule, so it comes last. A key after a space, a bracket
        // or a quote; a quoted key must be followed by its colon at once (`'token': ...`), so
        // the quoted volume name of ` "db-secret" : secret "db" not found` is no key.
        r#"(?:^|[\s\[({,;"'])(?P<key>[A-Za-z][\w.-]*)(?:["']:|\s*[:=])\s*(?P<secret>"[^"]*"|'[^']*'|[^\s"',;{}\[\]]+)"#,
        &[
            "Jan  1 00:00:02 node-3 app[7]: password: SECRET=hunter2-planted",
            "level=info msg=\"login\" user=bob token=SECRET=0123abcd",
            "connecting with (api_key: SECRET=k3y-0123456789)",
            "Jan  1 00:00:02 n1 iscsid: node.session.auth.password = SECRET=chap",
            "config {'password': 'SECRET=two words'}",
            r#"{"msg":"password: SECRET=hunter2x"}"#,
        ],
        &[
            "E1203 kubelet.go:2855] x509: certificate has expired or is not yet valid",
            "MountVolume.SetUp failed for volume \"db-secret\" : secret \"db\" not found",
            "using token_file: /var/run/secrets/token",
            "token: no",
            "login auth: failed for user bob",
            "keyring: loaded 3 keys",
            "tokenizer: bpe",
            "E0914 14:12:45.567552    1988 secret.go:195] Couldn't get secret ns/serving-cert",
            "ceph-osd[1078129]: -1 auth: unable to find a keyring on /var/lib/ceph/osd/keyring",
        ],
    )
    .checked(Check::SecretKeyInProse),
];
