//! The shell's grammar: words with quotes and `$VAR`, `;` / newline / `&` between
//! commands, `&&` and `||`, pipes, `>` / `>>` (stdout to a file), `2>&1`, comments,
//! and `for NAME in WORDS; do LIST; done`. Anything else is a syntax error named as
//! dash names it (`Syntax error: "X" unexpected`).

/// One piece of a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// Literal text; `quoted` text is never split into fields.
    Lit { text: String, quoted: bool },
    /// `$NAME` / `${NAME}`; `quoted` inside double quotes.
    Var { name: String, quoted: bool },
}

pub type Word = Vec<Seg>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    /// `> file` (append: `>> file`).
    Stdout { target: Word, append: bool },
    /// `2>&1`.
    StderrToStdout,
    /// `2>/dev/null` and friends: stderr to a file.
    Stderr { target: Word },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Simple {
        words: Vec<Word>,
        redirects: Vec<Redirect>,
    },
    For {
        var: String,
        items: Vec<Word>,
        body: List,
    },
}

/// Commands joined by `|`.
pub type Pipeline = Vec<Command>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    And,
    Or,
}

/// `a && b || c`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AndOr {
    pub first: Pipeline,
    pub rest: Vec<(Join, Pipeline)>,
}

pub type List = Vec<AndOr>;

use super::lex::{Tok, lex};

/// The literal text of an unquoted word (for keywords), if it is one.
fn keyword(w: &Word) -> Option<&str> {
    match w.as_slice() {
        [
            Seg::Lit {
                text,
                quoted: false,
            },
        ] => Some(text),
        _ => None,
    }
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

fn unexpected(t: Option<&Tok>) -> String {
    let what = match t {
        None => "end of file".to_string(),
        Some(Tok::Word(w)) => keyword(w).unwrap_or("word").to_string(),
        Some(Tok::Sep) => ";".into(),
        Some(Tok::And) => "&&".into(),
        Some(Tok::Or) => "||".into(),
        Some(Tok::Pipe) => "|".into(),
        Some(Tok::Great | Tok::DGreat | Tok::ErrGreat | Tok::ErrToOut) => "redirection".into(),
    };
    format!("Syntax error: \"{what}\" unexpected")
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn peek_keyword(&self) -> Option<&str> {
        match self.peek() {
            Some(Tok::Word(w)) => keyword(w),
            _ => None,
        }
    }

    fn skip_seps(&mut self) {
        while self.peek() == Some(&Tok::Sep) {
            self.at += 1;
        }
    }

    /// A list up to the end, or up to one of `stop` keywords (left unconsumed).
    fn list(&mut self, stop: &[&str]) -> Result<List, String> {
        let mut list = Vec::new();
        loop {
            self.skip_seps();
            match self.peek() {
                None => break,
                Some(_) if self.peek_keyword().is_some_and(|k| stop.contains(&k)) => break,
                Some(_) => list.push(self.and_or()?),
            }
            match self.peek() {
                None | Some(Tok::Sep) => {}
                other => return Err(unexpected(other)),
            }
        }
        Ok(list)
    }

    fn and_or(&mut self) -> Result<AndOr, String> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let join = match self.peek() {
                Some(Tok::And) => Join::And,
                Some(Tok::Or) => Join::Or,
                _ => break,
            };
            self.at += 1;
            // Newlines may follow `&&`/`||` (a `;` there is an error in sh; forgiven).
            self.skip_seps();
            rest.push((join, self.pipeline()?));
        }
        Ok(AndOr { first, rest })
    }

    fn pipeline(&mut self) -> Result<Pipeline, String> {
        let mut cmds = vec![self.command()?];
        while self.peek() == Some(&Tok::Pipe) {
            self.at += 1;
            cmds.push(self.command()?);
        }
        Ok(cmds)
    }

    fn word(&mut self) -> Result<Word, String> {
        match self.toks.get(self.at) {
            Some(Tok::Word(w)) => {
                self.at += 1;
                Ok(w.clone())
            }
            other => Err(unexpected(other)),
        }
    }

    fn expect_keyword(&mut self, k: &str) -> Result<(), String> {
        if self.peek_keyword() == Some(k) {
            self.at += 1;
            Ok(())
        } else {
            Err(unexpected(self.peek()))
        }
    }

    fn command(&mut self) -> Result<Command, String> {
        if self.peek_keyword() == Some("for") {
            self.at += 1;
            let var_word = self.word()?;
            let var = keyword(&var_word)
                .filter(|v| v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .ok_or_else(|| "Syntax error: Bad for loop variable".to_string())?
                .to_string();
            let mut items = Vec::new();
            if self.peek_keyword() == Some("in") {
                self.at += 1;
                while let Some(Tok::Word(w)) = self.peek() {
                    items.push(w.clone());
                    self.at += 1;
                }
            }
            self.skip_seps();
            self.expect_keyword("do")?;
            let body = self.list(&["done"])?;
            self.expect_keyword("done")?;
            return Ok(Command::For { var, items, body });
        }
        if let Some(k @ ("do" | "done" | "in" | "then" | "fi")) = self.peek_keyword() {
            return Err(format!("Syntax error: \"{k}\" unexpected"));
        }
        let mut words = Vec::new();
        let mut redirects = Vec::new();
        loop {
            match self.peek() {
                Some(Tok::Word(w)) => {
                    words.push(w.clone());
                    self.at += 1;
                }
                Some(Tok::Great | Tok::DGreat) => {
                    let append = self.peek() == Some(&Tok::DGreat);
                    self.at += 1;
                    redirects.push(Redirect::Stdout {
                        target: self.word()?,
                        append,
                    });
                }
                Some(Tok::ErrGreat) => {
                    self.at += 1;
                    redirects.push(Redirect::Stderr {
                        target: self.word()?,
                    });
                }
                Some(Tok::ErrToOut) => {
                    self.at += 1;
                    redirects.push(Redirect::StderrToStdout);
                }
                _ => break,
            }
        }
        if words.is_empty() && redirects.is_empty() {
            return Err(unexpected(self.peek()));
        }
        Ok(Command::Simple { words, redirects })
    }
}

/// Parses a whole script.
pub fn parse(src: &str) -> Result<List, String> {
    let toks = lex(src)?;
    let mut p = Parser { toks, at: 0 };
    let list = p.list(&[])?;
    if p.at < p.toks.len() {
        return Err(unexpected(p.peek()));
    }
    Ok(list)
}
