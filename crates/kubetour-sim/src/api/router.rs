//! Request routing: URL path -> what is addressed (discovery document, collection,
//! object, subresource), method -> verb. Paths are parsed by hand because the
//! Kubernetes URL grammar (`/api/v1/namespaces/{ns}/pods/{name}/status`) is ambiguous
//! for pattern routers (`/api/v1/namespaces/{name}/status` is a namespace's status).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};

use super::ApiState;
use super::authz::Attributes;
use super::handlers::{
    delete, ephemeral, eviction, exec, logs, patch, portforward, proxy, read, reviews, subresource,
    token, watch, write,
};
use super::request::Req;
use super::status::{ApiError, ApiResult};
use super::{aggregated, auth, discovery, events_v1, metrics, openapi, slices};
use crate::resources::{Res, ResInfo};

/// Largest request body accepted (the real server's limit is 3 MiB for most writes).
const MAX_BODY: usize = 8 * 1024 * 1024;

pub fn router(state: Arc<ApiState>) -> Router {
    router_with(state, Router::new())
}

/// The router with `extra` routes (matched before the generic resource routing), all
/// behind bearer-token authentication.
pub fn router_with(state: Arc<ApiState>, extra: Router<Arc<ApiState>>) -> Router {
    extra
        .fallback(handle)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        // Outermost: every request is counted, the refused ones too.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::count,
        ))
        .with_state(state)
}

/// A collection: `/api/v1/namespaces/{ns}/pods` (ns Some) or `/api/v1/pods` (None).
#[derive(Debug, Clone)]
pub struct Coll {
    pub info: &'static ResInfo,
    pub ns: Option<String>,
}

/// One object; `ns` is "" for cluster-scoped kinds (the store's convention).
#[derive(Debug, Clone)]
pub struct Obj {
    pub info: &'static ResInfo,
    pub ns: String,
    pub name: String,
}

async fn handle(State(state): State<Arc<ApiState>>, req: Request) -> Response {
    // Exec upgrades the connection: it needs the whole request, not just its body.
    if let Some((ns, name)) = exec::target(req.uri().path()) {
        return exec::handle(state, req, ns, name).await;
    }
    if let Some((ns, name)) = portforward::target(req.uri().path()) {
        return portforward::handle(state, req, ns, name).await;
    }
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            return ApiError::new(413, "RequestEntityTooLarge", format!("{e}")).into_response();
        }
    };
    let query = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let mut r = Req::new(parts.method, query, &parts.headers, body);
    r.user = parts.extensions.get::<auth::User>().cloned();
    let path = parts.uri.path();
    if let Some(kind) = reviews::target(path) {
        let Some(user) = r.user.clone() else {
            return ApiError::unauthorized().into_response();
        };
        return match reviews::create(&state, &r, &user, kind) {
            Ok(resp) => resp,
            Err(e) => e.into_response(),
        };
    }
    let mut resp = match dispatch(&state, &r, path) {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    };
    if let Some(warning) = deprecation_warning(path) {
        resp.headers_mut().insert(header::WARNING, warning);
    }
    resp
}

/// A 1.33 server warns that core v1 Endpoints are deprecated (kubectl prints it).
fn deprecation_warning(path: &str) -> Option<HeaderValue> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let endpoints = matches!(
        segs.as_slice(),
        ["api", "v1", "endpoints", ..] | ["api", "v1", "namespaces", _, "endpoints", ..]
    );
    endpoints.then(|| {
        HeaderValue::from_static(
            "299 - \"v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\"",
        )
    })
}

