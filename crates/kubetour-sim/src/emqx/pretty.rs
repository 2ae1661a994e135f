//! The multi-line layout of `~p` (OTP `io_lib_pretty`, line length 80), for the terms
//! EMQX prints: `Cluster status: ~p` and the escript `exception throw: ~p` block.
//!
//! The rules, as in io_lib_pretty (EMQX.md §3.3 states them for the cluster status map):
//! - A term that fits before column 80 is written on one line.
//! - A list/tuple puts its elements after the bracket; an element that is a leaf and fits
//!   (with the closing brackets that follow it, `LD`) joins the current line, otherwise
//!   it starts a new line at the first element's column (one element per line for long
//!   node names).
//! - A map puts each `key => value` after `#{`; a pair of leaves may share a line, any
//!   other pair ends its line. A pair that does not fit prints `key =>` and the value on
//!   the next line, 4 columns in.
//! - A tuple whose first element is an atom ("tagged") keeps the tag on the first line
//!   when the elements can start before column 40, else breaks after the tag, 4 in.

use super::erl::Term;

const LINE_LENGTH: usize = 80;
const TAG_INDENT: usize = 4;
const MAP_VALUE_INDENT: usize = 4;

/// `~p` of `term` printed at column `col` (0-based: the length of the text before it).
pub fn print(term: &Term, col: usize) -> String {
    let len = term.write().chars().count();
    if len < LINE_LENGTH.saturating_sub(col) {
        return term.write();
    }
    // io_lib_pretty tries "no tag indentation" first and falls back to 4 when a tagged
    // tuple would then start its elements too far right (`cind` throwing no_good).
    let mut layout = Layout {
        tind: None,
        failed: false,
    };
    let first = layout.pp(term, col, 0);
    if !layout.failed {
        return first;
    }
    let mut layout = Layout {
        tind: Some(TAG_INDENT),
        failed: false,
    };
    layout.pp(term, col, 0)
}

struct Layout {
    tind: Option<usize>,
    failed: bool,
}

fn width(term: &Term) -> usize {
    term.write().chars().count()
}

fn fits(len: usize, col: usize, ld: usize) -> bool {
    len + col + ld < LINE_LENGTH
}

fn indent(col: usize) -> String {
    " ".repeat(col)
}

/// The closing brackets after an element: none unless it is the last one.
fn last_depth(has_more: bool, ld: usize) -> usize {
    if has_more { 0 } else { ld + 1 }
}

impl Layout {
    fn pp(&mut self, term: &Term, col: usize, ld: usize) -> String {
        if fits(width(term), col, ld) {
            return term.write();
        }
        match term {
            Term::List(items) if !items.is_empty() => {
                format!("[{}]", self.pp_list(items, col + 1, ld))
            }
            Term::Tuple(items) if !items.is_empty() => match items.split_first() {
                Some((Term::Atom(_), rest)) if !rest.is_empty() => {
                    self.pp_tag_tuple(&items[0], rest, col, ld)
                }
                _ => format!("{{{}}}", self.pp_list(items, col + 1, ld)),
            },
            Term::Map(pairs) if !pairs.is_empty() => {
                format!("#{{{}}}", self.pp_map(pairs, col + 2, ld))
            }
            _ => term.write(),
        }
    }

    fn pp_tag_tuple(&mut self, tag: &Term, rest: &[Term], col: usize, ld: usize) -> String {
        let tag_text = tag.write();
        let tag_ind = tag_text.chars().count() + 2;
        match self.tind {
            Some(tind) if tag_ind > tind => {
                let col1 = col + tind;
                format!(
                    "{{{tag_text},\n{}{}}}",
                    indent(col1),
                    self.pp_list(rest, col1, ld)
                )
            }
            _ => {
                let tcol = col + tag_ind;
                if self.tind.is_none() && tcol >= LINE_LENGTH / 2 {
                    self.failed = true;
                }
                format!("{{{tag_text},{}}}", self.pp_list(rest, tcol, ld))
            }
        }
    }

