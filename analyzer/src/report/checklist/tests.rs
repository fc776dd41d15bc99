use super::gaps::collector_steps;
use super::*;
use crate::facts::{BundleInfo, Sourced};
use crate::facts::{CommandRecord, HostFacts};
use crate::rules::testing::{facts_at_ten, sourced};
use kbundle_format::analysis::{
    Category, CollectionRow, CollectionStatus, Evidence, Finding, SeverityCounts, Subject,
    ANALYSIS_FORMAT_V1,
};
use kbundle_format::commands::CommandId;
use kbundle_format::manifest::NOT_FOUND;
use kbundle_format::manifest::{CollectorRun, CollectorStatus, CommandInfo, Manifest, Tool};
use kbundle_kube::node::Node;
use kbundle_kube::pod::Pod;

fn analysis(findings: Vec<Finding>, collection: Vec<CollectionRow>) -> Analysis {
    Analysis {
        format: ANALYSIS_FORMAT_V1.into(),
        tool: Tool::default(),
        bundles: Vec::new(),
        summary: SeverityCounts::default(),
        findings,
        timeline: Vec::new(),
        collection,
        rule_packs: Vec::new(),
    }
}

fn finding(category: Category, severity: Severity, subject: Subject) -> Finding {
    Finding {
        id: String::new(),
        rule: "test.rule".into(),
        category,
        severity,
        title: "t".into(),
        message: "m".into(),
        subject,
        count: 1,
        first_seen: None,
        last_seen: None,
        evidence: vec![Evidence {
            file: "f".into(),
            line: Some(1),
            text: "x".into(),
        }],
        remediation: "r".into(),
        caused_by: Vec::new(),
        because: None,
        maybe_related: Vec::new(),
    }
}

fn ready_node(name: &str, roles: &str) -> Vec<Sourced<Node>> {
    sourced(
        "cluster-resources/nodes.json",
        &format!(
            r#"[{{"metadata":{{"name":"{name}","labels":{{{roles}}}}},
                 "status":{{"conditions":[{{"type":"Ready","status":"True"}}]}}}}]"#
        ),
    )
}

fn output() -> CommandRecord {
    CommandRecord {
        info: Some(CommandInfo::default()),
        has_output: true,
    }
}

fn not_found() -> CommandRecord {
    CommandRecord {
        info: Some(CommandInfo {
            error: Some(NOT_FOUND.into()),
            ..CommandInfo::default()
        }),
        has_output: false,
    }
}

/// A worker whose host data is complete: every command ran, storage tools not installed,
/// an empty manifests directory (the collector recorded the copy as skipped).
fn healthy_worker(facts: &mut Facts, name: &str) {
    facts.nodes.extend(ready_node(name, ""));
    let mut host = HostFacts::default();
    for id in [
        CommandId::SystemctlStatusKubelet,
        CommandId::JournalctlKubelet,
        CommandId::Dmesg,
        CommandId::LastReboot,
        CommandId::DfH,
        CommandId::DfI,
        CommandId::IpAddr,
        CommandId::IpRoute,
    ] {
        host.commands.insert(id, output());
    }
    for id in [
        CommandId::IscsiadmNode,
        CommandId::IscsiadmSession,
        CommandId::MultipathL,
        CommandId::MultipathLl,
    ] {
        host.commands.insert(id, not_found());
    }
    host.files.insert("var/log/kern.log".into());
    facts.hosts.insert(name.into(), host);
    let manifest = Manifest {
        collectors: vec![CollectorRun {
            name: "files/etc/kubernetes/manifests/*".into(),
            node: Some(name.into()),
            status: CollectorStatus::Skipped,
            started: None,
            duration_ms: 0,
            error: Some("no files".into()),
            files: 0,
            bytes: 0,
            transport: None,
            target: None,
        }],
        ..Manifest::default()
    };
    facts.bundles.push(BundleInfo {
        path: "host".into(),
        flavor: kbundle_format::analysis::Flavor::Kbundle,
        created: None,
        cluster_version: None,
        manifest: Some(manifest),
        nodes: vec![name.into()],
    });
    facts.kinds_present.insert("events".into());
}

