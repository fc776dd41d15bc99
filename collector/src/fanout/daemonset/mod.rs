//! The DaemonSet transport: the cluster runs the node part on every selected node, and
//! each node's result comes back through `pods/exec`.
//!
//! In order: list the nodes (before the bundle exists, so the pseudonymizer knows their
//! names); check every permission with SelfSubjectAccessReviews (nothing is created when one
//! is missing, and the refusal names it); remove expired leftovers of killed runs; create a
//! Namespace and a DaemonSet ([`objects`]); watch the pods ([`monitor`]), fetching each
//! result as its pod turns Ready ([`fetch`]) and ending each node that cannot give one with
//! the reason its pod and events show ([`pods`]); delete what was created, also on error, on
//! Ctrl-C and SIGTERM, and when a thread panics ([`cleanup::Teardown`]).

pub(crate) mod cleanup;
pub(crate) mod fetch;
pub(crate) mod monitor;
pub(crate) mod objects;
pub(crate) mod permissions;
pub(crate) mod pods;

use super::cli::{FanOut, FanOutArgs, DEFAULT_IMAGE};
use super::kubeapi::{AccessError, KubeAccess};
use super::nodes::{is_dns_subdomain, ApiNode};
use super::{FanOutSummary, NodeReport, Shared};
use crate::bundle::{Added, Started};
use crate::cli::UsageError;
use crate::cluster::client::ApiSettings;
use crate::interrupt::Interrupt;
use kbundle_format::manifest::{CollectorStatus, Transport};
use std::io::Read;

/// `--daemonset`'s settings.
#[derive(Debug, Clone)]
pub struct DaemonSetOptions {
    /// The agent image.
    pub image: String,
    /// `--image-pull-secret`.
    pub pull_secrets: Vec<String>,
    /// `--agent-namespace`.
    pub namespace: Option<String>,
    /// `--priority-class`.
    pub priority_class: Option<String>,
    /// `--agent-privileged`.
    pub privileged: bool,
    /// `--dry-run`.
    pub dry_run: bool,
}

impl DaemonSetOptions {
    /// Checks the flags of `--daemonset`.
    pub fn check(args: &FanOutArgs) -> Result<Self, UsageError> {
        let image = args
            .image
            .clone()
            .unwrap_or_else(|| DEFAULT_IMAGE.to_string());
        if image.trim().is_empty() || image.contains(char::is_whitespace) {
            return Err(UsageError::new(
                "--image",
                format!("{image:?} is not an image reference"),
            ));
        }
        if let Some(ns) = &args.agent_namespace {
            if !is_dns_label(ns) {
                return Err(UsageError::new(
                    "--agent-namespace",
                    format!("{ns:?} is not a namespace name"),
                ));
            }
        }
        for s in &args.image_pull_secret {
            if !is_dns_subdomain(s) {
                return Err(UsageError::new(
                    "--image-pull-secret",
                    format!("{s:?} is not a secret name"),
                ));
            }
        }
        if let Some(pc) = &args.priority_class {
            if !is_dns_subdomain(pc) {
                return Err(UsageError::new(
                    "--priority-class",
                    format!("{pc:?} is not a PriorityClass name"),
                ));
            }
        }
        Ok(DaemonSetOptions {
            image,
            pull_secrets: args.image_pull_secret.clone(),
            namespace: args.agent_namespace.clone(),
            priority_class: args.priority_class.clone(),
            privileged: args.agent_privileged,
            dry_run: args.dry_run,
        })
    }
}

fn is_dns_label(s: &str) -> bool {
    is_dns_subdomain(s) && s.len() <= 63 && !s.contains('.')
}

/// The names of one run: `kbundle-<id>` for the instance label and (by default) the
/// namespace.
#[derive(Debug, Clone)]
pub(crate) struct RunNames {
    /// `kbundle-<5 random characters>`.
    pub run: String,
    /// The namespace the DaemonSet goes in.
    pub namespace: String,
    /// RFC 3339: when the objects become leftovers.
    pub expires: String,
}

