//! Probing gently: while a check that asks EMQX waits, exec requests follow the
//! back-off schedule (at once, then 1 s, 2 s, 4 s … at most 10 s apart while the pods do
//! not change), not two per pod per second. Counted on the server side: the fault layer
//! in front of the simulated API server counts requests by path (a `/metrics` endpoint
//! would be the real server's way; this branch counts without it).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{faulty_cluster, pod_stage_with_checks, run_all, track_of};
use kubetour::engine::events::EngineEvent;
use kubetour::engine::{Engine, Taps};
use kubetour::track::Lang;
use kubetour::view::Change;
use kubetour_sim::faults::FaultPlan;

/// How long the check that cannot pass is held (its time limit, at real-time speed).
const HELD: Duration = Duration::from_secs(16);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_check_asks_emqx_on_the_back_off_schedule_not_every_second() {
    let f = faulty_cluster(FaultPlan::default()).await;
    // One pod can never be a cluster of two: the check waits out its whole limit.
    let stage = pod_stage_with_checks(&format!(
        "  - pods_ready: {{pod: emqx, count: 1, timeout: 5m}}\n  \
         - emqx_cluster: {{pod: emqx, running: 2, timeout: {}s}}",
        HELD.as_secs()
    ));
    let track = track_of(f.dir.path(), &[("01-pod.yaml", stage)]);
    let events: Arc<Mutex<Vec<EngineEvent>>> = Arc::default();
    let sink = events.clone();
    // Pod changes seen after the pod was Ready: each may restart the schedule.
    let ready = Arc::new(Mutex::new(false));
    let changes_after_ready = Arc::new(Mutex::new(0u32));
    let (seen_ready, seen_changes) = (ready.clone(), changes_after_ready.clone());
    let exec_at_ready = Arc::new(Mutex::new(None::<u64>));
    let (count, at_ready) = (f.count.clone(), exec_at_ready.clone());
    let taps = Taps {
        change: Box::new(move |c: &Change| {
            if let Change::Pod(kube::runtime::watcher::Event::Apply(p)) = c
                && p.metadata.name.as_deref() == Some("emqx")
            {
                if *seen_ready.lock().unwrap() {
                    *seen_changes.lock().unwrap() += 1;
                }
                let is_ready = p
                    .status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
                if is_ready && !*seen_ready.lock().unwrap() {
                    *seen_ready.lock().unwrap() = true;
                    *at_ready.lock().unwrap() = Some(count.exec_requests());
                }
            }
        }),
        ..Taps::default()
    };
    // Real-time speed for the engine: the schedule is the unscaled one (1, 2, 4, 8 s).
    let mut engine = Engine::new(
        f.conn.client.clone(),
        track,
        Lang::En,
        Box::new(move |e| sink.lock().unwrap().push(e)),
    )
    .with_taps(taps);
    let (result, events) = run_all(&mut engine, &events).await;
    assert!(
        result.is_err(),
        "a cluster of two from one pod: {events:#?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, EngineEvent::CheckFailed { check, .. }
            if check.contains("EMQX cluster"))),
        "{events:#?}"
    );
    let execs = f.count.exec_requests() - exec_at_ready.lock().unwrap().unwrap_or(0);
    let changes = *changes_after_ready.lock().unwrap();
    // Each round asks `status` and `cluster status`; each pod change may start the
    // schedule over. Asking every second would be 2 × 16 = 32.
    let rounds = rounds_within(HELD);
    let bound = 2 * u64::from(rounds) * (1 + u64::from(changes));
    eprintln!(
        "exec requests while the check waited {}s: {execs} (schedule: {rounds} rounds, \
         {changes} pod changes, bound {bound}; once a second would be {})",
        HELD.as_secs(),
        2 * HELD.as_secs()
    );
    assert!(execs >= 2, "EMQX was never asked");
    assert!(
        execs <= bound,
        "{execs} exec requests in {}s of waiting; the schedule allows {bound}",
        HELD.as_secs()
    );
}

/// Rounds of the schedule, written out here (not taken from the code under test): the
/// first at once, then pauses of 1, 2, 4, 8 s, then 10 s each.
fn rounds_within(window: Duration) -> u32 {
    let mut at = 0;
    let mut rounds = 0;
    let mut pause = 1;
    while at <= window.as_secs() {
        rounds += 1;
        at += pause;
        pause = (pause * 2).min(10);
    }
    rounds
}

#[test]
fn sixteen_seconds_of_waiting_hold_five_rounds() {
    // 0, 1, 3, 7, 15 s.
    assert_eq!(rounds_within(HELD), 5);
}
