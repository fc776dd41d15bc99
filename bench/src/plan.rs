//! What a generated bundle holds, and writing it: cluster objects first, then container
//! logs, then the nodes' commands and logs, then `version.yaml` and `manifest.json` (last,
//! as a collector writes it: only then are all files known).

use crate::archive::BundleWriter;
use crate::logs::{LogMaker, Style};
use crate::objects::{self, node_name, Failure, Pod};
use crate::rng::Rng;
use kbundle_format::commands::CommandId;
use kbundle_format::layout::{self, CommandPart};
use kbundle_format::manifest::{CollectorRun, CollectorStatus, Manifest, Tool, FORMAT_V1};
use kbundle_format::BundlePath;
use std::io;
use std::path::PathBuf;
use std::time::Instant;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Worker nodes.
    pub nodes: usize,
    /// Pods, spread over the namespaces.
    pub pods: usize,
    /// Namespaces.
    pub namespaces: usize,
    /// Megabytes (10^6 bytes) of logs, uncompressed: about a fifth node logs, the rest
    /// container logs.
    pub log_mb: u64,
    /// Incident lines to mix into the logs, about.
    pub incidents: u64,
    /// The output file (`.tar.gz`).
    pub out: PathBuf,
    /// gzip level.
    pub level: u32,
    /// Seed: the same options give the same bundle.
    pub seed: u64,
    /// Events at least, spread over the namespaces (routine Normal events fill up).
    pub events: usize,
}

/// What was generated.
#[derive(Debug)]
pub struct Summary {
    /// Regular files in the bundle.
    pub files: usize,
    /// Uncompressed content bytes.
    pub bytes: u64,
    /// Incident lines written.
    pub incidents: u64,
    /// Failing pods.
    pub failing_pods: usize,
}

/// Container logs are capped like the collector's default `log_max_bytes`.
const LOG_MAX_BYTES: u64 = 5 << 20;
const CREATED: &str = "2026-11-27T10:00:00Z";
const CREATED_UNIX: u64 = 1_795_773_600;
const APPS: &[&str] = &[
    "api",
    "web",
    "worker",
    "cart",
    "checkout",
    "search",
    "auth",
    "billing",
    "catalog",
    "gateway",
    "notifier",
    "scheduler",
    "indexer",
    "ledger",
    "media",
    "reports",
];
const FIXED_NAMESPACES: &[&str] = &["kube-system", "default", "monitoring", "ingress-nginx"];

