//! Live cluster state from watches: one watcher per kind the wizard shows, each retrying
//! with a backoff capped near a second (see [`backoff`]), merged into one stream of
//! typed [`Change`]s; a failed watch becomes a [`WatchTrouble`] in words. What the
//! changes are folded into is `crate::view`, which does no I/O.

use std::sync::Arc;
use std::time::Duration;

use futures::stream::{BoxStream, StreamExt};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, Resource};

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::rbac::v1 as rbac;

use crate::view::outage::{Cause, WatchTrouble};
use crate::view::{Change, WatchedEvent, WatchedPod};

/// Watches every followed kind in `namespace`, merged into one stream.
pub fn watch_namespace(client: &Client, namespace: &str) -> BoxStream<'static, Change> {
    /// `V`: what the view keeps of a `K`. Pods and events are read straight into their
    /// projections (`K` = `WatchedPod`, `WatchedEvent`: the parser skips what they do
    /// not keep), so a list of a thousand pods never exists as whole `Pod`s.
    fn one<K, V>(
        client: &Client,
        namespace: &str,
        kind: &'static str,
        wrap: fn(Event<Arc<V>>) -> Change,
    ) -> BoxStream<'static, Change>
    where
        K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + std::fmt::Debug
            + serde::de::DeserializeOwned
            + Send
            + 'static,
        V: From<K> + 'static,
    {
        let api: Api<K> = Api::namespaced(client.clone(), namespace);
        watcher::watcher(api, watcher::Config::default())
            .backoff(backoff())
            .map(move |r| match r {
                Ok(e) => wrap(shared(e.modify(forget_bookkeeping))),
                Err(e) => {
                    tracing::debug!("{kind} watch: {e}");
                    Change::Trouble(trouble(kind, &e))
                }
            })
            .boxed()
    }
    futures::stream::select_all([
        one::<WatchedPod, _>(client, namespace, "pods", Change::Pod),
        one::<apps::Deployment, _>(client, namespace, "deployments", Change::Deployment),
        one::<apps::ReplicaSet, _>(client, namespace, "replicasets", Change::ReplicaSet),
        one::<apps::StatefulSet, _>(client, namespace, "statefulsets", Change::StatefulSet),
        one::<core::Service, _>(client, namespace, "services", Change::Service),
        one::<core::Endpoints, _>(client, namespace, "endpoints", Change::Endpoints),
        one::<core::PersistentVolumeClaim, _>(
            client,
            namespace,
            "persistentvolumeclaims",
            Change::Claim,
        ),
        one::<core::ConfigMap, _>(client, namespace, "configmaps", Change::ConfigMap),
        one::<core::ServiceAccount, _>(
            client,
            namespace,
            "serviceaccounts",
            Change::ServiceAccount,
        ),
        one::<rbac::Role, _>(client, namespace, "roles", Change::Role),
        one::<rbac::RoleBinding, _>(client, namespace, "rolebindings", Change::RoleBinding),
        one::<WatchedEvent, _>(client, namespace, "events", Change::Event),
    ])
    .boxed()
}

/// Drops what no panel or check reads but every object carries: `managedFields` (often
/// the largest part of a pod) and kubectl's last-applied copy of the whole object. At
/// 1,000 pods this is most of the wizard's memory.
fn forget_bookkeeping<K: Resource>(object: &mut K) {
    let meta = object.meta_mut();
    meta.managed_fields = None;
    if let Some(annotations) = meta.annotations.as_mut() {
        annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
}

/// The same event with its object (or what the view keeps of it) behind an `Arc`.
fn shared<K, V: From<K>>(event: Event<K>) -> Event<Arc<V>> {
    match event {
        Event::Apply(o) => Event::Apply(Arc::new(o.into())),
        Event::Delete(o) => Event::Delete(Arc::new(o.into())),
        Event::Init => Event::Init,
        Event::InitApply(o) => Event::InitApply(Arc::new(o.into())),
        Event::InitDone => Event::InitDone,
    }
}

/// A failed watch in words: its kind, why, and kube's own message.
pub fn trouble(kind: &'static str, e: &watcher::Error) -> WatchTrouble {
    let cause = match e {
        watcher::Error::InitialListFailed(c)
        | watcher::Error::WatchStartFailed(c)
        | watcher::Error::WatchFailed(c) => client_cause(c),
        watcher::Error::WatchError(status) => status_cause(status.code, &status.reason),
        watcher::Error::NoResourceVersion => Cause::Other,
    };
    WatchTrouble {
        kind,
        cause,
        detail: e.to_string(),
    }
}

fn client_cause(e: &kube::Error) -> Cause {
    match e {
        kube::Error::Api(status) => status_cause(status.code, &status.reason),
        kube::Error::HyperError(_)
        | kube::Error::Service(_)
        | kube::Error::ReadEvents(_)
        | kube::Error::RustlsTls(_) => Cause::Unreachable,
        _ => Cause::Other,
    }
}

fn status_cause(code: u16, reason: &str) -> Cause {
    if code == 410 {
        return Cause::Expired;
    }
    let reason = if reason.is_empty() {
        "an error".to_string()
    } else {
        reason.to_string()
    };
    Cause::Refused { code, reason }
}

/// The watchers' retry schedule: 200 ms doubling to 600 ms, plus jitter of up to as
/// much again (backon's), so never more than 1.2 s between tries. kube's
/// `default_backoff()` grows to 30 s (kind to a struggling shared apiserver), but a
/// learner watching the wizard after the simulated server or their laptop's cluster
/// comes back would stare at stale panels for up to half a minute; one watch request
/// per kind per second against a single local server is cheap. Jitter keeps the twelve
/// watchers from retrying in lockstep.
pub fn backoff() -> watcher::ExponentialBackoff {
    backon::ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(200))
        .with_max_delay(Duration::from_millis(600))
        .with_factor(2.0)
        .with_jitter()
        .without_max_times()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::named_pod as pod;
    use std::collections::BTreeMap;

    #[test]
    fn objects_are_kept_without_managed_fields_or_the_last_applied_copy() {
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::ManagedFieldsEntry;
        let mut p = pod("a");
        p.metadata.managed_fields = Some(vec![ManagedFieldsEntry::default()]);
        p.metadata.annotations = Some(BTreeMap::from([
            (
                "kubectl.kubernetes.io/last-applied-configuration".to_string(),
                "{}".to_string(),
            ),
            ("keep".to_string(), "me".to_string()),
        ]));
        forget_bookkeeping(&mut p);
        assert!(p.metadata.managed_fields.is_none());
        assert_eq!(
            p.metadata.annotations.unwrap().keys().collect::<Vec<_>>(),
            vec!["keep"]
        );
    }

    #[test]
    fn refusals_and_expiry_name_the_code_and_the_kind() {
        assert_eq!(status_cause(410, "Expired"), Cause::Expired);
        let t = WatchTrouble {
            kind: "events",
            cause: status_cause(429, "TooManyRequests"),
            detail: String::new(),
        };
        assert_eq!(
            t.describe("s", None),
            "the API server answers 429 TooManyRequests to the events watch: retrying"
        );
    }

    #[test]
    fn the_backoff_never_waits_more_than_about_a_second() {
        let waits: Vec<Duration> = backoff().take(20).collect();
        assert_eq!(waits.len(), 20, "it never gives up");
        assert!(
            waits.iter().all(|d| *d <= Duration::from_millis(1200)),
            "{waits:?}"
        );
    }
}
