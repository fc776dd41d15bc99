//! The connection to the API server: where it is (kubectl's order: `--kubeconfig`,
//! `KUBECONFIG`, `~/.kube/config`, then the pod's service account), and every request the
//! collector makes through [`Api`]: `GET` only, rate-limited, each with a deadline, retried
//! with backoff only when retrying can help (429, 5xx, a dropped connection), never on 4xx.

use super::ratelimit::RateLimiter;
use crate::interrupt::Interrupt;
use bytes::Bytes;
use http_body_util::BodyExt;
use kube::config::{KubeConfigOptions, Kubeconfig};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How the collector talks to the API server.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// `--kubeconfig`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`.
    pub context: Option<String>,
    /// Requests per second, sustained.
    pub qps: f64,
    /// Requests allowed at once above the sustained rate.
    pub burst: u32,
    /// Deadline of one request, its body included.
    pub request_timeout: Duration,
    /// Deadline of a TCP (and TLS) connect, and of the first `GET /version`.
    pub connect_timeout: Duration,
}

/// The cluster the kubeconfig (or the pod) points at, not yet contacted.
pub(crate) struct Target {
    /// kube's client configuration.
    pub config: kube::Config,
    /// The server URL.
    pub server: String,
    /// The kubeconfig context used (`None` in a pod).
    pub context: Option<String>,
    /// The kubeconfig's name for the cluster, for the bundle's name.
    pub cluster: Option<String>,
}

/// Why the cluster could not be found or reached at all: one line for the manifest's
/// `cluster API` row.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum ClientError {
    /// A file of `KUBECONFIG` does not read.
    #[error("KUBECONFIG: {0}")]
    KubeconfigEnv(String),
    /// The kubeconfig file does not read.
    #[error("{path}: {why}")]
    Kubeconfig {
        /// The file.
        path: String,
        /// kube's words.
        why: String,
    },
    /// The kubeconfig reads but its context, cluster or user does not work.
    #[error("kubeconfig: {0}")]
    Config(String),
    /// In a pod, but its service account cannot be used.
    #[error("in-cluster config: {0}")]
    InCluster(String),
    /// Nothing to connect with.
    #[error("no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a pod")]
    NoConfig,
    /// `--context` without a kubeconfig to find it in.
    #[error("--context needs a kubeconfig; none was found")]
    ContextWithoutKubeconfig,
    /// TLS or authentication setup failed.
    #[error("cannot set up the client: {0}")]
    Client(String),
}

/// Finds the cluster like kubectl does: `--kubeconfig`, else `KUBECONFIG` (several files
/// merged), else `~/.kube/config`, else the service account of the pod this runs in.
pub(crate) async fn resolve(settings: &ApiSettings) -> Result<Target, ClientError> {
    let context = settings.context.clone();
    let kubeconfig = if let Some(path) = &settings.kubeconfig {
        Some(read_kubeconfig(path)?)
    } else if let Some(kc) =
        Kubeconfig::from_env().map_err(|e| ClientError::KubeconfigEnv(chain(&e)))?
    {
        Some(kc)
    } else {
        match home_kubeconfig() {
            Some(path) if path.is_file() => Some(read_kubeconfig(&path)?),
            _ => None,
        }
    };
    let mut config = match kubeconfig {
        Some(kc) => {
            let used = context.clone().or_else(|| kc.current_context.clone());
            let cluster = used.as_ref().and_then(|name| {
                kc.contexts
                    .iter()
                    .find(|c| &c.name == name)
                    .and_then(|c| c.context.as_ref())
                    .map(|c| c.cluster.clone())
            });
            let options = KubeConfigOptions {
                context: context.clone(),
                ..KubeConfigOptions::default()
            };
            let config = kube::Config::from_custom_kubeconfig(kc, &options)
                .await
                .map_err(|e| ClientError::Config(chain(&e)))?;
            return Ok(finish(config, settings, used, cluster));
        }
        None if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() => {
            kube::Config::incluster().map_err(|e| ClientError::InCluster(chain(&e)))?
        }
        None => return Err(ClientError::NoConfig),
    };
    if context.is_some() {
        return Err(ClientError::ContextWithoutKubeconfig);
    }
    config.default_namespace = "default".to_string();
    Ok(finish(config, settings, None, None))
}

