//! How the store holds objects in memory.
//!
//! Events are the one kind a cluster piles up: every pod's life writes about six, and the
//! API server keeps each for `--event-ttl` (an hour). They are written once or twice and
//! read rarely (a list, a watch's first page), so they are held packed: their compact
//! JSON text as raw deflate, against a dictionary that is the first Event of the same
//! reason this store wrote. Events of one reason differ in little but names, uids and
//! times, so a 740-byte Event packs to about 130 bytes (it was held as its text, and as
//! a `serde_json::Value` tree before that; issue 23's hour-long soak grew by the Events).
//! Everything else is read on every reconcile and stays a tree.
//!
//! The watch history is the other large thing: every write's whole object, kept for one
//! to two compaction intervals (thousands of writes under churn). Live watchers get each
//! write as a tree through the fan-out; the history is read only when a watch resumes
//! from an older resourceVersion, so it keeps each write packed the same way (against
//! the first text of its kind), as etcd keeps each revision serialised until compaction.
//! An Event's packed text is one allocation shared by both.
//!
//! The dictionaries are kept for the store's life, one per kind and one per Event
//! reason: a few dozen texts of a few KB at most.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use serde_json::Value;
use tokio::time::Instant;

use super::{EventType, Res, WatchEvent};

/// deflate's window: a dictionary longer than this is cut to its last bytes. 8 KB holds
/// any Event and most objects' first text, at a fifth of the default window's memory
/// per packing thread.
const WINDOW_BITS: u8 = 13;
const WINDOW: usize = 1 << WINDOW_BITS;
/// How many dictionaries are kept at most; objects beyond them pack without one.
const MAX_DICTIONARIES: usize = 1024;
/// The `dict` of a text kept as it is (packing failed, which deflate does not do on a
/// well-formed buffer; this keeps nothing from being lost if it ever did).
const RAW: u16 = u16::MAX;
/// The `dict` of a text packed without a dictionary.
const NONE: u16 = u16::MAX - 1;

/// An object in the objects map. The Event's fields are [`Packed`]'s laid out flat and
/// its lease in whole seconds, so that a `Held` is no larger than the tree it can also be
/// (32 bytes, where a `Packed` and an `Instant` made it 48): one map slot per Event.
#[derive(Debug)]
pub(super) enum Held {
    Tree(Value),
    /// An Event, and when its lease (`--event-ttl`) runs out, in seconds from the store's
    /// epoch: it is deleted then, as etcd deletes a key whose lease expired.
    Event {
        bytes: Arc<[u8]>,
        len: u32,
        dict: u16,
        expires: u32,
    },
}

impl Held {
    /// How `object`, packed as `text`, is kept in the objects map; `epoch` is the
    /// store's, from which an Event's lease is counted.
    pub(super) fn new(res: Res, object: Value, text: &Packed, epoch: Instant) -> Held {
        match res {
            Res::Event => {
                let now = Instant::now().saturating_duration_since(epoch);
                let expires = (now + super::EVENT_TTL).as_secs();
                Held::Event {
                    bytes: text.bytes.clone(),
                    len: text.len,
                    dict: text.dict,
                    expires: u32::try_from(expires).unwrap_or(u32::MAX),
                }
            }
            _ => Held::Tree(object),
        }
    }

    /// Bytes of JSON text held, unpacked and packed (0 for a tree).
    pub(super) fn text_len(&self) -> (usize, usize) {
        match self {
            Held::Tree(_) => (0, 0),
            Held::Event { bytes, len, .. } => (*len as usize, bytes.len()),
        }
    }

    /// When this object's lease runs out (Events only).
    pub(super) fn expires(&self, epoch: Instant) -> Option<Instant> {
        match self {
            Held::Tree(_) => None,
            Held::Event { expires, .. } => {
                Some(epoch + std::time::Duration::from_secs(u64::from(*expires)))
            }
        }
    }

    /// The object, borrowed when held as a tree.
    pub(super) fn tree(&self, dicts: &Dictionaries) -> std::borrow::Cow<'_, Value> {
        match self {
            Held::Tree(v) => std::borrow::Cow::Borrowed(v),
            Held::Event {
                bytes, len, dict, ..
            } => std::borrow::Cow::Owned(unpack(bytes, *len, *dict, dicts)),
        }
    }
}

/// An object's compact JSON text, packed once per write.
#[derive(Debug, Clone)]
pub(super) struct Packed {
    bytes: Arc<[u8]>,
    /// The text's length, so unpacking allocates it once.
    len: u32,
    /// Which dictionary it was packed against (or [`NONE`], [`RAW`]).
    dict: u16,
}

/// The texts packing uses as dictionaries: the first written of each kind, and of each
/// Event reason.
#[derive(Debug, Default)]
pub(super) struct Dictionaries {
    /// Kind -> Event reason ("" for other kinds) -> dictionary.
    index: HashMap<Res, HashMap<Box<str>, u16>>,
    texts: Vec<Box<[u8]>>,
}

