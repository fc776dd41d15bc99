//! Bringing one node's result back: `kbundle-collect --agent-fetch` run in the agent pod
//! through `pods/exec` (kube's WebSocket client), its stdout streamed into the merge.
//!
//! Why exec and not the pod's log or a port behind the API server's pod proxy: a log is
//! rotated by the kubelet at 10 MiB and is text; the pod proxy needs the control plane to
//! reach pod IPs (often firewalled on managed clusters) and would expose the result on the
//! pod network to anyone who can reach it. Exec goes API server → kubelet like `kubectl
//! exec`, which every cluster that can be debugged at all allows, carries bytes as they are,
//! and is bounded only by our deadline.

use super::objects::{BINARY, CONTAINER, RESULT_DIR};
use crate::bundle::{Added, Started};
use crate::fanout::kubeapi::KubeAccess;
use crate::fanout::merge::{self, Naming};
use crate::fanout::stream::{self, Sender, Stopped, CHUNK};
use crate::fanout::{human, NodeReport, Shared};
use k8s_openapi::api::core::v1::Pod;
use kbundle_format::manifest::{CollectorStatus, Transport};
use kube::api::AttachParams;
use std::io;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

/// Names a DaemonSet node: the agent names itself after `spec.nodeName` (the
/// `KBUNDLE_NODE_NAME` of its pod), the API's own name of the node.
struct AgentNaming<'s, 'b> {
    shared: &'s Shared<'b>,
    node: &'s str,
    pod: &'s str,
}

impl Naming for AgentNaming<'_, '_> {
    fn name(&mut self, remote: &str) -> Result<String, super::super::AlreadyCollected> {
        self.shared
            .claim(remote, &[self.node.to_string()], self.pod)
    }
}

/// What the exec itself reported.
#[derive(Debug, Default)]
struct ExecEnd {
    /// The exec could not start (no byte came), with why.
    failed: Option<String>,
    /// The command's stderr (bounded).
    stderr: String,
    /// The status channel's message when the command failed.
    status: Option<String>,
}

/// Fetches and merges the result of `node` from `pod`; gives up at `deadline`.
pub(super) fn fetch(
    access: &KubeAccess,
    shared: &Shared<'_>,
    namespace: &str,
    pod: &str,
    node: &str,
    started: Started,
) -> NodeReport {
    let report = |status, error: Option<String>, added: Added, name: Option<String>| NodeReport {
        name: name.unwrap_or_else(|| shared.bundle_name(node, &[])),
        target: format!("pod {namespace}/{pod}"),
        transport: Transport::Daemonset,
        status,
        error,
        started,
        added,
    };
    let deadline = Instant::now() + shared.node_timeout;
    let mut last_failure = String::new();
    for attempt in 0..2 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_secs(1));
        }
        let (tx, mut reader) = stream::channel(deadline, shared.interrupt.clone());
        let task = access.handle().spawn(exec(
            access.client(),
            namespace.to_string(),
            pod.to_string(),
            tx,
        ));
        let mut naming = AgentNaming { shared, node, pod };
        let merged = merge::merge(shared.bundle, &mut reader, &mut naming, shared.limits);
        let stopped = reader.stopped();
        let received = reader.received();
        drop(reader);
        // The exec ends soon after its stdout does; what it says then (its stderr, the
        // Status) is the reason worth reporting, so it is waited for, briefly, before the
        // task is given up.
        let mut task = task;
        let end = access.block_on(async {
            let grace = Duration::from_secs(if merged.complete { 5 } else { 2 });
            match tokio::time::timeout(grace, &mut task).await {
                Ok(Ok(end)) => end,
                _ => {
                    task.abort();
                    ExecEnd::default()
                }
            }
        });
        if merged.complete {
            if merged.remote_interrupted {
                return report(
                    CollectorStatus::Error,
                    Some("the agent's run was interrupted: its data is partial".into()),
                    merged.added,
                    merged.name,
                );
            }
            return report(CollectorStatus::Ok, None, merged.added, merged.name);
        }
        match stopped {
            Some(Stopped::Deadline) => {
                return report(
                    CollectorStatus::Timeout,
                    Some(format!(
                        "the result did not arrive within --node-timeout {} ({received} bytes received)",
                        human(shared.node_timeout)
                    )),
                    merged.added,
                    merged.name,
                )
            }
            Some(Stopped::Interrupted) => {
                return report(
                    CollectorStatus::Error,
                    Some("interrupted while fetching the result".into()),
                    merged.added,
                    merged.name,
                )
            }
            None => {}
        }
        if merged.remote_name.is_some() && merged.name.is_none() {
            return report(CollectorStatus::Skipped, merged.error, merged.added, None);
        }
        let said = [
            end.failed.clone(),
            end.status.clone(),
            Some(end.stderr.trim().to_string()),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
        last_failure = match (&merged.error, said.is_empty()) {
            // Nothing came: the archive error only repeats that; the exec's words say why.
            (Some(_), false) if received == 0 => said,
            (Some(e), false) => format!("{e} ({said})"),
            (Some(e), true) => e.clone(),
            (None, false) => said,
            (None, true) => "the agent sent no result".to_string(),
        };
        // Only an exec that never started is worth a second try; a broken stream is not.
        if end.failed.is_none() || received > 0 || shared.interrupt.is_set() {
            return report(
                CollectorStatus::Error,
                Some(format!("fetching the result: {last_failure}")),
                merged.added,
                merged.name,
            );
        }
    }
    report(
        CollectorStatus::Error,
        Some(format!("fetching the result: {last_failure}")),
        Added::default(),
        None,
    )
}

