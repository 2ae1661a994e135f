//! Bearer-token authentication. The admin token is generated at start; requests without
//! a token, or with an unknown one, get the real 401 Unauthorized Status (our sim turns
//! anonymous access off, which a real server may also do).

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use std::sync::Arc;

use super::ApiState;
use super::status::ApiError;

/// Who a request is from (RBAC for other users comes with part 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub groups: Vec<String>,
}

#[derive(Debug)]
pub struct Authenticator {
    admin_token: String,
    /// Other tokens (service accounts), plugged in by later parts.
    pub others: Option<std::sync::Arc<dyn super::authz::TokenReview>>,
}

impl Authenticator {
    pub fn generate() -> Authenticator {
        let mut rng = rand::rng();
        let admin_token: String = (0..32)
            .map(|_| {
                let n: u8 = rng.random_range(0..16);
                char::from_digit(u32::from(n), 16).unwrap_or('0')
            })
            .collect();
        Authenticator {
            admin_token,
            others: None,
        }
    }

    /// The admin token a previous run handed out (kubeconfigs written then keep working).
    pub fn with_admin_token(admin_token: String) -> Authenticator {
        Authenticator {
            admin_token,
            others: None,
        }
    }

    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// The user a bearer token belongs to, if any.
    pub fn authenticate(&self, token: &str) -> Option<User> {
        if token == self.admin_token {
            return Some(User {
                name: "kubetour-admin".into(),
                groups: vec!["system:masters".into(), "system:authenticated".into()],
            });
        }
        self.others.as_ref().and_then(|o| o.authenticate(token))
    }
}

/// Paths served without credentials, as health probes are on a real server.
fn is_public(path: &str) -> bool {
    matches!(path, "/healthz" | "/livez" | "/readyz")
}

/// axum middleware: 401 unless the bearer token is known; the user goes into extensions.
pub async fn require_token(
    State(state): State<Arc<ApiState>>,
    mut req: Request,
    next: Next,
) -> Response {
    if is_public(req.uri().path()) {
        return next.run(req).await;
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(user) = token.and_then(|t| state.auth.authenticate(t)) else {
        return ApiError::unauthorized().into_response();
    };
    // Impersonation, then RBAC for every request (resource or not): `access`.
    let user = match super::access::admit(&state, user, &req) {
        Ok(user) => user,
        Err(denied) => return *denied,
    };
    req.extensions_mut().insert(user);
    next.run(req).await
}
