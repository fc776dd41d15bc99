//! The real troubleshoot bundle from a k3s cluster (shared/interop): it must analyze
//! cleanly, flag the two pods that really crash-loop, with the API-server timeout from their
//! previous logs as evidence, and not call restarts after a node restart a crash loop.

use kbundle_format::analysis::{Category, Flavor, Severity};

#[test]
fn troubleshoot_bundle_flags_the_real_crash_loops_only() {
    let Some(bundle) = kbundle_testkit::interop_bundle() else {
        return;
    };
    let report = kbundle_analyzer::analyze_paths(&[bundle]).expect("the troubleshoot bundle reads");
    let a = &report.analysis;
    assert_eq!(a.bundles[0].flavor, Flavor::Troubleshoot);
    assert_eq!(
        a.bundles[0].cluster_version.as_deref(),
        Some("v1.24.4+k3s1")
    );
    assert_eq!(
        a.bundles[0].created.as_deref(),
        Some("2022-12-21T16:44:51Z")
    );
    assert!(a.collection.is_empty(), "{:?}", a.collection);
    assert_eq!(a.summary.critical, 0);

    let crash_loops: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.category == Category::CrashLoop && f.severity >= Severity::Warning)
        .collect();
    let mut names: Vec<&str> = crash_loops
        .iter()
        .map(|f| f.subject.name.as_str())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "local-path-provisioner-7b7dc8d6f5-45btl",
            "metrics-server-668d979685-wttxd"
        ]
    );
    for f in &crash_loops {
        assert!(f.count >= 180, "{}: count {}", f.subject, f.count);
        assert!(f.message.contains("Error"), "{}", f.message);
        let from_previous_log = f.evidence.iter().any(|e| {
            e.file.ends_with("-previous.log")
                && e.text.contains("dial tcp 10.43.0.1:443: i/o timeout")
        });
        assert!(
            from_previous_log,
            "{} lacks the previous log's cause: {:?}",
            f.subject, f.evidence
        );
        assert!(f.evidence.iter().all(|e| !e.file.is_empty()));
    }
    // traefik, coredns, svclb and nginx restarted with reason Unknown (the node restarted).
    for quiet in ["traefik", "coredns", "svclb", "nginx"] {
        assert!(
            !a.findings
                .iter()
                .any(|f| f.category == Category::CrashLoop && f.subject.name.contains(quiet)),
            "{quiet} must not be called a crash loop"
        );
    }
}

/// Unpacked, the same bundle is dated by what it holds (its newest event or log line), never
/// by its files' modification times, which say when it was unpacked.
#[test]
fn an_unpacked_troubleshoot_bundle_is_dated_by_its_content() {
    let Some(bundle) = kbundle_testkit::interop_bundle() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(&bundle).unwrap());
    tar::Archive::new(gz).unpack(dir.path()).unwrap();
    let report = kbundle_analyzer::analyze_paths(&[dir.path().to_path_buf()]).unwrap();
    let b = &report.analysis.bundles[0];
    assert_eq!(b.flavor, Flavor::Troubleshoot);
    assert_eq!(b.created.as_deref(), Some("2022-12-21T16:43:09Z"));
}
