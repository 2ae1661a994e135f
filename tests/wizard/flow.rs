//! The wizard's real main loop (the same `runtime::run` the binary uses) on a TestBackend,
//! driven by scripted keys against the embedded simulated cluster: every stage from
//! preflight through persistence, a try-it, a rewind to `rbac` and forward again, then
//! teardown and quit — asserting the model and the screen at each step.

use std::time::Duration;

use crate::support::driven;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc::UnboundedSender;
use kubetour::app::model::{Life, StageState, TryState};
use kubetour::app::runtime::Observed;
use kubetour::engine::events::Sighting;
use tokio::sync::watch;

const SPEED: f64 = 50.0;

struct Driver {
    keys: UnboundedSender<std::io::Result<Event>>,
    frames: watch::Receiver<Observed>,
}

impl Driver {
    fn press(&self, code: KeyCode) {
        let _ = self
            .keys
            .unbounded_send(Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE))));
    }

    fn char(&self, c: char) {
        self.press(KeyCode::Char(c));
    }

    /// Waits until a frame satisfies `what` (see `driven::until`).
    async fn until(
        &mut self,
        secs: u64,
        label: &str,
        what: impl Fn(&Observed) -> bool,
    ) -> Observed {
        driven::until(&mut self.frames, secs, label, what).await
    }

    /// `n` to focus stage `i`, ⏎ to apply it, and its pass.
    async fn apply_next(&mut self, i: usize) -> Observed {
        self.char('n');
        self.until(10, &format!("stage {i} in focus"), |o| {
            o.model.selected == i
        })
        .await;
        self.press(KeyCode::Enter);
        self.stage_passes(i).await
    }

    async fn stage_passes(&mut self, i: usize) -> Observed {
        self.until(240, &format!("stage {i} passes"), |o| {
            o.model.stages[i].state == StageState::Passed && o.model.busy.is_none()
        })
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_walks_the_whole_track_rewinds_to_rbac_and_tears_down() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (_opened, wizard) = driven::open_wizard(None, false, SPEED).await;
    let driven::Driven {
        keys,
        frames,
        looped,
    } = driven::drive(wizard, 120, 40);
    let mut d = Driver { keys, frames };

    let first = d.until(30, "the first screen", |o| o.frames >= 1).await;
    assert!(first.screen.contains("SIMULATED"), "{}", first.screen);
    assert!(
        first.screen.contains("export KUBECONFIG="),
        "{}",
        first.screen
    );

    // Preflight, then each stage: focus it, apply it, wait for it to pass.
    d.press(KeyCode::Enter);
    let o = d.stage_passes(0).await;
    assert!(
        o.screen.contains("Stage 0 · preflight — passed"),
        "{}",
        o.screen
    );
    for i in 1..=9 {
        let o = d.apply_next(i).await;
        let id = &o.model.track().stages[i].id.clone();
        assert!(
            o.screen.contains(&format!("Stage {i} · {id} — passed")),
            "{}",
            o.screen
        );
        match id.as_str() {
            "pod" => {
                assert!(o.screen.contains("O1 "), "{}", o.screen);
            }
            "scale" => {
                let o = d
                    .until(60, "three islands", |o| {
                        o.screen.contains("3 separate one-node clusters")
                    })
                    .await;
                assert_eq!(o.screen.matches("island").count(), 3, "{}", o.screen);
            }
            "autocluster" => {
                assert!(o.screen.contains("fixed by stage `rbac`"), "{}", o.screen);
            }
            "rbac" => {
                d.until(60, "one cluster", |o| {
                    o.screen.contains("1 cluster of 3 running nodes")
                })
                .await;
                // The try-it: kill a pod, see the replacement join and the lost node stopped.
                d.char('t');
                let o = d
                    .until(240, "the try-it holds", |o| {
                        matches!(o.model.stages[6].tries[0], TryState::Held(_))
                            && o.model.busy.is_none()
                    })
                    .await;
                assert!(
                    o.model.stages[6]
                        .observations
                        .iter()
                        .any(|o| o.id == "O11" && o.sighting == Sighting::Seen),
                    "{:?}",
                    o.model.stages[6].observations
                );
            }
            "persistence" => {
                let o = d
                    .until(60, "three Bound claims", |o| {
                        o.screen.matches("Bound, volume").count() == 3
                    })
                    .await;
                assert!(o.screen.contains("emqx-statefulset-2"), "{}", o.screen);
            }
            _ => {}
        }
    }

    // Rewind to rbac: later stages' objects go, the Deployment comes back and re-forms.
    for _ in 0..3 {
        d.char('p');
    }
    d.until(10, "rbac in focus", |o| o.model.selected == 6)
        .await;
    d.char('r');
    let o = d
        .until(240, "the rewind to rbac", |o| {
            o.model.applied == Some(6)
                && o.model.busy.is_none()
                && o.model.stages[9].state == StageState::Pending
        })
        .await;
    assert_eq!(o.model.stages[6].state, StageState::Passed);
    let o = d
        .until(60, "the Deployment's pods back", |o| {
            o.model.view.stateful_sets.is_empty() && o.model.view.deployments.len() == 1
        })
        .await;
    assert!(o.screen.contains("deploy/emqx-deployment"), "{}", o.screen);

    // And forward again.
    for i in 7..=9 {
        d.apply_next(i).await;
    }

    // Teardown: the first yes deletes our objects, the second the claims too.
    d.char('D');
    d.until(10, "the teardown question", |o| {
        o.screen.contains("Tear down?")
    })
    .await;
    d.char('y');
    d.until(10, "the claims question", |o| {
        o.screen.contains("Delete the claims too?")
    })
    .await;
    d.char('y');
    let o = d
        .until(240, "teardown done", |o| {
            o.model
                .notice
                .as_deref()
                .is_some_and(|n| n.starts_with("teardown done"))
        })
        .await;
    assert_eq!(o.model.applied, None);
    d.until(120, "nothing of ours left", |o| {
        o.model.view.pods.is_empty()
            && o.model.view.claims.is_empty()
            && o.model.view.deployments.is_empty()
            && o.model.view.stateful_sets.is_empty()
    })
    .await;

    d.char('q');
    let model = tokio::time::timeout(Duration::from_secs(30), looped)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    match &model.life {
        Life::Quitting(words) => assert!(
            words.contains("embedded simulated cluster stops"),
            "{words}"
        ),
        other => panic!("the wizard did not quit: {other:?}"),
    }
}
