//! The real terminal's life: raw mode, the alternate screen, mouse capture and a hidden
//! cursor while the wizard runs — and all of it undone on every way out: a normal quit
//! (the guard's drop), a panic (the hook restores before the message prints), and
//! SIGINT/SIGTERM/SIGHUP (the main loop turns them into a quit).

use std::io::{Stdout, stdout};

use anyhow::Context;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Screen = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped.
pub struct Guard;

/// Puts the terminal in the wizard's mode and installs the panic hook.
pub fn enter() -> anyhow::Result<(Screen, Guard)> {
    install_panic_hook();
    enable_raw_mode().context("switching the terminal to raw mode (is this a terminal?)")?;
    let guard = Guard;
    execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        cursor::Hide
    )
    .context("entering the alternate screen")?;
    let terminal =
        Terminal::new(CrosstermBackend::new(stdout())).context("opening the terminal")?;
    Ok((terminal, guard))
}

/// Leaves the wizard's mode; safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        stdout(),
        LeaveAlternateScreen,
        DisableMouseCapture,
        cursor::Show
    );
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // First give the person their terminal back, then say what happened.
        restore();
        previous(info);
    }));
}
