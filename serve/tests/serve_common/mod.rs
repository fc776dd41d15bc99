//! Shared by the `serve_*` tests: loading bundles, starting servers, and running the real
//! kubectl binaries (`kubectl` and the `kubectl.1.NN` beside it) against them.

#![allow(dead_code, unused_imports, unreachable_pub)] // each test file uses a different subset

pub mod cluster;

use kbundle_format::BundlePath;
use kbundle_read::{Member, MemberSink};
use kbundle_serve::index::IndexBuilder;
use kbundle_serve::{Bundle, ServeOptions, Server};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

pub use kbundle_testkit::{interop_bundle, kubectls};

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
        let text = kbundle_serve::kubeconfig::render(&server.url());
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
