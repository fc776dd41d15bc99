//! `kbundle serve`: a read-only Kubernetes API over a bundle, so the real kubectl (and the
//! collector's tests) can browse it offline on 127.0.0.1.
//!
//! The flow: [`loader`] streams the bundle once into a spill file and an [`index`] of byte
//! ranges (with [`items`] and [`head`]); [`crd`] and [`api_resources`] describe what is served;
//! [`http`] accepts connections and [`api`] answers each request through [`discovery`],
//! [`listing`] (with [`selectors`], [`paging`], [`tables`]) and [`logs`]; [`faults`] breaks
//! things on purpose for tests; [`command`] and [`kubeconfig`] are the CLI side.
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! use std::sync::Arc;
//! let bundle = Arc::new(kbundle_serve::Bundle::load("bundle.tar.gz".as_ref())?);
//! let server = kbundle_serve::Server::start(bundle, kbundle_serve::ServeOptions::default())?;
//! println!("serving on {}", server.url());
//! server.stop();
//! # Ok(()) }
//! ```

pub(crate) mod api;
pub(crate) mod api_resources;
pub mod command;
pub(crate) mod crd;
pub(crate) mod discovery;
#[cfg(feature = "fault-injection")]
pub(crate) mod faults;
pub(crate) mod head;
pub(crate) mod http;
pub mod index;
pub mod kubeconfig;
pub(crate) mod listing;
pub(crate) mod loader;
pub(crate) mod logs;
pub(crate) mod paging;
pub(crate) mod reviews;
pub(crate) mod routes;
pub(crate) mod selectors;
pub(crate) mod spill;
pub(crate) mod status;
pub(crate) mod tables;

use anyhow::Context as _;
use api_resources::ApiResources;
use crd::Crd;
use index::{Index, IndexBuilder};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

#[cfg(feature = "fault-injection")]
pub use faults::FaultPlan;

/// A loaded bundle: its index, what the API offers, and its CRDs.
pub struct Bundle {
    /// The objects and logs.
    pub index: Index,
    /// Groups, versions and resources offered.
    pub api_resources: ApiResources,
    /// The CRDs of the bundle.
    pub crds: Vec<Crd>,
}

impl Bundle {
    /// Reads a bundle (.tar.gz, .tgz, .tar, .zip or directory) once and indexes it.
    pub fn load(path: &Path) -> anyhow::Result<Bundle> {
        let mut builder = IndexBuilder::new().with_context(|| {
            "cannot create the spill file in the temporary directory".to_string()
        })?;
        kbundle_read::read_bundle(path, &mut builder)?;
        let index = builder
            .finish()
            .with_context(|| format!("{}: cannot index", path.display()))?;
        Ok(Bundle::from_index(index))
    }

    /// Completes an index built by hand (tests feed members directly).
    pub fn from_index(mut index: Index) -> Bundle {
        let crds = crd::load_crds(&index);
        for c in &crds {
            index.complete_kind(
                &c.group,
                &c.plural,
                &c.kind,
                c.versions.first().map_or("", |v| v.name.as_str()),
            );
        }
        let api_resources = ApiResources::build(&index, &crds);
        Bundle {
            index,
            api_resources,
            crds,
        }
    }

    /// `GET /version`: as collected, or a stand-in naming the server when the bundle has none.
    pub fn version(&self) -> Value {
        self.index.version.clone().unwrap_or_else(|| {
            json!({
                "major": "1",
                "minor": "0",
                "gitVersion": "v0.0.0-kbundle-serve",
                "gitCommit": "",
                "gitTreeState": "clean",
                "buildDate": "",
                "goVersion": "",
                "compiler": "kbundle",
                "platform": "bundle",
            })
        })
    }
}

/// How to serve.
#[derive(Debug, Default)]
pub struct ServeOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// What one client may take of the server.
    pub limits: Limits,
    /// Faults to inject (tests only: the `fault-injection` feature).
    #[cfg(feature = "fault-injection")]
    pub faults: FaultPlan,
}

/// What one client may take of the server, so that idle, slow or hostile clients cannot
/// exhaust its memory or threads and others are still served (docs/serve.md, "Limits").
/// The defaults are far above what kubectl needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; further ones wait in the kernel's accept queue until one
    /// closes.
    pub connections: usize,
    /// The largest request head (request line, path, query and headers): a bigger one is
    /// answered `431` and its connection closed, after at most this much was buffered.
    pub head_bytes: usize,
    /// The largest request body (`POST` of an access review); a bigger one is not read.
    pub body_bytes: usize,
    /// A connection that has not sent a whole request head within this long — idle
    /// keep-alive connections included — is closed.
    pub head_timeout: std::time::Duration,
    /// A response the client has not read from for this long is cut, which frees the
    /// thread producing it.
    pub stall_timeout: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connections: 4096,
            head_bytes: 64 << 10,
            body_bytes: 64 << 10,
            head_timeout: std::time::Duration::from_secs(30),
            stall_timeout: std::time::Duration::from_secs(60),
        }
    }
}

/// A running server on its own thread and runtime, usable from plain and async code alike.
/// Stops when dropped.
pub struct Server {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Binds 127.0.0.1 and starts serving.
    pub fn start(bundle: Arc<Bundle>, options: ServeOptions) -> std::io::Result<Server> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", options.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kbundle-serve")
            .enable_all()
            .build()?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let limits = options.limits;
        let state = Arc::new(api::State {
            bundle,
            #[cfg(feature = "fault-injection")]
            faults: options.faults,
            address: addr.to_string(),
        });
        let thread = std::thread::Builder::new()
            .name("kbundle-serve".into())
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => http::serve(listener, state, limits, rx).await,
                        Err(e) => eprintln!("kbundle serve: {e}"),
                    }
                });
                runtime.shutdown_background();
            })?;
        Ok(Server {
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving and waits for the server thread.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shut_down();
    }
}
