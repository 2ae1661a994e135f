//! The delivery matrix in the wizard: when a round is asked for, and what its result
//! does to the model. No I/O here: a round is a [`Command::ProbeDelivery`] that the
//! runtime carries out, and its result comes back as [`Msg::Delivery`](super::msg::Msg).
//!
//! A round is asked for when EMQX membership changes (islands became one cluster, a
//! node was lost or joined) and when the person presses the key — never on a timer:
//! an idle wizard stays idle. The engine's own rounds (checks, observations) are shown
//! as they arrive too.

use std::collections::BTreeSet;

use super::command::Command;
use super::model::Model;
use crate::delivery::Matrix;

/// What the panel shows and whether a round is under way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryView {
    /// The latest round's result.
    pub matrix: Option<Matrix>,
    /// A round is running.
    pub probing: bool,
    /// Another round was asked for while one ran: run it when that one ends.
    pub again: bool,
    /// The membership the last round was asked for (each pod's running nodes).
    membership: Option<BTreeSet<(String, Vec<String>)>>,
}

/// The pods a round is among: Running EMQX pods, by name.
fn round_pods(m: &Model) -> Vec<String> {
    let mut pods: Vec<String> = m
        .view
        .pods
        .iter()
        .filter(|p| crate::engine::session::runs_emqx(p))
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    pods.sort();
    pods
}

/// The person asked for a round (the key): one now, or right after the running one;
/// with fewer than two pods, the notice line says why not.
pub fn asked(m: &mut Model) -> Vec<Command> {
    let pods = round_pods(m).len();
    if pods < 2 {
        m.notice = Some(format!(
            "delivery needs two or more Running EMQX pods; {pods} now"
        ));
        return Vec::new();
    }
    request(m)
}

/// Asks for a round now, or right after the running one.
fn request(m: &mut Model) -> Vec<Command> {
    let pods = round_pods(m);
    if pods.len() < 2 {
        return Vec::new();
    }
    if m.delivery.probing {
        m.delivery.again = true;
        return Vec::new();
    }
    m.delivery.probing = true;
    vec![Command::ProbeDelivery { pods }]
}

/// After EMQX answered: a round when membership differs from the last round's.
pub fn membership_changed(m: &mut Model) -> Vec<Command> {
    let now: BTreeSet<(String, Vec<String>)> = m
        .emqx
        .iter()
        .filter_map(|(pod, a)| {
            let c = a.cluster.as_ref()?;
            let mut running = c.running_nodes.clone();
            running.sort();
            Some((pod.clone(), running))
        })
        .collect();
    if now.len() < 2 || m.delivery.membership.as_ref() == Some(&now) {
        return Vec::new();
    }
    m.delivery.membership = Some(now);
    request(m)
}

/// A round's result (ours, or one the engine ran for a check or an observation).
pub fn arrived(m: &mut Model, matrix: Matrix, ours: bool) -> Vec<Command> {
    m.delivery.matrix = Some(matrix);
    if !ours {
        return Vec::new();
    }
    m.delivery.probing = false;
    if std::mem::take(&mut m.delivery.again) {
        return request(m);
    }
    Vec::new()
}
