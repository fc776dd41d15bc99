//! Running one node command safely: the first candidate that exists, a minimal fixed
//! environment, stdin from /dev/null, its own process group, a timeout after which the whole
//! group is killed, output streamed through redaction into capped spools.
//!
//! Both pipes are read from this thread with poll(2), so a grandchild that keeps a pipe open
//! can never make the collector wait past the deadline: when the time is up the group is
//! killed, what arrived is kept, and reading stops.

use super::host::HostRoot;
use super::identity::unit_exists;
use crate::bundle::{Scrubbed, Scrubber};
use crate::interrupt::Interrupt;
use kbundle_format::commands::{NodeCommand, OutputKind};
use std::ffi::OsString;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How commands are run on this node.
#[derive(Debug, Clone)]
pub(crate) struct CommandSettings {
    /// Kill a command (and its process group) after this long.
    pub timeout: Duration,
    /// `--since` for journals, in systemd's spelling (e.g. `72h`).
    pub since: String,
    /// Size cap per output.
    pub max_bytes: u64,
    /// The PATH commands are looked up in and run with (on our own root).
    pub path_env: Option<OsString>,
}

/// What will be run for a command id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Run this argv.
    Run(Vec<String>),
    /// None of the candidates exists on the host.
    NotFound,
    /// It exists but cannot be run from here (another host root without chroot).
    Unavailable(String),
}

/// Chooses the command line for `cmd`: candidates whose systemd unit exists come first, then
/// the first whose program exists wins. Journals get `--since`. Under another host root the
/// program is run through `chroot` when we can (root and a chroot program), else not at all.
pub(crate) fn plan(cmd: &NodeCommand, host: &HostRoot, settings: &CommandSettings) -> Plan {
    let chosen = candidate_order(cmd, host).into_iter().find_map(|i| {
        let candidate = cmd.candidates[i];
        let program = candidate.first()?;
        host.find_program(program, settings.path_env.as_deref())
            .map(|path| (candidate, path))
    });
    let Some((candidate, program)) = chosen else {
        return Plan::NotFound;
    };
    let mut argv: Vec<String> = Vec::new();
    if !host.is_own_root() {
        let chroot = HostRoot::new(std::path::Path::new("/"))
            .find_program("chroot", settings.path_env.as_deref());
        let root = crate::sys::is_root();
        match (chroot, root) {
            (Some(chroot), true) => {
                argv.push(chroot);
                argv.push(host.path().display().to_string());
            }
            _ => {
                return Plan::Unavailable(format!(
                    "host root is {}: commands run there through chroot, which needs root and a chroot program",
                    host.path().display()
                ))
            }
        }
    }
    argv.push(program);
    argv.extend(candidate.iter().skip(1).map(|s| s.to_string()));
    let is_journal = candidate.first() == Some(&"journalctl");
    if cmd.output() == OutputKind::Log && is_journal {
        argv.push(format!("--since=-{}", settings.since));
    }
    Plan::Run(argv)
}

/// The candidates of `cmd` to try, in order: those whose systemd unit exists on the host
/// first (a k3s node's kubelet is `k3s.service`), then the rest, each in table order.
fn candidate_order(cmd: &NodeCommand, host: &HostRoot) -> Vec<usize> {
    let mut order: Vec<usize> = (0..cmd.candidates.len()).collect();
    if cmd.units.len() == cmd.candidates.len() {
        order.sort_by_key(|&i| !unit_exists(host, cmd.units[i]));
    }
    order
}

/// How a command run ended.
pub(crate) struct Outcome {
    /// Exit code, when it exited by itself.
    pub exit_code: Option<i32>,
    /// The signal that ended it, when one did.
    pub signal: Option<i32>,
    /// Wall time.
    pub duration: Duration,
    /// Killed at the timeout.
    pub timed_out: bool,
    /// Killed because the user interrupted the run.
    pub interrupted: bool,
    /// Its stdout, redacted and capped.
    pub stdout: Scrubbed,
    /// Its stderr, redacted and capped.
    pub stderr: Scrubbed,
}

/// How long pipes may stay open after the command itself has exited (a child it left
/// behind), or after the group was killed, before reading stops.
const LINGER: Duration = Duration::from_secs(2);

