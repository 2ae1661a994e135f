//! Checking a manifest's fields against the Kubernetes API types (k8s-openapi), so a
//! misspelt field in a stage file is caught when the track loads, not silently dropped
//! by the API server.
//!
//! k8s-openapi ignores unknown fields when deserializing; we deserialize, serialize back,
//! and report every field of the input that did not survive the round trip.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A problem with one manifest's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaProblem {
    /// A field the API type does not have: its dotted path and last key.
    UnknownField { path: String, key: String },
    /// The value does not fit the type (wrong type, bad quantity...).
    Invalid { message: String },
}

/// Checks `value` when its apiVersion/kind is one kubetour knows; other kinds pass.
pub fn check(api_version: &str, kind: &str, value: &Value) -> Vec<SchemaProblem> {
    use k8s_openapi::api::{apps::v1 as apps, core::v1 as core, rbac::v1 as rbac};
    match (api_version, kind) {
        ("v1", "Pod") => round_trip::<core::Pod>(value),
        ("v1", "Service") => round_trip::<core::Service>(value),
        ("v1", "ConfigMap") => round_trip::<core::ConfigMap>(value),
        ("v1", "ServiceAccount") => round_trip::<core::ServiceAccount>(value),
        ("v1", "PersistentVolumeClaim") => round_trip::<core::PersistentVolumeClaim>(value),
        ("apps/v1", "Deployment") => round_trip::<apps::Deployment>(value),
        ("apps/v1", "StatefulSet") => round_trip::<apps::StatefulSet>(value),
        ("rbac.authorization.k8s.io/v1", "Role") => round_trip::<rbac::Role>(value),
        ("rbac.authorization.k8s.io/v1", "RoleBinding") => round_trip::<rbac::RoleBinding>(value),
        _ => Vec::new(),
    }
}

fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> Vec<SchemaProblem> {
    let typed: T = match serde_json::from_value(value.clone()) {
        Ok(t) => t,
        Err(e) => {
            return vec![SchemaProblem::Invalid {
                message: e.to_string(),
            }];
        }
    };
    let back = match serde_json::to_value(&typed) {
        Ok(v) => v,
        Err(e) => {
            return vec![SchemaProblem::Invalid {
                message: e.to_string(),
            }];
        }
    };
    let mut problems = Vec::new();
    diff(value, &back, "", &mut problems);
    problems
}

fn diff(original: &Value, back: &Value, path: &str, out: &mut Vec<SchemaProblem>) {
    match (original, back) {
        (Value::Object(o), Value::Object(b)) => {
            for (key, value) in o {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match b.get(key) {
                    Some(bv) => diff(value, bv, &child, out),
                    // A null or empty value may legitimately vanish on the way back.
                    None if is_empty(value) => {}
                    None => out.push(SchemaProblem::UnknownField {
                        path: child,
                        key: key.clone(),
                    }),
                }
            }
        }
        (Value::Array(o), Value::Array(b)) => {
            for (i, (ov, bv)) in o.iter().zip(b).enumerate() {
                diff(ov, bv, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Field names worth suggesting for a typo: the ones a stage author writes most.
pub const COMMON_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "namespace",
    "labels",
    "annotations",
    "spec",
    "replicas",
    "selector",
    "matchLabels",
    "template",
    "containers",
    "image",
    "ports",
    "containerPort",
    "protocol",
    "port",
    "targetPort",
    "env",
    "envFrom",
    "configMapRef",
    "value",
    "valueFrom",
    "fieldRef",
    "fieldPath",
    "readinessProbe",
    "livenessProbe",
    "httpGet",
    "path",
    "initialDelaySeconds",
    "periodSeconds",
    "failureThreshold",
    "serviceAccountName",
    "serviceName",
    "podManagementPolicy",
    "updateStrategy",
    "volumeClaimTemplates",
    "volumeMounts",
    "mountPath",
    "volumes",
    "accessModes",
    "resources",
    "requests",
    "storage",
    "storageClassName",
    "clusterIP",
    "type",
    "publishNotReadyAddresses",
    "data",
    "rules",
    "apiGroups",
    "verbs",
    "subjects",
    "roleRef",
    "apiGroup",
    "imagePullPolicy",
    "restartPolicy",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_misspelt_field_is_reported_with_its_path() {
        let v = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d"},
            "spec": {"replica": 3, "selector": {"matchLabels": {"app": "x"}},
                     "template": {"metadata": {"labels": {"app": "x"}},
                                  "spec": {"containers": [{"name": "c", "image": "i", "imagePolicy": "x"}]}}}});
        let problems = check("apps/v1", "Deployment", &v);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems.contains(&SchemaProblem::UnknownField {
            path: "spec.replica".into(),
            key: "replica".into()
        }));
        assert!(problems.contains(&SchemaProblem::UnknownField {
            path: "spec.template.spec.containers[0].imagePolicy".into(),
            key: "imagePolicy".into()
        }));
    }

    #[test]
    fn a_correct_manifest_has_no_problems() {
        let v = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
            "spec": {"clusterIP": "None", "publishNotReadyAddresses": true,
                     "ports": [{"name": "mqtt", "port": 1883, "targetPort": "mqtt"}]}});
        assert_eq!(check("v1", "Service", &v), vec![]);
    }

    #[test]
    fn a_wrong_type_is_invalid() {
        let v = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
            "spec": {"ports": [{"port": "many"}]}});
        assert!(matches!(
            check("v1", "Service", &v).as_slice(),
            [SchemaProblem::Invalid { .. }]
        ));
    }
}