fn row<'a>(c: &'a Checklist, node: Option<&str>) -> &'a Row {
    c.rows
        .iter()
        .find(|r| r.node.as_deref() == node)
        .expect("row exists")
}

fn marks(r: &Row) -> Vec<Mark> {
    r.cells.iter().map(|c| c.mark).collect()
}

#[test]
fn every_category_but_collection_gap_belongs_to_exactly_one_step() {
    let mut seen = 0;
    for step in Step::ALL {
        seen += step.categories().count();
    }
    assert_eq!(seen, Category::ALL.len() - 1);
    for c in Category::ALL {
        assert_eq!(Step::of(*c).is_none(), *c == Category::CollectionGap, "{c}");
    }
}

#[test]
fn a_healthy_worker_passes_with_static_pods_and_storage_tools_not_applicable() {
    let mut facts = facts_at_ten();
    healthy_worker(&mut facts, "w1");
    facts.add_pods(sourced::<Pod>(
        "cluster-resources/pods/kube-system.json",
        r#"[{"metadata":{"namespace":"kube-system","name":"kube-proxy-1"},
             "spec":{"nodeName":"w1"},"status":{"phase":"Running"}}]"#,
    ));
    let c = build(&facts, &analysis(Vec::new(), Vec::new()));
    use Mark::*;
    assert_eq!(
        marks(row(&c, Some("w1"))),
        // No log was scanned, so pod logs have no data rather than passing.
        [
            Pass,
            Pass,
            NoData,
            NotApplicable,
            Pass,
            Pass,
            Pass,
            Pass,
            Pass,
            Pass,
            NotApplicable
        ]
    );
    let r = row(&c, Some("w1"));
    assert!(
        r.cells[2].reason.contains("none of the 1 pods"),
        "{:?}",
        r.cells[2]
    );
    assert!(r.cells[10].reason.contains("not installed"));
}