fn dispatch(state: &Arc<ApiState>, r: &Req, path: &str) -> ApiResult<Response> {
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segs.as_slice() {
        [] => Ok(discovery::root_paths()),
        ["version"] => Ok(discovery::version()),
        ["healthz" | "livez" | "readyz"] => Ok("ok".into_response()),
        ["metrics"] => Ok(metrics::endpoint(state, &r.method)),
        ["openapi", "v3"] => Ok(openapi::root()),
        ["openapi", "v3", rest @ ..] => openapi::document(&rest.join("/")),
        ["api"] if aggregated::wanted(r) => Ok(aggregated::core()),
        ["apis"] if aggregated::wanted(r) => Ok(aggregated::named_groups()),
        ["api"] => Ok(discovery::api_versions(r)),
        ["apis"] => Ok(discovery::api_groups(r)),
        ["api", "v1"] => Ok(discovery::resource_list("", "v1")),
        ["apis", reviews::GROUP] => Ok(discovery::group_response(reviews::GROUP)),
        ["apis", reviews::GROUP, "v1"] => Ok(reviews::resource_list()),
        ["apis", reviews::AUTHN_GROUP] => Ok(discovery::group_response(reviews::AUTHN_GROUP)),
        ["apis", reviews::AUTHN_GROUP, "v1"] => Ok(reviews::authn_resource_list()),
        ["apis", slices::GROUP] => Ok(discovery::group_response(slices::GROUP)),
        ["apis", slices::GROUP, "v1"] => Ok(slices::resource_list()),
        ["apis", slices::GROUP, "v1", rest @ ..] => slices::route(state, r, rest),
        ["apis", events_v1::GROUP] => Ok(discovery::group_response(events_v1::GROUP)),
        ["apis", events_v1::GROUP, "v1"] => Ok(events_v1::resource_list()),
        ["apis", events_v1::GROUP, "v1", rest @ ..] => events_v1::route(state, r, rest),
        ["apis", group] => discovery::group(group),
        ["apis", group, version] => discovery::group_version(group, version),
        ["api", "v1", rest @ ..] => resource(state, r, "", "v1", rest),
        ["apis", group, version, rest @ ..] => resource(state, r, group, version, rest),
        _ => Err(ApiError::no_such_path()),
    }
}

fn lookup(group: &str, version: &str, plural: &str) -> ApiResult<&'static ResInfo> {
    Res::from_path(group, version, plural)
        .map(Res::info)
        .ok_or_else(ApiError::no_such_path)
}

fn resource(
    state: &Arc<ApiState>,
    r: &Req,
    group: &str,
    version: &str,
    rest: &[&str],
) -> ApiResult<Response> {
    if !discovery::serves(group, version) {
        return Err(ApiError::no_such_path());
    }
    let namespaced = |ns: &str, plural: &str| -> ApiResult<&'static ResInfo> {
        let info = lookup(group, version, plural)?;
        if !info.namespaced || ns.is_empty() {
            return Err(ApiError::no_such_path());
        }
        Ok(info)
    };
    match rest {
        // A namespace's own subresources share the shape of a namespaced collection.
        ["namespaces", name, sub @ ("status" | "finalize")] if group.is_empty() => {
            let obj = Obj {
                info: Res::Namespace.info(),
                ns: String::new(),
                name: (*name).to_string(),
            };
            object(state, r, &obj, Some(sub))
        }
        ["namespaces", ns, "bindings"] if group.is_empty() => {
            let attrs = Attributes {
                verb: "create".into(),
                group: String::new(),
                resource: "bindings".into(),
                subresource: String::new(),
                namespace: (*ns).to_string(),
                name: String::new(),
            };
            state.authorize(r, &attrs)?;
            subresource::binding(state, r, ns, None)
        }
        ["namespaces", ns, "services", target, "proxy", path @ ..] if group.is_empty() => {
            proxy::service(state, r, ns, target, path)
        }
        ["namespaces", ns, "pods", target, "proxy", path @ ..] if group.is_empty() => {
            proxy::pod(state, r, ns, target, path)
        }
        ["namespaces", ns, plural] => {
            let info = namespaced(ns, plural)?;
            collection(
                state,
                r,
                &Coll {
                    info,
                    ns: Some((*ns).to_string()),
                },
            )
        }
        ["namespaces", ns, plural, name] => {
            let info = namespaced(ns, plural)?;
            let obj = Obj {
                info,
                ns: (*ns).to_string(),
                name: (*name).to_string(),
            };
            object(state, r, &obj, None)
        }
        ["namespaces", ns, plural, name, sub] => {
            let info = namespaced(ns, plural)?;
            let obj = Obj {
                info,
                ns: (*ns).to_string(),
                name: (*name).to_string(),
            };
            object(state, r, &obj, Some(sub))
        }
        [plural] => {
            let info = lookup(group, version, plural)?;
            collection(state, r, &Coll { info, ns: None })
        }
        [plural, name] => {
            let info = lookup(group, version, plural)?;
            if info.namespaced {
                return Err(ApiError::no_such_path());
            }
            let obj = Obj {
                info,
                ns: String::new(),
                name: (*name).to_string(),
            };
            object(state, r, &obj, None)
        }
        [plural, name, sub] => {
            let info = lookup(group, version, plural)?;
            if info.namespaced {
                return Err(ApiError::no_such_path());
            }
            let obj = Obj {
                info,
                ns: String::new(),
                name: (*name).to_string(),
            };
            object(state, r, &obj, Some(sub))
        }
        _ => Err(ApiError::no_such_path()),
    }
}

