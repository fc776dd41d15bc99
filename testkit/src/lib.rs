//! Test helpers shared by every kbundle crate (a dev-dependency only, never shipped).
//!
//! Tests read real data from `../shared` (the corpus and interop bundles beside the
//! repository) and run the real kubectl. A plain clone has neither: such tests skip with a
//! printed reason, so `cargo test` passes there, while CI (`.ci/run`) sets
//! `KBUNDLE_REQUIRE_SHARED=1` and `KBUNDLE_REQUIRE_KUBECTL=1` so that a skip is a failure.

use std::path::{Path, PathBuf};

/// The variable that turns a missing `../shared` from a skip into a failure.
pub const REQUIRE_SHARED: &str = "KBUNDLE_REQUIRE_SHARED";
/// The variable that turns a missing kubectl from a skip into a failure.
pub const REQUIRE_KUBECTL: &str = "KBUNDLE_REQUIRE_KUBECTL";

/// A line for the person running the tests, written straight to stderr so the test
/// harness's capture cannot hide it: a skip must be seen.
pub fn say(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn required(var: &str) -> bool {
    std::env::var(var).as_deref() == Ok("1")
}

/// The `shared` directory beside the repository, or beside any folder above it (a git
/// worktree under `wt/` finds the same one); `KBUNDLE_SHARED_DIR` overrides it.
pub fn shared_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KBUNDLE_SHARED_DIR") {
        return PathBuf::from(dir);
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    repo.ancestors()
        .skip(1)
        .map(|dir| dir.join("shared"))
        .find(|shared| shared.join("corpus").is_dir() || shared.join("interop").is_dir())
        .unwrap_or_else(|| repo.join("../shared"))
}

/// `rel` below `../shared` (e.g. `corpus/host-commands`), or `None` after printing why the
/// calling test skips. Panics instead when `KBUNDLE_REQUIRE_SHARED=1`.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let path = shared_dir().join(rel);
    if path.exists() {
        return Some(path);
    }
    if required(REQUIRE_SHARED) {
        panic!("{REQUIRE_SHARED}=1 but {} does not exist", path.display());
    }
    say(&format!(
        "SKIPPED: {} is absent (the shared corpus is not beside this clone); set {REQUIRE_SHARED}=1 to make this a failure",
        path.display()
    ));
    None
}

/// The real troubleshoot bundle of `../shared/interop`, or `None` (skipped, see [`shared`]).
pub fn interop_bundle() -> Option<PathBuf> {
    shared("interop/troubleshoot-k3s-support-bundle.tar.gz")
}

/// The repository's `fixtures/` directory (always present in a clone).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// One fixture file or directory below `fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// The kubectl binaries to test with: the oldest and newest `kubectl.1.NN` beside the
/// `kubectl` on PATH (every one of them with `KBUNDLE_ALL_KUBECTLS=1`; `kubectl` itself when
/// there are none). Empty, with a printed notice, when kubectl is not installed; a failure
/// when `KBUNDLE_REQUIRE_KUBECTL=1`.
pub fn kubectls() -> Vec<PathBuf> {
    let found = find_kubectls();
    if found.is_empty() {
        if required(REQUIRE_KUBECTL) {
            panic!("{REQUIRE_KUBECTL}=1 but no kubectl was found on PATH");
        }
        say("SKIPPED: no kubectl on PATH; the kubectl tests did not run");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_are_found() {
        assert!(fixture("broken-cluster.tar.gz").is_file());
    }
}
