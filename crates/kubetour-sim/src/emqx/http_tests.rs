use super::*;
use crate::emqx::line::at;
use crate::emqx::settings::{Env, generate};
use base64::Engine;

fn v(tag: &str) -> Version {
    Version::parse_tag(tag).unwrap_or_else(|| panic!("bad tag {tag}"))
}

fn settings(version: &Version) -> Settings {
    generate(version, &Env::new()).unwrap_or_else(|f| panic!("{f:?}"))
}

const NODE: &str = "emqx@emqx-0.emqx-headless.default.svc.cluster.local";

fn members() -> Vec<Member> {
    vec![
        Member {
            name: NODE.into(),
            running: true,
            up_since: Some(at("2024-05-01T10:00:00Z")),
            role: Role::Core,
        },
        Member {
            name: "emqx@emqx-2.emqx-headless.default.svc.cluster.local".into(),
            running: false,
            up_since: None,
            role: Role::Core,
        },
    ]
}

struct Fixture {
    version: Version,
    settings: Settings,
    members: Vec<Member>,
    tokens: TokenStore,
    state: HttpState,
    now: Timestamp,
}

impl Fixture {
    fn new(tag: &str) -> Fixture {
        let version = v(tag);
        Fixture {
            settings: settings(&version),
            version,
            members: members(),
            tokens: TokenStore::new(),
            state: HttpState::Running,
            now: at("2024-05-01T10:08:33Z"),
        }
    }

    fn call(
        &mut self,
        port: u16,
        method: &str,
        target: &str,
        auth: Option<&str>,
        body: &str,
    ) -> HttpAnswer {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let req = HttpRequest {
            method,
            path,
            query,
            authorization: auth,
            body: body.as_bytes(),
        };
        let view = HttpView {
            version: &self.version,
            node_name: NODE,
            state: self.state,
            settings: &self.settings,
            members: &self.members,
            api_keys: &[],
            now: self.now,
        };
        handle(port, &req, &view, &mut self.tokens)
    }

    fn ok(
        &mut self,
        port: u16,
        method: &str,
        target: &str,
        auth: Option<&str>,
        body: &str,
    ) -> HttpResponse {
        match self.call(port, method, target, auth, body) {
            HttpAnswer::Response(r) => r,
            HttpAnswer::ConnectionRefused => panic!("{target}: connection refused"),
        }
    }
}

fn body(r: &HttpResponse) -> &str {
    std::str::from_utf8(&r.body).unwrap_or("<binary>")
}

fn basic(user: &str, pass: &str) -> String {
    let enc = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    format!("Basic {enc}")
}

#[test]
fn status_on_4x_is_on_8081_and_not_on_18083() {
    let mut f = Fixture::new("4.4.19");
    let r = f.ok(8081, "GET", "/status", None, "");
    assert_eq!(r.status, 200);
    assert_eq!(body(&r), format!("Node {NODE} is started\nemqx is running"));
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert_eq!(f.ok(18083, "GET", "/status", None, "").status, 404);
    assert_eq!(
        f.call(1883, "GET", "/status", None, ""),
        HttpAnswer::ConnectionRefused
    );
    let r = f.ok(8081, "POST", "/status", None, "");
    assert_eq!((r.status, body(&r)), (400, "Not found."));
}

#[test]
fn status_on_5x_is_on_18083_with_retry_after() {
    let mut f = Fixture::new("5.8.9");
    for path in ["/status", "/api/v5/status"] {
        let r = f.ok(18083, "GET", path, None, "");
        assert_eq!(r.status, 200);
        assert_eq!(body(&r), format!("Node {NODE} is started\nemqx is running"));
        assert_eq!(r.header("retry-after"), Some("15"));
    }
    assert_eq!(
        f.call(8081, "GET", "/status", None, ""),
        HttpAnswer::ConnectionRefused
    );
}

#[test]
fn a_node_without_listeners_refuses_and_a_stopped_app_is_503() {
    let mut f = Fixture::new("5.8.9");
    f.state = HttpState::Down;
    assert_eq!(
        f.call(18083, "GET", "/status", None, ""),
        HttpAnswer::ConnectionRefused
    );
    f.state = HttpState::AppStopped;
    let r = f.ok(18083, "GET", "/status", None, "");
    assert_eq!(r.status, 503);
    assert!(body(&r).ends_with("emqx is not_running"));
}

#[test]
fn json_status_has_the_content_type_typo_on_5_7_2_to_5_8_2() {
    let mut f = Fixture::new("5.8.2");
    let r = f.ok(18083, "GET", "/status?format=json", None, "");
    assert_eq!(r.header("content-type"), Some("applicatin/json"));
    assert_eq!(
        body(&r),
        format!(
            r#"{{"node_name":"{NODE}","rel_vsn":"v5.8.2","broker_status":"started","app_status":"running"}}"#
        )
    );
    let mut f = Fixture::new("5.8.9");
    let r = f.ok(18083, "GET", "/api/v5/status?format=json", None, "");
    assert_eq!(r.header("content-type"), Some("application/json"));
}

