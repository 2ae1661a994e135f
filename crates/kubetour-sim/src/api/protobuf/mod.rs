//! Request bodies in Kubernetes' protobuf encoding, decoded to the JSON the rest of the
//! server works with. kubectl sends protobuf for `kubectl create <kind>` generators and
//! `auth can-i` and does not retry in JSON after a 415, so the sim must read it.
//!
//! The envelope is `k8s\0` + `runtime.Unknown{typeMeta, raw, ...}`; `raw` is the
//! object's message, decoded with the field tables in `schema` (the numbers of the
//! upstream generated.proto). Fields not in the tables are skipped. Go encodes every
//! non-pointer field even when empty, so zero values are dropped unless the field is a
//! pointer in Go (`keep`), as JSON's omitempty would.

mod batch;
mod core;
mod schema;
mod tokens;
mod wire;
mod workloads;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

pub use schema::message_for;
use schema::{Field, Msg, Ty};
use wire::{Reader, WireValue};

pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";
const MAGIC: &[u8] = b"k8s\0";

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProtoError {
    #[error("the body does not start with the k8s protobuf magic")]
    NoMagic,
    #[error("malformed protobuf: {0}")]
    Malformed(&'static str),
    #[error(
        "protobuf bodies of kind {kind:?} ({api_version}) are not supported by the simulator; send JSON"
    )]
    UnknownKind { api_version: String, kind: String },
}

/// Decodes a protobuf request body into the JSON object it encodes.
pub fn decode(body: &[u8]) -> Result<Value, ProtoError> {
    let raw = body.strip_prefix(MAGIC).ok_or(ProtoError::NoMagic)?;
    let envelope = decode_message(raw, &schema::UNKNOWN)?;
    let api_version = envelope
        .pointer("/typeMeta/apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let kind = envelope
        .pointer("/typeMeta/kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let Some(msg) = message_for(&kind) else {
        return Err(ProtoError::UnknownKind { api_version, kind });
    };
    let bytes = envelope
        .get("raw")
        .and_then(Value::as_str)
        .and_then(|b| STANDARD.decode(b).ok())
        .unwrap_or_default();
    let mut object = decode_message(&bytes, msg)?;
    if let Some(map) = object.as_object_mut() {
        map.insert("apiVersion".into(), json!(api_version));
        map.insert("kind".into(), json!(kind));
    }
    Ok(object)
}

fn decode_message(bytes: &[u8], msg: &Msg) -> Result<Value, ProtoError> {
    let mut out = Map::new();
    let mut reader = Reader::new(bytes);
    while let Some((num, value)) = reader.next_field()? {
        let Some(field) = msg.fields.iter().find(|f| f.num == num) else {
            continue;
        };
        let decoded = decode_value(field, value)?;
        match (&field.ty, field.repeated) {
            (Ty::Inline(_), _) => {
                if let Value::Object(inner) = decoded {
                    out.extend(inner);
                }
            }
            (Ty::MapStr | Ty::MapBytes | Ty::MapQuantity, _) => {
                let entry = out.entry(field.name).or_insert_with(|| json!({}));
                if let (Some(m), Value::Array(kv)) = (entry.as_object_mut(), decoded)
                    && let [Value::String(k), v] = kv.as_slice()
                {
                    m.insert(k.clone(), v.clone());
                }
            }
            (_, true) => {
                let entry = out.entry(field.name).or_insert_with(|| json!([]));
                if let Some(list) = entry.as_array_mut() {
                    list.push(decoded);
                }
            }
            (_, false) => {
                out.insert(field.name.to_string(), decoded);
            }
        }
    }
    // Drop what JSON's omitempty would not have sent.
    let keep = |name: &str| msg.fields.iter().any(|f| f.name == name && f.keep);
    out.retain(|k, v| keep(k) || !is_empty(v));
    Ok(Value::Object(out))
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_i64() == Some(0),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

fn text(bytes: &[u8]) -> Result<String, ProtoError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| ProtoError::Malformed("a string field is not UTF-8"))
}

fn decode_value(field: &Field, value: WireValue<'_>) -> Result<Value, ProtoError> {
    let bytes = |v: &WireValue<'_>| match v {
        WireValue::Bytes(b) => Ok(b.to_vec()),
        _ => Err(ProtoError::Malformed("expected a length-delimited field")),
    };
    let int = |v: &WireValue<'_>| match v {
        WireValue::Varint(n) => Ok(*n as i64),
        WireValue::Fixed64(n) => Ok(*n as i64),
        WireValue::Fixed32(n) => Ok(i64::from(*n as i32)),
        WireValue::Bytes(_) => Err(ProtoError::Malformed("expected a number")),
    };
    Ok(match &field.ty {
        Ty::Str => json!(text(&bytes(&value)?)?),
        Ty::Bytes => json!(STANDARD.encode(bytes(&value)?)),
        Ty::Int => json!(int(&value)? as i32),
        Ty::Int64 => json!(int(&value)?),
        Ty::Bool => json!(int(&value)? != 0),
        Ty::Msg(m) | Ty::Inline(m) => decode_message(&bytes(&value)?, m)?,
        Ty::Quantity => decode_message(&bytes(&value)?, &schema::QUANTITY)?
            .get("string")
            .cloned()
            .unwrap_or(json!("0")),
        Ty::Time => {
            let t = decode_message(&bytes(&value)?, &schema::TIME)?;
            let secs = t.get("seconds").and_then(Value::as_i64).unwrap_or(0);
            if secs == 0 {
                Value::Null
            } else {
                jiff::Timestamp::from_second(secs)
                    .map(|ts| json!(crate::clock::format_seconds(ts)))
                    .unwrap_or(Value::Null)
            }
        }
        Ty::IntOrString => {
            let v = decode_message(&bytes(&value)?, &schema::INT_OR_STRING)?;
            if v.get("type").and_then(Value::as_i64) == Some(1) {
                v.get("strVal").cloned().unwrap_or(json!(""))
            } else {
                v.get("intVal").cloned().unwrap_or(json!(0))
            }
        }
        Ty::MapStr | Ty::MapBytes | Ty::MapQuantity => {
            let entry_schema = match field.ty {
                Ty::MapStr => &schema::MAP_STR,
                Ty::MapBytes => &schema::MAP_BYTES,
                _ => &schema::MAP_QUANTITY,
            };
            let e = decode_message(&bytes(&value)?, entry_schema)?;
            let default = match field.ty {
                Ty::MapQuantity => json!("0"),
                _ => json!(""),
            };
            json!([
                e.get("key").cloned().unwrap_or(json!("")),
                e.get("value").cloned().unwrap_or(default)
            ])
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn kubectls_access_review_decodes_to_its_json_form() {
        // real-apiserver/raw/77-ssar-protobuf-impersonate-sa-emqx.request.bin
        let body = hex(
            "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374416363657373526576696577123d0a100a0012001a0022002a00320038004200121f0a1d0a0372656612036765741a0022002a09656e64706f696e747332003a001a08080012001a0020001a002200",
        );
        let v = decode(&body).unwrap();
        assert_eq!(
            v,
            json!({
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": {"namespace": "ref", "verb": "get", "resource": "endpoints"}}
            })
        );
    }

    #[test]
    fn bodies_without_the_magic_or_of_unknown_kinds_are_refused() {
        assert_eq!(decode(b"{}"), Err(ProtoError::NoMagic));
        let body = hex("6b3873000a0a0a02763112044a756e6b");
        assert!(matches!(decode(&body), Err(ProtoError::UnknownKind { .. })));
    }
}