impl RunNames {
    /// Fresh names; the objects expire after twice the node timeout plus ten minutes.
    pub(crate) fn new(options: &DaemonSetOptions, fanout: &FanOut) -> Self {
        let run = format!("kbundle-{}", random_id());
        let life = fanout
            .node_timeout
            .as_secs()
            .saturating_mul(2)
            .saturating_add(600);
        let expires = jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_secs(
                i64::try_from(life).unwrap_or(i64::MAX / 2),
            ))
            .unwrap_or_else(|_| jiff::Timestamp::now());
        RunNames {
            namespace: options.namespace.clone().unwrap_or_else(|| run.clone()),
            run,
            expires: crate::bundle::rfc3339(expires),
        }
    }
}

/// Five characters from `[a-z0-9]`, from the kernel's randomness (a clock when it fails).
fn random_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 5];
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_err()
    {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (nanos >> (i * 8)) as u8;
        }
    }
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// The DaemonSet fan-out, its nodes listed, nothing created yet.
pub(crate) struct Prepared {
    options: DaemonSetOptions,
    fanout: FanOut,
    names: RunNames,
    access: Result<KubeAccess, AccessError>,
    nodes: Result<Vec<ApiNode>, (CollectorStatus, String)>,
}

impl Prepared {
    /// Connects and lists the nodes (reads only).
    pub(crate) fn new(
        fanout: &FanOut,
        options: &DaemonSetOptions,
        api: &ApiSettings,
        interrupt: &Interrupt,
    ) -> Self {
        let access = KubeAccess::connect(api, interrupt);
        let nodes = match &access {
            Ok(a) => a
                .probe()
                .and_then(|()| a.list_nodes())
                .map_err(|e| (status_of(&e), format!("listing nodes at {}: {e}", a.server))),
            Err(e) => Err((CollectorStatus::Error, e.to_string())),
        };
        Prepared {
            options: options.clone(),
            fanout: fanout.clone(),
            names: RunNames::new(options, fanout),
            access,
            nodes,
        }
    }

    /// Every node's name and host name, for the pseudonymizer.
    pub(crate) fn hostnames(&self) -> Vec<String> {
        let mut names = Vec::new();
        if let Ok(nodes) = &self.nodes {
            for n in nodes {
                names.push(n.name.clone());
                names.extend(n.hostname.clone());
            }
        }
        names
    }

    /// Runs the DaemonSet and brings every node in; every selected node ends as a row.
    pub(crate) fn run(self, shared: &Shared<'_>) -> FanOutSummary {
        let mut summary = FanOutSummary {
            transport: "daemonset",
            ..FanOutSummary::default()
        };
        let access = match self.access {
            Ok(a) => a,
            Err(why) => {
                let why = why.to_string();
                nobody(shared, CollectorStatus::Error, &why);
                summary.notes.push(format!("--daemonset: {why}"));
                return summary;
            }
        };
        let nodes = match self.nodes {
            Ok(n) => n,
            Err((status, why)) => {
                nobody(shared, status, &why);
                summary.notes.push(format!("--daemonset: {why}"));
                return summary;
            }
        };
        let (expected, others) = select(&self.fanout, &nodes);
        shared.begin(expected.len() + others.len());
        for (name, status, why) in others {
            shared.node_finished(
                NodeReport {
                    name: shared.bundle_name(&name, &[]),
                    target: "(no agent pod)".to_string(),
                    transport: Transport::Daemonset,
                    status,
                    error: Some(why),
                    started: Started::now(),
                    added: Added::default(),
                },
                false,
            );
        }
        if !expected.is_empty() {
            let plan = monitor::Plan {
                access: &access,
                options: &self.options,
                fanout: &self.fanout,
                names: &self.names,
                expected: &expected,
            };
            summary.notes.extend(plan.run(shared));
        }
        summary.nodes = shared.outcomes();
        summary
    }
}

