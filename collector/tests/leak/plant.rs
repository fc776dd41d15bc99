//! Where the leak suite plants its secrets: a node's files under `--host-root` and a cluster
//! served from a bundle directory by `kbundle serve`. Each kind gets a node file, a
//! namespace (a pod with the secret in an env value, an annotation and the last-applied
//! configuration, its container log, a ConfigMap and an Event), a syslog entry and a JSON log
//! line; the look-alikes that must survive go beside them.

use super::kinds::Kind;
use serde_json::{json, Value};
use std::path::Path;

/// The node's name in the bundle.
pub const NODE: &str = "leak-node";
/// The annotation `kubectl apply` writes.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Public values the analysis needs, planted beside the secrets; each must reach the bundle
/// unchanged.
pub struct LookAlikes {
    /// An image digest.
    pub digest: String,
    /// A pod UID.
    pub uid: String,
    /// A resourceVersion.
    pub resource_version: String,
    /// A git commit hash.
    pub commit: String,
    /// A container id.
    pub container_id: String,
    /// An Event's name (object name and a hex timestamp).
    pub event_name: String,
    /// A CA certificate in PEM.
    pub ca_pem: String,
    /// The same, base64 (kubeconfig `certificate-authority-data`, webhook `caBundle`).
    pub ca_base64: String,
    /// Lines whose names only look secret, in every kind of file.
    pub lines: Vec<String>,
    /// Lines that read as prose only in a log (in YAML, `auth: failed` is a value).
    pub prose: Vec<String>,
}

impl LookAlikes {
    /// A fresh set (the CA is generated).
    pub fn new() -> Self {
        use base64::Engine as _;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "leak-suite-ca");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = rcgen::KeyPair::generate().unwrap();
        let ca_pem = params.self_signed(&key).unwrap().pem();
        let ca_base64 = base64::engine::general_purpose::STANDARD.encode(&ca_pem);
        LookAlikes {
            digest: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                .into(),
            uid: "3f2b6c1e-8d4a-4b7e-9c3f-2a1b0c9d8e7f".into(),
            resource_version: "48213771".into(),
            commit: "e83c5163316f89bfbde7d9ab23ca2e25604af290".into(),
            container_id:
                "containerd://4b825dc642cb6eb9a060e54bf8d69288fbee4904a1b2c3d4e5f60718293a4b5c"
                    .into(),
            // A DaemonSet's Event: six characters, a dot, 16 hex digits, like a kubeadm token.
            event_name: "multus.18b2c3d4e5f60718".into(),
            ca_pem,
            ca_base64,
            lines: [
                "keyring: /etc/ceph/ceph.client.admin.keyring",
                "tokenizer: bpe-32k",
                "monkey: banana",
                "max_tokens: 4096",
                "secretName: db-credentials",
                "passwordFile: /etc/app/password",
                "--token-auth-file=/etc/kubernetes/known_tokens.csv",
                "--discovery-token-ca-cert-hash sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
                "key: node-role.kubernetes.io/control-plane",
                "topologyKey: kubernetes.io/hostname",
            ]
            .map(str::to_string)
            .to_vec(),
            prose: [
                "ceph-osd: auth: unable to find a keyring on /var/lib/ceph/osd/keyring",
                "E1203 10:00:00.000000 1 secret.go:195] Couldn't get secret shop/db-credentials",
            ]
            .map(str::to_string)
            .to_vec(),
        }
    }

    /// Every value that must be found in the bundle unchanged.
    pub fn must_survive(&self) -> Vec<&str> {
        let mut out = vec![
            self.digest.as_str(),
            &self.uid,
            &self.resource_version,
            &self.commit,
            &self.container_id,
            &self.event_name,
            &self.ca_base64,
        ];
        out.extend(self.ca_pem.lines().filter(|l| l.len() > 40));
        out.extend(self.lines.iter().chain(&self.prose).map(String::as_str));
        out
    }
}

