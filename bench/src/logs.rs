//! Log files with realistic mixed lines: klog, logrus, JSON, nginx access lines, optionally
//! CRI-prefixed; kubelet journals, syslog and kern.log. Mostly benign lines, with the rare
//! line a real rule must find (OOM kills, PLEG, i/o timeouts, probe failures).

use crate::clock::Stamp;
use crate::rng::Rng;
use std::io::Write;

/// How a container writes its log lines.
#[derive(Clone, Copy, Debug)]
pub enum Style {
    /// Kubernetes components: `I1127 10:00:00.123456 1 file.go:12] "msg" k="v"`.
    Klog,
    /// Go services with logrus: `time="..." level=info msg="..."`.
    Logrus,
    /// zap/JSON loggers.
    Json,
    /// nginx access lines.
    Nginx,
}

/// Where lines are written and how often an incident line is mixed in.
pub struct LogMaker<'r> {
    /// The generator all choices come from.
    pub rng: &'r mut Rng,
    /// Probability that a line is an incident line.
    pub incident_rate: f64,
    /// Incident lines written so far.
    pub incidents: u64,
}

const KLOG_FILES: &[&str] = &[
    "reflector.go:255",
    "controller.go:176",
    "leaderelection.go:258",
    "round_trippers.go:553",
    "shared_informer.go:311",
    "request.go:697",
    "trace.go:236",
    "reconciler.go:352",
];

const KLOG_MESSAGES: &[&str] = &[
    "\"Caches are synced\" controller=\"endpointslice\"",
    "\"Successfully renewed lease\" lease=\"kube-system/kube-controller-manager\"",
    "\"Watch close\" resource=\"*v1.ConfigMap\" total=\"7m31s\"",
    "\"Waited before sending request\" delay=\"1.04s\" reason=\"client-side throttling, not priority and fairness\"",
    "\"Starting reflector\" type=\"*v1.Secret\" resyncPeriod=\"10h0m0s\"",
    "\"Reconcile finished, requeueing\" attempt=1 backoff=\"5ms\"",
    "\"Syncing replica set\" replicaSet=\"default/web-7d9c6b5f4\" expected=3 observed=3",
    "\"Updated status\" object=\"kube-system/coredns\" generation=12",
];

const LOGRUS_MESSAGES: &[&str] = &[
    "Configuration loaded from flags.",
    "handled request",
    "reconciling volume claim",
    "cache refreshed",
    "served metrics scrape",
    "retrying after transient error",
    "connection pool resized",
    "job completed",
];

const JSON_MESSAGES: &[&str] = &[
    "Reconciler finished",
    "Starting workers",
    "request completed",
    "Successfully reconciled",
    "queue length sampled",
    "leader lease renewed",
    "webhook served",
    "checkpoint written",
];

const PATHS: &[&str] = &[
    "/",
    "/healthz",
    "/api/v1/orders",
    "/api/v1/orders/{id}",
    "/static/app.js",
    "/metrics",
    "/login",
    "/api/v2/search?q=widgets",
];

const AGENTS: &[&str] = &[
    "kube-probe/1.28",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
    "Prometheus/2.48.0",
    "curl/8.4.0",
    "Go-http-client/1.1",
];

/// Container log incident lines, as the real components print them.
pub const CONTAINER_INCIDENTS: &[&str] = &[
    "E1127 10:00:00.000000       1 reflector.go:147] Failed to watch *v1.Pod: failed to list *v1.Pod: Get \"https://10.43.0.1:443/api/v1/pods?limit=500\": dial tcp 10.43.0.1:443: i/o timeout",
    "time=\"2026-11-27T10:00:00Z\" level=fatal msg=\"Error starting daemon: Cannot start Provisioner: failed to get Kubernetes server version: Get \\\"https://10.43.0.1:443/version?timeout=32s\\\": dial tcp 10.43.0.1:443: i/o timeout\"",
    "Error: unable to load configmap based request-header-client-ca-file: Get \"https://10.43.0.1:443/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication\": dial tcp 10.43.0.1:443: i/o timeout",
    "java.lang.OutOfMemoryError: Java heap space",
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "x509: certificate has expired or is not yet valid: current time 2026-11-27T10:00:00Z is after 2026-11-20T00:00:00Z",
];

