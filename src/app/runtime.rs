//! The main loop — the only place in the wizard with I/O. It waits on the terminal's
//! input, the messages from the engine task, the watches and the log follower, signals,
//! and a tick that exists only while something animates. Each wake-up drains everything
//! already queued, updates the model, carries out the commands, and draws once.
//! An idle wizard sleeps in `select!`.
//!
//! It is generic over the backend and the input stream, so tests run this very loop on a
//! `TestBackend` with scripted keys.

use std::time::Duration;

use crossterm::event::{Event, KeyEventKind};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::buffer::Buffer;
use tokio::sync::{mpsc, watch};

use super::command::Command;
use super::model::{Life, Model};
use super::msg::Msg;
use super::update::update;
use crate::engine::task::EngineTask;

/// How often the clock ticks while a spinner or an elapsed time is on screen.
pub const TICK: Duration = Duration::from_millis(250);

/// What the loop needs besides the model: the engine task and the means to follow logs.
pub struct Services {
    pub engine: EngineTask,
    pub client: kube::Client,
    pub namespace: String,
    /// Where background jobs send their messages (the loop holds the receiver).
    pub tx: mpsc::UnboundedSender<Msg>,
    log: Option<tokio::task::JoinHandle<()>>,
}

impl Services {
    pub fn new(
        engine: EngineTask,
        client: kube::Client,
        namespace: String,
        tx: mpsc::UnboundedSender<Msg>,
    ) -> Services {
        Services {
            engine,
            client,
            namespace,
            tx,
            log: None,
        }
    }

    /// One delivery round in the background; the matrix comes back as a message.
    fn probe_delivery(&mut self, pods: Vec<String>) {
        let (client, ns, tx) = (self.client.clone(), self.namespace.clone(), self.tx.clone());
        tokio::spawn(async move {
            let options = crate::delivery::RoundOptions::default();
            let matrix = crate::delivery::run_round(&client, &ns, &pods, &options).await;
            let _ = tx.send(Msg::Delivery {
                matrix: Box::new(matrix),
                ours: true,
            });
        });
    }

    fn follow_log(&mut self, pod: Option<String>) {
        if let Some(old) = self.log.take() {
            old.abort();
        }
        let Some(pod) = pod else {
            return;
        };
        let (client, ns, tx) = (self.client.clone(), self.namespace.clone(), self.tx.clone());
        self.log = Some(tokio::spawn(async move {
            let lines_tx = tx.clone();
            let name = pod.clone();
            let why = crate::cluster::logs::follow(&client, &ns, &pod, move |lines| {
                let _ = lines_tx.send(Msg::LogLines {
                    pod: name.clone(),
                    lines,
                });
            })
            .await;
            let _ = tx.send(Msg::LogEnded { pod, why });
        }));
    }
}

impl Drop for Services {
    fn drop(&mut self) {
        if let Some(log) = self.log.take() {
            log.abort();
        }
    }
}

/// What a test sees after each frame: the model and the screen's text.
#[derive(Clone)]
pub struct Observed {
    pub model: Model,
    pub screen: String,
    pub frames: u64,
}

