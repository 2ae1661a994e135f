//! One manifest document of a stage file -> a templated, namespaced, labelled
//! [`Manifest`], or an error that names the file, line, stage and manifest.

use super::error::{TrackError, did_you_mean};
use super::locate::Locator;
use super::model::{Manifest, Source};
use super::ordered_yaml::Node;
use super::schema::{self, COMMON_FIELDS, SchemaProblem};
use super::template::{self, Vars};

/// Labels kubetour puts on everything it applies, so teardown finds exactly its own.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kubetour");
pub const TRACK_LABEL: &str = "kubetour.io/track";
pub const STAGE_LABEL: &str = "kubetour.io/stage";

/// Where a manifest sits and what it is rendered with.
pub struct ManifestContext<'a> {
    pub stage: &'a str,
    pub track: &'a str,
    pub namespace: &'a str,
    pub vars: &'a Vars,
}

/// Parses, templates and labels one manifest document.
pub fn build(loc: &Locator, position: usize, cx: &ManifestContext) -> Result<Manifest, TrackError> {
    let err = |line: usize, what: Option<String>, msg: String| {
        TrackError::at(&loc.file, line, msg)
            .stage(cx.stage)
            .manifest(position, what)
    };
    let raw: Node = crate::yaml::from_str_at(&loc.text, loc.start_line)
        .map_err(|e| err(e.line, None, e.message))?;
    let mut body = template::render(&raw, cx.vars)
        .map_err(|e| err(loc.line_of(&e.needle()), describe(&raw), e.message()).fix(e.fix()))?;
    if !matches!(body, Node::Map(_)) {
        return Err(err(loc.start_line, None, "a manifest must be a map".into())
            .fix("Write the object with apiVersion, kind, metadata and spec keys"));
    }
    let api_version = required_str(&body, &["apiVersion"]);
    let kind = required_str(&body, &["kind"]);
    let name = required_str(&body, &["metadata", "name"]);
    let (Some(api_version), Some(kind)) = (api_version, kind) else {
        return Err(err(
            loc.start_line,
            describe(&body),
            "missing `apiVersion` or `kind`".into(),
        )
        .fix("Every manifest needs both, e.g. `apiVersion: apps/v1` and `kind: Deployment`"));
    };
    let what = Some(format!("{kind} {}", name.as_deref().unwrap_or("<no name>")));
    let Some(name) = name else {
        return Err(err(
            loc.line_of_key("metadata"),
            what,
            "missing `metadata.name`".into(),
        )
        .fix("Give the object a name under `metadata:`, e.g. `name: emqx-service`"));
    };
    if kind == "Namespace" {
        return Err(err(loc.start_line, what, "a stage may not create a Namespace".into())
            .fix("kubetour creates the target namespace itself (from `--namespace`); remove this document"));
    }
    if let Some(ns) = body.path(&["metadata", "namespace"]).and_then(Node::as_str)
        && ns != cx.namespace
    {
        return Err(err(
            loc.line_of_key("namespace"),
            what,
            format!(
                "namespace `{ns}` is written out but the target namespace is `{}`",
                cx.namespace
            ),
        )
        .fix("Write `namespace: ${namespace}` or leave the field out; kubetour sets it"));
    }
    if let Some(problem) = schema::check(&api_version, &kind, &body.to_json())
        .into_iter()
        .next()
    {
        return Err(match problem {
            SchemaProblem::UnknownField { path, key } => {
                let e = err(
                    loc.line_of_key(&key),
                    what.clone(),
                    format!("unknown field `{key}` (at `{path}`)"),
                );
                match did_you_mean(&key, COMMON_FIELDS.iter().copied()) {
                    Some(s) => e.fix(format!("Did you mean `{s}`?")),
                    None => e.fix("Remove it, or check the spelling against `kubectl explain`"),
                }
            }
            SchemaProblem::Invalid { message } => err(loc.start_line, what.clone(), message)
                .fix("Check the field types against `kubectl explain`"),
        });
    }
    set_namespace_and_labels(&mut body, cx);
    Ok(Manifest {
        api_version,
        kind,
        name,
        body,
        source: Source {
            file: loc.file.clone(),
            line: loc.start_line,
            position,
            text: loc.text.clone(),
        },
    })
}

fn required_str(node: &Node, path: &[&str]) -> Option<String> {
    node.path(path)
        .and_then(Node::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn describe(node: &Node) -> Option<String> {
    let kind = node.get("kind").and_then(Node::as_str)?;
    let name = node
        .path(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("<no name>");
    Some(format!("{kind} {name}"))
}

/// Sets metadata.namespace (right after the name, where people look for it) and adds
/// kubetour's labels. Existing labels (such as the selector's `app: emqx`) are kept.
pub fn set_namespace_and_labels(body: &mut Node, cx: &ManifestContext) {
    let Some(metadata) = body.get_mut("metadata") else {
        return;
    };
    if let Node::Map(entries) = metadata {
        entries.retain(|(k, _)| k != "namespace");
        let at = entries
            .iter()
            .position(|(k, _)| k == "name")
            .map_or(0, |i| i + 1);
        entries.insert(at, ("namespace".into(), Node::Str(cx.namespace.into())));
    }
    add_labels(metadata, &our_labels(cx.track, cx.stage));
    // Pods made from a template carry who made them too (never the stage: a label that
    // changed with every stage would roll the pods), so that preflight can tell a
    // leftover EMQX pod matching `app=emqx` from one of ours.
    if let Some(template_meta) = body
        .get_mut("spec")
        .and_then(|s| s.get_mut("template"))
        .and_then(|t| t.get_mut("metadata"))
    {
        add_labels(template_meta, &our_labels(cx.track, cx.stage)[..2]);
    }
    // Claims made from a StatefulSet's templates outlive it: label them so that teardown
    // can find them (they are ours, created on our behalf).
    if let Some(templates) = body.path(&["spec", "volumeClaimTemplates"]).cloned() {
        let labelled: Vec<Node> = templates
            .as_list()
            .iter()
            .cloned()
            .map(|mut t| {
                if t.get("metadata").is_none() {
                    t.set("metadata", Node::Map(vec![]));
                }
                if let Some(m) = t.get_mut("metadata") {
                    add_labels(m, &our_labels(cx.track, cx.stage)[..2]);
                }
                t
            })
            .collect();
        if let Some(spec) = body.get_mut("spec") {
            spec.set("volumeClaimTemplates", Node::List(labelled));
        }
    }
}

fn our_labels(track: &str, stage: &str) -> [(String, String); 3] {
    [
        (MANAGED_BY.0.into(), MANAGED_BY.1.into()),
        (TRACK_LABEL.into(), track.into()),
        (STAGE_LABEL.into(), stage.into()),
    ]
}

fn add_labels(metadata: &mut Node, labels: &[(String, String)]) {
    if metadata.get("labels").is_none() {
        metadata.set("labels", Node::Map(vec![]));
    }
    if let Some(existing) = metadata.get_mut("labels") {
        for (k, v) in labels {
            existing.set(k, Node::Str(v.clone()));
        }
    }
}