    /// Elements from column `col0`; returns the text between the brackets.
    fn pp_list(&mut self, items: &[Term], col0: usize, ld: usize) -> String {
        let mut out = String::new();
        let mut col = col0;
        for (i, item) in items.iter().enumerate() {
            let ld1 = last_depth(i + 1 < items.len(), ld);
            if i == 0 {
                let (text, w) = self.pp_element(item, col0, ld1);
                out.push_str(&text);
                col = col0 + w;
                continue;
            }
            let elen = 1 + width(item);
            let room = if ld1 == 0 {
                elen + 1 < LINE_LENGTH.saturating_sub(col)
            } else {
                elen < LINE_LENGTH.saturating_sub(col + ld1)
            };
            if room && item.is_leaf() {
                out.push(',');
                out.push_str(&item.write());
                col += elen;
            } else {
                let (text, w) = self.pp_element(item, col0, ld1);
                out.push_str(",\n");
                out.push_str(&indent(col0));
                out.push_str(&text);
                col = col0 + w;
            }
        }
        out
    }

    /// An element and the width it leaves on its line (the line length to force a break).
    fn pp_element(&mut self, item: &Term, col: usize, ld: usize) -> (String, usize) {
        let len = width(item);
        if item.is_leaf() && fits(len, col, ld) {
            (item.write(), len)
        } else {
            (self.pp(item, col, ld), LINE_LENGTH)
        }
    }

    fn pp_map(&mut self, pairs: &[(Term, Term)], col0: usize, ld: usize) -> String {
        let mut out = String::new();
        let mut col = col0;
        for (i, pair) in pairs.iter().enumerate() {
            let ld1 = last_depth(i + 1 < pairs.len(), ld);
            if i == 0 {
                let (text, w) = self.pp_pair(pair, col0, ld1);
                out.push_str(&text);
                col = col0 + w;
                continue;
            }
            let elen = 1 + pair_width(pair);
            let room = if ld1 == 0 {
                elen + 1 < LINE_LENGTH.saturating_sub(col)
            } else {
                elen < LINE_LENGTH.saturating_sub(col + ld1)
            };
            if room && pair.0.is_leaf() && pair.1.is_leaf() {
                out.push(',');
                out.push_str(&write_pair(pair));
                col += elen;
            } else {
                let (text, w) = self.pp_pair(pair, col0, ld1);
                out.push_str(",\n");
                out.push_str(&indent(col0));
                out.push_str(&text);
                col = col0 + w;
            }
        }
        out
    }

    fn pp_pair(&mut self, pair: &(Term, Term), col: usize, ld: usize) -> (String, usize) {
        let len = pair_width(pair);
        if fits(len, col, ld) {
            let w = if pair.0.is_leaf() && pair.1.is_leaf() {
                len
            } else {
                LINE_LENGTH
            };
            return (write_pair(pair), w);
        }
        let key = self.pp(&pair.0, col, ld);
        let value_col = col + MAP_VALUE_INDENT;
        let value = self.pp(&pair.1, value_col, ld);
        (
            format!("{key} =>\n{}{value}", indent(value_col)),
            LINE_LENGTH,
        )
    }
}

fn pair_width(pair: &(Term, Term)) -> usize {
    width(&pair.0) + 4 + width(&pair.1)
}

fn write_pair(pair: &(Term, Term)) -> String {
    format!("{} => {}", pair.0.write(), pair.1.write())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node_list(names: &[&str]) -> Term {
        Term::List(names.iter().map(|n| Term::atom(n)).collect())
    }

    #[test]
    fn the_operator_issue_escript_block_is_reproduced() {
        // emqx/emqx-operator#1072, quoted in EMQX.md §1.2.
        let term = Term::Tuple(vec![
            Term::atom("emqx_conf_schema"),
            Term::List(vec![Term::Map(vec![
                (Term::atom("reason"), Term::atom("not_a_enum_symbol")),
                (Term::atom("value"), Term::atom("replicant")),
                (Term::atom("path"), Term::str("node.role")),
                (Term::atom("kind"), Term::atom("validation_error")),
            ])]),
        ]);
        let expected = "{emqx_conf_schema,[#{reason => not_a_enum_symbol,
                                      value => replicant,path => \"node.role\",
                                      kind => validation_error}]}";
        assert_eq!(print(&term, 17), expected);
    }

    #[test]
    fn a_short_list_of_short_atoms_fills_lines() {
        let names: Vec<String> = (1..=6).map(|i| format!("emqx@10.244.0.{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let printed = print(&node_list(&refs), 22);
        assert_eq!(
            printed,
            "['emqx@10.244.0.1','emqx@10.244.0.2','emqx@10.244.0.3',
                       'emqx@10.244.0.4','emqx@10.244.0.5','emqx@10.244.0.6']"
        );
    }

    #[test]
    fn a_term_that_fits_stays_on_one_line() {
        let t = node_list(&["emqx@10.0.0.5"]);
        assert_eq!(print(&t, 16), "['emqx@10.0.0.5']");
    }
}
