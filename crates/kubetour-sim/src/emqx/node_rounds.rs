//! A node's discovery rounds (cores: ekka's autocluster loop) and core polls
//! (replicants: `mria_lb`), fed by the k8s strategy's GET or the dns strategy's lookup.

use jiff::{SignedDuration, Timestamp};

use super::{DiscoveryHttp, Node, Phase, add, lb_interval, seed};
use crate::emqx::discovery::{self, DiscoveryError, EndpointsRequest, ErlRef};
use crate::emqx::line::Line;
use crate::emqx::logs;
use crate::emqx::registry::Registry;
use crate::emqx::settings::{DnsSettings, Role};

impl Node {
    /// The GET to perform now, if a round is due. A bad apiserver URL fails the round at
    /// once: it comes back as `Err` with the lines to print (the round is rescheduled).
    pub fn discovery_request(
        &mut self,
        now: Timestamp,
        jitter: SignedDuration,
    ) -> Option<Result<EndpointsRequest, Vec<Line>>> {
        if !self.round_due(now) {
            return None;
        }
        let k8s = self.booted.settings.k8s.as_ref()?;
        match discovery::request(k8s) {
            Ok(req) => Some(Ok(req)),
            Err(e) => Some(Err(self.failed_round(&e, now, jitter))),
        }
    }

    /// A discovery round (core) or core poll (replicant) is due now.
    fn round_due(&self, now: Timestamp) -> bool {
        let phase_ok = match self.role() {
            Role::Core => self.phase == Phase::Running,
            Role::Replicant => matches!(self.phase, Phase::Running | Phase::WaitingForCore),
        };
        phase_ok && self.next_round.is_some_and(|t| now >= t)
    }

    /// The DNS lookup to perform now (ekka's dns strategy), if a round is due: the
    /// integration answers it as cluster DNS would and calls [`Node::dns_result`].
    pub fn dns_request(&self, now: Timestamp) -> Option<DnsSettings> {
        if !self.round_due(now) {
            return None;
        }
        self.booted.settings.dns.clone()
    }

    /// The hosts the lookup from [`Node::dns_request`] returned (IPs for a/aaaa, SRV
    /// targets for srv; empty for NXDOMAIN, which `inet_res:lookup/3` gives as `[]`).
    pub fn dns_result(
        &mut self,
        hosts: &[String],
        registry: &mut Registry,
        now: Timestamp,
        jitter: SignedDuration,
    ) -> Vec<Line> {
        let Some(dns) = self.booted.settings.dns.clone() else {
            return Vec::new();
        };
        let names = crate::emqx::discovery_dns::node_names(self.name(), hosts, dns.record_type);
        self.discovered(&names, registry, now, jitter)
    }

    fn next_poll(&self, now: Timestamp, jitter: SignedDuration) -> Timestamp {
        match self.role() {
            Role::Core => add(add(now, self.timing.retry), jitter),
            Role::Replicant => add(now, lb_interval(jitter)),
        }
    }

    fn failed_round(
        &mut self,
        err: &DiscoveryError,
        now: Timestamp,
        jitter: SignedDuration,
    ) -> Vec<Line> {
        self.rounds += 1;
        self.next_round = Some(self.next_poll(now, jitter));
        let reference = ErlRef::from_seed(seed(self.name(), self.rounds));
        match self.role() {
            Role::Core => logs::discovery_failed(&self.version, err, reference),
            Role::Replicant => logs::core_discovery_failed(&self.version, err, reference),
        }
    }

    /// The answer to the GET from `discovery_request`: runs the round, updates
    /// membership, returns the lines the node prints. `jitter` is the random sleep before
    /// the next round.
    pub fn discovery_result(
        &mut self,
        http: DiscoveryHttp,
        registry: &mut Registry,
        now: Timestamp,
        jitter: SignedDuration,
    ) -> Vec<Line> {
        let Some(k8s) = self.booted.settings.k8s.clone() else {
            return Vec::new();
        };
        let parsed = match http {
            DiscoveryHttp::Response { status, body } => {
                discovery::parse_response(self.version.family(), &k8s, self.name(), status, &body)
            }
            DiscoveryHttp::ConnectFailed(reason) => match discovery::request(&k8s) {
                Ok(req) => Err(DiscoveryError::Connect {
                    host: req.host,
                    port: req.port,
                    reason,
                }),
                Err(e) => Err(e),
            },
        };
        let names = match parsed {
            Ok(names) => names,
            Err(e) => return self.failed_round(&e, now, jitter),
        };
        self.discovered(&names, registry, now, jitter)
    }

    /// A discovery that returned `names`: an autocluster round on a core, an `mria_lb`
    /// poll on a replicant.
    fn discovered(
        &mut self,
        names: &[String],
        registry: &mut Registry,
        now: Timestamp,
        jitter: SignedDuration,
    ) -> Vec<Line> {
        self.rounds += 1;
        let name = self.name().to_string();
        if self.role() == Role::Replicant {
            self.next_round = Some(self.next_poll(now, jitter));
            let attached = registry.replicant_poll(&name, names);
            if attached && self.phase == Phase::WaitingForCore {
                // mria's meta shard is up: the boot goes on to the apps and listeners.
                self.phase = Phase::Starting {
                    running_at: add(now, self.timing.boot),
                };
            }
            return Vec::new();
        }
        let round = registry.discovery_round(&name, names);
        let mut lines = Vec::new();
        if round.joined.is_some() {
            lines.extend(logs::join_stop(&self.version));
            self.phase = Phase::Restarting {
                until: add(now, self.timing.join_restart),
            };
        }
        if !round.unreachable.is_empty() {
            lines.extend(logs::outside_cluster(&self.version, &round.unreachable));
        }
        self.next_round = if round.complete {
            None
        } else {
            Some(self.next_poll(now, jitter))
        };
        lines
    }
}
