//! One DaemonSet run from the permission check to the teardown: create the objects, then
//! watch the agent pods (one List every two seconds, whatever the number of nodes) and
//! decide each node: fetch its result when its pod turns Ready (`jobs` fetches at once, on
//! worker threads), end it with its pod's reason when it cannot give one, or with `timeout`
//! at `--node-timeout`.

use super::cleanup::{leftovers, Teardown};
use super::objects::{self, Spec, INSTANCE, NAME};
use super::permissions::{self, Need};
use super::pods::{self, PodState};
use super::{fetch, DaemonSetOptions, RunNames};
use crate::bundle::{Added, Started};
use crate::fanout::cli::FanOut;
use crate::fanout::kubeapi::KubeAccess;
use crate::fanout::nodes::ApiNode;
use crate::fanout::{human, NodeReport, Shared};
use kbundle_format::manifest::{CollectorStatus, Transport};
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// How often the pods are listed.
const POLL: Duration = Duration::from_secs(2);
/// A DaemonSet that cannot create a node's pod (Pod Security, quota) is given this long
/// before the node is ended with the DaemonSet's event.
const CREATE_GRACE: Duration = Duration::from_secs(20);

/// Everything one run needs.
pub(crate) struct Plan<'a> {
    /// The cluster.
    pub access: &'a KubeAccess,
    /// `--daemonset`'s flags.
    pub options: &'a DaemonSetOptions,
    /// The fan-out's flags.
    pub fanout: &'a FanOut,
    /// The run's names.
    pub names: &'a RunNames,
    /// The nodes that must answer.
    pub expected: &'a [ApiNode],
}

/// Where a node is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    /// Not decided; the last thing known of it.
    Open(String),
    /// Its result is being fetched.
    Fetching,
    /// Its row is written.
    Done,
}

