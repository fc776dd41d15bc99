//! Kubernetes Lists in the API's own JSON shape: pods (1 % failing in the ways real clusters
//! fail), events, nodes and namespaces. Written with `write!` straight into the member's
//! buffer: a large bundle holds hundreds of thousands of objects.

use crate::rng::Rng;
use std::io::Write;

/// One pod as the generator planned it; the logs refer to the same names.
pub struct Pod {
    /// Pod name, `<app>-<replicaset hash>-<suffix>`.
    pub name: String,
    /// The deployment it belongs to.
    pub app: String,
    /// The node it runs on.
    pub node: usize,
    /// How it fails, if it does.
    pub failure: Option<Failure>,
}

/// The ways the failing 1 % fail.
#[derive(Clone, Copy, Debug)]
pub enum Failure {
    /// Restarting with reason Error, in CrashLoopBackOff.
    CrashLoop,
    /// Last terminated with OOMKilled.
    OomKilled,
    /// Waiting in ImagePullBackOff.
    ImagePull,
    /// Pending: the scheduler found no node.
    Unschedulable,
}

const CREATED: &str = "2026-11-20T08:12:41Z";

/// The namespace's pods as a `PodList`.
pub fn pod_list(out: &mut Vec<u8>, rng: &mut Rng, namespace: &str, pods: &[Pod]) {
    out.extend_from_slice(br#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"48213377"},"items":["#);
    for (i, pod) in pods.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        pod_json(out, rng, namespace, pod);
    }
    out.extend_from_slice(b"]}\n");
}

