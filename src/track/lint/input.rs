//! What lint looks at: Kubernetes objects with the place they were written, and the
//! kubectl commands a track shows.

use std::path::{Path, PathBuf};

use crate::track::error::TrackError;
use crate::track::locate::Locator;
use crate::track::model::Manifest;
use crate::track::ordered_yaml::Node;

/// One object and where it came from.
#[derive(Debug, Clone)]
pub struct Obj {
    pub kind: String,
    pub api_version: String,
    pub name: String,
    pub body: Node,
    pub loc: Locator,
}

/// A command shown to the learner, with its place.
#[derive(Debug, Clone)]
pub struct CommandLine {
    pub file: PathBuf,
    pub line: usize,
    pub text: String,
}

/// Everything one lint pass sees together (cross-object rules need the whole set).
#[derive(Debug, Clone, Default)]
pub struct LintSet {
    pub objects: Vec<Obj>,
    pub commands: Vec<CommandLine>,
}

impl Obj {
    pub fn from_manifest(m: &Manifest) -> Obj {
        Obj {
            kind: m.kind.clone(),
            api_version: m.api_version.clone(),
            name: m.name.clone(),
            body: m.body.clone(),
            loc: Locator::new(&m.source.file, &m.source.text, m.source.line),
        }
    }

    /// A line for a finding about this object: where `needle` is written, else the
    /// object's first line.
    pub fn line_of(&self, needle: &str) -> usize {
        self.loc.line_of(needle)
    }

    pub fn line_of_key(&self, key: &str) -> usize {
        self.loc.line_of_key(key)
    }
}

impl LintSet {
    pub fn find(&self, kind: &str, name: &str) -> Option<&Obj> {
        self.objects
            .iter()
            .find(|o| o.kind == kind && o.name == name)
    }

    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Obj> + 'a {
        self.objects.iter().filter(move |o| o.kind == kind)
    }
}

/// Reads plain manifest files, shell scripts and Markdown pages into one set. Documents
/// without a `kind` (such as a stage file's header) are skipped.
pub fn lint_set_from_files(files: &[PathBuf]) -> Result<LintSet, TrackError> {
    let mut set = LintSet::default();
    for file in files {
        if super::snippets::is_snippet_file(file) {
            let text = std::fs::read_to_string(file)
                .map_err(|e| TrackError::in_file(file, format!("cannot read the file: {e}")))?;
            set.commands
                .extend(super::snippets::commands_in(file, &text));
        } else {
            set.objects.extend(read_file(file)?);
        }
    }
    Ok(set)
}

fn read_file(file: &Path) -> Result<Vec<Obj>, TrackError> {
    // A path that is not there is a typo on the command line, not an unreadable file.
    if !file.exists() {
        return Err(TrackError::in_file(file, "no such file or directory").fix(
            "Name track directories, manifest files, shell scripts or Markdown pages that exist",
        ));
    }
    let text = std::fs::read_to_string(file)
        .map_err(|e| TrackError::in_file(file, format!("cannot read the file: {e}")))?;
    let mut objects = Vec::new();
    for doc in crate::yaml::split_documents(&text) {
        let body: Node = crate::yaml::from_str_at(&doc.text, doc.start_line)
            .map_err(|e| TrackError::at(file, e.line, e.message).fix("Fix the YAML syntax"))?;
        let text_of = |path: &[&str]| {
            body.path(path)
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string()
        };
        let kind = text_of(&["kind"]);
        if kind.is_empty() {
            continue;
        }
        objects.push(Obj {
            api_version: text_of(&["apiVersion"]),
            name: text_of(&["metadata", "name"]),
            kind,
            body,
            loc: Locator::new(file, &doc.text, doc.start_line),
        });
    }
    Ok(objects)
}
