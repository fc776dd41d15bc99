//! sosreports, real and synthetic: the real one (part of an Ubuntu OpenStack compute node's
//! report, in ../shared/interop) reads as one node with every step it holds, and small trees
//! built here hold the sos 3.x and 4.x names of the same commands.

use kbundle_analyzer::report::checklist::{Mark, Step};
mod flavor_common;

use flavor_common::{cell, findings, tree};
use kbundle_format::analysis::{CollectionStatus, Flavor};

#[test]
fn the_real_sosreport_is_one_node_with_its_host_steps_read() {
    let Some(dir) = kbundle_testkit::shared("interop/sosreport-openstack-compute") else {
        return;
    };
    let report = kbundle_analyzer::analyze_paths(&[dir]).expect("the sosreport reads");
    let a = &report.analysis;
    assert_eq!(a.bundles[0].flavor, Flavor::Sosreport);
    assert_eq!(a.bundles[0].nodes, ["compute4"]);
    assert_eq!(
        a.bundles[0].created.as_deref(),
        Some("2022-02-10T16:19:17Z")
    );
    assert!(
        !a.collection
            .iter()
            .any(|c| c.status == CollectionStatus::Unreadable),
        "every file it holds parses: {:?}",
        a.collection
    );
    for (step, read) in [
        (Step::Storage, "df -h, df -i"),
        (Step::Network, "ip addr, ip -s link, ip route"),
        (Step::IscsiMultipath, "iscsiadm, multipath"),
        (Step::OsLogs, "dmesg, /var/log/kern.log, /var/log/syslog"),
    ] {
        let (mark, reason) = cell(&report, Some("compute4"), step);
        assert_eq!(mark, Mark::Pass, "{step:?}: {reason}");
        assert!(reason.contains(read), "{step:?}: {reason}");
    }
    // What a sosreport cannot hold is a gap, never a pass.
    for (step, why) in [
        (Step::NodeReady, "a sosreport has no Node objects"),
        (Step::KubeSystemPods, "a sosreport has no pod list"),
        (Step::Events, "a sosreport has no events"),
    ] {
        for row in [None, Some("compute4")] {
            let (mark, reason) = cell(&report, row, step);
            assert_eq!(mark, Mark::NoData, "{row:?} {step:?}: {reason}");
            assert!(reason.contains(why), "{row:?} {step:?}: {reason}");
        }
    }
    assert!(a
        .collection
        .iter()
        .any(|c| c.status == CollectionStatus::Absent
            && c.collector == "cluster-resources/nodes"
            && c.node.is_none()));
    // It was taken the day after a reboot, which `last` shows.
    let reboot = a
        .findings
        .iter()
        .find(|f| f.rule == "host.unexpected-reboot")
        .expect("the reboot of 9 February");
    assert_eq!(reboot.subject.name, "compute4");
    assert!(reboot.evidence[0].file.starts_with("sos_commands/login/"));
}

const DF_1K_VAR_FULL: &str = "\
Filesystem     1K-blocks     Used Available Use% Mounted on
proc                   0        0         0    - /proc
/dev/sda1       41152736 12000000  29152736  30% /
/dev/sdb1       41152736 40700000    452736  99% /var
";

const KUBELET_FAILED_AMONG_ALL_UNITS: &str = "\
● w3
    State: degraded
     Jobs: 0 queued
   Failed: 1 units
    Since: Mon 2019-03-04 08:00:00 UTC; 1h ago
   CGroup: /

● kubelet.service - kubelet: The Kubernetes Node Agent
   Loaded: loaded (/lib/systemd/system/kubelet.service; enabled; vendor preset: enabled)
   Active: failed (Result: exit-code) since Mon 2019-03-04 09:00:00 UTC; 5min ago
 Main PID: 1234 (code=exited, status=255)

Mar 04 09:00:00 w3 systemd[1]: kubelet.service: Failed with result 'exit-code'.

● containerd.service - containerd container runtime
   Loaded: loaded (/lib/systemd/system/containerd.service; enabled; vendor preset: enabled)
   Active: active (running) since Mon 2019-03-04 08:00:00 UTC; 1h ago
 Main PID: 800 (containerd)
";

const IP_ADDRESS: &str = "\
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000
    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff
    inet 10.0.0.13/24 brd 10.0.0.255 scope global eth0
