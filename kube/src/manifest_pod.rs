//! Static pod manifests from /etc/kubernetes/manifests: which control-plane pods the kubelet
//! is told to run, to compare with the mirror pods the API shows.

use super::meta::ObjectMeta;
use serde::Deserialize;

/// A manifest file's Pod, reduced to its identity.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct StaticPodManifest {
    /// Name (the mirror pod is `<name>-<node>`) and namespace.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// `Pod` for real manifests.
    #[serde(default)]
    pub kind: String,
}
