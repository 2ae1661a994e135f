//! `kubetour probe` for operators, against the simulated cluster reached through a
//! kubeconfig like any cluster: the matrix in text and JSON, exit 0 only when every pair
//! delivered (1 when some did not, 2 on errors), and a clear error naming the verb and
//! resource when RBAC refuses the port-forward.

use std::path::Path;
use std::process::Output;

use kubetour::cluster::connect;
use kubetour::engine::RunOptions;
use kubetour::track::Lang;
use kubetour_sim::{Served, Sim, SimConfig};

struct Cluster {
    dir: tempfile::TempDir,
    sim: Sim,
    served: Served,
}

impl Cluster {
    fn admin(&self) -> std::path::PathBuf {
        self.dir.path().join("admin")
    }
}

/// The simulated cluster with the shipped track run through `through` (3 EMQX pods).
async fn cluster_through(through: &str) -> Cluster {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sim = Sim::start(SimConfig {
        speed: 50.0,
        ..SimConfig::default()
    });
    let served = sim.serve_tls(([127, 0, 0, 1], 0).into()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let c = Cluster { dir, sim, served };
    std::fs::write(c.admin(), c.sim.kubeconfig(&c.served).unwrap()).unwrap();
    let conn = connect::connect(Some(&c.admin()), None, "emqx", false)
        .await
        .unwrap();
    let (mut engine, events) = crate::support::engine(&conn, crate::support::shipped_track("5"));
    let options = RunOptions {
        try_it: false,
        lang: Lang::En,
    };
    engine
        .run(Some(through), &options)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", crate::support::dump(&events)));
    c
}

async fn probe(kubeconfig: &Path, args: &[&str]) -> Output {
    let mut cmd = crate::common::kubetour();
    cmd.arg("probe")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .env_remove("KUBECONFIG");
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o22_probe_at_islands_prints_the_matrix_and_exits_1() {
    let c = cluster_through("scale").await;
    let out = probe(&c.admin(), &["--timeout", "1s"]).await;
    let (stdout, stderr) = text(&out);
    eprintln!("{stdout}{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.starts_with("published on ↓ / received on →"),
        "{stdout}"
    );
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("emqx-deployment-"))
        .collect();
    assert_eq!(rows.len(), 3, "{stdout}");
    // Each pod's own message arrives; none crosses to another island.
    assert_eq!(stdout.matches('✓').count(), 3, "{stdout}");
    assert_eq!(stdout.matches('✗').count(), 6, "{stdout}");
    assert!(stdout.contains("NOT every pair delivered"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o22_probe_json_is_one_object_with_the_matrix() {
    let c = cluster_through("scale").await;
    let out = probe(&c.admin(), &["--json", "--timeout", "1s", "-l", "app=emqx"]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert_eq!(v["ok"], false);
    assert_eq!(v["namespace"], "emqx");
    assert_eq!(v["selector"], "app=emqx");
    let pods = v["matrix"]["pods"].as_array().unwrap();
    assert_eq!(pods.len(), 3, "{v}");
    let cells = v["matrix"]["cells"].as_array().unwrap();
    assert!(
        cells.iter().all(|r| r.as_array().unwrap().len() == 3),
        "{v}"
    );
    assert_eq!(v["matrix"]["timeout"], 1000, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o23_probe_on_one_cluster_exits_0_when_every_pair_delivered() {
    let c = cluster_through("rbac").await;
    let out = probe(&c.admin(), &[]).await;
    let (stdout, stderr) = text(&out);
    eprintln!("{stdout}{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("6/6 pairs across pods delivered"),
        "{stdout}"
    );
    assert!(!stdout.contains('✗'), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_without_pods_portforward_names_the_verb_and_resource_and_exits_2() {
    let c = cluster_through("scale").await;
    // A service account that may list pods but not create pods/portforward.
    let admin = c.sim.client();
    let sa: k8s_openapi::api::core::v1::ServiceAccount =
        serde_json::from_value(serde_json::json!({"metadata": {"name": "viewer"}})).unwrap();
    let pp = kube::api::PostParams::default();
    kube::Api::namespaced(admin.clone(), "emqx")
        .create(&pp, &sa)
        .await
        .unwrap();
    let role: k8s_openapi::api::rbac::v1::Role = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "viewer"},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]
    }))
    .unwrap();
    kube::Api::namespaced(admin.clone(), "emqx")
        .create(&pp, &role)
        .await
        .unwrap();
    let binding: k8s_openapi::api::rbac::v1::RoleBinding =
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "viewer"},
            "subjects": [{"kind": "ServiceAccount", "name": "viewer", "namespace": "emqx"}],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "viewer"}
        }))
        .unwrap();
    kube::Api::namespaced(admin.clone(), "emqx")
        .create(&pp, &binding)
        .await
        .unwrap();
    let token = c.sim.api_state().world.tokens.issue("emqx", "viewer");
    let viewer = c.dir.path().join("viewer");
    let text_kc =
        kubetour_sim::api::kubeconfig::render(c.served.addr, &c.served.ca_pem, &token).unwrap();
    std::fs::write(&viewer, text_kc).unwrap();

    let out = probe(&viewer, &[]).await;
    let (stdout, stderr) = text(&out);
    eprintln!("what the operator reads: {stderr}");
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    for words in [
        "port-forward to the pods in namespace emqx was refused",
        "`create` on `pods/portforward`",
        "RBAC forbids it",
        "pods/portforward",
    ] {
        assert!(stderr.contains(words), "`{words}` missing from: {stderr}");
    }
    let json = probe(&viewer, &["--json"]).await;
    let (stdout, _) = text(&json);
    assert_eq!(json.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v["ok"], false);
    assert!(
        v["error"].as_str().unwrap().contains("pods/portforward"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_with_no_pods_or_a_bad_selector_says_what_and_where_and_exits_2() {
    let c = cluster_through("preflight").await;
    let out = probe(&c.admin(), &["-n", "elsewhere", "-l", "app=broker"]).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("two or more Running pods matching `app=broker` in namespace elsewhere"),
        "{stderr}"
    );
    let out = probe(&c.admin(), &["-l", "app=em qx"]).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("label selector `app=em qx`"), "{stderr}");
    let out = probe(&c.admin(), &["--timeout", "soon"]).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`soon` is not a duration"), "{stderr}");
}
