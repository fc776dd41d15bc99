//! `GET .../pods/<name>/log`: the collected container logs, with the container defaulting and
//! the errors of a real API server (400 for a wrong or missing container name, 404 for a pod
//! the bundle does not hold).

use super::index::Index;
use super::status::ApiError;
use serde_json::Value;

/// The query of a log request. `timestamps`, `sinceSeconds`, `sinceTime` and `follow` are
/// accepted and ignored: the bundle holds the text as collected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LogQuery {
    /// `container`.
    pub container: Option<String>,
    /// `previous`.
    pub previous: bool,
    /// `tailLines`.
    pub tail_lines: Option<usize>,
    /// `limitBytes`.
    pub limit_bytes: Option<usize>,
}

/// The containers of a pod object: regular, init and ephemeral.
fn containers(pod: &Value) -> (Vec<String>, Vec<String>) {
    let names = |key: &str| -> Vec<String> {
        pod.get("spec")
            .and_then(|s| s.get(key))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.get("name").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut init = names("initContainers");
    init.extend(names("ephemeralContainers"));
    (names("containers"), init)
}

/// Answers a log request with the log text.
pub(crate) fn pod_log(
    index: &Index,
    namespace: &str,
    pod: &str,
    q: &LogQuery,
) -> Result<Vec<u8>, ApiError> {
    let object = index
        .resource("", "pods")
        .and_then(|data| index.find(data, namespace, pod))
        .and_then(|e| index.object(e).ok())
        .and_then(|raw| serde_json::from_slice::<Value>(&raw).ok());
    let logs = index.logs(namespace, pod);
    if object.is_none() && logs.is_empty() {
        return Err(ApiError::not_found("pods", pod));
    }
    let (regular, init) = match &object {
        Some(o) => containers(o),
        None => {
            let mut names: Vec<String> = logs.iter().map(|l| l.container.clone()).collect();
            names.sort();
            names.dedup();
            (names, Vec::new())
        }
    };
    let container = match q.container.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => c.to_string(),
        None => {
            let annotated = object
                .as_ref()
                .and_then(|o| {
                    o.pointer("/metadata/annotations/kubectl.kubernetes.io~1default-container")
                })
                .and_then(Value::as_str)
                .filter(|c| regular.iter().chain(&init).any(|n| n == c));
            match (annotated, regular.as_slice()) {
                (Some(c), _) => c.to_string(),
                (None, [only]) => only.clone(),
                _ => {
                    let mut msg = format!(
                        "a container name must be specified for pod {pod}, choose one of: [{}]",
                        regular.join(" ")
                    );
                    if !init.is_empty() {
                        msg.push_str(&format!(
                            " or one of the init containers: [{}]",
                            init.join(" ")
                        ));
                    }
                    return Err(ApiError::bad_request(msg));
                }
            }
        }
    };
    if !regular.iter().chain(&init).any(|n| *n == container) {
        return Err(ApiError::bad_request(format!(
            "container {container} is not valid for pod {pod}"
        )));
    }
    let Some(log) = logs
        .iter()
        .find(|l| l.container == container && l.previous == q.previous)
    else {
        return Err(if q.previous {
            ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{pod}\" not found"
            ))
        } else {
            ApiError::new(
                404,
                "NotFound",
                format!("the bundle holds no log of container \"{container}\" in pod \"{pod}\""),
            )
        });
    };
    let text = index
        .log_text(log)
        .map_err(|e| ApiError::internal(format!("reading the log: {e}")))?;
    Ok(cut(text, q))
}

