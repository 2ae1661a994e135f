//! The broker inside the simulated cluster: EMQX pods reached through the same entry a
//! port-forward uses (`workloads::ports::connect`), membership from the EMQX model
//! (islands, then `emqx ctl cluster join`), a deleted pod dropping its clients, a
//! replicant attached to a core through dns discovery routing like a member, and what
//! `emqx ctl` and the HTTP API list, against exact strings. Paused time.

use std::sync::Arc;
use std::time::Duration;

use kubetour_sim::emqx::http::{HttpAnswer, HttpRequest};
use kubetour_sim::resources::Res;
use kubetour_sim::workloads::World;
use kubetour_sim::workloads::ports::{self, PortConn};
use kubetour_sim::{Sim, SimConfig};
use serde_json::{Value, json};

use crate::support::emqx_world::headless;
use tokio::sync::mpsc::UnboundedReceiver;

fn key(pod: &str) -> (String, String, String) {
    ("default".into(), pod.into(), "emqx".into())
}

fn uid(world: &World, pod: &str) -> String {
    let p = world.store.get(Res::Pod, "default", pod).unwrap();
    p["metadata"]["uid"].as_str().unwrap().to_string()
}

/// Starts EMQX 5.8.9 pods and waits until their listeners are up.
async fn emqx_pods(sim: &Sim, names: &[&str]) -> Arc<World> {
    emqx_pods_of(sim, names, "emqx/emqx:5.8.9").await
}

async fn emqx_pods_of(sim: &Sim, names: &[&str], image: &str) -> Arc<World> {
    let world = sim.api_state().world.clone();
    for name in names {
        world
            .store
            .create(
                Res::Pod,
                json!({"apiVersion": "v1", "kind": "Pod",
                       "metadata": {"name": name, "namespace": "default"},
                       "spec": {"containers": [{"name": "emqx", "image": image}]}}),
            )
            .unwrap();
    }
    for name in names {
        wait_listening(&world, name).await;
    }
    world
}

