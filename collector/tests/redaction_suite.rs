//! Planted secrets of many kinds across the files of a fake node: none may appear anywhere
//! in the bundle, and redaction-report.json must count each under the rule that caught it.

mod common;

use common::{run, run_ok, Bundle};
use kbundle_format::manifest::RedactionCount;
use std::path::Path;

/// (host file, text to plant, the secret that must vanish, the rule that must count it)
const PLANTED: &[(&str, &str, &str, &str)] = &[
    ("/var/log/syslog", "curl -H 'Authorization: Bearer Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5' https://api", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5", "bearer-token"),
    ("/var/log/syslog", "sa token eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzIn0.SIGNATUREabc123_-x", "eyJpc3MiOiJrdWJlcm5ldGVzIn0", "jwt"),
    ("/var/log/syslog", "proxy https://alice:Pr0xyPassw0rd9@proxy.corp.example:3128", "Pr0xyPassw0rd9", "url-credentials"),
    ("/var/log/syslog", "db postgres://app:PgS3cretValue77@db.internal:5432/app", "PgS3cretValue77", "url-credentials"),
    ("/var/log/syslog", "mongo mongodb+srv://root:M0ngoSecret55@cluster0.example.net/test", "M0ngoSecret55", "url-credentials"),
    ("/var/log/syslog", "cache redis://:R3disSecret66@cache:6379/0", "R3disSecret66", "url-credentials"),
    ("/var/log/syslog", "aws key AKIAQWERTYUIOPASDFGH in env", "AKIAQWERTYUIOPASDFGH", "aws-access-key-id"),
    ("/var/log/syslog", "aws_secret_access_key=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", "wJalrXUtnFEMIK7MDENGbPxRfiCYzzSECRETKEY1", "aws-secret-access-key"),
    ("/var/log/syslog", "clone https://ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789@github.com/o/r", "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "github-token"),
    ("/var/log/syslog", "slack xoxb-2222222222-ABCDEFGHIJKLmnop", "xoxb-2222222222-ABCDEFGHIJKLmnop", "slack-token"),
    ("/var/log/syslog", "maps AIzaSyB9876543210zyxwvutsrqponmlkjihgfe", "AIzaSyB9876543210zyxwvutsrqponmlkjihgfe", "google-api-key"),
    ("/var/log/syslog", "stripe sk_live_51HqLyjWDarjtT1zdp7dcXYZ", "sk_live_51HqLyjWDarjtT1zdp7dcXYZ", "stripe-key"),
    ("/var/log/syslog", "npm token npm_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", "npm_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", "npm-token"),
    ("/var/log/syslog", "vault hvs.CAESIGdHkDkeoSecretVaultTok3n12", "hvs.CAESIGdHkDkeoSecretVaultTok3n12", "vault-token"),
    ("/var/log/syslog", "openai sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef012345", "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef012345", "sk-api-key"),
    ("/var/log/syslog", "gitlab glpat-xYz123AbC456dEf789gHi0", "glpat-xYz123AbC456dEf789gHi0", "gitlab-token"),
    ("/var/log/syslog", "Cookie: sessionid=C00kieSecretValue42", "C00kieSecretValue42", "cookie"),
    ("/var/log/syslog", "X-Api-Key: ApiK3yHeaderValue99", "ApiK3yHeaderValue99", "api-key-header"),
    ("/var/log/syslog", "Authorization: Basic YWxpY2U6QmFzaWNQYXNzMTIz", "YWxpY2U6QmFzaWNQYXNzMTIz", "authorization-header"),
    ("/var/log/syslog", "GET https://blob.example/x?sv=2021&sig=SasSignatureValue%2Bxyz&se=1 200", "SasSignatureValue%2Bxyz", "url-query-secret"),
    ("/var/log/syslog", "kubeadm join 10.0.0.1:6443 --token q7w8e9.r1t2y3u4i5o6p7a8", "q7w8e9.r1t2y3u4i5o6p7a8", "kubeadm-bootstrap-token"),
    ("/var/log/syslog", "mysql --password=CliFlagPassw0rd --host db", "CliFlagPassw0rd", "cli-flag-secret"),
    ("/var/log/syslog", "conn Server=db;Database=app;User Id=sa;Password=AdoNetPassw0rd;", "AdoNetPassw0rd", "connection-string-password"),
    ("/var/log/syslog", "azure DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=AzureStorageKey123==;", "AzureStorageKey123==", "azure-storage-key"),
    ("/var/log/messages", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAplantedRSAkeyBody1\nplantedRSAkeyBody2line\n-----END RSA PRIVATE KEY-----", "plantedRSAkeyBody2line", "pem-private-key"),
    ("/var/log/messages", "  -----BEGIN OPENSSH PRIVATE KEY-----\n  b3BlbnNzaC1rZXktdjEplantedOpenSSH\n  -----END OPENSSH PRIVATE KEY-----", "b3BlbnNzaC1rZXktdjEplantedOpenSSH", "pem-private-key"),
    ("/var/log/messages", r#"{"private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQplantedInlinePem\n-----END PRIVATE KEY-----\n"}"#, "MIIEvQplantedInlinePem", "pem-private-key"),
    ("/var/log/messages", "tls.crt: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tplantedB64Pem", "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tplantedB64Pem", "base64-pem"),
    ("/etc/kubernetes/manifests/app.yaml", "    env:\n    - name: DB_PASSWORD\n      value: EnvYamlPassw0rd", "EnvYamlPassw0rd", "env-name-value"),
    ("/etc/kubernetes/manifests/app.yaml", "    password: YamlFieldPassw0rd", "YamlFieldPassw0rd", "yaml-secret-field"),
    ("/etc/kubernetes/manifests/app.yaml", "    apiKey: YamlApiKeyValue77", "YamlApiKeyValue77", "yaml-secret-field"),
    ("/etc/kubernetes/manifests/app.yaml", "    privateKey: |\n      BlockScalarSecretLine1\n      BlockScalarSecretLine2\n    after: visible", "BlockScalarSecretLine2", "yaml-block-secret"),
    ("/etc/kubernetes/manifests/app.yaml", "    env: [{name: API_TOKEN, value: FlowYamlTok3n}]", "FlowYamlTok3n", "env-yaml-flow"),
    ("/etc/kubernetes/manifests/env.json", r#"{"name":"API_TOKEN","value":"EnvJsonTok3nValue"}"#, "EnvJsonTok3nValue", "env-json"),
    ("/etc/kubernetes/manifests/env.json", "  \"name\": \"SECRET_KEY_BASE\",\n  \"value\": \"PrettyJsonEnvSecret\"", "PrettyJsonEnvSecret", "env-name-value"),
    ("/etc/kubernetes/manifests/env.json", r#"  "clientSecret": "JsonClientSecret88","#, "JsonClientSecret88", "json-secret-field"),
    ("/etc/kubernetes/manifests/env.json", r#"{"auths":{"registry.example":{"auth":"ZG9ja2VyOkRvY2tlckF1dGg="}}}"#, "ZG9ja2VyOkRvY2tlckF1dGg=", "docker-auth"),
    ("/var/lib/kubelet/config.yaml", "    client-key-data: S3ViZUNsaWVudEtleURhdGFQbGFudGVk", "S3ViZUNsaWVudEtleURhdGFQbGFudGVk", "kubeconfig-data"),
    ("/var/lib/kubelet/config.yaml", "    token: KubeconfigUserTok3n", "KubeconfigUserTok3n", "yaml-secret-field"),
    ("/etc/kubernetes/manifests/app.conf", "db.password = IniPassw0rdValue", "IniPassw0rdValue", "ini-secret-field"),
    ("/etc/kubernetes/manifests/app.conf", "requirepass RedisConfPassw0rd", "RedisConfPassw0rd", "redis-password-directive"),
    ("/etc/kubernetes/manifests/app.conf", "<password>XmlPassw0rdValue</password>", "XmlPassw0rdValue", "xml-secret"),
    ("/etc/kubernetes/manifests/app.conf", "export SERVICE_API_TOKEN=ShellExportTok3n", "ShellExportTok3n", "env-assignment"),
];

/// Writes every planted line into its file under `root`, with healthy lines around.
fn plant(root: &Path) {
    let mut files: std::collections::BTreeMap<&str, String> = Default::default();
    for (file, text, _, _) in PLANTED {
        let body = files
            .entry(file)
            .or_insert_with(|| "first healthy line\n".to_string());
        body.push_str(text);
        body.push_str("\nhealthy line after\n");
    }
    for (file, body) in files {
        let local = root.join(file.trim_start_matches('/'));
        std::fs::create_dir_all(local.parent().unwrap()).unwrap();
        std::fs::write(local, body).unwrap();
    }
    std::fs::write(root.join("etc/hostname"), "secret-suite\n").unwrap_or_else(|_| {
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("etc/hostname"), "secret-suite\n").unwrap();
    });
}

fn collect(root: &Path, out: &Path, format: &str) -> Bundle {
    let target = out.join(format!("suite.{format}"));
    run_ok(
        &[
            "--host-only",
            "--host-root",
            root.to_str().unwrap(),
            "--command-timeout",
            "5",
            "-o",
            target.to_str().unwrap(),
        ],
        None,
    );
    Bundle::read(&target)
}

#[test]
fn no_planted_secret_reaches_the_bundle_and_each_is_counted() {
    let kinds: std::collections::BTreeSet<&str> = PLANTED.iter().map(|p| p.3).collect();
    assert!(
        PLANTED.len() >= 30 && kinds.len() >= 30,
        "{} secrets, {} rules",
        PLANTED.len(),
        kinds.len()
    );
    let root = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    plant(root.path());
    for format in ["tar.gz", "zip"] {
        let bundle = collect(root.path(), out.path(), format);
        bundle.check_manifest_files();
        for member in &bundle.members {
            let text = member.text();
            for (file, _, secret, rule) in PLANTED {
                assert!(
                    !text.contains(secret),
                    "{format}: {secret:?} ({rule}, planted in {file}) leaked into {}",
                    member.path
                );
            }
        }
        let report: Vec<RedactionCount> =
            serde_json::from_str(&bundle.text("redaction-report.json")).unwrap();
        let node = "secret-suite";
        for (file, _, secret, rule) in PLANTED {
            let member = format!("host-collectors/{node}/files{file}");
            let row = report.iter().find(|r| r.file == member && r.rule == *rule);
            assert!(
                row.is_some_and(|r| r.count >= 1),
                "{format}: {secret:?} not counted under {rule} in {member}: {report:?}"
            );
        }
        // Healthy lines survive, and the report never holds a value.
        assert!(bundle
            .text(&format!("host-collectors/{node}/files/var/log/syslog"))
            .contains("healthy line after"));
        assert!(bundle
            .text(&format!(
                "host-collectors/{node}/files/etc/kubernetes/manifests/app.yaml"
            ))
            .contains("after: visible"));
        let report_text = bundle.text("redaction-report.json");
        assert!(!report_text.contains("REDACTED"));
    }
}

#[test]
fn a_customer_rules_file_adds_a_rule_and_counts_it() {
    let root = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("var/log")).unwrap();
    std::fs::write(
        root.path().join("var/log/syslog"),
        "order ref TCK-0123456789abcdef0123456789abcdef done\n",
    )
    .unwrap();
    let rules = out.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "rules:\n  - name: ticket-token\n    pattern: 'TCK-[0-9a-f]{32}'\n    must_redact: ['x TCK-0123456789abcdef0123456789abcdef']\n",
    )
    .unwrap();
    let target = out.path().join("custom.tar.gz");
    run_ok(
        &[
            "--host-only",
            "--node-name",
            "c1",
            "--host-root",
            root.path().to_str().unwrap(),
            "--redact-rules",
            rules.to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ],
        None,
    );
    let bundle = Bundle::read(&target);
    let syslog = bundle.text("host-collectors/c1/files/var/log/syslog");
    assert_eq!(syslog, "order ref ***REDACTED*** done\n");
    assert!(bundle
        .text("redaction-report.json")
        .contains("ticket-token"));

    std::fs::write(
        &rules,
        "rules:\n  - name: broken\n    pattern: 'abc'\n    must_redact: ['xyz']\n",
    )
    .unwrap();
    let target = out.path().join("refused.tar.gz");
    let output = run(
        &[
            "--host-only",
            "--redact-rules",
            rules.to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("rules.yaml") && stderr.contains("rule broken"),
        "{stderr}"
    );
    assert!(!target.exists());
}
