//! The README's example: a pod created through kube-rs on the simulated cluster, in
//! process, scheduled and started by its scheduler and kubelet.

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, PostParams};
use kubetour_sim::{Sim, SimConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    rustls::crypto::ring::default_provider()
        .install_default()
        .ok();
    let sim = Sim::start(SimConfig {
        speed: 50.0,
        ..SimConfig::default()
    });
    let pods: Api<Pod> = Api::namespaced(sim.client(), "default");
    let pod = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
        "spec": {"containers": [{"name": "web", "image": "nginx"}]}
    }))?;
    pods.create(&PostParams::default(), &pod).await?;
    // The scheduler and kubelet take it from Pending to Running.
    kube::runtime::wait::await_condition(pods, "web", kube::runtime::conditions::is_pod_running())
        .await?;
    println!("web is running");
    Ok(())
}
