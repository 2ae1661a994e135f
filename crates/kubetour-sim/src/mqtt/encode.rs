//! The broker's packets on the wire: our version-neutral [`Out`] through rumqttc's v4 or
//! v5 `Packet::write`. 3.1 clients get 3.1.1 packets (the same bytes for everything a
//! server sends); a 3.1.1 server has no DISCONNECT to send, so it just closes.

use bytes::BytesMut;
use rumqttc::mqttbytes::{self as b4, v4};
use rumqttc::v5::mqttbytes::{self as b5, v5};

use super::codec::{MAX_PACKET, Out, Version};

fn to_qos4(q: u8) -> b4::QoS {
    match q {
        0 => b4::QoS::AtMostOnce,
        1 => b4::QoS::AtLeastOnce,
        _ => b4::QoS::ExactlyOnce,
    }
}

fn to_qos5(q: u8) -> b5::QoS {
    match q {
        0 => b5::QoS::AtMostOnce,
        1 => b5::QoS::AtLeastOnce,
        _ => b5::QoS::ExactlyOnce,
    }
}

/// Encodes `packet` onto `out`. Only our own packets are encoded, so a failure (a
/// delivery larger than the limit) is reported and the packet skipped by the caller.
pub fn encode(version: Version, packet: Out, out: &mut BytesMut) -> Result<(), String> {
    match version {
        Version::V31 | Version::V311 => encode_v4(packet, out),
        Version::V5 => encode_v5(packet, out),
    }
}

fn encode_v4(packet: Out, out: &mut BytesMut) -> Result<(), String> {
    let p = match packet {
        Out::ConnAck { present, code, .. } => {
            let code = match code {
                0 => v4::ConnectReturnCode::Success,
                1 => v4::ConnectReturnCode::RefusedProtocolVersion,
                2 => v4::ConnectReturnCode::BadClientId,
                3 => v4::ConnectReturnCode::ServiceUnavailable,
                4 => v4::ConnectReturnCode::BadUserNamePassword,
                _ => v4::ConnectReturnCode::NotAuthorized,
            };
            v4::Packet::ConnAck(v4::ConnAck::new(code, present))
        }
        Out::Publish { msg, pkid, dup } => v4::Packet::Publish(v4::Publish {
            dup,
            qos: to_qos4(msg.qos),
            retain: msg.retain,
            topic: msg.topic,
            pkid,
            payload: msg.payload,
        }),
        Out::PubAck(id, _) => v4::Packet::PubAck(v4::PubAck::new(id)),
        Out::PubRec(id, _) => v4::Packet::PubRec(v4::PubRec::new(id)),
        Out::PubRel(id) => v4::Packet::PubRel(v4::PubRel::new(id)),
        Out::PubComp(id) => v4::Packet::PubComp(v4::PubComp::new(id)),
        Out::SubAck(id, codes) => v4::Packet::SubAck(v4::SubAck::new(
            id,
            codes
                .into_iter()
                .map(|c| match c {
                    Some(q) => v4::SubscribeReasonCode::Success(to_qos4(q)),
                    None => v4::SubscribeReasonCode::Failure,
                })
                .collect(),
        )),
        Out::UnsubAck(id, _) => v4::Packet::UnsubAck(v4::UnsubAck::new(id)),
        Out::PingResp => v4::Packet::PingResp,
        // A 3.1.1 server has no DISCONNECT to send: it closes the socket.
        Out::Disconnect(_) => return Ok(()),
    };
    p.write(out, MAX_PACKET)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn encode_v5(packet: Out, out: &mut BytesMut) -> Result<(), String> {
    let p = match packet {
        Out::ConnAck {
            present,
            code,
            assigned,
        } => {
            let code = match code {
                0 => v5::ConnectReturnCode::Success,
                1 => v5::ConnectReturnCode::UnsupportedProtocolVersion,
                2 => v5::ConnectReturnCode::ClientIdentifierNotValid,
                3 => v5::ConnectReturnCode::ServerUnavailable,
                4 => v5::ConnectReturnCode::BadUserNamePassword,
                _ => v5::ConnectReturnCode::NotAuthorized,
            };
            let properties = assigned.map(|id| v5::ConnAckProperties {
                session_expiry_interval: None,
                receive_max: None,
                max_qos: None,
                retain_available: None,
                max_packet_size: None,
                assigned_client_identifier: Some(id),
                topic_alias_max: None,
                reason_string: None,
                user_properties: Vec::new(),
                wildcard_subscription_available: None,
                subscription_identifiers_available: None,
                shared_subscription_available: None,
                server_keep_alive: None,
                response_information: None,
                server_reference: None,
                authentication_method: None,
                authentication_data: None,
            });
            v5::Packet::ConnAck(v5::ConnAck {
                session_present: present,
                code,
                properties,
            })
        }
        Out::Publish { msg, pkid, dup } => v5::Packet::Publish(v5::Publish {
            dup,
            qos: to_qos5(msg.qos),
            retain: msg.retain,
            topic: bytes::Bytes::from(msg.topic.into_bytes()),
            pkid,
            payload: msg.payload,
            properties: None,
        }),
        Out::PubAck(id, none) => {
            let mut a = v5::PubAck::new(id, None);
            if none {
                a.reason = v5::PubAckReason::NoMatchingSubscribers;
            }
            v5::Packet::PubAck(a)
        }
        Out::PubRec(id, none) => {
            let mut a = v5::PubRec::new(id, None);
            if none {
                a.reason = v5::PubRecReason::NoMatchingSubscribers;
            }
            v5::Packet::PubRec(a)
        }
        Out::PubRel(id) => v5::Packet::PubRel(v5::PubRel::new(id, None)),
        Out::PubComp(id) => v5::Packet::PubComp(v5::PubComp::new(id, None)),
        Out::SubAck(id, codes) => v5::Packet::SubAck(v5::SubAck {
            pkid: id,
            return_codes: codes
                .into_iter()
                .map(|c| match c {
                    Some(q) => v5::SubscribeReasonCode::Success(to_qos5(q)),
                    None => v5::SubscribeReasonCode::TopicFilterInvalid,
                })
                .collect(),
            properties: None,
        }),
        Out::UnsubAck(id, had) => v5::Packet::UnsubAck(v5::UnsubAck {
            pkid: id,
            reasons: had
                .into_iter()
                .map(|h| {
                    if h {
                        v5::UnsubAckReason::Success
                    } else {
                        v5::UnsubAckReason::NoSubscriptionExisted
                    }
                })
                .collect(),
            properties: None,
        }),
        Out::PingResp => v5::Packet::PingResp(v5::PingResp),
        Out::Disconnect(rc) => {
            let reason = match rc {
                0x8D => v5::DisconnectReasonCode::KeepAliveTimeout,
                0x8E => v5::DisconnectReasonCode::SessionTakenOver,
                0x8B => v5::DisconnectReasonCode::ServerShuttingDown,
                0x81 => v5::DisconnectReasonCode::MalformedPacket,
                0x95 => v5::DisconnectReasonCode::PacketTooLarge,
                0x90 => v5::DisconnectReasonCode::TopicNameInvalid,
                0x82 => v5::DisconnectReasonCode::ProtocolError,
                _ => v5::DisconnectReasonCode::UnspecifiedError,
            };
            v5::Packet::Disconnect(v5::Disconnect::new(reason))
        }
    };
    p.write(out, Some(MAX_PACKET as u32))
        .map(|_| ())
        .map_err(|e| e.to_string())
}
