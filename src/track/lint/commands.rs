//! Rules about the kubectl commands a track shows its learners.

use super::input::{CommandLine, LintSet};
use super::{Finding, Rule};
use crate::track::locate::Locator;
use crate::track::model::Track;

pub const KUBECTL_GENERATOR: Rule = Rule {
    id: "kubectl-generator",
    pitfall: Some("P1"),
    check: kubectl_generator,
};

fn kubectl_generator(set: &LintSet) -> Vec<Finding> {
    set.commands
        .iter()
        .filter(|c| c.text.contains("kubectl") && c.text.contains("--generator"))
        .map(|c| Finding {
            file: c.file.clone(),
            line: c.line,
            rule: KUBECTL_GENERATOR.id,
            pitfall: KUBECTL_GENERATOR.pitfall,
            message: format!("`{}` uses --generator, which kubectl removed (1.21): it fails with \"unknown flag: --generator\"", c.text),
            fix: "Drop the flag: `kubectl run NAME --image=IMAGE` creates a Pod".into(),
        })
        .collect()
}

/// Every command (stage commands and try-it commands) of a track, with its line.
pub fn from_track(track: &Track) -> Vec<CommandLine> {
    let mut out = Vec::new();
    for stage in &track.stages {
        let text = std::fs::read_to_string(&stage.file).unwrap_or_default();
        let loc = Locator::new(&stage.file, &text, 1);
        let commands = stage
            .commands
            .iter()
            .chain(stage.try_it.iter().map(|t| &t.command));
        for command in commands {
            // The rendered command may differ from the written one (variables): find the
            // line by its most distinctive word that survived templating.
            let mut tokens: Vec<&str> = command.split_whitespace().collect();
            tokens.sort_by_key(|t| std::cmp::Reverse(t.len()));
            let line = loc
                .find(command)
                .or_else(|| tokens.iter().find_map(|t| loc.find(t)))
                .unwrap_or(1);
            out.push(CommandLine {
                file: stage.file.clone(),
                line,
                text: command.clone(),
            });
        }
    }
    out
}
