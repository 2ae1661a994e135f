//! The one support module of the simulator's tests: an in-process cluster and the
//! objects the tests write (here), and
//!
//! - `kubectl`: the cluster served on loopback (TLS) for the machine's kubectl;
//! - `pods`: exec, logs and pod names through kube-rs;
//! - `controllers`: a bare store with the controllers on paused time;
//! - `emqx_world`: EMQX pods' exec, logs and manifests through the in-process world;
//! - `replay`: requests captured from a real kube-apiserver, replayed;
//! - `poll`: `eventually`;
//! - `corpus`: what the fuzzers kept.
//!
//! `kubectl`, `pods`, `poll` and `corpus` are also the wizard's (its tests/common
//! includes them).
#![allow(dead_code)]

pub mod controllers;
pub mod corpus;
pub mod emqx_world;
pub mod kubectl;
pub mod pods;
mod poll;
pub mod replay;

pub use poll::{eventually, eventually_within};

use k8s_openapi::api::core::v1::ConfigMap;
use kubetour_sim::cluster::{Sim, SimConfig};
use serde_json::json;

pub fn sim() -> Sim {
    Sim::start(SimConfig::default())
}

/// A cluster whose simulated delays run 50 times faster (image pulls, EMQX starts).
pub fn fast_sim() -> Sim {
    Sim::start(SimConfig {
        speed: 50.0,
        ..SimConfig::default()
    })
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
