//! The interpreter: lists, and-or chains, pipelines, `for`, redirections, builtins.

use super::builtins;
use super::fs::resolve;
use super::parse::{self, AndOr, Command, Join, List, Redirect, Seg, Word};
use super::{Host, Run, Shell, Step};

/// Where a running command's effects go.
pub(super) struct Ctx<'a> {
    pub host: &'a mut dyn Host,
    pub steps: Vec<Step>,
    pub exited: bool,
}

impl Ctx<'_> {
    pub fn out(&mut self, b: impl Into<Vec<u8>>) {
        let b = b.into();
        if !b.is_empty() {
            self.steps.push(Step::Out(b));
        }
    }
    pub fn err(&mut self, b: impl Into<Vec<u8>>) {
        let b = b.into();
        if !b.is_empty() {
            self.steps.push(Step::Err(b));
        }
    }
}

pub fn script(sh: &mut Shell, src: &str, _stdin: &[u8], host: &mut dyn Host) -> Run {
    let mut ctx = Ctx {
        host,
        steps: Vec::new(),
        exited: false,
    };
    match parse::parse(src) {
        Ok(list) => {
            list_run(sh, &list, &mut ctx);
        }
        Err(message) => {
            ctx.err(format!("sh: {message}\n"));
            sh.status = 2;
        }
    }
    Run {
        steps: ctx.steps,
        code: sh.status,
        exited: ctx.exited,
    }
}

pub fn argv(sh: &mut Shell, argv: &[String], stdin: &[u8], host: &mut dyn Host) -> Run {
    let mut ctx = Ctx {
        host,
        steps: Vec::new(),
        exited: false,
    };
    let code = command(sh, argv, stdin, &mut ctx);
    sh.status = code;
    Run {
        steps: ctx.steps,
        code,
        exited: ctx.exited,
    }
}

fn list_run(sh: &mut Shell, list: &List, ctx: &mut Ctx<'_>) {
    for and_or in list {
        if ctx.exited {
            return;
        }
        and_or_run(sh, and_or, ctx);
    }
}

fn and_or_run(sh: &mut Shell, a: &AndOr, ctx: &mut Ctx<'_>) {
    sh.status = pipeline(sh, &a.first, ctx);
    for (join, p) in &a.rest {
        if ctx.exited {
            return;
        }
        let go = match join {
            Join::And => sh.status == 0,
            Join::Or => sh.status != 0,
        };
        if go {
            sh.status = pipeline(sh, p, ctx);
        }
    }
}

/// `a | b | c`: each command's stdout is the next one's stdin (run one after another).
fn pipeline(sh: &mut Shell, cmds: &[Command], ctx: &mut Ctx<'_>) -> i32 {
    let mut input: Vec<u8> = Vec::new();
    let mut code = 0;
    for (i, cmd) in cmds.iter().enumerate() {
        let last = i + 1 == cmds.len();
        if last {
            code = compound(sh, cmd, &input, ctx);
        } else {
            let (out, c) = capture(sh, cmd, &input, ctx);
            input = out;
            code = c;
        }
        if ctx.exited {
            break;
        }
    }
    code
}

/// Runs a command keeping its stdout (stderr and sleeps pass through).
fn capture(sh: &mut Shell, cmd: &Command, stdin: &[u8], ctx: &mut Ctx<'_>) -> (Vec<u8>, i32) {
    let before = ctx.steps.len();
    let code = compound(sh, cmd, stdin, ctx);
    let produced: Vec<Step> = ctx.steps.drain(before..).collect();
    let mut out = Vec::new();
    for step in produced {
        match step {
            Step::Out(b) => out.extend(b),
            other => ctx.steps.push(other),
        }
    }
    (out, code)
}

