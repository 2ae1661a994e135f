//! The wizard on a cluster having a bad day: 500s, 429s with Retry-After, watches cut
//! every two seconds, 410 Gone on some re-watches, or every answer 2 s late. It retries,
//! its status line names what it waits for, and a stage shows as passed only when the
//! cluster really is in that state.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::support::driven;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc::UnboundedSender;
use kubetour::app::model::StageState;
use kubetour::app::runtime::Observed;
use kubetour::commands::target::Opened;
use kubetour_sim::cluster::{Served, Sim, SimConfig};
use kubetour_sim::faults::{self, FaultCount, FaultPlan};
use kubetour_sim::resources::Res;
use tokio::sync::watch;

struct Bad {
    sim: Sim,
    count: FaultCount,
    dir: tempfile::TempDir,
    _served: Served,
}

/// The simulated cluster at speed 50 behind `plan`, and `latency` before every answer.
fn bad_cluster(plan: FaultPlan, latency: Option<Duration>) -> Bad {
    let sim = Sim::start(SimConfig {
        speed: 50.0,
        ..SimConfig::default()
    });
    let (router, count) = faults::layer(sim.router(), plan);
    let router = match latency {
        Some(d) => kubetour_sim::latency::layer(router, d),
        None => router,
    };
    let served = kubetour_sim::api::tls::serve(router, ([127, 0, 0, 1], 0).into()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kubeconfig"),
        sim.kubeconfig(&served).unwrap(),
    )
    .unwrap();
    Bad {
        sim,
        count,
        dir,
        _served: served,
    }
}

struct Driver {
    keys: UnboundedSender<std::io::Result<Event>>,
    frames: watch::Receiver<Observed>,
    /// Whether any frame's status line named the check it waited for.
    said_waiting_for: Arc<AtomicBool>,
    /// The target the wizard was opened on, kept as long as the wizard runs.
    _opened: Opened,
}

impl Driver {
    async fn start(bad: &Bad) -> Driver {
        let (opened, wizard) =
            driven::open_wizard(Some(bad.dir.path().join("kubeconfig")), true, 1.0).await;
        // The loop runs on its own; the driver watches its frames.
        let driven::Driven {
            keys,
            frames,
            looped: _detached,
        } = driven::drive(wizard, 160, 40);
        let said_waiting_for = Arc::new(AtomicBool::new(false));
        let (mut seen, said) = (frames.clone(), said_waiting_for.clone());
        tokio::spawn(async move {
            while seen.changed().await.is_ok() {
                if seen.borrow().screen.contains("· waiting for: ") {
                    said.store(true, Ordering::SeqCst);
                }
            }
        });
        Driver {
            keys,
            frames,
            said_waiting_for,
            _opened: opened,
        }
    }

    fn press(&self, code: KeyCode) {
        let _ = self
            .keys
            .unbounded_send(Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE))));
    }

    /// Waits until stage `i` is done (passed or failed) and nothing runs.
    async fn stage_done(&mut self, i: usize, secs: u64) -> Observed {
        let done = |o: &Observed| {
            matches!(
                o.model.stages[i].state,
                StageState::Passed | StageState::Failed
            ) && o.model.busy.is_none()
        };
        let found = {
            let wait = self.frames.wait_for(|o| done(o));
            match tokio::time::timeout(Duration::from_secs(secs), wait).await {
                Ok(Ok(o)) => Some(o.clone()),
                _ => None,
            }
        };
        found.unwrap_or_else(|| {
            panic!(
                "stage {i} not done in {secs}s; last screen:\n{}",
                self.frames.borrow().screen
            )
        })
    }
}

/// The `emqx` pod is Ready in the cluster itself (not as the wizard saw it).
fn pod_really_ready(sim: &Sim) -> bool {
    sim.store
        .get(Res::Pod, "emqx", "emqx")
        .and_then(|p| p["status"]["conditions"].as_array().cloned())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

/// Preflight, then the `pod` stage; both must pass, and `pod` only once the pod is
/// really Ready. Returns how long it took.
async fn preflight_and_pod(d: &mut Driver, bad: &Bad, secs: u64) -> Duration {
    let started = Instant::now();
    d.press(KeyCode::Enter);
    let o = d.stage_done(0, secs).await;
    assert_eq!(o.model.stages[0].state, StageState::Passed, "{}", o.screen);
    eprintln!("preflight passed after {:?}", started.elapsed());
    d.press(KeyCode::Char('n'));
    d.press(KeyCode::Enter);
    let o = d.stage_done(1, secs).await;
    assert_eq!(
        o.model.stages[1].state,
        StageState::Passed,
        "{}\nfailure: {:?}",
        o.screen,
        o.model.stages[1].failure
    );
    assert!(
        pod_really_ready(&bad.sim),
        "the wizard says `pod` passed, but the pod is not Ready"
    );
    assert!(
        d.said_waiting_for.load(Ordering::SeqCst),
        "the status line never named the check it waited for"
    );
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_gets_through_500s_429s_cut_watches_and_410s_passing_only_what_passed() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let bad = bad_cluster(
        FaultPlan {
            every_nth_500: Some(7),
            every_nth_429: Some(11),
            watch_lifetime: Some(Duration::from_secs(2)),
            every_nth_rewatch_gone: Some(3),
            ..FaultPlan::default()
        },
        None,
    );
    let mut d = Driver::start(&bad).await;
    let took = preflight_and_pod(&mut d, &bad, 120).await;
    let injected = bad.count.injected();
    eprintln!("preflight and `pod` passed in {took:?} through {injected} injected faults");
    assert!(injected >= 3, "the plan injected only {injected} faults");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_waits_out_a_server_that_answers_two_seconds_late() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let bad = bad_cluster(FaultPlan::default(), Some(Duration::from_secs(2)));
    let mut d = Driver::start(&bad).await;
    let took = preflight_and_pod(&mut d, &bad, 240).await;
    eprintln!("preflight and `pod` passed in {took:?} with every answer 2 s late");
}