fn finish(
    mut config: kube::Config,
    settings: &ApiSettings,
    context: Option<String>,
    cluster: Option<String>,
) -> Target {
    config.connect_timeout = Some(settings.connect_timeout);
    // Deadlines and retries are ours (whole request, our policy); kube's would double them.
    config.read_timeout = None;
    config.default_retry = false;
    Target {
        server: config
            .cluster_url
            .to_string()
            .trim_end_matches('/')
            .to_string(),
        config,
        context,
        cluster,
    }
}

fn read_kubeconfig(path: &Path) -> Result<Kubeconfig, ClientError> {
    Kubeconfig::read_from(path).map_err(|e| ClientError::Kubeconfig {
        path: path.display().to_string(),
        why: chain(&e),
    })
}

fn home_kubeconfig() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".kube").join("config"))
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApiError {
    /// The server answered with an error status.
    Status {
        /// HTTP status.
        code: u16,
        /// The `Status` message, or the start of the body.
        message: String,
        /// `Retry-After`, when given.
        retry_after: Option<Duration>,
    },
    /// No answer: refused, reset, TLS failure, a body cut short.
    Transport(String),
    /// No complete answer within the deadline.
    Timeout(Duration),
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// An answer past [`MAX_ANSWER`] bytes: a broken server or proxy, refused as it arrived.
    TooLarge(u64),
}

