use super::*;
use crate::emqx::boot::boot;
use crate::emqx::line::at;
use crate::emqx::nodename::PodFacts;
use crate::emqx::settings::Env;

fn v(tag: &str) -> Version {
    Version::parse_tag(tag).unwrap_or_else(|| panic!("bad tag {tag}"))
}

fn env(pairs: &[(&str, &str)]) -> Env {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn text(lines: &[Line]) -> String {
    lines.iter().map(|l| format!("{}\n", l.text)).collect()
}

const FQDN: &str = "emqx-0.emqx-headless.default.svc.cluster.local";

#[test]
fn a_healthy_4x_chart_pod_logs_what_emqx_md_shows() {
    let e = env(&[
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
    ]);
    let version = v("4.4.19");
    let pod = PodFacts::new("emqx-0", "10.244.0.5", Some(FQDN));
    let booted = boot(&version, &e, &pod).unwrap_or_else(|f| panic!("{f:?}"));
    let mut lines = booted.start_lines.clone();
    lines.extend(boot_finish(&version));
    assert_eq!(
        text(&lines),
        "!!!!!!
WARNING: Default (insecure) Erlang cookie is in use.
Please set node.cookie in /opt/emqx/etc/emqx.conf or override from environment variable EMQX_NODE_COOKIE
NOTE: Use the same config value for all nodes in the cluster.
!!!!!!
Starting emqx on node emqx@emqx-0.emqx-headless.default.svc.cluster.local
Start mqtt:tcp:internal listener on 127.0.0.1:11883 successfully.
Start mqtt:tcp:external listener on 0.0.0.0:1883 successfully.
Start mqtt:ws:external listener on 0.0.0.0:8083 successfully.
Start mqtt:ssl:external listener on 0.0.0.0:8883 successfully.
Start mqtt:wss:external listener on 0.0.0.0:8084 successfully.
Start http:management listener on 8081 successfully.
Start http:dashboard listener on 18083 successfully.
EMQX Broker 4.4.19 is running now!
"
    );
    assert!(lines[..5].iter().all(|l| l.stream == Stream::Stderr));
    assert!(lines.iter().all(|l| l.level.is_none()));
}

#[test]
fn a_healthy_5x_chart_pod_logs_what_emqx_md_shows() {
    let e = env(&[
        ("EMQX_DASHBOARD__DEFAULT_USERNAME", "admin"),
        ("EMQX_DASHBOARD__DEFAULT_PASSWORD", "public"),
        ("EMQX_CLUSTER__DISCOVERY_STRATEGY", "k8s"),
        ("EMQX_NAME", "emqx"),
        ("EMQX_HOST", FQDN),
        ("POD_NAME", "emqx-0"),
    ]);
    let version = v("5.8.9");
    let pod = PodFacts::new("emqx-0", "10.244.0.5", Some(FQDN));
    let booted = boot(&version, &e, &pod).unwrap_or_else(|f| panic!("{f:?}"));
    let mut lines = booted.start_lines.clone();
    lines.extend(boot_finish(&version));
    assert_eq!(
        text(&lines),
        "WARNING: Default (insecure) Erlang cookie is in use.
WARNING: Configure node.cookie in /opt/emqx/etc/emqx.conf or override from environment variable EMQX_NODE__COOKIE
WARNING: NOTE: Use the same cookie for all nodes in the cluster.
EMQX_DASHBOARD__DEFAULT_PASSWORD [dashboard.default_password]: ******
EMQX_DASHBOARD__DEFAULT_USERNAME [dashboard.default_username]: admin
EMQX_RPC__PORT_DISCOVERY [rpc.port_discovery]: manual
EMQX_CLUSTER__DISCOVERY_STRATEGY [cluster.discovery_strategy]: k8s
EMQX_NODE__NAME [node.name]: emqx@emqx-0.emqx-headless.default.svc.cluster.local
Listener ssl:default on 0.0.0.0:8883 started.
Listener tcp:default on 0.0.0.0:1883 started.
Listener ws:default on 0.0.0.0:8083 started.
Listener wss:default on 0.0.0.0:8084 started.
Listener http:dashboard on :18083 started.
EMQX 5.8.9 is running now!
"
    );
    assert!(lines.iter().all(|l| l.stream == Stream::Stdout));
}

#[test]
fn a_set_cookie_silences_the_warning() {
    let e = env(&[("EMQX_NODE__COOKIE", "s3cret")]);
    let pod = PodFacts::new("emqx-0", "10.244.0.5", None);
    let booted = boot(&v("5.8.9"), &e, &pod).unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!(
        text(&booted.start_lines),
        "EMQX_RPC__PORT_DISCOVERY [rpc.port_discovery]: manual
EMQX_NODE__COOKIE [node.cookie]: ******
EMQX_NODE__NAME [node.name]: emqx@10.244.0.5
"
    );
}

const FORBIDDEN: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"endpoints \"emqx-headless\" is forbidden: User \"system:serviceaccount:default:default\" cannot get resource \"endpoints\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"name":"emqx-headless","kind":"endpoints"},"code":403}
"#;

fn forbidden() -> DiscoveryError {
    DiscoveryError::Http {
        status: 403,
        body: FORBIDDEN.as_bytes().to_vec(),
    }
}

#[test]
fn the_4x_403_round_matches_the_emqx_md_lines_byte_for_byte() {
    let lines = discovery_failed(&v("4.4.19"), &forbidden(), ErlRef(0, 0, 0));
    assert_eq!(
        lines[0].render(at("2024-05-01T10:00:05.101234Z")),
        r#"2024-05-01T10:00:05.101234+00:00 [error] Ekka(AutoCluster): Discovery error: {403,"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"endpoints \\\"emqx-headless\\\" is forbidden: User \\\"system:serviceaccount:default:default\\\" cannot get resource \\\"endpoints\\\" in API group \\\"\\\" in the namespace \\\"default\\\"\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"emqx-headless\",\"kind\":\"endpoints\"},\"code\":403}\n"}"#
    );
    assert_eq!(
        lines[1].render(at("2024-05-01T10:00:05.101300Z")),
        "2024-05-01T10:00:05.101300+00:00 [warning] Ekka(AutoCluster): discovery did not succeed; retrying in 5000 ms"
    );
}

#[test]
fn a_5x_failed_round_logs_two_errors_and_5_8_9_prints_a_ref() {
    let lines = discovery_failed(&v("5.7.2"), &forbidden(), ErlRef(0, 0, 0));
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0]
            .text
            .starts_with("Ekka(AutoCluster): Discovery error: {403,\"{\\\"kind\\\"")
    );
    assert!(
        lines[1]
            .text
            .starts_with("Ekka(AutoCluster): Core node discovery error: {403,\"{")
    );
    assert!(lines.iter().all(|l| l.level == Some(Level::Error)));
    let r = ErlRef(3590434715, 3911712769, 105463);
    let lines = discovery_failed(&v("5.8.9"), &forbidden(), r);
    assert_eq!(
        text(&lines),
        "Ekka(AutoCluster): Discovery error: {403,#Ref<0.3590434715.3911712769.105463>}
Ekka(AutoCluster): Core node discovery error: {403,#Ref<0.3590434715.3911712769.105463>}
"
    );
}

