//! Memory pressure seen on the node itself (`/proc/meminfo`, else `free -m`): what the
//! kubelet's MemoryPressure condition says from the API, for bundles whose API part is
//! missing, and as evidence beside it when both are there (one category, one finding).
//!
//! Judged on available memory (free plus the caches the kernel can drop), so a node whose
//! free memory is all page cache is healthy; swap counts only when it is used up while
//! memory is also short.

use super::super::{Context, Rule};
use crate::facts::memory::Memory;
use crate::facts::Facts;
use crate::findings::{Draft, Findings};
use crate::rules::thresholds::thresholds;
use kbundle_format::analysis::{Category, Severity, Subject};

/// Little memory left on the node, or swap used up while memory is short.
pub(crate) const MEMORY_PRESSURE: Rule = Rule {
    id: "host.memory-pressure",
    category: Category::NodePressure,
    severity: Severity::Warning,
    looks_at: "run/meminfo.txt (else run/free.txt): MemAvailable against MemTotal, SwapFree \
against SwapTotal",
    remediation: "Find what holds the memory (`ps aux --sort=-rss`, pods against their \
limits); give pods memory limits, reserve memory for the system (kubelet --system-reserved, \
eviction thresholds) or add memory. Page cache is not the problem: it is counted as available.",
};

/// The rules of this file.
pub(crate) const RULES: &[&Rule] = &[&MEMORY_PRESSURE];

/// Runs the memory rule.
pub(crate) fn check(facts: &Facts, _ctx: &Context, out: &mut Findings) {
    for (node, host) in &facts.hosts {
        if let Some(memory) = host.outputs.memory() {
            judge(node, &memory, out);
        }
    }
}

/// `part` as a share of `whole`, in percent, without overflow.
fn percent(part: u64, whole: u64) -> f64 {
    part as f64 * 100.0 / whole.max(1) as f64
}

fn below(part: u64, whole: u64, limit: u64) -> bool {
    u128::from(part) * 100 < u128::from(whole) * u128::from(limit)
}

fn judge(node: &str, m: &Memory, out: &mut Findings) {
    let swap_full = m
        .swap
        .filter(|s| below(s.free, s.total, thresholds().memory.swap_full_percent))
        .filter(|_| {
            below(
                m.available,
                m.total,
                thresholds().memory.swap_matters_percent,
            )
        });
    let low = below(m.available, m.total, thresholds().memory.low_percent);
    if !low && swap_full.is_none() {
        return;
    }
    let severity = if below(m.available, m.total, thresholds().memory.critical_percent) {
        Severity::Critical
    } else {
        Severity::Warning
    };
    let share = percent(m.available, m.total);
    let title = match swap_full {
        Some(_) if !low => format!("Swap of {node} is used up and memory is short"),
        _ => format!("Memory of {node} is nearly exhausted ({share:.1} % available)"),
    };
    let mut message = format!(
        "{node} has {} of {} memory available ({share:.1} %), caches included.",
        size(m.available),
        size(m.total)
    );
    if let Some(s) = swap_full {
        message.push_str(&format!(
            " Its swap is used up: {} of {} free.",
            size(s.free),
            size(s.total)
        ));
    }
    let mut draft = Draft::new(&MEMORY_PRESSURE, Subject::node(node))
        .severity(severity)
        .title(title)
        .message(message);
    for (line, text) in &m.lines {
        draft = draft.evidence(&m.file, Some(*line as u64), text.clone());
    }
    out.add(draft.build());
}

