//! A drill driven by the wizard: started by one order, ended by another (the learner
//! investigates in between, with kubectl, while the panels stay live). Ending it asks
//! every EMQX pod (status, cluster status, log), names the drill's cause with the track's
//! diagnosis table (a `Diagnosed` event the wizard pins), then undoes it.

use kube::ResourceExt;

use super::Engine;
use super::drill;
use super::events::{Diagnosis, EngineEvent};
use super::probe::Wants;
use super::session::runs_emqx;

impl Engine {
    /// Applies the named drill to the workload running EMQX.
    pub async fn drill_start(&mut self, name: &str) -> anyhow::Result<()> {
        if let Some((running, _)) = self.drill {
            anyhow::bail!("the drill `{}` is still running", running.name);
        }
        let chosen = drill::find(name).map_err(|e| anyhow::anyhow!(e))?;
        let undo = drill::apply(&self.client, &self.namespace, chosen).await?;
        self.drill = Some((chosen, undo));
        Ok(())
    }

    /// Says what the drill broke, as the table names it now, and undoes it.
    pub async fn drill_end(&mut self) -> anyhow::Result<()> {
        let Some((chosen, undo)) = self.drill.take() else {
            anyhow::bail!("no drill is running");
        };
        let pods: Vec<_> = self
            .view
            .pods
            .iter()
            .filter(|p| runs_emqx(p) && p.metadata.deletion_timestamp.is_none())
            .cloned()
            .collect();
        self.ask_pods(
            &pods,
            Wants {
                ctl: true,
                logs: true,
            },
        )
        .await;
        let refs: Vec<_> = pods.iter().collect();
        let named = super::causes::name_causes(
            &self.track.diagnosis,
            &self.view,
            &self.evidence,
            &refs,
            self.lang,
        );
        let prefix = format!("{}: ", chosen.pitfall);
        let diagnosis = named
            .into_iter()
            .find(|d| d.explanation.starts_with(&prefix))
            .unwrap_or_else(|| Diagnosis {
                source: pods.first().map(|p| p.name_any()).unwrap_or_default(),
                line: format!("drill `{}`: {}", chosen.name, chosen.breaks),
                explanation: format!(
                    "{prefix}the drill {} (kubetour has not seen it named from the cluster yet: \
                     the pods may still be rolling).",
                    chosen.breaks
                ),
                fixed_by: None,
            });
        let stage = self
            .entered
            .and_then(|i| self.track.stages.get(i))
            .map(|s| s.id.clone())
            .unwrap_or_default();
        self.emit(EngineEvent::Diagnosed { stage, diagnosis });
        drill::undo(&self.client, &self.namespace, &undo).await
    }
}
