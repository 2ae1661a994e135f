//! Shared set-up of the kube-rs contract tests: an in-process simulated cluster and the
//! objects the tests write.
#![allow(dead_code)]

use k8s_openapi::api::core::v1::ConfigMap;
use kubetour_sim::cluster::{Sim, SimConfig};
use serde_json::json;

pub fn sim() -> Sim {
    Sim::start(SimConfig::default())
}

pub fn cm(name: &str, value: &str) -> ConfigMap {
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default"},
        "data": {"k": value}
    }))
    .unwrap()
}

pub fn api_error(err: kube::Error) -> Box<kube::core::Status> {
    match err {
        kube::Error::Api(status) => status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

pub fn deployment(image: &str) -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": image,
                    "ports": [{"name": "mqtt", "containerPort": 1883}]}]}
            }
        }
    })
}
