//! The shell's tokens: words (quotes, backslashes, `$VAR`/`${VAR}`/`$?` kept as
//! segments for expansion at run time), operators, and comments dropped.

use super::parse::{Seg, Word};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tok {
    Word(Word),
    /// `;`, `&`, newline: ends a command.
    Sep,
    And,
    Or,
    Pipe,
    Great,
    DGreat,
    /// `2>&1`
    ErrToOut,
    /// `2>`
    ErrGreat,
}

pub(super) fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let mut word: Word = Vec::new();
    let mut in_word = false;
    let push_lit = |word: &mut Word, c: char, quoted: bool| match word.last_mut() {
        Some(Seg::Lit { text, quoted: q }) if *q == quoted => text.push(c),
        _ => word.push(Seg::Lit {
            text: c.to_string(),
            quoted,
        }),
    };
    macro_rules! end_word {
        () => {
            if in_word {
                toks.push(Tok::Word(std::mem::take(&mut word)));
                in_word = false;
            }
        };
    }
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\r' => {
                end_word!();
                i += 1;
            }
            '\n' | ';' => {
                end_word!();
                toks.push(Tok::Sep);
                i += 1;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '&' => {
                end_word!();
                if chars.get(i + 1) == Some(&'&') {
                    toks.push(Tok::And);
                    i += 2;
                } else {
                    // Background jobs run in the foreground here.
                    toks.push(Tok::Sep);
                    i += 1;
                }
            }
            '|' => {
                end_word!();
                if chars.get(i + 1) == Some(&'|') {
                    toks.push(Tok::Or);
                    i += 2;
                } else {
                    toks.push(Tok::Pipe);
                    i += 1;
                }
            }
            '2' if !in_word && chars.get(i + 1) == Some(&'>') => {
                if chars.get(i + 2) == Some(&'&') && chars.get(i + 3) == Some(&'1') {
                    toks.push(Tok::ErrToOut);
                    i += 4;
                } else {
                    toks.push(Tok::ErrGreat);
                    i += 2;
                }
            }
            '>' => {
                end_word!();
                if chars.get(i + 1) == Some(&'>') {
                    toks.push(Tok::DGreat);
                    i += 2;
                } else {
                    toks.push(Tok::Great);
                    i += 1;
                }
            }
            '\'' => {
                in_word = true;
                let end = chars[i + 1..]
                    .iter()
                    .position(|&x| x == '\'')
                    .ok_or("Syntax error: Unterminated quoted string")?;
                let text: String = chars[i + 1..i + 1 + end].iter().collect();
                word.push(Seg::Lit { text, quoted: true });
                i += end + 2;
            }
            '"' => {
                in_word = true;
                // An empty "" still makes a (quoted) word.
                word.push(Seg::Lit {
                    text: String::new(),
                    quoted: true,
                });
                i += 1;
                loop {
                    let Some(&d) = chars.get(i) else {
                        return Err("Syntax error: Unterminated quoted string".into());
                    };
                    match d {
                        '"' => {
                            i += 1;
                            break;
                        }
                        '\\' if matches!(chars.get(i + 1), Some('"' | '\\' | '$' | '`')) => {
                            push_lit(&mut word, chars[i + 1], true);
                            i += 2;
                        }
                        '$' => {
                            let (seg, used) = variable(&chars[i..], true);
                            match seg {
                                Some(s) => word.push(s),
                                None => push_lit(&mut word, '$', true),
                            }
                            i += used;
                        }
                        other => {
                            push_lit(&mut word, other, true);
                            i += 1;
                        }
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.get(i + 1) {
                    Some('\n') => {}
                    Some(&n) => push_lit(&mut word, n, true),
                    None => {}
                }
                i += 2;
            }
            '$' => {
                in_word = true;
                let (seg, used) = variable(&chars[i..], false);
                match seg {
                    Some(s) => word.push(s),
                    None => push_lit(&mut word, '$', false),
                }
                i += used;
            }
            other => {
                in_word = true;
                push_lit(&mut word, other, false);
                i += 1;
            }
        }
    }
    if in_word {
        toks.push(Tok::Word(word));
    }
    Ok(toks)
}

/// `$NAME`, `${NAME}`, `$?`, `$$` at the front of `chars` (which starts with `$`).
fn variable(chars: &[char], quoted: bool) -> (Option<Seg>, usize) {
    let var = |name: String| Some(Seg::Var { name, quoted });
    match chars.get(1) {
        Some('?') => (var("?".into()), 2),
        Some('$') => (var("$".into()), 2),
        Some('{') => match chars[2..].iter().position(|&c| c == '}') {
            Some(end) => (var(chars[2..2 + end].iter().collect()), end + 3),
            None => (None, 1),
        },
        Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
            let len = chars[1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .count();
            (var(chars[1..1 + len].iter().collect()), 1 + len)
        }
        _ => (None, 1),
    }
}
