//! `kubetour run` as a user runs it: the binary, on its embedded simulated cluster,
//! through every stage of the EMQX track for both profiles. Each run must exit 0 and
//! its stage-by-stage output must show every observation of the stages it ran as seen
//! (O19, the lesson about a missing StorageClass, as what would have happened; O20 is
//! teardown's).

use std::sync::{Arc, Mutex};

use crate::support::{output, said};

/// The stages in order, with the observations each reports as seen (SPEC.md's O-numbers).
const STAGES: [(&str, &[&str]); 10] = [
    ("preflight", &[]),
    ("pod", &["O1", "O2", "O3"]),
    ("deployment", &["O4", "O5"]),
    ("service", &["O6", "O7"]),
    ("scale", &["O8"]),
    ("autocluster", &["O9"]),
    ("rbac", &["O10", "O11"]),
    ("configmap", &["O12", "O13"]),
    ("statefulset", &["O14", "O15", "O16"]),
    ("persistence", &["O17", "O18", "O21"]),
];

fn run_through(profile: &str, stage: &str) -> (bool, String) {
    let out = output(&[
        "run",
        "--speed",
        "50",
        "--emqx",
        profile,
        "--through",
        stage,
    ]);
    (out.status.success(), said(&out))
}

fn check(profile: &str, through: usize) -> Result<(), String> {
    let (stage, _) = STAGES[through];
    let (ok, text) = run_through(profile, stage);
    if !ok {
        return Err(format!(
            "--emqx {profile} --through {stage} failed:\n{text}"
        ));
    }
    for (id, observations) in &STAGES[..=through] {
        if !text.contains(&format!(
            "== stage {}",
            STAGES.iter().position(|(s, _)| s == id).unwrap_or(0)
        )) {
            return Err(format!("--through {stage}: stage {id} missing:\n{text}"));
        }
        for o in *observations {
            if !text.contains(&format!("({o})")) {
                return Err(format!(
                    "--emqx {profile} --through {stage}: {o} not shown:\n{text}"
                ));
            }
        }
    }
    if text.contains(", not seen)") {
        return Err(format!("--through {stage}: a lesson was not seen:\n{text}"));
    }
    if stage == "persistence" && !text.contains("(O19, had it gone wrong)") {
        return Err(format!(
            "--through {stage}: O19 not told as a conditional:\n{text}"
        ));
    }
    if !text.contains("all checks passed") {
        return Err(format!("--through {stage}: no final line:\n{text}"));
    }
    Ok(())
}

/// Runs every (profile, stage) pair, a few at a time (each run mostly waits on its
/// simulated cluster), and reports every failure together.
#[test]
fn run_passes_through_every_stage_for_both_profiles_and_shows_every_observation() {
    let jobs: Vec<(&str, usize)> = ["5", "4"]
        .iter()
        .flat_map(|p| (0..STAGES.len()).rev().map(move |i| (*p, i)))
        .collect();
    let jobs = Arc::new(Mutex::new(jobs));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let jobs = jobs.clone();
            let failures = failures.clone();
            std::thread::spawn(move || {
                loop {
                    let Some((profile, through)) = jobs.lock().unwrap().pop() else {
                        break;
                    };
                    if let Err(e) = check(profile, through) {
                        failures.lock().unwrap().push(e);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let failures = failures.lock().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
