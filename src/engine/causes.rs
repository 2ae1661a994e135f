//! The diagnosis table matched against what the cluster shows: each cause whose
//! evidence all holds is named once, with what was seen, the cause, the fix and the stage
//! or setting that fixes it. Pure: view and evidence in, diagnoses out. The table is data
//! (`track::diagnosis`); nothing here knows a pitfall by its number.

use std::collections::BTreeSet;

use crate::view::WatchedPod;
use kube::ResourceExt;

use super::diagnose::shorten;
use super::discovery_gap::Settings;
use super::events::Diagnosis;
use super::evidence::Evidence as Seen;
use crate::track::Lang;
use crate::track::diagnosis::{Cause, Evidence};
use crate::view::ClusterView;
use crate::view::objects::about_live_object;
use crate::view::pod_row::PodRow;

/// Every cause of `table` whose evidence holds for these EMQX pods, once per pitfall
/// number (the first row that holds names it).
pub fn name_causes(
    table: &[Cause],
    view: &ClusterView,
    seen: &Seen,
    pods: &[&WatchedPod],
    lang: Lang,
) -> Vec<Diagnosis> {
    let settings: Vec<(String, Settings)> = pods
        .iter()
        .filter_map(|p| Some((p.name_any(), Settings::of(view, p)?)))
        .collect();
    let facts = Facts {
        view,
        seen,
        pods,
        settings: &settings,
    };
    let mut named = BTreeSet::new();
    let mut out = Vec::new();
    for cause in table {
        if named.contains(&cause.id) {
            continue;
        }
        let found: Option<Vec<(String, String)>> =
            cause.when.iter().map(|e| facts.holds(e)).collect();
        let Some(found) = found else {
            continue;
        };
        named.insert(cause.id.clone());
        let source = found
            .iter()
            .map(|(s, _)| s.as_str())
            .find(|s| !s.is_empty())
            .unwrap_or_default()
            .to_string();
        let line = found
            .iter()
            .map(|(_, what)| what.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let fix = match lang {
            Lang::En => "Fix:",
            Lang::Zh => "修复：",
        };
        out.push(Diagnosis {
            source,
            line,
            explanation: format!(
                "{}: {} {fix} {}",
                cause.id,
                facts.fill(cause.cause.get(lang)),
                facts.fill(cause.fix.get(lang))
            ),
            fixed_by: cause.fixed_by.clone(),
        });
    }
    out
}

struct Facts<'a> {
    view: &'a ClusterView,
    seen: &'a Seen,
    pods: &'a [&'a WatchedPod],
    settings: &'a [(String, Settings)],
}

/// Settings whose values are secrets: said to be set or to differ, never shown.
fn is_secret(name: &str) -> bool {
    ["COOKIE", "KEY", "PASSWORD", "SECRET", "TOKEN"]
        .iter()
        .any(|s| name.contains(s))
}

