//! What EMQX prints about MQTT clients, subscriptions and routes, from the broker's rows
//! (`crate::mqtt::broker`): `emqx ctl clients|subscriptions|topics list` (5.x),
//! `emqx_ctl clients|subscriptions|routes list` (4.4), and the HTTP lists
//! `/api/v5/clients|subscriptions|topics`, `/api/v4/clients|subscriptions|routes`.
//!
//! Formats from emqx/emqx apps/emqx_management/src/emqx_mgmt_cli.erl (tags v5.8.9 and
//! v4.4.19) and emqx_mgmt_api_{clients,subscriptions,topics}.erl (v5.8.9): see EMQX.md
//! "MQTT routing and the listing commands".
//! - The CLI lists the *local* node's clients and subscriptions (node-local ets tables)
//!   and the cluster's routes; 5.x prints `No clients.` / `No subscriptions.` /
//!   `No topics.` when empty, 4.4 prints nothing.
//! - The HTTP lists are cluster-wide. JSON keys are written in the order Erlang writes
//!   a small map (sorted), the envelope is `data` + `meta` (5.x), `code` + `data` + `meta`
//!   (4.4).
//! - Not verified: a shared subscription's line in 5.x `subscriptions list` (its ets key
//!   is a `#share{}` record); printed here as `$share/GROUP/TOPIC`.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::version::Family;
use crate::mqtt::broker::{ClientRow, RouteRow, SubRow};

/// Integer epoch milliseconds (`created_at=~w`).
fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

fn client_line(c: &ClientRow) -> String {
    let i = &c.info;
    // `disconnected_at` only for a session that outlived its connection.
    let tail = match c.disconnected_at {
        Some(t) => format!(", disconnected_at={})\n", ms(t)),
        None => ")\n".to_string(),
    };
    format!(
        "Client({}, username={}, peername={}, clean_start={}, keepalive={}, session_expiry_interval={}, subscriptions={}, inflight={}, awaiting_rel={}, delivered_msgs={}, enqueued_msgs={}, dropped_msgs={}, connected={}, created_at={}, connected_at={}{tail}",
        i.client_id,
        i.username.as_deref().unwrap_or("undefined"),
        i.peer,
        i.clean_start,
        i.keepalive,
        i.expiry,
        c.subscriptions,
        c.inflight,
        c.awaiting_rel,
        c.delivered,
        c.enqueued,
        c.dropped,
        c.disconnected_at.is_none(),
        ms(c.connected_at),
        ms(c.connected_at),
    )
}

/// `clients list`.
pub fn clients_cli(family: Family, rows: &[ClientRow]) -> String {
    if rows.is_empty() {
        return match family {
            Family::V5 => "No clients.\n".to_string(),
            Family::V4 => String::new(),
        };
    }
    rows.iter().map(client_line).collect()
}

/// `subscriptions list`.
pub fn subscriptions_cli(family: Family, rows: &[SubRow]) -> String {
    match family {
        Family::V5 if rows.is_empty() => "No subscriptions.\n".to_string(),
        Family::V5 => rows
            .iter()
            .map(|s| {
                format!(
                    "{} -> topic:{} qos:{} nl:{} rh:{} rap:{}\n",
                    s.client_id,
                    s.topic,
                    s.opts.qos,
                    u8::from(s.opts.nl),
                    s.opts.rh,
                    u8::from(s.opts.rap)
                )
            })
            .collect(),
        Family::V4 => rows
            .iter()
            .map(|s| format!("{} -> {}\n", s.client_id, s.topic))
            .collect(),
    }
}

/// `topics list` (5.x) / `routes list` (4.4): `Topic -> Node`, the shared group apart.
pub fn routes_cli(family: Family, rows: &[RouteRow]) -> String {
    if rows.is_empty() {
        return match family {
            Family::V5 => "No topics.\n".to_string(),
            Family::V4 => String::new(),
        };
    }
    rows.iter()
        .map(|r| format!("{} -> {}\n", r.topic, r.node))
        .collect()
}

/// RFC 3339 with milliseconds and offset, as EMQX formats `created_at` in the API.
fn rfc3339(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string()
}

fn shared_topic(r: &RouteRow) -> String {
    match &r.group {
        Some(g) => format!("$share/{g}/{}", r.topic),
        None => r.topic.clone(),
    }
}

fn client_json(family: Family, c: &ClientRow) -> Value {
    let mut v = client_json_connected(family, c);
    if let (Some(t), Some(obj)) = (c.disconnected_at, v.as_object_mut()) {
        obj.insert("connected".into(), Value::Bool(false));
        let at = match family {
            Family::V5 => rfc3339(t),
            Family::V4 => t.strftime("%Y-%m-%d %H:%M:%S").to_string(),
        };
        obj.insert("disconnected_at".into(), Value::String(at));
        obj.sort_keys();
    }
    v
}

