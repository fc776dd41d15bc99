//! A scripted Kubernetes API double for the `--daemonset` tests.
//!
//! No API server can run here, so this plays the part of one for what `--daemonset` writes
//! and what the cluster does in answer: SelfSubjectAccessReviews (allowed unless the script
//! denies), the agent Namespace and DaemonSet (recorded, and deleted by the teardown), the
//! DaemonSet controller and the kubelets (one agent pod per node, in the state the script
//! gives), and `pods/exec` over WebSocket with the `v4.channel.k8s.io` framing the real API
//! server uses (channel 1 stdout, 2 stderr, 3 the final Status). Every other request (the
//! cluster part's discovery and lists, the node list) goes on to a `kbundle serve` of a
//! fixture, so the collector talks to one server as it would to a cluster.
//!
//! Every request is recorded; the tests read the record to check what was created, what was
//! deleted, and that nothing else was written.
#![allow(dead_code, unreachable_pub)]

use futures::SinkExt;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// What the agent pod of one node does.
#[derive(Debug, Clone)]
pub enum Agent {
    /// Ready at once; the exec streams these bytes (the node's bundle) and succeeds.
    Ready(Vec<u8>),
    /// Never ready: its container waits with this reason (`ImagePullBackOff`, or
    /// `ContainerCreating` for one that is merely slow).
    Waiting(&'static str),
    /// Ready, but the exec fails: this on stderr, a Failure status, nothing on stdout.
    ExecFails(&'static str),
    /// Ready; the exec sends this many bytes of the bundle, then the connection drops.
    ExecCut(Vec<u8>, usize),
    /// Pending (`ContainerCreating`) for this long after the DaemonSet was created, then
    /// collecting (running, not ready) as long again, then as the inner agent.
    Later(std::time::Duration, Box<Agent>),
    /// The scheduler cannot place it.
    Unschedulable,
    /// Its container ran and exited with this code, and the kubelet backs off restarting it.
    Crashed(i32),
}

/// What the double will answer.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// The agent of each node; a node not named gets no pod.
    pub agents: BTreeMap<String, Agent>,
    /// Access reviews denied, as `verb resource` (`create daemonsets`, `create pods/exec`).
    pub denied: Vec<String>,
    /// When not empty, the double answers the node list itself with these nodes (a cluster
    /// bigger than the fixture behind it).
    pub nodes: Vec<String>,
}

/// What the double saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Every request, `METHOD path?query`, in order.
    pub requests: Vec<String>,
    /// Bodies of the objects created, in order.
    pub created: Vec<Value>,
    /// Paths deleted, in order.
    pub deleted: Vec<String>,
    /// Requests that are neither a read nor one of the writes `--daemonset` may make.
    pub unexpected_writes: Vec<String>,
    /// The `command` arguments of each exec, by pod.
    pub execs: Vec<(String, Vec<String>)>,
}

impl Seen {
    /// The created object of `kind`.
    pub fn created(&self, kind: &str) -> Option<&Value> {
        self.created.iter().find(|o| o["kind"] == kind)
    }
}

struct State {
    script: Script,
    seen: Seen,
    /// The agent namespace, once created (or first named by a pod list).
    namespace: Option<String>,
    /// Whether the DaemonSet exists (its pods are listed only then).
    daemonset: Option<Value>,
    /// When the DaemonSet was created.
    created_at: Option<std::time::Instant>,
}

/// The double, serving on 127.0.0.1 until dropped.
pub struct ApiDouble {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    state: Arc<Mutex<State>>,
    _runtime: tokio::runtime::Runtime,
}

impl ApiDouble {
    /// Starts the double in front of `upstream` (a `kbundle serve`).
    pub fn start(upstream: SocketAddr, script: Script) -> ApiDouble {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let state = Arc::new(Mutex::new(State {
            script,
            seen: Seen::default(),
            namespace: None,
            daemonset: None,
            created_at: None,
        }));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::clone(&state);
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let state = Arc::clone(&state);
                        async move {
                            Ok::<_, std::convert::Infallible>(handle(req, state, upstream).await)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades()
                        .await;
                });
            }
        });
        ApiDouble {
            url,
            state,
            _runtime: runtime,
        }
    }

    /// Runs `f` on what was seen so far.
    pub fn seen<T>(&self, f: impl FnOnce(&Seen) -> T) -> T {
        f(&self.state.lock().unwrap().seen)
    }
}

