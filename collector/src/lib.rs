//! `kbundle-collect`: gathers a node's state and the cluster's (through its API) into one
//! redacted support bundle, in bounded time, reading only.
//!
//! The pieces, in the order data flows through them:
//! [`node`] (commands, files, certificates of one node, read under a host root) →
//! [`bundle`] (the shared sink: [`redact`] → [`pseudonymize`] → capped spool) →
//! [`archive`] (tar.gz or zip, temp file renamed when complete, manifest with SHA-256s).
//! [`run`] orchestrates, [`cli`] parses flags, [`progress`] and [`interrupt`] talk to the
//! user. [`cluster`] collects through the Kubernetes API beside [`node`] and writes through
//! the same [`bundle::Bundle`]. [`fanout`] brings other nodes' node parts into the same
//! bundle, through a temporary DaemonSet (whose pods run [`agent`]) or over SSH.

pub(crate) mod agent;
pub(crate) mod archive;
pub(crate) mod bundle;
pub mod cli;
pub(crate) mod cluster;
pub(crate) mod fanout;
pub(crate) mod interrupt;
pub(crate) mod node;
pub(crate) mod progress;
pub mod pseudonymize;
pub mod redact;
pub mod run;
pub(crate) mod summary;
mod sys;
