//! Each invalid EMQX setting of issue 4, through the model's public boot entry point:
//! the exact lines the container prints and its exit code (CrashLoopBackOff material),
//! or the silent non-cluster.

use kubetour_sim::emqx::boot::boot;
use kubetour_sim::emqx::line::{BootFailure, Stream, render_burst};
use kubetour_sim::emqx::nodename::PodFacts;
use kubetour_sim::emqx::settings::{Env, Strategy};
use kubetour_sim::emqx::version::{Version, parse_image};

fn image(name: &str) -> Version {
    parse_image(name).unwrap_or_else(|| panic!("{name} is EMQX"))
}

fn env(pairs: &[(&str, &str)]) -> Env {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn deployment_pod() -> PodFacts {
    PodFacts::new("emqx-deployment-7d9f8b6c5-x2x9z", "10.244.0.5", None)
}

fn fails(version: &Version, e: &Env, pod: &PodFacts) -> BootFailure {
    match boot(version, e, pod) {
        Err(f) => f,
        Ok(b) => panic!(
            "expected the container to exit, it booted as {}",
            b.node_name
        ),
    }
}

fn rendered(f: &BootFailure) -> Vec<String> {
    let start = "2024-05-01T10:00:00.123456Z"
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    render_burst(&f.lines, start, 44)
        .into_iter()
        .map(|(_, l)| l)
        .collect()
}

fn v4_env() -> Env {
    env(&[
        ("EMQX_NAME", "emqx"),
        ("EMQX_CLUSTER__DISCOVERY", "k8s"),
        ("EMQX_CLUSTER__K8S__APP_NAME", "emqx"),
        (
            "EMQX_CLUSTER__K8S__APISERVER",
            "https://kubernetes.default.svc:443",
        ),
        ("EMQX_CLUSTER__K8S__SERVICE_NAME", "emqx-service"),
        ("EMQX_CLUSTER__K8S__NAMESPACE", "default"),
    ])
}

#[test]
fn kubernetes_on_4x_exits_1_with_function_clause_and_the_echoed_settings() {
    let mut e = v4_env();
    e.insert("EMQX_CLUSTER__DISCOVERY".into(), "kubernetes".into());
    let f = fails(&image("emqx/emqx:4.4.19"), &e, &deployment_pod());
    assert_eq!(f.exit_code, 1);
    assert_eq!(
        rendered(&f),
        [
            "2024-05-01T10:00:00.123456+00:00 [error] Error generating configuration in phase apply_translations",
            "2024-05-01T10:00:00.123500+00:00 [error] Error running translation for ekka.cluster_discovery, [error, function_clause]",
            "cluster.discovery = \"kubernetes\"",
            "cluster.k8s.apiserver = \"https://kubernetes.default.svc:443\"",
            "cluster.k8s.app_name = \"emqx\"",
            "cluster.k8s.namespace = \"default\"",
            "cluster.k8s.service_name = \"emqx-service\"",
            "listener.ssl.external.acceptors = \"32\"",
            "listener.ssl.external.max_connections = \"102400\"",
            "listener.tcp.external.acceptors = \"64\"",
            "listener.tcp.external.max_connections = \"1024000\"",
            "listener.ws.external.acceptors = \"16\"",
            "listener.ws.external.max_connections = \"102400\"",
            "listener.wss.external.acceptors = \"16\"",
            "listener.wss.external.max_connections = \"102400\"",
            "log.to = \"console\"",
            "node.max_ports = \"1048576\"",
            "node.name = \"emqx@10.244.0.5\"",
            "node.process_limit = \"2097152\"",
            "rpc.port_discovery = \"manual\"",
        ]
    );
    assert_eq!(f.lines[0].stream, Stream::Stderr);
    assert_eq!(f.lines[2].stream, Stream::Stdout);
}

#[test]
fn a_missing_app_name_on_4x_names_the_setting() {
    let mut e = v4_env();
    e.remove("EMQX_CLUSTER__K8S__APP_NAME");
    let f = fails(&image("emqx/emqx:4.4.19"), &e, &deployment_pod());
    assert_eq!(f.exit_code, 1);
    assert_eq!(
        rendered(&f)[1],
        "2024-05-01T10:00:00.123500+00:00 [error] Translation for 'ekka.cluster_discovery' expected to find setting 'cluster.k8s.app_name' but was missing"
    );
}

#[test]
fn hosname_on_4x_fails_the_datatype_phase() {
    let mut e = v4_env();
    e.insert("EMQX_CLUSTER__K8S__ADDRESS_TYPE".into(), "hosname".into());
    let f = fails(&image("emqx/emqx:4.4.19"), &e, &deployment_pod());
    assert_eq!(f.exit_code, 1);
    assert_eq!(
        rendered(&f)[..3],
        [
            "2024-05-01T10:00:00.123456+00:00 [error] Error generating configuration in phase transform_datatypes",
            "2024-05-01T10:00:00.123500+00:00 [error] Error transforming datatype for: cluster.k8s.address_type",
            "2024-05-01T10:00:00.123544+00:00 [error] \"hosname\" is not a valid enum value, acceptable values are: ip, dns, hostname",
        ]
    );
}

fn v5_env() -> Env {
    env(&[
        ("EMQX_CLUSTER__DISCOVERY_STRATEGY", "k8s"),
        ("EMQX_CLUSTER__K8S__SERVICE_NAME", "emqx-service"),
        ("EMQX_CLUSTER__K8S__NAMESPACE", "default"),
    ])
}

const ESCRIPT_TAIL: [&str; 9] = [
    "  in function  hocon_tconf:assert/2 (hocon_tconf.erl, line 1227)",
    "  in call from hocon_tconf:map/4 (hocon_tconf.erl, line 303)",
    "  in call from hocon_cli:get_values/3 (hocon_cli.erl, line 194)",
    "  in call from hocon_cli:multi_get/2 (hocon_cli.erl, line 182)",
    "  in call from escript:run/2 (escript.erl, line 750)",
    "  in call from escript:start/1 (escript.erl, line 277)",
    "  in call from init:start_em/1",
    "  in call from init:do_boot/3",
    "ERROR: call_hocon_failed: -s emqx_conf_schema -c /opt/emqx/etc/emqx.conf multi_get node.data_dir node.name node.cookie node.db_backend cluster.proto_dist node.dist_net_ticktime",
];

#[test]
fn kubernetes_on_5x_exits_1_with_the_escript_validation_error() {
    let mut e = v5_env();
    e.insert(
        "EMQX_CLUSTER__DISCOVERY_STRATEGY".into(),
        "kubernetes".into(),
    );
    let f = fails(&image("emqx/emqx:5.8.9"), &e, &deployment_pod());
    assert_eq!(f.exit_code, 1);
    let lines = rendered(&f);
    assert_eq!(
        lines[..5],
        [
            "escript: exception throw: {emqx_conf_schema,[#{reason =>",
            "                                          unable_to_convert_to_enum_symbol,",
            "                                      value => <<\"kubernetes\">>,",
            "                                      path => \"cluster.discovery_strategy\",",
            "                                      kind => validation_error}]}",
        ]
    );
    assert_eq!(lines[5..], ESCRIPT_TAIL);
    assert!(f.lines.iter().all(|l| l.stream == Stream::Stderr));
}

#[test]
fn hosname_on_5x_exits_1_on_the_address_type_path() {
    let mut e = v5_env();
    e.insert("EMQX_CLUSTER__K8S__ADDRESS_TYPE".into(), "hosname".into());
    let f = fails(&image("emqx/emqx:5.7.2"), &e, &deployment_pod());
    assert_eq!(f.exit_code, 1);
    let lines = rendered(&f);
    assert_eq!(
        lines[2],
        "                                      value => <<\"hosname\">>,"
    );
    assert_eq!(
        lines[3],
        "                                      path => \"cluster.k8s.address_type\","
    );
    assert_eq!(lines[5..], ESCRIPT_TAIL);
}

#[test]
fn the_4x_names_on_5x_boot_with_a_warning_and_no_discovery() {
    let booted = boot(&image("emqx/emqx:5.8.9"), &v4_env(), &deployment_pod())
        .unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!(booted.settings.strategy, Strategy::Manual);
    assert_eq!(booted.settings.k8s, None);
    let texts: Vec<&str> = booted.start_lines.iter().map(|l| l.text.as_str()).collect();
    assert!(texts.contains(
        &"[warning] unknown_env_vars: [\"EMQX_CLUSTER__DISCOVERY\",\"EMQX_CLUSTER__K8S__APP_NAME\"]"
    ));
}

#[test]
fn the_5x_names_on_4x_are_ignored_silently() {
    let mut e = v5_env();
    e.insert("EMQX_NAME".into(), "emqx".into());
    let booted =
        boot(&image("emqx/emqx:4.4.19"), &e, &deployment_pod()).unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!(booted.settings.strategy, Strategy::Manual);
    assert!(
        booted
            .start_lines
            .iter()
            .all(|l| !l.text.contains("unknown"))
    );
}

#[test]
fn hostname_addressing_in_a_deployment_exits_1_without_a_word() {
    for (img, strategy) in [
        ("emqx/emqx:4.4.19", "EMQX_CLUSTER__DISCOVERY"),
        ("emqx/emqx:5.8.9", "EMQX_CLUSTER__DISCOVERY_STRATEGY"),
    ] {
        let e = env(&[
            (strategy, "k8s"),
            ("EMQX_CLUSTER__K8S__ADDRESS_TYPE", "hostname"),
            ("EMQX_CLUSTER__K8S__NAMESPACE", "default"),
        ]);
        let f = fails(&image(img), &e, &deployment_pod());
        assert_eq!((f.lines.len(), f.exit_code), (0, 1), "{img}");
    }
}