";

const ROUTE_N: &str = "\
Kernel IP routing table
Destination     Gateway         Genmask         Flags Metric Ref    Use Iface
0.0.0.0         10.0.0.1        0.0.0.0         UG    0      0        0 eth0
10.0.0.0        0.0.0.0         255.255.255.0   U     0      0        0 eth0
";

/// sos 3.x (before 3.9): `general/` holds hostname, date and uptime, `last/` the logins,
/// `df -al` and `ip address` their old names, and the kubelet's status is only in
/// `systemctl status --all`.
#[test]
fn sos_3_names() {
    let dir = tree(&[
        ("version.txt", "sosreport: 3.5\n"),
        ("sos_commands/general/hostname", "w3\n"),
        ("sos_commands/general/date", "Mon Mar  4 09:05:00 UTC 2019\n"),
        (
            "sos_commands/general/uptime",
            " 09:05:00 up 28 days,  1:05,  1 user,  load average: 0.00, 0.01, 0.05\n",
        ),
        (
            "sos_commands/last/last",
            "reboot   system boot  4.15.0-45-generic Mon Feb  4 08:00   still running\n\nwtmp begins Mon Feb  4 08:00:00 2019\n",
        ),
        ("sos_commands/filesys/df_-al", DF_1K_VAR_FULL),
        ("sos_commands/networking/ip_address", IP_ADDRESS),
        ("sos_commands/networking/route_-n", ROUTE_N),
        (
            "sos_commands/systemd/systemctl_status_--all",
            KUBELET_FAILED_AMONG_ALL_UNITS,
        ),
        (
            "sos_commands/kubernetes/journalctl_--no-pager_--unit_kubelet",
            "-- Logs begin at Mon 2019-03-04 08:00:00 UTC. --\nMar 04 09:00:00 w3 kubelet[1234]: F0304 09:00:00.000000    1234 server.go:266] failed to run Kubelet: misconfiguration: kubelet cgroup driver: \"cgroupfs\" is different from docker cgroup driver: \"systemd\"\n",
        ),
    ]);
    let report = kbundle_analyzer::analyze_paths(&[dir.path().to_path_buf()]).unwrap();
    let a = &report.analysis;
    assert_eq!(a.bundles[0].flavor, Flavor::Sosreport);
    assert_eq!(a.bundles[0].nodes, ["w3"]);
    assert_eq!(
        a.bundles[0].created.as_deref(),
        Some("2019-03-04T09:05:00Z")
    );
    let found = findings(&report);
    for want in [
        "host.disk-full Filesystem /var on w3 sos_commands/filesys/df_-al",
        "host.kubelet-down Node w3 sos_commands/systemd/systemctl_status_--all",
    ] {
        assert!(found.iter().any(|f| f == want), "{want} not in {found:#?}");
    }
    assert!(
        found.iter().any(|f| f.contains("--unit_kubelet")),
        "the kubelet's journal is scanned: {found:#?}"
    );
    let (mark, reason) = cell(&report, Some("w3"), Step::Network);
    assert_eq!(mark, Mark::Pass, "{reason}");
    assert!(
        reason.contains("ip addr") && reason.contains("route -n"),
        "{reason}"
    );
    let (mark, reason) = cell(&report, Some("w3"), Step::Reboots);
    assert_eq!(mark, Mark::Pass, "{reason}");
    assert!(
        reason.contains("last") && reason.contains("uptime"),
        "{reason}"
    );
}

