//! Status conditions of workloads (Deployment style: lastUpdateTime and
//! lastTransitionTime), set the way the real controllers set them.

use serde_json::{Value, json};

pub fn condition(kind: &str, ok: bool, reason: &str, message: &str, now: &str) -> Value {
    json!({
        "type": kind,
        "status": if ok { "True" } else { "False" },
        "lastUpdateTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    })
}

/// Like `SetDeploymentCondition`: nothing happens when status and reason are unchanged
/// (unless `touch`, which refreshes lastUpdateTime on progress); otherwise the old one
/// is removed and the new one appended, keeping lastTransitionTime when the status
/// stayed the same.
pub fn set_condition(conditions: &mut Value, mut new: Value, touch: bool) {
    if !conditions.is_array() {
        *conditions = json!([]);
    }
    let Some(list) = conditions.as_array_mut() else {
        return;
    };
    if let Some(pos) = list.iter().position(|c| c["type"] == new["type"]) {
        let old = &list[pos];
        if old["status"] == new["status"] {
            if old["reason"] == new["reason"] && !touch {
                return;
            }
            new["lastTransitionTime"] = old["lastTransitionTime"].clone();
        }
        list.remove(pos);
    }
    list.push(new);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_reason_moves_the_condition_last_and_keeps_its_transition_time() {
        let mut conds = json!([]);
        set_condition(
            &mut conds,
            condition("Progressing", true, "NewReplicaSetCreated", "a", "t1"),
            false,
        );
        set_condition(
            &mut conds,
            condition("Available", false, "MinimumReplicasUnavailable", "b", "t1"),
            false,
        );
        set_condition(
            &mut conds,
            condition("Progressing", true, "NewReplicaSetAvailable", "c", "t2"),
            false,
        );
        assert_eq!(conds[0]["type"], "Available");
        assert_eq!(conds[1]["reason"], "NewReplicaSetAvailable");
        assert_eq!(conds[1]["lastTransitionTime"], "t1");
        assert_eq!(conds[1]["lastUpdateTime"], "t2");
        set_condition(
            &mut conds,
            condition("Progressing", true, "NewReplicaSetAvailable", "c", "t3"),
            false,
        );
        assert_eq!(conds[1]["lastUpdateTime"], "t2");
    }
}
