//! The registry as JSON, for the state file (`sim serve --state`): EMQX membership
//! survives an API server restart as it survives one on a real cluster, where the pods
//! (and their mnesia) never notice.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::{MemberState, NodeRecord, NodeSpec, Registry};
use crate::emqx::settings::Role;
use crate::emqx::version::Family;

impl Registry {
    pub fn export(&self) -> Value {
        let nodes: serde_json::Map<String, Value> = self
            .nodes
            .iter()
            .map(|(name, r)| {
                let family = match r.spec.family {
                    Family::V4 => "4",
                    Family::V5 => "5",
                };
                let record = json!({
                    "cookie": r.spec.cookie, "family": family,
                    "mayCluster": r.spec.may_cluster, "persistent": r.spec.persistent,
                    "autocleanSeconds": r.spec.autoclean.as_secs(), "role": r.spec.role.as_str(),
                    "alive": r.alive, "startedAt": r.started_at.to_string(), "cluster": r.cluster,
                });
                (name.clone(), record)
            })
            .collect();
        let clusters: serde_json::Map<String, Value> = self
            .clusters
            .iter()
            .map(|(id, members)| {
                let members: Vec<Value> = members
                    .iter()
                    .map(|(name, state)| match state {
                        MemberState::Running => json!({"name": name}),
                        MemberState::Stopped { since } => {
                            json!({"name": name, "stoppedSince": since.to_string()})
                        }
                    })
                    .collect();
                (id.to_string(), Value::Array(members))
            })
            .collect();
        json!({"nodes": nodes, "clusters": clusters, "nextCluster": self.next_cluster})
    }

    /// The registry `export` wrote; what does not parse is named in the error.
    pub fn import(saved: &Value) -> Result<Registry, String> {
        let mut registry = Registry::new();
        let time = |v: &Value, what: &str| -> Result<Timestamp, String> {
            v.as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| format!("{what} is not a timestamp"))
        };
        for (name, r) in saved["nodes"].as_object().into_iter().flatten() {
            let family = match r["family"].as_str() {
                Some("4") => Family::V4,
                Some("5") => Family::V5,
                _ => return Err(format!("EMQX node {name}: unknown family")),
            };
            let spec = NodeSpec {
                cookie: r["cookie"].as_str().unwrap_or_default().to_string(),
                family,
                may_cluster: r["mayCluster"].as_bool().unwrap_or(true),
                persistent: r["persistent"].as_bool().unwrap_or(false),
                autoclean: Duration::from_secs(r["autocleanSeconds"].as_u64().unwrap_or(0)),
                role: match r["role"].as_str() {
                    Some("replicant") => Role::Replicant,
                    _ => Role::Core,
                },
            };
            let record = NodeRecord {
                spec,
                alive: r["alive"].as_bool().unwrap_or(false),
                started_at: time(&r["startedAt"], &format!("EMQX node {name}: startedAt"))?,
                cluster: r["cluster"].as_u64().unwrap_or(0),
            };
            registry.nodes.insert(name.clone(), record);
        }
        for (id, members) in saved["clusters"].as_object().into_iter().flatten() {
            let id: u64 = id
                .parse()
                .map_err(|_| format!("EMQX cluster id {id:?} is not a number"))?;
            let mut list = Vec::new();
            for m in members.as_array().into_iter().flatten() {
                let name = m["name"].as_str().unwrap_or_default().to_string();
                let state = match m.get("stoppedSince") {
                    Some(since) => MemberState::Stopped {
                        since: time(since, &format!("EMQX member {name}: stoppedSince"))?,
                    },
                    None => MemberState::Running,
                };
                list.push((name, state));
            }
            registry.clusters.insert(id, list);
        }
        registry.next_cluster = saved["nextCluster"].as_u64().unwrap_or(0);
        Ok(registry)
    }

    /// Whether `name` was running when the registry was saved: its pod resumes it as it
    /// was, instead of booting a fresh node.
    pub fn was_running(&self, name: &str) -> bool {
        self.alive(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_survives_an_export_and_import() {
        let mut r = Registry::new();
        let now: Timestamp = "2026-12-05T10:00:00Z".parse().unwrap();
        let spec = NodeSpec {
            cookie: "c".into(),
            family: Family::V5,
            may_cluster: true,
            persistent: false,
            autoclean: Duration::from_secs(86_400),
            role: Role::Core,
        };
        r.node_started("emqx@a", spec.clone(), now);
        r.node_started("emqx@b", spec, now + jiff::SignedDuration::from_secs(1));
        assert_eq!(r.manual_join("emqx@b", "emqx@a"), Ok(true));
        r.node_stopped("emqx@b", now + jiff::SignedDuration::from_secs(5));
        let back = Registry::import(&r.export()).unwrap();
        assert_eq!(back.export(), r.export());
        assert!(back.was_running("emqx@a"));
        assert!(!back.was_running("emqx@b"));
    }

    #[test]
    fn a_bad_timestamp_is_named() {
        let saved = json!({"nodes": {"emqx@a": {"family": "5", "startedAt": "yesterday"}}});
        let err = Registry::import(&saved).unwrap_err();
        assert!(err.contains("emqx@a") && err.contains("startedAt"), "{err}");
    }
}
