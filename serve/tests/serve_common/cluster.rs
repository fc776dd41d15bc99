//! A small cluster written as a bundle: three nodes, pods in two namespaces (running with
//! restarts, crash-looping, completed), events, workloads, a CRD with a printer column and its
//! custom resource, and container logs. Collected at 2026-11-27T10:00:00Z.

/// When the bundle says it was collected.
pub const COLLECTED: &str = "2026-11-27T10:00:00Z";

/// UID of pod web-1 (kubectl describe asks for its events by uid).
pub const WEB1_UID: &str = "0f0f0f0f-1111-2222-3333-444444444444";

/// The bundle's files.
pub fn files() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "manifest.json",
            r#"{"format":"kbundle/v1","created":"2026-11-27T10:00:00Z"}"#,
        ),
        (
            "cluster-info/cluster_version.json",
            r#"{"major":"1","minor":"30","gitVersion":"v1.30.2"}"#,
        ),
        ("cluster-resources/nodes.json", NODES),
        ("cluster-resources/namespaces.json", NAMESPACES),
        ("cluster-resources/pods/default.json", PODS_DEFAULT),
        ("cluster-resources/pods/kube-system.json", PODS_KUBE_SYSTEM),
        ("cluster-resources/events/default.json", EVENTS_DEFAULT),
        ("cluster-resources/deployments/default.json", DEPLOYMENTS),
        ("cluster-resources/statefulsets/default.json", STATEFULSETS),
        ("cluster-resources/daemonsets/kube-system.json", DAEMONSETS),
        ("cluster-resources/custom-resource-definitions.json", CRDS),
        (
            "cluster-resources/custom-resources/widgets.example.com/default.json",
            WIDGETS,
        ),
        (
            "cluster-resources/pods/logs/default/web-1/app.log",
            "app line 1\napp line 2\napp line 3\n",
        ),
        (
            "cluster-resources/pods/logs/default/web-1/app-previous.log",
            "app crashed: out of memory\n",
        ),
        (
            "cluster-resources/pods/logs/default/web-1/sidecar.log",
            "sidecar ready\n",
        ),
    ]
}

const NODES: &str = r#"{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"900"},"items":[
 {"kind":"Node","apiVersion":"v1","metadata":{"name":"cp1","uid":"n-cp1","creationTimestamp":"2026-11-01T10:00:00Z",
   "labels":{"kubernetes.io/hostname":"cp1","node-role.kubernetes.io/control-plane":""}},
  "spec":{},"status":{"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady"}],
   "addresses":[{"type":"InternalIP","address":"10.0.0.1"},{"type":"Hostname","address":"cp1"}],
   "nodeInfo":{"kubeletVersion":"v1.30.2","osImage":"Ubuntu 22.04.4 LTS","kernelVersion":"5.15.0-105-generic","containerRuntimeVersion":"containerd://1.7.13"}}},
 {"kind":"Node","apiVersion":"v1","metadata":{"name":"w1","uid":"n-w1","creationTimestamp":"2026-11-20T10:00:00Z",
   "labels":{"kubernetes.io/hostname":"w1","node-role.kubernetes.io/worker":""}},
  "spec":{},"status":{"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady"}],
   "addresses":[{"type":"InternalIP","address":"10.0.0.11"},{"type":"ExternalIP","address":"203.0.113.11"}],
   "capacity":{"cpu":"4","memory":"16Gi","pods":"110"},"allocatable":{"cpu":"4","memory":"16Gi","pods":"110"},
   "nodeInfo":{"kubeletVersion":"v1.30.2","osImage":"Ubuntu 22.04.4 LTS","kernelVersion":"5.15.0-105-generic","containerRuntimeVersion":"containerd://1.7.13"}}},
 {"kind":"Node","apiVersion":"v1","metadata":{"name":"w2","uid":"n-w2","creationTimestamp":"2026-11-27T07:30:00Z","labels":{"kubernetes.io/hostname":"w2"}},
  "spec":{"unschedulable":true},"status":{"conditions":[{"type":"Ready","status":"Unknown","reason":"NodeStatusUnknown"}],
   "addresses":[{"type":"InternalIP","address":"10.0.0.12"}],
   "nodeInfo":{"kubeletVersion":"v1.29.6","osImage":"Ubuntu 22.04.4 LTS","kernelVersion":"5.15.0-105-generic","containerRuntimeVersion":"containerd://1.7.13"}}}
]}"#;

