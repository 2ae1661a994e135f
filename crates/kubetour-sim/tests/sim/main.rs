//! The simulated cluster's tests: one binary (`cargo test -p kubetour-sim --test sim`),
//! one support module (`support`). Where each behaviour's tests are:
//!
//! The API server through kube-rs, in-process (paused time where it says so):
//! - `api_contract`: create/get/list/patch/delete as the wizard calls them.
//! - `api_apply`: server-side apply (managed fields, conflicts, dropped fields) and the
//!   other patch types kubectl uses.
//! - `api_watch`: raw watches, the runtime watcher, streaming lists, metadata watches.
//! - `api_workloads`: deleting workloads and their pods with the controllers running;
//!   pvc-protection keeps a claim a pod mounts until the pod is gone.
//! - `api_http`: HTTP level: auth, discovery, watch streaming, Table output, Statuses,
//!   HTTPS with a generated kubeconfig.
//! - `api_fidelity`: answers compared with a real kube-apiserver's (tests/fixtures/real).
//!
//! Fidelity to a real kube-apiserver 1.32 (issue 12):
//! - `fidelity_discovery`: groups, subresources, verbs, kinds, short names, categories.
//! - `fidelity_key_order`: JSON written byte for byte in the real server's key order.
//! - `fidelity_kube`: field selectors on defaults, metadata-only answers, leases,
//!   APIServices, events.k8s.io (kube-rs).
//! - `fidelity_subresources`: Jobs, pods/eviction, serviceaccounts/token, ephemeral
//!   containers (kube-rs).
//! - `fidelity_kubectl`: the same through kubectl (drain, create token, debug, ...).
//!
//! The controllers, against the store on paused time:
//! - `controllers_deployments`: Deployments, ReplicaSets, scheduler, kubelet, GC.
//! - `controllers_statefulsets`: StatefulSets, claims and volumes.
//! - `controllers_endpoints`: Endpoints for Services, namespace deletion.
//! - `controllers_kubelet`: crash loops with back-off, graceful deletion, rolling bounds.
//!
//! EMQX in the simulated pods:
//! - `emqx_invalid_settings`: each invalid setting of issue 4 through the boot model
//!   (lines printed, exit code, or the silent non-cluster).
//! - `emqx_crashloop`: the same on the cluster: CrashLoopBackOff and the logs (P3, P4, P5).
//! - `emqx_api`: the API server's proxy into EMQX pods, following logs, token lifetime.
//! - `emqx_dns`: dns/srv answers from cluster DNS, P13.
//! - `emqx_roles`: 3 cores + 2 replicants applied with kubectl, the replicant role on the
//!   open-source image, P16, P20.
//!
//! RBAC and service accounts:
//! - `rbac_requests`: a service account's token, the real 403, impersonation.
//! - `rbac_service_accounts`: ServiceAccount admission, FailedCreate events.
//!
//! kubectl (the machine's) against the cluster served on loopback (`support::kubectl`):
//! - `kubectl_basics`: discovery, nodes, client- and server-side apply, errors.
//! - `kubectl_workloads`: watch, scale, delete, rollout status, wait, claims, events.
//! - `kubectl_emqx`: EMQX.md's appendix StatefulSet: logs, `emqx ctl`, `auth can-i`.
//! - `learner_auth`: `auth whoami`, `auth can-i --list`.
//! - `learner_metrics`: `get --raw /metrics`.
//! - `learner_portforward`: `port-forward` to EMQX's HTTP API and MQTT; refused ports.
//! - `learner_scheduling`: pods of one owner spread over the nodes.
//! - `shell_containers`: busybox commands through the container's shell; exit codes.
//! - `shell_exec`: `exec -it -- sh`, `exec -- sh -c`, `kubectl cp`.
//!
//! - `churn`: what the cluster forgets with time (watch history compaction, event TTL,
//!   a deleted pod's logs and container state).
//!
//! - `fuzz_corpus`: every input the fuzzers kept (fuzz/corpus/sim_request) is answered
//!   without a panic.
//!
//! The MQTT broker every simulated EMQX node serves on 1883:
//! - `mqtt_routing`: rumqttc clients over loopback TCP, one listener per "node",
//!   membership faked: islands route nothing (O22), one cluster delivers (O23), joins and
//!   losses with wills (O24), shared groups, retained, QoS 2, takeover, MQTT 5, resumed
//!   sessions.
//! - `mqtt_wire`: raw bytes on paused time: 3.1, refused levels, invalid filters,
//!   malformed and oversized packets, keepalive, random input never panics the decoder.
//! - `mqtt_sim`: the whole simulated cluster: EMQX pods reached through the port-forward
//!   entry, islands then `cluster join` then a deleted pod; `emqx ctl` and HTTP listings
//!   against exact strings; a 4.4 join; a replicant routing like a member.
//!
//! `kubetour sim serve` itself (flags, `--state` across restarts) is the wizard's
//! command line: its tests are in the wizard's `commands` binary.

mod support;

mod api_apply;
mod api_contract;
mod api_fidelity;
mod api_http;
mod api_watch;
mod api_workloads;
mod churn;
mod controllers_deployments;
mod controllers_endpoints;
mod controllers_kubelet;
mod controllers_statefulsets;
mod emqx_api;
mod emqx_crashloop;
mod emqx_dns;
mod emqx_invalid_settings;
mod emqx_roles;
mod fidelity_discovery;
mod fidelity_key_order;
mod fidelity_kube;
mod fidelity_kubectl;
mod fidelity_subresources;
mod fuzz_corpus;
mod kubectl_basics;
mod kubectl_emqx;
mod kubectl_workloads;
mod learner_auth;
mod learner_metrics;
mod learner_portforward;
mod learner_scheduling;
mod mqtt_routing;
mod mqtt_sim;
mod mqtt_wire;
mod rbac_requests;
mod rbac_service_accounts;
mod shell_containers;
mod shell_exec;
