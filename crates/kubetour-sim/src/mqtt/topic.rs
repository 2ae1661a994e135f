//! Topic names, topic filters and shared-subscription syntax (MQTT 5 §4.7–4.8), as EMQX
//! checks them (`emqx_topic:validate/2`): `+` and `#` only as whole levels, `#` last,
//! no wildcards in a PUBLISH topic, no empty name or filter, `$share/GROUP/FILTER`
//! with a non-empty group free of wildcards.

/// Largest topic EMQX accepts (`?MAX_TOPIC_LEN`, 65535 bytes: the length prefix).
const MAX_LEN: usize = 65535;

/// A subscription filter split into its group (for `$share/G/F`) and the filter itself.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Filter {
    pub group: Option<String>,
    pub filter: String,
}

impl Filter {
    /// Parses and validates a SUBSCRIBE/UNSUBSCRIBE filter; None when it is invalid.
    pub fn parse(raw: &str) -> Option<Filter> {
        if let Some(rest) = raw.strip_prefix("$share/") {
            let (group, filter) = rest.split_once('/')?;
            if group.is_empty() || group.contains(['+', '#']) || !valid_filter(filter) {
                return None;
            }
            return Some(Filter {
                group: Some(group.to_string()),
                filter: filter.to_string(),
            });
        }
        // `$queue/F` is EMQX's older shared form (group `$queue`); accepted the same way.
        if let Some(filter) = raw.strip_prefix("$queue/") {
            return valid_filter(filter).then(|| Filter {
                group: Some("$queue".to_string()),
                filter: filter.to_string(),
            });
        }
        valid_filter(raw).then(|| Filter {
            group: None,
            filter: raw.to_string(),
        })
    }
}

/// A filter without the shared prefix: wildcards only as whole levels, `#` only last.
pub fn valid_filter(f: &str) -> bool {
    if f.is_empty() || f.len() > MAX_LEN || f.contains('\0') {
        return false;
    }
    let levels: Vec<&str> = f.split('/').collect();
    let last = levels.len() - 1;
    levels.iter().enumerate().all(|(i, l)| match *l {
        "#" => i == last,
        "+" => true,
        l => !l.contains(['+', '#']),
    })
}

/// A PUBLISH topic name: not empty, no wildcards.
pub fn valid_name(t: &str) -> bool {
    !t.is_empty() && t.len() <= MAX_LEN && !t.contains(['+', '#', '\0'])
}

/// Whether `name` matches `filter`. Topics starting with `$` are not matched by a filter
/// starting with a wildcard (MQTT 5 §4.7.2), as `$SYS/...` must not reach `#`.
pub fn matches(filter: &str, name: &str) -> bool {
    if name.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut f = filter.split('/');
    let mut n = name.split('/');
    loop {
        match (f.next(), n.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_whole_levels_and_hash_matches_the_parent() {
        assert!(matches("a/+/c", "a/b/c"));
        assert!(!matches("a/+/c", "a/b/d"));
        assert!(matches("a/#", "a"));
        assert!(matches("a/#", "a/b/c"));
        assert!(matches("#", "a/b"));
        assert!(!matches("#", "$SYS/x"));
        assert!(matches("+/+", "/x"));
        assert!(!matches("a/b", "a/b/c"));
    }

    #[test]
    fn invalid_filters_and_names_are_refused() {
        assert!(Filter::parse("a/#/b").is_none());
        assert!(Filter::parse("a/b#").is_none());
        assert!(Filter::parse("").is_none());
        assert!(Filter::parse("$share/g").is_none());
        assert!(Filter::parse("$share//t").is_none());
        assert!(!valid_name("a/+"));
        let shared = Filter::parse("$share/g1/s/#");
        assert_eq!(
            shared,
            Some(Filter {
                group: Some("g1".into()),
                filter: "s/#".into()
            })
        );
    }
}
