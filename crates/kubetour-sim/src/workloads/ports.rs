//! What listens on a pod's ports, as a TCP peer sees it through `kubectl port-forward`:
//! EMQX's HTTP listeners (18083; 8081 on 4.x) answer from the same model as the API
//! server's pod proxy ([`pod_http`] serves both), and its MQTT listener (1883) is the
//! node's broker (`crate::mqtt`, reached through `mqtt::MqttPipe`). A port nothing
//! listens on refuses the connection.

use std::sync::Arc;

use serde_json::Value;

use super::mqtt::MqttPipe;
use super::world::{CtrKey, World};
use crate::emqx::http::{HttpAnswer, HttpRequest, HttpResponse};

/// EMQX's default MQTT/TCP listener.
pub const MQTT_PORT: u16 = 1883;
/// Largest HTTP request head or body kept while waiting for the rest.
const MAX_REQUEST: usize = 1 << 20;

/// The containers of a pod, for the listeners.
fn keys(pod: &Value) -> Vec<CtrKey> {
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or("");
    let name = pod["metadata"]["name"].as_str().unwrap_or("");
    pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .map(|c| (ns.to_string(), name.to_string(), c.to_string()))
        .collect()
}

/// One HTTP request to `port` of the pod, whichever container listens there; None when
/// no container runs the EMQX model.
pub fn pod_http(
    world: &World,
    pod: &Value,
    port: u16,
    req: &HttpRequest<'_>,
) -> Option<HttpAnswer> {
    let uid = pod["metadata"]["uid"].as_str().unwrap_or("");
    keys(pod)
        .iter()
        .find_map(|key| world.http(key, uid, port, req))
}

/// A TCP connection accepted by a listener in the pod.
#[derive(Debug)]
pub enum PortConn {
    Http(HttpConn),
    Mqtt(MqttPipe),
}

impl PortConn {
    /// Bytes from the client in, bytes to the client out.
    pub fn feed(&mut self, data: &[u8]) -> Vec<u8> {
        match self {
            PortConn::Http(c) => c.feed(data),
            PortConn::Mqtt(c) => c.feed(data),
        }
    }

    /// Whether the server side has closed the connection.
    pub fn closed(&self) -> bool {
        match self {
            PortConn::Http(c) => c.closed,
            PortConn::Mqtt(c) => c.closed(),
        }
    }

    /// For a listener that also writes unasked (the broker's deliveries): the stream of
    /// its output, taken once; it ends when the listener closes the connection.
    pub fn take_pushed(&mut self) -> Option<tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>> {
        match self {
            PortConn::Http(_) => None,
            PortConn::Mqtt(c) => c.take_pushed(),
        }
    }
}

/// Connects to `port` of the pod: the listener's connection, or None (refused).
pub fn connect(world: &Arc<World>, pod: &Value, port: u16) -> Option<PortConn> {
    let uid = pod["metadata"]["uid"].as_str().unwrap_or("");
    if port == MQTT_PORT {
        let key = keys(pod)
            .into_iter()
            .find(|k| world.mqtt_listening(k, uid))?;
        let node = world.node_name(&key, uid)?;
        return Some(PortConn::Mqtt(MqttPipe::open(world.broker.clone(), node)));
    }
    let probe = HttpRequest {
        method: "GET",
        path: "/",
        query: "",
        authorization: None,
        body: b"",
    };
    // Asking the model is how we learn whether its listener is up on that port.
    match pod_http(world, pod, port, &probe) {
        Some(HttpAnswer::Response(_)) => Some(PortConn::Http(HttpConn {
            world: world.clone(),
            pod: pod.clone(),
            port,
            buf: Vec::new(),
            closed: false,
        })),
        Some(HttpAnswer::ConnectionRefused) | None => None,
    }
}

/// An HTTP/1.1 connection to an EMQX listener (keep-alive, Content-Length bodies).
#[derive(Debug)]
pub struct HttpConn {
    world: Arc<World>,
    pod: Value,
    port: u16,
    buf: Vec<u8>,
    closed: bool,
}

struct Parsed {
    method: String,
    target: String,
    authorization: Option<String>,
    close: bool,
    body: Vec<u8>,
}

impl HttpConn {
    pub fn feed(&mut self, data: &[u8]) -> Vec<u8> {
        self.buf.extend_from_slice(data);
        let mut out = Vec::new();
        while !self.closed {
            match self.next_request() {
                Ok(Some(req)) => out.extend(self.answer(&req)),
                Ok(None) => break,
                Err(()) => {
                    out.extend(render(&HttpResponse::new(400, None, ""), false, true));
                    self.closed = true;
                }
            }
        }
        out
    }

    fn next_request(&mut self) -> Result<Option<Parsed>, ()> {
        let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            return if self.buf.len() > MAX_REQUEST {
                Err(())
            } else {
                Ok(None)
            };
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let mut first = lines.next().unwrap_or("").split(' ');
        let (Some(method), Some(target)) = (first.next(), first.next()) else {
            return Err(());
        };
        let mut length = 0usize;
        let mut authorization = None;
        let mut close = false;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse().map_err(|_| ())?,
                "authorization" => authorization = Some(value.to_string()),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        if length > MAX_REQUEST {
            return Err(());
        }
        if self.buf.len() < end + 4 + length {
            return Ok(None);
        }
        let body = self.buf[end + 4..end + 4 + length].to_vec();
        let parsed = Parsed {
            method: method.to_string(),
            target: target.to_string(),
            authorization,
            close,
            body,
        };
        self.buf.drain(..end + 4 + length);
        Ok(Some(parsed))
    }

    fn answer(&mut self, req: &Parsed) -> Vec<u8> {
        let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
        let request = HttpRequest {
            method: &req.method,
            path,
            query,
            authorization: req.authorization.as_deref(),
            body: &req.body,
        };
        match pod_http(&self.world, &self.pod, self.port, &request) {
            Some(HttpAnswer::Response(resp)) => {
                self.closed = req.close;
                render(&resp, req.method == "HEAD", req.close)
            }
            // The node stopped listening meanwhile: the connection resets.
            Some(HttpAnswer::ConnectionRefused) | None => {
                self.closed = true;
                Vec::new()
            }
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// The response as cowboy writes it (lowercase header names).
fn render(resp: &HttpResponse, head_only: bool, close: bool) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (name, value) in &resp.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("content-length: {}\r\n", resp.body.len()));
    out.push_str("server: Cowboy\r\n");
    if close {
        out.push_str("connection: close\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    if !head_only {
        bytes.extend_from_slice(&resp.body);
    }
    bytes
}