fn pod_json(out: &mut Vec<u8>, rng: &mut Rng, namespace: &str, pod: &Pod) {
    let Pod {
        name, app, node, ..
    } = pod;
    let hash = name
        .rsplit_once('-')
        .and_then(|(rs, _)| rs.rsplit_once('-'))
        .map_or("0", |(_, h)| h);
    let uid = rng.uuid();
    let ip = format!("10.42.{}.{}", node % 256, rng.between(2, 254));
    let _ = write!(
        out,
        r#"{{"metadata":{{"name":"{name}","generateName":"{app}-{hash}-","namespace":"{namespace}","uid":"{uid}","resourceVersion":"{rv}","creationTimestamp":"{CREATED}","labels":{{"app.kubernetes.io/name":"{app}","app.kubernetes.io/part-of":"{namespace}","pod-template-hash":"{hash}"}},"annotations":{{"kubectl.kubernetes.io/restartedAt":"2026-11-19T22:01:07Z","prometheus.io/scrape":"true","prometheus.io/port":"9102"}},"ownerReferences":[{{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"{app}-{hash}","uid":"{owner}","controller":true,"blockOwnerDeletion":true}}]}},"#,
        rv = rng.between(1_000_000, 48_000_000),
        owner = rng.uuid(),
    );
    let image = format!(
        "registry.example.com/{namespace}/{app}:1.{}.{}",
        rng.below(30),
        rng.below(10)
    );
    let _ = write!(
        out,
        r#""spec":{{"volumes":[{{"name":"config","configMap":{{"name":"{app}-config","defaultMode":420}}}},{{"name":"kube-api-access-{sfx}","projected":{{"sources":[{{"serviceAccountToken":{{"expirationSeconds":3607,"path":"token"}}}},{{"configMap":{{"name":"kube-root-ca.crt","items":[{{"key":"ca.crt","path":"ca.crt"}}]}}}}],"defaultMode":420}}}}],"containers":[{{"name":"{app}","image":"{image}","ports":[{{"name":"http","containerPort":8080,"protocol":"TCP"}},{{"name":"metrics","containerPort":9102,"protocol":"TCP"}}],"env":[{{"name":"LOG_LEVEL","value":"info"}},{{"name":"POD_NAME","valueFrom":{{"fieldRef":{{"apiVersion":"v1","fieldPath":"metadata.name"}}}}}}],"resources":{{"limits":{{"cpu":"1","memory":"{mem}Mi"}},"requests":{{"cpu":"100m","memory":"{req}Mi"}}}},"volumeMounts":[{{"name":"config","readOnly":true,"mountPath":"/etc/{app}"}},{{"name":"kube-api-access-{sfx}","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}}],"livenessProbe":{{"httpGet":{{"path":"/healthz","port":8080,"scheme":"HTTP"}},"initialDelaySeconds":10,"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3}},"readinessProbe":{{"httpGet":{{"path":"/ready","port":8080,"scheme":"HTTP"}},"timeoutSeconds":1,"periodSeconds":5,"successThreshold":1,"failureThreshold":3}},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"{app}","nodeName":"{node_name}","securityContext":{{"runAsNonRoot":true,"fsGroup":2000}},"schedulerName":"default-scheduler","tolerations":[{{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}},{{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"}},"#,
        sfx = rng.suffix(5),
        mem = 256 << rng.below(4),
        req = 128 << rng.below(3),
        node_name = node_name(*node),
    );
    let restarts = match pod.failure {
        Some(Failure::CrashLoop) => rng.between(20, 400),
        Some(Failure::OomKilled) => rng.between(1, 30),
        _ if rng.chance(0.05) => 1,
        _ => 0,
    };
    let container_id = format!("containerd://{}{}", rng.hex(32), rng.hex(32));
    let (phase, ready, state, last_state) = match pod.failure {
        None => (
            "Running",
            true,
            r#"{"running":{"startedAt":"2026-11-20T08:13:02Z"}}"#.to_string(),
            if restarts > 0 {
                format!(
                    r#"{{"terminated":{{"exitCode":0,"reason":"Completed","startedAt":"2026-11-20T08:12:50Z","finishedAt":"2026-11-20T08:13:01Z","containerID":"{container_id}"}}}}"#
                )
            } else {
                "{}".to_string()
            },
        ),
        Some(Failure::CrashLoop) => (
            "Running",
            false,
            format!(
                r#"{{"waiting":{{"reason":"CrashLoopBackOff","message":"back-off 5m0s restarting failed container={} pod={}_{namespace}({uid})"}}}}"#,
                app, name
            ),
            format!(
                r#"{{"terminated":{{"exitCode":1,"reason":"Error","startedAt":"2026-11-27T09:51:02Z","finishedAt":"2026-11-27T09:51:33Z","containerID":"{container_id}"}}}}"#
            ),
        ),
        Some(Failure::OomKilled) => (
            "Running",
            true,
            r#"{"running":{"startedAt":"2026-11-27T09:40:11Z"}}"#.to_string(),
            format!(
                r#"{{"terminated":{{"exitCode":137,"reason":"OOMKilled","startedAt":"2026-11-27T08:02:41Z","finishedAt":"2026-11-27T09:40:09Z","containerID":"{container_id}"}}}}"#
            ),
        ),
        Some(Failure::ImagePull) => (
            "Pending",
            false,
            format!(
                r#"{{"waiting":{{"reason":"ImagePullBackOff","message":"Back-off pulling image \"{image}\""}}}}"#
            ),
            "{}".to_string(),
        ),
        Some(Failure::Unschedulable) => {
            let _ = write!(
                out,
                r#""status":{{"phase":"Pending","conditions":[{{"type":"PodScheduled","status":"False","lastProbeTime":null,"lastTransitionTime":"2026-11-27T09:30:00Z","reason":"Unschedulable","message":"0/{n} nodes are available: {n} Insufficient memory. preemption: 0/{n} nodes are available: {n} No preemption victims found for incoming pod."}}],"qosClass":"Burstable"}}}}"#,
                n = 20
            );
            return;
        }
    };
    let _ = write!(
        out,
        r#""status":{{"phase":"{phase}","conditions":[{{"type":"Initialized","status":"True","lastProbeTime":null,"lastTransitionTime":"{CREATED}"}},{{"type":"Ready","status":"{r}","lastProbeTime":null,"lastTransitionTime":"2026-11-27T09:51:34Z"}},{{"type":"ContainersReady","status":"{r}","lastProbeTime":null,"lastTransitionTime":"2026-11-27T09:51:34Z"}},{{"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"{CREATED}"}}],"hostIP":"10.0.{hi}.{lo}","podIP":"{ip}","podIPs":[{{"ip":"{ip}"}}],"startTime":"{CREATED}","containerStatuses":[{{"name":"{app}","state":{state},"lastState":{last_state},"ready":{ready},"restartCount":{restarts},"image":"{image}","imageID":"{image}@sha256:{digest}","containerID":"{container_id}","started":{ready}}}],"qosClass":"Burstable"}}}}"#,
        r = if ready { "True" } else { "False" },
        hi = node / 250,
        lo = node % 250 + 2,
        digest = rng.hex(64),
    );
}

