use super::tally::TEXT_CAP;
use super::*;
use crate::logscan::PodRef;
use kbundle_format::BundlePath;

const RULES: &str = r#"
rules:
  - id: kernel.oom-kill
    category: kernel-oom
    severity: critical
    title: OOM on {node}
    looks_at: [kernel, syslog]
    pattern: 'Out of memory: Killed process (?P<pid>\d+) \((?P<comm>[^)]*)\)'
    message: '{count} kills, last {comm} ({pid})'
    remediation: Find what grew.
    examples:
      match: ['Out of memory: Killed process 1 (a)']
      no_match: ['x']
  - id: kernel.link-down
    category: interface-down
    severity: warning
    title: Link down
    looks_at: [kernel]
    pattern: '(?P<iface>\w+): Link is Down'
    message: '{iface}'
    remediation: Check the cable.
    examples:
      match: ['eth0: Link is Down']
      no_match: ['eth0: Link is Up']
  - id: etcd.slow
    category: etcd-problem
    severity: warning
    title: Slow etcd
    looks_at: [container-log]
    pods: '^etcd-'
    pattern: 'apply request took too long'
    message: 'slow'
    remediation: Faster disks.
    examples:
      match: ['apply request took too long']
      no_match: ['x']
  - id: kubelet.not-ready
    category: cni-failure
    severity: warning
    title: No CNI
    looks_at: [kubelet-journal]
    pattern: 'No CNI configuration file'
    message: 'no cni'
    remediation: Check the plugin.
    min_span: 10m
    max_gap: 5m
    examples:
      match: ['No CNI configuration file in /etc/cni/net.d/']
      no_match: ['x']
"#;

fn scanner() -> LogScanner {
    let catalog = Catalog::from_files(&[("t.yaml", RULES)]).unwrap();
    LogScanner::new(&catalog).unwrap()
}

fn node_file(kind: LogKind) -> LogFileRef {
    LogFileRef {
        path: BundlePath::new("host-collectors/w1/files/var/log/kern.log").unwrap(),
        kind,
        node: Some("w1".into()),
        pod: None,
    }
}

fn pod_file(pod: &str) -> LogFileRef {
    LogFileRef {
        path: BundlePath::new(&format!(
            "cluster-resources/pods/logs/kube-system/{pod}/etcd.log"
        ))
        .unwrap(),
        kind: LogKind::ContainerLog,
        node: None,
        pod: Some(PodRef {
            namespace: "kube-system".into(),
            pod: pod.into(),
            container: "etcd".into(),
            previous: false,
        }),
    }
}

fn scan(kind: LogKind, text: &[u8]) -> FileScan {
    scanner().scan(&node_file(kind), text).unwrap()
}

fn hits_of<'a>(s: &'a FileScan, sc: &LogScanner, id: &str) -> Option<&'a RuleHits> {
    let id = sc.catalog().find(id).unwrap();
    s.hits.iter().find(|h| h.rule == id)
}

#[test]
fn counts_lines_hits_and_keeps_first_last_and_captures() {
    let sc = scanner();
    let text = "[Fri Nov 27 09:00:00 2026] boot\n\
                [Fri Nov 27 09:12:03 2026] Out of memory: Killed process 4121 (java) total-vm:1kB\n\
                [Fri Nov 27 09:13:00 2026] eth0: Link is Down\n\
                [Fri Nov 27 09:40:51 2026] Out of memory: Killed process 77 (python3) x\n\
                [Fri Nov 27 09:41:00 2026] done\n";
    let s = sc
        .scan(&node_file(LogKind::Kernel), text.as_bytes())
        .unwrap();
    assert_eq!((s.lines, s.bytes), (5, text.len() as u64));
    let oom = hits_of(&s, &sc, "kernel.oom-kill").unwrap();
    assert_eq!(oom.count, 2);
    assert_eq!((oom.first.line, oom.last.line), (2, 4));
    assert_eq!(
        oom.captures,
        vec![
            ("pid".to_string(), "77".to_string()),
            ("comm".to_string(), "python3".to_string())
        ]
    );
    assert_eq!(
        oom.first.time,
        Some(LineTime::Absolute("2026-11-27T09:12:03Z".parse().unwrap()))
    );
    assert_eq!(
        oom.samples.len(),
        2,
        "different processes are distinct samples"
    );
    let rule = sc.catalog().rule(oom.rule);
    assert_eq!(rule.message_for(oom, &s.file), "2 kills, last python3 (77)");
    assert_eq!(rule.title_for(oom, &s.file), "OOM on w1");
    assert_eq!(hits_of(&s, &sc, "kernel.link-down").unwrap().first.line, 3);
    let evidence = oom.evidence(&s.file);
    let lines: Vec<Option<u64>> = evidence.iter().map(|e| e.line).collect();
    assert_eq!(
        lines,
        [Some(2), Some(4)],
        "samples and the last hit, once each"
    );
    assert_eq!(
        evidence[0].file,
        "host-collectors/w1/files/var/log/kern.log"
    );
    assert_eq!(
        s.first_time,
        Some(LineTime::Absolute("2026-11-27T09:00:00Z".parse().unwrap()))
    );
    assert_eq!(
        s.last_time,
        Some(LineTime::Absolute("2026-11-27T09:41:00Z".parse().unwrap()))
    );
    assert!(s.cause_lines.is_empty(), "only container logs get causes");
}

