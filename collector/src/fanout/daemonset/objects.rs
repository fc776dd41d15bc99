//! The objects `--daemonset` creates, exactly: a Namespace of its own (unless an existing
//! `--agent-namespace` is given) and one DaemonSet. `--dry-run` prints these same values, so
//! what a security team reviews is what runs.
//!
//! Least privilege, as the node commands need it (docs/collector.md has the command by
//! command table): the host's `/` read-only at `/host` (recursively read-only where the
//! cluster supports it), the host's network namespace (interfaces, routes, and the iscsid and
//! multipathd sockets live there), root with only CAP_SYS_CHROOT (commands run chrooted into
//! `/host`), CAP_DAC_READ_SEARCH (read logs and journals owned by others) and CAP_SYSLOG
//! (`dmesg`), no privilege escalation, a read-only root filesystem, no service-account
//! token, every taint tolerated, Linux nodes only, bounded CPU and memory, and one
//! emptyDir for the result.

use super::super::nodes::NodeSelection;
use serde_json::{json, Value};

/// The label every object of a run carries, so a later run or `--cleanup` finds leftovers.
pub(crate) const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kbundle-collect");
/// The label naming the run (`kbundle-<id>`), on the namespace, the DaemonSet and its pods.
pub(crate) const INSTANCE: &str = "app.kubernetes.io/instance";
/// The label naming the component, on the DaemonSet and its pods.
pub(crate) const NAME: (&str, &str) = ("app.kubernetes.io/name", "kbundle-agent");
/// When the objects may be removed by another run: after this time they are leftovers.
pub(crate) const EXPIRES: &str = "kbundle-collect/expires";
/// The DaemonSet's name.
pub(crate) const DAEMONSET: &str = "kbundle-agent";
/// The agent container's name.
pub(crate) const CONTAINER: &str = "agent";
/// Where the image holds the binary.
pub(crate) const BINARY: &str = "/usr/local/bin/kbundle-collect";
/// Where the agent writes its bundle (an emptyDir).
pub(crate) const RESULT_DIR: &str = "/kbundle/out";
/// Where the host's `/` is mounted.
pub(crate) const HOST_ROOT: &str = "/host";

/// What the objects are made of.
#[derive(Debug, Clone)]
pub(crate) struct Spec<'a> {
    /// `kbundle-<id>`: the run, in the instance label.
    pub run: &'a str,
    /// The namespace the DaemonSet goes in.
    pub namespace: &'a str,
    /// The agent image.
    pub image: &'a str,
    /// Image pull secrets (in `namespace`).
    pub pull_secrets: &'a [String],
    /// `priorityClassName`.
    pub priority_class: Option<&'a str>,
    /// A privileged container instead of three capabilities.
    pub privileged: bool,
    /// `--nodes`, as node affinity.
    pub nodes: &'a NodeSelection,
    /// Node-part flags for the agent (`--since`, `--max-log-bytes`, `--command-timeout`).
    pub node_args: &'a [String],
    /// RFC 3339: after this, the objects are leftovers another run may delete.
    pub expires: &'a str,
}

fn labels(spec: &Spec<'_>, component: bool) -> Value {
    let mut l = json!({ MANAGED_BY.0: MANAGED_BY.1, INSTANCE: spec.run });
    if component {
        l[NAME.0] = Value::String(NAME.1.to_string());
    }
    l
}

/// The Namespace: labelled for Pod Security `privileged` (hostPath, hostNetwork and added
/// capabilities are beyond `baseline`), and for finding it again.
pub(crate) fn namespace(spec: &Spec<'_>) -> Value {
    let mut l = labels(spec, false);
    for mode in ["enforce", "audit", "warn"] {
        l[format!("pod-security.kubernetes.io/{mode}")] = Value::String("privileged".into());
    }
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": spec.namespace,
            "labels": l,
            "annotations": { EXPIRES: spec.expires },
        },
    })
}

