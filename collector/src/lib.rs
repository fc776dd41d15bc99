//! `kbundle-collect`: gathers a node's state and the cluster's (through its API) into one
//! redacted support bundle, in bounded time, reading only.
//!
//! The pieces, in the order data flows through them:
//! [`node`] (commands, files, certificates of one node, read under a host root) →
//! [`bundle`] (the shared sink: [`redact`] → [`pseudonymize`] → capped spool) →
//! [`archive`] (tar.gz or zip, temp file renamed when complete, manifest with SHA-256s).
//! [`run`] orchestrates, [`cli`] parses flags, [`progress`] and [`interrupt`] talk to the
//! user. [`cluster`] collects through the Kubernetes API beside [`node`] and writes through
//! the same [`bundle::Bundle`].

pub mod archive;
pub mod bundle;
pub mod cli;
pub mod cluster;
pub mod interrupt;
pub mod node;
pub mod progress;
pub mod pseudonymize;
pub mod redact;
pub mod run;
mod sys;
