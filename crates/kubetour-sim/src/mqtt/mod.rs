//! The MQTT broker inside every simulated EMQX node (listener 1883): a real broker that
//! routes along the simulated EMQX cluster.
//!
//! - `codec`: the wire, through rumqttc's `mqttbytes` (3.1.1 and 5; 3.1 rewritten to
//!   3.1.1), behind version-neutral `In` / `Out` packets.
//! - `encode`: the broker's packets, written with rumqttc's v4/v5 codec.
//! - `session`: one connection (CONNECT, keepalive, QoS 1/2 flows both ways, inflight
//!   window and queue, will).
//! - `broker`: the one owner of broker state — clients and subscriptions keyed by node,
//!   retained copies per node — routed with the cluster membership at publish time;
//!   the listings for `emqx ctl` and the HTTP API read it.
//! - `topic`: filter/name validation, wildcard matching, `$share/GROUP/FILTER`.
//! - `retained`: one node's copy of the retained table.

pub mod broker;
pub mod codec;
pub mod encode;
pub mod retained;
pub mod session;
pub mod topic;

pub use broker::{Broker, Membership};
pub use session::serve;
