//! A fake node under --host-root: files, static-pod manifests, certificates (generated here)
//! and a private key that must never be copied; node detection and name; pseudonyms.

mod common;

use common::{run, Bundle};
use kbundle_format::manifest::{CertificateRecord, CollectorStatus};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn write(root: &Path, path: &str, body: &str) {
    let p = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

fn cert(cn: &str, sans: &[&str]) -> (String, String) {
    let mut params =
        rcgen::CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    let key = rcgen::KeyPair::generate().unwrap();
    (params.self_signed(&key).unwrap().pem(), key.serialize_pem())
}

/// The base64 body lines of a PEM block (what must never appear in a bundle).
fn body_lines(pem: &str) -> Vec<String> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 20)
        .map(str::to_string)
        .collect()
}

fn fake_node(root: &Path) -> String {
    write(root, "/etc/hostname", "plain-hostname\n");
    write(
        root,
        "/etc/os-release",
        "NAME=\"Fake Linux\"\nVERSION_ID=\"1\"\n",
    );
    write(
        root,
        "/var/lib/kubelet/kubeadm-flags.env",
        "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/containerd/containerd.sock --hostname-override=fake-node-1\"\n",
    );
    write(root, "/var/lib/kubelet/config.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n");
    let mut syslog = String::new();
    for i in 0..3000 {
        syslog.push_str(&format!(
            "Nov 27 10:{:02}:{:02} fake-node-1 kubelet[42]: line {i} pod sync ok\n",
            i / 60 % 60,
            i % 60
        ));
    }
    syslog.push_str("Nov 27 11:00:00 fake-node-1 kernel: NEWEST LINE\n");
    write(root, "/var/log/syslog", &syslog);
    write(
        root,
        "/var/log/kern.log",
        "Nov 27 10:00:00 fake-node-1 kernel: eth0: link up\n",
    );
    write(
        root,
        "/etc/kubernetes/manifests/etcd.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\n",
    );
    write(
        root,
        "/etc/kubernetes/manifests/kube-apiserver.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - command:\n    - kube-apiserver\n    - --tls-private-key-file=/etc/kubernetes/pki/apiserver.key\n",
    );
    let (ca, ca_key) = cert("kubernetes", &[]);
    let (api, api_key) = cert(
        "kube-apiserver",
        &["kubernetes", "kubernetes.default.svc", "fake-node-1"],
    );
    let (kubelet, kubelet_key) = cert("fake-node-1@1700000000", &["fake-node-1"]);
    write(root, "/etc/kubernetes/pki/ca.crt", &ca);
    write(root, "/etc/kubernetes/pki/ca.key", &ca_key);
    write(root, "/etc/kubernetes/pki/apiserver.crt", &api);
    write(root, "/etc/kubernetes/pki/apiserver.key", &api_key);
    write(root, "/var/lib/kubelet/pki/kubelet.crt", &kubelet);
    write(root, "/var/lib/kubelet/pki/kubelet.key", &kubelet_key);
    // A cert+key bundle, the way the kubelet stores its client identity.
    write(
        root,
        "/var/lib/kubelet/pki/kubelet-client-current.pem",
        &format!("{kubelet}{kubelet_key}"),
    );
    // A manifest directory entry that is not a regular file is ignored.
    std::fs::create_dir_all(root.join("etc/kubernetes/manifests/subdir")).unwrap();
    [ca_key, api_key, kubelet_key].concat()
}

#[test]
fn a_fake_node_is_collected_under_its_host_root() {
    let root = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let keys = fake_node(root.path());
    let target = out.path().join("node.tar.gz");
    // Without --host-only: the fake root has /etc/kubernetes, so it is a node.
    let output = run(
        &[
            "--host-root",
            root.path().to_str().unwrap(),
            "--max-log-bytes",
            "50K",
            "--command-timeout",
            "5",
            "-o",
            target.to_str().unwrap(),
        ],
        None,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("node fake-node-1 (name from --hostname-override"),
        "{stderr}"
    );
    let bundle = Bundle::read(&target);
    bundle.check_manifest_files();
    let n = "host-collectors/fake-node-1";

    // Files: copied, capped with the newest lines kept.
    let syslog = bundle.text(&format!("{n}/files/var/log/syslog"));
    assert!(
        syslog.len() <= 50 * 1024
            && syslog.ends_with("NEWEST LINE\n")
            && syslog.starts_with("Nov 27")
    );
    assert_eq!(
        bundle.text(&format!("{n}/files/etc/os-release")),
        "NAME=\"Fake Linux\"\nVERSION_ID=\"1\"\n"
    );
    assert!(bundle
        .get(&format!("{n}/files/etc/kubernetes/manifests/etcd.yaml"))
        .is_some());
    assert!(bundle
        .text(&format!(
            "{n}/files/etc/kubernetes/manifests/kube-apiserver.yaml"
        ))
        .contains("--tls-private-key-file=/etc/kubernetes/pki/apiserver.key"));
    assert!(bundle
        .get(&format!("{n}/files/var/lib/kubelet/config.yaml"))
        .is_some());
    let manifest = bundle.manifest();
    let row = |name: &str| {
        manifest
            .collectors
            .iter()
            .find(|r| r.name == name)
            .unwrap()
            .clone()
    };
    assert_eq!(
        row("files/var/log/syslog").status,
        CollectorStatus::Truncated
    );
    assert_eq!(row("files/var/log/kern.log").status, CollectorStatus::Ok);
    assert_eq!(
        row("files/var/log/messages").status,
        CollectorStatus::Skipped
    );
    assert_eq!(row("files/etc/kubernetes/manifests/*").files, 2);

    // Certificates: described, never copied; no private key anywhere.
    let certs: Vec<CertificateRecord> =
        serde_json::from_str(&bundle.text(&format!("{n}/certificates.json"))).unwrap();
    let paths: Vec<&str> = certs.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/etc/kubernetes/pki/apiserver.crt",
            "/etc/kubernetes/pki/ca.crt",
            "/var/lib/kubelet/pki/kubelet-client-current.pem",
            "/var/lib/kubelet/pki/kubelet.crt",
        ]
    );
    assert_eq!(certs[0].subject, "CN=kube-apiserver");
    assert_eq!(
        certs[0].dns_names,
        ["kubernetes", "kubernetes.default.svc", "fake-node-1"]
    );
    assert_eq!(row("certificates").status, CollectorStatus::Ok);
    let lines = body_lines(&keys);
    assert!(lines.len() > 5);
    for m in &bundle.members {
        let text = m.text();
        assert!(
            !text.contains("PRIVATE KEY"),
            "{} mentions a private key",
            m.path
        );
        for l in &lines {
            assert!(!text.contains(l.as_str()), "key material in {}", m.path);
        }
    }
    // Commands ran through chroot into the fake root, where none exists.
    let info = bundle.info("fake-node-1", "df-h");
    assert!(info.error.is_some());
}

