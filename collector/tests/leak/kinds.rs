//! The secret kinds of the leak suite: each a snippet written the way the secret really
//! appears, a marker (a part of the secret that must not reach the bundle, unique to the
//! kind), and the rules allowed to count it in redaction-report.json.

/// One kind of secret.
#[derive(Debug, Clone)]
pub struct Kind {
    /// A short name for messages.
    pub name: String,
    /// The secret as written (may span lines: PEM blocks).
    pub snippet: String,
    /// What must not survive anywhere in the bundle.
    pub marker: String,
    /// Rules that may count it.
    pub rules: &'static [&'static str],
}

/// Every rule that goes by a name or a context, for the kinds written as `name = value`.
pub const BY_NAME: &[&str] = &[
    "env-json",
    "env-yaml-flow",
    "env-name-value",
    "xml-secret",
    "xml-key-value",
    "cli-flag-secret",
    "env-assignment",
    "json-secret-field",
    "yaml-secret-field",
    "ini-secret-field",
    "log-secret-field",
    "connection-string-password",
    "yaml-block-secret",
];

const ALNUM: &[u8] = b"aZ3kR8tWq2mX7vB4nC9pL5sD6fG1hJ0y";
const HEX: &[u8] = b"0f3a9c5e7b1d2468";
const UPPER: &[u8] = b"QWERTYUIOPASDFGHJKLZXCVBNM234567";
const B64: &[u8] = b"AbCdEfGh+IjKlMnO/pQrStUv0123456789wXyZ";

/// `n` characters: a start unique to kind `id` (`Lk07...`), then `alphabet` repeated.
fn fill(n: usize, id: usize, start: &str, alphabet: &[u8]) -> String {
    let mut s = format!("{start}{id:02}");
    let mut i = id;
    while s.len() < n {
        s.push(alphabet[i % alphabet.len()] as char);
        i += 7;
    }
    s.truncate(n);
    s
}

fn alnum(n: usize, id: usize) -> String {
    fill(n, id, "Lk", ALNUM)
}

fn hex(n: usize, id: usize) -> String {
    fill(n, id, "dead", HEX)
}

fn upper(n: usize, id: usize) -> String {
    fill(n, id, "LK", UPPER)
}

fn b64(n: usize, id: usize) -> String {
    fill(n, id, "Lk", B64)
}

fn pem(label: &str, id: usize) -> (String, String) {
    let body = b64(64, id);
    let snippet = format!(
        "-----BEGIN {label}-----\nMIIEowIBAAKCAQEA{}\n{body}\n-----END {label}-----",
        b64(48, id + 400)
    );
    (snippet, body)
}

fn jwt(id: usize) -> (String, String) {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"RS256","kid":"k{id}"}}"#));
    let payload =
        URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"system:serviceaccount:leak:sa{id}"}}"#));
    let signature = alnum(86, id);
    (format!("{header}.{payload}.{signature}"), signature)
}

