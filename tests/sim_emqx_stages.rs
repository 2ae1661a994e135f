//! The EMQX track, stage by stage, on the simulated cluster (both EMQX profiles): the
//! engine applies the shipped stages; the assertions use only the public API (kube-rs
//! exec, logs, proxy, lists), and compare with the exact strings of EMQX.md.

mod emqx_common;
mod engine_common;

use emqx_common::{eventually, exec, logs, pod_names};
use engine_common::{cluster, engine, shipped_track};
use kubetour::engine::RunOptions;

const NS: &str = "emqx";

fn ctl(profile: &str) -> Vec<&'static str> {
    match profile {
        "4" => vec!["emqx_ctl"],
        _ => vec!["emqx", "ctl"],
    }
}

async fn through(conn: &kubetour::cluster::connect::Connection, profile: &str, stage: &str) {
    let (mut e, events) = engine(conn, shipped_track(profile));
    let result = e.run(Some(stage), &RunOptions { try_it: false, lang: kubetour::track::Lang::En }).await;
    assert!(result.is_ok(), "{result:?}\n{:#?}", events.lock().unwrap());
}

async fn cluster_status(client: &kube::Client, pod: &str, profile: &str) -> String {
    let mut argv = ctl(profile);
    argv.extend(["cluster", "status"]);
    let (out, err, code) = exec(client, NS, pod, &argv).await;
    assert_eq!(code, 0, "{out}{err}");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o02_emqx_ctl_status_reports_the_node_started() {
    for profile in ["5", "4"] {
        let (_sim, conn) = cluster(true).await;
        through(&conn, profile, "pod").await;
        let mut argv = ctl(profile);
        argv.push("status");
        let (out, _, code) = exec(&conn.client, NS, "emqx", &argv).await;
        assert_eq!(code, 0);
        assert!(out.contains("is started"), "{profile}: {out}");
        let log = logs(&conn.client, NS, "emqx").await;
        assert!(log.contains("is running now!"), "{profile}: {log}");
        let (_, err, code) = exec(&conn.client, NS, "emqx", &["ls", "/"]).await;
        assert_eq!((err.as_str(), code), ("sh: ls: not found\n", 127));
    }
}
