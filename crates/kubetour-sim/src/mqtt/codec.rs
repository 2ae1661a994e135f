//! The wire: rumqttc's `mqttbytes` codec for MQTT 3.1.1 (`v4`) and 5 (`v5`), behind one
//! version-neutral pair of enums so the session logic is written once.
//!
//! Why the detours around the codec:
//! - The version is chosen per connection from the CONNECT's protocol level, peeked
//!   before decoding (rumqttc's v4 reader would also accept level 5 and skip its
//!   properties).
//! - `check()` frames first: an `InsufficientBytes` from the framer means "read more";
//!   any error from `Packet::read` after it is a malformed packet (the reader may also say
//!   `InsufficientBytes` once it has consumed the frame).
//! - rumqttc 0.25.1's v5 reader refuses a zero-length DISCONNECT (`e0 00`, what
//!   mosquitto and rumqttc's own client send) and one with a reason code but no property
//!   length (`e0 01 rc`): both are decoded here.
//! - MQTT 3.1 (`MQIsdp`, level 3) differs from 3.1.1 only in the CONNECT's protocol
//!   name: its CONNECT is rewritten to the 3.1.1 form and the v4 codec does the rest, as
//!   EMQX accepts 3.1 clients.

use bytes::{Buf, BytesMut};

pub use super::encode::encode;
use rumqttc::mqttbytes::{self as b4, v4};
use rumqttc::v5::mqttbytes::{self as b5, v5};

/// EMQX's default `mqtt.max_packet_size` (1MB).
pub const MAX_PACKET: usize = 1024 * 1024;

/// The protocol of a connection, fixed by its CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V31,
    V311,
    V5,
}

impl Version {
    /// EMQX's `proto_ver`.
    pub fn level(self) -> u8 {
        match self {
            Version::V31 => 3,
            Version::V311 => 4,
            Version::V5 => 5,
        }
    }
}

/// A will message, or any message being routed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub topic: String,
    pub payload: bytes::Bytes,
    pub qos: u8,
    pub retain: bool,
}

/// What a client sends, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum In {
    Connect {
        client_id: String,
        clean_start: bool,
        keep_alive: u16,
        /// Seconds (v5 property; 3.1.1 maps clean_session=false to EMQX's default).
        expiry: Option<u32>,
        will: Option<Message>,
        username: Option<String>,
    },
    Publish {
        msg: Message,
        pkid: u16,
        /// v5 topic alias, when the client uses one.
        alias: Option<u16>,
    },
    PubAck(u16),
    PubRec(u16),
    PubRel(u16),
    PubComp(u16),
    Subscribe {
        pkid: u16,
        /// (filter, qos, no_local, retain_as_published, retain_handling)
        filters: Vec<(String, u8, bool, bool, u8)>,
    },
    Unsubscribe {
        pkid: u16,
        filters: Vec<String>,
    },
    PingReq,
    /// DISCONNECT with its reason code (0 for 3.1.1).
    Disconnect(u8),
    /// AUTH and other packets a server never expects: a protocol error.
    Other,
}

/// What the broker sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    /// `code`: 0 accepted; else a refusal (3.1.1 codes; v5 maps them).
    ConnAck {
        present: bool,
        code: u8,
        assigned: Option<String>,
    },
    Publish {
        msg: Message,
        pkid: u16,
        dup: bool,
    },
    /// PUBACK / PUBREC with "no matching subscribers" (v5 reason 0x10) when true.
    PubAck(u16, bool),
    PubRec(u16, bool),
    PubRel(u16),
    PubComp(u16),
    /// Granted QoS per filter, or None for a refused filter.
    SubAck(u16, Vec<Option<u8>>),
    /// v5: whether each filter had a subscription.
    UnsubAck(u16, Vec<bool>),
    PingResp,
    /// v5 only (3.1.1 servers just close): the reason code.
    Disconnect(u8),
}

/// Why a connection's bytes cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Malformed {
    TooLarge,
    Invalid(String),
}