async fn wait_listening(world: &World, name: &str) {
    for _ in 0..600 {
        let up = world.store.get(Res::Pod, "default", name).is_some_and(|p| {
            let uid = p["metadata"]["uid"].as_str().unwrap_or("");
            world.listening(&key(name), uid)
        });
        if up {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("{name} never listened");
}

fn ctl(world: &World, pod: &str, args: &str) -> String {
    let mut argv: Vec<String> = vec!["emqx".into(), "ctl".into()];
    argv.extend(args.split(' ').map(String::from));
    world
        .exec(&key(pod), &uid(world, pod), &argv)
        .unwrap()
        .stdout
}

fn node(world: &World, pod: &str) -> String {
    world.node_name(&key(pod), &uid(world, pod)).unwrap()
}

/// An MQTT 3.1.1 client through the port-forward entry.
struct Mqtt {
    conn: PortConn,
    rx: UnboundedReceiver<Vec<u8>>,
}

fn packet(first: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![first, body.len() as u8];
    out.extend_from_slice(body);
    out
}

fn str16(s: &str) -> Vec<u8> {
    let mut v = (s.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(s.as_bytes());
    v
}

impl Mqtt {
    async fn connect(world: &Arc<World>, pod: &str, id: &str) -> Mqtt {
        let p = world.store.get(Res::Pod, "default", pod).unwrap();
        let mut conn = ports::connect(world, &p, 1883).expect("1883 listens");
        let rx = conn.take_pushed().unwrap();
        let mut m = Mqtt { conn, rx };
        let mut body = str16("MQTT");
        body.extend_from_slice(&[4, 0x02, 0, 60]);
        body.extend(str16(id));
        m.conn.feed(&packet(0x10, &body));
        assert_eq!(m.recv().await, Some(vec![0x20, 2, 0, 0]));
        m
    }

    async fn recv(&mut self) -> Option<Vec<u8>> {
        tokio::time::timeout(Duration::from_secs(2), self.rx.recv())
            .await
            .ok()
            .flatten()
    }

    async fn subscribe(&mut self, filter: &str) {
        let mut body = vec![0, 1];
        body.extend(str16(filter));
        body.push(1);
        self.conn.feed(&packet(0x82, &body));
        assert_eq!(self.recv().await, Some(vec![0x90, 3, 0, 1, 1]));
    }

    fn publish(&mut self, topic: &str, payload: &str) {
        let mut body = str16(topic);
        body.extend_from_slice(payload.as_bytes());
        self.conn.feed(&packet(0x30, &body));
    }
}

/// A QoS 0 PUBLISH of `topic` / `payload`, as the broker writes it.
fn publish_bytes(topic: &str, payload: &str) -> Vec<u8> {
    let mut body = str16(topic);
    body.extend_from_slice(payload.as_bytes());
    packet(0x30, &body)
}

#[tokio::test(start_paused = true)]
async fn o22_o23_o24_pods_route_as_their_emqx_membership_says() {
    let sim = Sim::start(SimConfig {
        speed: 50.0,
        ..SimConfig::default()
    });
    let world = emqx_pods(&sim, &["a", "b", "c"]).await;
    let mut sub_b = Mqtt::connect(&world, "b", "sub-b").await;
    sub_b.subscribe("t/#").await;
    let mut pub_a = Mqtt::connect(&world, "a", "pub-a").await;
    pub_a.publish("t/1", "island");
    assert_eq!(sub_b.recv().await, None, "O22: islands route nothing");

    let a = node(&world, "a");
    let joined = ctl(&world, "c", &format!("cluster join {a}"));
    assert!(
        joined.starts_with("Join the cluster successfully."),
        "{joined}"
    );
    let joined = ctl(&world, "b", &format!("cluster join {a}"));
    assert!(
        joined.starts_with("Join the cluster successfully."),
        "{joined}"
    );
    wait_listening(&world, "b").await;
    pub_a.publish("t/1", "cluster");
    assert_eq!(
        sub_b.recv().await,
        Some(publish_bytes("t/1", "cluster")),
        "O23"
    );

    // O24: a is deleted; its client's connection ends; c and b still route.
    let mut sub_c = Mqtt::connect(&world, "c", "sub-c").await;
    sub_c.subscribe("t/#").await;
    world.stop(&key("a"), &uid(&world, "a"));
    let end = tokio::time::timeout(Duration::from_secs(2), pub_a.rx.recv()).await;
    assert_eq!(end, Ok(None), "a's client's connection is closed");
    let mut pub_b = Mqtt::connect(&world, "b", "pub-b").await;
    pub_b.publish("t/2", "survivors");
    assert_eq!(sub_c.recv().await, Some(publish_bytes("t/2", "survivors")));
}

#[tokio::test(start_paused = true)]
async fn emqx_ctl_and_the_http_api_list_clients_subscriptions_and_topics() {
    let sim = Sim::start(SimConfig {
        speed: 50.0,
        ..SimConfig::default()
    });
    let world = emqx_pods(&sim, &["a"]).await;
    assert_eq!(ctl(&world, "a", "clients list"), "No clients.\n");
    assert_eq!(
        ctl(&world, "a", "subscriptions list"),
        "No subscriptions.\n"
    );
    assert_eq!(ctl(&world, "a", "topics list"), "No topics.\n");

    let mut s = Mqtt::connect(&world, "a", "sensor-1").await;
    s.subscribe("sensors/+/temp").await;
    let a = node(&world, "a");
    assert_eq!(
        ctl(&world, "a", "subscriptions list"),
        "sensor-1 -> topic:sensors/+/temp qos:1 nl:0 rh:0 rap:0\n"
    );
    assert_eq!(
        ctl(&world, "a", "topics list"),
        format!("sensors/+/temp -> {a}\n")
    );
    let line = ctl(&world, "a", "clients list");
    let re = regex::Regex::new(
        r"^Client\(sensor-1, username=undefined, peername=127\.0\.0\.1:\d+, clean_start=true, keepalive=60, session_expiry_interval=0, subscriptions=1, inflight=0, awaiting_rel=0, delivered_msgs=0, enqueued_msgs=0, dropped_msgs=0, connected=true, created_at=\d{13}, connected_at=\d{13}\)\n$",
    )
    .unwrap();
    assert!(re.is_match(&line), "{line}");

    let get = |path: &str, auth: Option<&str>| {
        let req = HttpRequest {
            method: "GET",
            path,
            query: "",
            authorization: auth,
            body: b"",
        };
        match world.http(&key("a"), &uid(&world, "a"), 18083, &req) {
            Some(HttpAnswer::Response(r)) => (r.status, String::from_utf8(r.body).unwrap()),
            other => panic!("{other:?}"),
        }
    };
    let (status, _) = get("/api/v5/subscriptions", None);
    assert_eq!(status, 401, "the API's own authorization applies");
    let login = HttpRequest {
        method: "POST",
        path: "/api/v5/login",
        query: "",
        authorization: None,
        body: br#"{"username":"admin","password":"public"}"#,
    };
    let Some(HttpAnswer::Response(r)) = world.http(&key("a"), &uid(&world, "a"), 18083, &login)
    else {
        panic!("login");
    };
    let token: Value = serde_json::from_slice(&r.body).unwrap();
    let bearer = format!("Bearer {}", token["token"].as_str().unwrap());
    let (status, body) = get("/api/v5/subscriptions", Some(&bearer));
    assert_eq!(status, 200);
    assert_eq!(
        body,
        format!(
            r#"{{"data":[{{"clientid":"sensor-1","durable":false,"nl":0,"node":"{a}","qos":1,"rap":0,"rh":0,"topic":"sensors/+/temp"}}],"meta":{{"count":1,"hasnext":false,"limit":100,"page":1}}}}"#
        )
    );
    let (_, body) = get("/api/v5/topics", Some(&bearer));
    assert_eq!(
        body,
        format!(
            r#"{{"data":[{{"node":"{a}","topic":"sensors/+/temp"}}],"meta":{{"count":1,"hasnext":false,"limit":100,"page":1}}}}"#
        )
    );
    let (_, body) = get("/api/v5/clients", Some(&bearer));
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["data"][0]["clientid"], "sensor-1");
    assert_eq!(v["data"][0]["node"], a.as_str());
    assert_eq!(v["data"][0]["proto_ver"], 4);
    assert_eq!(v["data"][0]["subscriptions_cnt"], 1);
    assert_eq!(v["meta"]["count"], 1);
}

#[tokio::test(start_paused = true)]
async fn on_4_4_a_join_restarts_every_application_and_drops_the_node_s_clients() {
    let sim = Sim::start(SimConfig {
        speed: 50.0,
        ..SimConfig::default()
    });
    let world = emqx_pods_of(&sim, &["a", "b"], "emqx/emqx:4.4.19").await;
    let argv = |args: &str| -> Vec<String> {
        let mut v = vec!["emqx_ctl".to_string()];
        v.extend(args.split(' ').map(String::from));
        v
    };
    let ctl4 = |pod: &str, args: &str| {
        world
            .exec(&key(pod), &uid(&world, pod), &argv(args))
            .unwrap()
            .stdout
    };
    assert_eq!(
        ctl4("b", "clients list"),
        "",
        "4.4 prints nothing when empty"
    );
    assert_eq!(ctl4("b", "routes list"), "");
    let mut sub_b = Mqtt::connect(&world, "b", "sub-b").await;
    sub_b.subscribe("t/#").await;
    assert_eq!(ctl4("b", "subscriptions list"), "sub-b -> t/#\n");
    assert_eq!(ctl4("a", "routes list"), "", "an island has its own routes");
    let a = node(&world, "a");
    let joined = ctl4("b", &format!("cluster join {a}"));
    assert!(
        joined.starts_with("Join the cluster successfully."),
        "{joined}"
    );
    let end = tokio::time::timeout(Duration::from_secs(2), sub_b.rx.recv()).await;
    assert_eq!(end, Ok(None), "the join closed the client's connection");
    wait_listening(&world, "b").await;
    let mut sub_b = Mqtt::connect(&world, "b", "sub-b").await;
    sub_b.subscribe("t/#").await;
    let b = node(&world, "b");
    assert_eq!(ctl4("a", "routes list"), format!("t/# -> {b}\n"));
    let mut pub_a = Mqtt::connect(&world, "a", "pub-a").await;
    pub_a.publish("t/1", "joined");
    assert_eq!(sub_b.recv().await, Some(publish_bytes("t/1", "joined")));
}

/// A pod running `image` with dns/srv discovery of `emqx-headless` in `role`.
fn dns_pod(name: &str, role: &str, image: &str) -> Value {
    let host = if role == "core" {
        json!({"name": "EMQX_HOST", "value": format!("{name}.emqx-headless.default.svc.cluster.local")})
    } else {
        json!({"name": "EMQX_HOST", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}})
    };
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": "default", "labels": {"role": role}},
           "spec": {"hostname": name, "subdomain": "emqx-headless",
                    "containers": [{"name": "emqx", "image": image, "env": [
                        {"name": "EMQX_CLUSTER__DISCOVERY_STRATEGY", "value": "dns"},
                        {"name": "EMQX_CLUSTER__DNS__RECORD_TYPE", "value": "srv"},
                        {"name": "EMQX_CLUSTER__DNS__NAME",
                         "value": "emqx-headless.default.svc.cluster.local"},
                        {"name": "EMQX_NODE__ROLE", "value": role},
                        host]}]}})
}

