//! The log scanner against real logs from ../shared/corpus (see its SOURCES.md) and the
//! real troubleshoot bundle in ../shared/interop: every file scans without error, and each
//! finds what the file shows and stays quiet on what is noise. Without ../shared each test
//! skips with a printed reason (`kbundle_testkit::shared`).

use flate2::read::GzDecoder;
use kbundle_analyzer::logscan::{Catalog, FileScan, LogFileRef, LogKind, LogScanner, PodRef};
use kbundle_format::analysis::Severity;
use kbundle_format::BundlePath;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::Read;
use std::sync::OnceLock;

fn scanner() -> &'static LogScanner {
    static SCANNER: OnceLock<LogScanner> = OnceLock::new();
    SCANNER.get_or_init(|| {
        let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("{e}"));
        LogScanner::new(&catalog).unwrap_or_else(|e| panic!("{e}"))
    })
}

/// The scan of a corpus file read as a node log of `kind`; `None` (skipped) without the corpus.
fn node_log(kind: LogKind, corpus_file: &str) -> Option<FileScan> {
    let path = kbundle_testkit::shared(&format!("corpus/{corpus_file}"))?;
    let file = LogFileRef {
        path: BundlePath::new(&format!("corpus/{corpus_file}")).unwrap(),
        kind,
        node: Some("n1".into()),
        pod: None,
    };
    Some(scanner().scan(&file, File::open(path).unwrap()).unwrap())
}

/// The scan of a corpus file read as a container's log; `None` (skipped) without the corpus.
fn pod_log(corpus_file: &str, namespace: &str, pod: &str, container: &str) -> Option<FileScan> {
    let path = kbundle_testkit::shared(&format!("corpus/{corpus_file}"))?;
    let file = LogFileRef {
        path: BundlePath::new(&format!("corpus/{corpus_file}")).unwrap(),
        kind: LogKind::ContainerLog,
        node: None,
        pod: Some(PodRef {
            namespace: namespace.into(),
            pod: pod.into(),
            container: container.into(),
            previous: corpus_file.contains("previous"),
        }),
    };
    Some(scanner().scan(&file, File::open(path).unwrap()).unwrap())
}

/// Ids of every rule that matched at least once.
fn matched(scan: &FileScan) -> BTreeSet<String> {
    let catalog = scanner().catalog();
    scan.hits
        .iter()
        .map(|h| catalog.rule(h.rule).id.clone())
        .collect()
}

/// Ids of the rules whose thresholds are met: what would become findings.
fn conclusive(scan: &FileScan) -> BTreeSet<String> {
    let catalog = scanner().catalog();
    scan.conclusive(catalog)
        .map(|h| catalog.rule(h.rule).id.clone())
        .collect()
}

/// Ids of the rules whose thresholds are met with warning or critical severity: what would
/// become a warning or critical finding.
fn alarms(scan: &FileScan) -> BTreeSet<String> {
    let catalog = scanner().catalog();
    scan.conclusive(catalog)
        .map(|h| catalog.rule(h.rule))
        .filter(|r| r.severity >= Severity::Warning)
        .map(|r| r.id.clone())
        .collect()
}

fn ids<const N: usize>(list: [&str; N]) -> BTreeSet<String> {
    list.into_iter().map(str::to_string).collect()
}

fn capture<'a>(scan: &'a FileScan, rule: &str, name: &str) -> &'a str {
    let id = scanner().catalog().find(rule).unwrap();
    let hits = scan.hits.iter().find(|h| h.rule == id).unwrap();
    hits.captures
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap()
}

#[test]
fn kubenswrapper_journal_shows_the_crash_loop_and_probe_failures_not_the_noise() {
    let Some(s) = node_log(
        LogKind::KubeletJournal,
        "kubelet-journal/ocp-kubenswrapper-crashloop-probefail.log",
    ) else {
        return;
    };
    assert_eq!(s.lines, 50);
    assert_eq!(
        conclusive(&s),
        ids(["kubelet.crash-loop", "kubelet.readiness-probe-failed"])
    );
    assert_eq!(
        alarms(&s),
        ids(["kubelet.crash-loop"]),
        "readiness failures are context (info): every starting pod has some"
    );
    assert_eq!(
        matched(&s),
        conclusive(&s),
        "ContainerStatus NotFound, cadvisor and cpu_manager lines are noise"
    );
    assert_eq!(capture(&s, "kubelet.crash-loop", "ctr"), "controller");
    assert_eq!(
        capture(&s, "kubelet.crash-loop", "pod_ns"),
        "openshift-cloud-network-config-controller"
    );
    let first = s
        .first_time
        .unwrap()
        .resolve("2023-12-03T00:00:00Z".parse().unwrap());
    assert_eq!(first.to_string(), "2023-11-10T14:17:41.900439Z");
}

