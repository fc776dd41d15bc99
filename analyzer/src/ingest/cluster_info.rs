//! `kubectl cluster-info dump`, both forms: the `--output-directory` tree (Lists per
//! namespace, each pod's container logs in `<ns>/<pod>/logs.txt`) read member by member, and
//! the single stream kubectl prints without it (JSON Lists one after another, container logs
//! between `==== START logs ...` and `==== END logs ...` lines) read in one pass, a List an
//! item at a time and a container's log as a log of its own. Either way the objects are the
//! ones our Lists hold and the logs are container logs, with the file's own line numbers.

use super::sections::{Belongs, Lines, Section};
use super::Ingest;
use crate::facts::{Facts, Sourced};
use crate::logscan::{LogFileRef, LogKind, LogScanner, PodRef};
use crate::AnalyzeError;
use kbundle_format::flavors::cluster_info::{self, DumpFile, LOG_END, LOG_START};
use kbundle_format::layout;
use kbundle_format::BundlePath;
use kbundle_kube::event::Event;
use kbundle_kube::list::stream::{for_each_json_document, ListError, ListHead};
use kbundle_kube::node::Node;
use kbundle_kube::pod::Pod;
use kbundle_kube::workload::{WorkloadKind, WorkloadObject};
use kbundle_read::{Member, ReadError};
use serde_json::value::RawValue;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;

/// Bytes looked at to tell a dump printed to standard output from anything else.
const SNIFF: usize = 4096;

/// Items of a List that come before its `kind` wait for it, up to this many bytes.
const MAX_WAITING: usize = 64 << 20;

/// What the dump's files said so far.
#[derive(Debug, Default)]
pub(super) struct DumpState {
    /// `nodes.json` was seen, or a List of the printed stream was read: the input is a dump.
    pub(super) marked: bool,
}

/// Whether `path` is one file holding what `kubectl cluster-info dump` prints: it starts
/// with a JSON List (`{` then a `"kind": "...List"`). Archives and directories never do.
pub(super) fn is_dump_stream(path: &Path) -> io::Result<bool> {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return Ok(false);
    }
    let mut head = Vec::with_capacity(SNIFF);
    std::fs::File::open(path)?
        .take(SNIFF as u64)
        .read_to_end(&mut head)?;
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    Ok(text.starts_with('{') && text.contains("\"kind\"") && text.contains("List\""))
}

