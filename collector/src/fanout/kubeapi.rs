//! The fan-out's use of the Kubernetes API: reads through the cluster part's rate-limited,
//! retried [`Api`] (GET only), and the few writes `--daemonset` needs (access reviews, its
//! own namespace and DaemonSet, their deletion) through a separate path that no other part
//! of the collector uses, so the cluster part stays GET-only by construction.
//!
//! Writes are not abandoned on Ctrl-C: deleting what the run created is exactly what must
//! still happen then. Each has its own deadline instead.

use super::nodes::ApiNode;
use crate::cluster::client::{self, chain, Api, ApiError, ApiSettings, Retry, Target};
use crate::interrupt::Interrupt;
use http_body_util::BodyExt;
use serde_json::Value;
use std::future::Future;
use std::time::Duration;

/// Objects per page when listing, as kubectl.
const PAGE: usize = 500;
/// Attempts of a write after the first, for throttling and server errors.
const WRITE_RETRIES: u32 = 2;

/// A connection to the cluster for the fan-out.
pub(crate) struct KubeAccess {
    runtime: tokio::runtime::Runtime,
    reader: Api,
    client: kube::Client,
    timeout: Duration,
    connect_timeout: Duration,
    /// The server URL, for messages.
    pub server: String,
}

/// Why the fan-out cannot talk to the API at all.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum AccessError {
    /// The async runtime of the client did not start (out of threads or memory).
    #[error("cannot start the API client runtime: {0}")]
    Runtime(String),
    /// No cluster to talk to, or no client for it.
    #[error(transparent)]
    Client(#[from] client::ClientError),
}

impl KubeAccess {
    /// Finds the cluster like the cluster part does (kubeconfig, context, service account);
    /// no request is made yet.
    pub(crate) fn connect(
        settings: &ApiSettings,
        interrupt: &Interrupt,
    ) -> Result<Self, AccessError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kbundle-fanout")
            .enable_all()
            .build()
            .map_err(|e| AccessError::Runtime(e.to_string()))?;
        let target: Target = runtime.block_on(client::resolve(settings))?;
        let entered = runtime.enter();
        let reader = Api::new(&target, settings, interrupt.clone())?;
        let client = kube::Client::try_from(target.config.clone())
            .map_err(|e| client::ClientError::Client(chain(&e)))?;
        drop(entered);
        Ok(KubeAccess {
            runtime,
            reader,
            client,
            timeout: settings.request_timeout,
            connect_timeout: settings.connect_timeout,
            server: target.server,
        })
    }

    /// `GET /version` within the connect timeout: whether anyone answers at all, before
    /// slower requests with retries.
    pub(crate) fn probe(&self) -> Result<(), ApiError> {
        self.block_on(
            self.reader
                .get_within("/version", Retry::Connect, self.connect_timeout),
        )
        .map(|_| ())
    }

    /// Runs a future on the fan-out's runtime.
    pub(crate) fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    /// The runtime, for tasks that outlive one call (exec streams).
    pub(crate) fn handle(&self) -> tokio::runtime::Handle {
        self.runtime.handle().clone()
    }

    /// The kube client, for pods/exec.
    pub(crate) fn client(&self) -> kube::Client {
        self.client.clone()
    }

    /// `GET path` as JSON, rate-limited and retried like the cluster part's reads.
    pub(crate) async fn get(&self, path: &str) -> Result<Value, ApiError> {
        let body = self.reader.get(path, Retry::Full).await?;
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::Transport(format!("{path}: not JSON: {e}")))
    }

    /// Every item of a List at `path` (which may carry a query), page by page.
    pub(crate) async fn list(&self, path: &str) -> Result<Vec<Value>, ApiError> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        let sep = if path.contains('?') { '&' } else { '?' };
        for _ in 0..100_000 {
            let mut url = format!("{path}{sep}limit={PAGE}");
            if let Some(t) = &token {
                url.push_str("&continue=");
                url.push_str(&form_urlencoded::byte_serialize(t.as_bytes()).collect::<String>());
            }
            let page = self.get(&url).await?;
            if let Some(list) = page.get("items").and_then(Value::as_array) {
                items.extend(list.iter().cloned());
            }
            token = page
                .pointer("/metadata/continue")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                return Ok(items);
            }
        }
        Err(ApiError::Transport(format!("{path}: the list never ends")))
    }

    /// Every node the API lists.
    pub(crate) fn list_nodes(&self) -> Result<Vec<ApiNode>, ApiError> {
        let items = self.block_on(self.list("/api/v1/nodes"))?;
        Ok(items.iter().filter_map(ApiNode::from_item).collect())
    }

    /// A write (`POST` with a JSON body, or `DELETE`), retried on throttling and server
    /// errors, never abandoned on Ctrl-C. Returns the answer's JSON.
    pub(crate) async fn write(
        &self,
        method: http::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ApiError> {
        let mut attempt = 0;
        loop {
            let result = self.write_once(method.clone(), path, body).await;
            match &result {
                Err(ApiError::Status { code, .. })
                    if attempt < WRITE_RETRIES && matches!(code, 429 | 500 | 502 | 503 | 504) =>
                {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                }
                _ => return result,
            }
        }
    }

    async fn write_once(
        &self,
        method: http::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ApiError> {
        let bytes = match body {
            Some(v) => serde_json::to_vec(v).map_err(|e| ApiError::Transport(e.to_string()))?,
            None => Vec::new(),
        };
        let request = http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(
                http::header::USER_AGENT,
                concat!("kbundle-collect/", env!("CARGO_PKG_VERSION")),
            )
            .body(kube::client::Body::from(bytes))
            .map_err(|e| ApiError::Transport(format!("bad request {path}: {e}")))?;
        let work = async {
            let response = self
                .client
                .send(request)
                .await
                .map_err(|e| ApiError::Transport(chain(&e)))?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| ApiError::Transport(format!("reading the answer: {}", chain(&e))))?
                .to_bytes();
            if !status.is_success() {
                let message = serde_json::from_slice::<Value>(&body)
                    .ok()
                    .and_then(|v| v.get("message")?.as_str().map(str::to_string))
                    .unwrap_or_else(|| {
                        String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned()
                    });
                return Err(ApiError::Status {
                    code: status.as_u16(),
                    message,
                    retry_after: None,
                });
            }
            Ok(serde_json::from_slice(&body).unwrap_or(Value::Null))
        };
        tokio::time::timeout(self.timeout, work)
            .await
            .unwrap_or(Err(ApiError::Timeout(self.timeout)))
    }
}
