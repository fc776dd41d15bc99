//! `kbundle diff` on pairs of bundles: the healthy fixture, unpacked, and a copy changed the
//! way a real cluster changes (an upgrade that broke a node, an edited static-pod manifest, a
//! disk filling, a Deployment rolled to a bad image, an hour of normal life). Each change must
//! be reported once, with evidence from both sides, and normal life must give nothing.

use kbundle_analyzer::diff::diff_paths;
use kbundle_analyzer::logscan::RuleSources;
use kbundle_format::diff::{Area, Change, Diff, Side};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The healthy fixture unpacked twice: `old` as collected, `new` to be changed by the test.
struct Pair {
    _dir: tempfile::TempDir,
    old: PathBuf,
    new: PathBuf,
}

fn unpack(into: &Path) -> PathBuf {
    let file = std::fs::File::open(kbundle_testkit::fixture("healthy-cluster.tar.gz")).unwrap();
    tar::Archive::new(flate2::read::GzDecoder::new(file))
        .unpack(into)
        .unwrap();
    std::fs::read_dir(into)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .unwrap()
}

fn pair() -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let old = unpack(&dir.path().join("old"));
    let new = unpack(&dir.path().join("new"));
    Pair {
        _dir: dir,
        old,
        new,
    }
}

impl Pair {
    /// Replaces `from` by `to` in a file of the new side; the text must be there.
    fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.new.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} holds no {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    /// Changes a JSON file of the new side.
    fn edit_json(&self, file: &str, change: impl FnOnce(&mut Value)) {
        let path = self.new.join(file);
        let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        change(&mut v);
        std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    }

    fn diff(&self) -> Diff {
        diff_paths(
            std::slice::from_ref(&self.old),
            std::slice::from_ref(&self.new),
            &RuleSources::default(),
        )
        .unwrap()
    }
}

fn changes_of(d: &Diff, area: Area) -> Vec<&Change> {
    d.changes.iter().filter(|c| c.area == area).collect()
}

fn has_both_sides(c: &Change) {
    for side in [Side::Old, Side::New] {
        assert!(
            c.evidence
                .iter()
                .any(|e| e.side == side && !e.file.is_empty()),
            "no {side:?} evidence: {c:#?}"
        );
    }
}

/// Every string value under `v` whose key is `key` gets `f` applied.
fn each_key(v: &mut Value, key: &str, f: &dyn Fn(&str) -> String) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == key {
                    if let Value::String(s) = x {
                        *s = f(s);
                        continue;
                    }
                }
                each_key(x, key, f);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| each_key(x, key, f)),
        _ => {}
    }
}

#[test]
fn the_same_bundle_twice_changes_nothing() {
    let p = pair();
    let d = p.diff();
    assert!(d.changes.is_empty(), "{:#?}", d.changes);
    assert!(d.findings.new.is_empty() && d.findings.resolved.is_empty());
}

#[test]
fn a_healthy_cluster_an_hour_later_changes_nothing_worth_reading() {
    let p = pair();
    p.edit(
        "manifest.json",
        "2026-11-27T10:00:00Z",
        "2026-11-27T11:00:00Z",
    );
    for file in [
        "cluster-resources/nodes.json",
        "cluster-resources/pods/web.json",
        "cluster-resources/deployments/web.json",
    ] {
        p.edit_json(file, |v| {
            each_key(v, "resourceVersion", &|s| format!("{s}9"));
            each_key(v, "lastHeartbeatTime", &|s| s.replace("T09:", "T10:"));
        });
    }
    let d = p.diff();
    assert!(d.changes.is_empty(), "{:#?}", d.changes);
    assert!(d.findings.new.is_empty(), "{:#?}", d.findings.new);
    assert!(d.findings.resolved.is_empty(), "{:#?}", d.findings.resolved);
}

