//! Builtins that take more than a line: `echo`, `env`/`printenv`, `cat`, `ls`,
//! `sleep`, `tar` (what `kubectl cp` runs).

use std::time::Duration;

use super::fs::resolve;
use super::run::Ctx;
use super::{Shell, Step};

/// dash's `echo`: `-n` drops the newline; `\n`, `\t`, `\\` and `\c` are interpreted.
pub(super) fn echo(args: &[String], ctx: &mut Ctx<'_>) -> i32 {
    let (newline, words) = match args.first().map(String::as_str) {
        Some("-n") => (false, &args[1..]),
        _ => (true, args),
    };
    let mut text = String::new();
    let joined = words.join(" ");
    let mut chars = joined.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            text.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => text.push('\n'),
            Some('t') => text.push('\t'),
            Some('\\') => text.push('\\'),
            Some('c') => {
                ctx.out(text);
                return 0;
            }
            Some(other) => {
                text.push('\\');
                text.push(other);
            }
            None => text.push('\\'),
        }
    }
    if newline {
        text.push('\n');
    }
    ctx.out(text);
    0
}

pub(super) fn env(sh: &Shell, name: &str, args: &[String], ctx: &mut Ctx<'_>) -> i32 {
    if name == "printenv" && !args.is_empty() {
        let mut code = 0;
        for a in args {
            match sh.var(a) {
                Some(v) => ctx.out(format!("{v}\n")),
                None => code = 1,
            }
        }
        return code;
    }
    let text: String = sh.env.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    ctx.out(text);
    0
}

pub(super) fn cat(sh: &Shell, args: &[String], stdin: &[u8], ctx: &mut Ctx<'_>) -> i32 {
    let files: Vec<&String> = args
        .iter()
        .filter(|a| !a.starts_with('-') || *a == "-")
        .collect();
    if files.is_empty() {
        ctx.out(stdin.to_vec());
        return 0;
    }
    let mut code = 0;
    for f in files {
        if f == "-" {
            ctx.out(stdin.to_vec());
            continue;
        }
        match sh.fs.read(&resolve(&sh.cwd, f)) {
            Ok(bytes) => ctx.out(bytes.to_vec()),
            Err(e) => {
                ctx.err(format!("cat: {f}: {e}\n"));
                code = 1;
            }
        }
    }
    code
}

/// GNU `ls` (the EMQX 5 image is Debian): one name per line, `-l` for a long list.
pub(super) fn ls(sh: &Shell, args: &[String], ctx: &mut Ctx<'_>) -> i32 {
    let long = args.iter().any(|a| a.starts_with('-') && a.contains('l'));
    let all = args.iter().any(|a| a.starts_with('-') && a.contains('a'));
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let paths: Vec<String> = if paths.is_empty() {
        vec![".".to_string()]
    } else {
        paths.into_iter().cloned().collect()
    };
    let mut code = 0;
    let many = paths.len() > 1;
    for (i, p) in paths.iter().enumerate() {
        let path = resolve(&sh.cwd, p);
        if !sh.fs.exists(&path) {
            ctx.err(format!(
                "ls: cannot access '{p}': No such file or directory\n"
            ));
            code = 2;
            continue;
        }
        let entry = |name: &str, full: &str| -> String {
            if !long {
                return format!("{name}\n");
            }
            match sh.fs.read(full) {
                Ok(b) => format!(
                    "-rw-r--r-- 1 emqx emqx {:>5} Jan  1 00:00 {name}\n",
                    b.len()
                ),
                Err(_) => format!("drwxr-xr-x 2 emqx emqx  4096 Jan  1 00:00 {name}\n"),
            }
        };
        if !sh.fs.is_dir(&path) {
            ctx.out(entry(p, &path));
            continue;
        }
        let mut text = String::new();
        if many {
            text.push_str(&format!("{}{p}:\n", if i > 0 { "\n" } else { "" }));
        }
        if all {
            text.push_str(&entry(".", &path));
            text.push_str(&entry("..", &path));
        }
        for name in sh.fs.list(&path) {
            if name.starts_with('.') && !all {
                continue;
            }
            let full = resolve(&path, &name);
            text.push_str(&entry(&name, &full));
        }
        ctx.out(text);
    }
    code
}

