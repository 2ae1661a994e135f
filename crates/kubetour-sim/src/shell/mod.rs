//! A small POSIX-ish shell for simulated containers: what `kubectl exec -it POD -- sh`
//! opens, what `kubectl exec POD -- CMD` and `kubectl cp` run, and what a non-EMQX
//! container's `command`/`args` run as its process (busybox `sh -c 'echo …'`).
//!
//! - `parse`: words, quotes, `$VAR`, `;` `&&` `||` `|`, `>`/`>>`/`2>&1`, `for … do … done`.
//! - `run`: the interpreter and its builtins (`echo`, `env`, `printenv`, `hostname [-f]`,
//!   `cat`, `ls`, `pwd`, `cd`, `export`, `sleep`, `exit`, `true`, `false`, `tar`, `sh -c`).
//!   Programs of the image (`emqx ctl`, `emqx_ctl`) come from a [`Host`]; anything else
//!   is `sh: X: not found`, exit 127, as a minimal image answers.
//! - `fs`: the container's in-memory files, and the tar format `kubectl cp` uses.
//!
//! Running produces [`Step`]s (output, and `sleep`s to wait for) rather than waiting
//! itself: the caller decides how time passes (the kubelet on the simulated clock, an
//! exec session in real time). A consequence: commands after a `sleep` are evaluated
//! before it elapses (their output is still delivered after it).

mod builtins;
pub mod fs;
mod lex;
pub mod parse;
mod run;

use std::time::Duration;

pub use fs::Fs;

/// Whether `name` is one of the shell's builtins (what a container's `command` may
/// name for the shell to run it).
pub fn is_builtin(name: &str) -> bool {
    matches!(
        name,
        "echo"
            | "true"
            | "false"
            | ":"
            | "pwd"
            | "env"
            | "printenv"
            | "hostname"
            | "cat"
            | "ls"
            | "cd"
            | "export"
            | "sleep"
            | "exit"
            | "tar"
    )
}

/// What a program run by the host printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub code: i32,
}

/// The programs of the image that are not shell builtins.
pub trait Host {
    /// Runs `argv` (argv[0] as typed, maybe with a path); None: no such program.
    fn program(&mut self, argv: &[String], stdin: &[u8]) -> Option<Output>;
}

/// A host with no programs beyond the builtins (busybox-like images).
#[cfg(test)]
#[derive(Debug, Default)]
pub struct NoPrograms;

#[cfg(test)]
impl Host for NoPrograms {
    fn program(&mut self, _argv: &[String], _stdin: &[u8]) -> Option<Output> {
        None
    }
}

/// One thing a run does, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Out(Vec<u8>),
    Err(Vec<u8>),
    Sleep(Duration),
}

/// The result of running a script or a command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Run {
    pub steps: Vec<Step>,
    pub code: i32,
    /// `exit` was run: an interactive shell ends.
    pub exited: bool,
}

// Whole-output views, for tests; a session streams the steps instead.
#[cfg(test)]
impl Run {
    /// All stdout bytes, in order.
    pub fn stdout(&self) -> Vec<u8> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::Out(b) => Some(b.as_slice()),
                Step::Err(_) | Step::Sleep(_) => None,
            })
            .flatten()
            .copied()
            .collect()
    }

    /// All stderr bytes, in order.
    pub fn stderr(&self) -> Vec<u8> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::Err(b) => Some(b.as_slice()),
                Step::Out(_) | Step::Sleep(_) => None,
            })
            .flatten()
            .copied()
            .collect()
    }
}

/// The shell's state: environment, working directory, names, files.
#[derive(Debug, Clone)]
pub struct Shell {
    /// Exported variables in the order `env` prints them.
    pub env: Vec<(String, String)>,
    pub cwd: String,
    pub hostname: String,
    /// `hostname -f`.
    pub fqdn: String,
    pub fs: Fs,
    /// Whether `bash` exists besides `sh` (the Debian-based EMQX 5 image).
    pub has_bash: bool,
    status: i32,
}

impl Shell {
    pub fn new(env: Vec<(String, String)>, cwd: &str, hostname: &str, fqdn: &str, fs: Fs) -> Shell {
        Shell {
            env,
            cwd: cwd.to_string(),
            hostname: hostname.to_string(),
            fqdn: fqdn.to_string(),
            fs,
            has_bash: false,
            status: 0,
        }
    }

    pub fn var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn set_var(&mut self, name: &str, value: &str) {
        match self.env.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v = value.to_string(),
            None => self.env.push((name.to_string(), value.to_string())),
        }
    }

    /// Runs a script (`sh -c SCRIPT`, or one line typed at the prompt).
    pub fn run_script(&mut self, script: &str, host: &mut dyn Host) -> Run {
        run::script(self, script, &[], host)
    }

    /// Runs a command as the container runtime execs it (no shell parsing), with stdin.
    pub fn run_argv(&mut self, argv: &[String], stdin: &[u8], host: &mut dyn Host) -> Run {
        run::argv(self, argv, stdin, host)
    }
}

#[cfg(test)]
mod tests;