const NAMESPACES: &str = r#"{"kind":"NamespaceList","apiVersion":"v1","items":[
 {"metadata":{"name":"default","creationTimestamp":"2026-11-01T10:00:00Z"},"status":{"phase":"Active"}},
 {"metadata":{"name":"kube-system","creationTimestamp":"2026-11-01T10:00:00Z"},"status":{"phase":"Active"}}]}"#;

const PODS_DEFAULT: &str = r#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"900"},"items":[
 {"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-1","namespace":"default","uid":"0f0f0f0f-1111-2222-3333-444444444444",
   "creationTimestamp":"2026-11-27T07:00:00Z","labels":{"app":"web","tier":"front"}},
  "spec":{"nodeName":"w1","containers":[{"name":"app","image":"nginx:1.25"},{"name":"sidecar","image":"busybox:1.36"}]},
  "status":{"phase":"Running","podIP":"10.244.1.5","podIPs":[{"ip":"10.244.1.5"}],"startTime":"2026-11-27T07:00:05Z",
   "conditions":[{"type":"Ready","status":"True"}],
   "containerStatuses":[
    {"name":"app","ready":true,"restartCount":3,"image":"nginx:1.25","state":{"running":{"startedAt":"2026-11-27T08:00:00Z"}},
     "lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled","finishedAt":"2026-11-27T08:00:00Z"}}},
    {"name":"sidecar","ready":true,"restartCount":0,"image":"busybox:1.36","state":{"running":{"startedAt":"2026-11-27T07:00:10Z"}}}]}},
 {"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-2","namespace":"default","uid":"web-2-uid",
   "creationTimestamp":"2026-11-27T09:55:00Z","labels":{"app":"web","tier":"front"}},
  "spec":{"nodeName":"w2","containers":[{"name":"app","image":"nginx:1.25"}]},
  "status":{"phase":"Running","podIP":"10.244.2.7",
   "containerStatuses":[{"name":"app","ready":false,"restartCount":0,"image":"nginx:1.25","state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}},
 {"kind":"Pod","apiVersion":"v1","metadata":{"name":"report-x","namespace":"default","uid":"report-uid",
   "creationTimestamp":"2026-11-25T10:00:00Z","labels":{"app":"report"}},
  "spec":{"nodeName":"w1","containers":[{"name":"main","image":"alpine:3"}]},
  "status":{"phase":"Succeeded",
   "containerStatuses":[{"name":"main","ready":false,"restartCount":0,"image":"alpine:3","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}}
]}"#;

const PODS_KUBE_SYSTEM: &str = r#"[
 {"metadata":{"name":"coredns-5d78c9869d-abcde","namespace":"kube-system","uid":"coredns-uid","creationTimestamp":"2026-11-01T10:05:00Z","labels":{"k8s-app":"kube-dns"}},
  "spec":{"nodeName":"cp1","containers":[{"name":"coredns","image":"coredns:1.11"}]},
  "status":{"phase":"Running","podIP":"10.244.0.2","conditions":[{"type":"Ready","status":"True"}],
   "containerStatuses":[{"name":"coredns","ready":true,"restartCount":0,"state":{"running":{}}}]}}
]"#;

const EVENTS_DEFAULT: &str = r#"{"kind":"EventList","apiVersion":"v1","items":[
 {"metadata":{"name":"web-1.aaa","namespace":"default"},
  "involvedObject":{"kind":"Pod","namespace":"default","name":"web-1","uid":"0f0f0f0f-1111-2222-3333-444444444444","apiVersion":"v1","fieldPath":"spec.containers{app}"},
  "reason":"OOMKilling","message":"Container app was OOM killed","type":"Warning","source":{"component":"kubelet","host":"w1"},
  "firstTimestamp":"2026-11-27T08:00:00Z","lastTimestamp":"2026-11-27T08:00:00Z","count":1},
 {"metadata":{"name":"web-1.bbb","namespace":"default"},
  "involvedObject":{"kind":"Pod","namespace":"default","name":"web-1","uid":"0f0f0f0f-1111-2222-3333-444444444444","apiVersion":"v1","fieldPath":"spec.containers{app}"},
  "reason":"Pulled","message":"Container image \"nginx:1.25\" already present on machine","type":"Normal","source":{"component":"kubelet","host":"w1"},
  "firstTimestamp":"2026-11-27T07:00:06Z","lastTimestamp":"2026-11-27T08:00:01Z","count":4},
 {"metadata":{"name":"web-2.ccc","namespace":"default"},
  "involvedObject":{"kind":"Pod","namespace":"default","name":"web-2","uid":"web-2-uid","apiVersion":"v1"},
  "reason":"BackOff","message":"Back-off restarting failed container app","type":"Warning","source":{"component":"kubelet","host":"w2"},
  "firstTimestamp":"2026-11-27T09:56:00Z","lastTimestamp":"2026-11-27T09:59:00Z","count":9}
]}"#;

const DEPLOYMENTS: &str = r#"{"kind":"DeploymentList","apiVersion":"apps/v1","items":[
 {"metadata":{"name":"web","namespace":"default","creationTimestamp":"2026-11-27T07:00:00Z"},
  "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.25"}]}}},
  "status":{"replicas":2,"readyReplicas":1,"updatedReplicas":2,"availableReplicas":1}}]}"#;

