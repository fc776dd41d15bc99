//! Who this node is and whether it is a Kubernetes node at all.
//!
//! The node name is the kubelet's where it can be found (its `--hostname-override`, else the
//! `system:node:<name>` common name of its client certificate), else the host name;
//! `--node-name` overrides all of them.

use super::certificates;
use super::host::HostRoot;
use base64::Engine;
use std::ffi::OsStr;

/// Where systemd keeps unit files, searched for `<unit>.service`.
const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/lib/systemd/system",
    "/usr/lib/systemd/system",
];

/// Files holding the kubelet's extra flags on kubeadm, Debian and Red Hat style installs.
const KUBELET_FLAG_FILES: &[&str] = &[
    "/var/lib/kubelet/kubeadm-flags.env",
    "/etc/default/kubelet",
    "/etc/sysconfig/kubelet",
];

/// Kubeconfigs and certificates that carry the kubelet's client identity.
const KUBELET_KUBECONFIGS: &[&str] = &[
    "/etc/kubernetes/kubelet.conf",
    "/var/lib/kubelet/kubeconfig",
];
const KUBELET_CLIENT_CERT: &str = "/var/lib/kubelet/pki/kubelet-client-current.pem";

/// The node's name and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeName {
    /// The name.
    pub name: String,
    /// Where it came from, e.g. `--hostname-override in /var/lib/kubelet/kubeadm-flags.env`.
    pub source: String,
}

/// Finds the node name: `override_name`, else the kubelet's, else the host name.
pub(crate) fn node_name(host: &HostRoot, override_name: Option<&str>) -> NodeName {
    if let Some(name) = override_name.filter(|n| !n.trim().is_empty()) {
        return NodeName {
            name: name.trim().to_string(),
            source: "--node-name".to_string(),
        };
    }
    kubelet_node_name(host).unwrap_or_else(|| NodeName {
        name: hostname(host),
        source: "host name".to_string(),
    })
}

/// The kubelet's node name, when its configuration says it.
pub(crate) fn kubelet_node_name(host: &HostRoot) -> Option<NodeName> {
    for file in KUBELET_FLAG_FILES {
        if let Some(text) = read_small(host, file) {
            if let Some(name) = hostname_override(&text) {
                return Some(NodeName {
                    name,
                    source: format!("--hostname-override in {file}"),
                });
            }
        }
    }
    for file in KUBELET_KUBECONFIGS {
        if let Some(name) = read_small(host, file).and_then(|t| kubeconfig_node(host, &t)) {
            return Some(NodeName {
                name,
                source: format!("client certificate of {file}"),
            });
        }
    }
    let pem = read_small_bytes(host, KUBELET_CLIENT_CERT)?;
    let name = node_from_cn(&certificates::first_common_name(&pem)?)?;
    Some(NodeName {
        name,
        source: format!("client certificate {KUBELET_CLIENT_CERT}"),
    })
}

/// The value of `--hostname-override` in a flags line, if any.
pub(crate) fn hostname_override(text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        let flag = w.find("--hostname-override").map(|at| &w[at..]);
        if let Some(flag) = flag {
            let value = match flag.split_once('=') {
                Some((_, v)) => Some(v),
                None => words.get(i + 1).copied(),
            };
            if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
                return Some(v.to_string());
            }
        }
    }
    None
}

fn kubeconfig_node(host: &HostRoot, text: &str) -> Option<String> {
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).ok()?;
    let users = doc.get("users")?.as_sequence()?;
    for user in users {
        let user = user.get("user")?;
        let pem = if let Some(data) = user.get("client-certificate-data").and_then(|d| d.as_str()) {
            base64::engine::general_purpose::STANDARD
                .decode(data.trim())
                .ok()?
        } else if let Some(path) = user.get("client-certificate").and_then(|d| d.as_str()) {
            read_small_bytes(host, path)?
        } else {
            continue;
        };
        if let Some(name) = certificates::first_common_name(&pem).and_then(|cn| node_from_cn(&cn)) {
            return Some(name);
        }
    }
    None
}