#[test]
fn badkey_lines_differ_in_format_between_the_two_5x_lines() {
    let err = DiscoveryError::BadKey {
        address: serde_json::json!({"ip": "10.244.1.5"}),
    };
    let lines = discovery_failed(&v("5.8.9"), &err, ErlRef(0, 0, 0));
    assert!(lines[0].text.starts_with(
        "Ekka(AutoCluster): Discover error: {badkey,<<\"hostname\">>}, [{maps,get,[<<\"hostname\">>,#{<<\"ip\">> => <<\"10.244.1.5\">>}],"
    ));
    assert!(lines[1].text.starts_with(
        "Ekka(AutoCluster): Core node discovery error {badkey,<<\"hostname\">>}: [{maps,get,"
    ));
    let lines = discovery_failed(&v("4.4.19"), &err, ErlRef(0, 0, 0));
    assert!(
        lines[0]
            .text
            .starts_with("Ekka(AutoCluster): Discover error: {badkey,<<\"hostname\">>}, [")
    );
    assert_eq!(lines[1].text, RETRYING);
}

#[test]
fn nodes_outside_the_cluster_warn_only_on_4x() {
    let nodes = vec![
        "emqx@emqx-1.emqx-headless.default.svc.cluster.local".to_string(),
        "emqx@emqx-2.emqx-headless.default.svc.cluster.local".to_string(),
    ];
    assert_eq!(
        text(&outside_cluster(&v("4.4.19"), &nodes)),
        "Ekka(AutoCluster): discovered nodes outside cluster: ['emqx@emqx-1.emqx-headless.default.svc.cluster.local','emqx@emqx-2.emqx-headless.default.svc.cluster.local']
Ekka(AutoCluster): discovery did not succeed; retrying in 5000 ms
"
    );
    assert!(outside_cluster(&v("5.8.9"), &nodes).is_empty());
}

