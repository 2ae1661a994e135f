//! Whether one PolicyRule covers a request — the real `RuleAllows` logic: `*` wildcards
//! for verbs, groups and resources, `*/sub` for any resource's subresource, resourceNames
//! limiting to named objects, and nonResourceURLs with a trailing `*` as prefix match.

use serde_json::Value;

use super::attributes::Attributes;

fn strings(rule: &Value, key: &str) -> Vec<String> {
    rule.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn has(list: &[String], wanted: &str) -> bool {
    list.iter().any(|x| x == "*" || x == wanted)
}

/// Does `rule` (a JSON PolicyRule) allow `attrs`?
pub fn allows(rule: &Value, attrs: &Attributes) -> bool {
    match attrs {
        Attributes::Resource {
            verb,
            group,
            resource,
            subresource,
            name,
            ..
        } => {
            let combined = if subresource.is_empty() {
                resource.clone()
            } else {
                format!("{resource}/{subresource}")
            };
            let resources = strings(rule, "resources");
            let resource_ok = resources.iter().any(|r| {
                r == "*"
                    || *r == combined
                    || (!subresource.is_empty()
                        && r.len() == subresource.len() + 2
                        && r.starts_with("*/")
                        && r.ends_with(subresource.as_str()))
            });
            let names = strings(rule, "resourceNames");
            let name_ok = names.is_empty() || (!name.is_empty() && names.iter().any(|n| n == name));
            has(&strings(rule, "verbs"), verb)
                && has(&strings(rule, "apiGroups"), group)
                && resource_ok
                && name_ok
        }
        Attributes::NonResource { verb, path, .. } => {
            let urls = strings(rule, "nonResourceURLs");
            has(&strings(rule, "verbs"), verb)
                && urls.iter().any(|u| {
                    u == "*"
                        || u == path
                        || u.strip_suffix('*')
                            .is_some_and(|prefix| path.starts_with(prefix))
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rbac::UserInfo;
    use serde_json::json;

    fn get(resource: &str, sub: &str, name: &str) -> Attributes {
        Attributes::Resource {
            user: UserInfo::service_account("emqx", "emqx"),
            verb: "get".into(),
            group: String::new(),
            resource: resource.into(),
            subresource: sub.into(),
            namespace: "emqx".into(),
            name: name.into(),
        }
    }

    #[test]
    fn the_tutorials_endpoints_rule_allows_reading_endpoints_only() {
        let rule = json!({"apiGroups": [""], "resources": ["endpoints"], "verbs": ["get", "watch", "list"]});
        assert!(allows(&rule, &get("endpoints", "", "emqx-headless")));
        assert!(!allows(&rule, &get("pods", "", "emqx-0")));
        assert!(!allows(&rule, &get("endpoints", "status", "x")));
    }

    #[test]
    fn wildcards_and_subresource_wildcards_match() {
        let all = json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]});
        assert!(allows(&all, &get("pods", "exec", "x")));
        let any_status = json!({"apiGroups": [""], "resources": ["*/status"], "verbs": ["get"]});
        assert!(allows(&any_status, &get("pods", "status", "x")));
        assert!(!allows(&any_status, &get("pods", "", "x")));
    }

    #[test]
    fn resource_names_limit_the_rule_to_those_objects() {
        let rule = json!({"apiGroups": [""], "resources": ["endpoints"], "resourceNames": ["emqx"], "verbs": ["get"]});
        assert!(allows(&rule, &get("endpoints", "", "emqx")));
        assert!(!allows(&rule, &get("endpoints", "", "other")));
        assert!(!allows(&rule, &get("endpoints", "", "")));
    }

    #[test]
    fn non_resource_urls_match_exactly_or_by_prefix() {
        let rule = json!({"nonResourceURLs": ["/version", "/apis/*"], "verbs": ["get"]});
        let at = |path: &str| Attributes::NonResource {
            user: UserInfo::service_account("a", "b"),
            verb: "get".into(),
            path: path.into(),
        };
        assert!(allows(&rule, &at("/version")));
        assert!(allows(&rule, &at("/apis/apps/v1")));
        assert!(!allows(&rule, &at("/api/v1")));
    }
}
