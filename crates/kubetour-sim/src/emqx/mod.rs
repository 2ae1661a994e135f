//! The EMQX model: how an `emqx/emqx:<version>` container behaves, as pure functions and
//! state machines (no I/O, no HTTP server, no store access, no clock reads). The facts
//! come from ../shared/EMQX.md; each printed string is tested against it.
//!
//! # How the integration uses it
//!
//! One [`registry::Registry`] per simulated Kubernetes cluster (all EMQX nodes, their
//! membership) and one [`tokens::TokenStore`] per EMQX cluster or node (dashboard logins).
//!
//! **Kubelet, container start** (image `emqx/emqx:*`):
//! 1. [`version::parse_image`]`(image)` → `Some(Version)` (else not EMQX: run it
//!    generically).
//! 2. Compute the effective env (env + envFrom ConfigMaps, read now and never again) as
//!    a [`settings::Env`], and the pod facts [`nodename::PodFacts::new`]`(hostname, pod_ip,
//!    fqdn)` where `fqdn` is `<hostname>.<subdomain>.<ns>.svc.cluster.local` when the pod
//!    has both `spec.hostname` and `spec.subdomain`.
//! 3. [`boot::boot`]`(&version, &env, &pod)`:
//!    - `Err(BootFailure { lines, exit_code })`: append `line::render_burst(&lines, now,
//!      ~48µs)` to the container log and terminate the container with `exit_code`
//!      (restarts → CrashLoopBackOff). An empty `lines` is the silent hostname-branch exit.
//!    - `Ok(booted)`: [`node::Node::start`]`(version, booted, persistent, &mut registry,
//!      now, Timing::default())` → `(node, lines)`; log the lines (each `Line` knows its
//!      stream and whether it carries `<time> [level]`: render with `Line::render(now)`).
//!      `persistent` = a volume is mounted at /opt/emqx/data.
//! 4. Wake the node at [`node::Node::next_wakeup`] (and on every membership change is
//!    harmless): call `node.poll(&mut registry, now, jitter)` and log what it returns;
//!    then `node.discovery_request(now, jitter)`:
//!    - `Some(Ok(req))`: GET `req.path` on the simulated API server (`req.host`/`req.port`
//!      name it: resolve `kubernetes.default.svc` etc. as cluster DNS would) with the pod's
//!      service-account token; answer ekka with compact JSON + `\n` (ekka's httpc sends no
//!      curl-like User-Agent, so no pretty-printing). Feed the outcome back with
//!      `node.discovery_result(DiscoveryHttp::Response { status, body } |
//!      DiscoveryHttp::ConnectFailed(reason), &mut registry, now, jitter)` and log the
//!      lines.
//!      If the pod has no token mounted, log [`logs::token_unreadable`] first and send
//!      an empty bearer (`Authorization: Bearer `), as ekka does.
//!    - `Some(Err(lines))`: the apiserver setting is not a URL; log the lines.
//!
//!    Then `node.dns_request(now)` (dns strategy): `Some(dns)` → look `dns.name` up as
//!    cluster DNS answers it (`workloads::dns::lookup`, `dns.record_type`) and feed the
//!    hosts to `node.dns_result(&hosts, &mut registry, now, jitter)`. A replicant asks
//!    the same way (k8s or dns) every 1–2 s, also before its boot finished. When
//!    `node.exit_code()` is `Some`, the VM stopped by itself (5.9+ licence): end the
//!    container with that code (the kubelet polls `ContainerRuntime::exited`).
//!
//!    `jitter` stands for ekka's `rand:uniform(3000)` ms: pass a random 0..=3 s. One GET
//!    per round: 5.x's second (core-node) discovery would get the same answer, so its
//!    second error line is printed from the first answer.
//! 5. Container stops (pod deleted, killed): `node.stop(&mut registry, now)`. Call
//!    `registry.autoclean(now)` now and then (stopped members vanish after 5 min on 4.x,
//!    24 h on 5.x).
//!
//! **Readiness probe / proxy** (`services/<svc>:<port>/proxy/…`, `pods/<pod>:<port>/proxy/…`):
//! `node.http(port, &HttpRequest { method, path, query, authorization, body }, &registry,
//! &mut tokens, &api_keys, now)` → [`http::HttpAnswer::ConnectionRefused`] (probe fails,
//! proxy answers 503 "connection refused" as the API server does) or a response with
//! status, lowercase headers and body. 4.x probes hit 8081, 5.x 18083.
//!
//! **Exec** (`kubectl exec … -- emqx ctl cluster status`): `node.exec(&argv, &mut
//! registry, now)` → `(`[`ctl::ExecOutput`]` { stdout, stderr, exit_code }, lines)`; log
//! the lines (a manual `cluster join` restarts the node's apps). A container that is not
//! running has no node: the API server refuses the exec as it does for any stopped
//! container.
//!
//! **Logs**: the integration stores the rendered lines with their stream; `kubectl logs`
//! shows stdout and stderr interleaved in the order written.
//!
//! # Modules
//! - `version`: image → version and rule family (4.x / 5.x, httpc vs hackney, licence).
//! - `settings`, `settings_v4`, `settings_v5`: env → config, or the boot failure output.
//! - `nodename`: the entrypoint's node name, `/etc/hosts`, name check, dist port.
//! - `boot`: the boot steps in order.
//! - `discovery`: ekka's k8s strategy (request, Endpoints parsing, names, error terms).
//! - `discovery_dns`: ekka's dns strategy (names from A/AAAA/SRV answers).
//! - `registry`: cluster membership across nodes (join, merge, stopped, autoclean,
//!   replicants attaching to cores).
//! - `node`: one node over time (phases, discovery rounds, exec/HTTP views).
//! - `logs`, `line`: the printed lines and their timestamps.
//! - `ctl`: `emqx ctl` / `emqx_ctl` and a minimal shell.
//! - `http`, `http_v4`, `http_v5`, `tokens`: EMQX's HTTP answers.
//! - `mqtt_listing`: `clients|subscriptions|topics (routes) list` and the HTTP client,
//!   subscription and topic lists, printed from the broker's rows (`crate::mqtt`);
//!   `workloads::World` answers those commands and paths with them.
//! - `erl`, `pretty`: Erlang `~p` printing and the `io_lib_pretty` layout.
//!
//! Shares no code with the wizard's own EMQX parsing (DESIGN.md: one formatter on both
//! sides would hide its own mistakes).
pub mod boot;
pub mod ctl;
pub mod discovery;
pub mod discovery_dns;
pub mod erl;
pub mod http;
pub mod http_v4;
pub mod http_v5;
pub mod line;
pub mod logs;
pub mod mqtt_listing;
pub mod node;
pub mod nodename;
pub mod pretty;
pub mod registry;
pub mod settings;
pub mod settings_v4;
pub mod settings_v5;
pub mod tokens;
pub mod version;
