//! 4.x HTTP: the management listener (8081: `/status`, `/api/v4/*` with an AppID/secret)
//! and the dashboard listener (18083: UI and `/api/v4/*` with dashboard users).

use jiff::Timestamp;

use super::http::{
    DASHBOARD_PAGE, HttpRequest, HttpResponse, HttpState, HttpView, Member, app_status,
    basic_credentials,
};

fn unauthorized() -> HttpResponse {
    HttpResponse::new(401, Some("text/plain"), "UNAUTHORIZED")
        .with_header("www-authenticate", "Basic Realm=\"minirest-server\"")
}

pub(crate) fn management(req: &HttpRequest<'_>, view: &HttpView<'_>) -> HttpResponse {
    if req.path == "/status" && req.method == "GET" {
        let state = match view.state {
            HttpState::Running => "started",
            HttpState::AppStopped | HttpState::Down => "starting",
        };
        let body = format!(
            "Node {} is {state}\nemqx is {}",
            view.node_name,
            app_status(view.state)
        );
        let code = if view.state == HttpState::Running {
            200
        } else {
            503
        };
        return HttpResponse::new(code, Some("text/plain"), body);
    }
    if let Some(api) = req.path.strip_prefix("/api/v4") {
        let creds = (
            view.settings.mgmt_app_id.as_str(),
            view.settings.mgmt_app_secret.as_str(),
        );
        return api_v4(api, req, view, creds);
    }
    HttpResponse::new(400, Some("text/plain"), "Not found.")
}

pub(crate) fn dashboard(req: &HttpRequest<'_>, view: &HttpView<'_>) -> HttpResponse {
    if let Some(api) = req.path.strip_prefix("/api/v4") {
        let creds = (
            view.settings.dashboard_username.as_str(),
            view.settings.dashboard_password.as_str(),
        );
        return api_v4(api, req, view, creds);
    }
    if req.path == "/" || req.path == "/index.html" {
        return HttpResponse::new(200, Some("text/html"), DASHBOARD_PAGE);
    }
    HttpResponse::new(404, None, "")
}

fn api_v4(
    api: &str,
    req: &HttpRequest<'_>,
    view: &HttpView<'_>,
    creds: (&str, &str),
) -> HttpResponse {
    if api == "/emqx_prometheus" && req.method == "GET" {
        return HttpResponse::new(200, Some("text/plain"), "");
    }
    match basic_credentials(req.authorization) {
        Some((user, pass)) if user == creds.0 && pass == creds.1 => {}
        _ => return unauthorized(),
    }
    match (req.method, api.trim_end_matches('/')) {
        ("GET", "/nodes") => {
            // Stopped nodes are dropped: their info map does not match `{Node, Info}`.
            let data: Vec<serde_json::Value> = view
                .members
                .iter()
                .filter(|m| m.running)
                .map(|m| node_info(view, m))
                .collect();
            let body = serde_json::json!({"code": 0, "data": data});
            HttpResponse::json(200, body.to_string())
        }
        _ => HttpResponse::json(404, r#"{"code":404,"message":"Not Found"}"#),
    }
}

fn node_info(view: &HttpView<'_>, member: &Member) -> serde_json::Value {
    serde_json::json!({
        "node": member.name,
        "node_status": "Running",
        "version": view.version.release,
        "uptime": uptime(member.up_since, view.now),
        "otp_release": "24.3.4.2/12.3.2.2",
        "memory_total": "221.61M",
        "memory_used": "160.32M",
        "process_available": 2097152,
        "process_used": 589,
        "max_fds": 1048576,
        "connections": 0,
        "live_connections": 0,
        "load1": "0.21",
        "load5": "0.27",
        "load15": "0.30",
    })
}

/// 4.x `uptime`: `8 minutes, 33 seconds`, leading zero units left out.
pub fn uptime(since: Option<Timestamp>, now: Timestamp) -> String {
    let secs = since
        .map(|s| now.duration_since(s).as_secs().max(0))
        .unwrap_or(0);
    let (d, h, m, s) = (secs / 86400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let mut parts = Vec::new();
    if d > 0 {
        parts.push(format!("{d} days"));
    }
    if d > 0 || h > 0 {
        parts.push(format!("{h} hours"));
    }
    if d > 0 || h > 0 || m > 0 {
        parts.push(format!("{m} minutes"));
    }
    parts.push(format!("{s} seconds"));
    parts.join(", ")
}