#[test]
fn joining_restarts_listeners_per_version() {
    let four = joined(&v("4.4.19"), "emqx@10.244.0.6");
    assert_eq!(four[0].level, Some(Level::Critical));
    assert_eq!(four[0].text, "[EMQX] emqx shutdown for join");
    assert_eq!(
        four[1].text,
        "Stop mqtt:tcp:internal listener on 127.0.0.1:11883 successfully."
    );
    assert!(text(&four).contains("Start http:dashboard listener on 18083 successfully.\n"));
    let five = joined(&v("5.8.9"), "emqx@10.244.0.6");
    let t = text(&five);
    assert!(t.starts_with("Stop listener http:dashboard on :18083 successfully.\nListener ssl:default on 0.0.0.0:8883 stopped.\n"));
    assert!(t.ends_with("Listener http:dashboard on :18083 started.\n"));
    assert!(!t.contains("is running now!"));
}

#[test]
fn table_waits_name_the_library_per_version() {
    let line = waiting_for_tables(Family::V4, &default_waited_tables(Family::V4));
    assert_eq!(
        line.render(at("2021-07-23T17:51:58.350855Z")),
        "2021-07-23T17:51:58.350855+00:00 [warning] ekka_mnesia: still waiting for table(s): [emqx_resource,mqtt_app,emqx_rule,emqx_banned,mqtt_admin]"
    );
    let line = waiting_for_tables(Family::V5, &["emqx_app".to_string()]);
    assert_eq!(
        line.text,
        "mria_mnesia: still waiting for table(s): [emqx_app]"
    );
}

#[test]
fn p16_the_licence_crash_is_the_vm_stopping_on_emqx_license_start_failure() {
    let lines = licence_crash();
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert!(lines.iter().all(|l| l.level.is_none()));
    assert_eq!(
        texts[3],
        "Kernel pid terminated (application_controller) ({application_start_failure,emqx_license,\
         {\"SINGLE_NODE_LICENSE, make sure this node and peer nodes are configured with a valid \
         license\",{emqx_license_app,start,[normal,[]]}}})"
    );
    assert!(texts[2].starts_with("{\"Kernel pid terminated\",application_controller,\"{application_start_failure,emqx_license,{\\\"SINGLE_NODE_LICENSE"));
}

#[test]
fn a_missing_token_file_is_logged_as_enoent() {
    assert_eq!(
        token_unreadable().render(at("2024-05-01T10:00:05.101234Z")),
        "2024-05-01T10:00:05.101234+00:00 [error] Ekka(k8s): Cannot read token: enoent"
    );
}