type Answer = Response<Full<Bytes>>;

fn answer(status: StatusCode, body: &Value) -> Answer {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

fn list(kind: &str, items: Vec<Value>) -> Value {
    json!({"kind": kind, "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": items})
}

fn status(code: u16, reason: &str, message: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": if code < 300 {"Success"} else {"Failure"},
           "code": code, "reason": reason, "message": message})
}

async fn handle(req: Request<Incoming>, state: Arc<Mutex<State>>, upstream: SocketAddr) -> Answer {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let line = if query.is_empty() {
        format!("{method} {path}")
    } else {
        format!("{method} {path}?{query}")
    };
    state.lock().unwrap().seen.requests.push(line.clone());
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let agent_ns = state.lock().unwrap().namespace.clone();
    let ours = |ns: &str| agent_ns.as_deref() == Some(ns) || ns.starts_with("kbundle-");
    match (&method, parts.as_slice()) {
        (&Method::POST, ["apis", "authorization.k8s.io", "v1", "selfsubjectaccessreviews"]) => {
            let mut review = body_json(req).await;
            let attrs = &review["spec"]["resourceAttributes"];
            let resource = match attrs["subresource"].as_str() {
                Some(sub) if !sub.is_empty() => {
                    format!("{}/{sub}", attrs["resource"].as_str().unwrap_or(""))
                }
                _ => attrs["resource"].as_str().unwrap_or("").to_string(),
            };
            let asked = format!("{} {resource}", attrs["verb"].as_str().unwrap_or(""));
            let allowed = !state.lock().unwrap().script.denied.contains(&asked);
            review["status"] = json!({"allowed": allowed});
            answer(StatusCode::CREATED, &review)
        }
        (&Method::POST, ["api", "v1", "namespaces"]) => {
            let ns = body_json(req).await;
            let mut s = state.lock().unwrap();
            s.namespace = ns["metadata"]["name"].as_str().map(str::to_string);
            s.seen.created.push(ns.clone());
            answer(StatusCode::CREATED, &ns)
        }
        (&Method::POST, ["apis", "apps", "v1", "namespaces", ns, "daemonsets"]) if ours(ns) => {
            let ds = body_json(req).await;
            let mut s = state.lock().unwrap();
            s.namespace.get_or_insert_with(|| ns.to_string());
            s.daemonset = Some(ds.clone());
            s.created_at = Some(std::time::Instant::now());
            s.seen.created.push(ds.clone());
            answer(StatusCode::CREATED, &ds)
        }
        (&Method::GET, ["api", "v1", "namespaces", ns]) if ours(ns) => {
            if agent_ns.as_deref() == Some(*ns) {
                answer(
                    StatusCode::OK,
                    &json!({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": ns}}),
                )
            } else {
                answer(
                    StatusCode::NOT_FOUND,
                    &status(404, "NotFound", &format!("namespaces \"{ns}\" not found")),
                )
            }
        }
        (&Method::GET, ["api", "v1", "namespaces", ns, "pods"]) if ours(ns) => {
            let s = state.lock().unwrap();
            let age = s.created_at.map(|t| t.elapsed()).unwrap_or_default();
            let pods = match &s.daemonset {
                Some(_) => s
                    .script
                    .agents
                    .iter()
                    .map(|(node, a)| agent_pod(ns, node, now(a, age)))
                    .collect(),
                None => Vec::new(),
            };
            answer(StatusCode::OK, &list("PodList", pods))
        }
        (&Method::GET, ["api", "v1", "nodes"])
            if !state.lock().unwrap().script.nodes.is_empty() =>
        {
            let s = state.lock().unwrap();
            let nodes = s.script.nodes.iter().map(|n| node(n)).collect();
            answer(StatusCode::OK, &list("NodeList", nodes))
        }
        (&Method::GET, ["api", "v1", "namespaces", ns, "events"]) if ours(ns) => {
            answer(StatusCode::OK, &list("EventList", Vec::new()))
        }
        (&Method::GET, ["api", "v1", "namespaces", ns, "pods", pod, "exec"]) if ours(ns) => {
            let command: Vec<String> = url_pairs(&query)
                .into_iter()
                .filter(|(k, _)| k == "command")
                .map(|(_, v)| v)
                .collect();
            let node = pod.trim_start_matches("kbundle-agent-").to_string();
            let agent = {
                let mut s = state.lock().unwrap();
                s.seen.execs.push((pod.to_string(), command));
                let age = s.created_at.map(|t| t.elapsed()).unwrap_or_default();
                s.script.agents.get(&node).map(|a| now(a, age).clone())
            };
            exec(req, agent)
        }
        // The leftover sweep looks for the collector's own labels, cluster-wide.
        (&Method::GET, ["api", "v1", "namespaces"] | ["apis", "apps", "v1", "daemonsets"])
            if query.contains("kbundle") =>
        {
            answer(StatusCode::OK, &list("List", Vec::new()))
        }
        (&Method::DELETE, ["apis", "apps", "v1", "namespaces", ns, "daemonsets", _])
            if ours(ns) =>
        {
            let mut s = state.lock().unwrap();
            s.daemonset = None;
            s.seen.deleted.push(path.clone());
            answer(StatusCode::OK, &status(200, "", ""))
        }
        (&Method::DELETE, ["api", "v1", "namespaces", ns]) if ours(ns) => {
            state.lock().unwrap().seen.deleted.push(path.clone());
            answer(StatusCode::OK, &status(200, "", ""))
        }
        (&Method::GET, _) => forward(req, upstream).await,
        _ => {
            state.lock().unwrap().seen.unexpected_writes.push(line);
            answer(
                StatusCode::METHOD_NOT_ALLOWED,
                &status(405, "MethodNotAllowed", "the double refuses this write"),
            )
        }
    }
}

/// What an [`Agent::Later`] is `age` after the DaemonSet's creation.
fn now(agent: &Agent, age: std::time::Duration) -> &Agent {
    const PENDING: Agent = Agent::Waiting("ContainerCreating");
    const COLLECTING: Agent = Agent::Waiting("");
    match agent {
        Agent::Later(after, _) if age < *after => &PENDING,
        Agent::Later(after, _) if age < *after * 2 => &COLLECTING,
        Agent::Later(_, then) => now(then, age),
        other => other,
    }
}

/// A Ready Linux node named `name`.
fn node(name: &str) -> Value {
    json!({"metadata": {"name": name, "labels": {"kubernetes.io/os": "linux", "kubernetes.io/hostname": name}},
           "status": {"conditions": [{"type": "Ready", "status": "True"}],
                      "addresses": [{"type": "Hostname", "address": name}]}})
}

/// The pod the DaemonSet controller and the node's kubelet would show for `agent`.
fn agent_pod(ns: &str, node: &str, agent: &Agent) -> Value {
    let meta = json!({"name": format!("kbundle-agent-{node}"), "namespace": ns,
                      "labels": {"app.kubernetes.io/name": "kbundle-agent"}});
    let running = json!({"running": {"startedAt": "2026-12-04T00:00:00Z"}});
    let (phase, conditions, container) = match agent {
        Agent::Unschedulable => (
            "Pending",
            json!([{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                    "message": "0/4 nodes are available: 1 Insufficient memory. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod."}]),
            Value::Null,
        ),
        // Collecting: running, the readiness probe not yet satisfied.
        Agent::Waiting("") => (
            "Running",
            json!([{"type": "Ready", "status": "False"}]),
            json!({"name": "agent", "ready": false, "restartCount": 0, "state": running}),
        ),
        Agent::Waiting(reason) => (
            "Pending",
            json!([{"type": "Ready", "status": "False"}]),
            json!({"name": "agent", "ready": false, "restartCount": 0,
                   "state": {"waiting": {"reason": reason, "message": format!("{reason} (scripted)")}}}),
        ),
        Agent::Crashed(code) => (
            "Running",
            json!([{"type": "Ready", "status": "False"}]),
            json!({"name": "agent", "ready": false, "restartCount": 3,
                   "state": {"waiting": {"reason": "CrashLoopBackOff",
                                         "message": "back-off 40s restarting failed container=agent"}},
                   "lastState": {"terminated": {"exitCode": code, "reason": "Error"}}}),
        ),
        _ => (
            "Running",
            json!([{"type": "Ready", "status": "True"}]),
            json!({"name": "agent", "ready": true, "restartCount": 0, "state": running}),
        ),
    };
    let mut status = json!({"phase": phase, "conditions": conditions});
    let spec = if container.is_null() {
        // Not scheduled: the DaemonSet controller pins it by affinity, no nodeName yet.
        json!({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]}}}})
    } else {
        status["containerStatuses"] = json!([container]);
        json!({"nodeName": node})
    };
    json!({"metadata": meta, "spec": spec, "status": status})
}

