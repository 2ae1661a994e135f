//! From what each node says to what the learner sees: which nodes form which cluster.
//!
//! Each pod is asked `cluster status`; its answer is its own view. Nodes that list each
//! other as running are one cluster; a node that lists only itself is an island.

use std::collections::BTreeSet;

use super::cluster_status::ClusterStatus;

/// One node's answer, tagged with the pod that gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeView {
    pub pod: String,
    pub status: ClusterStatus,
}

/// The clusters the answers describe, largest first, each as sorted node names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Membership {
    pub clusters: Vec<BTreeSet<String>>,
    /// Nodes some member lists as stopped (lost members), sorted.
    pub stopped: BTreeSet<String>,
}

impl Membership {
    /// Groups the views: two answers belong to one cluster when their running sets meet.
    pub fn from_views(views: &[NodeView]) -> Membership {
        let mut clusters: Vec<BTreeSet<String>> = Vec::new();
        for view in views {
            let mut merged: BTreeSet<String> = view.status.running_nodes.iter().cloned().collect();
            clusters.retain(|c| {
                if c.is_disjoint(&merged) {
                    true
                } else {
                    merged.extend(c.iter().cloned());
                    false
                }
            });
            if !merged.is_empty() {
                clusters.push(merged);
            }
        }
        clusters.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        let stopped = views
            .iter()
            .flat_map(|v| v.status.stopped_nodes.iter().cloned())
            .collect();
        Membership { clusters, stopped }
    }

    /// True when all answers describe exactly one cluster of `n` running nodes.
    pub fn is_one_cluster_of(&self, n: usize) -> bool {
        self.clusters.len() == 1 && self.clusters[0].len() == n
    }

    /// The number of one-node clusters.
    pub fn islands(&self) -> usize {
        self.clusters.iter().filter(|c| c.len() == 1).count()
    }

    /// A one-line summary: "1 cluster of 3 running nodes" / "3 separate one-node clusters".
    pub fn summary(&self) -> String {
        match self.clusters.as_slice() {
            [] => "no EMQX node answered".to_string(),
            [one] => format!(
                "1 cluster of {} running node{}",
                one.len(),
                if one.len() == 1 { "" } else { "s" }
            ),
            many if many.iter().all(|c| c.len() == 1) => {
                format!("{} separate one-node clusters", many.len())
            }
            many => format!(
                "{} clusters of {} nodes",
                many.len(),
                many.iter()
                    .map(|c| c.len().to_string())
                    .collect::<Vec<_>>()
                    .join(" + ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(pod: &str, running: &[&str], stopped: &[&str]) -> NodeView {
        NodeView {
            pod: pod.into(),
            status: ClusterStatus {
                running_nodes: running.iter().map(|s| s.to_string()).collect(),
                stopped_nodes: stopped.iter().map(|s| s.to_string()).collect(),
            },
        }
    }

    #[test]
    fn three_nodes_that_see_only_themselves_are_three_islands() {
        let m = Membership::from_views(&[
            view("a", &["emqx@10.244.0.5"], &[]),
            view("b", &["emqx@10.244.1.5"], &[]),
            view("c", &["emqx@10.244.2.5"], &[]),
        ]);
        assert_eq!(m.islands(), 3);
        assert!(!m.is_one_cluster_of(3));
        assert_eq!(m.summary(), "3 separate one-node clusters");
    }

    #[test]
    fn nodes_that_list_each_other_are_one_cluster() {
        let all = ["emqx@a", "emqx@b", "emqx@c"];
        let m = Membership::from_views(&[
            view("a", &all, &[]),
            view("b", &all, &[]),
            view("c", &all, &["emqx@old"]),
        ]);
        assert!(m.is_one_cluster_of(3));
        assert_eq!(m.summary(), "1 cluster of 3 running nodes");
        assert_eq!(m.stopped.iter().collect::<Vec<_>>(), vec!["emqx@old"]);
    }

    #[test]
    fn a_node_still_joining_bridges_two_views_into_one_cluster() {
        let m = Membership::from_views(&[
            view("a", &["emqx@a", "emqx@b"], &[]),
            view("c", &["emqx@c"], &[]),
            view("b", &["emqx@b", "emqx@c"], &[]),
        ]);
        assert!(m.is_one_cluster_of(3));
    }

    #[test]
    fn mixed_sizes_are_named() {
        let m = Membership::from_views(&[
            view("a", &["emqx@a", "emqx@b"], &[]),
            view("c", &["emqx@c"], &[]),
        ]);
        assert_eq!(m.summary(), "2 clusters of 2 + 1 nodes");
        assert_eq!(
            Membership::from_views(&[]).summary(),
            "no EMQX node answered"
        );
    }
}