fn write(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

/// The host file of kind number `n`.
pub fn node_file(n: usize) -> String {
    format!("/etc/kubernetes/manifests/leak-{n:02}.conf")
}

/// Writes the node: one file per kind, a syslog entry and a JSON log line per kind, and the
/// look-alikes.
pub fn host_root(root: &Path, kinds: &[Kind], look: &LookAlikes) {
    let at = |p: &str| root.join(p.trim_start_matches('/'));
    write(&at("/etc/hostname"), &format!("{NODE}\n"));
    let mut syslog = String::from("Nov 27 09:59:59 leak-node systemd[1]: Started app.\n");
    let mut messages = String::new();
    for (i, kind) in kinds.iter().enumerate() {
        let n = i + 1;
        write(
            &at(&node_file(n)),
            &format!(
                "# settings {n}\nmode = fast\n{}\nafter = visible\n",
                kind.snippet
            ),
        );
        syslog.push_str(&format!(
            "Nov 27 10:00:{:02} {NODE} app[{n}]: kind {n}: {}\n",
            n % 60,
            kind.snippet
        ));
        let line =
            json!({"ts": "2026-11-27T10:00:00Z", "level": "error", "kind": n, "msg": kind.snippet});
        messages.push_str(&format!("{line}\n"));
    }
    for line in look.lines.iter().chain(&look.prose) {
        syslog.push_str(&format!("Nov 27 10:01:00 {NODE} app[1]: {line}\n"));
    }
    syslog.push_str(&format!(
        "Nov 27 10:01:01 {NODE} containerd[9]: started {} image {} commit {}\n",
        look.container_id, look.digest, look.commit
    ));
    write(&at("/var/log/syslog"), &syslog);
    write(&at("/var/log/messages"), &messages);
    let mut manifest = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: lookalike\n  uid: {}\n  resourceVersion: \"{}\"\n  annotations:\n    git-commit: \"{}\"\nspec:\n  containers:\n  - name: app\n    image: registry.example.com/app@{}\n    args:\n",
        look.uid, look.resource_version, look.commit, look.digest
    );
    for line in &look.lines {
        manifest.push_str(&format!("    - {}\n", serde_json::to_string(line).unwrap()));
    }
    manifest.push_str(&format!(
        "---\napiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    certificate-authority-data: {}\n",
        look.ca_base64
    ));
    write(&at("/etc/kubernetes/manifests/lookalike.yaml"), &manifest);
}

/// The namespace of kind number `n`.
pub fn namespace(n: usize) -> String {
    format!("leak-{n:02}")
}

fn list(kind: &str, items: Vec<Value>) -> String {
    serde_json::to_string_pretty(&json!({
        "kind": format!("{kind}List"), "apiVersion": "v1",
        "metadata": {"resourceVersion": "1"}, "items": items,
    }))
    .unwrap()
}

fn pod(ns: &str, name: &str, value: &str, look: &LookAlikes, annotations: Value) -> Value {
    let spec = json!({
        "nodeName": NODE,
        "containers": [{
            "name": "app",
            "image": format!("registry.example.com/app@{}", look.digest),
            "env": [{"name": "SETTING", "value": value}, {"name": "MODE", "value": "fast"}],
        }],
    });
    let applied = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns}, "spec": spec});
    let mut annotations = annotations;
    annotations[LAST_APPLIED] = Value::String(format!("{applied}\n"));
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "uid": look.uid,
            "resourceVersion": look.resource_version, "annotations": annotations},
        "spec": spec,
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{
                "name": "app", "ready": true, "restartCount": 0,
                "state": {"running": {"startedAt": "2026-11-27T09:00:00Z"}},
                "image": format!("registry.example.com/app@{}", look.digest),
                "imageID": format!("registry.example.com/app@{}", look.digest),
                "containerID": look.container_id,
            }],
        },
    })
}

