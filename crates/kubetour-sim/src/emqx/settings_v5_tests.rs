use super::*;
use crate::emqx::settings::{DnsSettings, RecordType, Role};

fn env(pairs: &[(&str, &str)]) -> Env {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn v(tag: &str) -> Version {
    Version::parse_tag(tag).unwrap_or_else(|| panic!("bad tag {tag}"))
}

fn good() -> Env {
    env(&[
        ("EMQX_CLUSTER__DISCOVERY_STRATEGY", "k8s"),
        (
            "EMQX_CLUSTER__K8S__APISERVER",
            "https://kubernetes.default.svc:443",
        ),
        ("EMQX_CLUSTER__K8S__SERVICE_NAME", "emqx-headless"),
        ("EMQX_CLUSTER__K8S__NAMESPACE", "default"),
        ("EMQX_CLUSTER__K8S__ADDRESS_TYPE", "hostname"),
        ("EMQX_CLUSTER__K8S__SUFFIX", "svc.cluster.local"),
        ("EMQX_NAME", "emqx"),
        (
            "EMQX_HOST",
            "emqx-0.emqx-headless.default.svc.cluster.local",
        ),
        ("EMQX_RPC__PORT_DISCOVERY", "manual"),
        (
            "EMQX_NODE__NAME",
            "emqx@emqx-0.emqx-headless.default.svc.cluster.local",
        ),
    ])
}

fn fail(version: &str, env: &Env) -> BootFailure {
    match generate(&v(version), env) {
        Err(f) => f,
        Ok(s) => panic!("expected a boot failure, got {s:?}"),
    }
}

fn text(f: &BootFailure) -> String {
    let mut out = String::new();
    for l in &f.lines {
        assert_eq!(l.stream, Stream::Stderr);
        assert_eq!(l.level, None);
        out.push_str(&l.text);
        out.push('\n');
    }
    out
}

const TAIL: &str = "  in function  hocon_tconf:assert/2 (hocon_tconf.erl, line 1227)
  in call from hocon_tconf:map/4 (hocon_tconf.erl, line 303)
  in call from hocon_cli:get_values/3 (hocon_cli.erl, line 194)
  in call from hocon_cli:multi_get/2 (hocon_cli.erl, line 182)
  in call from escript:run/2 (escript.erl, line 750)
  in call from escript:start/1 (escript.erl, line 277)
  in call from init:start_em/1
  in call from init:do_boot/3
ERROR: call_hocon_failed: -s emqx_conf_schema -c /opt/emqx/etc/emqx.conf multi_get node.data_dir node.name node.cookie node.db_backend cluster.proto_dist node.dist_net_ticktime
";

#[test]
fn the_minimal_env_block_gives_k8s_with_5x_defaults_elsewhere() {
    let s = generate(
        &v("5.8.9"),
        &env(&[("EMQX_CLUSTER__DISCOVERY_STRATEGY", "k8s")]),
    )
    .unwrap_or_else(|f| panic!("{f:?}"));
    let k8s = s.k8s.unwrap_or_else(|| panic!("k8s settings"));
    assert_eq!(k8s.apiserver, "https://kubernetes.default.svc:443");
    assert_eq!(k8s.service_name, "emqx");
    assert_eq!(k8s.address_type, AddressType::Ip);
    assert_eq!(k8s.app_name, None);
    assert_eq!(k8s.namespace, "default");
    assert_eq!(k8s.suffix, "pod.local");
    assert_eq!(s.autoclean, Duration::from_secs(86400));
    assert_eq!(s.cookie, "emqxsecretcookie");
    assert!(s.warnings.is_empty());
}

#[test]
fn kubernetes_fails_the_hocon_check_with_the_escript_block() {
    let mut e = good();
    e.insert(
        "EMQX_CLUSTER__DISCOVERY_STRATEGY".into(),
        "kubernetes".into(),
    );
    let f = fail("5.8.9", &e);
    assert_eq!(f.exit_code, 1);
    let expected = format!(
        "escript: exception throw: {{emqx_conf_schema,[#{{reason =>
                                          unable_to_convert_to_enum_symbol,
                                      value => <<\"kubernetes\">>,
                                      path => \"cluster.discovery_strategy\",
                                      kind => validation_error}}]}}
{TAIL}"
    );
    assert_eq!(text(&f), expected);
}

#[test]
fn hosname_fails_the_hocon_check_on_its_path() {
    let mut e = good();
    e.insert("EMQX_CLUSTER__K8S__ADDRESS_TYPE".into(), "hosname".into());
    let f = fail("5.7.2", &e);
    assert_eq!(f.exit_code, 1);
    let t = text(&f);
    assert!(t.contains("value => <<\"hosname\">>,"), "{t}");
    assert!(t.contains("path => \"cluster.k8s.address_type\","), "{t}");
    assert!(t.contains("unable_to_convert_to_enum_symbol"), "{t}");
    assert!(t.ends_with(TAIL));
}

#[test]
fn an_existing_atom_is_not_a_enum_symbol() {
    let mut e = good();
    e.insert("EMQX_CLUSTER__K8S__ADDRESS_TYPE".into(), "k8s".into());
    let t = text(&fail("5.8.9", &e));
    assert!(
        t.contains("reason => not_a_enum_symbol,value => k8s,"),
        "{t}"
    );
}

#[test]
fn singleton_is_a_strategy_only_from_5_8() {
    let e = env(&[("EMQX_CLUSTER__DISCOVERY_STRATEGY", "singleton")]);
    assert!(generate(&v("5.8.0"), &e).is_ok());
    assert!(generate(&v("5.7.2"), &e).is_err());
}

