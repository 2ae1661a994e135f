//! Reading a kubeconfig and choosing its context, every failure naming the file and the
//! context, cluster or user involved. kube's own errors say "failed to determine current
//! context" or "failed to load the cluster of context: c9" without the file, and without
//! what the file does hold; a person needs both to fix it.

use std::path::{Path, PathBuf};

use kube::config::Kubeconfig;

/// What to do instead, said once for every "there is no usable kubeconfig" message.
const OR_SIMULATED: &str =
    "or leave out --kubeconfig, --context and KUBECONFIG to use kubetour's simulated cluster";

/// The context chosen, with the names it leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub context: String,
    pub cluster: String,
    /// None for a context without a user (anonymous requests, as client-go allows).
    pub user: Option<String>,
}

/// `~/.kube/config`, where kubectl looks when KUBECONFIG is not set.
pub fn default_path() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".kube").join("config"))
}

/// Reads `path`, which may be a KUBECONFIG list (`a:b`), as kubectl would: a list merges
/// the files that exist, the first one's entries winning.
pub fn read(path: &Path) -> anyhow::Result<Kubeconfig> {
    let parts: Vec<PathBuf> = std::env::split_paths(path.as_os_str())
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    if parts.len() <= 1 || path.exists() {
        return read_one(path);
    }
    let existing: Vec<&PathBuf> = parts.iter().filter(|p| p.exists()).collect();
    if existing.is_empty() {
        anyhow::bail!(
            "none of the kubeconfig files in {} exists; name an existing file, {OR_SIMULATED}",
            path.display()
        );
    }
    let mut merged = Kubeconfig::default();
    for p in existing {
        merged = merged
            .merge(read_one(p)?)
            .map_err(|e| anyhow::anyhow!("merging the kubeconfig {}: {e}", p.display()))?;
    }
    Ok(merged)
}

fn read_one(path: &Path) -> anyhow::Result<Kubeconfig> {
    let shown = path.display();
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => anyhow::bail!(
            "the kubeconfig {shown} does not exist; name an existing file with --kubeconfig, \
             {OR_SIMULATED}"
        ),
        Err(e) => anyhow::bail!("cannot read the kubeconfig {shown}: {}", io_words(&e)),
        Ok(m) if m.is_dir() => anyhow::bail!(
            "the kubeconfig {shown} is a directory, not a file; name the kubeconfig file \
             itself, {OR_SIMULATED}"
        ),
        Ok(_) => {}
    }
    // Read once ourselves first: kube's error for an unreadable file repeats the OS error
    // twice and quotes the path as a Rust string.
    if let Err(e) = std::fs::read(path) {
        anyhow::bail!("cannot read the kubeconfig {shown}: {}", io_words(&e));
    }
    Kubeconfig::read_from(path).map_err(|e| match e {
        kube::config::KubeconfigError::Parse(inner) => {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            anyhow::anyhow!("{}", parse_words(path, &text, &inner.to_string()))
        }
        other => anyhow::anyhow!("cannot read the kubeconfig {shown}: {other}"),
    })
}

/// "permission denied" rather than "Permission denied (os error 13)".
fn io_words(e: &std::io::Error) -> String {
    let text = e.to_string();
    let plain = text.split(" (os error").next().unwrap_or(&text);
    plain.to_lowercase()
}

/// kube's YAML reader prints "error: line 4 column 11: expected string scalar" and then a
/// snippet headed `<input>`; the first line holds the position, and the file is ours to
/// name. YAML that parses but is not shaped like a kubeconfig is told apart.
fn parse_words(path: &Path, text: &str, kube_says: &str) -> String {
    let first = kube_says.lines().next().unwrap_or(kube_says);
    let first = first.trim_start_matches("error: ").trim();
    if crate::yaml::to_json(text, 1).is_err() {
        format!(
            "the kubeconfig {} is not valid YAML: {first}",
            path.display()
        )
    } else {
        format!(
            "the kubeconfig {} is YAML but not a kubeconfig: {first}",
            path.display()
        )
    }
}

