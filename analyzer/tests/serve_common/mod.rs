//! Shared by the `serve_*` tests: loading bundles, starting servers, and running the real
//! kubectl binaries (`kubectl` and the `kubectl.1.NN` beside it) against them.

#![allow(dead_code)]

pub mod cluster;

use kbundle::read::{Member, MemberSink};
use kbundle::serve::index::IndexBuilder;
use kbundle::serve::{Bundle, ServeOptions, Server};
use kbundle_format::BundlePath;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

/// The real troubleshoot bundle of ../shared/interop.
pub fn interop_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/interop/troubleshoot-k3s-support-bundle.tar.gz")
}

/// Writes files into a bundle built in memory (path, content, mtime).
pub fn bundle_of(files: &[(&str, &str)], modified: i64) -> Bundle {
    let mut builder = IndexBuilder::new().unwrap();
    for (path, body) in files {
        let p = BundlePath::new(path).unwrap();
        builder
            .member(Member {
                path: &p,
                size: body.len() as u64,
                modified: Some(modified),
                body: &mut body.as_bytes(),
            })
            .unwrap();
    }
    Bundle::from_index(builder.finish().unwrap())
}

/// Starts a server on a free port.
pub fn serve(bundle: Bundle) -> Server {
    Server::start(Arc::new(bundle), ServeOptions::default()).unwrap()
}

/// One kubectl binary with its own kubeconfig and discovery cache.
pub struct Kubectl {
    /// The binary.
    pub binary: PathBuf,
    /// e.g. `kubectl.1.27`.
    pub name: String,
    kubeconfig: tempfile::TempPath,
    cache: tempfile::TempDir,
}

impl Kubectl {
    /// kubectl aimed at `server`.
    pub fn new(binary: &Path, server: &Server) -> Kubectl {
        let text = kbundle::serve::kubeconfig::render(&server.url());
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
        Kubectl {
            binary: binary.to_path_buf(),
            name: binary.file_name().unwrap().to_string_lossy().into_owned(),
            kubeconfig: f.into_temp_path(),
            cache: tempfile::tempdir().unwrap(),
        }
    }

    /// Runs kubectl with the args; never hangs (request timeout, and the server answers).
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(&self.binary)
            .arg("--kubeconfig")
            .arg(&*self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.cache.path())
            .arg("--request-timeout=20s")
            .args(args)
            .env_remove("KUBECONFIG")
            .env("HOME", self.cache.path())
            .output()
            .unwrap()
    }

    /// Runs and returns stdout, failing the test with stderr when kubectl fails.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "{} {:?} failed: {}\nstdout:\n{stdout}",
            self.name,
            args,
            stderr
        );
        stdout
    }

    /// Runs, expects failure, and returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "{} {:?} should fail but printed {}",
            self.name,
            args,
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

/// The kubectl binaries to test with: the oldest and newest `kubectl.1.NN` beside the
/// `kubectl` on PATH (every one of them with KBUNDLE_ALL_KUBECTLS=1; `kubectl` itself when
/// there are none). Empty, with a printed notice, when kubectl is not installed; a failure
/// when KBUNDLE_REQUIRE_KUBECTL=1.
pub fn kubectls() -> Vec<PathBuf> {
    let found = find_kubectls();
    if found.is_empty() {
        if std::env::var("KBUNDLE_REQUIRE_KUBECTL").as_deref() == Ok("1") {
            panic!("KBUNDLE_REQUIRE_KUBECTL=1 but no kubectl was found on PATH");
        }
        eprintln!("SKIPPED: no kubectl on PATH; the kubectl tests of kbundle serve did not run");
    }
    found
}

fn find_kubectls() -> Vec<PathBuf> {
    let Some(path) = std::env::var_os("PATH") else {
        return Vec::new();
    };
    let Some(kubectl) = std::env::split_paths(&path)
        .map(|d| d.join("kubectl"))
        .find(|p| p.is_file())
    else {
        return Vec::new();
    };
    let real = std::fs::canonicalize(&kubectl).unwrap_or(kubectl.clone());
    let dir = real.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let minor: u32 = name.strip_prefix("kubectl.1.")?.parse().ok()?;
            Some((minor, e.path()))
        })
        .collect();
    versioned.sort();
    if std::env::var("KBUNDLE_ALL_KUBECTLS").as_deref() == Ok("1") && !versioned.is_empty() {
        return versioned.into_iter().map(|(_, p)| p).collect();
    }
    match (versioned.first(), versioned.last()) {
        (Some(oldest), Some(newest)) if oldest.0 != newest.0 => {
            vec![oldest.1.clone(), newest.1.clone()]
        }
        (Some(only), _) => vec![only.1.clone()],
        _ => vec![kubectl],
    }
}

/// Splits kubectl's table output into rows of columns (runs of 2+ spaces separate columns;
/// kubectl pads with at least 3).
pub fn table(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split("   ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        })
        .collect()
}
