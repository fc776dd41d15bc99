//! Fake command directories on PATH: a command that hangs with children, one that writes
//! megabytes, one that fails, and missing ones. Short timeouts keep the tests quick.

mod common;

use common::{processes_with_arg, run, script, Bundle};
use kbundle_format::manifest::CollectorStatus;
use std::time::{Duration, Instant};

/// A number no other process on the machine has as an argument (one per test).
fn marker(test: u64) -> String {
    format!(
        "{}",
        900_000_000u64 + u64::from(std::process::id()) * 10 + test
    )
}

#[test]
fn hanging_flooding_failing_and_missing_commands_are_each_recorded() {
    let fake = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mark = marker(1);
    // Hangs, with two children and a grandchild that keep the pipes open.
    script(
        fake.path(),
        "df",
        &format!("echo partial output\nsleep {mark} &\n(sleep {mark}; echo never) &\nsh -c 'sleep {mark}' &\nsleep {mark}"),
    );
    // Writes 3 MB of lines, three times the cap.
    script(
        fake.path(),
        "uptime",
        "yes 'filler line for the size cap test ................................' | head -c 3000000; echo LAST-LINE",
    );
    // Fails with a message.
    script(
        fake.path(),
        "free",
        "echo 'free: cannot read /proc/meminfo: boom' >&2; exit 3",
    );
    // Exits non-zero but prints data (like systemctl status on a stopped unit).
    script(
        fake.path(),
        "timedatectl",
        "echo 'NTP service: inactive'; exit 3",
    );
    let target = out.path().join("fake.tar.gz");
    let started = Instant::now();
    let output = run(
        &[
            "--host-only",
            "--node-name",
            "n1",
            "--command-timeout",
            "1",
            "--max-log-bytes",
            "1M",
            "-o",
            target.to_str().unwrap(),
        ],
        Some(fake.path()),
    );
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    // Bounded: one 1 s timeout plus a short linger, far from the hang.
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    assert!(
        processes_with_arg(&mark).is_empty(),
        "survivors: {:?}",
        processes_with_arg(&mark)
    );

    let bundle = Bundle::read(&target);
    bundle.check_manifest_files();
    let manifest = bundle.manifest();
    let row = |name: &str| {
        manifest
            .collectors
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("no row {name}"))
            .clone()
    };

    let df = bundle.info("n1", "df-h");
    assert!(df.timed_out && df.exit_code.is_none(), "{df:?}");
    assert_eq!(df.error.as_deref(), Some("killed after 1 s"));
    assert!(df.duration_ms >= 1000 && df.duration_ms < 5000, "{df:?}");
    assert_eq!(
        bundle.text("host-collectors/n1/run/df-h.txt"),
        "partial output\n"
    );
    assert_eq!(row("run/df-h").status, CollectorStatus::Timeout);
    assert!(
        stderr.contains("timeout run/df-h: killed after 1 s"),
        "{stderr}"
    );

    let up = bundle.info("n1", "uptime");
    assert!(
        up.truncated && !up.timed_out && up.exit_code == Some(0),
        "{up:?}"
    );
    let text = bundle.text("host-collectors/n1/run/uptime.txt");
    assert!(
        text.len() <= 1 << 20 && text.len() > (1 << 20) - 200,
        "{}",
        text.len()
    );
    assert!(text.ends_with("LAST-LINE\n"));
    assert!(
        text.starts_with("filler line"),
        "whole lines only: {:?}",
        &text[..40]
    );
    assert_eq!(row("run/uptime").status, CollectorStatus::Truncated);

    let free = bundle.info("n1", "free");
    assert_eq!(free.exit_code, Some(3));
    assert_eq!(
        bundle.text("host-collectors/n1/run/free-stderr.txt"),
        "free: cannot read /proc/meminfo: boom\n"
    );
    let free_row = row("run/free");
    assert_eq!(free_row.status, CollectorStatus::Error);
    assert_eq!(
        free_row.error.as_deref(),
        Some("exit status 3: free: cannot read /proc/meminfo: boom")
    );

    let ntp = bundle.info("n1", "timedatectl");
    assert_eq!(ntp.exit_code, Some(3));
    assert_eq!(row("run/timedatectl").status, CollectorStatus::Ok);

    for missing in ["ip-addr", "multipath-ll", "crictl-ps", "journalctl-kubelet"] {
        let info = bundle.info("n1", missing);
        assert_eq!(info.error.as_deref(), Some("not found"), "{missing}");
        assert!(bundle
            .get(&format!("host-collectors/n1/run/{missing}.txt"))
            .is_none());
        assert_eq!(
            row(&format!("run/{missing}")).status,
            CollectorStatus::Skipped
        );
    }
}

#[test]
fn sigterm_mid_run_still_leaves_a_valid_interrupted_bundle() {
    let fake = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mark = marker(2);
    script(
        fake.path(),
        "df",
        &format!("echo before the hang\nsleep {mark} &\nsleep {mark}"),
    );
    let target = out.path().join("interrupted.tar.gz");
    let mut child = common::collector()
        .args([
            "--host-only",
            "--node-name",
            "n2",
            "--jobs",
            "1",
            "--command-timeout",
            "120",
            "-o",
        ])
        .arg(&target)
        .env("PATH", fake.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the hanging command runs.
    let deadline = Instant::now() + Duration::from_secs(20);
    while processes_with_arg(&mark).len() < 2 {
        assert!(Instant::now() < deadline, "df never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    common::terminate(&child);
    let sent = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(15),
            "did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = child.wait_with_output().unwrap();
    assert!(
        status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(processes_with_arg(&mark).is_empty());

    let bundle = Bundle::read(&target);
    bundle.check_manifest_files();
    let manifest = bundle.manifest();
    assert!(manifest.interrupted);
    // The analyzer's streaming reader takes it whole.
    let (_, members) = common::read_with_analyzer(&target);
    assert_eq!(members.len(), manifest.files.len() + 1);
    let df = manifest
        .collectors
        .iter()
        .find(|r| r.name == "run/df-h")
        .unwrap();
    assert_eq!(df.status, CollectorStatus::Error);
    assert!(
        df.error.as_deref().unwrap_or("").starts_with("interrupted"),
        "{df:?}"
    );
    assert_eq!(
        bundle.text("host-collectors/n2/run/df-h.txt"),
        "before the hang\n"
    );
    // Items after it did not run, and say so.
    let skipped: Vec<_> = manifest
        .collectors
        .iter()
        .filter(|r| r.error.as_deref() == Some("interrupted before it ran"))
        .collect();
    assert!(!skipped.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("INTERRUPTED"));
}
