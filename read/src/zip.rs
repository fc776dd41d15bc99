//! zip archives, read entry by entry in archive order.
//!
//! zip keeps its directory at the end, so the archive is opened with `Seek` on the file; the
//! entries are then inflated one at a time as the sink reads them. The central directory
//! (names and offsets, about a hundred bytes per entry) is the only thing held in memory.

use super::body::SizedBody;
use super::entry::{EntryName, EntryNames};
use super::{Member, MemberSink, ReadError, SkipReason};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use zip::result::ZipError;
use zip::ZipArchive;

const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFLNK: u32 = 0o120_000;

/// What a zip archive yielded: the members handed over and the stripped top directory.
pub(crate) fn read_zip(
    file: File,
    bundle: &Path,
    sink: &mut dyn MemberSink,
) -> Result<(u64, Option<String>), ReadError> {
    let damaged = |err: ZipError| ReadError::Damaged {
        path: bundle.to_path_buf(),
        why: describe(&err),
    };
    let mut archive = ZipArchive::new(BufReader::new(file)).map_err(damaged)?;
    let mut names = EntryNames::new(bundle);
    let mut members = 0;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(damaged)?;
        // Zips written on Windows may separate with `\`; `..\x` must be caught as `../x`.
        let raw: Vec<u8> = entry
            .name_raw()
            .iter()
            .map(|&b| if b == b'\\' { b'/' } else { b })
            .collect();
        let mode = entry.unix_mode().map(|m| m & S_IFMT);
        let is_dir = entry.is_dir() || mode == Some(S_IFDIR);
        let path = match names.place(&raw, is_dir)? {
            EntryName::Top => continue,
            EntryName::Outside(full) => {
                sink.skipped(&full, SkipReason::OutsideTopDir);
                continue;
            }
            EntryName::Inside(path) => path,
            EntryName::Unusual { entry, why } => {
                sink.skipped(&entry, SkipReason::UnusualName(why));
                continue;
            }
        };
        match mode {
            _ if is_dir => continue,
            Some(S_IFLNK) => {
                sink.skipped(path.as_str(), SkipReason::Link);
                continue;
            }
            // A zip written without unix attributes, or with mode bits zero, is a plain file.
            None | Some(0) | Some(S_IFREG) => {}
            Some(_) => {
                sink.skipped(path.as_str(), SkipReason::Special);
                continue;
            }
        }
        let size = entry.size();
        let modified = modified(&entry);
        let mut body = SizedBody::new(&mut entry, size);
        sink.member(Member {
            path: &path,
            size,
            modified,
            body: &mut body,
        })
        .map_err(|e| ReadError::Damaged {
            path: bundle.to_path_buf(),
            why: format!("{path}: {e}"),
        })?;
        members += 1;
    }
    Ok((members, names.top_dir().map(str::to_string)))
}

/// The entry's modification time: the unix timestamp extra field when present, else the DOS
/// date and time, which carry no zone and are taken as UTC.
fn modified<R: std::io::Read>(entry: &zip::read::ZipFile<'_, R>) -> Option<i64> {
    let extended = entry.extra_data_fields().find_map(|field| match field {
        zip::ExtraField::ExtendedTimestamp(ts) => ts.mod_time(),
        _ => None,
    });
    if let Some(seconds) = extended {
        return Some(i64::from(seconds));
    }
    let dos = entry.last_modified()?;
    // `DateTime::new` checks the fields: a damaged header gives no time rather than a panic.
    let civil = jiff::civil::DateTime::new(
        i16::try_from(dos.year()).ok()?,
        i8::try_from(dos.month()).ok()?,
        i8::try_from(dos.day()).ok()?,
        i8::try_from(dos.hour()).ok()?,
        i8::try_from(dos.minute()).ok()?,
        i8::try_from(dos.second()).ok()?,
        0,
    )
    .ok()?;
    jiff::tz::TimeZone::UTC
        .to_timestamp(civil)
        .ok()
        .map(|t| t.as_second())
}

fn describe(err: &ZipError) -> String {
    match err {
        ZipError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "unexpected end of archive".to_string()
        }
        ZipError::InvalidArchive(why) if why.contains("EOCD") || why.contains("end of") => {
            format!("unexpected end of archive or not a whole zip ({why})")
        }
        other => format!("zip: {other}"),
    }
}
