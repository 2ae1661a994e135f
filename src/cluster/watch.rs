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

use crate::view::change::ListEdge;
use crate::view::outage::{Cause, WatchTrouble};
use crate::view::{Change, WatchedEvent, WatchedPod};

use super::heap;

/// Objects per page of a watcher's (re)list: kube's (and client-go's) default, written
/// out because it bounds what one list request reads as one JSON text (kube-client reads
/// a page whole, then parses it). Smaller pages were measured (100, at 1,000 pods and
/// 5,000 events): under 1 MB less resident memory, while the pod table took several
/// seconds longer to fill against the simulated API server, which selects the whole
/// namespace again for every page. The lists are of the most recent state (kube's
/// `ListSemantic::MostRecent`, no `resourceVersion`), which a real API server pages.
pub const PAGE: u32 = 500;

/// Where a pod change's way to the screen is traced (`KUBETOUR_LOG=kubetour::fresh=trace`,
/// into the wizard's log file): heard by its watch, folded by the engine, handed to the
/// wizard, drawn. The benchmark harness reads it to split the freshness figure into
/// those parts (`scripts/bench/run.sh --parts`).
pub const FRESH: &str = "kubetour::fresh";

/// Watches every followed kind in `namespace`, merged into one stream.
pub fn watch_namespace(client: &Client, namespace: &str) -> BoxStream<'static, Change> {
    watch_namespace_paged(client, namespace, PAGE)
}

/// [`watch_namespace`] with lists of `page` objects per request.
pub fn watch_namespace_paged(
    client: &Client,
    namespace: &str,
    page: u32,
) -> BoxStream<'static, Change> {
    /// `V`: what the view keeps of a `K`. Pods and events are read straight into their
    /// projections (`K` = `WatchedPod`, `WatchedEvent`: the parser skips what they do
    /// not keep), so a list of a thousand pods never exists as whole `Pod`s.
    fn one<K, V>(
        client: &Client,
        namespace: &str,
        kind: &'static str,
        wrap: fn(Event<Arc<V>>) -> Change,
        page: u32,
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
        watcher::watcher(api, watcher::Config::default().page_size(page))
            .backoff(backoff())
            .map(move |r| match r {
                Ok(e) => {
                    if let Event::Apply(o) | Event::Delete(o) = &e {
                        let name = o.meta().name.as_deref().unwrap_or_default();
                        let deleted = matches!(e, Event::Delete(_));
                        tracing::trace!(target: FRESH, kind, name, deleted, "heard");
                    }
                    wrap(shared(e.modify(forget_bookkeeping)))
                }
                Err(e) => {
                    tracing::debug!("{kind} watch: {e}");
                    Change::Trouble(trouble(kind, &e))
                }
            })
            .boxed()
    }
    futures::stream::select_all([
        one::<WatchedPod, _>(client, namespace, "pods", Change::Pod, page),
        one::<apps::Deployment, _>(client, namespace, "deployments", Change::Deployment, page),
        one::<apps::ReplicaSet, _>(client, namespace, "replicasets", Change::ReplicaSet, page),
        one::<apps::StatefulSet, _>(client, namespace, "statefulsets", Change::StatefulSet, page),
        one::<core::Service, _>(client, namespace, "services", Change::Service, page),
        one::<core::Endpoints, _>(client, namespace, "endpoints", Change::Endpoints, page),
        one::<core::PersistentVolumeClaim, _>(
            client,
            namespace,
            "persistentvolumeclaims",
            Change::Claim,
            page,
        ),
        one::<core::ConfigMap, _>(client, namespace, "configmaps", Change::ConfigMap, page),
        one::<core::ServiceAccount, _>(
            client,
            namespace,
            "serviceaccounts",
            Change::ServiceAccount,
            page,
        ),
        one::<rbac::Role, _>(client, namespace, "roles", Change::Role, page),
        one::<rbac::RoleBinding, _>(client, namespace, "rolebindings", Change::RoleBinding, page),
        one::<WatchedEvent, _>(client, namespace, "events", Change::Event, page),
    ])
    .inspect({
        let mut lists = Lists::default();
        move |change| {
            if lists.observe(change) {
                heap::give_back_soon();
            }
        }
    })
    .boxed()
}

