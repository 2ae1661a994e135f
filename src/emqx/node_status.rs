//! Parses `emqx ctl status` and the body of EMQX's HTTP `/status`.
//!
//! ```text
//! Node 'emqx@emqx-0.emqx-headless.default.svc.cluster.local' 5.8.9 is started   (ctl, 4.4 and 5.x)
//! Node emqx@10.244.0.5 is started\nemqx is running                              (HTTP /status)
//! Node 'emqx@192.168.77.108' is started\nemqx 4.1-rc.1 is running               (ctl, 4.0–4.2)
//! ```

/// What one node says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeStatus {
    pub node: String,
    /// The release, when the output names it (ctl does, HTTP /status does not).
    pub release: Option<String>,
    /// `started`, `starting`, ...
    pub status: String,
    /// From the second line of HTTP /status (`emqx is running`), when present.
    pub app_running: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an EMQX status line: {0:?}")]
pub struct ParseError(pub String);

pub fn parse(output: &str) -> Result<NodeStatus, ParseError> {
    let mut lines = output.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().ok_or_else(|| ParseError(String::new()))?;
    let bad = || ParseError(first.chars().take(120).collect());
    let rest = first.strip_prefix("Node ").ok_or_else(bad)?;
    let (node, rest) = match rest.strip_prefix('\'') {
        Some(quoted) => {
            let end = quoted.find('\'').ok_or_else(bad)?;
            (&quoted[..end], quoted[end + 1..].trim_start())
        }
        None => rest.split_once(' ').ok_or_else(bad)?,
    };
    let (release, status) = match rest.split_once(" is ") {
        Some(("", status)) => (None, status),
        Some((release, status)) => (Some(release.to_string()), status),
        None => match rest.strip_prefix("is ") {
            Some(status) => (None, status),
            None => return Err(bad()),
        },
    };
    let app_running = lines
        .next()
        .and_then(|l| l.rsplit_once(" is "))
        .map(|(_, state)| state == "running");
    Ok(NodeStatus {
        node: node.to_string(),
        release,
        status: status.trim().to_string(),
        app_running,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ctl_status_of_five_names_node_release_and_state() {
        let s =
            parse("Node 'emqx@emqx-0.emqx-headless.default.svc.cluster.local' 5.8.9 is started\n")
                .unwrap();
        assert_eq!(
            s.node,
            "emqx@emqx-0.emqx-headless.default.svc.cluster.local"
        );
        assert_eq!(s.release.as_deref(), Some("5.8.9"));
        assert_eq!(s.status, "started");
    }

    #[test]
    fn a_booting_node_says_starting() {
        let s = parse("Node 'emqx@10.244.0.5' 4.4.19 is starting\n").unwrap();
        assert_eq!(s.status, "starting");
    }

    #[test]
    fn the_http_status_body_has_no_quotes_and_an_app_line() {
        let s = parse("Node emqx@10.244.0.5 is started\nemqx is running").unwrap();
        assert_eq!(s.node, "emqx@10.244.0.5");
        assert_eq!(s.release, None);
        assert_eq!(s.app_running, Some(true));
    }

    #[test]
    fn the_old_two_line_ctl_form_is_read() {
        let s = parse("Node 'emqx@192.168.77.108' is started\nemqx 4.1-rc.1 is running\n").unwrap();
        assert_eq!(s.node, "emqx@192.168.77.108");
        assert_eq!(s.status, "started");
        assert_eq!(s.app_running, Some(true));
    }

    #[test]
    fn anything_else_is_an_error() {
        assert!(parse("Node 'emqx@10.244.0.5' not responding to pings.").is_err());
        assert!(parse("sh: emqx: not found").is_err());
        assert!(parse("").is_err());
    }
}
