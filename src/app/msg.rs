//! Facts that reach the wizard: keys and mouse from the terminal, the engine's reports,
//! the watched view and EMQX answers, log lines, the clock. Named as facts; `update`
//! decides what they mean.

use std::sync::Arc;

use crossterm::event::{KeyEvent, MouseEvent};
use jiff::Timestamp;

use super::model::NodeAnswer;
use crate::engine::events::EngineEvent;
use crate::engine::task::Report;
use crate::view::ClusterView;

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resized(u16, u16),
    /// The spinner's clock: sent only while something animates.
    Tick(Timestamp),
    /// The time, sent before every batch of messages (ages and elapsed times use it).
    Clock(Timestamp),
    Engine(EngineEvent),
    Order(Report),
    /// The namespace as the engine folded it, after a batch of watched changes (the
    /// wizard reads the engine's one view; it folds nothing itself).
    Cluster(Arc<ClusterView>),
    /// EMQX's answers, by pod, as the last probe round left them.
    Emqx(Vec<(String, NodeAnswer)>),
    /// A delivery round's matrix; `ours`: the wizard asked for it (else the engine ran it
    /// for a check or an observation).
    Delivery {
        matrix: Box<crate::delivery::Matrix>,
        ours: bool,
    },
    /// Lines of the followed pod's log.
    LogLines {
        pod: String,
        lines: Vec<String>,
    },
    /// The log follow ended or failed (the text says how).
    LogEnded {
        pod: String,
        why: String,
    },
    /// SIGTERM, SIGINT or SIGHUP: leave now, restoring the terminal.
    Signal(&'static str),
}

impl From<EngineEvent> for Msg {
    fn from(e: EngineEvent) -> Msg {
        Msg::Engine(e)
    }
}

impl From<Report> for Msg {
    fn from(r: Report) -> Msg {
        Msg::Order(r)
    }
}
