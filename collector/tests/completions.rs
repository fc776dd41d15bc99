//! `kbundle-collect --completions SHELL` and `--man`: printed from the flags, and nothing is
//! collected.

use std::process::{Command, Output};

fn collect(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kbundle-collect"))
        .args(args)
        .current_dir(std::env::temp_dir())
        .output()
        .expect("kbundle-collect runs")
}

#[test]
fn completions_list_the_flags() {
    for shell in ["bash", "zsh", "fish"] {
        let o = collect(&["--completions", shell]);
        assert!(o.status.success(), "{shell}: {o:?}");
        let script = String::from_utf8(o.stdout).unwrap();
        for flag in [
            "host-only",
            "kubeconfig",
            "redact-rules",
            "pseudonymize",
            "completions",
        ] {
            assert!(script.contains(flag), "{shell} script lacks --{flag}");
        }
        assert!(
            o.stderr.is_empty(),
            "{shell}: nothing collected, nothing said"
        );
    }
    let o = collect(&["--completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("tcsh"));
}

#[test]
fn the_man_page_lists_the_flags() {
    let o = collect(&["--man"]);
    assert!(o.status.success(), "{o:?}");
    let page = String::from_utf8(o.stdout).unwrap();
    assert!(page.contains(".TH kbundle-collect 1"), "{page}");
    assert!(page.contains(r"\-\-host\-only") && page.contains(r"\-\-since"));
}
