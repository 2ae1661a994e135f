//! EMQX's HTTP answers (EMQX.md §4), for the API server's service/pod proxy and for
//! readiness probes. 4.x: management API + `/status` on 8081, dashboard on 18083.
//! 5.x: everything on 18083. A port with no listener (or a node whose listeners are not
//! up) refuses the connection.
//!
//! Choices where EMQX.md is silent (documented, approximate):
//! - 4.x 18083 `/status` (no such route): 404 with an empty body (cowboy static).
//! - 4.x unknown `/api/v4/...` after auth: 404 `{"code":404,"message":"Not Found"}`.
//! - 5.x unknown `/api/v5/...`: 404 `{"code":"NOT_FOUND","message":"Request Path Not Found"}`;
//!   a known path with another method: 405 with an empty body.
//! - Other 18083 paths serve the dashboard page (200, text/html).

use jiff::Timestamp;

use super::settings::{Role, Settings};
use super::tokens::TokenStore;
use super::version::{Family, Version};

/// One request as the proxy forwards it.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The raw query string without `?` (empty when none).
    pub query: &'a str,
    /// The `Authorization` header value, if sent.
    pub authorization: Option<&'a str>,
    pub body: &'a [u8],
}

/// Whether the node's HTTP listeners are up and its `emqx` application runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpState {
    /// Listeners not started (booting, waiting for tables, exited): connection refused.
    Down,
    /// Listeners up, `emqx` application not running (stopped for a join): 503 status.
    AppStopped,
    Running,
}

/// A cluster member as `/api/v*/nodes` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub running: bool,
    /// When the node's VM started (for `uptime`); None if unknown.
    pub up_since: Option<Timestamp>,
    /// `mria_rlog:role/1` of the node (`/api/v5/nodes` `role`).
    pub role: Role,
}

/// What the HTTP handlers read of the node.
#[derive(Debug, Clone)]
pub struct HttpView<'a> {
    pub version: &'a Version,
    pub node_name: &'a str,
    pub state: HttpState,
    pub settings: &'a Settings,
    /// Running members first in membership order, then stopped ones.
    pub members: &'a [Member],
    /// 5.x API keys (`key`, `secret`), e.g. from `api_key.bootstrap_file`.
    pub api_keys: &'a [(String, String)],
    pub now: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    /// Lowercase names, as cowboy sends them.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn new(status: u16, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> HttpResponse {
        let headers = content_type
            .map(|ct| vec![("content-type".to_string(), ct.to_string())])
            .unwrap_or_default();
        HttpResponse {
            status,
            headers,
            body: body.into(),
        }
    }

    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> HttpResponse {
        HttpResponse::new(status, Some("application/json"), body)
    }

    pub fn with_header(mut self, name: &str, value: &str) -> HttpResponse {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpAnswer {
    ConnectionRefused,
    Response(HttpResponse),
}

/// The ports that speak HTTP, per version.
pub fn http_ports(family: Family) -> &'static [u16] {
    match family {
        Family::V4 => &[8081, 18083],
        Family::V5 => &[18083],
    }
}

/// Handles one request to `port` on the node.
pub fn handle(
    port: u16,
    req: &HttpRequest<'_>,
    view: &HttpView<'_>,
    tokens: &mut TokenStore,
) -> HttpAnswer {
    let family = view.version.family();
    if view.state == HttpState::Down || !http_ports(family).contains(&port) {
        return HttpAnswer::ConnectionRefused;
    }
    HttpAnswer::Response(match (family, port) {
        (Family::V4, 8081) => super::http_v4::management(req, view),
        (Family::V4, _) => super::http_v4::dashboard(req, view),
        (Family::V5, _) => super::http_v5::dashboard(req, view, tokens),
    })
}

/// The app status word in `/status` bodies.
pub(crate) fn app_status(state: HttpState) -> &'static str {
    match state {
        HttpState::Running => "running",
        HttpState::AppStopped | HttpState::Down => "not_running",
    }
}

/// Parses `Basic base64(user:pass)`.
pub(crate) fn basic_credentials(authorization: Option<&str>) -> Option<(String, String)> {
    use base64::Engine;
    let value = authorization?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_string(), pass.to_string()))
}

/// The dashboard's page: a plain, clearly marked stand-in for the real web app (the
/// HTTP API behind it answers; the page says so to whoever opens it in a browser).
pub(crate) const DASHBOARD_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>EMQX Dashboard</title></head><body><div id=\"app\"><h1>EMQX Dashboard (simulated by kubetour)</h1><p>This simulated EMQX node has no dashboard web app. Its HTTP API answers: try <a href=\"/status\">/status</a>, <code>/api/v5/nodes</code> (5.x) or <code>/api/v4/nodes</code> on 8081 (4.x), with the dashboard user or an API key.</p></div></body></html>";

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
