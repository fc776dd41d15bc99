//! Node host rules, from the parsed node command outputs: disks, memory, network, reboots,
//! storage paths and services. Each file holds one area.

pub(crate) mod disk;
pub(crate) mod memory;
pub(crate) mod network;
pub(crate) mod reboots;
pub(crate) mod services;
pub(crate) mod storage;

use super::{Context, Rule};
use crate::facts::Facts;
use crate::findings::Findings;

pub(crate) use reboots::reboots_timeline;

/// Every host rule.
pub(crate) const RULES: &[&[&Rule]] = &[
    disk::RULES,
    memory::RULES,
    network::RULES,
    storage::RULES,
    services::RULES,
    reboots::RULES,
];

/// Runs every host rule.
pub(crate) fn check(facts: &Facts, ctx: &Context, out: &mut Findings) {
    disk::check(facts, ctx, out);
    memory::check(facts, ctx, out);
    network::check(facts, ctx, out);
    storage::check(facts, ctx, out);
    services::check(facts, ctx, out);
    reboots::check(facts, ctx, out);
}
