//! Colours in one place: a dark and a light theme, and NO_COLOR (https://no-color.org),
//! under which only bold, reverse and underline tell things apart.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeName {
    Dark,
    Light,
}

impl ThemeName {
    pub fn parse(text: &str) -> Result<ThemeName, String> {
        match text {
            "dark" => Ok(ThemeName::Dark),
            "light" => Ok(ThemeName::Light),
            other => Err(format!("`{other}` is not a theme: use dark or light")),
        }
    }
}

/// Every style the panels use, by meaning.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub text: Style,
    pub dim: Style,
    pub title: Style,
    pub border: Style,
    pub border_focus: Style,
    pub selected: Style,
    pub ok: Style,
    pub warn: Style,
    pub bad: Style,
    pub busy: Style,
    pub accent: Style,
    pub key: Style,
    pub yaml_key: Style,
    pub yaml_value: Style,
    pub yaml_comment: Style,
    pub added: Style,
    pub removed: Style,
    pub simulated: Style,
}

impl Theme {
    pub fn new(name: ThemeName, no_color: bool) -> Theme {
        let plain = Style::default();
        if no_color {
            return Theme {
                text: plain,
                dim: plain,
                title: plain.add_modifier(Modifier::BOLD),
                border: plain,
                border_focus: plain.add_modifier(Modifier::BOLD),
                selected: plain.add_modifier(Modifier::REVERSED),
                ok: plain,
                warn: plain.add_modifier(Modifier::BOLD),
                bad: plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                busy: plain.add_modifier(Modifier::BOLD),
                accent: plain.add_modifier(Modifier::BOLD),
                key: plain.add_modifier(Modifier::BOLD),
                yaml_key: plain.add_modifier(Modifier::BOLD),
                yaml_value: plain,
                yaml_comment: plain,
                added: plain.add_modifier(Modifier::BOLD),
                removed: plain,
                simulated: plain.add_modifier(Modifier::REVERSED | Modifier::BOLD),
            };
        }
        let (fg, dim, accent, ok, warn, bad, busy, sel_bg) = match name {
            ThemeName::Dark => (
                Color::White,
                Color::DarkGray,
                Color::Cyan,
                Color::Green,
                Color::Yellow,
                Color::LightRed,
                Color::LightBlue,
                Color::Rgb(40, 60, 90),
            ),
            ThemeName::Light => (
                Color::Black,
                Color::Gray,
                Color::Blue,
                Color::Rgb(0, 120, 0),
                Color::Rgb(160, 100, 0),
                Color::Red,
                Color::Rgb(0, 80, 200),
                Color::Rgb(200, 220, 250),
            ),
        };
        Theme {
            text: plain.fg(fg),
            dim: plain.fg(dim),
            title: plain.fg(accent).add_modifier(Modifier::BOLD),
            border: plain.fg(dim),
            border_focus: plain.fg(accent),
            selected: plain.bg(sel_bg).add_modifier(Modifier::BOLD),
            ok: plain.fg(ok),
            warn: plain.fg(warn),
            bad: plain.fg(bad).add_modifier(Modifier::BOLD),
            busy: plain.fg(busy),
            accent: plain.fg(accent),
            key: plain.fg(accent).add_modifier(Modifier::BOLD),
            yaml_key: plain.fg(accent),
            yaml_value: plain.fg(fg),
            yaml_comment: plain.fg(dim).add_modifier(Modifier::ITALIC),
            added: plain.fg(ok),
            removed: plain.fg(bad),
            simulated: plain.fg(Color::Black).bg(warn).add_modifier(Modifier::BOLD),
        }
    }
}
