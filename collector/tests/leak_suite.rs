//! The leak suite: more than 60 kinds of secret, each with a marker of its own, planted in
//! a node's files (a config file, a syslog line, a JSON log line) and in a cluster served
//! through the API (a pod's env value, annotation and last-applied configuration, its
//! container log, a ConfigMap, an Event). One real run of the collector collects both; no
//! marker may survive anywhere in the bundle, redaction-report.json must count every planted
//! secret in the file it was found in, JSON and YAML must still parse, and the public values
//! the analysis needs (digests, UIDs, resourceVersions, commits, CA bundles, names that only
//! look secret) must come through unchanged.

mod common;
mod leak;
mod sshd;

use common::{serve, Bundle};
use kbundle_format::manifest::RedactionCount;
use leak::kinds::{self, Kind};
use leak::plant::{self, LookAlikes, LAST_APPLIED, NODE};
use std::collections::BTreeMap;
use std::path::Path;

/// A secret planted `times` times in bundle member `member`.
struct Place {
    member: String,
    times: u64,
}

/// The members that hold kind number `n` alone, and how often it is in each; `api`: with
/// the places reached through the API.
fn own_places(n: usize, api: bool) -> Vec<Place> {
    let ns = plant::namespace(n);
    let place = |member: String, times| Place { member, times };
    let mut places = vec![place(
        format!("host-collectors/{NODE}/files{}", plant::node_file(n)),
        1,
    )];
    if api {
        places.extend([
            // env value, annotation, and the env inside last-applied-configuration.
            place(format!("cluster-resources/pods/{ns}.json"), 3),
            // a plain line and a JSON line.
            place(
                format!("cluster-resources/pods/logs/{ns}/app-{n:02}/app.log"),
                2,
            ),
            // a plain file and a YAML document.
            place(format!("cluster-resources/configmaps/{ns}.json"), 2),
            place(format!("cluster-resources/events/{ns}.json"), 1),
        ]);
    }
    places
}

/// The members that hold every kind once.
fn shared_places() -> Vec<String> {
    ["/var/log/syslog", "/var/log/messages"]
        .iter()
        .map(|f| format!("host-collectors/{NODE}/files{f}"))
        .collect()
}

