//! Cluster DNS as CoreDNS's `kubernetes` plugin answers a pod's lookups, from the
//! Services and their Endpoints in the store (docs/emqx-verified.md §8.1). Only what ekka's dns
//! strategy asks is modelled: A, AAAA and SRV for `<svc>.<ns>.svc.cluster.local` and for
//! the per-endpoint names `<host>.<svc>.<ns>.svc.cluster.local`.
//!
//! - Headless Service (`clusterIP: None`): one A record per endpoint address, one SRV
//!   record per address and port whose target is `<hostname>.<svc>.<ns>.svc.<zone>` (the
//!   address's `hostname`, set when the pod's `hostname` + `subdomain` name the Service)
//!   or the dashed IP (`10-244-1-5.<svc>…`). Only `addresses` count: the Endpoints
//!   controller moves not-ready pods there only with `publishNotReadyAddresses: true`
//!   (CoreDNS reads the EndpointSlice `ready` condition, which that flag forces true).
//! - ClusterIP Service: one A record with the ClusterIP; SRV per port with the Service's
//!   own name as target.
//! - AAAA: the simulated cluster is IPv4-only, so no records.
//! - Anything else (no such Service, ExternalName): no records. ekka's `inet_res:lookup/3`
//!   turns NXDOMAIN and an empty answer alike into `[]`.
//!
//! A name with fewer than 5 dots is tried with the pod's search domains first
//! (`<ns>.svc.cluster.local svc.cluster.local cluster.local`, ndots:5, as the kubelet
//! writes resolv.conf), then as given.

use serde_json::Value;

use crate::emqx::settings::RecordType;
use crate::resources::Res;
use crate::store::Store;

pub const ZONE: &str = "cluster.local";

/// The hosts a lookup returns as ekka sees them: IP strings for A/AAAA, SRV targets
/// (without the trailing dot, as `inet_res` gives them) for SRV, in answer order.
pub fn lookup(store: &Store, pod_ns: &str, name: &str, record_type: RecordType) -> Vec<String> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let absolute = name.matches('.').count() >= 5;
    let mut candidates = Vec::new();
    if !absolute {
        for domain in [
            format!("{pod_ns}.svc.{ZONE}"),
            format!("svc.{ZONE}"),
            ZONE.to_string(),
        ] {
            candidates.push(format!("{name}.{domain}"));
        }
    }
    candidates.push(name);
    candidates
        .iter()
        .find_map(|fqdn| answer(store, fqdn, record_type))
        .unwrap_or_default()
}

/// The records for one fully qualified name; None when the name does not exist.
fn answer(store: &Store, fqdn: &str, record_type: RecordType) -> Option<Vec<String>> {
    let rest = fqdn.strip_suffix(&format!(".svc.{ZONE}"))?;
    let labels: Vec<&str> = rest.split('.').collect();
    match labels.as_slice() {
        [svc, ns] => service_records(store, ns, svc, record_type),
        [host, svc, ns] => endpoint_record(store, ns, svc, host, record_type),
        _ => None,
    }
}

fn service_records(
    store: &Store,
    ns: &str,
    svc: &str,
    record_type: RecordType,
) -> Option<Vec<String>> {
    let service = store.get(Res::Service, ns, svc)?;
    let cluster_ip = service["spec"]["clusterIP"].as_str().unwrap_or("");
    if service["spec"]["type"] == "ExternalName" {
        return None;
    }
    if cluster_ip != "None" {
        let own = format!("{svc}.{ns}.svc.{ZONE}");
        return Some(match record_type {
            RecordType::A => vec![cluster_ip.to_string()],
            RecordType::Aaaa => Vec::new(),
            RecordType::Srv => port_count(&service)
                .map(|n| vec![own; n.max(1)])
                .unwrap_or_default(),
        });
    }
    let addresses = endpoint_addresses(store, ns, svc);
    let records = match record_type {
        RecordType::A => addresses.iter().map(|(ip, _, _)| ip.clone()).collect(),
        RecordType::Aaaa => Vec::new(),
        RecordType::Srv => addresses
            .iter()
            .flat_map(|(ip, host, ports)| {
                let target = format!("{}.{svc}.{ns}.svc.{ZONE}", endpoint_host(ip, host));
                std::iter::repeat_n(target, (*ports).max(1))
            })
            .collect(),
    };
    Some(records)
}

fn endpoint_record(
    store: &Store,
    ns: &str,
    svc: &str,
    host: &str,
    record_type: RecordType,
) -> Option<Vec<String>> {
    let service = store.get(Res::Service, ns, svc)?;
    if service["spec"]["clusterIP"] != "None" {
        return None;
    }
    let ip = endpoint_addresses(store, ns, svc)
        .into_iter()
        .find(|(ip, h, _)| endpoint_host(ip, h) == host)
        .map(|(ip, _, _)| ip)?;
    Some(match record_type {
        RecordType::A => vec![ip],
        RecordType::Aaaa | RecordType::Srv => Vec::new(),
    })
}

/// The per-endpoint label CoreDNS uses: the address's hostname, else its dashed IP.
fn endpoint_host(ip: &str, hostname: &Option<String>) -> String {
    hostname
        .clone()
        .unwrap_or_else(|| ip.replace(['.', ':'], "-"))
}

fn port_count(service: &Value) -> Option<usize> {
    service["spec"]["ports"].as_array().map(Vec::len)
}

/// `(ip, hostname, number of ports)` of every address (not `notReadyAddresses`).
fn endpoint_addresses(store: &Store, ns: &str, svc: &str) -> Vec<(String, Option<String>, usize)> {
    let Some(endpoints) = store.get(Res::Endpoints, ns, svc) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for subset in endpoints["subsets"].as_array().into_iter().flatten() {
        let ports = subset["ports"].as_array().map(Vec::len).unwrap_or(0);
        for address in subset["addresses"].as_array().into_iter().flatten() {
            let Some(ip) = address["ip"].as_str() else {
                continue;
            };
            let host = address["hostname"].as_str().map(str::to_string);
            out.push((ip.to_string(), host, ports));
        }
    }
    out
}
