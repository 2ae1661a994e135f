//! Scenario tests of roles: a replicant waiting for a core, then booting once one is
//! found, with the dns and the k8s strategy.

use super::*;

fn enterprise() -> Version {
    crate::emqx::version::parse_image("emqx/emqx-enterprise:5.8.9").unwrap()
}

fn dns_env(role: &str, host: &str) -> Env {
    env(&[
        ("EMQX_CLUSTER__DISCOVERY_STRATEGY", "dns"),
        ("EMQX_CLUSTER__DNS__RECORD_TYPE", "srv"),
        (
            "EMQX_CLUSTER__DNS__NAME",
            "emqx-headless.default.svc.cluster.local",
        ),
        ("EMQX_HOST", host),
        ("EMQX_NODE__ROLE", role),
    ])
}

#[test]
fn p20_a_replicant_boots_only_once_a_core_is_discovered() {
    let core_host = "emqx-core-0.emqx-headless.default.svc.cluster.local";
    let mut registry = Registry::new();
    let mut now = at("2024-05-01T10:00:00Z");
    let jitter = SignedDuration::from_millis(600);
    let boot_one = |role: &str, host: &str, ip: &str| {
        let facts = PodFacts::new(host.split('.').next().unwrap(), ip, None);
        boot(&enterprise(), &dns_env(role, host), &facts).unwrap()
    };
    let (mut rep, _) = Node::start(
        enterprise(),
        boot_one("replicant", "10.244.1.9", "10.244.1.9"),
        false,
        &mut registry,
        now,
        Timing::default(),
    );
    assert_eq!(rep.phase, Phase::WaitingForCore);
    assert_eq!(rep.http_state(), HttpState::Down);
    // No core answers: mria keeps waiting, silently, polling every 1–2 s.
    for _ in 0..30 {
        now = add(now, SignedDuration::from_secs(2));
        assert!(rep.poll(&mut registry, now, jitter).is_empty());
        assert!(rep.dns_request(now).is_some());
        assert!(rep.dns_result(&[], &mut registry, now, jitter).is_empty());
    }
    assert_eq!(rep.phase, Phase::WaitingForCore);
    let (mut core, _) = Node::start(
        enterprise(),
        boot_one("core", core_host, "10.244.0.5"),
        false,
        &mut registry,
        now,
        Timing::default(),
    );
    now = add(now, SignedDuration::from_secs(4));
    let lines = core.poll(&mut registry, now, jitter);
    assert!(
        lines
            .iter()
            .any(|l| l.text == "EMQX Enterprise 5.8.9 is running now!")
    );
    now = add(now, SignedDuration::from_secs(2));
    rep.poll(&mut registry, now, jitter);
    let query = rep.dns_request(now).unwrap();
    assert_eq!(query.name, "emqx-headless.default.svc.cluster.local");
    rep.dns_result(&[core_host.to_string()], &mut registry, now, jitter);
    assert!(matches!(rep.phase, Phase::Starting { .. }));
    now = add(now, SignedDuration::from_secs(4));
    let lines = rep.poll(&mut registry, now, jitter);
    assert!(
        lines
            .iter()
            .any(|l| l.text == "EMQX Enterprise 5.8.9 is running now!")
    );
    assert_eq!(rep.http_state(), HttpState::Running);
    assert_eq!(
        registry.view(rep.name()).0,
        [format!("emqx@{core_host}"), "emqx@10.244.1.9".to_string()]
    );
}

#[test]
fn a_replicant_finds_its_core_with_the_k8s_strategy_too_and_logs_one_line_per_failed_poll() {
    let version = enterprise();
    let mut registry = Registry::new();
    let mut now = at("2024-05-01T10:00:00Z");
    let jitter = SignedDuration::from_millis(300);
    let mut env = deployment_env_v5();
    env.insert("EMQX_NODE__ROLE".into(), "replicant".into());
    let facts = PodFacts::new("rep", "10.244.1.9", None);
    let (mut rep, _) = Node::start(
        version.clone(),
        boot(&version, &env, &facts).unwrap(),
        false,
        &mut registry,
        now,
        Timing::default(),
    );
    assert!(rep.discovery_request(now, jitter).is_some());
    let lines = rep.discovery_result(
        DiscoveryHttp::Response {
            status: 403,
            body: FORBIDDEN.as_bytes().to_vec(),
        },
        &mut registry,
        now,
        jitter,
    );
    let texts: Vec<String> = lines.iter().map(|l| l.render(now)).collect();
    assert_eq!(texts.len(), 1, "{texts:#?}");
    assert!(
        texts[0].contains("[error] Ekka(AutoCluster): Core node discovery error: {403,#Ref<"),
        "{texts:#?}"
    );
    let core_facts = PodFacts::new("core", "10.244.0.5", None);
    let (mut core, _) = Node::start(
        version.clone(),
        boot(&version, &deployment_env_v5(), &core_facts).unwrap(),
        false,
        &mut registry,
        now,
        Timing::default(),
    );
    now = add(now, SignedDuration::from_secs(4));
    core.poll(&mut registry, now, jitter);
    assert!(rep.discovery_request(now, jitter).is_some());
    let body = serde_json::json!({"kind": "Endpoints",
        "subsets": [{"addresses": [{"ip": "10.244.0.5"}]}]});
    rep.discovery_result(
        DiscoveryHttp::Response {
            status: 200,
            body: body.to_string().into_bytes(),
        },
        &mut registry,
        now,
        jitter,
    );
    assert!(matches!(rep.phase, Phase::Starting { .. }));
    assert_eq!(
        registry.view(rep.name()).0,
        ["emqx@10.244.0.5", "emqx@10.244.1.9"]
    );
}