#[test]
fn an_upgrade_that_broke_a_node() {
    let p = pair();
    p.edit_json("cluster-resources/nodes.json", |v| {
        let n1 = v["items"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|n| n["metadata"]["name"] == "n1")
            .unwrap();
        n1["status"]["nodeInfo"]["kubeletVersion"] = "v1.30.2".into();
        for c in n1["status"]["conditions"].as_array_mut().unwrap() {
            if c["type"] == "Ready" {
                c["status"] = "False".into();
                c["reason"] = "KubeletNotReady".into();
                c["message"] = "container runtime network not ready: NetworkReady=false".into();
                c["lastTransitionTime"] = "2026-11-27T09:40:00Z".into();
            }
        }
    });
    let d = p.diff();
    let node = changes_of(&d, Area::Node);
    let kubelet: Vec<_> = node.iter().filter(|c| c.what.contains("kubelet")).collect();
    assert_eq!(kubelet.len(), 1, "{node:#?}");
    assert_eq!(kubelet[0].what, "Node n1: kubelet v1.29.4 → v1.30.2");
    has_both_sides(kubelet[0]);
    let ready: Vec<_> = node.iter().filter(|c| c.what.contains("Ready")).collect();
    assert_eq!(ready.len(), 1, "{node:#?}");
    assert_eq!(ready[0].what, "Node n1: Ready True → False");
    assert!(d
        .findings
        .new
        .iter()
        .any(|f| f.category.to_string() == "node-not-ready" && f.subject.name == "n1"));
    // Nothing else changed.
    assert_eq!(d.changes.len(), 2, "{:#?}", d.changes);
}

#[test]
fn an_edited_static_pod_manifest_is_a_unified_diff() {
    let p = pair();
    let file = "host-collectors/cp1/files/etc/kubernetes/manifests/kube-apiserver.yaml";
    p.edit(
        file,
        "    - --allow-privileged=true\n",
        "    - --allow-privileged=true\n    - --audit-log-path=/var/log/kube-audit.log\n",
    );
    let d = p.diff();
    let c = changes_of(&d, Area::StaticPod);
    assert_eq!(c.len(), 1, "{:#?}", d.changes);
    assert_eq!(
        c[0].what,
        "/etc/kubernetes/manifests/kube-apiserver.yaml changed on cp1"
    );
    let diff = c[0].unified_diff.as_deref().unwrap();
    assert!(
        diff.contains("\n+    - --audit-log-path=/var/log/kube-audit.log\n"),
        "{diff}"
    );
    assert!(diff.contains(&format!("--- old/{file}")), "{diff}");
    assert!(
        !diff
            .lines()
            .any(|l| l.starts_with('-') && !l.starts_with("---")),
        "{diff}"
    );
    has_both_sides(c[0]);
    assert_eq!(d.changes.len(), 1, "{:#?}", d.changes);
}

#[test]
fn a_disk_filling_up() {
    let p = pair();
    p.edit(
        "host-collectors/n1/run/df-h.txt",
        "/dev/mapper/ubuntu--vg-ubuntu--lv   97G   34G   59G  37% /\n",
        "/dev/mapper/ubuntu--vg-ubuntu--lv   97G   93G  4.0G  96% /\n",
    );
    let d = p.diff();
    let c = changes_of(&d, Area::Filesystem);
    assert_eq!(c.len(), 1, "{:#?}", d.changes);
    assert_eq!(c[0].what, "/ on n1: space use 37 % → 96 %");
    has_both_sides(c[0]);
    let line = c[0].evidence.iter().find(|e| e.side == Side::New).unwrap();
    assert_eq!(line.file, "host-collectors/n1/run/df-h.txt");
    assert!(line.text.contains("96%"), "{line:?}");
    assert!(d
        .findings
        .new
        .iter()
        .any(|f| f.category.to_string() == "disk-full" && f.subject.node.as_deref() == Some("n1")));
}

