//! `kubectl auth whoami` (SelfSubjectReview) and `kubectl auth can-i --list`
//! (SelfSubjectRulesReview) against `kubetour sim serve`, from the same RBAC that guards
//! every request; both groups in discovery as a real server lists them.

use crate::support::kubectl::{Cluster, as_str};

const SA_ROLE: &str = r#"apiVersion: v1
kind: Namespace
metadata: {name: emqx}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: emqx, namespace: emqx}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: emqx-endpoints-reader, namespace: emqx}
rules:
- apiGroups: [""]
  resources: [endpoints]
  verbs: [get, watch, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: emqx-endpoints-reader, namespace: emqx}
subjects:
- {kind: ServiceAccount, name: emqx, namespace: emqx}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: emqx-endpoints-reader}
"#;

#[test]
fn auth_whoami_names_the_user_and_groups() {
    let c = Cluster::start();
    let out = c.ok(&["auth", "whoami"]);
    assert_eq!(
        out,
        "ATTRIBUTE   VALUE\nUsername    kubetour-admin\nGroups      [system:masters system:authenticated]\n"
    );
    let sa = c.ok(&[
        "auth",
        "whoami",
        "--as",
        "system:serviceaccount:default:default",
    ]);
    assert!(
        sa.contains("Username    system:serviceaccount:default:default\n")
            && sa.contains(
                "Groups      [system:serviceaccounts system:serviceaccounts:default system:authenticated]"
            ),
        "{sa}"
    );
}

#[test]
fn auth_can_i_list_for_a_fresh_service_account_matches_a_real_server() {
    let c = Cluster::start();
    let out = c.ok(&[
        "auth",
        "can-i",
        "--list",
        "-n",
        "default",
        "--as",
        "system:serviceaccount:default:default",
    ]);
    let real = include_str!("../fixtures/real/kubectl-auth-can-i-list-fresh-sa.txt");
    assert_eq!(out, real);
}

#[test]
fn auth_can_i_list_shows_the_rules_bound_in_that_namespace_only() {
    let c = Cluster::start();
    let file = c.write("rbac.yaml", SA_ROLE);
    c.ok(&["apply", "-f", as_str(&file)]);
    let sa = "system:serviceaccount:emqx:emqx";
    let here = c.ok(&["auth", "can-i", "--list", "-n", "emqx", "--as", sa]);
    let row = here
        .lines()
        .find(|l| l.starts_with("endpoints "))
        .unwrap_or_else(|| panic!("no endpoints row:\n{here}"));
    assert!(row.ends_with("[get watch list]"), "{row}");
    let elsewhere = c.ok(&["auth", "can-i", "--list", "-n", "default", "--as", sa]);
    assert!(!elsewhere.contains("endpoints"), "{elsewhere}");
    let admin = c.ok(&["auth", "can-i", "--list", "-n", "emqx"]);
    assert!(
        admin.lines().nth(1).is_some_and(|l| l.starts_with("*.* ")),
        "{admin}"
    );
}

#[test]
fn the_review_kinds_are_in_discovery() {
    let c = Cluster::start();
    let out = c.ok(&[
        "api-resources",
        "--api-group=authentication.k8s.io",
        "-o",
        "name",
    ]);
    assert!(
        out.contains("selfsubjectreviews.authentication.k8s.io"),
        "{out}"
    );
    let out = c.ok(&[
        "api-resources",
        "--api-group=authorization.k8s.io",
        "-o",
        "name",
    ]);
    assert!(
        out.contains("selfsubjectrulesreviews.authorization.k8s.io"),
        "{out}"
    );
    let legacy = c.ok(&["get", "--raw", "/apis/authentication.k8s.io/v1"]);
    assert!(legacy.contains("\"selfsubjectreviews\""), "{legacy}");
}
