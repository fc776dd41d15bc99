//! The SSH fan-out against real OpenSSH servers on 127.0.0.1 (see tests/sshd): several
//! nodes into one bundle, a hung node and a down one, a refused key, a 50 MB node, an
//! uploaded binary, and pseudonyms that hold across nodes.

mod common;
mod sshd;

use common::{find_file, Bundle};
use kbundle_format::manifest::{CollectorRun, CollectorStatus, Manifest, Transport};
use sshd::Behaviour;
use std::process::Output;
use std::time::{Duration, Instant};

const SECRET: &str = "hunter2-planted-in-syslog";

fn syslog(node: &str) -> String {
    format!(
        "Jan  1 00:00:01 {node} kubelet[42]: node {node} up, peer 10.77.1.9\n\
         Jan  1 00:00:02 {node} app[7]: password: {SECRET}\n\
         Jan  1 00:00:03 {node} kernel: eth0 link up\n"
    )
}

fn collect(lab: &sshd::Lab, out: &std::path::Path, extra: &[String]) -> (Output, f64) {
    let mut c = common::collector();
    c.args([
        "--host-only",
        "--remote-binary",
        env!("CARGO_BIN_EXE_kbundle-collect"),
    ])
    .args(lab.ssh_flags())
    .args(extra)
    .arg("-o")
    .arg(out);
    let started = Instant::now();
    let output = c.output().expect("kbundle-collect runs");
    let secs = started.elapsed().as_secs_f64();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output, secs)
}

fn node_row<'m>(m: &'m Manifest, name: &str) -> &'m CollectorRun {
    m.collectors
        .iter()
        .find(|c| c.name == format!("node/{name}"))
        .unwrap_or_else(|| panic!("no node/{name} row in {:#?}", m.collectors))
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn five_nodes_three_healthy_one_hung_one_down_make_one_bundle() {
    let Some(mut lab) = sshd::lab() else { return };
    let mut args = Vec::new();
    for (name, behaviour) in [
        ("node-1", Behaviour::Healthy),
        ("node-2", Behaviour::Healthy),
        ("node-3", Behaviour::Healthy),
        ("node-4", Behaviour::Hangs),
        ("node-5", Behaviour::Down),
    ] {
        let root = lab.root(name, &syslog(name));
        let dest = lab.node(name, &root, behaviour);
        args.push("--ssh".to_string());
        args.push(dest);
    }
    let hung_port = args[7].rsplit(':').next().unwrap().to_string();
    let down_port = args[9].rsplit(':').next().unwrap().to_string();
    args.extend(strings(&["--node-timeout", "8", "--jobs", "5"]));
    let out = tempfile::tempdir().unwrap();
    let (output, secs) = collect(&lab, out.path(), &args);
    assert!(secs < 8.0 + 5.0, "took {secs:.1} s with --node-timeout 8");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let path = find_file(out.path(), ".tar.gz");
    let b = Bundle::read(&path);
    b.check_manifest_files();
    let m = b.manifest();
    for name in ["node-1", "node-2", "node-3"] {
        let row = node_row(&m, name);
        assert_eq!(row.status, CollectorStatus::Ok, "{row:?}");
        assert_eq!(row.transport, Some(Transport::Ssh));
        assert!(row.files > 0);
        let log = b.text(&format!("host-collectors/{name}/files/var/log/syslog"));
        assert!(log.contains(&format!("node {name} up")), "{log}");
        assert_eq!(
            b.text(&format!("host-collectors/{name}/files/etc/hostname")),
            format!("{name}.lab.example\n")
        );
        // The node's own rows came along, under its name.
        assert!(m
            .collectors
            .iter()
            .any(|c| c.name == "files/var/log/syslog" && c.node.as_deref() == Some(name)));
    }
    let hung = node_row(&m, &format!("127.0.0.1:{hung_port}"));
    assert_eq!(hung.status, CollectorStatus::Timeout, "{hung:?}");
    assert!(hung.error.as_deref().unwrap().contains("--node-timeout 8s"));
    let down = node_row(&m, &format!("127.0.0.1:{down_port}"));
    assert_eq!(down.status, CollectorStatus::Error, "{down:?}");
    assert!(
        down.error
            .as_deref()
            .unwrap()
            .contains("Connection refused"),
        "{down:?}"
    );
    assert_eq!(down.target.as_deref(), Some(args[9].as_str()));
    // No planted secret anywhere, and the redaction report says where it was.
    for member in &b.members {
        assert!(
            !member.text().contains(SECRET),
            "{}: {}",
            member.path,
            member.text()
        );
    }
    assert!(b
        .text("redaction-report.json")
        .contains("host-collectors/node-2/files/var/log/syslog"));
    assert!(!b
        .paths()
        .iter()
        .any(|p| p.contains("node-4") || p.contains("node-5")));
    // The summary names the nodes that gave nothing.
    assert!(stderr.contains("3 ok, 1 timeout, 1 error"), "{stderr}");
    assert!(
        stderr.contains(&format!("timeout node 127.0.0.1:{hung_port}")),
        "{stderr}"
    );
    // The analyzer shows every node, the unreachable ones as gaps, never as passes.
    let report = kbundle_analyzer::analyze_paths(std::slice::from_ref(&path)).unwrap();
    let rows = &report.checklist.rows;
    for name in ["node-1", "node-2", "node-3"] {
        assert!(rows.iter().any(|r| r.node.as_deref() == Some(name)));
    }
    let gap = rows
        .iter()
        .find(|r| r.node.as_deref() == Some(&format!("127.0.0.1:{down_port}")))
        .expect("the down node has its checklist row");
    let kubelet = gap
        .cells
        .iter()
        .find(|c| c.step == kbundle_analyzer::report::checklist::Step::Kubelet)
        .unwrap();
    assert_eq!(
        kubelet.mark,
        kbundle_analyzer::report::checklist::Mark::NoData
    );
    assert!(kubelet.reason.contains("Connection refused"), "{kubelet:?}");
}