/// Answers a `pods/exec` upgrade and plays the agent's side of it.
fn exec(req: Request<Incoming>, agent: Option<Agent>) -> Answer {
    let key = req
        .headers()
        .get("sec-websocket-key")
        .map(|k| k.as_bytes().to_vec());
    let offered = req
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let (Some(key), true) = (key, offered.contains("v4.channel.k8s.io")) else {
        return answer(
            StatusCode::BAD_REQUEST,
            &status(
                400,
                "BadRequest",
                "exec needs a WebSocket upgrade offering v4.channel.k8s.io",
            ),
        );
    };
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            return;
        };
        let mut ws =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        let frame = |channel: u8, bytes: &[u8]| {
            let mut v = Vec::with_capacity(bytes.len() + 1);
            v.push(channel);
            v.extend_from_slice(bytes);
            Message::Binary(v.into())
        };
        let success = json!({"metadata": {}, "status": "Success"}).to_string();
        match agent {
            Some(Agent::Ready(bytes)) => {
                for chunk in bytes.chunks(32 * 1024) {
                    if ws.send(frame(1, chunk)).await.is_err() {
                        return;
                    }
                }
                let _ = ws.send(frame(3, success.as_bytes())).await;
                let _ = ws.close(None).await;
            }
            Some(Agent::ExecCut(bytes, keep)) => {
                for chunk in bytes[..keep.min(bytes.len())].chunks(32 * 1024) {
                    let _ = ws.send(frame(1, chunk)).await;
                }
                // Dropped without a Status or a close frame: a broken connection.
            }
            Some(Agent::ExecFails(why)) => {
                let _ = ws.send(frame(2, why.as_bytes())).await;
                let failure = json!({"metadata": {}, "status": "Failure", "reason": "NonZeroExitCode",
                    "message": "command terminated with non-zero exit code: error executing command [/usr/local/bin/kbundle-collect --agent-fetch /kbundle/out], exit code 3",
                    "details": {"causes": [{"reason": "ExitCode", "message": "3"}]}});
                let _ = ws.send(frame(3, failure.to_string().as_bytes())).await;
                let _ = ws.close(None).await;
            }
            _ => {
                let failure = json!({"metadata": {}, "status": "Failure", "reason": "BadRequest",
                    "message": "container agent is not running"});
                let _ = ws.send(frame(3, failure.to_string().as_bytes())).await;
                let _ = ws.close(None).await;
            }
        }
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-accept", derive_accept_key(&key))
        .header("sec-websocket-protocol", "v4.channel.k8s.io")
        .body(Full::new(Bytes::new()))
        .unwrap()
}