#[test]
fn api_v5_without_a_header_asks_for_basic_or_bearer() {
    let mut f = Fixture::new("5.8.9");
    let r = f.ok(18083, "GET", "/api/v5/nodes", None, "");
    assert_eq!(r.status, 401);
    assert_eq!(
        body(&r),
        r#"{"code":"AUTHORIZATION_HEADER_ERROR","message":"Support authorization: basic/bearer "}"#
    );
    assert_eq!(
        r.header("www-authenticate"),
        Some("Basic Realm=\"emqx-dashboard\"")
    );
}

#[test]
fn dashboard_credentials_as_basic_auth_are_a_bad_api_key() {
    let mut f = Fixture::new("5.8.9");
    let auth = basic("admin", "public");
    let r = f.ok(18083, "GET", "/api/v5/nodes", Some(&auth), "");
    assert_eq!(r.status, 401);
    assert_eq!(
        body(&r),
        r#"{"code":"BAD_API_KEY_OR_SECRET","message":"Check api_key/api_secret"}"#
    );
}

#[test]
fn login_then_bearer_lists_running_and_stopped_nodes() {
    let mut f = Fixture::new("5.8.9");
    let r = f.ok(
        18083,
        "POST",
        "/api/v5/login",
        None,
        r#"{"username":"admin","password":"public"}"#,
    );
    assert_eq!(r.status, 200);
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["version"], "5.8.9");
    assert_eq!(v["license"], serde_json::json!({"edition": "ce"}));
    assert!(body(&r).starts_with(r#"{"token":""#));
    let token = v["token"].as_str().unwrap_or_default().to_string();
    let auth = format!("Bearer {token}");
    let r = f.ok(18083, "GET", "/api/v5/nodes", Some(&auth), "");
    assert_eq!(r.status, 200);
    let nodes: serde_json::Value =
        serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(nodes[0]["node"], NODE);
    assert_eq!(nodes[0]["node_status"], "running");
    assert_eq!(nodes[0]["uptime"], 513_000);
    assert_eq!(nodes[0]["edition"], "Opensource");
    assert_eq!(
        nodes[1],
        serde_json::json!({"node": "emqx@emqx-2.emqx-headless.default.svc.cluster.local", "node_status": "stopped", "role": "core"})
    );
    f.now = at("2024-05-01T12:00:00Z");
    let r = f.ok(18083, "GET", "/api/v5/nodes", Some(&auth), "");
    assert_eq!(
        body(&r),
        r#"{"code":"TOKEN_TIME_OUT","message":"Token expired, get new token by POST /login"}"#
    );
    let r = f.ok(18083, "GET", "/api/v5/nodes", Some("Bearer nope"), "");
    assert_eq!(
        body(&r),
        r#"{"code":"BAD_TOKEN","message":"Get a token by POST /login"}"#
    );
}

#[test]
fn a_wrong_password_fails_login() {
    let mut f = Fixture::new("5.8.9");
    let r = f.ok(
        18083,
        "POST",
        "/api/v5/login",
        None,
        r#"{"username":"admin","password":"nope"}"#,
    );
    assert_eq!(r.status, 401);
    assert_eq!(
        body(&r),
        r#"{"code":"BAD_USERNAME_OR_PWD","message":"Auth failed"}"#
    );
}

#[test]
fn api_v4_nodes_needs_the_app_credentials_and_drops_stopped_nodes() {
    let mut f = Fixture::new("4.4.19");
    let r = f.ok(8081, "GET", "/api/v4/nodes", None, "");
    assert_eq!((r.status, body(&r)), (401, "UNAUTHORIZED"));
    assert_eq!(
        r.header("www-authenticate"),
        Some("Basic Realm=\"minirest-server\"")
    );
    let auth = basic("admin", "public");
    let r = f.ok(8081, "GET", "/api/v4/nodes", Some(&auth), "");
    assert_eq!(r.status, 200);
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["code"], 0);
    let data = v["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["node_status"], "Running");
    assert_eq!(data[0]["version"], "4.4.19");
    assert_eq!(data[0]["uptime"], "8 minutes, 33 seconds");
    assert_eq!(data[0]["otp_release"], "24.3.4.2/12.3.2.2");
}

#[test]
fn uptime_words_leave_out_leading_zero_units() {
    let t0 = at("2024-05-01T10:00:00Z");
    assert_eq!(
        crate::emqx::http_v4::uptime(Some(t0), at("2024-05-01T10:00:33Z")),
        "33 seconds"
    );
    assert_eq!(
        crate::emqx::http_v4::uptime(Some(t0), at("2024-05-02T11:00:05Z")),
        "1 days, 1 hours, 0 minutes, 5 seconds"
    );
}
