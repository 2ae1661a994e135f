//! Parses `emqx ctl cluster status` / `emqx_ctl cluster status` output.
//!
//! EMQX prints an Erlang map with `~p`, so long lists wrap over several lines:
//!
//! ```text
//! Cluster status: #{running_nodes =>
//!                       ['emqx@10.244.0.5','emqx@10.244.0.6'],
//!                   stopped_nodes => []}
//! ```
//!
//! 5.x also has `--json`: `{"running_nodes": [...], "stopped_nodes": [...]}`. Older
//! releases (3.x/4.0) printed a proplist `[{running_nodes,[...]},{stopped_nodes,[...]}]`;
//! we read that too, since a learner may point kubetour at an old image.

/// The membership one node reports.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClusterStatus {
    pub running_nodes: Vec<String>,
    pub stopped_nodes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("no `Cluster status:` line in the output of `cluster status`: {0:?}")]
    NoStatus(String),
    #[error("`cluster status` output lacks the {0} list")]
    MissingList(&'static str),
    #[error("`cluster status` output has an unterminated list or atom")]
    Unterminated,
    #[error("`cluster status --json` output is not the expected JSON: {0}")]
    Json(String),
}

/// Parses the plain (`~p`) form, or the `--json` form when the output is JSON.
pub fn parse(output: &str) -> Result<ClusterStatus, ParseError> {
    let trimmed = output.trim();
    if trimmed.starts_with('{') {
        return parse_json(trimmed);
    }
    let Some(start) = output.find("Cluster status:") else {
        return Err(ParseError::NoStatus(first_line(output)));
    };
    let term = &output[start + "Cluster status:".len()..];
    Ok(ClusterStatus {
        running_nodes: atom_list_after(term, "running_nodes")?,
        stopped_nodes: atom_list_after(term, "stopped_nodes")?,
    })
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(120)
        .collect()
}

fn parse_json(text: &str) -> Result<ClusterStatus, ParseError> {
    #[derive(serde::Deserialize)]
    struct Json {
        running_nodes: Vec<String>,
        stopped_nodes: Vec<String>,
    }
    let json: Json = serde_json::from_str(text).map_err(|e| ParseError::Json(e.to_string()))?;
    Ok(ClusterStatus {
        running_nodes: json.running_nodes,
        stopped_nodes: json.stopped_nodes,
    })
}

/// Finds `key` (as `key =>` in a map or `{key,` in a proplist) and reads the list after it.
fn atom_list_after(term: &str, key: &'static str) -> Result<Vec<String>, ParseError> {
    let Some(at) = term.find(key) else {
        return Err(ParseError::MissingList(key));
    };
    let rest = &term[at + key.len()..];
    let Some(open) = rest.find('[') else {
        return Err(ParseError::MissingList(key));
    };
    read_atoms(&rest[open + 1..])
}

/// Reads atoms up to the closing `]`: quoted ('emqx@10.0.0.1') or bare (emqx@host).
fn read_atoms(list: &str) -> Result<Vec<String>, ParseError> {
    let mut atoms = Vec::new();
    let mut chars = list.chars().peekable();
    loop {
        match chars.next() {
            None => return Err(ParseError::Unterminated),
            Some(']') => return Ok(atoms),
            Some(c) if c.is_whitespace() || c == ',' => {}
            Some('\'') => {
                let mut atom = String::new();
                loop {
                    match chars.next() {
                        None => return Err(ParseError::Unterminated),
                        Some('\\') => {
                            if let Some(escaped) = chars.next() {
                                atom.push(escaped);
                            }
                        }
                        Some('\'') => break,
                        Some(c) => atom.push(c),
                    }
                }
                atoms.push(atom);
            }
            Some(c) => {
                let mut atom = String::from(c);
                while let Some(&n) = chars.peek() {
                    if n == ',' || n == ']' || n.is_whitespace() {
                        break;
                    }
                    atom.push(n);
                    chars.next();
                }
                atoms.push(atom);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every block below is copied from EMQX.md §3.3 (verified with the Erlang formatter).

    #[test]
    fn a_single_line_status_with_one_node_is_read() {
        let s =
            parse("Cluster status: #{running_nodes => ['emqx@10.0.0.5'],stopped_nodes => []}\n")
                .unwrap();
        assert_eq!(s.running_nodes, vec!["emqx@10.0.0.5"]);
        assert!(s.stopped_nodes.is_empty());
    }

    #[test]
    fn a_status_wrapped_over_several_lines_is_read() {
        let out = "Cluster status: #{running_nodes =>\n                      ['emqx@emqx-0.emqx-headless.default.svc.cluster.local',\n                       'emqx@emqx-1.emqx-headless.default.svc.cluster.local'],\n                  stopped_nodes =>\n                      ['emqx@emqx-2.emqx-headless.default.svc.cluster.local']}\n";
        let s = parse(out).unwrap();
        assert_eq!(
            s.running_nodes,
            vec![
                "emqx@emqx-0.emqx-headless.default.svc.cluster.local",
                "emqx@emqx-1.emqx-headless.default.svc.cluster.local"
            ]
        );
        assert_eq!(
            s.stopped_nodes,
            vec!["emqx@emqx-2.emqx-headless.default.svc.cluster.local"]
        );
    }

    #[test]
    fn a_status_with_stopped_nodes_on_one_line_each_is_read() {
        let out = "Cluster status: #{running_nodes => ['emqx@10.244.0.5','emqx@10.244.0.6'],\n                  stopped_nodes => ['emqx@10.244.0.4']}\n";
        let s = parse(out).unwrap();
        assert_eq!(s.running_nodes.len(), 2);
        assert_eq!(s.stopped_nodes, vec!["emqx@10.244.0.4"]);
    }

    #[test]
    fn the_json_form_of_five_is_read() {
        let out = "{\n  \"running_nodes\": [\"emqx@10.244.0.5\", \"emqx@10.244.0.6\"],\n  \"stopped_nodes\": []\n}\n";
        let s = parse(out).unwrap();
        assert_eq!(s.running_nodes.len(), 2);
    }

    #[test]
    fn the_old_proplist_form_is_read() {
        let out = "Cluster status: [{running_nodes,['emqx@192.168.77.108']},{stopped_nodes,[]}]\n";
        let s = parse(out).unwrap();
        assert_eq!(s.running_nodes, vec!["emqx@192.168.77.108"]);
    }

    #[test]
    fn output_that_is_not_a_status_is_an_error_that_quotes_it() {
        let err = parse("Node 'emqx@10.244.0.5' not responding to pings.\n").unwrap_err();
        assert!(err.to_string().contains("not responding"), "{err}");
        assert_eq!(
            parse("Cluster status: #{running_nodes => ['a'").unwrap_err(),
            ParseError::Unterminated
        );
        assert_eq!(
            parse("Cluster status: #{running_nodes => ['a']}").unwrap_err(),
            ParseError::MissingList("stopped_nodes")
        );
    }
}
