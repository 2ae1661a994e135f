//! EMQX's MQTT listener (1883) as a port-forward reaches it: each forwarded connection
//! becomes one broker session (`crate::mqtt::serve`) on the pod's EMQX node, running on
//! its own task over an in-memory duplex. Bytes from the tunnel go in through
//! [`MqttPipe::feed`]; the session's output (replies and deliveries, which arrive
//! unasked) comes back through [`MqttPipe::take_pushed`], which the port-forward relays
//! as it comes. Dropping the pipe closes the client's side: the session sees EOF (an
//! unclean close, so the will fires).
//!
//! The peer address the node sees is `127.0.0.1:<port>`, as the kubelet's port-forward
//! connects to the pod's loopback.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::mqtt::Broker;

/// Buffer of the in-memory connection, each way.
const PIPE: usize = 64 * 1024;

/// Source ports for the peers, as a node would see them (ephemeral range).
static NEXT_PORT: AtomicU32 = AtomicU32::new(0);

fn peer() -> String {
    let n = NEXT_PORT.fetch_add(1, Ordering::Relaxed);
    format!("127.0.0.1:{}", 32768 + n % 28232)
}

/// One client connection to the node's broker.
#[derive(Debug)]
pub struct MqttPipe {
    to_broker: Option<mpsc::UnboundedSender<Vec<u8>>>,
    pushed: Option<mpsc::UnboundedReceiver<Vec<u8>>>,
}

impl MqttPipe {
    /// Connects to `node`'s listener: starts the session and the two relays.
    pub fn open(broker: Arc<Broker>, node: String) -> MqttPipe {
        let (client, server) = tokio::io::duplex(PIPE);
        tokio::spawn(crate::mqtt::serve(broker, node, peer(), server));
        let (mut rd, mut wr) = tokio::io::split(client);
        let (in_tx, mut in_rx) = mpsc::unbounded_channel::<Vec<u8>>();
        tokio::spawn(async move {
            while let Some(bytes) = in_rx.recv().await {
                if wr.write_all(&bytes).await.is_err() {
                    break;
                }
            }
            let _ = wr.shutdown().await;
        });
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut buf = vec![0u8; PIPE];
            loop {
                match rd.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if out_tx.send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        MqttPipe {
            to_broker: Some(in_tx),
            pushed: Some(out_rx),
        }
    }

    /// Bytes from the client. The answers come through [`MqttPipe::take_pushed`].
    pub fn feed(&mut self, data: &[u8]) -> Vec<u8> {
        if let Some(tx) = &self.to_broker
            && tx.send(data.to_vec()).is_err()
        {
            self.to_broker = None;
        }
        Vec::new()
    }

    /// Whether the session is known to be over (its output stream reports the close).
    pub fn closed(&self) -> bool {
        self.to_broker.is_none()
    }

    pub fn take_pushed(&mut self) -> Option<mpsc::UnboundedReceiver<Vec<u8>>> {
        self.pushed.take()
    }
}
