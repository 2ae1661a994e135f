//! Every key in one table. The table drives dispatch (`action_for`), the footer's hints
//! and the `?` help overlay, so what the screen says a key does is what it does.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    NextStage,
    PrevStage,
    Apply,
    TryIt,
    Skip,
    Rewind,
    Teardown,
    Cancel,
    ToggleManifest,
    FocusNext,
    NextTab,
    PodDown,
    PodUp,
    ScrollUp,
    ScrollDown,
    FollowLog,
    ProbeDelivery,
    Drill,
    Lang,
    Help,
    Quit,
    /// Confirmations: yes / no.
    Yes,
    No,
}

/// Which keys apply when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The main screen.
    Main,
    /// The help overlay.
    Help,
    /// A yes/no question.
    Confirm,
    /// Typing a production context's name: letters are text (`y` and `n` too), only
    /// these keys (and ctrl-c) act.
    TypeName,
}

impl Scope {
    /// The keys that apply in this mode of the model.
    pub fn of(mode: &crate::app::model::Mode) -> Scope {
        use crate::app::model::{Confirm, Mode};
        match mode {
            Mode::Normal => Scope::Main,
            Mode::Help => Scope::Help,
            Mode::Confirm(Confirm::Target {
                needs_name: true, ..
            }) => Scope::TypeName,
            Mode::Confirm(_) => Scope::Confirm,
        }
    }
}

pub struct Binding {
    pub keys: &'static [KeyCode],
    /// How the footer and help write the keys.
    pub label: &'static str,
    pub action: Action,
    /// The footer's word for it.
    pub short: &'static str,
    /// The help overlay's sentence.
    pub help: &'static str,
    pub scope: Scope,
    /// Shown in the footer (the rest only in help).
    pub footer: bool,
}

use KeyCode::{BackTab, Char, Down, End, Enter, Esc, Left, PageDown, PageUp, Right, Tab, Up};

pub const KEYS: &[Binding] = &[
    Binding {
        keys: &[Enter, Char('a')],
        label: "⏎/a",
        action: Action::Apply,
        short: "apply",
        help: "apply the stage in focus and wait for its checks",
        scope: Scope::Main,
        footer: true,
    },
    Binding {
        keys: &[Char('n'), Right],
        label: "n/→",
        action: Action::NextStage,
        short: "next",
        help: "focus the next stage (while paused: go on to it)",
        scope: Scope::Main,
        footer: true,
    },
    Binding {
        keys: &[Char('p'), Left],
        label: "p/←",
        action: Action::PrevStage,
        short: "prev",
        help: "focus the previous stage",
        scope: Scope::Main,
        footer: true,
    },
    Binding {
        keys: &[Char('t')],
        label: "t",
        action: Action::TryIt,
        short: "try it",
        help: "run the stage's try-it (delete a pod, edit the ConfigMap) and watch what follows",
        scope: Scope::Main,
        footer: true,
    },
    Binding {
        keys: &[Char('m')],
        label: "m",
        action: Action::ToggleManifest,
        short: "yaml/diff",
        help: "switch the manifest between the full YAML and what this stage changes",
        scope: Scope::Main,
        footer: true,
    },
    Binding {
        keys: &[Char('s')],
        label: "s",
        action: Action::Skip,
        short: "skip",
        help: "mark the stage in focus skipped and move on",
        scope: Scope::Main,
        footer: false,
    },
    Binding {
        keys: &[Char('r')],
        label: "r",
        action: Action::Rewind,
        short: "rewind",
        help: "rewind the cluster to the state right after the stage in focus",
        scope: Scope::Main,
        footer: false,
    },
    Binding {
        keys: &[Char('D')],
        label: "D",
        action: Action::Teardown,
        short: "teardown",
        help: "delete everything kubetour created (asks; claims only on a second yes)",
        scope: Scope::Main,
        footer: false,
    },
    Binding {
        keys: &[Char('c')],
        label: "c",
        action: Action::Cancel,
        short: "cancel",
        help: "stop the running apply, wait or try-it (what was written stays)",
        scope: Scope::Main,
        footer: false,
    },
    Binding {
        keys: &[Tab],
        label: "tab",
        action: Action::FocusNext,
        short: "panel",
        help: "focus the next panel (stages, lesson, manifest, pods, log); PgUp/PgDn scroll it",
        scope: Scope::Main,
        footer: false,
    },
    Binding {
        keys: &[BackTab, Char('v')],
        label: "v",
        action: Action::NextTab,
        short: "view",
        help: "small screens: show the next tab (lesson, YAML, live, log)",
        scope: Scope::Main,
        footer: false,
    },
    Binding {
        keys: &[Char('j'), Down],
        label: "j/↓",
        action: Action::PodDown,
        short: "pod",
        help: "select the next pod (its log shows below); in the stages panel, the next stage",
        scope: Scope::Main,
        footer: false,
    },
    Binding {
        keys: &[Char('k'), Up],
        label: "k/↑",
        action: Action::PodUp,
        short: "pod",
        help: "select the previous pod; in the stages panel, the previous stage",
        scope: Scope::Main,
        footer: false,
    },
    Binding {
        keys: &[PageUp],
        label: "PgUp",
        action: Action::ScrollUp,
        short: "scroll",
        help: "scroll the focused lesson or log back",
        scope: Scope::Main,
        footer: false,
    },
    Binding {
        keys: &[PageDown],
        label: "PgDn",
        action: Action::ScrollDown,
        short: "scroll",
        help: "scroll the focused lesson or log forward",
        scope: Scope::Main,
        footer: false,
    },
    Binding {
        keys: &[Char('f'), End],
        label: "f",
        action: Action::FollowLog,
        short: "follow",
        help: "follow the end of the selected pod's log again",
        scope: Scope::Main,
        footer: false,
    },
    Binding {
        keys: &[Char('l')],
        label: "l",
        action: Action::Lang,
        short: "en/中文",
        help: "switch the narration between English and Chinese",
        scope: Scope::Main,
        footer: true,
    },
    Binding {
        keys: &[Char('?')],
        label: "?",
        action: Action::Help,
        short: "help",
        help: "show or hide this help",
        scope: Scope::Main,
        footer: true,
    },
    Binding {
        keys: &[Char('q')],
        label: "q",
        action: Action::Quit,
        short: "quit",
        help: "quit (the embedded cluster stops with kubetour)",
        scope: Scope::Main,
        footer: true,
    },
    // Last of the footer's keys: on a narrow screen it is the one left out, never quit.
    Binding {
        keys: &[Char('d')],
        label: "d",
        action: Action::ProbeDelivery,
        short: "delivery",
        help: "send one MQTT message from every EMQX pod to all the others now (the delivery matrix)",
        scope: Scope::Main,
        footer: true,
    },
    Binding {
        keys: &[Char('x')],
        label: "x",
        action: Action::Drill,
        short: "drill",
        help: "break one thing for the learner to find (a drill); x again: its diagnosis and undo",
        scope: Scope::Main,
        footer: false,
    },
    Binding {
        keys: &[Char('?'), Esc, Char('q')],
        label: "?/esc",
        action: Action::Help,
        short: "close help",
        help: "close this help",
        scope: Scope::Help,
        footer: true,
    },
    Binding {
        keys: &[Char('y'), Enter],
        label: "y/⏎",
        action: Action::Yes,
        short: "yes",
        help: "answer yes",
        scope: Scope::Confirm,
        footer: true,
    },
    Binding {
        keys: &[Char('n'), Esc],
        label: "n/esc",
        action: Action::No,
        short: "no",
        help: "answer no",
        scope: Scope::Confirm,
        footer: true,
    },
    Binding {
        keys: &[Enter],
        label: "⏎",
        action: Action::Yes,
        short: "confirm the typed name",
        help: "write, if the name typed is the context's",
        scope: Scope::TypeName,
        footer: true,
    },
    Binding {
        keys: &[Esc],
        label: "esc",
        action: Action::No,
        short: "no, write nothing",
        help: "answer no: nothing is written",
        scope: Scope::TypeName,
        footer: true,
    },
    Binding {
        keys: &[],
        label: "ctrl-c",
        action: Action::Quit,
        short: "quit",
        help: "quit (every other key is part of the name)",
        scope: Scope::TypeName,
        footer: true,
    },
];

