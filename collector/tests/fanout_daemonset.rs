//! `--daemonset` end to end against a scripted API double (tests/apidouble): the real
//! collector creates its Namespace and DaemonSet, watches the agent pods, fetches each node's
//! result through `pods/exec` over WebSocket, merges it, and deletes what it created, also
//! when nodes fail and when it is interrupted. The cluster part is served by `kbundle serve`
//! behind the double. No real cluster was involved (docs/collector.md says what was tried).

mod apidouble;
mod common;

use apidouble::{Agent, ApiDouble, Script};
use common::{collector, fixture, serve, write_kubeconfig, Bundle, Served};
use kbundle_format::manifest::{CollectorRun, CollectorStatus, Manifest, Transport};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

/// The fixture's nodes, as `kbundle serve` lists them.
const NODES: [&str; 4] = ["m1", "w1", "w2", "w3"];

/// A node's own bundle, as its agent pod would have written it: the real collector run
/// with `--host-only` over a small fake root.
fn node_bundle(dir: &Path, node: &str) -> Vec<u8> {
    let root = dir.join(format!("root-{node}"));
    for (path, body) in [
        ("etc/hostname", format!("{node}.lab.example\n")),
        (
            "var/log/syslog",
            format!("Dec  4 00:00:01 {node} kubelet[42]: agent test line of {node}\n"),
        ),
        ("etc/os-release", "NAME=\"Fake Linux\"\n".to_string()),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    let out = dir.join(format!("kbundle-{node}.tar.gz"));
    let output = collector()
        .args([
            "--host-only",
            "--quiet",
            "--command-timeout",
            "2",
            "--host-root",
        ])
        .arg(&root)
        .args(["--node-name", node, "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read(out).unwrap()
}

struct Lab {
    _served: Served,
    double: ApiDouble,
    kubeconfig: PathBuf,
    dir: tempfile::TempDir,
}

fn lab(script: Script) -> Lab {
    let served = serve(&fixture("broken-cluster.tar.gz"), &[]);
    let double = ApiDouble::start(served.server.addr(), script);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = write_kubeconfig(dir.path(), &double.url);
    Lab {
        _served: served,
        double,
        kubeconfig,
        dir,
    }
}

fn command(lab: &Lab, out: &Path, extra: &[&str]) -> std::process::Command {
    let mut c = collector();
    c.args(["--daemonset", "--kubeconfig"])
        .arg(&lab.kubeconfig)
        .args(["--connect-timeout", "2", "--request-timeout", "5", "-o"])
        .arg(out)
        .args(extra)
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("HOME", lab.dir.path());
    c
}

fn collect(lab: &Lab, extra: &[&str]) -> (Output, PathBuf, Duration) {
    let out = lab.dir.path().join("bundle.tar.gz");
    let started = Instant::now();
    let output = command(lab, &out, extra).output().unwrap();
    (output, out, started.elapsed())
}

fn node_row<'m>(m: &'m Manifest, node: &str) -> &'m CollectorRun {
    m.collectors
        .iter()
        .find(|r| r.transport == Some(Transport::Daemonset) && r.name.contains(node))
        .unwrap_or_else(|| panic!("no daemonset row for {node}: {:#?}", m.collectors))
}

/// Everything the run created was deleted, and nothing else was written.
fn assert_cleaned_up(lab: &Lab) {
    lab.double.seen(|s| {
        assert!(
            s.unexpected_writes.is_empty(),
            "writes --daemonset must not make: {:?}",
            s.unexpected_writes
        );
        let ns = s.created("Namespace").expect("the namespace was created");
        let ns = ns["metadata"]["name"].as_str().unwrap();
        assert!(
            s.deleted
                .iter()
                .any(|p| p == &format!("/apis/apps/v1/namespaces/{ns}/daemonsets/kbundle-agent")),
            "{:?}",
            s.deleted
        );
        assert!(
            s.deleted
                .iter()
                .any(|p| p == &format!("/api/v1/namespaces/{ns}")),
            "{:?}",
            s.deleted
        );
    });
}

#[test]
fn every_node_comes_back_through_exec_and_nothing_is_left_behind() {
    let work = tempfile::tempdir().unwrap();
    let mut script = Script::default();
    for node in NODES {
        script.agents.insert(
            node.to_string(),
            Agent::Ready(node_bundle(work.path(), node)),
        );
    }
    let lab = lab(script);
    let (output, path, took) = collect(
        &lab,
        &[
            "--node-timeout",
            "30",
            "--image",
            "registry.example/kbundle:test",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(took < Duration::from_secs(30), "took {took:?}");
    let b = Bundle::read(&path);
    b.check_manifest_files();
    let m = b.manifest();
    for node in NODES {
        let row = node_row(&m, node);
        assert_eq!(row.status, CollectorStatus::Ok, "{row:?}");
        assert!(row.files > 0, "{row:?}");
        assert!(
            b.text(&format!("host-collectors/{node}/files/var/log/syslog"))
                .contains(&format!("agent test line of {node}")),
            "{node}'s syslog did not arrive"
        );
        assert_eq!(
            b.text(&format!("host-collectors/{node}/files/etc/hostname")),
            format!("{node}.lab.example\n")
        );
    }
    // The cluster part is there too, from the same server.
    assert!(b
        .paths()
        .iter()
        .any(|p| p.starts_with("cluster-resources/pods/")));
    assert_cleaned_up(&lab);
    lab.double.seen(|s| {
        // What was created is what docs/collector.md describes.
        let ns = s.created("Namespace").unwrap();
        assert_eq!(
            ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"], "privileged",
            "{ns:#}"
        );
        let ds = s.created("DaemonSet").unwrap();
        let pod = &ds["spec"]["template"]["spec"];
        let container = &pod["containers"][0];
        assert_eq!(container["image"], "registry.example/kbundle:test");
        let host = pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["hostPath"]["path"] == "/")
            .expect("the host's / is mounted");
        let mount = container["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == host["name"])
            .unwrap();
        assert_eq!(mount["mountPath"], "/host");
        assert_eq!(mount["readOnly"], true, "{mount:#}");
        assert!(
            pod["tolerations"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["operator"] == "Exists" && t.get("key").is_none()),
            "the agent must run on tainted nodes too: {pod:#}"
        );
        // One exec per node, running the agent's fetch of its result.
        assert_eq!(s.execs.len(), NODES.len(), "{:?}", s.execs);
        for (_, command) in &s.execs {
            assert_eq!(command[1..], ["--agent-fetch", "/kbundle/out"]);
        }
        // The teardown comes after the last exec.
        let last_exec = s
            .requests
            .iter()
            .rposition(|r| r.contains("/exec?"))
            .unwrap();
        let first_delete = s
            .requests
            .iter()
            .position(|r| r.starts_with("DELETE"))
            .unwrap();
        assert!(first_delete > last_exec, "{:#?}", s.requests);
    });
}

#[test]
fn failing_nodes_are_rows_with_their_reason_and_the_others_still_arrive() {
    let work = tempfile::tempdir().unwrap();
    let w1 = node_bundle(work.path(), "w1");
    let m1 = node_bundle(work.path(), "m1");
    let half = m1.len() / 2;
    let mut script = Script::default();
    script.agents.insert("w1".into(), Agent::Ready(w1));
    script
        .agents
        .insert("w2".into(), Agent::Waiting("ImagePullBackOff"));
    script.agents.insert(
        "w3".into(),
        Agent::ExecFails("kbundle-collect: no finished bundle in /kbundle/out yet"),
    );
    script.agents.insert("m1".into(), Agent::ExecCut(m1, half));
    let lab = lab(script);
    let (output, path, took) = collect(&lab, &["--quiet", "--node-timeout", "20"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        took < Duration::from_secs(20 + 10),
        "took {took:?}: {stderr}"
    );
    let b = Bundle::read(&path);
    b.check_manifest_files();
    let m = b.manifest();
    assert_eq!(node_row(&m, "w1").status, CollectorStatus::Ok);
    let w2 = node_row(&m, "w2");
    assert_eq!(w2.status, CollectorStatus::Error, "{w2:?}");
    assert!(
        w2.error
            .as_deref()
            .unwrap_or("")
            .contains("ImagePullBackOff"),
        "{w2:?}"
    );
    let w3 = node_row(&m, "w3");
    assert_eq!(w3.status, CollectorStatus::Error, "{w3:?}");
    assert!(
        w3.error
            .as_deref()
            .unwrap_or("")
            .contains("no finished bundle"),
        "{w3:?}"
    );
    let m1 = node_row(&m, "m1");
    assert_ne!(
        m1.status,
        CollectorStatus::Ok,
        "a cut stream is not a result: {m1:?}"
    );
    assert!(b
        .text("host-collectors/w1/files/var/log/syslog")
        .contains("agent test line of w1"));
    assert!(!b
        .paths()
        .iter()
        .any(|p| p.starts_with("host-collectors/w2/")));
    assert_cleaned_up(&lab);
}

#[test]
fn pods_that_start_late_arrive_and_those_that_cannot_start_say_why() {
    let work = tempfile::tempdir().unwrap();
    let mut script = Script::default();
    // Pending, then collecting, then ready: arrives.
    script.agents.insert(
        "w1".into(),
        Agent::Later(
            Duration::from_secs(2),
            Box::new(Agent::Ready(node_bundle(work.path(), "w1"))),
        ),
    );
    script.agents.insert("w2".into(), Agent::Unschedulable);
    script.agents.insert("w3".into(), Agent::Crashed(137));
    // Still starting when --node-timeout ends.
    script.agents.insert(
        "m1".into(),
        Agent::Later(
            Duration::from_secs(300),
            Box::new(Agent::Ready(node_bundle(work.path(), "m1"))),
        ),
    );
    let lab = lab(script);
    let (output, path, took) = collect(&lab, &["--quiet", "--node-timeout", "10"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        took < Duration::from_secs(10 + 15),
        "took {took:?}: {stderr}"
    );
    let b = Bundle::read(&path);
    b.check_manifest_files();
    let m = b.manifest();
    assert_eq!(node_row(&m, "w1").status, CollectorStatus::Ok);
    assert!(b
        .text("host-collectors/w1/files/var/log/syslog")
        .contains("agent test line of w1"));
    let w2 = node_row(&m, "w2");
    assert_eq!(w2.status, CollectorStatus::Error, "{w2:?}");
    let why = w2.error.as_deref().unwrap_or("");
    assert!(
        why.contains("unschedulable") && why.contains("Insufficient memory"),
        "{w2:?}"
    );
    let w3 = node_row(&m, "w3");
    assert_eq!(w3.status, CollectorStatus::Error, "{w3:?}");
    let why = w3.error.as_deref().unwrap_or("");
    assert!(
        why.contains("agent crashed") && why.contains("137"),
        "{w3:?}"
    );
    let m1 = node_row(&m, "m1");
    assert_eq!(m1.status, CollectorStatus::Timeout, "{m1:?}");
    assert!(
        m1.error.as_deref().unwrap_or("").contains("--node-timeout"),
        "{m1:?}"
    );
    lab.double.seen(|s| {
        // Only ready pods are asked for their result.
        let pods: Vec<&str> = s.execs.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(pods, ["kbundle-agent-w1"], "{:?}", s.execs);
    });
    assert_cleaned_up(&lab);
}

#[test]
fn a_missing_permission_creates_nothing_and_says_which() {
    let script = Script {
        agents: NODES
            .iter()
            .map(|n| (n.to_string(), Agent::Waiting("ContainerCreating")))
            .collect(),
        denied: vec!["create pods/exec".to_string()],
        ..Script::default()
    };
    let lab = lab(script);
    let (output, path, _) = collect(&lab, &["--node-timeout", "20"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let b = Bundle::read(&path);
    let m = b.manifest();
    for node in NODES {
        let row = node_row(&m, node);
        assert_eq!(row.status, CollectorStatus::Forbidden, "{row:?}");
        let why = row.error.as_deref().unwrap_or("");
        assert!(
            why.contains("create pods/exec in namespace kbundle-"),
            "{why}"
        );
        assert!(why.contains("nothing was created"), "{why}");
    }
    assert!(stderr.contains("pods/exec"), "stderr: {stderr}");
    lab.double.seen(|s| {
        assert!(s.created.is_empty(), "{:?}", s.created);
        assert!(s.deleted.is_empty(), "{:?}", s.deleted);
        assert!(s.unexpected_writes.is_empty(), "{:?}", s.unexpected_writes);
    });
    // The cluster part was still collected.
    assert!(b
        .paths()
        .iter()
        .any(|p| p.starts_with("cluster-resources/pods/")));
}

#[test]
fn sigterm_while_waiting_for_the_agents_still_tears_down_and_writes_the_bundle() {
    let script = Script {
        agents: NODES
            .iter()
            .map(|n| (n.to_string(), Agent::Waiting("ContainerCreating")))
            .collect(),
        ..Script::default()
    };
    let lab = lab(script);
    let out = lab.dir.path().join("bundle.tar.gz");
    let mut child = command(&lab, &out, &["--quiet", "--node-timeout", "120"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while lab.double.seen(|s| s.created("DaemonSet").is_none()) {
        assert!(Instant::now() < deadline, "the DaemonSet was never created");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    common::terminate(&child);
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(20),
            "still running 20 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = status;
    assert_cleaned_up(&lab);
    let b = Bundle::read(&out);
    b.check_manifest_files();
    let m = b.manifest();
    for node in NODES {
        assert_ne!(node_row(&m, node).status, CollectorStatus::Ok);
    }
}

/// `bundle` (a node's result, a tar.gz) with each member's path and body passed through
/// `change`.
fn rewritten(
    bundle: &[u8],
    mut change: impl FnMut(String, Vec<u8>) -> (String, Vec<u8>),
) -> Vec<u8> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bundle));
    let mut out = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut body).unwrap();
        let (path, body) = change(path, body);
        let mut header = entry.header().clone();
        header.set_size(body.len() as u64);
        out.append_data(&mut header, &path, body.as_slice())
            .unwrap();
    }
    out.into_inner().unwrap().finish().unwrap()
}

/// `bundle` (one node's result, its node named `from`) as node `to` would have sent it.
fn renamed(bundle: &[u8], from: &str, to: &str) -> Vec<u8> {
    rewritten(bundle, |path, body| {
        let path = path.replace(from, to);
        let textual = path.ends_with(".json") || path.ends_with(".yaml") || path.ends_with(".txt");
        let body = if textual {
            String::from_utf8_lossy(&body)
                .replace(from, to)
                .into_bytes()
        } else {
            body
        };
        (path, body)
    })
}

/// The scale benchmark of docs/performance.md (bench/daemonset-scale.sh runs it in release
/// mode): KBUNDLE_SCALE_NODES nodes (default 1,000) answer through the double, each with
/// its own result, `--jobs` at a time. Prints the wall time and the collector's peak memory.
#[test]
#[ignore = "a benchmark: bench/daemonset-scale.sh"]
fn scale_many_nodes_through_the_double() {
    let count: usize = std::env::var("KBUNDLE_SCALE_NODES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let jobs = std::env::var("KBUNDLE_SCALE_JOBS").unwrap_or_else(|_| "16".into());
    let work = tempfile::tempdir().unwrap();
    let source = node_bundle(work.path(), "scale-source-node");
    let names: Vec<String> = (0..count).map(|i| format!("node-{i:05}")).collect();
    let mut script = Script {
        nodes: names.clone(),
        ..Script::default()
    };
    let mut result_bytes = 0usize;
    for n in &names {
        let b = renamed(&source, "scale-source-node", n);
        result_bytes += b.len();
        script.agents.insert(n.clone(), Agent::Ready(b));
    }
    let lab = lab(script);
    let out = lab.dir.path().join("bundle.tar.gz");
    let mut c = common::timed_collector();
    c.args(["--daemonset", "--quiet", "--kubeconfig"])
        .arg(&lab.kubeconfig)
        .args(["--node-timeout", "600", "--jobs", &jobs, "-o"])
        .arg(&out)
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("HOME", lab.dir.path());
    let started = Instant::now();
    let output = c.output().unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let b = Bundle::read(&out);
    let m = b.manifest();
    let ok = m
        .collectors
        .iter()
        .filter(|r| r.transport == Some(Transport::Daemonset) && r.status == CollectorStatus::Ok)
        .count();
    assert_eq!(ok, count, "every node arrives");
    let rss = common::peak_rss(&stderr);
    println!(
        "{count} nodes, --jobs {jobs}: {:.1} s wall, {rss}; {} KB of node results, bundle {} KB, {} members",
        took.as_secs_f64(),
        result_bytes / 1024,
        std::fs::metadata(&out).unwrap().len() / 1024,
        b.members.len()
    );
}

/// `bundle` with `line` appended to its member ending in `suffix`, as an agent that did not
/// redact (an older or tampered image) would send it.
fn with_line(bundle: &[u8], suffix: &str, line: &str) -> Vec<u8> {
    let mut found = false;
    let out = rewritten(bundle, |path, mut body| {
        if path.ends_with(suffix) {
            body.extend_from_slice(line.as_bytes());
            found = true;
        }
        (path, body)
    });
    assert!(found, "no member ends with {suffix}");
    out
}

#[test]
fn what_an_agent_sends_is_redacted_again_on_arrival() {
    let work = tempfile::tempdir().unwrap();
    let token = "ghp_R3dact3dOnArrivalXq7Lm2Np9Ks4Tv8Wy1Zb";
    let password = "daemonset-arrival-password-51";
    let leaky = with_line(
        &node_bundle(work.path(), "w1"),
        "files/var/log/syslog",
        &format!("Dec  4 00:00:02 w1 app[7]: password={password} token {token}\n"),
    );
    let mut script = Script::default();
    script.agents.insert("w1".into(), Agent::Ready(leaky));
    let lab = lab(script);
    let (output, path, _) = collect(&lab, &["--quiet", "--node-timeout", "30"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let b = Bundle::read(&path);
    let syslog = b.text("host-collectors/w1/files/var/log/syslog");
    assert!(syslog.contains("agent test line of w1"), "{syslog}");
    for member in &b.members {
        let text = member.text();
        assert!(!text.contains(token), "{}: {text}", member.path);
        assert!(!text.contains(password), "{}: {text}", member.path);
    }
    assert_cleaned_up(&lab);
}