/// Which kinds are (re)listing, to give the lists' freed buffers back to the system
/// once none is: at start, every watcher lists at once, and the texts and pages they
/// read are freed but kept by the allocator (see [`heap`]). Also when many changes
/// have passed since the last time (a burst of created or deleted objects allocates
/// and frees much the same way).
struct Lists {
    /// A bit per kind (`Change::list_edge`'s position): set while its list runs.
    listing: u32,
    /// Objects delivered since the heap was last trimmed.
    since_trim: u32,
}

/// Changes after which the heap is trimmed even without a list ending: a burst of a
/// thousand pods or events is what a 1,000-pod rollout or scale brings.
const BURST: u32 = 1000;

impl Default for Lists {
    fn default() -> Self {
        // Every watcher starts by listing.
        Lists {
            listing: (1 << Change::KINDS) - 1,
            since_trim: 0,
        }
    }
}

impl Lists {
    /// Notes one change; true when the heap should be trimmed now.
    fn observe(&mut self, change: &Change) -> bool {
        let trim = match change.list_edge() {
            Some((kind, ListEdge::Started)) => {
                self.listing |= 1 << kind;
                false
            }
            Some((kind, ListEdge::Done)) => {
                let was = self.listing;
                self.listing &= !(1 << kind);
                was != 0 && self.listing == 0
            }
            None if matches!(change, Change::Trouble(_)) => false,
            None => {
                self.since_trim += 1;
                self.since_trim >= BURST && self.listing == 0
            }
        };
        if trim {
            self.since_trim = 0;
        }
        trim
    }
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

    /// The start (`Init`) or end (`InitDone`) of kind `kind`'s list.
    fn edge(kind: u8, done: bool) -> Change {
        fn e<K>(done: bool) -> Event<K> {
            if done { Event::InitDone } else { Event::Init }
        }
        match kind {
            0 => Change::Pod(e(done)),
            1 => Change::Deployment(e(done)),
            2 => Change::ReplicaSet(e(done)),
            3 => Change::StatefulSet(e(done)),
            4 => Change::Service(e(done)),
            5 => Change::Endpoints(e(done)),
            6 => Change::Claim(e(done)),
            7 => Change::ConfigMap(e(done)),
            8 => Change::ServiceAccount(e(done)),
            9 => Change::Role(e(done)),
            10 => Change::RoleBinding(e(done)),
            _ => Change::Event(e(done)),
        }
    }

    fn applied_pod() -> Change {
        Change::Pod(Event::Apply(Arc::new(pod("a"))))
    }

    #[test]
    fn every_kind_has_its_own_list_edge() {
        for kind in 0..Change::KINDS as u8 {
            assert_eq!(
                edge(kind, false).list_edge(),
                Some((kind, ListEdge::Started))
            );
            assert_eq!(edge(kind, true).list_edge(), Some((kind, ListEdge::Done)));
        }
        assert_eq!(applied_pod().list_edge(), None);
    }

    #[test]
    fn the_heap_is_given_back_once_when_the_last_first_list_ends() {
        let mut lists = Lists::default();
        let trims: Vec<bool> = (0..Change::KINDS as u8)
            .map(|kind| {
                lists.observe(&edge(kind, false));
                lists.observe(&applied_pod());
                lists.observe(&edge(kind, true))
            })
            .collect();
        assert_eq!(trims.iter().filter(|t| **t).count(), 1, "{trims:?}");
        assert!(trims.last().unwrap(), "only the last kind's end trims");
    }

    #[test]
    fn a_relist_gives_the_heap_back_when_it_ends_not_while_another_runs() {
        let mut lists = Lists::default();
        for kind in 0..Change::KINDS as u8 {
            lists.observe(&edge(kind, true));
        }
        // Pods and events relist (a watch expired); pods end first.
        assert!(!lists.observe(&edge(0, false)));
        assert!(!lists.observe(&edge(11, false)));
        assert!(!lists.observe(&edge(0, true)), "events are still listing");
        assert!(lists.observe(&edge(11, true)));
    }

    #[test]
    fn a_burst_of_a_thousand_changes_gives_the_heap_back_once_after_the_lists() {
        let mut lists = Lists::default();
        let during_lists = (0..BURST).filter(|_| lists.observe(&applied_pod())).count();
        assert_eq!(during_lists, 0, "no trim while every kind still lists");
        for kind in 0..Change::KINDS as u8 {
            lists.observe(&edge(kind, true));
        }
        let after = (0..2 * BURST - 1)
            .filter(|_| lists.observe(&applied_pod()))
            .count();
        assert_eq!(after, 1, "the ends of the lists trimmed; then one burst");
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
