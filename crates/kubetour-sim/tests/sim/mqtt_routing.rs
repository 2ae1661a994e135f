//! The simulated EMQX broker routes along its cluster (SPEC O22–O24): islands route
//! nothing, one cluster delivers across nodes, joins and losses change routing at once;
//! plus shared subscriptions, retained messages, wills, QoS 1/2 both ways, takeover,
//! MQTT 3.1.1 and 5 — with rumqttc's client over loopback TCP, each "node" a listener
//! serving `kubetour_sim::mqtt::serve` as a port-forward does, membership faked.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kubetour_sim::mqtt::{Broker, Membership};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::timeout;

/// Clusters as lists of member names, and the members that are down (still listed in
/// their cluster, as the registry lists stopped nodes, but not running).
#[derive(Default)]
struct Clusters(Mutex<(Vec<Vec<String>>, Vec<String>)>);

impl Clusters {
    fn set(&self, clusters: &[&[&str]]) {
        self.0.lock().unwrap().0 = clusters
            .iter()
            .map(|c| c.iter().map(|n| n.to_string()).collect())
            .collect();
    }

    fn down(&self, node: &str) {
        self.0.lock().unwrap().1.push(node.to_string());
    }
}

struct Shared(Arc<Clusters>);

impl Membership for Shared {
    fn running_peers(&self, node: &str) -> Vec<String> {
        let state = self.0.0.lock().unwrap();
        let (clusters, down) = &*state;
        clusters
            .iter()
            .find(|c| c.iter().any(|n| n == node))
            .map(|c| c.iter().filter(|n| !down.contains(n)).cloned().collect())
            .unwrap_or_default()
    }
    fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_millisecond(1_700_000_000_000).unwrap()
    }
}

fn broker(clusters: &[&[&str]]) -> (Arc<Broker>, Arc<Clusters>) {
    let c = Arc::new(Clusters::default());
    c.set(clusters);
    (Arc::new(Broker::new(Box::new(Shared(c.clone())))), c)
}

/// A node's MQTT listener on loopback: its port.
async fn listen(broker: &Arc<Broker>, node: &str) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let (broker, node) = (broker.clone(), node.to_string());
    tokio::spawn(async move {
        while let Ok((sock, peer)) = l.accept().await {
            tokio::spawn(kubetour_sim::mqtt::serve(
                broker.clone(),
                node.clone(),
                peer.to_string(),
                sock,
            ));
        }
    });
    port
}

/// An MQTT 3.1.1 client and the packets it receives.
struct Client {
    c: AsyncClient,
    rx: mpsc::UnboundedReceiver<Packet>,
    task: tokio::task::JoinHandle<()>,
    present: bool,
}

async fn connect(port: u16, id: &str, will: Option<(&str, &str)>) -> Client {
    connect_with(port, id, will, true).await
}

async fn connect_with(port: u16, id: &str, will: Option<(&str, &str)>, clean: bool) -> Client {
    let mut o = MqttOptions::new(id, "127.0.0.1", port);
    o.set_clean_session(clean);
    o.set_keep_alive(Duration::from_secs(30));
    if let Some((t, p)) = will {
        o.set_last_will(rumqttc::LastWill::new(
            t,
            p.as_bytes().to_vec(),
            QoS::AtLeastOnce,
            false,
        ));
    }
    let (c, mut el) = AsyncClient::new(o, 100);
    let (tx, rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        while let Ok(ev) = el.poll().await {
            if let Event::Incoming(p) = ev
                && tx.send(p).is_err()
            {
                break;
            }
        }
    });
    let mut client = Client {
        c,
        rx,
        task,
        present: false,
    };
    let ack = client.wait(|p| matches!(p, Packet::ConnAck(_))).await;
    let Some(Packet::ConnAck(ack)) = ack else {
        panic!("no connack");
    };
    client.present = ack.session_present;
    client
}

