//! A bundle whose every string field is hostile: pod, node, container and namespace-level
//! names, labels, annotations, event reasons and messages, log lines, command outputs,
//! collector errors and the cluster's name hold script tags, attribute break-outs,
//! `javascript:` URLs, template syntax and `</script>`. Each payload that could run sets
//! `window.__pwned` or the document's title, which the browser test checks.

use std::fs;
use std::path::{Path, PathBuf};

/// A `<script>` element.
pub const SCRIPT: &str = "<script>window.__pwned=1;document.title='pwned'</script>";
/// An attribute break-out into an image whose error handler runs (no `/`: it names a
/// directory of the bundle too).
pub const IMG: &str = "\"><img src=x onerror=\"window.__pwned=2;document.title='pwned'\">";
/// A URL that runs when followed.
pub const JS_URL: &str = "javascript:window.__pwned=3";
/// Handlebars syntax that would expand if rendered as a template.
pub const TEMPLATE: &str = "{{constructor}}{{#each this}}[{{@key}}]{{/each}}{{{lookup this 'x'}}}";
/// Ends a script element and starts another one, then opens a comment.
pub const BREAK_OUT: &str = "</script><script>window.__pwned=4;document.title='pwned'</script><!--";
/// An SVG whose load handler runs, and JavaScript's line separators.
pub const SVG: &str = "<svg onload=window.__pwned=5>\u{2028}\u{2029}";

/// Every payload.
pub const ALL: &[&str] = &[SCRIPT, IMG, JS_URL, TEMPLATE, BREAK_OUT, SVG];

/// The node whose host data is in the bundle (its name is a payload).
pub const NODE: &str = IMG;
/// How many crash-looping pods: more than the page renders per group, so the script
/// renders some finding cards too.
pub const CRASHING_PODS: usize = 26;

fn json(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

fn write(root: &Path, path: &str, text: &str) {
    let file = root.join(path);
    fs::create_dir_all(file.parent().expect("a parent")).expect("mkdir");
    fs::write(&file, text).expect("write");
}

/// A pod named `name` on `node`, crash-looping, with payloads in every string field.
fn pod(name: &str, node: &str, i: usize) -> String {
    let payload = ALL[i % ALL.len()];
    format!(
        r#"{{"metadata":{{"name":{name},"namespace":"xss","creationTimestamp":"2026-11-20T10:00:00Z",
  "labels":{{"app":{p},"k8s-app":{p},"component":{js}}},
  "annotations":{{"note":{p},"kubernetes.io/config.source":{tpl}}},
  "ownerReferences":[{{"kind":"ReplicaSet","name":{p}}}]}},
 "spec":{{"nodeName":{node},"containers":[{{"name":{c},"image":{p}}}]}},
 "status":{{"phase":"Running","reason":"","message":{p},"podIP":{p},
  "conditions":[{{"type":"Ready","status":"False","reason":{p},"message":{p}}}],
  "containerStatuses":[{{"name":{c},"ready":false,"restartCount":{restarts},"image":{p},
   "state":{{"waiting":{{"reason":"CrashLoopBackOff","message":{p}}}}},
   "lastState":{{"terminated":{{"reason":"Error","exitCode":1,"message":{p},
     "startedAt":"2026-11-27T09:50:00Z","finishedAt":"2026-11-27T09:55:00Z"}}}}}}]}}}}"#,
        name = json(name),
        node = json(node),
        p = json(payload),
        js = json(JS_URL),
        tpl = json(TEMPLATE),
        c = json(&format!("c{i}{payload}")),
        restarts = 20 + i,
    )
}

