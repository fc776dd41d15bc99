//! The layouts `kbundle analyze` reads ("flavors"): our own bundles, Replicated troubleshoot
//! support bundles, and what customers already send instead.
//!
//! Each flavor is told by the files it holds, never by the archive's name: [`MARKERS`] lists,
//! per flavor, the files or folders whose presence says "this is one". Input in which none of
//! them is found is refused by name of what was looked for, so that a bundle we do not
//! understand is never reported as "no problem found".

use crate::analysis::Flavor;
use crate::checklist::Step;

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
    Marker {
        flavor: Flavor::ClusterInfoDump,
        paths: &[cluster_info::NODES, "one file of kubectl's JSON Lists"],
    },
];

/// Folders that sit at the root of a foreign flavor's tree (a sosreport's `sos_commands/`,
/// ...): an archive or directory whose only folder is one of them has no top directory to
/// strip.
pub fn is_root_folder(name: &str) -> bool {
    sosreport::MARKER_FOLDERS.contains(&name) || must_gather::MARKER_FOLDERS.contains(&name)
}

/// Why an input of `flavor` cannot hold the data of checklist step `step`, in words for the
/// report (`a must-gather has no df output`); `None` when its layout can hold it. Such data
/// is a collection gap of the analysis, never a pass.
pub fn lacks(flavor: Flavor, step: Step) -> Option<&'static str> {
    use Step::*;
    Some(match (flavor, step) {
        (Flavor::Kbundle | Flavor::Troubleshoot, _) => return None,
        (Flavor::Sosreport, NodeReady) => "a sosreport has no Node objects",
        (Flavor::Sosreport, KubeSystemPods) => "a sosreport has no pod list",
        (Flavor::Sosreport, PodLogs) => "a sosreport has no container logs",
        (Flavor::Sosreport, Events) => "a sosreport has no events",
        (Flavor::Sosreport, _) => return None,
        (Flavor::MustGather, StaticPods) => {
            "a must-gather has no copy of /etc/kubernetes/manifests"
        }
        (Flavor::MustGather, Kubelet) => {
            "a must-gather has the kubelet and CRI-O journals of the masters only"
        }
        (Flavor::MustGather, OsLogs) => "a must-gather has no dmesg, kern.log or syslog",
        (Flavor::MustGather, Reboots) => "a must-gather has no last or uptime output",
        (Flavor::MustGather, Storage) => "a must-gather has no df output",
        (Flavor::MustGather, Network) => "a must-gather has no ip or route output",
        (Flavor::MustGather, IscsiMultipath) => "a must-gather has no iscsiadm or multipath output",
        (Flavor::ClusterInfoDump, StaticPods) => {
            "a cluster-info dump has no copy of /etc/kubernetes/manifests"
        }
        (Flavor::ClusterInfoDump, Kubelet) => {
            "a cluster-info dump has no kubelet or runtime status or journal"
        }
        (Flavor::ClusterInfoDump, OsLogs) => "a cluster-info dump has no dmesg, kern.log or syslog",
        (Flavor::ClusterInfoDump, Reboots) => "a cluster-info dump has no last or uptime output",
        (Flavor::ClusterInfoDump, Storage) => "a cluster-info dump has no df output",
        (Flavor::ClusterInfoDump, Network) => "a cluster-info dump has no ip or route output",
        (Flavor::ClusterInfoDump, IscsiMultipath) => {
            "a cluster-info dump has no iscsiadm or multipath output"
        }
        (Flavor::MustGather | Flavor::ClusterInfoDump, _) => return None,
    })
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
        let marked: Vec<Flavor> = MARKERS.iter().map(|m| m.flavor).collect();
        for f in Flavor::ALL {
            assert!(marked.contains(&f), "{f:?} has no markers");
        }
    }

    #[test]
    fn foreign_flavors_lack_what_their_layout_cannot_hold() {
        for step in Step::ALL {
            assert_eq!(lacks(Flavor::Kbundle, step), None);
            // A node's own data is never in a must-gather or a dump, the API's never in a
            // sosreport; what each does hold is not lacking.
            for (flavor, lacking) in [
                (Flavor::Sosreport, step.reads_api()),
                (Flavor::MustGather, !step.reads_api()),
                (Flavor::ClusterInfoDump, !step.reads_api()),
            ] {
                assert_eq!(
                    lacks(flavor, step).is_some(),
                    lacking,
                    "{flavor:?} {step:?}"
                );
            }
        }
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
