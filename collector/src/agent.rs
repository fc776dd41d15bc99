//! The agent pod's side of `--daemonset`, in the same binary (the image holds nothing else):
//!
//! - `--agent DIR`: the container's command. Collects this node into DIR like
//!   `--host-only -o DIR`, unless a finished bundle is already there (a restarted container
//!   does not collect twice), then waits, doing nothing, until the pod is deleted.
//! - `--agent-ready DIR`: the readiness probe; exit 0 once DIR holds a finished bundle.
//! - `--agent-fetch DIR`: what the collector runs through `pods/exec`: the bundle on stdout.
//! - called as `chroot NEWROOT COMMAND...` (a link named `chroot` in the image): what the
//!   node part runs its commands through under `--host-root /host`, so the image needs no
//!   coreutils.
//!
//! A bundle is finished when its name is visible: the collector writes `.<name>.partial`
//! and renames it only when complete, so nothing here ever serves half a bundle.

use crate::interrupt::Interrupt;
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `--agent-fetch`'s exit status when no bundle is there yet.
pub(crate) const NOT_READY: u8 = 3;

/// The finished bundle in `dir`: a `kbundle-*.tar.gz` (temporary files start with a dot),
/// the newest by name when there are several.
pub(crate) fn finished_bundle(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("kbundle-") && n.ends_with(".tar.gz"))
        })
        .collect();
    found.sort();
    found.pop()
}

/// `--agent-ready DIR`: 0 when a finished bundle is there, 1 otherwise.
pub(crate) fn ready(dir: &Path) -> u8 {
    u8::from(finished_bundle(dir).is_none())
}

/// `--agent-fetch DIR`: copies the finished bundle to stdout. 0 when all of it was written,
/// [`NOT_READY`] when there is none, 1 when reading or writing failed.
pub(crate) fn fetch(dir: &Path) -> u8 {
    let Some(path) = finished_bundle(dir) else {
        eprintln!(
            "kbundle-collect: no finished bundle in {} yet",
            dir.display()
        );
        return NOT_READY;
    };
    let copied = std::fs::File::open(&path).and_then(|mut f| {
        let mut out = std::io::stdout().lock();
        std::io::copy(&mut f, &mut out)?;
        out.flush()
    });
    match copied {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("kbundle-collect: sending {}: {e}", path.display());
            1
        }
    }
}

/// Waits until the pod is deleted (SIGTERM), so the result can be fetched meanwhile.
pub(crate) fn hold(interrupt: &Interrupt) {
    while !interrupt.is_set() {
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// When this process was started as `chroot`, runs as chroot(8) and returns its exit
/// status; `None` otherwise.
pub(crate) fn multi_call() -> Option<u8> {
    let args: Vec<OsString> = std::env::args_os().collect();
    let called = Path::new(args.first()?).file_name()?.to_str()?.to_string();
    (called == "chroot").then(|| chroot(&args))
}

/// `chroot NEWROOT COMMAND [ARG]...`: enter NEWROOT, go to its `/`, run COMMAND there (it
/// replaces this process). 125 when the root cannot be entered, 126/127 when the command
/// cannot be run or is not found, like coreutils.
fn chroot(args: &[OsString]) -> u8 {
    let (Some(root), Some(command)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: chroot NEWROOT COMMAND [ARG]...");
        return 125;
    };
    if let Err(e) = std::os::unix::fs::chroot(root) {
        eprintln!(
            "chroot: cannot change root directory to {}: {e}",
            Path::new(root).display()
        );
        return 125;
    }
    if let Err(e) = std::env::set_current_dir("/") {
        eprintln!("chroot: cannot change directory to /: {e}");
        return 125;
    }
    let e = std::process::Command::new(command).args(&args[3..]).exec();
    eprintln!(
        "chroot: failed to run command {}: {e}",
        Path::new(command).display()
    );
    if e.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_renamed_bundle_is_finished() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(finished_bundle(dir.path()), None);
        assert_eq!(ready(dir.path()), 1);
        assert_eq!(fetch(dir.path()), NOT_READY);
        std::fs::write(dir.path().join(".kbundle-w1-x.tar.gz.abc.partial"), b"half").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"x").unwrap();
        assert_eq!(finished_bundle(dir.path()), None);
        std::fs::write(
            dir.path().join("kbundle-w1-20260101T000000Z.tar.gz"),
            b"whole",
        )
        .unwrap();
        assert_eq!(ready(dir.path()), 0);
        assert!(finished_bundle(dir.path())
            .unwrap()
            .ends_with("kbundle-w1-20260101T000000Z.tar.gz"));
    }

    #[test]
    fn a_missing_root_is_refused_like_coreutils() {
        let args: Vec<OsString> = ["chroot", "/no/such/root", "/bin/true"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(chroot(&args), 125);
        assert_eq!(chroot(&args[..1]), 125);
    }
}
