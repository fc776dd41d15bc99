//! What the templates see: the report arranged for the page (header, checklist cells with
//! their links, findings grouped by severity then category, the first rows of each table).
//!
//! Every string here that came from a bundle is inserted by the templates with handlebars'
//! HTML escaping; ids, classes and links are built only from indices and the fixed lists of
//! severities, categories and steps, never from bundle strings.

use crate::report::checklist::Step;
use crate::report::inventory::{NodeRow, PodRow};
use crate::report::Report;
use kbundle_format::analysis::{
    Category, CollectionStatus, Finding, Flavor, Severity, SubjectKind, TimelineEntry,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Rows of a table rendered into the page; the script pages through the rest.
pub const TABLE_PAGE: usize = 100;
/// Findings of one severity and category rendered into the page; the script renders the
/// rest on demand.
pub const FINDINGS_SHOWN: usize = 20;

/// The whole page.
#[derive(Debug, Serialize)]
pub(crate) struct Page {
    /// The document title.
    pub title: String,
    /// The Content-Security-Policy (filled in by the renderer, which knows the hashes).
    pub csp: String,
    /// `kbundle 0.1.0`.
    pub generated_by: String,
    /// The header facts.
    pub header: Header,
    /// The checklist's column headings.
    pub steps: Vec<StepHead>,
    /// The checklist's rows, problems first, quiet nodes folded.
    pub checklist: Vec<super::checklist::ChecklistRow>,
    /// The root causes and their chains, what the page opens with.
    pub roots: super::roots::RootsView,
    /// Findings by severity, then category.
    pub severities: Vec<SeverityGroup>,
    /// The first page of the timeline.
    pub timeline: TableView<TimelineRow>,
    /// The nodes the timeline can be filtered by.
    pub timeline_nodes: Vec<String>,
    /// Every collection row, gaps first.
    pub gaps: Vec<GapRow>,
    /// How many of them are gaps (data missing), not skips or truncations.
    pub gap_count: usize,
    /// The first page of nodes.
    pub nodes: TableView<NodeRow>,
    /// The first page of pods.
    pub pods: TableView<PodRow>,
}

/// The facts at the top of the page.
#[derive(Debug, Serialize)]
pub(crate) struct Header {
    /// Cluster name(s), or why unknown.
    pub cluster: String,
    /// API server version(s).
    pub kubernetes: String,
    /// Nodes known.
    pub node_count: usize,
    /// Bundle creation time(s).
    pub created: String,
    /// Collector and version(s).
    pub collector: String,
    /// Findings per severity.
    pub critical: usize,
    /// Warnings.
    pub warning: usize,
    /// Info.
    pub info: usize,
    /// One line per bundle.
    pub bundles: Vec<BundleLine>,
    /// A bundle was cut short.
    pub interrupted: bool,
}

/// One bundle read.
#[derive(Debug, Serialize)]
pub(crate) struct BundleLine {
    /// Path given.
    pub path: String,
    /// kbundle, troubleshoot, cluster-info-dump.
    pub flavor: String,
}

/// A checklist column heading.
#[derive(Debug, Serialize)]
pub(crate) struct StepHead {
    /// Short label.
    pub label: &'static str,
    /// What it checks.
    pub checks: &'static str,
}

/// Findings of one severity.
#[derive(Debug, Serialize)]
pub(crate) struct SeverityGroup {
    /// `critical`, `warning`, `info`.
    pub severity: &'static str,
    /// How many.
    pub count: usize,
    /// By category, in the spec's order.
    pub categories: Vec<CategoryGroup>,
}

/// Findings of one severity and category.
#[derive(Debug, Serialize)]
pub(crate) struct CategoryGroup {
    /// Element id (`g-warning-crash-loop`).
    pub id: String,
    /// Category name.
    pub category: &'static str,
    /// What it means.
    pub meaning: &'static str,
    /// How many findings.
    pub count: usize,
    /// The first [`FINDINGS_SHOWN`].
    pub findings: Vec<FindingView>,
    /// How many more the script can show.
    pub hidden: usize,
}

/// One finding card.
#[derive(Debug, Serialize)]
pub(crate) struct FindingView {
    /// Element id (`f-<index>`).
    pub id: String,
    /// Severity word.
    pub severity: &'static str,
    /// Category name.
    pub category: &'static str,
    /// Rule id.
    pub rule: String,
    /// Title.
    pub title: String,
    /// `Pod ns/name on node`.
    pub subject: String,
    /// What was seen.
    pub message: String,
    /// Times seen.
    pub count: u64,
    /// First seen, or `unknown`.
    pub first_seen: String,
    /// Last seen, or `unknown`.
    pub last_seen: String,
    /// What to do.
    pub remediation: String,
    /// The proof.
    pub evidence: Vec<EvidenceView>,
    /// Shown open (critical and warning findings; info stays folded).
    pub open: bool,
    /// The findings that explain it (`#f-<index>`, their titles).
    pub caused_by: Vec<super::checklist::Link>,
    /// Why they explain it.
    pub because: String,
    /// Its id in the analysis (what `caused_by` and tickets cite).
    pub finding_id: String,
}

/// Finding ids to their indices, to turn `caused_by` into links.
pub(crate) type IdIndex<'a> = HashMap<&'a str, usize>;

/// The index of every finding id.
pub(crate) fn id_index(findings: &[Finding]) -> IdIndex<'_> {
    findings
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect()
}