/// Writes the bundle `options` describe.
pub fn generate(options: &Options) -> io::Result<Summary> {
    let started = Instant::now();
    let mut rng = Rng::new(options.seed);
    let nodes = options.nodes.max(1);
    let namespaces: Vec<String> = (0..options.namespaces.max(1))
        .map(|i| match FIXED_NAMESPACES.get(i) {
            Some(name) => name.to_string(),
            None => format!("team-{:03}", i - FIXED_NAMESPACES.len()),
        })
        .collect();
    let per_ns = plan_pods(&mut rng, options.pods, &namespaces, nodes);
    let events_per_ns = options.events / namespaces.len();
    let failing_pods = per_ns
        .iter()
        .flatten()
        .filter(|p| p.failure.is_some())
        .count();

    let top = format!("kbundle-bench-{}", CREATED.replace(['-', ':'], ""));
    let mut bundle = BundleWriter::create(&options.out, &top, CREATED_UNIX, options.level)?;
    let mut buf = Vec::with_capacity(8 << 20);
    let path = |s: &str| BundlePath::new(s).map_err(io::Error::other);

    buf.extend_from_slice(
        br#"{"major":"1","minor":"28","gitVersion":"v1.28.3","gitCommit":"a8a1abc25cad87333840cd7d54be2efaf31a3177","gitTreeState":"clean","buildDate":"2023-10-18T11:33:18Z","goVersion":"go1.20.10","compiler":"gc","platform":"linux/amd64"}"#,
    );
    bundle.add(&path(layout::CLUSTER_VERSION)?, &buf)?;
    buf.clear();
    objects::namespace_list(&mut buf, &mut rng, &namespaces);
    bundle.add(&path("cluster-resources/namespaces.json")?, &buf)?;
    buf.clear();
    objects::node_list(&mut buf, &mut rng, nodes);
    bundle.add(&path("cluster-resources/nodes.json")?, &buf)?;
    for kind in ["pods", "events"] {
        let dir = layout::kind_dir_named(kind).ok_or_else(|| io::Error::other(kind))?;
        for (ns, pods) in namespaces.iter().zip(&per_ns) {
            buf.clear();
            match kind {
                "pods" => objects::pod_list(&mut buf, &mut rng, ns, pods),
                _ => objects::event_list(&mut buf, &mut rng, ns, pods, events_per_ns),
            }
            bundle.add(&layout::list_path(dir, Some(ns)), &buf)?;
        }
    }
    eprintln!(
        "gen-bundle: objects written ({} pods, {failing_pods} failing) after {:.1?}",
        options.pods,
        started.elapsed()
    );

    let log_bytes = options.log_mb * 1_000_000;
    let expected_lines = (log_bytes / 140).max(1);
    let mut rng_logs = Rng::new(options.seed ^ 0x5eed);
    let mut logs = LogMaker {
        rng: &mut rng_logs,
        incident_rate: options.incidents as f64 / expected_lines as f64,
        incidents: 0,
    };

    // Container logs: four fifths of the budget, in files up to the collector's cap.
    let all_pods: Vec<(&str, &Pod)> = namespaces
        .iter()
        .zip(&per_ns)
        .flat_map(|(ns, pods)| pods.iter().map(move |p| (ns.as_str(), p)))
        .collect();
    let container_budget = log_bytes * 4 / 5;
    let mut written = 0;
    let mut next_report = 1u64 << 30;
    // A stride coprime with the count visits every pod once, in a scattered order.
    let stride = (7919..).find(|s| gcd(*s, all_pods.len()) == 1).unwrap_or(1);
    for i in 0..all_pods.len() {
        if written >= container_budget {
            break;
        }
        let (ns, pod) = all_pods[(i * stride) % all_pods.len()];
        // Log-uniform sizes from 16 KiB to the cap: many small logs, a few large ones.
        let exp = 14.0 + (rng.below(1000) as f64 / 1000.0) * 8.3;
        let size = (2f64.powf(exp) as u64)
            .min(LOG_MAX_BYTES)
            .min(container_budget - written);
        let style = match pod.app.len() % 4 {
            0 => Style::Klog,
            1 => Style::Logrus,
            2 => Style::Json,
            _ => Style::Nginx,
        };
        buf.clear();
        logs.container_log(&mut buf, size as usize, style, rng.chance(0.25));
        bundle.add(&layout::pod_log_path(ns, &pod.name, &pod.app, false), &buf)?;
        written += buf.len() as u64;
        if matches!(pod.failure, Some(Failure::CrashLoop)) {
            buf.clear();
            buf.extend_from_slice(b"time=\"2026-11-27T09:51:02Z\" level=info msg=\"starting\"\n");
            buf.extend_from_slice(b"time=\"2026-11-27T09:51:32Z\" level=fatal msg=\"Error starting daemon: failed to get Kubernetes server version: Get \\\"https://10.43.0.1:443/version?timeout=32s\\\": dial tcp 10.43.0.1:443: i/o timeout\"\n");
            bundle.add(&layout::pod_log_path(ns, &pod.name, &pod.app, true), &buf)?;
        }
        if bundle.bytes() >= next_report {
            eprintln!(
                "gen-bundle: {} MB written after {:.1?}",
                bundle.bytes() / 1_000_000,
                started.elapsed()
            );
            next_report += 1 << 30;
        }
    }

    // Nodes: a fifth of the budget in journals, syslog and kern.log, plus a few commands.
    let node_budget = (log_bytes - written.min(log_bytes)) / nodes as u64;
    for n in 0..nodes {
        let node = node_name(n);
        let run = |id: CommandId| layout::command_path(&node, id, CommandPart::Stdout);
        buf.clear();
        logs.kubelet_journal(&mut buf, (node_budget * 45 / 100) as usize, &node);
        bundle.add(&run(CommandId::JournalctlKubelet), &buf)?;
        buf.clear();
        logs.syslog(&mut buf, (node_budget * 35 / 100) as usize, &node, false);
        bundle.add(&layout::node_file_path(&node, "/var/log/syslog"), &buf)?;
        buf.clear();
        logs.syslog(&mut buf, (node_budget * 20 / 100) as usize, &node, true);
        bundle.add(&layout::node_file_path(&node, "/var/log/kern.log"), &buf)?;
        bundle.add(
            &run(CommandId::DfH),
            b"Filesystem      Size  Used Avail Use% Mounted on\n/dev/root       194G   61G  134G  32% /\ntmpfs            32G     0   32G   0% /dev/shm\n/dev/sda15      105M  6.1M   99M   6% /boot/efi\n",
        )?;
        bundle.add(
            &run(CommandId::Uptime),
            b" 10:00:00 up 7 days,  1:59,  0 users,  load average: 1.21, 1.05, 0.98\n",
        )?;
        bundle.add(
            &run(CommandId::SystemctlStatusKubelet),
            format!("* kubelet.service - Kubernetes Kubelet\n     Loaded: loaded (/lib/systemd/system/kubelet.service; enabled; vendor preset: enabled)\n     Active: active (running) since Fri 2026-11-20 08:00:03 UTC; 1 week 0 days ago\n   Main PID: 2296 (kubelet)\n      Tasks: 21 (limit: 76978)\n     Memory: 112.4M\n        CPU: 9h 12min 4.113s\n     CGroup: /system.slice/kubelet.service\n             `-2296 /usr/bin/kubelet --config=/var/lib/kubelet/config.yaml --hostname-override={node}\n").as_bytes(),
        )?;
    }

    bundle.add(
        &path(layout::VERSION_YAML)?,
        b"apiVersion: troubleshoot.sh/v1beta2\nkind: SupportBundle\nspec:\n  runner: kbundle-collect\n  versionNumber: 0.1.0\n",
    )?;
    let summary = Summary {
        files: bundle.files().len() + 1,
        bytes: bundle.bytes(),
        incidents: logs.incidents,
        failing_pods,
    };
    let manifest = Manifest {
        format: FORMAT_V1.to_string(),
        tool: Tool {
            name: "kbundle-bench".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        created: CREATED.to_string(),
        interrupted: false,
        options: serde_json::json!({"since": "72h", "namespaces": ["*"], "log_max_bytes": LOG_MAX_BYTES}),
        cluster: None,
        collectors: vec![CollectorRun {
            name: "cluster-resources/pods".to_string(),
            node: None,
            status: CollectorStatus::Ok,
            started: Some(CREATED.to_string()),
            duration_ms: 812,
            error: None,
            files: per_ns.len() as u64,
            bytes: 0,
            transport: None,
            target: None,
        }],
        files: bundle.files().to_vec(),
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?;
    bundle.add(&path(layout::MANIFEST)?, &json)?;
    bundle.finish()?;
    Ok(summary)
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Spreads `count` pods over `namespaces` in deployments of 2 to 20 replicas; 1 % fail.
fn plan_pods(rng: &mut Rng, count: usize, namespaces: &[String], nodes: usize) -> Vec<Vec<Pod>> {
    let per_ns = count / namespaces.len();
    let mut extra = count % namespaces.len();
    namespaces
        .iter()
        .map(|_| {
            let mut want = per_ns;
            if extra > 0 {
                extra -= 1;
                want += 1;
            }
            let mut pods = Vec::with_capacity(want);
            let mut deployment = 0;
            while pods.len() < want {
                let app = format!("{}-{deployment}", rng.pick(APPS));
                let hash = rng.suffix(9).to_lowercase();
                let replicas = rng.between(2, 20) as usize;
                for _ in 0..replicas.min(want - pods.len()) {
                    let failure = rng.chance(0.01).then(|| {
                        *rng.pick(&[
                            Failure::CrashLoop,
                            Failure::CrashLoop,
                            Failure::OomKilled,
                            Failure::ImagePull,
                            Failure::Unschedulable,
                        ])
                    });
                    pods.push(Pod {
                        name: format!("{app}-{hash}-{}", rng.suffix(5)),
                        app: app.clone(),
                        node: rng.below(nodes as u64) as usize,
                        failure,
                    });
                }
                deployment += 1;
            }
            pods
        })
        .collect()
}