pub(super) fn sleep(args: &[String], ctx: &mut Ctx<'_>) -> i32 {
    let mut total = Duration::ZERO;
    for a in args {
        if a == "infinity" {
            // A container that sleeps forever: a year is forever enough here.
            total += Duration::from_secs(365 * 24 * 3600);
            continue;
        }
        let (number, unit) = match a.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
            Some((i, _)) => (&a[..i], &a[i..]),
            None => (a.as_str(), "s"),
        };
        let scale = match unit {
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => f64::NAN,
        };
        match number.parse::<f64>() {
            Ok(n) if n >= 0.0 && scale.is_finite() => {
                total += Duration::from_secs_f64(n * scale);
            }
            _ => {
                ctx.err(format!("sleep: invalid time interval '{a}'\n"));
                return 1;
            }
        }
    }
    if args.is_empty() {
        ctx.err("sleep: missing operand\n");
        return 1;
    }
    ctx.steps.push(Step::Sleep(total));
    0
}

/// `tar c|x [v] [m] f ARCHIVE [-C DIR] [PATHS…]`, with `-` for stdin/stdout.
pub(super) fn tar(sh: &mut Shell, args: &[String], stdin: &[u8], ctx: &mut Ctx<'_>) -> i32 {
    let mut flags = String::new();
    let mut dir = sh.cwd.clone();
    let mut positional: Vec<String> = Vec::new();
    let mut iter = args.iter().enumerate();
    while let Some((i, a)) = iter.next() {
        if a == "-C" {
            if let Some((_, d)) = iter.next() {
                dir = resolve(&sh.cwd, d);
            }
        } else if let Some(f) = a.strip_prefix('-').filter(|f| !f.is_empty()) {
            flags.push_str(f);
        } else if i == 0 {
            flags.push_str(a);
        } else {
            positional.push(a.clone());
        }
    }
    let archive = if flags.contains('f') && !positional.is_empty() {
        positional.remove(0)
    } else {
        "-".to_string()
    };
    if flags.contains('c') {
        if positional.is_empty() {
            ctx.err("tar: Cowardly refusing to create an empty archive\n");
            return 2;
        }
        let mut out = Vec::new();
        for p in &positional {
            if p.starts_with('/') {
                ctx.err("tar: Removing leading `/' from member names\n");
            }
            match sh.fs.tar_create(&resolve(&dir, p)) {
                // Archives of several paths: drop the end blocks between them.
                Ok(bytes) => out.extend_from_slice(&bytes[..bytes.len() - 1024]),
                Err(e) => {
                    ctx.err(format!(
                        "tar: {e}\ntar: Exiting with failure status due to previous errors\n"
                    ));
                    return 2;
                }
            }
        }
        out.extend(std::iter::repeat_n(0u8, 1024));
        if archive == "-" {
            ctx.out(out);
        } else if let Err(e) = sh.fs.write(&resolve(&sh.cwd, &archive), out) {
            ctx.err(format!("tar: {archive}: Cannot open: {e}\n"));
            return 2;
        }
        return 0;
    }
    if flags.contains('x') {
        let data = if archive == "-" {
            stdin.to_vec()
        } else {
            match sh.fs.read(&resolve(&sh.cwd, &archive)) {
                Ok(b) => b.to_vec(),
                Err(e) => {
                    ctx.err(format!("tar: {archive}: Cannot open: {e}\n"));
                    return 2;
                }
            }
        };
        return match sh.fs.tar_extract(&data, &dir) {
            Ok(()) => 0,
            Err(e) => {
                ctx.err(format!("tar: {e}\n"));
                2
            }
        };
    }
    ctx.err("tar: You must specify one of the '-Acdtrux', '--delete' or '--test-label' options\n");
    2
}
