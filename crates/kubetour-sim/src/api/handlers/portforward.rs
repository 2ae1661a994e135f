//! `…/pods/<name>/portforward`: kubectl 1.30+ opens a WebSocket whose subprotocol is
//! `SPDY/3.1+portforward.k8s.io` and runs a SPDY/3.1 session inside it (binary
//! messages carry the SPDY byte stream, split anywhere). It falls back to a plain
//! SPDY upgrade (POST) only when this upgrade fails, so the tunnel is what we serve.
//!
//! Per forwarded connection kubectl opens two streams with the same `requestid`:
//! `streamtype: error` (which it half-closes at once) and `streamtype: data` for
//! `port`. We reply to each, connect to the pod's port (`workloads::ports`), relay
//! bytes, and end both streams when either side closes. A refused port gets the
//! kubelet's message on the error stream, as a real node writes it. A listener that
//! writes unasked (the MQTT broker's deliveries) pushes its bytes through a channel the
//! session reads alongside the WebSocket.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::extract::Request;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::sync::mpsc;

use super::portforward_spdy::{Codec, Frame};
use crate::api::ApiState;
use crate::api::status::ApiError;
use crate::resources::Res;
use crate::workloads::World;
use crate::workloads::ports::{self, PortConn};

/// The WebSocket subprotocol of the SPDY tunnel (k8s.io/apimachinery `portforward`).
pub const TUNNEL_PROTOCOL: &str = "SPDY/3.1+portforward.k8s.io";
/// Largest data frame we write (SPDY's length field allows 16 MiB).
const CHUNK: usize = 32 * 1024;

/// Whether a path is a pod's portforward subresource: `(namespace, pod)`.
pub fn target(path: &str) -> Option<(String, String)> {
    super::exec::pod_subresource(path, "portforward")
}

pub async fn handle(state: Arc<ApiState>, req: Request, ns: String, name: String) -> Response {
    let Some(pod) = state.store.get(Res::Pod, &ns, &name) else {
        return ApiError::not_found(Res::Pod.info(), &name).into_response();
    };
    if pod["spec"]["nodeName"].as_str().unwrap_or("").is_empty() {
        return ApiError::bad_request(format!("pod {name} does not have a host assigned"))
            .into_response();
    }
    let (mut parts, _body) = req.into_parts();
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(u) => u,
        // A plain SPDY upgrade (or no upgrade at all): kubectl reports this answer.
        Err(e) => {
            return ApiError::bad_request(format!("Upgrade request required: {e}")).into_response();
        }
    };
    let world = state.world.clone();
    let ports: Vec<u16> = parts
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| *k == "ports")
        .flat_map(|(_, v)| v.split(','))
        .filter_map(|p| p.parse().ok())
        .collect();
    upgrade
        .protocols([TUNNEL_PROTOCOL, CHANNEL_V5, CHANNEL_V4])
        .on_upgrade(move |socket| async move {
            if socket.protocol().and_then(|p| p.to_str().ok()) == Some(TUNNEL_PROTOCOL) {
                serve(socket, world, pod).await
            } else {
                serve_channels(socket, world, pod, ports).await
            }
        })
}

/// The channel protocols a real API server also serves port-forward over (what
/// client-go's and kube-rs's WebSocket port-forward speak): for the i-th port, data on
/// channel 2i and errors on 2i+1, each first announced by its port number (u16 LE).
pub const CHANNEL_V4: &str = "v4.channel.k8s.io";
pub const CHANNEL_V5: &str = "v5.channel.k8s.io";

