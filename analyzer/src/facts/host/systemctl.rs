//! `systemctl status <unit>... --no-pager -l`, and the all-units `systemctl status` whose
//! first block describes the host (`State: degraded`, `Failed: 2 units`).
//!
//! A block is a header (`● kubelet.service - kubelet: The Kubernetes Node Agent`; the
//! bullet is `●`, `*`, `×`, `○` or `↻` depending on systemd version and state), then
//! right-aligned `Key: value` lines (`Loaded:`, `Active:`, `Main PID:` ...) with indented
//! continuation lines (drop-ins, CGroup tree), then, after a blank line, the journal tail.
//! `Unit kubelet.service could not be found.` is a unit with load state `not-found`.
//!
//! Strictness: block report. Before the first block only a header or the not-found
//! message may appear (error otherwise); inside a block unknown keys are kept in
//! [`UnitStatus::fields`] and every line after the key block counts as journal.

use super::{numbered_lines, ParseError};

/// What `systemctl status` printed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SystemctlStatus {
    /// The host block of the all-units form.
    pub host: Option<HostState>,
    /// Unit blocks, in output order.
    pub units: Vec<UnitStatus>,
}

/// The host summary of `systemctl status` without arguments.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HostState {
    /// Host name.
    pub name: String,
    /// System state: `running`, `degraded`, `starting`, `maintenance`, ...
    pub state: Option<String>,
    /// The number in `Failed: 2 units`.
    pub failed_units: Option<u32>,
    /// 1-based line of the header.
    pub line: usize,
    /// 1-based line of `State:`.
    pub state_line: Option<usize>,
}

/// The status of one unit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UnitStatus {
    /// Unit name (`kubelet.service`).
    pub name: String,
    /// Description after ` - `.
    pub description: Option<String>,
    /// Load state: `loaded`, `not-found`, `masked`, `error`, `bad-setting`.
    pub load_state: Option<String>,
    /// Unit file path from the `Loaded:` line.
    pub unit_file: Option<String>,
    /// Enablement: `enabled`, `disabled`, `static`, `masked`, `generated`, ...
    pub enablement: Option<String>,
    /// Active state: `active`, `inactive`, `failed`, `activating`, `deactivating`,
    /// `reloading`.
    pub active_state: Option<String>,
    /// Sub-state: `running`, `dead`, `exited`, `auto-restart`, `start-pre`, ...
    pub sub_state: Option<String>,
    /// `(Result: exit-code)` of the Active line.
    pub result: Option<String>,
    /// The `since` timestamp as printed (`Mon 2024-02-19 10:15:42 UTC`).
    pub since: Option<String>,
    /// Main PID.
    pub main_pid: Option<u32>,
    /// What follows the main PID in parentheses: the process name, or how it exited
    /// (`code=exited, status=1/FAILURE`).
    pub main_pid_detail: Option<String>,
    /// Every `Key: value` line of the block, with its line (keys as printed, trimmed).
    pub fields: Vec<UnitField>,
    /// Journal lines shown under the unit.
    pub journal: Vec<JournalLine>,
    /// 1-based line of the header (or of the not-found message).
    pub line: usize,
    /// 1-based line of `Loaded:`.
    pub loaded_line: Option<usize>,
    /// 1-based line of `Active:`.
    pub active_line: Option<usize>,
}

/// One `Key: value` line of a unit block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitField {
    /// Key, trimmed (`Main PID`).
    pub key: String,
    /// Value, as printed.
    pub value: String,
    /// 1-based line.
    pub line: usize,
}

/// One journal line of a unit block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalLine {
    /// 1-based line.
    pub line: usize,
    /// The line as printed.
    pub text: String,
}

impl UnitStatus {
    /// The unit exists (its load state is not `not-found`).
    pub fn is_found(&self) -> bool {
        self.load_state.as_deref() != Some("not-found")
    }

    /// Active state is `active`.
    pub fn is_active(&self) -> bool {
        self.active_state.as_deref() == Some("active")
    }
}

impl SystemctlStatus {
    /// The block of `name` (with or without the `.service` suffix).
    pub fn unit(&self, name: &str) -> Option<&UnitStatus> {
        self.units
            .iter()
            .find(|u| u.name == name || u.name.strip_suffix(".service") == Some(name))
    }
}

const BULLETS: &[char] = &['●', '*', '×', '○', '↻'];
const UNIT_SUFFIXES: &[&str] = &[
    ".service",
    ".socket",
    ".target",
    ".mount",
    ".automount",
    ".timer",
    ".path",
    ".slice",
    ".scope",
    ".swap",
    ".device",
];

/// Which part of a block the parser is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Before any block.
    Start,
    /// Key lines; the column of the colon once the first key line set it.
    Fields(Option<usize>),
    /// After the key block.
    Journal,
}

