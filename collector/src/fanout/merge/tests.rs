use super::*;
use crate::archive::{BundleWriter, Format};
use crate::bundle::Started;
use crate::pseudonymize::Pseudonymizer;
use crate::redact::Redactor;
use kbundle_format::manifest::CollectorStatus;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A node's own bundle, as `--host-only` writes it.
fn node_bundle(dir: &Path, node: &str, lines: &str) -> PathBuf {
    let target = dir.join(format!("kbundle-{node}.tar.gz"));
    let w = BundleWriter::create(
        &target,
        Format::TarGz,
        &format!("kbundle-{node}"),
        jiff::Timestamp::now(),
    )
    .unwrap();
    let b = Bundle::new(w, Redactor::builtin(), None);
    b.add_version_yaml("2026-01-01T00:00:00Z").unwrap();
    let m = b
        .scrub_bytes(
            BundlePath::new(&format!("host-collectors/{node}/run/ip-addr.txt")).unwrap(),
            lines.as_bytes(),
        )
        .unwrap();
    let added = b.add(&[m]).unwrap();
    b.record(Started::now().row("run/ip-addr", Some(node), CollectorStatus::Ok, None, added));
    b.record(Started::now().row(
        "run/dmesg",
        Some(node),
        CollectorStatus::Timeout,
        Some(format!("killed on {node}")),
        Default::default(),
    ));
    b.finish("2026-01-01T00:00:00Z", false, serde_json::json!({}))
        .unwrap()
}

fn target_bundle(dir: &Path, ps: Option<Pseudonymizer>) -> Bundle {
    let w = BundleWriter::create(
        &dir.join("out.tar.gz"),
        Format::TarGz,
        "out",
        jiff::Timestamp::now(),
    )
    .unwrap();
    let extra = vec![crate::redact::Rule::new("ticket", "TCK-[0-9]{4}", false).unwrap()];
    Bundle::new(w, Redactor::with_extra(extra), ps)
}

struct Fixed(Option<String>);

impl Naming for Fixed {
    fn name(&mut self, remote: &str) -> Result<String, crate::fanout::AlreadyCollected> {
        self.0
            .clone()
            .ok_or_else(|| crate::fanout::AlreadyCollected {
                node: remote.to_string(),
                through: "another target".to_string(),
            })
    }
}

fn members(path: &Path) -> Vec<(String, String)> {
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(path).unwrap(),
    ));
    let mut out = Vec::new();
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        if e.header().entry_type().is_dir() {
            continue;
        }
        let p = e.path().unwrap().to_string_lossy().into_owned();
        let mut text = String::new();
        e.read_to_string(&mut text).unwrap();
        out.push((p, text));
    }
    out
}

#[test]
fn a_node_lands_under_its_name_scrubbed_with_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let src = node_bundle(
        dir.path(),
        "node-a",
        "inet 10.1.2.3/24 on node-a\npassword: hunter2\nref TCK-1234\n",
    );
    let ps = Pseudonymizer::new([7; 32], &["node-a".to_string()]);
    let out = target_bundle(dir.path(), Some(ps));
    let mut file = std::fs::File::open(&src).unwrap();
    let merged = merge(
        &out,
        &mut file,
        &mut Fixed(Some("host-1".into())),
        Limits::with_cap(u64::MAX),
    );
    assert!(merged.complete, "{merged:?}");
    assert_eq!(merged.name.as_deref(), Some("host-1"));
    assert_eq!(merged.rows, 2);
    assert_eq!(merged.added.files, 1);
    let rows = out.runs();
    assert!(rows.iter().all(|r| r.node.as_deref() == Some("host-1")));
    let dmesg = rows.iter().find(|r| r.name == "run/dmesg").unwrap();
    assert_eq!(dmesg.error.as_deref(), Some("killed on host-1"));
    let path = out
        .finish("2026-01-01T00:00:00Z", false, serde_json::json!({}))
        .unwrap();
    let all = members(&path);
    let (_, text) = all
        .iter()
        .find(|(p, _)| p == "out/host-collectors/host-1/run/ip-addr.txt")
        .unwrap();
    assert!(
        !text.contains("10.1.2.3") && !text.contains("node-a"),
        "{text}"
    );
    assert!(
        !text.contains("hunter2") && !text.contains("TCK-1234"),
        "{text}"
    );
    let report = &all
        .iter()
        .find(|(p, _)| p == "out/redaction-report.json")
        .unwrap()
        .1;
    // The node's own count (yaml-secret-field) and ours (the customer rule), both renamed.
    assert!(
        report.contains("host-collectors/host-1/run/ip-addr.txt"),
        "{report}"
    );
    assert!(
        report.contains("ticket") && report.contains("yaml-secret-field"),
        "{report}"
    );
    assert!(!all.iter().any(|(p, _)| p.contains("node-a")));
}

