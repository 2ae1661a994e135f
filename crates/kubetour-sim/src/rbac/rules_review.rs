//! SelfSubjectRulesReview (`kubectl auth can-i --list`): every rule the requester's
//! bindings grant in a namespace — the ClusterRoleBindings first, then the namespace's
//! RoleBindings — as the real RBAC authorizer's `RulesFor` lists them (one entry per
//! PolicyRule, fields as the rule spells them; kubectl sorts and compacts the table).

use serde_json::{Map, Value, json};

use super::attributes::UserInfo;
use super::authorizer::subject_matches;
use crate::resources::Res;
use crate::store::Store;

/// The PolicyRules bound to `user` for `namespace` (cluster-wide ones included).
fn bound_rules(store: &Store, user: &UserInfo, namespace: &str) -> Vec<Value> {
    let mut rules = Vec::new();
    let mut visit = |binding: &Value, binding_ns: &str| {
        let subjects = binding["subjects"].as_array().cloned().unwrap_or_default();
        if !subjects
            .iter()
            .any(|s| subject_matches(s, binding_ns, user))
        {
            return;
        }
        let name = binding["roleRef"]["name"].as_str().unwrap_or("");
        let role = match binding["roleRef"]["kind"].as_str() {
            Some("ClusterRole") => store.get(Res::ClusterRole, "", name),
            Some("Role") if !binding_ns.is_empty() => store.get(Res::Role, binding_ns, name),
            _ => None,
        };
        if let Some(role) = role {
            rules.extend(role["rules"].as_array().cloned().unwrap_or_default());
        }
    };
    let (cluster_bindings, _) = store.list(Res::ClusterRoleBinding, None);
    for b in &cluster_bindings {
        visit(b, "");
    }
    if !namespace.is_empty() {
        let (bindings, _) = store.list(Res::RoleBinding, Some(namespace));
        for b in &bindings {
            visit(b, namespace);
        }
    }
    rules
}

fn keep(rule: &Value, keys: &[&str]) -> Value {
    let mut out = Map::new();
    for k in keys {
        if let Some(v) = rule
            .get(*k)
            .filter(|v| v.as_array().is_some_and(|a| !a.is_empty()))
        {
            out.insert((*k).to_string(), v.clone());
        }
    }
    Value::Object(out)
}

/// The review's `status`: resource rules, non-resource rules, and `incomplete`.
pub fn status(store: &Store, user: &UserInfo, namespace: &str) -> Value {
    let mut resource_rules = Vec::new();
    let mut non_resource_rules = Vec::new();
    for rule in bound_rules(store, user, namespace) {
        if rule["nonResourceURLs"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
        {
            non_resource_rules.push(keep(&rule, &["verbs", "nonResourceURLs"]));
        } else {
            resource_rules.push(keep(
                &rule,
                &["verbs", "apiGroups", "resources", "resourceNames"],
            ));
        }
    }
    json!({
        "resourceRules": resource_rules,
        "nonResourceRules": non_resource_rules,
        "incomplete": false
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;

    #[test]
    fn a_service_account_sees_its_role_and_the_defaults_every_user_has() {
        let store = Store::new(Clock::new(1.0));
        super::super::bootstrap::seed(&store);
        let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "r", "namespace": "emqx"},
            "rules": [{"apiGroups": [""], "resources": ["endpoints"], "verbs": ["get", "list"]}]});
        let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "r", "namespace": "emqx"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
            "subjects": [{"kind": "ServiceAccount", "name": "emqx", "namespace": "emqx"}]});
        store.create(Res::Role, role).expect("role");
        store.create(Res::RoleBinding, binding).expect("binding");
        let mut sa = UserInfo::service_account("emqx", "emqx");
        sa.groups.push("system:authenticated".into());
        let s = status(&store, &sa, "emqx");
        let resources: Vec<String> = s["resourceRules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["resources"].to_string())
            .collect();
        assert!(
            resources.iter().any(|r| r.contains("endpoints")),
            "{resources:?}"
        );
        assert!(
            resources
                .iter()
                .any(|r| r.contains("selfsubjectrulesreviews"))
        );
        assert!(!s["nonResourceRules"].as_array().unwrap().is_empty());
        let elsewhere = status(&store, &sa, "default");
        assert!(!elsewhere.to_string().contains("endpoints"));
    }
}
