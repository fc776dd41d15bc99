//! Cause first, end to end: the fixtures' real causes lead their analyses with the links the
//! bundles show; a table of small synthetic analyses (one per chain of the triage procedure,
//! and some with independent problems) gives the expected roots in order and the expected
//! links; and properties hold for any set of findings: the same input gives the same ids and
//! order, and no `caused_by` ever points at a finding that is not there.

use kbundle_analyzer::causes::{explain_with, CauseCatalog, ExampleFinding, PodFacts, Relations};
use kbundle_format::analysis::{Analysis, Finding, Severity};
use proptest::prelude::*;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

fn analyze(name: &str) -> Analysis {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name);
    kbundle_analyzer::analyze_paths(&[path])
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .analysis
}

/// `rule subject`, how the fixture tests name a finding.
fn label(f: &Finding) -> String {
    format!("{} {}", f.rule, f.subject)
}

fn by_id(a: &Analysis) -> HashMap<&str, &Finding> {
    a.findings.iter().map(|f| (f.id.as_str(), f)).collect()
}

/// The causes of the finding labelled `effect`, as labels.
fn causes_of(a: &Analysis, effect: &str) -> Vec<String> {
    let ids = by_id(a);
    let f = a
        .findings
        .iter()
        .find(|f| label(f) == effect)
        .unwrap_or_else(|| panic!("no finding {effect}"));
    f.caused_by
        .iter()
        .map(|id| label(ids[id.as_str()]))
        .collect()
}

fn roots(a: &Analysis) -> Vec<String> {
    let ids = by_id(a);
    a.summary
        .root_causes
        .iter()
        .map(|id| label(ids[id.as_str()]))
        .collect()
}

/// The promises every analysis keeps: ids unique, links to findings that exist, roots
/// exactly the findings nothing explains, listed first in `findings` in rank order.
fn check_shape(a: &Analysis) {
    let ids: HashSet<&str> = a.findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids.len(), a.findings.len(), "ids are unique");
    for f in &a.findings {
        for c in &f.caused_by {
            assert!(ids.contains(c.as_str()), "{} points at missing {c}", f.id);
        }
        assert_eq!(f.because.is_some(), !f.caused_by.is_empty(), "{}", f.id);
    }
    let listed: Vec<&str> = a
        .findings
        .iter()
        .take(a.summary.root_causes.len())
        .map(|f| f.id.as_str())
        .collect();
    let roots: Vec<&str> = a.summary.root_causes.iter().map(String::as_str).collect();
    assert_eq!(listed, roots, "roots lead the findings in rank order");
    let unexplained = a.findings.iter().filter(|f| f.caused_by.is_empty()).count();
    assert_eq!(unexplained, roots.len());
}