#[test]
fn a_refused_key_is_an_error_row_with_sshs_words() {
    let Some(mut lab) = sshd::lab() else { return };
    let root = lab.root("locked", &syslog("locked"));
    let dest = lab.node("locked", &root, Behaviour::WrongKey);
    let out = tempfile::tempdir().unwrap();
    let (_, secs) = collect(&lab, out.path(), &["--ssh".to_string(), dest.clone()]);
    assert!(secs < 10.0, "{secs}");
    let b = Bundle::read(&find_file(out.path(), ".tar.gz"));
    let m = b.manifest();
    let port = dest.rsplit(':').next().unwrap();
    let row = node_row(&m, &format!("127.0.0.1:{port}"));
    assert_eq!(row.status, CollectorStatus::Error);
    let why = row.error.as_deref().unwrap();
    assert!(why.contains("Permission denied"), "{why}");
    assert!(why.contains("255"), "{why}");
}

#[test]
fn a_fifty_megabyte_node_streams_through_whole() {
    let Some(mut lab) = sshd::lab() else { return };
    let mut big = String::with_capacity(52 << 20);
    let mut i = 0u64;
    while big.len() < 50 << 20 {
        // Varied lines, so gzip cannot make the transfer trivial.
        let noise = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        big.push_str(&format!(
            "Jan  1 00:00:00 big kernel: line {i} blk_update_request {noise:016x} {:08x}\n",
            noise >> 17
        ));
        i += 1;
    }
    let root = lab.root("big", &big);
    let dest = lab.node("big", &root, Behaviour::Healthy);
    let out = tempfile::tempdir().unwrap();
    let (_, secs) = collect(
        &lab,
        out.path(),
        &strings(&[
            "--ssh",
            &dest,
            "--max-log-bytes",
            "64M",
            "--node-timeout",
            "120",
        ]),
    );
    let b = Bundle::read(&find_file(out.path(), ".tar.gz"));
    let m = b.manifest();
    assert_eq!(node_row(&m, "big").status, CollectorStatus::Ok);
    let got = &b
        .get("host-collectors/big/files/var/log/syslog")
        .unwrap()
        .bytes;
    assert_eq!(got.len(), big.len());
    assert!(got == big.as_bytes(), "the 50 MB file changed on the way");
    kbundle_testkit::say(&format!("50 MB node over ssh: {secs:.1} s"));
}

#[test]
fn an_uploaded_binary_runs_and_leaves_nothing_behind() {
    let Some(mut lab) = sshd::lab() else { return };
    let root = lab.root("bare", &syslog("bare"));
    let dest = lab.node("bare", &root, Behaviour::Healthy);
    let out = tempfile::tempdir().unwrap();
    let mut c = common::collector();
    c.args(["--host-only", "--ssh-upload", "--ssh", &dest, "-o"])
        .arg(out.path())
        .args(lab.ssh_flags());
    let output = c.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let b = Bundle::read(&find_file(out.path(), ".tar.gz"));
    assert_eq!(node_row(&b.manifest(), "bare").status, CollectorStatus::Ok);
    assert!(b.get("host-collectors/bare/files/var/log/syslog").is_some());
    let left: Vec<_> = std::fs::read_dir(lab.tmp_of("bare")).unwrap().collect();
    assert!(
        left.is_empty(),
        "the upload directory was not removed: {left:?}"
    );
}

