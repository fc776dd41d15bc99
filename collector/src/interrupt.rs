//! Ctrl-C and SIGTERM as a flag: the collector stops launching work, kills what runs and
//! still finishes a valid bundle marked `"interrupted": true`.
//!
//! A second signal while the bundle is being finished exits at once (status 130), so a user
//! is never stuck behind a slow disk.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Shared, cheap-to-clone view of "has the user asked us to stop?".
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// Installs SIGINT and SIGTERM handlers that set the flag (and exit on the second signal).
    pub fn install() -> io::Result<Self> {
        let flag = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // Order matters: the conditional exit must be registered before the flag setter,
            // so the first signal only arms it.
            signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&flag))?;
            signal_hook::flag::register(signal, Arc::clone(&flag))?;
        }
        Ok(Interrupt(flag))
    }

    /// A flag no signal sets, for callers (and tests) that manage stopping themselves.
    pub fn manual() -> Self {
        Interrupt::default()
    }

    /// True once a stop was requested.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Requests a stop, as a signal would.
    pub fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_flag_is_shared_by_its_clones() {
        let a = Interrupt::manual();
        let b = a.clone();
        assert!(!b.is_set());
        a.set();
        assert!(b.is_set());
    }
}
