//! Which settings turn on EMQX's Kubernetes discovery, per major version: what lint
//! looks for in manifests and what the engine looks for in a running pod's environment
//! when its nodes stay alone (pitfall P6). From EMQX.md: 5.x names the strategy
//! `discovery_strategy` and defaults the namespace to `default`; 4.x names it
//! `discovery` and also needs the API server address and the app name.

/// The setting that selects the discovery strategy.
pub fn strategy_key(major: Option<u32>) -> &'static str {
    match major {
        Some(4) => "EMQX_CLUSTER__DISCOVERY",
        _ => "EMQX_CLUSTER__DISCOVERY_STRATEGY",
    }
}

/// The settings k8s discovery needs besides the strategy.
pub fn k8s_keys(major: Option<u32>) -> &'static [&'static str] {
    match major {
        Some(4) => &[
            "EMQX_CLUSTER__K8S__SERVICE_NAME",
            "EMQX_CLUSTER__K8S__NAMESPACE",
            "EMQX_CLUSTER__K8S__APISERVER",
            "EMQX_CLUSTER__K8S__APP_NAME",
        ],
        _ => &[
            "EMQX_CLUSTER__K8S__SERVICE_NAME",
            "EMQX_CLUSTER__K8S__NAMESPACE",
        ],
    }
}

/// What k8s discovery is missing, given a lookup of the settings a node sees: the
/// strategy when unset, and the k8s settings when the strategy is unset or `k8s`.
/// Empty when another strategy is chosen (that is a different lesson).
pub fn missing<'a>(major: Option<u32>, has: impl Fn(&str) -> Option<&'a str>) -> Vec<&'static str> {
    let strategy = strategy_key(major);
    let mut out = Vec::new();
    match has(strategy) {
        None => out.push(strategy),
        Some("k8s") => {}
        Some(_) => return out,
    }
    out.extend(k8s_keys(major).iter().copied().filter(|k| has(k).is_none()));
    out
}

/// The major version of an EMQX version string ("5.8.9" → 5).
pub fn major_of(version: &str) -> Option<u32> {
    version.split('.').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_strategy_every_discovery_setting_is_missing() {
        assert_eq!(
            missing(Some(5), |_| None),
            vec![
                "EMQX_CLUSTER__DISCOVERY_STRATEGY",
                "EMQX_CLUSTER__K8S__SERVICE_NAME",
                "EMQX_CLUSTER__K8S__NAMESPACE"
            ]
        );
        assert_eq!(missing(Some(4), |_| None).len(), 5);
    }

    #[test]
    fn another_strategy_is_not_reported_as_missing_keys() {
        let static_seeds = |k: &str| (k == "EMQX_CLUSTER__DISCOVERY_STRATEGY").then_some("static");
        assert!(missing(Some(5), static_seeds).is_empty());
    }
}
