//! `kbundle serve` at the HTTP level, with a bare HTTP/1.1 client: discovery documents,
//! paging and stale continue tokens, watch, table options, write refusal, and every injected
//! fault the collector's tests rely on.

mod serve_common;

use kbundle_serve::{Bundle, FaultPlan, ServeOptions, Server};
use serde_json::Value;
use serve_common::cluster;
use serve_common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

struct Answer {
    code: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    complete: bool,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

fn request(server: &Server, method: &str, path: &str, accept: &str) -> Answer {
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nAccept: {accept}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let code = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let rest = &raw[split + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v == "chunked");
    let (body, complete) = if chunked {
        dechunk(rest)
    } else {
        (rest.to_vec(), true)
    };
    Answer {
        code,
        headers,
        body,
        complete,
    }
}

fn dechunk(mut data: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else {
            return (out, false);
        };
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..eol]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return (out, true);
        }
        let start = eol + 2;
        if data.len() < start + size {
            out.extend_from_slice(&data[start..]);
            return (out, false);
        }
        out.extend_from_slice(&data[start..start + size]);
        data = data.get(start + size + 2..).unwrap_or(&[]);
    }
}

fn get(server: &Server, path: &str) -> Answer {
    request(server, "GET", path, "application/json")
}

fn cluster_server(faults: FaultPlan) -> Server {
    let bundle: Bundle = bundle_of(&cluster::files(), 1_800_000_000);
    Server::start(
        Arc::new(bundle),
        ServeOptions {
            port: 0,
            faults,
            ..ServeOptions::default()
        },
    )
    .unwrap()
}

const AGGREGATED_V2: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

#[test]
fn discovery_legacy_and_aggregated() {
    let server = cluster_server(FaultPlan::default());
    let v = get(&server, "/version").json();
    assert_eq!(v["gitVersion"], "v1.30.2");
    assert_eq!(get(&server, "/api").json()["versions"][0], "v1");
    let core = get(&server, "/api/v1").json();
    let names: Vec<&str> = core["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert!(
        names.contains(&"pods") && names.contains(&"pods/log"),
        "{names:?}"
    );
    let apis = get(&server, "/apis").json();
    assert!(apis["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["name"] == "example.com"));
    let apps = get(&server, "/apis/apps/v1").json();
    assert_eq!(apps["groupVersion"], "apps/v1");
    assert_eq!(get(&server, "/apis/nope/v1").code, 404);
    let agg = request(&server, "GET", "/apis", AGGREGATED_V2);
    assert_eq!(
        agg.header("content-type"),
        Some("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
    );
    let agg = agg.json();
    assert_eq!(agg["kind"], "APIGroupDiscoveryList");
    let widgets = agg["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["metadata"]["name"] == "example.com")
        .unwrap();
    assert_eq!(
        widgets["versions"][0]["resources"][0]["shortNames"][0],
        "wdg"
    );
    assert_eq!(get(&server, "/openapi/v2").code, 404);
}

#[test]
fn paging_and_stale_tokens() {
    let server = cluster_server(FaultPlan::default());
    let mut names = Vec::new();
    let mut token = String::new();
    loop {
        let path = if token.is_empty() {
            "/api/v1/pods?limit=2".to_string()
        } else {
            format!("/api/v1/pods?limit=2&continue={token}")
        };
        let page = get(&server, &path).json();
        names.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["metadata"]["name"].as_str().unwrap().to_string()),
        );
        match page["metadata"]["continue"].as_str() {
            Some(t) => token = t.to_string(),
            None => break,
        }
    }
    assert_eq!(
        names,
        ["report-x", "web-1", "web-2", "coredns-5d78c9869d-abcde"]
    );
    // A token minted by a server of another bundle is expired, like a compacted one.
    let other = serve(bundle_of(
        &[(
            "cluster-resources/pods/a.json",
            r#"[{"metadata":{"name":"x"}},{"metadata":{"name":"y"}}]"#,
        )],
        1,
    ));
    let foreign = get(&other, "/api/v1/pods?limit=1").json()["metadata"]["continue"]
        .as_str()
        .unwrap()
        .to_string();
    let stale = get(&server, &format!("/api/v1/pods?limit=2&continue={foreign}"));
    assert_eq!(stale.code, 410);
    assert_eq!(stale.json()["reason"], "Expired");
    assert_eq!(get(&server, "/api/v1/pods?continue=garbage!").code, 400);
    assert_eq!(
        get(&server, "/api/v1/pods?fieldSelector=spec.bogus%3D1").code,
        400
    );
}

#[test]
fn get_list_watch_and_tables() {
    let server = cluster_server(FaultPlan::default());
    let list = get(
        &server,
        "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb",
    )
    .json();
    assert_eq!(list["kind"], "PodList");
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let events = get(
        &server,
        "/api/v1/events?fieldSelector=involvedObject.name%3Dweb-1%2CinvolvedObject.kind%3DPod",
    )
    .json();
    assert_eq!(events["items"].as_array().unwrap().len(), 2);
    let crs = get(&server, "/apis/example.com/v1/namespaces/default/widgets").json();
    assert_eq!(crs["items"][0]["kind"], "Widget");
    let watch = get(&server, "/api/v1/namespaces/default/pods?watch=true");
    assert_eq!(watch.code, 200);
    // Watch events are a stream of JSON objects (client-go frames them with a JSON decoder).
    let lines: Vec<Value> = serde_json::Deserializer::from_slice(&watch.body)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["type"], "ADDED");
    let later = get(
        &server,
        "/api/v1/namespaces/default/pods?watch=true&resourceVersion=900",
    );
    assert!(later.body.is_empty());
    for (include, object_kind) in [
        ("None", Value::Null),
        ("Metadata", "PartialObjectMetadata".into()),
        ("Object", "Pod".into()),
    ] {
        let t = request(
            &server,
            "GET",
            &format!("/api/v1/namespaces/default/pods?includeObject={include}"),
            TABLE,
        )
        .json();
        assert_eq!(t["kind"], "Table");
        assert_eq!(t["rows"][0]["object"]["kind"], object_kind, "{include}");
    }
    let one = request(&server, "GET", "/api/v1/nodes/w2", TABLE).json();
    assert_eq!(one["rows"][0]["cells"][1], "NotReady,SchedulingDisabled");
    assert_eq!(
        get(&server, "/api/v1/namespaces/default/pods/nope").code,
        404
    );
    assert_eq!(
        get(&server, "/api/v1/nodes/w1/status").json()["metadata"]["name"],
        "w1"
    );
}

#[test]
fn writes_answer_405_with_a_status() {
    let server = cluster_server(FaultPlan::default());
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        let a = request(
            &server,
            method,
            "/api/v1/namespaces/default/pods/web-1",
            "application/json",
        );
        assert_eq!(a.code, 405, "{method}");
        let status = a.json();
        assert_eq!(status["kind"], "Status");
        assert_eq!(status["reason"], "MethodNotAllowed");
        assert!(status["message"].as_str().unwrap().contains("read-only"));
    }
}

