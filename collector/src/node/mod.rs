//! The node collector.
pub mod certificates;
pub mod host;
pub mod identity;
