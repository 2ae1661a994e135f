//! Why a command could not run in a pod (or its log could not be read), in words a
//! person can act on. A real API server says it in several places: the HTTP answer to
//! the exec request (403 from RBAC, 400 for a container that is not running), or, since
//! the API server translates WebSocket exec itself (1.30+), the Status on the exec
//! stream's channel 3 after the upgrade (the kubelet unreachable, the runtime not
//! finding the executable). All of them arrive here as a code, a reason and a message.

use serde::Serialize;

/// Which part of the path from us to the process failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trouble {
    /// RBAC refused `create pods/exec` (or `get pods/log`) to our credentials.
    Forbidden,
    /// The API server could not reach (or was refused by) the node's kubelet.
    KubeletUnreachable,
    /// The container is not running (waiting, terminated, or the pod has no node).
    ContainerNotRunning,
    /// The runtime did not find the executable in the container image.
    CommandNotFound,
    /// Anything else: a dropped connection, an unexpected answer.
    Other,
}

impl Trouble {
    /// Whether the same refusal will meet every pod of the cluster, so probing more pods
    /// (or the same pod again) cannot help.
    pub fn is_cluster_wide(self) -> bool {
        match self {
            Trouble::Forbidden | Trouble::KubeletUnreachable => true,
            Trouble::ContainerNotRunning | Trouble::CommandNotFound | Trouble::Other => false,
        }
    }

    /// The part that failed, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Trouble::Forbidden => "RBAC forbids it to these credentials (403)",
            Trouble::KubeletUnreachable => "the API server could not reach the node's kubelet",
            Trouble::ContainerNotRunning => "the container is not running",
            Trouble::CommandNotFound => "the command is not in the container image",
            Trouble::Other => "the request failed",
        }
    }
}

/// A request to run something in (or read from) a pod that did not get through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub trouble: Trouble,
    /// What the server (or the connection) said, as it said it.
    pub message: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.trouble.describe(), self.message)
    }
}

/// Classifies an API answer (HTTP status code, Status reason, Status message).
pub fn from_status(code: u16, reason: &str, message: &str) -> Refusal {
    let trouble = if code == 403 || reason == "Forbidden" {
        Trouble::Forbidden
    } else {
        from_text(message)
    };
    // "InternalError: Internal error occurred: …" and "Forbidden: … is forbidden" say
    // it twice; the reason is added only when the message does not already say it.
    let squeezed: String = message
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let message = if reason.is_empty() || squeezed.contains(&reason.to_ascii_lowercase()) {
        message.to_string()
    } else {
        format!("{reason}: {message}")
    };
    Refusal { trouble, message }
}

/// Classifies a kube error from starting an exec or reading a log.
pub fn from_kube(e: &kube::Error) -> Refusal {
    match e {
        kube::Error::Api(s) => from_status(s.code, &s.reason, &s.message),
        // Its sentence says "connection refused" about the API server, which the words
        // below would take for the kubelet's.
        other if super::reach::unreached(other).is_some() => Refusal {
            trouble: Trouble::Other,
            message: super::errors::explain(other),
        },
        other => Refusal {
            trouble: from_text(&other.to_string()),
            message: other.to_string(),
        },
    }
}

/// What the words of a message say failed. The texts are the real ones: the API
/// server's dial error towards port 10250, the kubelet's and the runtimes' refusals.
pub fn from_text(message: &str) -> Trouble {
    let m = message.to_ascii_lowercase();
    if m.contains("executable file not found") || m.contains("no such file or directory") {
        Trouble::CommandNotFound
    } else if m.contains("container not found")
        || m.contains("is not running")
        || m.contains("is waiting to start")
        || m.contains("completed pod")
        || m.contains("does not have a host assigned")
    {
        Trouble::ContainerNotRunning
    } else if m.contains("error sending request")
        || m.contains(":10250")
        || m.contains("dial tcp")
        || m.contains("connection refused")
        || m.contains("no route to host")
        || m.contains("unable to upgrade connection: forbidden")
    {
        Trouble::KubeletUnreachable
    } else {
        Trouble::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Status a real kube-apiserver 1.32 without a kubelet sent on channel 3.
    const KUBELET_DOWN: &str = "Internal error occurred: error sending request: Post \
        \"https://127.0.0.1:10250/exec/emqx/emqx/emqx?command=emqx&command=ctl&command=status&error=1&output=1\": \
        dial tcp 127.0.0.1:10250: connect: connection refused";

    #[test]
    fn the_kubelet_dial_error_reads_as_kubelet_unreachable_and_cluster_wide() {
        let r = from_status(500, "InternalError", KUBELET_DOWN);
        assert_eq!(r.trouble, Trouble::KubeletUnreachable);
        assert!(r.trouble.is_cluster_wide());
        assert!(r.message.contains("connection refused"), "{}", r.message);
        assert!(
            r.message.starts_with("Internal error occurred"),
            "{}",
            r.message
        );
    }

    #[test]
    fn a_403_is_rbac_and_cluster_wide() {
        let r = from_status(
            403,
            "Forbidden",
            "pods \"emqx\" is forbidden: User \"u\" cannot create resource \"pods/exec\" \
             in API group \"\" in the namespace \"emqx\"",
        );
        assert_eq!(r.trouble, Trouble::Forbidden);
        assert!(r.trouble.is_cluster_wide());
    }

    #[test]
    fn a_missing_executable_and_a_stopped_container_are_about_one_pod() {
        let runtime = "OCI runtime exec failed: exec failed: unable to start container \
            process: exec: \"emqx\": executable file not found in $PATH: unknown";
        assert_eq!(from_text(runtime), Trouble::CommandNotFound);
        assert_eq!(
            from_status(400, "BadRequest", "container not found (\"emqx\")").trouble,
            Trouble::ContainerNotRunning
        );
        assert!(!Trouble::CommandNotFound.is_cluster_wide());
        assert!(!Trouble::ContainerNotRunning.is_cluster_wide());
    }
}
