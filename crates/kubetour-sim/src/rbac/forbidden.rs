//! The 403 Forbidden Status the real API server answers, word for word:
//! `endpoints "emqx-service" is forbidden: User "system:serviceaccount:ref:default"
//! cannot get resource "endpoints" in API group "" in the namespace "ref"`.

use serde_json::{Value, json};

use super::attributes::Attributes;

/// The message of a denied request.
pub fn message(attrs: &Attributes) -> String {
    match attrs {
        Attributes::Resource {
            user,
            verb,
            group,
            resource,
            subresource,
            namespace,
            name,
        } => {
            let combined = if subresource.is_empty() {
                resource.clone()
            } else {
                format!("{resource}/{subresource}")
            };
            let why = if namespace.is_empty() {
                format!(
                    "User \"{}\" cannot {verb} resource \"{combined}\" in API group \"{group}\" at the cluster scope",
                    user.name
                )
            } else {
                format!(
                    "User \"{}\" cannot {verb} resource \"{combined}\" in API group \"{group}\" in the namespace \"{namespace}\"",
                    user.name
                )
            };
            let qualified = if group.is_empty() {
                resource.clone()
            } else {
                format!("{resource}.{group}")
            };
            if name.is_empty() {
                format!("{qualified} is forbidden: {why}")
            } else {
                format!("{qualified} \"{name}\" is forbidden: {why}")
            }
        }
        Attributes::NonResource { user, verb, path } => {
            format!(
                "forbidden: User \"{}\" cannot {verb} path \"{path}\"",
                user.name
            )
        }
    }
}

/// The whole Status object, as JSON.
pub fn status(attrs: &Attributes) -> Value {
    let mut details = serde_json::Map::new();
    if let Attributes::Resource {
        group,
        resource,
        name,
        ..
    } = attrs
    {
        if !name.is_empty() {
            details.insert("name".into(), json!(name));
        }
        if !group.is_empty() {
            details.insert("group".into(), json!(group));
        }
        details.insert("kind".into(), json!(resource));
    }
    let mut status = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message(attrs),
        "reason": "Forbidden",
        "code": 403,
    });
    if !details.is_empty()
        && let Some(map) = status.as_object_mut()
    {
        // Keep the real field order: details come before code.
        let code = map.remove("code");
        map.insert("details".into(), Value::Object(details));
        if let Some(code) = code {
            map.insert("code".into(), code);
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rbac::UserInfo;

    #[test]
    fn the_message_matches_the_real_servers_byte_for_byte() {
        let attrs = Attributes::Resource {
            user: UserInfo::service_account("ref", "default"),
            verb: "get".into(),
            group: String::new(),
            resource: "endpoints".into(),
            subresource: String::new(),
            namespace: "ref".into(),
            name: "emqx-service".into(),
        };
        // From ../shared/real-apiserver/67-error-sa-default-forbidden-403.http (compact body).
        let real = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"endpoints \"emqx-service\" is forbidden: User \"system:serviceaccount:ref:default\" cannot get resource \"endpoints\" in API group \"\" in the namespace \"ref\"","reason":"Forbidden","details":{"name":"emqx-service","kind":"endpoints"},"code":403}"#;
        assert_eq!(serde_json::to_string(&status(&attrs)).unwrap(), real);
    }

    #[test]
    fn collections_subresources_and_cluster_scope_read_as_the_real_ones() {
        let user = UserInfo::service_account("a", "b");
        let list_nodes = Attributes::Resource {
            user: user.clone(),
            verb: "list".into(),
            group: String::new(),
            resource: "nodes".into(),
            subresource: String::new(),
            namespace: String::new(),
            name: String::new(),
        };
        assert_eq!(
            message(&list_nodes),
            "nodes is forbidden: User \"system:serviceaccount:a:b\" cannot list resource \"nodes\" in API group \"\" at the cluster scope"
        );
        let exec = Attributes::Resource {
            user,
            verb: "create".into(),
            group: String::new(),
            resource: "pods".into(),
            subresource: "exec".into(),
            namespace: "a".into(),
            name: "emqx-0".into(),
        };
        assert_eq!(
            message(&exec),
            "pods \"emqx-0\" is forbidden: User \"system:serviceaccount:a:b\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"a\""
        );
    }
}