/// The name of node number `n`.
pub fn node_name(n: usize) -> String {
    format!("worker-{n:03}")
}

/// An `EventList` for a namespace: Normal events for some pods, Warnings for the failing ones,
/// then routine Normal events (Scheduled, Pulled, Created, Started) until there are `at_least`.
pub fn event_list(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    namespace: &str,
    pods: &[Pod],
    at_least: usize,
) {
    out.extend_from_slice(br#"{"kind":"EventList","apiVersion":"v1","metadata":{"resourceVersion":"48213377"},"items":["#);
    let mut first = true;
    let mut written = 0usize;
    for pod in pods {
        let (kind, reason, message) = match pod.failure {
            Some(Failure::CrashLoop) => ("Warning", "BackOff", "Back-off restarting failed container".to_string()),
            Some(Failure::OomKilled) => ("Warning", "Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 503".to_string()),
            Some(Failure::ImagePull) => ("Warning", "Failed", format!("Failed to pull image \"registry.example.com/{namespace}/{}:9.9.9\": rpc error: code = NotFound desc = failed to pull and unpack image: not found", pod.app)),
            Some(Failure::Unschedulable) => ("Warning", "FailedScheduling", "0/20 nodes are available: 20 Insufficient memory.".to_string()),
            None if rng.chance(0.02) => ("Normal", "Pulled", "Container image already present on machine".to_string()),
            None => continue,
        };
        if !first {
            out.push(b',');
        }
        first = false;
        written += 1;
        let count = if kind == "Warning" {
            rng.between(3, 900)
        } else {
            1
        };
        let _ = write!(
            out,
            r#"{{"metadata":{{"name":"{pod_name}.{id}","namespace":"{namespace}","uid":"{uid}","resourceVersion":"{rv}","creationTimestamp":"2026-11-27T08:00:00Z"}},"involvedObject":{{"kind":"Pod","namespace":"{namespace}","name":"{pod_name}","uid":"{puid}","apiVersion":"v1","fieldPath":"spec.containers{{{app}}}"}},"reason":"{reason}","message":{message:?},"source":{{"component":"kubelet","host":"{host}"}},"firstTimestamp":"2026-11-27T08:00:00Z","lastTimestamp":"2026-11-27T09:58:12Z","count":{count},"type":"{kind}","eventTime":null,"reportingComponent":"kubelet","reportingInstance":"{host}"}}"#,
            pod_name = pod.name,
            app = pod.app,
            id = rng.hex(16),
            uid = rng.uuid(),
            puid = rng.uuid(),
            rv = rng.between(1_000_000, 48_000_000),
            host = node_name(pod.node),
        );
    }
    let routine = ["Scheduled", "Pulled", "Created", "Started"];
    let mut i = 0usize;
    while written < at_least && !pods.is_empty() {
        let pod = &pods[i % pods.len()];
        let reason = routine[(i / pods.len()) % routine.len()];
        if !first {
            out.push(b',');
        }
        first = false;
        let _ = write!(
            out,
            r#"{{"metadata":{{"name":"{pod_name}.{id}","namespace":"{namespace}","uid":"{uid}","resourceVersion":"{rv}","creationTimestamp":"2026-11-27T09:30:00Z"}},"involvedObject":{{"kind":"Pod","namespace":"{namespace}","name":"{pod_name}","uid":"{puid}","apiVersion":"v1","fieldPath":"spec.containers{{{app}}}"}},"reason":"{reason}","message":"{reason} container {app}","source":{{"component":"kubelet","host":"{host}"}},"firstTimestamp":"2026-11-27T09:30:00Z","lastTimestamp":"2026-11-27T09:30:00Z","count":1,"type":"Normal","eventTime":null,"reportingComponent":"kubelet","reportingInstance":"{host}"}}"#,
            pod_name = pod.name,
            app = pod.app,
            id = rng.hex(16),
            uid = rng.uuid(),
            puid = rng.uuid(),
            rv = rng.between(1_000_000, 48_000_000),
            host = node_name(pod.node),
        );
        written += 1;
        i += 1;
    }
    out.extend_from_slice(b"]}\n");
}

/// A `NodeList` of `count` healthy workers.
pub fn node_list(out: &mut Vec<u8>, rng: &mut Rng, count: usize) {
    out.extend_from_slice(br#"{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"48213377"},"items":["#);
    for n in 0..count {
        if n > 0 {
            out.push(b',');
        }
        let name = node_name(n);
        let condition = |t: &str, s: &str, reason: &str| {
            format!(
                r#"{{"type":"{t}","status":"{s}","lastHeartbeatTime":"2026-11-27T09:59:31Z","lastTransitionTime":"2026-11-20T08:00:00Z","reason":"{reason}","message":"{reason}"}}"#
            )
        };
        let _ = write!(
            out,
            r#"{{"metadata":{{"name":"{name}","uid":"{uid}","labels":{{"kubernetes.io/hostname":"{name}","kubernetes.io/os":"linux","node-role.kubernetes.io/worker":""}},"creationTimestamp":"2026-10-01T00:00:00Z"}},"spec":{{"podCIDR":"10.42.{n}.0/24","providerID":"k3s://{name}"}},"status":{{"capacity":{{"cpu":"16","memory":"65842308Ki","pods":"110"}},"allocatable":{{"cpu":"16","memory":"65842308Ki","pods":"110"}},"conditions":[{},{},{},{}],"addresses":[{{"type":"InternalIP","address":"10.0.{hi}.{lo}"}},{{"type":"Hostname","address":"{name}"}}],"nodeInfo":{{"machineID":"{mid}","kernelVersion":"5.15.0-91-generic","osImage":"Ubuntu 22.04.3 LTS","containerRuntimeVersion":"containerd://1.7.7","kubeletVersion":"v1.28.3","kubeProxyVersion":"v1.28.3","operatingSystem":"linux","architecture":"amd64"}}}}}}"#,
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory"),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure"),
            condition("PIDPressure", "False", "KubeletHasSufficientPID"),
            condition("Ready", "True", "KubeletReady"),
            uid = rng.uuid(),
            mid = rng.hex(32),
            hi = n / 250,
            lo = n % 250 + 2,
        );
    }
    out.extend_from_slice(b"]}\n");
}

/// A `NamespaceList`.
pub fn namespace_list(out: &mut Vec<u8>, rng: &mut Rng, namespaces: &[String]) {
    out.extend_from_slice(br#"{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":["#);
    for (i, ns) in namespaces.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let _ = write!(
            out,
            r#"{{"metadata":{{"name":"{ns}","uid":"{}","labels":{{"kubernetes.io/metadata.name":"{ns}"}},"creationTimestamp":"2026-10-01T00:00:00Z"}},"spec":{{"finalizers":["kubernetes"]}},"status":{{"phase":"Active"}}}}"#,
            rng.uuid()
        );
    }
    out.extend_from_slice(b"]}\n");
}
