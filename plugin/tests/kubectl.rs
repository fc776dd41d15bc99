//! The plugin as kubectl runs it: the real kubectl finds `kubectl-kbundle` on PATH, and the
//! plugin hands the command line to the tool beside it. The tools here are stand-ins that
//! print what they were given, laid out as krew lays out an install: the binaries together
//! in a store directory, a symlink to the plugin on PATH.
#![cfg(unix)]

use std::os::unix::fs::{symlink, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Install {
    _dir: tempfile::TempDir,
    path_dir: PathBuf,
    kubeconfig: PathBuf,
}

/// A stand-in that prints its name, KUBECONFIG and its arguments, one a line, and exits with
/// `$FAKE_EXIT` (0 by default).
fn stand_in(path: &Path, name: &str) {
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' '{name}' \"KUBECONFIG=$KUBECONFIG\" \"$@\"\nexit ${{FAKE_EXIT:-0}}\n"
    );
    std::fs::write(path, script).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn install() -> Install {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store/kbundle/v0/bin");
    let path_dir = dir.path().join("krew-bin");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::create_dir_all(&path_dir).unwrap();
    std::fs::copy(
        env!("CARGO_BIN_EXE_kubectl-kbundle"),
        store.join("kubectl-kbundle"),
    )
    .unwrap();
    stand_in(&store.join("kbundle"), "kbundle");
    stand_in(&store.join("kbundle-collect"), "kbundle-collect");
    symlink(
        store.join("kubectl-kbundle"),
        path_dir.join("kubectl-kbundle"),
    )
    .unwrap();
    let kubeconfig = dir.path().join("customer-kubeconfig");
    Install {
        _dir: dir,
        path_dir,
        kubeconfig,
    }
}

fn kubectl(kubectl: &Path, install: &Install, args: &[&str], exit: &str) -> Output {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![install.path_dir.clone()];
    dirs.extend(std::env::split_paths(&path));
    Command::new(kubectl)
        .args(args)
        .env("PATH", std::env::join_paths(dirs).unwrap())
        .env("KUBECONFIG", &install.kubeconfig)
        .env("FAKE_EXIT", exit)
        .output()
        .expect("kubectl runs")
}

fn lines(o: &Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn kubectl_runs_the_tools_through_the_plugin() {
    for k in kbundle_testkit::kubectls() {
        let install = install();
        let env_line = format!("KUBECONFIG={}", install.kubeconfig.display());
        let shown = k.display();

        let o = kubectl(
            &k,
            &install,
            &["kbundle", "collect", "-n", "shop", "-o", "/tmp/"],
            "0",
        );
        assert!(o.status.success(), "{shown}: {o:?}");
        assert_eq!(
            lines(&o),
            ["kbundle-collect", &env_line, "-n", "shop", "-o", "/tmp/"],
            "{shown}"
        );

        // kubectl's flags where kubectl users type them, before the subcommand.
        let o = kubectl(
            &k,
            &install,
            &["kbundle", "--context", "prod", "-A", "collect", "--no-host"],
            "0",
        );
        assert!(o.status.success(), "{shown}: {o:?}");
        assert_eq!(
            lines(&o),
            [
                "kbundle-collect",
                &env_line,
                "--context",
                "prod",
                "--all-namespaces",
                "--no-host"
            ],
            "{shown}"
        );

        let o = kubectl(
            &k,
            &install,
            &["kbundle", "analyze", "b.tar.gz", "--json", "-"],
            "0",
        );
        assert_eq!(
            lines(&o),
            ["kbundle", &env_line, "analyze", "b.tar.gz", "--json", "-"],
            "{shown}"
        );

        // The tool's help, not the plugin's, after the subcommand.
        let o = kubectl(&k, &install, &["kbundle", "collect", "--help"], "0");
        assert_eq!(lines(&o)[2..], ["--help"], "{shown}");

        // The tool's exit status is kubectl's.
        let o = kubectl(&k, &install, &["kbundle", "analyze", "b"], "3");
        assert_eq!(o.status.code(), Some(3), "{shown}: {o:?}");
    }
}

#[test]
fn the_plugins_own_help_and_mistakes() {
    for k in kbundle_testkit::kubectls() {
        let install = install();
        let shown = k.display();
        let o = kubectl(&k, &install, &["kbundle", "--help"], "0");
        let help = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{shown}: {o:?}");
        assert!(
            help.contains("kubectl kbundle")
                && help.contains("collect")
                && help.contains("analyze"),
            "{shown}: {help}"
        );

        let o = kubectl(
            &k,
            &install,
            &["kbundle", "--context", "x", "analyze", "b"],
            "0",
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{shown}: {o:?}");
        assert!(err.contains("--context is for collect"), "{shown}: {err}");

        let o = kubectl(&k, &install, &["plugin", "list"], "0");
        let list = String::from_utf8_lossy(&o.stdout);
        assert!(list.contains("kubectl-kbundle"), "{shown}: {o:?}");
    }
}

#[test]
fn a_missing_tool_is_named() {
    let install = install();
    let lonely = install.path_dir.join("lonely");
    std::fs::create_dir(&lonely).unwrap();
    let plugin = lonely.join("kubectl-kbundle");
    std::fs::copy(env!("CARGO_BIN_EXE_kubectl-kbundle"), &plugin).unwrap();
    let o = output_retrying_busy(
        Command::new(&plugin)
            .args(["collect", "--host-only"])
            .env("PATH", &lonely),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(127), "{err}");
    assert!(err.contains("cannot run kbundle-collect"), "{err}");
}

/// Runs `c`, retrying while Linux says the binary is busy: a file just copied can still be
/// open for writing in a child that another test thread forked before its exec (ETXTBSY).
fn output_retrying_busy(c: &mut Command) -> Output {
    for _ in 0..200 {
        match c.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(25))
            }
            other => return other.expect("the plugin runs"),
        }
    }
    panic!("the copied plugin stayed busy for 5 s");
}
