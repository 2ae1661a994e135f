//! One EMQX node over time: a deterministic state machine the integration drives with
//! the simulated time (no clock reads, no I/O, randomness passed in).
//!
//! Phases: `Starting` (VM up, listeners not yet) → `Running`; with persistent data it may
//! first sit in `WaitingForTables`; a join puts it in `Restarting` for a moment. While
//! running with k8s or dns discovery, a core asks for a discovery round every 5 s (+ 0–3 s
//! jitter) until the round succeeds by its version's rule.
//!
//! A replicant (`node.role = replicant`) boots only as far as mria, which waits for a
//! core (`WaitingForCore`: nothing printed at the default level, no listeners). Its
//! `mria_lb` polls the same discovery every 1–2 s; once a running core is found the boot
//! goes on (`Starting` → `Running`), and polling continues to re-home it if its cores go.
//!
//! 5.9+ without a licence: whenever the `emqx_license` application (re)starts with more
//! than one running node in the cluster, it fails and the VM stops (`Crashed`; the
//! integration ends the container with exit code 1).

use jiff::{SignedDuration, Timestamp};

use super::boot::Booted;
use super::ctl::{self, CtlState, CtlView, ExecOutput};
use super::discovery::ConnectFailure;
use super::http::{self, HttpAnswer, HttpRequest, HttpState, HttpView, Member};
use super::line::Line;
use super::logs;
use super::registry::{NodeSpec, Registry, StartOutcome};
use super::settings::Role;
use super::tokens::TokenStore;
use super::version::Version;

/// Delays of the model (EMQX.md §7.2: 2–4 s to `is running now!`; rounds 5 s apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub boot: SignedDuration,
    pub join_restart: SignedDuration,
    pub retry: SignedDuration,
    pub table_wait_log: SignedDuration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            boot: SignedDuration::from_secs(3),
            join_restart: SignedDuration::from_secs(1),
            retry: SignedDuration::from_secs(5),
            table_wait_log: SignedDuration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Starting {
        running_at: Timestamp,
    },
    WaitingForTables {
        next_log: Timestamp,
    },
    Running,
    /// Applications stopped for a join; back at `until`.
    Restarting {
        until: Timestamp,
    },
    /// A replicant whose mria waits for a core before the apps start.
    WaitingForCore,
    /// The VM stopped by itself (5.9+ licence): the container exits with this code.
    Crashed {
        exit_code: i32,
    },
}

/// What the GET of the Endpoints gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoveryHttp {
    Response { status: u16, body: Vec<u8> },
    ConnectFailed(ConnectFailure),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub version: Version,
    pub booted: Booted,
    pub phase: Phase,
    timing: Timing,
    /// When the next discovery round is due; None when autocluster is off or done.
    next_round: Option<Timestamp>,
    rounds: u64,
    /// The node's own licence allows clustering (always before 5.9).
    may_cluster: bool,
}

/// `mria_lb`'s poll interval: `rlog_lb_update_interval` (1000 ms) plus up to as much
/// again at random. `jitter` (0–3 s) is scaled into that second.
fn lb_interval(jitter: SignedDuration) -> SignedDuration {
    SignedDuration::from_secs(1) + jitter / 3
}

fn add(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(t)
}

/// FNV-1a: a stable seed for the `#Ref<…>` of a round.
fn seed(name: &str, round: u64) -> u64 {
    name.bytes()
        .chain(round.to_be_bytes())
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
}

impl Node {
    /// The VM started (after a successful `boot::boot`). Returns the node and the lines
    /// printed so far.
    pub fn start(
        version: Version,
        booted: Booted,
        persistent: bool,
        registry: &mut Registry,
        now: Timestamp,
        timing: Timing,
    ) -> (Node, Vec<Line>) {
        let settings = &booted.settings;
        let may_cluster = own_licence_allows_clustering(&version, &booted);
        let spec = NodeSpec {
            cookie: settings.cookie.clone(),
            family: version.family(),
            may_cluster,
            persistent,
            autoclean: settings.autoclean,
            role: settings.role,
        };
        let replicant = settings.role == Role::Replicant;
        let phase = match registry.node_started(&booted.node_name, spec, now) {
            _ if replicant => Phase::WaitingForCore,
            StartOutcome::Ready => Phase::Starting {
                running_at: add(now, timing.boot),
            },
            StartOutcome::WaitForTables => Phase::WaitingForTables {
                next_log: add(now, timing.table_wait_log),
            },
        };
        let lines = booted.start_lines.clone();
        let node = Node {
            version,
            booted,
            phase,
            timing,
            // mria_lb polls from its start.
            next_round: replicant.then_some(now),
            rounds: 0,
            may_cluster,
        };
        (node, lines)
    }

