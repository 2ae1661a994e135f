//! `kubetour lint`: the mistakes the tutorials' authors made, caught before they cost
//! an afternoon. Works on track directories (every stage's resulting state, for every
//! EMQX profile) and on plain manifest files.
//!
//! Rules are a table of small functions over a [`LintSet`], grouped by theme in the
//! files beside this one. Each finding names file:line, the rule (and SPEC.md's pitfall
//! number where one matches) and a fix.

mod commands;
pub mod emqx;
mod input;
mod rules_api;
mod rules_causes;
pub mod rules_dns;
mod rules_netpol;
mod rules_roles;
mod rules_settings;
mod rules_topology;
mod snippets;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub use input::{LintSet, Obj, lint_set_from_files};

use super::error::TrackError;
use super::load::{RenderOptions, TRACK_FILE, load, profiles};
use super::resolve::shipped_tracks;
use super::state;

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub file: PathBuf,
    pub line: usize,
    /// Our rule id, e.g. `rbac-v1beta1`.
    pub rule: &'static str,
    /// SPEC.md's pitfall number, when the rule is one of those (P1..P20).
    pub pitfall: Option<&'static str>,
    pub message: String,
    pub fix: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: ", self.file.display(), self.line)?;
        match self.pitfall {
            Some(p) => write!(f, "[{p} {}] ", self.rule)?,
            None => write!(f, "[{}] ", self.rule)?,
        }
        write!(
            f,
            "{}. Fix: {}",
            self.message.trim_end_matches('.'),
            self.fix
        )
    }
}

/// A lint rule: an id, the pitfall it covers, and the check.
pub struct Rule {
    pub id: &'static str,
    pub pitfall: Option<&'static str>,
    pub check: fn(&LintSet) -> Vec<Finding>,
}

/// Every rule, in the order findings are reported.
pub const RULES: &[Rule] = &[
    commands::KUBECTL_GENERATOR,
    rules_api::RBAC_V1BETA1,
    rules_settings::DISCOVERY_VALUE,
    rules_settings::NAMES_FOR_VERSION,
    rules_settings::SINGLE_UNDERSCORE,
    rules_settings::ADDRESS_TYPE,
    rules_topology::CONFIGMAP_DISCOVERY_KEYS,
    rules_api::STORAGE_CLASS_ANNOTATION,
    rules_api::CLAIM_TEMPLATE_MOUNT,
    rules_topology::HOSTNAME_NEEDS_STATEFULSET,
    rules_topology::SERVICE_NAME_IS_HEADLESS,
    rules_settings::SUFFIX_SET,
    rules_api::HEADLESS_SERVICE,
    rules_topology::LICENCE_FOR_CLUSTER,
    rules_topology::VOLUME_PERMISSIONS,
    rules_api::DASHBOARD_EXPOSED,
    rules_roles::ODD_CORES,
    rules_roles::REPLICANT_NEEDS_CORE,
    rules_dns::DNS_RECORD_NAME,
    rules_causes::NODE_HOST,
    rules_causes::NODE_NAME_VS_DISCOVERY,
    rules_causes::COOKIES_DIFFER,
    rules_causes::DISCOVERY_TARGET_EXISTS,
    rules_netpol::CLUSTER_PORTS_BLOCKED,
];

/// Runs every rule over one set of objects.
pub fn lint_set(set: &LintSet) -> Vec<Finding> {
    let mut all: BTreeSet<Finding> = BTreeSet::new();
    for rule in RULES {
        all.extend((rule.check)(set));
    }
    all.into_iter().collect()
}

/// Lints a track: the state after every stage, for every EMQX profile it offers.
pub fn lint_track(dir: &Path) -> Result<Vec<Finding>, TrackError> {
    let (names, _) = profiles(dir)?;
    let mut all: BTreeSet<Finding> = BTreeSet::new();
    for profile in names {
        let opts = RenderOptions {
            profile: Some(profile),
            ..RenderOptions::default()
        };
        let track = load(dir, &opts)?;
        let commands = commands::from_track(&track);
        for index in 0..track.stages.len() {
            let objects = state::through(&track, index)
                .iter()
                .map(Obj::from_manifest)
                .collect();
            let set = LintSet {
                objects,
                commands: commands.clone(),
            };
            all.extend(lint_set(&set));
        }
    }
    Ok(all.into_iter().collect())
}

/// Lints one path: a track directory, a directory of manifests, or a manifest file.
pub fn lint_path(path: &Path) -> Result<Vec<Finding>, TrackError> {
    if path.join(TRACK_FILE).is_file() {
        return lint_track(path);
    }
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| TrackError::in_file(path, format!("cannot list the directory: {e}")))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|x| x == "yaml" || x == "yml")
                    || snippets::is_snippet_file(p)
            })
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(TrackError::in_file(
                path,
                "no track.yaml and no *.yaml, *.sh or *.md files here",
            )
            .fix("Point lint at a track directory, manifest files or shell scripts"));
        }
        return Ok(lint_set(&lint_set_from_files(&files)?));
    }
    // A stage file is linted as part of its track (its manifests are templates), keeping
    // only the findings in that file.
    if let Some(track_dir) = path.parent().filter(|d| d.join(TRACK_FILE).is_file()) {
        let findings = lint_track(track_dir)?;
        let name = path.file_name();
        return Ok(findings
            .into_iter()
            .filter(|f| f.file.file_name() == name)
            .collect());
    }
    Ok(lint_set(&lint_set_from_files(&[path.to_path_buf()])?))
}

/// `kubetour lint [PATH...]`: prints findings; exit 0 clean, 1 findings, 2 unreadable.
pub fn run(paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let paths: Vec<PathBuf> = if paths.is_empty() {
        shipped_tracks()
    } else {
        paths.to_vec()
    };
    if paths.is_empty() {
        eprintln!("error: no track found to lint. Pass a track directory or manifest files.");
        return Ok(ExitCode::from(2));
    }
    let mut findings = 0usize;
    let mut unreadable = false;
    for path in &paths {
        match lint_path(path) {
            Ok(found) => {
                for f in &found {
                    println!("{f}");
                }
                findings += found.len();
            }
            Err(e) => {
                eprintln!("error: {e}");
                unreadable = true;
            }
        }
    }
    if unreadable {
        return Ok(ExitCode::from(2));
    }
    if findings > 0 {
        eprintln!("{findings} finding(s).");
        return Ok(ExitCode::from(1));
    }
    eprintln!("lint: no findings in {} path(s).", paths.len());
    Ok(ExitCode::SUCCESS)
}

impl Finding {
    /// A finding about `obj`, at `line`.
    pub fn at(
        rule: &Rule,
        obj: &Obj,
        line: usize,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            file: obj.loc.file.clone(),
            line,
            rule: rule.id,
            pitfall: rule.pitfall,
            message: message.into(),
            fix: fix.into(),
        }
    }
}
