//! Errors as the real API server reports them: a `Status` object with a reason, a
//! message worded like the real one, and the HTTP code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::resources::ResInfo;
use crate::store::StoreError;

/// One field error of a 422 Invalid.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    pub reason: &'static str,
    pub message: String,
    pub field: String,
}

impl Cause {
    /// `Invalid value: "x": why`
    pub fn invalid(field: impl Into<String>, value: &Value, why: &str) -> Cause {
        Cause {
            reason: "FieldValueInvalid",
            message: format!("Invalid value: {}: {why}", go_value(value)),
            field: field.into(),
        }
    }
    pub fn required(field: impl Into<String>, why: &str) -> Cause {
        let message = if why.is_empty() {
            "Required value".to_string()
        } else {
            format!("Required value: {why}")
        };
        Cause {
            reason: "FieldValueRequired",
            message,
            field: field.into(),
        }
    }
    pub fn forbidden(field: impl Into<String>, why: &str) -> Cause {
        Cause {
            reason: "FieldValueForbidden",
            message: format!("Forbidden: {why}"),
            field: field.into(),
        }
    }
    pub fn not_supported(field: impl Into<String>, value: &Value, allowed: &[&str]) -> Cause {
        let allowed: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
        Cause {
            reason: "FieldValueNotSupported",
            message: format!(
                "Unsupported value: {}: supported values: {}",
                go_value(value),
                allowed.join(", ")
            ),
            field: field.into(),
        }
    }
}

/// How Go's `%#v`-ish error formatting shows a value in field errors.
fn go_value(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("\"{k}\":{}", go_value(v)))
                .collect();
            format!("map[string]string{{{}}}", inner.join(", "))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(go_value).collect();
            format!("[]string{{{}}}", inner.join(", "))
        }
        Value::Null => "null".to_string(),
        other => other.to_string(),
    }
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    fn with_details(mut self, details: Value) -> ApiError {
        self.details = Some(details);
        self
    }

    /// `pods "x" not found`
    pub fn not_found(info: &ResInfo, name: &str) -> ApiError {
        ApiError::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", qualified(info)),
        )
        .with_details(details(info, name))
    }

    /// The 404 for a path the server does not serve at all.
    pub fn no_such_path() -> ApiError {
        ApiError::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
        .with_details(json!({}))
    }

    pub fn already_exists(info: &ResInfo, name: &str) -> ApiError {
        ApiError::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", qualified(info)),
        )
        .with_details(details(info, name))
    }

    pub fn conflict(info: &ResInfo, name: &str, why: &str) -> ApiError {
        ApiError::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": {why}",
                qualified(info)
            ),
        )
        .with_details(details(info, name))
    }

    pub fn stale(info: &ResInfo, name: &str) -> ApiError {
        ApiError::conflict(
            info,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// 422 with field causes: `Pod "x" is invalid: [a, b]`.
    pub fn invalid(info: &ResInfo, name: &str, causes: Vec<Cause>) -> ApiError {
        let parts: Vec<String> = causes
            .iter()
            .map(|c| format!("{}: {}", c.field, c.message))
            .collect();
        let list = if parts.len() == 1 {
            parts.join("")
        } else {
            format!("[{}]", parts.join(", "))
        };
        let kind = if info.group.is_empty() {
            info.kind.to_string()
        } else {
            format!("{}.{}", info.kind, info.group)
        };
        let mut d = json!({"name": name, "kind": info.kind});
        if !info.group.is_empty() {
            d["group"] = json!(info.group);
        }
        d["causes"] = causes
            .iter()
            .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
            .collect();
        ApiError::new(
            422,
            "Invalid",
            format!("{kind} \"{name}\" is invalid: {list}"),
        )
        .with_details(d)
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "BadRequest", message)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(401, "Unauthorized", "Unauthorized")
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(403, "Forbidden", message)
    }

    pub fn method_not_allowed(message: impl Into<String>) -> ApiError {
        ApiError::new(405, "MethodNotAllowed", message)
    }

    pub fn unsupported_media(message: impl Into<String>) -> ApiError {
        ApiError::new(415, "UnsupportedMediaType", message)
    }

    pub fn gone(message: impl Into<String>) -> ApiError {
        ApiError::new(410, "Expired", message)
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(500, "InternalError", message)
    }

    /// The Status object itself (also carried by watch ERROR events).
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        });
        if let Some(d) = &self.details {
            status["details"] = d.clone();
        }
        status["code"] = json!(self.code);
        // details: name, group, kind, causes, as the real server writes them.
        crate::key_order::canonical("Status", &mut status);
        status
    }

    /// Maps a store error for a request on `info`.
    pub fn from_store(info: &ResInfo, err: StoreError) -> ApiError {
        match err {
            StoreError::NotFound { name, .. } => ApiError::not_found(info, &name),
            StoreError::AlreadyExists { name, .. } => ApiError::already_exists(info, &name),
            StoreError::Conflict { name, .. } => ApiError::stale(info, &name),
            StoreError::Gone { requested, oldest } => ApiError::gone(format!(
                "too old resource version: {requested} ({})",
                oldest.saturating_sub(1)
            )),
            StoreError::MissingName => ApiError::invalid(
                info,
                "",
                vec![Cause::required(
                    "metadata.name",
                    "name or generateName is required",
                )],
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        json_response(code, &self.to_status())
    }
}

/// `pods`, or `deployments.apps` for named groups (as in real messages).
pub fn qualified(info: &ResInfo) -> String {
    if info.group.is_empty() {
        info.plural.to_string()
    } else {
        format!("{}.{}", info.plural, info.group)
    }
}

fn details(info: &ResInfo, name: &str) -> Value {
    let mut d = json!({"name": name});
    if !info.group.is_empty() {
        d["group"] = json!(info.group);
    }
    d["kind"] = json!(info.plural);
    d
}

/// A JSON body with the given status code.
pub fn json_response(code: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut resp = (code, bytes).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::Res;

    #[test]
    fn an_invalid_pod_lists_every_cause_in_the_message() {
        let err = ApiError::invalid(
            Res::Pod.info(),
            "EMQX_Pod",
            vec![
                Cause::invalid("metadata.name", &json!("EMQX_Pod"), "bad"),
                Cause::required("spec.containers[0].image", ""),
            ],
        );
        assert_eq!(
            err.message,
            "Pod \"EMQX_Pod\" is invalid: [metadata.name: Invalid value: \"EMQX_Pod\": bad, spec.containers[0].image: Required value]"
        );
        let status = err.to_status();
        assert_eq!(status["code"], 422);
        assert_eq!(
            status["details"]["causes"][1]["reason"],
            "FieldValueRequired"
        );
    }

    #[test]
    fn not_found_names_the_group_qualified_plural() {
        let err = ApiError::not_found(Res::Deployment.info(), "web");
        assert_eq!(err.message, "deployments.apps \"web\" not found");
        assert_eq!(err.to_status()["details"]["group"], "apps");
    }
}