/// Kubelet journal incident messages (after the klog header).
pub const KUBELET_INCIDENTS: &[&str] = &[
    "\"Skipping pod synchronization\" err=\"PLEG is not healthy: pleg was last seen active 3m10.2s ago; threshold is 3m0s\"",
    "\"Probe failed\" probeType=\"Liveness\" pod=\"shop/api-5f7d8c9b6-x2k4q\" podUID=\"0b9f2d9e-1c2a-4e57-9d0e-3f0f4a1b2c3d\" containerName=\"api\" probeResult=\"failure\" output=\"HTTP probe failed with statuscode: 500\"",
    "\"Probe failed\" probeType=\"Readiness\" pod=\"shop/web-6c8d7f5b4-q9w8e\" podUID=\"9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d\" containerName=\"web\" probeResult=\"failure\" output=\"Get \\\"http://10.42.1.17:8080/ready\\\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)\"",
    "\"Error syncing pod, skipping\" err=\"failed to \\\"StartContainer\\\" for \\\"api\\\" with CrashLoopBackOff: \\\"back-off 5m0s restarting failed container=api pod=api-5f7d8c9b6-x2k4q_shop(0b9f2d9e-1c2a-4e57-9d0e-3f0f4a1b2c3d)\\\"\"",
    "\"Eviction manager: attempting to reclaim\" resourceName=\"memory\"",
    "\"Container runtime network not ready\" networkReady=\"NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized\"",
];

/// Kernel incident messages (after `kernel: [uptime] `).
pub const KERNEL_INCIDENTS: &[&str] = &[
    "Memory cgroup out of memory: Killed process 48213 (java) total-vm:8388608kB, anon-rss:4194304kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:9000kB oom_score_adj:984",
    "Out of memory: Killed process 51234 (node) total-vm:2097152kB, anon-rss:1048576kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4100kB oom_score_adj:1000",
    "nf_conntrack: nf_conntrack: table full, dropping packet",
    "INFO: task jbd2/sda1-8:412 blocked for more than 120 seconds.",
    "blk_update_request: I/O error, dev sdb, sector 2048 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 0",
    "watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [kworker/1:2:1234]",
];

const KUBELET_MESSAGES: &[&str] = &[
    "\"SyncLoop (PLEG): event for pod\" pod=\"kube-system/coredns-5d78c9869d-tncf4\" event={\"ID\":\"6c4f\",\"Type\":\"ContainerStarted\"}",
    "\"RemoveContainer\" containerID=\"3f2a9c8d7e6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f\"",
    "\"SyncLoop UPDATE\" source=\"api\" pods=[\"default/web-7d9c6b5f4-8xk2p\"]",
    "\"Probe succeeded\" probeType=\"Readiness\" pod=\"default/web-7d9c6b5f4-8xk2p\" containerName=\"web\"",
    "\"operationExecutor.VerifyControllerAttachedVolume started for volume\" volumeName=\"kubernetes.io/projected/kube-api-access-9x2lk\"",
    "\"MountVolume.SetUp succeeded for volume\" volumeName=\"kubernetes.io/configmap/config\" pod=\"default/web-7d9c6b5f4-8xk2p\"",
    "\"Housekeeping took longer than expected\" err=\"housekeeping took too long\" seconds=1.21",
    "\"Image garbage collection succeeded\"",
];

const SYSLOG_MESSAGES: &[&str] = &[
    "systemd[1]: Started Session 4122 of User core.",
    "systemd[1]: run-containerd-runc-k8s.io-4d3c.mount: Deactivated successfully.",
    "containerd[812]: time=\"2026-11-27T10:00:00.000000000Z\" level=info msg=\"StartContainer for \\\"4d3c\\\" returns successfully\"",
    "systemd-networkd[611]: cali4f2a9c8d7e6: Link UP",
    "CRON[30122]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
    "chronyd[702]: Selected source 169.254.169.123",
    "sshd[30511]: Accepted publickey for core from 10.0.0.5 port 51234 ssh2: ED25519 SHA256:Zm9vYmFy",
    "systemd[1]: Starting Cleanup of Temporary Directories...",
];

const KERNEL_MESSAGES: &[&str] = &[
    "IPv6: ADDRCONF(NETDEV_CHANGE): cali4f2a9c8d7e6: link becomes ready",
    "cni0: port 3(veth9a8b7c6d) entered forwarding state",
    "EXT4-fs (sda1): mounted filesystem with ordered data mode. Opts: (null)",
    "device veth9a8b7c6d entered promiscuous mode",
    "audit: type=1400 audit(1795773600.123:412): apparmor=\"STATUS\" operation=\"profile_replace\"",
    "overlayfs: upper fs does not support RENAME_WHITEOUT.",
];