#[test]
fn no_host_data_is_no_data_never_a_pass() {
    let mut facts = facts_at_ten();
    facts.nodes = ready_node("m1", r#""node-role.kubernetes.io/control-plane":"""#);
    let c = build(&facts, &analysis(Vec::new(), Vec::new()));
    let r = row(&c, Some("m1"));
    assert_eq!(r.cells[0].mark, Mark::Pass);
    for cell in &r.cells[5..] {
        assert_eq!(cell.mark, Mark::NoData, "{cell:?}");
        assert!(cell.reason.contains("no host-collectors/m1/"), "{cell:?}");
    }
    // Events were not collected at all.
    assert_eq!(r.cells[4].mark, Mark::NoData);
    assert_eq!(r.cells[3].mark, Mark::NoData);
}

#[test]
fn a_failed_command_or_a_missing_route_table_is_no_data() {
    let mut facts = facts_at_ten();
    healthy_worker(&mut facts, "w1");
    let host = facts.hosts.get_mut("w1").unwrap();
    host.commands.remove(&CommandId::IpRoute);
    host.commands.insert(
        CommandId::DfH,
        CommandRecord {
            info: Some(CommandInfo {
                timed_out: true,
                ..CommandInfo::default()
            }),
            has_output: false,
        },
    );
    host.commands.remove(&CommandId::DfI);
    let c = build(&facts, &analysis(Vec::new(), Vec::new()));
    let r = row(&c, Some("w1"));
    let storage = &r.cells[8];
    assert_eq!(storage.mark, Mark::NoData);
    assert!(storage.reason.contains("df -h: timed out"), "{storage:?}");
    let network = &r.cells[9];
    assert_eq!(network.mark, Mark::NoData);
    assert!(network.reason.starts_with("no route table"), "{network:?}");
}

#[test]
fn a_collection_gap_is_no_data_with_its_reason_unless_a_finding_says_more() {
    let mut facts = facts_at_ten();
    healthy_worker(&mut facts, "w1");
    let gap = |collector: &str| CollectionRow {
        collector: collector.into(),
        node: Some("w1".into()),
        status: CollectionStatus::Timeout,
        error: Some("killed after 30 s".into()),
    };
    let findings = vec![
        finding(
            Category::DiskFull,
            Severity::Warning,
            Subject::new(SubjectKind::Filesystem, "/var").on_node("w1"),
        ),
        finding(
            Category::CollectionGap,
            Severity::Warning,
            Subject::node("w1"),
        ),
    ];
    let a = analysis(findings, vec![gap("run/multipath-ll"), gap("run/df-i")]);
    let c = build(&facts, &a);
    let r = row(&c, Some("w1"));
    let iscsi = &r.cells[10];
    assert_eq!(iscsi.mark, Mark::NoData);
    assert_eq!(iscsi.gaps, [0]);
    assert_eq!(iscsi.findings, [1], "links the collection-gap finding");
    assert!(iscsi
        .reason
        .contains("run/multipath-ll timeout: killed after 30 s"));
    let storage = &r.cells[8];
    assert_eq!(storage.mark, Mark::Warning);
    assert_eq!(storage.findings, [0]);
    assert!(storage.reason.contains("data incomplete"), "{storage:?}");
}

#[test]
fn a_node_a_fan_out_could_not_reach_has_its_row_and_no_pass() {
    let mut facts = facts_at_ten();
    healthy_worker(&mut facts, "w1");
    let unreachable = CollectionRow {
        collector: "node/w9".into(),
        node: Some("w9".into()),
        status: kbundle_format::analysis::CollectionStatus::Error,
        error: Some("ssh: connect to host 10.0.0.9 port 22: Connection refused".into()),
    };
    let a = analysis(Vec::new(), vec![unreachable]);
    let c = build(&facts, &a);
    let r = row(&c, Some("w9"));
    // Every step that reads the node's own data is "no data" with ssh's reason; the API
    // steps read the cluster part, as for any node.
    for cell in r.cells.iter().filter(|c| !c.step.reads_api()) {
        assert_eq!(cell.mark, Mark::NoData, "{cell:?}");
        assert!(cell.reason.contains("Connection refused"), "{cell:?}");
    }
}

#[test]
fn an_unreachable_api_leaves_every_row_without_api_data() {
    let mut facts = facts_at_ten();
    healthy_worker(&mut facts, "w1");
    facts.kinds_present.clear();
    let a = analysis(
        Vec::new(),
        vec![CollectionRow {
            collector: "cluster API".into(),
            node: None,
            status: CollectionStatus::Error,
            error: Some("connection refused".into()),
        }],
    );
    let c = build(&facts, &a);
    for r in &c.rows {
        for cell in r.cells.iter().filter(|c| c.step.reads_api()) {
            assert_eq!(cell.mark, Mark::NoData, "{:?} {cell:?}", r.node);
        }
    }
    assert_eq!(row(&c, Some("w1")).cells[6].mark, Mark::Pass);
}

#[test]
fn findings_land_on_their_node_or_on_the_cluster_row() {
    let mut facts = facts_at_ten();
    healthy_worker(&mut facts, "w1");
    facts.add_pods(sourced::<Pod>(
        "cluster-resources/pods/default.json",
        r#"[{"metadata":{"namespace":"default","name":"web"},"spec":{"nodeName":"w1"}}]"#,
    ));
    let findings = vec![
        // A pod finding without a node, whose pod is known to run on w1.
        finding(
            Category::CrashLoop,
            Severity::Critical,
            Subject::pod("default", "web"),
        ),
        // An unscheduled pod: the cluster's row.
        finding(
            Category::PodPending,
            Severity::Warning,
            Subject::pod("default", "pending"),
        ),
        // A node the facts do not know gets a row of its own.
        finding(Category::KernelOom, Severity::Info, Subject::node("w9")),
    ];
    let c = build(&facts, &analysis(findings, Vec::new()));
    assert_eq!(
        c.rows.iter().map(|r| r.node.as_deref()).collect::<Vec<_>>(),
        [None, Some("w1"), Some("w9")]
    );
    let w1 = row(&c, Some("w1"));
    assert_eq!(
        (w1.cells[1].mark, w1.cells[1].findings.as_slice()),
        (Mark::Critical, [0].as_slice())
    );
    let cluster = row(&c, None);
    assert_eq!(cluster.cells[1].mark, Mark::Warning);
    assert_eq!(cluster.cells[1].findings, [1]);
    assert_eq!(cluster.cells[6].mark, Mark::NotApplicable);
    // An info finding does not fail a cell; with no host data it stays "no data".
    let w9 = row(&c, Some("w9"));
    assert_eq!(w9.cells[6].mark, Mark::NoData);
    assert_eq!(w9.cells[6].findings, [2]);
}

#[test]
fn mirror_pods_with_an_empty_manifests_directory_are_no_data() {
    let mut facts = facts_at_ten();
    healthy_worker(&mut facts, "m1");
    facts.add_pods(sourced::<Pod>(
        "cluster-resources/pods/kube-system.json",
        r#"[{"metadata":{"namespace":"kube-system","name":"etcd-m1",
               "annotations":{"kubernetes.io/config.mirror":"abc"}},
             "spec":{"nodeName":"m1"}}]"#,
    ));
    let c = build(&facts, &analysis(Vec::new(), Vec::new()));
    let cell = &row(&c, Some("m1")).cells[3];
    assert_eq!(cell.mark, Mark::NoData);
    assert!(cell.reason.contains("1 mirror pods"), "{cell:?}");
}

