//! Erlang terms as EMQX prints them with `~p` / `~0p` (OTP `io_lib` rules, latin1 mode).
//!
//! Only what EMQX's output needs: atoms (quoted when `io_lib:write_atom` quotes them),
//! integers, character lists (strings), binaries, lists, tuples, maps (pairs in the order
//! given: OTP 26 prints small atom-keyed maps in internal order, so callers choose), and
//! opaque references. The multi-line layout lives in `pretty`.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Atom(String),
    Int(i64),
    /// A float, already formatted the way Erlang prints it.
    Float(String),
    /// A character list (`"..."` when printable, else a list of integers).
    Str(Vec<u8>),
    Bin(Vec<u8>),
    List(Vec<Term>),
    Tuple(Vec<Term>),
    Map(Vec<(Term, Term)>),
    /// Something printed verbatim, e.g. `#Ref<0.1.2.3>`.
    Opaque(String),
}

impl Term {
    pub fn atom(name: &str) -> Term {
        Term::Atom(name.to_string())
    }

    pub fn str(s: &str) -> Term {
        Term::Str(s.as_bytes().to_vec())
    }

    pub fn bin(s: &str) -> Term {
        Term::Bin(s.as_bytes().to_vec())
    }

    /// The term `jsx:decode(Json, [return_maps])` gives: objects become maps with binary
    /// keys (sorted, as small maps with binary keys print), strings binaries, `null` the
    /// atom `null`.
    pub fn from_json(value: &Value) -> Term {
        match value {
            Value::Null => Term::atom("null"),
            Value::Bool(b) => Term::atom(if *b { "true" } else { "false" }),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Term::Int(i),
                None => Term::Float(n.to_string()),
            },
            Value::String(s) => Term::bin(s),
            Value::Array(items) => Term::List(items.iter().map(Term::from_json).collect()),
            Value::Object(fields) => {
                let mut pairs: Vec<(Term, Term)> = fields
                    .iter()
                    .map(|(k, v)| (Term::bin(k), Term::from_json(v)))
                    .collect();
                pairs.sort_by(|a, b| match (&a.0, &b.0) {
                    (Term::Bin(x), Term::Bin(y)) => x.cmp(y),
                    _ => std::cmp::Ordering::Equal,
                });
                Term::Map(pairs)
            }
        }
    }

    /// The single-line form (`~0p`, and `~p` when the term fits on its line).
    pub fn write(&self) -> String {
        let mut out = String::new();
        self.write_into(&mut out);
        out
    }

    fn write_into(&self, out: &mut String) {
        match self {
            Term::Atom(a) => out.push_str(&atom(a)),
            Term::Int(i) => out.push_str(&i.to_string()),
            Term::Float(f) | Term::Opaque(f) => out.push_str(f),
            Term::Str(bytes) => out.push_str(&string(bytes)),
            Term::Bin(bytes) => out.push_str(&binary(bytes)),
            Term::List(items) => {
                out.push('[');
                join_into(out, items);
                out.push(']');
            }
            Term::Tuple(items) => {
                out.push('{');
                join_into(out, items);
                out.push('}');
            }
            Term::Map(pairs) => {
                out.push_str("#{");
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    k.write_into(out);
                    out.push_str(" => ");
                    v.write_into(out);
                }
                out.push('}');
            }
        }
    }

    /// Whether io_lib_pretty treats the term as a leaf (printed as one flat string):
    /// everything but non-empty lists, tuples and maps.
    pub fn is_leaf(&self) -> bool {
        match self {
            Term::List(items) | Term::Tuple(items) => items.is_empty(),
            Term::Map(pairs) => pairs.is_empty(),
            Term::Str(bytes) => printable_latin1(bytes) || bytes.is_empty(),
            Term::Atom(_) | Term::Int(_) | Term::Float(_) | Term::Bin(_) | Term::Opaque(_) => true,
        }
    }
}

fn join_into(out: &mut String, items: &[Term]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        item.write_into(out);
    }
}

const RESERVED: [&str; 30] = [
    "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case",
    "catch", "cond", "div", "end", "fun", "if", "let", "not", "of", "or", "orelse", "receive",
    "rem", "try", "when", "xor", "maybe", "else", "query",
];