/// Applies `tailLines`, then `limitBytes`.
fn cut(mut text: Vec<u8>, q: &LogQuery) -> Vec<u8> {
    if let Some(n) = q.tail_lines {
        let body = text.strip_suffix(b"\n").unwrap_or(&text);
        let start = if n == 0 {
            text.len()
        } else {
            let mut seen = 0;
            let mut start = 0;
            for (i, b) in body.iter().enumerate().rev() {
                if *b == b'\n' {
                    seen += 1;
                    if seen == n {
                        start = i + 1;
                        break;
                    }
                }
            }
            start
        };
        text.drain(..start);
    }
    if let Some(limit) = q.limit_bytes {
        text.truncate(limit);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexBuilder;
    use kbundle_format::BundlePath;
    use kbundle_read::{Member, MemberSink};

    fn index() -> Index {
        let mut b = IndexBuilder::new().unwrap();
        for (path, body) in [
            (
                "cluster-resources/pods/d.json",
                r#"[{"metadata":{"name":"two"},"spec":{"containers":[{"name":"a"},{"name":"b"}],"initContainers":[{"name":"i"}]}},
                {"metadata":{"name":"ann","annotations":{"kubectl.kubernetes.io/default-container":"b"}},"spec":{"containers":[{"name":"a"},{"name":"b"}]}},
                {"metadata":{"name":"one"},"spec":{"containers":[{"name":"a"}]}}]"#,
            ),
            ("cluster-resources/pods/logs/d/two/a.log", "1\n2\n3\n"),
            ("cluster-resources/pods/logs/d/two/a-previous.log", "old\n"),
            ("cluster-resources/pods/logs/d/ann/b.log", "b\n"),
            ("cluster-resources/pods/logs/d/one/a.log", "one\n"),
            ("cluster-resources/pods/logs/d/gone/c.log", "gone\n"),
        ] {
            let p = BundlePath::new(path).unwrap();
            b.member(Member {
                path: &p,
                size: 0,
                modified: None,
                body: &mut body.as_bytes(),
            })
            .unwrap();
        }
        b.finish().unwrap()
    }

    fn q(container: Option<&str>, previous: bool) -> LogQuery {
        LogQuery {
            container: container.map(str::to_string),
            previous,
            ..LogQuery::default()
        }
    }

    #[test]
    fn containers_default_and_errors() {
        let index = index();
        assert_eq!(
            pod_log(&index, "d", "one", &q(None, false)).unwrap(),
            b"one\n"
        );
        assert_eq!(
            pod_log(&index, "d", "ann", &q(None, false)).unwrap(),
            b"b\n"
        );
        assert_eq!(
            pod_log(&index, "d", "two", &q(Some("a"), true)).unwrap(),
            b"old\n"
        );
        assert_eq!(
            pod_log(&index, "d", "gone", &q(None, false)).unwrap(),
            b"gone\n"
        );
        let e = pod_log(&index, "d", "two", &q(None, false)).unwrap_err();
        assert_eq!(e.code, 400);
        assert_eq!(e.body["message"], "a container name must be specified for pod two, choose one of: [a b] or one of the init containers: [i]");
        let e = pod_log(&index, "d", "two", &q(Some("zz"), false)).unwrap_err();
        assert_eq!(e.body["message"], "container zz is not valid for pod two");
        let e = pod_log(&index, "d", "two", &q(Some("b"), true)).unwrap_err();
        assert_eq!(e.code, 400);
        assert_eq!(
            pod_log(&index, "d", "two", &q(Some("b"), false))
                .unwrap_err()
                .code,
            404
        );
        assert_eq!(
            pod_log(&index, "d", "nope", &q(None, false))
                .unwrap_err()
                .code,
            404
        );
    }

    #[test]
    fn tail_and_limit() {
        let t = |n, limit| {
            cut(
                b"1\n2\n3\n".to_vec(),
                &LogQuery {
                    tail_lines: n,
                    limit_bytes: limit,
                    ..LogQuery::default()
                },
            )
        };
        assert_eq!(t(Some(2), None), b"2\n3\n");
        assert_eq!(t(Some(10), None), b"1\n2\n3\n");
        assert_eq!(t(Some(0), None), b"");
        assert_eq!(t(None, Some(3)), b"1\n2");
        assert_eq!(t(Some(1), Some(1)), b"3");
    }
}