fn not_allowed() -> ApiError {
    ApiError::method_not_allowed("the server does not allow this method on the requested resource")
}

fn collection(state: &Arc<ApiState>, r: &Req, coll: &Coll) -> ApiResult<Response> {
    state.authorize(
        r,
        &Attributes::of(r, coll.info, coll.ns.as_deref(), None, None),
    )?;
    match r.method {
        Method::GET if r.flag("watch") => watch::watch(state, r, coll),
        Method::GET => read::list(state, r, coll),
        Method::POST if !coll.info.namespaced || coll.ns.is_some() => write::create(state, r, coll),
        Method::DELETE => delete::delete_collection(state, r, coll),
        _ => Err(not_allowed()),
    }
}

fn object(state: &Arc<ApiState>, r: &Req, obj: &Obj, sub: Option<&str>) -> ApiResult<Response> {
    let ns = (!obj.ns.is_empty()).then_some(obj.ns.as_str());
    state.authorize(r, &Attributes::of(r, obj.info, ns, Some(&obj.name), sub))?;
    let sub = match sub {
        None => None,
        Some("status") => Some(write::Scope::Status),
        Some("scale") if subresource::has_scale(obj.info.res) => {
            return match r.method {
                Method::GET => subresource::scale_get(state, obj),
                Method::PUT | Method::PATCH => subresource::scale_write(state, r, obj),
                _ => Err(not_allowed()),
            };
        }
        Some("log") if obj.info.res == Res::Pod && r.method == Method::GET => {
            return logs::get(state, r, &obj.ns, &obj.name);
        }
        Some("binding") if obj.info.res == Res::Pod && r.method == Method::POST => {
            return subresource::binding(state, r, &obj.ns, Some(&obj.name));
        }
        Some("eviction") if obj.info.res == Res::Pod && r.method == Method::POST => {
            return eviction::evict(state, r, obj);
        }
        Some("ephemeralcontainers") if obj.info.res == Res::Pod => {
            return ephemeral::handle(state, r, obj);
        }
        Some("token") if obj.info.res == Res::ServiceAccount && r.method == Method::POST => {
            return token::create(state, r, obj);
        }
        Some(_) => return Err(ApiError::no_such_path()),
    };
    let scope = sub.unwrap_or(write::Scope::Main);
    match r.method {
        Method::GET => read::get(state, r, obj),
        Method::PUT => write::update(state, r, obj, scope),
        Method::PATCH => patch::patch(state, r, obj, scope),
        Method::DELETE if sub.is_none() => delete::delete(state, r, obj),
        _ => Err(not_allowed()),
    }
}