/// Peeks the protocol level of the CONNECT at the front of `buf`. `Ok(None)`: need more.
pub fn peek_level(buf: &[u8]) -> Result<Option<u8>, Malformed> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    if first != 0x10 {
        return Err(Malformed::Invalid("first packet is not CONNECT".into()));
    }
    let mut i = 1;
    loop {
        let Some(&b) = buf.get(i) else {
            return Ok(None);
        };
        i += 1;
        if b & 0x80 == 0 {
            break;
        }
        if i > 4 {
            return Err(Malformed::Invalid("malformed remaining length".into()));
        }
    }
    let (Some(&hi), Some(&lo)) = (buf.get(i), buf.get(i + 1)) else {
        return Ok(None);
    };
    let name_len = usize::from(u16::from_be_bytes([hi, lo]));
    Ok(buf.get(i + 2 + name_len).copied())
}

/// Rewrites a complete MQTT 3.1 CONNECT at the front of `buf` into 3.1.1 form (protocol
/// name `MQTT`, level 4); the rest of the packet is the same in both versions.
fn rewrite_v31_connect(buf: &mut BytesMut) -> Result<bool, Malformed> {
    let header = b4::check(buf.iter(), MAX_PACKET).map_err(|e| match e {
        b4::Error::InsufficientBytes(_) => Malformed::Invalid(String::new()),
        _ => Malformed::Invalid(e.to_string()),
    });
    let Ok(header) = header else {
        return Ok(false);
    };
    let frame = header.frame_length();
    // The fixed header: the type byte and the remaining-length varint (check() validated it).
    let head = 1 + buf[1..].iter().take_while(|b| *b & 0x80 != 0).count() + 1;
    let body = &buf[head..frame];
    if body.len() < 9 || &body[..9] != b"\x00\x06MQIsdp\x03" {
        return Err(Malformed::Invalid("bad MQTT 3.1 CONNECT".into()));
    }
    let mut new_body = b"\x00\x04MQTT\x04".to_vec();
    new_body.extend_from_slice(&body[9..]);
    let mut out = BytesMut::new();
    out.extend_from_slice(&[0x10]);
    let mut len = new_body.len();
    loop {
        let mut byte = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            byte |= 0x80;
        }
        out.extend_from_slice(&[byte]);
        if len == 0 {
            break;
        }
    }
    out.extend_from_slice(&new_body);
    buf.advance(frame);
    out.extend_from_slice(buf);
    *buf = out;
    Ok(true)
}

/// Decodes the next packet from `buf`: `Ok(None)` when incomplete.
pub fn decode(
    version: Version,
    buf: &mut BytesMut,
    connected: bool,
) -> Result<Option<In>, Malformed> {
    match version {
        Version::V31 if !connected => {
            if !rewrite_v31_connect(buf)? {
                return Ok(None);
            }
            decode_v4(buf)
        }
        Version::V31 | Version::V311 => decode_v4(buf),
        Version::V5 => decode_v5(buf),
    }
}

fn qos4(q: b4::QoS) -> u8 {
    q as u8
}

fn qos5(q: b5::QoS) -> u8 {
    q as u8
}

fn decode_v4(buf: &mut BytesMut) -> Result<Option<In>, Malformed> {
    match b4::check(buf.iter(), MAX_PACKET) {
        Err(b4::Error::InsufficientBytes(_)) => return Ok(None),
        Err(b4::Error::PayloadSizeLimitExceeded(_)) => return Err(Malformed::TooLarge),
        Err(e) => return Err(Malformed::Invalid(e.to_string())),
        Ok(_) => {}
    }
    let packet =
        v4::Packet::read(buf, MAX_PACKET).map_err(|e| Malformed::Invalid(e.to_string()))?;
    Ok(Some(match packet {
        v4::Packet::Connect(c) => In::Connect {
            client_id: c.client_id,
            clean_start: c.clean_session,
            keep_alive: c.keep_alive,
            expiry: None,
            will: c.last_will.map(|w| Message {
                topic: w.topic,
                payload: w.message,
                qos: qos4(w.qos),
                retain: w.retain,
            }),
            username: c.login.map(|l| l.username).filter(|u| !u.is_empty()),
        },
        v4::Packet::Publish(p) => In::Publish {
            msg: Message {
                topic: p.topic,
                payload: p.payload,
                qos: qos4(p.qos),
                retain: p.retain,
            },
            pkid: p.pkid,
            alias: None,
        },
        v4::Packet::PubAck(p) => In::PubAck(p.pkid),
        v4::Packet::PubRec(p) => In::PubRec(p.pkid),
        v4::Packet::PubRel(p) => In::PubRel(p.pkid),
        v4::Packet::PubComp(p) => In::PubComp(p.pkid),
        v4::Packet::Subscribe(s) => In::Subscribe {
            pkid: s.pkid,
            filters: s
                .filters
                .into_iter()
                .map(|f| (f.path, qos4(f.qos), false, false, 0))
                .collect(),
        },
        v4::Packet::Unsubscribe(u) => In::Unsubscribe {
            pkid: u.pkid,
            filters: u.topics,
        },
        v4::Packet::PingReq => In::PingReq,
        v4::Packet::Disconnect => In::Disconnect(0),
        v4::Packet::ConnAck(_)
        | v4::Packet::SubAck(_)
        | v4::Packet::UnsubAck(_)
        | v4::Packet::PingResp => In::Other,
    }))
}