/// Runs `argv` into the two scrubbers. Fails only when it cannot be started.
pub(crate) fn run(
    argv: &[String],
    settings: &CommandSettings,
    interrupt: &Interrupt,
    mut stdout: Scrubber<'_>,
    mut stderr: Scrubber<'_>,
) -> io::Result<Outcome> {
    let start = Instant::now();
    let Some((program, args)) = argv.split_first() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "empty command line",
        ));
    };
    let mut command = Command::new(program);
    command
        .args(args)
        .env_clear()
        .env("LC_ALL", "C")
        .env("LANG", "C")
        .env("TERM", "dumb")
        .env("SYSTEMD_PAGER", "")
        .env("SYSTEMD_COLORS", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Some(path) = &settings.path_env {
        command.env("PATH", path);
    }
    let mut child = command.spawn()?;
    let group = child.id();
    let mut pipes = Pipes::new(&mut child)?;
    let deadline = start + settings.timeout;
    let mut timed_out = false;
    let mut interrupted = false;
    let mut status = None;
    let mut stop_reading_at: Option<Instant> = None;
    let mut buf = vec![0u8; 64 * 1024];
    while pipes.open() {
        let now = Instant::now();
        if stop_reading_at.is_some_and(|t| now >= t) {
            break;
        }
        if stop_reading_at.is_none() {
            if interrupt.is_set() || now >= deadline {
                interrupted = interrupt.is_set() && now < deadline;
                timed_out = !interrupted;
                crate::sys::kill_group(group);
                stop_reading_at = Some(now + LINGER);
            } else if status.is_none() {
                if let Some(s) = child.try_wait()? {
                    status = Some(s);
                    // The command is done; whatever still holds its pipes is a leftover.
                    stop_reading_at = Some((now + LINGER).min(deadline));
                }
            }
        }
        let wait = stop_reading_at
            .unwrap_or(deadline)
            .saturating_duration_since(now);
        pipes.poll(wait.min(Duration::from_millis(100)))?;
        pipes.drain(&mut buf, &mut stdout, &mut stderr)?;
    }
    let status = match status {
        Some(s) => s,
        None => {
            // The pipes closed (or reading stopped) before we saw it exit: wait for it,
            // bounded, before touching its group, so a command that closed its output and
            // is exiting is not killed.
            loop {
                if let Some(s) = child.try_wait()? {
                    break s;
                }
                if interrupt.is_set() || Instant::now() >= deadline {
                    interrupted |= interrupt.is_set() && !timed_out;
                    timed_out |= !interrupted;
                    crate::sys::kill_group(group);
                    break child.wait()?;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    };
    // Nothing of the group may outlive its command.
    crate::sys::kill_group(group);
    let killed = timed_out || interrupted;
    Ok(Outcome {
        exit_code: if killed { None } else { status.code() },
        signal: status.signal(),
        duration: start.elapsed(),
        timed_out,
        interrupted,
        stdout: stdout.finish()?,
        stderr: stderr.finish()?,
    })
}

/// The command's stdout and stderr, non-blocking, polled together.
struct Pipes {
    out: Option<std::process::ChildStdout>,
    err: Option<std::process::ChildStderr>,
}

impl Pipes {
    fn new(child: &mut Child) -> io::Result<Self> {
        let pipes = Pipes {
            out: child.stdout.take(),
            err: child.stderr.take(),
        };
        for fd in pipes.fds() {
            crate::sys::set_nonblocking(fd)?;
        }
        Ok(pipes)
    }

    fn fds(&self) -> Vec<i32> {
        let mut fds = Vec::new();
        if let Some(o) = &self.out {
            fds.push(o.as_raw_fd());
        }
        if let Some(e) = &self.err {
            fds.push(e.as_raw_fd());
        }
        fds
    }

    fn open(&self) -> bool {
        self.out.is_some() || self.err.is_some()
    }

    fn poll(&self, wait: Duration) -> io::Result<()> {
        crate::sys::poll_readable(&self.fds(), wait)
    }

    /// Reads whatever is available from both pipes; closes a pipe at its end.
    fn drain(
        &mut self,
        buf: &mut [u8],
        stdout: &mut Scrubber<'_>,
        stderr: &mut Scrubber<'_>,
    ) -> io::Result<()> {
        if let Some(o) = &mut self.out {
            if read_available(o, buf, stdout)? {
                self.out = None;
            }
        }
        if let Some(e) = &mut self.err {
            if read_available(e, buf, stderr)? {
                self.err = None;
            }
        }
        Ok(())
    }
}

/// Reads until the pipe would block; true at end of file.
fn read_available(
    pipe: &mut dyn io::Read,
    buf: &mut [u8],
    into: &mut Scrubber<'_>,
) -> io::Result<bool> {
    loop {
        match pipe.read(buf) {
            Ok(0) => return Ok(true),
            Ok(n) => into.write(&buf[..n])?,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kbundle_format::commands::CommandId;

    fn settings() -> CommandSettings {
        CommandSettings {
            timeout: Duration::from_secs(30),
            since: "72h".to_string(),
            max_bytes: 1 << 20,
            path_env: std::env::var_os("PATH"),
        }
    }

    #[test]
    fn plans_pick_existing_programs_and_add_since_to_journals() {
        let own = HostRoot::new(std::path::Path::new("/"));
        match plan(CommandId::Uptime.spec(), &own, &settings()) {
            Plan::Run(argv) => assert!(argv[0].ends_with("/uptime"), "{argv:?}"),
            other => panic!("{other:?}"),
        }
        let mut no_path = settings();
        no_path.path_env = Some(OsString::from("/nonexistent"));
        assert_eq!(plan(CommandId::DfH.spec(), &own, &no_path), Plan::NotFound);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("journalctl"), "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.path().join("journalctl"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        let mut fake = settings();
        fake.path_env = Some(dir.path().as_os_str().to_owned());
        match plan(CommandId::JournalctlKubelet.spec(), &own, &fake) {
            Plan::Run(argv) => assert_eq!(argv.last().unwrap(), "--since=-72h"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_kubelet_is_looked_for_in_the_unit_that_exists() {
        let root = tempfile::tempdir().unwrap();
        let host = HostRoot::new(root.path());
        let journal = CommandId::JournalctlKubelet.spec();
        assert_eq!(
            candidate_order(journal, &host)[0],
            0,
            "plain kubelet by default"
        );
        for (unit, dir) in [
            ("k3s-agent", "usr/local/lib/systemd/system"),
            ("rke2-server", "usr/lib/systemd/system"),
            ("snap.microk8s.daemon-kubelite", "etc/systemd/system"),
        ] {
            let root = tempfile::tempdir().unwrap();
            let units = root.path().join(dir);
            std::fs::create_dir_all(&units).unwrap();
            std::fs::write(units.join(format!("{unit}.service")), "[Unit]\n").unwrap();
            let host = HostRoot::new(root.path());
            for cmd in [journal, CommandId::SystemctlStatusKubelet.spec()] {
                let first = cmd.candidates[candidate_order(cmd, &host)[0]];
                assert_eq!(first[2], unit, "{first:?}");
            }
        }
    }

    fn run_sh(script: &str, timeout: Duration) -> Outcome {
        let dir = tempfile::tempdir().unwrap();
        let w = crate::archive::BundleWriter::create(
            &dir.path().join("b.tar.gz"),
            crate::archive::Format::TarGz,
            "b",
            jiff::Timestamp::now(),
        )
        .unwrap();
        let bundle = crate::bundle::Bundle::new(w, crate::redact::Redactor::builtin(), None);
        let path = |s: &str| kbundle_format::BundlePath::new(s).unwrap();
        let out = bundle.scrubber(path("o"), 1 << 20).unwrap();
        let err = bundle.scrubber(path("e"), 1 << 20).unwrap();
        let mut s = settings();
        s.timeout = timeout;
        let argv = ["/bin/sh".to_string(), "-c".to_string(), script.to_string()];
        run(&argv, &s, &Interrupt::manual(), out, err).unwrap()
    }

    #[test]
    fn a_command_that_closes_its_output_before_exiting_is_not_killed() {
        let o = run_sh(
            "echo hi; exec 1>&- 2>&-; sleep 0.3; exit 4",
            Duration::from_secs(10),
        );
        assert_eq!((o.exit_code, o.signal, o.timed_out), (Some(4), None, false));
        assert_eq!(o.stdout.content.len(), 3);
    }

    #[test]
    fn a_daemon_that_closed_its_output_still_times_out() {
        let o = run_sh("exec 1>&- 2>&-; sleep 30", Duration::from_secs(1));
        assert!(o.timed_out && o.exit_code.is_none());
        assert!(o.duration < Duration::from_secs(5));
    }

    #[test]
    fn under_another_root_commands_go_through_chroot_or_are_unavailable() {
        let root = tempfile::tempdir().unwrap();
        let bin = root.path().join("usr/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("uptime"), "").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bin.join("uptime"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        let host = HostRoot::new(root.path());
        let p = plan(CommandId::Uptime.spec(), &host, &settings());
        if crate::sys::is_root() {
            let Plan::Run(argv) = p else { panic!("{p:?}") };
            assert!(argv[0].ends_with("/chroot"));
            assert_eq!(argv[1], root.path().display().to_string());
            assert_eq!(argv[2], "/usr/bin/uptime");
        } else {
            assert!(matches!(p, Plan::Unavailable(_)), "{p:?}");
        }
        assert_eq!(
            plan(CommandId::DfH.spec(), &host, &settings()),
            Plan::NotFound
        );
    }
}
