//! Values redacted by what they are, whatever the file format and whatever name they stand
//! under: a Slack webhook in an env var called `NOTIFY_URL` is as secret as one under
//! `slack_webhook`. Each pattern has the provider's real prefix and length, so random words
//! and hashes (image digests, commit ids, UIDs) do not match; each has literal hints, so a
//! line without any of them costs one pass of the shared prefilter and nothing else.

use super::{rule, Check, RuleSpec};

/// The value-shaped rules, in the order they run.
pub const TOKENS: &[RuleSpec] = &[
    rule(
        "pem-private-key-inline",
        "a whole PEM private key on one line (as some tools print it, or strings nested too deep to open)",
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----(?P<secret>.*?)-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----",
        &["PRIVATE KEY"],
        &["key: -----BEGIN PRIVATE KEY----- SECRET=MIIEvQIBADANBgkqhkiG9w0BAQEFAASC -----END PRIVATE KEY-----"],
        &["-----BEGIN CERTIFICATE-----MIIB-----END CERTIFICATE-----"],
    ),
    rule(
        "base64-pem",
        "base64 of PEM blocks holding anything but certificates (Secret data, kubeconfig `client-key-data`); base64 certificates and CA bundles stay",
        r"LS0tLS1CRUdJTi[A-Za-z0-9+/=]{16,}",
        &["LS0tLS1CRUdJTi"],
        &["tls.key: SECRET=LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2"],
        &[
            "LS0tLS1 is just a prefix",
            // -----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n
            "caBundle: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=",
        ],
    )
    .checked(Check::NotPublicPem),
    rule(
        "jwt",
        "JSON Web Tokens (service-account tokens, OIDC id tokens): `eyJ` and three base64url parts",
        r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
        &["eyJ"],
        &["token=SECRET=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl used"],
        &["eyJ alone is not a token", "a.eyJb.c"],
    ),
    rule(
        "github-token",
        "GitHub tokens: `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` (36+ characters) and fine-grained `github_pat_`",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b",
        &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        &[
            "git clone https://SECRET=ghp_0123456789abcdefghijklmnopqrstuvwxyz@github.com/o/r",
            "oauth SECRET=gho_0123456789abcdefghijklmnopqrstuvwxyz",
            "user-to-server SECRET=ghu_0123456789abcdefghijklmnopqrstuvwxyz",
            "installation SECRET=ghs_0123456789abcdefghijklmnopqrstuvwxyz",
            "refresh SECRET=ghr_0123456789abcdefghijklmnopqrstuvwxyz",
            "SECRET=github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789",
        ],
        &["ghp_short", "ghs_0123456789"],
    ),
    rule(
        "gitlab-token",
        "GitLab tokens: personal/project `glpat-`, deploy `gldt-`, runner `glrt-`, trigger `glptt-`, feed `glft-`, and runner registration `GR1348941`",
        r"\b(?:gl(?:pat|dt|rt|ptt|ft|soat|imt)-[A-Za-z0-9_-]{20,}|GR1348941[A-Za-z0-9_-]{20,})",
        &["glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glsoat-", "glimt-", "GR1348941"],
        &[
            "PRIVATE-TOKEN SECRET=glpat-abcdefghij0123456789",
            "runner token SECRET=glrt-abcdefghij0123456789AB",
        ],
        &["glpat-x"],
    ),
    rule(
        "slack-token",
        "Slack bot, user, app and config tokens (`xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-`, `xoxe-`, `xapp-`)",
        r"\b(?:xox[abposre]-[A-Za-z0-9-]{10,}|xapp-[0-9]-[A-Za-z0-9-]{10,})",
        &["xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-", "xoxe-", "xapp-"],
        &[
            "slack SECRET=xoxb-123456789012-abcdefghijkl",
            "SECRET=xapp-1-A0123456789-0123456789012-abcdef0123456789",
        ],
        &["xoxo hugs"],
    ),
    rule(
        "slack-webhook",
        "Slack incoming-webhook and workflow URLs (`https://hooks.slack.com/services/...`): the path after the host",
        r"(?i)\bhooks\.slack\.com/(?:services|workflows|triggers)/(?P<secret>[A-Za-z0-9_/+-]{8,})",
        &["hooks.slack.com"],
        &["notify SECRET=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX done"],
        &["see https://hooks.slack.com/ for docs"],
    ),
    rule(
        "teams-webhook",
        "Microsoft Teams incoming-webhook URLs (`*.webhook.office.com/webhookb2/...`)",
        r#"(?i)\bwebhook\.office\.com/(?P<secret>webhook(?:b2)?/[^\s"'<>]+)"#,
        &["webhook.office.com"],
        &["SECRET=https://contoso.webhook.office.com/webhookb2/a1b2c3d4-0000-1111-2222-333344445555@f0e1d2c3-aaaa-bbbb-cccc-ddddeeeeffff/IncomingWebhook/0123456789abcdef/a1b2c3d4"],
        &["webhook.office.com is Teams"],
    ),
    rule(
        "teams-workflow-webhook",
        "Power Automate / Teams workflow URLs (`*.logic.azure.com/workflows/...`, signed with `sig=`)",
        r#"(?i)\blogic\.azure\.com(?::[0-9]+)?/workflows/(?P<secret>[^\s"'<>]+)"#,
        &["logic.azure.com"],
        &["SECRET=https://prod-12.westeurope.logic.azure.com:443/workflows/0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sig=AbCdEf0123456789"],
        &["logic.azure.com/ is the portal"],
    ),
    rule(
        "discord-webhook",
        "Discord webhook URLs (`discord.com/api/webhooks/<id>/<token>`)",
        r"(?i)\bdiscord(?:app)?\.com/api/(?:v[0-9]+/)?webhooks/(?P<secret>[0-9]+/[A-Za-z0-9_-]+)",
        &["discord"],
        &["SECRET=https://discord.com/api/webhooks/123456789012345678/AbCdEf-0123456789_abcdefghij"],
        &["https://discord.com/channels/1/2"],
    ),
    rule(
        "npm-token",
        "npm access tokens (`npm_` and 36 characters)",
        r"\bnpm_[A-Za-z0-9]{36}\b",
        &["npm_"],
        &["//registry.npmjs.org/:_authToken=SECRET=npm_0123456789abcdefghijklmnopqrstuvwxyz"],
        &["npm_config_cache=/tmp"],
    ),
    rule(
        "pypi-token",
        "PyPI upload tokens (`pypi-AgE...`, a macaroon)",
        r"\bpypi-AgE[A-Za-z0-9_-]{50,}",
        &["pypi-AgE"],
        &["password = SECRET=pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoLTAxMjMtNDU2Ny04OWFiLWNkZWYwMTIzNDU2Nw"],
        &["pypi-AgE"],
    ),
    rule(
        "huggingface-token",
        "Hugging Face access tokens (`hf_` and 34 or more letters)",
        r"\bhf_[A-Za-z0-9]{34,40}\b",
        &["hf_"],
        &["HF_TOKEN SECRET=hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"],
        &["hf_transfer enabled"],
    ),
    rule(
        "sk-api-key",
        "`sk-` API keys (OpenAI `sk-`, `sk-proj-`, `sk-svcacct-`; Anthropic `sk-ant-`)",
        r"\bsk-(?:proj-|ant-|svcacct-|admin-)?[A-Za-z0-9_-]{32,}",
        &["sk-"],
        &[
            "key SECRET=sk-proj-0123456789abcdefghijklmnopqrstuvwxyzABCD",
            "SECRET=sk-ant-api03-0123456789abcdefghijklmnopqrstuvwxyz-AB_cd",
            "SECRET=sk-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL",
        ],
        &["sk-short", "task-0123456789abcdefghijklmnopqrstuvwxyz"],
    ),
    rule(
        "stripe-key",
        "Stripe secret, restricted and webhook-signing keys (`sk_live_`, `rk_live_`, `sk_test_`, `whsec_`)",
        r"\b(?:[rs]k_(?:live|test)_[0-9A-Za-z]{16,}|whsec_[A-Za-z0-9+/=]{24,})",
        &["sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_"],
        &[
            "stripe SECRET=sk_live_0123456789abcdefABCDEF",
            "restricted SECRET=rk_live_0123456789abcdefABCDEF",
        ],
        &["sk_live_ is a prefix"],
    ),
    rule(
        "twilio-key",
        "Twilio API key and account SIDs (`SK` or `AC` and 32 hex digits)",
        r"\b(?:SK|AC)[0-9a-f]{32}\b",
        &["SK", "AC"],
        &[
            "twilio SECRET=SK0123456789abcdef0123456789abcdef",
            "account SECRET=AC0123456789abcdef0123456789abcdef",
        ],
        &["SKU 12", "ACCEPT", "sha256:ac0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"],
    ),
    rule(
        "sendgrid-key",
        "SendGrid API keys (`SG.` and two base64url parts of 22 and 43 characters)",
        r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b",
        &["SG."],
        &["SECRET=SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"],
        &["SG.x"],
    ),
    rule(
        "datadog-key",
        "Datadog API and application keys where named (`DD_API_KEY`, `DD_APP_KEY`, `DD-API-KEY:`, `datadog_api_key`)",
        r#"(?i)\b(?:dd|datadog)[_-]?(?:api|app|application)[_-]?key["']?\s*[:=]\s*["']?(?P<secret>[a-f0-9]{32,40})\b"#,
        &["dd_api", "dd-api", "ddapi", "dd_app", "dd-app", "ddapp", "datadog"],
        &[
            "SECRET=DD_API_KEY=0123456789abcdef0123456789abcdef",
            "header SECRET=dd-application-key=0123456789abcdef0123456789abcdef01234567",
        ],
        &["DD_API_KEY is unset"],
    ),
    rule(
        "vault-token",
        "HashiCorp Vault service, batch and recovery tokens (`hvs.`, `hvb.`, `hvr.`)",
        r"\bhv[sbr]\.[A-Za-z0-9_-]{24,}",
        &["hvs.", "hvb.", "hvr."],
        &[
            "VAULT SECRET=hvs.CAESIJ0123456789abcdefghijklmnop",
            "batch SECRET=hvb.AAAAAQJ0123456789abcdefghijklmnop",
        ],
        &["hvs.short"],
    ),
    rule(
        "aws-access-key-id",
        "AWS access key ids (`AKIA...`, `ASIA...` and the other 4-letter prefixes, 20 characters)",
        r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}\b",
        &["AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "AROA", "APKA", "ASCA"],
        &[
            "aws_access_key_id = SECRET=AKIAIOSFODNN7EXAMPLE",
            "session SECRET=ASIAIOSFODNN7EXAMPLE",
        ],
        &["AKIA is a prefix", "AKIAIOSFODNN7EXAMPLEX1"],
    ),
    rule(
        "google-api-key",
        "Google API keys (`AIza` and 35 characters)",
        r"\bAIza[0-9A-Za-z_-]{35}\b",
        &["AIza"],
        &["maps key SECRET=AIzaSyA1234567890abcdefghijklmnopqrstuv"],
        &["AIza is a prefix"],
    ),
    rule(
        "google-oauth-secret",
        "Google OAuth client secrets (`GOCSPX-`) and access tokens (`ya29.`)",
        r"\b(?:GOCSPX-[A-Za-z0-9_-]{28}|ya29\.[0-9A-Za-z_-]{20,})",
        &["GOCSPX-", "ya29."],
        &[
            "client_secret SECRET=GOCSPX-AbCdEfGhIjKlMnOpQrStUvWxYz01",
            "Bearer SECRET=ya29.a0AfH6SMBx0123456789abcdefghij",
        ],
        &["ya29.short"],
    ),
    rule(
        "azure-ad-client-secret",
        "Microsoft Entra ID (Azure AD) client secrets (`xxx8Q~...`)",
        r#"(?:^|[\s"'=:(,>`])(?P<secret>[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?:$|[\s"'<),`\\])"#,
        &["Q~"],
        &["AZURE_CLIENT_SECRET=SECRET=abc8Q~abcdefghijklmnopqrstuvwxyz01234"],
        &["Q~ alone"],
    ),
    rule(
        "kubeadm-bootstrap-token",
        "kubeadm bootstrap tokens (`abcdef.0123456789abcdef`)",
        r"\b[a-z0-9]{6}\.[a-z0-9]{16}\b",
        &["."],
        &["kubeadm join 10.0.0.1:6443 --token SECRET=abcdef.0123456789abcdef"],
        &[
            "image: registry.k8s.io/pause:3.9",
            "kube-proxy.daemonset",
            "    name: multus.16a4b5b908d18dbf",
        ],
    )
    .checked(Check::NotHexSuffix),
];
