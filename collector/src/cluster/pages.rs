//! An API page read through the one List decoder (`kbundle_kube::list::stream`): its head
//! (kind, continue token, item count, first item) for the next request, then its items one
//! at a time for the writer, never the page decoded whole.

use kbundle_kube::list::stream::{for_each_json_slice, ListError, ObjectKey};
use serde_json::Value;
use std::io;

/// The head of a page: what the next request needs, read without keeping the items.
#[derive(Debug, Default, Clone)]
pub(crate) struct PageHead {
    /// `kind` of the List (`PodList`).
    pub kind: String,
    /// `apiVersion` of the List.
    pub api_version: String,
    /// `metadata.continue`, when more pages follow.
    pub cont: Option<String>,
    /// `metadata.resourceVersion`.
    pub resource_version: Option<String>,
    /// `namespace/name` of the first item (loop detection).
    pub first: Option<String>,
}

/// Why a page is not a List the collector can write.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PageError {
    /// Not a well-formed List.
    #[error("not a List: {0}")]
    NotAList(#[from] ListError),
    /// A bare array where the API server sends a List object.
    #[error("not a List: an array, not a List object")]
    NotAnObject,
}

/// Checks that a page is a well-formed List object and reads its head.
pub(crate) fn page_head(body: &[u8]) -> Result<PageHead, PageError> {
    let mut first: Option<String> = None;
    let head = for_each_json_slice(body, |key: ObjectKey| {
        if first.is_none() {
            first = Some(format!("{}/{}", key.metadata.namespace, key.metadata.name));
        }
        Ok::<(), std::convert::Infallible>(())
    })?;
    if !head.envelope {
        return Err(PageError::NotAnObject);
    }
    Ok(PageHead {
        kind: head.kind,
        api_version: head.api_version,
        cont: head.cont,
        resource_version: head.resource_version,
        first,
    })
}

/// Calls `f` for each item of a page, one decoded item at a time.
pub(crate) fn each_item(
    body: &[u8],
    f: &mut dyn FnMut(Value) -> io::Result<()>,
) -> Result<(), ListError> {
    for_each_json_slice(body, |item: Value| f(item)).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_count_items_and_find_the_continue_token() {
        let body = br#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"abc","remainingItemCount":3},
            "items":[{"metadata":{"namespace":"a","name":"p1"}},{"metadata":{"name":"p2"}}]}"#;
        let h = page_head(body).unwrap();
        assert_eq!(h.kind, "PodList");
        assert_eq!(h.cont.as_deref(), Some("abc"));
        assert_eq!(h.resource_version.as_deref(), Some("7"));
        assert_eq!(h.first.as_deref(), Some("a/p1"));
        let last = page_head(br#"{"metadata":{"continue":""},"items":null}"#).unwrap();
        assert_eq!(last.cont, None);
        assert!(page_head(br#"{"kind":"PodList","items":[{"#).is_err());
        assert!(page_head(b"[1]").is_err());
    }

    #[test]
    fn items_are_visited_one_by_one() {
        let body = br#"{"items":[{"a":1},{"b":2}],"kind":"X"}"#;
        let mut seen = Vec::new();
        each_item(body, &mut |v| {
            seen.push(v);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1]["b"], 2);
    }
}