impl Plan<'_> {
    /// Runs it; every expected node ends as a row. Returns lines for the summary.
    pub(crate) fn run(&self, shared: &Shared<'_>) -> Vec<String> {
        let mut notes = Vec::new();
        let ns = self.names.namespace.as_str();
        let create_namespace = match &self.options.namespace {
            None => true,
            Some(given) => match self
                .access
                .block_on(self.access.get(&format!("/api/v1/namespaces/{given}")))
            {
                Ok(_) => false,
                Err(e) if e.code() == Some(404) => true,
                Err(e) => {
                    self.end_all(
                        shared,
                        status_of(&e),
                        &format!("reading namespace {given}: {e}"),
                    );
                    return notes;
                }
            },
        };
        let needs = permissions::needs(ns, create_namespace);
        match self
            .access
            .block_on(permissions::denied(self.access, &needs))
        {
            Ok(denied) => {
                let (required, optional): (Vec<&Need>, Vec<&Need>) =
                    denied.iter().partition(|n| n.required);
                if !required.is_empty() {
                    let list: Vec<String> = required.iter().map(|n| n.to_string()).collect();
                    let why = format!(
                        "not allowed to run the agent: missing permission to {}; nothing was created",
                        list.join(", ")
                    );
                    notes.push(format!("--daemonset: {why}"));
                    self.end_all(shared, CollectorStatus::Forbidden, &why);
                    return notes;
                }
                if !optional.is_empty() {
                    let list: Vec<String> = optional.iter().map(|n| n.to_string()).collect();
                    notes.push(format!(
                        "--daemonset: leftovers of earlier runs are not looked for (missing permission to {})",
                        list.join(", ")
                    ));
                }
            }
            Err(e) => notes.push(format!(
                "--daemonset: could not check permissions first ({e}); trying anyway"
            )),
        }
        match leftovers(self.access, true, &self.names.run) {
            Ok(lines) => notes.extend(lines.into_iter().map(|l| format!("earlier run: {l}"))),
            Err(e) if e.error.code() != Some(403) => {
                notes.push(format!("--daemonset: leftovers: {e}"))
            }
            Err(_) => {}
        }
        let mut teardown = Teardown::new(self.access, ns);
        let spec = Spec {
            run: &self.names.run,
            namespace: ns,
            image: &self.options.image,
            pull_secrets: &self.options.pull_secrets,
            priority_class: self.options.priority_class.as_deref(),
            privileged: self.options.privileged,
            nodes: &self.fanout.nodes,
            node_args: &self.fanout.node_args,
            expires: &self.names.expires,
        };
        if create_namespace {
            let body = objects::namespace(&spec);
            if let Err(e) = self.create("/api/v1/namespaces", &body) {
                self.end_all(
                    shared,
                    status_of(&e),
                    &format!("cannot create namespace {ns}: {e}"),
                );
                return notes;
            }
            teardown.namespace_created();
        }
        let body = objects::daemonset(&spec);
        let path = format!("/apis/apps/v1/namespaces/{ns}/daemonsets");
        match self.create(&path, &body) {
            Ok(()) => teardown.daemonset_created(),
            Err(e) => {
                self.end_all(
                    shared,
                    status_of(&e),
                    &format!("cannot create the DaemonSet: {e}"),
                );
                notes.extend(teardown.run().err().map(|left| left.to_string()));
                return notes;
            }
        }
        shared.progress.note(&format!(
            "daemonset {ns}/{}: {} node(s), image {}",
            objects::DAEMONSET,
            self.expected.len(),
            self.options.image
        ));
        self.watch(shared);
        match teardown.run() {
            Ok(done) => notes.push(format!("--daemonset: {done}")),
            Err(left) => {
                shared.bundle.record(Started::now().row(
                    "daemonset-cleanup",
                    None,
                    CollectorStatus::Error,
                    Some(left.to_string()),
                    Added::default(),
                ));
                notes.push(format!("--daemonset: WARNING: {left}"));
            }
        }
        notes
    }

    /// `POST`; an object of the same name that is ours (same run label) counts as created
    /// (a retried request that had succeeded).
    fn create(&self, path: &str, body: &Value) -> Result<(), crate::cluster::client::ApiError> {
        match self
            .access
            .block_on(self.access.write(http::Method::POST, path, Some(body)))
        {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some(409) => {
                let name = body
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let existing = self
                    .access
                    .block_on(self.access.get(&format!("{path}/{name}")))?;
                let label = format!("/metadata/labels/{}", INSTANCE.replace('/', "~1"));
                if existing.pointer(&label).and_then(Value::as_str) == Some(&self.names.run) {
                    Ok(())
                } else {
                    Err(e)
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Ends every expected node with the same reason (nothing ran).
    fn end_all(&self, shared: &Shared<'_>, status: CollectorStatus, why: &str) {
        for n in self.expected {
            shared.node_finished(
                NodeReport {
                    name: shared.bundle_name(&n.name, &[]),
                    target: "(no agent pod)".to_string(),
                    transport: Transport::Daemonset,
                    status,
                    error: Some(why.to_string()),
                    started: Started::now(),
                    added: Added::default(),
                },
                false,
            );
        }
    }

    /// Watches the pods until every node is decided (or Ctrl-C), fetching as they get ready.
    fn watch(&self, shared: &Shared<'_>) {
        let ns = &self.names.namespace;
        let created = Instant::now();
        let deadline = created + self.fanout.node_timeout;
        let selector = format!(
            "labelSelector={}%3D{},{}%3D{}",
            NAME.0, NAME.1, INSTANCE, self.names.run
        );
        let pods_path = format!("/api/v1/namespaces/{ns}/pods?{selector}");
        let events_path = format!("/api/v1/namespaces/{ns}/events");
        let mut state: BTreeMap<String, Node> = self
            .expected
            .iter()
            .map(|n| (n.name.clone(), Node::Open("no agent pod yet".to_string())))
            .collect();
        let mut started_at: BTreeMap<String, Started> = BTreeMap::new();
        let queue = Queue::default();
        let (done_tx, done_rx) = mpsc::channel::<(String, NodeReport)>();
        std::thread::scope(|scope| {
            for _ in 0..self.fanout.jobs.max(1) {
                let done_tx = done_tx.clone();
                let queue = &queue;
                scope.spawn(move || {
                    while let Some((node, pod, started)) = queue.pop() {
                        let report = fetch::fetch(self.access, shared, ns, &pod, &node, started);
                        if done_tx.send((node, report)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(done_tx);
            loop {
                if shared.interrupt.is_set() {
                    break;
                }
                if !state.values().any(|s| matches!(s, Node::Open(_))) {
                    break;
                }
                match self.access.block_on(self.access.list(&pods_path)) {
                    Ok(items) => {
                        let by_node: BTreeMap<String, &Value> = items
                            .iter()
                            .filter(|p| p.pointer("/metadata/deletionTimestamp").is_none())
                            .filter_map(|p| Some((pods::node_of(p)?, p)))
                            .collect();
                        let mut events: Option<Vec<Value>> = None;
                        for (node, st) in state.iter_mut() {
                            let Node::Open(last) = st else { continue };
                            let pod = by_node.get(node);
                            let decided = match pod.map(|p| pods::state(p)) {
                                Some(PodState::Ready) => {
                                    let p = pod.map(|p| pods::name_of(p)).unwrap_or_default();
                                    let s = *started_at.entry(node.clone()).or_insert_with(|| {
                                        shared.node_started(node);
                                        Started::now()
                                    });
                                    queue.push((node.clone(), p, s));
                                    *st = Node::Fetching;
                                    continue;
                                }
                                Some(PodState::Collecting) => {
                                    started_at.entry(node.clone()).or_insert_with(|| {
                                        shared.node_started(node);
                                        Started::now()
                                    });
                                    *last = "collecting".to_string();
                                    None
                                }
                                Some(PodState::Waiting(w)) => {
                                    *last = w;
                                    None
                                }
                                Some(PodState::Failed(why)) => Some((CollectorStatus::Error, why)),
                                None if created.elapsed() > CREATE_GRACE => {
                                    let ev =
                                        events.get_or_insert_with(|| self.events(&events_path));
                                    pods::last_event(ev, objects::DAEMONSET)
                                        .filter(|e| e.starts_with("FailedCreate"))
                                        .map(|e| {
                                            (
                                                CollectorStatus::Error,
                                                format!("no agent pod was created: {e}"),
                                            )
                                        })
                                }
                                None => None,
                            };
                            let decided = decided.or_else(|| {
                                (Instant::now() >= deadline).then(|| {
                                    (
                                        CollectorStatus::Timeout,
                                        format!(
                                            "no result after --node-timeout {}: {last}",
                                            human(self.fanout.node_timeout)
                                        ),
                                    )
                                })
                            });
                            if let Some((status, mut why)) = decided {
                                let pod_name = pod.map(|p| pods::name_of(p));
                                let ev = events.get_or_insert_with(|| self.events(&events_path));
                                let about = pod_name
                                    .clone()
                                    .unwrap_or_else(|| objects::DAEMONSET.to_string());
                                if let Some(e) = pods::last_event(ev, &about) {
                                    if !why.contains(&e) {
                                        why.push_str(&format!(" (last event {e})"));
                                    }
                                }
                                let was_running = started_at.contains_key(node);
                                let started =
                                    started_at.get(node).copied().unwrap_or_else(Started::now);
                                shared.node_finished(
                                    self.report(shared, node, pod_name, status, why, started),
                                    was_running,
                                );
                                *st = Node::Done;
                            }
                        }
                    }
                    Err(e) => {
                        let last_error = e.to_string();
                        if Instant::now() >= deadline {
                            for (node, st) in state.iter_mut() {
                                if matches!(st, Node::Open(_)) {
                                    let was = started_at.contains_key(node);
                                    let started =
                                        started_at.get(node).copied().unwrap_or_else(Started::now);
                                    let why = format!(
                                        "no result after --node-timeout {}: listing the agent pods failed: {last_error}",
                                        human(self.fanout.node_timeout)
                                    );
                                    shared.node_finished(
                                        self.report(
                                            shared,
                                            node,
                                            None,
                                            CollectorStatus::Timeout,
                                            why,
                                            started,
                                        ),
                                        was,
                                    );
                                    *st = Node::Done;
                                }
                            }
                        }
                    }
                }
                // Wait for the next poll, taking finished fetches as they come.
                let until = Instant::now() + POLL;
                while let Some(left) = until.checked_duration_since(Instant::now()) {
                    if shared.interrupt.is_set() {
                        break;
                    }
                    match done_rx.recv_timeout(left.min(Duration::from_millis(200))) {
                        Ok((node, report)) => {
                            shared.node_finished(report, true);
                            state.insert(node, Node::Done);
                        }
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    }
                }
            }
            queue.close();
            // Fetches in flight end by themselves (their deadline, or the interrupt).
            for (node, report) in done_rx.iter() {
                shared.node_finished(report, true);
                state.insert(node, Node::Done);
            }
        });
        let why = if shared.interrupt.is_set() {
            "interrupted before its result was fetched".to_string()
        } else {
            "not decided".to_string()
        };
        for (node, st) in state {
            if st != Node::Done {
                let was = started_at.contains_key(&node);
                let started = started_at.get(&node).copied().unwrap_or_else(Started::now);
                shared.node_finished(
                    self.report(
                        shared,
                        &node,
                        None,
                        CollectorStatus::Error,
                        why.clone(),
                        started,
                    ),
                    was,
                );
            }
        }
    }

    fn events(&self, path: &str) -> Vec<Value> {
        self.access
            .block_on(self.access.list(path))
            .unwrap_or_default()
    }

    fn report(
        &self,
        shared: &Shared<'_>,
        node: &str,
        pod: Option<String>,
        status: CollectorStatus,
        why: String,
        started: Started,
    ) -> NodeReport {
        let target = match pod {
            Some(p) => format!("pod {}/{p}", self.names.namespace),
            None => "(no agent pod)".to_string(),
        };
        NodeReport {
            name: shared.bundle_name(node, &[]),
            target,
            transport: Transport::Daemonset,
            status,
            error: Some(why),
            started,
            added: Added::default(),
        }
    }
}

fn status_of(e: &crate::cluster::client::ApiError) -> CollectorStatus {
    if e.is_forbidden() {
        CollectorStatus::Forbidden
    } else {
        CollectorStatus::Error
    }
}

/// One agent pod whose result is ready: (node, pod, when its work started).
type ReadyPod = (String, String, Started);

/// Fetch work for the worker threads: pushed by the watcher, closed at the end (the flag).
#[derive(Default)]
struct Queue {
    items: Mutex<(VecDeque<ReadyPod>, bool)>,
    ready: Condvar,
}

impl Queue {
    fn push(&self, item: ReadyPod) {
        let mut q = self.items.lock().unwrap_or_else(|e| e.into_inner());
        q.0.push_back(item);
        self.ready.notify_one();
    }

    fn close(&self) {
        let mut q = self.items.lock().unwrap_or_else(|e| e.into_inner());
        q.1 = true;
        self.ready.notify_all();
    }

    /// The next item; `None` once closed and empty.
    fn pop(&self) -> Option<ReadyPod> {
        let mut q = self.items.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(item) = q.0.pop_front() {
                return Some(item);
            }
            if q.1 {
                return None;
            }
            q = self.ready.wait(q).unwrap_or_else(|e| e.into_inner());
        }
    }
}
