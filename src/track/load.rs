//! Reading a track directory: `track.yaml`, then every other `*.yaml` in file-name
//! order as one stage each. Each stage file is a multi-document YAML file: the first
//! document is the stage header, the following documents are the manifests, written as
//! they would be for `kubectl apply -f`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::TrackError;
use super::locate::Locator;
use super::model::{Profile, Stage, Track};
use super::ordered_yaml::Node;
use super::raw::{RawProfile, RawTrack};
use super::stage_file::StageLoader;
use super::template::Vars;

/// How to render a track: all optional, the track file gives the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// EMQX profile key ("5" or "4").
    pub profile: Option<String>,
    pub namespace: Option<String>,
    /// Replaces the profile's image.
    pub image: Option<String>,
}

pub const TRACK_FILE: &str = "track.yaml";

/// Loads and renders the track in `dir`.
pub fn load(dir: &Path, opts: &RenderOptions) -> Result<Track, TrackError> {
    load_nested(dir, opts, 0)
}

/// The profile names a track offers, and its default, without rendering it.
pub fn profiles(dir: &Path) -> Result<(Vec<String>, String), TrackError> {
    let (raw, file) = read_track_file(dir)?;
    let profiles = raw_profiles(dir, &raw, &file)?;
    Ok((profiles.keys().cloned().collect(), raw.defaults.profile))
}

pub(super) fn load_nested(
    dir: &Path,
    opts: &RenderOptions,
    depth: usize,
) -> Result<Track, TrackError> {
    let (raw, track_file) = read_track_file(dir)?;
    let profiles = raw_profiles(dir, &raw, &track_file)?;
    let profile_name = opts
        .profile
        .clone()
        .unwrap_or_else(|| raw.defaults.profile.clone());
    let Some(raw_profile) = profiles.get(&profile_name) else {
        let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
        return Err(TrackError::in_file(
            &track_file,
            format!("unknown EMQX profile `{profile_name}`"),
        )
        .fix(format!(
            "Choose one of: {} (e.g. `--emqx {}`)",
            known.join(", "),
            raw.defaults.profile
        )));
    };
    let namespace = opts
        .namespace
        .clone()
        .unwrap_or_else(|| raw.defaults.namespace.clone());
    if !is_dns_label(&namespace) {
        // Say where the name came from: the flag, or the track's defaults.
        let from = if opts.namespace.is_some() {
            "--namespace".to_string()
        } else {
            format!("the default namespace of {}", track_file.display())
        };
        return Err(TrackError::plain(format!(
            "`{namespace}` ({from}) is not a valid namespace name"
        ))
        .fix("Use lowercase letters, digits and `-`, at most 63 characters, e.g. `emqx`"));
    }
    if let Some(image) = &opts.image
        && (image.is_empty() || image.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        // Nothing checks the reference before a kubelet fails to pull it, minutes later.
        return Err(TrackError::plain(format!(
            "`{image}` (--image) is not an image reference: it is empty or holds spaces"
        ))
        .fix("Give one such as `emqx/emqx:5.8.9`, or leave out --image for the profile's"));
    }
    let profile = Profile {
        name: profile_name.clone(),
        image: opts
            .image
            .clone()
            .unwrap_or_else(|| raw_profile.image.clone()),
        version: raw_profile.version.clone(),
        ctl: raw_profile.ctl.clone(),
        status_port: raw_profile.status_port,
        data_dir: raw_profile.data_dir.clone(),
    };
    let vars = variables(&raw.name, &namespace, &profile, raw_profile);
    let mut stages: Vec<Stage> = Vec::new();
    for (index, file) in stage_files(dir)?.into_iter().enumerate() {
        let loader = StageLoader {
            track: &raw.name,
            namespace: &namespace,
            vars: &vars,
            opts,
            dir,
            depth,
        };
        let stage = loader.load(&file, index)?;
        if let Some(other) = stages.iter().find(|s| s.id == stage.id) {
            return Err(TrackError::in_file(
                &file,
                format!(
                    "stage id `{}` is already used by {}",
                    stage.id,
                    other.file.display()
                ),
            )
            .fix("Give every stage of a track its own id"));
        }
        stages.push(stage);
    }
    if stages.is_empty() {
        return Err(TrackError::in_file(dir, "the track has no stage files")
            .fix("Add stage files such as `01-pod.yaml` next to track.yaml"));
    }
    let ids: Vec<String> = stages.iter().map(|s| s.id.clone()).collect();
    for stage in &stages {
        for hint in &stage.hints {
            if let Some(target) = &hint.fixed_by
                && !ids.contains(target)
            {
                let loc = std::fs::read_to_string(&stage.file).unwrap_or_default();
                let line =
                    Locator::new(&stage.file, &loc, 1).line_of(&format!("fixed_by: {target}"));
                return Err(TrackError::at(
                    &stage.file,
                    line,
                    format!("hint names stage `{target}`, which this track does not have"),
                )
                .stage(&stage.id)
                .fix(format!("Use one of: {}", ids.join(", "))));
            }
        }
    }
    let diagnosis = super::diagnosis::load(dir, &ids)?;
    Ok(Track {
        name: raw.name,
        title: super::model::Text {
            en: raw.title.en,
            zh: raw.title.zh,
        },
        dir: dir.to_path_buf(),
        profile,
        namespace,
        stages,
        diagnosis,
    })
}

