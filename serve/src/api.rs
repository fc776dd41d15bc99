//! Answers one request: content negotiation, discovery, get, list, watch, logs, the refusal
//! of writes, and the injected faults. Knows nothing of HTTP plumbing; [`super::http`] does.

use super::api_resources::ApiResource;
use super::discovery::{self, Aggregated};
#[cfg(feature = "fault-injection")]
use super::faults::FaultPlan;
use super::listing::{self, group_version, IncludeObject, ListQuery};
use super::logs::{pod_log, LogQuery};
use super::paging::Continue;
use super::reviews;
use super::routes::{self, ResourcePath, Route};
use super::selectors::{parse_field_selector, parse_label_selector};
use super::status::ApiError;
use super::tables::Printer;
use super::Bundle;
use serde_json::{json, Value};
use std::io::{self, Write};
use std::sync::Arc;

/// A request as the server saw it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path without the query.
    pub path: String,
    /// Decoded query pairs.
    pub query: Vec<(String, String)>,
    /// The `Accept` header.
    pub accept: String,
    /// The body (writes only).
    pub body: Vec<u8>,
}

impl Request {
    fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn flag(&self, key: &str) -> bool {
        matches!(self.param(key), Some("true" | "1"))
    }
}

/// Writes a response body; runs on a blocking thread.
pub(crate) type Producer = Box<dyn FnOnce(&mut dyn Write) -> io::Result<()> + Send>;

/// How the body is sent.
pub(crate) enum Body {
    /// All at once.
    Bytes(Vec<u8>),
    /// Streamed as it is produced (lists of any size).
    Stream(Producer),
    /// Produced, then sent only half-way before the connection is cut (a fault).
    #[cfg(feature = "fault-injection")]
    Truncated(Producer),
}

/// The answer.
pub(crate) struct Reply {
    /// HTTP status.
    pub code: u16,
    /// Content-Type.
    pub content_type: String,
    /// Extra headers (`Retry-After`).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Body,
}

impl Reply {
    fn json(code: u16, value: &Value) -> Reply {
        Reply {
            code,
            content_type: "application/json".into(),
            headers: Vec::new(),
            body: Body::Bytes(value.to_string().into_bytes()),
        }
    }

    pub(crate) fn error(e: ApiError) -> Reply {
        Reply::json(e.code, &e.body)
    }
}

/// What the server shares between requests.
pub(crate) struct State {
    /// The bundle.
    pub bundle: Arc<Bundle>,
    /// Faults to inject.
    #[cfg(feature = "fault-injection")]
    pub faults: FaultPlan,
    /// `host:port` as clients reach it.
    pub address: String,
}

/// The representation the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Json,
    Table(&'static str),
    Discovery(Aggregated),
}

/// Picks the first media range of `Accept` the server can produce.
fn negotiate(accept: &str) -> Wanted {
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("");
        let params: Vec<(&str, &str)> = parts.filter_map(|p| p.split_once('=')).collect();
        let param = |k: &str| params.iter().find(|(pk, _)| *pk == k).map(|(_, v)| *v);
        if media != "application/json" && media != "*/*" && media != "application/*" {
            continue;
        }
        match (param("as"), param("g"), param("v")) {
            (Some("Table"), Some("meta.k8s.io"), Some("v1")) => return Wanted::Table("v1"),
            (Some("Table"), Some("meta.k8s.io"), Some("v1beta1")) => {
                return Wanted::Table("v1beta1")
            }
            (Some("APIGroupDiscoveryList"), Some("apidiscovery.k8s.io"), Some("v2")) => {
                return Wanted::Discovery(Aggregated::V2)
            }
            (Some("APIGroupDiscoveryList"), Some("apidiscovery.k8s.io"), Some("v2beta1")) => {
                return Wanted::Discovery(Aggregated::V2Beta1)
            }
            (None, _, _) => return Wanted::Json,
            _ => continue,
        }
    }
    Wanted::Json
}

