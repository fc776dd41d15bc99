//! The node collector.
pub mod certificates;
pub mod host;
pub mod identity;
pub mod commands;
pub mod files;
