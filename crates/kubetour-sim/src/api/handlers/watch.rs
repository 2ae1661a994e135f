//! Streaming watch: newline-delimited JSON events over a chunked response, as the real
//! server streams them. Without a resourceVersion (or "0") the stream starts with an
//! ADDED event per existing object; a compacted resourceVersion answers 200 and then one
//! ERROR event carrying a 410 Expired Status. BOOKMARKs are sent when allowed, and the
//! stream ends after timeoutSeconds.

use std::borrow::Cow;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use crate::api::ApiState;
use crate::api::meta::{ensure_type_meta, partial};
use crate::api::request::Req;
use crate::api::router::Coll;
use crate::api::selector::Selectors;
use crate::api::status::{ApiError, ApiResult};
use crate::api::table;
use crate::resources::ResInfo;
use crate::store::{EventType, StoreError, Subscription, WatchEvent};

/// When no timeoutSeconds is given (the real server picks 30-60 minutes).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);
/// How often a BOOKMARK is sent to watchers that allow them.
const BOOKMARK_EVERY: Duration = Duration::from_secs(60);

/// What a watch sends before following changes.
struct Initial {
    objects: Vec<Value>,
    /// Objects the client already knows (a watch from a list's resourceVersion), to
    /// tell when a change moves one into or out of the selection.
    known: Vec<Value>,
    /// Mark the end of the initial events with a bookmark (streaming lists).
    end_bookmark: bool,
}

/// A read-only view of another kind, served under its own name (EndpointSlices are
/// derived from Endpoints): how an object is presented and tabled.
#[derive(Clone, Copy)]
pub struct View {
    pub present: fn(&Value) -> Value,
    pub api_version: &'static str,
    pub kind: &'static str,
    pub table: fn(&[Value], jiff::Timestamp, bool, Value) -> Value,
}

struct Watch {
    state: Arc<ApiState>,
    info: &'static ResInfo,
    view: Option<View>,
    ns: Option<String>,
    selectors: Selectors,
    table: bool,
    metadata_only: bool,
    include_object: Option<String>,
    sent_columns: bool,
    /// Whether each object ("ns/name") matched the selectors when last seen.
    matched: HashMap<String, bool>,
    tx: mpsc::Sender<Bytes>,
}

pub fn watch(state: &Arc<ApiState>, r: &Req, coll: &Coll) -> ApiResult<Response> {
    watch_view(state, r, coll, None)
}

/// A watch of `coll`, presented through `view` when given.
pub fn watch_view(
    state: &Arc<ApiState>,
    r: &Req,
    coll: &Coll,
    view: Option<View>,
) -> ApiResult<Response> {
    let (labels, fields) = (r.param("labelSelector"), r.param("fieldSelector"));
    // A view (EndpointSlices) is selected on what it presents, not on the stored kind.
    let selectors = match view {
        Some(_) => Selectors::from_query(labels, fields)?,
        None => Selectors::for_kind(coll.info.res, labels, fields)?,
    };
    let bookmarks = r.flag("allowWatchBookmarks");
    let timeout = r
        .param("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        // 0 means "no preference", as for the real server.
        .filter(|t| *t > 0)
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT);
    let store = &state.store;
    // A streaming list (sendInitialEvents) starts from the current state whatever rv says.
    let streaming_list = r.flag("sendInitialEvents");
    let rv_param = if streaming_list {
        ""
    } else {
        r.param("resourceVersion").unwrap_or("")
    };
    let (initial, known, sub, skip_to) = match rv_param {
        "" | "0" => {
            let sub = store
                .subscribe(None)
                .map_err(|e| ApiError::from_store(coll.info, e))?;
            let (items, list_rv) = store.list(coll.info.res, coll.ns.as_deref());
            (items, Vec::new(), sub, list_rv)
        }
        given => {
            let since: u64 = given
                .parse()
                .map_err(|_| ApiError::bad_request(format!("invalid resourceVersion {given:?}")))?;
            match store.subscribe_to(since, coll.info.res, coll.ns.as_deref()) {
                Ok(sub) => {
                    // Whether each object matched before matters only to a selecting
                    // watch (an object can move out of its selection). Without one,
                    // listing the kind would copy every object (every Event parsed
                    // back from its text) each time a watch resumes: the wizard's
                    // resume every ~5 minutes, the simulator's biggest transient.
                    let known = if selectors.is_empty() {
                        Vec::new()
                    } else {
                        store.list(coll.info.res, coll.ns.as_deref()).0
                    };
                    (Vec::new(), known, sub, since)
                }
                Err(e @ StoreError::Gone { .. }) => {
                    let status = ApiError::from_store(coll.info, e).to_status();
                    let line = event_line("ERROR", &status);
                    return Ok(stream_response(futures::stream::once(async move {
                        Ok::<_, Infallible>(line)
                    })));
                }
                Err(e) => return Err(ApiError::from_store(coll.info, e)),
            }
        }
    };
    let (tx, mut rx) = mpsc::channel::<Bytes>(256);
    let w = Watch {
        state: state.clone(),
        info: coll.info,
        view,
        ns: coll.ns.clone(),
        selectors,
        table: r.wants_table(),
        metadata_only: r.wants_metadata(),
        include_object: r.param("includeObject").map(String::from),
        matched: HashMap::new(),
        sent_columns: false,
        tx,
    };
    let initial = Initial {
        objects: initial,
        known,
        end_bookmark: streaming_list,
    };
    tokio::spawn(w.run(initial, sub, skip_to, bookmarks, timeout));
    let stream =
        futures::stream::poll_fn(move |cx| rx.poll_recv(cx).map(|b| b.map(Ok::<_, Infallible>)));
    Ok(stream_response(stream))
}