/// The action a key asks for in `scope`, if any. Ctrl-C always quits: in raw mode it
/// arrives as a key, and a person pressing it means "get me out".
pub fn action_for(scope: Scope, key: KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(key.code, Char('c')).then_some(Action::Quit);
    }
    KEYS.iter()
        .find(|b| b.scope == scope && b.keys.contains(&key.code))
        .map(|b| b.action)
}

/// The bindings of a scope, in table order.
pub fn bindings(scope: Scope) -> impl Iterator<Item = &'static Binding> {
    KEYS.iter().filter(move |b| b.scope == scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn no_key_means_two_things_in_one_scope() {
        for scope in [Scope::Main, Scope::Help, Scope::Confirm, Scope::TypeName] {
            let mut seen = Vec::new();
            for b in bindings(scope) {
                for k in b.keys {
                    assert!(!seen.contains(k), "{k:?} is bound twice in {scope:?}");
                    seen.push(*k);
                }
            }
        }
    }

    #[test]
    fn the_same_key_means_different_things_in_different_scopes() {
        assert_eq!(
            action_for(Scope::Main, key(Char('n'))),
            Some(Action::NextStage)
        );
        assert_eq!(action_for(Scope::Confirm, key(Char('n'))), Some(Action::No));
        assert_eq!(action_for(Scope::Help, key(Esc)), Some(Action::Help));
    }

    #[test]
    fn ctrl_c_quits_everywhere() {
        let ctrl_c = KeyEvent::new(Char('c'), KeyModifiers::CONTROL);
        for scope in [Scope::Main, Scope::Help, Scope::Confirm, Scope::TypeName] {
            assert_eq!(action_for(scope, ctrl_c), Some(Action::Quit));
        }
    }

    #[test]
    fn while_a_name_is_typed_y_n_and_q_are_letters() {
        for c in ['y', 'n', 'q'] {
            assert_eq!(action_for(Scope::TypeName, key(Char(c))), None);
        }
        assert_eq!(action_for(Scope::TypeName, key(Enter)), Some(Action::Yes));
        assert_eq!(action_for(Scope::TypeName, key(Esc)), Some(Action::No));
    }
}
