//! The diagnosis table: why there is no cluster, as data (`diagnosis.yaml` beside a
//! track's stage files). Each row is one cause (SPEC.md's pitfall number), the evidence
//! that names it — all of it must hold — the cause in one sentence, the fix, and the
//! stage or setting that fixes it. The engine matches it (`engine::causes`); `status`,
//! `run` and the wizard show what matched.
//!
//! A track without its own table uses the shipped EMQX track's, so a custom track (or
//! `status` pointed at someone's own cluster) gets every cause without copying it.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::TrackError;
use super::locate::Locator;
use super::model::{Regex, Text};
use super::stage::reflow;

/// The table's file name in a track directory (not a stage file).
pub const DIAGNOSIS_FILE: &str = "diagnosis.yaml";

/// The shipped table, for tracks that have none.
const SHIPPED: &str = include_str!("../../stages/emqx/diagnosis.yaml");

/// One row: a cause and the evidence that names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    /// SPEC.md's pitfall number, e.g. `P17`. Several rows may share one (other evidence).
    pub id: String,
    pub when: Vec<Evidence>,
    pub cause: Text,
    pub fix: Text,
    /// The stage of this track that fixes it, when it has one.
    pub fixed_by: Option<String>,
    /// The setting (env var) that fixes it, when one does.
    pub setting: Option<String>,
}

