//! `kubetour drill list` and `kubetour drill NAME`: one cause of "no cluster" put into
//! the running state on purpose (`engine::drill`), "something is wrong — find it" with a
//! timer while the learner investigates with kubectl in another terminal, the diagnosis
//! when asked (Enter), when the cause is named with `--reveal`, when the learner fixed it,
//! or at the timeout; then the undo, and the wait until the pods are one cluster again.
//!
//! On the embedded simulated cluster (no target named) the track is first run through
//! `rbac`, so there is a cluster to break. On any other cluster it works on the current
//! state, after the same write guard as `run` (--yes).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use super::load::load;
use super::runtime::runtime;
use super::status::{Snapshot, take};
use super::target::{guard, open};
use crate::cli::DrillArgs;
use crate::engine::drill::{self, DRILLS, Drill};
use crate::engine::{Engine, RunOptions};
use crate::track::{Lang, Track};

/// `kubetour drill`.
pub fn drill(args: &DrillArgs) -> anyhow::Result<ExitCode> {
    if args.name == "list" {
        print!("{}", list());
        return Ok(ExitCode::SUCCESS);
    }
    let chosen = drill::find(&args.name).map_err(|e| anyhow::anyhow!(e))?;
    let track = load(
        &args.track,
        args.emqx.as_deref(),
        args.namespace.as_deref(),
        None,
    )?;
    runtime()?.block_on(async {
        let opened = open(&args.target, &track.namespace).await?;
        guard(&opened, &args.target)?;
        let client = opened.connection.client.clone();
        if let Some(kubeconfig) = opened.embedded_kubeconfig() {
            prepare(&client, &track, args.target.speed).await?;
            println!(
                "kubectl in another terminal: export KUBECONFIG={}",
                kubeconfig.display()
            );
        }
        run_drill(&client, &track, chosen, args).await
    })
}

/// The drills, one line each.
pub fn list() -> String {
    let mut out = String::new();
    for d in DRILLS {
        out.push_str(&format!("{:<14} {:<4} {}\n", d.name, d.pitfall, d.breaks));
    }
    out
}

/// A fresh simulated cluster has nothing to break: the track through `rbac` first.
async fn prepare(client: &kube::Client, track: &Track, speed: f64) -> anyhow::Result<()> {
    let through = track.stage("rbac").map(|s| s.id.clone());
    println!(
        "building the cluster to break (the track through `{}`) …",
        through.as_deref().unwrap_or("its last stage")
    );
    let mut engine = Engine::new(client.clone(), track.clone(), Lang::En, Box::new(|_| {}))
        .with_time_scale(speed);
    let options = RunOptions {
        try_it: false,
        lang: Lang::En,
    };
    engine
        .run(through.as_deref(), &options)
        .await
        .map_err(|e| anyhow::anyhow!("the cluster to break did not come up: {e}"))
}

/// Why the drill ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Asked,
    Revealed,
    Fixed,
    TimedOut,
}

async fn run_drill(
    client: &kube::Client,
    track: &Track,
    chosen: &Drill,
    args: &DrillArgs,
) -> anyhow::Result<ExitCode> {
    let before = take(client, track).await?;
    let pods = before.pods.len();
    let undo = drill::apply(client, &track.namespace, chosen).await?;
    let started = Instant::now();
    println!(
        "\nSomething is wrong with the EMQX cluster in namespace {} — find it.\n\
         Investigate with kubectl in another terminal; press Enter for the diagnosis.",
        track.namespace
    );
    let mut asked = enter_pressed();
    let named = format!("{}: ", chosen.pitfall);
    let mut seen_broken = false;
    let (end, last) = loop {
        let snap = take(client, track).await?;
        let is_named = names(&snap, &named);
        seen_broken |= is_named;
        let whole = snap.pods.len() == pods && snap.membership == before.membership;
        let end = if args.reveal && is_named {
            Some(End::Revealed)
        } else if seen_broken && whole && !is_named {
            Some(End::Fixed)
        } else if asked.try_recv().is_ok() {
            Some(End::Asked)
        } else if started.elapsed() > Duration::from_secs(args.timeout) {
            Some(End::TimedOut)
        } else {
            None
        };
        if let Some(end) = end {
            break (end, snap);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    let took = started.elapsed().as_secs();
    println!(
        "\n{} after {}m{:02}s.",
        match end {
            End::Asked => "Diagnosis asked for",
            End::Revealed => "Named",
            End::Fixed => "Fixed",
            End::TimedOut => "Time is up",
        },
        took / 60,
        took % 60
    );
    println!("{}", diagnosis_text(&last, &named, chosen));
    drill::undo(client, &track.namespace, &undo).await?;
    println!(
        "Undoing the drill (the env of {} {} as it was) …",
        undo.kind, undo.name
    );
    let back = Instant::now();
    loop {
        let snap = take(client, track).await?;
        if snap.pods.len() == pods && snap.membership == before.membership && !names(&snap, &named)
        {
            println!(
                "Back to {} in {}s.",
                snap.membership,
                back.elapsed().as_secs()
            );
            return Ok(ExitCode::SUCCESS);
        }
        if back.elapsed() > Duration::from_secs(args.timeout) {
            anyhow::bail!(
                "the drill was undone but the cluster is not back after {}s: {}",
                args.timeout,
                snap.membership
            );
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

fn names(snap: &Snapshot, prefix: &str) -> bool {
    snap.diagnoses
        .iter()
        .any(|d| d.explanation.starts_with(prefix))
}

/// The drill's cause as the table names it, or what was seen when it was not named.
fn diagnosis_text(snap: &Snapshot, prefix: &str, chosen: &Drill) -> String {
    let mut out = format!("The drill {} {}.\n", chosen.name, chosen.breaks);
    let mine: Vec<_> = snap
        .diagnoses
        .iter()
        .filter(|d| d.explanation.starts_with(prefix))
        .collect();
    if mine.is_empty() {
        out.push_str(&format!(
            "kubetour has not named {} (yet): EMQX says {}.\n",
            chosen.pitfall, snap.membership
        ));
    }
    for d in mine {
        out.push_str(&format!("  seen: {}\n  {}\n", d.line, d.explanation));
    }
    out
}

/// A channel that receives once per line typed on stdin (nothing when stdin is closed).
fn enter_pressed() -> tokio::sync::mpsc::UnboundedReceiver<()> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {
            if tx.send(()).is_err() {
                break;
            }
            line.clear();
        }
    });
    rx
}