fn client_json_connected(family: Family, c: &ClientRow) -> Value {
    let i = &c.info;
    let (ip, port) = i.peer.rsplit_once(':').unwrap_or((i.peer.as_str(), "0"));
    let port: u64 = port.parse().unwrap_or(0);
    match family {
        Family::V5 => json!({
            "awaiting_rel_cnt": c.awaiting_rel,
            "awaiting_rel_max": 100,
            "clean_start": i.clean_start,
            "clientid": i.client_id,
            "connected": true,
            "connected_at": rfc3339(c.connected_at),
            "created_at": rfc3339(c.connected_at),
            "durable": false,
            "enable_authn": true,
            "expiry_interval": i.expiry,
            "inflight_cnt": c.inflight,
            "inflight_max": 32,
            "ip_address": ip,
            "is_bridge": false,
            "is_expired": false,
            "is_persistent": false,
            "keepalive": i.keepalive,
            "listener": "tcp:default",
            "mountpoint": null,
            "mqueue_dropped": c.dropped,
            "mqueue_len": c.enqueued,
            "mqueue_max": 1000,
            "node": c.node,
            "peerport": port,
            "port": port,
            "proto_name": "MQTT",
            "proto_ver": i.proto_ver,
            "send_msg": c.delivered,
            "subscriptions_cnt": c.subscriptions,
            "subscriptions_max": "infinity",
            "username": i.username,
        }),
        Family::V4 => json!({
            "awaiting_rel": c.awaiting_rel,
            "clean_start": i.clean_start,
            "clientid": i.client_id,
            "connected": true,
            "connected_at": c.connected_at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            "created_at": c.connected_at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            "expiry_interval": i.expiry,
            "inflight": c.inflight,
            "ip_address": ip,
            "is_bridge": false,
            "keepalive": i.keepalive,
            "max_awaiting_rel": 100,
            "max_inflight": 32,
            "max_mqueue": 1000,
            "max_subscriptions": 0,
            "mqueue_dropped": c.dropped,
            "mqueue_len": c.enqueued,
            "node": c.node,
            "port": port,
            "proto_name": "MQTT",
            "proto_ver": i.proto_ver,
            "send_msg": c.delivered,
            "subscriptions_cnt": c.subscriptions,
            "username": i.username,
            "zone": "external",
        }),
    }
}

fn sub_json(family: Family, s: &SubRow) -> Value {
    match family {
        Family::V5 => json!({
            "clientid": s.client_id,
            "durable": false,
            "nl": u8::from(s.opts.nl),
            "node": s.node,
            "qos": s.opts.qos,
            "rap": u8::from(s.opts.rap),
            "rh": s.opts.rh,
            "topic": s.topic,
        }),
        Family::V4 => json!({
            "clientid": s.client_id,
            "node": s.node,
            "qos": s.opts.qos,
            "topic": s.topic,
        }),
    }
}

fn route_json(r: &RouteRow) -> Value {
    json!({"node": r.node, "topic": shared_topic(r)})
}

/// One page of a list: EMQX's default page 1 and limit (100 on 5.x, 10000 on 4.4).
/// `count` is the total, `hasnext` whether rows were left for the next page.
fn envelope(family: Family, data: Vec<Value>, count: usize, limit: usize) -> String {
    let hasnext = count > limit;
    let body = match family {
        Family::V5 => json!({
            "data": data,
            "meta": {"count": count, "hasnext": hasnext, "limit": limit, "page": 1},
        }),
        Family::V4 => json!({
            "code": 0,
            "data": data,
            "meta": {"count": count, "hasnext": hasnext, "limit": limit, "page": 1},
        }),
    };
    body.to_string()
}

/// A listing the HTTP API serves, by its path after `/api/v5` or `/api/v4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpList {
    Clients,
    Subscriptions,
    Routes,
}

impl HttpList {
    /// `(family, list)` for a GET path, if it is one of the broker's lists.
    pub fn from_path(path: &str) -> Option<(Family, HttpList)> {
        match path.trim_end_matches('/') {
            "/api/v5/clients" => Some((Family::V5, HttpList::Clients)),
            "/api/v5/subscriptions" => Some((Family::V5, HttpList::Subscriptions)),
            "/api/v5/topics" => Some((Family::V5, HttpList::Routes)),
            "/api/v4/clients" => Some((Family::V4, HttpList::Clients)),
            "/api/v4/subscriptions" => Some((Family::V4, HttpList::Subscriptions)),
            "/api/v4/routes" => Some((Family::V4, HttpList::Routes)),
            _ => None,
        }
    }
}

