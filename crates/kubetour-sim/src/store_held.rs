//! How the store holds objects in memory.
//!
//! Events are the one kind a cluster piles up: every pod's life writes about six, and the
//! API server keeps each for `--event-ttl` (an hour). They are written once or twice and
//! read rarely (a list, a watch's first page), so they are held as their compact JSON
//! text, several times smaller than a `serde_json::Value` tree of the same object.
//! Everything else is read on every reconcile and stays a tree.
//!
//! The watch history is the other large thing: every write's whole object, kept for one
//! to two compaction intervals (thousands of writes under churn). Live watchers get each
//! write as a tree through the fan-out; the history is read only when a watch resumes
//! from an older resourceVersion, so it too keeps the text, as etcd keeps each revision
//! as its serialised value until compaction (what is sent from it is decoded then). An
//! Event's text is one allocation shared by both.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::Value;

use super::{EventType, Res, WatchEvent};

#[derive(Debug)]
pub(super) enum Held {
    Tree(Value),
    Text(Arc<str>),
}

impl Held {
    /// How `object`, whose compact JSON is `text`, is kept in the objects map.
    pub(super) fn new(res: Res, object: Value, text: &Arc<str>) -> Held {
        match res {
            Res::Event => Held::Text(text.clone()),
            _ => Held::Tree(object),
        }
    }

    /// Bytes of JSON text held, 0 for a tree.
    pub(super) fn text_len(&self) -> usize {
        match self {
            Held::Tree(_) => 0,
            Held::Text(text) => text.len(),
        }
    }

    /// The object, borrowed when held as a tree.
    pub(super) fn tree(&self) -> Cow<'_, Value> {
        match self {
            Held::Tree(v) => Cow::Borrowed(v),
            Held::Text(text) => Cow::Owned(parse(text)),
        }
    }
}

/// An object's compact JSON text, written once per write.
pub(super) fn text_of(object: &Value) -> Arc<str> {
    Arc::from(object.to_string())
}

/// Text this store wrote from a Value always parses back; Null would only mean memory
/// corruption, and is still a value every reader handles.
fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// One past write as the history keeps it.
#[derive(Debug)]
pub(super) struct Past {
    pub(super) rv: u64,
    kind: EventType,
    res: Res,
    namespace: String,
    text: Arc<str>,
}

impl Past {
    pub(super) fn new(event: &WatchEvent, text: Arc<str>) -> Past {
        Past {
            rv: event.rv,
            kind: event.kind,
            res: event.res,
            namespace: event.namespace.clone(),
            text,
        }
    }

    /// The write as a watch delivers it (for a watch resuming from before it).
    pub(super) fn event(&self) -> Arc<WatchEvent> {
        Arc::new(WatchEvent {
            rv: self.rv,
            kind: self.kind,
            res: self.res,
            namespace: self.namespace.clone(),
            object: parse(&self.text),
        })
    }

    /// Whether this is a write of `res` (in `namespace`, when one is given).
    pub(super) fn is_of(&self, res: Res, namespace: Option<&str>) -> bool {
        self.res == res && namespace.is_none_or(|ns| self.namespace == ns)
    }

    /// Bytes of JSON text this entry holds.
    pub(super) fn text_len(&self) -> usize {
        self.text.len()
    }
}
