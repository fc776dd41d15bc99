//! What a diff needs beyond the analysis's facts: the text of the files worth a unified diff
//! (static-pod manifests, kubelet and runtime configuration) and the pod templates of the
//! controllers (images, resources, probes), which no rule reads and the facts therefore do
//! not keep.
//!
//! It is one more streaming pass over each bundle, keeping only those: a few kilobytes per
//! node and per controller, whatever the bundle's size.

use kbundle_format::layout::{classify, PathKind};
use kbundle_read::{Member, MemberSink};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::Path;

/// Configuration files longer than this are compared by their first bytes only.
const MAX_TEXT: u64 = 256 << 10;

/// Files on a node whose changes matter, by path on the node (no leading `/`); a path
/// ending in `/` is a directory whose direct files count.
pub(crate) const CONFIG_FILES: &[&str] = &[
    "var/lib/kubelet/config.yaml",
    "var/lib/kubelet/kubeadm-flags.env",
    "etc/default/kubelet",
    "etc/sysconfig/kubelet",
    "etc/systemd/system/kubelet.service.d/",
    "etc/kubernetes/kubelet.conf",
    "etc/containerd/config.toml",
    "etc/crio/crio.conf",
    "etc/crio/crio.conf.d/",
    "etc/docker/daemon.json",
    "etc/multipath.conf",
    "etc/iscsi/iscsid.conf",
];

/// The static-pod manifest directory.
pub(crate) const MANIFESTS: &str = "etc/kubernetes/manifests/";

/// A file's text as one side holds it.
#[derive(Debug, Clone)]
pub(crate) struct FileText {
    /// The member in the bundle, for evidence.
    pub member: String,
    /// Its text (lossy UTF-8, at most [`MAX_TEXT`] bytes).
    pub text: String,
}

/// One container of a pod template, the fields whose change is a change of the workload.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TemplateContainer {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub image: String,
    #[serde(default)]
    pub resources: Value,
    #[serde(default)]
    pub liveness_probe: Value,
    #[serde(default)]
    pub readiness_probe: Value,
}

/// A controller's desired state.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Template {
    /// The member it was read from.
    pub member: String,
    /// Desired replicas (absent for DaemonSets).
    pub replicas: Option<i64>,
    /// Its containers and init containers, init containers first.
    pub containers: Vec<TemplateContainer>,
}

/// `(kind, namespace, name)` of a controller.
pub(crate) type WorkloadKey = (String, String, String);

/// What one side holds beyond its facts.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    /// `(node, path on the node)` → text, for manifests and configuration files.
    pub files: BTreeMap<(String, String), FileText>,
    /// Controllers' templates.
    pub templates: BTreeMap<WorkloadKey, Template>,
    /// CRD names.
    pub crds: Vec<String>,
}

impl Snapshot {
    /// Reads what a diff needs from each bundle of one side.
    pub(crate) fn read(paths: &[std::path::PathBuf]) -> Result<Self, kbundle_read::ReadError> {
        let mut sink = Sink {
            snapshot: Snapshot::default(),
        };
        for path in paths {
            kbundle_read::read_bundle(Path::new(path), &mut sink)?;
        }
        sink.snapshot.crds.sort();
        sink.snapshot.crds.dedup();
        Ok(sink.snapshot)
    }
}

/// Whether a file on a node is one a diff compares.
pub(crate) fn worth_comparing(host_path: &str) -> bool {
    if let Some(name) = host_path.strip_prefix(MANIFESTS) {
        return !name.contains('/');
    }
    CONFIG_FILES.iter().any(|c| match c.strip_suffix('/') {
        Some(dir) => host_path
            .strip_prefix(dir)
            .and_then(|r| r.strip_prefix('/'))
            .is_some_and(|r| !r.is_empty() && !r.contains('/')),
        None => host_path == *c,
    })
}

struct Sink {
    snapshot: Snapshot,
}

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    metadata: ItemMeta,
    #[serde(default)]
    spec: ItemSpec,
}

#[derive(Deserialize, Default)]
struct ItemMeta {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
}

#[derive(Deserialize, Default)]
struct ItemSpec {
    #[serde(default)]
    replicas: Option<i64>,
    #[serde(default)]
    template: PodTemplate,
}

#[derive(Deserialize, Default)]
struct PodTemplate {
    #[serde(default)]
    spec: PodTemplateSpec,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct PodTemplateSpec {
    #[serde(default)]
    init_containers: Vec<TemplateContainer>,
    #[serde(default)]
    containers: Vec<TemplateContainer>,
}

#[derive(Deserialize)]
struct Named {
    #[serde(default)]
    metadata: ItemMeta,
}

fn kind_of(dir: &str) -> Option<&'static str> {
    match dir {
        "deployments" => Some("Deployment"),
        "statefulsets" => Some("StatefulSet"),
        "daemonsets" => Some("DaemonSet"),
        _ => None,
    }
}

impl MemberSink for Sink {
    fn member(&mut self, m: Member<'_>) -> io::Result<()> {
        let member = m.path.as_str().to_string();
        match classify(m.path) {
            PathKind::NodeFile { node, host_path } if worth_comparing(host_path) => {
                let mut buf = Vec::new();
                m.body.take(MAX_TEXT).read_to_end(&mut buf)?;
                self.snapshot.files.insert(
                    (node.to_string(), host_path.to_string()),
                    FileText {
                        member,
                        text: String::from_utf8_lossy(&buf).into_owned(),
                    },
                );
            }
            PathKind::List {
                dir, yaml: false, ..
            } => {
                if let Some(kind) = kind_of(dir) {
                    let templates = &mut self.snapshot.templates;
                    // A List that does not decode is the analysis's to report; here it
                    // only has no templates.
                    let _ = kbundle_kube::list::stream::for_each_json(m.body, |item: Item| {
                        let mut containers = item.spec.template.spec.init_containers;
                        containers.extend(item.spec.template.spec.containers);
                        templates.insert(
                            (
                                kind.to_string(),
                                item.metadata.namespace,
                                item.metadata.name,
                            ),
                            Template {
                                member: member.clone(),
                                replicas: item.spec.replicas,
                                containers,
                            },
                        );
                        Ok::<(), std::convert::Infallible>(())
                    });
                } else if dir == "custom-resource-definitions" {
                    let crds = &mut self.snapshot.crds;
                    let _ = kbundle_kube::list::stream::for_each_json(m.body, |item: Named| {
                        crds.push(item.metadata.name);
                        Ok::<(), std::convert::Infallible>(())
                    });
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_compared_are_manifests_and_runtime_configuration() {
        for yes in [
            "etc/kubernetes/manifests/kube-apiserver.yaml",
            "var/lib/kubelet/config.yaml",
            "etc/containerd/config.toml",
            "etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
        ] {
            assert!(worth_comparing(yes), "{yes}");
        }
        for no in [
            "var/log/syslog",
            "etc/kubernetes/manifests/old/kube-apiserver.yaml",
            "etc/systemd/system/kubelet.service.d/",
            "var/lib/kubelet/config.yaml.bak",
        ] {
            assert!(!worth_comparing(no), "{no}");
        }
    }
}
