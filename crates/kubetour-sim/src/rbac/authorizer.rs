//! The RBAC decision for one request, read from the store's Roles and bindings.

use serde_json::Value;

use super::attributes::{Attributes, UserInfo};
use super::rules;
use crate::resources::Res;
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Why it was allowed, in the real authorizer's words (empty when denied, and for
    /// system:masters, which the real server lets through before RBAC is asked).
    pub reason: String,
}

/// The group the real server lets do anything, before RBAC.
const MASTERS: &str = "system:masters";

pub fn authorize(store: &Store, attrs: &Attributes) -> Decision {
    let user = attrs.user();
    if user.groups.iter().any(|g| g == MASTERS) {
        return Decision {
            allowed: true,
            reason: String::new(),
        };
    }
    let (cluster_bindings, _) = store.list(Res::ClusterRoleBinding, None);
    for binding in &cluster_bindings {
        if let Some(reason) = binding_allows(store, binding, "", attrs, user) {
            return Decision {
                allowed: true,
                reason,
            };
        }
    }
    if let Attributes::Resource { namespace, .. } = attrs
        && !namespace.is_empty()
    {
        let (bindings, _) = store.list(Res::RoleBinding, Some(namespace));
        for binding in &bindings {
            if let Some(reason) = binding_allows(store, binding, namespace, attrs, user) {
                return Decision {
                    allowed: true,
                    reason,
                };
            }
        }
    }
    Decision {
        allowed: false,
        reason: String::new(),
    }
}

/// The allow reason when `binding` grants `attrs` to `user`.
fn binding_allows(
    store: &Store,
    binding: &Value,
    namespace: &str,
    attrs: &Attributes,
    user: &UserInfo,
) -> Option<String> {
    let subject = binding
        .get("subjects")
        .and_then(Value::as_array)?
        .iter()
        .find(|s| subject_matches(s, namespace, user))?;
    let role_kind = binding.pointer("/roleRef/kind").and_then(Value::as_str)?;
    let role_name = binding.pointer("/roleRef/name").and_then(Value::as_str)?;
    let role = match role_kind {
        "ClusterRole" => store.get(Res::ClusterRole, "", role_name),
        // A RoleBinding's Role lives in the binding's namespace.
        "Role" if !namespace.is_empty() => store.get(Res::Role, namespace, role_name),
        _ => None,
    }?;
    role.get("rules")
        .and_then(Value::as_array)?
        .iter()
        .any(|rule| rules::allows(rule, attrs))
        .then(|| {
            let binding_name = binding
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            let source = if namespace.is_empty() {
                format!("ClusterRoleBinding \"{binding_name}\"")
            } else {
                format!("RoleBinding \"{binding_name}/{namespace}\"")
            };
            format!(
                "RBAC: allowed by {source} of {role_kind} \"{role_name}\" to {}",
                describe_subject(subject, namespace)
            )
        })
}

pub(super) fn subject_matches(subject: &Value, binding_namespace: &str, user: &UserInfo) -> bool {
    let kind = subject.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = subject.get("name").and_then(Value::as_str).unwrap_or("");
    match kind {
        "User" => user.name == name,
        "Group" => user.groups.iter().any(|g| g == name),
        "ServiceAccount" => {
            let ns = subject
                .get("namespace")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .unwrap_or(binding_namespace);
            user.name == format!("system:serviceaccount:{ns}:{name}")
        }
        _ => false,
    }
}

fn describe_subject(subject: &Value, binding_namespace: &str) -> String {
    let kind = subject.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = subject.get("name").and_then(Value::as_str).unwrap_or("");
    match kind {
        "ServiceAccount" => {
            let ns = subject
                .get("namespace")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .unwrap_or(binding_namespace);
            format!("ServiceAccount \"{name}/{ns}\"")
        }
        other => format!("{other} \"{name}\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use serde_json::json;

    fn get_endpoints(user: UserInfo, ns: &str) -> Attributes {
        Attributes::Resource {
            user,
            verb: "get".into(),
            group: String::new(),
            resource: "endpoints".into(),
            subresource: String::new(),
            namespace: ns.into(),
            name: "emqx-service".into(),
        }
    }

    fn with_tutorial_rbac(store: &Store) {
        store
            .create(
                Res::Role,
                json!({"metadata": {"name": "emqx", "namespace": "ref"},
                       "rules": [{"apiGroups": [""], "resources": ["endpoints"], "verbs": ["get", "watch", "list"]}]}),
            )
            .unwrap();
        store
            .create(
                Res::RoleBinding,
                json!({"metadata": {"name": "emqx", "namespace": "ref"},
                       "subjects": [{"kind": "ServiceAccount", "name": "emqx", "namespace": "ref"}],
                       "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "emqx"}}),
            )
            .unwrap();
    }

    #[tokio::test]
    async fn the_default_service_account_may_not_read_endpoints() {
        let store = Store::new(Clock::new(1.0));
        with_tutorial_rbac(&store);
        let d = authorize(
            &store,
            &get_endpoints(UserInfo::service_account("ref", "default"), "ref"),
        );
        assert!(!d.allowed);
    }

    #[tokio::test]
    async fn the_bound_service_account_may_and_the_reason_says_why() {
        let store = Store::new(Clock::new(1.0));
        with_tutorial_rbac(&store);
        let d = authorize(
            &store,
            &get_endpoints(UserInfo::service_account("ref", "emqx"), "ref"),
        );
        assert!(d.allowed);
        assert_eq!(
            d.reason,
            "RBAC: allowed by RoleBinding \"emqx/ref\" of Role \"emqx\" to ServiceAccount \"emqx/ref\""
        );
    }

    #[tokio::test]
    async fn a_role_in_another_namespace_grants_nothing_here() {
        let store = Store::new(Clock::new(1.0));
        with_tutorial_rbac(&store);
        let d = authorize(
            &store,
            &get_endpoints(UserInfo::service_account("ref", "emqx"), "default"),
        );
        assert!(!d.allowed);
    }

    #[tokio::test]
    async fn cluster_admins_are_allowed_before_rbac_is_asked() {
        let store = Store::new(Clock::new(1.0));
        let admin = UserInfo {
            name: "kubetour-admin".into(),
            groups: vec!["system:masters".into()],
        };
        assert!(authorize(&store, &get_endpoints(admin, "anywhere")).allowed);
    }
}
