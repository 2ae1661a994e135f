//! What admission plugins and registry strategies do on writes that need the rest of
//! the cluster: the namespace must exist (and not be terminating), Services get a
//! ClusterIP from the service CIDR, claims without a class get the default one and the
//! pvc-protection finalizer.

use std::collections::BTreeSet;

use rand::Rng;
use serde_json::{Value, json};

use crate::api::ApiState;
use crate::api::meta::name_of;
use crate::api::status::{ApiError, ApiResult, Cause, qualified};
use crate::resources::{Res, ResInfo};

/// The service CIDR is 10.96.0.0/12; 10.96.0.1 is the `kubernetes` Service.
pub const KUBERNETES_SERVICE_IP: &str = "10.96.0.1";
const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

pub fn admit(
    state: &ApiState,
    info: &'static ResInfo,
    old: Option<&Value>,
    new: &mut Value,
) -> ApiResult<()> {
    if old.is_none() && info.namespaced {
        namespace_accepts(state, info, new)?;
    }
    match (info.res, old) {
        (Res::Service, None) => {
            allocate_cluster_ip(state, info, new)?;
            allocate_node_ports(state, info, None, new)
        }
        (Res::Service, Some(old)) => {
            keep_cluster_ip(old, new);
            allocate_node_ports(state, info, Some(old), new)
        }
        (Res::PersistentVolumeClaim, None) => {
            default_storage_class(state, new);
            protect_claim(new);
            Ok(())
        }
        (Res::Pod, None) => {
            // The ServiceAccount admission plugin: the account must exist; then the
            // token volume and mounts (shared with the pods the controllers create).
            let shown = name_of(new).to_string();
            if let Some(message) =
                crate::workloads::accounts::missing_service_account(&state.store, new, &shown)
            {
                let mut e = ApiError::forbidden(message);
                e.details = Some(json!({"name": shown, "kind": "pods"}));
                return Err(e);
            }
            if let Some(spec) = new.get_mut("spec") {
                crate::controllers::podspec::default_pod_spec(spec);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn namespace_accepts(state: &ApiState, info: &ResInfo, new: &Value) -> ApiResult<()> {
    let ns = new
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    let Some(namespace) = state.store.get(Res::Namespace, "", ns) else {
        return Err(ApiError::not_found(Res::Namespace.info(), ns));
    };
    if namespace.pointer("/metadata/deletionTimestamp").is_some() {
        return Err(ApiError::forbidden(format!(
            "{} \"{}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
            qualified(info),
            name_of(new)
        )));
    }
    Ok(())
}

fn used_ips(state: &ApiState) -> BTreeSet<String> {
    state
        .store
        .list(Res::Service, None)
        .0
        .iter()
        .filter_map(|s| {
            s.pointer("/spec/clusterIP")
                .and_then(Value::as_str)
                .map(String::from)
        })
        .collect()
}

fn allocate_cluster_ip(state: &ApiState, info: &ResInfo, svc: &mut Value) -> ApiResult<()> {
    let kind = svc
        .pointer("/spec/type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP");
    if kind == "ExternalName" {
        return Ok(());
    }
    let requested = svc
        .pointer("/spec/clusterIP")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(String::from);
    let used = used_ips(state);
    let ip = match requested {
        Some(ip) if ip == "None" => ip,
        Some(ip) => {
            if used.contains(&ip) || !in_service_cidr(&ip) {
                let why = if used.contains(&ip) {
                    format!("failed to allocate IP {ip}: provided IP is already allocated")
                } else {
                    format!(
                        "failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid range. The range of valid IPs is 10.96.0.0/12"
                    )
                };
                return Err(ApiError::invalid(
                    info,
                    name_of(svc),
                    vec![Cause::invalid("spec.clusterIPs", &json!([ip]), &why)],
                ));
            }
            ip
        }
        None => {
            let mut rng = rand::rng();
            loop {
                let candidate = format!(
                    "10.{}.{}.{}",
                    rng.random_range(96..=111),
                    rng.random_range(0..=255),
                    rng.random_range(1..=254)
                );
                if !used.contains(&candidate) && candidate != KUBERNETES_SERVICE_IP {
                    break candidate;
                }
            }
        }
    };
    if let Some(spec) = svc.get_mut("spec").and_then(Value::as_object_mut) {
        spec.insert("clusterIP".into(), json!(ip));
        spec.insert("clusterIPs".into(), json!([ip]));
        spec.entry("ipFamilies").or_insert_with(|| json!(["IPv4"]));
        spec.entry("ipFamilyPolicy")
            .or_insert_with(|| json!("SingleStack"));
    }
    Ok(())
}

/// NodePort and LoadBalancer Services get a node port (30000-32767) per port.
fn allocate_node_ports(
    state: &ApiState,
    info: &ResInfo,
    old: Option<&Value>,
    svc: &mut Value,
) -> ApiResult<()> {
    let kind = svc
        .pointer("/spec/type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP");
    if !matches!(kind, "NodePort" | "LoadBalancer") {
        return Ok(());
    }
    let me = name_of(svc).to_string();
    let ns = svc
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut used: BTreeSet<i64> = state
        .store
        .list(Res::Service, None)
        .0
        .iter()
        .filter(|s| {
            !(name_of(s) == me
                && s.pointer("/metadata/namespace").and_then(Value::as_str) == Some(&ns))
        })
        .flat_map(|s| {
            s.pointer("/spec/ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| p.get("nodePort").and_then(Value::as_i64))
                .collect::<Vec<_>>()
        })
        .collect();
    let previous = |port: &Value| -> Option<i64> {
        old?.pointer("/spec/ports")?
            .as_array()?
            .iter()
            .find(|p| p.get("port") == port.get("port"))?
            .get("nodePort")?
            .as_i64()
    };
    let Some(ports) = svc.pointer_mut("/spec/ports").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    let mut rng = rand::rng();
    for (i, port) in ports.iter_mut().enumerate() {
        let wanted = port
            .get("nodePort")
            .and_then(Value::as_i64)
            .or_else(|| previous(port));
        let chosen = match wanted {
            Some(n) if used.contains(&n) => {
                return Err(ApiError::invalid(
                    info,
                    &me,
                    vec![Cause::invalid(
                        format!("spec.ports[{i}].nodePort"),
                        &json!(n),
                        "provided port is already allocated",
                    )],
                ));
            }
            Some(n) => n,
            None => loop {
                let n = rng.random_range(30000..=32767);
                if !used.contains(&n) {
                    break n;
                }
            },
        };
        used.insert(chosen);
        if let Some(p) = port.as_object_mut() {
            p.insert("nodePort".into(), json!(chosen));
        }
    }
    Ok(())
}

fn in_service_cidr(ip: &str) -> bool {
    let octets: Vec<u16> = ip.split('.').filter_map(|o| o.parse().ok()).collect();
    octets.len() == 4
        && octets[0] == 10
        && (96..=111).contains(&octets[1])
        && octets.iter().all(|o| *o < 256)
}

/// Updates that omit the allocated IP keep it (kubectl replace, client-side apply).
fn keep_cluster_ip(old: &Value, new: &mut Value) {
    let Some(spec) = new.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    for field in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
        let missing = spec.get(field).is_none_or(|v| v.is_null() || v == "");
        if missing && let Some(v) = old.pointer(&format!("/spec/{field}")) {
            spec.insert(field.into(), v.clone());
        }
    }
}

/// The DefaultStorageClass admission plugin.
/// The StorageObjectInUseProtection plugin: every new claim carries the pvc-protection
/// finalizer, which the volumes controller drops once no pod uses the claim — so a
/// claim deleted under a running pod stays (Terminating) until that pod is gone.
fn protect_claim(pvc: &mut Value) {
    let protection = crate::controllers::volumes::PVC_PROTECTION;
    let Some(meta) = pvc.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let finalizers = meta.entry("finalizers").or_insert_with(|| json!([]));
    if let Some(list) = finalizers.as_array_mut()
        && !list.iter().any(|f| f == protection)
    {
        list.push(json!(protection));
    }
}

fn default_storage_class(state: &ApiState, pvc: &mut Value) {
    if pvc.pointer("/spec/storageClassName").is_some() {
        return;
    }
    let classes = state.store.list(Res::StorageClass, None).0;
    let default = classes.iter().find(|c| {
        c.pointer("/metadata/annotations")
            .and_then(|a| a.get(DEFAULT_CLASS_ANNOTATION))
            .and_then(Value::as_str)
            == Some("true")
    });
    if let (Some(class), Some(spec)) = (default, pvc.get_mut("spec").and_then(Value::as_object_mut))
    {
        spec.insert("storageClassName".into(), json!(name_of(class)));
    }
}
