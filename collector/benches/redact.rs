//! Redaction and pseudonymization throughput on real-world text (the shared corpus repeated
//! to 64 MiB), against a plain line copy. Run: `cargo bench -p kbundle-collector --bench redact`.

use kbundle_collect::pseudonymize::Pseudonymizer;
use kbundle_collect::redact::Redactor;
use std::time::Instant;

fn corpus() -> Vec<u8> {
    // The shared corpus beside the repository, found from a git worktree too.
    let corpus = kbundle_testkit::shared_dir().join("corpus");
    let corpus = corpus.display();
    let mut one = Vec::new();
    for dir in [
        "kubelet-journal",
        "pod-logs",
        "kernel-syslog",
        "host-commands",
        "k8s-objects",
    ] {
        let Ok(entries) = std::fs::read_dir(format!("{corpus}/{dir}")) else {
            continue;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            one.extend(std::fs::read(p).unwrap_or_default());
            one.push(b'\n');
        }
    }
    assert!(!one.is_empty(), "corpus not found at {corpus}");
    let mut all = Vec::with_capacity(64 << 20);
    while all.len() < 64 << 20 {
        all.extend_from_slice(&one);
    }
    all
}

fn measure(name: &str, input: &[u8], mut per_line: impl FnMut(&[u8], &mut Vec<u8>)) -> f64 {
    let mut out = Vec::with_capacity(1 << 20);
    let start = Instant::now();
    let mut total = 0usize;
    for line in input.split_inclusive(|&b| b == b'\n') {
        out.clear();
        per_line(line, &mut out);
        total += out.len();
    }
    let secs = start.elapsed().as_secs_f64();
    let mbs = input.len() as f64 / (1 << 20) as f64 / secs;
    println!(
        "{name:<28} {:>8.1} MiB/s  ({:.2} s for {} MiB, {} bytes out)",
        mbs,
        secs,
        input.len() >> 20,
        total
    );
    secs
}

fn main() {
    let input = corpus();
    let copy = measure("plain line copy", &input, |l, o| o.extend_from_slice(l));
    let redactor = Redactor::builtin();
    let mut stream = redactor.stream();

    let label = format!("redaction ({} rules)", redactor.rule_names().len());
    let red = measure(&label, &input, |l, o| stream.line(l, o));
    let ps = Pseudonymizer::new([1; 32], &["worker-3".to_string()]);
    let pseudo = measure("pseudonymization", &input, |l, o| ps.line(l, o));
    println!(
        "redaction costs {:.1} s per GiB over a plain copy; pseudonymization {:.1} s per GiB",
        (red - copy) * 1024.0 / (input.len() >> 20) as f64,
        (pseudo - copy) * 1024.0 / (input.len() >> 20) as f64
    );
    let counts: u64 = stream.counts().iter().map(|(_, c)| c).sum();
    println!("redactions in the corpus: {counts}");
}
