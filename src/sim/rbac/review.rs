//! Access reviews: SelfSubjectAccessReview ("may I?") and SubjectAccessReview ("may
//! they?"), answered with the same authorizer that guards every request. kubectl 1.32
//! sends `auth can-i`'s review as protobuf; this module reads that encoding too (only the
//! fields a review carries) and answers in JSON, which kubectl also accepts.

use serde_json::{Map, Value, json};

use super::attributes::{Attributes, UserInfo};
use super::authorizer::authorize;
use crate::sim::store::Store;

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

/// Reads a protobuf-encoded (self) subject access review into its JSON form.
pub fn from_protobuf(body: &[u8]) -> Result<Value, String> {
    let payload = body
        .strip_prefix(b"k8s\0")
        .ok_or("protobuf body lacks the k8s magic prefix")?;
    // runtime.Unknown { typeMeta = 1, raw = 2 }
    let unknown = fields(payload)?;
    let raw = field_bytes(&unknown, 2).ok_or("protobuf envelope carries no object")?;
    let kind = field_bytes(&unknown, 1)
        .map(fields)
        .transpose()?
        .and_then(|tm| field_string(&tm, 2))
        .unwrap_or_default();
    let review = fields(raw)?;
    let spec = field_bytes(&review, 2)
        .map(fields)
        .transpose()?
        .unwrap_or_default();
    let mut spec_json = Map::new();
    if let Some(ra) = field_bytes(&spec, 1) {
        let ra = fields(ra)?;
        let mut m = Map::new();
        for (n, key) in [
            (1, "namespace"),
            (2, "verb"),
            (3, "group"),
            (4, "version"),
            (5, "resource"),
            (6, "subresource"),
            (7, "name"),
        ] {
            if let Some(v) = field_string(&ra, n).filter(|v| !v.is_empty()) {
                m.insert(key.into(), json!(v));
            }
        }
        spec_json.insert("resourceAttributes".into(), Value::Object(m));
    }
    if let Some(nra) = field_bytes(&spec, 2) {
        let nra = fields(nra)?;
        let mut m = Map::new();
        for (n, key) in [(1, "path"), (2, "verb")] {
            if let Some(v) = field_string(&nra, n).filter(|v| !v.is_empty()) {
                m.insert(key.into(), json!(v));
            }
        }
        spec_json.insert("nonResourceAttributes".into(), Value::Object(m));
    }
    // SubjectAccessReviewSpec: user = 3, groups = 4.
    if kind == "SubjectAccessReview" {
        if let Some(user) = field_string(&spec, 3) {
            spec_json.insert("user".into(), json!(user));
        }
        let groups: Vec<String> = spec
            .iter()
            .filter(|(n, _)| *n == 4)
            .filter_map(|(_, v)| match v {
                Field::Bytes(b) => String::from_utf8(b.to_vec()).ok(),
                Field::Varint => None,
            })
            .collect();
        if !groups.is_empty() {
            spec_json.insert("groups".into(), json!(groups));
        }
    }
    Ok(
        json!({"kind": kind, "apiVersion": "authorization.k8s.io/v1", "spec": Value::Object(spec_json)}),
    )
}

#[derive(Debug, Clone)]
enum Field<'a> {
    /// A number (bools, enums); reviews carry none we read.
    Varint,
    Bytes(&'a [u8]),
}

/// Splits a protobuf message into (field number, value) pairs.
fn fields(mut buf: &[u8]) -> Result<Vec<(u64, Field<'_>)>, String> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        let (key, rest) = varint(buf)?;
        buf = rest;
        let (number, wire) = (key >> 3, key & 7);
        match wire {
            0 => {
                let (_, rest) = varint(buf)?;
                buf = rest;
                out.push((number, Field::Varint));
            }
            2 => {
                let (len, rest) = varint(buf)?;
                let len = usize::try_from(len).map_err(|_| "protobuf length overflows")?;
                if rest.len() < len {
                    return Err("protobuf field runs past the end of the body".into());
                }
                out.push((number, Field::Bytes(&rest[..len])));
                buf = &rest[len..];
            }
            other => {
                return Err(format!(
                    "protobuf wire type {other} is not expected in an access review"
                ));
            }
        }
    }
    Ok(out)
}

fn varint(buf: &[u8]) -> Result<(u64, &[u8]), String> {
    let mut value = 0u64;
    for (i, byte) in buf.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok((value, &buf[i + 1..]));
        }
    }
    Err("truncated protobuf varint".into())
}

fn field_bytes<'a>(fields: &[(u64, Field<'a>)], number: u64) -> Option<&'a [u8]> {
    fields.iter().find_map(|(n, f)| match f {
        Field::Bytes(b) if *n == number => Some(*b),
        _ => None,
    })
}

fn field_string(fields: &[(u64, Field<'_>)], number: u64) -> Option<String> {
    field_bytes(fields, number).and_then(|b| String::from_utf8(b.to_vec()).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::clock::Clock;

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
        let review = from_protobuf(&hex(KUBECTL_CAN_I)).unwrap();
        assert_eq!(review["kind"], "SelfSubjectAccessReview");
        assert_eq!(
            review["spec"]["resourceAttributes"],
            json!({"namespace": "ref", "verb": "get", "resource": "endpoints"})
        );
    }

    #[test]
    fn a_truncated_body_is_an_error_not_a_panic() {
        let bytes = hex(KUBECTL_CAN_I);
        for cut in [0, 3, 5, 20, 60, 100] {
            let _ = from_protobuf(&bytes[..cut]);
        }
        assert!(from_protobuf(b"{}").is_err());
    }

    #[tokio::test]
    async fn a_self_review_answers_for_the_requester() {
        let store = Store::new(Clock::new(1.0));
        let review = from_protobuf(&hex(KUBECTL_CAN_I)).unwrap();
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
