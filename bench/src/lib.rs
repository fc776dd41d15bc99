//! Benchmarks for kbundle, not part of the product: a generator of large realistic bundles in
//! our format ([`generate`]) and the pieces it is made of. The binaries `gen-bundle` and
//! `read-bundle` and the script `bench/analyze-vs-gzip.sh` use it; docs/performance.md says
//! how, and what they measured.

pub mod archive;
pub mod clock;
pub mod logs;
pub mod objects;
pub mod plan;
pub mod rng;

pub use plan::{generate, Options, Summary};
