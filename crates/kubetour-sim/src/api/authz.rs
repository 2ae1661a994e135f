//! Authorization hook. Part 1 has only the admin (system:masters: everything allowed);
//! later parts plug an RBAC authorizer and service-account tokens in through
//! `cluster::Extensions`. Denials read exactly as the real server words them.

use std::fmt::Debug;

use axum::http::Method;

use super::auth::User;
use super::request::Req;
use super::status::ApiError;
use crate::resources::ResInfo;

/// What a request does, in RBAC's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes {
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub subresource: String,
    /// "" for cluster-scoped requests.
    pub namespace: String,
    /// "" for collection requests.
    pub name: String,
}

/// Decides whether a (non-admin) user may do something.
pub trait Authorizer: Send + Sync + Debug {
    fn allowed(&self, user: &User, attrs: &Attributes) -> bool;
}

/// Maps bearer tokens other than the admin's to users (service-account tokens).
pub trait TokenReview: Send + Sync + Debug {
    fn authenticate(&self, token: &str) -> Option<User>;
}

impl Attributes {
    /// The attributes of a request on `info` (name/subresource when addressed).
    pub fn of(
        r: &Req,
        info: &ResInfo,
        namespace: Option<&str>,
        name: Option<&str>,
        sub: Option<&str>,
    ) -> Attributes {
        let verb = match (&r.method, name) {
            (&Method::GET | &Method::HEAD, Some(_)) => "get",
            (&Method::GET | &Method::HEAD, None) if r.flag("watch") => "watch",
            (&Method::GET | &Method::HEAD, None) => "list",
            (&Method::POST, _) => "create",
            (&Method::PUT, _) => "update",
            (&Method::PATCH, _) => "patch",
            (&Method::DELETE, Some(_)) => "delete",
            (&Method::DELETE, None) => "deletecollection",
            _ => "unknown",
        };
        Attributes {
            verb: verb.to_string(),
            group: info.group.to_string(),
            resource: info.plural.to_string(),
            subresource: sub.unwrap_or("").to_string(),
            namespace: namespace.unwrap_or("").to_string(),
            name: name.unwrap_or("").to_string(),
        }
    }
}

/// Allows the request or answers the real 403.
pub fn authorize(
    authorizer: Option<&dyn Authorizer>,
    user: Option<&User>,
    attrs: &Attributes,
) -> Result<(), ApiError> {
    let Some(user) = user else {
        return Err(ApiError::unauthorized());
    };
    if user.groups.iter().any(|g| g == "system:masters") {
        return Ok(());
    }
    if authorizer.is_some_and(|a| a.allowed(user, attrs)) {
        return Ok(());
    }
    Err(forbidden(user, attrs))
}

fn forbidden(user: &User, a: &Attributes) -> ApiError {
    let resource = if a.subresource.is_empty() {
        a.resource.clone()
    } else {
        format!("{}/{}", a.resource, a.subresource)
    };
    let qualified = if a.group.is_empty() {
        a.resource.clone()
    } else {
        format!("{}.{}", a.resource, a.group)
    };
    let subject = if a.name.is_empty() {
        qualified
    } else {
        format!("{qualified} \"{}\"", a.name)
    };
    let scope = if a.namespace.is_empty() {
        "at the cluster scope".to_string()
    } else {
        format!("in the namespace \"{}\"", a.namespace)
    };
    let mut err = ApiError::forbidden(format!(
        "{subject} is forbidden: User \"{}\" cannot {} resource \"{resource}\" in API group \"{}\" {scope}",
        user.name, a.verb, a.group
    ));
    let mut details = serde_json::json!({});
    if !a.name.is_empty() {
        details["name"] = serde_json::json!(a.name);
    }
    if !a.group.is_empty() {
        details["group"] = serde_json::json!(a.group);
    }
    details["kind"] = serde_json::json!(a.resource);
    err.details = Some(details);
    err
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug)]
    struct Nobody;
    impl Authorizer for Nobody {
        fn allowed(&self, _: &User, _: &Attributes) -> bool {
            false
        }
    }

    #[test]
    fn a_denied_service_account_reads_the_real_message() {
        let user = User {
            name: "system:serviceaccount:ref:default".into(),
            groups: vec![],
        };
        let attrs = Attributes {
            verb: "get".into(),
            group: String::new(),
            resource: "endpoints".into(),
            subresource: String::new(),
            namespace: "ref".into(),
            name: "emqx-service".into(),
        };
        let err = authorize(Some(&Nobody), Some(&user), &attrs).unwrap_err();
        let status = err.to_status();
        assert_eq!(
            status,
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "endpoints \"emqx-service\" is forbidden: User \"system:serviceaccount:ref:default\" cannot get resource \"endpoints\" in API group \"\" in the namespace \"ref\"",
                "reason": "Forbidden", "details": {"name": "emqx-service", "kind": "endpoints"}, "code": 403})
        );
        let admin = User {
            name: "admin".into(),
            groups: vec!["system:masters".into()],
        };
        assert!(authorize(Some(&Nobody), Some(&admin), &attrs).is_ok());
    }
}
