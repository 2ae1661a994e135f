//! The teardown command a wizard session leaves behind, as one line that works when
//! pasted: the same kubeconfig (absolute, so another directory works too), the context
//! the wizard actually used, the track and namespace, `--yes`, and `--allow-production`
//! when the context looks like production — derived from how the wizard was started.

use crate::cli::TargetArgs;
use crate::cluster::guard::{DEFAULT_PRODUCTION_WORDS, Refusal, Target};

/// `kubetour teardown …` for the cluster the wizard wrote to; None for the embedded
/// cluster, which stops with kubetour.
pub fn teardown_line(
    args: &TargetArgs,
    track: &str,
    namespace: &str,
    connected: &Target,
) -> Option<String> {
    if connected.embedded {
        return None;
    }
    let mut words: Vec<String> = vec!["kubetour".into(), "teardown".into()];
    if let Some(path) = &args.kubeconfig {
        // A KUBECONFIG list (`a:b`) is passed on as it came: the same list again.
        let path = match std::path::absolute(path) {
            Ok(abs) if !path.to_string_lossy().contains(':') => abs,
            _ => path.clone(),
        };
        words.extend(["--kubeconfig".into(), path.to_string_lossy().into_owned()]);
    }
    words.extend(["--context".into(), connected.context.clone()]);
    if track != "emqx" {
        let track = match std::path::Path::new(track) {
            p if p.exists() => std::path::absolute(p)
                .map_or(track.to_string(), |a| a.to_string_lossy().into_owned()),
            _ => track.to_string(),
        };
        words.extend(["--track".into(), track]);
    }
    words.extend(["-n".into(), namespace.to_string(), "--yes".into()]);
    let production: Vec<&str> = args.production_words.iter().map(String::as_str).collect();
    if production != DEFAULT_PRODUCTION_WORDS {
        words.extend(["--production-words".into(), production.join(",")]);
    }
    if let Err(Refusal::LooksLikeProduction { .. }) = connected.check(true, false, &production) {
        words.push("--allow-production".into());
    }
    Some(
        words
            .iter()
            .map(|w| quoted(w))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// A word as a POSIX shell reads it back unchanged.
fn quoted(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@+".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(context: &str) -> Target {
        Target {
            context: context.into(),
            server: "https://10.0.0.1:6443".into(),
            namespace: "emqx".into(),
            embedded: false,
        }
    }

    fn args(kubeconfig: Option<&str>) -> TargetArgs {
        TargetArgs {
            kubeconfig: kubeconfig.map(Into::into),
            context: None,
            yes: false,
            allow_production: false,
            production_words: DEFAULT_PRODUCTION_WORDS
                .iter()
                .map(|w| w.to_string())
                .collect(),
            speed: 1.0,
            no_default_storage_class: false,
        }
    }

    #[test]
    fn the_line_names_the_kubeconfig_and_context_the_wizard_used() {
        let line = teardown_line(
            &args(Some("/tmp/k 1/config")),
            "emqx",
            "emqx",
            &target("realk8s"),
        );
        assert_eq!(
            line.as_deref(),
            Some(
                "kubetour teardown --kubeconfig '/tmp/k 1/config' --context realk8s -n emqx --yes"
            )
        );
    }

    #[test]
    fn a_production_looking_context_gets_allow_production() {
        let line = teardown_line(&args(None), "emqx", "mq", &target("prod-eu")).unwrap();
        assert!(
            line.ends_with("--context prod-eu -n mq --yes --allow-production"),
            "{line}"
        );
    }

    #[test]
    fn the_embedded_cluster_leaves_nothing_to_tear_down() {
        let mut t = target("kubetour-sim");
        t.embedded = true;
        assert_eq!(teardown_line(&args(None), "emqx", "emqx", &t), None);
    }
}
