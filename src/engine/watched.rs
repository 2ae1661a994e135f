//! What the engine does with each watched change: folds it, once, into the one
//! [`ClusterView`](crate::view::ClusterView) (the engine's checks read it), records it
//! for the observations only history tells, and hands the folded view to the taps — the
//! wizard's Model reads that same view instead of folding the change a second time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{FutureExt, StreamExt};

use kube::runtime::watcher::Event;

use super::Engine;
use crate::view::Change;

use crate::cluster::watch::FRESH;

/// The longest a batch of changes goes unseen by the taps while it is being folded.
const HAND_OVER_EVERY: Duration = Duration::from_millis(20);

impl Engine {
    /// Folds a change and every change already queued behind it into the view, then
    /// hands the view over once for the whole batch (and every [`HAND_OVER_EVERY`]
    /// during a batch that goes on, so a flood of changes never keeps the screen stale).
    pub(super) fn absorb(&mut self, change: Change) {
        self.fold(change);
        let mut handed = Instant::now();
        while let Some(Some(more)) = self.changes.next().now_or_never() {
            self.fold(more);
            if handed.elapsed() >= HAND_OVER_EVERY {
                self.hand_over();
                handed = Instant::now();
            }
        }
        let view = &self.view;
        self.evidence
            .retain_pods(|p| view.pods.get(p).map(|pod| pod.metadata.uid.as_deref()));
        self.hand_over();
    }

    /// Hands the folded view to the taps. The one fold is the engine's: its checks need
    /// the view in this task, at once. The copy handed over is a dozen `Arc`s (see
    /// `view::Cache`), sent as soon as a batch is folded, so a created pod reaches the
    /// screen as fast as when the wizard folded each change itself.
    fn hand_over(&mut self) {
        tracing::trace!(target: FRESH, "handed");
        if let Some(taps) = &mut self.taps {
            (taps.view)(Arc::new(self.view.clone()));
        }
    }

    fn fold(&mut self, change: Change) {
        if let Change::Pod(Event::Apply(pod) | Event::Delete(pod)) = &change {
            let deleted = matches!(change, Change::Pod(Event::Delete(_)));
            let name = pod.metadata.name.as_deref().unwrap_or_default();
            tracing::trace!(target: FRESH, pod = name, deleted, "folded");
        }
        if let Some(taps) = &mut self.taps {
            (taps.change)(&change);
        }
        self.record.fold(&change);
        self.view.fold(change, jiff::Timestamp::now());
    }

    /// Hands the latest EMQX answers to the taps.
    pub(super) fn share_evidence(&mut self) {
        if let Some(taps) = &mut self.taps {
            (taps.evidence)(&self.evidence);
        }
    }
}
