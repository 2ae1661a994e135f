//! What the commands read before touching a cluster: the track named by `--track`,
//! rendered with the profile flags, and the narration language of `--lang`.

use crate::cli::{ProfileArgs, TrackArgs};
use crate::track::{self, Lang, RenderOptions, Track};

/// The track `--track` names, rendered with `--emqx`, `--namespace` and `--image`.
pub fn load(
    args: &TrackArgs,
    emqx: Option<&str>,
    namespace: Option<&str>,
    image: Option<&str>,
) -> anyhow::Result<Track> {
    let opts = RenderOptions {
        profile: emqx.map(str::to_string),
        namespace: namespace.map(str::to_string),
        image: image.map(str::to_string),
    };
    Ok(track::load_named(&args.track, &opts)?)
}

/// The track `--track` names, rendered with the profile flags (`tour`, `run`).
pub fn load_profile(track: &TrackArgs, profile: &ProfileArgs) -> anyhow::Result<Track> {
    load(
        track,
        profile.emqx.as_deref(),
        profile.namespace.as_deref(),
        profile.image.as_deref(),
    )
}

/// `--lang`: en or zh.
pub fn parse_lang(lang: &str) -> anyhow::Result<Lang> {
    match lang {
        "en" => Ok(Lang::En),
        "zh" => Ok(Lang::Zh),
        other => anyhow::bail!("unknown language `{other}`. Use `--lang en` or `--lang zh`."),
    }
}
