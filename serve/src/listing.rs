//! Lists: choosing the objects of one page (namespace, selectors, `limit`/`continue`) and
//! writing them as a List, a Table or a stream of watch events, object by object from the spill
//! file so a page of any size is never held decoded.

use super::index::{Entry, Index, ResourceData};
use super::paging::Continue;
use super::selectors::{FieldSelector, LabelSelector};
use super::tables::Printer;
use serde_json::{json, Value};
use std::io::{self, Write};

/// What a list request asks for.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListQuery {
    /// Only this namespace (`None`: all namespaces).
    pub namespace: Option<String>,
    /// `labelSelector`.
    pub labels: LabelSelector,
    /// `fieldSelector`.
    pub fields: FieldSelector,
    /// `limit` (0: no limit).
    pub limit: usize,
    /// Where `continue` said to start.
    pub start: Option<Continue>,
}

/// One page of a list.
pub(crate) struct Page<'a> {
    /// The objects, in namespace/name order.
    pub entries: Vec<&'a Entry>,
    /// The token for the next page, when there is one.
    pub next: Option<Continue>,
}

/// Chooses the objects of one page. With `endless` (a fault), the last page points back to
/// the first instead of ending.
pub(crate) fn select<'a>(
    index: &'a Index,
    data: &'a ResourceData,
    q: &ListQuery,
    endless: bool,
) -> Page<'a> {
    let entries = &data.entries;
    let key = |e: &Entry| (index.str(e.namespace), index.str(e.name));
    let (mut lo, hi) = match &q.namespace {
        Some(ns) => (
            entries.partition_point(|e| index.str(e.namespace) < ns.as_str()),
            entries.partition_point(|e| index.str(e.namespace) <= ns.as_str()),
        ),
        None => (0, entries.len()),
    };
    if let Some(start) = &q.start {
        let after = (start.namespace.as_str(), start.name.as_str());
        lo = lo.max(entries.partition_point(|e| key(e) <= after));
    }
    let mut page = Vec::new();
    let mut next = None;
    for e in entries.get(lo..hi).unwrap_or(&[]) {
        let matches = q.labels.matches(|k| index.label(e, k))
            && q.fields
                .matches(index.str(e.name), index.str(e.namespace), |i| {
                    index.field(e, i)
                });
        if !matches {
            continue;
        }
        if q.limit > 0 && page.len() == q.limit {
            next = page.last().map(|last: &&Entry| Continue {
                epoch: index.epoch,
                namespace: index.str(last.namespace).to_string(),
                name: index.str(last.name).to_string(),
                wraps: q.start.as_ref().map_or(0, |s| s.wraps),
            });
            break;
        }
        page.push(e);
    }
    if next.is_none() && endless {
        next = Some(Continue {
            epoch: index.epoch,
            namespace: String::new(),
            name: String::new(),
            wraps: q.start.as_ref().map_or(0, |s| s.wraps) + 1,
        });
    }
    Page {
        entries: page,
        next,
    }
}

/// `apiVersion` of a group version.
pub(crate) fn group_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

fn list_metadata(index: &Index, next: Option<&Continue>) -> Value {
    let mut meta = json!({"resourceVersion": index.resource_version});
    if let Some(c) = next {
        meta["continue"] = c.encode().into();
    }
    meta
}

/// Writes a `<Kind>List`.
pub(crate) fn write_list(
    index: &Index,
    data: &ResourceData,
    api_version: &str,
    page: &Page,
    out: &mut dyn Write,
) -> io::Result<()> {
    let head = json!({
        "kind": format!("{}List", data.kind),
        "apiVersion": api_version,
        "metadata": list_metadata(index, page.next.as_ref()),
    });
    let head = head.to_string();
    out.write_all(&head.as_bytes()[..head.len() - 1])?;
    out.write_all(b",\"items\":[")?;
    for (i, e) in page.entries.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(&index.object(e)?)?;
    }
    out.write_all(b"]}")
}

/// What a Table row carries beside its cells (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum IncludeObject {
    /// No object.
    None,
    /// `PartialObjectMetadata` (the API server's default).
    #[default]
    Metadata,
    /// The whole object.
    Object,
}

