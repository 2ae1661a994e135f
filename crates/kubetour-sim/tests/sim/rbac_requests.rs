//! RBAC on every request of the simulated API server: a service account's token is
//! that account, refused with the real 403 until a Role allows it; impersonation is
//! for those allowed to impersonate; a deleted account's token no longer works.

use k8s_openapi::api::core::v1::{Endpoints, ServiceAccount};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{Api, PostParams};
use kubetour_sim::api::inprocess;
use kubetour_sim::cluster::{Sim, SimConfig};
use serde_json::json;

fn status(err: kube::Error) -> kube::core::Status {
    match err {
        kube::Error::Api(s) => *s,
        other => panic!("{other:?}"),
    }
}

async fn create<K>(client: &kube::Client, object: serde_json::Value)
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + serde::Serialize
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::namespaced(client.clone(), "default");
    let k: K = serde_json::from_value(object).unwrap();
    api.create(&PostParams::default(), &k).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_account_is_forbidden_until_a_role_binding_allows_it() {
    let sim = Sim::start(SimConfig::default());
    let admin = sim.client();
    create::<ServiceAccount>(&admin, json!({"metadata": {"name": "emqx"}})).await;
    let token = sim.api_state().world.tokens.issue("default", "emqx");
    let sa = inprocess::client(sim.router(), &token);
    let endpoints: Api<Endpoints> = Api::namespaced(sa.clone(), "default");
    let denied = status(endpoints.get("kubernetes").await.unwrap_err());
    assert_eq!(denied.code, 403);
    assert_eq!(
        denied.message,
        "endpoints \"kubernetes\" is forbidden: User \"system:serviceaccount:default:emqx\" cannot get resource \"endpoints\" in API group \"\" in the namespace \"default\""
    );
    create::<Role>(
        &admin,
        json!({"metadata": {"name": "emqx"}, "rules": [{"apiGroups": [""], "resources": ["endpoints"], "verbs": ["get", "watch", "list"]}]}),
    )
    .await;
    create::<RoleBinding>(
        &admin,
        json!({"metadata": {"name": "emqx"},
               "subjects": [{"kind": "ServiceAccount", "name": "emqx", "namespace": "default"}],
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "emqx"}}),
    )
    .await;
    assert!(endpoints.get("kubernetes").await.is_ok());
    let all: Api<Endpoints> = Api::all(sa.clone());
    let denied = status(all.list(&Default::default()).await.unwrap_err());
    assert!(
        denied
            .message
            .ends_with("cannot list resource \"endpoints\" in API group \"\" at the cluster scope"),
        "{}",
        denied.message
    );

    // A service account may not impersonate.
    let req = http::Request::get("/api/v1/namespaces/default/endpoints/kubernetes")
        .header("Impersonate-User", "system:admin")
        .body(Vec::new())
        .unwrap();
    let denied = status(sa.request_text(req).await.unwrap_err());
    assert_eq!(
        denied.message,
        "users \"system:admin\" is forbidden: User \"system:serviceaccount:default:emqx\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
    );
    // The admin may, and then acts as that user.
    let req = http::Request::get("/api/v1/namespaces/default/pods")
        .header("Impersonate-User", "system:serviceaccount:default:emqx")
        .body(Vec::new())
        .unwrap();
    let denied = status(admin.request_text(req).await.unwrap_err());
    assert!(
        denied
            .message
            .contains("User \"system:serviceaccount:default:emqx\" cannot list resource \"pods\""),
        "{}",
        denied.message
    );

    // Deleting the account ends its token.
    let accounts: Api<ServiceAccount> = Api::namespaced(admin.clone(), "default");
    accounts.delete("emqx", &Default::default()).await.unwrap();
    assert_eq!(
        status(endpoints.get("kubernetes").await.unwrap_err()).code,
        401
    );
}
