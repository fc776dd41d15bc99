//! The client-side rate limit of API requests (`--qps`, `--burst`).

use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Client-side rate limit: a token bucket of `burst` tokens refilled at `qps` per second,
/// kept as the time the next request may go (GCRA), so no timer runs when idle.
pub(crate) struct RateLimiter {
    interval: Duration,
    tolerance: Duration,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// `qps` requests per second sustained, `burst` at once.
    pub(crate) fn new(qps: f64, burst: u32) -> Self {
        let interval = if qps > 0.0 {
            Duration::from_secs_f64(1.0 / qps)
        } else {
            Duration::ZERO
        };
        RateLimiter {
            interval,
            tolerance: interval * burst.saturating_sub(1),
            next: Mutex::new(None),
        }
    }

    /// Books the next slot and returns how long to wait for it.
    pub(crate) fn reserve(&self) -> Duration {
        let now = Instant::now();
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let theoretical = next.map_or(now, |t| t.max(now));
        *next = Some(theoretical + self.interval);
        let allowed = theoretical.checked_sub(self.tolerance).unwrap_or(now);
        allowed.saturating_duration_since(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_lets_a_burst_through_then_paces() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let l = RateLimiter::new(10.0, 3);
            let waits: Vec<Duration> = (0..6).map(|_| l.reserve()).collect();
            assert_eq!(&waits[..3], &[Duration::ZERO; 3]);
            assert_eq!(waits[3], Duration::from_millis(100));
            assert_eq!(waits[5], Duration::from_millis(300));
            tokio::time::advance(Duration::from_secs(5)).await;
            // Idle time refills the bucket, but never beyond the burst.
            let again: Vec<Duration> = (0..4).map(|_| l.reserve()).collect();
            assert_eq!(&again[..3], &[Duration::ZERO; 3]);
            assert_eq!(again[3], Duration::from_millis(100));
        });
    }
}