#[test]
fn a_manifests_directory_copied_with_no_file_is_empty_but_a_failed_copy_is_no_data() {
    let mut facts = facts_at_ten();
    healthy_worker(&mut facts, "w1");
    fn row_of(facts: &mut Facts) -> &mut CollectorRun {
        &mut facts.bundles[1].manifest.as_mut().unwrap().collectors[0]
    }
    // How the fixtures record it: `ok`, no file.
    let copy = row_of(&mut facts);
    copy.name = "files/etc/kubernetes/manifests".into();
    copy.status = CollectorStatus::Ok;
    let c = build(&facts, &analysis(Vec::new(), Vec::new()));
    assert_eq!(row(&c, Some("w1")).cells[3].mark, Mark::NotApplicable);
    row_of(&mut facts).status = CollectorStatus::Error;
    let c = build(&facts, &analysis(Vec::new(), Vec::new()));
    let cell = &row(&c, Some("w1")).cells[3];
    assert_eq!(cell.mark, Mark::NoData);
    assert_eq!(cell.reason, "/etc/kubernetes/manifests was not collected");
}

#[test]
fn a_container_log_gap_that_names_its_pods_hits_their_nodes_only() {
    let mut facts = facts_at_ten();
    healthy_worker(&mut facts, "w1");
    healthy_worker(&mut facts, "w2");
    facts.add_pods(sourced::<Pod>(
        "cluster-resources/pods/kube-system.json",
        r#"[{"metadata":{"namespace":"kube-system","name":"proxy-a"},"spec":{"nodeName":"w1"}},
            {"metadata":{"namespace":"kube-system","name":"proxy-b"},"spec":{"nodeName":"w2"}}]"#,
    ));
    let gap = |error: &str| CollectionRow {
        collector: "cluster-resources/pods/logs".into(),
        node: None,
        status: CollectionStatus::Error,
        error: Some(error.into()),
    };
    let a = analysis(
        Vec::new(),
        vec![gap(
            "1 of 2 container logs could not be fetched (kube-system/proxy-b/proxy): refused",
        )],
    );
    let c = build(&facts, &a);
    assert!(row(&c, Some("w1")).cells[2].gaps.is_empty());
    assert_eq!(row(&c, Some("w2")).cells[2].gaps, [0]);
    assert_eq!(row(&c, None).cells[2].gaps, [0]);
    // A gap that names no known pod hits every row.
    let c = build(&facts, &analysis(Vec::new(), vec![gap("timeout")]));
    assert_eq!(row(&c, Some("w1")).cells[2].mark, Mark::NoData);
}

#[test]
fn unreadable_files_are_gaps_of_their_step() {
    assert_eq!(
        collector_steps("host-collectors/w1/run/df-h.txt"),
        [Step::Storage]
    );
    assert_eq!(
        collector_steps("cluster-resources/pods/default.json"),
        [Step::KubeSystemPods]
    );
    assert_eq!(
        collector_steps("cluster-resources/events in namespace default"),
        [Step::Events]
    );
    assert_eq!(
        collector_steps("files/etc/kubernetes/manifests/*"),
        [Step::StaticPods]
    );
    assert!(collector_steps("kbundle-collect").is_empty());
}
