use super::*;
use serde_json::json;

fn v(tag: &str) -> Version {
    Version::parse_tag(tag).unwrap_or_else(|| panic!("bad tag {tag}"))
}

fn k8s(address_type: AddressType, suffix: &str, app: Option<&str>) -> K8sSettings {
    K8sSettings {
        apiserver: "https://kubernetes.default.svc:443".into(),
        service_name: "emqx-headless".into(),
        address_type,
        app_name: app.map(str::to_string),
        namespace: "default".into(),
        suffix: suffix.into(),
    }
}

fn endpoints() -> Vec<u8> {
    json!({
        "kind": "Endpoints",
        "subsets": [{
            "addresses": [
                {"ip": "10.244.0.5", "hostname": "emqx-0", "nodeName": "n1"},
                {"ip": "10.244.0.6", "hostname": "emqx-1", "nodeName": "n2"}
            ],
            "notReadyAddresses": [{"ip": "10.244.0.7", "hostname": "emqx-2"}],
            "ports": [{"name": "ekka", "port": 4370, "protocol": "TCP"}]
        }]
    })
    .to_string()
    .into_bytes()
}

/// The Status body the API server sends ekka (compact JSON and a newline).
const FORBIDDEN: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"endpoints \"emqx-headless\" is forbidden: User \"system:serviceaccount:default:default\" cannot get resource \"endpoints\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"name":"emqx-headless","kind":"endpoints"},"code":403}
"#;

#[test]
fn the_request_path_is_appended_to_the_apiserver() {
    let r = request(&k8s(AddressType::Ip, "", None)).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        r.url,
        "https://kubernetes.default.svc:443/api/v1/namespaces/default/endpoints/emqx-headless"
    );
    assert_eq!((r.host.as_str(), r.port), ("kubernetes.default.svc", 443));
    assert_eq!(r.path, "/api/v1/namespaces/default/endpoints/emqx-headless");
    let mut s = k8s(AddressType::Ip, "", None);
    s.apiserver = "http://10.96.0.1/".into();
    let r = request(&s).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        (r.port, r.path.as_str()),
        (80, "//api/v1/namespaces/default/endpoints/emqx-headless")
    );
    s.apiserver = "kubernetes.default.svc:443".into();
    assert!(matches!(request(&s), Err(DiscoveryError::BadUrl(_))));
}

#[test]
fn only_ready_addresses_become_node_names() {
    let s = k8s(AddressType::Hostname, "svc.cluster.local", Some("emqx"));
    let names = parse_response(Family::V4, &s, "emqx@x", 200, &endpoints());
    assert_eq!(
        names,
        Ok(vec![
            "emqx@emqx-0.emqx-headless.default.svc.cluster.local".to_string(),
            "emqx@emqx-1.emqx-headless.default.svc.cluster.local".to_string(),
        ])
    );
}

#[test]
fn names_per_address_type_and_suffix_match_the_pitfalls() {
    let body = endpoints();
    let cases = [
        (Family::V4, AddressType::Dns, "", "emqx@10-244-0-5"),
        (
            Family::V5,
            AddressType::Dns,
            "pod.local",
            "emqx@10-244-0-5.default.pod.local",
        ),
        (Family::V4, AddressType::Hostname, "", "emqx@emqx-0"),
        (
            Family::V5,
            AddressType::Hostname,
            "pod.local",
            "emqx@emqx-0.emqx-headless.default.pod.local",
        ),
        (Family::V5, AddressType::Ip, "pod.local", "emqx@10.244.0.5"),
    ];
    for (family, t, suffix, expected) in cases {
        let names = parse_response(family, &k8s(t, suffix, Some("emqx")), "emqx@me", 200, &body)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(names[0], expected, "{family:?} {t:?} {suffix:?}");
    }
}

#[test]
fn the_5x_prefix_comes_from_the_own_node_name_and_4x_from_app_name() {
    let s = k8s(AddressType::Ip, "", Some("emqx"));
    let v5 = parse_response(Family::V5, &s, "broker@10.244.0.5", 200, &endpoints());
    assert_eq!(
        v5.map(|n| n[0].clone()),
        Ok("broker@10.244.0.5".to_string())
    );
    let v4 = parse_response(Family::V4, &s, "emqx-0@10.244.0.5", 200, &endpoints());
    assert_eq!(v4.map(|n| n[0].clone()), Ok("emqx@10.244.0.5".to_string()));
}

