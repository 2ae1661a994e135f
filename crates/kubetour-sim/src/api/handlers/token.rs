//! The `token` subresource of service accounts (authentication.k8s.io/v1
//! TokenRequest), what `kubectl create token` posts: a token the simulator accepts as
//! that service account until it expires. It is shaped like the real one (a JWT with
//! the real claims) so tools that decode it find what they expect; its signature is
//! random, since nothing but the simulator checks it.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::api::ApiState;
use crate::api::request::Req;
use crate::api::router::Obj;
use crate::api::status::{ApiError, ApiResult, Cause, json_response};
use crate::clock::format_seconds;
use crate::store::new_uid;

/// The API server's audience (and issuer), as a kubeadm cluster has it.
const AUDIENCE: &str = "https://kubernetes.default.svc.cluster.local";
const DEFAULT_SECONDS: i64 = 3600;
const MIN_SECONDS: i64 = 600;

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

fn jwt(claims: &Value) -> String {
    let header = json!({"alg": "RS256", "kid": "kubetour-sim"});
    let signature: [u8; 32] = rand::random();
    format!(
        "{}.{}.{}",
        b64(&header),
        b64(claims),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// POST serviceaccounts/NAME/token.
pub fn create(state: &Arc<ApiState>, r: &Req, obj: &Obj) -> ApiResult<Response> {
    let Some(account) = state.store.get(obj.info.res, &obj.ns, &obj.name) else {
        return Err(ApiError::not_found(obj.info, &obj.name));
    };
    let body = if r.body.is_empty() {
        json!({})
    } else {
        r.json_body()?
    };
    let seconds = body
        .pointer("/spec/expirationSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(DEFAULT_SECONDS);
    if seconds < MIN_SECONDS {
        let cause = Cause::invalid(
            "spec.expirationSeconds",
            &json!(seconds),
            "may not specify a duration less than 10 minutes",
        );
        let info = crate::resources::Res::ServiceAccount.info();
        let mut err = ApiError::invalid(info, &obj.name, vec![cause]);
        err.message = format!(
            "TokenRequest.authentication.k8s.io \"{}\" is invalid: spec.expirationSeconds: Invalid value: {seconds}: may not specify a duration less than 10 minutes",
            obj.name
        );
        return Err(err);
    }
    let audiences = match body.pointer("/spec/audiences").and_then(Value::as_array) {
        Some(a) if !a.is_empty() => Value::Array(a.clone()),
        _ => json!([AUDIENCE]),
    };
    let now = state.store.clock().now();
    let expires = now
        .checked_add(SignedDuration::from_secs(seconds))
        .unwrap_or(Timestamp::MAX);
    let claims = json!({
        "aud": audiences,
        "exp": expires.as_second(),
        "iat": now.as_second(),
        "iss": AUDIENCE,
        "jti": new_uid(),
        "kubernetes.io": {
            "namespace": obj.ns,
            "serviceaccount": {"name": obj.name, "uid": account.pointer("/metadata/uid")},
        },
        "nbf": now.as_second(),
        "sub": format!("system:serviceaccount:{}:{}", obj.ns, obj.name),
    });
    let token = jwt(&claims);
    state
        .world
        .tokens
        .register_until(&token, &obj.ns, &obj.name, expires);
    let answer = json!({
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"name": obj.name, "namespace": obj.ns, "creationTimestamp": null},
        "spec": {
            "audiences": audiences,
            "expirationSeconds": seconds,
            "boundObjectRef": body.pointer("/spec/boundObjectRef").cloned().unwrap_or(Value::Null),
        },
        "status": {"token": token, "expirationTimestamp": format_seconds(expires)},
    });
    Ok(json_response(StatusCode::CREATED, &answer))
}