/// sos 4.x: `host/`, `date/` (with `date --utc`) and `login/` (`last -F` since 4.8), df
/// with the type column (4.7 on), `ip -d address`, and the unit's status in the plugin of
/// its service; a systemd unit file with a backslash in its name is passed over.
#[test]
fn sos_4_names() {
    let dir = tree(&[
        ("version.txt", "sosreport: 4.8.0\n"),
        ("sos_reports/manifest.json", "{}"),
        ("sos_commands/host/hostname", "w4\n"),
        ("sos_commands/date/date", "Tue Mar  5 10:00:00 CET 2024\n"),
        ("sos_commands/date/date_--utc", "Tue Mar  5 09:00:00 UTC 2024\n"),
        (
            "sos_commands/host/uptime",
            " 09:00:00 up 32 days,  1:05,  1 user,  load average: 0.00, 0.01, 0.05\n",
        ),
        (
            "sos_commands/login/last_-F",
            "reboot   system boot  6.1.0 Fri Feb  2 08:00:00 2024   still running\n\nwtmp begins Fri Feb  2 08:00:00 2024\n",
        ),
        (
            "sos_commands/filesys/df_-aliT_-x_autofs",
            "Filesystem     Type     Inodes   IUsed  IFree IUse% Mounted on\n/dev/sda1      ext4    2621440 2621000    440  100% /\n",
        ),
        ("sos_commands/networking/ip_-d_address", IP_ADDRESS),
        (
            "sos_commands/networking/ip_route_show_table_all",
            "default via 10.0.0.1 dev eth0 proto static\n10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.14\n",
        ),
        (
            "sos_commands/crio/systemctl_status_crio",
            "○ crio.service - Container Runtime Interface for OCI (CRI-O)\n     Loaded: loaded (/usr/lib/systemd/system/crio.service; enabled; preset: disabled)\n     Active: inactive (dead) since Tue 2024-03-05 08:50:00 UTC; 10min ago\n",
        ),
        (
            "etc/systemd/system/snap-kube\\x2dapiserver-2599.mount",
            "[Mount]\n",
        ),
        (
            "etc/kubernetes/manifests/kube-apiserver.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.29.0\n",
        ),
    ]);
    let report = kbundle_analyzer::analyze_paths(&[dir.path().to_path_buf()]).unwrap();
    let a = &report.analysis;
    assert_eq!(a.bundles[0].nodes, ["w4"]);
    assert_eq!(
        a.bundles[0].created.as_deref(),
        Some("2024-03-05T09:00:00Z"),
        "date --utc wins over a local zone"
    );
    let found = findings(&report);
    for want in [
        "host.inode-exhaustion Filesystem / on w4 sos_commands/filesys/df_-aliT_-x_autofs",
        "host.runtime-down Node w4 sos_commands/crio/systemctl_status_crio",
    ] {
        assert!(found.iter().any(|f| f == want), "{want} not in {found:#?}");
    }
    let (mark, reason) = cell(&report, Some("w4"), Step::StaticPods);
    assert_ne!(mark, Mark::NoData, "{reason}");
    assert!(
        reason.contains("1 files of /etc/kubernetes/manifests"),
        "{reason}"
    );
    let (mark, reason) = cell(&report, Some("w4"), Step::Network);
    assert_eq!(mark, Mark::Pass, "{reason}");
}

