//! The simulated broker on the wire, byte by byte over an in-memory duplex (the way a
//! port-forward reaches it), on paused time: protocol versions, bad input, keepalive.

use std::sync::Arc;
use std::time::Duration;

use kubetour_sim::mqtt::{Broker, Membership};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

struct One;

impl Membership for One {
    fn running_peers(&self, node: &str) -> Vec<String> {
        vec![node.to_string()]
    }
    fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_millisecond(1_700_000_000_000).unwrap()
    }
}

fn open() -> (Arc<Broker>, DuplexStream) {
    let b = Arc::new(Broker::new(Box::new(One)));
    let (client, server) = tokio::io::duplex(1 << 16);
    tokio::spawn(kubetour_sim::mqtt::serve(
        b.clone(),
        "emqx@a".into(),
        "127.0.0.1:40000".into(),
        server,
    ));
    (b, client)
}

fn packet(first: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![first];
    let mut len = body.len();
    loop {
        let mut b = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            b |= 0x80;
        }
        out.push(b);
        if len == 0 {
            break;
        }
    }
    out.extend_from_slice(body);
    out
}

/// CONNECT with protocol name/level, clean start, keepalive, client id.
fn connect(name: &str, level: u8, keepalive: u16, id: &str) -> Vec<u8> {
    let mut body = (name.len() as u16).to_be_bytes().to_vec();
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(&[level, 0x02]);
    body.extend_from_slice(&keepalive.to_be_bytes());
    if level == 5 {
        body.push(0);
    }
    body.extend_from_slice(&(id.len() as u16).to_be_bytes());
    body.extend_from_slice(id.as_bytes());
    packet(0x10, &body)
}

async fn read_some(c: &mut DuplexStream) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    match tokio::time::timeout(Duration::from_secs(1), c.read(&mut buf)).await {
        Ok(Ok(n)) => buf[..n].to_vec(),
        _ => Vec::new(),
    }
}