#[test]
fn kubelet_bootstrap_transients_match_but_do_not_alarm() {
    let Some(s) = node_log(
        LogKind::KubeletJournal,
        "kubelet-journal/ocp-mg-kubelet-bootstrap-first1400.log",
    ) else {
        return;
    };
    assert_eq!(s.lines, 1400);
    let seen = matched(&s);
    for rule in [
        "kubelet.pleg-never-ready",
        "kubelet.node-not-found",
        "kubelet.register-failed",
        "kubelet.cni-not-ready",
        "kubelet.mount-failed",
    ] {
        assert!(
            seen.contains(rule),
            "{rule} should match the bootstrap lines"
        );
    }
    assert!(alarms(&s).is_empty(), "{:?}", alarms(&s));
}

#[test]
fn crio_bootstrap_journal_is_quiet() {
    let Some(s) = node_log(
        LogKind::RuntimeJournal,
        "kubelet-journal/ocp-mg-crio-bootstrap-first600.log",
    ) else {
        return;
    };
    assert_eq!(s.lines, 600);
    assert!(s.hits.is_empty(), "{:?}", matched(&s));
}

#[test]
fn hung_task_console() {
    let Some(s) = node_log(
        LogKind::Kernel,
        "kernel-syslog/syz-hung-task-blocked-120s.log",
    ) else {
        return;
    };
    assert_eq!(alarms(&s), ids(["kernel.hung-task"]));
    assert_eq!(capture(&s, "kernel.hung-task", "comm"), "syz-executor0");
    assert_eq!(capture(&s, "kernel.hung-task", "pid"), "10244");
    assert_eq!(capture(&s, "kernel.hung-task", "secs"), "120");
    assert_eq!(s.first_time, None, "raw dmesg stamps are relative to boot");
}

#[test]
fn rcu_stall_console() {
    let Some(s) = node_log(
        LogKind::Kernel,
        "kernel-syslog/syz-rcu-self-detected-stall.log",
    ) else {
        return;
    };
    assert!(alarms(&s).contains("kernel.rcu-stall"), "{:?}", alarms(&s));
    assert_eq!(capture(&s, "kernel.rcu-stall", "flavor"), "preempt");
}

#[test]
fn buffer_io_error_then_panic() {
    let Some(s) = node_log(
        LogKind::Kernel,
        "kernel-syslog/syz-buffer-io-error-dentry-panic.log",
    ) else {
        return;
    };
    assert_eq!(
        alarms(&s),
        ids(["kernel.bug", "kernel.panic", "storage.block-io-error"])
    );
    assert_eq!(capture(&s, "storage.block-io-error", "dev"), "loop0");
    let catalog = scanner().catalog();
    let panic = catalog.rule(catalog.find("kernel.panic").unwrap());
    assert!(panic.suppresses.iter().any(|id| id == "kernel.bug"));
}

#[test]
fn boot_logs_are_quiet() {
    for file in [
        "kernel-syslog/insights-dmesg-timestamped.txt",
        "kernel-syslog/syz-unexpected-reboot-full-boot-console.log",
    ] {
        let Some(s) = node_log(LogKind::Kernel, file) else {
            return;
        };
        assert!(s.lines > 30, "{file}");
        assert!(alarms(&s).is_empty(), "{file}: {:?}", alarms(&s));
        let Some(s) = node_log(LogKind::Syslog, file) else {
            return;
        };
        assert!(alarms(&s).is_empty(), "{file} as syslog: {:?}", alarms(&s));
    }
}

#[test]
fn systemctl_status_tails_scan() {
    let Some(s) = node_log(
        LogKind::ServiceStatus,
        "host-commands/insights-systemctl-status-all.txt",
    ) else {
        return;
    };
    assert!(s.lines > 10);
    assert!(alarms(&s).is_empty(), "{:?}", alarms(&s));
}

#[test]
fn coredns_start_up_noise_is_quiet() {
    let Some(s) = pod_log(
        "pod-logs/k3d-coredns.log",
        "kube-system",
        "coredns-b96499967-tncf4",
        "coredns",
    ) else {
        return;
    };
    assert_eq!(s.lines, 967);
    assert!(s.hits.is_empty(), "{:?}", matched(&s));
    assert!(s.cause_lines.is_empty(), "warnings are not causes");
}

