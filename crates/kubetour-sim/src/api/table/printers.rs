//! Per-kind columns and cells, following the real server's printers.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::format::{
    access_modes, age, containers_and_images, int_at, labels_string, or_none, str_at,
};
use crate::api::selector::LabelSelector;
use crate::resources::Res;

pub fn cells(res: Res, o: &Value, now: Timestamp) -> Vec<Value> {
    let name = json!(str_at(o, "/metadata/name"));
    let created = age(o.pointer("/metadata/creationTimestamp"), now);
    match res {
        Res::Pod => pod(o, now, name, created),
        Res::Deployment => {
            let (c, i) = containers_and_images(o.pointer("/spec/template/spec"));
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    int_at(o, "/status/readyReplicas"),
                    int_at(o, "/spec/replicas")
                )),
                json!(int_at(o, "/status/updatedReplicas")),
                json!(int_at(o, "/status/availableReplicas")),
                json!(created),
                json!(c),
                json!(i),
                json!(selector(o)),
            ]
        }
        Res::ReplicaSet => {
            let (c, i) = containers_and_images(o.pointer("/spec/template/spec"));
            vec![
                name,
                json!(int_at(o, "/spec/replicas")),
                json!(int_at(o, "/status/replicas")),
                json!(int_at(o, "/status/readyReplicas")),
                json!(created),
                json!(c),
                json!(i),
                json!(selector(o)),
            ]
        }
        Res::StatefulSet => {
            let (c, i) = containers_and_images(o.pointer("/spec/template/spec"));
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    int_at(o, "/status/readyReplicas"),
                    int_at(o, "/spec/replicas")
                )),
                json!(created),
                json!(c),
                json!(i),
            ]
        }
        Res::Service => service(o, name, created),
        Res::PersistentVolumeClaim => {
            let bound = !str_at(o, "/spec/volumeName").is_empty();
            let phase = if o.pointer("/metadata/deletionTimestamp").is_some() {
                "Terminating"
            } else {
                str_at(o, "/status/phase")
            };
            vec![
                name,
                json!(phase),
                json!(str_at(o, "/spec/volumeName")),
                json!(if bound {
                    str_at(o, "/status/capacity/storage")
                } else {
                    ""
                }),
                json!(if bound {
                    access_modes(o.pointer("/status/accessModes"))
                } else {
                    String::new()
                }),
                json!(str_at(o, "/spec/storageClassName")),
                json!("<unset>"),
                json!(created),
                json!(str_at(o, "/spec/volumeMode")),
            ]
        }
        Res::PersistentVolume => {
            let claim = match o.pointer("/spec/claimRef") {
                Some(c) => format!("{}/{}", str_at(c, "/namespace"), str_at(c, "/name")),
                None => String::new(),
            };
            vec![
                name,
                json!(str_at(o, "/spec/capacity/storage")),
                json!(access_modes(o.pointer("/spec/accessModes"))),
                json!(str_at(o, "/spec/persistentVolumeReclaimPolicy")),
                json!(str_at(o, "/status/phase")),
                json!(claim),
                json!(str_at(o, "/spec/storageClassName")),
                json!("<unset>"),
                json!(str_at(o, "/status/reason")),
                json!(created),
                json!(str_at(o, "/spec/volumeMode")),
            ]
        }
        Res::Node => node(o, name, created),
        Res::Endpoints => vec![name, json!(endpoints(o)), json!(created)],
        Res::Event => event(o, now, name),
        Res::ConfigMap => {
            let n = ["data", "binaryData"]
                .iter()
                .map(|k| o.get(*k).and_then(Value::as_object).map_or(0, |m| m.len()))
                .sum::<usize>();
            vec![name, json!(n), json!(created)]
        }
        Res::Secret => {
            let n = o
                .get("data")
                .and_then(Value::as_object)
                .map_or(0, |m| m.len());
            vec![name, json!(str_at(o, "/type")), json!(n), json!(created)]
        }
        Res::Namespace => vec![name, json!(str_at(o, "/status/phase")), json!(created)],
        Res::ServiceAccount => {
            let n = o
                .get("secrets")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            vec![name, json!(n), json!(created)]
        }
        Res::StorageClass => {
            let default = str_at(
                o,
                "/metadata/annotations/storageclass.kubernetes.io~1is-default-class",
            ) == "true";
            let shown = if default {
                format!("{} (default)", str_at(o, "/metadata/name"))
            } else {
                str_at(o, "/metadata/name").to_string()
            };
            vec![
                json!(shown),
                json!(str_at(o, "/provisioner")),
                json!(str_at(o, "/reclaimPolicy")),
                json!(str_at(o, "/volumeBindingMode")),
                json!(
                    o.get("allowVolumeExpansion")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                ),
                json!(created),
            ]
        }
        Res::ControllerRevision => {
            let owner = o
                .pointer("/metadata/ownerReferences/0")
                .map(|r| {
                    format!(
                        "{}/{}",
                        str_at(r, "/kind").to_lowercase(),
                        str_at(r, "/name")
                    )
                })
                .unwrap_or_else(|| "<none>".into());
            vec![
                name,
                json!(owner),
                json!(int_at(o, "/revision")),
                json!(created),
            ]
        }
        Res::Role | Res::RoleBinding | Res::ClusterRole | Res::ClusterRoleBinding => {
            vec![name, json!(created)]
        }
        Res::Job => super::extra::job(o, now, name, created),
        Res::CronJob => super::extra::cronjob(o, now, name, created),
        Res::Lease => super::extra::lease(o, name, created),
        Res::NetworkPolicy => super::extra::networkpolicy(o, name, created),
        Res::APIService => super::extra::apiservice(o, name, created),
    }
}

