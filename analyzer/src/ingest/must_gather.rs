//! An OpenShift must-gather: its objects (one YAML per node and per pod, Lists of events and
//! workloads per namespace) read as the same objects our Lists hold, its container logs as
//! container logs, the masters' kubelet and CRI-O journals as each node's journal, and its
//! `timestamp` as the time it was taken. `format::flavors::must_gather` says which file is
//! which.

use super::sections::{Belongs, Lines, Section};
use super::{small, Ingest};
use crate::logscan::{LogFileRef, LogKind, PodRef};
use jiff::Timestamp;
use kbundle_format::commands::CommandId;
use kbundle_format::flavors::must_gather::{MustGatherFile, ServiceUnit};
use kbundle_kube::event::Event;
use kbundle_kube::list::stream::{for_each_yaml, ListError};
use kbundle_read::Member;
use std::io::{self, BufReader};
use std::sync::Arc;

/// Node runs of one service log scanned on their own; past this many (lines of nodes
/// interleaved, which `oc adm node-logs` does not write) the rest is one log of no node.
const MAX_NODE_RUNS: usize = 1000;

/// What the must-gather's files said so far.
#[derive(Debug, Default)]
pub(super) struct MustGatherState {
    /// A file of a gather image's folders was seen: the input is a must-gather.
    pub(super) marked: bool,
    /// When the gathering ended (the last line of `timestamp`).
    pub(super) taken: Option<Timestamp>,
}

impl Ingest<'_> {
    /// Reads one file of a must-gather.
    pub(super) fn must_gather_member(
        &mut self,
        m: &mut Member<'_>,
        file: MustGatherFile<'_>,
    ) -> io::Result<()> {
        if MustGatherFile::marks_flavor(m.path) {
            self.must_gather.marked = true;
        }
        match file {
            MustGatherFile::Node => self.list_member(m, "nodes", true),
            MustGatherFile::Pod => self.list_member(m, "pods", true),
            MustGatherFile::Workloads { dir } => self.list_member(m, dir, true),
            MustGatherFile::Events => self.yaml_events(m),
            MustGatherFile::ContainerLog {
                namespace,
                pod,
                container,
                previous,
            } => {
                let log = LogFileRef {
                    path: m.path.clone(),
                    kind: LogKind::ContainerLog,
                    node: None,
                    pod: Some(PodRef {
                        namespace: namespace.to_string(),
                        pod: pod.to_string(),
                        container: container.to_string(),
                        previous,
                    }),
                };
                self.scan_log_as(m, Some(log))
            }
            MustGatherFile::ServiceLog { unit } => self.service_log(m, unit),
            MustGatherFile::Timestamp => {
                let text = small(m)?;
                let text = String::from_utf8_lossy(&text);
                let last = text.lines().rev().find(|l| !l.trim().is_empty());
                match last.and_then(go_time) {
                    Some(t) => self.must_gather.taken = Some(t),
                    None => self.unreadable_on(
                        m.path.as_str(),
                        None,
                        "expected a time such as `2024-03-05 09:00:00.123 +0000 UTC` on its last line",
                    ),
                }
                Ok(())
            }
            MustGatherFile::Unread => Ok(()),
        }
    }

    /// A namespace's `core/events.yaml`, handed over an event at a time.
    fn yaml_events(&mut self, m: &mut Member<'_>) -> io::Result<()> {
        self.facts.kinds_present.insert("events".to_string());
        let file: Arc<str> = Arc::from(m.path.as_str());
        let events = &mut self.facts.events;
        let result = for_each_yaml(&mut *m.body, |e: Event| {
            events.add(e, &file, None);
            Ok::<(), std::convert::Infallible>(())
        });
        match result {
            Ok(_) => Ok(()),
            Err(ListError::Io(e)) => Err(e),
            Err(e) => {
                self.unreadable(&file, e);
                Ok(())
            }
        }
    }

    /// `host_service_logs/<role>/<unit>_service.log`: each node's run of lines is scanned
    /// as that node's journal of the unit, its lines numbered as in the file.
    fn service_log(&mut self, m: &mut Member<'_>, unit: ServiceUnit) -> io::Result<()> {
        let (kind, id) = match unit {
            ServiceUnit::Kubelet => (LogKind::KubeletJournal, CommandId::JournalctlKubelet),
            ServiceUnit::Crio => (LogKind::RuntimeJournal, CommandId::JournalctlContainerd),
        };
        let path = m.path.clone();
        let mut lines = Lines::new(BufReader::with_capacity(256 << 10, &mut *m.body));
        let mut runs = 0;
        while let Some(line) = lines.peek()? {
            runs += 1;
            let node = (runs <= MAX_NODE_RUNS)
                .then(|| node_prefix(line))
                .flatten()
                .map(str::to_string);
            let before = lines.taken();
            let file = LogFileRef {
                path: path.clone(),
                kind,
                node: node.clone(),
                pod: None,
            };
            let mut section = Section::new(&mut lines, |l: &[u8]| match &node {
                _ if runs > MAX_NODE_RUNS => Belongs::Yes(0),
                Some(n) if node_prefix(l) == Some(n.as_str()) => Belongs::Yes(n.len() + 1),
                None if node_prefix(l).is_none() => Belongs::Yes(0),
                _ => Belongs::EndBefore,
            });
            let mut scan = self.logs.scan(&file, &mut section)?;
            section.finish()?;
            scan.offset_lines(before);
            self.facts.logs.push(scan);
            if let Some(n) = node {
                self.host(&n).commands.entry(id).or_default().has_output = true;
            }
        }
        Ok(())
    }
}