#[test]
fn metrics_server_died_on_an_api_timeout_before_its_usage_text() {
    let Some(s) = pod_log(
        "pod-logs/k3d-metrics-server-previous-apiserver-timeout.log",
        "kube-system",
        "metrics-server-668d979685-wttxd",
        "metrics-server",
    ) else {
        return;
    };
    let lines: Vec<u64> = s.cause_lines.iter().map(|c| c.line).collect();
    assert_eq!(
        lines,
        [1, 79],
        "the Error: line and the panic: after the usage text"
    );
    assert!(s.cause_lines[0]
        .text
        .ends_with("dial tcp 10.43.0.1:443: i/o timeout"));
    assert_eq!(matched(&s), ids(["apiserver.unreachable-from-pod"]));
    assert_eq!(
        capture(&s, "apiserver.unreachable-from-pod", "addr"),
        "10.43.0.1:443"
    );
    assert!(
        alarms(&s).is_empty(),
        "unreachable API is context (info), not an alarm"
    );
}

#[test]
fn local_path_provisioner_fatal_is_the_cause() {
    let Some(s) = pod_log(
        "pod-logs/k3d-local-path-provisioner-previous-fatal.log",
        "kube-system",
        "local-path-provisioner-7b7dc8d6f5-45btl",
        "local-path-provisioner",
    ) else {
        return;
    };
    assert_eq!(s.cause_lines.len(), 1);
    assert!(s.cause_lines[0]
        .text
        .contains("level=fatal msg=\"Error starting daemon"));
    assert_eq!(
        s.cause_lines[0]
            .time
            .unwrap()
            .resolve("2023-01-03T00:00:00Z".parse().unwrap())
            .to_string(),
        "2022-12-21T09:43:10Z"
    );
}

#[test]
fn ingress_operator_died_on_a_missing_crd() {
    let Some(s) = pod_log(
        "pod-logs/ocp-mg-ingress-operator-previous-crd-missing.log",
        "openshift-ingress-operator",
        "ingress-operator-7d578b789-7wcql",
        "ingress-operator",
    ) else {
        return;
    };
    let last = s.cause_lines.last().unwrap();
    assert_eq!(last.line, s.lines);
    assert!(
        last.text.contains(r#"no matches for kind \"Route\""#),
        "{}",
        last.text
    );
    assert_eq!(s.cause_lines.len(), 3);
    assert!(s.last_time.is_some_and(|t| t.is_absolute()));
}

#[test]
fn traefik_watch_errors_show_the_api_timeouts() {
    let Some(s) = pod_log(
        "pod-logs/k3d-traefik-watch-errors.log",
        "kube-system",
        "traefik-7cd4fcff68-9blj6",
        "traefik",
    ) else {
        return;
    };
    assert!(matched(&s).contains("apiserver.unreachable-from-pod"));
    assert_eq!(s.cause_lines.len(), 3);
}

#[test]
fn troubleshoot_bundle_pod_logs() {
    let Some(bundle) = kbundle_testkit::interop_bundle() else {
        return;
    };
    let file = File::open(bundle).unwrap();
    let mut archive = tar::Archive::new(GzDecoder::new(file));
    let mut causes: Vec<(String, String)> = Vec::new();
    let mut alarmed: Vec<(String, String)> = Vec::new();
    let mut logs = 0;
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let Some(rel) = name.strip_prefix("support-bundle/") else {
            continue;
        };
        let Ok(path) = BundlePath::new(rel) else {
            continue;
        };
        let Some(file) = LogFileRef::for_path(&path) else {
            continue;
        };
        let s = scanner().scan(&file, &mut entry as &mut dyn Read).unwrap();
        logs += 1;
        if let Some(last) = s.cause_lines.last() {
            causes.push((file.pod.unwrap().pod, last.text.clone()));
        }
        alarmed.extend(alarms(&s).into_iter().map(|a| (rel.to_string(), a)));
    }
    assert!(logs >= 18, "{logs}");
    for pod in [
        "metrics-server-668d979685-wttxd",
        "local-path-provisioner-7b7dc8d6f5-45btl",
    ] {
        assert!(
            causes
                .iter()
                .any(|(p, text)| p == pod && text.contains("dial tcp 10.43.0.1:443: i/o timeout")),
            "{pod}: {causes:?}"
        );
    }
    assert!(alarmed.is_empty(), "{alarmed:?}");
}
