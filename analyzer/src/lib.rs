//! `kbundle`: reads Kubernetes support bundles offline and says what is broken, where, since
//! when, and why we think so.
//!
//! The modules follow the data, one way:
//! [`read`] (archive → members) → [`ingest`] (members → [`facts`], logs through
//! [`logscan`]) → [`rules`] (facts → findings) → [`report`] (findings, timeline, gaps →
//! the analysis model) → [`render`] (model → JSON, Markdown, terminal).

pub mod facts;
pub mod findings;
pub mod logscan;
pub mod read;
pub mod rules;