/// The exec: starts `--agent-fetch` in the pod and pumps its stdout into `tx`.
async fn exec(client: kube::Client, namespace: String, pod: String, tx: Sender) -> ExecEnd {
    let pods: kube::Api<Pod> = kube::Api::namespaced(client, &namespace);
    let params = AttachParams::default()
        .container(CONTAINER)
        .stdin(false)
        .stdout(true)
        .stderr(true)
        .max_stdout_buf_size(CHUNK)
        .max_stderr_buf_size(8 * 1024);
    let mut process = match pods
        .exec(&pod, [BINARY, "--agent-fetch", RESULT_DIR], &params)
        .await
    {
        Ok(p) => p,
        Err(e) => {
            let why = format!("pods/exec: {}", crate::cluster::client::chain(&e));
            tx.fail(io::Error::other(why.clone()));
            return ExecEnd {
                failed: Some(why),
                ..ExecEnd::default()
            };
        }
    };
    let status = process.take_status();
    let stderr = process.stderr().map(|mut err| {
        tokio::spawn(async move {
            let mut kept = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                if kept.len() < 4096 {
                    kept.extend_from_slice(&buf[..n.min(4096 - kept.len())]);
                }
            }
            String::from_utf8_lossy(&kept).into_owned()
        })
    });
    let mut end = ExecEnd::default();
    if let Some(mut out) = process.stdout() {
        'pump: loop {
            let mut buf = vec![0u8; CHUNK];
            let n = match out.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    tx.fail(e);
                    break;
                }
            };
            buf.truncate(n);
            let mut chunk = buf;
            loop {
                match tx.try_send(chunk) {
                    Ok(true) => break,
                    Ok(false) => break 'pump,
                    Err(back) => {
                        chunk = back;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
            }
        }
    }
    drop(tx);
    if let Some(s) = status {
        if let Some(s) = s.await {
            if s.status.as_deref() != Some("Success") {
                end.status = s.message.filter(|m| !m.is_empty());
            }
        }
    }
    if let Some(h) = stderr {
        end.stderr = tokio::time::timeout(Duration::from_secs(2), h)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
    }
    end
}
