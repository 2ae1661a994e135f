//! Authorization of every request, as the real server's filters do it: the request's
//! attributes (verb, API group, resource, subresource, namespace, name — or a
//! non-resource path) from its method and URL, impersonation headers, then RBAC.
//! Also the RBAC authorizer and service-account tokens behind `authz`'s hooks, so the
//! handlers' own checks decide the same way.

use std::collections::HashMap;

use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use std::sync::Arc;

use axum::extract::Request;

use super::ApiState;
use super::auth::User;
use super::authz::{self, Authorizer, TokenReview};
use crate::rbac::{Attributes, UserInfo, authorize, forbidden};
use crate::resources::Res;
use crate::store::Store;
use crate::workloads::World;

/// Applies impersonation and authorizes the request: the user it acts as, or the 403.
pub fn admit(state: &ApiState, user: User, req: &Request) -> Result<User, Box<Response>> {
    let user = impersonate(&state.store, user, req.headers())
        .map_err(|denied| Box::new(forbidden_response(&denied)))?;
    let query = axum::extract::Query::<HashMap<String, String>>::try_from_uri(req.uri())
        .map(|q| q.0)
        .unwrap_or_default();
    let info = UserInfo {
        name: user.name.clone(),
        groups: user.groups.clone(),
    };
    let attrs = attributes(info, req.method(), req.uri().path(), &query);
    if !allowed(state, &user, &attrs) {
        return Err(Box::new(forbidden_response(&attrs)));
    }
    Ok(user)
}

/// Resource requests go to the state's authorizer (RBAC unless another is plugged in),
/// non-resource paths to RBAC; system:masters may do anything.
fn allowed(state: &ApiState, user: &User, attrs: &Attributes) -> bool {
    if user.groups.iter().any(|g| g == "system:masters") {
        return true;
    }
    match attrs {
        Attributes::Resource {
            verb,
            group,
            resource,
            subresource,
            namespace,
            name,
            ..
        } => {
            let a = authz::Attributes {
                verb: verb.clone(),
                group: group.clone(),
                resource: resource.clone(),
                subresource: subresource.clone(),
                namespace: namespace.clone(),
                name: name.clone(),
            };
            state
                .authorizer
                .as_ref()
                .is_some_and(|authorizer| authorizer.allowed(user, &a))
        }
        Attributes::NonResource { .. } => authorize(&state.store, attrs).allowed,
    }
}

/// RBAC behind `authz::Authorizer`.
#[derive(Debug)]
pub struct RbacAuthorizer {
    pub store: Arc<Store>,
}

impl Authorizer for RbacAuthorizer {
    fn allowed(&self, user: &User, a: &authz::Attributes) -> bool {
        let attrs = Attributes::Resource {
            user: UserInfo {
                name: user.name.clone(),
                groups: user.groups.clone(),
            },
            verb: a.verb.clone(),
            group: a.group.clone(),
            resource: a.resource.clone(),
            subresource: a.subresource.clone(),
            namespace: a.namespace.clone(),
            name: a.name.clone(),
        };
        authorize(&self.store, &attrs).allowed
    }
}

/// The pods' service-account tokens behind `authz::TokenReview`. A deleted
/// ServiceAccount's tokens stop working, as on a real cluster.
#[derive(Debug)]
pub struct ServiceAccountTokens {
    pub store: Arc<Store>,
    pub world: Arc<World>,
}

impl TokenReview for ServiceAccountTokens {
    fn authenticate(&self, token: &str) -> Option<User> {
        let user = self.world.tokens.resolve(token)?;
        if self.world.tokens.expired(token, self.store.clock().now()) {
            return None;
        }
        let (ns, name) = user.as_service_account()?;
        self.store.get(Res::ServiceAccount, ns, name)?;
        Some(User {
            name: user.name,
            groups: user.groups,
        })
    }
}

/// What `METHOD path?query` asks for, in RBAC's terms (k8s.io/apiserver RequestInfo).
pub fn attributes(
    user: UserInfo,
    method: &Method,
    path: &str,
    query: &HashMap<String, String>,
) -> Attributes {
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let (group, rest) = match segs.as_slice() {
        ["api", _version, rest @ ..] if !rest.is_empty() => ("", rest),
        ["apis", group, _version, rest @ ..] if !rest.is_empty() => (*group, rest),
        _ => {
            return Attributes::NonResource {
                user,
                verb: method.as_str().to_ascii_lowercase(),
                path: path.to_string(),
            };
        }
    };
    let mut namespace = "";
    let mut parts = rest;
    if let ["namespaces", ns, tail @ ..] = rest {
        namespace = ns;
        // `namespaces/<name>/status|finalize` addresses the namespace itself.
        if !tail.is_empty() && !matches!(tail[0], "status" | "finalize") {
            parts = tail;
        } else {
            namespace = if tail.is_empty() { ns } else { "" };
            parts = rest;
        }
    }
    let resource = parts.first().copied().unwrap_or("");
    let name = parts.get(1).copied().unwrap_or("");
    let subresource = parts.get(2).copied().unwrap_or("");
    // `namespaces/<name>` is cluster-scoped: its name is the namespace.
    if resource == "namespaces" {
        namespace = if name.is_empty() { "" } else { name };
    }
    let watch = matches!(
        query.get("watch").map(String::as_str),
        Some("true" | "1" | "True" | "TRUE" | "t")
    );
    let verb = match (method, name.is_empty()) {
        (&Method::GET | &Method::HEAD, true) if watch => "watch",
        (&Method::GET | &Method::HEAD, true) => "list",
        (&Method::GET | &Method::HEAD, false) if watch => "watch",
        (&Method::GET | &Method::HEAD, false) => "get",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        (&Method::PATCH, _) => "patch",
        (&Method::DELETE, true) => "deletecollection",
        (&Method::DELETE, false) => "delete",
        (other, _) => return non_resource(user, other, path),
    };
    // Proxy names may carry a scheme and port (`http:emqx:18083`): RBAC sees the name.
    let name = if subresource == "proxy" {
        proxy_object_name(name)
    } else {
        name
    };
    Attributes::Resource {
        user,
        verb: verb.to_string(),
        group: group.to_string(),
        resource: resource.to_string(),
        subresource: subresource.to_string(),
        namespace: namespace.to_string(),
        name: name.to_string(),
    }
}

