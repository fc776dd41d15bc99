//! The self-access reviews kubectl sends (`kubectl auth can-i`, and before some commands):
//! reading is allowed, writing is not (the bundle is read-only). kubectl sends these bodies as
//! protobuf, so the few fields needed are read from the protobuf envelope as well as JSON.

use serde_json::{json, Value};

/// The answer to a POST of `selfsubjectaccessreviews` or `selfsubjectrulesreviews`; `None`
/// for any other resource.
pub(crate) fn answer(resource: &str, body: &[u8]) -> Option<Value> {
    match resource {
        "selfsubjectaccessreviews" => {
            let spec = read_spec(body);
            let verb = spec
                .pointer("/resourceAttributes/verb")
                .or_else(|| spec.pointer("/nonResourceAttributes/verb"))
                .and_then(Value::as_str)
                .unwrap_or("get");
            let status = if matches!(verb, "get" | "list" | "watch") {
                json!({"allowed": true, "reason": "kbundle serve: reading the bundle is allowed"})
            } else {
                json!({"allowed": false, "reason": "kbundle serve: the bundle is read-only"})
            };
            Some(json!({
                "kind": "SelfSubjectAccessReview",
                "apiVersion": "authorization.k8s.io/v1",
                "metadata": {},
                "spec": spec,
                "status": status,
            }))
        }
        "selfsubjectrulesreviews" => Some(json!({
            "kind": "SelfSubjectRulesReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {},
            "spec": {},
            "status": {
                "resourceRules": [{"verbs": ["get", "list", "watch"], "apiGroups": ["*"], "resources": ["*"]}],
                "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["*"]}],
                "incomplete": false,
            },
        })),
        _ => None,
    }
}

/// The review's `spec`, from JSON or from the protobuf envelope (`k8s\0` + runtime.Unknown).
fn read_spec(body: &[u8]) -> Value {
    if let Some(proto) = body.strip_prefix(b"k8s\x00") {
        return proto_spec(proto).unwrap_or_else(|| json!({}));
    }
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("spec").cloned())
        .unwrap_or_else(|| json!({}))
}

/// runtime.Unknown{raw=2} → SelfSubjectAccessReview{spec=2} → spec{resourceAttributes=1,
/// nonResourceAttributes=2} → attributes (string fields).
fn proto_spec(unknown: &[u8]) -> Option<Value> {
    let raw = field(unknown, 2)?;
    let spec = field(raw, 2)?;
    let mut out = json!({});
    if let Some(attrs) = field(spec, 1) {
        let names = [
            "namespace",
            "verb",
            "group",
            "version",
            "resource",
            "subresource",
            "name",
        ];
        out["resourceAttributes"] = strings(attrs, &names);
    }
    if let Some(attrs) = field(spec, 2) {
        out["nonResourceAttributes"] = strings(attrs, &["path", "verb"]);
    }
    Some(out)
}

fn strings(message: &[u8], names: &[&str]) -> Value {
    let mut map = serde_json::Map::new();
    for (i, name) in names.iter().enumerate() {
        if let Some(bytes) = field(message, i as u64 + 1) {
            map.insert(
                name.to_string(),
                String::from_utf8_lossy(bytes).into_owned().into(),
            );
        }
    }
    Value::Object(map)
}

/// The first length-delimited field `number` of a protobuf message.
fn field(mut message: &[u8], number: u64) -> Option<&[u8]> {
    while !message.is_empty() {
        let key = varint(&mut message)?;
        match key & 7 {
            0 => {
                varint(&mut message)?;
            }
            1 => message = message.get(8..)?,
            5 => message = message.get(4..)?,
            2 => {
                let len = usize::try_from(varint(&mut message)?).ok()?;
                let value = message.get(..len)?;
                message = message.get(len..)?;
                if key >> 3 == number {
                    return Some(value);
                }
            }
            _ => return None,
        }
    }
    None
}

fn varint(input: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = input.split_first()?;
        *input = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What kubectl 1.27 sends for `kubectl auth can-i delete pods`.
    const CAN_I_DELETE: &[u8] = b"k8s\x00\n2\n\x17authorization.k8s.io/v1\x12\x17SelfSubjectAccessReview\x12?\n\x10\n\x00\x12\x00\x1a\x00\"\x00*\x002\x008\x00B\x00\x12!\n\x1f\n\x07default\x12\x06delete\x1a\x00\"\x00*\x04pods2\x00:\x00\x1a\x08\x08\x00\x12\x00\x1a\x00 \x00\x1a\x00\"\x00";

    #[test]
    fn protobuf_and_json_reviews() {
        let r = answer("selfsubjectaccessreviews", CAN_I_DELETE).unwrap();
        assert_eq!(r["spec"]["resourceAttributes"]["verb"], "delete");
        assert_eq!(r["spec"]["resourceAttributes"]["resource"], "pods");
        assert_eq!(r["status"]["allowed"], false);
        let r = answer(
            "selfsubjectaccessreviews",
            br#"{"spec":{"resourceAttributes":{"verb":"list","resource":"pods"}}}"#,
        )
        .unwrap();
        assert_eq!(r["status"]["allowed"], true);
        assert!(answer("selfsubjectrulesreviews", b"").is_some());
        assert!(answer("tokenreviews", b"{}").is_none());
        assert_eq!(read_spec(b"k8s\x00\xff"), json!({}));
    }
}
