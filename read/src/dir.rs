//! Unpacked bundles: a directory walked in sorted order, never following a symlink.
//!
//! Every name goes through the same checks as an archive entry's. File types come from the
//! directory entry (`lstat`, not `stat`), so a symlink is reported as a link and never
//! opened, and a FIFO is never opened either (it would block).

use super::body::SizedBody;
use super::entry::{self, EntryName, EntryNames};
use super::{Member, MemberSink, ReadError, SkipReason};
use std::ffi::OsString;
use std::fs::{self, File, FileType};
use std::io::{self, BufReader};
use std::path::Path;
use std::time::UNIX_EPOCH;

/// Hands every regular file below `root` to `sink`; returns the members handed over and the
/// folder descended into when `root` held nothing but it (someone unpacked the archive into a
/// folder of its own).
pub(crate) fn read_directory(
    root: &Path,
    sink: &mut dyn MemberSink,
) -> Result<(u64, Option<String>), ReadError> {
    let io_error = |source: io::Error| ReadError::Io {
        path: root.to_path_buf(),
        source,
    };
    let mut names = EntryNames::at_root(root);
    let mut top_dir = None;
    let mut start = sorted_entries(root).map_err(io_error)?;
    if let Some(only) = lone_folder(&start) {
        let name = only.0.to_string_lossy().into_owned();
        let path = root.join(&only.0);
        start = sorted_entries(&path).map_err(io_error)?;
        top_dir = Some((name, path));
    }
    let base = top_dir.as_ref().map_or(root, |(_, path)| path.as_path());

    // Depth first; each level keeps its remaining entries reversed so `pop` takes them in
    // sorted order.
    start.reverse();
    let mut stack: Vec<(String, Vec<(OsString, FileType)>)> = vec![(String::new(), start)];
    let mut members = 0;
    while let Some((prefix, level)) = stack.last_mut() {
        let Some((name, kind)) = level.pop() else {
            stack.pop();
            continue;
        };
        let Some(name) = name.to_str() else {
            sink.skipped(
                &format!("{prefix}{}", name.to_string_lossy()),
                SkipReason::UnusualName("name is not UTF-8 (bundle paths are UTF-8)".to_string()),
            );
            continue;
        };
        let raw = format!("{prefix}{name}");
        let path = match names.place(raw.as_bytes(), kind.is_dir())? {
            EntryName::Inside(path) => path,
            EntryName::Unusual { entry, why } => {
                sink.skipped(&entry, SkipReason::UnusualName(why));
                continue;
            }
            // At the root every entry is inside.
            EntryName::Top | EntryName::Outside(_) => continue,
        };
        let on_disk = base.join(path.as_str());
        if kind.is_dir() {
            let mut children = sorted_entries(&on_disk).map_err(io_error)?;
            children.reverse();
            stack.push((format!("{path}/"), children));
        } else if kind.is_symlink() {
            sink.skipped(path.as_str(), SkipReason::Link);
        } else if !kind.is_file() {
            sink.skipped(path.as_str(), SkipReason::Special);
        } else {
            hand_over(&on_disk, &path, sink).map_err(|e| ReadError::Io {
                path: root.to_path_buf(),
                source: io::Error::new(e.kind(), format!("{path}: {e}")),
            })?;
            members += 1;
        }
    }
    Ok((members, top_dir.map(|(name, _)| name)))
}

fn hand_over(
    on_disk: &Path,
    path: &kbundle_format::BundlePath,
    sink: &mut dyn MemberSink,
) -> io::Result<()> {
    let file = File::open(on_disk)?;
    let meta = file.metadata()?;
    let size = meta.len();
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_secs()).ok());
    let mut body = SizedBody::new(BufReader::with_capacity(256 << 10, file), size);
    sink.member(Member {
        path,
        size,
        modified,
        body: &mut body,
    })
}

/// The entries of `dir` sorted by name, with their types as `lstat` sees them.
fn sorted_entries(dir: &Path) -> io::Result<Vec<(OsString, FileType)>> {
    let mut entries = fs::read_dir(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?
        .map(|entry| {
            let entry = entry?;
            Ok((entry.file_name(), entry.file_type()?))
        })
        .collect::<io::Result<Vec<_>>>()?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

/// The one folder `entries` hold, hidden files such as `.DS_Store` aside, unless it is one of
/// a bundle's own root folders (then `entries` are the bundle itself).
fn lone_folder(entries: &[(OsString, FileType)]) -> Option<&(OsString, FileType)> {
    let mut visible = entries
        .iter()
        .filter(|(name, _)| !name.to_string_lossy().starts_with('.'));
    let only = visible.next()?;
    let is_bundle_folder = only.0.to_str().is_some_and(entry::is_root_folder);
    (visible.next().is_none() && only.1.is_dir() && !is_bundle_folder).then_some(only)
}
