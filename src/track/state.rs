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
