//! MQTT to one pod through a kube-rs port-forward: the delivery probe's transport.
//!
//! # Bridge or codec-direct: codec-direct
//!
//! rumqttc 0.25's `AsyncClient` can only dial a host and port itself (no custom
//! stream), so using it would mean a loopback listener on 127.0.0.1:0 with a fresh
//! port-forward per accepted socket. We drive rumqttc's MQTT 3.1.1 packet types by hand
//! over the port-forward's `DuplexStream` instead, because for a probe that is simpler
//! and more honest:
//! - no listener, no extra task per connection, no local port that anything else on
//!   the machine could connect to;
//! - no reconnect loop: the client's event loop reconnects on the next `poll()` after an
//!   error, which would hide a dropped forward behind a second one and blur the latency;
//!   here a lost stream is an error for that pod and that round, named;
//! - every step (CONNECT, SUBSCRIBE, PUBLISH, the acks) is awaited in order under the
//!   round's deadline, so a round is deterministic and ends when the deadline says;
//! - a refused forward (403 on `pods/portforward`) comes back from `portforward()`
//!   itself as a kube error, not as a connection reset inside a client's event loop.
//!
//! MQTT 3.1.1 (protocol level 4) is what both EMQX 4.x and 5.x accept, anonymous or with
//! a username and password; QoS 1 with clean sessions, so nothing stays behind.

use std::time::Duration;

use bytes::BytesMut;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, Portforwarder};
use rumqttc::mqttbytes::v4::{
    ConnAck, Connect, Packet, PubAck, Publish, Subscribe, SubscribeReasonCode,
};
use rumqttc::mqttbytes::{self, QoS};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::refusal::{self, Refusal};

/// The largest packet read or written (the probe's are tiny; EMQX's default is 1 MiB).
const MAX_PACKET: usize = 64 * 1024;

/// Why an MQTT exchange with one pod did not happen.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MqttError {
    /// The API server refused the port-forward (RBAC on `pods/portforward`, a kubelet
    /// that cannot be reached, a pod that is not running).
    #[error("port-forward to pod {pod} port {port} refused: {refusal}")]
    Refused {
        pod: String,
        port: u16,
        refusal: Refusal,
    },
    /// The forward opened but the broker did not speak MQTT as expected.
    #[error("MQTT with pod {pod}: {what}")]
    Protocol { pod: String, what: String },
    /// The broker refused the connection (CONNACK return code).
    #[error("EMQX in pod {pod} refused the MQTT connection: {code}")]
    NotAccepted { pod: String, code: String },
}

impl MqttError {
    /// The refusal, when the port-forward itself was refused.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            MqttError::Refused { refusal, .. } => Some(refusal),
            _ => None,
        }
    }
}

/// Credentials for brokers that ask for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub username: String,
    pub password: String,
}

/// One MQTT connection to one pod, over its own port-forward.
pub struct MqttSession {
    pod: String,
    stream: DuplexStream,
    /// Kept so the forward lives as long as the session; aborted on drop.
    forward: Portforwarder,
    buf: BytesMut,
    next_pkid: u16,
    /// Publishes that arrived while waiting for an ack, handed out by `next_publish`.
    queued: Vec<Publish>,
}

impl MqttSession {
    /// Opens a port-forward to `pod`'s `port` and connects with a clean session.
    pub async fn connect(
        client: &kube::Client,
        namespace: &str,
        pod: &str,
        port: u16,
        client_id: &str,
        login: Option<&Login>,
    ) -> Result<MqttSession, MqttError> {
        let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
        let mut forward = api
            .portforward(pod, &[port])
            .await
            .map_err(|e| MqttError::Refused {
                pod: pod.to_string(),
                port,
                refusal: refusal::from_kube(&e),
            })?;
        let Some(stream) = forward.take_stream(port) else {
            return Err(MqttError::Protocol {
                pod: pod.to_string(),
                what: format!("the port-forward gave no stream for port {port}"),
            });
        };
        let mut session = MqttSession {
            pod: pod.to_string(),
            stream,
            forward,
            buf: BytesMut::with_capacity(1024),
            next_pkid: 1,
            queued: Vec::new(),
        };
        let mut connect = Connect::new(client_id);
        connect.clean_session = true;
        connect.keep_alive = 30;
        if let Some(l) = login {
            connect.set_login(l.username.clone(), l.password.clone());
        }
        session.send(Packet::Connect(connect)).await?;
        match session.recv().await? {
            Packet::ConnAck(ConnAck {
                code: mqttbytes::v4::ConnectReturnCode::Success,
                ..
            }) => Ok(session),
            Packet::ConnAck(ConnAck { code, .. }) => Err(MqttError::NotAccepted {
                pod: pod.to_string(),
                code: format!("{code:?}"),
            }),
            other => Err(session.unexpected("CONNACK", &other)),
        }
    }

    pub fn pod(&self) -> &str {
        &self.pod
    }

    fn pkid(&mut self) -> u16 {
        let id = self.next_pkid;
        self.next_pkid = self.next_pkid.checked_add(1).unwrap_or(1);
        id
    }

    fn protocol(&self, what: impl Into<String>) -> MqttError {
        MqttError::Protocol {
            pod: self.pod.clone(),
            what: what.into(),
        }
    }

    fn unexpected(&self, wanted: &str, got: &Packet) -> MqttError {
        self.protocol(format!("expected {wanted}, got {}", packet_name(got)))
    }