/// Bytes in binary units, one decimal from GiB up (`820 MiB`, `31.3 GiB`).
fn size(bytes: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    let mib = bytes as f64 / MIB;
    if mib < 1024.0 {
        format!("{mib:.0} MiB")
    } else {
        format!("{:.1} GiB", mib / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::host::{free, meminfo};
    use crate::facts::outputs::Parsed;
    use crate::facts::HostFacts;
    use crate::rules::testing::{evaluate, facts_at_ten, rule_ids};

    /// `/proc/meminfo` of a 32 GiB node, with `available` and swap in kB.
    fn meminfo_text(free_kb: u64, available_kb: u64, swap: (u64, u64)) -> String {
        format!(
            "MemTotal:       32863884 kB\nMemFree:        {free_kb} kB\n\
             MemAvailable:   {available_kb} kB\nBuffers:          867328 kB\n\
             Cached:          9522176 kB\nSwapCached:            0 kB\n\
             SwapTotal:      {} kB\nSwapFree:       {} kB\nHugePages_Total:       0\n",
            swap.0, swap.1
        )
    }

    fn with_meminfo(name: &str, text: &str) -> Facts {
        let mut facts = facts_at_ten();
        let mut host = HostFacts::default();
        host.outputs.meminfo = Some(Parsed::new(
            meminfo::parse(text).unwrap(),
            "host-collectors/n/run/meminfo.txt",
            text.into(),
        ));
        facts.hosts.insert(name.into(), host);
        facts
    }

    fn with_free(name: &str, text: &str) -> Facts {
        let mut facts = facts_at_ten();
        let mut host = HostFacts::default();
        host.outputs.free = Some(Parsed::new(
            free::parse(text).unwrap(),
            "host-collectors/n/run/free.txt",
            text.into(),
        ));
        facts.hosts.insert(name.into(), host);
        facts
    }

    #[test]
    fn must_match_memory_nearly_exhausted() {
        // The broken fixture's w1: 820 MiB of 31 GiB available, caches already dropped.
        let facts = with_meminfo("w1", &meminfo_text(217399, 840197, (0, 0)));
        assert_eq!(rule_ids(&facts), ["host.memory-pressure Node w1"]);
        let f = &evaluate(&facts).into_sorted()[0];
        assert_eq!(f.severity, Severity::Critical);
        assert!(f.title.contains("2.6 % available"), "{}", f.title);
        assert_eq!(f.evidence[1].line, Some(3));
        assert!(f.evidence[1].text.starts_with("MemAvailable:"));
        // 8 % available is short, not yet critical; read from free -m.
        let facts = with_free(
            "w2",
            "               total        used        free      shared  buff/cache   available\n\
             Mem:           32093       29300         900          84        1893        2600\n\
             Swap:              0           0           0\n",
        );
        let f = &evaluate(&facts).into_sorted()[0];
        assert_eq!(
            (f.rule.as_str(), f.severity),
            ("host.memory-pressure", Severity::Warning)
        );
    }

    #[test]
    fn must_match_swap_used_up_while_memory_is_short() {
        let facts = with_meminfo("w3", &meminfo_text(400000, 4900000, (8388604, 120000)));
        let all = evaluate(&facts).into_sorted();
        assert_eq!(all.len(), 1);
        assert!(
            all[0].title.starts_with("Swap of w3 is used up"),
            "{}",
            all[0].title
        );
        assert!(
            all[0].message.contains("swap is used up"),
            "{}",
            all[0].message
        );
        assert_eq!(
            all[0].evidence.len(),
            4,
            "MemTotal, MemAvailable, SwapTotal, SwapFree"
        );
    }

    #[test]
    fn must_not_match_caches_or_cold_swap() {
        // MemFree is 1 %, but the page cache makes 64 % available: a healthy, busy node.
        let facts = with_meminfo("ok", &meminfo_text(300000, 21000000, (0, 0)));
        assert!(rule_ids(&facts).is_empty());
        // Swap is full of cold pages, but half the memory is available.
        let facts = with_meminfo("ok", &meminfo_text(300000, 16000000, (8388604, 1000)));
        assert!(rule_ids(&facts).is_empty());
        // Old procps: `free` is 5 %, but with buffers and cache 58 % is available.
        let facts = with_free(
            "ok",
            "             total       used       free     shared    buffers     cached\n\
             Mem:          3832       3644        188          0        161       1874\n\
             -/+ buffers/cache:       1608       2224\n\
             Swap:         3967         67       3900\n",
        );
        assert!(rule_ids(&facts).is_empty());
    }
}
