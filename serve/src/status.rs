//! `Status` objects: how the API server explains an error, and how kubectl prints it
//! (`Error from server (NotFound): pods "x" not found`).

use serde_json::{json, Value};

/// An error answer: HTTP code plus the Status body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    /// HTTP status code.
    pub code: u16,
    /// The Status object.
    pub body: Value,
}

impl ApiError {
    /// A Status with `reason` and `message`.
    pub(crate) fn new(code: u16, reason: &str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            body: json!({
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": message.into(),
                "reason": reason,
                "code": code,
            }),
        }
    }

    /// 404 for a named object: `pods "x" not found`.
    pub(crate) fn not_found(resource: &str, name: &str) -> Self {
        let mut e = Self::new(404, "NotFound", format!("{resource} \"{name}\" not found"));
        e.body["details"] = json!({"name": name, "kind": resource});
        e
    }

    /// 404 for a path the server does not serve.
    pub(crate) fn no_route() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
    }

    /// 400 with a message.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 405: the bundle cannot be changed.
    pub(crate) fn read_only(verb: &str) -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            format!(
                "kbundle serve: the bundle is read-only; {verb} is not allowed (this API serves a support bundle)"
            ),
        )
    }

    /// 410: a continue token from another bundle or an older server.
    pub(crate) fn expired() -> Self {
        Self::new(
            410,
            "Expired",
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
        )
    }

    /// 500 with a message.
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let e = ApiError::not_found("pods", "x");
        assert_eq!(e.code, 404);
        assert_eq!(e.body["message"], "pods \"x\" not found");
        assert_eq!(e.body["details"]["kind"], "pods");
        assert_eq!(
            ApiError::read_only("delete").body["reason"],
            "MethodNotAllowed"
        );
        assert_eq!(ApiError::expired().code, 410);
    }
}