    async fn send(&mut self, packet: Packet) -> Result<(), MqttError> {
        let mut out = BytesMut::new();
        packet
            .write(&mut out, MAX_PACKET)
            .map_err(|e| self.protocol(format!("encoding {}: {e}", packet_name(&packet))))?;
        self.stream
            .write_all(&out)
            .await
            .map_err(|e| self.protocol(format!("the port-forward closed while sending: {e}")))?;
        self.stream
            .flush()
            .await
            .map_err(|e| self.protocol(format!("the port-forward closed while sending: {e}")))
    }

    /// The next packet from the broker (no deadline here: the caller puts one around).
    async fn recv(&mut self) -> Result<Packet, MqttError> {
        loop {
            // Frame first: "need more bytes" from the framer means read more; any error
            // from parsing a whole frame is a malformed packet.
            match mqttbytes::check(self.buf.iter(), MAX_PACKET) {
                Ok(_) => {
                    return Packet::read(&mut self.buf, MAX_PACKET)
                        .map_err(|e| self.protocol(format!("malformed packet: {e}")));
                }
                Err(mqttbytes::Error::InsufficientBytes(_)) => {}
                Err(e) => return Err(self.protocol(format!("malformed packet: {e}"))),
            }
            let n = self
                .stream
                .read_buf(&mut self.buf)
                .await
                .map_err(|e| self.protocol(format!("the port-forward failed: {e}")))?;
            if n == 0 {
                return Err(self.protocol("the broker closed the connection"));
            }
        }
    }

    /// Subscribes to `filter` with QoS 1 and waits for the SUBACK.
    pub async fn subscribe(&mut self, filter: &str) -> Result<(), MqttError> {
        let pkid = self.pkid();
        let mut subscribe = Subscribe::new(filter, QoS::AtLeastOnce);
        subscribe.pkid = pkid;
        self.send(Packet::Subscribe(subscribe)).await?;
        loop {
            match self.recv().await? {
                Packet::SubAck(ack) if ack.pkid == pkid => {
                    return match ack.return_codes.first() {
                        Some(SubscribeReasonCode::Success(_)) => Ok(()),
                        _ => Err(self.protocol(format!("subscription to {filter} refused"))),
                    };
                }
                Packet::Publish(p) => self.take(p).await?,
                Packet::PingResp => {}
                other => return Err(self.unexpected("SUBACK", &other)),
            }
        }
    }

    /// Publishes with QoS 1 and waits for the PUBACK (publishes arriving meanwhile are
    /// acknowledged and kept for `next_publish`).
    pub async fn publish(&mut self, topic: &str, payload: &[u8]) -> Result<(), MqttError> {
        let pkid = self.pkid();
        let mut publish = Publish::new(topic, QoS::AtLeastOnce, payload.to_vec());
        publish.pkid = pkid;
        self.send(Packet::Publish(publish)).await?;
        loop {
            match self.recv().await? {
                Packet::PubAck(ack) if ack.pkid == pkid => return Ok(()),
                Packet::Publish(p) => self.take(p).await?,
                Packet::PingResp => {}
                other => return Err(self.unexpected("PUBACK", &other)),
            }
        }
    }

    /// The next message delivered to this session's subscriptions.
    pub async fn next_publish(&mut self) -> Result<Publish, MqttError> {
        if !self.queued.is_empty() {
            return Ok(self.queued.remove(0));
        }
        loop {
            match self.recv().await? {
                Packet::Publish(p) => {
                    self.ack(&p).await?;
                    return Ok(p);
                }
                Packet::PingResp | Packet::PubAck(_) => {}
                other => return Err(self.unexpected("PUBLISH", &other)),
            }
        }
    }

    async fn take(&mut self, p: Publish) -> Result<(), MqttError> {
        self.ack(&p).await?;
        self.queued.push(p);
        Ok(())
    }

    async fn ack(&mut self, p: &Publish) -> Result<(), MqttError> {
        if p.qos == QoS::AtLeastOnce {
            self.send(Packet::PubAck(PubAck::new(p.pkid))).await?;
        }
        Ok(())
    }

    /// Sends DISCONNECT (within `grace`) and closes the forward.
    pub async fn disconnect(mut self, grace: Duration) {
        let _ = tokio::time::timeout(grace, async {
            let _ = self.send(Packet::Disconnect).await;
            let _ = self.stream.shutdown().await;
        })
        .await;
    }
}

impl Drop for MqttSession {
    // A session dropped at a round's deadline must not leave its forward running.
    fn drop(&mut self) {
        self.forward.abort();
    }
}

fn packet_name(p: &Packet) -> &'static str {
    match p {
        Packet::Connect(_) => "CONNECT",
        Packet::ConnAck(_) => "CONNACK",
        Packet::Publish(_) => "PUBLISH",
        Packet::PubAck(_) => "PUBACK",
        Packet::PubRec(_) => "PUBREC",
        Packet::PubRel(_) => "PUBREL",
        Packet::PubComp(_) => "PUBCOMP",
        Packet::Subscribe(_) => "SUBSCRIBE",
        Packet::SubAck(_) => "SUBACK",
        Packet::Unsubscribe(_) => "UNSUBSCRIBE",
        Packet::UnsubAck(_) => "UNSUBACK",
        Packet::PingReq => "PINGREQ",
        Packet::PingResp => "PINGRESP",
        Packet::Disconnect => "DISCONNECT",
    }
}
