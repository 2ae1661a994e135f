//! The default RBAC objects every cluster starts with (the ones that matter here):
//! cluster-admin for system:masters, discovery and self access reviews for every
//! authenticated user. A service account starts with these and nothing else — which is
//! why EMQX's discovery gets a 403 until the tutorial's Role is bound.

use serde_json::{Value, json};

use crate::resources::Res;
use crate::store::Store;

fn meta(name: &str) -> Value {
    json!({
        "name": name,
        "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
        "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}
    })
}

fn cluster_role(name: &str, rules: Value) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": meta(name), "rules": rules})
}

fn binding(name: &str, role: &str, groups: &[&str]) -> Value {
    let subjects: Vec<Value> = groups
        .iter()
        .map(|g| json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": g}))
        .collect();
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": meta(name),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": subjects
    })
}

/// The default ClusterRoles and ClusterRoleBindings.
pub fn objects() -> Vec<(Res, Value)> {
    vec![
        (
            Res::ClusterRole,
            cluster_role(
                "cluster-admin",
                json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                       {"nonResourceURLs": ["*"], "verbs": ["*"]}]),
            ),
        ),
        (
            Res::ClusterRole,
            cluster_role(
                "system:discovery",
                json!([{"nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez",
                                            "/openapi", "/openapi/*", "/readyz", "/version", "/version/"],
                        "verbs": ["get"]}]),
            ),
        ),
        (
            Res::ClusterRole,
            cluster_role(
                "system:basic-user",
                json!([{"apiGroups": ["authorization.k8s.io"],
                        "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], "verbs": ["create"]},
                       {"apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"], "verbs": ["create"]}]),
            ),
        ),
        (
            Res::ClusterRole,
            cluster_role(
                "system:public-info-viewer",
                json!([{"nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"], "verbs": ["get"]}]),
            ),
        ),
        (
            Res::ClusterRoleBinding,
            binding("cluster-admin", "cluster-admin", &["system:masters"]),
        ),
        (
            Res::ClusterRoleBinding,
            binding(
                "system:discovery",
                "system:discovery",
                &["system:authenticated"],
            ),
        ),
        (
            Res::ClusterRoleBinding,
            binding(
                "system:basic-user",
                "system:basic-user",
                &["system:authenticated"],
            ),
        ),
        (
            Res::ClusterRoleBinding,
            binding(
                "system:public-info-viewer",
                "system:public-info-viewer",
                &["system:authenticated", "system:unauthenticated"],
            ),
        ),
    ]
}

/// Creates the default objects that are missing.
pub fn seed(store: &Store) {
    for (res, object) in objects() {
        let name = object
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        if store.get(res, "", name).is_none() {
            // Already-exists races are harmless: the object is there either way.
            let _ = store.create(res, object);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::rbac::{Attributes, UserInfo, authorize};

    #[tokio::test]
    async fn a_service_account_may_do_discovery_and_ask_about_itself_but_nothing_more() {
        let store = Store::new(Clock::new(1.0));
        seed(&store);
        seed(&store);
        let sa = UserInfo::service_account("emqx", "default");
        let version = Attributes::NonResource {
            user: sa.clone(),
            verb: "get".into(),
            path: "/version".into(),
        };
        assert!(authorize(&store, &version).allowed);
        let review = Attributes::Resource {
            user: sa.clone(),
            verb: "create".into(),
            group: "authorization.k8s.io".into(),
            resource: "selfsubjectaccessreviews".into(),
            subresource: String::new(),
            namespace: String::new(),
            name: String::new(),
        };
        let d = authorize(&store, &review);
        assert!(d.allowed);
        assert_eq!(
            d.reason,
            "RBAC: allowed by ClusterRoleBinding \"system:basic-user\" of ClusterRole \"system:basic-user\" to Group \"system:authenticated\""
        );
        let endpoints = Attributes::Resource {
            user: sa,
            verb: "get".into(),
            group: String::new(),
            resource: "endpoints".into(),
            subresource: String::new(),
            namespace: "emqx".into(),
            name: "emqx".into(),
        };
        assert!(!authorize(&store, &endpoints).allowed);
    }
}
