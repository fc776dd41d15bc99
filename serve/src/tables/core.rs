//! Tables of core kinds other than pods: nodes, events, services, namespaces, configmaps,
//! secrets and service accounts, with kubernetes' columns and cell rules.

use super::{age, age_of, col, format_labels, get, int, list, name, text, Col};
use jiff::Timestamp;
use serde_json::Value;

type Cells = fn(&Value, Timestamp) -> Vec<Value>;

const NODE: &[Col] = &[
    col("Name", "string", 0),
    col("Status", "string", 0),
    col("Roles", "string", 0),
    col("Age", "string", 0),
    col("Version", "string", 0),
    col("Internal-IP", "string", 1),
    col("External-IP", "string", 1),
    col("OS-Image", "string", 1),
    col("Kernel-Version", "string", 1),
    col("Container-Runtime", "string", 1),
];

const EVENT: &[Col] = &[
    col("Last Seen", "string", 0),
    col("Type", "string", 0),
    col("Reason", "string", 0),
    col("Object", "string", 0),
    col("Subobject", "string", 1),
    col("Source", "string", 1),
    col("Message", "string", 0),
    col("First Seen", "string", 1),
    col("Count", "string", 1),
    col("Name", "string", 1),
];

const SERVICE: &[Col] = &[
    col("Name", "string", 0),
    col("Type", "string", 0),
    col("Cluster-IP", "string", 0),
    col("External-IP", "string", 0),
    col("Port(s)", "string", 0),
    col("Age", "string", 0),
    col("Selector", "string", 1),
];

const NAMESPACE: &[Col] = &[
    col("Name", "string", 0),
    col("Status", "string", 0),
    col("Age", "string", 0),
];

const CONFIGMAP: &[Col] = &[
    col("Name", "string", 0),
    col("Data", "string", 0),
    col("Age", "string", 0),
];

const SECRET: &[Col] = &[
    col("Name", "string", 0),
    col("Type", "string", 0),
    col("Data", "string", 0),
    col("Age", "string", 0),
];

const SERVICE_ACCOUNT: &[Col] = &[
    col("Name", "string", 0),
    col("Secrets", "string", 0),
    col("Age", "string", 0),
];

pub(super) fn printer(group: &str, resource: &str) -> Option<(&'static [Col], Cells)> {
    let p: (&'static [Col], Cells) = match (group, resource) {
        ("", "nodes") => (NODE, node),
        ("", "events") => (EVENT, event),
        ("", "services") => (SERVICE, service),
        ("", "namespaces") => (NAMESPACE, |o, now| {
            vec![
                name(o).into(),
                text(o, &["status", "phase"]).into(),
                age_of(o, now).into(),
            ]
        }),
        ("", "configmaps") => (CONFIGMAP, |o, now| {
            let n = map_len(o.get("data")) + map_len(o.get("binaryData"));
            vec![name(o).into(), n.into(), age_of(o, now).into()]
        }),
        ("", "secrets") => (SECRET, |o, now| {
            vec![
                name(o).into(),
                text(o, &["type"]).into(),
                map_len(o.get("data")).into(),
                age_of(o, now).into(),
            ]
        }),
        ("", "serviceaccounts") => (SERVICE_ACCOUNT, |o, now| {
            vec![
                name(o).into(),
                list(o, &["secrets"]).len().into(),
                age_of(o, now).into(),
            ]
        }),
        _ => return None,
    };
    Some(p)
}

fn map_len(v: Option<&Value>) -> usize {
    v.and_then(Value::as_object).map_or(0, |m| m.len())
}

fn or(s: &str, fallback: &str) -> String {
    if s.is_empty() {
        fallback.to_string()
    } else {
        s.to_string()
    }
}

fn node(o: &Value, now: Timestamp) -> Vec<Value> {
    let mut status: Vec<String> = Vec::new();
    if let Some(ready) = list(o, &["status", "conditions"])
        .iter()
        .rev()
        .find(|c| text(c, &["type"]) == "Ready")
    {
        status.push(if text(ready, &["status"]) == "True" {
            "Ready".to_string()
        } else {
            "NotReady".to_string()
        });
    }
    if status.is_empty() {
        status.push("Unknown".to_string());
    }
    if get(o, &["spec", "unschedulable"]).and_then(Value::as_bool) == Some(true) {
        status.push("SchedulingDisabled".to_string());
    }
    let roles = match get(o, &["metadata", "labels"]) {
        Some(Value::Object(labels)) => kbundle_kube::printers::node_roles(
            labels
                .iter()
                .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?))),
        ),
        _ => Vec::new(),
    };
    let address = |kind: &str| {
        list(o, &["status", "addresses"])
            .iter()
            .find(|a| text(a, &["type"]) == kind)
            .map_or("<none>".to_string(), |a| text(a, &["address"]).to_string())
    };
    let info = |k: &str| or(text(o, &["status", "nodeInfo", k]), "<unknown>");
    vec![
        name(o).into(),
        status.join(",").into(),
        if roles.is_empty() {
            "<none>".into()
        } else {
            roles.join(",").into()
        },
        age_of(o, now).into(),
        text(o, &["status", "nodeInfo", "kubeletVersion"]).into(),
        address("InternalIP").into(),
        address("ExternalIP").into(),
        info("osImage").into(),
        info("kernelVersion").into(),
        info("containerRuntimeVersion").into(),
    ]
}

