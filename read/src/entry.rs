//! Entry names: from the raw bytes an archive stores to a checked [`BundlePath`] below the
//! bundle's top directory.
//!
//! Archives are read as streams, so the top directory is decided from the first entry: when
//! its first component is a directory that is not one of the folders a bundle holds at its
//! root (`cluster-resources`, `host-collectors`, ...), that component is the top directory
//! (`kbundle-<name>/`, troubleshoot's `support-bundle/`) and is stripped from every entry;
//! otherwise the entries sit at the root and are kept as they are.

use super::ReadError;
use kbundle_format::{layout, BundlePath, PathError};
use std::path::Path;

/// Folders that sit at the root of a bundle in our format or troubleshoot's; an archive whose
/// first entry starts with one of them has no top directory.
const ROOT_FOLDERS: &[&str] = &[
    layout::CLUSTER_RESOURCES,
    layout::HOST_COLLECTORS,
    "cluster-info",
    "all-logs",
    "execution-data",
];

/// Whether `name` is a folder a bundle of any flavor holds at its root (ours, troubleshoot's,
/// or a foreign flavor's such as a sosreport's `sos_commands/`).
pub(crate) fn is_root_folder(name: &str) -> bool {
    ROOT_FOLDERS.contains(&name) || kbundle_format::flavors::is_root_folder(name)
}

/// Where an entry lands once its name is checked.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum EntryName {
    /// A path below the top directory.
    Inside(BundlePath),
    /// The top directory itself, or the archive root (`./`): nothing to hand over.
    Top,
    /// An entry beside the top directory, e.g. macOS's `__MACOSX/`; the full path is kept.
    Outside(String),
    /// A name that cannot be a bundle path but does not escape the bundle either (not UTF-8,
    /// a backslash as in systemd's `snap-kube\x2dapiserver.mount`, a control character,
    /// `a//b`): passed over with a note, so one odd file does not refuse a whole sosreport.
    Unusual {
        /// The name as stored, made printable.
        entry: String,
        /// What is odd about it.
        why: String,
    },
}

/// Checks entry names and strips the top directory, remembering what the first entry decided.
pub(crate) struct EntryNames<'p> {
    bundle: &'p Path,
    /// `None` until the first entry is seen, then the stripped top directory, if any.
    top: Option<Option<String>>,
}

impl<'p> EntryNames<'p> {
    /// Names for an archive, whose top directory the first entry decides.
    pub(crate) fn new(bundle: &'p Path) -> Self {
        EntryNames { bundle, top: None }
    }

    /// Names for a directory walk that already knows its root.
    pub(crate) fn at_root(bundle: &'p Path) -> Self {
        EntryNames {
            bundle,
            top: Some(None),
        }
    }

    /// The top directory that was stripped, if any.
    pub(crate) fn top_dir(&self) -> Option<&str> {
        self.top.as_ref().and_then(|t| t.as_deref())
    }