#[tokio::test(start_paused = true)]
async fn a_replicant_routes_like_a_member_once_attached_to_a_core() {
    let sim = Sim::start(SimConfig {
        speed: 50.0,
        ..SimConfig::default()
    });
    let world = sim.api_state().world.clone();
    world
        .store
        .create(Res::Service, headless(true, json!({"role": "core"})))
        .unwrap();
    let image = "emqx/emqx-enterprise:5.8.9";
    for (name, role) in [("core", "core"), ("rep", "replicant")] {
        world
            .store
            .create(Res::Pod, dns_pod(name, role, image))
            .unwrap();
    }
    // The replicant's listeners come up only once it is attached to the core.
    wait_listening(&world, "core").await;
    wait_listening(&world, "rep").await;
    let status = ctl(&world, "core", "cluster status");
    assert!(status.contains(&node(&world, "rep")), "{status}");
    let mut sub = Mqtt::connect(&world, "rep", "sub-rep").await;
    sub.subscribe("t/#").await;
    let mut publisher = Mqtt::connect(&world, "core", "pub-core").await;
    publisher.publish("t/1", "via the core");
    assert_eq!(sub.recv().await, Some(publish_bytes("t/1", "via the core")));
    let mut sub_core = Mqtt::connect(&world, "core", "sub-core").await;
    sub_core.subscribe("r/#").await;
    let mut pub_rep = Mqtt::connect(&world, "rep", "pub-rep").await;
    pub_rep.publish("r/1", "via the replicant");
    assert_eq!(
        sub_core.recv().await,
        Some(publish_bytes("r/1", "via the replicant"))
    );
}