impl ApiError {
    /// The HTTP status, when the server answered.
    pub(crate) fn code(&self) -> Option<u16> {
        match self {
            ApiError::Status { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// 403: RBAC said no.
    pub(crate) fn is_forbidden(&self) -> bool {
        self.code() == Some(403)
    }

    /// Whether asking again may help: throttling, server errors, a lost connection.
    fn retryable(&self, policy: Retry) -> bool {
        match (self, policy) {
            (ApiError::Interrupted, _) => false,
            (ApiError::Status { code: 429, .. }, _) => true,
            (ApiError::Status { code, .. }, Retry::Full) => {
                matches!(code, 500 | 502 | 503 | 504)
            }
            (ApiError::Status { code, .. }, Retry::Connect) => {
                matches!(code, 500 | 502 | 503 | 504)
            }
            (ApiError::Status { .. }, Retry::Throttling) => false,
            (ApiError::Transport(_), Retry::Full | Retry::Connect) => true,
            (ApiError::Timeout(_), Retry::Full) => true,
            (ApiError::Timeout(_), Retry::Connect) => false,
            // The same server would send the same endless answer again.
            (ApiError::TooLarge(_), _) => false,
            (_, Retry::Throttling) => false,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Status { code, message, .. } => {
                let reason = http::StatusCode::from_u16(*code)
                    .ok()
                    .and_then(|c| c.canonical_reason())
                    .unwrap_or("");
                if message.is_empty() {
                    write!(f, "{code} {reason}")
                } else {
                    write!(f, "{code} {reason}: {message}")
                }
            }
            ApiError::Transport(why) => write!(f, "{why}"),
            ApiError::Timeout(d) => write!(f, "no answer within {} s", d.as_secs_f64()),
            ApiError::Interrupted => write!(f, "interrupted"),
            ApiError::TooLarge(limit) => write!(
                f,
                "an answer larger than {} MiB (a broken server or proxy): refused",
                limit >> 20
            ),
        }
    }
}

/// Which failures a request retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// 429, 500/502/503/504, transport errors and timeouts (lists, discovery).
    Full,
    /// Like `Full`, but a timeout is final: the first `GET /version`, which must tell
    /// within the connect timeout whether the server is there at all.
    Connect,
    /// 429 only (logs: a 500 there is usually a kubelet that is down, asking again waits for
    /// nothing).
    Throttling,
}

/// Attempts after the first.
const RETRIES: u32 = 3;
/// First backoff; doubled each time, with jitter.
const BACKOFF: Duration = Duration::from_millis(500);
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// The most of one answer kept in memory. A page of 500 objects at etcd's 1.5 MiB object
/// limit is 750 MiB, so no answer of a real API server comes near it; a body that never ends
/// (a broken server or proxy) otherwise grows until the request deadline — 1.8 GB in the
/// 5 s of a debug build against a local server (tests/cluster_faults_hostile.rs).
pub(crate) const MAX_ANSWER: u64 = 1 << 30;

/// The API server, as the collector uses it. Cheap to share by reference between tasks.
pub(crate) struct Api {
    client: kube::Client,
    limiter: RateLimiter,
    timeout: Duration,
    interrupt: Interrupt,
    requests: AtomicU64,
    retried: AtomicU64,
}

/// A response being streamed ([`Api::stream`]).
pub(crate) struct Streamed {
    /// Body bytes received.
    pub bytes: u64,
}

impl Api {
    /// A client for `target`. Fails only when the TLS or auth setup is broken.
    pub(crate) fn new(
        target: &Target,
        settings: &ApiSettings,
        interrupt: Interrupt,
    ) -> Result<Api, ClientError> {
        let client = kube::Client::try_from(target.config.clone())
            .map_err(|e| ClientError::Client(chain(&e)))?;
        Ok(Api {
            client,
            limiter: RateLimiter::new(settings.qps, settings.burst),
            timeout: settings.request_timeout,
            interrupt,
            requests: AtomicU64::new(0),
            retried: AtomicU64::new(0),
        })
    }

    /// Requests sent so far (retries included).
    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Requests that were retries.
    pub(crate) fn retried(&self) -> u64 {
        self.retried.load(Ordering::Relaxed)
    }

    /// `GET path` with the whole body read, retried per `policy`; `timeout` overrides the
    /// request deadline (the first probe uses the connect timeout).
    pub(crate) async fn get(&self, path: &str, policy: Retry) -> Result<Bytes, ApiError> {
        self.get_within(path, policy, self.timeout).await
    }

    /// [`Api::get`] with its own deadline per attempt.
    pub(crate) async fn get_within(
        &self,
        path: &str,
        policy: Retry,
        timeout: Duration,
    ) -> Result<Bytes, ApiError> {
        let mut attempt = 0;
        loop {
            let result = self
                .attempt(path, timeout, |_| Ok(()), true)
                .await
                .map(|(body, _)| body);
            match result {
                Err(e) if attempt < RETRIES && e.retryable(policy) => {
                    attempt += 1;
                    self.retried.fetch_add(1, Ordering::Relaxed);
                    self.pause(backoff(attempt, &e)).await?;
                }
                other => return other,
            }
        }
    }

    /// `GET path`, handing body chunks to `sink` as they arrive (logs: nothing is kept in
    /// memory). Retried per `policy` only while no byte was handed over.
    pub(crate) async fn stream(
        &self,
        path: &str,
        policy: Retry,
        mut sink: impl FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<Streamed, ApiError> {
        let mut attempt = 0;
        loop {
            match self.attempt(path, self.timeout, &mut sink, false).await {
                Ok((_, bytes)) => return Ok(Streamed { bytes }),
                Err(e) if attempt < RETRIES && e.retryable(policy) => {
                    attempt += 1;
                    self.retried.fetch_add(1, Ordering::Relaxed);
                    self.pause(backoff(attempt, &e)).await?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One request: waits for the rate limiter, then sends within `timeout`. With `keep`,
    /// the body is returned; otherwise it goes to `sink` (and only a failure before the first
    /// byte may be retried by the caller: a stream error after bytes is returned as
    /// [`ApiError::Transport`] but the caller's sink has seen them).
    async fn attempt(
        &self,
        path: &str,
        timeout: Duration,
        mut sink: impl FnMut(&[u8]) -> std::io::Result<()>,
        keep: bool,
    ) -> Result<(Bytes, u64), ApiError> {
        if self.interrupt.is_set() {
            return Err(ApiError::Interrupted);
        }
        let wait = self.limiter.reserve();
        self.pause(wait).await?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let request = http::Request::get(path)
            .header(http::header::ACCEPT, "application/json")
            .header(
                http::header::USER_AGENT,
                concat!("kbundle-collect/", env!("CARGO_PKG_VERSION")),
            )
            .body(kube::client::Body::empty())
            .map_err(|e| ApiError::Transport(format!("bad request {path}: {e}")))?;
        let work = async {
            let response = self
                .client
                .send(request)
                .await
                .map_err(|e| ApiError::Transport(chain(&e)))?;
            let status = response.status();
            let retry_after = response
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let mut body = response.into_body();
            if !status.is_success() {
                let mut head = Vec::new();
                while let Some(frame) = body.frame().await {
                    let Ok(frame) = frame else { break };
                    if let Some(data) = frame.data_ref() {
                        head.extend_from_slice(data);
                    }
                    if head.len() > 64 * 1024 {
                        break;
                    }
                }
                return Err(ApiError::Status {
                    code: status.as_u16(),
                    message: status_message(&head),
                    retry_after,
                });
            }
            read_body(body.into_data_stream(), keep, MAX_ANSWER, &mut sink).await
        };
        tokio::select! {
            r = tokio::time::timeout(timeout, work) => r.unwrap_or(Err(ApiError::Timeout(timeout))),
            _ = interrupted(&self.interrupt) => Err(ApiError::Interrupted),
        }
    }

    /// Sleeps, unless interrupted.
    async fn pause(&self, d: Duration) -> Result<(), ApiError> {
        if d.is_zero() {
            return Ok(());
        }
        tokio::select! {
            _ = tokio::time::sleep(d) => Ok(()),
            _ = interrupted(&self.interrupt) => Err(ApiError::Interrupted),
        }
    }
}

/// Reads a successful answer's body to its end: kept (`keep`: at most `limit` bytes, past
/// which it is refused as it arrives, not after) or handed chunk by chunk to `sink` (whose
/// own caps apply). Returns what was kept and how many bytes came.
async fn read_body<S, E>(
    mut data: S,
    keep: bool,
    limit: u64,
    mut sink: impl FnMut(&[u8]) -> std::io::Result<()>,
) -> Result<(Bytes, u64), ApiError>
where
    S: futures::Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::error::Error + 'static,
{
    use futures::StreamExt as _;
    let mut kept = Vec::new();
    let mut total = 0u64;
    while let Some(chunk) = data.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::Transport(format!("reading the answer: {}", chain(&e))))?;
        total += chunk.len() as u64;
        if keep {
            if total > limit {
                return Err(ApiError::TooLarge(limit));
            }
            kept.extend_from_slice(&chunk);
        } else {
            sink(&chunk).map_err(|e| ApiError::Transport(format!("writing: {e}")))?;
        }
    }
    Ok((Bytes::from(kept), total))
}

/// Resolves once the interrupt flag is set (polled: signals only set a flag).
pub(crate) async fn interrupted(flag: &Interrupt) {
    while !flag.is_set() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The wait before retry `attempt` (1-based): the server's `Retry-After` when it gave one
/// (at most 30 s), else 0.5 s doubling, with ±25 % jitter so parallel tasks spread out.
fn backoff(attempt: u32, e: &ApiError) -> Duration {
    if let ApiError::Status {
        retry_after: Some(after),
        ..
    } = e
    {
        return (*after).min(MAX_RETRY_AFTER);
    }
    let base = BACKOFF * 2u32.saturating_pow(attempt.saturating_sub(1));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let jitter = f64::from(nanos % 500) / 1000.0 + 0.75; // 0.75 .. 1.25
    base.mul_f64(jitter)
}

/// The `message` of a `Status` body, else the body's first line (bounded).
fn status_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Status {
        #[serde(default)]
        message: String,
    }
    if let Ok(s) = serde_json::from_slice::<Status>(body) {
        if !s.message.is_empty() {
            return s.message;
        }
    }
    let text = String::from_utf8_lossy(body);
    text.lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(300)
        .collect::<String>()
        .trim()
        .to_string()
}

/// An error and its causes on one line (`error trying to connect: tcp connect error:
/// Connection refused (os error 111)`), without repeats.
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer that never ends is refused once past the limit, without waiting for the
    /// deadline and without keeping more than the limit; a streamed one goes to its sink.
    #[tokio::test]
    async fn an_endless_answer_is_refused_at_the_limit() {
        let endless = futures::stream::repeat_with(|| {
            Ok::<_, std::io::Error>(Bytes::from_static(&[b'x'; 1000]))
        });
        let r = read_body(Box::pin(endless), true, 64 * 1000, |_| Ok(())).await;
        assert_eq!(r.unwrap_err(), ApiError::TooLarge(64 * 1000));
        assert!(!ApiError::TooLarge(1).retryable(Retry::Full));
        // Up to the limit is kept whole.
        let whole = futures::stream::iter(
            (0..64).map(|_| Ok::<_, std::io::Error>(Bytes::from_static(&[b'y'; 1000]))),
        );
        let (kept, total) = read_body(whole, true, 64 * 1000, |_| Ok(())).await.unwrap();
        assert_eq!((kept.len(), total), (64_000, 64_000));
        // Streamed answers are counted, not kept: their sink caps them.
        let mut seen = 0;
        let streamed = futures::stream::iter(
            (0..100).map(|_| Ok::<_, std::io::Error>(Bytes::from_static(&[b'z'; 1000]))),
        );
        let (kept, total) = read_body(streamed, false, 1000, |c| {
            seen += c.len();
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!((kept.len(), total, seen), (0, 100_000, 100_000));
    }

    #[test]
    fn only_errors_worth_it_are_retried() {
        let status = |code| ApiError::Status {
            code,
            message: String::new(),
            retry_after: None,
        };
        for code in [429, 500, 502, 503, 504] {
            assert!(status(code).retryable(Retry::Full), "{code}");
        }
        for code in [400, 401, 403, 404, 405, 410, 501] {
            assert!(!status(code).retryable(Retry::Full), "{code}");
        }
        assert!(ApiError::Transport("reset".into()).retryable(Retry::Full));
        assert!(status(429).retryable(Retry::Throttling));
        assert!(!status(500).retryable(Retry::Throttling));
        assert!(!ApiError::Interrupted.retryable(Retry::Full));
        let after = ApiError::Status {
            code: 429,
            message: String::new(),
            retry_after: Some(Duration::from_secs(2)),
        };
        assert_eq!(backoff(1, &after), Duration::from_secs(2));
        let b = backoff(3, &status(500));
        assert!(
            b >= Duration::from_millis(1500) && b <= Duration::from_millis(2500),
            "{b:?}"
        );
    }

    fn settings(kubeconfig: Option<PathBuf>, context: Option<&str>) -> ApiSettings {
        ApiSettings {
            kubeconfig,
            context: context.map(str::to_string),
            qps: 5.0,
            burst: 10,
            request_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
        }
    }

    #[test]
    fn the_kubeconfig_names_server_context_and_cluster() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: prod-eu1\n  cluster:\n    server: https://10.0.0.1:6443\n    insecure-skip-tls-verify: true\n- name: lab\n  cluster:\n    server: http://127.0.0.1:9\ncontexts:\n- name: prod\n  context:\n    cluster: prod-eu1\n    user: u\n- name: lab\n  context:\n    cluster: lab\n    user: u\ncurrent-context: prod\nusers:\n- name: u\n  user:\n    token: abc\n",
        )
        .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let t = rt
            .block_on(resolve(&settings(Some(path.clone()), None)))
            .unwrap();
        assert_eq!(t.server, "https://10.0.0.1:6443");
        assert_eq!(t.context.as_deref(), Some("prod"));
        assert_eq!(t.cluster.as_deref(), Some("prod-eu1"));
        assert_eq!(t.config.connect_timeout, Some(Duration::from_secs(2)));
        assert!(!t.config.default_retry);
        let lab = rt
            .block_on(resolve(&settings(Some(path.clone()), Some("lab"))))
            .unwrap();
        assert_eq!(lab.server, "http://127.0.0.1:9");
        assert_eq!(lab.cluster.as_deref(), Some("lab"));
        let missing = rt.block_on(resolve(&settings(Some(path.clone()), Some("nope"))));
        assert!(missing.is_err());
        let absent = rt.block_on(resolve(&settings(Some(dir.path().join("none")), None)));
        assert!(
            matches!(absent.err().unwrap(), ClientError::Kubeconfig { path, .. } if path.ends_with("none"))
        );
    }

    #[test]
    fn status_bodies_give_their_message() {
        let body = br#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods is forbidden: User \"x\" cannot list resource \"pods\"","reason":"Forbidden","code":403}"#;
        assert!(status_message(body).starts_with("pods is forbidden"));
        assert_eq!(
            status_message(b"<html>bad gateway\nmore"),
            "<html>bad gateway"
        );
        let e = ApiError::Status {
            code: 403,
            message: "no".into(),
            retry_after: None,
        };
        assert_eq!(e.to_string(), "403 Forbidden: no");
    }
}
