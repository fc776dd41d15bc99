//! The `kbundle` binary on bad input: one clear line naming the file, a non-zero exit, never
//! a panic; and a member that is not valid JSON is a collection gap, not a failure.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

fn kbundle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kbundle"))
        .args(args)
        .output()
        .expect("kbundle runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_clean_error(o: &Output, names: &str) {
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(o));
    let err = stderr(o);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(names), "{err} should name {names}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Writes a gzip-compressed tar with the given (path, content) entries, names unchecked.
fn tar_gz(path: &Path, entries: &[(&str, &[u8])]) {
    let file = std::fs::File::create(path).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (name, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        // Raw name bytes: the tar crate refuses `..` through set_path, hostile archives don't.
        let raw = &mut header.as_old_mut().name;
        raw[..name.len()].copy_from_slice(name.as_bytes());
        header.set_cksum();
        tar.append(&header, *data).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
}

#[test]
fn missing_file() {
    let o = kbundle(&["analyze", "/nonexistent/bundle.tar.gz"]);
    assert_clean_error(&o, "/nonexistent/bundle.tar.gz");
}

#[test]
fn random_bytes_named_tar_gz() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("random.tar.gz");
    let mut f = std::fs::File::create(&p).unwrap();
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    f.write_all(&noise).unwrap();
    let o = kbundle(&["analyze", p.to_str().unwrap()]);
    assert_clean_error(&o, "random.tar.gz");
}

#[test]
fn truncated_archive() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole.tar.gz");
    let big: Vec<u8> = (0..200_000u32)
        .flat_map(|i| format!("line {i} of a kubelet log\n").into_bytes())
        .collect();
    tar_gz(
        &whole,
        &[
            (
                "b/manifest.json",
                br#"{"format": "kbundle/v1", "created": "2026-11-27T10:00:00Z"}"#,
            ),
            ("b/host-collectors/n1/files/var/log/syslog", &big),
        ],
    );
    let bytes = std::fs::read(&whole).unwrap();
    let cut = dir.path().join("cut.tar.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let o = kbundle(&["analyze", cut.to_str().unwrap()]);
    assert_clean_error(&o, "cut.tar.gz");
}

#[test]
fn parent_and_absolute_entries_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (i, bad) in ["b/../../etc/evil", "/etc/evil"].iter().enumerate() {
        let p = dir.path().join(format!("hostile{i}.tar.gz"));
        tar_gz(&p, &[("b/manifest.json", b"{}"), (bad, b"x")]);
        let o = kbundle(&["analyze", p.to_str().unwrap()]);
        assert_clean_error(&o, &format!("hostile{i}.tar.gz"));
        assert!(stderr(&o).contains("refused"), "{}", stderr(&o));
    }
}

#[test]
fn invalid_json_member_is_a_gap_and_the_rest_is_analyzed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("gap.tar.gz");
    let nodes = br#"{"kind": "NodeList", "items": [{"metadata": {"name": "w1"}, "spec": {"unschedulable": true},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}}]}"#;
    tar_gz(
        &p,
        &[
            (
                "b/manifest.json",
                br#"{"format": "kbundle/v1", "created": "2026-11-27T10:00:00Z"}"#,
            ),
            (
                "b/cluster-resources/pods/default.json",
                b"{\"items\": [ this is not json",
            ),
            ("b/cluster-resources/nodes.json", nodes),
        ],
    );
    let json = dir.path().join("a.json");
    let o = kbundle(&[
        "analyze",
        p.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let a: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let gaps = a["collection"].as_array().unwrap();
    assert!(gaps
        .iter()
        .any(|g| g["collector"] == "cluster-resources/pods/default.json"
            && g["status"] == "unreadable"));
    let categories: Vec<&str> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["category"].as_str().unwrap())
        .collect();
    assert!(categories.contains(&"collection-gap"), "{categories:?}");
    assert!(
        categories.contains(&"node-cordoned"),
        "the rest is still analyzed: {categories:?}"
    );
}

#[test]
fn fail_on_sets_the_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("b.tar.gz");
    let nodes = br#"{"items": [{"metadata": {"name": "w1"}, "status": {"conditions": [{"type": "Ready", "status": "False"}]}}]}"#;
    tar_gz(&p, &[("b/cluster-resources/nodes.json", nodes)]);
    let o = kbundle(&[
        "analyze",
        p.to_str().unwrap(),
        "--fail-on",
        "critical",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = kbundle(&["analyze", p.to_str().unwrap(), "--quiet"]);
    assert_eq!(o.status.code(), Some(0));
}

/// Input of no known flavor is refused with one line naming what was looked for; it is never
/// analyzed into "No problem found".
#[test]
fn input_of_no_known_flavor_is_exit_2_naming_the_flavors_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let strangers = dir.path().join("strangers");
    std::fs::create_dir_all(strangers.join("notes")).unwrap();
    std::fs::write(strangers.join("notes/todo.txt"), "buy milk\n").unwrap();
    std::fs::write(strangers.join("data.json"), r#"{"items": []}"#).unwrap();
    let archive = dir.path().join("holiday-photos.tar.gz");
    tar_gz(
        &archive,
        &[
            ("photos/beach.jpg", b"\xff\xd8\xff"),
            ("photos/README", b"x"),
        ],
    );
    for input in [&empty, &strangers, &archive] {
        let o = kbundle(&["analyze", input.to_str().unwrap()]);
        assert_clean_error(&o, input.file_name().unwrap().to_str().unwrap());
        let err = stderr(&o);
        for looked_for in [
            "kbundle (manifest.json",
            "troubleshoot (version.yaml",
            "sosreport (sos_commands/",
            "must-gather (cluster-scoped-resources/",
            "cluster-info-dump (nodes.json",
        ] {
            assert!(err.contains(looked_for), "{err} should name {looked_for}");
        }
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(!out.contains("No problem"), "{out}");
    }
}
