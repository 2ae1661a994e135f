//! One stage file -> one [`Stage`]. The first document is the header; every following
//! document is a manifest, written as it would be for `kubectl apply -f`.

use std::path::Path;

use super::error::{TrackError, did_you_mean};
use super::load::{RenderOptions, is_dns_label, load_nested, sibling};
use super::locate::Locator;
use super::manifest::{self, ManifestContext};
use super::model::{Manifest, Stage};
use super::raw::RawStage;
use super::stage::HeaderContext;
use super::state;
use super::template::Vars;

/// What every stage of one track is loaded with.
pub struct StageLoader<'a> {
    pub track: &'a str,
    pub namespace: &'a str,
    pub vars: &'a Vars,
    pub opts: &'a RenderOptions,
    /// The track directory (sibling tracks are found next to it).
    pub dir: &'a Path,
    /// How many `manifests_from` hops led here (one is allowed).
    pub depth: usize,
}

impl StageLoader<'_> {
    pub fn load(&self, file: &Path, index: usize) -> Result<Stage, TrackError> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| TrackError::in_file(file, format!("cannot read the stage file: {e}")))?;
        let docs = crate::yaml::split_documents(&text);
        let Some(header_doc) = docs.first() else {
            return Err(TrackError::in_file(file, "the stage file is empty")
                .fix("Start it with the stage header: id, title, narration"));
        };
        let header_loc = Locator::new(file, &header_doc.text, header_doc.start_line);
        let raw: RawStage =
            crate::yaml::from_str_at_enums_as_maps(&header_doc.text, header_doc.start_line)
                .map_err(|e| header_error(&header_loc, e))?;
        let stage_id = raw.id.clone();
        if !is_dns_label(&stage_id) {
            return Err(TrackError::at(
                file,
                header_loc.line_of_key("id"),
                format!("stage id `{stage_id}` is not a plain name"),
            )
            .fix("Use lowercase letters, digits and `-`, e.g. `autocluster`"));
        }
        let hcx = HeaderContext {
            loc: &header_loc,
            stage: &stage_id,
            vars: self.vars,
        };
        let cx = ManifestContext {
            stage: &stage_id,
            track: self.track,
            namespace: self.namespace,
            vars: self.vars,
        };
        let mut manifests: Vec<Manifest> = Vec::new();
        for (i, doc) in docs.iter().skip(1).enumerate() {
            let m = manifest::build(&Locator::new(file, &doc.text, doc.start_line), i + 1, &cx)?;
            if let Some(prev) = manifests
                .iter()
                .position(|p| p.kind == m.kind && p.name == m.name)
            {
                return Err(TrackError::at(
                    file,
                    doc.start_line,
                    format!(
                        "{} {} is already manifest {} of this stage",
                        m.kind,
                        m.name,
                        prev + 1
                    ),
                )
                .stage(&stage_id)
                .fix("Apply each object once per stage"));
            }
            manifests.push(m);
        }
        if let Some(from) = &raw.manifests_from {
            if !manifests.is_empty() {
                return Err(hcx
                    .error(
                        "manifests_from",
                        "a stage with `manifests_from` cannot also carry manifests",
                    )
                    .fix("Remove the manifest documents, or `manifests_from`"));
            }
            if self.depth > 0 {
                return Err(hcx
                    .error(
                        "manifests_from",
                        "`manifests_from` cannot name a track that itself uses `manifests_from`",
                    )
                    .fix("Point it at a track that writes its manifests"));
            }
            let other = load_nested(&sibling(self.dir, &from.track), self.opts, self.depth + 1)?;
            let Some(through) = other.stages.iter().position(|s| s.id == from.through) else {
                return Err(hcx
                    .error(
                        &from.through,
                        format!("track `{}` has no stage `{}`", from.track, from.through),
                    )
                    .fix(format!("Use one of: {}", other.stage_ids().join(", "))));
            };
            manifests = state::through(&other, through);
            for m in &mut manifests {
                manifest::set_namespace_and_labels(&mut m.body, &cx);
            }
        }
        Ok(Stage {
            id: stage_id.clone(),
            index,
            file: file.to_path_buf(),
            title: hcx.bilingual(&raw.title, "title")?,
            narration: hcx.bilingual(&raw.narration, "narration")?,
            commands: all(&raw.commands, |c| hcx.text(c))?,
            before: all(&raw.before, |s| hcx.step(s))?,
            manifests,
            checks: all(&raw.checks, |c| hcx.check(c))?,
            on_leave: all(&raw.on_leave, |s| hcx.step(s))?,
            try_it: all(&raw.try_it, |t| hcx.try_it(t))?,
            hints: all(&raw.hints, |h| hcx.hint(h))?,
            observations: all(&raw.observations, |o| {
                let proved = raw.try_it.iter().any(|t| t.observations.contains(&o.id));
                hcx.observation(o, proved)
            })?,
        })
    }
}

fn all<T, U>(items: &[T], f: impl Fn(&T) -> Result<U, TrackError>) -> Result<Vec<U>, TrackError> {
    items.iter().map(f).collect()
}

/// A header that does not fit the stage format: name the stage when its id can be
/// read, and suggest the nearest field or variant name for a typo.
fn header_error(loc: &Locator, e: crate::yaml::YamlError) -> TrackError {
    let mut err = TrackError::at(&loc.file, e.line, e.message.clone());
    if let Some(id) = loc
        .text
        .lines()
        .find_map(|l| l.strip_prefix("id:"))
        .map(str::trim)
        && !id.is_empty()
    {
        err = err.stage(id.trim_matches(['"', '\'']));
    }
    if e.message.contains("`apiVersion`") || e.message.contains("`kind`") {
        return err.fix("The first document of a stage file is the stage header (id, title, narration...); put the manifests after a `---` line");
    }
    match suggestion(&e.message) {
        Some(s) => err.fix(format!("Did you mean `{s}`?")),
        None => err,
    }
}

/// From serde's "unknown field `x`, expected one of `a`, `b`": the candidate nearest `x`.
fn suggestion(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (word, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(word, candidates.iter().copied()).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_field_or_variant_gets_a_suggestion() {
        assert_eq!(
            suggestion("unknown field `narations`, expected one of `id`, `title`, `narration`"),
            Some("narration".into())
        );
        assert_eq!(
            suggestion("unknown variant `pod_ready`, expected one of `pods_ready`, `log_line`"),
            Some("pods_ready".into())
        );
        assert_eq!(suggestion("invalid type: map"), None);
    }
}