/// Writes the bundle as a directory and returns its path.
pub fn write_bundle(dir: &Path) -> PathBuf {
    let root = dir.join("kbundle-xss");
    let manifest = format!(
        r#"{{"format":"kbundle/v1","tool":{{"name":"kbundle-collect","version":{script}}},
  "created":"2026-11-27T10:00:00Z","interrupted":false,"options":{{}},
  "cluster":{{"reachable":true,"server":{js},"context":{tpl},"version":"v1.29.4","error":null}},
  "collectors":[
    {{"name":"run/multipath-ll","node":{node},"status":"timeout","error":{brk},"files":0,"bytes":0}},
    {{"name":{svg},"node":null,"status":"forbidden","error":{script},"files":0,"bytes":0}},
    {{"name":"cluster-resources/events","node":null,"status":"ok","files":1,"bytes":1}}
  ],"files":[]}}"#,
        script = json(SCRIPT),
        js = json(JS_URL),
        tpl = json(TEMPLATE),
        node = json(NODE),
        brk = json(BREAK_OUT),
        svg = json(SVG),
    );
    write(&root, "manifest.json", &manifest);
    write(
        &root,
        "cluster-info/cluster_version.json",
        r#"{"gitVersion":"v1.29.4"}"#,
    );
    let mut nodes = Vec::new();
    for (i, name) in [NODE, BREAK_OUT, SCRIPT].iter().enumerate() {
        let p = json(ALL[(i + 2) % ALL.len()]);
        nodes.push(format!(
            r#"{{"metadata":{{"name":{name},"creationTimestamp":"2026-11-01T10:00:00Z",
  "labels":{{"node-role.kubernetes.io/{role}":"","app":{p}}},"annotations":{{"x":{p}}}}},
 "spec":{{"unschedulable":true,"taints":[{{"key":{p},"effect":"NoSchedule"}}]}},
 "status":{{"conditions":[
   {{"type":"Ready","status":"False","reason":{p},"message":{p},"lastTransitionTime":"2026-11-27T09:00:00Z"}},
   {{"type":"DiskPressure","status":"True","reason":{p},"message":{p}}}],
  "nodeInfo":{{"kubeletVersion":{p},"osImage":{p},"kernelVersion":{p},"containerRuntimeVersion":{p}}},
  "addresses":[{{"type":"InternalIP","address":{p}}}]}}}}"#,
            name = json(name),
            role = ["x<b>", "y", "z"][i],
        ));
    }
    write(
        &root,
        "cluster-resources/nodes.json",
        &format!(
            r#"{{"kind":"NodeList","apiVersion":"v1","items":[{}]}}"#,
            nodes.join(",")
        ),
    );
    let mut pods = Vec::new();
    for i in 0..CRASHING_PODS {
        let name = format!("{}-{i}", ALL[i % ALL.len()]);
        pods.push(pod(&name, NODE, i));
    }
    // Names that are also properties of every JavaScript object.
    pods.push(pod("__proto__", "__proto__", 0));
    pods.push(pod("constructor", "constructor", 1));
    write(
        &root,
        "cluster-resources/pods/xss.json",
        &format!(
            r#"{{"kind":"PodList","apiVersion":"v1","items":[{}]}}"#,
            pods.join(",")
        ),
    );
    let mut events = Vec::new();
    for (i, payload) in ALL.iter().enumerate() {
        events.push(format!(
            r#"{{"metadata":{{"name":"e{i}","namespace":"xss"}},"type":"Warning","reason":{p},
  "message":{p},"count":{count},"firstTimestamp":"2026-11-27T09:{m:02}:00Z","lastTimestamp":"2026-11-27T09:{m:02}:30Z",
  "involvedObject":{{"kind":"Pod","namespace":"xss","name":{pod}}},"source":{{"component":{p},"host":{node}}}}}"#,
            p = json(payload),
            pod = json(&format!("{payload}-{i}")),
            node = json(NODE),
            count = 3 + i,
            m = 10 + i,
        ));
    }
    write(
        &root,
        "cluster-resources/events/xss.json",
        &format!(
            r#"{{"kind":"EventList","apiVersion":"v1","items":[{}]}}"#,
            events.join(",")
        ),
    );
    let log: String = ALL
        .iter()
        .map(|p| format!("2026-11-27T09:55:00.000000000Z E1127 panic: {p}\n"))
        .collect();
    write(
        &root,
        &format!("cluster-resources/pods/logs/xss/{IMG}-1/c1{IMG}.log"),
        &log,
    );
    let host = format!("host-collectors/{NODE}");
    write(
        &root,
        &format!("{host}/run/df-h.txt"),
        &format!(
            "Filesystem Size Used Avail Use% Mounted on\n/dev/sda1 20G 19G 1G 97% /var/<svg/onload=window.__pwned=6>\n/dev/sdb1 20G 1G 19G 5% /{}\n",
            JS_URL
        ),
    );
    write(
        &root,
        &format!("{host}/run/df-h-info.json"),
        r#"{"argv":["df","-h"],"exit_code":0,"duration_ms":3}"#,
    );
    let kern: String = ALL
        .iter()
        .map(|p| format!("Nov 27 09:40:00 node kernel: Out of memory: Killed process 4121 ({p})\n"))
        .collect();
    write(&root, &format!("{host}/files/var/log/kern.log"), &kern);
    write(
        &root,
        &format!("{host}/run/journalctl-kubelet.txt"),
        &ALL.iter()
            .map(|p| {
                format!(
                    "2026-11-27T09:41:00+0000 node kubelet[1]: E1127 PLEG is not healthy: {p}\n"
                )
            })
            .collect::<String>(),
    );
    root
}
