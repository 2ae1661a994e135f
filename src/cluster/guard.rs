//! The write guard: kubetour writes to a cluster it did not start only when the person
//! has seen where the writes go and said yes.
//!
//! Pure: the caller shows `Target::describe()` and passes what the person answered
//! (or `--yes` / `--allow-production` in headless use).

/// Where the writes would go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub context: String,
    pub server: String,
    pub namespace: String,
    /// True only for the simulated cluster kubetour started itself.
    pub embedded: bool,
}

/// Words in a context name that mark a production cluster, unless configured otherwise.
pub const DEFAULT_PRODUCTION_WORDS: &[&str] = &["prod", "production", "live"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "kubetour would write to context `{context}` (server {server}, namespace {namespace}), \
         which is not its embedded simulated cluster. Run again with --yes to confirm, or \
         leave out --kubeconfig/--context/KUBECONFIG to use the simulated cluster."
    )]
    NotConfirmed {
        context: String,
        server: String,
        namespace: String,
    },
    #[error(
        "context `{context}` looks like production (its name contains `{word}`). kubetour is \
         for learning and dev clusters; if you really mean it, add --allow-production."
    )]
    LooksLikeProduction { context: String, word: String },
}

impl Target {
    pub fn describe(&self) -> String {
        format!(
            "context {} · server {} · namespace {}",
            self.context, self.server, self.namespace
        )
    }

    /// May kubetour write here? `confirmed`: --yes or an interactive yes.
    pub fn check(
        &self,
        confirmed: bool,
        allow_production: bool,
        production_words: &[&str],
    ) -> Result<(), Refusal> {
        if self.embedded {
            return Ok(());
        }
        if !allow_production && let Some(word) = production_word(&self.context, production_words) {
            return Err(Refusal::LooksLikeProduction {
                context: self.context.clone(),
                word: word.to_string(),
            });
        }
        if !confirmed {
            return Err(Refusal::NotConfirmed {
                context: self.context.clone(),
                server: self.server.clone(),
                namespace: self.namespace.clone(),
            });
        }
        Ok(())
    }
}

/// The first production word that appears as a whole token of the context name
/// (`prod-eu`, `gke_x_live`), so `product-demo` or `delivery` do not trip it.
fn production_word<'a>(context: &str, words: &[&'a str]) -> Option<&'a str> {
    let lower = context.to_ascii_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    words
        .iter()
        .find(|w| tokens.iter().any(|t| t.eq_ignore_ascii_case(w)))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(context: &str, embedded: bool) -> Target {
        Target {
            context: context.into(),
            server: "https://10.0.0.1:6443".into(),
            namespace: "emqx".into(),
            embedded,
        }
    }

    #[test]
    fn the_embedded_cluster_needs_no_confirmation() {
        assert_eq!(
            target("kubetour-sim", true).check(false, false, DEFAULT_PRODUCTION_WORDS),
            Ok(())
        );
    }

    #[test]
    fn another_cluster_needs_yes() {
        let err = target("kind-dev", false)
            .check(false, false, DEFAULT_PRODUCTION_WORDS)
            .unwrap_err();
        assert!(err.to_string().contains("kind-dev"), "{err}");
        assert!(err.to_string().contains("--yes"), "{err}");
        assert_eq!(
            target("kind-dev", false).check(true, false, DEFAULT_PRODUCTION_WORDS),
            Ok(())
        );
    }

    #[test]
    fn a_production_looking_context_needs_allow_production_even_with_yes() {
        for name in ["prod", "eu-prod-1", "gke_acme_live", "Production"] {
            let err = target(name, false)
                .check(true, false, DEFAULT_PRODUCTION_WORDS)
                .unwrap_err();
            assert!(
                matches!(err, Refusal::LooksLikeProduction { .. }),
                "{name}: {err}"
            );
            assert_eq!(
                target(name, false).check(true, true, DEFAULT_PRODUCTION_WORDS),
                Ok(())
            );
        }
    }

    #[test]
    fn words_inside_other_words_do_not_look_like_production() {
        for name in ["product-demo", "delivery", "olive"] {
            assert_eq!(
                target(name, false).check(true, false, DEFAULT_PRODUCTION_WORDS),
                Ok(())
            );
        }
    }

    #[test]
    fn the_production_words_are_configurable() {
        let err = target("staging", false)
            .check(true, false, &["staging"])
            .unwrap_err();
        assert!(matches!(err, Refusal::LooksLikeProduction { .. }));
    }
}
