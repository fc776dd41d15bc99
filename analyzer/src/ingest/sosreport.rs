//! A sosreport: one host, its command outputs mapped onto our node commands
//! (`format::flavors::sosreport` says which file is which), its copied logs and manifests
//! read as a node's files, named by its `hostname` so that it merges with a cluster bundle
//! and other nodes' reports by node name.
//!
//! Files arrive in archive order, so the host's name (and the best of several files that
//! answer one command) is only known at the end: until then the host's facts are kept under
//! [`UNNAMED`] and renamed in [`name_the_host`].

use super::{small, Ingest};
use crate::facts::host::systemctl::SystemctlStatus;
use crate::facts::outputs::Parsed;
use crate::facts::{CollectionIssue, Facts};
use jiff::Timestamp;
use kbundle_format::analysis::CollectionStatus;
use kbundle_format::commands::{CommandId, Reading};
use kbundle_format::flavors::sosreport::SosFile;
use kbundle_read::Member;
use std::collections::HashMap;
use std::io;

/// The sosreport's host until its name is read: no real node name is empty.
const UNNAMED: &str = "";

/// The rank of `systemctl status --all` as the source of one unit's status: below every
/// file of the unit's own.
const ALL_UNITS_RANK: u8 = 9;

/// What the sosreport's files said so far.
#[derive(Debug, Default)]
pub(super) struct SosState {
    /// A file of sos's own folders (`sos_commands/`, ...) was seen: the input is one.
    pub(super) marked: bool,
    /// The host's name and the rank of the file that said it.
    hostname: Option<(u8, String)>,
    /// When the report was taken (`date --utc` ranks 0, `date` 1).
    date: Option<(u8, Timestamp)>,
    /// The rank of the file each parsed command was read from.
    ranks: HashMap<CommandId, u8>,
}

impl SosState {
    /// When the report was taken: `date`, else the `Universal time` timedatectl printed
    /// (known only once the host is named, see [`name_the_host`]).
    pub(super) fn created(&self) -> Option<Timestamp> {
        self.date.map(|(_, t)| t)
    }

    /// Keeps `value` when it comes from a better file than what is kept.
    fn better<T>(slot: &mut Option<(u8, T)>, rank: u8, value: T) {
        if slot.as_ref().is_none_or(|(kept, _)| rank < *kept) {
            *slot = Some((rank, value));
        }
    }
}

