//! Helpers shared by the end-to-end tests: run the binary, read a bundle back.
#![allow(dead_code, unused_imports, unreachable_pub)] // each test file uses a different subset

use kbundle_format::manifest::{CommandInfo, Manifest};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The collector binary.
pub fn collector() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kbundle-collect"))
}

/// The collector under `/usr/bin/time` when it is installed, for the scale benchmarks that
/// report the collector's own peak memory ([`peak_rss`] reads it back).
pub fn timed_collector() -> Command {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return collector();
    }
    let mut c = Command::new(time);
    c.args(["-f", "peak RSS %M KB"])
        .arg(env!("CARGO_BIN_EXE_kbundle-collect"));
    c
}

/// The `peak RSS … KB` line [`timed_collector`] left on stderr.
pub fn peak_rss(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| l.starts_with("peak RSS"))
        .unwrap_or("peak RSS not measured")
}

/// Runs the collector with `args`, failing the test if it cannot start.
pub fn run(args: &[&str], path_env: Option<&Path>) -> Output {
    let mut c = collector();
    c.args(args);
    if let Some(p) = path_env {
        c.env("PATH", p);
    }
    c.output().expect("kbundle-collect runs")
}

/// Runs the collector with `args` and fails the test, showing its stderr, unless it
/// succeeds.
pub fn run_ok(args: &[&str], path_env: Option<&Path>) -> Output {
    let output = run(args, path_env);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// One member of a bundle, path relative to the top directory.
#[derive(Debug, Clone)]
pub struct Member {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl Member {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// A bundle read back with the tar or zip crate.
pub struct Bundle {
    pub top: String,
    pub members: Vec<Member>,
    pub dirs: Vec<String>,
}

impl Bundle {
    pub fn read(path: &Path) -> Bundle {
        if path.extension().is_some_and(|e| e == "zip") {
            read_zip(path)
        } else {
            read_tar_gz(path)
        }
    }

    pub fn get(&self, path: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.path == path)
    }

    pub fn text(&self, path: &str) -> String {
        self.get(path)
            .unwrap_or_else(|| panic!("{path} missing; have {:?}", self.paths()))
            .text()
    }

    pub fn paths(&self) -> Vec<&str> {
        self.members.iter().map(|m| m.path.as_str()).collect()
    }

    pub fn manifest(&self) -> Manifest {
        serde_json::from_str(&self.text("manifest.json")).expect("manifest parses")
    }

    pub fn info(&self, node: &str, id: &str) -> CommandInfo {
        let p = format!("host-collectors/{node}/run/{id}-info.json");
        serde_json::from_str(&self.text(&p)).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    /// Checks the manifest lists every member but itself, with the right size and SHA-256.
    pub fn check_manifest_files(&self) {
        let m = self.manifest();
        let listed: Vec<&str> = m.files.iter().map(|f| f.path.as_str()).collect();
        let mut members: Vec<&str> = self
            .paths()
            .into_iter()
            .filter(|p| *p != "manifest.json")
            .collect();
        let mut sorted = listed.clone();
        sorted.sort();
        members.sort();
        assert_eq!(sorted, members);
        for f in &m.files {
            let member = self.get(&f.path).unwrap();
            assert_eq!(f.size, member.bytes.len() as u64, "{}", f.path);
            let hash: String = Sha256::digest(&member.bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(f.sha256, hash, "{}", f.path);
        }
    }
}

fn read_tar_gz(path: &Path) -> Bundle {
    let file = std::fs::File::open(path).unwrap();
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut tops = std::collections::BTreeSet::new();
    let mut members = Vec::new();
    let mut dirs = Vec::new();
    for entry in ar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let (top, rest) = name.split_once('/').unwrap_or((&name, ""));
        tops.insert(top.to_string());
        match entry.header().entry_type() {
            tar::EntryType::Regular => {
                let mut bytes = Vec::new();
                entry.read_to_end(&mut bytes).unwrap();
                members.push(Member {
                    path: rest.to_string(),
                    bytes,
                });
            }
            tar::EntryType::Directory => dirs.push(rest.trim_end_matches('/').to_string()),
            other => panic!("{name}: entry type {other:?} in a bundle"),
        }
    }
    assert_eq!(tops.len(), 1, "exactly one top directory: {tops:?}");
    Bundle {
        top: tops.into_iter().next().unwrap(),
        members,
        dirs,
    }
}

fn read_zip(path: &Path) -> Bundle {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut tops = std::collections::BTreeSet::new();
    let mut members = Vec::new();
    let mut dirs = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let (top, rest) = name.split_once('/').unwrap_or((&name, ""));
        tops.insert(top.to_string());
        if f.is_dir() {
            dirs.push(rest.trim_end_matches('/').to_string());
        } else {
            assert!(f.is_file(), "{name}: not a regular file");
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            members.push(Member {
                path: rest.to_string(),
                bytes,
            });
        }
    }
    assert_eq!(tops.len(), 1, "exactly one top directory: {tops:?}");
    Bundle {
        top: tops.into_iter().next().unwrap(),
        members,
        dirs,
    }
}

/// Writes an executable script `name` into `dir`.
pub fn script(dir: &Path, name: &str, body: &str) {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\nPATH=/usr/bin:/bin\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Sends SIGTERM to a child (the signal a service manager or `timeout` sends), through
/// kill(1) so the tests need no unsafe code.
pub fn terminate(child: &std::process::Child) {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill(1) runs");
    assert!(sent.success(), "kill -TERM {} failed", child.id());
}

/// Processes whose command line contains `marker` as a whole argument.
pub fn processes_with_arg(marker: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if cmdline.split(|&b| b == 0).any(|a| a == marker.as_bytes()) {
            out.push(pid);
        }
    }
    out
}

/// The single file in `dir` whose name ends with `suffix`.
pub fn find_file(dir: &Path, suffix: &str) -> PathBuf {
    let found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found.into_iter().next().unwrap()
}

/// Members as the analyzer's streaming reader hands them over: (path, bytes), archive order.
pub fn read_with_analyzer(path: &Path) -> (kbundle_read::Source, Vec<Member>) {
    struct Sink {
        members: Vec<Member>,
        skipped: Vec<String>,
    }
    impl kbundle_read::MemberSink for Sink {
        fn member(&mut self, m: kbundle_read::Member<'_>) -> std::io::Result<()> {
            let mut bytes = Vec::new();
            m.body.read_to_end(&mut bytes)?;
            assert_eq!(bytes.len() as u64, m.size, "{}", m.path);
            self.members.push(Member {
                path: m.path.as_str().to_string(),
                bytes,
            });
            Ok(())
        }
        fn skipped(&mut self, entry: &str, reason: kbundle_read::SkipReason) {
            self.skipped.push(format!("{entry}: {reason:?}"));
        }
    }
    let mut sink = Sink {
        members: Vec::new(),
        skipped: Vec::new(),
    };
    let source = kbundle_read::read_bundle(path, &mut sink)
        .unwrap_or_else(|e| panic!("the analyzer cannot read {}: {e}", path.display()));
    assert!(
        sink.skipped.is_empty(),
        "skipped entries: {:?}",
        sink.skipped
    );
    (source, sink.members)
}

/// A bundle served as a Kubernetes API by `kbundle serve`, with a kubeconfig pointing at it.
pub struct Served {
    pub server: kbundle_serve::Server,
    pub kubeconfig: PathBuf,
    pub dir: tempfile::TempDir,
}

/// Serves `bundle` on 127.0.0.1 with the given faults (`kbundle serve --fault` syntax).
pub fn serve(bundle: &Path, faults: &[&str]) -> Served {
    let loaded = kbundle_serve::Bundle::load(bundle)
        .unwrap_or_else(|e| panic!("serve {}: {e:#}", bundle.display()));
    let mut plan = kbundle_serve::FaultPlan::default();
    for f in faults {
        plan.add(f).unwrap();
    }
    let server = kbundle_serve::Server::start(
        std::sync::Arc::new(loaded),
        kbundle_serve::ServeOptions {
            port: 0,
            faults: plan,
            ..kbundle_serve::ServeOptions::default()
        },
    )
    .expect("serve starts");
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = write_kubeconfig(dir.path(), &server.url());
    Served {
        server,
        kubeconfig,
        dir,
    }
}

/// A kubeconfig with one context, `fixture`, for `url` (no credentials).
pub fn write_kubeconfig(dir: &Path, url: &str) -> PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fixture\n  cluster:\n    server: {url}\ncontexts:\n- name: fixture\n  context:\n    cluster: fixture\n    user: nobody\ncurrent-context: fixture\nusers:\n- name: nobody\n  user: {{}}\n"
        ),
    )
    .unwrap();
    path
}