fn stream_response<S>(stream: S) -> Response
where
    S: futures::Stream<Item = Result<Bytes, Infallible>> + Send + 'static,
{
    let mut resp = (StatusCode::OK, Body::from_stream(stream)).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    resp
}

fn key_of(object: &Value) -> String {
    let ns = object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    format!("{ns}/{name}")
}

/// Whether `object` starts with the type meta `ensure_type_meta` would give it.
fn has_type_meta(object: &Value, info: &ResInfo) -> bool {
    let Some(map) = object.as_object() else {
        return false;
    };
    let mut first = map.iter();
    matches!(first.next(), Some((k, v)) if k == "kind" && v == info.kind)
        && matches!(first.next(), Some((k, v)) if k == "apiVersion" && *v == info.api_version())
}

fn event_line(kind: &str, object: &Value) -> Bytes {
    let mut line = serde_json::to_vec(&json!({"type": kind, "object": object})).unwrap_or_default();
    line.push(b'\n');
    Bytes::from(line)
}

impl Watch {
    async fn run(
        mut self,
        initial: Initial,
        sub: Subscription,
        skip_to: u64,
        bookmarks: bool,
        timeout: Duration,
    ) {
        let Subscription {
            backlog, mut live, ..
        } = sub;
        let mut last_rv = skip_to;
        for object in initial.known {
            let object = self.present(&object);
            let matches = self.selectors.matches(&object);
            self.matched.insert(key_of(&object), matches);
        }
        for object in initial.objects {
            let object = if self.shows_as_stored(&object) {
                object
            } else {
                self.present(&object).into_owned()
            };
            if !self.selectors.matches(&object) {
                continue;
            }
            self.matched.insert(key_of(&object), true);
            if !self.send("ADDED", &object).await {
                return;
            }
        }
        if initial.end_bookmark {
            let mut object = json!({"metadata": {
                "resourceVersion": last_rv.to_string(),
                "creationTimestamp": null,
                "annotations": {"k8s.io/initial-events-end": "true"},
            }});
            self.type_meta(&mut object);
            if self.tx.send(event_line("BOOKMARK", &object)).await.is_err() {
                return;
            }
        }
        for ev in backlog {
            last_rv = ev.rv;
            if !self.deliver(&ev).await {
                return;
            }
        }
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut ticker = tokio::time::interval(BOOKMARK_EVERY);
        ticker.tick().await;
        loop {
            tokio::select! {
                _ = &mut deadline => return,
                _ = self.tx.closed() => return,
                _ = ticker.tick(), if bookmarks => {
                    let mut object = json!({"metadata": {"resourceVersion": last_rv.to_string(), "creationTimestamp": null}});
                    self.type_meta(&mut object);
                    if self.tx.send(event_line("BOOKMARK", &object)).await.is_err() {
                        return;
                    }
                }
                ev = live.recv() => match ev {
                    Ok(ev) => {
                        if ev.rv <= last_rv {
                            continue;
                        }
                        last_rv = ev.rv;
                        if !self.deliver(&ev).await {
                            return;
                        }
                    }
                    // A watcher that fell too far behind is closed; clients resume.
                    Err(broadcast::error::RecvError::Lagged(_) | broadcast::error::RecvError::Closed) => return,
                },
            }
        }
    }

