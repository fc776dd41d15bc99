//! The `kbundle serve` and `kbundle shell` command lines on the real troubleshoot bundle:
//! one kubectl command and its exit status, a long-running server with a chosen kubeconfig,
//! and a shell with KUBECONFIG set.

use kbundle_testkit::{interop_bundle, kubectls};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn kbundle() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kbundle"))
}

#[test]
fn serve_runs_one_command_and_exits_with_its_status() {
    let Some(kubectl) = kubectls().into_iter().next() else {
        return;
    };
    let Some(bundle) = interop_bundle() else {
        return;
    };
    let out = kbundle()
        .arg("serve")
        .arg(&bundle)
        .arg("--")
        .arg(&kubectl)
        .args(["get", "pods", "-A", "--request-timeout=20s"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("coredns-b96499967-tncf4"), "{stdout}");
    let out = kbundle()
        .arg("serve")
        .arg(&bundle)
        .arg("--")
        .arg(&kubectl)
        .args(["get", "pod", "nope", "--request-timeout=20s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pods \"nope\" not found"));
}

#[test]
fn serve_prints_address_and_kubeconfig_until_stopped() {
    let Some(kubectl) = kubectls().into_iter().next() else {
        return;
    };
    let Some(bundle) = interop_bundle() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kc.yaml");
    let mut child = kbundle()
        .arg("serve")
        .arg(&bundle)
        .arg("--kubeconfig")
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains("http://127.0.0.1:"), "{first}");
    let second = lines.next().unwrap().unwrap();
    assert_eq!(second, format!("KUBECONFIG={}", config.display()));
    let out = Command::new(&kubectl)
        .args(["--kubeconfig"])
        .arg(&config)
        .args(["--cache-dir"])
        .arg(dir.path().join("cache"))
        .args(["get", "nodes", "--request-timeout=20s"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("k3d-mycluster-server-0"));
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn shell_sets_kubeconfig() {
    let Some(kubectl) = kubectls().into_iter().next() else {
        return;
    };
    let Some(bundle) = interop_bundle() else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let mut child = kbundle()
        .arg("shell")
        .arg(&bundle)
        .env("SHELL", "/bin/sh")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let script = format!(
        "test -f \"$KUBECONFIG\" && {} get ns -o name --request-timeout=20s --cache-dir {}\nexit 3\n",
        kubectl.display(),
        cache.path().display()
    );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("namespace/kube-system"), "{stdout}");
}
