//! The leak suite's data: the secret kinds and where they are planted.
#![allow(dead_code, unreachable_pub)]

pub mod kinds;
pub mod plant;
