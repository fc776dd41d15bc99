//! Properties of the request path grammar as `kbundle serve` reads it from any client:
//! - any path parses to a route (`Unknown` at worst), never a panic;
//! - `%xx` decoding gives back any string, whatever bytes were escaped;
//! - a resource path built from any namespace, resource, name and subresource (each escaped
//!   where it must be: `/` and `%`, and at random elsewhere) names exactly those.

use super::{parse, percent_decode, ResourcePath, Route};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/routes.txt",
        ))),
        ..ProptestConfig::default()
    }
}

/// `s` with `/` and `%` escaped, and every other byte escaped when its bit in `mask` is set.
fn escape(s: &str, mask: u64) -> String {
    let mut out = String::new();
    for (i, b) in s.bytes().enumerate() {
        if b == b'/' || b == b'%' || !b.is_ascii() || mask >> (i % 64) & 1 == 1 {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

/// A path segment: anything but empty (empty segments are skipped, as the API server does).
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z0-9][a-z0-9.-]{0,15}",
        1 => "\\PC{1,8}",
        1 => prop::sample::select(&["%", "%2", "%zz", "/", "..", ".", "a/b", "é", "namespaces"][..])
            .prop_map(str::to_string),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_path_is_a_route(
        path in prop_oneof![
            any::<String>(),
            prop::collection::vec(prop::sample::select(&[
                "/", "api", "apis", "v1", "namespaces", "pods", "log", "%", "%2F", "%e9", "%zz",
                "%%", "..", "x",
            ][..]), 0..12).prop_map(|p| p.concat()),
        ],
    ) {
        let _ = parse(&path);
    }

    #[test]
    fn escaping_any_bytes_decodes_back(s in any::<String>(), mask in any::<u64>()) {
        prop_assert_eq!(percent_decode(&escape(&s, mask)), s);
    }

    #[test]
    fn a_built_resource_path_names_its_parts(
        group in prop::option::of("[a-z][a-z0-9.-]{0,15}"),
        version in "v[0-9]{1,2}(alpha[0-9]|beta[0-9])?",
        namespace in prop::option::of(segment()),
        resource in segment(),
        name in prop::option::of(segment()),
        subresource in prop::option::of(segment()),
        mask in any::<u64>(),
    ) {
        // A subresource only after a name; a cluster-scoped `namespaces/<x>/...` path is a
        // namespaced one by the API's grammar, so that resource is drawn namespaced only.
        let subresource = name.as_ref().and(subresource);
        let namespace = match namespace {
            None if resource == "namespaces" => Some("default".to_string()),
            other => other,
        };
        let mut path = match &group {
            Some(g) => format!("/apis/{g}/{version}"),
            None => format!("/api/{version}"),
        };
        if let Some(ns) = &namespace {
            path.push_str(&format!("/namespaces/{}", escape(ns, mask)));
        }
        for part in [Some(&resource), name.as_ref(), subresource.as_ref()].into_iter().flatten() {
            path.push('/');
            path.push_str(&escape(part, mask.rotate_left(7)));
        }
        let want = Route::Resource(ResourcePath {
            group: group.unwrap_or_default(),
            version,
            namespace,
            resource,
            name,
            subresource,
        });
        prop_assert_eq!(parse(&path), want, "{}", path);
    }
}
