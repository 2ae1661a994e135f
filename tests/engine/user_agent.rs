//! Every request names us: `User-Agent: kubetour/<version>`, so a cluster admin can
//! attribute the traffic (audit log, API priority and fairness). Seen on the server
//! side, by the fault layer's count of requests by User-Agent.

use crate::support::{faulty_cluster, run_pod_stage, shipped_stage};
use kubetour_sim::faults::FaultPlan;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_of_a_run_says_kubetour_and_its_version() {
    let f = faulty_cluster(FaultPlan::default()).await;
    let (result, events) = run_pod_stage(&f, shipped_stage("01-pod.yaml")).await;
    assert!(result.is_ok(), "{result:?}\n{events:#?}");
    let agents = f.count.user_agents();
    let ours = format!("kubetour/{}", env!("CARGO_PKG_VERSION"));
    // Discovery, access reviews, the apply, the watches and the execs all went out.
    assert!(f.count.exec_requests() >= 1, "no exec in the run");
    assert!(
        f.count
            .requests_to(|p| p.contains("selfsubjectaccessreviews"))
            >= 1,
        "no access review in the run"
    );
    assert_eq!(
        agents.keys().cloned().collect::<Vec<_>>(),
        vec![ours],
        "requests by User-Agent: {agents:?}"
    );
}
