//! Causes of "no cluster" a manifest shows (P11, P12, P17, P18), flagged by `kubetour
//! lint` with file:line, the pitfall number and the fix; the existing rules carry theirs.

use std::path::Path;

use kubetour::track::lint::{Finding, RULES, lint_path};

/// The findings of one pitfall in a rule's bad example (tests/lint/<rule>/bad.yaml).
fn findings(rule: &str, pitfall: &str) -> Vec<Finding> {
    let name = format!("{rule}/bad.yaml");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/lint")
        .join(&name);
    lint_path(&path)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .into_iter()
        .filter(|f| f.pitfall == Some(pitfall))
        .collect()
}

#[test]
fn p11_a_node_name_from_the_pod_name_is_flagged_where_it_is_set() {
    let found = findings("short-node-host", "P11");
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!((f.rule, f.line), ("short-node-host", 23), "{f}");
    assert!(f.message.contains("the pod name (metadata.name)"), "{f}");
    assert!(f.fix.contains("svc.cluster.local"), "{f}");
}

#[test]
fn p12_a_node_named_by_ip_with_dns_discovery_is_flagged() {
    let found = findings("node-name-vs-discovery", "P12");
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!((f.rule, f.line), ("node-name-vs-discovery", 18), "{f}");
    assert!(f.message.contains("`dns` addressing"), "{f}");
    // An IP is not a short name.
    assert!(findings("node-name-vs-discovery", "P11").is_empty());
}

#[test]
fn p17_two_workloads_with_different_cookies_are_flagged_at_the_odd_one() {
    let found = findings("cookies-differ", "P17");
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!((f.rule, f.line), ("cookies-differ", 52), "{f}");
    assert!(f.message.contains("emqx-a and Deployment emqx-b"), "{f}");
    assert!(
        !f.message.contains("another-cookie"),
        "a cookie is a secret: {f}"
    );
}

#[test]
fn p18_discovery_of_a_missing_service_or_another_namespace_is_flagged() {
    let found = findings("discovery-target", "P18");
    let lines: Vec<(usize, bool)> = found
        .iter()
        .map(|f| (f.line, f.message.contains("404")))
        .collect();
    assert_eq!(lines, [(56, true), (58, true)], "{found:#?}");
    assert!(found[0].message.contains("`emqx-svc`"), "{found:#?}");
    assert!(found[1].fix.contains("`emqx`"), "{found:#?}");
}

#[test]
fn p11_to_p18_the_existing_rules_carry_their_pitfall_numbers() {
    let numbered: Vec<(&str, Option<&str>)> = RULES.iter().map(|r| (r.id, r.pitfall)).collect();
    for pair in [
        ("hostname-needs-statefulset", Some("P11")),
        ("headless-service", Some("P13")),
        ("k8s-suffix", Some("P14")),
        ("licence", Some("P16")),
        ("service-name", Some("P18")),
    ] {
        assert!(numbered.contains(&pair), "{pair:?} in {numbered:?}");
    }
}
