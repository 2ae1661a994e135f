//! What one request asks for, in the terms RBAC rules are written in.

/// An authenticated identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub name: String,
    pub groups: Vec<String>,
}

impl UserInfo {
    /// The identity of a pod running as `namespace/name` service account.
    pub fn service_account(namespace: &str, name: &str) -> UserInfo {
        UserInfo {
            name: format!("system:serviceaccount:{namespace}:{name}"),
            groups: vec![
                "system:serviceaccounts".to_string(),
                format!("system:serviceaccounts:{namespace}"),
                "system:authenticated".to_string(),
            ],
        }
    }

    /// `(namespace, name)` when this is a service account.
    pub fn as_service_account(&self) -> Option<(&str, &str)> {
        let rest = self.name.strip_prefix("system:serviceaccount:")?;
        rest.split_once(':')
    }
}

/// A resource request (`get endpoints emqx in ns`) or a non-resource one (`get /version`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attributes {
    Resource {
        user: UserInfo,
        verb: String,
        group: String,
        resource: String,
        subresource: String,
        /// Empty for cluster-scoped requests.
        namespace: String,
        /// Empty for collection requests (list, watch, create).
        name: String,
    },
    NonResource {
        user: UserInfo,
        verb: String,
        path: String,
    },
}

impl Attributes {
    pub fn user(&self) -> &UserInfo {
        match self {
            Attributes::Resource { user, .. } | Attributes::NonResource { user, .. } => user,
        }
    }
}
