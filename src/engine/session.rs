//! The engine driven by a person, one order at a time: enter a stage (leaving the one
//! applied before it), run one of its try-its, rewind, tear down, or just ask EMQX who
//! is clustered with whom. `Engine::run` (the headless walk) is these same orders in
//! sequence.

use futures::StreamExt;

use super::events::EngineEvent;
use super::probe::Wants;
use super::{Engine, RunError, RunOptions};

impl Engine {
    /// Enters stage `index`: the preflight first when the stage is the first one (or no
    /// preflight ran yet in this session), the `on_leave` steps of the stage applied
    /// before it, then the stage itself (steps, apply, checks, observations). Try-its
    /// run only when `options.try_it`.
    pub async fn enter(&mut self, index: usize, options: &RunOptions) -> Result<(), RunError> {
        let Some(stage) = self.track.stages.get(index).cloned() else {
            return Err(RunError::Preflight(format!(
                "there is no stage {index}; the track has {} stages",
                self.track.stages.len()
            )));
        };
        if index == 0 || !self.preflight_ran {
            self.preflight_or_stop().await?;
            self.preflight_ran = true;
        }
        if let Some(previous) = self.entered.filter(|p| *p < index)
            && let Some(previous) = self.track.stages.get(previous).cloned()
        {
            self.run_steps(&previous.id, &previous.on_leave, &[])
                .await?;
        }
        self.run_stage(&stage, options).await?;
        self.entered = Some(index);
        Ok(())
    }

    /// Runs try-it `which` of stage `index` (its checks should have passed).
    pub async fn try_it(&mut self, index: usize, which: usize) -> Result<(), RunError> {
        let stage = self.track.stages.get(index).cloned();
        let Some((stage, t)) = stage.and_then(|s| s.try_it.get(which).cloned().map(|t| (s, t)))
        else {
            return Err(RunError::Preflight(format!(
                "stage {index} has no try-it number {}",
                which + 1
            )));
        };
        let observed = self.run_try_it(&stage.id, &t).await?;
        self.refresh_delivery(&stage, Some(&t)).await;
        self.tell(
            &stage,
            super::observe::When::TriedIt {
                try_it: &t,
                observed: &observed,
            },
        );
        Ok(())
    }

    /// Goes back to the state right after stage `index` and waits for its checks again,
    /// so the person sees the cluster converge back.
    pub async fn rewind_to(&mut self, index: usize) -> Result<(), RunError> {
        let Some(stage) = self.track.stages.get(index).cloned() else {
            return Err(RunError::Preflight(format!("there is no stage {index}")));
        };
        self.emit(EngineEvent::StageStarted {
            index,
            id: stage.id.clone(),
            title: stage.title.get(self.lang).to_string(),
        });
        self.rewind(index).await?;
        let started = tokio::time::Instant::now();
        self.stage_checks(&stage).await?;
        self.entered = Some(index);
        self.emit(EngineEvent::StageDone {
            id: stage.id.clone(),
            elapsed: started.elapsed(),
        });
        Ok(())
    }

    /// Deletes everything of ours (claims only when asked). Afterwards no stage is applied.
    pub async fn teardown(&mut self, delete_claims: bool) -> Result<usize, RunError> {
        let deleted = self
            .delete_ours(None, delete_claims, &Default::default())
            .await?;
        self.entered = None;
        Ok(deleted.len())
    }

    /// Asks every running EMQX pod who its peers are, and shares the answers.
    pub async fn probe_membership(&mut self) {
        let pods: Vec<_> = self
            .view
            .pods
            .iter()
            .filter(|p| runs_emqx(p))
            .cloned()
            .collect();
        self.ask_pods(
            &pods,
            Wants {
                ctl: true,
                logs: false,
            },
        )
        .await;
    }

    /// Waits for the next watched change and folds it in (with everything queued behind
    /// it). Returns false when the watches have ended.
    pub async fn follow(&mut self) -> bool {
        match self.changes.next().await {
            Some(change) => {
                self.absorb(change);
                true
            }
            None => false,
        }
    }
}

/// Pods whose containers run an EMQX image.
pub fn runs_emqx(pod: &crate::view::WatchedPod) -> bool {
    pod.spec.as_ref().is_some_and(|s| {
        s.containers
            .iter()
            .any(|c| c.image.as_deref().is_some_and(|i| i.contains("emqx")))
    })
}
