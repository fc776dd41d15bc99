//! Kubernetes objects decoded from `cluster-resources/`, keeping only the fields rules read so
//! that 150,000 pods fit in little memory.

pub mod event;
pub mod list;
pub mod manifest_pod;
pub mod meta;
pub mod node;
pub mod pod;
pub mod serde_util;
pub mod workload;