/// The DaemonSet whose pods run the node part once and hold the result until fetched.
pub(crate) fn daemonset(spec: &Spec<'_>) -> Value {
    let mut args = vec![
        "--agent".to_string(),
        RESULT_DIR.to_string(),
        "--host-root".to_string(),
        HOST_ROOT.to_string(),
    ];
    args.extend(spec.node_args.iter().cloned());
    let security = if spec.privileged {
        json!({"privileged": true, "runAsUser": 0, "readOnlyRootFilesystem": true})
    } else {
        json!({
            "runAsUser": 0,
            "runAsNonRoot": false,
            "allowPrivilegeEscalation": false,
            "readOnlyRootFilesystem": true,
            "capabilities": {"drop": ["ALL"], "add": ["SYS_CHROOT", "DAC_READ_SEARCH", "SYSLOG"]},
        })
    };
    let probe = json!({
        "exec": {"command": [BINARY, "--agent-ready", RESULT_DIR]},
        "periodSeconds": 2,
        "timeoutSeconds": 5,
        "failureThreshold": 1,
    });
    let mut pod_spec = json!({
        "automountServiceAccountToken": false,
        "enableServiceLinks": false,
        "hostNetwork": true,
        "hostPID": false,
        "hostIPC": false,
        "terminationGracePeriodSeconds": 5,
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "tolerations": [{"operator": "Exists"}],
        "containers": [{
            "name": CONTAINER,
            "image": spec.image,
            "imagePullPolicy": "IfNotPresent",
            "command": [BINARY],
            "args": args,
            "env": [
                {"name": "KBUNDLE_NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                {"name": "PATH", "value": "/usr/local/bin:/usr/bin:/bin"},
            ],
            "resources": {
                "requests": {"cpu": "50m", "memory": "64Mi"},
                "limits": {"cpu": "1", "memory": "512Mi", "ephemeral-storage": "1Gi"},
            },
            "securityContext": security,
            "readinessProbe": probe,
            "volumeMounts": [
                {"name": "host", "mountPath": HOST_ROOT, "readOnly": true,
                 "recursiveReadOnly": "IfPossible", "mountPropagation": "None"},
                {"name": "result", "mountPath": RESULT_DIR},
            ],
        }],
        "volumes": [
            {"name": "host", "hostPath": {"path": "/", "type": "Directory"}},
            {"name": "result", "emptyDir": {"sizeLimit": "1Gi"}},
        ],
    });
    if let Some(affinity) = spec.nodes.affinity() {
        pod_spec["affinity"] = affinity;
    }
    if let Some(pc) = spec.priority_class {
        pod_spec["priorityClassName"] = Value::String(pc.to_string());
    }
    if !spec.pull_secrets.is_empty() {
        pod_spec["imagePullSecrets"] = spec
            .pull_secrets
            .iter()
            .map(|n| json!({ "name": n }))
            .collect();
    }
    let selector = json!({ NAME.0: NAME.1, INSTANCE: spec.run });
    json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {
            "name": DAEMONSET,
            "namespace": spec.namespace,
            "labels": labels(spec, true),
            "annotations": { EXPIRES: spec.expires },
        },
        "spec": {
            "selector": {"matchLabels": selector},
            "updateStrategy": {"type": "OnDelete"},
            "template": {
                "metadata": {"labels": labels(spec, true)},
                "spec": pod_spec,
            },
        },
    })
}

/// The `--dry-run` output: each object as a YAML document, with a header saying what
/// happens to them and which permissions the run checks first.
pub(crate) fn yaml(objects: &[Value], permissions: &[String]) -> String {
    let mut out = String::from(
        "# kbundle-collect --daemonset --dry-run: the objects it would create.\n\
         # They are deleted when the run ends, fails or is interrupted; leftovers of a killed\n\
         # run are found by the label app.kubernetes.io/managed-by=kbundle-collect.\n\
         # Permissions checked (SelfSubjectAccessReview) before anything is created:\n",
    );
    for p in permissions {
        out.push_str(&format!("#   {p}\n"));
    }
    for o in objects {
        out.push_str("---\n");
        out.push_str(&serde_yaml_ng::to_string(o).unwrap_or_default());
    }
    out
}

#[cfg(test)]
mod tests;
