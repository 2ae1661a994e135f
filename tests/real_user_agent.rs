//! Every request names us: `User-Agent: kubetour/<version>`, so a cluster admin can
//! attribute the traffic (audit log, API priority and fairness). Seen on the server
//! side, by the fault layer's count of requests by User-Agent.

mod exec_common;

use std::time::Duration;

use exec_common::{engine, faulty_cluster, shipped_stage, track_of};
use kubetour::engine::RunOptions;
use kubetour::sim::faults::FaultPlan;
use kubetour::track::Lang;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_of_a_run_says_kubetour_and_its_version() {
    let f = faulty_cluster(FaultPlan::default()).await;
    let track = track_of(
        f.dir.path(),
        &[("01-pod.yaml", shipped_stage("01-pod.yaml"))],
    );
    let (mut engine, events) = engine(&f.conn, track, 50.0);
    let options = RunOptions {
        try_it: false,
        lang: Lang::En,
    };
    let result = tokio::time::timeout(Duration::from_secs(120), engine.run(None, &options))
        .await
        .expect("the run must not hang");
    assert!(result.is_ok(), "{result:?}\n{:#?}", events.lock().unwrap());
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