/// Runs the collector against `kubeconfig` with `--no-host` (and `extra`), into `out`, with a
/// clean environment (no KUBECONFIG, HOME in a temporary directory). Returns its output.
pub fn collect_api(kubeconfig: &Path, out: &Path, extra: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut c = collector();
    c.args(["--no-host", "--kubeconfig"])
        .arg(kubeconfig)
        .arg("-o")
        .arg(out)
        .args(extra)
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("HOME", home.path());
    c.output().expect("kbundle-collect runs")
}

/// The fixture bundles of the repository.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name)
}

/// `(List member path, namespace, name)` of every object in a bundle's Lists.
pub fn objects(members: &[Member]) -> std::collections::BTreeSet<(String, String, String)> {
    let mut out = std::collections::BTreeSet::new();
    for m in members {
        let Ok(path) = kbundle_format::BundlePath::new(&m.path) else {
            continue;
        };
        let dir = match kbundle_format::layout::classify(&path) {
            kbundle_format::layout::PathKind::List {
                dir, yaml: false, ..
            } => dir.to_string(),
            kbundle_format::layout::PathKind::CustomResources {
                resource,
                yaml: false,
                ..
            } => format!("custom-resources/{resource}"),
            _ => continue,
        };
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&m.bytes) else {
            panic!("{}: not JSON", m.path);
        };
        let items = match &value {
            serde_json::Value::Array(a) => a.clone(),
            v => v
                .get("items")
                .and_then(|i| i.as_array())
                .cloned()
                .unwrap_or_default(),
        };
        for item in items {
            let s = |k: &str| {
                item.pointer(&format!("/metadata/{k}"))
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            out.insert((dir.clone(), s("namespace"), s("name")));
        }
    }
    out
}