async fn body_json(req: Request<Incoming>) -> Value {
    let bytes = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

/// Relays a read to the `kbundle serve` behind the double.
async fn forward(req: Request<Incoming>, upstream: SocketAddr) -> Answer {
    let failed = |e: String| answer(StatusCode::BAD_GATEWAY, &status(502, "BadGateway", &e));
    let stream = match tokio::net::TcpStream::connect(upstream).await {
        Ok(s) => s,
        Err(e) => return failed(e.to_string()),
    };
    let (mut sender, conn) = match hyper::client::conn::http1::handshake(TokioIo::new(stream)).await
    {
        Ok(pair) => pair,
        Err(e) => return failed(e.to_string()),
    };
    tokio::spawn(conn);
    let (parts, _) = req.into_parts();
    let mut out = Request::builder().method(parts.method).uri(
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/"),
    );
    for (k, v) in &parts.headers {
        out = out.header(k, v);
    }
    let out = out.body(Full::new(Bytes::new())).unwrap();
    match sender.send_request(out).await {
        Ok(resp) => {
            let (parts, body) = resp.into_parts();
            let bytes = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let mut back = Response::builder().status(parts.status);
            for (k, v) in &parts.headers {
                if k != "transfer-encoding" && k != "content-length" {
                    back = back.header(k, v);
                }
            }
            back.body(Full::new(bytes)).unwrap()
        }
        Err(e) => failed(e.to_string()),
    }
}

/// `k=v&k=v` decoded (the exec's `command` arguments are percent-encoded).
fn url_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}
