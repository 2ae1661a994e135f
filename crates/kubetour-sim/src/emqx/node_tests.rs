//! Scenario tests: a tiny stand-in for the integration drives several nodes.

use super::*;
use crate::emqx::boot::boot;
use crate::emqx::line::at;
use crate::emqx::nodename::PodFacts;
use crate::emqx::settings::Env;

struct Pod {
    node: Node,
    ip: String,
    hostname: String,
    log: Vec<String>,
    alive: bool,
}

struct Sim {
    version: Version,
    env: Env,
    registry: Registry,
    pods: Vec<Pod>,
    now: Timestamp,
    rbac: bool,
    headless: bool,
}

fn env(pairs: &[(&str, &str)]) -> Env {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const FORBIDDEN: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"endpoints \"emqx-headless\" is forbidden: User \"system:serviceaccount:default:default\" cannot get resource \"endpoints\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"name":"emqx-headless","kind":"endpoints"},"code":403}
"#;

impl Sim {
    fn new(tag: &str, env: Env) -> Sim {
        Sim {
            version: Version::parse_tag(tag).unwrap_or_else(|| panic!("{tag}")),
            env,
            registry: Registry::new(),
            pods: Vec::new(),
            now: at("2024-05-01T10:00:00Z"),
            rbac: false,
            headless: true,
        }
    }

    fn add_pod(&mut self, hostname: &str, ip: &str, fqdn: Option<&str>) {
        let facts = PodFacts::new(hostname, ip, fqdn);
        let booted = boot(&self.version, &self.env, &facts).unwrap_or_else(|f| panic!("{f:?}"));
        let (node, lines) = Node::start(
            self.version.clone(),
            booted,
            false,
            &mut self.registry,
            self.now,
            Timing::default(),
        );
        let log = lines.iter().map(|l| l.render(self.now)).collect();
        self.pods.push(Pod {
            node,
            ip: ip.into(),
            hostname: hostname.into(),
            log,
            alive: true,
        });
    }

    fn endpoints(&self) -> Vec<u8> {
        let addresses: Vec<serde_json::Value> = self
            .pods
            .iter()
            .filter(|p| p.alive && p.node.http_state() == HttpState::Running)
            .map(|p| {
                if self.headless {
                    serde_json::json!({"ip": p.ip, "hostname": p.hostname})
                } else {
                    serde_json::json!({"ip": p.ip})
                }
            })
            .collect();
        serde_json::json!({"kind": "Endpoints", "subsets": [{"addresses": addresses}]})
            .to_string()
            .into_bytes()
    }

    /// Runs the simulated world for `secs` seconds in 1 s steps.
    fn run(&mut self, secs: i64) {
        for _ in 0..secs {
            self.now = add(self.now, SignedDuration::from_secs(1));
            let body = self.endpoints();
            for pod in self.pods.iter_mut().filter(|p| p.alive) {
                let jitter = SignedDuration::from_millis(1500);
                let mut lines = pod.node.poll(&mut self.registry, self.now, jitter);
                match pod.node.discovery_request(self.now, jitter) {
                    Some(Ok(_req)) => {
                        let http = if self.rbac {
                            DiscoveryHttp::Response {
                                status: 200,
                                body: body.clone(),
                            }
                        } else {
                            DiscoveryHttp::Response {
                                status: 403,
                                body: FORBIDDEN.as_bytes().to_vec(),
                            }
                        };
                        lines.extend(pod.node.discovery_result(
                            http,
                            &mut self.registry,
                            self.now,
                            jitter,
                        ));
                    }
                    Some(Err(failed)) => lines.extend(failed),
                    None => {}
                }
                pod.log.extend(lines.iter().map(|l| l.render(self.now)));
            }
        }
    }

    fn cluster_status(&self, i: usize) -> String {
        let argv: Vec<String> = ["emqx", "ctl", "cluster", "status"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let pod = &self.pods[i];
        let mut node = pod.node.clone();
        let mut registry = self.registry.clone();
        node.exec(&argv, &mut registry, self.now).0.stdout
    }

    fn kill(&mut self, i: usize) {
        self.pods[i].alive = false;
        self.pods[i].node.stop(&mut self.registry, self.now);
    }
}

fn deployment_env_v5() -> Env {
    env(&[
        ("EMQX_CLUSTER__DISCOVERY_STRATEGY", "k8s"),
        ("EMQX_CLUSTER__K8S__SERVICE_NAME", "emqx-headless"),
        ("EMQX_CLUSTER__K8S__NAMESPACE", "default"),
    ])
}

#[test]
fn without_rbac_every_5x_pod_logs_the_403_and_stays_alone() {
    let mut sim = Sim::new("5.8.8", deployment_env_v5());
    sim.add_pod("emqx-a", "10.244.0.5", None);
    sim.add_pod("emqx-b", "10.244.0.6", None);
    sim.run(20);
    for pod in &sim.pods {
        let errors: Vec<&String> = pod
            .log
            .iter()
            .filter(|l| l.contains("Discovery error: {403,\"{"))
            .collect();
        assert!(errors.len() >= 2, "{:#?}", pod.log);
        assert!(
            pod.log
                .iter()
                .any(|l| l.contains("[error] Ekka(AutoCluster): Core node discovery error: {403,"))
        );
        assert!(
            pod.log
                .iter()
                .any(|l| l.ends_with("EMQX 5.8.8 is running now!"))
        );
    }
    assert_eq!(
        sim.cluster_status(0),
        "Cluster status: #{running_nodes => ['emqx@10.244.0.5'],stopped_nodes => []}\n"
    );
}

#[test]
fn after_rbac_the_cluster_forms_and_a_lost_pod_is_listed_as_stopped() {
    let mut sim = Sim::new("5.8.9", deployment_env_v5());
    sim.add_pod("emqx-a", "10.244.0.5", None);
    sim.run(1);
    sim.add_pod("emqx-b", "10.244.0.6", None);
    sim.add_pod("emqx-c", "10.244.0.7", None);
    sim.run(10);
    assert!(sim.pods[1].log.iter().any(|l| l.contains("{403,#Ref<0.")));
    sim.rbac = true;
    sim.run(20);
    assert_eq!(
        sim.cluster_status(2),
        "Cluster status: #{running_nodes =>
                      ['emqx@10.244.0.5','emqx@10.244.0.6','emqx@10.244.0.7'],
                  stopped_nodes => []}\n"
    );
    assert!(
        sim.pods[1]
            .log
            .iter()
            .any(|l| l == "Stop listener http:dashboard on :18083 successfully.")
    );
    sim.kill(2);
    sim.add_pod("emqx-d", "10.244.0.8", None);
    sim.run(20);
    assert_eq!(
        sim.cluster_status(3),
        "Cluster status: #{running_nodes =>
                      ['emqx@10.244.0.5','emqx@10.244.0.6','emqx@10.244.0.8'],
                  stopped_nodes => ['emqx@10.244.0.7']}\n"
    );
}

