//! The container runtime for images that are not EMQX (busybox and friends) when their
//! `command`/`args` are something the container's shell (`sim::shell`) can run:
//! `sh -c '…'`, `echo`, `sleep`, `for … done`, `exit N`. The script runs at start;
//! its output reaches the container log at the simulated moments its `sleep`s put it
//! there, and the process exits with the script's code once its sleeps have passed —
//! the kubelet then applies restartPolicy and sets the phase (Succeeded / Failed).
//!
//! A container without a command, or whose program is not a shell or a builtin (an
//! image's own server, `nginx`, `/coredns`), runs until stopped, as before.

use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;

use super::shells;
use super::world::{CtrKey, World, lock};
use crate::controllers::runtime::{ContainerInfo, ContainerRuntime, Fate};
use crate::resources::Res;
use crate::shell::{Step, is_builtin};

#[derive(Debug)]
pub struct CommandRuntime {
    pub world: Arc<World>,
}

/// `command` + `args`, as the runtime execs them.
fn argv(container: &serde_json::Value) -> Vec<String> {
    ["command", "args"]
        .iter()
        .flat_map(|k| container[*k].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// Whether the shell can run this command line (else the image's own program runs).
fn runnable(argv: &[String]) -> bool {
    let Some(first) = argv.first() else {
        return false;
    };
    let name = first.rsplit('/').next().unwrap_or(first);
    matches!(name, "sh" | "ash" | "bash") || is_builtin(name)
}

/// Output lines at their offsets from the start, the total run time, and the code.
fn timeline(steps: Vec<Step>) -> (Vec<(Duration, String)>, Duration) {
    let mut at = Duration::ZERO;
    let mut lines = Vec::new();
    let mut partial = String::new();
    for step in steps {
        match step {
            Step::Sleep(d) => at += d,
            Step::Out(bytes) | Step::Err(bytes) => {
                partial.push_str(&String::from_utf8_lossy(&bytes));
                while let Some(i) = partial.find('\n') {
                    let line: String = partial.drain(..=i).collect();
                    lines.push((at, line.trim_end_matches('\n').to_string()));
                }
            }
        }
    }
    if !partial.is_empty() {
        lines.push((at, partial));
    }
    (lines, at)
}

impl ContainerRuntime for CommandRuntime {
    fn start(&self, c: &ContainerInfo<'_>) -> Fate {
        let argv = argv(c.container);
        if !runnable(&argv) {
            return Fate::default();
        }
        let world = &self.world;
        let ns = c.pod["metadata"]["namespace"].as_str().unwrap_or("");
        let name = c.pod["metadata"]["name"].as_str().unwrap_or("");
        let key: CtrKey = (ns.to_string(), name.to_string(), c.name().to_string());
        // The pod as it is now (with its IP), not as the kubelet took it.
        let pod = world
            .store
            .get(Res::Pod, ns, name)
            .filter(|p| p["metadata"]["uid"] == c.pod["metadata"]["uid"])
            .unwrap_or_else(|| c.pod.clone());
        let uid = pod["metadata"]["uid"].as_str().unwrap_or("").to_string();
        let (mut shell, mut host) = shells::open(world, &pod, c.name());
        let run = shell.run_argv(&argv, &[], &mut host);
        shells::save(world, &host, &shell);
        let code = run.code;
        let (lines, total) = timeline(run.steps);
        let start = world.now();
        let run_number = {
            let mut containers = lock(&world.containers);
            let entry = World::begin_run(&mut containers, &key, &uid);
            // What is printed before the first sleep is in the log at once.
            for (_, text) in lines.iter().filter(|(at, _)| at.is_zero()) {
                entry.log.append(start, text);
            }
            entry.log.run
        };
        let later: Vec<(Duration, String)> =
            lines.into_iter().filter(|(at, _)| !at.is_zero()).collect();
        if !later.is_empty() {
            let world_task = world.clone();
            let handle = tokio::spawn(async move {
                for (at, text) in later {
                    let when = start
                        .checked_add(SignedDuration::try_from(at).unwrap_or_default())
                        .unwrap_or(start);
                    tokio::time::sleep(world_task.real_until(when)).await;
                    append_if_same_run(&world_task, &key, &uid, run_number, &text);
                }
            });
            world.keep_task(handle.abort_handle());
        }
        Fate {
            exit_after: Some((total, code)),
        }
    }
}

/// Appends to the log unless the container restarted (or the pod went) meanwhile.
fn append_if_same_run(world: &World, key: &CtrKey, uid: &str, run: u32, text: &str) {
    let now = world.now();
    let mut containers = lock(&world.containers);
    if let Some(c) = containers
        .get_mut(key)
        .filter(|c| c.log.uid == uid && c.log.run == run)
    {
        c.log.append(now, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_lines_carry_the_time_their_sleeps_put_them_at() {
        let steps = vec![
            Step::Out(b"a\nb".to_vec()),
            Step::Sleep(Duration::from_secs(2)),
            Step::Out(b"c\n".to_vec()),
        ];
        let (lines, total) = timeline(steps);
        assert_eq!(
            lines,
            vec![
                (Duration::ZERO, "a".to_string()),
                (Duration::from_secs(2), "bc".to_string())
            ]
        );
        assert_eq!(total, Duration::from_secs(2));
    }

    #[test]
    fn only_shells_and_builtins_are_run_by_the_shell() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(runnable(&v(&["sh", "-c", "echo hi"])));
        assert!(runnable(&v(&["/bin/sleep", "10"])));
        assert!(!runnable(&v(&["nginx", "-g", "daemon off;"])));
        assert!(!runnable(&[]));
    }
}
