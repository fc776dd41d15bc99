//! Kubernetes as support bundles hold it, written once for the analyzer, `kbundle serve` and
//! the collector: lenient typed objects that keep only the fields rules and tables read (so
//! 150,000 pods fit in little memory), one List decoder, and kubectl's printers.

pub mod event;
pub mod list;
pub mod manifest_pod;
pub mod meta;
pub mod node;
pub mod pod;
pub mod printers;
pub mod serde_util;
pub mod workload;
