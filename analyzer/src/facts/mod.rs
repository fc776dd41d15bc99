//! Typed facts: what the bundle says, decoded once and shared by every rule.

pub mod host;
pub mod objects;