impl LogMaker<'_> {
    fn incident(&mut self) -> bool {
        let hit = self.rng.chance(self.incident_rate);
        self.incidents += u64::from(hit);
        hit
    }

    /// Advances `now` (microseconds) by a realistic gap between log lines.
    fn tick(&mut self, now: &mut i64) -> Stamp {
        *now += self.rng.between(50, 900_000) as i64;
        Stamp::at(*now)
    }

    /// A container log of about `target` bytes, starting at `now`.
    pub fn container_log(&mut self, out: &mut Vec<u8>, target: usize, style: Style, cri: bool) {
        let mut now = 1_795_600_000_000_000 + self.rng.below(86_400_000_000) as i64;
        let start = out.len();
        while out.len() - start < target {
            let stamp = self.tick(&mut now);
            if cri {
                stamp.rfc3339(out, 9);
                out.extend_from_slice(b" stdout F ");
            }
            if self.incident() {
                out.extend_from_slice(self.rng.pick(CONTAINER_INCIDENTS).as_bytes());
                out.push(b'\n');
                continue;
            }
            match style {
                Style::Klog => self.klog_line(out, &stamp),
                Style::Logrus => self.logrus_line(out, &stamp),
                Style::Json => self.json_line(out, &stamp),
                Style::Nginx => self.nginx_line(out, &stamp),
            }
        }
    }

    fn klog_line(&mut self, out: &mut Vec<u8>, stamp: &Stamp) {
        out.push(*self.rng.pick(b"IIIIIIIW"));
        stamp.klog(out);
        let _ = writeln!(
            out,
            "       1 {}] {} traceID=\"{}\"",
            self.rng.pick(KLOG_FILES),
            self.rng.pick(KLOG_MESSAGES),
            self.rng.hex(16)
        );
    }

    fn logrus_line(&mut self, out: &mut Vec<u8>, stamp: &Stamp) {
        out.extend_from_slice(b"time=\"");
        stamp.rfc3339(out, 0);
        let level = self.rng.pick(&["info", "info", "info", "debug", "warning"]);
        let _ = writeln!(
            out,
            "\" level={level} msg=\"{}\" requestID={} duration={}ms",
            self.rng.pick(LOGRUS_MESSAGES),
            self.rng.hex(12),
            self.rng.below(900)
        );
    }

    fn json_line(&mut self, out: &mut Vec<u8>, stamp: &Stamp) {
        out.extend_from_slice(b"{\"level\":\"info\",\"ts\":\"");
        stamp.rfc3339(out, 3);
        let _ = writeln!(
            out,
            "\",\"logger\":\"controller\",\"msg\":\"{}\",\"reconcileID\":\"{}\",\"namespace\":\"ns-{}\",\"latency\":{}.{:03}}}",
            self.rng.pick(JSON_MESSAGES),
            self.rng.uuid(),
            self.rng.below(150),
            self.rng.below(3),
            self.rng.below(1000)
        );
    }

    fn nginx_line(&mut self, out: &mut Vec<u8>, stamp: &Stamp) {
        let _ = write!(
            out,
            "10.{}.{}.{} - - [",
            self.rng.below(256),
            self.rng.below(256),
            self.rng.between(1, 254)
        );
        stamp.clf(out);
        let status = *self.rng.pick(&[200, 200, 200, 200, 304, 404, 200, 301]);
        let _ = writeln!(
            out,
            "] \"GET {} HTTP/1.1\" {status} {} \"-\" \"{}\"",
            self.rng.pick(PATHS),
            self.rng.between(120, 48_000),
            self.rng.pick(AGENTS)
        );
    }

    /// `journalctl -u kubelet -o short-iso` output of about `target` bytes.
    pub fn kubelet_journal(&mut self, out: &mut Vec<u8>, target: usize, node: &str) {
        let mut now = 1_795_600_000_000_000;
        let start = out.len();
        out.extend_from_slice(
            b"-- Logs begin at Tue 2026-11-24T10:00:00+0000, end at Fri 2026-11-27T10:00:00+0000. --\n",
        );
        while out.len() - start < target {
            let stamp = self.tick(&mut now);
            stamp.short_iso(out);
            let _ = write!(out, " {node} kubelet[2296]: ");
            let incident = self.incident();
            out.push(if incident { b'E' } else { b'I' });
            stamp.klog(out);
            let message = if incident {
                self.rng.pick(KUBELET_INCIDENTS)
            } else {
                self.rng.pick(KUBELET_MESSAGES)
            };
            let _ = writeln!(out, "    2296 kubelet.go:2457] {message}");
        }
    }

    /// `/var/log/syslog` (`kernel` false) or `/var/log/kern.log` (`kernel` true).
    pub fn syslog(&mut self, out: &mut Vec<u8>, target: usize, node: &str, kernel: bool) {
        let mut now = 1_795_600_000_000_000;
        let start = out.len();
        while out.len() - start < target {
            let stamp = self.tick(&mut now);
            stamp.syslog(out);
            let _ = write!(out, " {node} ");
            let uptime = (now - 1_795_000_000_000_000) as f64 / 1e6;
            if kernel || self.rng.chance(0.2) {
                let message = if self.incident() {
                    self.rng.pick(KERNEL_INCIDENTS)
                } else {
                    self.rng.pick(KERNEL_MESSAGES)
                };
                let _ = writeln!(out, "kernel: [{uptime:.6}] {message}");
            } else {
                let _ = writeln!(out, "{}", self.rng.pick(SYSLOG_MESSAGES));
            }
        }
    }
}