/// Checks that every place was collected, that no marker is left in any member, and that
/// the report counts every planted secret. Returns (secrets planted, members checked).
fn no_leak_and_all_counted(bundle: &Bundle, kinds: &[Kind], api: bool) -> (u64, usize) {
    // Every place was collected: a test whose secrets never reach the bundle proves nothing.
    let mut places: Vec<String> = shared_places();
    for n in 1..=kinds.len() {
        places.extend(own_places(n, api).into_iter().map(|p| p.member));
    }
    let missing: Vec<&String> = places.iter().filter(|p| bundle.get(p).is_none()).collect();
    assert!(missing.is_empty(), "not collected: {missing:?}");

    // No marker anywhere, in any member (the report and the manifest included).
    let mut leaks = Vec::new();
    for member in &bundle.members {
        let text = member.text();
        for kind in kinds {
            if text.contains(&kind.marker) {
                leaks.push(format!("{} in {}", kind.name, member.path));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );

    // Each planted secret is counted, under a rule that fits it, in the file it was in.
    let report = report(bundle);
    let mut uncounted = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        for place in own_places(i + 1, api) {
            let n = counted(&report, &place.member, kind.rules);
            if n < place.times {
                uncounted.push(format!(
                    "{}: {n} of {} in {} under {:?}",
                    kind.name, place.times, place.member, kind.rules
                ));
            }
        }
    }
    for file in shared_places() {
        let total: u64 = counted(&report, &file, &all_rules(&report));
        if total < kinds.len() as u64 {
            uncounted.push(format!("{total} of {} in {file}", kinds.len()));
        }
        let mut by_rule: BTreeMap<&str, u64> = BTreeMap::new();
        for kind in kinds.iter().filter(|k| k.rules.len() == 1) {
            *by_rule.entry(kind.rules[0]).or_default() += 1;
        }
        for (rule, want) in by_rule {
            let got = counted(&report, &file, &[rule]);
            if got < want {
                uncounted.push(format!("{rule}: {got} of {want} in {file}"));
            }
        }
    }
    assert!(uncounted.is_empty(), "{}", uncounted.join("\n"));
    assert!(!bundle.text("redaction-report.json").contains("REDACTED"));
    let planted: u64 = (1..=kinds.len())
        .flat_map(|n| own_places(n, api))
        .map(|p| p.times)
        .sum::<u64>()
        + (shared_places().len() * kinds.len()) as u64;
    (planted, places.len())
}

fn collect(root: &Path, api: &Path, out: &Path) -> Bundle {
    let served = serve(api, &[]);
    let home = tempfile::tempdir().unwrap();
    let target = out.join("leak.tar.gz");
    let output = common::collector()
        .args(["--quiet", "--node-name", NODE, "--command-timeout", "10"])
        .arg("--host-root")
        .arg(root)
        .arg("--kubeconfig")
        .arg(&served.kubeconfig)
        .arg("-o")
        .arg(&target)
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("HOME", home.path())
        .output()
        .expect("kbundle-collect runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Bundle::read(&target)
}

/// Counts per (file, rule) of redaction-report.json.
fn report(bundle: &Bundle) -> BTreeMap<(String, String), u64> {
    let rows: Vec<RedactionCount> =
        serde_json::from_str(&bundle.text("redaction-report.json")).unwrap();
    rows.into_iter()
        .map(|r| ((r.file, r.rule), r.count))
        .collect()
}

fn counted(report: &BTreeMap<(String, String), u64>, file: &str, rules: &[&str]) -> u64 {
    report
        .iter()
        .filter(|((f, r), _)| f == file && rules.contains(&r.as_str()))
        .map(|(_, c)| c)
        .sum()
}

#[test]
fn no_secret_of_any_kind_survives_anywhere_and_each_is_counted() {
    let kinds = kinds::all();
    assert!(kinds.len() >= 60, "{} kinds", kinds.len());
    for (i, a) in kinds.iter().enumerate() {
        assert!(a.marker.len() >= 12, "{}: marker too short", a.name);
        for b in &kinds[i + 1..] {
            assert!(
                !a.marker.contains(&b.marker) && !b.marker.contains(&a.marker),
                "{} and {} share a marker",
                a.name,
                b.name
            );
        }
    }
    let look = LookAlikes::new();
    let (root, api, out) = (tempdir(), tempdir(), tempdir());
    plant::host_root(root.path(), &kinds, &look);
    plant::cluster(api.path(), &kinds, &look);
    let bundle = collect(root.path(), api.path(), out.path());
    bundle.check_manifest_files();

    let (planted, members) = no_leak_and_all_counted(&bundle, &kinds, true);
    assert!(members >= 5 * kinds.len(), "{members} members");
    eprintln!(
        "leak suite: {} kinds, {planted} secrets planted in {members} members, none left",
        kinds.len()
    );
    still_valid(&bundle, &kinds);
    look_alikes_survive(&bundle, &look);
    secrets_leave_as_metadata(&bundle);
}

#[test]
fn a_node_collected_over_ssh_leaks_nothing_either() {
    // The same node files on a node reached with --ssh: its own collector redacts them, and
    // this one redacts what arrives again, with the same rules.
    let Some(mut lab) = sshd::lab() else { return };
    let kinds = kinds::all();
    let look = LookAlikes::new();
    let root = lab.root(NODE, "");
    plant::host_root(&root, &kinds, &look);
    let dest = lab.node(NODE, &root, sshd::Behaviour::Healthy);
    let out = tempdir();
    let target = out.path().join("ssh.tar.gz");
    let output = common::collector()
        .args(["--host-only", "--quiet", "--remote-binary"])
        .arg(env!("CARGO_BIN_EXE_kbundle-collect"))
        .args(lab.ssh_flags())
        .args(["--ssh", &dest])
        .arg("-o")
        .arg(&target)
        .output()
        .expect("kbundle-collect runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bundle = Bundle::read(&target);
    let (planted, members) = no_leak_and_all_counted(&bundle, &kinds, false);
    eprintln!("leak suite over ssh: {planted} secrets in {members} members, none left");
}

/// A Secret comes through the API as metadata and key names, its values in no form.
fn secrets_leave_as_metadata(bundle: &Bundle) {
    use base64::Engine as _;
    for value in plant::SECRET_DATA {
        let encoded = base64::engine::general_purpose::STANDARD.encode(value);
        for member in &bundle.members {
            let text = member.text();
            assert!(
                !text.contains(value) && !text.contains(&encoded),
                "a Secret's value in {}",
                member.path
            );
        }
    }
    let secrets = json(bundle, "cluster-resources/secrets/lookalike.json");
    let secret = &secrets["items"][0];
    let keys: Vec<&String> = secret["data"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["db-password", "note", "plain"]);
    assert_eq!(secret["metadata"]["annotations"]["team"], "payments");
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn all_rules(report: &BTreeMap<(String, String), u64>) -> Vec<&str> {
    report.keys().map(|(_, r)| r.as_str()).collect()
}

/// What was JSON or YAML still is, and what was around the secrets is still there.
fn still_valid(bundle: &Bundle, kinds: &[Kind]) {
    for line in bundle
        .text(&format!("host-collectors/{NODE}/files/var/log/messages"))
        .lines()
    {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["level"], "error", "{line}");
    }
    for n in 1..=kinds.len() {
        let ns = plant::namespace(n);
        let file = format!("host-collectors/{NODE}/files{}", plant::node_file(n));
        assert!(bundle.text(&file).contains("after = visible"), "{file}");
        let pods = json(bundle, &format!("cluster-resources/pods/{ns}.json"));
        let pod = &pods["items"][0];
        assert_eq!(pod["spec"]["containers"][0]["env"][1]["value"], "fast");
        let applied = pod["metadata"]["annotations"][LAST_APPLIED]
            .as_str()
            .unwrap_or_else(|| panic!("{ns}: no last-applied annotation"));
        let applied: serde_json::Value = serde_json::from_str(applied)
            .unwrap_or_else(|e| panic!("{ns}: last-applied is no longer JSON: {e}: {applied}"));
        assert_eq!(applied["spec"]["containers"][0]["env"][1]["value"], "fast");
        let cms = json(bundle, &format!("cluster-resources/configmaps/{ns}.json"));
        let yaml = cms["items"][0]["data"]["app.yaml"].as_str().unwrap();
        let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(yaml)
            .unwrap_or_else(|e| panic!("{ns}: app.yaml is no longer YAML: {e}: {yaml}"));
        assert_eq!(yaml["app"]["name"], "demo", "{ns}");
        let events = json(bundle, &format!("cluster-resources/events/{ns}.json"));
        let message = events["items"][0]["message"].as_str().unwrap();
        assert!(message.starts_with("Back-off restarting failed container app: "));
        let log = format!("cluster-resources/pods/logs/{ns}/app-{n:02}/app.log");
        let last = bundle.text(&log).lines().last().unwrap_or("").to_string();
        serde_json::from_str::<serde_json::Value>(&last)
            .unwrap_or_else(|e| panic!("{log}: the JSON line is no longer JSON: {e}: {last}"));
    }
}

fn json(bundle: &Bundle, member: &str) -> serde_json::Value {
    serde_json::from_str(&bundle.text(member)).unwrap_or_else(|e| panic!("{member}: {e}"))
}

/// The public values reach the bundle as they were, where they were planted.
fn look_alikes_survive(bundle: &Bundle, look: &LookAlikes) {
    let node = |f: &str| format!("host-collectors/{NODE}/files{f}");
    let mut want: Vec<(String, &str)> = Vec::new();
    for needle in look.must_survive() {
        let member = if needle == look.event_name {
            "cluster-resources/events/lookalike.json".to_string()
        } else if needle == look.ca_base64 || look.ca_pem.contains(needle) {
            "cluster-resources/configmaps/lookalike.json".to_string()
        } else if look.prose.iter().any(|p| p == needle) || needle == look.container_id {
            node("/var/log/syslog")
        } else {
            node("/etc/kubernetes/manifests/lookalike.yaml")
        };
        want.push((member, needle));
    }
    for value in [
        &look.digest,
        &look.uid,
        &look.commit,
        &look.resource_version,
        &look.container_id,
    ] {
        want.push(("cluster-resources/pods/lookalike.json".into(), value));
    }
    for line in look.lines.iter().chain(&look.prose) {
        want.push((node("/var/log/syslog"), line));
        want.push((
            "cluster-resources/pods/logs/lookalike/app-lookalike/app.log".into(),
            line,
        ));
    }
    let lost: Vec<String> = want
        .iter()
        .filter(|(member, needle)| !bundle.text(member).contains(needle))
        .map(|(member, needle)| format!("{needle:?} lost from {member}"))
        .collect();
    assert!(lost.is_empty(), "{}", lost.join("\n"));
}