/// A TCP relay in front of a server that notes every HTTP request line passing through, so a
/// test can see which methods a client used.
pub struct Recorder {
    pub url: String,
    pub lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// Starts a [`Recorder`] relaying to `upstream` (`host:port`).
pub fn record_requests(upstream: std::net::SocketAddr) -> Recorder {
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = std::sync::Arc::clone(&lines);
    let request_line = regex::Regex::new(r"^[A-Z]+ /\S* HTTP/1\.[01]\r?$").unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut client) = conn else { break };
            let Ok(mut server) = TcpStream::connect(upstream) else {
                continue;
            };
            let (Ok(mut client_r), Ok(mut server_w)) = (client.try_clone(), server.try_clone())
            else {
                continue;
            };
            let seen = std::sync::Arc::clone(&seen);
            let request_line = request_line.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 16 * 1024];
                let mut line = Vec::new();
                loop {
                    let n = match client_r.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    for &b in &buf[..n] {
                        if b == b'\n' {
                            let text = String::from_utf8_lossy(&line).into_owned();
                            if request_line.is_match(&text) {
                                seen.lock().unwrap().push(text.trim_end().to_string());
                            }
                            line.clear();
                        } else if line.len() < 8192 {
                            line.push(b);
                        }
                    }
                    if server_w.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = server_w.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut server, &mut client);
                let _ = client.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    Recorder { url, lines }
}
