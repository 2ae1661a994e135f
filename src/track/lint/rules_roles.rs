//! Rules about EMQX 5's node roles: how many core nodes there are, and whether
//! replicants have a core to join. A replicant takes no part in the database's
//! transactions: it connects to one core and replicates from it (emqx/mria README,
//! "core" and "replicant" roles).

use super::emqx::{EmqxContainer, emqx_containers};
use super::input::LintSet;
use super::{Finding, Rule};

pub const ODD_CORES: Rule = Rule {
    id: "odd-cores",
    pitfall: Some("P15"),
    check: odd_cores,
};

/// An even number of core nodes: after a network split into two halves neither side
/// has a majority, and the official charts warn that such a cluster "cannot be
/// automatically healed in case of net-split" (the chart's values.yaml above
/// `replicaCount`, at v5.8.9 and v4.4.19). Counted per workload: the cores of one
/// StatefulSet are one cluster's cores.
fn odd_cores(set: &LintSet) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in emqx_containers(set) {
        if c.is_replicant() {
            continue;
        }
        let n = c.replicas();
        if n < 2 || n % 2 != 0 {
            continue;
        }
        let w = c.workload;
        let what = if c.major() == Some(4) {
            "EMQX nodes"
        } else {
            "EMQX core nodes"
        };
        out.push(Finding::at(
            &ODD_CORES,
            w,
            w.line_of_key("replicas"),
            format!(
                "{} {} runs {n} {what}: after a network split into two halves of {} neither side has a majority, and the cluster cannot heal itself",
                w.kind,
                w.name,
                n / 2
            ),
            format!(
                "Run an odd number of core nodes ({} or {}); add capacity with replicants (EMQX_NODE__ROLE=replicant) instead",
                n - 1,
                n + 1
            ),
        ));
    }
    out
}

pub const REPLICANT_NEEDS_CORE: Rule = Rule {
    id: "replicant-needs-core",
    pitfall: Some("P20"),
    check: replicant_needs_core,
};

/// Replicants that cannot reach a core: none is deployed in the set, or the replicant
/// has no discovery strategy that would find one (with `manual`, EMQX's default, a node
/// joins nobody until told to). Either way the replicant keeps retrying and never
/// becomes ready to serve.
fn replicant_needs_core(set: &LintSet) -> Vec<Finding> {
    let all = emqx_containers(set);
    let cores: i64 = all
        .iter()
        .filter(|c| !c.is_replicant())
        .map(EmqxContainer::replicas)
        .sum();
    let mut out = Vec::new();
    for c in all.iter().filter(|c| c.is_replicant()) {
        let w = c.workload;
        let Some(role) = c.get("EMQX_NODE__ROLE") else {
            continue;
        };
        if cores == 0 {
            out.push(Finding::at(
                &REPLICANT_NEEDS_CORE,
                role.obj,
                role.line(),
                format!(
                    "{} {} runs EMQX replicants, but no core node runs beside them: a replicant only replicates from cores, so it never joins a cluster",
                    w.kind, w.name
                ),
                "Deploy core nodes too (a StatefulSet without EMQX_NODE__ROLE, or with `core`), an odd number of them",
            ));
        } else if matches!(c.strategy(), None | Some("manual")) {
            out.push(Finding::at(
                &REPLICANT_NEEDS_CORE,
                role.obj,
                role.line(),
                format!(
                    "{} {} runs EMQX replicants with {} discovery: they never learn where the cores are",
                    w.kind,
                    w.name,
                    c.strategy().unwrap_or("no (so manual)")
                ),
                "Give the replicants the cores' discovery settings (e.g. EMQX_CLUSTER__DISCOVERY_STRATEGY=dns and EMQX_CLUSTER__DNS__NAME naming the cores' headless Service)",
            ));
        }
    }
    out
}