#[test]
fn only_rules_of_the_kind_and_pod_apply() {
    let sc = scanner();
    let line = b"Nov 27 09:12:03 w1 kernel: eth0: Link is Down\n";
    assert!(
        sc.scan(&node_file(LogKind::Syslog), &line[..])
            .unwrap()
            .hits
            .is_empty(),
        "link-down looks at kernel logs only"
    );
    let etcd = b"{\"msg\":\"apply request took too long\"}\n";
    let s = sc.scan(&pod_file("etcd-m1"), &etcd[..]).unwrap();
    assert_eq!(s.hits.len(), 1);
    let s = sc.scan(&pod_file("web-1"), &etcd[..]).unwrap();
    assert!(s.hits.is_empty(), "etcd rules read etcd pods only");
}

#[test]
fn line_numbers_hold_across_blocks_crlf_and_a_missing_last_newline() {
    let filler = "x".repeat(99) + "\r\n";
    let mut text = String::new();
    for _ in 0..5000 {
        text.push_str(&filler);
    }
    text.push_str("eth1: Link is Down\r\n");
    for _ in 0..5000 {
        text.push_str(&filler);
    }
    text.push_str("eth2: Link is Down");
    let sc = scanner();
    let s = sc
        .scan(&node_file(LogKind::Kernel), text.as_bytes())
        .unwrap();
    assert!(text.len() > 3 * BLOCK);
    assert_eq!(s.lines, 10_002);
    let h = hits_of(&s, &sc, "kernel.link-down").unwrap();
    assert_eq!((h.count, h.first.line, h.last.line), (2, 5001, 10_002));
    assert_eq!(h.first.text, "eth1: Link is Down");
    assert_eq!(h.captures, vec![("iface".to_string(), "eth2".to_string())]);
}

/// Hands out data a few bytes at a time, as a slow decompressor might.
struct Trickle<'a>(&'a [u8], usize);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.1.min(buf.len()).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn short_reads_give_the_same_result() {
    let mut text = String::new();
    for i in 0..3000 {
        text.push_str(&format!("[{i}.0] line {i}\n"));
        if i % 700 == 0 {
            text.push_str(&format!("[{i}.5] eth{i}: Link is Down\n"));
        }
    }
    let sc = scanner();
    let whole = sc
        .scan(&node_file(LogKind::Kernel), text.as_bytes())
        .unwrap();
    let trickled = sc
        .scan(&node_file(LogKind::Kernel), Trickle(text.as_bytes(), 7))
        .unwrap();
    assert_eq!(whole, trickled);
    assert_eq!(whole.hits[0].count, 5);
}

#[test]
fn a_line_longer_than_a_block_counts_once_and_is_cut_in_evidence() {
    let mut text = "eth0: Link is Down ".to_string();
    text.push_str(&"é".repeat(BLOCK));
    text.push_str(" eth0: Link is Down\nnext\n");
    let sc = scanner();
    let s = sc
        .scan(&node_file(LogKind::Kernel), text.as_bytes())
        .unwrap();
    assert_eq!(s.lines, 2);
    let h = &s.hits[0];
    assert_eq!((h.count, h.first.line), (1, 1));
    assert!(h.first.text.len() <= TEXT_CAP && h.first.text.ends_with('…'));
}