#[test]
fn broken_cluster_leads_with_its_real_causes() {
    let a = analyze("broken-cluster.tar.gz");
    check_shape(&a);
    let roots = roots(&a);
    assert_eq!(
        &roots[..3],
        [
            "host.runtime-down Node w2",
            "kernel.conntrack-full Node w1",
            "host.iscsi-no-session Node w3",
        ],
        "{roots:#?}"
    );
    let links = [
        (
            "kubelet.pleg-unhealthy Node w2",
            vec!["host.runtime-down Node w2"],
        ),
        (
            "node.not-ready Node w2",
            vec!["kubelet.pleg-unhealthy Node w2"],
        ),
        (
            "host.kubelet-down Node w2",
            vec!["host.runtime-down Node w2"],
        ),
        (
            "pod.stuck-terminating Pod shop/uploads-6d4b9c7f8-q5x8w on w2",
            vec!["node.not-ready Node w2"],
        ),
        (
            "event.volume-mount Pod shop/uploads-6d4b9c7f8-fz6kd on w1",
            vec!["pod.stuck-terminating Pod shop/uploads-6d4b9c7f8-q5x8w on w2"],
        ),
        (
            "workload.unavailable Deployment shop/uploads",
            vec!["event.volume-mount Pod shop/uploads-6d4b9c7f8-fz6kd on w1"],
        ),
        (
            "workload.unavailable DaemonSet kube-system/kube-proxy",
            vec!["node.not-ready Node w2"],
        ),
        (
            "event.network-not-ready DaemonSet kube-system/calico-node",
            vec!["node.not-ready Node w2"],
        ),
        (
            "dns.upstream-errors Pod kube-system/coredns-76f75df574-x8dqz",
            vec!["kernel.conntrack-full Node w1"],
        ),
        (
            "host.multipath-faulty Node w3",
            vec!["host.iscsi-no-session Node w3"],
        ),
        (
            "host.read-only-mount Node w3",
            vec!["host.multipath-faulty Node w3"],
        ),
        (
            "pod.crash-loop Pod shop/postgres-1 container postgres on w3",
            vec!["host.read-only-mount Node w3"],
        ),
        (
            "node.pressure Node w1",
            vec![
                "host.disk-full Filesystem /var on w1",
                "host.inode-exhaustion Filesystem /var on w1",
            ],
        ),
        ("pod.evicted Node w1", vec!["node.pressure Node w1"]),
        (
            "pod.image-pull Pod shop/catalog-5f7b8d9c44-k2m9x container catalog on w1",
            vec!["certs.x509-expired Node w1"],
        ),
        (
            "control-plane.unhealthy Pod kube-system/etcd-m1 on m1",
            vec!["etcd.slow-fdatasync Pod kube-system/etcd-m1"],
        ),
        (
            "event.system-oom Node w1",
            vec!["pod.oom-killed Pod shop/recommender-84d6c5b9f-7plzk container recommender on w1"],
        ),
    ];
    for (effect, causes) in links {
        assert_eq!(causes_of(&a, effect), causes, "{effect}");
    }
    // Independent problems stay roots: nothing explains these.
    for independent in [
        "control-plane.static-pod-missing Pod kube-system/kube-scheduler-m1 on m1",
        "host.unexpected-reboot Node w2",
        "host.time-unsynchronized Node w2",
        "event.warning Volume shop/backup-staging",
        "kernel.soft-lockup Node w1",
    ] {
        assert!(
            roots.iter().any(|r| r == independent),
            "{independent} is a root"
        );
    }
    // Nearly every symptom is folded under a cause.
    let explained = a
        .findings
        .iter()
        .filter(|f| !f.caused_by.is_empty())
        .count();
    assert!(
        explained >= 25,
        "{explained} of {} explained",
        a.findings.len()
    );
}

#[test]
fn node_with_expired_certificates_leads_with_them() {
    let a = analyze("node-apiserver-down.tar.gz");
    check_shape(&a);
    let roots = roots(&a);
    assert_eq!(
        roots[0],
        "cert.expiry Certificate /etc/kubernetes/pki/apiserver-etcd-client.crt on cp-1"
    );
    assert_eq!(
        causes_of(&a, "certs.x509-expired Node cp-1"),
        ["cert.expiry Certificate /etc/kubernetes/pki/apiserver.crt on cp-1"]
    );
    assert_eq!(
        causes_of(
            &a,
            "control-plane.unhealthy Pod kube-system/kube-apiserver-cp-1 on cp-1"
        ),
        [
            "cert.expiry Certificate /etc/kubernetes/pki/apiserver-etcd-client.crt on cp-1",
            "cert.expiry Certificate /etc/kubernetes/pki/etcd/server.crt on cp-1",
        ]
    );
    assert!(!causes_of(&a, "kubelet.node-not-found Node cp-1").is_empty());
}

#[test]
fn healthy_cluster_has_no_root_cause_to_fix() {
    let a = analyze("healthy-cluster.tar.gz");
    check_shape(&a);
    assert!(a.findings.iter().all(|f| f.severity == Severity::Info));
}

#[test]
fn the_same_bundle_gives_the_same_ids_and_order() {
    let one = analyze("broken-cluster.tar.gz");
    let two = analyze("broken-cluster.tar.gz");
    let ids = |a: &Analysis| a.findings.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&one), ids(&two));
    assert_eq!(one.summary.root_causes, two.summary.root_causes);
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenarios {
    scenarios: Vec<Scenario>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    name: String,
    findings: BTreeMap<String, ExampleFinding>,
    #[serde(default)]
    pods: Vec<String>,
    roots: Vec<String>,
    links: BTreeMap<String, Vec<String>>,
}

