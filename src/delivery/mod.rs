//! Delivery: the thing a cluster of brokers is for, proven with a real MQTT client.
//!
//! A round (`round`) connects to every chosen EMQX pod through its own port-forward,
//! subscribes on each to the round's probe topics, publishes one QoS 1 message from each
//! pod, and notes which pod received which message and how fast. The result is a
//! [`Matrix`] (published on → received on), judged against an [`Expectation`]: one
//! cluster delivers every pair; islands deliver nothing across pods.
//!
//! The same code runs on the simulated cluster and on any real one (the transport is
//! `cluster::portforward_mqtt`); the matrix itself is plain data, judged and drawn
//! without I/O (the engine's checks, the wizard's panel, `kubetour probe`).

pub mod matrix;
pub mod round;
pub mod table;

pub use matrix::{Cell, Expectation, Matrix};
pub use round::{RoundOptions, run_round};
