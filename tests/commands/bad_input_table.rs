//! docs/bad-input.md is the source of truth: every row of its tables is run here as
//! written — the command in a temporary directory holding the page's fixture files — and
//! must exit non-zero, print its message on stderr and never panic. The kubeconfigs that
//! need a server are made from two `kubetour sim serve`s, on 127.0.0.1 only.
//!
//! KUBETOUR_BIN runs another build (a release binary) against the same table.

use std::net::TcpListener;
use std::path::Path;
use std::process::Stdio;

use crate::common::server::Server;

const PAGE: &str = include_str!("../../docs/bad-input.md");

/// One row: what is wrong, the command as typed, the message expected.
#[derive(Debug)]
struct Row {
    what: String,
    command: String,
    message: String,
}

/// Table rows are those whose command cell is code; the header and the ruler are not.
fn rows(page: &str) -> Vec<Row> {
    page.lines()
        .filter(|l| l.starts_with("| "))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            match cells.as_slice() {
                [what, command, message] if command.starts_with('`') => Some(Row {
                    what: what.to_string(),
                    command: command.trim_matches('`').to_string(),
                    message: message.trim_matches('`').trim().to_string(),
                }),
                _ => None,
            }
        })
        .collect()
}

/// The page's fixture files: a `#### `path`` heading, then a fenced block. The tracks'
/// shared track.yaml has a heading of its own and is returned with the path "".
fn fixture_files(page: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        let Some(heading) = line.strip_prefix("#### ") else {
            continue;
        };
        let path = if heading.starts_with('`') {
            heading.trim_matches('`').to_string()
        } else {
            String::new()
        };
        let mut body = String::new();
        let mut inside = false;
        for l in lines.by_ref() {
            if l.starts_with("```") {
                if inside {
                    break;
                }
                inside = true;
            } else if inside {
                body.push_str(l);
                body.push('\n');
            }
        }
        out.push((path, body));
    }
    out
}

/// A `kubetour sim serve`, stopped when dropped, and the kubeconfig it wrote.
struct Served {
    _server: Server,
    kubeconfig: String,
}

fn serve(dir: &Path, name: &str) -> Served {
    let path = dir.join(name);
    let server = Server::serve(&path);
    let kubeconfig = std::fs::read_to_string(&path).unwrap();
    Served {
        _server: server,
        kubeconfig,
    }
}

/// The kubeconfig with one line's value replaced (`server:`, `token:`, …).
fn with_value(kubeconfig: &str, key: &str, value: &str) -> String {
    kubeconfig
        .lines()
        .map(|l| match l.find(key) {
            Some(at) => format!("{}{key} {value}", &l[..at]),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn value_of<'a>(kubeconfig: &'a str, key: &str) -> &'a str {
    kubeconfig
        .lines()
        .find_map(|l| l.split_once(key).map(|(_, v)| v.trim()))
        .unwrap()
}

/// The fixtures the page lists, written into `dir`; returns what must stay alive.
fn set_up(dir: &Path) -> (Served, Served, TcpListener) {
    let mut shared_track = String::new();
    for (path, body) in fixture_files(PAGE) {
        if path.is_empty() {
            shared_track = body;
            continue;
        }
        let file = dir.join(&path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, body).unwrap();
    }
    assert!(shared_track.contains("profiles_from"), "{shared_track}");
    let pod = dir.join("tracks/pod-only/01-pod.yaml");
    std::fs::create_dir_all(dir.join("tracks/duplicate-id")).unwrap();
    std::fs::copy(&pod, dir.join("tracks/duplicate-id/01-pod.yaml")).unwrap();
    std::fs::copy(&pod, dir.join("tracks/duplicate-id/02-pod-again.yaml")).unwrap();
    std::fs::create_dir_all(dir.join("tracks/no-stages")).unwrap();
    for entry in std::fs::read_dir(dir.join("tracks")).unwrap() {
        let track = entry.unwrap().path().join("track.yaml");
        if !track.exists() {
            std::fs::write(track, &shared_track).unwrap();
        }
    }
    std::fs::create_dir_all(dir.join("a-directory")).unwrap();
    std::fs::write(dir.join("a-file"), "").unwrap();
    std::fs::write(dir.join("empty.kubeconfig"), "").unwrap();

    let servers = tempfile::tempdir().unwrap();
    let a = serve(servers.path(), "a");
    let b = serve(servers.path(), "b");
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    // Bound and listening, never accepting: the kernel completes the TCP handshake,
    // nobody answers the TLS one.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let server = |port: u16| format!("https://127.0.0.1:{port}");
    let write = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
    write(
        "unreachable.kubeconfig",
        with_value(&a.kubeconfig, "server:", &server(closed)),
    );
    write(
        "silent.kubeconfig",
        with_value(&a.kubeconfig, "server:", &server(silent_port)),
    );
    write(
        "expired-token.kubeconfig",
        with_value(&a.kubeconfig, "token:", "not-a-token-this-server-issued"),
    );
    let other_ca = value_of(&b.kubeconfig, "certificate-authority-data:");
    write(
        "wrong-ca.kubeconfig",
        with_value(&a.kubeconfig, "certificate-authority-data:", other_ca),
    );
    (a, b, silent)
}

/// Splits a command as a shell would for these rows: words, "double quotes", and
/// leading NAME=value assignments as the environment.
fn words(command: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in command.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            ' ' if !quoted => {
                if started {
                    out.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            _ => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(word);
    }
    let program = out.iter().position(|w| w == "kubetour").unwrap();
    let env = out[..program]
        .iter()
        .map(|w| {
            let (k, v) = w.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect();
    (env, out[program + 1..].to_vec())
}

/// Whether `text` holds the pieces of `expected` between its `…`, in order.
fn matches(text: &str, expected: &str) -> bool {
    let mut rest = text;
    for piece in expected.split('…') {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

#[test]
fn the_tables_cover_kubeconfigs_servers_tracks_and_flags() {
    let all = rows(PAGE);
    assert!(all.len() >= 40, "{} rows", all.len());
    for needle in [
        "not valid YAML",
        "connection refused",
        "401",
        "CA",
        "--speed",
    ] {
        assert!(
            all.iter().any(|r| r.message.contains(needle)),
            "no row about {needle}"
        );
    }
}

#[test]
fn every_row_of_the_bad_input_table_exits_non_zero_with_its_message_and_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let _alive = set_up(dir.path());
    let mut failures = Vec::new();
    for row in rows(PAGE) {
        let (env, args) = words(&row.command);
        let out = crate::common::kubetour()
            .args(&args)
            .current_dir(dir.path())
            .env_remove("KUBECONFIG")
            .env_remove("KUBETOUR_STATE_DIR")
            .env("HOME", home.path())
            .env("XDG_STATE_HOME", home.path().join("state"))
            .envs(env)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut wrong = Vec::new();
        if out.status.success() {
            wrong.push("it exited 0".to_string());
        }
        if !matches(&stderr, &row.message) {
            wrong.push("stderr lacks the message".to_string());
        }
        if stderr.contains("panicked") || stdout.contains("panicked") {
            wrong.push("it panicked".to_string());
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{} (`{}`): {}\n  expected: {}\n  stderr:   {}",
                row.what,
                row.command,
                wrong.join(", "),
                row.message,
                stderr.trim()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn an_ellipsis_in_a_message_stands_for_anything_in_between() {
    assert!(matches(
        "at https://127.0.0.1:4312/ (context",
        "127.0.0.1:… (context"
    ));
    assert!(!matches("(context) at 127.0.0.1", "127.0.0.1:… (context"));
}
