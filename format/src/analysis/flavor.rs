//! Who wrote an input: `bundles[].flavor` of the analysis.

use serde::{Deserialize, Serialize};

/// The producer of a bundle: which layout the input was read as (`format::flavors` says how
/// each is recognised and what it cannot hold).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Flavor {
    /// `kbundle-collect`.
    Kbundle,
    /// Replicated troubleshoot's `support-bundle`.
    Troubleshoot,
    /// `kubectl cluster-info dump`.
    ClusterInfoDump,
    /// A sosreport (`sos report`) of one host.
    Sosreport,
    /// An OpenShift must-gather (`oc adm must-gather`).
    MustGather,
}

impl Flavor {
    /// Every flavor, in the order the analysis format lists them.
    pub const ALL: [Flavor; 5] = [
        Flavor::Kbundle,
        Flavor::Troubleshoot,
        Flavor::Sosreport,
        Flavor::MustGather,
        Flavor::ClusterInfoDump,
    ];

    /// The flavor as the analysis format spells it (`kbundle`, `must-gather`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Flavor::Kbundle => "kbundle",
            Flavor::Troubleshoot => "troubleshoot",
            Flavor::ClusterInfoDump => "cluster-info-dump",
            Flavor::Sosreport => "sosreport",
            Flavor::MustGather => "must-gather",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flavors_are_spelt_as_in_the_json_and_read_back() {
        let words: Vec<&str> = Flavor::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(
            words,
            [
                "kbundle",
                "troubleshoot",
                "sosreport",
                "must-gather",
                "cluster-info-dump"
            ]
        );
        for f in Flavor::ALL {
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(json, format!("\"{}\"", f.as_str()));
            assert_eq!(serde_json::from_str::<Flavor>(&json).unwrap(), f);
        }
    }
}
