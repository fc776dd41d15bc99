//! What the input's flavors cannot hold, as collection rows: a must-gather has no `df`
//! output, a sosreport no Node objects. Such a step is judged by the same data checks as
//! every cell, after all bundles are merged, so a step another bundle provides (a sosreport
//! of a must-gather's node) is read, not absent; only what is missing because of what the
//! inputs are becomes a row with status `absent`, which the checklist shows as a gap.

use super::data::{Data, NodeIndex, NodeView};
use super::Step;
use crate::facts::Facts;
use kbundle_format::analysis::{CollectionRow, CollectionStatus};
use kbundle_format::flavors;

/// The rows of the data every bundle's flavor lacks and that is indeed missing: steps that
/// read the API once for the cluster, a node's own steps per node.
pub(crate) fn absences(facts: &Facts) -> Vec<CollectionRow> {
    if facts.bundles.is_empty() {
        return Vec::new();
    }
    let index = NodeIndex::new(facts);
    let mut rows = Vec::new();
    let mut judge = |node: Option<&str>, step: Step| {
        let Some(why) = lacked(facts, step) else {
            return;
        };
        if let Data::Missing(_) = NodeView::new(facts, &index, node).data(step) {
            rows.push(CollectionRow {
                collector: collector(step).to_string(),
                node: node.map(str::to_string),
                status: CollectionStatus::Absent,
                error: Some(why),
            });
        }
    };
    for step in Step::ALL.into_iter().filter(|s| s.reads_api()) {
        judge(None, step);
    }
    for node in facts.node_names() {
        for step in Step::ALL.into_iter().filter(|s| !s.reads_api()) {
            judge(Some(&node), step);
        }
    }
    rows
}

/// Why the step's data cannot be in the input: every bundle's flavor lacks it (the words of
/// each flavor, once). `None` when some bundle could hold it.
fn lacked(facts: &Facts, step: Step) -> Option<String> {
    let mut words: Vec<&str> = Vec::new();
    for b in &facts.bundles {
        let why = flavors::lacks(b.flavor, step)?;
        if !words.contains(&why) {
            words.push(why);
        }
    }
    Some(words.join("; "))
}

/// The collector whose data the step reads, as `gaps::collector_steps` maps it back.
fn collector(step: Step) -> &'static str {
    match step {
        Step::NodeReady => "cluster-resources/nodes",
        Step::KubeSystemPods => "cluster-resources/pods",
        Step::PodLogs => "cluster-resources/pods/logs",
        Step::Events => "cluster-resources/events",
        Step::StaticPods => "files/etc/kubernetes/manifests",
        Step::Kubelet => "run/journalctl-kubelet",
        Step::OsLogs => "run/dmesg",
        Step::Reboots => "run/last-reboot",
        Step::Storage => "run/df-h",
        Step::Network => "run/ip-addr",
        Step::IscsiMultipath => "run/iscsiadm-session",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_has_a_collector_that_maps_back_to_it() {
        for step in Step::ALL {
            assert_eq!(
                super::super::gaps::collector_steps(collector(step)),
                [step],
                "{step:?}"
            );
        }
    }
}