fn indented(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

/// Writes the cluster as a bundle directory for `kbundle serve`: per kind a namespace with a
/// pod (env, annotation, last-applied), its container log (a plain and a JSON line), a
/// ConfigMap (a plain file and a YAML document) and an Event; a `lookalike` namespace with
/// the public values.
pub fn cluster(dir: &Path, kinds: &[Kind], look: &LookAlikes) {
    let res = dir.join("cluster-resources");
    let mut namespaces = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        let n = i + 1;
        let ns = namespace(n);
        let name = format!("app-{n:02}");
        namespaces.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
        let annotations = json!({"leak.example.com/setting": kind.snippet});
        let p = pod(&ns, &name, &kind.snippet, look, annotations);
        write(&res.join(format!("pods/{ns}.json")), &list("Pod", vec![p]));
        let log = format!(
            "{}{}\n",
            indented(&kind.snippet, "2026-11-27T10:00:00.000000000Z "),
            json!({"level": "error", "msg": kind.snippet})
        );
        write(&res.join(format!("pods/logs/{ns}/{name}/app.log")), &log);
        let yaml = format!(
            "app:\n  name: demo\n  setting: |\n{}",
            indented(&kind.snippet, "    ")
        );
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("settings-{n:02}"), "namespace": ns},
            "data": {"setting.conf": format!("{}\n", kind.snippet), "app.yaml": yaml}});
        write(
            &res.join(format!("configmaps/{ns}.json")),
            &list("ConfigMap", vec![cm]),
        );
        let event = json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": format!("{name}.1{:015x}", n), "namespace": ns},
            "involvedObject": {"kind": "Pod", "name": name, "namespace": ns},
            "reason": "BackOff", "type": "Warning",
            "message": format!("Back-off restarting failed container app: {}", kind.snippet),
            "lastTimestamp": "2026-11-27T10:00:00Z"});
        write(
            &res.join(format!("events/{ns}.json")),
            &list("Event", vec![event]),
        );
    }
    let ns = "lookalike";
    namespaces.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
    let annotations = json!({"app.example.com/git-commit": look.commit});
    let p = pod(ns, "app-lookalike", "fast", look, annotations);
    write(&res.join(format!("pods/{ns}.json")), &list("Pod", vec![p]));
    write(
        &res.join(format!("pods/logs/{ns}/app-lookalike/app.log")),
        &look
            .lines
            .iter()
            .chain(&look.prose)
            .map(|l| format!("2026-11-27T10:00:00.000000000Z {l}\n"))
            .collect::<String>(),
    );
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: leak\n  cluster:\n    certificate-authority-data: {}\n    server: https://10.0.0.1:6443\n",
        look.ca_base64
    );
    let cms = vec![
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cluster-info", "namespace": ns},
            "data": {"kubeconfig": kubeconfig}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "kube-root-ca.crt", "namespace": ns},
            "data": {"ca.crt": look.ca_pem}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "webhook", "namespace": ns},
            "data": {"caBundle": look.ca_base64, "settings.yaml": look.lines.join("\n")}}),
    ];
    write(
        &res.join(format!("configmaps/{ns}.json")),
        &list("ConfigMap", cms),
    );
    let event = json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": look.event_name, "namespace": ns},
        "involvedObject": {"kind": "Pod", "name": "app-lookalike", "namespace": ns},
        "reason": "Pulled", "type": "Normal",
        "message": format!("Successfully pulled image \"registry.example.com/app@{}\"", look.digest),
        "lastTimestamp": "2026-11-27T10:00:00Z"});
    write(
        &res.join(format!("events/{ns}.json")),
        &list("Event", vec![event]),
    );
    write(&res.join("namespaces.json"), &list("Namespace", namespaces));
    write(
        &res.join(format!("secrets/{ns}.json")),
        &list("Secret", vec![secret(ns)]),
    );
}

/// What the Secret of the `lookalike` namespace holds: none of it may leave the cluster.
pub const SECRET_DATA: [&str; 3] = [
    "SecretDataValueNeverLeaves01",
    "SecretStringDataNeverLeaves02",
    "SecretLastAppliedNeverLeaves03",
];

/// A Secret with values in `data`, `stringData` and its last-applied configuration.
fn secret(ns: &str) -> Value {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let applied = json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "db", "namespace": ns},
        "stringData": {"note": SECRET_DATA[2]}});
    json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "db", "namespace": ns,
            "annotations": {LAST_APPLIED: applied.to_string(), "team": "payments"}},
        "data": {"db-password": b64(SECRET_DATA[0]), "plain": b64("hello")},
        "stringData": {"note": SECRET_DATA[1]}})
}
