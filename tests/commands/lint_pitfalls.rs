//! Pitfalls P1, P6 and P10, caught by `kubetour lint` where tutorials write them (track
//! commands, shell scripts, Markdown pages, manifests) and told in the lessons.

use std::path::{Path, PathBuf};

use kubetour::track::lint::{Finding, lint_path};
use kubetour::track::{Lang, RenderOptions, load};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/lint/pitfalls")
        .join(name)
}

fn findings(name: &str) -> Vec<Finding> {
    lint_path(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn narration(stage: &str, lang: Lang) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("stages/emqx");
    let track = load(&dir, &RenderOptions::default()).unwrap();
    track.stage(stage).unwrap().narration.get(lang).to_string()
}

#[test]
fn p01_generator_is_flagged_in_a_shell_script_at_the_line_the_command_starts() {
    let found = findings("setup.sh");
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(
        (f.rule, f.pitfall, f.line),
        ("kubectl-generator", Some("P1"), 4)
    );
    assert!(
        f.message
            .contains("--image=emqx/emqx:4.4.19 --generator=run-pod/v1"),
        "{f}"
    );
    assert!(f.fix.contains("kubectl run NAME --image=IMAGE"), "{f}");
}

#[test]
fn p01_generator_is_flagged_in_markdown_code_blocks_not_in_prose() {
    let found = findings("tutorial.md");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!((found[0].pitfall, found[0].line), (Some("P1"), 6));
}

#[test]
fn p01_the_pod_stage_says_the_generator_flag_is_gone_in_both_languages() {
    for lang in [Lang::En, Lang::Zh] {
        let n = narration("pod", lang);
        assert!(n.contains("--generator=run-pod/v1"), "{lang:?}: {n}");
        assert!(n.contains("1.21"), "{lang:?}: {n}");
    }
}

#[test]
fn p06_k8s_discovery_settings_without_the_strategy_are_flagged_where_they_are() {
    let found = findings("env-without-strategy.yaml");
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!((f.pitfall, f.line), (Some("P6"), 19));
    assert!(
        f.message.contains(
            "but not EMQX_CLUSTER__DISCOVERY_STRATEGY: the pods run, and never form a cluster"
        ),
        "{f}"
    );
    assert!(
        f.fix.contains("the env of Deployment emqx-deployment"),
        "{f}"
    );
}

#[test]
fn p10_the_dashboard_exposed_by_port_number_with_the_default_login_is_flagged() {
    let found = findings("dashboard-by-port-number.yaml");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].pitfall, Some("P10"));
    assert!(
        found[0].message.contains("default admin/public"),
        "{}",
        found[0]
    );
}

#[test]
fn p10_a_changed_4x_dashboard_password_makes_exposing_it_acceptable() {
    let found = findings("dashboard-4x-password.yaml");
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn p10_the_service_stage_warns_about_exposing_the_dashboard_in_both_languages() {
    let en = narration("service", Lang::En);
    assert!(en.contains("admin/public"), "{en}");
    assert!(en.contains("NodePort"), "{en}");
    let zh = narration("service", Lang::Zh);
    assert!(zh.contains("admin/public"), "{zh}");
    assert!(zh.contains("NodePort"), "{zh}");
}

#[test]
fn p20_replicants_with_cores_beside_them_but_no_discovery_are_flagged_at_their_role() {
    let found = findings("replicant-manual-discovery.yaml");
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(
        (f.rule, f.pitfall, f.line),
        ("replicant-needs-core", Some("P20"), 57)
    );
    assert!(f.message.contains("no (so manual) discovery"), "{f}");
    assert!(f.fix.contains("EMQX_CLUSTER__DNS__NAME"), "{f}");
}

#[test]
fn p15_four_cores_are_flagged_with_the_odd_numbers_either_side() {
    let found: Vec<Finding> =
        lint_path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lint/odd-cores/bad.yaml"))
            .unwrap();
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!((f.rule, f.pitfall, f.line), ("odd-cores", Some("P15"), 8));
    assert!(f.message.contains("two halves of 2"), "{f}");
    assert!(f.fix.contains("(3 or 5)"), "{f}");
}

#[test]
fn a_dns_record_name_naming_the_client_service_says_it_is_not_headless() {
    let found: Vec<Finding> = lint_path(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lint/dns-record-name/bad.yaml"),
    )
    .unwrap();
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!((f.rule, f.line), ("dns-record-name", 23));
    assert!(f.message.contains("Service emqx is not headless"), "{f}");
    assert!(
        f.fix.contains("`emqx-headless.emqx.svc.cluster.local`"),
        "{f}"
    );
}
