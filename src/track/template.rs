//! Templating on parsed YAML, so the output is always well-formed YAML and the input's
//! line numbers stay meaningful.
//!
//! Rules (see docs/track-format.md):
//! - `${name}` inside a string is replaced by the variable's text;
//! - a value that is exactly `${name}` becomes the variable's value, whatever its shape
//!   (a number stays a number, a list a list);
//! - a list item that is exactly `${name}` naming a list is spliced in (an empty list
//!   removes the item: that is how a profile leaves out a 4.x-only setting);
//! - a map entry `<<: ${name}` (or `<<: [${a}, ${b}]`) merges the named maps in its place;
//! - map keys are substituted as text.

use std::collections::BTreeMap;

use super::ordered_yaml::Node;

pub type Vars = BTreeMap<String, Node>;

/// What went wrong, naming the variable so the caller can find its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    Unknown { var: String, known: Vec<String> },
    NotText { var: String },
    NotMap { var: String },
    Unclosed { text: String },
}

impl TemplateError {
    /// The text to search for in the source to find the line.
    pub fn needle(&self) -> String {
        match self {
            TemplateError::Unknown { var, .. }
            | TemplateError::NotText { var }
            | TemplateError::NotMap { var } => format!("${{{var}}}"),
            TemplateError::Unclosed { text } => text.clone(),
        }
    }

    pub fn message(&self) -> String {
        match self {
            TemplateError::Unknown { var, .. } => format!("unknown template variable `${{{var}}}`"),
            TemplateError::NotText { var } => {
                format!("`${{{var}}}` is a list or map and cannot be part of a longer string")
            }
            TemplateError::NotMap { var } => format!("`<<: ${{{var}}}` needs a map variable"),
            TemplateError::Unclosed { text } => format!("`${{` without a closing `}}` in `{text}`"),
        }
    }

    pub fn fix(&self) -> String {
        match self {
            TemplateError::Unknown { known, .. } => format!(
                "Use one of: {}; or add it under the profile's `vars` in track.yaml",
                known.join(", ")
            ),
            TemplateError::NotText { .. } => {
                "Put the variable alone as the value (or list item) so it is inserted as data"
                    .into()
            }
            TemplateError::NotMap { .. } => {
                "Define the variable as a map in track.yaml, or use it as a plain value".into()
            }
            TemplateError::Unclosed { .. } => "Close the variable with `}`".into(),
        }
    }
}

/// Substitutes variables in a whole value tree.
pub fn render(node: &Node, vars: &Vars) -> Result<Node, TemplateError> {
    match node {
        Node::Str(s) => match whole_var(s) {
            Some(name) => lookup(name, vars).cloned(),
            None => Ok(Node::Str(text(s, vars)?)),
        },
        Node::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if let Some(name) = item.as_str().and_then(whole_var)
                    && let Node::List(spliced) = lookup(name, vars)?
                {
                    out.extend(spliced.iter().cloned());
                    continue;
                }
                out.push(render(item, vars)?);
            }
            Ok(Node::List(out))
        }
        Node::Map(entries) => {
            let mut out: Vec<(String, Node)> = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                if key == "<<" {
                    for merged in merge_sources(value) {
                        let Node::Map(m) = render(&merged, vars)? else {
                            let var = merged.as_str().and_then(whole_var).unwrap_or("<<");
                            return Err(TemplateError::NotMap {
                                var: var.to_string(),
                            });
                        };
                        out.extend(m);
                    }
                    continue;
                }
                out.push((text(key, vars)?, render(value, vars)?));
            }
            Ok(Node::Map(out))
        }
        Node::Null | Node::Bool(_) | Node::Int(_) | Node::Float(_) => Ok(node.clone()),
    }
}

fn merge_sources(value: &Node) -> Vec<Node> {
    match value {
        Node::List(items) => items.clone(),
        other => vec![other.clone()],
    }
}

/// Substitutes `${name}` occurrences in a string with the variables' text.
pub fn text(s: &str, vars: &Vars) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(TemplateError::Unclosed {
                text: s.to_string(),
            });
        };
        let name = &after[..end];
        let value = lookup(name, vars)?;
        let Some(value) = value.scalar_text() else {
            return Err(TemplateError::NotText {
                var: name.to_string(),
            });
        };
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn whole_var(s: &str) -> Option<&str> {
    let inner = s.strip_prefix("${")?.strip_suffix('}')?;
    (!inner.contains('}') && !inner.contains("${")).then_some(inner)
}

fn lookup<'a>(name: &str, vars: &'a Vars) -> Result<&'a Node, TemplateError> {
    vars.get(name).ok_or_else(|| TemplateError::Unknown {
        var: name.to_string(),
        known: vars.keys().cloned().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        let mut v = Vars::new();
        v.insert("ns".into(), Node::Str("emqx".into()));
        v.insert("port".into(), Node::Int(18083));
        v.insert(
            "extra".into(),
            Node::List(vec![Node::Str("a".into()), Node::Str("b".into())]),
        );
        v.insert("none".into(), Node::List(vec![]));
        v.insert(
            "more".into(),
            Node::Map(vec![("K".into(), Node::Str("v".into()))]),
        );
        v
    }

    fn parse(s: &str) -> Node {
        crate::yaml::from_str(s).unwrap()
    }

    #[test]
    fn a_whole_value_keeps_the_variables_type() {
        let out = render(&parse("port: ${port}\nhost: x.${ns}.svc\n"), &vars()).unwrap();
        assert_eq!(out.get("port"), Some(&Node::Int(18083)));
        assert_eq!(out.get("host"), Some(&Node::Str("x.emqx.svc".into())));
    }

    #[test]
    fn a_list_variable_is_spliced_and_an_empty_one_vanishes() {
        let out = render(&parse("l: [x, '${extra}', '${none}', y]\n"), &vars()).unwrap();
        let items: Vec<_> = out
            .get("l")
            .unwrap()
            .as_list()
            .iter()
            .filter_map(|n| n.as_str())
            .collect();
        assert_eq!(items, ["x", "a", "b", "y"]);
    }

    #[test]
    fn a_merge_key_inserts_a_map_in_place() {
        let out = render(&parse("A: 1\n<<: ${more}\nZ: 2\n"), &vars()).unwrap();
        let keys: Vec<_> = out.as_map().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["A", "K", "Z"]);
    }

    #[test]
    fn an_unknown_variable_is_named_with_the_known_ones() {
        let err = render(&parse("x: ${nope}\n"), &vars()).unwrap_err();
        assert_eq!(err.needle(), "${nope}");
        assert!(err.fix().contains("ns"), "{}", err.fix());
    }

    #[test]
    fn a_list_inside_a_string_is_refused() {
        let err = text("x ${extra}", &vars()).unwrap_err();
        assert!(matches!(err, TemplateError::NotText { .. }));
    }
}