#[test]
fn the_4x_names_under_5x_warn_and_leave_discovery_manual() {
    let e = env(&[
        ("EMQX_CLUSTER__DISCOVERY", "k8s"),
        ("EMQX_CLUSTER__K8S__APP_NAME", "emqx"),
        ("EMQX_CLUSTER__K8S__SERVICE_NAME", "emqx-headless"),
        ("EMQX_NAME", "emqx"),
        ("EMQX_LOADED_PLUGINS", "x"),
    ]);
    for tag in ["5.7.2", "5.8.9"] {
        let s = generate(&v(tag), &e).unwrap_or_else(|f| panic!("{f:?}"));
        assert_eq!(s.strategy, Strategy::Manual);
        assert_eq!(s.k8s, None);
        assert_eq!(
            s.warnings,
            [Line::plain(
                Stream::Stderr,
                "[warning] unknown_env_vars: [\"EMQX_CLUSTER__DISCOVERY\",\"EMQX_CLUSTER__K8S__APP_NAME\"]"
            )]
        );
    }
}

#[test]
fn single_underscore_names_have_an_unknown_root_and_are_silent() {
    let e = env(&[("EMQX_CLUSTER_DISCOVERY_STRATEGY", "k8s")]);
    let s = generate(&v("5.8.9"), &e).unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!(s.strategy, Strategy::Manual);
    assert!(s.warnings.is_empty());
}

#[test]
fn override_lines_follow_reverse_root_order_and_hide_secrets() {
    let mut e = good();
    e.insert("EMQX_DASHBOARD__DEFAULT_USERNAME".into(), "admin".into());
    e.insert("EMQX_DASHBOARD__DEFAULT_PASSWORD".into(), "public".into());
    e.retain(|k, _| !k.starts_with("EMQX_CLUSTER__K8S"));
    let s = generate(&v("5.8.9"), &e).unwrap_or_else(|f| panic!("{f:?}"));
    let lines: Vec<String> = s.overrides.iter().map(override_line).collect();
    assert_eq!(
        lines,
        [
            "EMQX_DASHBOARD__DEFAULT_PASSWORD [dashboard.default_password]: ******",
            "EMQX_DASHBOARD__DEFAULT_USERNAME [dashboard.default_username]: admin",
            "EMQX_RPC__PORT_DISCOVERY [rpc.port_discovery]: manual",
            "EMQX_CLUSTER__DISCOVERY_STRATEGY [cluster.discovery_strategy]: k8s",
            "EMQX_NODE__NAME [node.name]: emqx@emqx-0.emqx-headless.default.svc.cluster.local",
        ]
    );
    assert_eq!(s.dashboard_password, "public");
}

#[test]
fn a_licence_key_and_cookie_are_read() {
    let e = env(&[("EMQX_LICENSE__KEY", "abc"), ("EMQX_NODE__COOKIE", "c")]);
    let s = generate(&v("5.9.0"), &e).unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!(s.licence_key.as_deref(), Some("abc"));
    assert_eq!(s.cookie, "c");
    let line = override_line(&s.overrides[0]);
    assert_eq!(line, "EMQX_LICENSE__KEY [license.key]: ******");
}

#[test]
fn a_quoted_env_value_is_read_as_a_hocon_string() {
    let e = env(&[("EMQX_CLUSTER__DISCOVERY_STRATEGY", "\"k8s\"")]);
    let s = generate(&v("5.8.9"), &e).unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!(s.strategy, Strategy::K8s);
}

#[test]
fn dns_discovery_reads_name_and_record_type_with_their_schema_defaults() {
    let s = generate(
        &v("5.8.9"),
        &env(&[
            ("EMQX_CLUSTER__DISCOVERY_STRATEGY", "dns"),
            (
                "EMQX_CLUSTER__DNS__NAME",
                "emqx-headless.default.svc.cluster.local",
            ),
            ("EMQX_CLUSTER__DNS__RECORD_TYPE", "srv"),
        ]),
    )
    .unwrap();
    let dns = s.dns.unwrap();
    assert_eq!(dns.name, "emqx-headless.default.svc.cluster.local");
    assert_eq!(dns.record_type, RecordType::Srv);
    let bare = generate(
        &v("5.8.9"),
        &env(&[("EMQX_CLUSTER__DISCOVERY_STRATEGY", "dns")]),
    )
    .unwrap();
    assert_eq!(
        bare.dns,
        Some(DnsSettings {
            name: "localhost".into(),
            record_type: RecordType::A
        })
    );
    assert_eq!(generate(&v("5.8.9"), &good()).unwrap().dns, None);
}

#[test]
fn the_node_role_defaults_to_core_and_replicant_needs_enterprise_or_5_9() {
    assert_eq!(generate(&v("5.8.9"), &good()).unwrap().role, Role::Core);
    let replicant = env(&[("EMQX_NODE__ROLE", "replicant")]);
    assert_eq!(
        generate(&v("5.9.0"), &replicant).unwrap().role,
        Role::Replicant
    );
    let enterprise = crate::emqx::version::parse_image("emqx/emqx-enterprise:5.8.9").unwrap();
    assert_eq!(
        generate(&enterprise, &replicant).unwrap().role,
        Role::Replicant
    );
    let out = text(&fail("5.8.9", &replicant));
    assert!(
        out.starts_with("escript: exception throw: {emqx_conf_schema,[#{reason =>\n"),
        "{out}"
    );
    assert!(
        out.contains("\"Node role 'replicant' is only allowed in Enterprise edition since 5.8.0\""),
        "{out}"
    );
    assert!(
        out.contains("value => replicant,path => \"node.role\""),
        "{out}"
    );
    let core = env(&[("EMQX_NODE__ROLE", "core")]);
    assert_eq!(generate(&v("5.8.9"), &core).unwrap().role, Role::Core);
}