fn event(o: &Value, now: Timestamp) -> Vec<Value> {
    let first_ts = text(o, &["firstTimestamp"]);
    let first = if first_ts.is_empty() {
        age::since(text(o, &["eventTime"]), now)
    } else {
        age::since(first_ts, now)
    };
    let last_ts = text(o, &["lastTimestamp"]);
    let mut last = if last_ts.is_empty() {
        first.clone()
    } else {
        age::since(last_ts, now)
    };
    let mut count = int(o, &["count"]);
    if let Some(series) = o.get("series").filter(|s| s.is_object()) {
        last = age::since(text(series, &["lastObservedTime"]), now);
        count = int(series, &["count"]);
    } else if count == 0 {
        count = 1;
    }
    let kind = text(o, &["involvedObject", "kind"]).to_lowercase();
    let target = match text(o, &["involvedObject", "name"]) {
        "" => kind,
        n => format!("{kind}/{n}"),
    };
    let component = or(
        text(o, &["source", "component"]),
        text(o, &["reportingController"]),
    );
    let host = or(
        text(o, &["source", "host"]),
        text(o, &["reportingInstance"]),
    );
    let source = if host.is_empty() {
        component
    } else {
        format!("{component}, {host}")
    };
    vec![
        last.into(),
        text(o, &["type"]).into(),
        text(o, &["reason"]).into(),
        target.into(),
        text(o, &["involvedObject", "fieldPath"]).into(),
        source.into(),
        text(o, &["message"]).trim().into(),
        first.into(),
        count.into(),
        name(o).into(),
    ]
}

fn service(o: &Value, now: Timestamp) -> Vec<Value> {
    let kind = text(o, &["spec", "type"]);
    let cluster_ip = list(o, &["spec", "clusterIPs"])
        .first()
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| or(text(o, &["spec", "clusterIP"]), "<none>"));
    let external: Vec<&str> = list(o, &["spec", "externalIPs"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let external_ip = match kind {
        "ClusterIP" | "NodePort" | "" => {
            if external.is_empty() {
                "<none>".to_string()
            } else {
                external.join(",")
            }
        }
        "LoadBalancer" => {
            let mut ips: Vec<String> = list(o, &["status", "loadBalancer", "ingress"])
                .iter()
                .map(|i| or(text(i, &["ip"]), text(i, &["hostname"])))
                .filter(|s| !s.is_empty())
                .collect();
            ips.extend(external.iter().map(|s| s.to_string()));
            if ips.is_empty() {
                "<pending>".to_string()
            } else {
                ips.join(",")
            }
        }
        "ExternalName" => text(o, &["spec", "externalName"]).to_string(),
        _ => "<unknown>".to_string(),
    };
    let ports: Vec<String> = list(o, &["spec", "ports"])
        .iter()
        .map(|p| {
            let port = int(p, &["port"]);
            let proto = or(text(p, &["protocol"]), "TCP");
            match int(p, &["nodePort"]) {
                0 => format!("{port}/{proto}"),
                np => format!("{port}:{np}/{proto}"),
            }
        })
        .collect();
    vec![
        name(o).into(),
        kind.into(),
        cluster_ip.into(),
        external_ip.into(),
        if ports.is_empty() {
            "<none>".into()
        } else {
            ports.join(",").into()
        },
        age_of(o, now).into(),
        format_labels(get(o, &["spec", "selector"])).into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        "2022-12-21T16:44:00Z".parse().unwrap()
    }

    #[test]
    fn node_row() {
        let n = json!({
            "metadata": {"name": "cp", "creationTimestamp": "2022-09-23T13:45:55Z",
                "labels": {"node-role.kubernetes.io/master": "true", "node-role.kubernetes.io/control-plane": "true"}},
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "Ready", "status": "False"}],
                "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}],
                "nodeInfo": {"kubeletVersion": "v1.24.4+k3s1", "osImage": "K3s dev", "kernelVersion": "5.15", "containerRuntimeVersion": "containerd://1.6"}}
        });
        let c = node(&n, now());
        assert_eq!(c[1], "NotReady,SchedulingDisabled");
        assert_eq!(c[2], "control-plane,master");
        assert_eq!(c[3], "89d");
        assert_eq!(c[5], "172.18.0.2");
        assert_eq!(c[6], "<none>");
    }

    #[test]
    fn event_row() {
        let e = json!({
            "metadata": {"name": "web.1"},
            "involvedObject": {"kind": "Pod", "name": "web", "fieldPath": "spec.containers{a}"},
            "reason": "BackOff", "type": "Warning", "message": " Back-off \n",
            "source": {"component": "kubelet", "host": "w1"},
            "firstTimestamp": "2022-12-21T16:00:00Z", "lastTimestamp": "2022-12-21T16:40:00Z", "count": 7
        });
        let c = event(&e, now());
        assert_eq!(
            c,
            vec![
                json!("4m"),
                json!("Warning"),
                json!("BackOff"),
                json!("pod/web"),
                json!("spec.containers{a}"),
                json!("kubelet, w1"),
                json!("Back-off"),
                json!("44m"),
                json!(7),
                json!("web.1"),
            ]
        );
    }

    #[test]
    fn service_row() {
        let s = json!({
            "metadata": {"name": "traefik"},
            "spec": {"type": "LoadBalancer", "clusterIPs": ["10.43.1.1"], "selector": {"app": "t"},
                "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 443, "protocol": "TCP"}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "172.18.0.2"}]}}
        });
        let c = service(&s, now());
        assert_eq!(c[2], "10.43.1.1");
        assert_eq!(c[3], "172.18.0.2");
        assert_eq!(c[4], "80:30080/TCP,443/TCP");
        assert_eq!(c[6], "app=t");
    }
}
