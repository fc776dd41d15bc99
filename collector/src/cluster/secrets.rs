//! Secrets leave the cluster as metadata only: name, namespace, uid, creation time, owners,
//! labels, annotations (without `kubectl.kubernetes.io/last-applied-configuration`, which
//! holds the whole Secret), the type, and the keys of `data` with their values emptied.
//! Nothing else of the object is copied, so a field added to Secrets later cannot leak.

use serde_json::{Map, Value};

/// The annotation `kubectl apply` stores the applied object in, values included.
pub(crate) const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Metadata fields kept.
const KEPT_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "deletionTimestamp",
    "ownerReferences",
    "labels",
    "annotations",
];

/// The metadata-only copy of a Secret.
pub(crate) fn metadata_only(secret: &Value) -> Value {
    let mut out = Map::new();
    out.insert(
        "apiVersion".into(),
        secret
            .get("apiVersion")
            .cloned()
            .unwrap_or_else(|| "v1".into()),
    );
    out.insert(
        "kind".into(),
        secret
            .get("kind")
            .cloned()
            .unwrap_or_else(|| "Secret".into()),
    );
    let mut meta = Map::new();
    if let Some(m) = secret.get("metadata").and_then(Value::as_object) {
        for key in KEPT_METADATA {
            if let Some(v) = m.get(*key) {
                meta.insert((*key).to_string(), v.clone());
            }
        }
    }
    if let Some(Value::Object(annotations)) = meta.get_mut("annotations") {
        annotations.remove(LAST_APPLIED);
    }
    out.insert("metadata".into(), Value::Object(meta));
    if let Some(t) = secret.get("type").filter(|t| t.is_string()) {
        out.insert("type".into(), t.clone());
    }
    if let Some(i) = secret.get("immutable").filter(|i| i.is_boolean()) {
        out.insert("immutable".into(), i.clone());
    }
    let mut keys = Map::new();
    for field in ["data", "stringData"] {
        if let Some(data) = secret.get(field).and_then(Value::as_object) {
            for k in data.keys() {
                keys.insert(k.clone(), Value::String(String::new()));
            }
        }
    }
    out.insert("data".into(), Value::Object(keys));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_metadata_and_keys_remain() {
        let secret = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": "db",
                "namespace": "shop",
                "labels": {"app": "db"},
                "annotations": {
                    LAST_APPLIED: "{\"data\":{\"password\":\"aHVudGVyMg==\"}}",
                    "team": "payments"
                },
                "finalizers": ["x"],
                "managedFields": [{"manager": "kubectl"}]
            },
            "type": "Opaque",
            "data": {"password": "aHVudGVyMg==", "user": "YWRtaW4="},
            "stringData": {"token": "plain"},
            "future": "c2VjcmV0"
        });
        let out = metadata_only(&secret);
        let text = out.to_string();
        for leaked in [
            "aHVudGVyMg",
            "YWRtaW4",
            "plain",
            "c2VjcmV0",
            "last-applied",
            "finalizers",
        ] {
            assert!(!text.contains(leaked), "{leaked} in {text}");
        }
        assert_eq!(out["metadata"]["labels"]["app"], "db");
        assert_eq!(out["metadata"]["annotations"]["team"], "payments");
        assert_eq!(out["type"], "Opaque");
        let keys: Vec<&String> = out["data"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["password", "token", "user"]);
        assert_eq!(out["data"]["password"], "");
    }
}