fn node_from_cn(cn: &str) -> Option<String> {
    cn.strip_prefix("system:node:")
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

/// The host's name: `/etc/hostname` under another host root, else this machine's.
pub(crate) fn hostname(host: &HostRoot) -> String {
    if !host.is_own_root() {
        if let Some(name) = read_small(host, "/etc/hostname")
            .and_then(|t| t.lines().next().map(|l| l.trim().to_string()))
            .filter(|n| !n.is_empty())
        {
            return name;
        }
    }
    crate::sys::hostname().unwrap_or_else(|| "localhost".to_string())
}

/// True when a systemd unit file `<unit>.service` exists on the host.
pub(crate) fn unit_exists(host: &HostRoot, unit: &str) -> bool {
    UNIT_DIRS
        .iter()
        .any(|dir| host.exists(&format!("{dir}/{unit}.service")))
}

/// Why the machine looks like a Kubernetes node, or `None` when it plainly is not one (no
/// kubelet program or unit, no /etc/kubernetes, no /var/lib/kubelet under the host root).
pub(crate) fn node_evidence(host: &HostRoot, path_env: Option<&OsStr>) -> Option<String> {
    if let Some(p) = host.find_program("kubelet", path_env) {
        return Some(format!("kubelet program {p}"));
    }
    if unit_exists(host, "kubelet") {
        return Some("kubelet.service unit".to_string());
    }
    [
        "/etc/kubernetes",
        "/var/lib/kubelet",
        "/var/lib/rancher/k3s",
        "/var/lib/rancher/rke2",
        "/var/snap/microk8s",
    ]
    .iter()
    .find(|d| host.exists(d))
    .map(|d| format!("{d} exists"))
}

fn read_small(host: &HostRoot, path: &str) -> Option<String> {
    read_small_bytes(host, path).and_then(|b| String::from_utf8(b).ok())
}

/// Reads a configuration file of at most 1 MiB (anything bigger is not what we look for).
fn read_small_bytes(host: &HostRoot, path: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let local = host.resolve(path).ok()?;
    let file = std::fs::File::open(local).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut out = Vec::new();
    file.take(1 << 20).read_to_end(&mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname_override_in_flag_files() {
        let kubeadm = r#"KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock --hostname-override=worker-7 --pod-infra-container-image=registry.k8s.io/pause:3.9""#;
        assert_eq!(hostname_override(kubeadm).as_deref(), Some("worker-7"));
        assert_eq!(
            hostname_override("KUBELET_EXTRA_ARGS=--node-ip=10.0.0.5 --hostname-override w8")
                .as_deref(),
            Some("w8")
        );
        assert_eq!(
            hostname_override("KUBELET_EXTRA_ARGS=--node-ip=10.0.0.5"),
            None
        );
    }

    #[test]
    fn a_fake_root_is_a_node_only_with_kubernetes_traces() {
        let root = tempfile::tempdir().unwrap();
        let host = HostRoot::new(root.path());
        assert_eq!(node_evidence(&host, None), None);
        std::fs::create_dir_all(root.path().join("etc/kubernetes")).unwrap();
        assert_eq!(
            node_evidence(&host, None).as_deref(),
            Some("/etc/kubernetes exists")
        );
        std::fs::create_dir_all(root.path().join("lib/systemd/system")).unwrap();
        std::fs::write(root.path().join("lib/systemd/system/kubelet.service"), "").unwrap();
        assert!(unit_exists(&host, "kubelet"));
        assert!(!unit_exists(&host, "crio"));
    }

    #[test]
    fn node_name_prefers_override_then_kubelet_then_hostname() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("etc")).unwrap();
        std::fs::write(root.path().join("etc/hostname"), "plain-host\n").unwrap();
        let host = HostRoot::new(root.path());
        assert_eq!(node_name(&host, None).name, "plain-host");
        std::fs::create_dir_all(root.path().join("var/lib/kubelet")).unwrap();
        std::fs::write(
            root.path().join("var/lib/kubelet/kubeadm-flags.env"),
            "KUBELET_KUBEADM_ARGS=\"--hostname-override=kube-w1\"\n",
        )
        .unwrap();
        let n = node_name(&host, None);
        assert_eq!(n.name, "kube-w1");
        assert!(n.source.contains("kubeadm-flags.env"));
        assert_eq!(node_name(&host, Some("given")).name, "given");
    }
}