    /// The node as it was running before the simulated API server restarted (a real
    /// apiserver restart leaves pods alone): already running, membership as the restored
    /// registry holds it. With autocluster on, its loop goes on with one round now,
    /// which finds the cluster formed and stops, or joins as it would have.
    pub fn resumed(version: Version, booted: Booted, now: Timestamp, timing: Timing) -> Node {
        let next_round = booted.discovers().then_some(now);
        let may_cluster = own_licence_allows_clustering(&version, &booted);
        Node {
            version,
            booted,
            phase: Phase::Running,
            timing,
            next_round,
            rounds: 0,
            may_cluster,
        }
    }

    pub fn role(&self) -> Role {
        self.booted.settings.role
    }

    /// The exit code once the VM stopped by itself.
    pub fn exit_code(&self) -> Option<i32> {
        match self.phase {
            Phase::Crashed { exit_code } => Some(exit_code),
            _ => None,
        }
    }

    /// The apps (re)start: on 5.9+ without a licence, `emqx_license` refuses when the
    /// cluster has other running nodes, and the VM goes down.
    fn licence_violated(&self, registry: &Registry) -> bool {
        !self.may_cluster && registry.running_peers(self.name()) > 0
    }

    fn crash(&mut self, registry: &mut Registry, now: Timestamp) -> Vec<Line> {
        self.phase = Phase::Crashed { exit_code: 1 };
        self.next_round = None;
        registry.node_stopped(self.name(), now);
        logs::licence_crash()
    }

    pub fn name(&self) -> &str {
        &self.booted.node_name
    }

    /// The next moment `poll` or a discovery round has something to do.
    pub fn next_wakeup(&self) -> Option<Timestamp> {
        let phase_at = match self.phase {
            Phase::Starting { running_at } => Some(running_at),
            Phase::WaitingForTables { next_log } => Some(next_log),
            Phase::Restarting { until } => Some(until),
            Phase::Running | Phase::WaitingForCore | Phase::Crashed { .. } => None,
        };
        [phase_at, self.next_round].into_iter().flatten().min()
    }

    /// Advances phases up to `now`. `jitter` is ekka's `rand:uniform(3000)` sleep before
    /// the first round (pass 0..=3 s).
    pub fn poll(
        &mut self,
        registry: &mut Registry,
        now: Timestamp,
        jitter: SignedDuration,
    ) -> Vec<Line> {
        let mut lines = Vec::new();
        match self.phase {
            Phase::Starting { running_at } if now >= running_at => {
                if self.licence_violated(registry) {
                    return self.crash(registry, now);
                }
                self.phase = Phase::Running;
                lines.extend(logs::boot_finish(&self.version));
                if self.booted.discovers() && self.role() == Role::Core {
                    self.next_round = Some(add(now, jitter));
                }
            }
            Phase::WaitingForTables { next_log } => {
                if registry.retry_tables(self.name()) {
                    self.phase = Phase::Starting {
                        running_at: add(now, self.timing.boot),
                    };
                } else if now >= next_log {
                    let family = self.version.family();
                    lines.push(logs::waiting_for_tables(
                        family,
                        &logs::default_waited_tables(family),
                    ));
                    self.phase = Phase::WaitingForTables {
                        next_log: add(next_log, self.timing.table_wait_log),
                    };
                }
            }
            Phase::Restarting { until } if now >= until => {
                if self.licence_violated(registry) {
                    return self.crash(registry, now);
                }
                self.phase = Phase::Running;
                lines.extend(logs::join_start(&self.version, &self.booted.node_name));
            }
            Phase::Starting { .. }
            | Phase::Running
            | Phase::Restarting { .. }
            | Phase::WaitingForCore
            | Phase::Crashed { .. } => {}
        }
        lines
    }

