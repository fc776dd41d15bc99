//! `kbundle serve` against the real troubleshoot bundle of ../shared/interop (bare arrays,
//! YAML custom resources, clusterRoleBindings.json, wrapped cluster_version.json, all-logs
//! links, no manifest), with the real kubectl. Expected rows are computed here from the
//! objects in the archive, at its collection time (the newest entry's mtime).

mod serve_common;

use kbundle_kube::printers::human_duration;
use kbundle_serve::Bundle;
use serde_json::Value;
use serve_common::*;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// Every JSON file of the archive (below the top directory) and the newest mtime.
fn archive_json(bundle: &Path) -> (BTreeMap<String, Value>, i64) {
    let file = std::fs::File::open(bundle).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut files = BTreeMap::new();
    let mut newest = 0i64;
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if !entry.header().entry_type().is_file() {
            continue;
        }
        newest = newest.max(entry.header().mtime().unwrap() as i64);
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        if let Some(rest) = name.strip_prefix("support-bundle/") {
            if rest.ends_with(".json") {
                let mut text = String::new();
                entry.read_to_string(&mut text).unwrap();
                if let Ok(v) = serde_json::from_str(&text) {
                    files.insert(rest.to_string(), v);
                }
            }
        }
    }
    (files, newest)
}

fn items(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        _ => v["items"].as_array().cloned().unwrap_or_default(),
    }
}

fn seconds(ts: &str) -> i64 {
    ts.parse::<jiff::Timestamp>().unwrap().as_second()
}

