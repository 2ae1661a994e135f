//! The one error type of the track loader: a single paragraph that says where (file,
//! line, stage, manifest), what is wrong, and what to do about it.

use std::fmt;
use std::path::{Path, PathBuf};

/// Why a track could not be loaded or rendered. Boxed: errors travel through many
/// `Result`s and should not make every one of them large.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct TrackError(pub Box<ErrorDetails>);

/// The parts of a [`TrackError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDetails {
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
    pub stage: Option<String>,
    /// 1-based position among the stage's manifests, and "Kind name" when known.
    pub manifest: Option<(usize, Option<String>)>,
    pub message: String,
    /// What to do about it, as a full sentence.
    pub fix: Option<String>,
}

impl TrackError {
    /// An error not tied to a file (e.g. an unknown `--emqx` value).
    pub fn plain(message: impl Into<String>) -> Self {
        TrackError(Box::new(ErrorDetails {
            file: None,
            line: None,
            stage: None,
            manifest: None,
            message: message.into(),
            fix: None,
        }))
    }

    pub fn at(file: &Path, line: usize, message: impl Into<String>) -> Self {
        let mut e = TrackError::plain(message);
        e.0.file = Some(file.to_path_buf());
        e.0.line = Some(line);
        e
    }

    pub fn in_file(file: &Path, message: impl Into<String>) -> Self {
        let mut e = TrackError::plain(message);
        e.0.file = Some(file.to_path_buf());
        e
    }

    pub fn stage(mut self, id: &str) -> Self {
        self.0.stage = Some(id.to_string());
        self
    }

    pub fn manifest(mut self, position: usize, what: Option<String>) -> Self {
        self.0.manifest = Some((position, what));
        self
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.0.fix = Some(fix.into());
        self
    }

    pub fn line(mut self, line: usize) -> Self {
        self.0.line = Some(line);
        self
    }
}

impl std::ops::Deref for TrackError {
    type Target = ErrorDetails;
    fn deref(&self) -> &ErrorDetails {
        &self.0
    }
}

impl fmt::Display for TrackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let this = &self.0;
        let mut wrote_place = false;
        if let Some(file) = &this.file {
            write!(f, "{}", file.display())?;
            if let Some(line) = this.line {
                write!(f, ":{line}")?;
            }
            wrote_place = true;
        }
        let mut context = Vec::new();
        if let Some(stage) = &this.stage {
            context.push(format!("stage `{stage}`"));
        }
        if let Some((position, what)) = &this.manifest {
            match what {
                Some(what) => context.push(format!("manifest {position} ({what})")),
                None => context.push(format!("manifest {position}")),
            }
        }
        if !context.is_empty() {
            if wrote_place {
                f.write_str(": ")?;
            }
            f.write_str(&context.join(", "))?;
            wrote_place = true;
        }
        if wrote_place {
            f.write_str(": ")?;
        }
        f.write_str(this.message.trim_end_matches('.'))?;
        match &this.fix {
            Some(fix) => {
                let fix = fix.trim_end();
                let end = if fix.ends_with(['.', '?', '!']) {
                    ""
                } else {
                    "."
                };
                write!(f, ". {fix}{end}")
            }
            None => f.write_str("."),
        }
    }
}

/// The closest of `candidates` to `word`, when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d > 0 && *d <= 2.max(c.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let best = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur.push(best);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_reads_as_one_sentence_with_its_place() {
        let err = TrackError::at(
            Path::new("stages/emqx/05-autocluster.yaml"),
            40,
            "unknown field `replica`",
        )
        .stage("autocluster")
        .manifest(2, Some("Deployment emqx-deployment".into()))
        .fix("Did you mean `replicas`?");
        assert_eq!(
            err.to_string(),
            "stages/emqx/05-autocluster.yaml:40: stage `autocluster`, manifest 2 (Deployment emqx-deployment): unknown field `replica`. Did you mean `replicas`?"
        );
    }

    #[test]
    fn a_near_miss_is_suggested_and_a_far_one_is_not() {
        assert_eq!(
            did_you_mean("replica", ["replicas", "selector"]),
            Some("replicas")
        );
        assert_eq!(did_you_mean("zzz", ["replicas", "selector"]), None);
    }
}
