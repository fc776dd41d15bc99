//! Node host rules, from the parsed node command outputs: disks, memory, network, reboots,
//! storage paths and services. Each file holds one area.

pub mod disk;
pub mod memory;
pub mod network;
pub mod reboots;
pub mod services;
pub mod storage;

use super::{Context, Rule};
use crate::facts::Facts;
use crate::findings::Findings;

pub use reboots::reboots_timeline;

/// Every host rule.
pub const RULES: &[&[&Rule]] = &[
    disk::RULES,
    memory::RULES,
    network::RULES,
    storage::RULES,
    services::RULES,
    reboots::RULES,
];

/// Runs every host rule.
pub fn check(facts: &Facts, ctx: &Context, out: &mut Findings) {
    disk::check(facts, ctx, out);
    memory::check(facts, ctx, out);
    network::check(facts, ctx, out);
    storage::check(facts, ctx, out);
    services::check(facts, ctx, out);
    reboots::check(facts, ctx, out);
}
