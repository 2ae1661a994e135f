//! The wizard binary in a tmux session of fixed size, on its own tmux server (`-L`), so
//! tests see exactly what a person sees: wait for text (never fixed sleeps), send keys,
//! capture the pane, and ask tmux whether the terminal was given back.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Session {
    socket: String,
    pub state: tempfile::TempDir,
    pub out: PathBuf,
}

fn tmux(socket: &str, args: &[&str]) -> String {
    let out = Command::new("tmux")
        .arg("-L")
        .arg(socket)
        .args(args)
        .output()
        .expect("tmux runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Session {
    /// Starts `kubetour <args>` at `w`×`h`. When it exits, the pane records the exit
    /// code and the terminal's settings (stty), then waits to be looked at.
    pub fn start(name: &str, w: u16, h: u16, args: &[&str]) -> Session {
        Session::start_with_env(name, w, h, "", args)
    }

    /// As `start`, with `env` (`NAME=value ...`, shell words) set for the wizard.
    pub fn start_with_env(name: &str, w: u16, h: u16, env: &str, args: &[&str]) -> Session {
        let socket = format!("kubetour-test-{name}-{}", std::process::id());
        let state = tempfile::tempdir().unwrap();
        let out = state.path().join("after");
        let script = format!(
            "KUBETOUR_STATE_DIR='{state}' {env} '{bin}' {args}; echo \"EXITED $?\"; stty -a > '{out}'; sleep 600",
            state = state.path().display(),
            bin = crate::common::kubetour_bin().display(),
            args = args.join(" "),
            out = out.display(),
        );
        let started = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "t",
            ])
            .args(["-x", &w.to_string(), "-y", &h.to_string()])
            .args(["sh", "-c", &script])
            .status()
            .expect("tmux starts");
        assert!(started.success(), "tmux new-session failed");
        Session { socket, state, out }
    }

    pub fn screen(&self) -> String {
        tmux(&self.socket, &["capture-pane", "-p", "-t", "t"])
    }

    /// Waits until the screen shows `text`; fails with the screen after `secs`.
    pub fn wait_for(&self, text: &str, secs: u64) -> String {
        self.wait_until(secs, text, |s| s.contains(text))
    }

    pub fn wait_until(&self, secs: u64, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("not seen in {secs}s: {what}\n--- screen ---\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends keys as tmux names them: "Enter", "n", "C-c".
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        tmux(&self.socket, &args);
    }

    pub fn resize(&self, w: u16, h: u16) {
        tmux(
            &self.socket,
            &[
                "resize-window",
                "-t",
                "t",
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
            ],
        );
    }

    /// The wizard's process id (the pane's shell's child).
    pub fn wizard_pid(&self) -> u32 {
        let shell = tmux(&self.socket, &["display", "-p", "-t", "t", "#{pane_pid}"]);
        let out = Command::new("pgrep")
            .args(["-P", shell.trim(), "kubetour"])
            .output()
            .expect("pgrep runs");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("the wizard runs under the pane's shell")
    }

    /// After the wizard exited: alternate screen left, cursor shown, echo and canonical
    /// input back on. Returns the exit line.
    pub fn assert_restored(&self) -> String {
        let s = self.wait_for("EXITED", 60);
        let flags = tmux(
            &self.socket,
            &["display", "-p", "-t", "t", "#{alternate_on} #{cursor_flag}"],
        );
        assert_eq!(
            flags.trim(),
            "0 1",
            "alternate screen off, cursor shown; screen:\n{s}"
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        let stty = loop {
            match std::fs::read_to_string(&self.out) {
                Ok(t) if !t.is_empty() => break t,
                _ if Instant::now() > deadline => panic!("no stty output after the wizard exited"),
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        let words: Vec<&str> = stty.split_whitespace().collect();
        assert!(words.contains(&"echo"), "echo is back on: {stty}");
        assert!(
            words.contains(&"icanon"),
            "canonical input is back on: {stty}"
        );
        s
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        tmux(&self.socket, &["kill-server"]);
    }
}