impl Ingest<'_> {
    /// Reads one file of a sosreport.
    pub(super) fn sos_member(&mut self, m: &mut Member<'_>, file: SosFile<'_>) -> io::Result<()> {
        if SosFile::marks_flavor(m.path) {
            self.sos.marked = true;
        }
        match file {
            SosFile::Command { id, rank } => {
                let parsed = !matches!(id.spec().reading, Reading::Scanned(_));
                if parsed {
                    // Several files answer one command (sos versions, detail levels): the
                    // best is kept, whatever the order they come in.
                    if self.sos.ranks.get(&id).is_some_and(|&kept| kept <= rank) {
                        return Ok(());
                    }
                    self.sos.ranks.insert(id, rank);
                }
                self.host_command(m, UNNAMED, id)
            }
            SosFile::AllUnitsStatus => self.all_units_status(m),
            SosFile::HostFile { host_path } => self.host_file(m, UNNAMED, host_path),
            SosFile::Hostname { rank } => {
                let text = small(m)?;
                let text = String::from_utf8_lossy(&text);
                match text.split_whitespace().next() {
                    Some(name) if text.lines().filter(|l| !l.trim().is_empty()).count() == 1 => {
                        SosState::better(&mut self.sos.hostname, rank, name.to_string());
                    }
                    _ => self.unreadable_on(
                        m.path.as_str(),
                        Some(UNNAMED.to_string()),
                        "expected one host name on one line",
                    ),
                }
                Ok(())
            }
            SosFile::Date { utc } => {
                let text = small(m)?;
                match crate::facts::host::date::parse(&String::from_utf8_lossy(&text)) {
                    Ok(Some(at)) => SosState::better(&mut self.sos.date, u8::from(!utc), at),
                    Ok(None) => {}
                    Err(e) => self.unreadable_on(m.path.as_str(), Some(UNNAMED.to_string()), e),
                }
                Ok(())
            }
            SosFile::Unread => Ok(()),
        }
    }

    /// `systemctl status --all`: the kubelet's and the runtime's status, for the units that
    /// have no file of their own. Parsed only: its journal tails are every unit's, and
    /// scanning them as the kubelet's would blame it for other services' lines.
    fn all_units_status(&mut self, m: &mut Member<'_>) -> io::Result<()> {
        let bytes = small(m)?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let file = m.path.as_str();
        let status = match crate::facts::host::systemctl::parse(&text) {
            Ok(s) => s,
            Err(e) => {
                self.unreadable_on(file, Some(UNNAMED.to_string()), e);
                return Ok(());
            }
        };
        let units: [(CommandId, &[&str]); 2] = [
            (CommandId::SystemctlStatusKubelet, &["kubelet"]),
            (
                CommandId::SystemctlStatusContainerd,
                &["containerd", "crio", "docker"],
            ),
        ];
        let found: Vec<CommandId> = units
            .iter()
            .filter(|(id, names)| {
                names.iter().any(|n| status.unit(n).is_some())
                    && self
                        .sos
                        .ranks
                        .get(id)
                        .is_none_or(|&kept| ALL_UNITS_RANK < kept)
            })
            .map(|(id, _)| *id)
            .collect();
        if found.is_empty() {
            return Ok(());
        }
        let parsed: Parsed<SystemctlStatus> = Parsed::new(status, file, text);
        for id in found {
            self.sos.ranks.insert(id, ALL_UNITS_RANK);
            let host = self.host(UNNAMED);
            host.commands.entry(id).or_default().has_output = true;
            let slot = match id {
                CommandId::SystemctlStatusKubelet => &mut host.outputs.kubelet_status,
                _ => &mut host.outputs.runtime_status,
            };
            *slot = Some(parsed.clone());
        }
        Ok(())
    }
}

/// Gives the sosreport's host its name, everywhere it was kept unnamed: the host facts, its
/// logs and its unreadable files. The name is the `hostname` output, else `/etc/hostname`,
/// else `fallback` (the report's folder or file name), which is then said as a gap.
pub(super) fn name_the_host(facts: &mut Facts, sos: &mut SosState, fallback: &str) {
    let name = match &sos.hostname {
        Some((_, name)) => name.clone(),
        None => {
            facts.collection.push(CollectionIssue {
                collector: "sos_commands/host/hostname".to_string(),
                node: Some(fallback.to_string()),
                namespace: None,
                status: CollectionStatus::Error,
                error: Some(format!(
                    "the sosreport holds no hostname output nor etc/hostname: its host is \
named {fallback} after the report"
                )),
                file: "sos_commands/host/hostname".to_string(),
            });
            fallback.to_string()
        }
    };
    let Some(host) = facts.hosts.remove(UNNAMED) else {
        return;
    };
    if sos.date.is_none() {
        let universal = host
            .outputs
            .clock
            .as_ref()
            .and_then(|c| c.value.universal_time)
            .and_then(|t| jiff::tz::Offset::UTC.to_timestamp(t).ok());
        if let Some(t) = universal {
            sos.date = Some((2, t));
        }
    }
    facts.hosts.entry(name.clone()).or_default().merge(host);
    let unnamed = Some(UNNAMED.to_string());
    for log in facts.logs.iter_mut().filter(|l| l.file.node == unnamed) {
        log.file.node = Some(name.clone());
    }
    for issue in facts.collection.iter_mut().filter(|c| c.node == unnamed) {
        issue.node = Some(name.clone());
    }
}
