//! Handing over to the real tool. The one beside this binary wins (the unpacked tarball and a
//! krew install keep bin/ together, and a krew symlink resolves to that directory), so the
//! plugin never runs a different version found earlier on PATH; else PATH decides.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

/// Runs `program` with `args` in place of this process and returns only if it could not be
/// started: 127 when it is nowhere to be found, 126 when it cannot be run, as shells do.
pub(crate) fn run(program: &str, args: &[OsString]) -> ExitCode {
    let path = locate(program);
    let mut command = Command::new(&path);
    command.args(args);
    let error = match replace_process(&mut command) {
        Ok(code) => return code,
        Err(e) => e,
    };
    eprintln!(
        "kubectl-kbundle: cannot run {}: {error} (it belongs beside kubectl-kbundle or on PATH; install the whole kbundle tarball)",
        path.display()
    );
    ExitCode::from(if error.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    })
}

/// `program` beside the running binary (symlinks resolved), else the bare name for a PATH
/// search.
fn locate(program: &str) -> PathBuf {
    let file = format!("{program}{}", std::env::consts::EXE_SUFFIX);
    std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::canonicalize(exe).ok())
        .and_then(|exe| exe.parent().map(|dir| dir.join(&file)))
        .filter(|beside| beside.is_file())
        .unwrap_or_else(|| PathBuf::from(file))
}

/// On Unix, exec: signals, the terminal and the exit status are the tool's own, with no
/// process in between.
#[cfg(unix)]
fn replace_process(command: &mut Command) -> std::io::Result<ExitCode> {
    use std::os::unix::process::CommandExt as _;
    Err(command.exec())
}

/// Elsewhere (Windows has no exec), run the tool and pass its exit status on.
#[cfg(not(unix))]
fn replace_process(command: &mut Command) -> std::io::Result<ExitCode> {
    let status = command.status()?;
    let code = status.code().unwrap_or(1);
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}