#[test]
fn a_deployment_rolled_to_a_bad_image() {
    let p = pair();
    p.edit_json("cluster-resources/deployments/web.json", |v| {
        for d in v["items"].as_array_mut().unwrap() {
            if d["metadata"]["name"] == "api" {
                d["spec"]["template"]["spec"]["containers"][0]["image"] =
                    "harbor.staging.example.net/web/api:3.3.0-rc1".into();
            }
        }
    });
    // The new ReplicaSet's pod cannot pull it; the old pods keep running.
    p.edit_json("cluster-resources/pods/web.json", |v| {
        let items = v["items"].as_array_mut().unwrap();
        let mut pod = items
            .iter()
            .find(|p| p["metadata"]["name"] == "api-7d9f8b6c5-hx2vd")
            .unwrap()
            .clone();
        pod["metadata"]["name"] = "api-5c8d7f9b4-q2w7e".into();
        pod["metadata"]["uid"] = "0f0f0f0f-1111-2222-3333-444444444444".into();
        pod["metadata"]["ownerReferences"][0]["name"] = "api-5c8d7f9b4".into();
        pod["spec"]["containers"][0]["image"] =
            "harbor.staging.example.net/web/api:3.3.0-rc1".into();
        pod["status"]["conditions"] = serde_json::json!([{"type": "Ready", "status": "False"}]);
        pod["status"]["containerStatuses"][0]["ready"] = false.into();
        pod["status"]["containerStatuses"][0]["state"] = serde_json::json!({"waiting": {
            "reason": "ImagePullBackOff",
            "message": "Back-off pulling image \"harbor.staging.example.net/web/api:3.3.0-rc1\""}});
        items.push(pod);
    });
    p.edit_json("cluster-resources/replicasets/web.json", |v| {
        let items = v["items"].as_array_mut().unwrap();
        let mut rs = items
            .iter()
            .find(|r| r["metadata"]["name"] == "api-7d9f8b6c5")
            .unwrap()
            .clone();
        rs["metadata"]["name"] = "api-5c8d7f9b4".into();
        items.push(rs);
    });
    let d = p.diff();
    let w = changes_of(&d, Area::Workload);
    assert_eq!(w.len(), 1, "{:#?}", d.changes);
    assert_eq!(
        w[0].what,
        "Deployment web/api: container api image harbor.staging.example.net/web/api:3.2.0 → harbor.staging.example.net/web/api:3.3.0-rc1"
    );
    has_both_sides(w[0]);
    let pull: Vec<_> = d
        .findings
        .new
        .iter()
        .filter(|f| f.category.to_string() == "image-pull")
        .collect();
    assert!(!pull.is_empty(), "{:#?}", d.findings.new);
}

#[test]
fn every_output_form_writes_and_the_page_stays_inert() {
    let p = pair();
    let file = "host-collectors/cp1/files/etc/kubernetes/manifests/kube-apiserver.yaml";
    p.edit(
        file,
        "    - --allow-privileged=true\n",
        "    - --allow-privileged=true\n    - --x=<script>alert(1)</script>```\n",
    );
    let d = p.diff();
    let mut html = Vec::new();
    kbundle_analyzer::render::html::diff::write(&d, &mut html).unwrap();
    let html = String::from_utf8(html).unwrap();
    assert!(!html.contains("<script"), "the page runs no script");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("default-src &#x27;none&#x27;"), "{html}");
    let mut md = Vec::new();
    kbundle_analyzer::render::diff::markdown(&d, &mut md).unwrap();
    let md = String::from_utf8(md).unwrap();
    // The fence is longer than any backtick run in the diff.
    assert!(md.contains("````diff"), "{md}");
    let mut json = Vec::new();
    kbundle_analyzer::render::diff::json(&d, &mut json).unwrap();
    let back: Diff = serde_json::from_slice(&json).unwrap();
    assert_eq!(back, d);
    assert_eq!(back.format, "kbundle-diff/v1");
}