/// An atom as `io_lib:write_atom/1` prints it: bare when it starts with a lowercase letter
/// and holds only letters, digits, `_` and `@`, else in single quotes.
pub fn atom(name: &str) -> String {
    let mut chars = name.chars();
    let bare = matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '@')
        && !RESERVED.contains(&name);
    if bare {
        return name.to_string();
    }
    let mut out = String::from("'");
    for c in name.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            _ => push_escaped(&mut out, c),
        }
    }
    out.push('\'');
    out
}

/// `io_lib:printable_latin1_list/1`.
fn printable_latin1(bytes: &[u8]) -> bool {
    bytes.iter().all(
        |&b| matches!(b, 32..=126 | 160..=255 | b'\n' | b'\r' | b'\t' | 0x0b | 0x08 | 0x0c | 0x1b),
    )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{0b}' => out.push_str("\\v"),
        '\u{08}' => out.push_str("\\b"),
        '\u{0c}' => out.push_str("\\f"),
        '\u{1b}' => out.push_str("\\e"),
        _ => out.push(c),
    }
}

fn quoted(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            // Latin-1 bytes are characters U+0000..U+00FF.
            _ => push_escaped(&mut out, char::from(b)),
        }
    }
    out.push('"');
    out
}

/// A character list as `~p` prints it: `"..."` with escapes when printable, `[]` when
/// empty, else a list of integers (e.g. a body holding UTF-8 bytes 128..159).
pub fn string(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "[]".to_string();
    }
    if printable_latin1(bytes) {
        return quoted(bytes);
    }
    let ints: Vec<String> = bytes.iter().map(|b| b.to_string()).collect();
    format!("[{}]", ints.join(","))
}

/// A binary as `~p` prints it: `<<"...">>` when printable, else `<<1,2,3>>`.
pub fn binary(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "<<>>".to_string();
    }
    if printable_latin1(bytes) {
        return format!("<<{}>>", quoted(bytes));
    }
    let ints: Vec<String> = bytes.iter().map(|b| b.to_string()).collect();
    format!("<<{}>>", ints.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_with_dots_or_dashes_are_quoted() {
        assert_eq!(atom("emqx@10.244.0.5"), "'emqx@10.244.0.5'");
        assert_eq!(atom("emqx@emqx-0"), "'emqx@emqx-0'");
        assert_eq!(atom("emqx@localhost"), "emqx@localhost");
        assert_eq!(atom("validation_error"), "validation_error");
        assert_eq!(atom("Emqx"), "'Emqx'");
        assert_eq!(atom("end"), "'end'");
        assert_eq!(atom(""), "''");
        assert_eq!(atom("it's"), "'it\\'s'");
    }

    #[test]
    fn strings_escape_quotes_backslashes_and_newlines() {
        assert_eq!(string(b"a \"b\"\n"), "\"a \\\"b\\\"\\n\"");
        assert_eq!(string(br#"x\"y"#), r#""x\\\"y""#);
        assert_eq!(string(b""), "[]");
        assert_eq!(string(&[104, 0x85]), "[104,133]");
    }

    #[test]
    fn binaries_print_like_erlang() {
        assert_eq!(binary(b"hostname"), "<<\"hostname\">>");
        assert_eq!(binary(b""), "<<>>");
        assert_eq!(binary(&[1, 2]), "<<1,2>>");
    }

    #[test]
    fn json_objects_become_maps_with_sorted_binary_keys() {
        let json = serde_json::json!({"ip": "10.244.1.5", "nodeName": "n1", "a": [1, null]});
        assert_eq!(
            Term::from_json(&json).write(),
            "#{<<\"a\">> => [1,null],<<\"ip\">> => <<\"10.244.1.5\">>,<<\"nodeName\">> => <<\"n1\">>}"
        );
    }

    #[test]
    fn tuples_and_lists_write_without_spaces() {
        let t = Term::Tuple(vec![
            Term::Int(403),
            Term::Opaque("#Ref<0.1.2.3>".into()),
            Term::List(vec![Term::atom("a"), Term::str("b")]),
        ]);
        assert_eq!(t.write(), "{403,#Ref<0.1.2.3>,[a,\"b\"]}");
    }
}
