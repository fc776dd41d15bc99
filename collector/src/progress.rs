//! What the user sees while collecting: a bar on a terminal (phase, done/total, current
//! item), one plain line per finished item otherwise, nothing with `--quiet`.
//!
//! Everything goes to stderr; stdout carries only the bundle path, for scripts.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A live bar (stderr is a terminal).
    Bar,
    /// One line per event (stderr is a file or pipe).
    Lines,
    /// Nothing but errors that stop the run (`--quiet`).
    Quiet,
}

impl ProgressMode {
    /// The mode for this process: `Quiet` when asked, else `Bar` on a terminal, else `Lines`.
    pub fn detect(quiet: bool) -> Self {
        if quiet {
            ProgressMode::Quiet
        } else if std::io::stderr().is_terminal() {
            ProgressMode::Bar
        } else {
            ProgressMode::Lines
        }
    }
}

/// Thread-safe progress reporter shared by every collector.
pub struct Progress {
    mode: ProgressMode,
    bar: Option<ProgressBar>,
    state: Mutex<Phase>,
}

#[derive(Default)]
struct Phase {
    name: String,
    done: u64,
    total: u64,
}

impl Progress {
    /// A reporter in the given mode.
    pub fn new(mode: ProgressMode) -> Self {
        let bar = (mode == ProgressMode::Bar).then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} {prefix:.bold} [{pos}/{len}] {wide_msg}")
            {
                bar.set_style(style);
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Progress {
            mode,
            bar,
            state: Mutex::new(Phase::default()),
        }
    }

    /// Starts a phase (e.g. `node w1`) of `total` items.
    pub fn phase(&self, name: &str, total: u64) {
        if let Ok(mut p) = self.state.lock() {
            *p = Phase {
                name: name.to_string(),
                done: 0,
                total,
            };
        }
        match (&self.bar, self.mode) {
            (Some(bar), _) => {
                bar.set_prefix(name.to_string());
                bar.set_length(total);
                bar.set_position(0);
            }
            (None, ProgressMode::Lines) => self.line(&format!("{name}: {total} items")),
            _ => {}
        }
    }

    /// An item started (shown as the bar's message).
    pub fn started(&self, item: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(item.to_string());
        }
    }

    /// An item finished with a one-word outcome (`ok`, `timeout`, ...).
    pub fn finished(&self, item: &str, outcome: &str) {
        let (name, done, total) = match self.state.lock() {
            Ok(mut p) => {
                p.done += 1;
                (p.name.clone(), p.done, p.total)
            }
            Err(_) => (String::new(), 0, 0),
        };
        match (&self.bar, self.mode) {
            (Some(bar), _) => bar.inc(1),
            (None, ProgressMode::Lines) => {
                self.line(&format!("{name}: [{done}/{total}] {item}: {outcome}"))
            }
            _ => {}
        }
    }

    /// Live counts shown beside the bar (kinds, namespaces, objects, logs); not printed in
    /// line mode, where [`Progress::finished`] and [`Progress::advance`] speak.
    pub fn message(&self, text: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(text.to_string());
        }
    }

    /// An item of a long phase finished (a container log): the bar moves; in line mode a
    /// line is printed only at each tenth of the phase, so thousands of items stay readable.
    pub fn advance(&self) {
        let (name, done, total) = match self.state.lock() {
            Ok(mut p) => {
                p.done += 1;
                (p.name.clone(), p.done, p.total)
            }
            Err(_) => (String::new(), 0, 0),
        };
        match (&self.bar, self.mode) {
            (Some(bar), _) => bar.inc(1),
            (None, ProgressMode::Lines) => {
                let tenth = (total / 10).max(1);
                if done.is_multiple_of(tenth) || done == total {
                    self.line(&format!("{name}: [{done}/{total}]"));
                }
            }
            _ => {}
        }
    }

    /// A line the user should read even with a bar on screen (not shown with `--quiet`).
    pub fn note(&self, text: &str) {
        match (&self.bar, self.mode) {
            (Some(bar), _) => bar.suspend(|| eprintln!("{text}")),
            (None, ProgressMode::Lines) => self.line(text),
            _ => {}
        }
    }

    /// Removes the bar before the final summary.
    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn line(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "kbundle-collect: {text}");
    }
}