async fn serve_channels(mut socket: WebSocket, world: Arc<World>, pod: Value, ports: Vec<u16>) {
    let frame = |ch: usize, data: &[u8]| {
        let mut b = Vec::with_capacity(data.len() + 1);
        b.push(ch as u8);
        b.extend_from_slice(data);
        Message::Binary(b.into())
    };
    let (pushed, mut pushes) = mpsc::unbounded_channel::<(usize, Option<Vec<u8>>)>();
    let mut conns: Vec<Option<PortConn>> = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        for ch in [2 * i, 2 * i + 1] {
            if socket.send(frame(ch, &port.to_le_bytes())).await.is_err() {
                return;
            }
        }
        match ports::connect(&world, &pod, *port) {
            Some(mut c) => {
                if let Some(mut rx) = c.take_pushed() {
                    let tx = pushed.clone();
                    tokio::spawn(async move {
                        while let Some(bytes) = rx.recv().await {
                            if tx.send((i, Some(bytes))).is_err() {
                                return;
                            }
                        }
                        let _ = tx.send((i, None));
                    });
                }
                conns.push(Some(c));
            }
            None => {
                let message = refused_message(&pod, &port.to_string());
                let _ = socket.send(frame(2 * i + 1, message.as_bytes())).await;
                conns.push(None);
            }
        }
    }
    loop {
        tokio::select! {
            msg = socket.recv() => {
                let Some(Ok(msg)) = msg else { break };
                let bytes = match msg {
                    Message::Binary(b) => b,
                    Message::Close(_) => break,
                    _ => continue,
                };
                let Some((&ch, data)) = bytes.split_first() else { continue };
                // v5's close signal ([255, ch]) and the error channels carry nothing to feed.
                if ch == 255 || ch % 2 == 1 {
                    continue;
                }
                let i = usize::from(ch / 2);
                let Some(Some(conn)) = conns.get_mut(i) else { continue };
                let reply = conn.feed(data);
                if !reply.is_empty() && socket.send(frame(2 * i, &reply)).await.is_err() {
                    return;
                }
                if conn.closed() {
                    break;
                }
            }
            Some((i, data)) = pushes.recv() => match data {
                Some(bytes) => {
                    if socket.send(frame(2 * i, &bytes)).await.is_err() {
                        return;
                    }
                }
                None => break,
            },
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

/// One forwarded connection (a `requestid`).
struct Forward {
    error_stream: Option<u32>,
    data_stream: Option<u32>,
    conn: Option<PortConn>,
    done: bool,
}

/// The SPDY session over one WebSocket.
struct Session {
    codec: Codec,
    world: Arc<World>,
    pod: Value,
    forwards: HashMap<String, Forward>,
    /// stream id -> requestid
    streams: HashMap<u32, String>,
    out: Vec<u8>,
    /// Output pushed by listeners: (requestid, bytes), or None once they closed.
    pushed: mpsc::UnboundedSender<(String, Option<Vec<u8>>)>,
}

async fn serve(mut socket: WebSocket, world: Arc<World>, pod: Value) {
    let (pushed, mut pushes) = mpsc::unbounded_channel();
    let mut session = Session {
        codec: Codec::new(),
        world,
        pod,
        forwards: HashMap::new(),
        streams: HashMap::new(),
        out: Vec::new(),
        pushed,
    };
    let mut inbuf = Vec::new();
    loop {
        let msg = tokio::select! {
            msg = socket.recv() => msg,
            Some((request, data)) = pushes.recv() => {
                session.on_pushed(&request, data);
                let bytes = std::mem::take(&mut session.out);
                if !bytes.is_empty() && socket.send(Message::Binary(bytes.into())).await.is_err() {
                    return;
                }
                continue;
            }
        };
        let Some(Ok(msg)) = msg else {
            break;
        };
        match msg {
            Message::Binary(bytes) => inbuf.extend_from_slice(&bytes),
            Message::Close(_) => break,
            Message::Text(_) | Message::Ping(_) | Message::Pong(_) => continue,
        }
        let mut go_away = false;
        loop {
            match session.codec.parse(&mut inbuf) {
                Ok(Some(frame)) => go_away |= session.on_frame(frame),
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!("port-forward: {e}");
                    go_away = true;
                    break;
                }
            }
        }
        if !session.out.is_empty() {
            let bytes = std::mem::take(&mut session.out);
            if socket.send(Message::Binary(bytes.into())).await.is_err() {
                return;
            }
        }
        if go_away {
            break;
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

impl Session {
    fn send(&mut self, frame: &Frame) {
        let bytes = self.codec.encode(frame);
        self.out.extend(bytes);
    }

    fn send_data(&mut self, id: u32, data: &[u8]) {
        for chunk in data.chunks(CHUNK) {
            self.send(&Frame::Data {
                id,
                fin: false,
                data: chunk.to_vec(),
            });
        }
    }

    /// Handles one frame; true when the session ends.
    fn on_frame(&mut self, frame: Frame) -> bool {
        match frame {
            Frame::SynStream { id, headers, .. } => self.open_stream(id, &headers),
            Frame::Data { id, fin, data } => self.on_data(id, fin, &data),
            Frame::Ping(n) => self.send(&Frame::Ping(n)),
            Frame::RstStream { id, .. } => {
                if let Some(request) = self.streams.remove(&id)
                    && let Some(f) = self.forwards.get_mut(&request)
                {
                    f.done = true;
                    f.conn = None;
                }
            }
            Frame::GoAway { .. } => return true,
            Frame::SynReply { .. } | Frame::Ignored(_) => {}
        }
        false
    }

    fn open_stream(&mut self, id: u32, headers: &[(String, String)]) {
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let (kind, port, request) = (header("streamtype"), header("port"), header("requestid"));
        self.send(&Frame::SynReply {
            id,
            headers: Vec::new(),
            fin: false,
        });
        self.streams.insert(id, request.clone());
        let forward = self.forwards.entry(request.clone()).or_insert(Forward {
            error_stream: None,
            data_stream: None,
            conn: None,
            done: false,
        });
        match kind.as_str() {
            "error" => forward.error_stream = Some(id),
            "data" => {
                forward.data_stream = Some(id);
                let port_number = port.parse::<u16>().ok();
                let conn = port_number.and_then(|p| ports::connect(&self.world, &self.pod, p));
                match conn {
                    Some(mut c) => {
                        if let Some(mut rx) = c.take_pushed() {
                            let tx = self.pushed.clone();
                            let request = request.clone();
                            tokio::spawn(async move {
                                while let Some(bytes) = rx.recv().await {
                                    if tx.send((request.clone(), Some(bytes))).is_err() {
                                        return;
                                    }
                                }
                                let _ = tx.send((request, None));
                            });
                        }
                        forward.conn = Some(c);
                    }
                    None => {
                        let message = refused_message(&self.pod, &port);
                        self.finish(&request, Some(&message));
                    }
                }
            }
            // An unknown stream type: the kubelet resets it.
            _ => self.send(&Frame::RstStream { id, status: 1 }),
        }
    }

    /// Output a listener wrote on its own, or its close.
    fn on_pushed(&mut self, request: &str, data: Option<Vec<u8>>) {
        let Some(forward) = self.forwards.get(request) else {
            return;
        };
        if forward.done {
            return;
        }
        match (data, forward.data_stream) {
            (Some(bytes), Some(id)) => self.send_data(id, &bytes),
            (Some(_), None) => {}
            (None, _) => self.finish(request, None),
        }
    }

    fn on_data(&mut self, id: u32, fin: bool, data: &[u8]) {
        let Some(request) = self.streams.get(&id).cloned() else {
            return;
        };
        let Some(forward) = self.forwards.get_mut(&request) else {
            return;
        };
        if forward.data_stream != Some(id) || forward.done {
            return;
        }
        let (reply, closed) = match forward.conn.as_mut() {
            Some(conn) => {
                let reply = conn.feed(data);
                (reply, conn.closed())
            }
            None => (Vec::new(), true),
        };
        if !reply.is_empty() {
            self.send_data(id, &reply);
        }
        if closed || fin {
            self.finish(&request, None);
        }
    }

    /// Ends a forwarded connection: the data stream, then the error stream (with the
    /// error, if any), both half-closed from our side.
    fn finish(&mut self, request: &str, error: Option<&str>) {
        let Some(forward) = self.forwards.get_mut(request) else {
            return;
        };
        if forward.done {
            return;
        }
        forward.done = true;
        forward.conn = None;
        let (data, err) = (forward.data_stream, forward.error_stream);
        if let Some(id) = data {
            self.send(&Frame::Data {
                id,
                fin: true,
                data: Vec::new(),
            });
        }
        if let Some(id) = err {
            if let Some(message) = error {
                self.send_data(id, message.as_bytes());
            }
            self.send(&Frame::Data {
                id,
                fin: true,
                data: Vec::new(),
            });
        }
    }
}

/// What containerd's port-forward says when nothing listens on the port.
fn refused_message(pod: &Value, port: &str) -> String {
    let uid = pod["metadata"]["uid"].as_str().unwrap_or("");
    // The pod sandbox's id: 64 hex digits, as containerd names sandboxes.
    let hex: String = uid.chars().filter(|c| *c != '-').collect();
    let sandbox = format!("{hex}{hex}");
    format!(
        "error forwarding port {port} to pod {sandbox}, uid : failed to execute portforward in network namespace \"/var/run/netns/cni-{uid}\": failed to connect to localhost:{port} inside namespace \"{sandbox}\", IPv4: dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6 [::1]:{port}: connect: connection refused "
    )
}