    /// The container is gone (deleted, killed): the registry marks the node stopped.
    pub fn stop(&self, registry: &mut Registry, now: Timestamp) {
        registry.node_stopped(self.name(), now);
    }

    pub fn ctl_state(&self) -> CtlState {
        match self.phase {
            Phase::Starting { .. } | Phase::WaitingForTables { .. } | Phase::WaitingForCore => {
                CtlState::Starting
            }
            Phase::Running | Phase::Restarting { .. } => CtlState::Started,
            Phase::Crashed { .. } => CtlState::NotRunning,
        }
    }

    pub fn http_state(&self) -> HttpState {
        match self.phase {
            Phase::Running => HttpState::Running,
            Phase::Starting { .. }
            | Phase::WaitingForTables { .. }
            | Phase::Restarting { .. }
            | Phase::WaitingForCore
            | Phase::Crashed { .. } => HttpState::Down,
        }
    }

    /// `kubectl exec` in this node's container. Returns the command's output and the
    /// lines the node logs because of it (a manual join restarts its applications).
    pub fn exec(
        &mut self,
        argv: &[String],
        registry: &mut Registry,
        now: Timestamp,
    ) -> (ExecOutput, Vec<Line>) {
        let (running, stopped) = registry.view(self.name());
        let name = self.booted.node_name.clone();
        let version = self.version.clone();
        let state = self.ctl_state();
        let view = CtlView {
            version: &version,
            node_name: &name,
            state,
            running_nodes: &running,
            stopped_nodes: &stopped,
        };
        let mut membership = NodeMembership {
            registry,
            name: &name,
            next_round: &mut self.next_round,
            joined: false,
        };
        let output = ctl::exec(argv, &view, &mut membership);
        let mut lines = Vec::new();
        if membership.joined {
            lines.extend(logs::join_stop(&self.version));
            self.phase = Phase::Restarting {
                until: add(now, self.timing.join_restart),
            };
        }
        (output, lines)
    }

    /// An HTTP request to `port` of this pod (proxy or probe).
    pub fn http(
        &self,
        port: u16,
        req: &HttpRequest<'_>,
        registry: &Registry,
        tokens: &mut TokenStore,
        api_keys: &[(String, String)],
        now: Timestamp,
    ) -> HttpAnswer {
        let (running, stopped) = registry.view(self.name());
        let members: Vec<Member> = running
            .iter()
            .map(|n| Member {
                name: n.clone(),
                running: true,
                up_since: registry.started_at(n),
                role: registry.role(n).unwrap_or(Role::Core),
            })
            .chain(stopped.iter().map(|n| Member {
                name: n.clone(),
                running: false,
                up_since: None,
                role: Role::Core,
            }))
            .collect();
        let view = HttpView {
            version: &self.version,
            node_name: self.name(),
            state: self.http_state(),
            settings: &self.booted.settings,
            members: &members,
            api_keys,
            now,
        };
        http::handle(port, req, &view, tokens)
    }
}

/// `cluster join/leave` from `emqx ctl`, applied to the registry.
struct NodeMembership<'a> {
    registry: &'a mut Registry,
    name: &'a str,
    next_round: &'a mut Option<Timestamp>,
    joined: bool,
}

impl ctl::Membership for NodeMembership<'_> {
    fn join(&mut self, target: &str) -> Result<bool, String> {
        let joined = self.registry.manual_join(self.name, target)?;
        self.joined |= joined;
        Ok(joined)
    }

    fn leave(&mut self) -> Result<(), String> {
        self.registry.leave(self.name)
    }

    fn disable_autocluster(&mut self) -> bool {
        self.next_round.take().is_some()
    }

    fn view(&self) -> (Vec<String>, Vec<String>) {
        self.registry.view(self.name)
    }
}

/// 5.9+: the default licence is single-node; a `license.key` lifts that. Before 5.9
/// every node may cluster.
fn own_licence_allows_clustering(version: &Version, booted: &Booted) -> bool {
    !version.needs_licence_to_cluster()
        || booted
            .settings
            .licence_key
            .as_deref()
            .is_some_and(|k| !k.is_empty() && k != "default")
}

#[path = "node_rounds.rs"]
mod rounds;

#[cfg(test)]
#[path = "node_tests.rs"]
mod tests;
