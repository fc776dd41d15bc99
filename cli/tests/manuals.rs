//! `kbundle completions SHELL` and the man pages: generated from the flags, loadable by the
//! shells and by man.

use std::process::{Command, Output};

fn kbundle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kbundle"))
        .args(args)
        .output()
        .expect("kbundle runs")
}

#[test]
fn completion_scripts_know_the_subcommands_and_flags() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = kbundle(&["completions", shell]);
        assert!(o.status.success(), "{shell}: {o:?}");
        let script = String::from_utf8(o.stdout).unwrap();
        for word in ["analyze", "serve", "fail-on", "completions", "out-dir"] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
    }
    assert_eq!(kbundle(&["completions", "tcsh"]).status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn bash_loads_the_completion_script() {
    let o = kbundle(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kbundle.bash");
    std::fs::write(&file, &o.stdout).unwrap();
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}' && complete -p kbundle",
            file.display()
        ))
        .output()
        .expect("bash runs");
    assert!(o.status.success(), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("kbundle"));
}

#[test]
fn man_pages_one_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let o = kbundle(&["man", "--out-dir", dir.path().to_str().unwrap()]);
    assert!(o.status.success(), "{o:?}");
    let mut pages: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert_eq!(
        pages,
        [
            "kbundle-analyze.1",
            "kbundle-completions.1",
            "kbundle-diff.1",
            "kbundle-man.1",
            "kbundle-rules-check.1",
            "kbundle-rules-test.1",
            "kbundle-rules.1",
            "kbundle-serve.1",
            "kbundle-shell.1",
            "kbundle.1"
        ]
    );
    let analyze = std::fs::read_to_string(dir.path().join("kbundle-analyze.1")).unwrap();
    assert!(
        analyze.starts_with(".ie") || analyze.contains(".TH"),
        "{analyze}"
    );
    assert!(analyze.contains(r"\-\-fail\-on"), "{analyze}");
}