fn selector(o: &Value) -> String {
    let s = o
        .pointer("/spec/selector")
        .map(|s| LabelSelector::from_object(s).to_string_form())
        .unwrap_or_default();
    or_none(&s)
}

fn pod(o: &Value, now: Timestamp, name: Value, created: String) -> Vec<Value> {
    let total = o
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let statuses = o
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let ready = statuses
        .iter()
        .filter(|s| s.get("ready").and_then(Value::as_bool) == Some(true))
        .count();
    let mut restarts = 0;
    let mut last_restart: Option<&Value> = None;
    let mut reason = if str_at(o, "/status/reason").is_empty() {
        str_at(o, "/status/phase")
    } else {
        str_at(o, "/status/reason")
    }
    .to_string();
    let mut running = false;
    for s in statuses.iter().rev() {
        restarts += int_at(s, "/restartCount");
        if let Some(t) = s.pointer("/lastState/terminated/finishedAt") {
            last_restart = Some(t);
        }
        let waiting = str_at(s, "/state/waiting/reason");
        let terminated = str_at(s, "/state/terminated/reason");
        if !waiting.is_empty() {
            reason = waiting.to_string();
        } else if !terminated.is_empty() {
            reason = terminated.to_string();
        } else if s.pointer("/state/terminated").is_some() {
            let signal = int_at(s, "/state/terminated/signal");
            reason = if signal != 0 {
                format!("Signal:{signal}")
            } else {
                format!("ExitCode:{}", int_at(s, "/state/terminated/exitCode"))
            };
        } else if s.pointer("/state/running").is_some()
            && s.get("ready").and_then(Value::as_bool) == Some(true)
        {
            running = true;
        }
    }
    if reason == "Completed" && running {
        reason = "Running".into();
    }
    if o.pointer("/metadata/deletionTimestamp").is_some() {
        reason = "Terminating".into();
    }
    let restarts_cell = match last_restart {
        Some(t) if restarts > 0 => format!("{restarts} ({} ago)", age(Some(t), now)),
        _ => restarts.to_string(),
    };
    let gates = o
        .pointer("/spec/readinessGates")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    vec![
        name,
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts_cell),
        json!(created),
        json!(or_none(str_at(o, "/status/podIP"))),
        json!(or_none(str_at(o, "/spec/nodeName"))),
        json!(or_none(str_at(o, "/status/nominatedNodeName"))),
        json!(if gates == 0 {
            "<none>".to_string()
        } else {
            format!("0/{gates}")
        }),
    ]
}

