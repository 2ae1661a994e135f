//! `kubetour export`: the manifests as multi-document YAML, exactly what kubetour would
//! apply, ready for `kubectl apply -f -`.

use super::error::TrackError;
use super::manifest::{MANAGED_BY, TRACK_LABEL};
use super::model::{Manifest, Track};
use super::ordered_yaml::Node;
use super::state;

/// Which manifests to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// The state after this stage (the last stage when `None`).
    Through(Option<String>),
    /// Only what this one stage applies.
    Stage(String),
}

/// Renders the selection as YAML text.
pub fn export(track: &Track, selection: &Selection) -> Result<String, TrackError> {
    let (manifests, with_namespace, what) = match selection {
        Selection::Through(id) => {
            let index = match id {
                Some(id) => stage_index(track, id)?,
                None => track.stages.len().saturating_sub(1),
            };
            let id = &track.stages[index].id;
            (
                state::through(track, index),
                true,
                format!("the state after stage `{id}`"),
            )
        }
        Selection::Stage(id) => {
            let index = stage_index(track, id)?;
            (
                track.stages[index].manifests.clone(),
                false,
                format!("what stage `{id}` applies"),
            )
        }
    };
    let mut out = format!(
        "# kubetour export: track `{}`, {what}; EMQX profile {} ({}), namespace `{}`.\n",
        track.name, track.profile.name, track.profile.image, track.namespace
    );
    if manifests.is_empty() {
        out.push_str("# (nothing to apply)\n");
        return Ok(out);
    }
    let mut docs: Vec<(String, Node)> = Vec::new();
    if with_namespace && !is_system_namespace(&track.namespace) {
        docs.push(("the target namespace".into(), namespace_object(track)));
    }
    docs.extend(manifests.iter().map(|m| (origin(m), m.body.clone())));
    for (origin, body) in docs {
        let yaml = crate::yaml::to_string(&body).map_err(|e| {
            TrackError::plain(format!("cannot print a manifest as YAML: {}", e.message))
        })?;
        out.push_str("---\n# ");
        out.push_str(&origin);
        out.push('\n');
        out.push_str(&yaml);
    }
    Ok(out)
}

/// The stage's position, or an error listing the stages.
pub fn stage_index(track: &Track, id: &str) -> Result<usize, TrackError> {
    track.stages.iter().position(|s| s.id == id).ok_or_else(|| {
        TrackError::plain(format!("track `{}` has no stage `{id}`", track.name))
            .fix(format!("Use one of: {}", track.stage_ids().join(", ")))
    })
}

fn origin(m: &Manifest) -> String {
    let file = m
        .source
        .file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("?");
    format!("{} {} (from {file})", m.kind, m.name)
}

fn is_system_namespace(ns: &str) -> bool {
    ns == "default" || ns.starts_with("kube-")
}

fn namespace_object(track: &Track) -> Node {
    let labels = Node::Map(vec![
        (MANAGED_BY.0.into(), Node::Str(MANAGED_BY.1.into())),
        (TRACK_LABEL.into(), Node::Str(track.name.clone())),
    ]);
    Node::Map(vec![
        ("apiVersion".into(), Node::Str("v1".into())),
        ("kind".into(), Node::Str("Namespace".into())),
        (
            "metadata".into(),
            Node::Map(vec![
                ("name".into(), Node::Str(track.namespace.clone())),
                ("labels".into(), labels),
            ]),
        ),
    ])
}
