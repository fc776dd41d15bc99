//! The layouts `kbundle analyze` reads ("flavors"): our own bundles, Replicated troubleshoot
//! support bundles, and what customers already send instead.
//!
//! Each flavor is told by the files it holds, never by the archive's name: [`MARKERS`] lists,
//! per flavor, the files or folders whose presence says "this is one". Input in which none of
//! them is found is refused by name of what was looked for, so that a bundle we do not
//! understand is never reported as "no problem found".

use crate::analysis::Flavor;

pub mod cluster_info;
pub mod must_gather;
pub mod sosreport;

/// The files or folders (a trailing `/`) that mark a flavor, as found below the bundle's
/// top directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    /// The flavor they mark.
    pub flavor: Flavor,
    /// Paths whose presence (any of them) says the input is of this flavor; for a flavor
    /// that can also be one file, what that file holds, in words.
    pub paths: &'static [&'static str],
}

/// Every flavor's markers, in the order the analyzer decides between them.
pub const MARKERS: &[Marker] = &[
    Marker {
        flavor: Flavor::Kbundle,
        paths: &["manifest.json", "host-collectors/"],
    },
    Marker {
        flavor: Flavor::Troubleshoot,
        paths: &["version.yaml", "cluster-resources/", "cluster-info/"],
    },
    Marker {
        flavor: Flavor::Sosreport,
        paths: &["sos_commands/", "sos_reports/", "sos_logs/"],
    },
    Marker {
        flavor: Flavor::MustGather,
        paths: &[
            "cluster-scoped-resources/",
            "namespaces/",
            "host_service_logs/",
        ],
    },
];

/// Folders that sit at the root of a foreign flavor's tree (a sosreport's `sos_commands/`,
/// ...): an archive or directory whose only folder is one of them has no top directory to
/// strip.
pub fn is_root_folder(name: &str) -> bool {
    sosreport::MARKER_FOLDERS.contains(&name) || must_gather::MARKER_FOLDERS.contains(&name)
}

/// What was looked for, in one line: `kbundle (manifest.json, host-collectors/),
/// troubleshoot (...)`: the words of the error for input of no known flavor.
pub fn looked_for() -> String {
    MARKERS
        .iter()
        .map(|m| format!("{} ({})", m.flavor.as_str(), m.paths.join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flavor_read_has_markers_and_the_words_name_them() {
        let words = looked_for();
        for m in MARKERS {
            assert!(!m.paths.is_empty(), "{:?}", m.flavor);
            assert!(words.contains(m.flavor.as_str()), "{words}");
            for p in m.paths {
                assert!(words.contains(p), "{words}");
            }
        }
        assert!(!words.contains('\n'));
    }

    #[test]
    fn markers_and_root_folders_agree() {
        let foreign = [Flavor::Sosreport, Flavor::MustGather];
        for m in MARKERS.iter().filter(|m| foreign.contains(&m.flavor)) {
            for p in m.paths {
                assert!(is_root_folder(p.trim_end_matches('/')), "{p}");
            }
        }
    }
}