#[test]
fn invalid_utf8_and_control_characters_are_scanned_and_cleaned() {
    let text = b"\xff\xfe eth0: Link is Down\x1b[0m\tnow\n\x00\x00\n";
    let s = scan(LogKind::Kernel, text);
    assert_eq!(s.lines, 2);
    assert_eq!(
        s.hits[0].first.text,
        "\u{fffd}\u{fffd} eth0: Link is Down[0m now"
    );
}

#[test]
fn empty_input_and_read_errors() {
    let s = scan(LogKind::Kernel, b"");
    assert_eq!((s.lines, s.bytes, s.hits.len()), (0, 0, 0));
    struct Broken;
    impl Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("truncated gzip"))
        }
    }
    let err = scanner()
        .scan(&node_file(LogKind::Kernel), Broken)
        .unwrap_err();
    assert_eq!(err.to_string(), "truncated gzip");
}

#[test]
fn samples_are_distinct_beyond_digits() {
    let mut text = String::new();
    for i in 0..50 {
        text.push_str(&format!("[{i}.0] eth0: Link is Down\n"));
    }
    text.push_str(
        "[99.0] ens: Link is Down\n[99.1] bond: Link is Down\n[99.2] wlan: Link is Down\n",
    );
    let s = scan(LogKind::Kernel, text.as_bytes());
    let texts: Vec<&str> = s.hits[0].samples.iter().map(|h| h.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "[0.0] eth0: Link is Down",
            "[99.0] ens: Link is Down",
            "[99.1] bond: Link is Down"
        ]
    );
}

#[test]
fn min_span_needs_one_long_run_of_hits() {
    let sc = scanner();
    let rule_id = sc.catalog().find("kubelet.not-ready").unwrap();
    let run = |times: &[&str]| {
        let text: String = times
            .iter()
            .map(|t| format!("Nov 27 {t} w1 kubelet[1]: E1127 No CNI configuration file in /etc/cni/net.d/\n"))
            .collect();
        let s = sc
            .scan(&node_file(LogKind::KubeletJournal), text.as_bytes())
            .unwrap();
        let h = s.hits.iter().find(|h| h.rule == rule_id).unwrap().clone();
        (h.longest_run, sc.catalog().rule(rule_id).is_met(&h))
    };
    // Start-up: a few seconds.
    assert_eq!(
        run(&["09:00:00", "09:00:05", "09:00:10"]),
        (Some(SignedDuration::from_secs(10)), false)
    );
    // Two start-ups an hour apart are two short runs, not one long one.
    assert_eq!(
        run(&["09:00:00", "09:00:30", "10:00:00", "10:00:30"]),
        (Some(SignedDuration::from_secs(30)), false)
    );
    // Every four minutes for twenty minutes: persistent.
    let (span, met) = run(&[
        "09:00:00", "09:04:00", "09:08:00", "09:12:00", "09:16:00", "09:20:00",
    ]);
    assert_eq!(span, Some(SignedDuration::from_mins(20)));
    assert!(met);
}

#[test]
fn cause_lines_are_the_last_error_lines_of_a_container_log() {
    let mut text = String::from("I1127 09:00:00.0 1 main.go:1] starting\n");
    text.push_str("E1127 09:00:01.0 1 main.go:2] first error\n");
    text.push_str("E1127 09:00:02.0 1 main.go:3] second error\n");
    text.push_str("Error: cannot reach the API\n");
    for i in 0..2000 {
        text.push_str(&format!(
            "      --flag-{i} string   a long usage text (default \"error\")\n"
        ));
    }
    let sc = scanner();
    let s = sc.scan(&pod_file("web-1"), text.as_bytes()).unwrap();
    let got: Vec<(u64, &str)> = s
        .cause_lines
        .iter()
        .map(|h| (h.line, h.text.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (2, "E1127 09:00:01.0 1 main.go:2] first error"),
            (3, "E1127 09:00:02.0 1 main.go:3] second error"),
            (4, "Error: cannot reach the API"),
        ]
    );
    assert!(s.cause_lines[0].time.is_some());
}

