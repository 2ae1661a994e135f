//! Matching what the cluster says (pod logs, events) against the track's hints.

use std::collections::BTreeSet;

use super::events::Diagnosis;
use super::evidence::Evidence;
use crate::track::{Hint, HintSource, Lang};
use crate::view::ClusterView;
use crate::view::objects::about_live_object;

/// Every hint that matches a current log line or event, once per (hint, source).
pub fn diagnose(
    hints: &[Hint],
    view: &ClusterView,
    evidence: &Evidence,
    pods: &[String],
    lang: Lang,
) -> Vec<Diagnosis> {
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, hint) in hints.iter().enumerate() {
        match hint.source {
            HintSource::Logs => {
                for pod in pods {
                    let Some(log) = evidence.pods.get(pod).and_then(|e| e.log.as_ref()) else {
                        continue;
                    };
                    if let Some(line) = log.lines().find(|l| hint.pattern.0.is_match(l))
                        && seen.insert((i, pod.clone()))
                    {
                        found.push(diagnosis(hint, pod, line, lang));
                    }
                }
            }
            HintSource::Events => {
                // Only events about the objects that exist now: a deleted claim's
                // `FailedBinding` says nothing about its namesake that bound at once.
                for event in view.events.iter().filter(|e| about_live_object(view, e)) {
                    let message = event.message.as_deref().unwrap_or_default();
                    let reason = event.reason.as_deref().unwrap_or_default();
                    let text = format!("{reason}: {message}");
                    let source = event.involved_object.name.clone().unwrap_or_default();
                    if hint.pattern.0.is_match(&text) && seen.insert((i, source.clone())) {
                        found.push(diagnosis(hint, &source, &text, lang));
                    }
                }
            }
        }
    }
    found
}

fn diagnosis(hint: &Hint, source: &str, line: &str, lang: Lang) -> Diagnosis {
    Diagnosis {
        source: source.to_string(),
        line: shorten(line, 400),
        explanation: hint.explanation.get(lang).trim().to_string(),
        fixed_by: hint.fixed_by.clone(),
    }
}

/// The line cut to `max` characters, with `…` where it was cut.
pub(super) fn shorten(line: &str, max: usize) -> String {
    if line.chars().count() <= max {
        line.to_string()
    } else {
        let cut: String = line.chars().take(max).collect();
        format!("{cut}…")
    }
}
