//! How fast the simulated EMQX broker routes: messages per second through one node
//! (publisher and subscriber on the same node) and across two nodes of one cluster, at
//! QoS 0 and 1, and the delivery latency across nodes (p50/p99). In process, over
//! loopback TCP (127.0.0.1), with rumqttc's client at both ends, as `kubectl
//! port-forward` + a real client would reach it minus the tunnel.
//!
//! `cargo run --release -p kubetour-sim --example mqtt_bench`

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use kubetour_sim::mqtt::{Broker, Membership};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Two nodes, one cluster.
struct OneCluster;

impl Membership for OneCluster {
    fn running_peers(&self, _node: &str) -> Vec<String> {
        vec!["emqx@a".into(), "emqx@b".into()]
    }
    fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::now()
    }
}

async fn listen(broker: &Arc<Broker>, node: &str) -> anyhow::Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").await?;
    let port = l.local_addr()?.port();
    let (broker, node) = (broker.clone(), node.to_string());
    tokio::spawn(async move {
        while let Ok((sock, peer)) = l.accept().await {
            let _ = sock.set_nodelay(true);
            tokio::spawn(kubetour_sim::mqtt::serve(
                broker.clone(),
                node.clone(),
                peer.to_string(),
                sock,
            ));
        }
    });
    Ok(port)
}

/// A client; its received PUBLISH payloads (and acks, as empty markers) on a channel.
async fn client(
    port: u16,
    id: &str,
) -> anyhow::Result<(AsyncClient, mpsc::UnboundedReceiver<Packet>)> {
    let mut o = MqttOptions::new(id, "127.0.0.1", port);
    o.set_keep_alive(Duration::from_secs(60));
    o.set_inflight(100);
    let (c, mut el) = AsyncClient::new(o, 1000);
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(ev) = el.poll().await {
            if let Event::Incoming(p) = ev
                && tx.send(p).is_err()
            {
                break;
            }
        }
    });
    wait(&mut rx, |p| matches!(p, Packet::ConnAck(_))).await?;
    Ok((c, rx))
}

async fn wait(
    rx: &mut mpsc::UnboundedReceiver<Packet>,
    want: fn(&Packet) -> bool,
) -> anyhow::Result<Packet> {
    let fut = async {
        while let Some(p) = rx.recv().await {
            if want(&p) {
                return Some(p);
            }
        }
        None
    };
    tokio::time::timeout(Duration::from_secs(30), fut)
        .await
        .ok()
        .flatten()
        .context("timed out")
}

/// Messages per second from a publisher on `from` to a subscriber on `to`.
async fn throughput(ports: (u16, u16), qos: QoS, n: usize, tag: &str) -> anyhow::Result<f64> {
    let (sub, mut srx) = client(ports.1, &format!("sub-{tag}")).await?;
    sub.subscribe(format!("bench/{tag}"), qos).await?;
    wait(&mut srx, |p| matches!(p, Packet::SubAck(_))).await?;
    let (publisher, _prx) = client(ports.0, &format!("pub-{tag}")).await?;
    let payload = vec![b'x'; 64];
    let start = Instant::now();
    let topic = format!("bench/{tag}");
    tokio::spawn(async move {
        for _ in 0..n {
            if publisher
                .publish(topic.as_str(), qos, false, payload.clone())
                .await
                .is_err()
            {
                return;
            }
        }
    });
    let mut got = 0;
    while got < n {
        match tokio::time::timeout(Duration::from_secs(30), srx.recv()).await {
            Ok(Some(Packet::Publish(_))) => got += 1,
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => bail!("{tag}: {got} of {n} arrived"),
        }
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// Delivery latency across nodes, one message at a time: (p50, p99).
async fn latency(ports: (u16, u16), n: usize) -> anyhow::Result<(Duration, Duration)> {
    let (sub, mut srx) = client(ports.1, "lat-sub").await?;
    sub.subscribe("bench/lat", QoS::AtMostOnce).await?;
    wait(&mut srx, |p| matches!(p, Packet::SubAck(_))).await?;
    let (publisher, _prx) = client(ports.0, "lat-pub").await?;
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let sent = Instant::now();
        publisher
            .publish("bench/lat", QoS::AtMostOnce, false, b"t".to_vec())
            .await?;
        wait(&mut srx, |p| matches!(p, Packet::Publish(_))).await?;
        samples.push(sent.elapsed());
    }
    samples.sort();
    Ok((samples[n / 2], samples[n * 99 / 100]))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let broker = Arc::new(Broker::new(Box::new(OneCluster)));
    let a = listen(&broker, "emqx@a").await?;
    let b = listen(&broker, "emqx@b").await?;
    println!("kubetour-sim MQTT broker, in process over loopback TCP, 64-byte payloads");
    for (label, ports, tag) in [("one node", (a, a), "same"), ("two nodes", (a, b), "cross")] {
        let q0 = throughput(ports, QoS::AtMostOnce, 100_000, &format!("{tag}0")).await?;
        let q1 = throughput(ports, QoS::AtLeastOnce, 50_000, &format!("{tag}1")).await?;
        println!("{label:<10} QoS 0: {q0:>9.0} msg/s   QoS 1: {q1:>9.0} msg/s");
    }
    let (p50, p99) = latency((a, b), 5_000).await?;
    println!(
        "latency across nodes (QoS 0, one at a time, 5000 samples): p50 {:.1} µs, p99 {:.1} µs",
        p50.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6
    );
    Ok(())
}
