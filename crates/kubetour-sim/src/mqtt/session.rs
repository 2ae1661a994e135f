//! One client connection to a simulated EMQX node's MQTT listener, over any byte stream
//! (a port-forward's tunnel, loopback TCP in tests and the bench).
//!
//! The flow, as emqx_channel runs it (v5.8.9):
//! - The first packet must be a CONNECT within `mqtt.idle_timeout` (15 s); its protocol
//!   level fixes the codec (3.1, 3.1.1, 5; anything else gets CONNACK 0x01 and a close).
//! - An empty client id gets an assigned one (v5 returns it in the CONNACK), unless the
//!   client is 3.1 or asks for clean_start=false: refused with "identifier not valid"
//!   (emqx_packet:check_client_id/2). Anonymous clients and any
//!   username/password are accepted (no authenticator is configured by default).
//! - Inbound QoS 1 → PUBACK; QoS 2 → routed on PUBLISH, PUBREC, then PUBREL → PUBCOMP
//!   (a repeated PUBLISH with a packet id awaiting PUBREL is not routed again). v5 acks
//!   say 0x10 "no matching subscribers" when nothing received the message.
//! - Outbound QoS 1/2 take a packet id; at most 32 are in flight (EMQX's
//!   `max_inflight`), the rest wait in a queue of 1000 (`max_mqueue_len`, the oldest
//!   dropped beyond it).
//! - Silent for 1.5 × keepalive → closed; the will fires on every close except a
//!   DISCONNECT with reason 0 (v5 0x04 asks for it).
//!
//! - A session with an expiry interval (v5 property; 3.1.1 clean_session=false gets
//!   EMQX's 2h default) outlives its connection: it keeps its subscriptions and queues
//!   what arrives, and a reconnect with clean_start=false resumes it (session present)
//!   and receives the queue. Unacknowledged deliveries of the old connection are lost.
//!
//! Not modelled: retransmission of unacknowledged deliveries, will delay, ACLs, the v5
//! DISCONNECT property that changes the expiry.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use rand::Rng;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{Instant, sleep_until, timeout};

use super::broker::{Broker, ClientInfo, ConnId, Control, Counters, RoundRobin, SubOpts};
use super::codec::{self, In, Malformed, Message, Out, Version};
use super::topic::{self, Filter};

/// `mqtt.idle_timeout`: how long a connection may stay without CONNECT.
const IDLE: Duration = Duration::from_secs(15);
/// `mqtt.max_inflight` (EMQX 5 default).
const MAX_INFLIGHT: usize = 32;
/// `mqtt.max_mqueue_len` (EMQX 5 default).
const MAX_MQUEUE: usize = 1000;
/// EMQX's `mqtt.session_expiry_interval` default (2h), for 3.1.1 clean_session=false.
const V3_EXPIRY: u32 = 7200;

/// Serves one connection on `node` until it closes. `peer` is the client's address as
/// the node sees it (`ip:port`).
pub async fn serve<S>(broker: Arc<Broker>, node: String, peer: String, stream: S)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut rd, mut wr) = tokio::io::split(stream);
    let mut buf = BytesMut::with_capacity(4096);
    let Ok(Some(version)) = timeout(IDLE, detect(&mut rd, &mut wr, &mut buf)).await else {
        return;
    };
    let connect = timeout(IDLE, async {
        loop {
            match codec::decode(version, &mut buf, false) {
                Ok(Some(p)) => return Some(p),
                Ok(None) => {}
                Err(_) => return None,
            }
            match rd.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    })
    .await;
    let Ok(Some(In::Connect {
        client_id,
        clean_start,
        keep_alive,
        expiry,
        will,
        username,
    })) = connect
    else {
        return;
    };
    let mut out = BytesMut::new();
    let assigned = client_id.is_empty().then(assign_id);
    if assigned.is_some() && (!clean_start || version == Version::V31) {
        let _ = codec::encode(
            version,
            Out::ConnAck {
                present: false,
                code: 2,
                assigned: None,
            },
            &mut out,
        );
        let _ = wr.write_all(&out).await;
        return;
    }
    let client_id = assigned.clone().unwrap_or(client_id);
    let expiry = expiry.unwrap_or(if clean_start { 0 } else { V3_EXPIRY });
    let info = ClientInfo {
        client_id: client_id.clone(),
        username,
        peer,
        proto_ver: version.level(),
        clean_start,
        keepalive: keep_alive,
        expiry,
    };
    let reg = broker.connect(&node, info);
    let assigned = assigned.filter(|_| version == Version::V5);
    let _ = codec::encode(
        version,
        Out::ConnAck {
            present: reg.present,
            code: 0,
            assigned,
        },
        &mut out,
    );
    let mut s = Session {
        version,
        broker: broker.clone(),
        node,
        client_id,
        conn: reg.conn,
        counters: reg.counters,
        will,
        out,
        inflight: HashMap::new(),
        next_pkid: 0,
        mqueue: VecDeque::new(),
        awaiting_rel: HashSet::new(),
        aliases: HashMap::new(),
        rr: RoundRobin::new(),
    };
    for m in reg.queued {
        s.deliver(m);
    }
    Counters::set(&s.counters.enqueued, s.mqueue.len() as u64);
    let mut rx = reg.rx;
    let limit = (keep_alive > 0).then(|| Duration::from_millis(u64::from(keep_alive) * 1500));
    let mut deadline = limit.map(|l| Instant::now() + l);
    let will_fires = loop {
        let end = s.drain(&mut buf);
        if wr.write_all(&s.out).await.is_err() {
            break true;
        }
        s.out.clear();
        if let Some(will) = end {
            break will;
        }
        tokio::select! {
            read = rd.read_buf(&mut buf) => match read {
                Ok(0) | Err(_) => break true,
                Ok(_) => deadline = limit.map(|l| Instant::now() + l),
            },
            ctl = rx.recv() => {
                let mut next = ctl;
                let mut kicked = None;
                // Batch whatever else is queued into one write.
                while let Some(c) = next {
                    match c {
                        Control::Deliver(m) => s.deliver(m),
                        Control::Kick(rc) => {
                            kicked = Some(rc);
                            break;
                        }
                    }
                    next = rx.try_recv().ok();
                }
                if let Some(rc) = kicked {
                    let _ = codec::encode(version, Out::Disconnect(rc), &mut s.out);
                    let _ = wr.write_all(&s.out).await;
                    break true;
                }
            },
            () = sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                let _ = codec::encode(version, Out::Disconnect(0x8D), &mut s.out);
                let _ = wr.write_all(&s.out).await;
                break true;
            }
        }
    };
    let _ = wr.shutdown().await;
    broker.disconnect(s.conn);
    if will_fires && let Some(will) = s.will.take() {
        broker.publish(&s.node, Some(&s.client_id), &will, &mut s.rr);
    }
}