    /// Checks `raw` (the name as stored, `/`-separated) and places it. A name that would
    /// escape the bundle (absolute, or holding `..`) is refused as [`ReadError::UnsafeEntry`]:
    /// the whole read fails. Any other name that cannot be a bundle path is
    /// [`EntryName::Unusual`], for the caller to pass over.
    pub(crate) fn place(&mut self, raw: &[u8], is_dir: bool) -> Result<EntryName, ReadError> {
        let bundle = self.bundle;
        let judge = |err: PathError| -> Result<EntryName, ReadError> {
            let entry = String::from_utf8_lossy(raw).into_owned();
            match err {
                PathError::Absolute(_) | PathError::ParentComponent(_) => {
                    Err(ReadError::UnsafeEntry {
                        path: bundle.to_path_buf(),
                        entry,
                        why: err.to_string(),
                    })
                }
                _ => Ok(EntryName::Unusual {
                    entry,
                    why: err.to_string(),
                }),
            }
        };
        let Ok(name) = std::str::from_utf8(raw) else {
            return Ok(EntryName::Unusual {
                entry: String::from_utf8_lossy(raw).into_owned(),
                why: "name is not UTF-8 (bundle paths are UTF-8)".to_string(),
            });
        };
        // `tar -C dir .` writes `./` before every name; it is the archive root, not a folder.
        let mut name = name;
        while let Some(rest) = name.strip_prefix("./") {
            name = rest;
        }
        if name.is_empty() || name == "." {
            return Ok(EntryName::Top);
        }
        // `..` between backslashes climbs out on Windows (zips written there use them as
        // separators): as unsafe as with slashes, though we never write entries to disk.
        if name.split(['/', '\\']).any(|c| c == "..") {
            return judge(PathError::ParentComponent(name.to_string()));
        }
        let path = match BundlePath::new(name) {
            Ok(path) => path,
            Err(err) => return judge(err),
        };
        let (first, rest) = match path.as_str().split_once('/') {
            Some((first, rest)) => (first, Some(rest)),
            None => (path.as_str(), None),
        };
        let top = self.top.get_or_insert_with(|| {
            let is_folder = rest.is_some() || is_dir;
            (is_folder && !is_root_folder(first)).then(|| first.to_string())
        });
        let Some(top) = top.as_deref() else {
            return Ok(EntryName::Inside(path));
        };
        match rest {
            Some(rest) if first == top => match BundlePath::new(rest) {
                Ok(path) => Ok(EntryName::Inside(path)),
                Err(err) => judge(err),
            },
            None if first == top && is_dir => Ok(EntryName::Top),
            _ => Ok(EntryName::Outside(path.as_str().to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside(p: &str) -> EntryName {
        EntryName::Inside(BundlePath::new(p).unwrap())
    }

    #[test]
    fn strips_the_top_directory_named_by_the_first_entry() {
        let mut names = EntryNames::new(Path::new("b.tar.gz"));
        assert_eq!(names.place(b"kbundle-c1-x/", true).unwrap(), EntryName::Top);
        assert_eq!(names.top_dir(), Some("kbundle-c1-x"));
        assert_eq!(
            names.place(b"kbundle-c1-x/manifest.json", false).unwrap(),
            inside("manifest.json")
        );
        assert_eq!(
            names
                .place(b"__MACOSX/kbundle-c1-x/._manifest.json", false)
                .unwrap(),
            EntryName::Outside("__MACOSX/kbundle-c1-x/._manifest.json".to_string())
        );
        assert_eq!(
            names.place(b"kbundle-c1-x", false).unwrap(),
            EntryName::Outside("kbundle-c1-x".to_string())
        );
    }

    #[test]
    fn a_first_file_in_a_folder_names_the_top_directory() {
        let mut names = EntryNames::new(Path::new("b.tgz"));
        assert_eq!(
            names
                .place(b"support-bundle/cluster-resources/nodes.json", false)
                .unwrap(),
            inside("cluster-resources/nodes.json")
        );
        assert_eq!(names.top_dir(), Some("support-bundle"));
    }

    #[test]
    fn entries_at_the_root_are_kept() {
        for first in [
            &b"manifest.json"[..],
            b"cluster-resources/nodes.json",
            b"sos_commands/host/hostname",
            b"cluster-scoped-resources/core/nodes/m0.yaml",
            b"./",
        ] {
            let mut names = EntryNames::new(Path::new("b.tar"));
            names.place(first, false).unwrap();
            assert_eq!(
                names
                    .place(b"./host-collectors/w1/run/df-h.txt", false)
                    .unwrap(),
                inside("host-collectors/w1/run/df-h.txt"),
                "after {:?}",
                String::from_utf8_lossy(first)
            );
            assert_eq!(names.top_dir(), None);
        }
    }

    #[test]
    fn refuses_names_that_escape_wherever_they_are() {
        for bad in [
            &b"../x"[..],
            b"/etc/passwd",
            b"a/../../x",
            b"kbundle-x/../../x",
            b"kbundle-x/a\\..\\..\\b",
            b"C:\\Windows\\x",
        ] {
            let mut names = EntryNames::new(Path::new("b.tar.gz"));
            names.place(b"kbundle-x/", true).unwrap();
            let err = names.place(bad, false).unwrap_err();
            assert!(
                matches!(err, ReadError::UnsafeEntry { .. }),
                "{:?} gave {err}",
                String::from_utf8_lossy(bad)
            );
            assert!(err.to_string().starts_with("b.tar.gz: refused entry"));
        }
    }

    #[test]
    fn odd_names_that_stay_inside_are_passed_over_with_the_reason() {
        for (odd, why) in [
            (
                &b"kbundle-x/etc/systemd/system/snap-kube\\x2dapiserver-2599.mount"[..],
                "backslash",
            ),
            (b"kbundle-x/caf\xe9.json", "not UTF-8"),
            (b"kbundle-x/a//b", "empty"),
            (b"kbundle-x/bell\x07", "control"),
        ] {
            let mut names = EntryNames::new(Path::new("b.tar.gz"));
            names.place(b"kbundle-x/", true).unwrap();
            match names.place(odd, false).unwrap() {
                EntryName::Unusual { entry, why: said } => {
                    assert_eq!(entry, String::from_utf8_lossy(odd));
                    assert!(said.contains(why), "{entry}: {said}");
                }
                other => panic!("{:?} gave {other:?}", String::from_utf8_lossy(odd)),
            }
            // The next entry still reads.
            assert_eq!(
                names.place(b"kbundle-x/manifest.json", false).unwrap(),
                inside("manifest.json")
            );
        }
    }
}