fn service(o: &Value, name: Value, created: String) -> Vec<Value> {
    let kind = str_at(o, "/spec/type");
    let ports: Vec<String> = o
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            let node_port = p
                .get("nodePort")
                .and_then(Value::as_i64)
                .map(|n| format!(":{n}"))
                .unwrap_or_default();
            format!(
                "{}{node_port}/{}",
                int_at(p, "/port"),
                str_at(p, "/protocol")
            )
        })
        .collect();
    let external = match kind {
        "LoadBalancer" => {
            let ips: Vec<&str> = o
                .pointer("/status/loadBalancer/ingress")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|i| str_at(i, "/ip"))
                .collect();
            if ips.is_empty() {
                "<pending>".to_string()
            } else {
                ips.join(",")
            }
        }
        "ExternalName" => str_at(o, "/spec/externalName").to_string(),
        _ => "<none>".to_string(),
    };
    vec![
        name,
        json!(kind),
        json!(or_none(str_at(o, "/spec/clusterIP"))),
        json!(external),
        json!(or_none(&ports.join(","))),
        json!(created),
        json!(labels_string(o.pointer("/spec/selector"))),
    ]
}

fn node(o: &Value, name: Value, created: String) -> Vec<Value> {
    let ready = o
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| str_at(c, "/type") == "Ready")
        .map(|c| str_at(c, "/status") == "True");
    let mut status = match ready {
        Some(true) => "Ready".to_string(),
        Some(false) => "NotReady".to_string(),
        None => "Unknown".to_string(),
    };
    if o.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
        status.push_str(",SchedulingDisabled");
    }
    let roles: Vec<&str> = o
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/"))
        .collect();
    let address = |t: &str| {
        o.pointer("/status/addresses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|a| str_at(a, "/type") == t)
            .map(|a| str_at(a, "/address").to_string())
            .unwrap_or_else(|| "<none>".into())
    };
    vec![
        name,
        json!(status),
        json!(or_none(&roles.join(","))),
        json!(created),
        json!(str_at(o, "/status/nodeInfo/kubeletVersion")),
        json!(address("InternalIP")),
        json!(address("ExternalIP")),
        json!(str_at(o, "/status/nodeInfo/osImage")),
        json!(str_at(o, "/status/nodeInfo/kernelVersion")),
        json!(str_at(o, "/status/nodeInfo/containerRuntimeVersion")),
    ]
}

/// `10.244.1.5:1883,10.244.2.6:1883 + 1 more...`
fn endpoints(o: &Value) -> String {
    let mut all = Vec::new();
    for subset in o
        .get("subsets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let ports: Vec<i64> = subset
            .get("ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| int_at(p, "/port"))
            .collect();
        for addr in subset
            .get("addresses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let ip = str_at(addr, "/ip");
            if ports.is_empty() {
                all.push(ip.to_string());
            }
            for p in &ports {
                all.push(format!("{ip}:{p}"));
            }
        }
    }
    if all.is_empty() {
        return "<none>".into();
    }
    let more = all.len().saturating_sub(3);
    let mut shown = all.into_iter().take(3).collect::<Vec<_>>().join(",");
    if more > 0 {
        shown.push_str(&format!(" + {more} more..."));
    }
    shown
}

fn event(o: &Value, now: Timestamp, name: Value) -> Vec<Value> {
    let last = o
        .get("lastTimestamp")
        .filter(|v| !v.is_null())
        .or_else(|| o.get("eventTime").filter(|v| !v.is_null()))
        .or_else(|| o.get("firstTimestamp"));
    let first = o
        .get("firstTimestamp")
        .filter(|v| !v.is_null())
        .or_else(|| o.get("eventTime"));
    let object = format!(
        "{}/{}",
        str_at(o, "/involvedObject/kind").to_lowercase(),
        str_at(o, "/involvedObject/name")
    );
    let source = [str_at(o, "/source/component"), str_at(o, "/source/host")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        json!(age(last, now)),
        json!(str_at(o, "/type")),
        json!(str_at(o, "/reason")),
        json!(object),
        json!(str_at(o, "/involvedObject/fieldPath")),
        json!(source),
        json!(str_at(o, "/message").trim()),
        json!(age(first, now)),
        json!(o.get("count").and_then(Value::as_i64).unwrap_or(1)),
        name,
    ]
}
