//! `kbundle-collect`: gathers a node's state into one redacted support bundle.
pub mod archive;
pub mod bundle;
pub mod interrupt;
pub mod node;
pub mod progress;
pub mod pseudonymize;
pub mod redact;
