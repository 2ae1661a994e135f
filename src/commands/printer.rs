//! What the commands write to stdout: engine events as plain lines (for people and CI
//! logs) or as JSON lines (for tools), for `run` and `teardown`; and text that a closed
//! pipe (`| head`) must not turn into an error.

use std::io::Write;

use crate::cluster::guard::Target;
use crate::engine::events::{EngineEvent, Severity, Sighting};
use crate::track::{Lang, Track};

/// Output style of `run` and `teardown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Json,
}

/// The banner and what this run is about: the track, the EMQX image, the target.
pub fn header(track: &Track, lang: Lang, target: &Target) -> String {
    let cluster = if target.embedded {
        "kubetour's simulated cluster".to_string()
    } else {
        target.describe()
    };
    format!(
        "{}\n{}\n  EMQX {} ({}), namespace {}, on {cluster}\n",
        include_str!("../../assets/banner.txt").trim_end(),
        track.title.get(lang),
        track.profile.version,
        track.profile.image,
        track.namespace,
    )
}

/// Formats one event in the plain style; None for events plain output leaves out.
pub fn plain(event: &EngineEvent) -> Option<String> {
    Some(match event {
        EngineEvent::Preflight { findings } => {
            let mut out = String::from("preflight");
            for f in findings {
                let mark = match f.severity {
                    Severity::Ok => "ok  ",
                    Severity::Warning => "WARN",
                    Severity::Blocking => "STOP",
                };
                out.push_str(&format!("\n  [{mark}] {}: {}", f.subject, f.advice));
            }
            out
        }
        EngineEvent::StageStarted { index, id, title } => {
            format!("\n== stage {index} `{id}`: {title}")
        }
        EngineEvent::StepDone { description, .. } => format!("  - {description}"),
        EngineEvent::Applied {
            kind,
            name,
            changed,
            ..
        } => format!(
            "  applied {kind}/{name}{}",
            if *changed { "" } else { " (unchanged)" }
        ),
        EngineEvent::CheckPassed {
            check,
            observed,
            elapsed,
            ..
        } => format!("  ✓ {check} [{:.1}s] — {observed}", elapsed.as_secs_f64()),
        EngineEvent::CheckFailed {
            check,
            observed,
            diagnoses,
            ..
        } => {
            let mut out = format!("  ✗ {check} — last observed: {observed}");
            // Three claims failing for one reason are one reason.
            let mut told: Vec<&str> = Vec::new();
            for d in diagnoses {
                if !told.contains(&d.explanation.as_str()) {
                    told.push(&d.explanation);
                    out.push_str(&format!("\n    why: {}", d.explanation));
                }
            }
            out
        }
        EngineEvent::StageNotVerified {
            stage, check, why, ..
        } => format!("  ? {check} — not verified: {why}\n  stage `{stage}`: applied, not verified"),
        EngineEvent::Observation {
            id,
            text,
            sighting,
            evidence,
            ..
        } => {
            let (tag, label) = match sighting {
                Sighting::Seen => (String::new(), "seen"),
                Sighting::NotSeen => (", not seen".to_string(), "instead"),
                Sighting::Conditional => (", had it gone wrong".to_string(), "here"),
            };
            if evidence.is_empty() {
                format!("  ({id}{tag}) {text}")
            } else {
                format!("  ({id}{tag}) {text}\n      {label}: {evidence}")
            }
        }
        EngineEvent::Diagnosed { diagnosis, .. } => {
            let mut out = format!(
                "  ! {}: {}\n    {}",
                diagnosis.source, diagnosis.line, diagnosis.explanation
            );
            if let Some(stage) = &diagnosis.fixed_by {
                out.push_str(&format!(" (fixed by stage `{stage}`)"));
            }
            out
        }
        EngineEvent::TryIt {
            title,
            ok,
            observed,
            ..
        } => format!(
            "  try it: {title} — {} {observed}",
            if *ok { "✓" } else { "✗" }
        ),
        EngineEvent::StageDone { id, elapsed } => {
            format!("  stage `{id}` done in {:.1}s", elapsed.as_secs_f64())
        }
        EngineEvent::Deleted { kind, name } => format!("  deleted {kind}/{name}"),
        EngineEvent::Finished {
            ok,
            not_verified,
            failure,
        } => match (ok, failure) {
            (true, _) => "\nall checks passed".to_string(),
            (false, Some(f)) if *not_verified => format!("\nNOT VERIFIED: {f}"),
            (false, Some(f)) => format!("\nFAILED: {f}"),
            (false, None) => "\nFAILED".to_string(),
        },
    })
}

/// A sink that prints each event to stdout in the given style.
pub fn sink(style: Style) -> crate::engine::Sink {
    Box::new(move |event: EngineEvent| {
        let line = match style {
            Style::Plain => plain(&event),
            Style::Json => serde_json::to_string(&event).ok(),
        };
        if let Some(line) = line {
            let mut out = std::io::stdout().lock();
            // A closed stdout (e.g. `| head`) must not crash the run.
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    })
}

/// Writes `text` to stdout.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // `kubetour export | head` closes the pipe early: not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
