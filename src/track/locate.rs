//! Finding the line a problem is on. Parsed values carry no positions, so errors found
//! after parsing (an unknown variable, an unknown manifest field, a lint finding) are
//! placed by searching the document's original text. The search is deliberately
//! simple and predictable: the first line holding the text, else the document's start.

use std::path::{Path, PathBuf};

/// One YAML document of a file, with where it starts.
#[derive(Debug, Clone)]
pub struct Locator {
    pub file: PathBuf,
    pub text: String,
    /// 1-based line of the document's first line in the file.
    pub start_line: usize,
}

impl Locator {
    pub fn new(file: &Path, text: &str, start_line: usize) -> Self {
        Locator {
            file: file.to_path_buf(),
            text: text.to_string(),
            start_line,
        }
    }

    /// The first line containing `needle`, or the document's first line.
    pub fn line_of(&self, needle: &str) -> usize {
        self.find(needle).unwrap_or(self.start_line)
    }

    /// The first line containing `needle`, if any.
    pub fn find(&self, needle: &str) -> Option<usize> {
        self.text
            .lines()
            .position(|l| !is_comment(l) && l.contains(needle))
            .map(|i| self.start_line + i)
    }

    /// The first line where `key` is written as a map key (`key:` or `- key:`).
    pub fn line_of_key(&self, key: &str) -> usize {
        self.text
            .lines()
            .position(|l| {
                let t = l.trim_start().trim_start_matches("- ").trim_start();
                let t = t.trim_start_matches(['"', '\'']);
                t.strip_prefix(key)
                    .map(|r| r.trim_start_matches(['"', '\'']).starts_with(':'))
                    .unwrap_or(false)
            })
            .map(|i| self.start_line + i)
            .unwrap_or(self.start_line)
    }

    /// The first of `needles` found, in order of preference.
    pub fn line_of_any(&self, needles: &[&str]) -> usize {
        needles
            .iter()
            .find_map(|n| self.find(n))
            .unwrap_or(self.start_line)
    }
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_as_keys_not_as_values() {
        let loc = Locator::new(
            Path::new("f"),
            "a: replica\n# replica: no\nspec:\n  replica: 3\n",
            10,
        );
        assert_eq!(loc.line_of_key("replica"), 13);
        assert_eq!(loc.line_of("nothing"), 10);
    }
}
