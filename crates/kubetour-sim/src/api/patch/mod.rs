//! Patches: JSON merge patch (RFC 7386), strategic merge patch (Kubernetes' list-aware
//! merge, with the directives kubectl's client-side apply sends), JSON patch (RFC 6902),
//! and server-side apply (`apply`).

pub mod apply;
pub mod strategic;

use serde_json::Value;

use super::request::Req;
use super::status::{ApiError, ApiResult};

pub const MERGE: &str = "application/merge-patch+json";
pub const STRATEGIC: &str = "application/strategic-merge-patch+json";
pub const JSON_PATCH: &str = "application/json-patch+json";
pub const APPLY: &str = "application/apply-patch+yaml";

pub fn unsupported_patch(media: &str) -> ApiError {
    ApiError::unsupported_media(format!(
        "the body of the request was in an unknown format - accepted media types include: {JSON_PATCH}, {MERGE}, {APPLY}, {STRATEGIC} (got {media:?})"
    ))
}

/// Applies a merge, strategic or JSON patch from the request to `current`.
pub fn apply_non_apply(r: &Req, current: &Value) -> ApiResult<Value> {
    let media = r.media_type();
    let body = match media {
        MERGE | STRATEGIC | JSON_PATCH => r.parse_json()?,
        other => return Err(unsupported_patch(other)),
    };
    let mut doc = current.clone();
    match media {
        MERGE => json_patch::merge(&mut doc, &body),
        STRATEGIC => {
            if !body.is_object() {
                return Err(ApiError::bad_request(
                    "a strategic merge patch must be a JSON object",
                ));
            }
            strategic::merge(&mut doc, &body);
        }
        _ => {
            let ops: json_patch::Patch = serde_json::from_value(body)
                .map_err(|e| ApiError::bad_request(format!("invalid JSON patch: {e}")))?;
            json_patch::patch(&mut doc, &ops).map_err(|e| {
                ApiError::new(
                    422,
                    "Invalid",
                    format!("the server rejected our request due to an error in our request: {e}"),
                )
            })?;
        }
    }
    Ok(doc)
}