fn compound(sh: &mut Shell, cmd: &Command, stdin: &[u8], ctx: &mut Ctx<'_>) -> i32 {
    match cmd {
        Command::For { var, items, body } => {
            let values: Vec<String> = items.iter().flat_map(|w| expand(sh, w)).collect();
            sh.status = 0;
            for v in values {
                sh.set_var(var, &v);
                list_run(sh, body, ctx);
                if ctx.exited {
                    break;
                }
            }
            sh.status
        }
        Command::Simple { words, redirects } => {
            let mut fields: Vec<String> = words.iter().flat_map(|w| expand(sh, w)).collect();
            // Leading NAME=value words assign (no command: in the shell itself).
            let mut assigned = 0;
            for f in &fields {
                match f.split_once('=') {
                    Some((n, _)) if is_name(n) => assigned += 1,
                    _ => break,
                }
            }
            let assignments: Vec<String> = fields.drain(..assigned).collect();
            for a in &assignments {
                if let Some((n, v)) = a.split_once('=') {
                    sh.set_var(n, v);
                }
            }
            if fields.is_empty() {
                return 0;
            }
            if redirects.is_empty() {
                return command(sh, &fields, stdin, ctx);
            }
            redirected(sh, &fields, redirects, stdin, ctx)
        }
    }
}

fn redirected(
    sh: &mut Shell,
    fields: &[String],
    redirects: &[Redirect],
    stdin: &[u8],
    ctx: &mut Ctx<'_>,
) -> i32 {
    let before = ctx.steps.len();
    let code = command(sh, fields, stdin, ctx);
    let produced: Vec<Step> = ctx.steps.drain(before..).collect();
    let mut out = Vec::new();
    let mut err_to_out = false;
    let mut err_file: Option<String> = None;
    let mut out_file: Option<(String, bool)> = None;
    for r in redirects {
        match r {
            Redirect::StderrToStdout => err_to_out = true,
            Redirect::Stderr { target } => err_file = Some(expand(sh, target).join(" ")),
            Redirect::Stdout { target, append } => {
                out_file = Some((expand(sh, target).join(" "), *append));
            }
        }
    }
    let mut errs = Vec::new();
    for step in produced {
        match step {
            Step::Out(b) if out_file.is_some() => out.extend(b),
            Step::Err(b) if err_to_out && out_file.is_some() => out.extend(b),
            Step::Err(b) if err_to_out => ctx.steps.push(Step::Out(b)),
            Step::Err(b) if err_file.is_some() => errs.extend(b),
            other => ctx.steps.push(other),
        }
    }
    if let Some(path) = err_file
        && path != "/dev/null"
    {
        let target = resolve(&sh.cwd, &path);
        let _ = sh.fs.write(&target, errs);
    }
    if let Some((path, append)) = out_file {
        if path == "/dev/null" {
            return code;
        }
        let target = resolve(&sh.cwd, &path);
        let written = if append {
            sh.fs.append(&target, &out)
        } else {
            sh.fs.write(&target, out)
        };
        if let Err(e) = written {
            ctx.err(format!("sh: cannot create {path}: {e}\n"));
            return 2;
        }
    }
    code
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A word's fields: unquoted `$VAR` values split on whitespace, quoted text kept.
fn expand(sh: &Shell, word: &Word) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut has_current = false;
    for seg in word {
        match seg {
            Seg::Lit { text, .. } => {
                current.push_str(text);
                has_current = true;
            }
            Seg::Var { name, quoted } => {
                let value = match name.as_str() {
                    "?" => sh.status.to_string(),
                    "$" => "1".to_string(),
                    n => sh.var(n).unwrap_or("").to_string(),
                };
                if *quoted {
                    current.push_str(&value);
                    has_current = true;
                    continue;
                }
                let starts_blank = value.starts_with(char::is_whitespace);
                let mut pieces = value.split_whitespace().peekable();
                if starts_blank && has_current {
                    fields.push(std::mem::take(&mut current));
                    has_current = false;
                }
                while let Some(p) = pieces.next() {
                    current.push_str(p);
                    has_current = true;
                    if pieces.peek().is_some() {
                        fields.push(std::mem::take(&mut current));
                    }
                }
                if value.ends_with(char::is_whitespace) && has_current {
                    fields.push(std::mem::take(&mut current));
                    has_current = false;
                }
            }
        }
    }
    if has_current {
        fields.push(current);
    }
    fields
}