#[test]
fn a_machine_that_is_not_a_node_is_skipped_with_a_line_saying_so() {
    let root = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write(root.path(), "/etc/hostname", "laptop\n");
    let target = out.path().join("not-a-node.tar.gz");
    // Without --host-only the API part runs too: point it at a kubeconfig that is not there.
    let kubeconfig = root.path().join("no-kubeconfig");
    let output = run(
        &[
            "--host-root",
            root.path().to_str().unwrap(),
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ],
        None,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("not a Kubernetes node"), "{stderr}");
    let bundle = Bundle::read(&target);
    let manifest = bundle.manifest();
    let host = manifest
        .collectors
        .iter()
        .find(|r| r.name == "host-collectors")
        .expect("a host-collectors row");
    assert_eq!(host.status, CollectorStatus::Skipped);
    let cluster = manifest.cluster.expect("manifest.cluster");
    assert!(!cluster.reachable);
    assert!(cluster.error.unwrap_or_default().contains("no-kubeconfig"));
    assert_eq!(manifest.collectors.len(), 2, "{:?}", manifest.collectors);
    assert!(!bundle
        .paths()
        .iter()
        .any(|p| p.starts_with("host-collectors/")));
}

#[test]
fn pseudonyms_are_consistent_across_files_and_the_map_stays_outside() {
    let root = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write(root.path(), "/etc/hostname", "db-node-7.corp.example\n");
    write(
        root.path(),
        "/etc/kubernetes/manifests/x.yaml",
        "advertise: 10.20.30.40\nnode: db-node-7\n",
    );
    write(
        root.path(),
        "/var/log/syslog",
        "db-node-7 kubelet: dial tcp 10.20.30.40:6443: i/o timeout\nlink 52:54:00:ab:cd:ef up on db-node-7.corp.example, peer 10.20.30.41\n",
    );
    let target = out.path().join("pseudo.tar.gz");
    let output = run(
        &[
            "--host-only",
            "--pseudonymize",
            "--host-root",
            root.path().to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ],
        None,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let map_path = out.path().join("pseudo.tar.gz.pseudonyms.json");
    let meta = std::fs::metadata(&map_path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let map: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&map_path).unwrap()).unwrap();
    let ip = map["ipv4"]["10.20.30.40"].as_str().unwrap().to_string();
    let peer = map["ipv4"]["10.20.30.41"].as_str().unwrap().to_string();
    assert_eq!(map["hostnames"]["db-node-7.corp.example"], "host-1");
    // Same /24 stays the same /24.
    assert_eq!(
        ip.rsplit_once('.').unwrap().0,
        peer.rsplit_once('.').unwrap().0
    );

    let bundle = Bundle::read(&target);
    for m in &bundle.members {
        let t = m.text();
        for real in [
            "10.20.30.40",
            "10.20.30.41",
            "db-node-7",
            "52:54:00:ab:cd:ef",
            "corp.example",
        ] {
            assert!(!t.contains(real), "{real} in {}", m.path);
        }
    }
    let node = "host-1";
    let syslog = bundle.text(&format!("host-collectors/{node}/files/var/log/syslog"));
    let manifest_file = bundle.text(&format!(
        "host-collectors/{node}/files/etc/kubernetes/manifests/x.yaml"
    ));
    assert!(syslog.contains(&format!("dial tcp {ip}:6443")), "{syslog}");
    assert!(
        manifest_file.contains(&format!("advertise: {ip}")),
        "{manifest_file}"
    );
    assert!(!bundle.paths().iter().any(|p| p.contains("pseudonyms")));
    assert!(stderr.contains("pseudonym map"), "{stderr}");
}