#[test]
fn counts_newlines_like_a_plain_loop() {
    let data: Vec<u8> = (0..100_000u32)
        .map(|i| if i % 7 == 0 { b'\n' } else { b'a' })
        .collect();
    for len in [0, 1, 31, 32, 33, 8160, 8161, 100_000] {
        let want = data[..len].iter().filter(|&&b| b == b'\n').count() as u64;
        assert_eq!(count_newlines(&data[..len]), want, "{len}");
    }
}

#[test]
fn every_builtin_example_goes_through_the_engine() {
    let catalog = Catalog::builtin().unwrap();
    let sc = LogScanner::new(&catalog).unwrap();
    for (i, rule) in catalog.rules().iter().enumerate() {
        for &kind in &rule.looks_at {
            let rules = &sc.kinds[kind as usize];
            let mask = vec![true; rules.rules.len()];
            let mut text = String::from("an ordinary line\n");
            for line in &rule.examples.must_match {
                text.push_str(line);
                text.push('\n');
            }
            for line in &rule.examples.no_match {
                text.push_str(line);
                text.push('\n');
            }
            let s = sc
                .scan_masked(&node_file(kind), rules, mask, text.as_bytes())
                .unwrap();
            let h = s.hits.iter().find(|h| h.rule == RuleId(i));
            assert_eq!(
                h.map(|h| h.count),
                Some(rule.examples.must_match.len() as u64),
                "{} in {}",
                rule.id,
                kind.as_str()
            );
        }
    }
}

/// The analyzer scans a bundle's logs from a pool of threads sharing one scanner: each
/// thread's scans must be exactly what one thread alone finds, whatever the interleaving.
#[test]
fn one_scanner_serves_many_threads() {
    const THREADS: usize = 4;
    let sc = scanner();
    // Files of every kind, with hits of every rule, ~1 MB each so that each scan spans
    // several blocks and interleaves with the others' for many steps.
    let mut files: Vec<(LogFileRef, Vec<u8>)> = Vec::new();
    for (i, kind) in LogKind::ALL.into_iter().enumerate() {
        let mut text = String::new();
        for n in 0..20_000 {
            match (n + i) % 997 {
                0 => text.push_str(&format!(
                    "[{n}.0] Out of memory: Killed process {n} (p{i})\n"
                )),
                1 => text.push_str(&format!("[{n}.0] eth{i}: Link is Down\n")),
                2 => text.push_str(
                    "Nov 27 09:12:03 w1 kubelet: No CNI configuration file in /etc/cni/net.d/\n",
                ),
                3 => text.push_str("{\"msg\":\"apply request took too long\"}\n"),
                4 => text.push_str("E1127 09:12:03.1 1 x.go:1] error: boom\n"),
                _ => text.push_str(&format!(
                    "Nov 27 09:00:00 w1 noise[{n}]: line {n} of kind {i}\n"
                )),
            }
        }
        let file = if kind == LogKind::ContainerLog {
            pod_file("etcd-m1")
        } else {
            node_file(kind)
        };
        files.push((file, text.into_bytes()));
    }
    let alone: Vec<FileScan> = files
        .iter()
        .map(|(f, text)| sc.scan(f, text.as_slice()).unwrap())
        .collect();
    // The test rules look at four kinds: those files have hits.
    assert_eq!(alone.iter().filter(|s| !s.hits.is_empty()).count(), 4);
    let together: Vec<Vec<(usize, FileScan)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (sc, files) = (&sc, &files);
                scope.spawn(move || {
                    // Each thread in its own order, every file twice.
                    (0..files.len() * 2)
                        .map(|k| (k * (t + 1) + t) % files.len())
                        .map(|i| (i, sc.scan(&files[i].0, files[i].1.as_slice()).unwrap()))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a scanning thread panicked"))
            .collect()
    });
    for scans in &together {
        assert_eq!(scans.len(), files.len() * 2);
        for (i, scan) in scans {
            assert_eq!(scan, &alone[*i], "file {i} scanned on a shared scanner");
        }
    }
}
