use super::*;
use crate::emqx::line::at;

fn env(pairs: &[(&str, &str)]) -> Env {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The appendix's minimal correct 4.4 env block (EMQX.md), plus what the entrypoint adds.
fn good() -> Env {
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
        ("EMQX_LOG__TO", "console"),
        (
            "EMQX_NODE__NAME",
            "emqx@emqx-0.emqx-headless.default.svc.cluster.local",
        ),
    ])
}

fn fail(env: &Env) -> BootFailure {
    match generate(env) {
        Err(f) => f,
        Ok(s) => panic!("expected a boot failure, got {s:?}"),
    }
}

fn texts(lines: &[Line]) -> Vec<String> {
    lines.iter().map(|l| l.text.clone()).collect()
}

#[test]
fn the_appendix_env_block_gives_k8s_hostname_discovery() {
    let s = generate(&good()).unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!(s.strategy, Strategy::K8s);
    let k8s = s.k8s.unwrap_or_else(|| panic!("k8s settings"));
    assert_eq!(k8s.apiserver, "https://kubernetes.default.svc:443");
    assert_eq!(k8s.service_name, "emqx-headless");
    assert_eq!(k8s.address_type, AddressType::Hostname);
    assert_eq!(k8s.app_name.as_deref(), Some("emqx"));
    assert_eq!(k8s.namespace, "default");
    assert_eq!(k8s.suffix, "svc.cluster.local");
    assert_eq!(s.cookie, "emqxsecretcookie");
    assert_eq!(s.autoclean, Duration::from_secs(300));
    assert_eq!(
        (s.mgmt_app_id.as_str(), s.mgmt_app_secret.as_str()),
        ("admin", "public")
    );
}

#[test]
fn kubernetes_instead_of_k8s_is_a_function_clause() {
    let mut e = good();
    e.insert("EMQX_CLUSTER__DISCOVERY".into(), "kubernetes".into());
    let f = fail(&e);
    assert_eq!(f.exit_code, 1);
    let rendered: Vec<String> = f.lines[..2]
        .iter()
        .map(|l| l.render(at("2024-05-01T10:00:00.123456Z")))
        .collect();
    assert_eq!(
        rendered,
        [
            "2024-05-01T10:00:00.123456+00:00 [error] Error generating configuration in phase apply_translations",
            "2024-05-01T10:00:00.123456+00:00 [error] Error running translation for ekka.cluster_discovery, [error, function_clause]",
        ]
    );
    assert!(f.lines[..2].iter().all(|l| l.stream == Stream::Stderr));
    assert_eq!(
        texts(&f.lines[2..]),
        [
            "cluster.discovery = \"kubernetes\"",
            "cluster.k8s.address_type = \"hostname\"",
            "cluster.k8s.apiserver = \"https://kubernetes.default.svc:443\"",
            "cluster.k8s.app_name = \"emqx\"",
            "cluster.k8s.namespace = \"default\"",
            "cluster.k8s.service_name = \"emqx-headless\"",
            "cluster.k8s.suffix = \"svc.cluster.local\"",
            "log.to = \"console\"",
            "node.name = \"emqx@emqx-0.emqx-headless.default.svc.cluster.local\"",
        ]
    );
    assert!(
        f.lines[2..]
            .iter()
            .all(|l| l.stream == Stream::Stdout && l.level.is_none())
    );
}

#[test]
fn a_missing_app_name_is_reported_by_the_translation() {
    let mut e = good();
    e.remove("EMQX_CLUSTER__K8S__APP_NAME");
    let f = fail(&e);
    assert_eq!(f.exit_code, 1);
    assert_eq!(
        texts(&f.lines[..2]),
        [
            "Error generating configuration in phase apply_translations",
            "Translation for 'ekka.cluster_discovery' expected to find setting 'cluster.k8s.app_name' but was missing",
        ]
    );
}

#[test]
fn the_first_missing_key_in_read_order_is_reported() {
    let mut e = good();
    e.remove("EMQX_CLUSTER__K8S__NAMESPACE");
    e.remove("EMQX_CLUSTER__K8S__SERVICE_NAME");
    e.remove("EMQX_CLUSTER__K8S__APISERVER");
    let f = fail(&e);
    assert!(f.lines[1].text.contains("'cluster.k8s.apiserver'"));
    e.insert("EMQX_CLUSTER__K8S__APISERVER".into(), "x".into());
    let f = fail(&e);
    assert!(f.lines[1].text.contains("'cluster.k8s.service_name'"));
}

#[test]
fn hosname_fails_the_datatype_phase_with_three_lines() {
    let mut e = good();
    e.insert("EMQX_CLUSTER__K8S__ADDRESS_TYPE".into(), "hosname".into());
    let f = fail(&e);
    assert_eq!(f.exit_code, 1);
    let rendered =
        crate::emqx::line::render_burst(&f.lines[..3], at("2024-05-01T10:00:00.039605Z"), 48);
    assert_eq!(
        rendered[0].1,
        "2024-05-01T10:00:00.039605+00:00 [error] Error generating configuration in phase transform_datatypes"
    );
    assert_eq!(
        rendered[1].1,
        "2024-05-01T10:00:00.039653+00:00 [error] Error transforming datatype for: cluster.k8s.address_type"
    );
    assert_eq!(
        f.lines[2].text,
        "\"hosname\" is not a valid enum value, acceptable values are: ip, dns, hostname"
    );
    assert_eq!(f.lines[3].text, "cluster.discovery = \"k8s\"");
    assert!(texts(&f.lines).contains(&"cluster.k8s.address_type = \"hosname\"".to_string()));
}

#[test]
fn the_5x_strategy_name_is_silently_ignored() {
    let e = env(&[
        ("EMQX_CLUSTER__DISCOVERY_STRATEGY", "k8s"),
        (
            "EMQX_CLUSTER__K8S__APISERVER",
            "https://kubernetes.default.svc:443",
        ),
    ]);
    let s = generate(&e).unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!(s.strategy, Strategy::Manual);
    assert_eq!(s.k8s, None);
    assert!(s.warnings.is_empty());
    assert!(
        s.overrides
            .iter()
            .all(|o| o.env != "EMQX_CLUSTER__DISCOVERY_STRATEGY")
    );
}

#[test]
fn single_underscore_names_are_not_mappings() {
    let e = env(&[("EMQX_CLUSTER_DISCOVERY", "k8s")]);
    let s = generate(&e).unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!(s.strategy, Strategy::Manual);
}

#[test]
fn a_cookie_and_autoclean_override_are_taken() {
    let mut e = good();
    e.insert("EMQX_NODE__COOKIE".into(), "s3cret".into());
    e.insert("EMQX_CLUSTER__AUTOCLEAN".into(), "1m".into());
    let s = generate(&e).unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!(s.cookie, "s3cret");
    assert!(!s.cookie_is_default());
    assert_eq!(s.autoclean, Duration::from_secs(60));
}

#[test]
fn the_5x_node_role_is_no_4x_mapping_and_is_ignored() {
    let mut with_role = good();
    with_role.insert("EMQX_NODE__ROLE".into(), "replicant".into());
    let s = generate(&with_role).unwrap();
    assert_eq!(s.role, crate::emqx::settings::Role::Core);
    assert_eq!(s.dns, None);
}