/// Runs one command: a builtin, a program of the image, or "not found".
fn command(sh: &mut Shell, argv: &[String], stdin: &[u8], ctx: &mut Ctx<'_>) -> i32 {
    let Some((first, args)) = argv.split_first() else {
        return 0;
    };
    let name = first.rsplit('/').next().unwrap_or(first);
    match name {
        "echo" => builtins::echo(args, ctx),
        "true" | ":" => 0,
        "false" => 1,
        "pwd" => {
            ctx.out(format!("{}\n", sh.cwd));
            0
        }
        "env" | "printenv" => builtins::env(sh, name, args, ctx),
        "hostname" => {
            let text = match args.first().map(String::as_str) {
                Some("-f" | "--fqdn" | "--long") => sh.fqdn.clone(),
                Some("-s" | "--short") | None => sh.hostname.clone(),
                Some("-i") => sh.var("POD_IP").unwrap_or("").to_string(),
                Some(_) => sh.hostname.clone(),
            };
            ctx.out(format!("{text}\n"));
            0
        }
        "cat" => builtins::cat(sh, args, stdin, ctx),
        "ls" => builtins::ls(sh, args, ctx),
        "cd" => {
            let target = args.first().cloned().unwrap_or_else(|| "/".into());
            let path = resolve(&sh.cwd, &target);
            if sh.fs.is_dir(&path) {
                sh.cwd = path;
                0
            } else {
                ctx.err(format!("sh: cd: can't cd to {target}\n"));
                2
            }
        }
        "export" => {
            for a in args {
                if let Some((n, v)) = a.split_once('=') {
                    sh.set_var(n, v);
                }
            }
            0
        }
        "sleep" => builtins::sleep(args, ctx),
        "exit" => {
            let code = match args.first() {
                None => sh.status,
                Some(a) => match a.parse::<i64>() {
                    Ok(n) => (n & 0xff) as i32,
                    Err(_) => {
                        ctx.err(format!("sh: exit: Illegal number: {a}\n"));
                        2
                    }
                },
            };
            ctx.exited = true;
            sh.status = code;
            code
        }
        "tar" => builtins::tar(sh, args, stdin, ctx),
        "sh" => nested(sh, args, stdin, ctx),
        "bash" if sh.has_bash => nested(sh, args, stdin, ctx),
        _ => match ctx.host.program(argv, stdin) {
            Some(output) => {
                ctx.out(output.stdout);
                ctx.err(output.stderr);
                output.code
            }
            None => {
                ctx.err(format!("sh: {first}: not found\n"));
                127
            }
        },
    }
}

/// `sh -c SCRIPT [NAME ARGS…]`, or `sh` reading its script from stdin: a child shell
/// (its variables and directory do not leak back; the files are the container's).
fn nested(sh: &mut Shell, args: &[String], stdin: &[u8], ctx: &mut Ctx<'_>) -> i32 {
    let src = match args {
        [flag, script, ..] if flag == "-c" => script.clone(),
        [flag] if flag == "-c" => {
            ctx.err("sh: -c requires an argument\n");
            return 2;
        }
        [] | [_, ..] => String::from_utf8_lossy(stdin).into_owned(),
    };
    let (env, cwd, status) = (sh.env.clone(), sh.cwd.clone(), sh.status);
    let outer_exited = ctx.exited;
    let code = match parse::parse(&src) {
        Ok(list) => {
            sh.status = 0;
            list_run(sh, &list, ctx);
            sh.status
        }
        Err(message) => {
            ctx.err(format!("sh: {message}\n"));
            2
        }
    };
    ctx.exited = outer_exited;
    sh.env = env;
    sh.cwd = cwd;
    sh.status = status;
    code
}