/// Reads until the CONNECT's protocol level is known; refuses unknown levels.
async fn detect<R, W>(rd: &mut R, wr: &mut W, buf: &mut BytesMut) -> Option<Version>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    loop {
        match codec::peek_level(buf) {
            Ok(Some(3)) => return Some(Version::V31),
            Ok(Some(4)) => return Some(Version::V311),
            Ok(Some(5)) => return Some(Version::V5),
            Ok(Some(_)) => {
                // CONNACK 0x01, unacceptable protocol version (the 3.1.1 form).
                let _ = wr.write_all(&[0x20, 0x02, 0x00, 0x01]).await;
                return None;
            }
            Ok(None) => {}
            Err(_) => return None,
        }
        match rd.read_buf(buf).await {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// A client id as EMQX 5.8 assigns one (`emqx_utils:rand_id(16)`): 16 base-62
/// characters, the first a letter.
fn assign_id() -> String {
    const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|i| {
            let range = if i == 0 { 52 } else { DIGITS.len() };
            char::from(DIGITS[rng.random_range(0..range)])
        })
        .collect()
}

/// A delivery waiting for the client's acknowledgement.
#[derive(Debug, PartialEq, Eq)]
enum Pending {
    /// QoS 1 sent, or QoS 2 sent and waiting for PUBREC.
    Sent,
    /// QoS 2: PUBREL sent, waiting for PUBCOMP.
    Released,
}

struct Session {
    version: Version,
    broker: Arc<Broker>,
    node: String,
    client_id: String,
    conn: ConnId,
    counters: Arc<Counters>,
    will: Option<Message>,
    out: BytesMut,
    inflight: HashMap<u16, Pending>,
    next_pkid: u16,
    mqueue: VecDeque<Message>,
    awaiting_rel: HashSet<u16>,
    aliases: HashMap<u16, String>,
    rr: RoundRobin,
}

impl Session {
    fn send(&mut self, packet: Out) {
        if let Err(e) = codec::encode(self.version, packet, &mut self.out) {
            tracing::debug!("mqtt: not sent: {e}");
        }
    }

    /// Handles the complete packets in `buf`. `Some(will_fires)` once the connection
    /// must close.
    fn drain(&mut self, buf: &mut BytesMut) -> Option<bool> {
        loop {
            match codec::decode(self.version, buf, true) {
                Ok(Some(p)) => {
                    if let Some(end) = self.handle(p) {
                        return Some(end);
                    }
                }
                Ok(None) => return None,
                Err(e) => {
                    let rc = match e {
                        Malformed::TooLarge => 0x95,
                        Malformed::Invalid(_) => 0x81,
                    };
                    self.send(Out::Disconnect(rc));
                    return Some(true);
                }
            }
        }
    }

    fn handle(&mut self, packet: In) -> Option<bool> {
        match packet {
            In::Publish { msg, pkid, alias } => return self.publish(msg, pkid, alias),
            In::PubAck(id) | In::PubComp(id) => {
                if self.inflight.remove(&id).is_some() {
                    self.pump();
                }
            }
            In::PubRec(id) => {
                if let Some(p) = self.inflight.get_mut(&id) {
                    *p = Pending::Released;
                }
                self.send(Out::PubRel(id));
            }
            In::PubRel(id) => {
                self.awaiting_rel.remove(&id);
                Counters::set(&self.counters.awaiting_rel, self.awaiting_rel.len() as u64);
                self.send(Out::PubComp(id));
            }
            In::Subscribe { pkid, filters } => {
                if filters.is_empty() {
                    self.send(Out::Disconnect(0x82));
                    return Some(true);
                }
                self.subscribe(pkid, filters);
            }
            In::Unsubscribe { pkid, filters } => {
                let had = filters
                    .iter()
                    .map(|f| self.broker.unsubscribe(self.conn, f))
                    .collect();
                self.send(Out::UnsubAck(pkid, had));
            }
            In::PingReq => self.send(Out::PingResp),
            // 0x04: "disconnect with will message".
            In::Disconnect(rc) => return Some(rc == 0x04),
            In::Connect { .. } | In::Other => {
                self.send(Out::Disconnect(0x82));
                return Some(true);
            }
        }
        None
    }

    fn publish(&mut self, mut msg: Message, pkid: u16, alias: Option<u16>) -> Option<bool> {
        if let Some(a) = alias {
            if msg.topic.is_empty() {
                msg.topic = self.aliases.get(&a).cloned().unwrap_or_default();
            } else {
                self.aliases.insert(a, msg.topic.clone());
            }
        }
        if !topic::valid_name(&msg.topic) {
            self.send(Out::Disconnect(0x90));
            return Some(true);
        }
        match msg.qos {
            0 => {
                self.broker
                    .publish(&self.node, Some(&self.client_id), &msg, &mut self.rr);
            }
            1 => {
                let n = self
                    .broker
                    .publish(&self.node, Some(&self.client_id), &msg, &mut self.rr);
                self.send(Out::PubAck(pkid, n == 0));
            }
            _ => {
                let mut none = false;
                if self.awaiting_rel.insert(pkid) {
                    none =
                        self.broker
                            .publish(&self.node, Some(&self.client_id), &msg, &mut self.rr)
                            == 0;
                    Counters::set(&self.counters.awaiting_rel, self.awaiting_rel.len() as u64);
                }
                self.send(Out::PubRec(pkid, none));
            }
        }
        None
    }

    fn subscribe(&mut self, pkid: u16, filters: Vec<(String, u8, bool, bool, u8)>) {
        let mut granted = Vec::new();
        let mut retained = Vec::new();
        for (raw, qos, nl, rap, rh) in filters {
            let Some(filter) = Filter::parse(&raw) else {
                granted.push(None);
                continue;
            };
            let opts = SubOpts { qos, nl, rap, rh };
            retained.extend(self.broker.subscribe(self.conn, &raw, filter, opts));
            granted.push(Some(qos));
        }
        self.send(Out::SubAck(pkid, granted));
        for m in retained {
            self.deliver(m);
        }
    }

    /// Sends a delivery now, or queues it when the inflight window is full.
    fn deliver(&mut self, msg: Message) {
        if msg.qos == 0 {
            self.sent();
            self.send(Out::Publish {
                msg,
                pkid: 0,
                dup: false,
            });
            return;
        }
        if self.inflight.len() >= MAX_INFLIGHT {
            if self.mqueue.len() >= MAX_MQUEUE {
                self.mqueue.pop_front();
                self.counters
                    .dropped
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            self.mqueue.push_back(msg);
            Counters::set(&self.counters.enqueued, self.mqueue.len() as u64);
            return;
        }
        let pkid = self.pkid();
        self.inflight.insert(pkid, Pending::Sent);
        Counters::set(&self.counters.inflight, self.inflight.len() as u64);
        self.sent();
        self.send(Out::Publish {
            msg,
            pkid,
            dup: false,
        });
    }

    fn sent(&self) {
        self.counters
            .delivered
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Moves queued deliveries into the freed inflight slots.
    fn pump(&mut self) {
        Counters::set(&self.counters.inflight, self.inflight.len() as u64);
        while self.inflight.len() < MAX_INFLIGHT {
            let Some(m) = self.mqueue.pop_front() else {
                break;
            };
            self.deliver(m);
        }
        Counters::set(&self.counters.enqueued, self.mqueue.len() as u64);
    }

    /// The next free packet id (1..=65535).
    fn pkid(&mut self) -> u16 {
        loop {
            self.next_pkid = self.next_pkid.checked_add(1).unwrap_or(1);
            if !self.inflight.contains_key(&self.next_pkid) {
                return self.next_pkid;
            }
        }
    }
}
