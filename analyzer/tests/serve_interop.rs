//! `kbundle serve` against the real troubleshoot bundle of ../shared/interop, with the real
//! kubectl: the seed's commands and the list, oldest and newest kubectl.

mod serve_common;

use serve_common::*;

#[test]
fn explore() {
    let server = serve(load_tar_gz(&interop_path()));
    for bin in kubectls() {
        let k = Kubectl::new(&bin, &server);
        for args in [
            &["get", "nodes"][..],
            &["get", "nodes", "-o", "wide"],
            &["-n", "kube-system", "get", "pod", "-o", "wide"],
            &["get", "pods", "-A"],
            &["get", "deploy,ds,sts", "-A"],
            &["get", "crd"],
            &["get", "events", "-A", "--sort-by=.lastTimestamp"],
            &["-n", "kube-system", "get", "helmcharts"],
        ] {
            let out = k.run(args);
            eprintln!(
                "== {} {:?}\n{}{}",
                k.name,
                args,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