impl Dictionaries {
    /// The dictionary for `object` (whose text is `text`), made from `text` when its kind
    /// (or Event reason) has none yet.
    fn for_object(&mut self, res: Res, object: &Value, text: &[u8]) -> u16 {
        let reason = match res {
            Res::Event => object["reason"].as_str().unwrap_or_default(),
            _ => "",
        };
        if let Some(&i) = self.index.get(&res).and_then(|by| by.get(reason)) {
            return i;
        }
        if self.texts.len() >= MAX_DICTIONARIES {
            return NONE;
        }
        let i = self.texts.len() as u16;
        // deflate looks back at most a window: only the dictionary's end could be used.
        let tail = &text[text.len().saturating_sub(WINDOW - 262)..];
        self.texts.push(tail.into());
        self.index.entry(res).or_default().insert(reason.into(), i);
        i
    }

    fn text(&self, dict: u16) -> &[u8] {
        self.texts.get(dict as usize).map_or(&[], |t| t)
    }
}

thread_local! {
    // deflate's and inflate's state is a few hundred KB to set up; each thread that
    // writes or reads packed text keeps one of each and resets it per text.
    static DEFLATE: RefCell<Compress> =
        RefCell::new(Compress::new_with_window_bits(Compression::default(), false, WINDOW_BITS));
    static INFLATE: RefCell<Decompress> =
        RefCell::new(Decompress::new_with_window_bits(false, WINDOW_BITS));
}

impl Packed {
    /// `object`'s compact JSON, packed against its kind's (or reason's) dictionary.
    pub(super) fn new(dicts: &mut Dictionaries, res: Res, object: &Value) -> Packed {
        let text = object.to_string().into_bytes();
        let dict = dicts.for_object(res, object, &text);
        match deflate(&text, dicts.text(dict)) {
            Some(bytes) => Packed {
                bytes: bytes.into(),
                len: text.len() as u32,
                dict,
            },
            None => Packed {
                len: text.len() as u32,
                bytes: text.into(),
                dict: RAW,
            },
        }
    }

    /// The object back.
    pub(super) fn unpack(&self, dicts: &Dictionaries) -> Value {
        unpack(&self.bytes, self.len, self.dict, dicts)
    }

    /// Bytes held.
    pub(super) fn packed_len(&self) -> usize {
        self.bytes.len()
    }
}

/// Packed text back as the object. Text this store packed always unpacks and parses;
/// Null would only mean memory corruption, and is still a value every reader handles.
fn unpack(bytes: &[u8], len: u32, dict: u16, dicts: &Dictionaries) -> Value {
    let text = match dict {
        RAW => return serde_json::from_slice(bytes).unwrap_or(Value::Null),
        NONE => inflate(bytes, &[], len),
        dict => inflate(bytes, dicts.text(dict), len),
    };
    text.and_then(|t| serde_json::from_slice(&t).ok())
        .unwrap_or(Value::Null)
}

fn deflate(text: &[u8], dictionary: &[u8]) -> Option<Vec<u8>> {
    DEFLATE.with_borrow_mut(|z| {
        z.reset();
        if !dictionary.is_empty() {
            z.set_dictionary(dictionary).ok()?;
        }
        // deflate's bound for incompressible input: stored blocks of 5 bytes' overhead.
        let mut out = Vec::with_capacity(text.len() + text.len() / 1000 + 64);
        match z.compress_vec(text, &mut out, FlushCompress::Finish).ok()? {
            Status::StreamEnd => Some(out),
            Status::Ok | Status::BufError => None,
        }
    })
}

fn inflate(packed: &[u8], dictionary: &[u8], len: u32) -> Option<Vec<u8>> {
    INFLATE.with_borrow_mut(|z| {
        z.reset(false);
        if !dictionary.is_empty() {
            z.set_dictionary(dictionary).ok()?;
        }
        let mut out = Vec::with_capacity(len as usize);
        match z
            .decompress_vec(packed, &mut out, FlushDecompress::Finish)
            .ok()?
        {
            Status::StreamEnd => Some(out),
            Status::Ok | Status::BufError => None,
        }
    })
}

/// One past write as the history keeps it.
#[derive(Debug)]
pub(super) struct Past {
    pub(super) rv: u64,
    kind: EventType,
    res: Res,
    namespace: String,
    text: Packed,
}

impl Past {
    pub(super) fn new(event: &WatchEvent, text: Packed) -> Past {
        Past {
            rv: event.rv,
            kind: event.kind,
            res: event.res,
            namespace: event.namespace.clone(),
            text,
        }
    }

    /// The write as a watch delivers it (for a watch resuming from before it).
    pub(super) fn event(&self, dicts: &Dictionaries) -> Arc<WatchEvent> {
        Arc::new(WatchEvent {
            rv: self.rv,
            kind: self.kind,
            res: self.res,
            namespace: self.namespace.clone(),
            object: self.text.unpack(dicts),
        })
    }

    /// Whether this is a write of `res` (in `namespace`, when one is given).
    pub(super) fn is_of(&self, res: Res, namespace: Option<&str>) -> bool {
        self.res == res && namespace.is_none_or(|ns| self.namespace == ns)
    }

    /// Bytes of packed text this entry holds.
    pub(super) fn packed_len(&self) -> usize {
        self.text.packed_len()
    }
}