fn decode_v5(buf: &mut BytesMut) -> Result<Option<In>, Malformed> {
    // DISCONNECT forms rumqttc 0.25.1 refuses (see the module doc).
    if buf.first() == Some(&0xE0) {
        match buf.get(1) {
            Some(0) => {
                buf.advance(2);
                return Ok(Some(In::Disconnect(0)));
            }
            Some(1) => {
                let Some(&rc) = buf.get(2) else {
                    return Ok(None);
                };
                buf.advance(3);
                return Ok(Some(In::Disconnect(rc)));
            }
            _ => {}
        }
    }
    match v5::check(buf.iter(), Some(MAX_PACKET as u32)) {
        Err(b5::Error::InsufficientBytes(_)) => return Ok(None),
        Err(b5::Error::PayloadSizeLimitExceeded { .. }) => return Err(Malformed::TooLarge),
        Err(e) => return Err(Malformed::Invalid(e.to_string())),
        Ok(_) => {}
    }
    let packet = v5::Packet::read(buf, Some(MAX_PACKET as u32))
        .map_err(|e| Malformed::Invalid(e.to_string()))?;
    let utf8 = |b: bytes::Bytes| {
        String::from_utf8(b.to_vec()).map_err(|_| Malformed::Invalid("topic is not UTF-8".into()))
    };
    Ok(Some(match packet {
        v5::Packet::Connect(c, will, login) => In::Connect {
            client_id: c.client_id,
            clean_start: c.clean_start,
            keep_alive: c.keep_alive,
            expiry: Some(
                c.properties
                    .and_then(|p| p.session_expiry_interval)
                    .unwrap_or(0),
            ),
            will: match will {
                Some(w) => Some(Message {
                    topic: utf8(w.topic)?,
                    payload: w.message,
                    qos: qos5(w.qos),
                    retain: w.retain,
                }),
                None => None,
            },
            username: login.map(|l| l.username).filter(|u| !u.is_empty()),
        },
        v5::Packet::Publish(p) => In::Publish {
            alias: p.properties.as_ref().and_then(|pr| pr.topic_alias),
            msg: Message {
                topic: utf8(p.topic)?,
                payload: p.payload,
                qos: qos5(p.qos),
                retain: p.retain,
            },
            pkid: p.pkid,
        },
        v5::Packet::PubAck(p) => In::PubAck(p.pkid),
        v5::Packet::PubRec(p) => In::PubRec(p.pkid),
        v5::Packet::PubRel(p) => In::PubRel(p.pkid),
        v5::Packet::PubComp(p) => In::PubComp(p.pkid),
        v5::Packet::Subscribe(s) => In::Subscribe {
            pkid: s.pkid,
            filters: s
                .filters
                .into_iter()
                .map(|f| {
                    let rh = match f.retain_forward_rule {
                        v5::RetainForwardRule::OnEverySubscribe => 0,
                        v5::RetainForwardRule::OnNewSubscribe => 1,
                        v5::RetainForwardRule::Never => 2,
                    };
                    (f.path, qos5(f.qos), f.nolocal, f.preserve_retain, rh)
                })
                .collect(),
        },
        v5::Packet::Unsubscribe(u) => In::Unsubscribe {
            pkid: u.pkid,
            filters: u.filters,
        },
        v5::Packet::PingReq(_) => In::PingReq,
        v5::Packet::Disconnect(d) => In::Disconnect(d.reason_code as u8),
        v5::Packet::Auth(_)
        | v5::Packet::ConnAck(_)
        | v5::Packet::SubAck(_)
        | v5::Packet::UnsubAck(_)
        | v5::Packet::PingResp(_) => In::Other,
    }))
}
