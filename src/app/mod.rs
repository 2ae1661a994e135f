//! The wizard's state and logic, Elm-style: a [`Model`](model::Model) owned in one place,
//! [`Msg`](msg::Msg)s that describe what happened, `update` that changes the model and
//! returns [`Command`](command::Command)s, and a runtime (the only part that does I/O)
//! that turns commands into engine orders, log follows and the terminal's life.
//!
//! - `model`: everything the screen shows (`progress`: each stage's, as reported).
//!   `msg`, `command`: what comes in, what goes out.
//! - `manifests`: each stage's YAML and its diff from the previous stage, made once.
//! - `update`: engine events, order reports and the watched view; `input`: keys and
//!   mouse; `autopilot`: advancing by itself; `orders`: the one place their intentions
//!   become engine orders (the on-screen write guard, busy, quitting).
//! - `runtime`: the main loop (`tokio::select!` over terminal, engine, watches, logs,
//!   signals; a tick only while something animates; draw only after a change).
//! - `terminal`: raw mode and the alternate screen, restored on drop, panic and signal.
//! - `delivery`: when a delivery round is asked for (membership changed, a key), and
//!   what its matrix does to the model.
pub mod autopilot;
pub mod command;
pub mod delivery;
pub mod input;
pub mod manifests;
pub mod model;
pub mod msg;
pub mod orders;
pub mod progress;
pub mod runtime;
pub mod terminal;
pub mod update;

pub use command::Command;
pub use model::Model;
pub use msg::Msg;
pub use update::update;
