use super::*;
use crate::api::tls;
use crate::cluster::{Sim, SimConfig};

fn saved_cluster() -> (Sim, Certs, Value) {
    let sim = Sim::start(SimConfig::default());
    sim.store
        .create(
            Res::ConfigMap,
            json!({"metadata": {"name": "kept", "namespace": "default"}, "data": {"a": "1"}}),
        )
        .unwrap();
    let certs = tls::generate().unwrap();
    let saved = capture(sim.api_state(), &certs);
    (sim, certs, saved)
}

#[tokio::test]
async fn a_restored_store_keeps_uids_and_resource_versions_and_counts_on_upward() {
    let (sim, certs, saved) = saved_cluster();
    let before = sim.store.get(Res::ConfigMap, "default", "kept").unwrap();
    let r = parse(&saved.to_string(), 1.0).unwrap();
    let after = r.store.get(Res::ConfigMap, "default", "kept").unwrap();
    assert_eq!(after["metadata"]["uid"], before["metadata"]["uid"]);
    assert_eq!(
        after["metadata"]["resourceVersion"],
        before["metadata"]["resourceVersion"]
    );
    assert_eq!(r.store.current_rv(), sim.store.current_rv());
    let next = r
        .store
        .create(
            Res::ConfigMap,
            json!({"metadata": {"name": "new", "namespace": "default"}}),
        )
        .unwrap();
    assert!(crate::store::rv_of(&next) > sim.store.current_rv());
    assert_eq!(r.admin_token, sim.admin_token());
    let kept = r.certs.unwrap();
    assert_eq!(kept.ca_pem, certs.ca_pem);
    assert_eq!(kept.chain, certs.chain);
    assert_eq!(kept.key.secret_der(), certs.key.secret_der());
}

#[tokio::test]
async fn a_watch_from_before_the_restart_is_gone() {
    let (_sim, _certs, saved) = saved_cluster();
    let r = parse(&saved.to_string(), 1.0).unwrap();
    let old = r.store.current_rv() - 5;
    assert!(matches!(
        r.store.subscribe(Some(old)),
        Err(crate::store::StoreError::Gone { .. })
    ));
    assert!(r.store.subscribe(Some(r.store.current_rv())).is_ok());
}

#[test]
fn bad_files_are_refused_with_what_is_wrong() {
    let cases = [
        ("{not json", "not JSON"),
        ("{\"kind\": \"Pod\"}", "KubetourSimState"),
        (
            "{\"kind\": \"KubetourSimState\", \"version\": 9}",
            "format version 9",
        ),
        (
            "{\"kind\": \"KubetourSimState\", \"version\": 1, \"resourceVersion\": 5, \"objects\": [{\"resource\": \"v1/widgets\"}]}",
            "unknown resource \"v1/widgets\"",
        ),
    ];
    for (text, expected) in cases {
        let err = match parse(text, 1.0) {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e,
        };
        assert!(err.contains(expected), "{text}: {err}");
    }
}

#[test]
fn the_error_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    std::fs::write(&path, "garbage").unwrap();
    let err = format!("{:#}", load(&path, 1.0).err().unwrap());
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains("not JSON"), "{err}");
    assert!(
        load(&dir.path().join("absent.json"), 1.0)
            .unwrap()
            .is_none()
    );
}

#[test]
fn writing_replaces_the_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    write(&path, &json!({"a": 1})).unwrap();
    write(&path, &json!({"a": 2})).unwrap();
    let back: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(back["a"], 2);
    assert!(!temp_path(&path).exists());
}