/// A run that could not even list nodes: one row says why.
fn nobody(shared: &Shared<'_>, status: CollectorStatus, why: &str) {
    shared.bundle.record(Started::now().row(
        "node/*",
        None,
        status,
        Some(shared.bundle.scrub_text(&format!("--daemonset: {why}"))),
        Added::default(),
    ));
}

fn status_of(e: &crate::cluster::client::ApiError) -> CollectorStatus {
    if e.is_forbidden() {
        CollectorStatus::Forbidden
    } else {
        CollectorStatus::Error
    }
}

/// The nodes to collect, and the rows of those that will not be: asked for by name but
/// absent, or not Linux.
type Others = Vec<(String, CollectorStatus, String)>;

fn select(fanout: &FanOut, nodes: &[ApiNode]) -> (Vec<ApiNode>, Others) {
    let mut expected = Vec::new();
    let mut others = Vec::new();
    for n in nodes
        .iter()
        .filter(|n| fanout.nodes.matches(&n.name, &n.labels))
    {
        match n.os() {
            Some("linux") => expected.push(n.clone()),
            other => others.push((
                n.name.clone(),
                CollectorStatus::Skipped,
                format!(
                    "not a Linux node (kubernetes.io/os={}): the agent runs on Linux nodes only",
                    other.unwrap_or("unset")
                ),
            )),
        }
    }
    for name in fanout.nodes.names() {
        if !nodes.iter().any(|n| n.name == name) {
            others.push((
                name.to_string(),
                CollectorStatus::Error,
                format!("no node named {name} in the cluster"),
            ));
        }
    }
    (expected, others)
}

/// `--dry-run`: every object a run with these flags would create, as YAML, with the
/// permissions it checks first; nothing is contacted (the namespace name is this run's).
pub(crate) fn dry_run(fanout: &FanOut) -> Result<String, UsageError> {
    let super::cli::Transport::DaemonSet(options) = &fanout.transport else {
        return Err(UsageError::new("--dry-run", "needs --daemonset"));
    };
    let names = RunNames::new(options, fanout);
    let spec = objects::Spec {
        run: &names.run,
        namespace: &names.namespace,
        image: &options.image,
        pull_secrets: &options.pull_secrets,
        priority_class: options.priority_class.as_deref(),
        privileged: options.privileged,
        nodes: &fanout.nodes,
        node_args: &fanout.node_args,
        expires: &names.expires,
    };
    let create_namespace = options.namespace.is_none();
    let mut list = Vec::new();
    if create_namespace {
        list.push(objects::namespace(&spec));
    }
    list.push(objects::daemonset(&spec));
    let needs: Vec<String> = permissions::needs(&names.namespace, create_namespace)
        .iter()
        .map(|n| {
            if n.required {
                n.to_string()
            } else {
                format!("{n} (optional: to remove leftovers of killed runs)")
            }
        })
        .collect();
    Ok(objects::yaml(&list, &needs))
}

/// `--cleanup`: deletes every namespace and DaemonSet labelled as ours, expired or not.
/// Returns what it did, line by line, and whether everything went.
pub(crate) fn cleanup_all(api: &ApiSettings, interrupt: &Interrupt) -> (Vec<String>, bool) {
    let access = match KubeAccess::connect(api, interrupt) {
        Ok(a) => a,
        Err(e) => return (vec![format!("--cleanup: {e}")], false),
    };
    match cleanup::leftovers(&access, false, "") {
        Ok(lines) if lines.is_empty() => (
            vec![format!(
                "--cleanup: nothing left by earlier runs at {}",
                access.server
            )],
            true,
        ),
        Ok(lines) => {
            let ok = !lines.iter().any(|l| l.starts_with("could not"));
            (lines, ok)
        }
        Err(e) => (vec![format!("--cleanup: {e}")], false),
    }
}