/// The block being filled.
enum Block {
    Host,
    Unit,
}

/// Parses `systemctl status` output.
pub(crate) fn parse(text: &str) -> Result<SystemctlStatus, ParseError> {
    let mut status = SystemctlStatus::default();
    let mut part = Part::Start;
    let mut block = Block::Unit;
    for (n, line) in numbered_lines(text) {
        if let Some(name) = not_found_unit(line) {
            status.units.push(UnitStatus {
                name: name.to_string(),
                load_state: Some("not-found".to_string()),
                line: n,
                ..UnitStatus::default()
            });
            part = Part::Journal;
            block = Block::Unit;
            continue;
        }
        if let Some((name, description)) = header(line, part == Part::Start) {
            let is_unit = description.is_some() || UNIT_SUFFIXES.iter().any(|s| name.ends_with(s));
            if is_unit {
                status.units.push(UnitStatus {
                    name: name.to_string(),
                    description: description.map(String::from),
                    line: n,
                    ..UnitStatus::default()
                });
                block = Block::Unit;
            } else {
                status.host = Some(HostState {
                    name: name.to_string(),
                    line: n,
                    ..HostState::default()
                });
                block = Block::Host;
            }
            part = Part::Fields(None);
            continue;
        }
        match part {
            Part::Start => {
                if line.trim().is_empty() {
                    continue;
                }
                return Err(ParseError::new(
                    n,
                    "a unit header `● name.service - description` or `Unit ... could not be found.`",
                    line,
                ));
            }
            Part::Fields(column) => {
                if line.trim().is_empty() {
                    part = Part::Journal;
                    continue;
                }
                if !line.starts_with([' ', '\t']) {
                    part = Part::Journal;
                    push_journal(&mut status, &block, n, line);
                    continue;
                }
                let Some((key, value, colon)) = key_value(line) else {
                    continue; // continuation (drop-in list, CGroup tree, docs)
                };
                if column.is_some_and(|c| c != colon) {
                    continue; // a colon in a continuation line
                }
                part = Part::Fields(Some(colon));
                match block {
                    Block::Host => read_host_field(&mut status, key, value, n),
                    Block::Unit => {
                        if let Some(unit) = status.units.last_mut() {
                            read_unit_field(unit, key, value, n);
                        }
                    }
                }
            }
            Part::Journal => {
                if !line.trim().is_empty() {
                    push_journal(&mut status, &block, n, line);
                }
            }
        }
    }
    Ok(status)
}

fn push_journal(status: &mut SystemctlStatus, block: &Block, n: usize, line: &str) {
    if let (Block::Unit, Some(unit)) = (block, status.units.last_mut()) {
        unit.journal.push(JournalLine {
            line: n,
            text: line.to_string(),
        });
    }
}

/// `Unit kubelet.service could not be found.` → `kubelet.service`.
fn not_found_unit(line: &str) -> Option<&str> {
    line.trim()
        .strip_prefix("Unit ")?
        .strip_suffix(" could not be found.")
}

/// A block header: bullet, name, optional ` - description`. Without a bullet only at the
/// very start (systemd before 208 printed none).
fn header(line: &str, at_start: bool) -> Option<(&str, Option<&str>)> {
    let rest = match line.strip_prefix(BULLETS) {
        Some(rest) => rest.strip_prefix(' ')?,
        None if at_start && !line.starts_with([' ', '\t']) => line,
        None => return None,
    };
    let (name, description) = match rest.split_once(" - ") {
        Some((name, description)) => (name, Some(description.trim())),
        None => (rest.trim(), None),
    };
    let plausible = !name.is_empty() && !name.contains(char::is_whitespace);
    let bare_ok =
        !at_start || line.starts_with(BULLETS) || UNIT_SUFFIXES.iter().any(|s| name.ends_with(s));
    (plausible && bare_ok).then_some((name, description))
}

/// `   Main PID: 812 (kubelet)` → (`Main PID`, `812 (kubelet)`, column of the colon).
fn key_value(line: &str) -> Option<(&str, &str, usize)> {
    let colon = line.find(':')?;
    let key = line[..colon].trim();
    let valid = key.starts_with(|c: char| c.is_ascii_uppercase())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-');
    let value = line[colon + 1..].trim();
    valid.then_some((key, value, colon))
}

fn read_host_field(status: &mut SystemctlStatus, key: &str, value: &str, n: usize) {
    let Some(host) = status.host.as_mut() else {
        return;
    };
    match key {
        "State" => {
            host.state = Some(value.to_string());
            host.state_line = Some(n);
        }
        "Failed" => {
            host.failed_units = value.split_whitespace().next().and_then(|v| v.parse().ok());
        }
        _ => {}
    }
}