fn sts_env_v4() -> Env {
    env(&[
        ("EMQX_NAME", "emqx"),
        ("EMQX_CLUSTER__DISCOVERY", "k8s"),
        ("EMQX_CLUSTER__K8S__APP_NAME", "emqx"),
        (
            "EMQX_CLUSTER__K8S__APISERVER",
            "https://kubernetes.default.svc:443",
        ),
        ("EMQX_CLUSTER__K8S__SERVICE_NAME", "emqx-headless"),
        ("EMQX_CLUSTER__K8S__NAMESPACE", "default"),
        ("EMQX_CLUSTER__K8S__ADDRESS_TYPE", "hostname"),
        ("EMQX_CLUSTER__K8S__SUFFIX", "svc.cluster.local"),
    ])
}

fn fqdn(i: usize) -> String {
    format!("emqx-{i}.emqx-headless.default.svc.cluster.local")
}

#[test]
fn a_4x_statefulset_with_hostnames_forms_one_cluster_and_logs_the_join() {
    let mut sim = Sim::new("4.4.19", sts_env_v4());
    sim.rbac = true;
    for i in 0..3 {
        sim.add_pod(
            &format!("emqx-{i}"),
            &format!("10.244.0.{}", 5 + i),
            Some(&fqdn(i)),
        );
        sim.run(5);
    }
    sim.run(20);
    assert_eq!(
        sim.cluster_status(0),
        "Cluster status: #{running_nodes =>
                      ['emqx@emqx-0.emqx-headless.default.svc.cluster.local',
                       'emqx@emqx-1.emqx-headless.default.svc.cluster.local',
                       'emqx@emqx-2.emqx-headless.default.svc.cluster.local'],
                  stopped_nodes => []}\n"
    );
    assert!(
        sim.pods[1]
            .log
            .iter()
            .any(|l| l.ends_with(" [critical] [EMQX] emqx shutdown for join"))
    );
    assert_eq!(sim.pods[0].node.booted.dist_port, 4370);
}

