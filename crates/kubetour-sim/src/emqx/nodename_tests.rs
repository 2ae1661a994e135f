use super::*;

fn v(tag: &str) -> Version {
    Version::parse_tag(tag).unwrap_or_else(|| panic!("bad tag {tag}"))
}

fn env(pairs: &[(&str, &str)]) -> Env {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const FQDN: &str = "emqx-0.emqx-headless.default.svc.cluster.local";

fn sts_pod() -> PodFacts {
    PodFacts::new("emqx-0", "10.244.0.5", Some(FQDN))
}

fn deployment_pod() -> PodFacts {
    PodFacts::new("emqx-deployment-7d9f8b6c5-x2x9z", "10.244.0.5", None)
}

fn name(tag: &str, e: &Env, pod: &PodFacts) -> String {
    run_entrypoint(&v(tag), e, pod)
        .unwrap_or_else(|f| panic!("{f:?}"))
        .node_name
}

fn k8s(tag_is_4: bool, address_type: &str) -> Env {
    let strategy = if tag_is_4 {
        "EMQX_CLUSTER__DISCOVERY"
    } else {
        "EMQX_CLUSTER__DISCOVERY_STRATEGY"
    };
    env(&[
        (strategy, "k8s"),
        ("EMQX_CLUSTER__K8S__ADDRESS_TYPE", address_type),
        ("EMQX_CLUSTER__K8S__NAMESPACE", "default"),
    ])
}

#[test]
fn without_discovery_settings_the_name_is_prefix_at_pod_ip() {
    assert_eq!(
        name("4.4.19", &Env::new(), &deployment_pod()),
        "emqx-deployment-7d9f8b6c5-x2x9z@10.244.0.5"
    );
    assert_eq!(
        name("5.8.9", &Env::new(), &deployment_pod()),
        "emqx@10.244.0.5"
    );
    let with_name = env(&[("EMQX_NAME", "emqx")]);
    assert_eq!(name("4.4.19", &with_name, &sts_pod()), "emqx@10.244.0.5");
}

#[test]
fn the_hostname_branch_takes_the_fqdn_from_etc_hosts() {
    let mut e = k8s(true, "hostname");
    e.insert("EMQX_NAME".into(), "emqx".into());
    e.insert(
        "EMQX_CLUSTER__K8S__SUFFIX".into(),
        "svc.cluster.local".into(),
    );
    assert_eq!(name("4.4.19", &e, &sts_pod()), format!("emqx@{FQDN}"));
    let e5 = k8s(false, "hostname");
    assert_eq!(name("5.8.9", &e5, &sts_pod()), format!("emqx@{FQDN}"));
}

#[test]
fn the_hostname_branch_exits_silently_without_an_fqdn() {
    for (tag, is4) in [("4.4.19", true), ("5.8.9", false)] {
        let failure = run_entrypoint(&v(tag), &k8s(is4, "hostname"), &deployment_pod());
        assert_eq!(
            failure,
            Err(BootFailure {
                lines: Vec::new(),
                exit_code: 1
            })
        );
    }
}

#[test]
fn a_suffix_that_is_not_in_etc_hosts_also_exits() {
    let mut e = k8s(false, "hostname");
    e.insert("EMQX_CLUSTER__K8S__SUFFIX".into(), "pod.local".into());
    assert!(run_entrypoint(&v("5.8.9"), &e, &sts_pod()).is_err());
}

#[test]
fn the_dns_branch_dashes_the_ip_and_defaults_the_suffix_locally() {
    assert_eq!(
        name("5.8.9", &k8s(false, "dns"), &deployment_pod()),
        "emqx@10-244-0-5.default.pod.cluster.local"
    );
    let mut e = k8s(true, "dns");
    e.insert("EMQX_NAME".into(), "emqx".into());
    let out =
        run_entrypoint(&v("4.4.19"), &e, &deployment_pod()).unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!(out.node_name, "emqx@10-244-0-5.default.pod.cluster.local");
    // The default is not exported: EMQX itself never sees a suffix.
    assert_eq!(out.env.get("EMQX_CLUSTER__K8S__SUFFIX"), None);
}

#[test]
fn the_k8s_branches_need_the_namespace_env_var() {
    let mut e = k8s(false, "hostname");
    e.remove("EMQX_CLUSTER__K8S__NAMESPACE");
    assert_eq!(name("5.8.9", &e, &sts_pod()), "emqx@10.244.0.5");
}

#[test]
fn the_version_decides_which_strategy_variable_counts() {
    // The 5.x name on 4.x (and the 4.x name on 5.x) does not select a branch.
    assert_eq!(
        name("5.8.9", &k8s(true, "dns"), &deployment_pod()),
        "emqx@10.244.0.5"
    );
    let e = env(&[
        ("EMQX_NAME", "emqx"),
        ("EMQX_CLUSTER__DISCOVERY_STRATEGY", "k8s"),
        ("EMQX_CLUSTER__K8S__ADDRESS_TYPE", "dns"),
        ("EMQX_CLUSTER__K8S__NAMESPACE", "default"),
    ]);
    assert_eq!(name("4.4.19", &e, &deployment_pod()), "emqx@10.244.0.5");
}

#[test]
fn emqx_host_as_the_5x_chart_sets_it_wins() {
    let e = env(&[("EMQX_NAME", "emqx"), ("EMQX_HOST", FQDN)]);
    assert_eq!(name("5.8.9", &e, &deployment_pod()), format!("emqx@{FQDN}"));
}

#[test]
fn dns_srv_uses_the_hostname_when_etc_hosts_has_it() {
    let e = env(&[
        ("EMQX_CLUSTER__DISCOVERY_STRATEGY", "dns"),
        ("EMQX_CLUSTER__DNS__RECORD_TYPE", "srv"),
        (
            "EMQX_CLUSTER__DNS__NAME",
            "emqx-headless.default.svc.cluster.local",
        ),
    ]);
    assert_eq!(name("5.8.9", &e, &sts_pod()), format!("emqx@{FQDN}"));
    assert_eq!(name("5.8.9", &e, &deployment_pod()), "emqx@10.244.0.5");
}

#[test]
fn bin_emqx_renames_the_single_underscore_variables() {
    let e = env(&[
        ("EMQX_NODE_COOKIE", "secret"),
        ("EMQX_NODE__COOKIE", "other"),
    ]);
    let out = run_entrypoint(&v("5.8.9"), &e, &sts_pod()).unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!(
        out.env.get("EMQX_NODE__COOKIE").map(String::as_str),
        Some("secret")
    );
    assert_eq!(
        out.env.get("EMQX_NODE__NAME").map(String::as_str),
        Some("emqx@10.244.0.5")
    );
    assert_eq!(out.env.get("EMQX_NODE_NAME"), None);
    assert_eq!(
        out.env.get("EMQX_RPC__PORT_DISCOVERY").map(String::as_str),
        Some("manual")
    );
}

#[test]
fn a_5x_node_name_given_directly_skips_the_branches() {
    let e = env(&[
        ("EMQX_NODE__NAME", "emqx@fixed"),
        ("EMQX_CLUSTER__DISCOVERY_STRATEGY", "k8s"),
        ("EMQX_CLUSTER__K8S__ADDRESS_TYPE", "hostname"),
        ("EMQX_CLUSTER__K8S__NAMESPACE", "default"),
    ]);
    assert_eq!(name("5.8.9", &e, &deployment_pod()), "emqx@fixed");
}

#[test]
fn an_invalid_short_name_is_refused_per_version() {
    let f = validate_node_name(&v("4.4.19"), "emqx.0@10.0.0.1");
    assert_eq!(
        f.map_err(|f| (f.lines[0].text.clone(), f.exit_code)),
        Err((
            "Invalid node name, should be of format '^[0-9A-Za-z_-]+$'.".to_string(),
            1
        ))
    );
    let f = validate_node_name(&v("5.8.9"), "emqx.0@10.0.0.1");
    assert_eq!(
        f.map_err(|f| f.lines[0].text.clone()),
        Err("ERROR: Invalid node name, should be of format '^[0-9A-Za-z_-]+$'.".to_string())
    );
    assert!(validate_node_name(&v("5.8.9"), "emqx-0@10.0.0.1").is_ok());
}

#[test]
fn the_dist_port_follows_the_trailing_digits() {
    assert_eq!(dist_port("emqx-2@10.244.0.7"), 4372);
    assert_eq!(
        dist_port("emqx@emqx-2.emqx-headless.default.svc.cluster.local"),
        4370
    );
    assert_eq!(dist_port("emqx10@x"), 4380);
}

#[test]
fn the_hosts_file_carries_the_fqdn_only_with_a_subdomain() {
    assert!(
        sts_pod()
            .etc_hosts
            .ends_with(&format!("10.244.0.5\t{FQDN}\temqx-0\n"))
    );
    assert!(
        deployment_pod()
            .etc_hosts
            .ends_with("10.244.0.5\temqx-deployment-7d9f8b6c5-x2x9z\n")
    );
}