/// One piece of evidence.
#[derive(Debug, Serialize)]
pub(crate) struct EvidenceView {
    /// `path` or `path:line` inside the bundle.
    pub location: String,
    /// The excerpt.
    pub text: String,
}

/// A table's first page and its size.
#[derive(Debug, Serialize)]
pub(crate) struct TableView<T> {
    /// All rows.
    pub total: usize,
    /// How many rows the page holds.
    pub shown: usize,
    /// The first rows.
    pub rows: Vec<T>,
    /// The data was in the bundle (an empty table then means none, not "not collected").
    pub collected: bool,
}

impl<T> TableView<T> {
    fn new(total: usize, rows: Vec<T>, collected: bool) -> Self {
        TableView {
            total,
            shown: rows.len(),
            rows,
            collected,
        }
    }
}

/// A timeline row.
#[derive(Debug, Serialize)]
pub(crate) struct TimelineRow {
    /// RFC 3339.
    pub time: String,
    /// Severity word.
    pub severity: &'static str,
    /// event, kubelet, kernel, ...
    pub source: String,
    /// The node it happened on, or empty.
    pub node: String,
    /// What it is about.
    pub subject: String,
    /// What happened.
    pub text: String,
    /// `file:line`.
    pub location: String,
}

/// A collection row.
#[derive(Debug, Serialize)]
pub(crate) struct GapRow {
    /// Element id (`gap-<index>`).
    pub id: String,
    /// Collector or file.
    pub collector: String,
    /// Node, or empty.
    pub node: String,
    /// How it ended (shown as its word).
    pub status: CollectionStatus,
    /// Why.
    pub error: String,
    /// Data is missing (not merely skipped or truncated).
    pub is_gap: bool,
}