#[test]
fn a_4x_node_without_emqx_name_never_finds_itself_and_warns() {
    let mut e = sts_env_v4();
    e.remove("EMQX_NAME");
    e.insert("EMQX_CLUSTER__K8S__ADDRESS_TYPE".into(), "ip".into());
    let mut sim = Sim::new("4.4.19", e);
    sim.rbac = true;
    sim.add_pod("emqx-0", "10.244.0.5", Some(&fqdn(0)));
    sim.add_pod("emqx-2", "10.244.0.7", Some(&fqdn(2)));
    sim.run(15);
    assert_eq!(sim.pods[1].node.name(), "emqx-2@10.244.0.7");
    assert_eq!(sim.pods[1].node.booted.dist_port, 4372);
    assert!(sim.pods[1].log.iter().any(|l| l.ends_with(
        "[warning] Ekka(AutoCluster): discovered nodes outside cluster: ['emqx@10.244.0.5','emqx@10.244.0.7']"
    )), "{:#?}", sim.pods[1].log);
    assert!(
        sim.cluster_status(1)
            .contains("running_nodes => ['emqx-2@10.244.0.7']")
    );
}

#[test]
fn a_5x_suffix_mismatch_fails_silently() {
    let mut e = deployment_env_v5();
    e.insert("EMQX_CLUSTER__K8S__ADDRESS_TYPE".into(), "hostname".into());
    let mut sim = Sim::new("5.8.9", e);
    sim.rbac = true;
    sim.add_pod("emqx-0", "10.244.0.5", Some(&fqdn(0)));
    sim.add_pod("emqx-1", "10.244.0.6", Some(&fqdn(1)));
    sim.run(30);
    // Names are emqx@<fqdn>, discovery builds emqx@emqx-N.emqx-headless.default.pod.local.
    for pod in &sim.pods {
        assert!(
            !pod.log
                .iter()
                .any(|l| l.contains("[error]") || l.contains("[warning]")),
            "{:#?}",
            pod.log
        );
    }
    assert_eq!(
        sim.cluster_status(0),
        "Cluster status: #{running_nodes =>
                      ['emqx@emqx-0.emqx-headless.default.svc.cluster.local'],
                  stopped_nodes => []}\n"
    );
}

#[test]
fn a_clusterip_service_with_hostname_addressing_crashes_discovery_with_badkey() {
    let mut sim = Sim::new("4.4.19", sts_env_v4());
    sim.rbac = true;
    sim.headless = false;
    sim.add_pod("emqx-0", "10.244.0.5", Some(&fqdn(0)));
    sim.run(10);
    assert!(sim.pods[0].log.iter().any(|l| l.contains(
        "[error] Ekka(AutoCluster): Discover error: {badkey,<<\"hostname\">>}, [{maps,get,[<<\"hostname\">>,#{<<\"ip\">> => <<\"10.244.0.5\">>}]"
    )), "{:#?}", sim.pods[0].log);
}

#[test]
fn the_4x_names_on_5x_warn_once_and_never_run_discovery() {
    let mut sim = Sim::new("5.8.9", sts_env_v4());
    sim.rbac = true;
    sim.add_pod("emqx-0", "10.244.0.5", Some(&fqdn(0)));
    sim.run(20);
    let log = &sim.pods[0].log;
    assert_eq!(
        log.iter()
            .filter(|l| l.starts_with("[warning] unknown_env_vars: "))
            .count(),
        1
    );
    assert!(log.contains(
        &"[warning] unknown_env_vars: [\"EMQX_CLUSTER__DISCOVERY\",\"EMQX_CLUSTER__K8S__APP_NAME\"]".to_string()
    ));
    assert!(!log.iter().any(|l| l.contains("Ekka(AutoCluster)")));
}

