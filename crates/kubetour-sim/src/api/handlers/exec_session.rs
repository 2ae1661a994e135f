//! What happens inside an exec WebSocket: the command runs in the container's shell
//! (`workloads::shells`), its output goes out on channel 1 (stdout) and 2 (stderr; with
//! a tty everything is on 1), then the Status on 3.
//!
//! With `stdin=true` the client's channel 0 feeds the command: without a tty it is read
//! to its end (v5's close signal, channel 255) and handed over whole (`tar xmf -` for
//! `kubectl cp`, `sh` reading a script); with a tty and a shell as the command, it is a
//! terminal: input is echoed as a pty in cooked mode would, each line runs when Enter
//! comes, Ctrl-C drops the line (or interrupts a running `sleep`), Ctrl-D on an empty
//! line or `exit` ends the session.

use std::collections::VecDeque;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use serde_json::Value;

use super::exec::exit_status;
use crate::api::ApiState;
use crate::shell::{Shell, Step};
use crate::workloads::shells::{self, ImageHost};

/// stdin, stdout, stderr, error (Status), resize; v5's "close this stream" signal.
const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
const ERROR: u8 = 3;
const CLOSE: u8 = 255;

#[derive(Debug, Clone)]
pub struct ExecRequest {
    pub argv: Vec<String>,
    pub stdin: bool,
    pub tty: bool,
}

fn frame(channel: u8, data: &[u8]) -> Message {
    let mut bytes = Vec::with_capacity(data.len() + 1);
    bytes.push(channel);
    bytes.extend_from_slice(data);
    Message::Binary(bytes.into())
}

/// A pty's output processing (onlcr): `\n` becomes `\r\n`.
fn onlcr(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 8);
    let mut prev = 0u8;
    for &b in data {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

struct Io {
    socket: WebSocket,
    state: Arc<ApiState>,
    tty: bool,
    /// A terminal session: Ctrl-C interrupts a `sleep`, other keys wait their turn.
    interactive: bool,
    /// Messages that arrived while a command ran, in order.
    typed_ahead: VecDeque<Vec<u8>>,
    /// Ctrl-C came while a command ran: the rest of its output is dropped.
    interrupted: bool,
}

impl Io {
    async fn send(&mut self, channel: u8, data: &[u8]) -> bool {
        if data.is_empty() {
            return true;
        }
        let data = if self.tty { onlcr(data) } else { data.to_vec() };
        self.socket.send(frame(channel, &data)).await.is_ok()
    }

    /// Delivers a run's output in order, waiting out its `sleep`s on the cluster clock.
    async fn play(&mut self, steps: Vec<Step>) -> bool {
        for step in steps {
            let ok = match step {
                Step::Out(b) => self.send(STDOUT, &b).await,
                Step::Err(b) => {
                    let channel = if self.tty { STDOUT } else { STDERR };
                    self.send(channel, &b).await
                }
                Step::Sleep(d) => {
                    let wait = self.state.store.clock().scaled(d);
                    if self.interactive {
                        self.sleep_interruptibly(wait).await
                    } else {
                        tokio::time::sleep(wait).await;
                        true
                    }
                }
            };
            if self.interrupted {
                return true;
            }
            if !ok {
                return false;
            }
        }
        true
    }

    /// Waits out a `sleep` while keeping the keyboard: Ctrl-C ends it (and the
    /// command), anything else is kept for after. False when the client went away.
    async fn sleep_interruptibly(&mut self, wait: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return true,
                msg = self.socket.recv() => match msg {
                    Some(Ok(Message::Binary(b))) => {
                        if b.first() == Some(&STDIN) && b[1..].contains(&0x03) {
                            self.interrupted = true;
                            return true;
                        }
                        self.typed_ahead.push_back(b.to_vec());
                    }
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return false,
                    Some(Ok(_)) => {}
                },
            }
        }
    }

    /// The final Status, a normal close, then waits for the client's close.
    async fn finish(mut self, argv: &[String], code: i32) {
        let status = serde_json::to_vec(&exit_status(argv, code)).unwrap_or_default();
        let _ = self.socket.send(frame(ERROR, &status)).await;
        // A normal closure (1000): kubectl's gorilla reader treats a bare close as an error.
        let close = CloseFrame {
            code: axum::extract::ws::close_code::NORMAL,
            reason: "".into(),
        };
        let _ = self.socket.send(Message::Close(Some(close))).await;
        while let Some(Ok(msg)) = self.socket.recv().await {
            if matches!(msg, Message::Close(_)) {
                break;
            }
        }
    }
}