/// NAMESPACE NAME READY STATUS RESTARTS AGE of a pod whose containers are simple (no init
/// containers, as in this bundle).
fn pod_row(pod: &Value, now: i64) -> Vec<String> {
    let statuses = pod["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let total = pod["spec"]["containers"].as_array().map_or(0, Vec::len);
    let ready = statuses
        .iter()
        .filter(|c| c["ready"] == true && c["state"]["running"].is_object())
        .count();
    let mut status = pod["status"]["phase"].as_str().unwrap().to_string();
    for c in &statuses {
        if let Some(r) = c["state"]["waiting"]["reason"].as_str() {
            status = r.to_string();
        } else if let Some(r) = c["state"]["terminated"]["reason"].as_str() {
            status = r.to_string();
        }
    }
    let restarts: i64 = statuses
        .iter()
        .map(|c| c["restartCount"].as_i64().unwrap_or(0))
        .sum();
    let last = statuses
        .iter()
        .filter_map(|c| c["lastState"]["terminated"]["finishedAt"].as_str())
        .map(seconds)
        .max();
    let restarts = match last {
        Some(t) if restarts > 0 => format!("{restarts} ({} ago)", human_duration(now - t)),
        _ => restarts.to_string(),
    };
    let created = seconds(pod["metadata"]["creationTimestamp"].as_str().unwrap());
    vec![
        pod["metadata"]["namespace"].as_str().unwrap().to_string(),
        pod["metadata"]["name"].as_str().unwrap().to_string(),
        format!("{ready}/{total}"),
        status,
        restarts,
        human_duration(now - created),
    ]
}

#[test]
fn tables_match_the_objects() {
    let Some(bundle) = interop_bundle() else {
        return;
    };
    let (files, now) = archive_json(&bundle);
    let server = serve(Bundle::load(&bundle).unwrap());
    let mut pods: Vec<Value> = files
        .iter()
        .filter(|(p, _)| p.starts_with("cluster-resources/pods/") && !p.contains("/logs/"))
        .flat_map(|(_, v)| items(v))
        .collect();
    pods.sort_by_key(|p| {
        (
            p["metadata"]["namespace"].to_string(),
            p["metadata"]["name"].to_string(),
        )
    });
    let mut want = vec![
        vec!["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
            .into_iter()
            .map(str::to_string)
            .collect::<Vec<_>>(),
    ];
    want.extend(pods.iter().map(|p| pod_row(p, now)));
    assert!(want.len() > 5);

    let node = &items(&files["cluster-resources/nodes.json"])[0];
    let node_age =
        human_duration(now - seconds(node["metadata"]["creationTimestamp"].as_str().unwrap()));
    let node_name = node["metadata"]["name"].as_str().unwrap();
    let kubelet = node["status"]["nodeInfo"]["kubeletVersion"]
        .as_str()
        .unwrap();

    for bin in kubectls() {
        let k = Kubectl::new(&bin, &server);
        assert_eq!(table(&k.ok(&["get", "pods", "-A"])), want, "{}", k.name);
        let nodes = table(&k.ok(&["get", "nodes"]));
        assert_eq!(
            nodes[1],
            vec![
                node_name,
                "Ready",
                "control-plane,master",
                &node_age,
                kubelet
            ],
            "{}",
            k.name
        );
        let wide = table(&k.ok(&["get", "nodes", "-o", "wide"]));
        assert_eq!(wide[0].len(), 10, "{wide:?}");
        let system = table(&k.ok(&["-n", "kube-system", "get", "pod", "-o", "wide"]));
        assert_eq!(
            system[0][5..],
            ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
        );
        assert!(system[1..].iter().all(|r| r[6] == node_name), "{system:?}");
    }
}

#[test]
fn seed_commands_and_the_issue_list() {
    let Some(bundle) = interop_bundle() else {
        return;
    };
    let server = serve(Bundle::load(&bundle).unwrap());
    let pod = "nginx-deployment-7986654d4-ztx2g";
    for bin in kubectls() {
        let k = Kubectl::new(&bin, &server);
        let yaml = k.ok(&["get", "pod", pod, "-o", "yaml"]);
        assert!(yaml.contains(&format!("name: {pod}")), "{yaml}");
        let d = k.ok(&["describe", "pod", pod]);
        assert!(d.contains("busybox") && d.contains("Controlled By:"), "{d}");
        let n = k.ok(&["describe", "node", "k3d-mycluster-server-0"]);
        assert!(n.contains("coredns-b96499967-tncf4"), "{n}");
        // The pod has two containers and no default annotation: kubectl picks the first.
        assert_eq!(k.ok(&["logs", pod]), k.ok(&["logs", pod, "-c", "nginx"]));
        let hello = k.ok(&["logs", pod, "-c", "hello", "--previous"]);
        assert_eq!(hello.len(), 16140);
        let events = table(&k.ok(&["get", "events", "-A", "--sort-by=.lastTimestamp"]));
        assert_eq!(events.len(), 6, "{events:?}");
        assert_eq!(events[5][2..5], ["Warning", "BackOff", "pod/static-hi"]);
        let workloads = k.ok(&["get", "deploy,ds,sts", "-A"]);
        assert!(workloads.contains("deployment.apps/traefik"), "{workloads}");
        let crds = table(&k.ok(&["get", "crd"]));
        assert_eq!(crds[0], ["NAME", "CREATED AT"]);
        assert_eq!(crds.len(), 13);
        let charts = table(&k.ok(&["-n", "kube-system", "get", "helmcharts.helm.cattle.io"]));
        assert_eq!(
            charts[1..]
                .iter()
                .map(|r| r[0].as_str())
                .collect::<Vec<_>>(),
            ["traefik", "traefik-crd"]
        );
        let addon = k.ok(&[
            "-n",
            "kube-system",
            "get",
            "addons",
            "coredns",
            "-o",
            "json",
        ]);
        let addon: Value = serde_json::from_str(&addon).unwrap();
        assert_eq!(addon["kind"], "Addon");
        let labelled = table(&k.ok(&["get", "pods", "-l", "app=nginx"]));
        assert_eq!(labelled[1][0], pod);
        let on_node = k.ok(&[
            "get",
            "pods",
            "-A",
            "--field-selector",
            "spec.nodeName=k3d-mycluster-server-0",
            "-o",
            "name",
        ]);
        assert_eq!(on_node.lines().count(), 8);
        let crb = k.ok(&["get", "clusterrolebindings", "-o", "name"]);
        assert!(
            crb.contains("clusterrolebinding.rbac.authorization.k8s.io/cluster-admin"),
            "{crb}"
        );
        let err = k.fails(&["delete", "pod", pod]);
        assert!(err.contains("read-only"), "{err}");
        let version = k.ok(&["version", "-o", "json"]);
        assert!(version.contains("v1.24.4+k3s1"), "{version}");
    }
}