/// Writes a gzip-compressed tar holding `entries` in the order given, under a top folder.
fn tar_gz(path: &std::path::Path, entries: &[(&str, &str)]) {
    let file = std::fs::File::create(path).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (name, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mtime(1_000_000_000);
        tar.append_data(
            &mut header,
            format!("sosreport-w5-2024/{name}"),
            data.as_bytes(),
        )
        .unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
}

/// When sos versions answer one command twice, the better file is read whatever the archive
/// order; an archive's entry times never date a sosreport.
#[test]
fn the_better_of_two_files_wins_in_any_order() {
    let healthy = "Filesystem     1K-blocks     Used Available Use% Mounted on\n/dev/sdb1       41152736 4070000   37082736  10% /var\n";
    let dir = tempfile::tempdir().unwrap();
    for (name, order) in [
        (
            "better-first.tar.gz",
            [("df_-al_-x_autofs", DF_1K_VAR_FULL), ("df_-al", healthy)],
        ),
        (
            "worse-first.tar.gz",
            [("df_-al", healthy), ("df_-al_-x_autofs", DF_1K_VAR_FULL)],
        ),
    ] {
        let path = dir.path().join(name);
        let files: Vec<(String, &str)> = order
            .iter()
            .map(|(f, text)| (format!("sos_commands/filesys/{f}"), *text))
            .chain([("sos_commands/host/hostname".to_string(), "w5\n")])
            .collect();
        let entries: Vec<(&str, &str)> = files.iter().map(|(f, t)| (f.as_str(), *t)).collect();
        tar_gz(&path, &entries);
        let report = kbundle_analyzer::analyze_paths(&[path]).unwrap();
        let found = findings(&report);
        assert!(
            found.contains(
                &"host.disk-full Filesystem /var on w5 sos_commands/filesys/df_-al_-x_autofs"
                    .to_string()
            ),
            "{name}: {found:#?}"
        );
        assert_eq!(
            report.analysis.bundles[0].created, None,
            "{name}: no date, no mtime"
        );
    }
}

/// Several sosreports and a cluster bundle make one picture: each report's host is the node
/// of its name, beside the Node object of that name.
#[test]
fn sosreports_merge_with_a_cluster_bundle_by_node_name() {
    let sos = |host: &str| {
        tree(&[
            ("sos_commands/host/hostname", &format!("{host}\n")),
            (
                "sos_commands/date/date_--utc",
                "Mon Mar  4 09:05:00 UTC 2019\n",
            ),
            ("sos_commands/filesys/df_-al_-x_autofs", DF_1K_VAR_FULL),
        ])
    };
    let (w1, w2) = (sos("w1"), sos("w2"));
    let nodes = r#"{"kind": "NodeList", "items": [
        {"metadata": {"name": "w1"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}},
        {"metadata": {"name": "w2"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}]}"#;
    let cluster = tree(&[
        (
            "manifest.json",
            r#"{"format": "kbundle/v1", "created": "2019-03-04T09:00:00Z"}"#,
        ),
        ("cluster-resources/nodes.json", nodes),
    ]);
    let paths = [cluster.path(), w1.path(), w2.path()].map(|p| p.to_path_buf());
    let report = kbundle_analyzer::analyze_paths(&paths).unwrap();
    let flavors: Vec<Flavor> = report.analysis.bundles.iter().map(|b| b.flavor).collect();
    assert_eq!(
        flavors,
        [Flavor::Kbundle, Flavor::Sosreport, Flavor::Sosreport]
    );
    let rows: Vec<Option<&str>> = report
        .checklist
        .rows
        .iter()
        .map(|r| r.node.as_deref())
        .collect();
    assert_eq!(rows, [None, Some("w1"), Some("w2")]);
    for node in ["w1", "w2"] {
        assert_eq!(cell(&report, Some(node), Step::NodeReady).0, Mark::Pass);
        assert_eq!(cell(&report, Some(node), Step::Storage).0, Mark::Critical);
    }
    assert!(
        !report
            .analysis
            .collection
            .iter()
            .any(|c| c.status == CollectionStatus::Absent),
        "what one bundle lacks another holds: {:?}",
        report.analysis.collection
    );
}

/// A report whose `hostname` is short merges with the Node whose name is fully qualified
/// (and the other way round), when no other Node shares the short name.
#[test]
fn a_short_hostname_merges_with_its_fully_qualified_node() {
    let sos = tree(&[
        ("sos_commands/host/hostname", "w7\n"),
        (
            "sos_commands/date/date_--utc",
            "Mon Mar  4 09:05:00 UTC 2019\n",
        ),
        ("sos_commands/filesys/df_-al_-x_autofs", DF_1K_VAR_FULL),
    ]);
    let nodes = r#"{"kind": "NodeList", "items": [
        {"metadata": {"name": "w7.prod.example.com"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}},
        {"metadata": {"name": "w8.prod.example.com"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}]}"#;
    let cluster = tree(&[("cluster-resources/nodes.json", nodes)]);
    let paths = [cluster.path(), sos.path()].map(|p| p.to_path_buf());
    let report = kbundle_analyzer::analyze_paths(&paths).unwrap();
    let rows: Vec<Option<&str>> = report
        .checklist
        .rows
        .iter()
        .map(|r| r.node.as_deref())
        .collect();
    assert_eq!(
        rows,
        [
            None,
            Some("w7.prod.example.com"),
            Some("w8.prod.example.com")
        ]
    );
    assert_eq!(
        cell(&report, Some("w7.prod.example.com"), Step::Storage).0,
        Mark::Critical
    );
    assert_eq!(report.analysis.bundles[1].nodes, ["w7.prod.example.com"]);
    let found = findings(&report);
    assert!(
        found.contains(&"host.disk-full Filesystem /var on w7.prod.example.com sos_commands/filesys/df_-al_-x_autofs".to_string()),
        "{found:#?}"
    );
}
