//! Access reviews: SelfSubjectAccessReview ("may I?") and SubjectAccessReview ("may
//! they?"), answered with the same authorizer that guards every request. kubectl 1.32
//! sends `auth can-i`'s review as protobuf; `api::protobuf` decodes it (one decoder for
//! all kinds) and the answer goes out in JSON, which kubectl also accepts.

use serde_json::{Map, Value, json};

use super::attributes::{Attributes, UserInfo};
use super::authorizer::authorize;
use crate::store::Store;

/// Which review kind was posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    SelfSubject,
    Subject,
}

/// Answers a review (JSON form), as the user who posted it (`requester`).
/// Returns the full response object, or a message for a 400.
pub fn answer(
    store: &Store,
    kind: Review,
    requester: &UserInfo,
    review: &Value,
) -> Result<Value, String> {
    let spec = review.get("spec").cloned().unwrap_or_else(|| json!({}));
    let user = match kind {
        Review::SelfSubject => requester.clone(),
        Review::Subject => {
            let name = spec
                .get("user")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let groups: Vec<String> = spec
                .get("groups")
                .and_then(Value::as_array)
                .map(|g| {
                    g.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            if name.is_empty() && groups.is_empty() {
                return Err("spec.user or spec.groups: Invalid value: \"\": at least one of user or group must be specified".into());
            }
            UserInfo { name, groups }
        }
    };
    let attrs = if let Some(r) = spec.get("resourceAttributes") {
        let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        Attributes::Resource {
            user,
            verb: s("verb"),
            group: s("group"),
            resource: s("resource"),
            subresource: s("subresource"),
            namespace: s("namespace"),
            name: s("name"),
        }
    } else if let Some(n) = spec.get("nonResourceAttributes") {
        let s = |k: &str| n.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        Attributes::NonResource {
            user,
            verb: s("verb"),
            path: s("path"),
        }
    } else {
        return Err(
            "spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified"
                .into(),
        );
    };
    let decision = authorize(store, &attrs);
    let mut status = Map::new();
    status.insert("allowed".into(), json!(decision.allowed));
    if !decision.reason.is_empty() {
        status.insert("reason".into(), json!(decision.reason));
    }
    let (kind_name, api_version) = match kind {
        Review::SelfSubject => ("SelfSubjectAccessReview", "authorization.k8s.io/v1"),
        Review::Subject => ("SubjectAccessReview", "authorization.k8s.io/v1"),
    };
    Ok(json!({
        "kind": kind_name,
        "apiVersion": api_version,
        "metadata": {"creationTimestamp": null},
        "spec": spec,
        "status": Value::Object(status),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;

    /// kubectl 1.32's `auth can-i get endpoints -n ref`, byte for byte
    /// (../shared/real-apiserver/raw/77-ssar-protobuf-impersonate-sa-emqx.request.bin).
    const KUBECTL_CAN_I: &str = "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374416363657373526576696577123d0a100a0012001a0022002a00320038004200121f0a1d0a0372656612036765741a0022002a09656e64706f696e747332003a001a08080012001a0020001a002200";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn kubectls_protobuf_review_reads_as_its_json_form() {
        let review = crate::api::protobuf::decode(&hex(KUBECTL_CAN_I)).unwrap();
        assert_eq!(review["kind"], "SelfSubjectAccessReview");
        assert_eq!(
            review["spec"]["resourceAttributes"],
            json!({"namespace": "ref", "verb": "get", "resource": "endpoints"})
        );
    }

    #[tokio::test]
    async fn a_self_review_answers_for_the_requester() {
        let store = Store::new(Clock::new(1.0));
        let review = crate::api::protobuf::decode(&hex(KUBECTL_CAN_I)).unwrap();
        let sa = UserInfo::service_account("ref", "default");
        let out = answer(&store, Review::SelfSubject, &sa, &review).unwrap();
        assert_eq!(out["status"], json!({"allowed": false}));
        let admin = UserInfo {
            name: "admin".into(),
            groups: vec!["system:masters".into()],
        };
        let out = answer(&store, Review::SelfSubject, &admin, &review).unwrap();
        assert_eq!(out["status"], json!({"allowed": true}));
        assert_eq!(out["kind"], "SelfSubjectAccessReview");
    }

    #[tokio::test]
    async fn a_subject_review_needs_a_user_or_group() {
        let store = Store::new(Clock::new(1.0));
        let admin = UserInfo {
            name: "admin".into(),
            groups: vec!["system:masters".into()],
        };
        let review = json!({"spec": {"resourceAttributes": {"verb": "get", "resource": "pods"}}});
        assert!(answer(&store, Review::Subject, &admin, &review).is_err());
        let review = json!({"spec": {"user": "system:serviceaccount:a:b", "resourceAttributes": {"verb": "get", "resource": "pods", "namespace": "a"}}});
        let out = answer(&store, Review::Subject, &admin, &review).unwrap();
        assert_eq!(out["status"]["allowed"], false);
    }
}
