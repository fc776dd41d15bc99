//! Runs the collector for real on this machine, as a customer would with `--host-only`.

mod common;

use common::{run, run_ok, Bundle};
use kbundle_format::commands::{node_commands, CommandId};
use kbundle_format::manifest::{CollectorStatus, NOT_FOUND};

#[test]
fn a_host_only_bundle_has_every_command_id_with_its_info_file() {
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("real.tar.gz");
    let output = run_ok(
        &[
            "--host-only",
            "--node-name",
            "test-node",
            "--command-timeout",
            "20",
            "-o",
            target.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        target.to_str().unwrap()
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("wrote ") && stderr.contains("collectors:"),
        "{stderr}"
    );

    let bundle = Bundle::read(&target);
    assert_eq!(bundle.top, "real");
    bundle.check_manifest_files();
    let manifest = bundle.manifest();
    assert_eq!(manifest.format, "kbundle/v1");
    assert!(!manifest.interrupted);
    assert!(bundle.text("version.yaml").contains("kind: SupportBundle"));
    let path_env = std::env::var_os("PATH");
    for cmd in node_commands() {
        let info = bundle.info("test-node", cmd.id.as_str());
        let row = manifest
            .collectors
            .iter()
            .find(|r| r.name == format!("run/{}", cmd.id))
            .unwrap_or_else(|| panic!("no manifest row for {}", cmd.id));
        assert_eq!(row.node.as_deref(), Some("test-node"));
        let installed = cmd.candidates.iter().any(|c| {
            std::env::split_paths(path_env.as_deref().unwrap_or_default())
                .any(|d| d.join(c[0]).is_file())
        });
        if installed {
            assert_ne!(info.error.as_deref(), Some(NOT_FOUND), "{}", cmd.id);
            assert!(!info.argv.is_empty(), "{}", cmd.id);
            assert!(bundle
                .get(&format!("host-collectors/test-node/run/{}.txt", cmd.id))
                .is_some());
        } else {
            assert_eq!(info.error.as_deref(), Some(NOT_FOUND), "{}", cmd.id);
            assert_eq!(row.status, CollectorStatus::Skipped);
            assert_eq!(row.error.as_deref(), Some(NOT_FOUND));
        }
    }
    // Tools that the CI image installs really ran.
    for id in ["uptime", "df-h", "ip-addr", "mounts", "meminfo"] {
        let info = bundle.info("test-node", id);
        assert_eq!(info.exit_code, Some(0), "{id}: {info:?}");
    }
    assert!(bundle
        .text("host-collectors/test-node/run/meminfo.txt")
        .contains("MemTotal"));
    assert!(bundle
        .get("host-collectors/test-node/files/etc/os-release")
        .is_some());
    // Nothing was killed that ran to its end by itself.
    for row in &manifest.collectors {
        let error = row.error.as_deref().unwrap_or("");
        assert!(!error.starts_with("killed"), "{}: {error}", row.name);
    }
    // Every collector left a row: commands, files, certificates.
    let expected = CommandId::ALL.len() + kbundle_format::commands::NODE_FILES.len() + 1;
    assert_eq!(manifest.collectors.len(), expected);
}

#[test]
fn a_zip_bundle_holds_the_same_layout() {
    let out_dir = tempfile::tempdir().unwrap();
    let output = run_ok(
        &[
            "--host-only",
            "--quiet",
            "--node-name",
            "z1",
            "--format",
            "zip",
            "-o",
            out_dir.path().to_str().unwrap(),
        ],
        None,
    );
    assert!(
        output.stderr.is_empty(),
        "--quiet: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let target = common::find_file(out_dir.path(), ".zip");
    let name = target.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("kbundle-z1-") && name.ends_with("Z.zip"),
        "{name}"
    );
    let bundle = Bundle::read(&target);
    assert_eq!(format!("{}.zip", bundle.top), name);
    bundle.check_manifest_files();
    assert!(bundle
        .get("host-collectors/z1/run/uptime-info.json")
        .is_some());
    // Nothing but the bundle was left in the output directory.
    assert_eq!(std::fs::read_dir(out_dir.path()).unwrap().count(), 1);
}

#[test]
fn bad_usage_writes_nothing() {
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("x.tar.gz");
    for args in [
        vec!["--host-only", "--since", "forever"],
        vec!["--host-only", "--host-root", "/nonexistent-root"],
        vec!["--host-only", "--redact-rules", "/nonexistent-rules.yaml"],
    ] {
        let mut all = args.clone();
        all.extend(["-o", target.to_str().unwrap()]);
        let output = run(&all, None);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!target.exists());
    }
    std::fs::write(&target, "keep me").unwrap();
    let output = run(&["--host-only", "-o", target.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    let output = run(&["--host-only", "-o", "/nonexistent-dir/x.tar.gz"], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no bundle written"));
}