/// Answers a request.
pub(crate) fn respond(state: &Arc<State>, req: &Request) -> Reply {
    #[cfg(feature = "fault-injection")]
    if let Some(refused) = state.faults.unauthorized() {
        return refused;
    }
    let route = routes::parse(&req.path);
    let wanted = negotiate(&req.accept);
    let api_resources = &state.bundle.api_resources;
    match route {
        Route::Resource(path) => resource(state, req, &path, wanted),
        _ if req.method != "GET" && req.method != "HEAD" => {
            Reply::error(ApiError::read_only(&req.method.to_lowercase()))
        }
        Route::Version => Reply::json(200, &state.bundle.version()),
        Route::Health => Reply {
            code: 200,
            content_type: "text/plain".into(),
            headers: Vec::new(),
            body: Body::Bytes(b"ok".to_vec()),
        },
        Route::Api => match wanted {
            Wanted::Discovery(v) => {
                discovery_reply(discovery::aggregated(api_resources, true, v), v)
            }
            _ => Reply::json(200, &discovery::api_versions(&state.address)),
        },
        Route::Apis => match wanted {
            Wanted::Discovery(v) => {
                discovery_reply(discovery::aggregated(api_resources, false, v), v)
            }
            _ => Reply::json(200, &discovery::api_group_list(api_resources)),
        },
        Route::Group(group) => match api_resources
            .groups
            .iter()
            .find(|g| g.name == group && !group.is_empty())
        {
            Some(g) => Reply::json(200, &discovery::api_group(g)),
            None => Reply::error(ApiError::no_route()),
        },
        Route::GroupVersion(group, version) => {
            match api_resources.group_version(&group, &version) {
                Some(gv) => Reply::json(
                    200,
                    &discovery::api_resource_list(&group, &version, &gv.resources),
                ),
                None => Reply::error(ApiError::no_route()),
            }
        }
        Route::Unknown => Reply::error(ApiError::no_route()),
    }
}

fn discovery_reply(value: Value, version: Aggregated) -> Reply {
    let mut r = Reply::json(200, &value);
    r.content_type = version.content_type().to_string();
    r
}

fn resource(state: &Arc<State>, req: &Request, path: &ResourcePath, wanted: Wanted) -> Reply {
    let bundle = &state.bundle;
    if req.method != "GET" && req.method != "HEAD" {
        if req.method == "POST" && path.group == "authorization.k8s.io" && path.name.is_none() {
            if let Some(review) = reviews::answer(&path.resource, &req.body) {
                return Reply::json(201, &review);
            }
        }
        return Reply::error(ApiError::read_only(&req.method.to_lowercase()));
    }
    let Some(api) = bundle
        .api_resources
        .find(&path.group, &path.version, &path.resource)
    else {
        return Reply::error(ApiError::no_route());
    };
    if path.namespace.is_some() && !api.namespaced {
        return Reply::error(ApiError::no_route());
    }
    #[cfg(feature = "fault-injection")]
    if let Some(refused) = state.faults.refuse(path, api.namespaced) {
        return refused;
    }
    let crd_columns = bundle
        .crds
        .iter()
        .find(|c| c.group == path.group && c.plural == path.resource)
        .and_then(|c| {
            c.versions
                .iter()
                .find(|v| v.name == path.version)
                .or(c.versions.first())
        })
        .map(|v| v.columns.as_slice());
    let printer = Printer::for_resource(&path.group, &path.resource, crd_columns);
    let Some(name) = &path.name else {
        return list(state, req, path, wanted, printer, api);
    };
    if api.namespaced && path.namespace.is_none() {
        return Reply::error(ApiError::no_route());
    }
    match path.subresource.as_deref() {
        None | Some("status") => {}
        Some("log") if path.group.is_empty() && path.resource == "pods" => {
            let q = LogQuery {
                container: req.param("container").map(str::to_string),
                previous: req.flag("previous"),
                tail_lines: req.param("tailLines").and_then(|v| v.parse().ok()),
                limit_bytes: req.param("limitBytes").and_then(|v| v.parse().ok()),
            };
            let ns = path.namespace.as_deref().unwrap_or("");
            return match pod_log(&bundle.index, ns, name, &q) {
                Ok(text) => Reply {
                    code: 200,
                    content_type: "text/plain".into(),
                    headers: Vec::new(),
                    body: Body::Bytes(text),
                },
                Err(e) => Reply::error(e),
            };
        }
        Some(_) => return Reply::error(ApiError::no_route()),
    }
    let index = &bundle.index;
    let found = index
        .resource(&path.group, &path.resource)
        .and_then(|data| index.find(data, path.namespace.as_deref().unwrap_or(""), name));
    let Some(entry) = found else {
        return Reply::error(ApiError::not_found(&path.resource, name));
    };
    let raw = match index.object(entry) {
        Ok(raw) => raw,
        Err(e) => return Reply::error(ApiError::internal(e.to_string())),
    };
    match wanted {
        Wanted::Table(version) => {
            let include = IncludeObject::parse(req.param("includeObject"));
            match listing::table_row(&printer, &raw, include, version, index) {
                Ok(row) => Reply::json(
                    200,
                    &json!({
                        "kind": "Table",
                        "apiVersion": format!("meta.k8s.io/{version}"),
                        "metadata": {"resourceVersion": index.resource_version},
                        "columnDefinitions": printer.column_definitions(),
                        "rows": [row],
                    }),
                ),
                Err(e) => Reply::error(ApiError::internal(e.to_string())),
            }
        }
        _ => Reply {
            code: 200,
            content_type: "application/json".into(),
            headers: Vec::new(),
            body: Body::Bytes(raw),
        },
    }
}

