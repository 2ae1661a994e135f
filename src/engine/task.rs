//! The engine as a tokio task: it owns the [`Engine`], takes one [`Order`] at a time
//! over a channel, keeps folding watched changes in between orders (so the taps, and
//! the screen behind them, stay live while nothing runs), and says when each order
//! began and how it ended. An order can be cancelled mid-wait: the running future is
//! dropped at its next await point, which is safe because every write the engine makes
//! is a single idempotent request.

use std::collections::VecDeque;

use tokio::sync::mpsc;

use super::{Engine, RunOptions};

/// What the engine is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Order {
    /// Enter stage N (preflight, previous stage's leave steps, apply, checks).
    Enter(usize),
    /// Run try-it `which` of stage `stage`.
    TryIt { stage: usize, which: usize },
    /// Back to the state right after stage N, and wait for its checks.
    RewindTo(usize),
    /// Delete everything of ours; the claims too when asked.
    Teardown { delete_claims: bool },
    /// Ask the EMQX nodes who they are clustered with.
    Probe,
    /// Put the named drill into the running state (it stays until `EndDrill`).
    Drill(&'static str),
    /// Name what the drill broke (a diagnosis), then undo it.
    EndDrill,
}

/// How an order ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// What went wrong, in words.
    Failed(String),
    /// Stopped by [`EngineTask::cancel`] before it finished.
    Cancelled,
}

/// What the task says about its orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    Began(Order),
    Ended { order: Order, outcome: Outcome },
}

enum Control {
    Do(Order),
    Cancel,
}

/// The handle the app keeps; dropping it stops the task.
pub struct EngineTask {
    control: mpsc::UnboundedSender<Control>,
    handle: tokio::task::JoinHandle<()>,
}

impl EngineTask {
    /// Starts the task. `report` is called from the task for every [`Report`].
    pub fn spawn(
        engine: Engine,
        options: RunOptions,
        report: impl FnMut(Report) + Send + 'static,
    ) -> EngineTask {
        // Unbounded on purpose: orders come from key presses (a handful), and the app
        // must never block on sending one while it draws.
        let (control, rx) = mpsc::unbounded_channel();
        let handle = tokio::spawn(serve(engine, options, rx, report));
        EngineTask { control, handle }
    }

    /// Queues an order; it runs when the ones before it have ended.
    pub fn send(&self, order: Order) {
        let _ = self.control.send(Control::Do(order));
    }

    /// Stops the running order (and drops the queued ones).
    pub fn cancel(&self) {
        let _ = self.control.send(Control::Cancel);
    }
}

impl Drop for EngineTask {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

async fn serve(
    mut engine: Engine,
    options: RunOptions,
    mut rx: mpsc::UnboundedReceiver<Control>,
    mut report: impl FnMut(Report) + Send,
) {
    let mut queue: VecDeque<Order> = VecDeque::new();
    let mut watching = true;
    loop {
        let order = match queue.pop_front() {
            Some(order) => order,
            None => tokio::select! {
                control = rx.recv() => match control {
                    None => return,
                    Some(Control::Cancel) => continue,
                    Some(Control::Do(order)) => order,
                },
                alive = engine.follow(), if watching => {
                    watching = alive;
                    continue;
                }
            },
        };
        report(Report::Began(order.clone()));
        let outcome = {
            let work = execute(&mut engine, &order, &options);
            tokio::pin!(work);
            loop {
                tokio::select! {
                    outcome = &mut work => break outcome,
                    control = rx.recv() => match control {
                        None => return,
                        Some(Control::Cancel) => {
                            queue.clear();
                            break Outcome::Cancelled;
                        }
                        Some(Control::Do(next)) => queue.push_back(next),
                    },
                }
            }
        };
        report(Report::Ended { order, outcome });
    }
}

async fn execute(engine: &mut Engine, order: &Order, options: &RunOptions) -> Outcome {
    let result = match order {
        Order::Enter(index) => engine.enter(*index, options).await,
        Order::TryIt { stage, which } => engine.try_it(*stage, *which).await,
        Order::RewindTo(index) => engine.rewind_to(*index).await,
        Order::Teardown { delete_claims } => engine.teardown(*delete_claims).await.map(|_| ()),
        Order::Probe => {
            engine.probe_membership().await;
            Ok(())
        }
        Order::Drill(name) => {
            return match engine.drill_start(name).await {
                Ok(()) => Outcome::Done,
                Err(e) => Outcome::Failed(e.to_string()),
            };
        }
        Order::EndDrill => {
            return match engine.drill_end().await {
                Ok(()) => Outcome::Done,
                Err(e) => Outcome::Failed(e.to_string()),
            };
        }
    };
    match result {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::Failed(e.to_string()),
    }
}