/// Arranges the report for the templates.
pub(crate) fn page(report: &Report) -> Page {
    let a = &report.analysis;
    let node_of = pod_nodes(report);
    let timeline_nodes: BTreeSet<String> = a
        .timeline
        .iter()
        .filter_map(|t| timeline_node(t, &node_of))
        .collect();
    let mut gaps: Vec<GapRow> = a
        .collection
        .iter()
        .enumerate()
        .map(|(i, c)| GapRow {
            id: format!("gap-{i}"),
            collector: c.collector.clone(),
            node: c.node.clone().unwrap_or_default(),
            status: c.status,
            error: c.error.clone().unwrap_or_default(),
            is_gap: c.status.is_gap(),
        })
        .collect();
    gaps.sort_by_key(|g| !g.is_gap);
    let gap_count = gaps.iter().filter(|g| g.is_gap).count();
    Page {
        title: format!("kbundle report: {}", header_cluster(report)),
        csp: String::new(),
        generated_by: format!("{} {}", a.tool.name, a.tool.version),
        header: header(report),
        steps: Step::ALL
            .iter()
            .map(|s| StepHead {
                label: s.label(),
                checks: s.checks(),
            })
            .collect(),
        checklist: super::checklist::checklist(report),
        roots: super::roots::roots(report),
        severities: severities(&a.findings),
        timeline: TableView::new(
            a.timeline.len(),
            a.timeline
                .iter()
                .take(TABLE_PAGE)
                .map(|t| timeline_row(t, &node_of))
                .collect(),
            true,
        ),
        timeline_nodes: timeline_nodes.into_iter().collect(),
        gaps,
        gap_count,
        nodes: TableView::new(
            report.inventory.nodes.len(),
            report
                .inventory
                .nodes
                .iter()
                .take(TABLE_PAGE)
                .cloned()
                .collect(),
            report.inventory.nodes_collected || !report.inventory.nodes.is_empty(),
        ),
        pods: TableView::new(
            report.inventory.pods.len(),
            report
                .inventory
                .pods
                .iter()
                .take(TABLE_PAGE)
                .cloned()
                .collect(),
            report.inventory.pods_collected,
        ),
    }
}

fn header_cluster(report: &Report) -> String {
    let names: BTreeSet<&str> = report
        .inventory
        .sources
        .iter()
        .filter_map(|s| s.cluster.as_deref())
        .collect();
    if names.is_empty() {
        "cluster name not recorded".to_string()
    } else {
        names.into_iter().collect::<Vec<_>>().join(", ")
    }
}

fn header(report: &Report) -> Header {
    let a = &report.analysis;
    let joined = |values: Vec<Option<String>>| {
        let set: BTreeSet<String> = values.into_iter().flatten().collect();
        if set.is_empty() {
            "unknown".to_string()
        } else {
            set.into_iter().collect::<Vec<_>>().join(", ")
        }
    };
    Header {
        cluster: header_cluster(report),
        kubernetes: joined(
            a.bundles
                .iter()
                .map(|b| b.cluster_version.clone())
                .collect(),
        ),
        node_count: report.inventory.nodes.len(),
        created: joined(a.bundles.iter().map(|b| b.created.clone()).collect()),
        collector: joined(
            report
                .inventory
                .sources
                .iter()
                .zip(&a.bundles)
                .map(|(s, b)| {
                    s.collector.clone().or_else(|| {
                        Some(format!("{} (version not recorded)", flavor_name(b.flavor)))
                    })
                })
                .collect(),
        ),
        critical: a.summary.critical,
        warning: a.summary.warning,
        info: a.summary.info,
        bundles: a
            .bundles
            .iter()
            .map(|b| BundleLine {
                path: b.path.clone(),
                flavor: flavor_name(b.flavor).to_string(),
            })
            .collect(),
        interrupted: report.inventory.sources.iter().any(|s| s.interrupted),
    }
}

fn flavor_name(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::Kbundle => "kbundle-collect",
        Flavor::Troubleshoot => "troubleshoot support-bundle",
        Flavor::ClusterInfoDump => "kubectl cluster-info dump",
        Flavor::Sosreport => "sosreport",
        Flavor::MustGather => "OpenShift must-gather",
    }
}