/// The body of a list (200, application/json), truncated to the first page.
pub fn http_body(
    family: Family,
    clients: &[ClientRow],
    subs: &[SubRow],
    routes: &[RouteRow],
    list: HttpList,
) -> String {
    let limit = match family {
        Family::V5 => 100,
        Family::V4 => 10000,
    };
    let data: Vec<Value> = match list {
        HttpList::Clients => clients.iter().map(|c| client_json(family, c)).collect(),
        HttpList::Subscriptions => subs.iter().map(|s| sub_json(family, s)).collect(),
        HttpList::Routes => routes.iter().map(route_json).collect(),
    };
    let total = data.len();
    let page: Vec<Value> = data.into_iter().take(limit).collect();
    envelope(family, page, total, limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mqtt::broker::{ClientInfo, SubOpts};

    fn client() -> ClientRow {
        ClientRow {
            node: "emqx@10.0.0.1".into(),
            info: ClientInfo {
                client_id: "c1".into(),
                username: None,
                peer: "127.0.0.1:52345".into(),
                proto_ver: 4,
                clean_start: true,
                keepalive: 60,
                expiry: 0,
            },
            subscriptions: 1,
            inflight: 0,
            awaiting_rel: 0,
            delivered: 0,
            enqueued: 0,
            dropped: 0,
            connected_at: Timestamp::from_millisecond(1_700_000_000_000).unwrap_or_default(),
            disconnected_at: None,
        }
    }

    #[test]
    fn empty_lists_print_no_clients_on_5_and_nothing_on_4() {
        assert_eq!(clients_cli(Family::V5, &[]), "No clients.\n");
        assert_eq!(subscriptions_cli(Family::V5, &[]), "No subscriptions.\n");
        assert_eq!(routes_cli(Family::V5, &[]), "No topics.\n");
        assert_eq!(clients_cli(Family::V4, &[]), "");
        assert_eq!(subscriptions_cli(Family::V4, &[]), "");
        assert_eq!(routes_cli(Family::V4, &[]), "");
    }

    #[test]
    fn a_client_line_is_emqx_mgmt_cli_s_format() {
        assert_eq!(
            clients_cli(Family::V5, &[client()]),
            "Client(c1, username=undefined, peername=127.0.0.1:52345, clean_start=true, keepalive=60, session_expiry_interval=0, subscriptions=1, inflight=0, awaiting_rel=0, delivered_msgs=0, enqueued_msgs=0, dropped_msgs=0, connected=true, created_at=1700000000000, connected_at=1700000000000)\n"
        );
    }

    #[test]
    fn a_session_without_its_connection_shows_connected_false_and_disconnected_at() {
        let mut c = client();
        c.info.clean_start = false;
        c.info.expiry = 7200;
        c.disconnected_at = Timestamp::from_millisecond(1_700_000_005_000).ok();
        assert_eq!(
            clients_cli(Family::V5, &[c]),
            "Client(c1, username=undefined, peername=127.0.0.1:52345, clean_start=false, keepalive=60, session_expiry_interval=7200, subscriptions=1, inflight=0, awaiting_rel=0, delivered_msgs=0, enqueued_msgs=0, dropped_msgs=0, connected=false, created_at=1700000000000, connected_at=1700000000000, disconnected_at=1700000005000)\n"
        );
    }

    #[test]
    fn subscriptions_and_routes_in_both_versions() {
        let sub = SubRow {
            node: "emqx@a".into(),
            client_id: "c1".into(),
            topic: "t/1".into(),
            opts: SubOpts {
                qos: 1,
                ..SubOpts::default()
            },
        };
        assert_eq!(
            subscriptions_cli(Family::V5, std::slice::from_ref(&sub)),
            "c1 -> topic:t/1 qos:1 nl:0 rh:0 rap:0\n"
        );
        assert_eq!(subscriptions_cli(Family::V4, &[sub]), "c1 -> t/1\n");
        let routes = [
            RouteRow {
                topic: "t/#".into(),
                group: Some("g".into()),
                node: "emqx@a".into(),
            },
            RouteRow {
                topic: "t/1".into(),
                group: None,
                node: "emqx@b".into(),
            },
        ];
        assert_eq!(
            routes_cli(Family::V4, &routes),
            "t/# -> emqx@a\nt/1 -> emqx@b\n"
        );
        assert_eq!(
            http_body(Family::V4, &[], &[], &routes, HttpList::Routes),
            r#"{"code":0,"data":[{"node":"emqx@a","topic":"$share/g/t/#"},{"node":"emqx@b","topic":"t/1"}],"meta":{"count":2,"hasnext":false,"limit":10000,"page":1}}"#
        );
    }
}