fn list(
    state: &Arc<State>,
    req: &Request,
    path: &ResourcePath,
    wanted: Wanted,
    printer: Printer,
    api: &ApiResource,
) -> Reply {
    let api_version = group_version(&path.group, &path.version);
    let namespaced = api.namespaced;
    let index = &state.bundle.index;
    let data = index.resource(&path.group, &path.resource);
    let fields = data.map_or(
        super::selectors::selectable_fields(&path.group, &path.resource),
        |d| d.fields,
    );
    let labels = match parse_label_selector(req.param("labelSelector").unwrap_or("")) {
        Ok(s) => s,
        Err(e) => return Reply::error(ApiError::bad_request(e.to_string())),
    };
    let field_selector =
        match parse_field_selector(req.param("fieldSelector").unwrap_or(""), fields) {
            Ok(s) => s,
            Err(e) => return Reply::error(ApiError::bad_request(e.to_string())),
        };
    let start = match req.param("continue").filter(|c| !c.is_empty()) {
        Some(token) => match Continue::decode(token, index.epoch) {
            Ok(c) => Some(c),
            Err(e) => return Reply::error(e),
        },
        None => None,
    };
    let query = ListQuery {
        namespace: if namespaced {
            path.namespace.clone()
        } else {
            None
        },
        labels,
        fields: field_selector,
        limit: req.param("limit").and_then(|l| l.parse().ok()).unwrap_or(0),
        start,
    };
    let watch = req.flag("watch");
    let watch_from_now = watch
        && req
            .param("resourceVersion")
            .is_some_and(|rv| !rv.is_empty() && rv != "0");
    let include = IncludeObject::parse(req.param("includeObject"));
    #[cfg(feature = "fault-injection")]
    let (endless, truncate) = (
        state.faults.endless(&path.resource),
        state.faults.truncates(&path.resource),
    );
    #[cfg(not(feature = "fault-injection"))]
    let endless = false;
    let group = path.group.clone();
    let resource = path.resource.clone();
    let kind = api.kind.clone();
    let state = Arc::clone(state);
    let producer: Producer = Box::new(move |out: &mut dyn Write| {
        let index = &state.bundle.index;
        let empty;
        let data = match index.resource(&group, &resource) {
            Some(d) => d,
            None => {
                empty = super::index::ResourceData {
                    group: group.clone(),
                    version: String::new(),
                    resource: resource.clone(),
                    kind: kind.clone(),
                    namespaced,
                    fields: &[],
                    entries: Vec::new(),
                };
                &empty
            }
        };
        let mut page = listing::select(index, data, &query, endless);
        if watch_from_now {
            page.entries.clear();
        }
        match (watch, wanted) {
            (true, Wanted::Table(v)) => {
                listing::write_watch(index, &page, Some((&printer, include, v)), out)
            }
            (true, _) => listing::write_watch(index, &page, None, out),
            (false, Wanted::Table(v)) => {
                listing::write_table(index, &printer, &page, include, v, out)
            }
            (false, _) => listing::write_list(index, data, &api_version, &page, out),
        }
    });
    Reply {
        code: 200,
        content_type: "application/json".into(),
        headers: Vec::new(),
        #[cfg(feature = "fault-injection")]
        body: if truncate {
            Body::Truncated(producer)
        } else {
            Body::Stream(producer)
        },
        #[cfg(not(feature = "fault-injection"))]
        body: Body::Stream(producer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation() {
        let kubectl_get = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(negotiate(kubectl_get), Wanted::Table("v1"));
        let discovery = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(negotiate(discovery), Wanted::Discovery(Aggregated::V2));
        assert_eq!(
            negotiate("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"),
            Wanted::Discovery(Aggregated::V2Beta1)
        );
        assert_eq!(
            negotiate("application/vnd.kubernetes.protobuf,application/json"),
            Wanted::Json
        );
        assert_eq!(negotiate(""), Wanted::Json);
        assert_eq!(
            negotiate("application/json;as=Table;v=v9;g=meta.k8s.io"),
            Wanted::Json
        );
    }
}