fn severities(findings: &[Finding]) -> Vec<SeverityGroup> {
    let ids = id_index(findings);
    let mut groups: BTreeMap<(std::cmp::Reverse<Severity>, Category), Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        groups
            .entry((std::cmp::Reverse(f.severity), f.category))
            .or_default()
            .push(i);
    }
    [Severity::Critical, Severity::Warning, Severity::Info]
        .into_iter()
        .map(|severity| {
            let categories: Vec<CategoryGroup> = groups
                .iter()
                .filter(|((s, _), _)| s.0 == severity)
                .map(|((_, category), indices)| CategoryGroup {
                    id: group_id(severity, *category),
                    category: category.as_str(),
                    meaning: category.meaning(),
                    count: indices.len(),
                    findings: indices
                        .iter()
                        .take(FINDINGS_SHOWN)
                        .filter_map(|&i| Some(finding_view(i, findings.get(i)?, findings, &ids)))
                        .collect(),
                    hidden: indices.len().saturating_sub(FINDINGS_SHOWN),
                })
                .collect();
            SeverityGroup {
                severity: severity.as_str(),
                count: categories.iter().map(|c| c.count).sum(),
                categories,
            }
        })
        .collect()
}

/// The element id of a severity-and-category group.
pub(crate) fn group_id(severity: Severity, category: Category) -> String {
    format!("g-{}-{}", severity.as_str(), category.as_str())
}

/// The card of finding `i` of `all`.
pub(crate) fn finding_view(i: usize, f: &Finding, all: &[Finding], ids: &IdIndex) -> FindingView {
    FindingView {
        caused_by: f
            .caused_by
            .iter()
            .filter_map(|id| ids.get(id.as_str()))
            .map(|&c| super::checklist::Link {
                href: format!("#f-{c}"),
                label: all[c].title.clone(),
            })
            .collect(),
        because: f.because.clone().unwrap_or_default(),
        finding_id: f.id.clone(),
        id: format!("f-{i}"),
        severity: f.severity.as_str(),
        category: f.category.as_str(),
        rule: f.rule.clone(),
        title: f.title.clone(),
        subject: f.subject.to_string(),
        message: f.message.clone(),
        count: f.count,
        first_seen: f.first_seen.clone().unwrap_or_else(|| "unknown".into()),
        last_seen: f.last_seen.clone().unwrap_or_else(|| "unknown".into()),
        remediation: f.remediation.clone(),
        evidence: f
            .evidence
            .iter()
            .map(|e| EvidenceView {
                location: location(&e.file, e.line),
                text: e.text.clone(),
            })
            .collect(),
        open: f.severity >= Severity::Warning,
    }
}

/// `file:line`, or the file alone.
pub(crate) fn location(file: &str, line: Option<u64>) -> String {
    match line {
        Some(l) => format!("{file}:{l}"),
        None => file.to_string(),
    }
}

/// (namespace, pod) → node, from the pod table.
pub(crate) fn pod_nodes(report: &Report) -> HashMap<(&str, &str), &str> {
    report
        .inventory
        .pods
        .iter()
        .filter(|p| p.node != "<none>")
        .map(|p| ((p.namespace.as_str(), p.name.as_str()), p.node.as_str()))
        .collect()
}

/// The node a timeline entry happened on: the node itself, its subject's node, or the
/// node of its pod.
pub(crate) fn timeline_node(
    t: &TimelineEntry,
    pod_nodes: &HashMap<(&str, &str), &str>,
) -> Option<String> {
    let s = &t.subject;
    if s.kind == SubjectKind::Node {
        return Some(s.name.clone());
    }
    if let Some(n) = &s.node {
        return Some(n.clone());
    }
    let ns = s.namespace.as_deref()?;
    pod_nodes.get(&(ns, s.name.as_str())).map(|n| n.to_string())
}

/// A timeline entry as a row.
pub(crate) fn timeline_row(
    t: &TimelineEntry,
    pod_nodes: &HashMap<(&str, &str), &str>,
) -> TimelineRow {
    TimelineRow {
        time: t.time.clone(),
        severity: t.severity.as_str(),
        source: serde_json::to_value(t.source)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        node: timeline_node(t, pod_nodes).unwrap_or_default(),
        subject: t.subject.to_string(),
        text: t.text.clone(),
        location: location(&t.file, t.line),
    }
}
