//! `kbundle-collect`: gathers a node's state into one redacted support bundle.
pub mod archive;
pub mod interrupt;
pub mod progress;
pub mod pseudonymize;
pub mod redact;