    /// Sends an event if it is for this watch; false when the client has gone.
    async fn deliver(&mut self, ev: &WatchEvent) -> bool {
        if ev.res != self.info.res || self.ns.as_deref().is_some_and(|ns| ns != ev.namespace) {
            return true;
        }
        // Borrowed from the event when the watch shows it as stored: every watcher of
        // a kind gets the same event, and a deep copy per watcher per event is what the
        // stream would otherwise spend most of its time on.
        let object = self.present(&ev.object);
        let now = self.selectors.matches(&object);
        if self.selectors.is_empty() {
            return self.send(ev.kind.as_str(), &object).await;
        }
        // A change can move an object into or out of the selection: the client then
        // sees it added or deleted, as the real watch cache reports it.
        let key = key_of(&object);
        let before = self.matched.get(&key).copied().unwrap_or(false);
        let kind = match (ev.kind, before, now) {
            (EventType::Deleted, b, n) => (b || n).then_some("DELETED"),
            (EventType::Added, _, n) => n.then_some("ADDED"),
            (EventType::Modified, true, true) => Some("MODIFIED"),
            (EventType::Modified, false, true) => Some("ADDED"),
            (EventType::Modified, true, false) => Some("DELETED"),
            (EventType::Modified, false, false) => None,
        };
        if ev.kind == EventType::Deleted {
            self.matched.remove(&key);
        } else {
            self.matched.insert(key, now);
        }
        match kind {
            Some(kind) => self.send(kind, &object).await,
            None => true,
        }
    }

    /// The object as this watch shows it (type meta set, through the view if any);
    /// borrowed when it already is (the store writes type meta first on every object).
    fn present<'a>(&self, object: &'a Value) -> Cow<'a, Value> {
        if self.shows_as_stored(object) {
            return Cow::Borrowed(object);
        }
        let mut object = object.clone();
        ensure_type_meta(&mut object, self.info);
        match self.view {
            Some(v) => Cow::Owned((v.present)(&object)),
            None => Cow::Owned(object),
        }
    }

    /// Whether the watch shows `object` exactly as the store holds it.
    fn shows_as_stored(&self, object: &Value) -> bool {
        self.view.is_none() && has_type_meta(object, self.info)
    }

    fn type_meta(&self, object: &mut Value) {
        match self.view {
            Some(v) => {
                object["apiVersion"] = json!(v.api_version);
                object["kind"] = json!(v.kind);
            }
            None => ensure_type_meta(object, self.info),
        }
    }

    async fn send(&mut self, kind: &str, object: &Value) -> bool {
        let payload = if self.table {
            let now = self.state.store.clock().now();
            let rv = object
                .pointer("/metadata/resourceVersion")
                .cloned()
                .unwrap_or(json!(""));
            let meta = json!({"resourceVersion": rv});
            let columns = !self.sent_columns;
            self.sent_columns = true;
            let rows = std::slice::from_ref(object);
            let mut t = match self.view {
                Some(v) => (v.table)(rows, now, columns, meta),
                None => table::table(self.info, rows, now, columns, meta),
            };
            table::include_objects(&mut t, rows, self.include_object.as_deref());
            Cow::Owned(t)
        } else if self.metadata_only {
            Cow::Owned(partial(object))
        } else {
            Cow::Borrowed(object)
        };
        self.tx.send(event_line(kind, &payload)).await.is_ok()
    }
}