fn is_shell(argv: &[String], shell: &Shell) -> bool {
    let Some(first) = argv.first() else {
        return false;
    };
    let name = first.rsplit('/').next().unwrap_or(first);
    let interactive = argv.len() == 1 || argv.get(1).is_some_and(|a| a == "-i" || a == "-l");
    interactive && (name == "sh" || (name == "bash" && shell.has_bash))
}

pub async fn serve(
    socket: WebSocket,
    state: Arc<ApiState>,
    pod: Value,
    container: String,
    req: ExecRequest,
) {
    let (mut shell, mut host) = shells::open(&state.world, &pod, &container);
    let interactive = req.stdin && req.tty && is_shell(&req.argv, &shell);
    let mut io = Io {
        socket,
        state: state.clone(),
        tty: req.tty,
        interactive,
        typed_ahead: VecDeque::new(),
        interrupted: false,
    };
    let code = if interactive {
        terminal(&mut io, &mut shell, &mut host).await
    } else {
        let input = if req.stdin {
            read_stdin(&mut io.socket).await
        } else {
            Vec::new()
        };
        let run = shell.run_argv(&req.argv, &input, &mut host);
        let code = run.code;
        io.play(run.steps).await;
        code
    };
    shells::save(&state.world, &host, &shell);
    io.finish(&req.argv, code).await;
}

/// Channel 0 to its end: v5's close signal for stdin, or the socket closing.
async fn read_stdin(socket: &mut WebSocket) -> Vec<u8> {
    let mut input = Vec::new();
    while let Some(Ok(msg)) = socket.recv().await {
        let Message::Binary(bytes) = msg else {
            if matches!(msg, Message::Close(_)) {
                break;
            }
            continue;
        };
        match bytes.first() {
            Some(&STDIN) => input.extend_from_slice(&bytes[1..]),
            Some(&CLOSE) if bytes.get(1) == Some(&STDIN) => break,
            _ => {}
        }
    }
    input
}

fn prompt(shell: &Shell, host: &ImageHost) -> Vec<u8> {
    // dash as the image's user in EMQX images; busybox ash as root elsewhere.
    if host.emqx {
        b"$ ".to_vec()
    } else {
        format!("{} # ", shell.cwd).into_bytes()
    }
}

/// An interactive shell on a terminal; returns its exit code.
async fn terminal(io: &mut Io, shell: &mut Shell, host: &mut ImageHost) -> i32 {
    if !io.send(STDOUT, &prompt(shell, host)).await {
        return 0;
    }
    let mut line: Vec<u8> = Vec::new();
    let mut last = 0;
    let mut escape = 0u8;
    loop {
        let bytes = match io.typed_ahead.pop_front() {
            Some(b) => b,
            None => match io.socket.recv().await {
                Some(Ok(Message::Binary(b))) => b.to_vec(),
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return last,
                Some(Ok(_)) => continue,
            },
        };
        match bytes.first() {
            Some(&STDIN) => {}
            Some(&CLOSE) => return last,
            // Resize (4) and anything else: nothing to draw differently.
            _ => continue,
        }
        for &b in &bytes[1..] {
            // Arrow keys and other escape sequences (ESC [ X): no line editing here.
            if escape > 0 {
                escape = if escape == 1 && b == b'[' { 2 } else { 0 };
                continue;
            }
            let echo: Vec<u8> = match b {
                0x1b => {
                    escape = 1;
                    Vec::new()
                }
                b'\r' | b'\n' => {
                    let text = String::from_utf8_lossy(&std::mem::take(&mut line)).into_owned();
                    if !io.send(STDOUT, b"\r\n").await {
                        return last;
                    }
                    let run = shell.run_script(&text, host);
                    last = run.code;
                    if !io.play(run.steps).await {
                        return last;
                    }
                    if io.interrupted {
                        // As sh does: the interrupted command's status is 130.
                        io.interrupted = false;
                        last = 130;
                        let mut out = b"^C\r\n".to_vec();
                        out.extend(prompt(shell, host));
                        out
                    } else if run.exited {
                        return last;
                    } else {
                        prompt(shell, host)
                    }
                }
                0x7f | 0x08 => {
                    if line.pop().is_some() {
                        b"\x08 \x08".to_vec()
                    } else {
                        Vec::new()
                    }
                }
                0x03 => {
                    line.clear();
                    let mut out = b"^C\r\n".to_vec();
                    out.extend(prompt(shell, host));
                    out
                }
                0x04 if line.is_empty() => return last,
                0x15 => {
                    let n = line.len();
                    line.clear();
                    b"\x08 \x08".repeat(n)
                }
                b if b >= 0x20 || b == b'\t' => {
                    line.push(b);
                    vec![b]
                }
                _ => Vec::new(),
            };
            if !io.send(STDOUT, &echo).await {
                return last;
            }
        }
    }
}
