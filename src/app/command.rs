//! Orders `update` gives the runtime: the only way the wizard causes I/O.

use crate::engine::task::Order;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Hand an order to the engine task.
    Engine(Order),
    /// Stop the engine's running order.
    CancelEngine,
    /// Follow this pod's log (None: stop following).
    FollowLog(Option<String>),
    /// Run one delivery round among these pods; its matrix comes back as a message.
    ProbeDelivery { pods: Vec<String> },
    /// Leave the main loop (the model's `life` says what to print).
    Quit,
}
