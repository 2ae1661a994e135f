//! The cluster state a track leaves behind after a given stage: what `export --through`
//! prints and what lint checks as a whole.
//!
//! Walking the stages in order: a stage's `before` deletions remove objects, its
//! manifests replace earlier versions of the same object (moved to the end, so that
//! objects a new version depends on, introduced in the same stage, come first), and
//! when the walk moves past a stage its `on_leave` deletions run.

use super::model::{Manifest, Step, Track};

/// The objects present after stage `index` (0-based) has been applied.
pub fn through(track: &Track, index: usize) -> Vec<Manifest> {
    let mut state: Vec<Manifest> = Vec::new();
    for (i, stage) in track.stages.iter().enumerate().take(index + 1) {
        for step in &stage.before {
            remove(&mut state, step);
        }
        for m in &stage.manifests {
            state.retain(|s| !(s.kind == m.kind && s.name == m.name));
            state.push(m.clone());
        }
        if i < index {
            for step in &stage.on_leave {
                remove(&mut state, step);
            }
        }
    }
    state
}

fn remove(state: &mut Vec<Manifest>, step: &Step) {
    match step {
        Step::Delete { kind, name, .. } => {
            state.retain(|s| !(s.kind == kind.name() && &s.name == name));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::track::{RenderOptions, load};

    fn kinds_after(stage: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("stages/emqx");
        let track = load(&dir, &RenderOptions::default()).unwrap();
        let index = track.stages.iter().position(|s| s.id == stage).unwrap();
        super::through(&track, index)
            .iter()
            .map(|m| {
                format!(
                    "{} {} ({})",
                    m.kind,
                    m.name,
                    m.body
                        .path(&["metadata", "labels", "kubetour.io/stage"])
                        .and_then(|n| n.as_str())
                        .unwrap_or("?")
                )
            })
            .collect()
    }

    #[test]
    fn the_bare_pod_is_there_until_the_learner_moves_on() {
        assert_eq!(kinds_after("pod"), ["Pod emqx (pod)"]);
        assert_eq!(
            kinds_after("deployment"),
            ["Deployment emqx-deployment (deployment)"]
        );
    }

    #[test]
    fn a_later_version_replaces_an_earlier_one_and_moves_after_what_it_needs() {
        assert_eq!(
            kinds_after("rbac"),
            [
                "Service emqx-service (service)",
                "ServiceAccount emqx (rbac)",
                "Role emqx (rbac)",
                "RoleBinding emqx (rbac)",
                "Deployment emqx-deployment (rbac)",
            ]
        );
    }

    #[test]
    fn objects_deleted_by_a_step_are_gone() {
        let after = kinds_after("persistence");
        assert!(
            !after.iter().any(|k| k.starts_with("Deployment")),
            "{after:?}"
        );
        assert!(
            after.contains(&"StatefulSet emqx-statefulset (persistence)".to_string()),
            "{after:?}"
        );
        assert!(
            after.contains(&"ConfigMap emqx-config (statefulset)".to_string()),
            "{after:?}"
        );
    }
}
