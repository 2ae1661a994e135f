//! What EMQX's MQTT listener (1883) does on the simulated cluster: it accepts the TCP
//! connection and answers CONNECT with a CONNACK (accepted), PINGREQ with PINGRESP,
//! SUBSCRIBE with a SUBACK granting the asked QoS, a QoS 1/2 PUBLISH with its
//! PUBACK/PUBREC (and PUBREL with PUBCOMP), and closes on DISCONNECT. Messages are
//! not routed to subscribers: enough for `mosquitto_pub` or `mqttx conn` to connect
//! and publish, not a broker. MQTT 3.1, 3.1.1 and 5 (protocol levels 3, 4, 5).

/// One client connection's state.
#[derive(Debug, Default)]
pub struct MqttConn {
    buf: Vec<u8>,
    /// Protocol level from CONNECT (5 adds properties to the acks).
    level: u8,
    connected: bool,
    closed: bool,
}

/// Fixed header + remaining length of the packet at the front of `buf`:
/// `(first byte, header length, body length)`, or None while incomplete.
fn packet_bounds(buf: &[u8]) -> Option<Result<(u8, usize, usize), String>> {
    let first = *buf.first()?;
    let mut len = 0usize;
    let mut shift = 0;
    for i in 1..5 {
        let b = *buf.get(i)?;
        len |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(Ok((first, i + 1, len)));
        }
        shift += 7;
    }
    Some(Err("malformed remaining length".into()))
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

impl MqttConn {
    pub fn new() -> MqttConn {
        MqttConn::default()
    }

    /// Whether the broker has closed the connection (DISCONNECT, or a protocol error).
    pub fn closed(&self) -> bool {
        self.closed
    }

    /// Bytes from the client in, bytes to the client out.
    pub fn feed(&mut self, data: &[u8]) -> Vec<u8> {
        self.buf.extend_from_slice(data);
        let mut out = Vec::new();
        while !self.closed {
            let (first, head, len) = match packet_bounds(&self.buf) {
                None => break,
                Some(Err(_)) => {
                    self.closed = true;
                    break;
                }
                Some(Ok(b)) => b,
            };
            if self.buf.len() < head + len {
                break;
            }
            let body: Vec<u8> = self.buf.drain(..head + len).skip(head).collect();
            out.extend(self.answer(first, &body));
        }
        out
    }

    fn answer(&mut self, first: u8, body: &[u8]) -> Vec<u8> {
        let kind = first >> 4;
        if !self.connected && kind != 1 {
            // Anything before CONNECT is a protocol error: the broker drops the client.
            self.closed = true;
            return Vec::new();
        }
        let v5 = self.level == 5;
        let id = || {
            body.get(..2)
                .map(<[u8]>::to_vec)
                .unwrap_or_else(|| vec![0, 0])
        };
        match kind {
            1 => self.connect(body),
            3 => {
                let qos = (first >> 1) & 0x03;
                let topic_len = body
                    .get(..2)
                    .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
                    .unwrap_or(0);
                let pid = body
                    .get(2 + topic_len..4 + topic_len)
                    .map(<[u8]>::to_vec)
                    .unwrap_or_else(|| vec![0, 0]);
                match qos {
                    1 => packet(0x40, &pid),
                    2 => packet(0x50, &pid),
                    _ => Vec::new(),
                }
            }
            6 => packet(0x70, &id()),
            8 => {
                // SUBACK: one granted QoS per topic filter (the options byte's low bits).
                let mut at = 2;
                if v5 {
                    at += 1 + usize::from(body.get(2).copied().unwrap_or(0));
                }
                let mut granted = Vec::new();
                while at + 2 <= body.len() {
                    let n = usize::from(u16::from_be_bytes([body[at], body[at + 1]]));
                    at += 2 + n;
                    granted.push(body.get(at).copied().unwrap_or(0) & 0x03);
                    at += 1;
                }
                let mut ack = id();
                if v5 {
                    ack.push(0);
                }
                ack.extend(granted);
                packet(0x90, &ack)
            }
            10 => {
                let mut ack = id();
                if v5 {
                    // No properties; Success for (at least) the first filter.
                    ack.extend_from_slice(&[0, 0]);
                }
                packet(0xb0, &ack)
            }
            12 => packet(0xd0, &[]),
            14 => {
                self.closed = true;
                Vec::new()
            }
            // PUBACK/PUBREC/PUBCOMP from the client, AUTH: nothing to answer.
            _ => Vec::new(),
        }
    }

    fn connect(&mut self, body: &[u8]) -> Vec<u8> {
        // Protocol name (length-prefixed "MQTT" or "MQIsdp"), then the level.
        let name_len = body
            .get(..2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            .unwrap_or(0);
        let level = body.get(2 + name_len).copied().unwrap_or(0);
        if self.connected || !matches!(level, 3..=5) {
            self.closed = true;
            // 0x01: unacceptable protocol version (3.1.1's code; 5 uses 0x84).
            return match level {
                5 => packet(0x20, &[0, 0x84, 0]),
                _ => packet(0x20, &[0, 0x01]),
            };
        }
        self.level = level;
        self.connected = true;
        match level {
            // Session present 0, reason Success, no properties.
            5 => packet(0x20, &[0, 0, 0]),
            _ => packet(0x20, &[0, 0]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connect(level: u8) -> Vec<u8> {
        let mut body = vec![0, 4];
        body.extend_from_slice(b"MQTT");
        body.extend_from_slice(&[level, 0x02, 0, 60]);
        if level == 5 {
            body.push(0);
        }
        body.extend_from_slice(&[0, 1, b'c']);
        packet(0x10, &body)
    }

    #[test]
    fn a_v311_connect_gets_an_accepting_connack() {
        let mut c = MqttConn::new();
        assert_eq!(c.feed(&connect(4)), [0x20, 2, 0, 0]);
        assert_eq!(c.feed(&[0xc0, 0]), [0xd0, 0]);
        assert!(c.feed(&[0xe0, 0]).is_empty());
        assert!(c.closed());
    }

    #[test]
    fn a_v5_connect_gets_a_v5_connack_even_when_split_across_reads() {
        let mut c = MqttConn::new();
        let bytes = connect(5);
        assert!(c.feed(&bytes[..3]).is_empty());
        assert_eq!(c.feed(&bytes[3..]), [0x20, 3, 0, 0, 0]);
    }

    #[test]
    fn a_qos1_publish_is_acknowledged_and_a_packet_before_connect_closes() {
        let mut c = MqttConn::new();
        c.feed(&connect(4));
        let mut body = vec![0, 1, b't', 0, 9];
        body.extend_from_slice(b"hi");
        assert_eq!(c.feed(&packet(0x32, &body)), [0x40, 2, 0, 9]);
        let mut early = MqttConn::new();
        early.feed(&[0xc0, 0]);
        assert!(early.closed());
    }
}
