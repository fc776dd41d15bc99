//! The kinds whose directory names the format fixes (troubleshoot's spellings), and the
//! group and resource each stands for, so the collector writes and every reader finds a
//! kind's List in the same place.

/// One Kubernetes resource with a fixed directory name (troubleshoot's spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindDir {
    /// The directory or file stem under `cluster-resources/`.
    pub dir: &'static str,
    /// API group, `""` for core.
    pub group: &'static str,
    /// Preferred version the collector asks for.
    pub version: &'static str,
    /// The resource's plural name in the API.
    pub resource: &'static str,
    /// The object kind.
    pub kind: &'static str,
    /// Namespaced kinds are one List per namespace: `<dir>/<namespace>.json`.
    pub namespaced: bool,
}

const fn k(
    dir: &'static str,
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
    namespaced: bool,
) -> KindDir {
    KindDir {
        dir,
        group,
        version,
        resource,
        kind,
        namespaced,
    }
}

/// The kinds whose directory names are fixed by the format. Anything else discovered goes
/// under `custom-resources/`.
pub const KIND_DIRS: &[KindDir] = &[
    k("nodes", "", "v1", "nodes", "Node", false),
    k("namespaces", "", "v1", "namespaces", "Namespace", false),
    k(
        "pvs",
        "",
        "v1",
        "persistentvolumes",
        "PersistentVolume",
        false,
    ),
    k("pods", "", "v1", "pods", "Pod", true),
    k("events", "", "v1", "events", "Event", true),
    k("services", "", "v1", "services", "Service", true),
    k("endpoints", "", "v1", "endpoints", "Endpoints", true),
    k("configmaps", "", "v1", "configmaps", "ConfigMap", true),
    k("secrets", "", "v1", "secrets", "Secret", true),
    k(
        "pvcs",
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        true,
    ),
    k(
        "serviceaccounts",
        "",
        "v1",
        "serviceaccounts",
        "ServiceAccount",
        true,
    ),
    k(
        "resource-quotas",
        "",
        "v1",
        "resourcequotas",
        "ResourceQuota",
        true,
    ),
    k("limitranges", "", "v1", "limitranges", "LimitRange", true),
    k(
        "deployments",
        "apps",
        "v1",
        "deployments",
        "Deployment",
        true,
    ),
    k(
        "replicasets",
        "apps",
        "v1",
        "replicasets",
        "ReplicaSet",
        true,
    ),
    k(
        "statefulsets",
        "apps",
        "v1",
        "statefulsets",
        "StatefulSet",
        true,
    ),
    k("daemonsets", "apps", "v1", "daemonsets", "DaemonSet", true),
    k("jobs", "batch", "v1", "jobs", "Job", true),
    k("cronjobs", "batch", "v1", "cronjobs", "CronJob", true),
    k(
        "endpointslices",
        "discovery.k8s.io",
        "v1",
        "endpointslices",
        "EndpointSlice",
        true,
    ),
    k(
        "ingress",
        "networking.k8s.io",
        "v1",
        "ingresses",
        "Ingress",
        true,
    ),
    k(
        "ingress-classes",
        "networking.k8s.io",
        "v1",
        "ingressclasses",
        "IngressClass",
        false,
    ),
    k(
        "network-policy",
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        true,
    ),
    k(
        "leases",
        "coordination.k8s.io",
        "v1",
        "leases",
        "Lease",
        true,
    ),
    k(
        "roles",
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "Role",
        true,
    ),
    k(
        "rolebindings",
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
    ),
    k(
        "clusterroles",
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
    ),
    k(
        "clusterrolebindings",
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
    ),
    k(
        "pod-disruption-budgets",
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
    ),
    k(
        "storage-classes",
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "StorageClass",
        false,
    ),
    k(
        "volumeattachments",
        "storage.k8s.io",
        "v1",
        "volumeattachments",
        "VolumeAttachment",
        false,
    ),
    k(
        "custom-resource-definitions",
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        false,
    ),
    k(
        "priorityclasses",
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "PriorityClass",
        false,
    ),
    k(
        "certificatesigningrequests",
        "certificates.k8s.io",
        "v1",
        "certificatesigningrequests",
        "CertificateSigningRequest",
        false,
    ),
    k(
        "validating-webhook-configurations",
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        false,
    ),
    k(
        "mutating-webhook-configurations",
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        false,
    ),
];

/// The fixed directory of a resource, if it has one.
pub fn kind_dir_for(group: &str, resource: &str) -> Option<&'static KindDir> {
    KIND_DIRS
        .iter()
        .find(|k| k.group == group && k.resource == resource)
}

/// The entry for a directory name, accepting troubleshoot's spelling variants.
pub fn kind_dir_named(dir: &str) -> Option<&'static KindDir> {
    let canonical = match dir {
        "clusterRoleBindings" => "clusterrolebindings",
        "clusterRoles" => "clusterroles",
        other => other,
    };
    KIND_DIRS.iter().find(|k| k.dir == canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_dirs_are_unique() {
        let mut dirs: Vec<_> = KIND_DIRS.iter().map(|k| k.dir).collect();
        dirs.sort();
        dirs.dedup();
        assert_eq!(dirs.len(), KIND_DIRS.len());
        assert_eq!(
            kind_dir_for("", "persistentvolumeclaims").unwrap().dir,
            "pvcs"
        );
    }
}