/// Chooses the context (`wanted`, else the file's current-context) and checks that the
/// cluster and user it names are in the file. `shown` is how the file is named to people.
pub fn choose(kc: &Kubeconfig, shown: &str, wanted: Option<&str>) -> anyhow::Result<Chosen> {
    let contexts: Vec<&str> = kc.contexts.iter().map(|c| c.name.as_str()).collect();
    let from_file = kc.current_context.as_deref().filter(|c| !c.is_empty());
    let Some(name) = wanted.or(from_file) else {
        if contexts.is_empty() {
            anyhow::bail!(
                "the kubeconfig {shown} has no contexts, so it names no cluster to use; \
                 get a kubeconfig for your cluster (e.g. `kind get kubeconfig`), {OR_SIMULATED}"
            );
        }
        anyhow::bail!(
            "the kubeconfig {shown} sets no current-context; choose one with --context: {}",
            contexts.join(", ")
        );
    };
    let Some(named) = kc.contexts.iter().find(|c| c.name == name) else {
        let listed = if contexts.is_empty() {
            "it has no contexts".to_string()
        } else {
            format!("it has: {}", contexts.join(", "))
        };
        if wanted.is_some() {
            anyhow::bail!("context `{name}` is not in the kubeconfig {shown}; {listed}");
        }
        anyhow::bail!(
            "the kubeconfig {shown} has current-context `{name}`, but no context of that \
             name; {listed} (choose one with --context)"
        );
    };
    let Some(context) = &named.context else {
        anyhow::bail!("context `{name}` in the kubeconfig {shown} is empty: it names no cluster");
    };
    let clusters: Vec<&str> = kc.clusters.iter().map(|c| c.name.as_str()).collect();
    let cluster = kc.clusters.iter().find(|c| c.name == context.cluster);
    let Some(cluster) = cluster else {
        anyhow::bail!(
            "context `{name}` in the kubeconfig {shown} names cluster `{}`, which the file \
             does not define ({})",
            context.cluster,
            listing("clusters", &clusters)
        );
    };
    let has_server = cluster
        .cluster
        .as_ref()
        .and_then(|c| c.server.as_deref())
        .is_some_and(|s| !s.is_empty());
    if !has_server {
        anyhow::bail!(
            "cluster `{}` in the kubeconfig {shown} has no `server:` URL (context `{name}`)",
            cluster.name
        );
    }
    let user = context.user.as_deref().filter(|u| !u.is_empty());
    if let Some(user) = user
        && !kc.auth_infos.iter().any(|u| u.name == user)
    {
        let users: Vec<&str> = kc.auth_infos.iter().map(|u| u.name.as_str()).collect();
        anyhow::bail!(
            "context `{name}` in the kubeconfig {shown} names user `{user}`, which the file \
             does not define ({})",
            listing("users", &users)
        );
    }
    Ok(Chosen {
        context: name.to_string(),
        cluster: cluster.name.clone(),
        user: user.map(str::to_string),
    })
}

fn listing(what: &str, names: &[&str]) -> String {
    if names.is_empty() {
        format!("it has no {what}")
    } else {
        format!("its {what}: {}", names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kc(text: &str) -> Kubeconfig {
        Kubeconfig::from_yaml(text).unwrap()
    }

    const TWO: &str = "
apiVersion: v1
kind: Config
clusters:
- {name: c1, cluster: {server: 'https://127.0.0.1:1'}}
users:
- {name: u1, user: {token: t}}
contexts:
- {name: a, context: {cluster: c1, user: u1}}
- {name: b, context: {cluster: c9, user: u1}}
- {name: c, context: {cluster: c1, user: u9}}
";

    #[test]
    fn no_current_context_lists_the_contexts_to_choose_from() {
        let e = choose(&kc(TWO), "/k", None).unwrap_err().to_string();
        assert_eq!(
            e,
            "the kubeconfig /k sets no current-context; choose one with --context: a, b, c"
        );
    }

    #[test]
    fn a_context_naming_a_missing_cluster_or_user_says_which() {
        let e = choose(&kc(TWO), "/k", Some("b")).unwrap_err().to_string();
        assert!(e.contains("names cluster `c9`"), "{e}");
        assert!(e.contains("its clusters: c1"), "{e}");
        let e = choose(&kc(TWO), "/k", Some("c")).unwrap_err().to_string();
        assert!(e.contains("names user `u9`"), "{e}");
    }

    #[test]
    fn a_good_context_names_its_cluster_and_user() {
        let chosen = choose(&kc(TWO), "/k", Some("a")).unwrap();
        assert_eq!(chosen.cluster, "c1");
        assert_eq!(chosen.user.as_deref(), Some("u1"));
    }

    #[test]
    fn a_kubeconfig_list_merges_the_files_that_exist_first_one_winning() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::write(&a, TWO.replace("name: a,", "name: first,")).unwrap();
        let missing = dir.path().join("missing");
        let list = std::env::join_paths([&a, &missing]).unwrap();
        let merged = read(Path::new(&list)).unwrap();
        assert!(merged.contexts.iter().any(|c| c.name == "first"));
        let none = std::env::join_paths([&missing, &missing]).unwrap();
        let e = read(Path::new(&none)).unwrap_err().to_string();
        assert!(e.starts_with("none of the kubeconfig files in"), "{e}");
    }

    #[test]
    fn broken_yaml_and_a_wrong_shape_are_told_apart() {
        let p = Path::new("/k");
        let bad = parse_words(p, "a: [x\n", "error: line 1 column 4: oops\n --> <input>");
        assert_eq!(
            bad,
            "the kubeconfig /k is not valid YAML: line 1 column 4: oops"
        );
        let shape = parse_words(p, "clusters: 5\n", "error: line 1 column 11: wanted a list");
        assert!(shape.contains("is YAML but not a kubeconfig"), "{shape}");
    }
}