/// What must be seen for a cause to be named. Settings are what an EMQX pod's container
/// is given (its env and the ConfigMaps it takes with envFrom); an unset one reads "".
#[derive(Debug, Clone, PartialEq)]
pub enum Evidence {
    /// A line of an EMQX pod's log matches.
    Log(Regex),
    /// A warning or normal event about a live object matches (`Reason: message`).
    Event(Regex),
    /// An EMQX pod's setting matches: the first of `names` that is set, else "".
    Setting { names: Vec<String>, matches: Regex },
    /// Two EMQX pods are given different values (first of the names set, else "").
    SettingsDiffer(Vec<String>),
    /// A node's own name (as `cluster status` lists it) matches.
    NodeName(Regex),
    /// The nodes that answered form more than one cluster.
    Split,
    /// An EMQX container restarts with nothing in its log (the entrypoint's silent exit).
    RestartsSilently,
    /// The Service that EMQX_CLUSTER__DNS__NAME names is headless without
    /// `publishNotReadyAddresses`, and an EMQX pod is not Ready: DNS does not list it.
    UnpublishedDns,
    /// No EMQX core pod (EMQX_NODE__ROLE unset or `core`) is Ready in the namespace.
    NoReadyCore,
    /// An ingress NetworkPolicy selects an EMQX pod and no rule of the policies selecting
    /// it admits port 4370, the Erlang distribution port (P19).
    NetworkPolicy,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    causes: Vec<RawCause>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCause {
    id: String,
    when: Vec<RawEvidence>,
    cause: RawText,
    fix: RawText,
    #[serde(default)]
    fixed_by: Option<String>,
    #[serde(default)]
    setting: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    en: String,
    zh: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum RawEvidence {
    Log(String),
    Event(String),
    Setting { names: Vec<String>, matches: String },
    SettingsDiffer(Vec<String>),
    NodeName(String),
    Split(bool),
    RestartsSilently(bool),
    UnpublishedDns(bool),
    NoReadyCore(bool),
    NetworkPolicy(bool),
}

/// The table for the track in `dir`: its own `diagnosis.yaml`, else the shipped one.
/// `stages` are the track's stage ids: an own table's `fixed_by` must name one; the
/// shipped table's is kept only where this track has that stage.
pub fn load(dir: &Path, stages: &[String]) -> Result<Vec<Cause>, TrackError> {
    let own = dir.join(DIAGNOSIS_FILE);
    if own.is_file() {
        let text = std::fs::read_to_string(&own)
            .map_err(|e| TrackError::in_file(&own, format!("cannot read the table: {e}")))?;
        return parse(&own, &text, Some(stages));
    }
    let mut causes = parse(&PathBuf::from("stages/emqx/diagnosis.yaml"), SHIPPED, None)?;
    for c in &mut causes {
        c.fixed_by = c.fixed_by.take().filter(|s| stages.contains(s));
    }
    Ok(causes)
}

/// Parses a table; with `stages`, a `fixed_by` naming no stage of the track is an error.
pub fn parse(file: &Path, text: &str, stages: Option<&[String]>) -> Result<Vec<Cause>, TrackError> {
    let raw: RawTable = crate::yaml::from_str_at_enums_as_maps(text, 1).map_err(|e| {
        TrackError::at(file, e.line, format!("the diagnosis table: {}", e.message)).fix(
            "Each cause needs id, when (log, event, setting, settings_differ, node_name, \
             split, restarts_silently, unpublished_dns, no_ready_core, network_policy), cause {en, zh}, fix {en, zh}; optional fixed_by, setting",
        )
    })?;
    let at = |needle: &str| Locator::new(file, text, 1).line_of(needle);
    let mut causes = Vec::new();
    for rc in raw.causes {
        let here = at(&format!("id: {}", rc.id));
        if !is_pitfall_id(&rc.id) {
            return Err(TrackError::at(file, here, format!("cause id `{}`", rc.id))
                .fix("Use SPEC.md's pitfall number, e.g. P17"));
        }
        if rc.when.is_empty() {
            return Err(
                TrackError::at(file, here, format!("cause {} has no evidence", rc.id))
                    .fix("List at least one item under `when`"),
            );
        }
        if let (Some(target), Some(ids)) = (&rc.fixed_by, stages)
            && !ids.contains(target)
        {
            return Err(TrackError::at(
                file,
                at(&format!("fixed_by: {target}")),
                format!(
                    "cause {} names stage `{target}`, which this track does not have",
                    rc.id
                ),
            )
            .fix(format!("Use one of: {}", ids.join(", "))));
        }
        let mut when = Vec::new();
        for e in rc.when {
            when.push(evidence(e, file, here, &rc.id)?);
        }
        causes.push(Cause {
            id: rc.id,
            when,
            cause: text_of(rc.cause),
            fix: text_of(rc.fix),
            fixed_by: rc.fixed_by,
            setting: rc.setting,
        });
    }
    Ok(causes)
}

fn text_of(raw: RawText) -> Text {
    Text {
        en: reflow(&raw.en),
        zh: reflow(&raw.zh),
    }
}

fn is_pitfall_id(id: &str) -> bool {
    id.strip_prefix('P')
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

fn evidence(raw: RawEvidence, file: &Path, line: usize, id: &str) -> Result<Evidence, TrackError> {
    let re = |pattern: &str| {
        regex::Regex::new(pattern).map(Regex).map_err(|e| {
            TrackError::at(file, line, format!("cause {id}: pattern `{pattern}`: {e}"))
                .fix("Write a Rust regular expression (escape `{` as `\\{`)")
        })
    };
    let flag = |name: &str, on: bool| {
        if on {
            Ok(())
        } else {
            Err(
                TrackError::at(file, line, format!("cause {id}: `{name}: false`"))
                    .fix(format!("Write `{name}: true`, or leave it out")),
            )
        }
    };
    Ok(match raw {
        RawEvidence::Log(p) => Evidence::Log(re(&p)?),
        RawEvidence::Event(p) => Evidence::Event(re(&p)?),
        RawEvidence::Setting { names, matches } => Evidence::Setting {
            names: non_empty(names, file, line, id)?,
            matches: re(&matches)?,
        },
        RawEvidence::SettingsDiffer(names) => {
            Evidence::SettingsDiffer(non_empty(names, file, line, id)?)
        }
        RawEvidence::NodeName(p) => Evidence::NodeName(re(&p)?),
        RawEvidence::Split(on) => {
            flag("split", on)?;
            Evidence::Split
        }
        RawEvidence::RestartsSilently(on) => {
            flag("restarts_silently", on)?;
            Evidence::RestartsSilently
        }
        RawEvidence::UnpublishedDns(on) => {
            flag("unpublished_dns", on)?;
            Evidence::UnpublishedDns
        }
        RawEvidence::NoReadyCore(on) => {
            flag("no_ready_core", on)?;
            Evidence::NoReadyCore
        }
        RawEvidence::NetworkPolicy(on) => {
            flag("network_policy", on)?;
            Evidence::NetworkPolicy
        }
    })
}

fn non_empty(
    names: Vec<String>,
    file: &Path,
    line: usize,
    id: &str,
) -> Result<Vec<String>, TrackError> {
    if names.is_empty() {
        return Err(
            TrackError::at(file, line, format!("cause {id}: a setting with no name"))
                .fix("Name the env var(s), e.g. [EMQX_NODE__COOKIE, EMQX_NODE_COOKIE]"),
        );
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_parses_and_numbers_every_cause() {
        let causes = parse(Path::new("diagnosis.yaml"), SHIPPED, None).unwrap();
        assert!(causes.len() >= 5);
        for id in ["P11", "P12", "P13", "P14", "P16", "P17", "P18", "P20"] {
            assert!(causes.iter().any(|c| c.id == id), "no row for {id}");
        }
    }

    #[test]
    fn a_cause_without_evidence_is_refused_with_its_line() {
        let text = "causes:\n  - id: P17\n    when: []\n    cause: {en: a, zh: b}\n    fix: {en: a, zh: b}\n";
        let err = parse(Path::new("d.yaml"), text, None).unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
        assert!(err.to_string().contains("no evidence"), "{err}");
    }

    #[test]
    fn an_unknown_kind_of_evidence_is_refused() {
        let text = "causes:\n  - id: P17\n    when:\n      - smell: bad\n    cause: {en: a, zh: b}\n    fix: {en: a, zh: b}\n";
        let err = parse(Path::new("d.yaml"), text, None).unwrap_err();
        assert!(err.to_string().contains("smell"), "{err}");
    }

    #[test]
    fn an_own_table_naming_a_missing_stage_is_refused() {
        let text = "causes:\n  - id: P17\n    when: [{split: true}]\n    cause: {en: a, zh: b}\n    fix: {en: a, zh: b}\n    fixed_by: nope\n";
        let err = parse(Path::new("d.yaml"), text, Some(&["rbac".to_string()])).unwrap_err();
        assert_eq!(err.line, Some(6), "{err}");
    }
}