fn read_track_file(dir: &Path) -> Result<(RawTrack, PathBuf), TrackError> {
    let file = dir.join(TRACK_FILE);
    let text = std::fs::read_to_string(&file).map_err(|e| {
        TrackError::in_file(&file, format!("cannot read the track file: {e}"))
            .fix("A track is a directory holding track.yaml and one YAML file per stage")
    })?;
    let raw: RawTrack =
        crate::yaml::from_str_at(&text, 1).map_err(|e| TrackError::at(&file, e.line, e.message))?;
    Ok((raw, file))
}

fn raw_profiles(
    dir: &Path,
    raw: &RawTrack,
    file: &Path,
) -> Result<BTreeMap<String, RawProfile>, TrackError> {
    match &raw.profiles_from {
        None if raw.profiles.is_empty() => {
            Err(TrackError::in_file(file, "the track has no EMQX profiles")
                .fix("Add `profiles:` (see stages/emqx/track.yaml) or `profiles_from: emqx`"))
        }
        None => Ok(raw
            .profiles
            .iter()
            .map(|(k, v)| (k.clone(), clone_profile(v)))
            .collect()),
        Some(_) if !raw.profiles.is_empty() => Err(TrackError::in_file(
            file,
            "both `profiles` and `profiles_from` are set",
        )
        .fix("Keep one of them")),
        Some(other) => {
            // A track beside this one first; else a shipped one of that name, so a track
            // written anywhere can borrow emqx's profiles.
            let beside = sibling(dir, other);
            let other_dir = if beside.join(TRACK_FILE).is_file() {
                beside
            } else {
                super::resolve::track_dir(other).map_err(|_| {
                    TrackError::in_file(
                        file,
                        format!(
                            "`profiles_from: {other}` names no track: neither {} nor a \
                             shipped track `{other}` exists",
                            beside.join(TRACK_FILE).display()
                        ),
                    )
                    .fix("Name a track directory beside this one, or a shipped track (emqx)")
                })?
            };
            let (other_raw, other_file) = read_track_file(&other_dir)?;
            if other_raw.profiles.is_empty() {
                return Err(TrackError::in_file(
                    &other_file,
                    "`profiles_from` must name a track that writes its profiles",
                ));
            }
            Ok(other_raw.profiles)
        }
    }
}

fn clone_profile(p: &RawProfile) -> RawProfile {
    RawProfile {
        image: p.image.clone(),
        version: p.version.clone(),
        ctl: p.ctl.clone(),
        status_port: p.status_port,
        data_dir: p.data_dir.clone(),
        vars: p.vars.clone(),
    }
}

pub(super) fn sibling(dir: &Path, name: &str) -> PathBuf {
    dir.parent()
        .map_or_else(|| PathBuf::from(name), |p| p.join(name))
}

/// The variables every stage can use: the built-in ones, then the profile's `vars`.
fn variables(track: &str, namespace: &str, profile: &Profile, raw: &RawProfile) -> Vars {
    let mut vars = Vars::new();
    vars.insert("track".into(), Node::Str(track.into()));
    vars.insert("namespace".into(), Node::Str(namespace.into()));
    vars.insert("profile".into(), Node::Str(profile.name.clone()));
    vars.insert("image".into(), Node::Str(profile.image.clone()));
    vars.insert("version".into(), Node::Str(profile.version.clone()));
    vars.insert("ctl".into(), Node::Str(profile.ctl.join(" ")));
    vars.insert(
        "status_port".into(),
        Node::Int(i64::from(profile.status_port)),
    );
    vars.insert("data_dir".into(), Node::Str(profile.data_dir.clone()));
    for (k, v) in &raw.vars {
        vars.insert(k.clone(), v.clone());
    }
    vars
}

fn stage_files(dir: &Path) -> Result<Vec<PathBuf>, TrackError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| TrackError::in_file(dir, format!("cannot list the track directory: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            (name.ends_with(".yaml") || name.ends_with(".yml"))
                && name != TRACK_FILE
                && name != super::diagnosis::DIAGNOSIS_FILE
        })
        .collect();
    files.sort();
    Ok(files)
}

/// A Kubernetes DNS label (RFC 1123): namespaces and our stage ids.
pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}