/// The screen's text, one line per row (trailing spaces kept off).
pub fn screen_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.y..area.y + area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in area.x..area.x + area.width {
            if skip > 0 {
                // The cells a wide character (CJK) covers after its first.
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
            line.push_str(symbol);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Signals as a stream of their names (SIGINT arrives as Ctrl-C in raw mode, but a
/// `kill -INT` from outside does not).
pub fn signals() -> anyhow::Result<impl Stream<Item = &'static str> + Unpin> {
    use tokio::signal::unix::{SignalKind, signal};
    use tokio_stream_lite::SignalStream;
    let term = SignalStream::new(signal(SignalKind::terminate())?, "SIGTERM");
    let int = SignalStream::new(signal(SignalKind::interrupt())?, "SIGINT");
    let hup = SignalStream::new(signal(SignalKind::hangup())?, "SIGHUP");
    Ok(futures::stream::select(
        term,
        futures::stream::select(int, hup),
    ))
}

/// Signals as futures streams without another dependency.
mod tokio_stream_lite {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    pub struct SignalStream {
        signal: tokio::signal::unix::Signal,
        name: &'static str,
    }

    impl SignalStream {
        pub fn new(signal: tokio::signal::unix::Signal, name: &'static str) -> Self {
            SignalStream { signal, name }
        }
    }

    impl futures::Stream for SignalStream {
        type Item = &'static str;
        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            let name = self.name;
            self.signal.poll_recv(cx).map(|o| o.map(|()| name))
        }
    }
}

/// Turns a terminal event into a message (key releases and repeats are not presses).
fn from_terminal(event: Event) -> Option<Msg> {
    match event {
        Event::Key(k) if k.kind == KeyEventKind::Press => Some(Msg::Key(k)),
        Event::Mouse(m) => Some(Msg::Mouse(m)),
        Event::Resize(w, h) => Some(Msg::Resized(w, h)),
        _ => None,
    }
}

/// Runs until the model quits. `observer` (tests) gets the model and screen per frame.
pub async fn run<B, I, S>(
    terminal: &mut Terminal<B>,
    model: &mut Model,
    mut input: I,
    mut signals: S,
    mut msgs: mpsc::UnboundedReceiver<Msg>,
    services: &mut Services,
    observer: Option<watch::Sender<Observed>>,
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    I: Stream<Item = std::io::Result<Event>> + Unpin,
    S: Stream<Item = &'static str> + Unpin,
{
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut frames: u64 = 0;
    let mut input_open = true;
    let mut commands = Vec::new();
    // The first commands (autopilot's first order) come from the model as it starts.
    commands.extend(super::autopilot::start(model));
    let mut dirty = true;
    loop {
        for c in commands.drain(..) {
            if carry_out(c, services) {
                return Ok(());
            }
        }
        if model.life != Life::Running {
            return Ok(());
        }
        if dirty {
            let completed = terminal.draw(|f| crate::ui::draw(f, model))?;
            frames += 1;
            tracing::trace!(target: crate::cluster::watch::FRESH, frames, "drawn");
            if let Some(o) = &observer {
                let screen = screen_text(completed.buffer);
                let _ = o.send(Observed {
                    model: model.clone(),
                    screen,
                    frames,
                });
            }
            dirty = false;
        }
        let ages = model.ages_change_in();
        let first = tokio::select! {
            event = input.next(), if input_open => match event {
                Some(Ok(e)) => from_terminal(e),
                Some(Err(e)) => {
                    tracing::warn!("terminal input failed: {e}");
                    input_open = false;
                    None
                }
                None => { input_open = false; None }
            },
            msg = msgs.recv() => msg,
            name = signals.next() => name.map(Msg::Signal),
            _ = tick.tick(), if model.animating() => Some(Msg::Tick(jiff::Timestamp::now())),
            // Idle, but an age on screen is about to read differently.
            _ = tokio::time::sleep(ages.unwrap_or(Duration::MAX)), if ages.is_some() && !model.animating() => {
                Some(Msg::Clock(jiff::Timestamp::now()))
            }
        };
        let mut batch: Vec<Msg> = first.into_iter().collect();
        // Drain what is already queued, so a burst (a resize storm, a relist) draws once.
        // Polled with this task's own waker (not `now_or_never`'s no-op one): crossterm's
        // EventStream keeps the waker of a pending poll, and a no-op one would never wake us.
        while input_open
            && let Some(Some(Ok(e))) = futures::future::poll_immediate(input.next()).await
        {
            batch.extend(from_terminal(e));
        }
        while let Ok(m) = msgs.try_recv() {
            batch.push(m);
        }
        if batch.is_empty() {
            continue;
        }
        commands.extend(update(model, Msg::Clock(jiff::Timestamp::now())));
        for msg in batch {
            commands.extend(update(model, msg));
        }
        dirty = true;
    }
}

/// Carries out one command; true when the loop should end.
fn carry_out(command: Command, services: &mut Services) -> bool {
    match command {
        Command::Engine(order) => services.engine.send(order),
        Command::CancelEngine => services.engine.cancel(),
        Command::FollowLog(pod) => services.follow_log(pod),
        Command::ProbeDelivery { pods } => services.probe_delivery(pods),
        Command::Quit => return true,
    }
    false
}
