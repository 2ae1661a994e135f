//! Each stage's manifests as the manifest view shows them, prepared once at start: the
//! full YAML, and the diff against the state the previous stage left (what this stage
//! changes). Pure: from the track alone.

use similar::{ChangeTag, TextDiff};

use crate::track::manifest::MANAGED_BY;
use crate::track::{Step, Track, state};

/// One line of the diff view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    /// `--- Kind/name` headers and notes.
    Header(String),
    Same(String),
    Added(String),
    Removed(String),
}

/// What the manifest view shows for one stage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageManifests {
    pub yaml: String,
    pub diff: Vec<DiffLine>,
}

/// How many unchanged lines the diff keeps around each change.
const CONTEXT: usize = 2;

pub fn prepare(track: &Track) -> Vec<StageManifests> {
    track
        .stages
        .iter()
        .map(|stage| {
            let yaml = stage
                .manifests
                .iter()
                .map(|m| {
                    m.to_yaml().unwrap_or_else(|e| {
                        format!("# {} {} cannot be shown as YAML: {e}\n", m.kind, m.name)
                    })
                })
                .collect::<Vec<_>>()
                .join("---\n");
            let before = match stage.index {
                0 => Vec::new(),
                i => state::through(track, i - 1),
            };
            let mut diff = Vec::new();
            let mut bookkept: Vec<String> = Vec::new();
            for step in &stage.before {
                let Step::Delete { kind, name, .. } = step;
                diff.push(DiffLine::Removed(format!(
                    "deleted first: {} {name}",
                    kind.name()
                )));
            }
            if stage.index > 0 {
                for step in &track.stages[stage.index - 1].on_leave {
                    let Step::Delete { kind, name, .. } = step;
                    diff.push(DiffLine::Removed(format!(
                        "deleted on leaving `{}`: {} {name}",
                        track.stages[stage.index - 1].id,
                        kind.name()
                    )));
                }
            }
            for m in &stage.manifests {
                let new = m.to_yaml().unwrap_or_default();
                let old = before
                    .iter()
                    .find(|b| b.kind == m.kind && b.name == m.name)
                    .map(|b| b.to_yaml().unwrap_or_default());
                match old {
                    None => {
                        diff.push(DiffLine::Header(format!("+++ new {} {}", m.kind, m.name)));
                        let lines = without_bookkeeping(&new);
                        diff.extend(lines.lines().map(|l| DiffLine::Added(l.to_string())));
                    }
                    Some(old) if old == new => {
                        diff.push(DiffLine::Header(format!(
                            "=== {} {} unchanged",
                            m.kind, m.name
                        )));
                    }
                    Some(old) => {
                        diff.push(DiffLine::Header(format!("~~~ {} {}", m.kind, m.name)));
                        let lines = changed_lines(&old, &new);
                        if lines.is_empty() {
                            bookkept.push(format!("{} {}", m.kind, m.name));
                        }
                        diff.extend(lines);
                    }
                }
            }
            let shown = diff.iter().any(
                |l| matches!(l, DiffLine::Header(h) if h.starts_with("~~~") || h.starts_with("+++")),
            );
            if shown {
                diff.push(DiffLine::Header(if bookkept.is_empty() {
                    "  (kubetour's own labels, e.g. kubetour.io/stage, left out)".into()
                } else {
                    format!(
                        "  (only kubetour's own labels change on {}; left out)",
                        bookkept.join(", ")
                    )
                }));
            }
            if stage.manifests.is_empty() && diff.is_empty() {
                diff.push(DiffLine::Header("this stage applies nothing".into()));
            }
            StageManifests { yaml, diff }
        })
        .collect()
}

/// Whether a YAML line is kubetour's own bookkeeping (its track and stage labels, its
/// managed-by label, its annotations): it changes with every stage and teaches nothing,
/// so the diff leaves it out and says so in one line at the end.
fn bookkeeping(line: &str) -> bool {
    let key = line.trim_start().trim_start_matches("- ");
    key.starts_with("kubetour.io/")
        || key.starts_with(&format!("{}: {}", MANAGED_BY.0, MANAGED_BY.1))
}

fn without_bookkeeping(yaml: &str) -> String {
    let kept: Vec<&str> = yaml.lines().filter(|l| !bookkeeping(l)).collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut out = String::new();
    for (i, l) in kept.iter().enumerate() {
        // A `labels:` or `annotations:` left with nothing under it goes too.
        let header = l.trim_end().ends_with("labels:") || l.trim_end().ends_with("annotations:");
        if header && kept.get(i + 1).is_none_or(|next| indent(next) <= indent(l)) {
            continue;
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// The lines that differ between two YAML texts, bookkeeping left out, each change with
/// a little unchanged context and `⋯` where unchanged lines are folded away.
fn changed_lines(old: &str, new: &str) -> Vec<DiffLine> {
    let (old, new) = (without_bookkeeping(old), without_bookkeeping(new));
    let diff = TextDiff::from_lines(&old, &new);
    let mut out = Vec::new();
    for (n, group) in diff.grouped_ops(CONTEXT).iter().enumerate() {
        if n > 0 {
            out.push(DiffLine::Header("  ⋯".into()));
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let line = change.value().trim_end_matches('\n').to_string();
                out.push(match change.tag() {
                    ChangeTag::Equal => DiffLine::Same(line),
                    ChangeTag::Insert => DiffLine::Added(line),
                    ChangeTag::Delete => DiffLine::Removed(line),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::track::{RenderOptions, load_named};

    fn shipped() -> Vec<StageManifests> {
        prepare(&load_named("emqx", &RenderOptions::default()).unwrap())
    }

    #[test]
    fn the_scale_stage_diff_is_the_replica_count() {
        let stages = shipped();
        let scale = &stages[4];
        let added: Vec<_> = scale
            .diff
            .iter()
            .filter_map(|l| match l {
                DiffLine::Added(t) => Some(t.trim()),
                _ => None,
            })
            .collect();
        // kubetour's own stage label changes with every stage: left out; the lesson is
        // the count.
        assert_eq!(added, vec!["replicas: 3"], "{:#?}", scale.diff);
        assert!(
            scale
                .diff
                .contains(&DiffLine::Removed("  replicas: 1".into()))
        );
    }

    #[test]
    fn the_autocluster_diff_opens_at_the_env_lines() {
        let stages = shipped();
        let auto = &stages[5];
        let first_change = auto
            .diff
            .iter()
            .find_map(|l| match l {
                DiffLine::Added(t) | DiffLine::Removed(t) => Some(t.trim()),
                _ => None,
            })
            .unwrap();
        assert_eq!(first_change, "env:", "{:#?}", auto.diff);
        assert!(
            !auto.diff.iter().any(|l| matches!(l,
                DiffLine::Added(t) | DiffLine::Removed(t) | DiffLine::Same(t)
                    if t.contains("kubetour.io/") || t.contains("managed-by"))),
            "{:#?}",
            auto.diff
        );
    }

    #[test]
    fn a_new_object_is_all_added_lines() {
        let stages = shipped();
        assert!(
            stages[3]
                .diff
                .iter()
                .any(|l| matches!(l, DiffLine::Header(h) if h == "+++ new Service emqx-service")),
            "{:#?}",
            stages[3].diff
        );
    }

    #[test]
    fn the_statefulset_stage_says_the_deployment_is_deleted_first() {
        let stages = shipped();
        assert!(
            stages[8].diff.iter().any(
                |l| matches!(l, DiffLine::Removed(t) if t.contains("Deployment emqx-deployment"))
            ),
            "{:#?}",
            stages[8].diff
        );
    }
}
