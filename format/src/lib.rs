//! The contract between `kbundle-collect`, `kbundle` and anything downstream.
//!
//! Everything here is plain data with no I/O, so the collector that writes a bundle and the
//! analyzer that reads it cannot disagree about where a file lives or what a field means.
//! docs/bundle-format.md and docs/analysis-format.md describe the same things in prose.

pub mod analysis;
pub mod checklist;
pub mod commands;
pub mod diff;
pub mod flavors;
pub mod layout;
pub mod logs;
pub mod manifest;
pub mod path;
pub mod untrusted;

pub use path::{BundlePath, PathError};
