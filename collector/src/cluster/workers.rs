//! A few threads for the CPU work of the API part (decoding pages, redaction, compression),
//! so that it runs beside the requests rather than between them. Jobs may borrow the bundle:
//! the threads live in the caller's [`std::thread::scope`].

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

type Job<'scope> = Box<dyn FnOnce() + Send + 'scope>;

/// Hands jobs to the threads of a scope and their results back to async code.
pub(crate) struct Workers<'scope> {
    sender: Mutex<Option<mpsc::Sender<Job<'scope>>>>,
}

impl<'scope> Workers<'scope> {
    /// Starts `threads` threads in `scope`; they stop when [`Workers::close`] is called (or
    /// the pool is dropped) and the queue is empty.
    pub(crate) fn start<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        threads: usize,
    ) -> Self {
        let (tx, rx) = mpsc::channel::<Job<'scope>>();
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..threads.max(1) {
            let rx = Arc::clone(&rx);
            scope.spawn(move || loop {
                let job = match rx.lock() {
                    Ok(r) => r.recv(),
                    Err(_) => break,
                };
                match job {
                    Ok(job) => job(),
                    Err(_) => break,
                }
            });
        }
        Workers {
            sender: Mutex::new(Some(tx)),
        }
    }

    /// Runs `f` on a worker thread; the future resolves to its result. When the pool is
    /// closed, `f` runs on the caller's thread instead.
    pub(crate) async fn run<R: Send + 'scope>(&self, f: impl FnOnce() -> R + Send + 'scope) -> R {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job<'scope> = Box::new(move || {
            let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
        });
        let refused = match self.sender.lock() {
            Ok(guard) => match guard.as_ref() {
                Some(s) => s.send(job).err().map(|e| e.0),
                None => Some(job),
            },
            Err(_) => Some(job),
        };
        if let Some(job) = refused {
            job();
        }
        match rx.await {
            Ok(Ok(r)) => r,
            // A panic in the job is the caller's panic.
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => panic!("a collector worker thread stopped"),
        }
    }

    /// Lets the threads end once the queue is drained.
    pub(crate) fn close(&self) {
        if let Ok(mut s) = self.sender.lock() {
            s.take();
        }
    }
}

impl Drop for Workers<'_> {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_borrow_from_the_scope_and_return_results() {
        let data = [1, 2, 3];
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let sum = std::thread::scope(|scope| {
            let workers = Workers::start(scope, 2);
            let sum = rt.block_on(async {
                let a = workers.run(|| data.iter().sum::<i32>());
                let b = workers.run(|| data.len() as i32);
                let (a, b) = futures::join!(a, b);
                a + b
            });
            workers.close();
            sum
        });
        assert_eq!(sum, 9);
    }
}