fn read_unit_field(unit: &mut UnitStatus, key: &str, value: &str, n: usize) {
    unit.fields.push(UnitField {
        key: key.to_string(),
        value: value.to_string(),
        line: n,
    });
    match key {
        "Loaded" => {
            unit.loaded_line = Some(n);
            let (state, groups) = word_and_parens(value);
            unit.load_state = Some(state.to_string());
            if let Some(details) = groups.first() {
                let mut parts = details.split(';').map(str::trim);
                if let Some(path) = parts.next().filter(|p| p.starts_with('/')) {
                    unit.unit_file = Some(path.to_string());
                    unit.enablement = parts
                        .next()
                        .filter(|e| !e.is_empty() && !e.contains(':'))
                        .map(String::from);
                }
            }
        }
        "Active" => {
            unit.active_line = Some(n);
            let (state, groups) = word_and_parens(value);
            unit.active_state = Some(state.to_string());
            for group in groups {
                match group.strip_prefix("Result:") {
                    Some(result) => unit.result = Some(result.trim().to_string()),
                    None => unit.sub_state = Some(group.to_string()),
                }
            }
            unit.since = value.split_once(" since ").map(|(_, since)| {
                since
                    .split_once(';')
                    .map_or(since, |(at, _)| at)
                    .trim()
                    .to_string()
            });
        }
        "Main PID" => {
            let (pid, groups) = word_and_parens(value);
            unit.main_pid = pid.parse().ok();
            unit.main_pid_detail = groups.first().map(|g| g.to_string());
        }
        _ => {}
    }
}

/// `active (running) (Result: x) since ...` → (`active`, [`running`, `Result: x`]).
fn word_and_parens(value: &str) -> (&str, Vec<&str>) {
    let (word, mut rest) = value.split_once(' ').unwrap_or((value, ""));
    let mut groups = Vec::new();
    while let Some(inner) = rest.trim_start().strip_prefix('(') {
        let Some(close) = inner.find(')') else { break };
        groups.push(&inner[..close]);
        rest = &inner[close + 1..];
    }
    (word, groups)
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::testdata::corpus;
    use super::*;

    #[test]
    fn corpus_all_units_form_with_degraded_host() {
        let Some(text) = corpus("insights-systemctl-status-all.txt") else {
            return;
        };
        let status = parse(&text).unwrap();
        let host = status.host.as_ref().unwrap();
        assert_eq!(host.name, "redhat.test.com");
        assert_eq!(host.state.as_deref(), Some("degraded"));
        assert_eq!(host.failed_units, Some(2));
        assert_eq!((host.line, host.state_line), (1, Some(2)));
        assert_eq!(status.units.len(), 1);
        let unit = &status.units[0];
        assert_eq!(unit.name, "proc-sys-fs-binfmt_misc.automount");
        assert_eq!(
            unit.description.as_deref(),
            Some("Arbitrary Executable File Formats File System Automount Point")
        );
        assert_eq!(unit.load_state.as_deref(), Some("loaded"));
        assert_eq!(unit.enablement.as_deref(), Some("static"));
        assert_eq!(
            unit.unit_file.as_deref(),
            Some("/usr/lib/systemd/system/proc-sys-fs-binfmt_misc.automount")
        );
        assert!(unit.is_active());
        assert_eq!(unit.sub_state.as_deref(), Some("running"));
        assert_eq!(unit.since.as_deref(), Some("Thu 2021-09-23 12:03:43 UTC"));
        assert_eq!((unit.line, unit.active_line), (11, Some(13)));
        assert_eq!(unit.fields.len(), 4, "Loaded, Active, Where, Docs");
        let journal: Vec<usize> = unit.journal.iter().map(|j| j.line).collect();
        assert_eq!(journal, [18, 19]);
        assert!(unit.journal[0]
            .text
            .contains("Automount point already active?"));
    }

    /// systemd 252 (Debian 12): kubelet crash-looping on a missing config, containerd up.
    pub(crate) const KUBELET_AND_CONTAINERD: &str = "\
× kubelet.service - kubelet: The Kubernetes Node Agent
     Loaded: loaded (/lib/systemd/system/kubelet.service; enabled; preset: enabled)
    Drop-In: /usr/lib/systemd/system/kubelet.service.d
             └─10-kubeadm.conf
     Active: activating (auto-restart) (Result: exit-code) since Mon 2024-02-19 10:15:42 UTC; 3s ago
       Docs: https://kubernetes.io/docs/
    Process: 4012 ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS (code=exited, status=1/FAILURE)
   Main PID: 4012 (code=exited, status=1/FAILURE)
        CPU: 120ms

Feb 19 10:15:41 node-1 kubelet[4012]: E0219 10:15:41.512345    4012 run.go:74] \"command failed\" err=\"failed to load kubelet config file, path: /var/lib/kubelet/config.yaml\"
Feb 19 10:15:42 node-1 systemd[1]: kubelet.service: Main process exited, code=exited, status=1/FAILURE
Feb 19 10:15:42 node-1 systemd[1]: kubelet.service: Failed with result 'exit-code'.