const STATEFULSETS: &str = r#"{"kind":"StatefulSetList","apiVersion":"apps/v1","items":[
 {"metadata":{"name":"db","namespace":"default","creationTimestamp":"2026-11-20T10:00:00Z"},
  "spec":{"replicas":3,"selector":{"matchLabels":{"app":"db"}},"template":{"spec":{"containers":[{"name":"pg","image":"postgres:16"}]}}},
  "status":{"replicas":3,"readyReplicas":3}}]}"#;

const DAEMONSETS: &str = r#"{"kind":"DaemonSetList","apiVersion":"apps/v1","items":[
 {"metadata":{"name":"kube-proxy","namespace":"kube-system","creationTimestamp":"2026-11-01T10:00:00Z"},
  "spec":{"selector":{"matchLabels":{"k8s-app":"kube-proxy"}},"template":{"spec":{"nodeSelector":{"kubernetes.io/os":"linux"},"containers":[{"name":"kube-proxy","image":"kube-proxy:v1.30.2"}]}}},
  "status":{"desiredNumberScheduled":3,"currentNumberScheduled":3,"numberReady":2,"updatedNumberScheduled":3,"numberAvailable":2}}]}"#;

const CRDS: &str = r#"{"kind":"CustomResourceDefinitionList","apiVersion":"apiextensions.k8s.io/v1","items":[
 {"metadata":{"name":"widgets.example.com","creationTimestamp":"2026-11-02T10:00:00Z"},
  "spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","singular":"widget","kind":"Widget","shortNames":["wdg"]},
   "versions":[{"name":"v1","served":true,"storage":true,
     "additionalPrinterColumns":[{"name":"Size","type":"integer","jsonPath":".spec.size"},{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}]}]}}]}"#;

const WIDGETS: &str = r#"{"apiVersion":"example.com/v1","kind":"WidgetList","items":[
 {"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"blue","namespace":"default","creationTimestamp":"2026-11-27T09:00:00Z"},"spec":{"size":7}}]}"#;