/// The node name `oc adm node-logs` put before a journal line (`master-0 Mar 05 09:00:00
/// master-0 kubenswrapper[2000]: ...`); `None` for a line of one node's journal, which starts
/// with its stamp (`Mar 05 ...`, `2024-03-05T...`) or journalctl's `-- ` notes.
fn node_prefix(line: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(&line[..line.len().min(512)]).ok()?;
    let (first, rest) = text.split_once(' ')?;
    let plausible = !first.is_empty()
        && !first.starts_with(|c: char| c.is_ascii_digit())
        && first
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        && !MONTHS.contains(&first);
    let stamped = rest.starts_with(|c: char| c.is_ascii_digit())
        || rest.starts_with("-- ")
        || MONTHS.iter().any(|m| rest.starts_with(m));
    (plausible && stamped).then_some(first)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A Go `time.Time` as `%v` prints it: `2024-03-05 09:00:00.123456789 +0000 UTC m=+0.05`.
fn go_time(line: &str) -> Option<Timestamp> {
    let mut fields = line.split_whitespace();
    let (date, clock, offset) = (fields.next()?, fields.next()?, fields.next()?);
    jiff::fmt::strtime::parse(
        "%Y-%m-%d %H:%M:%S%.f %z",
        format!("{date} {clock} {offset}"),
    )
    .ok()?
    .to_timestamp()
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_oc_writes_into_timestamp() {
        let t = go_time("2024-03-05 10:00:00.170339213 +0100 CET m=+0.057436767").unwrap();
        assert_eq!(t.to_string(), "2024-03-05T09:00:00.170339213Z");
        assert_eq!(
            go_time("2024-03-05 09:00:00 +0000 UTC")
                .unwrap()
                .to_string(),
            "2024-03-05T09:00:00Z"
        );
        assert_eq!(go_time("yesterday"), None);
    }

    #[test]
    fn service_logs_split_by_node_whatever_the_bytes() {
        let scanner = crate::logscan::LogScanner::builtin().unwrap();
        let path = kbundle_format::BundlePath::new("host_service_logs/masters/kubelet_service.log")
            .unwrap();
        let read = |text: &[u8]| {
            let mut ingest = Ingest::new(std::path::Path::new("mg"), &scanner);
            let mut body = text;
            let mut m = Member {
                path: &path,
                size: text.len() as u64,
                modified: None,
                body: &mut body,
            };
            ingest.service_log(&mut m, ServiceUnit::Kubelet).unwrap();
            ingest.facts
        };
        let text = "m0 Mar 05 08:00:00 m0 kubenswrapper[1]: a\nm0 Mar 05 08:00:01 m0 kubenswrapper[1]: b\nm1 Mar 05 08:00:02 m1 kubenswrapper[2]: c\nMar 05 08:00:03 sno kubenswrapper[3]: d\n";
        let facts = read(text.as_bytes());
        let parts: Vec<(Option<&str>, u64)> = facts
            .logs
            .iter()
            .map(|l| (l.file.node.as_deref(), l.lines))
            .collect();
        assert_eq!(parts, [(Some("m0"), 2), (Some("m1"), 1), (None, 1)]);
        assert!(facts.hosts.contains_key("m0") && facts.hosts.contains_key("m1"));
        for cut in 0..text.len() {
            read(&text.as_bytes()[..cut]);
            read(&text.as_bytes()[cut..]);
        }
        let junk: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 11) as u8)
            .collect();
        read(&junk);
        // Nodes interleaved line by line: at most MAX_NODE_RUNS parts, the rest in one.
        let interleaved: String = (0..3000)
            .map(|i| format!("n{} Mar 05 08:00:00 x k[1]: l\n", i % 2))
            .collect();
        assert_eq!(read(interleaved.as_bytes()).logs.len(), MAX_NODE_RUNS + 1);
    }

    #[test]
    fn node_prefixes_and_lines_of_one_journal() {
        assert_eq!(
            node_prefix(b"master-0 Mar 05 09:00:00 master-0 kubenswrapper[2000]: x\n"),
            Some("master-0")
        );
        assert_eq!(
            node_prefix(b"ip-10-0-1-2.ec2.internal -- Logs begin at Tue 2024-03-05 --\n"),
            Some("ip-10-0-1-2.ec2.internal")
        );
        assert_eq!(
            node_prefix(b"Mar 05 09:00:00 sno kubenswrapper[2000]: x\n"),
            None
        );
        assert_eq!(
            node_prefix(b"2024-03-05T09:00:00+0000 sno kubelet: x\n"),
            None
        );
        assert_eq!(node_prefix(b"garbage\n"), None);
    }
}