● containerd.service - containerd container runtime
     Loaded: loaded (/lib/systemd/system/containerd.service; enabled; preset: enabled)
     Active: active (running) since Mon 2024-02-19 08:01:10 UTC; 2h 14min ago
       Docs: https://containerd.io
   Main PID: 712 (containerd)
      Tasks: 98
     Memory: 1.2G
        CPU: 14min 3.211s
     CGroup: /system.slice/containerd.service
             ├─ 712 /usr/bin/containerd
             └─1840 /usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id 3f1e -address /run/containerd/containerd.sock

Feb 19 08:01:10 node-1 containerd[712]: time=\"2024-02-19T08:01:10Z\" level=info msg=\"containerd successfully booted in 0.052s\"
";

    #[test]
    fn kubelet_auto_restart_and_containerd_running() {
        let status = parse(KUBELET_AND_CONTAINERD).unwrap();
        assert!(status.host.is_none());
        assert_eq!(status.units.len(), 2);
        let kubelet = status.unit("kubelet").unwrap();
        assert!(kubelet.is_found() && !kubelet.is_active());
        assert_eq!(kubelet.active_state.as_deref(), Some("activating"));
        assert_eq!(kubelet.sub_state.as_deref(), Some("auto-restart"));
        assert_eq!(kubelet.result.as_deref(), Some("exit-code"));
        assert_eq!(
            kubelet.since.as_deref(),
            Some("Mon 2024-02-19 10:15:42 UTC")
        );
        assert_eq!(kubelet.enablement.as_deref(), Some("enabled"));
        assert_eq!(kubelet.main_pid, Some(4012));
        assert_eq!(
            kubelet.main_pid_detail.as_deref(),
            Some("code=exited, status=1/FAILURE")
        );
        assert_eq!(kubelet.active_line, Some(5));
        assert_eq!(kubelet.journal.len(), 3);
        assert_eq!(kubelet.journal[2].line, 13);
        let containerd = status.unit("containerd.service").unwrap();
        assert!(containerd.is_active());
        assert_eq!(containerd.main_pid_detail.as_deref(), Some("containerd"));
        assert_eq!(containerd.journal.len(), 1);
        assert_eq!(containerd.journal[0].line, 27);
        // CGroup tree lines are continuations, not fields.
        let keys: Vec<&str> = containerd.fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(
            keys,
            ["Loaded", "Active", "Docs", "Main PID", "Tasks", "Memory", "CPU", "CGroup"]
        );
    }

    #[test]
    fn unit_not_found_in_both_spellings() {
        let status = parse("Unit kubelet.service could not be found.\n").unwrap();
        let unit = status.unit("kubelet").unwrap();
        assert!(!unit.is_found() && !unit.is_active());
        assert_eq!(unit.line, 1);
        let text = "\
○ crio.service
     Loaded: not-found (Reason: Unit crio.service not found.)
     Active: inactive (dead)
";
        let status = parse(text).unwrap();
        let crio = status.unit("crio").unwrap();
        assert!(!crio.is_found());
        assert_eq!(crio.unit_file, None);
        assert_eq!(crio.active_state.as_deref(), Some("inactive"));
        assert_eq!(crio.sub_state.as_deref(), Some("dead"));
        assert_eq!(crio.since, None);
    }

    #[test]
    fn failed_unit_of_older_systemd() {
        let text = "\
● kubelet.service - kubelet: The Kubernetes Node Agent
   Loaded: loaded (/usr/lib/systemd/system/kubelet.service; disabled; vendor preset: disabled)
   Active: failed (Result: start-limit) since Tue 2020-01-07 09:33:49 EST; 1min 2s ago
 Main PID: 1234 (code=exited, status=255)
";
        let status = parse(text).unwrap();
        let unit = &status.units[0];
        assert_eq!(unit.active_state.as_deref(), Some("failed"));
        assert_eq!(unit.sub_state, None);
        assert_eq!(unit.result.as_deref(), Some("start-limit"));
        assert_eq!(unit.enablement.as_deref(), Some("disabled"));
        assert_eq!(unit.main_pid, Some(1234));
    }

    #[test]
    fn garbage_before_any_unit_is_an_error() {
        let err = parse("Failed to connect to bus: Host is down\n").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.expected.contains("unit header"));
        assert_eq!(parse("").unwrap(), SystemctlStatus::default());
    }
}
