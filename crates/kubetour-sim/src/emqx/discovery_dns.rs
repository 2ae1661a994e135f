//! ekka's dns strategy (`ekka_cluster_dns.erl`, ekka 0.19.5–0.23.x; docs/emqx-verified.md §8.2): the
//! node names it builds from a lookup of `cluster.dns.name`. Pure: the integration does
//! the lookup against the simulated cluster DNS (`workloads::dns`).
//!
//! - `a` / `aaaa`: one name per address, `<prefix>@<ip>` in answer order.
//! - `srv`: the targets, sorted and deduplicated (`lists:usort/1`), `<prefix>@<target>`.
//! - 5.x passes no `app` option, so `<prefix>` is the part of the node's own name before
//!   `@`. A failed lookup (NXDOMAIN, no records, timeout) is `[]`: `inet_res:lookup/3`
//!   never returns an error, so nothing is logged.

use super::settings::RecordType;

pub fn node_names(own_name: &str, hosts: &[String], record_type: RecordType) -> Vec<String> {
    let prefix = own_name.split('@').next().unwrap_or(own_name);
    let mut hosts: Vec<&String> = hosts.iter().collect();
    if record_type == RecordType::Srv {
        hosts.sort();
        hosts.dedup();
    }
    hosts.into_iter().map(|h| format!("{prefix}@{h}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_records_give_one_ip_name_per_address_in_answer_order() {
        let names = node_names(
            "emqx@10.244.0.7",
            &hosts(&["10.244.0.9", "10.244.0.7"]),
            RecordType::A,
        );
        assert_eq!(names, ["emqx@10.244.0.9", "emqx@10.244.0.7"]);
    }

    #[test]
    fn srv_targets_are_sorted_deduplicated_and_take_the_own_prefix() {
        let names = node_names(
            "broker@emqx-1.emqx-headless.default.svc.cluster.local",
            &hosts(&[
                "emqx-1.emqx-headless.default.svc.cluster.local",
                "emqx-0.emqx-headless.default.svc.cluster.local",
                "emqx-1.emqx-headless.default.svc.cluster.local",
            ]),
            RecordType::Srv,
        );
        assert_eq!(
            names,
            [
                "broker@emqx-0.emqx-headless.default.svc.cluster.local",
                "broker@emqx-1.emqx-headless.default.svc.cluster.local",
            ]
        );
    }

    #[test]
    fn no_records_discover_no_nodes() {
        assert!(node_names("emqx@10.0.0.1", &[], RecordType::Srv).is_empty());
    }
}
