//! A small generated bundle reads back whole through `read_bundle`: every List is valid JSON
//! with the planned pods, the manifest lists every other file with its size, and the logs
//! hold the incident lines the rules are benchmarked on.

use kbundle_bench::logs::{CONTAINER_INCIDENTS, KERNEL_INCIDENTS, KUBELET_INCIDENTS};
use kbundle_bench::{generate, Options};
use kbundle_format::manifest::Manifest;
use kbundle_read::{read_bundle, Container, Member, MemberSink};
use std::collections::BTreeMap;
use std::io;

#[derive(Default)]
struct Bundle {
    sizes: BTreeMap<String, u64>,
    pods: usize,
    events: usize,
    manifest: Option<Manifest>,
    incident_lines: usize,
}

impl MemberSink for Bundle {
    fn member(&mut self, member: Member<'_>) -> io::Result<()> {
        let mut content = Vec::new();
        member.body.read_to_end(&mut content)?;
        let path = member.path.as_str();
        self.sizes.insert(path.to_string(), content.len() as u64);
        if path == "manifest.json" {
            self.manifest = Some(serde_json::from_slice(&content).map_err(io::Error::other)?);
        } else if path.ends_with(".json") {
            let value: serde_json::Value =
                serde_json::from_slice(&content).map_err(io::Error::other)?;
            if path.starts_with("cluster-resources/pods/") {
                assert_eq!(value["kind"], "PodList", "{path}");
                self.pods += value["items"].as_array().map_or(0, Vec::len);
            }
            if path.starts_with("cluster-resources/events/") {
                assert_eq!(value["kind"], "EventList", "{path}");
                self.events += value["items"].as_array().map_or(0, Vec::len);
            }
        } else {
            let text = String::from_utf8(content).map_err(io::Error::other)?;
            let incidents = [CONTAINER_INCIDENTS, KUBELET_INCIDENTS, KERNEL_INCIDENTS].concat();
            self.incident_lines += text
                .lines()
                .filter(|line| incidents.iter().any(|i| line.contains(i)))
                .count();
        }
        Ok(())
    }
}

#[test]
fn a_generated_bundle_reads_back_whole() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = dir.path().join("b.tar.gz");
    let summary = generate(&Options {
        nodes: 2,
        pods: 300,
        namespaces: 5,
        log_mb: 3,
        incidents: 60,
        out: out.clone(),
        level: 1,
        seed: 7,
        events: 1000,
    })
    .unwrap();

    let mut bundle = Bundle::default();
    let source = read_bundle(&out, &mut bundle).unwrap();
    assert_eq!(source.container, Container::TarGz);
    assert!(source.top_dir.unwrap().starts_with("kbundle-bench-"));
    assert_eq!(source.members as usize, summary.files);
    assert_eq!(bundle.pods, 300);
    assert!(bundle.events >= 1000, "{}", bundle.events);
    assert!(summary.incidents > 10, "{summary:?}");
    assert_eq!(bundle.incident_lines as u64, summary.incidents);

    let manifest = bundle.manifest.expect("manifest.json");
    assert_eq!(manifest.format, "kbundle/v1");
    assert_eq!(manifest.files.len() + 1, summary.files);
    for file in &manifest.files {
        assert_eq!(
            bundle.sizes.get(&file.path),
            Some(&file.size),
            "{}",
            file.path
        );
    }
}
