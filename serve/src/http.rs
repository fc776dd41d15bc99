//! The HTTP side: a hyper HTTP/1.1 server on 127.0.0.1 that hands each request to
//! [`super::api::respond`] on a blocking thread and streams list bodies through a channel, so a
//! slow client never makes the server hold a whole list.

use super::api::{self, Body, Reply, State};
use super::Limits;
use bytes::Bytes;
use http_body::Frame;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::io::{self, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, Notify, Semaphore};

/// Bytes gathered before a chunk is handed to the connection.
const CHUNK: usize = 64 << 10;

/// A response body: whole, or fed by a producer thread.
pub(crate) enum ResponseBody {
    /// All of it, sent once.
    Full(Option<Bytes>),
    /// Chunks as they are produced; an error cuts the connection.
    Channel(mpsc::Receiver<io::Result<Bytes>>),
}

impl http_body::Body for ResponseBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<io::Result<Frame<Bytes>>>> {
        match self.get_mut() {
            ResponseBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            ResponseBody::Channel(rx) => rx.poll_recv(cx).map(|o| o.map(|r| r.map(Frame::data))),
        }
    }
}

/// A `Write` that hands chunks to the response body; fails once the client is gone, or has
/// read nothing for `stall` (so a client that never reads cannot hold the producing thread,
/// one of the runtime's bounded pool of blocking threads, for ever).
struct ChannelWriter {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buf: Vec<u8>,
    runtime: tokio::runtime::Handle,
    stall: Duration,
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        let sent = self
            .runtime
            .block_on(tokio::time::timeout(self.stall, self.tx.send(Ok(chunk))));
        match sent {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "client went away",
            )),
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "client read nothing for too long",
            )),
        }
    }
}

/// Accepts connections until `shutdown` fires, at most `limits.connections` at once.
pub(crate) async fn serve(
    listener: TcpListener,
    state: Arc<State>,
    limits: Limits,
    mut shutdown: oneshot::Receiver<()>,
) {
    let slots = Arc::new(Semaphore::new(limits.connections.max(1)));
    loop {
        // A free slot first: past the limit, connections wait in the accept queue.
        let slot = tokio::select! {
            _ = &mut shutdown => break,
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                #[cfg(feature = "fault-injection")]
                if state.faults.hang {
                    // Keep the connection open and silent until the server stops.
                    tokio::spawn(async move {
                        let _held = (stream, slot);
                        std::future::pending::<()>().await;
                    });
                    continue;
                }
                let state = Arc::clone(&state);
                tokio::spawn(async move {
                    let _slot = slot;
                    // Fired by a response whose client stopped reading: the connection is
                    // dropped, which frees what it held.
                    let cut = Arc::new(Notify::new());
                    let cut_by = Arc::clone(&cut);
                    let service = service_fn(move |req| {
                        handle(Arc::clone(&state), limits, Arc::clone(&cut_by), req)
                    });
                    let connection = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(limits.head_timeout)
                        .max_buf_size(limits.head_bytes.max(8192))
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::select! {
                        _ = connection => {}
                        _ = cut.notified() => {}
                    }
                });
            }
        }
    }
}

async fn handle(
    state: Arc<State>,
    limits: Limits,
    cut: Arc<Notify>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<ResponseBody>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = if parts.method == hyper::Method::GET || parts.method == hyper::Method::HEAD {
        Vec::new()
    } else {
        match Limited::new(body, limits.body_bytes).collect().await {
            Ok(collected) => collected.to_bytes().to_vec(),
            Err(_) => Vec::new(),
        }
    };
    let query = parts
        .uri
        .query()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let request = api::Request {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query,
        accept: parts
            .headers
            .get(hyper::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
        body,
    };
    let worker_state = Arc::clone(&state);
    let reply =
        match tokio::task::spawn_blocking(move || api::respond(&worker_state, &request)).await {
            Ok(reply) => reply,
            Err(_) => {
                let e = super::status::ApiError::internal("request handler failed");
                Reply {
                    code: e.code,
                    content_type: "application/json".into(),
                    headers: Vec::new(),
                    body: Body::Bytes(e.body.to_string().into_bytes()),
                }
            }
        };
    Ok(into_response(reply, limits.stall_timeout, cut))
}

/// The response; a streamed body is produced on a blocking thread, which `cut`s the
/// connection when the client has read nothing for `stall`.
fn into_response(reply: Reply, stall: Duration, cut: Arc<Notify>) -> hyper::Response<ResponseBody> {
    let body = match reply.body {
        Body::Bytes(b) => ResponseBody::Full(Some(Bytes::from(b))),
        Body::Stream(produce) => {
            let (tx, rx) = mpsc::channel(4);
            let runtime = tokio::runtime::Handle::current();
            tokio::task::spawn_blocking(move || {
                let mut out = ChannelWriter {
                    tx: tx.clone(),
                    buf: Vec::new(),
                    runtime: runtime.clone(),
                    stall,
                };
                let result = produce(&mut out).and_then(|()| out.flush());
                if let Err(e) = result {
                    // The error ends the body as an error (never as a clean end that would
                    // look complete); a client that does not read cannot take even that,
                    // so its connection is cut instead.
                    let delivered = runtime.block_on(tokio::time::timeout(stall, tx.send(Err(e))));
                    if !matches!(delivered, Ok(Ok(()))) {
                        cut.notify_one();
                    }
                }
            });
            ResponseBody::Channel(rx)
        }
        #[cfg(feature = "fault-injection")]
        Body::Truncated(produce) => {
            let (tx, rx) = mpsc::channel(2);
            tokio::task::spawn_blocking(move || {
                let mut whole = Vec::new();
                let _ = produce(&mut whole);
                whole.truncate(whole.len() / 2);
                let _ = tx.blocking_send(Ok(Bytes::from(whole)));
                // Let the head and the first half reach the client before the cut.
                std::thread::sleep(std::time::Duration::from_millis(200));
                let _ = tx.blocking_send(Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "injected fault: body cut short",
                )));
            });
            ResponseBody::Channel(rx)
        }
    };
    let mut response = hyper::Response::new(body);
    *response.status_mut() =
        hyper::StatusCode::from_u16(reply.code).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    if let Ok(v) = hyper::header::HeaderValue::from_str(&reply.content_type) {
        headers.insert(hyper::header::CONTENT_TYPE, v);
    }
    headers.insert(
        hyper::header::CACHE_CONTROL,
        hyper::header::HeaderValue::from_static("no-cache, private"),
    );
    for (name, value) in reply.headers {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    response
}