/// Every kind, numbered from 1.
pub fn all() -> Vec<Kind> {
    // (name, snippet, marker, rules); a `None` marker means the whole snippet.
    type Row = (
        &'static str,
        String,
        Option<String>,
        &'static [&'static str],
    );
    let mut rows: Vec<Row> = Vec::new();
    let id = |rows: &Vec<Row>| rows.len() + 1;
    let gh: &[&str] = &["github-token"];
    for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        let i = id(&rows);
        rows.push(("github", format!("{prefix}{}", alnum(36, i)), None, gh));
    }
    let i = id(&rows);
    let pat = format!("github_pat_{}_{}", alnum(22, i), alnum(59, i + 100));
    rows.push(("github-pat", pat, None, gh));
    let i = id(&rows);
    rows.push((
        "gitlab-pat",
        format!("glpat-{}", alnum(20, i)),
        None,
        &["gitlab-token"],
    ));
    let i = id(&rows);
    rows.push((
        "gitlab-runner",
        format!("glrt-{}", alnum(24, i)),
        None,
        &["gitlab-token"],
    ));
    for prefix in ["xoxb", "xoxp", "xoxa", "xoxr", "xoxs"] {
        let i = id(&rows);
        let token = format!("{prefix}-2345678901-{}", alnum(24, i));
        rows.push(("slack", token, None, &["slack-token"]));
    }
    let i = id(&rows);
    let path = alnum(24, i);
    let hook = format!("https://hooks.slack.com/services/T0LEAK{i:02}/B0LEAK{i:02}/{path}");
    rows.push(("slack-webhook", hook, Some(path), &["slack-webhook"]));
    let i = id(&rows);
    let part = hex(32, i);
    let hook = format!("https://contoso.webhook.office.com/webhookb2/a1b2c3d4-0000-1111-2222-333344445555@f0e1d2c3-aaaa-bbbb-cccc-ddddeeeeffff/IncomingWebhook/{part}/0a1b2c3d-4e5f-6789-abcd-ef0123456789");
    rows.push(("teams-webhook", hook, Some(part), &["teams-webhook"]));
    let i = id(&rows);
    let sig = alnum(43, i);
    let hook = format!("https://prod-12.westeurope.logic.azure.com:443/workflows/{}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={sig}", hex(32, i));
    rows.push((
        "teams-workflow",
        hook,
        Some(sig),
        &["teams-workflow-webhook"],
    ));
    let i = id(&rows);
    let token = alnum(68, i);
    let hook = format!("https://discord.com/api/webhooks/1234567890123456{i:02}/{token}");
    rows.push(("discord-webhook", hook, Some(token), &["discord-webhook"]));
    let i = id(&rows);
    rows.push(("npm", format!("npm_{}", alnum(36, i)), None, &["npm-token"]));
    let i = id(&rows);
    let pypi = format!("pypi-AgEIcHlwaS5vcmc{}", alnum(70, i));
    rows.push(("pypi", pypi, None, &["pypi-token"]));
    let i = id(&rows);
    rows.push((
        "huggingface",
        format!("hf_{}", alnum(34, i)),
        None,
        &["huggingface-token"],
    ));
    let sk: &[&str] = &["sk-api-key"];
    let i = id(&rows);
    rows.push(("openai", format!("sk-{}", alnum(48, i)), None, sk));
    let i = id(&rows);
    rows.push(("openai-proj", format!("sk-proj-{}", alnum(64, i)), None, sk));
    let i = id(&rows);
    let ant = format!("sk-ant-api03-{}-{}AA", alnum(80, i), alnum(6, i + 300));
    rows.push(("anthropic", ant, None, sk));
    for prefix in ["sk_live_", "rk_live_"] {
        let i = id(&rows);
        rows.push((
            "stripe",
            format!("{prefix}{}", alnum(24, i)),
            None,
            &["stripe-key"],
        ));
    }
    for prefix in ["SK", "AC"] {
        let i = id(&rows);
        rows.push((
            "twilio",
            format!("{prefix}{}", hex(32, i)),
            None,
            &["twilio-key"],
        ));
    }
    let i = id(&rows);
    let sg = format!("SG.{}.{}", alnum(22, i), alnum(43, i + 200));
    rows.push(("sendgrid", sg, None, &["sendgrid-key"]));
    let i = id(&rows);
    let key = hex(32, i);
    rows.push((
        "datadog",
        format!("DD_API_KEY={key}"),
        Some(key),
        &["datadog-key"],
    ));
    for prefix in ["hvs.", "hvb."] {
        let i = id(&rows);
        rows.push((
            "vault",
            format!("{prefix}{}", alnum(90, i)),
            None,
            &["vault-token"],
        ));
    }
    for prefix in ["AKIA", "ASIA"] {
        let i = id(&rows);
        let key = format!("{prefix}{}", upper(16, i));
        rows.push(("aws-key-id", key, None, &["aws-access-key-id"]));
    }
    let i = id(&rows);
    let key = b64(40, i);
    let line = format!("aws_secret_access_key = {key}");
    rows.push(("aws-secret", line, Some(key), &["aws-secret-access-key"]));
    let i = id(&rows);
    let body = b64(64, i);
    let sa = format!(
        r#"{{"type": "service_account", "project_id": "leak", "private_key_id": "0123abcd", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n{body}\n-----END PRIVATE KEY-----\n", "client_email": "sa@leak.iam.gserviceaccount.com"}}"#
    );
    rows.push(("gcp-service-account", sa, Some(body), &["pem-private-key"]));
    let i = id(&rows);
    rows.push((
        "google-api-key",
        format!("AIza{}", alnum(35, i)),
        None,
        &["google-api-key"],
    ));
    let i = id(&rows);
    let secret = format!("GOCSPX-{}", alnum(28, i));
    rows.push(("google-oauth", secret, None, &["google-oauth-secret"]));
    let i = id(&rows);
    let key = b64(88, i);
    let conn = format!("DefaultEndpointsProtocol=https;AccountName=acct{i};AccountKey={key};EndpointSuffix=core.windows.net");
    rows.push(("azure-storage", conn, Some(key), &["azure-storage-key"]));
    let i = id(&rows);
    let sig = alnum(43, i);
    let sas = format!("BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2021-06-08&ss=b&srt=sco&sp=rl&se=2030-01-01&sig={sig}%3D");
    rows.push(("azure-sas", sas, Some(sig), &["azure-sas-signature"]));
    let i = id(&rows);
    let secret = format!("Lk{}{}Q~{}", i / 10 % 10, i % 10, alnum(34, i));
    rows.push(("entra-id", secret, None, &["azure-ad-client-secret"]));
    for label in [
        "RSA PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
        "EC PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
    ] {
        let i = id(&rows);
        let (snippet, body) = pem(label, i);
        rows.push(("pem", snippet, Some(body), &["pem-private-key"]));
    }
    let i = id(&rows);
    let (token, signature) = jwt(i);
    rows.push(("jwt", token, Some(signature), &["jwt"]));
    let i = id(&rows);
    let token = alnum(40, i);
    let header = format!("Authorization: Bearer {token}");
    rows.push((
        "bearer",
        header,
        Some(token),
        &["bearer-token", "authorization-header"],
    ));
    let i = id(&rows);
    let basic = b64(32, i);
    rows.push((
        "basic-auth",
        format!("Authorization: Basic {basic}"),
        Some(basic),
        &["authorization-header"],
    ));
    let i = id(&rows);
    let pass = alnum(16, i);
    let url = format!("postgres://app:{pass}@db.internal:5432/app");
    rows.push(("url-credentials", url, Some(pass), &["url-credentials"]));
    let i = id(&rows);
    let token = format!(
        "lk{i:02}ab.{}",
        fill(16, i, "q", b"abcdefghijklmnopqrstuvwxyz234567")
    );
    let join = format!(
        "kubeadm join 10.0.0.1:6443 --token {token} --discovery-token-unsafe-skip-ca-verification"
    );
    rows.push(("kubeadm", join, Some(token), &["kubeadm-bootstrap-token"]));
    let i = id(&rows);
    let auth = b64(40, i);
    let docker = format!(r#"{{"auths":{{"registry.example.com":{{"auth":"{auth}"}}}}}}"#);
    rows.push(("docker-auth", docker, Some(auth), &["docker-auth"]));
    let i = id(&rows);
    let cookie = alnum(32, i);
    rows.push((
        "cookie",
        format!("Cookie: session={cookie}"),
        Some(cookie),
        &["cookie"],
    ));
    let i = id(&rows);
    let key = alnum(32, i);
    rows.push((
        "api-key-header",
        format!("X-Api-Key: {key}"),
        Some(key),
        &["api-key-header"],
    ));
    let i = id(&rows);
    let token = alnum(32, i);
    let url = format!("GET https://api.example.com/v1/items?access_token={token}&limit=10");
    rows.push(("url-query", url, Some(token), &["url-query-secret"]));
    // By name, in every syntax.
    let named: &[&str] = &[
        "db_password={}",
        "node.session.auth.password = {}",
        "api_key: {}",
        r#""client_secret": "{}""#,
        "--db-password {}",
        "--auth-token={}",
        "export MYSQL_ROOT_PASSWORD={}",
        r#"<datasource user="app" password="{}"/>"#,
        "<secret>{}</secret>",
        r#"<add key="StorageApiKey" value="{}"/>"#,
        "settings {'token': '{}', 'retries': 3}",
        "Server=db;Database=app;User Id=sa;Password={};",
        "basicAuth: {}",
        "credentials = {}",
        "PASSWD: {}",
        "tls.key: {}",
        "ssh_private_key={}",
        "level=info msg=login user=bob secret={} ok",
    ];
    for template in named {
        let i = id(&rows);
        let value = alnum(20, i);
        rows.push((
            "by-name",
            template.replace("{}", &value),
            Some(value),
            BY_NAME,
        ));
    }
    rows.into_iter()
        .enumerate()
        .map(|(n, (name, snippet, marker, rules))| Kind {
            name: format!("{:02}-{name}", n + 1),
            marker: marker.unwrap_or_else(|| snippet.clone()),
            snippet,
            rules,
        })
        .collect()
}
