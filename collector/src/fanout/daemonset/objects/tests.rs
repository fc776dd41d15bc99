use super::*;

fn spec<'a>(nodes: &'a NodeSelection, args: &'a [String], secrets: &'a [String]) -> Spec<'a> {
    Spec {
        run: "kbundle-ab12c",
        namespace: "kbundle-ab12c",
        image: "registry.corp/kbundle-collect:0.1.0",
        pull_secrets: secrets,
        priority_class: Some("system-node-critical"),
        privileged: false,
        nodes,
        node_args: args,
        expires: "2026-01-01T00:30:00Z",
    }
}

#[test]
fn the_daemonset_asks_for_no_more_than_the_commands_need() {
    let nodes = NodeSelection::default();
    let args = vec!["--since".to_string(), "24h".to_string()];
    let ds = daemonset(&spec(&nodes, &args, &[]));
    let pod = &ds["spec"]["template"]["spec"];
    assert_eq!(pod["automountServiceAccountToken"], false);
    assert_eq!(pod["hostNetwork"], true);
    assert_eq!(pod["hostPID"], false);
    assert_eq!(pod["nodeSelector"]["kubernetes.io/os"], "linux");
    assert_eq!(
        pod["tolerations"],
        serde_json::json!([{"operator": "Exists"}])
    );
    assert_eq!(pod["priorityClassName"], "system-node-critical");
    assert!(pod.get("affinity").is_none() && pod.get("imagePullSecrets").is_none());
    let c = &pod["containers"][0];
    let sc = &c["securityContext"];
    assert!(sc.get("privileged").is_none());
    assert_eq!(sc["allowPrivilegeEscalation"], false);
    assert_eq!(sc["readOnlyRootFilesystem"], true);
    assert_eq!(sc["capabilities"]["drop"], serde_json::json!(["ALL"]));
    assert_eq!(
        sc["capabilities"]["add"],
        serde_json::json!(["SYS_CHROOT", "DAC_READ_SEARCH", "SYSLOG"])
    );
    assert!(c["resources"]["limits"]["memory"].is_string());
    assert!(c["resources"]["limits"]["cpu"].is_string());
    let host = &c["volumeMounts"][0];
    assert_eq!(host["mountPath"], "/host");
    assert_eq!(host["readOnly"], true);
    assert_eq!(pod["volumes"][0]["hostPath"]["path"], "/");
    let args: Vec<&str> = c["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        args,
        [
            "--agent",
            "/kbundle/out",
            "--host-root",
            "/host",
            "--since",
            "24h"
        ]
    );
    assert_eq!(
        c["env"][0]["valueFrom"]["fieldRef"]["fieldPath"],
        "spec.nodeName"
    );
    for o in [&ds, &ds["spec"]["template"]] {
        assert_eq!(o["metadata"]["labels"][MANAGED_BY.0], MANAGED_BY.1);
        assert_eq!(o["metadata"]["labels"][INSTANCE], "kbundle-ab12c");
    }
}

#[test]
fn the_namespace_allows_privileged_pods_and_is_labelled() {
    let nodes = NodeSelection::default();
    let ns = namespace(&spec(&nodes, &[], &[]));
    let l = &ns["metadata"]["labels"];
    assert_eq!(l["pod-security.kubernetes.io/enforce"], "privileged");
    assert_eq!(l[MANAGED_BY.0], MANAGED_BY.1);
    assert_eq!(
        ns["metadata"]["annotations"][EXPIRES],
        "2026-01-01T00:30:00Z"
    );
}

#[test]
fn selection_secrets_and_privilege_show_in_the_yaml() {
    let nodes = NodeSelection::parse(&["w1,w2".to_string()]).unwrap();
    let secrets = vec!["regcred".to_string()];
    let mut s = spec(&nodes, &[], &secrets);
    s.privileged = true;
    let ds = daemonset(&s);
    let pod = &ds["spec"]["template"]["spec"];
    assert_eq!(pod["imagePullSecrets"][0]["name"], "regcred");
    assert_eq!(pod["containers"][0]["securityContext"]["privileged"], true);
    assert!(pod["affinity"]["nodeAffinity"].is_object());
    let text = yaml(
        &[namespace(&s), ds],
        &["create daemonsets.apps in namespace x".into()],
    );
    assert!(text.starts_with("# kbundle-collect --daemonset --dry-run"));
    assert!(text.contains("#   create daemonsets.apps in namespace x"));
    assert_eq!(
        text.matches("\n---\n").count() + usize::from(text.contains("---\n")),
        3
    );
    let docs: Vec<serde_json::Value> = text
        .split("---\n")
        .skip(1)
        .map(|d| serde_yaml_ng::from_str(d).unwrap())
        .collect();
    assert_eq!(docs[1]["kind"], "DaemonSet");
}