#[test]
fn p16_an_unlicensed_5_9_node_joins_then_its_vm_stops_on_the_licence_check() {
    let mut sim = Sim::new("5.9.0", deployment_env_v5());
    sim.rbac = true;
    sim.add_pod("emqx-a", "10.244.0.5", None);
    sim.run(1);
    sim.add_pod("emqx-b", "10.244.0.6", None);
    sim.run(15);
    assert!(
        sim.pods[1]
            .log
            .iter()
            .any(|l| l.starts_with("Kernel pid terminated (application_controller) ({application_start_failure,emqx_license,{\"SINGLE_NODE_LICENSE")),
        "{:#?}",
        sim.pods[1].log
    );
    assert_eq!(sim.pods[1].node.exit_code(), Some(1));
    assert_eq!(sim.pods[0].node.exit_code(), None);
    // The oldest node runs on and lists the joiner it lost as stopped.
    assert_eq!(
        sim.cluster_status(0),
        "Cluster status: #{running_nodes => ['emqx@10.244.0.5'],\n                  \
         stopped_nodes => ['emqx@10.244.0.6']}\n"
    );
    let mut licensed = deployment_env_v5();
    licensed.insert(
        "EMQX_LICENSE__KEY".into(),
        "MjIwMTExCjAKMTAKRXZhbHVhdGlvbgpjb250YWN0QGVtcXguaW8".into(),
    );
    let mut sim = Sim::new("5.9.0", licensed);
    sim.rbac = true;
    sim.add_pod("emqx-a", "10.244.0.5", None);
    sim.run(1);
    sim.add_pod("emqx-b", "10.244.0.6", None);
    sim.run(15);
    assert!(
        sim.cluster_status(1)
            .contains("'emqx@10.244.0.5','emqx@10.244.0.6'")
    );
}

#[test]
fn http_is_refused_while_booting_and_answers_once_running() {
    let mut sim = Sim::new("5.8.9", Env::new());
    sim.add_pod("emqx-a", "10.244.0.5", None);
    let req = HttpRequest {
        method: "GET",
        path: "/status",
        query: "",
        authorization: None,
        body: b"",
    };
    let mut tokens = TokenStore::new();
    let pod = &sim.pods[0];
    assert_eq!(
        pod.node
            .http(18083, &req, &sim.registry, &mut tokens, &[], sim.now),
        HttpAnswer::ConnectionRefused
    );
    let argv: Vec<String> = ["emqx", "ctl", "status"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        pod.node
            .clone()
            .exec(&argv, &mut sim.registry.clone(), sim.now)
            .0
            .stdout,
        "Node 'emqx@10.244.0.5' 5.8.9 is starting\n"
    );
    sim.run(4);
    let pod = &sim.pods[0];
    let HttpAnswer::Response(r) =
        pod.node
            .http(18083, &req, &sim.registry, &mut tokens, &[], sim.now)
    else {
        panic!("refused");
    };
    assert_eq!(r.status, 200);
    assert_eq!(
        pod.node.next_wakeup(),
        None,
        "manual strategy: nothing scheduled"
    );
}

#[test]
fn a_manual_join_from_exec_restarts_the_node_and_shows_the_cluster() {
    let mut sim = Sim::new("5.8.9", Env::new());
    sim.add_pod("emqx-a", "10.244.0.5", None);
    sim.add_pod("emqx-b", "10.244.0.6", None);
    sim.run(4);
    let argv: Vec<String> = ["emqx", "ctl", "cluster", "join", "emqx@10.244.0.5"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (out, lines) = sim.pods[1].node.exec(&argv, &mut sim.registry, sim.now);
    assert_eq!(
        out.stdout,
        "Join the cluster successfully.
Cluster status: #{running_nodes => ['emqx@10.244.0.5','emqx@10.244.0.6'],
                  stopped_nodes => []}\n"
    );
    assert_eq!(
        lines[0].text,
        "Stop listener http:dashboard on :18083 successfully."
    );
    assert_eq!(sim.pods[1].node.http_state(), HttpState::Down);
    sim.run(2);
    assert_eq!(sim.pods[1].node.http_state(), HttpState::Running);
    assert!(
        sim.pods[1]
            .log
            .iter()
            .any(|l| l == "Listener tcp:default on 0.0.0.0:1883 started.")
    );
}

#[path = "node_role_tests.rs"]
mod roles;