/// A tar.gz with the given raw entries (name, type, content).
fn hostile(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (name, kind, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(*kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        {
            let raw = h.as_old_mut();
            raw.name[..name.len()].copy_from_slice(name.as_bytes());
        }
        if *kind == tar::EntryType::Symlink {
            h.set_link_name("/etc/shadow").unwrap();
        }
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

#[test]
fn nothing_outside_the_nodes_directory_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let out = target_bundle(dir.path(), None);
    let bytes = hostile(&[
        (
            "top/host-collectors/w1/run/ok.txt",
            tar::EntryType::Regular,
            b"fine\n",
        ),
        (
            "top/host-collectors/w1/../../../../etc/x",
            tar::EntryType::Regular,
            b"no\n",
        ),
        (
            "top/cluster-resources/nodes.json",
            tar::EntryType::Regular,
            b"{}",
        ),
        (
            "top/host-collectors/w2/run/other.txt",
            tar::EntryType::Regular,
            b"no\n",
        ),
        (
            "top/host-collectors/w1/files/link",
            tar::EntryType::Symlink,
            b"",
        ),
    ]);
    let merged = merge(
        &out,
        &mut &bytes[..],
        &mut Fixed(Some("w1".into())),
        Limits::with_cap(u64::MAX),
    );
    assert!(!merged.complete, "no manifest: not whole");
    assert_eq!(merged.added.files, 1);
    assert_eq!(merged.refused.len(), 4, "{:?}", merged.refused);
    let path = out
        .finish("2026-01-01T00:00:00Z", false, serde_json::json!({}))
        .unwrap();
    let names: Vec<String> = members(&path).into_iter().map(|(p, _)| p).collect();
    assert!(names.contains(&"out/host-collectors/w1/run/ok.txt".to_string()));
    assert!(!names
        .iter()
        .any(|n| n.contains("..") || n.contains("w2") || n.contains("link")));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing but the bundle"
    );
}

#[test]
fn broken_streams_and_refused_names_end_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read(node_bundle(dir.path(), "w1", "x\n")).unwrap();
    let out = target_bundle(dir.path(), None);
    let cut = &src[..src.len() / 2];
    let merged = merge(
        &out,
        &mut &cut[..],
        &mut Fixed(Some("w1".into())),
        Limits::with_cap(u64::MAX),
    );
    assert!(!merged.complete);
    assert!(merged.error.is_some(), "{merged:?}");
    let garbage = b"Welcome to node 7!\n";
    let merged = merge(
        &out,
        &mut &garbage[..],
        &mut Fixed(Some("w1".into())),
        Limits::with_cap(u64::MAX),
    );
    assert!(merged.error.unwrap().contains("reading the node's archive"));
    let merged = merge(
        &out,
        &mut &src[..],
        &mut Fixed(None),
        Limits::with_cap(u64::MAX),
    );
    assert_eq!(
        merged.error.as_deref(),
        Some("this is node w1, already collected through another target: not collected twice")
    );
    assert_eq!(merged.remote_name.as_deref(), Some("w1"));
    assert!(merged.name.is_none() && merged.added.files == 0);
    let empty = merge(
        &out,
        &mut &b""[..],
        &mut Fixed(Some("w1".into())),
        Limits::with_cap(u64::MAX),
    );
    assert!(!empty.complete && empty.added.files == 0);
}

#[test]
fn a_flood_of_members_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let out = target_bundle(dir.path(), None);
    let names: Vec<String> = (0..50)
        .map(|i| format!("t/host-collectors/w1/files/f{i}"))
        .collect();
    let entries: Vec<(&str, tar::EntryType, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), tar::EntryType::Regular, &b"x\n"[..]))
        .collect();
    let bytes = hostile(&entries);
    let limits = Limits {
        max_members: 10,
        ..Limits::with_cap(u64::MAX)
    };
    let merged = merge(&out, &mut &bytes[..], &mut Fixed(Some("w1".into())), limits);
    assert_eq!(merged.added.files, 10);
    assert!(merged.error.unwrap().contains("more than 10"));
}

#[test]
fn what_a_node_left_unredacted_is_redacted_here() {
    // An agent of an older version, or one whose redaction missed something: the merge
    // redacts every member again with this run's rules, the same as for local members.
    let dir = tempfile::tempdir().unwrap();
    let out = target_bundle(dir.path(), None);
    let syslog = concat!(
        "app: notify https://hooks.slack.com/services/T0/B0/nodeLeftThisPath1\n",
        "iscsid: node.session.auth.password = nodeLeftChap2\n",
        r#"{"annotation": "{\"env\":[{\"name\":\"DB_PASSWORD\",\"value\":\"nodeLeftEnv3\"}]}"}"#,
        "\n"
    );
    let bytes = hostile(&[(
        "top/host-collectors/w1/files/var/log/syslog",
        tar::EntryType::Regular,
        syslog.as_bytes(),
    )]);
    let merged = merge(
        &out,
        &mut &bytes[..],
        &mut Fixed(Some("w1".into())),
        Limits::with_cap(u64::MAX),
    );
    assert_eq!(merged.added.files, 1, "{merged:?}");
    let path = out
        .finish("2026-01-01T00:00:00Z", false, serde_json::json!({}))
        .unwrap();
    let all = members(&path);
    let (_, text) = all
        .iter()
        .find(|(p, _)| p == "out/host-collectors/w1/files/var/log/syslog")
        .unwrap();
    for secret in ["nodeLeftThisPath1", "nodeLeftChap2", "nodeLeftEnv3"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}