fn faults(specs: &[&str]) -> FaultPlan {
    let mut plan = FaultPlan::default();
    for s in specs {
        plan.add(s).unwrap();
    }
    plan
}

#[test]
fn faults_for_the_collector() {
    let server = cluster_server(faults(&[
        "status=500:events",
        "forbid-namespace=kube-system",
        "truncate=nodes",
        "endless=namespaces",
    ]));
    assert_eq!(get(&server, "/api/v1/namespaces/default/events").code, 500);
    assert_eq!(get(&server, "/api/v1/namespaces/default/pods").code, 200);
    let forbidden = get(&server, "/api/v1/namespaces/kube-system/pods");
    assert_eq!(forbidden.code, 403);
    assert_eq!(forbidden.json()["reason"], "Forbidden");
    assert_eq!(
        get(&server, "/api/v1/pods").code,
        403,
        "cluster-wide lists need cluster-wide rights"
    );
    assert_eq!(
        get(&server, "/api/v1/nodes/w1").code,
        200,
        "cluster-scoped kinds are not namespaced"
    );
    let cut = get(&server, "/api/v1/nodes");
    assert!(!cut.complete, "the body must end early");
    assert!(serde_json::from_slice::<Value>(&cut.body).is_err());
    let mut token = String::new();
    for _ in 0..5 {
        let page = get(
            &server,
            &format!("/api/v1/namespaces?limit=10&continue={token}"),
        )
        .json();
        token = page["metadata"]["continue"]
            .as_str()
            .expect("pages never end")
            .to_string();
    }

    let throttled = cluster_server(faults(&["throttle=2:7"]));
    assert_eq!(get(&throttled, "/api/v1/pods").code, 200);
    let second = get(&throttled, "/api/v1/pods");
    assert_eq!(second.code, 429);
    assert_eq!(second.header("retry-after"), Some("7"));
    assert_eq!(get(&throttled, "/api/v1/pods").code, 200);
}

#[test]
fn a_hanging_server_accepts_and_never_answers() {
    let server = cluster_server(faults(&["hang"]));
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    s.write_all(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 16];
    let err = s.read(&mut buf).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{err}"
    );
    server.stop();
}

#[test]
fn a_stopped_server_is_down() {
    let server = cluster_server(FaultPlan::default());
    let addr = server.addr();
    server.stop();
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
}