#[test]
fn pseudonyms_hold_across_nodes() {
    let Some(mut lab) = sshd::lab() else { return };
    let mut args = Vec::new();
    for name in ["alpha-node", "beta-node"] {
        let root = lab.root(name, &syslog(name));
        args.push("--ssh".to_string());
        args.push(lab.node(name, &root, Behaviour::Healthy));
    }
    args.push("--pseudonymize".to_string());
    let out = tempfile::tempdir().unwrap();
    collect(&lab, out.path(), &args);
    let path = find_file(out.path(), ".tar.gz");
    let map: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(find_file(out.path(), ".pseudonyms.json")).unwrap(),
    )
    .unwrap();
    let b = Bundle::read(&path);
    let stand_in = |name: &str| map["hostnames"][name].as_str().unwrap().to_string();
    let peer = map["ipv4"]["10.77.1.9"].as_str().unwrap().to_string();
    for name in ["alpha-node", "beta-node"] {
        let node = stand_in(name);
        let log = b.text(&format!("host-collectors/{node}/files/var/log/syslog"));
        // The same peer address has the same stand-in on both nodes.
        assert!(log.contains(&format!("peer {peer}")), "{log}");
        assert!(!log.contains(name) && !log.contains("10.77.1.9"), "{log}");
        assert_eq!(node_row(&b.manifest(), &node).status, CollectorStatus::Ok);
        // The node's FQDN (from /etc/hostname, learnt from its identity line) is hidden too.
        let hostname = b.text(&format!("host-collectors/{node}/files/etc/hostname"));
        assert!(!hostname.contains("lab.example"), "{hostname}");
    }
    // (The SSH targets stay `root@127.0.0.1:<port>`: loopback addresses identify nothing and
    // are kept by design; the names behind them are what must not show.)
    for member in &b.members {
        let text = member.text();
        assert!(
            !text.contains("alpha-node") && !text.contains("beta-node"),
            "{}",
            member.path
        );
    }
}

#[test]
fn interrupted_sessions_end_and_the_bundle_is_written() {
    let Some(mut lab) = sshd::lab() else { return };
    let root = lab.root("slow", &syslog("slow"));
    let dest = lab.node("slow", &root, Behaviour::Hangs);
    let out = tempfile::tempdir().unwrap();
    let mut c = common::collector();
    c.args(["--host-only", "--ssh", &dest, "--node-timeout", "60", "-o"])
        .arg(out.path())
        .args(lab.ssh_flags())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let child = c.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let sent = Instant::now();
    common::terminate(&child);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert!(
        sent.elapsed() < Duration::from_secs(10),
        "{:?}",
        sent.elapsed()
    );
    let b = Bundle::read(&find_file(out.path(), ".tar.gz"));
    let m = b.manifest();
    assert!(m.interrupted);
    let port = dest.rsplit(':').next().unwrap();
    let row = node_row(&m, &format!("127.0.0.1:{port}"));
    assert_eq!(row.status, CollectorStatus::Error);
    assert!(
        row.error.as_deref().unwrap().starts_with("interrupted"),
        "{row:?}"
    );
}

/// The SSH scale benchmark of docs/performance.md (bench/ssh-scale.sh runs it in release
/// mode): KBUNDLE_SCALE_SSH_NODES real sshd servers (default 100), each a healthy node with its
/// own fake root, collected `--jobs` (KBUNDLE_SCALE_JOBS, default 16) at a time into one
/// bundle. Prints the wall time and the collector's peak memory.
#[test]
#[ignore = "a benchmark: bench/ssh-scale.sh"]
fn scale_many_ssh_nodes() {
    let Some(mut lab) = sshd::lab() else { return };
    let count: usize = std::env::var("KBUNDLE_SCALE_SSH_NODES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let jobs = std::env::var("KBUNDLE_SCALE_JOBS").unwrap_or_else(|_| "16".into());
    let mut args = Vec::new();
    for i in 0..count {
        let name = format!("node-{i:03}");
        let root = lab.root(&name, &syslog(&name));
        args.push("--ssh".to_string());
        args.push(lab.node(&name, &root, Behaviour::Healthy));
    }
    let out = tempfile::tempdir().unwrap();
    let mut c = common::timed_collector();
    c.args([
        "--host-only",
        "--quiet",
        "--remote-binary",
        env!("CARGO_BIN_EXE_kbundle-collect"),
        "--jobs",
        &jobs,
        "--node-timeout",
        "600",
    ])
    .args(lab.ssh_flags())
    .args(&args)
    .arg("-o")
    .arg(out.path());
    let started = Instant::now();
    let output = c.output().unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let path = find_file(out.path(), ".tar.gz");
    let b = Bundle::read(&path);
    let m = b.manifest();
    let ok = m
        .collectors
        .iter()
        .filter(|r| r.transport == Some(Transport::Ssh) && r.status == CollectorStatus::Ok)
        .count();
    assert_eq!(ok, count, "every node arrives");
    let rss = common::peak_rss(&stderr);
    println!(
        "{count} SSH nodes, --jobs {jobs}: {:.1} s wall, {rss}; bundle {} KB, {} members",
        took.as_secs_f64(),
        std::fs::metadata(&path).unwrap().len() / 1024,
        b.members.len()
    );
}
