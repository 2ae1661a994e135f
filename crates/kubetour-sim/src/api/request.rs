//! What a handler needs from an HTTP request: query parameters, content types, the
//! field manager, and the body.

use std::collections::HashMap;

use axum::http::{HeaderMap, Method, header};
use bytes::Bytes;
use serde_json::Value;

use super::auth::User;
use super::status::{ApiError, ApiResult};

#[derive(Debug, Clone)]
pub struct Req {
    pub method: Method,
    /// The authenticated user (None only for public paths such as /healthz).
    pub user: Option<User>,
    pub query: HashMap<String, String>,
    pub accept: String,
    pub content_type: String,
    pub user_agent: String,
    pub body: Bytes,
}

impl Req {
    pub fn new(
        method: Method,
        query: HashMap<String, String>,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Req {
        let get = |name: header::HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        Req {
            method,
            user: None,
            query,
            accept: get(header::ACCEPT),
            content_type: get(header::CONTENT_TYPE),
            user_agent: get(header::USER_AGENT),
            body,
        }
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    /// `true`/`1` (as Go's strconv.ParseBool reads them).
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.param(name), Some("true" | "1" | "True" | "TRUE" | "t"))
    }

    pub fn dry_run(&self) -> bool {
        self.param("dryRun") == Some("All")
    }

    /// The media type without parameters.
    pub fn media_type(&self) -> &str {
        self.content_type.split(';').next().unwrap_or("").trim()
    }

    /// Table output asked for in Accept (kubectl get).
    pub fn wants_table(&self) -> bool {
        self.accept
            .split(',')
            .next()
            .is_some_and(|first| first.contains("as=Table"))
    }

    /// Metadata-only output asked for in Accept (kube-rs `get_metadata`, metadata watchers).
    pub fn wants_metadata(&self) -> bool {
        self.accept
            .split(',')
            .next()
            .is_some_and(|first| first.contains("as=PartialObjectMetadata"))
    }

    /// The field manager for non-apply writes: the parameter, else the User-Agent's
    /// program name (`kubectl/v1.33 ...` -> `kubectl`), as the real server derives it.
    pub fn update_manager(&self) -> String {
        if let Some(m) = self.param("fieldManager").filter(|m| !m.is_empty()) {
            return m.to_string();
        }
        let ua = self.user_agent.split('/').next().unwrap_or("").trim();
        if ua.is_empty() {
            "unknown".to_string()
        } else {
            ua.chars().take(128).collect()
        }
    }

    /// The body as JSON (or YAML, which JSON is a subset of) for create/update.
    pub fn json_body(&self) -> ApiResult<Value> {
        match self.media_type() {
            "" | "application/json" | "*/*" => self.parse_json(),
            "application/yaml" | "application/apply-patch+yaml" => self.parse_yaml(),
            super::protobuf::MEDIA_TYPE => super::protobuf::decode(&self.body)
                .map_err(|e| ApiError::unsupported_media(e.to_string())),
            other => Err(unsupported(other)),
        }
    }

    pub fn parse_json(&self) -> ApiResult<Value> {
        serde_json::from_slice(&self.body).map_err(|e| {
            ApiError::bad_request(format!(
                "the object provided is unrecognized (must be of type JSON): {e}"
            ))
        })
    }

    pub fn parse_yaml(&self) -> ApiResult<Value> {
        let text = std::str::from_utf8(&self.body)
            .map_err(|e| ApiError::bad_request(format!("the request body is not UTF-8: {e}")))?;
        crate::yaml::to_json(text)
            .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))
    }
}

pub fn unsupported(media: &str) -> ApiError {
    ApiError::unsupported_media(format!(
        "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got {media:?})"
    ))
}