/// The server closed its side: reads hit EOF.
async fn closed(c: &mut DuplexStream) -> bool {
    let mut buf = vec![0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(60), c.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test(start_paused = true)]
async fn mqtt_3_1_clients_are_accepted_and_unknown_levels_refused() {
    let (b, mut c) = open();
    c.write_all(&connect("MQIsdp", 3, 60, "old")).await.unwrap();
    assert_eq!(read_some(&mut c).await, [0x20, 2, 0, 0]);
    assert_eq!(b.clients("emqx@a")[0].info.proto_ver, 3);
    let (_, mut c) = open();
    c.write_all(&connect("MQTT", 6, 60, "future"))
        .await
        .unwrap();
    assert_eq!(read_some(&mut c).await, [0x20, 2, 0, 1]);
    assert!(closed(&mut c).await);
}

#[tokio::test(start_paused = true)]
async fn an_invalid_filter_is_refused_in_the_suback_and_the_connection_stays() {
    let (_, mut c) = open();
    c.write_all(&connect("MQTT", 4, 60, "c")).await.unwrap();
    assert_eq!(read_some(&mut c).await, [0x20, 2, 0, 0]);
    // SUBSCRIBE id 7: "a/#/b" qos 1, "ok/+" qos 2.
    let mut body = vec![0, 7, 0, 5];
    body.extend_from_slice(b"a/#/b");
    body.push(1);
    body.extend_from_slice(&[0, 4]);
    body.extend_from_slice(b"ok/+");
    body.push(2);
    c.write_all(&packet(0x82, &body)).await.unwrap();
    assert_eq!(read_some(&mut c).await, [0x90, 4, 0, 7, 0x80, 2]);
    c.write_all(&[0xc0, 0]).await.unwrap();
    assert_eq!(read_some(&mut c).await, [0xd0, 0]);
}

#[tokio::test(start_paused = true)]
async fn v5_invalid_filter_gets_0x8f_and_a_short_disconnect_is_clean() {
    let (b, mut c) = open();
    c.write_all(&connect("MQTT", 5, 60, "c5")).await.unwrap();
    assert_eq!(read_some(&mut c).await, [0x20, 3, 0, 0, 0]);
    let mut body = vec![0, 9, 0, 0, 5];
    body.extend_from_slice(b"a/#/b");
    body.push(1);
    c.write_all(&packet(0x82, &body)).await.unwrap();
    assert_eq!(read_some(&mut c).await, [0x90, 4, 0, 9, 0, 0x8f]);
    c.write_all(&[0xe0, 0]).await.unwrap();
    assert!(closed(&mut c).await);
    assert!(b.clients("emqx@a").is_empty());
}

#[tokio::test(start_paused = true)]
async fn malformed_and_oversized_packets_close_the_connection() {
    let (_, mut c) = open();
    c.write_all(&[0x30, 0xff, 0xff, 0xff, 0xff, 0x01])
        .await
        .unwrap();
    assert!(closed(&mut c).await, "bad remaining length before CONNECT");
    let (_, mut c) = open();
    c.write_all(&connect("MQTT", 4, 60, "c")).await.unwrap();
    read_some(&mut c).await;
    // A PUBLISH announcing 2 MB (over EMQX's 1MB max_packet_size).
    c.write_all(&[0x30, 0x80, 0x80, 0x80, 0x01]).await.unwrap();
    assert!(closed(&mut c).await, "oversized");
    let (_, mut c) = open();
    c.write_all(&connect("MQTT", 4, 60, "c")).await.unwrap();
    read_some(&mut c).await;
    // A PUBLISH whose topic has a wildcard.
    let mut body = vec![0, 3];
    body.extend_from_slice(b"a/#");
    c.write_all(&packet(0x30, &body)).await.unwrap();
    assert!(closed(&mut c).await, "wildcard in a topic name");
    let (_, mut c) = open();
    c.write_all(&[0x82, 0x02, 0, 1]).await.unwrap();
    assert!(closed(&mut c).await, "SUBSCRIBE before CONNECT");
}

#[tokio::test(start_paused = true)]
async fn a_client_silent_past_one_and_a_half_keepalives_is_dropped() {
    let (b, mut c) = open();
    c.write_all(&connect("MQTT", 4, 10, "sleepy"))
        .await
        .unwrap();
    read_some(&mut c).await;
    tokio::time::sleep(Duration::from_secs(14)).await;
    assert_eq!(b.clients("emqx@a").len(), 1, "still within 15 s");
    c.write_all(&[0xc0, 0]).await.unwrap();
    assert_eq!(read_some(&mut c).await, [0xd0, 0]);
    tokio::time::sleep(Duration::from_secs(14)).await;
    assert_eq!(b.clients("emqx@a").len(), 1, "a PINGREQ restarts the clock");
    assert!(closed(&mut c).await);
    assert!(b.clients("emqx@a").is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_empty_client_id_with_a_persistent_311_session_is_refused() {
    let (_, mut c) = open();
    let mut body = vec![0, 4];
    body.extend_from_slice(b"MQTT");
    body.extend_from_slice(&[4, 0x00, 0, 60, 0, 0]);
    c.write_all(&packet(0x10, &body)).await.unwrap();
    assert_eq!(read_some(&mut c).await, [0x20, 2, 0, 2]);
}

#[test]
fn random_bytes_never_panic_the_decoder() {
    use kubetour_sim::mqtt::codec::{self, Version};
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(21);
    for round in 0..20_000 {
        let len = rng.random_range(0..64);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        if round % 2 == 0 && !bytes.is_empty() {
            // Mostly well-framed: a plausible type byte and a short remaining length.
            bytes[0] = (rng.random_range(1..16u8) << 4) | rng.random_range(0..16u8);
            if bytes.len() > 1 {
                bytes[1] = (len as u8).saturating_sub(2);
            }
        }
        for version in [Version::V31, Version::V311, Version::V5] {
            for connected in [false, true] {
                let mut buf = bytes::BytesMut::from(&bytes[..]);
                while let Ok(Some(_)) = codec::decode(version, &mut buf, connected) {}
            }
        }
        let _ = codec::peek_level(&bytes);
    }
}