#[test]
fn a_missing_hostname_is_a_badkey_crash() {
    let body = json!({"subsets": [{"addresses": [{"ip": "10.244.1.5", "nodeName": "n1"}]}]});
    let s = k8s(AddressType::Hostname, "svc.cluster.local", None);
    let err = parse_response(Family::V5, &s, "emqx@x", 200, body.to_string().as_bytes());
    let Err(DiscoveryError::BadKey { address }) = err else {
        panic!("expected badkey, got {err:?}");
    };
    let (reason, stack) = badkey_term(&v("5.8.9"), &address);
    assert_eq!(reason, "{badkey,<<\"hostname\">>}");
    assert!(
        stack.starts_with(
            "[{maps,get,[<<\"hostname\">>,#{<<\"ip\">> => <<\"10.244.1.5\">>,<<\"nodeName\">> => <<\"n1\">>}],"
        ),
        "{stack}"
    );
    assert!(stack.contains("{ekka_cluster_k8s,"), "{stack}");
}

#[test]
fn empty_or_absent_subsets_discover_nobody() {
    let s = k8s(AddressType::Ip, "", None);
    assert_eq!(
        parse_response(Family::V5, &s, "emqx@x", 200, b"{\"kind\":\"Endpoints\"}"),
        Ok(vec![])
    );
    assert_eq!(
        parse_response(Family::V5, &s, "emqx@x", 204, b""),
        Ok(vec![])
    );
}

#[test]
fn a_403_under_httpc_prints_the_body_as_an_erlang_string() {
    let s = k8s(AddressType::Ip, "", None);
    let err = parse_response(Family::V4, &s, "emqx@x", 403, FORBIDDEN.as_bytes())
        .err()
        .unwrap_or_else(|| panic!("403 must fail"));
    let term = error_term(&v("4.4.19"), &err, ErlRef(1, 2, 3));
    // EMQX.md §2.2, the part after `Discovery error: `.
    let expected = r#"{403,"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"endpoints \\\"emqx-headless\\\" is forbidden: User \\\"system:serviceaccount:default:default\\\" cannot get resource \\\"endpoints\\\" in API group \\\"\\\" in the namespace \\\"default\\\"\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"emqx-headless\",\"kind\":\"endpoints\"},\"code\":403}\n"}"#;
    assert_eq!(term, expected);
    assert_eq!(error_term(&v("5.8.8"), &err, ErlRef(1, 2, 3)), expected);
}

#[test]
fn a_403_under_hackney_prints_a_reference() {
    let err = DiscoveryError::Http {
        status: 403,
        body: FORBIDDEN.as_bytes().to_vec(),
    };
    let r = ErlRef(3590434715, 3911712769, 105463);
    assert_eq!(
        error_term(&v("5.8.9"), &err, r),
        "{403,#Ref<0.3590434715.3911712769.105463>}"
    );
}

#[test]
fn references_from_different_seeds_differ_and_repeat_per_seed() {
    assert_eq!(ErlRef::from_seed(7), ErlRef::from_seed(7));
    assert_ne!(ErlRef::from_seed(7), ErlRef::from_seed(8));
    assert!(ErlRef::from_seed(7).to_string().starts_with("#Ref<0."));
}

#[test]
fn connection_failures_print_per_client() {
    let err = DiscoveryError::Connect {
        host: "kubernetes.default.svc".into(),
        port: 443,
        reason: ConnectFailure::Nxdomain,
    };
    assert_eq!(
        error_term(&v("4.4.19"), &err, ErlRef(0, 0, 0)),
        "{failed_connect,[{to_address,{\"kubernetes.default.svc\",443}},{inet,[inet],nxdomain}]}"
    );
    assert_eq!(error_term(&v("5.8.9"), &err, ErlRef(0, 0, 0)), "nxdomain");
}

#[test]
fn a_404_body_is_printed_like_the_403() {
    let body = b"{\"kind\":\"Status\",\"message\":\"endpoints \\\"emqx\\\" not found\",\"reason\":\"NotFound\",\"code\":404}\n";
    let err = DiscoveryError::Http {
        status: 404,
        body: body.to_vec(),
    };
    assert_eq!(
        error_term(&v("5.7.2"), &err, ErlRef(0, 0, 0)),
        r#"{404,"{\"kind\":\"Status\",\"message\":\"endpoints \\\"emqx\\\" not found\",\"reason\":\"NotFound\",\"code\":404}\n"}"#
    );
}