impl IncludeObject {
    /// Parses the query value; unknown values fall back to the default.
    pub(crate) fn parse(s: Option<&str>) -> Self {
        match s {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

/// One Table row of an object.
pub(crate) fn table_row(
    printer: &Printer,
    raw: &[u8],
    include: IncludeObject,
    table_version: &str,
    index: &Index,
) -> io::Result<Value> {
    let object: Value = serde_json::from_slice(raw)?;
    let cells = printer.cells(&object, index.collected_at);
    let mut row = json!({"cells": cells});
    match include {
        IncludeObject::None => {}
        IncludeObject::Metadata => {
            row["object"] = json!({
                "kind": "PartialObjectMetadata",
                "apiVersion": format!("meta.k8s.io/{table_version}"),
                "metadata": object.get("metadata").cloned().unwrap_or_else(|| json!({})),
            });
        }
        IncludeObject::Object => row["object"] = object,
    }
    Ok(row)
}

/// Writes a Table of the page.
pub(crate) fn write_table(
    index: &Index,
    printer: &Printer,
    page: &Page,
    include: IncludeObject,
    table_version: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let head = json!({
        "kind": "Table",
        "apiVersion": format!("meta.k8s.io/{table_version}"),
        "metadata": list_metadata(index, page.next.as_ref()),
        "columnDefinitions": printer.column_definitions(),
    })
    .to_string();
    out.write_all(&head.as_bytes()[..head.len() - 1])?;
    out.write_all(b",\"rows\":[")?;
    for (i, e) in page.entries.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        let row = table_row(printer, &index.object(e)?, include, table_version, index)?;
        serde_json::to_writer(&mut *out, &row)?;
    }
    out.write_all(b"]}")
}

/// Writes the page as watch events (`ADDED`, one JSON object per line); with a printer, each
/// event's object is a one-row Table as kubectl `get -w` expects.
pub(crate) fn write_watch(
    index: &Index,
    page: &Page,
    table: Option<(&Printer, IncludeObject, &str)>,
    out: &mut dyn Write,
) -> io::Result<()> {
    for (i, e) in page.entries.iter().enumerate() {
        let raw = index.object(e)?;
        out.write_all(b"{\"type\":\"ADDED\",\"object\":")?;
        match table {
            None => out.write_all(&raw)?,
            Some((printer, include, version)) => {
                let mut t = json!({
                    "kind": "Table",
                    "apiVersion": format!("meta.k8s.io/{version}"),
                    "metadata": {"resourceVersion": index.resource_version},
                    "rows": [table_row(printer, &raw, include, version, index)?],
                });
                if i == 0 {
                    t["columnDefinitions"] = printer.column_definitions();
                }
                serde_json::to_writer(&mut *out, &t)?;
            }
        }
        out.write_all(b"}\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexBuilder;
    use crate::selectors::{parse_field_selector, parse_label_selector};
    use kbundle_format::BundlePath;
    use kbundle_read::{Member, MemberSink};

    fn index() -> Index {
        let mut b = IndexBuilder::new().unwrap();
        for (path, body) in [
            (
                "cluster-resources/pods/a.json",
                r#"{"items":[{"metadata":{"name":"p1","labels":{"app":"x"}},"spec":{"nodeName":"w1"}},{"metadata":{"name":"p2"},"spec":{"nodeName":"w2"}}]}"#,
            ),
            (
                "cluster-resources/pods/b.json",
                r#"{"items":[{"metadata":{"name":"p3","labels":{"app":"x"}},"spec":{"nodeName":"w1"}}]}"#,
            ),
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

    fn names(index: &Index, page: &Page) -> Vec<String> {
        page.entries
            .iter()
            .map(|e| index.str(e.name).to_string())
            .collect()
    }

    #[test]
    fn namespaces_selectors_and_pages() {
        let index = index();
        let pods = index.resource("", "pods").unwrap();
        let mut q = ListQuery::default();
        assert_eq!(
            names(&index, &select(&index, pods, &q, false)),
            ["p1", "p2", "p3"]
        );
        q.namespace = Some("a".into());
        assert_eq!(
            names(&index, &select(&index, pods, &q, false)),
            ["p1", "p2"]
        );
        q.namespace = None;
        q.labels = parse_label_selector("app=x").unwrap();
        assert_eq!(
            names(&index, &select(&index, pods, &q, false)),
            ["p1", "p3"]
        );
        q.labels = LabelSelector::default();
        q.fields = parse_field_selector("spec.nodeName=w2", pods.fields).unwrap();
        assert_eq!(names(&index, &select(&index, pods, &q, false)), ["p2"]);
        q.fields = FieldSelector::default();
        q.limit = 2;
        let first = select(&index, pods, &q, false);
        assert_eq!(names(&index, &first), ["p1", "p2"]);
        q.start = first.next.clone();
        let second = select(&index, pods, &q, false);
        assert_eq!(names(&index, &second), ["p3"]);
        assert!(second.next.is_none());
        let endless = select(&index, pods, &q, true);
        assert_eq!(endless.next.as_ref().unwrap().wraps, 1);
    }

    #[test]
    fn list_and_table_json() {
        let index = index();
        let pods = index.resource("", "pods").unwrap();
        let q = ListQuery {
            limit: 1,
            ..ListQuery::default()
        };
        let page = select(&index, pods, &q, false);
        let mut out = Vec::new();
        write_list(&index, pods, "v1", &page, &mut out).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["kind"], "PodList");
        assert_eq!(v["items"][0]["kind"], "Pod");
        assert!(v["metadata"]["continue"].is_string());
        let printer = Printer::for_resource("", "pods", None);
        let mut out = Vec::new();
        write_table(
            &index,
            &printer,
            &page,
            IncludeObject::Metadata,
            "v1",
            &mut out,
        )
        .unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["rows"][0]["cells"][0], "p1");
        assert_eq!(v["rows"][0]["object"]["kind"], "PartialObjectMetadata");
        let mut out = Vec::new();
        write_watch(&index, &page, None, &mut out).unwrap();
        let line: Value =
            serde_json::from_slice(out.split(|b| *b == b'\n').next().unwrap()).unwrap();
        assert_eq!(line["type"], "ADDED");
    }
}
