//! The only module that touches `serde_yaml`.
//!
//! serde_yaml is archived upstream (RUSTSEC-2024-0449) but works; keeping every use here
//! means replacing it is a one-file change. Everything else goes through these functions
//! and gets errors that carry a 1-based line number in the original text.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A YAML parse or shape error, with the 1-based line (and column) it points at.
#[derive(Debug, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// One document of a multi-document YAML text.
#[derive(Debug, Clone)]
pub struct Document {
    /// 1-based line of the document's first line in the whole text.
    pub start_line: usize,
    /// The document's own text (without the `---` separator).
    pub text: String,
}

/// Parses one YAML document into `T`.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    from_str_at(text, 1)
}

/// Parses one YAML document into `T`, numbering lines from `start_line`.
pub fn from_str_at<T: DeserializeOwned>(text: &str, start_line: usize) -> Result<T, YamlError> {
    serde_yaml::from_str(text).map_err(|e| to_error(&e, start_line))
}

/// Parses one YAML document into `T`, numbering lines from `start_line`, reading enums
/// the way people write them: `- delete: {kind: Pod, name: emqx}` (a one-key map) rather
/// than serde_yaml 0.9's default YAML tags (`- !delete {...}`).
pub fn from_str_at_enums_as_maps<T: DeserializeOwned>(
    text: &str,
    start_line: usize,
) -> Result<T, YamlError> {
    let de = serde_yaml::Deserializer::from_str(text);
    serde_yaml::with::singleton_map_recursive::deserialize(de).map_err(|e| to_error(&e, start_line))
}

/// Parses one YAML document into a JSON value (the form the Kubernetes API speaks).
pub fn to_json(text: &str, start_line: usize) -> Result<serde_json::Value, YamlError> {
    from_str_at(text, start_line)
}

/// Serializes a value as YAML.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, YamlError> {
    serde_yaml::to_string(value).map_err(|e| to_error(&e, 1))
}

/// Splits a multi-document YAML text at `---` lines, keeping each document's start line.
/// Documents that hold only comments or whitespace are dropped, as kubectl drops them.
pub fn split_documents(text: &str) -> Vec<Document> {
    let mut docs = Vec::new();
    let mut current = String::new();
    let mut start_line = 1;
    for (index, line) in text.lines().enumerate() {
        if is_separator(line) {
            push_document(&mut docs, &mut current, start_line);
            start_line = index + 2;
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    push_document(&mut docs, &mut current, start_line);
    docs
}

fn is_separator(line: &str) -> bool {
    line == "---"
        || line.starts_with("--- ")
        || line.starts_with("---\t")
        || line.starts_with("---#")
}

fn push_document(docs: &mut Vec<Document>, current: &mut String, start_line: usize) {
    let has_content = current.lines().any(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    });
    if has_content {
        docs.push(Document {
            start_line,
            text: std::mem::take(current),
        });
    } else {
        current.clear();
    }
}

fn to_error(err: &serde_yaml::Error, start_line: usize) -> YamlError {
    let (line, column) = err
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((1, 1));
    // serde_yaml appends " at line L column C" to its message; we report the location ourselves.
    let message = err.to_string();
    let message = match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    YamlError {
        line: start_line + line - 1,
        column,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_keep_their_starting_lines() {
        let text = "# header\n---\na: 1\n---\n# only a comment\n---\nb: 2\nc: 3\n";
        let docs = split_documents(text);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].start_line, 3);
        assert_eq!(docs[1].start_line, 7);
    }

    #[test]
    fn errors_point_at_the_line_in_the_whole_text() {
        let text = "a: 1\n---\nb: [1,\n";
        let docs = split_documents(text);
        let err = to_json(&docs[1].text, docs[1].start_line).unwrap_err();
        assert!(err.line >= 3, "line was {}", err.line);
    }

    #[test]
    fn a_wrongly_typed_field_names_its_line() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct S {
            a: u32,
            b: u32,
        }
        let err = from_str_at::<S>("a: 1\nb: nope\n", 10).unwrap_err();
        assert_eq!(err.line, 11);
        assert!(err.message.contains("invalid type"), "{}", err.message);
    }
}