/// Orders findings as the rules' output is ordered (`Findings::into_sorted`).
fn rules_order(findings: &mut [(String, Finding)]) {
    findings.sort_by(|(_, a), (_, b)| {
        b.severity
            .cmp(&a.severity)
            .then(a.category.cmp(&b.category))
            .then(a.subject.cmp(&b.subject))
            .then(a.rule.cmp(&b.rule))
    });
}

fn pod(s: &str) -> PodFacts {
    // `ns/name on node of Kind/name`, as in the link examples.
    let w: Vec<&str> = s.split_whitespace().collect();
    let (ns, name) = w[0].split_once('/').expect("ns/name");
    let (kind, owner) = w[4].split_once('/').expect("Kind/name");
    PodFacts {
        namespace: ns.into(),
        name: name.into(),
        node: Some(w[2].into()),
        owner: Some((kind.into(), owner.into())),
        ready: false,
    }
}

#[test]
fn each_chain_and_independent_problems_give_their_roots_and_links() {
    let table: Scenarios =
        serde_yaml_ng::from_str(include_str!("causes/scenarios.yaml")).expect("scenarios parse");
    let catalog = CauseCatalog::builtin().unwrap();
    let mut problems = Vec::new();
    for s in &table.scenarios {
        let mut named: Vec<(String, Finding)> = s
            .findings
            .iter()
            .map(|(k, f)| {
                (
                    k.clone(),
                    f.finding()
                        .unwrap_or_else(|e| panic!("{}: {k}: {e}", s.name)),
                )
            })
            .collect();
        rules_order(&mut named);
        let mut relations = Relations::default();
        for p in &s.pods {
            relations.add_pod(pod(p));
        }
        let n = named.len();
        let (findings, roots) = explain_with(
            named.iter().map(|(_, f)| f.clone()).collect(),
            &relations,
            &catalog,
        );
        assert_eq!(findings.len(), n, "{}: no finding lost", s.name);
        // Ids are derived from subjects, so map them back to the scenario's names.
        let mut name_of: HashMap<String, String> = HashMap::new();
        for f in &findings {
            let (k, _) = named
                .iter()
                .find(|(_, g)| g.subject == f.subject && g.category == f.category)
                .expect("each finding comes back");
            name_of.insert(f.id.clone(), k.clone());
        }
        let got_roots: Vec<&str> = roots.iter().map(|id| name_of[id].as_str()).collect();
        if got_roots != s.roots {
            problems.push(format!(
                "{}: roots {got_roots:?}, expected {:?}",
                s.name, s.roots
            ));
        }
        for f in &findings {
            let me = &name_of[&f.id];
            let got: Vec<&str> = f.caused_by.iter().map(|id| name_of[id].as_str()).collect();
            let want: Vec<&str> = s
                .links
                .get(me)
                .map(|v| v.iter().map(String::as_str).collect())
                .unwrap_or_default();
            if got != want {
                problems.push(format!(
                    "{}: {me} caused by {got:?}, expected {want:?}",
                    s.name
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// A random finding from a small world (four nodes, a few pods and categories), so that
/// links are common.
fn arb_finding() -> impl Strategy<Value = Finding> {
    let categories = [
        "runtime-down",
        "kubelet-error",
        "node-not-ready",
        "pod-stuck-terminating",
        "workload-unavailable",
        "disk-full",
        "node-pressure",
        "pod-evicted",
        "kernel-oom",
        "oom-killed",
        "conntrack-full",
        "dns-failure",
        "crash-loop",
        "probe-failure",
        "iscsi-session",
        "multipath-faulty",
        "disk-io-error",
        "volume-mount",
        "kernel-hang",
        "unexpected-reboot",
        "pod-pending",
        "node-cordoned",
        "cert-expiry",
    ];
    let subjects = [
        "Node w1",
        "Node w2",
        "Node w10",
        "Pod shop/web-1 on w1",
        "Container shop/web-1/web on w1",
        "Pod shop/db-0 on w2",
        "Deployment shop/web",
        "StatefulSet shop/db",
        "Filesystem /var on w1",
        "Certificate /etc/kubernetes/pki/apiserver.crt on w2",
    ];
    let texts = [
        "",
        "container runtime is down, PLEG is not healthy",
        "DiskPressure=True",
        "The node was low on resource: memory.",
        "i/o timeout",
        "Out of memory: Killed process 1 (x)",
        "Multi-Attach error: Volume is already used by pod(s) web-1",
        "node.kubernetes.io/unreachable",
    ];
    (
        0..categories.len(),
        0..subjects.len(),
        0..texts.len(),
        prop::option::of(0u32..600),
        0..3u8,
    )
        .prop_map(move |(c, s, t, minute, sev)| {
            ExampleFinding {
                category: categories[c].into(),
                rule: None,
                subject: subjects[s].into(),
                severity: Some(
                    [Severity::Info, Severity::Warning, Severity::Critical][sev as usize],
                ),
                at: minute.map(|m| format!("{:02}:{:02}", 5 + m / 60, m % 60)),
                until: None,
                text: Some(texts[t].into()),
            }
            .finding()
            .expect("a valid example")
        })
}

fn arb_findings() -> impl Strategy<Value = Vec<Finding>> {
    prop::collection::vec(arb_finding(), 0..24).prop_map(|mut v| {
        // One finding per category and subject, as the merge guarantees.
        let mut seen = HashSet::new();
        v.retain(|f| seen.insert((f.category, f.subject.clone())));
        let mut named: Vec<(String, Finding)> = v.into_iter().map(|f| (String::new(), f)).collect();
        rules_order(&mut named);
        named.into_iter().map(|(_, f)| f).collect()
    })
}

fn relations() -> Relations {
    let mut r = Relations::default();
    r.add_pod(pod("shop/web-1 on w1 of Deployment/web"));
    r.add_pod(pod("shop/db-0 on w2 of StatefulSet/db"));
    r
}

fn as_analysis(findings: Vec<Finding>, roots: Vec<String>) -> Analysis {
    let mut a: Analysis = serde_json::from_str(
        r#"{"format":"kbundle-analysis/v1","tool":{"name":"kbundle","version":"0"},"bundles":[],
            "summary":{"critical":0,"warning":0,"info":0},"findings":[],"timeline":[],"collection":[]}"#,
    )
    .unwrap();
    a.findings = findings;
    a.summary.root_causes = roots;
    a
}

proptest! {
    #[test]
    fn ids_and_order_are_deterministic_and_links_never_dangle(findings in arb_findings()) {
        let catalog = CauseCatalog::builtin().unwrap();
        let r = relations();
        let (one, roots_one) = explain_with(findings.clone(), &r, &catalog);
        let (two, roots_two) = explain_with(findings.clone(), &r, &catalog);
        prop_assert_eq!(&one, &two);
        prop_assert_eq!(&roots_one, &roots_two);
        prop_assert_eq!(one.len(), findings.len());
        check_shape(&as_analysis(one.clone(), roots_one.clone()));
        // A root is at least as severe as what it explains alone.
        let ids: HashMap<&str, &Finding> = one.iter().map(|f| (f.id.as_str(), f)).collect();
        for f in &one {
            let mut above: HashSet<&str> = HashSet::new();
            let mut stack: Vec<&str> = f.caused_by.iter().map(String::as_str).collect();
            while let Some(id) = stack.pop() {
                let g = ids[id];
                if g.caused_by.is_empty() {
                    above.insert(id);
                }
                stack.extend(g.caused_by.iter().map(String::as_str));
            }
            if let [only] = above.into_iter().collect::<Vec<_>>().as_slice() {
                prop_assert!(ids[only].severity >= f.severity, "{} above {}", only, f.id);
            }
        }
        // Remove each root's finding (as if its evidence were gone from the bundle): the
        // rest keeps its ids, nothing points at the missing one, nothing else is lost.
        for gone in &roots_one {
            let rest: Vec<Finding> = findings
                .iter()
                .filter(|f| one.iter().any(|g| &g.id != gone && g.subject == f.subject && g.category == f.category))
                .cloned()
                .collect();
            let (after, roots_after) = explain_with(rest.clone(), &r, &catalog);
            prop_assert_eq!(after.len(), rest.len());
            prop_assert!(after.iter().all(|f| &f.id != gone && !f.caused_by.contains(gone)));
            check_shape(&as_analysis(after.clone(), roots_after));
            for f in &after {
                prop_assert!(one.iter().any(|g| g.id == f.id), "ids stay the same");
            }
        }
    }
}