fn non_resource(user: UserInfo, method: &Method, path: &str) -> Attributes {
    Attributes::NonResource {
        user,
        verb: method.as_str().to_ascii_lowercase(),
        path: path.to_string(),
    }
}

/// `http:emqx:18083` → `emqx`; `emqx:18083` → `emqx`; `emqx` → `emqx`.
pub fn proxy_object_name(name: &str) -> &str {
    let parts: Vec<&str> = name.split(':').collect();
    match parts.as_slice() {
        ["http" | "https", n, ..] => n,
        [n, ..] => n,
        [] => name,
    }
}

/// The 403 the real server answers, compact JSON with a newline as it sends it.
pub fn forbidden_response(attrs: &Attributes) -> Response {
    let mut body = serde_json::to_vec(&forbidden::status(attrs)).unwrap_or_default();
    body.push(b'\n');
    let mut resp = (StatusCode::FORBIDDEN, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    resp
}

/// Applies `Impersonate-User`/`Impersonate-Group`: the identity the request acts as,
/// or the attributes of the impersonation the requester may not do (answer the 403).
pub fn impersonate(
    store: &Store,
    user: User,
    headers: &HeaderMap,
) -> Result<User, Box<Attributes>> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect()
    };
    let Some(target) = values("impersonate-user").into_iter().next() else {
        return Ok(user);
    };
    let mut groups = values("impersonate-group");
    let requester = UserInfo {
        name: user.name.clone(),
        groups: user.groups.clone(),
    };
    let sa = UserInfo {
        name: target.clone(),
        groups: Vec::new(),
    };
    let check = match sa.as_service_account() {
        Some((ns, name)) => resource_check(requester.clone(), "serviceaccounts", ns, name),
        None => resource_check(requester.clone(), "users", "", &target),
    };
    let mut checks = vec![check];
    for g in &groups {
        checks.push(resource_check(requester.clone(), "groups", "", g));
    }
    for attrs in checks {
        if !authorize(store, &attrs).allowed {
            return Err(Box::new(attrs));
        }
    }
    if groups.is_empty()
        && let Some((ns, _)) = sa.as_service_account()
    {
        groups = vec![
            "system:serviceaccounts".to_string(),
            format!("system:serviceaccounts:{ns}"),
        ];
    }
    if target != "system:anonymous" && !groups.iter().any(|g| g == "system:authenticated") {
        groups.push("system:authenticated".to_string());
    }
    Ok(User {
        name: target,
        groups,
    })
}

fn resource_check(user: UserInfo, resource: &str, namespace: &str, name: &str) -> Attributes {
    Attributes::Resource {
        user,
        verb: "impersonate".into(),
        group: String::new(),
        resource: resource.into(),
        subresource: String::new(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(method: Method, path: &str, watch: bool) -> Attributes {
        let mut q = HashMap::new();
        if watch {
            q.insert("watch".to_string(), "true".to_string());
        }
        let user = UserInfo::service_account("ns", "default");
        attributes(user, &method, path, &q)
    }

    fn summary(a: &Attributes) -> String {
        match a {
            Attributes::Resource {
                verb,
                group,
                resource,
                subresource,
                namespace,
                name,
                ..
            } => format!("{verb} {group}/{resource}/{subresource} {namespace}/{name}"),
            Attributes::NonResource { verb, path, .. } => format!("{verb} {path}"),
        }
    }

    #[test]
    fn methods_and_paths_map_to_the_verbs_rbac_knows() {
        let cases = [
            (
                Method::GET,
                "/api/v1/namespaces/ns/endpoints/emqx",
                false,
                "get /endpoints/ ns/emqx",
            ),
            (
                Method::GET,
                "/api/v1/namespaces/ns/pods",
                false,
                "list /pods/ ns/",
            ),
            (Method::GET, "/api/v1/pods", true, "watch /pods/ /"),
            (
                Method::POST,
                "/apis/apps/v1/namespaces/ns/deployments",
                false,
                "create apps/deployments/ ns/",
            ),
            (
                Method::DELETE,
                "/api/v1/namespaces/ns/pods",
                false,
                "deletecollection /pods/ ns/",
            ),
            (
                Method::GET,
                "/api/v1/namespaces/ns/pods/p/log",
                false,
                "get /pods/log ns/p",
            ),
            (
                Method::GET,
                "/api/v1/namespaces/ns/services/http:emqx:18083/proxy/status",
                false,
                "get /services/proxy ns/emqx",
            ),
            (
                Method::GET,
                "/api/v1/namespaces/ns",
                false,
                "get /namespaces/ ns/ns",
            ),
            (
                Method::PUT,
                "/api/v1/namespaces/ns/finalize",
                false,
                "update /namespaces/finalize ns/ns",
            ),
            (Method::GET, "/version", false, "get /version"),
            (Method::GET, "/apis/apps/v1", false, "get /apis/apps/v1"),
        ];
        for (method, path, watch, want) in cases {
            assert_eq!(summary(&attrs(method, path, watch)), want, "{path}");
        }
    }
}
