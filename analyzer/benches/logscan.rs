//! Log scanner throughput: builds a mixed log in memory (kubelet journal, kernel, syslog and
//! container lines, one in ~5000 matching a rule) and scans it as every log kind, printing
//! MB/s by the wall clock and by the CPU time of the scanning thread (from
//! /proc/thread-self/schedstat; the machine is shared, so CPU time is the steadier figure).
//! Size: `LOGSCAN_BENCH_MB` (default 500). Run: `cargo bench -p kbundle-analyzer --bench logscan`.

use kbundle_analyzer::logscan::{Catalog, LogFileRef, LogKind, LogScanner, PodRef};
use kbundle_format::BundlePath;
use std::time::Instant;

const NOISE: &[&str] = &[
    "2026-11-27T09:12:03+0000 w1 kubelet[812]: I1127 09:12:03.123456     812 kubelet.go:2238] \"SyncLoop (PLEG): event for pod\" pod=\"default/web-6d4b7c9f5-x2x7k\" event=&{ID:1a2b Type:ContainerStarted Data:3f2e}",
    "2026-11-27T09:12:03+0000 w1 kubelet[812]: I1127 09:12:03.223456     812 reconciler_common.go:258] \"operationExecutor.VerifyControllerAttachedVolume started for volume \\\"kube-api-access-x\\\"\" pod=\"default/web-1\"",
    "Nov 27 09:12:03 w1 kernel: [81234.123456] IPv6: ADDRCONF(NETDEV_CHANGE): cali4f2e1a: link becomes ready",
    "Nov 27 09:12:03 w1 containerd[733]: time=\"2026-11-27T09:12:03.123456789Z\" level=info msg=\"StartContainer for \\\"3f2e\\\" returns successfully\"",
    "2026-11-27T09:12:03.123456789Z stdout F {\"level\":\"info\",\"ts\":\"2026-11-27T09:12:03.123Z\",\"caller\":\"server/handler.go:88\",\"msg\":\"request served\",\"path\":\"/api/v1/orders\",\"status\":200,\"took\":\"3.2ms\"}",
    "2026-11-27T09:12:03.123456789Z stdout F 10.42.0.1 - - [27/Nov/2026:09:12:03 +0000] \"GET /healthz HTTP/1.1\" 200 2 \"-\" \"kube-probe/1.28\"",
    "[81234.123456] audit: type=1400 audit(1795770723.123:4521): apparmor=\"STATUS\" operation=\"profile_load\" profile=\"unconfined\" name=\"cri-containerd.apparmor.d\" pid=4121 comm=\"apparmor_parser\"",
    "I1127 09:12:03.123456       1 controller.go:112] Reconciling object default/web-1 generation 42 observedGeneration 41",
];

const HITS: &[&str] = &[
    "Nov 27 09:12:03 w1 kernel: [81234.5] Out of memory: Killed process 4121 (java) total-vm:8254100kB",
    "2026-11-27T09:12:03+0000 w1 kubelet[812]: E1127 09:12:03.1 812 pod_workers.go:1300] \"Error syncing pod, skipping\" err=\"failed to \\\"StartContainer\\\" for \\\"web\\\" with CrashLoopBackOff: \\\"back-off 5m0s restarting failed container=web pod=web-1_default(1a2b)\\\"\"",
    "2026-11-27T09:12:03.1Z stderr F E1127 09:12:03.1 1 reflector.go:138] Get \"https://10.96.0.1:443/api\": dial tcp 10.96.0.1:443: i/o timeout",
];

fn build(target: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(target + 4096);
    let mut i: usize = 0;
    while out.len() < target {
        let line = if i % 5000 == 4999 {
            HITS[(i / 5000) % HITS.len()]
        } else {
            NOISE[(i * 7 + i / 3) % NOISE.len()]
        };
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
        i += 1;
    }
    out
}

fn file_for(kind: LogKind) -> LogFileRef {
    let pod = (kind == LogKind::ContainerLog).then(|| PodRef {
        namespace: "kube-system".into(),
        pod: "etcd-m1".into(),
        container: "etcd".into(),
        previous: false,
    });
    LogFileRef {
        path: BundlePath::new("bench/mixed.log").expect("a valid path"),
        kind,
        node: Some("w1".into()),
        pod,
    }
}

/// Nanoseconds this thread has run on a CPU, when the kernel says.
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

fn main() {
    let mb: usize = std::env::var("LOGSCAN_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let catalog = Catalog::builtin().expect("the builtin catalog loads");
    let scanner = LogScanner::new(&catalog).expect("the catalog compiles");
    let data = build(mb * 1_000_000);
    println!(
        "logscan: {} rules, {:.0} MB mixed log",
        catalog.rules().len(),
        data.len() as f64 / 1e6
    );
    for kind in LogKind::ALL {
        let file = file_for(kind);
        let cpu_start = thread_cpu_ns();
        let start = Instant::now();
        let scan = scanner
            .scan(&file, data.as_slice())
            .expect("in-memory reads do not fail");
        let secs = start.elapsed().as_secs_f64();
        let cpu = cpu_start
            .zip(thread_cpu_ns())
            .map(|(a, b)| b.saturating_sub(a) as f64 / 1e9);
        let hits: u64 = scan.hits.iter().map(|h| h.count).sum();
        let mb = data.len() as f64 / 1e6;
        println!(
            "{:>16}: {:>6.0} MB/s wall, {:>6} MB/s cpu  ({} lines, {} hits)",
            kind.as_str(),
            mb / secs,
            cpu.map_or("?".to_string(), |c| format!("{:.0}", mb / c)),
            scan.lines,
            hits,
        );
    }
}
