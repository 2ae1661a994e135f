//! 5.x HTTP on 18083: `/status` and `/api/v5/status` (no auth), `/api/v5/login`, and
//! the authenticated `/api/v5/*` (bearer token from login, or Basic with an API key —
//! dashboard credentials are NOT accepted as Basic auth).

use super::http::{
    DASHBOARD_PAGE, HttpRequest, HttpResponse, HttpState, HttpView, Member, app_status,
    basic_credentials,
};
use super::tokens::{TokenCheck, TokenStore};

fn error(status: u16, code: &str, message: &str) -> HttpResponse {
    let body = serde_json::json!({"code": code, "message": message});
    HttpResponse::json(status, body.to_string())
}

pub(crate) fn dashboard(
    req: &HttpRequest<'_>,
    view: &HttpView<'_>,
    tokens: &mut TokenStore,
) -> HttpResponse {
    match (req.method, req.path) {
        ("GET", "/status" | "/api/v5/status") => status(req, view),
        ("POST", "/api/v5/login") => login(req, view, tokens),
        (_, "/status" | "/api/v5/status" | "/api/v5/login") => HttpResponse::new(405, None, ""),
        (_, path) if path.starts_with("/api/v5/") => {
            if let Err(refusal) = authorize(req, view, tokens) {
                return refusal;
            }
            api(req, view)
        }
        _ => HttpResponse::new(200, Some("text/html; charset=utf-8"), DASHBOARD_PAGE),
    }
}

fn status(req: &HttpRequest<'_>, view: &HttpView<'_>) -> HttpResponse {
    let code = if view.state == HttpState::Running {
        200
    } else {
        503
    };
    let broker = match view.state {
        HttpState::Running => "started",
        HttpState::AppStopped | HttpState::Down => "starting",
    };
    let json = req.query.split('&').any(|kv| kv == "format=json");
    let response = if json {
        let content_type = if view.version.has_json_content_type_typo() {
            "applicatin/json"
        } else {
            "application/json"
        };
        let body = format!(
            r#"{{"node_name":{},"rel_vsn":"v{}","broker_status":"{broker}","app_status":"{}"}}"#,
            serde_json::Value::from(view.node_name),
            view.version.release,
            app_status(view.state)
        );
        HttpResponse::new(code, Some(content_type), body)
    } else {
        let body = format!(
            "Node {} is {broker}\nemqx is {}",
            view.node_name,
            app_status(view.state)
        );
        HttpResponse::new(code, Some("text/plain"), body)
    };
    response.with_header("retry-after", "15")
}

fn login(req: &HttpRequest<'_>, view: &HttpView<'_>, tokens: &mut TokenStore) -> HttpResponse {
    let parsed: Option<(String, String)> = serde_json::from_slice::<serde_json::Value>(req.body)
        .ok()
        .and_then(|v| {
            let user = v.get("username")?.as_str()?.to_string();
            let pass = v.get("password")?.as_str()?.to_string();
            Some((user, pass))
        });
    let Some((user, pass)) = parsed else {
        return error(400, "BAD_REQUEST", "username and password are required");
    };
    let settings = view.settings;
    if user != settings.dashboard_username || pass != settings.dashboard_password {
        return error(401, "BAD_USERNAME_OR_PWD", "Auth failed");
    }
    let token = tokens.issue(&user, view.now);
    // `emqx_release:edition/0`: ee for the Enterprise image, ce otherwise.
    let edition = if view.version.enterprise { "ee" } else { "ce" };
    let body = format!(
        r#"{{"token":"{token}","version":"{}","license":{{"edition":"{edition}"}}}}"#,
        view.version.release
    );
    HttpResponse::json(200, body)
}

/// `emqx_dashboard:authorize/2`.
fn authorize(
    req: &HttpRequest<'_>,
    view: &HttpView<'_>,
    tokens: &TokenStore,
) -> Result<(), HttpResponse> {
    let Some(header) = req.authorization else {
        return Err(error(
            401,
            "AUTHORIZATION_HEADER_ERROR",
            "Support authorization: basic/bearer ",
        )
        .with_header("www-authenticate", "Basic Realm=\"emqx-dashboard\""));
    };
    if let Some(token) = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
    {
        return match tokens.check(token.trim(), view.now) {
            TokenCheck::Valid { .. } => Ok(()),
            TokenCheck::Expired => Err(error(
                401,
                "TOKEN_TIME_OUT",
                "Token expired, get new token by POST /login",
            )),
            TokenCheck::Unknown => Err(error(401, "BAD_TOKEN", "Get a token by POST /login")),
        };
    }
    match basic_credentials(Some(header)) {
        Some((key, secret)) if view.api_keys.iter().any(|(k, s)| *k == key && *s == secret) => {
            Ok(())
        }
        Some(_) => Err(error(
            401,
            "BAD_API_KEY_OR_SECRET",
            "Check api_key/api_secret",
        )),
        None => Err(error(
            401,
            "AUTHORIZATION_HEADER_ERROR",
            "Support authorization: basic/bearer ",
        )
        .with_header("www-authenticate", "Basic Realm=\"emqx-dashboard\"")),
    }
}

fn api(req: &HttpRequest<'_>, view: &HttpView<'_>) -> HttpResponse {
    match (req.method, req.path.trim_end_matches('/')) {
        ("GET", "/api/v5/nodes") => {
            let nodes: Vec<serde_json::Value> =
                view.members.iter().map(|m| node_info(view, m)).collect();
            HttpResponse::json(200, serde_json::Value::from(nodes).to_string())
        }
        (_, "/api/v5/nodes") => HttpResponse::new(405, None, ""),
        _ => error(404, "NOT_FOUND", "Request Path Not Found"),
    }
}

fn node_info(view: &HttpView<'_>, member: &Member) -> serde_json::Value {
    if !member.running {
        return serde_json::json!({"node": member.name, "node_status": "stopped", "role": "core"});
    }
    let uptime_ms = member
        .up_since
        .map(|s| view.now.duration_since(s).as_millis().max(0))
        .unwrap_or(0);
    serde_json::json!({
        "node": member.name,
        "node_status": "running",
        "version": view.version.release,
        "uptime": uptime_ms as i64,
        "otp_release": "26.2.5.2/14.2.5.2",
        "memory_total": 232_783_872,
        "memory_used": 168_103_936,
        "process_available": 2_097_152,
        "process_used": 612,
        "max_fds": 1_048_576,
        "connections": 0,
        "live_connections": 0,
        "cluster_sessions": 0,
        "load1": 0.21,
        "load5": 0.27,
        "load15": 0.3,
        "edition": if view.version.enterprise { "Enterprise" } else { "Opensource" },
        "role": member.role.as_str(),
        "log_path": "log.file.enable is false, not logging to file.",
        "sys_path": "/opt/emqx",
    })
}