/// Reads a dump printed to standard output (and saved to a file) into facts.
pub(super) fn read_dump_stream(path: &Path, logs: &LogScanner) -> Result<Facts, AnalyzeError> {
    let io_error = |source: io::Error| {
        AnalyzeError::Read(ReadError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    let name = path
        .file_name()
        .and_then(|n| BundlePath::new(&n.to_string_lossy()).ok())
        .unwrap_or_else(|| BundlePath::new("cluster-info.dump").expect("a valid name"));
    let mut ingest = Ingest::new(path, logs);
    let mut lines = Lines::new(BufReader::with_capacity(1 << 20, file));
    ingest.dump_stream(&mut lines, &name).map_err(io_error)?;
    if !ingest.recognised() {
        // JSON, but not one List of kubectl's: not a dump, and nothing to analyze.
        return Err(AnalyzeError::Unrecognised {
            path: path.to_path_buf(),
        });
    }
    Ok(ingest.finish(None))
}

impl Ingest<'_> {
    /// Reads one file of a dump directory.
    pub(super) fn dump_member(&mut self, m: &mut Member<'_>, file: DumpFile<'_>) -> io::Result<()> {
        if DumpFile::marks_flavor(m.path) {
            self.dump.marked = true;
        }
        match file {
            DumpFile::List { dir, yaml } => self.list_member(m, dir, yaml),
            DumpFile::PodLogs => {
                let path = m.path.clone();
                let mut lines = Lines::new(BufReader::with_capacity(256 << 10, &mut *m.body));
                while lines.peek()?.is_some() {
                    if !self.log_block(&mut lines, &path)? {
                        lines.take_line(); // a line outside the blocks says nothing
                    }
                }
                Ok(())
            }
            DumpFile::Unread => Ok(()),
        }
    }

    /// Reads the printed stream: Lists, log blocks, and nothing else of note between them.
    fn dump_stream<R: BufRead>(
        &mut self,
        lines: &mut Lines<R>,
        name: &BundlePath,
    ) -> io::Result<()> {
        let file: Arc<str> = Arc::from(name.as_str());
        while let Some(line) = lines.peek()? {
            if line.starts_with(b"{") {
                self.dump_list(lines, &file)?;
            } else if !self.log_block(lines, name)? {
                lines.take_line();
            }
        }
        Ok(())
    }

    /// One List of the stream, an item at a time, each as the List's kind says. kubectl
    /// prints `kind` before `items`; items that come before it (another producer's key order)
    /// wait for it, up to [`MAX_WAITING`] bytes.
    fn dump_list<R: BufRead>(&mut self, lines: &mut Lines<R>, file: &Arc<str>) -> io::Result<()> {
        let mut bad_item = None;
        let mut waiting: Vec<Box<RawValue>> = Vec::new();
        let mut waiting_bytes = 0;
        let mut overflow = false;
        let result = for_each_json_document(&mut *lines, |head: &ListHead, item: Box<RawValue>| {
            if head.kind.is_empty() {
                waiting_bytes += item.get().len();
                if waiting_bytes > MAX_WAITING {
                    overflow = true;
                } else {
                    waiting.push(item);
                }
            } else if let Err(e) = self.dump_item(&head.kind, &item, file) {
                bad_item.get_or_insert(format!("a {} item: {e}", head.kind));
            }
            Ok::<(), std::convert::Infallible>(())
        });
        match result {
            Ok(head) => {
                for item in waiting {
                    if let Err(e) = self.dump_item(&head.kind, &item, file) {
                        bad_item.get_or_insert(format!("a {} item: {e}", head.kind));
                    }
                }
                if overflow {
                    bad_item.get_or_insert(format!(
                        "a {} whose items come before its kind and exceed {} MiB: not read",
                        head.kind,
                        MAX_WAITING >> 20
                    ));
                }
                if let Some(why) = bad_item {
                    self.unreadable_on(file, None, why);
                }
                if let Some(dir) = list_dir(&head.kind) {
                    self.facts.kinds_present.insert(dir.to_string());
                }
                // A List as kubectl prints them says the stream is a dump.
                self.dump.marked |= head.envelope && head.kind.ends_with("List");
                Ok(())
            }
            Err(ListError::Io(e)) => Err(e),
            Err(e) => {
                let line = lines.taken() + 1;
                self.unreadable_on(file, None, format!("line {line}: {e}"));
                // Skip to what can start again: a List or a log block at the start of a line.
                lines.take_line();
                while let Some(next) = lines.peek()? {
                    if next.starts_with(b"{") || next.starts_with(LOG_START.as_bytes()) {
                        break;
                    }
                    lines.take_line();
                }
                Ok(())
            }
        }
    }

    /// One object of a List of `kind` (`PodList`, ...), added as a List member's would be.
    fn dump_item(
        &mut self,
        kind: &str,
        item: &RawValue,
        file: &Arc<str>,
    ) -> serde_json::Result<()> {
        fn sourced<T>(object: T, file: &Arc<str>) -> Sourced<T> {
            Sourced {
                object,
                file: file.clone(),
                line: None,
            }
        }
        match list_dir(kind) {
            Some("pods") => {
                let pod: Pod = serde_json::from_str(item.get())?;
                self.facts.add_pods([sourced(pod, file)]);
            }
            Some("nodes") => {
                let node: Node = serde_json::from_str(item.get())?;
                self.facts.nodes.push(sourced(node, file));
            }
            Some("events") => {
                let event: Event = serde_json::from_str(item.get())?;
                self.facts.events.add(event, file, None);
            }
            Some("replicasets") => {
                let rs: WorkloadObject = serde_json::from_str(item.get())?;
                self.facts.add_replica_set(&rs);
            }
            Some(dir) => {
                if let Some(kind) = WorkloadKind::from_dir(dir) {
                    let w: WorkloadObject = serde_json::from_str(item.get())?;
                    self.facts.add_workload(kind, sourced(w, file));
                }
            }
            None => {}
        }
        Ok(())
    }

    /// Reads the container log block that starts at the next line, if one does: scanned as
    /// the container's log, its lines numbered as in the file.
    fn log_block<R: BufRead>(
        &mut self,
        lines: &mut Lines<R>,
        path: &BundlePath,
    ) -> io::Result<bool> {
        let Some(line) = lines.peek()? else {
            return Ok(false);
        };
        let header = String::from_utf8_lossy(line);
        let Some((container, namespace, pod)) = cluster_info::log_start(&header) else {
            return Ok(false);
        };
        let file = LogFileRef {
            path: path.clone(),
            kind: LogKind::ContainerLog,
            node: None,
            pod: Some(PodRef {
                namespace: namespace.to_string(),
                pod: pod.to_string(),
                container: container.to_string(),
                previous: false,
            }),
        };
        lines.take_line();
        let before = lines.taken();
        let mut section = Section::new(lines, |l: &[u8]| {
            if l.starts_with(LOG_END.as_bytes()) {
                Belongs::EndAt
            } else if l.starts_with(LOG_START.as_bytes()) {
                Belongs::EndBefore
            } else {
                Belongs::Yes(0)
            }
        });
        let mut scan = self.logs.scan(&file, &mut section)?;
        section.finish()?;
        scan.offset_lines(before);
        self.facts.logs.push(scan);
        Ok(true)
    }
}

/// The directory our layout keeps a List kind in (`PodList` → `pods`).
fn list_dir(kind: &str) -> Option<&'static str> {
    let kind = kind.strip_suffix("List")?;
    layout::KIND_DIRS
        .iter()
        .find(|k| k.kind == kind)
        .map(|k| k.dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "{\n    \"kind\": \"NodeList\",\n    \"items\": [{\"metadata\": {\"name\": \"n1\"}}]\n}\n{\n    \"kind\": \"PodList\",\n    \"items\": [{\"metadata\": {\"name\": \"p\", \"namespace\": \"a\"}, \"spec\": {\"nodeName\": \"n1\"}}]\n}\n==== START logs for container c of pod a/p ====\nerror: dial tcp 10.96.0.1:443: i/o timeout\n==== END logs for container c of pod a/p ====\n";

    fn read(scanner: &LogScanner, text: &[u8]) -> Facts {
        let mut ingest = Ingest::new(Path::new("dump"), scanner);
        let mut lines = Lines::new(text);
        let name = BundlePath::new("dump").unwrap();
        ingest.dump_stream(&mut lines, &name).unwrap();
        ingest.facts
    }

    #[test]
    fn every_cut_of_a_stream_reads_without_panic_or_endless_loop() {
        let scanner = LogScanner::builtin().unwrap();
        let read = |text: &[u8]| read(&scanner, text);
        let whole = read(STREAM.as_bytes());
        assert_eq!(
            (
                whole.nodes.len(),
                whole.pod_summaries.len(),
                whole.logs.len()
            ),
            (1, 1, 1)
        );
        for cut in 0..STREAM.len() {
            let facts = read(&STREAM.as_bytes()[..cut]);
            assert!(
                facts.nodes.len() <= 1 && facts.logs.len() <= 1,
                "cut at {cut}"
            );
            let facts = read(&STREAM.as_bytes()[cut..]);
            assert!(facts.pod_summaries.len() <= 1, "from {cut}");
        }
        let junk: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 11) as u8)
            .collect();
        read(&junk);
        read(b"{{{{\n{\"kind\": \"PodList\", \"items\": [1, \"x\", null]}\n{");
    }
}
