//! The order of keys in a fieldsV1 set, as structured-merge-diff serializes it (a real
//! server's managedFields): "." first, then fields, keys, values and indices, keys
//! compared by their values.

use serde_json::Value;

/// Orders fieldsV1 keys as structured-merge-diff serializes them: "." first, then
/// fields by name, then keys (`k:{…}`) by their values (numbers numerically: port
/// 1883 before 18083), then values, then indices.
pub fn sort_as_smd(v: &mut Value) {
    let Some(map) = v.as_object_mut() else {
        return;
    };
    let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
    entries.sort_by(|(a, _), (b, _)| smd_order(a, b));
    for (k, mut child) in entries {
        sort_as_smd(&mut child);
        map.insert(k, child);
    }
}

fn smd_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn rank(k: &str) -> u8 {
        match k.get(..2) {
            _ if k == "." => 0,
            Some("f:") => 1,
            Some("k:") => 2,
            Some("v:") => 3,
            Some("i:") => 4,
            _ => 5,
        }
    }
    rank(a)
        .cmp(&rank(b))
        .then_with(|| match (rank(a), rank(b)) {
            (2, 2) | (3, 3) => {
                let parse = |k: &str| serde_json::from_str::<Value>(&k[2..]).unwrap_or(Value::Null);
                value_order(&parse(a), &parse(b))
            }
            (4, 4) => {
                let index = |k: &str| k[2..].parse::<u64>().unwrap_or(0);
                index(a).cmp(&index(b))
            }
            _ => a.cmp(b),
        })
}

fn value_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Number(_) => 1,
            Value::String(_) => 2,
            Value::Bool(_) => 3,
            Value::Array(_) => 4,
            Value::Object(_) => 5,
        }
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.total_cmp(&y)
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Object(x), Value::Object(y)) => {
            for ((kx, vx), (ky, vy)) in x.iter().zip(y.iter()) {
                let o = kx.cmp(ky).then_with(|| value_order(vx, vy));
                if o.is_ne() {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        _ => rank(a)
            .cmp(&rank(b))
            .then_with(|| a.to_string().cmp(&b.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_sort_by_value_so_port_1883_comes_before_18083() {
        let mut set = json!({
            "k:{\"containerPort\":18083,\"protocol\":\"TCP\"}": {},
            "f:name": {},
            "k:{\"containerPort\":1883,\"protocol\":\"TCP\"}": {},
            ".": {},
        });
        sort_as_smd(&mut set);
        let keys: Vec<&str> = set
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                ".",
                "f:name",
                "k:{\"containerPort\":1883,\"protocol\":\"TCP\"}",
                "k:{\"containerPort\":18083,\"protocol\":\"TCP\"}",
            ]
        );
    }
}
