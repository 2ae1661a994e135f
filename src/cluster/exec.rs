//! Running a command in a pod through the Kubernetes exec API (WebSocket), as
//! `kubectl exec` does — how the wizard asks EMQX nodes who their peers are.

use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, AttachParams};
use tokio::io::AsyncReadExt;

use super::refusal::{self, Refusal, Trouble};

/// What a command printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    pub stdout: String,
    pub stderr: String,
    /// 0 on success; the command's exit code otherwise, when the API reported one. None
    /// when the stream ended without one, or its Status failed without an exit code
    /// (the command never ran: see `status`).
    pub exit_code: Option<i32>,
    /// The final Status from the stream's status channel, kept whole: on a real cluster
    /// it is where the API server says why the command could not run at all.
    pub status: Option<ExecStatus>,
}

/// The Status the exec stream ended with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExecStatus {
    /// "Success" or "Failure".
    pub status: String,
    /// "NonZeroExitCode", "InternalError", ...
    pub reason: String,
    pub message: String,
}

impl ExecOutput {
    /// Why the command did not run, when it did not: a failed Status without an exit
    /// code (the API server or the kubelet refused), or the runtime's "not found".
    /// A command that ran and exited non-zero is not a refusal: its output is its answer.
    pub fn refusal(&self) -> Option<Refusal> {
        let status = self.status.as_ref();
        let message = status.map(|s| s.message.as_str()).unwrap_or_default();
        let not_found = refusal::from_text(message) == Trouble::CommandNotFound
            || refusal::from_text(&self.stderr) == Trouble::CommandNotFound
            || self.exit_code == Some(127);
        if not_found {
            let said = [message, self.stderr.trim()]
                .into_iter()
                .find(|m| !m.is_empty())
                .unwrap_or("exit code 127");
            return Some(Refusal {
                trouble: Trouble::CommandNotFound,
                message: said.to_string(),
            });
        }
        match status {
            Some(s) if s.status != "Success" && self.exit_code.is_none() => {
                // The status channel carries no HTTP code; the reason stands in for it.
                let code = if s.reason == "Forbidden" { 403 } else { 500 };
                Some(refusal::from_status(code, &s.reason, &s.message))
            }
            // A stream that closed with nothing on it, not even a final Status: the
            // connection broke, the command's answer is not an empty line.
            None if self.stdout.is_empty() && self.stderr.is_empty() => Some(Refusal {
                trouble: Trouble::Other,
                message: "the exec stream closed without output or a final status".into(),
            }),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("exec in pod {pod}: {}", super::errors::explain(source))]
    Start {
        pod: String,
        #[source]
        source: kube::Error,
    },
    #[error("exec in pod {pod}: reading its output failed: {source}")]
    Read {
        pod: String,
        #[source]
        source: std::io::Error,
    },
}

impl ExecError {
    /// Which part failed, and what the server said.
    pub fn refusal(&self) -> Refusal {
        match self {
            ExecError::Start { source, .. } => refusal::from_kube(source),
            ExecError::Read { source, .. } => Refusal {
                trouble: Trouble::Other,
                message: format!("reading its output failed: {source}"),
            },
        }
    }
}

/// Runs `argv` in `pod` (first container unless `container` names one) and collects output.
pub async fn exec(
    client: &Client,
    namespace: &str,
    pod: &str,
    container: Option<&str>,
    argv: &[String],
) -> Result<ExecOutput, ExecError> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut params = AttachParams::default()
        .stdin(false)
        .stdout(true)
        .stderr(true);
    if let Some(c) = container {
        params = params.container(c);
    }
    let mut process = api
        .exec(pod, argv.to_vec(), &params)
        .await
        .map_err(|source| ExecError::Start {
            pod: pod.to_string(),
            source,
        })?;
    let read_err = |source| ExecError::Read {
        pod: pod.to_string(),
        source,
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    let out = process.stdout();
    let err = process.stderr();
    let status = process.take_status();
    let read_out = async {
        if let Some(mut s) = out {
            s.read_to_string(&mut stdout).await?;
        }
        Ok::<_, std::io::Error>(())
    };
    let read_errs = async {
        if let Some(mut s) = err {
            s.read_to_string(&mut stderr).await?;
        }
        Ok::<_, std::io::Error>(())
    };
    let (a, b) = tokio::join!(read_out, read_errs);
    a.map_err(read_err)?;
    b.map_err(read_err)?;
    let status = match status {
        Some(fut) => fut.await,
        None => None,
    };
    let exit_code = status.as_ref().and_then(exit_code_of);
    // Wait for the connection to close cleanly; its error adds nothing to the output.
    let _ = process.join().await;
    Ok(ExecOutput {
        stdout,
        stderr,
        exit_code,
        status: status.map(|s| ExecStatus {
            status: s.status.unwrap_or_default(),
            reason: s.reason.unwrap_or_default(),
            message: s.message.unwrap_or_default(),
        }),
    })
}

/// The API reports success as status Success, a command's failure as a NonZeroExitCode
/// with an ExitCode cause. A Failure without that cause means the command never ran.
fn exit_code_of(status: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Status) -> Option<i32> {
    if status.status.as_deref() == Some("Success") {
        return Some(0);
    }
    let cause = status
        .details
        .as_ref()
        .and_then(|d| d.causes.as_ref())
        .and_then(|causes| {
            causes
                .iter()
                .find(|c| c.reason.as_deref() == Some("ExitCode"))
                .and_then(|c| c.message.as_deref())
                .and_then(|m| m.parse().ok())
        });
    match cause {
        Some(code) => Some(code),
        // A NonZeroExitCode whose cause is missing or unreadable still ran and failed.
        None if status.reason.as_deref() == Some("NonZeroExitCode") => Some(1),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(status: Option<ExecStatus>, exit_code: Option<i32>, stderr: &str) -> ExecOutput {
        ExecOutput {
            stdout: String::new(),
            stderr: stderr.into(),
            exit_code,
            status,
        }
    }

    #[test]
    fn a_failed_status_without_an_exit_code_is_a_refusal_that_keeps_its_message() {
        let o = output(
            Some(ExecStatus {
                status: "Failure".into(),
                reason: "InternalError".into(),
                message: "Internal error occurred: error sending request: Post \"https://127.0.0.1:10250/exec/emqx/emqx/emqx\": dial tcp 127.0.0.1:10250: connect: connection refused".into(),
            }),
            None,
            "",
        );
        let r = o.refusal().expect("a refusal");
        assert_eq!(r.trouble, Trouble::KubeletUnreachable);
        assert!(
            r.message.contains("dial tcp 127.0.0.1:10250"),
            "{}",
            r.message
        );
    }

    #[test]
    fn a_stream_that_closed_empty_without_a_status_is_not_an_empty_answer() {
        let r = output(None, None, "").refusal().expect("a refusal");
        assert_eq!(r.trouble, Trouble::Other);
        assert!(r.message.contains("without output"), "{}", r.message);
    }

    #[test]
    fn a_command_that_ran_and_failed_is_an_answer_not_a_refusal() {
        let o = output(
            Some(ExecStatus {
                status: "Failure".into(),
                reason: "NonZeroExitCode".into(),
                message: "command terminated with non-zero exit code: exit code 1".into(),
            }),
            Some(1),
            "",
        );
        assert_eq!(o.refusal(), None);
    }

    #[test]
    fn exit_127_or_the_runtime_words_mean_the_command_is_missing() {
        let o = output(None, Some(127), "sh: emqx: not found\n");
        assert_eq!(
            o.refusal().map(|r| r.trouble),
            Some(Trouble::CommandNotFound)
        );
        let o = output(
            Some(ExecStatus {
                status: "Failure".into(),
                reason: "InternalError".into(),
                message: "OCI runtime exec failed: exec failed: unable to start container process: exec: \"emqx\": executable file not found in $PATH: unknown".into(),
            }),
            None,
            "",
        );
        assert_eq!(
            o.refusal().map(|r| r.trouble),
            Some(Trouble::CommandNotFound)
        );
    }
}
