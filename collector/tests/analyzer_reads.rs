//! The analyzer reads what the collector writes: tar.gz and zip bundles round-trip through
//! `kbundle_read::read_bundle`, and `kbundle_analyzer::analyze_paths` analyzes them without error.

mod common;

use common::{read_with_analyzer, run_ok, Bundle};
use kbundle_read::Container;
use sha2::{Digest, Sha256};

fn collect(dir: &std::path::Path, file: &str) -> std::path::PathBuf {
    let target = dir.join(file);
    run_ok(
        &[
            "--host-only",
            "--quiet",
            "--node-name",
            "rt-node",
            "--command-timeout",
            "20",
            "-o",
            target.to_str().unwrap(),
        ],
        None,
    );
    target
}

#[test]
fn tar_gz_and_zip_bundles_round_trip_through_the_analyzer_reader() {
    let out = tempfile::tempdir().unwrap();
    for (file, container) in [("rt.tar.gz", Container::TarGz), ("rt.zip", Container::Zip)] {
        let path = collect(out.path(), file);
        let (source, members) = read_with_analyzer(&path);
        assert_eq!(source.container, container, "{file}");
        assert_eq!(source.top_dir.as_deref(), Some("rt"), "{file}");
        let ours = Bundle::read(&path);
        let manifest = ours.manifest();
        assert_eq!(source.members as usize, manifest.files.len() + 1, "{file}");
        // Same members, same bytes, in the order they were written.
        let theirs: Vec<&str> = members.iter().map(|m| m.path.as_str()).collect();
        assert_eq!(theirs, ours.paths(), "{file}");
        assert_eq!(theirs.first(), Some(&"version.yaml"));
        assert_eq!(theirs.last(), Some(&"manifest.json"));
        for f in &manifest.files {
            let m = members.iter().find(|m| m.path == f.path).unwrap();
            let hash: String = Sha256::digest(&m.bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(hash, f.sha256, "{file}: {}", f.path);
        }
    }
}

#[test]
fn the_analyzer_analyzes_collected_bundles_without_error() {
    let out = tempfile::tempdir().unwrap();
    let tar = collect(out.path(), "a.tar.gz");
    let zip = collect(out.path(), "a.zip");
    for path in [&tar, &zip] {
        let report = kbundle_analyzer::analyze_paths(std::slice::from_ref(path))
            .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
        let bundle = &report.analysis.bundles[0];
        assert!(
            bundle.nodes.iter().any(|n| n == "rt-node"),
            "{:?}",
            bundle.nodes
        );
        let manifest = Bundle::read(path).manifest();
        assert_eq!(bundle.created.as_deref(), Some(manifest.created.as_str()));
    }
}
