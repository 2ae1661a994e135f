//! The simulated API server at the HTTP level: auth, discovery, watch streaming, Table
//! output, error Statuses, and HTTPS with a generated kubeconfig.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, ListParams};
use kubetour_sim::cluster::{Sim, SimConfig};
use serde_json::{Value, json};
use tower::ServiceExt;

struct Answer {
    status: StatusCode,
    content_type: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
    fn lines(&self) -> Vec<Value> {
        self.body
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

async fn call(
    sim: &Sim,
    method: &str,
    uri: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = sim
        .router()
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let content_type = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        content_type,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

async fn get(sim: &Sim, uri: &str) -> Answer {
    let token = sim.admin_token().to_string();
    call(sim, "GET", uri, Some(&token), &[], "").await
}

#[tokio::test(start_paused = true)]
async fn requests_without_a_valid_token_are_unauthorized() {
    let sim = Sim::start(SimConfig::default());
    for token in [None, Some("wrong")] {
        let a = call(
            &sim,
            "GET",
            "/api/v1/namespaces/default/pods",
            token,
            &[],
            "",
        )
        .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            a.json(),
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                   "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
        );
    }
    assert_eq!(
        get(&sim, "/api/v1/namespaces/default/pods").await.status,
        StatusCode::OK
    );
}

#[tokio::test(start_paused = true)]
async fn discovery_reports_a_1_33_server_and_the_served_kinds() {
    let sim = Sim::start(SimConfig::default());
    let v = get(&sim, "/version").await.json();
    assert_eq!(
        (v["major"].as_str(), v["minor"].as_str()),
        (Some("1"), Some("33"))
    );
    assert!(v["gitVersion"].as_str().unwrap().starts_with("v1.33."));
    let apps = get(&sim, "/apis/apps/v1").await.json();
    let names: Vec<&str> = apps["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"deployments") && names.contains(&"statefulsets/scale"),
        "{names:?}"
    );
    let groups = get(&sim, "/apis").await.json();
    assert!(
        groups["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "rbac.authorization.k8s.io")
    );
    let missing = get(&sim, "/apis/example.com/v1/widgets").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.json()["message"],
        "the server could not find the requested resource"
    );
}

#[tokio::test(start_paused = true)]
async fn openapi_documents_let_kubectl_leave_validation_to_the_server() {
    let sim = Sim::start(SimConfig::default());
    let root = get(&sim, "/openapi/v3").await.json();
    let url = root["paths"]["apis/apps/v1"]["serverRelativeURL"]
        .as_str()
        .unwrap()
        .to_string();
    let doc = get(&sim, &url).await.json();
    let patch = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
    assert_eq!(
        patch["x-kubernetes-group-version-kind"]["kind"],
        "Deployment"
    );
    assert!(
        patch["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "fieldValidation")
    );
}

#[tokio::test(start_paused = true)]
async fn a_watch_from_a_compacted_version_answers_200_then_an_expired_error() {
    let sim = Sim::start(SimConfig::default());
    for i in 0..5 {
        let body = json!({"metadata": {"name": format!("c{i}")}}).to_string();
        let token = sim.admin_token().to_string();
        let a = call(
            &sim,
            "POST",
            "/api/v1/namespaces/default/configmaps",
            Some(&token),
            &[("content-type", "application/json")],
            &body,
        )
        .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    }
    sim.store.compact(1);
    let a = get(
        &sim,
        "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1",
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    let events = a.lines();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["type"], "ERROR");
    assert_eq!(events[0]["object"]["code"], 410);
    assert_eq!(events[0]["object"]["reason"], "Expired");
    assert!(
        events[0]["object"]["message"]
            .as_str()
            .unwrap()
            .starts_with("too old resource version: 1 (")
    );
}

#[tokio::test(start_paused = true)]
async fn a_watch_streams_existing_objects_bookmarks_and_ends_at_its_timeout() {
    let sim = Sim::start(SimConfig::default());
    let a = get(
        &sim,
        "/api/v1/namespaces?watch=true&timeoutSeconds=130&allowWatchBookmarks=true",
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.content_type, "application/json");
    let events = a.lines();
    let added: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "ADDED")
        .map(|e| e["object"]["metadata"]["name"].as_str().unwrap())
        .collect();
    assert!(
        added.contains(&"default") && added.contains(&"kube-system"),
        "{added:?}"
    );
    let bookmarks = events.iter().filter(|e| e["type"] == "BOOKMARK").count();
    assert_eq!(bookmarks, 2, "one a minute over 130 s");
    let bookmark = events.iter().find(|e| e["type"] == "BOOKMARK").unwrap();
    assert_eq!(bookmark["object"]["kind"], "Namespace");
    assert!(
        bookmark["object"]["metadata"]["resourceVersion"]
            .as_str()
            .is_some()
    );
}

#[tokio::test(start_paused = true)]
async fn kubectl_get_receives_a_table_with_the_usual_columns() {
    let sim = Sim::start(SimConfig::default());
    let token = sim.admin_token().to_string();
    let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    let a = call(
        &sim,
        "GET",
        "/api/v1/nodes?limit=500",
        Some(&token),
        &[("accept", accept)],
        "",
    )
    .await;
    let t = a.json();
    assert_eq!(t["kind"], "Table");
    let columns: Vec<&str> = t["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(&columns[..5], ["Name", "Status", "Roles", "Age", "Version"]);
    let rows = t["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["cells"][1], "Ready");
    assert_eq!(rows[0]["object"]["kind"], "PartialObjectMetadata");
}

#[tokio::test(start_paused = true)]
async fn unsupported_bodies_and_methods_get_the_real_errors() {
    let sim = Sim::start(SimConfig::default());
    let token = sim.admin_token().to_string();
    let proto = call(
        &sim,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        Some(&token),
        &[("content-type", "application/vnd.kubernetes.protobuf")],
        "k8s\0",
    )
    .await;
    assert_eq!(proto.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(proto.json()["reason"], "UnsupportedMediaType");
    let patch = call(
        &sim,
        "PATCH",
        "/api/v1/namespaces/default",
        Some(&token),
        &[("content-type", "text/plain")],
        "x",
    )
    .await;
    assert_eq!(patch.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let post = call(
        &sim,
        "POST",
        "/api/v1/pods",
        Some(&token),
        &[("content-type", "application/json")],
        "{}",
    )
    .await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
    let apply = call(
        &sim,
        "PATCH",
        "/api/v1/namespaces/default/configmaps/x",
        Some(&token),
        &[("content-type", "application/apply-patch+yaml")],
        "apiVersion: v1\nkind: ConfigMap\n",
    )
    .await;
    assert_eq!(apply.status, StatusCode::BAD_REQUEST, "{}", apply.body);
}

#[tokio::test]
async fn the_https_server_serves_kube_clients_through_its_kubeconfig() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sim = Sim::start(SimConfig::default());
    let served = sim.serve_tls("127.0.0.1:0".parse().unwrap()).unwrap();
    assert!(served.addr.ip().is_loopback());
    let text = sim.kubeconfig(&served).unwrap();
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&text).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    let client = kube::Client::try_from(config).unwrap();
    let nodes: Api<Node> = Api::all(client);
    assert_eq!(
        nodes
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        3
    );
    assert!(sim.serve_tls("0.0.0.0:0".parse().unwrap()).is_err());
    served.handle.shutdown();
}

#[tokio::test(start_paused = true)]
async fn aggregated_discovery_answers_kubectls_first_question() {
    let sim = Sim::start(SimConfig::default());
    let token = sim.admin_token().to_string();
    let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    let a = call(
        &sim,
        "GET",
        "/apis",
        Some(&token),
        &[("accept", accept)],
        "",
    )
    .await;
    assert_eq!(
        a.content_type,
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    );
    let list = a.json();
    assert_eq!(list["kind"], "APIGroupDiscoveryList");
    let apps = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["metadata"]["name"] == "apps")
        .unwrap();
    let deployments = apps["versions"][0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == "deployments")
        .unwrap();
    assert_eq!(deployments["scope"], "Namespaced");
    assert_eq!(
        deployments["subresources"][0]["responseKind"]["kind"],
        "Scale"
    );
    let legacy = call(
        &sim,
        "GET",
        "/api",
        Some(&token),
        &[("accept", "application/json")],
        "",
    )
    .await;
    assert_eq!(legacy.json()["kind"], "APIVersions");
}

#[tokio::test(start_paused = true)]
async fn extra_routes_take_precedence_and_stay_behind_authentication() {
    use kubetour_sim::cluster::Extensions;
    let routes = axum::Router::new().route(
        "/api/v1/namespaces/{ns}/pods/{name}/log",
        axum::routing::get(|| async { "started\n" }),
    );
    let sim = Sim::start_with(
        SimConfig::default(),
        Extensions {
            routes,
            ..Extensions::default()
        },
    );
    let a = get(&sim, "/api/v1/namespaces/default/pods/emqx/log").await;
    assert_eq!((a.status, a.body.as_str()), (StatusCode::OK, "started\n"));
    let anonymous = call(
        &sim,
        "GET",
        "/api/v1/namespaces/default/pods/emqx/log",
        None,
        &[],
        "",
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(&sim, "/api/v1/namespaces/default/pods/emqx/exec")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(start_paused = true)]
async fn plugged_in_tokens_and_authorizer_decide_for_other_users() {
    use kubetour_sim::api::auth::User;
    use kubetour_sim::api::authz::{Attributes, Authorizer, TokenReview};
    use kubetour_sim::cluster::Extensions;
    use std::sync::Arc;
    #[derive(Debug)]
    struct OneToken;
    impl TokenReview for OneToken {
        fn authenticate(&self, token: &str) -> Option<User> {
            (token == "sa-token").then(|| User {
                name: "system:serviceaccount:default:emqx".into(),
                groups: vec![],
            })
        }
    }
    #[derive(Debug)]
    struct EndpointsReader;
    impl Authorizer for EndpointsReader {
        fn allowed(&self, _: &User, a: &Attributes) -> bool {
            a.resource == "endpoints" && ["get", "list", "watch"].contains(&a.verb.as_str())
        }
    }
    let extensions = Extensions {
        authorizer: Some(Arc::new(EndpointsReader)),
        tokens: Some(Arc::new(OneToken)),
        ..Extensions::default()
    };
    let sim = Sim::start_with(SimConfig::default(), extensions);
    let ok = call(
        &sim,
        "GET",
        "/api/v1/namespaces/default/endpoints",
        Some("sa-token"),
        &[],
        "",
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    let denied = call(
        &sim,
        "GET",
        "/api/v1/namespaces/default/pods/emqx-0",
        Some("sa-token"),
        &[],
        "",
    )
    .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(
        denied.json()["message"],
        "pods \"emqx-0\" is forbidden: User \"system:serviceaccount:default:emqx\" cannot get resource \"pods\" in API group \"\" in the namespace \"default\""
    );
    let nodes = call(&sim, "GET", "/api/v1/nodes", Some("sa-token"), &[], "").await;
    assert_eq!(
        nodes.json()["message"],
        "nodes is forbidden: User \"system:serviceaccount:default:emqx\" cannot list resource \"nodes\" in API group \"\" at the cluster scope"
    );
    let bad = call(&sim, "GET", "/api/v1/nodes", Some("nope"), &[], "").await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
}
