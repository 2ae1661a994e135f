//! Read-only questions a preflight asks a cluster: version, nodes, storage classes,
//! namespace, what the current user may do, and pod logs. Each returns plain data;
//! deciding what is ok, a warning or blocking is the engine's job.

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, ListParams, LogParams, PostParams};
use kube::{Client, ResourceExt};

/// `GET /version`: "v1.33.2".
pub async fn server_version(client: &Client) -> kube::Result<String> {
    Ok(client.apiserver_version().await?.git_version)
}

/// Node names with whether each is Ready.
pub async fn nodes(client: &Client) -> kube::Result<Vec<(String, bool)>> {
    let api: Api<Node> = Api::all(client.clone());
    Ok(api
        .list(&ListParams::default())
        .await?
        .items
        .iter()
        .map(|n| {
            let ready = n
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
            (n.name_any(), ready)
        })
        .collect())
}

/// The default StorageClass, if one is marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultClass {
    pub name: String,
    pub provisioner: String,
    /// "Immediate" or "WaitForFirstConsumer".
    pub binding_mode: String,
}

pub async fn default_storage_class(client: &Client) -> kube::Result<Option<DefaultClass>> {
    let api: Api<StorageClass> = Api::all(client.clone());
    let classes = api.list(&ListParams::default()).await?.items;
    Ok(classes
        .into_iter()
        .find(|c| {
            let a = c.annotations();
            a.get("storageclass.kubernetes.io/is-default-class")
                .or_else(|| a.get("storageclass.beta.kubernetes.io/is-default-class"))
                .is_some_and(|v| v == "true")
        })
        .map(|c| DefaultClass {
            name: c.name_any(),
            provisioner: c.provisioner.clone(),
            binding_mode: c
                .volume_binding_mode
                .clone()
                .unwrap_or_else(|| "Immediate".to_string()),
        }))
}

pub async fn namespace_exists(client: &Client, namespace: &str) -> kube::Result<bool> {
    let api: Api<Namespace> = Api::all(client.clone());
    Ok(api.get_opt(namespace).await?.is_some())
}

/// Pods in the namespace matching a label selector (`app=emqx`).
pub async fn pods_matching(
    client: &Client,
    namespace: &str,
    selector: &str,
) -> kube::Result<Vec<Pod>> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    Ok(api
        .list(&ListParams::default().labels(selector))
        .await?
        .items)
}

/// One access question: may the current user `verb` `resource` (in `group`) in `namespace`?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub allowed: bool,
    /// The authorizer's reason, when it gave one.
    pub reason: Option<String>,
}

pub async fn may(
    client: &Client,
    namespace: &str,
    verb: &str,
    group: &str,
    resource: &str,
) -> kube::Result<Access> {
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: Some(namespace.to_string()),
                verb: Some(verb.to_string()),
                group: Some(group.to_string()),
                resource: Some(resource.to_string()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let answer = api.create(&PostParams::default(), &review).await?;
    let status = answer.status.unwrap_or_default();
    Ok(Access {
        verb: verb.to_string(),
        group: group.to_string(),
        resource: resource.to_string(),
        allowed: status.allowed,
        reason: status.reason.filter(|r| !r.is_empty()),
    })
}

/// The last `lines` lines of a pod's log.
pub async fn log_tail(
    client: &Client,
    namespace: &str,
    pod: &str,
    lines: i64,
) -> kube::Result<String> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    api.logs(
        pod,
        &LogParams {
            tail_lines: Some(lines),
            ..Default::default()
        },
    )
    .await
}
