//! How the store holds an object in memory.
//!
//! Events are the one kind a cluster piles up: every pod's life writes about six, and the
//! API server keeps each for `--event-ttl` (an hour). They are written once or twice and
//! read rarely (a list, a watch's first page), so they are held as their compact JSON
//! text, several times smaller than a `serde_json::Value` tree of the same object.
//! Everything else is read on every reconcile and stays a tree.

use std::borrow::Cow;

use serde_json::Value;

use super::Res;

#[derive(Debug)]
pub(super) enum Held {
    Tree(Value),
    Text(Box<str>),
}

impl Held {
    pub(super) fn new(res: Res, object: Value) -> Held {
        match res {
            Res::Event => Held::Text(object.to_string().into_boxed_str()),
            _ => Held::Tree(object),
        }
    }

    /// The object, borrowed when held as a tree.
    pub(super) fn tree(&self) -> Cow<'_, Value> {
        match self {
            Held::Tree(v) => Cow::Borrowed(v),
            // Text this store wrote from a Value always parses back; Null would only mean
            // memory corruption, and is still a value every reader handles.
            Held::Text(text) => Cow::Owned(serde_json::from_str(text).unwrap_or(Value::Null)),
        }
    }
}
