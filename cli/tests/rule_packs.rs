//! Rule packs through the `kbundle` binary: the example pack checks, a pack written outside the
//! repository adds a finding to a fixture's analysis without a rebuild (and the analysis
//! names it), a pack may replace a built-in rule, and a broken pack is a clear exit 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kbundle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kbundle"))
        .args(args)
        .output()
        .expect("kbundle runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

/// A pack rule that matches a kubelet line of the broken fixture's w1 and nothing built in
/// looks for.
const PACK: &str = r#"
rules:
  - id: site.container-status-not-found
    category: kubelet-error
    severity: info
    title: The runtime lost track of containers on {node}
    looks_at: [kubelet-journal]
    pattern: '"ContainerStatus from runtime service failed" err="rpc error: code = NotFound'
    message: "{count} ContainerStatus calls found no container."
    remediation: "Usually harmless after a container was removed; frequent ones mean a runtime restart lost state."
    examples:
      match: ['E1124 11:23:20.292377 1187 remote_runtime.go:432] "ContainerStatus from runtime service failed" err="rpc error: code = NotFound desc = x"']
      no_match: ['E1124 11:23:20.292377 1187 remote_runtime.go:432] "ContainerStatus from runtime service failed" err="rpc error: code = Unavailable"']
"#;

fn analysis(args: &[&str]) -> serde_json::Value {
    let fixture = repo("fixtures/broken-cluster.tar.gz");
    let mut all = vec!["analyze", fixture.to_str().unwrap(), "--json", "-"];
    all.extend_from_slice(args);
    let o = kbundle(&all);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn the_example_pack_checks() {
    let o = kbundle(&["rules", "check", repo("examples/rules").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).starts_with("ok: 2 rules in 1 files"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn a_pack_from_outside_adds_its_finding_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("site.yaml"), PACK).unwrap();
    let pack = dir.path().to_str().unwrap();
    let without = analysis(&[]);
    assert!(without.get("rule_packs").is_none(), "only with --rules");
    let rule = "site.container-status-not-found";
    let has = |a: &serde_json::Value| {
        a["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == rule && f["subject"]["name"] == "w1")
    };
    assert!(!has(&without));
    let with = analysis(&["--rules", pack]);
    assert!(has(&with), "{:#}", with["findings"]);
    assert!(with["rule_packs"][0]["path"]
        .as_str()
        .unwrap()
        .ends_with("site.yaml"));
    assert_eq!(with["rule_packs"][0]["rules"], 1);
    // Alone: the pack's finding, and no built-in log rule's.
    let alone = analysis(&["--rules", pack, "--no-builtin-rules"]);
    assert!(has(&alone));
    assert!(!alone["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"].as_str().unwrap().starts_with("kubelet.")));
    // `rules test` shows what the rule found in the bundle.
    let fixture = repo("fixtures/broken-cluster.tar.gz");
    let o = kbundle(&["rules", "test", pack, "--bundle", fixture.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains(&format!("ok   {rule}: 1 match and 1 no_match examples")),
        "{out}"
    );
    assert!(
        out.contains("host-collectors/w1/run/journalctl-kubelet.txt:"),
        "{out}"
    );
}

#[test]
fn a_pack_replaces_a_builtin_rule_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let replacing = PACK.replace("site.container-status-not-found", "kernel.oom-kill");
    let file = dir.path().join("oom.yml");
    std::fs::write(&file, replacing).unwrap();
    let a = analysis(&["--rules", file.to_str().unwrap()]);
    assert_eq!(a["rule_packs"][0]["replaces"][0], "kernel.oom-kill");
    let o = kbundle(&["rules", "check", file.to_str().unwrap()]);
    assert!(text(&o.stdout).contains("replaces the built-in rule kernel.oom-kill"));
}

#[test]
fn a_broken_pack_is_exit_2_naming_file_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    // An example the pattern does not match: the catalog loads, the check fails.
    std::fs::write(
        &file,
        PACK.replace("code = NotFound desc = x", "code = Nope"),
    )
    .unwrap();
    let o = kbundle(&["rules", "check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.starts_with(&format!(
            "{}: rule site.container-status-not-found: does not match",
            file.display()
        )),
        "{err}"
    );
    // A schema error stops the load; analyze refuses it the same way, in one line.
    std::fs::write(&file, PACK.replace("severity: info", "severity: loud")).unwrap();
    for args in [
        vec!["rules", "check", file.to_str().unwrap()],
        vec![
            "analyze",
            "--rules",
            file.to_str().unwrap(),
            "fixtures-do-not-matter",
        ],
    ] {
        let o = kbundle(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = text(&o.stderr);
        assert!(
            err.contains(
                "bad.yaml: rule site.container-status-not-found: unknown severity \"loud\""
            ),
            "{err}"
        );
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}

#[test]
fn stats_show_what_each_rule_read_and_matched_on_a_bundle() {
    let bundle = repo("fixtures/broken-cluster.tar.gz");
    let out = kbundle(&["rules", "--stats", bundle.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("RULE "), "{stdout}");
    // The fixture's w1 kernel log holds conntrack drops: the rule read kernel logs and matched.
    let row = stdout
        .lines()
        .find(|l| l.starts_with("kernel.conntrack-full "))
        .unwrap_or_else(|| panic!("{stdout}"));
    let cols: Vec<&str> = row.split_whitespace().collect();
    let (files, matches): (u64, u64) = (cols[1].parse().unwrap(), cols[5].parse().unwrap());
    assert!(files > 0 && matches > 0, "{row}");
    assert!(stdout.contains("rules, each timed alone"), "{stdout}");
}