impl Facts<'_> {
    /// What the evidence was seen as (the pod or object, and what it showed), if it holds.
    fn holds(&self, evidence: &Evidence) -> Option<(String, String)> {
        match evidence {
            Evidence::Log(re) => self.pods.iter().find_map(|p| {
                let name = p.name_any();
                let log = self.seen.pods.get(&name)?.log.as_deref()?;
                let line = log.lines().find(|l| re.0.is_match(l))?;
                Some((name.clone(), format!("{name}: {}", shorten(line, 300))))
            }),
            Evidence::Event(re) => self
                .view
                .events
                .iter()
                .filter(|e| about_live_object(self.view, e))
                .find_map(|e| {
                    let text = format!(
                        "{}: {}",
                        e.reason.as_deref().unwrap_or_default(),
                        e.message.as_deref().unwrap_or_default()
                    );
                    let source = e.involved_object.name.clone().unwrap_or_default();
                    re.0.is_match(&text).then(|| (source, shorten(&text, 300)))
                }),
            Evidence::Setting { names, matches } => self.settings.iter().find_map(|(pod, s)| {
                let (name, value) = first_set(s, names);
                matches.0.is_match(value).then(|| {
                    let shown = match (value.is_empty(), is_secret(name)) {
                        (true, _) => format!("{name} unset"),
                        (false, true) => format!("{name} set"),
                        (false, false) => format!("{name}={value}"),
                    };
                    (pod.clone(), format!("{pod}: {shown}"))
                })
            }),
            Evidence::SettingsDiffer(names) => {
                let (first_pod, first) = self.settings.first()?;
                let (name, value) = first_set(first, names);
                let (other_pod, other) = self
                    .settings
                    .iter()
                    .find(|(_, s)| first_set(s, names).1 != value)?;
                // Name the setting as it is written where it is set.
                let name = if value.is_empty() {
                    first_set(other, names).0
                } else {
                    name
                };
                Some((
                    first_pod.clone(),
                    format!("{name} differs between pods {first_pod} and {other_pod}"),
                ))
            }
            Evidence::NodeName(re) => self.pods.iter().find_map(|p| {
                let name = p.name_any();
                let node = self.node_name(&name)?;
                re.0.is_match(&node)
                    .then(|| (name.clone(), format!("{name} is node {node}")))
            }),
            Evidence::Split => {
                let names: Vec<String> = self.pods.iter().map(|p| p.name_any()).collect();
                let membership = self.seen.membership(names.iter().map(String::as_str));
                (membership.clusters.len() > 1).then(|| (String::new(), membership.summary()))
            }
            Evidence::RestartsSilently => {
                let now = jiff::Timestamp::now();
                self.pods.iter().find_map(|p| {
                    let row = PodRow::from_pod_at(p, now);
                    let name = p.name_any();
                    let quiet = self
                        .seen
                        .pods
                        .get(&name)
                        .and_then(|e| e.log.as_deref())
                        .is_none_or(|l| l.trim().is_empty());
                    (row.restarts > 0 && quiet).then(|| {
                        (
                            name.clone(),
                            format!(
                                "{name}: {}, restarted {} time(s), nothing in its log",
                                row.status, row.restarts
                            ),
                        )
                    })
                })
            }
            Evidence::UnpublishedDns => {
                super::cause_objects::unpublished_dns(self.view, self.pods, self.settings)
            }
            Evidence::NoReadyCore => super::cause_objects::no_ready_core(self.view),
            Evidence::NetworkPolicy => self.pods.iter().find_map(|p| {
                let name = p.name_any();
                let policies = super::cluster_ports::blocking(&self.seen.network_policies, p)?;
                Some((
                    name.clone(),
                    format!(
                        "NetworkPolicy {} selects {name} and admits no connection to port {}",
                        policies.join(", "),
                        super::cluster_ports::DIST_PORT
                    ),
                ))
            }),
        }
    }

    /// The node's own name: what `status` said, else the first running node of its
    /// `cluster status` when it stands alone.
    fn node_name(&self, pod: &str) -> Option<String> {
        let e = self.seen.pods.get(pod)?;
        if let Some(Ok(s)) = &e.node {
            return Some(s.node.clone());
        }
        match &e.cluster {
            Some(Ok(c)) if c.running_nodes.len() == 1 => c.running_nodes.first().cloned(),
            _ => None,
        }
    }

    /// `{EMQX_...}` replaced by the value a pod is given (`(unset)` when none is).
    fn fill(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                break;
            };
            let name = &after[..close];
            if !name.starts_with("EMQX_")
                || !name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            {
                out.push_str(&rest[..=open]);
                rest = after;
                continue;
            }
            out.push_str(&rest[..open]);
            let value = self
                .settings
                .iter()
                .find_map(|(_, s)| s.get(name).filter(|v| !v.is_empty()));
            match value {
                Some(_) if is_secret(name) => out.push_str("(set)"),
                Some(v) => out.push_str(v),
                None => out.push_str("(unset)"),
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// The first of `names` given a non-empty value, else the first name and "".
fn first_set<'a>(settings: &'a Settings, names: &'a [String]) -> (&'a str, &'a str) {
    names
        .iter()
        .find_map(|n| {
            settings
                .get(n)
                .filter(|v| !v.is_empty())
                .map(|v| (n.as_str(), v))
        })
        .unwrap_or((names.first().map_or("", String::as_str), ""))
}

#[cfg(test)]
#[path = "causes_tests.rs"]
mod tests;