impl Client {
    async fn wait(&mut self, f: impl Fn(&Packet) -> bool) -> Option<Packet> {
        timeout(Duration::from_secs(3), async {
            while let Some(p) = self.rx.recv().await {
                if f(&p) {
                    return Some(p);
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
    }

    async fn sub(&mut self, filter: &str, qos: QoS) {
        self.c.subscribe(filter, qos).await.unwrap();
        self.wait(|p| matches!(p, Packet::SubAck(_)))
            .await
            .expect("suback");
    }

    async fn publish(&self, topic: &str, qos: QoS, retain: bool, payload: &str) {
        self.c
            .publish(topic, qos, retain, payload.as_bytes().to_vec())
            .await
            .unwrap();
    }

    async fn next(&mut self) -> Option<rumqttc::Publish> {
        match self.wait(|p| matches!(p, Packet::Publish(_))).await {
            Some(Packet::Publish(p)) => Some(p),
            _ => None,
        }
    }

    /// Nothing arrives within a short while.
    async fn quiet(&mut self) -> bool {
        timeout(Duration::from_millis(300), async {
            while let Some(p) = self.rx.recv().await {
                if matches!(p, Packet::Publish(_)) {
                    return;
                }
            }
            std::future::pending::<()>().await
        })
        .await
        .is_err()
    }
}

#[tokio::test]
async fn o22_islands_route_nothing() {
    let (b, _) = broker(&[&["a"], &["b"]]);
    let (pa, pb) = (listen(&b, "a").await, listen(&b, "b").await);
    let mut sub_b = connect(pb, "sub-b", None).await;
    sub_b.sub("t/#", QoS::AtMostOnce).await;
    let mut sub_a = connect(pa, "sub-a", None).await;
    sub_a.sub("t/#", QoS::AtMostOnce).await;
    let pub_a = connect(pa, "pub-a", None).await;
    pub_a.publish("t/1", QoS::AtMostOnce, false, "hi").await;
    assert_eq!(sub_a.next().await.map(|p| p.payload), Some("hi".into()));
    assert!(sub_b.quiet().await, "an island must not receive");
}

#[tokio::test]
async fn o23_one_cluster_delivers_across_nodes() {
    let (b, _) = broker(&[&["a", "b", "c"]]);
    let (pa, pc) = (listen(&b, "a").await, listen(&b, "c").await);
    let mut sub = connect(pc, "sub-c", None).await;
    sub.sub("sensors/+/temp", QoS::AtLeastOnce).await;
    let p = connect(pa, "pub-a", None).await;
    p.publish("sensors/1/temp", QoS::AtLeastOnce, false, "21")
        .await;
    let got = sub.next().await.expect("delivered across nodes");
    assert_eq!(
        (got.topic.as_str(), got.qos),
        ("sensors/1/temp", QoS::AtLeastOnce)
    );
    assert_ne!(got.pkid, 0, "a QoS 1 delivery carries a packet id");
    p.publish("sensors/1/humidity", QoS::AtMostOnce, false, "x")
        .await;
    assert!(sub.quiet().await);
}

#[tokio::test]
async fn o24_a_joining_node_gets_routes_and_a_lost_node_drops_its_clients_and_fires_wills() {
    let (b, clusters) = broker(&[&["a"], &["b"], &["c"]]);
    let (pa, pb, pc) = (
        listen(&b, "a").await,
        listen(&b, "b").await,
        listen(&b, "c").await,
    );
    let mut sub_b = connect(pb, "sub-b", None).await;
    sub_b.sub("t", QoS::AtMostOnce).await;
    let mut watcher = connect(pa, "watcher", None).await;
    watcher.sub("wills/#", QoS::AtLeastOnce).await;
    let p = connect(pa, "pub-a", None).await;
    p.publish("t", QoS::AtMostOnce, false, "before").await;
    assert!(sub_b.quiet().await);
    // b joins a: subscribers on b receive what is published on a from now on.
    clusters.set(&[&["a", "b", "c"]]);
    p.publish("t", QoS::AtMostOnce, false, "after").await;
    assert_eq!(sub_b.next().await.map(|m| m.payload), Some("after".into()));
    // c stops: its client's connection closes and its will reaches a.
    let _dying = connect(pc, "dying", Some(("wills/dying", "gone"))).await;
    clusters.down("c");
    b.node_down("c");
    let will = watcher.next().await.expect("the will fires");
    assert_eq!(
        (will.topic.as_str(), &will.payload[..]),
        ("wills/dying", &b"gone"[..])
    );
    p.publish("t", QoS::AtMostOnce, false, "survivors").await;
    assert_eq!(
        sub_b.next().await.map(|m| m.payload),
        Some("survivors".into())
    );
}

#[tokio::test]
async fn o24_a_clean_disconnect_fires_no_will_and_a_dropped_connection_does() {
    let (b, _) = broker(&[&["a"]]);
    let pa = listen(&b, "a").await;
    let mut watcher = connect(pa, "w", None).await;
    watcher.sub("wills/#", QoS::AtMostOnce).await;
    let polite = connect(pa, "polite", Some(("wills/polite", "x"))).await;
    polite.c.disconnect().await.unwrap();
    assert!(watcher.quiet().await, "no will after DISCONNECT");
    let rude = connect(pa, "rude", Some(("wills/rude", "y"))).await;
    rude.task.abort(); // the event loop and its socket go away: no DISCONNECT.
    let w = watcher.next().await.expect("will on an unclean close");
    assert_eq!(w.topic, "wills/rude");
}

#[tokio::test]
async fn shared_subscriptions_give_each_message_to_one_member_of_the_group_across_the_cluster() {
    let (b, _) = broker(&[&["a", "b"]]);
    let (pa, pb) = (listen(&b, "a").await, listen(&b, "b").await);
    let mut m1 = connect(pa, "m1", None).await;
    m1.sub("$share/g/jobs/#", QoS::AtMostOnce).await;
    let mut m2 = connect(pb, "m2", None).await;
    m2.sub("$share/g/jobs/#", QoS::AtMostOnce).await;
    let mut plain = connect(pb, "plain", None).await;
    plain.sub("jobs/#", QoS::AtMostOnce).await;
    let p = connect(pa, "p", None).await;
    for i in 0..4 {
        p.publish("jobs/x", QoS::AtMostOnce, false, &i.to_string())
            .await;
    }
    let mut got = Vec::new();
    for _ in 0..4 {
        assert!(
            plain.next().await.is_some(),
            "a plain subscriber gets every message"
        );
    }
    for _ in 0..2 {
        got.push(m1.next().await.expect("m1 gets its turn").payload);
        got.push(m2.next().await.expect("m2 gets its turn").payload);
    }
    got.sort();
    assert_eq!(
        got,
        vec!["0", "1", "2", "3"],
        "round robin: each message once"
    );
}

#[tokio::test]
async fn retained_messages_are_cluster_wide_and_an_empty_payload_clears_them() {
    let (b, _) = broker(&[&["a", "b"], &["c"]]);
    let (pa, pb, pc) = (
        listen(&b, "a").await,
        listen(&b, "b").await,
        listen(&b, "c").await,
    );
    let mut p = connect(pa, "p", None).await;
    p.publish("status/door", QoS::AtLeastOnce, true, "open")
        .await;
    p.wait_ack().await;
    let mut late = connect(pb, "late", None).await;
    late.sub("status/+", QoS::AtLeastOnce).await;
    let r = late.next().await.expect("retained from the other node");
    assert!(r.retain);
    assert_eq!(&r.payload[..], b"open");
    let mut island = connect(pc, "island", None).await;
    island.sub("status/+", QoS::AtLeastOnce).await;
    assert!(island.quiet().await, "another cluster has no copy");
    p.publish("status/door", QoS::AtLeastOnce, true, "").await;
    p.wait_ack().await;
    let mut later = connect(pb, "later", None).await;
    later.sub("status/+", QoS::AtLeastOnce).await;
    assert!(later.quiet().await, "cleared");
}

impl Client {
    async fn wait_ack(&mut self) {
        self.wait(|p| matches!(p, Packet::PubAck(_) | Packet::PubComp(_)))
            .await
            .expect("ack");
    }
}

#[tokio::test]
async fn qos2_completes_both_ways_and_delivered_qos_is_the_minimum() {
    let (b, _) = broker(&[&["a", "b"]]);
    let (pa, pb) = (listen(&b, "a").await, listen(&b, "b").await);
    let mut s2 = connect(pb, "s2", None).await;
    s2.sub("q", QoS::ExactlyOnce).await;
    let mut s1 = connect(pb, "s1", None).await;
    s1.sub("q", QoS::AtLeastOnce).await;
    let mut p = connect(pa, "p", None).await;
    p.publish("q", QoS::ExactlyOnce, false, "once").await;
    assert!(p.wait(|x| matches!(x, Packet::PubRec(_))).await.is_some());
    assert!(p.wait(|x| matches!(x, Packet::PubComp(_))).await.is_some());
    assert_eq!(s2.next().await.map(|m| m.qos), Some(QoS::ExactlyOnce));
    assert_eq!(s1.next().await.map(|m| m.qos), Some(QoS::AtLeastOnce));
    // The QoS 2 delivery completes (PUBREC → PUBREL → PUBCOMP): nothing left in flight.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rows = b.clients("b");
    assert!(
        rows.iter().all(|c| c.inflight == 0 && c.delivered == 1),
        "{rows:?}"
    );
}

#[tokio::test]
async fn a_second_connection_with_the_same_client_id_takes_over_anywhere_in_the_cluster() {
    let (b, _) = broker(&[&["a", "b"]]);
    let (pa, pb) = (listen(&b, "a").await, listen(&b, "b").await);
    let mut first = connect(pa, "same", None).await;
    first.sub("t", QoS::AtMostOnce).await;
    let mut second = connect(pb, "same", None).await;
    second.sub("t", QoS::AtMostOnce).await;
    assert!(b.clients("a").is_empty(), "the first is kicked");
    assert_eq!(b.clients("b").len(), 1);
    let p = connect(pa, "p", None).await;
    p.publish("t", QoS::AtMostOnce, false, "x").await;
    assert!(second.next().await.is_some());
}

#[tokio::test]
async fn mqtt5_clients_route_too_and_get_an_assigned_client_id() {
    use rumqttc::v5::mqttbytes::QoS as Q5;
    use rumqttc::v5::{AsyncClient as C5, Event as E5, Incoming as I5, MqttOptions as O5};
    let (b, _) = broker(&[&["a", "b"]]);
    let (pa, pb) = (listen(&b, "a").await, listen(&b, "b").await);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (sub, mut el) = C5::new(O5::new("", "127.0.0.1", pb), 10);
    tokio::spawn(async move {
        while let Ok(ev) = el.poll().await {
            if let E5::Incoming(p) = ev {
                let _ = tx.send(p);
            }
        }
    });
    let ack = wait5(&mut rx, |p| matches!(p, I5::ConnAck(_))).await;
    let Some(I5::ConnAck(ack)) = ack else {
        panic!("no connack")
    };
    let assigned = ack
        .properties
        .and_then(|p| p.assigned_client_identifier)
        .unwrap();
    assert_eq!(assigned.len(), 16);
    sub.subscribe("v5/#", Q5::AtLeastOnce).await.unwrap();
    assert!(
        wait5(&mut rx, |p| matches!(p, I5::SubAck(_)))
            .await
            .is_some()
    );
    let p = connect(pa, "p4", None).await;
    p.publish("v5/x", QoS::AtLeastOnce, false, "from 3.1.1")
        .await;
    let got = wait5(&mut rx, |p| matches!(p, I5::Publish(_))).await;
    let Some(I5::Publish(got)) = got else {
        panic!("no publish")
    };
    assert_eq!(&got.topic[..], b"v5/x");
    assert_eq!(b.clients("b")[0].info.client_id, assigned);
    assert_eq!(b.clients("b")[0].info.proto_ver, 5);
    sub.disconnect().await.unwrap();
}

async fn wait5(
    rx: &mut mpsc::UnboundedReceiver<rumqttc::v5::Incoming>,
    want: fn(&rumqttc::v5::Incoming) -> bool,
) -> Option<rumqttc::v5::Incoming> {
    let fut = async {
        while let Some(p) = rx.recv().await {
            if want(&p) {
                return Some(p);
            }
        }
        None
    };
    timeout(Duration::from_secs(3), fut).await.ok().flatten()
}

#[tokio::test]
async fn a_session_with_an_expiry_outlives_its_connection_and_resumes_with_its_queue() {
    let (b, _) = broker(&[&["a", "b"]]);
    let (pa, pb) = (listen(&b, "a").await, listen(&b, "b").await);
    let mut keeper = connect_with(pa, "keeper", None, false).await;
    assert!(!keeper.present);
    keeper.sub("p/#", QoS::AtLeastOnce).await;
    keeper.c.disconnect().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rows = b.clients("a");
    assert_eq!(
        rows.len(),
        1,
        "3.1.1 clean_session=false keeps the session (2h)"
    );
    assert!(rows[0].disconnected_at.is_some());
    let mut p = connect(pb, "p", None).await;
    p.publish("p/1", QoS::AtLeastOnce, false, "while away")
        .await;
    p.wait_ack().await;
    let mut back = connect_with(pb, "keeper", None, false).await;
    assert!(back.present, "session present, resumed on another node");
    let got = back.next().await.expect("the queued message");
    assert_eq!(&got.payload[..], b"while away");
    p.publish("p/2", QoS::AtLeastOnce, false, "live").await;
    assert_eq!(back.next().await.map(|m| m.payload), Some("live".into()));
    let fresh = connect(pb, "keeper", None).await;
    assert!(!fresh.present, "clean start discards it");
    assert_eq!(b.subscriptions("b").len(), 0);
}
