//! Running a command in a pod through the Kubernetes exec API (WebSocket), as
//! `kubectl exec` does — how the wizard asks EMQX nodes who their peers are.

use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, AttachParams};
use tokio::io::AsyncReadExt;

/// What a command printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    pub stdout: String,
    pub stderr: String,
    /// 0 on success; the command's exit code otherwise, when the API reported one.
    pub exit_code: Option<i32>,
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
    let exit_code = match status {
        Some(fut) => fut.await.map(|s| exit_code_of(&s)),
        None => None,
    };
    // Wait for the connection to close cleanly; its error adds nothing to the output.
    let _ = process.join().await;
    Ok(ExecOutput {
        stdout,
        stderr,
        exit_code,
    })
}

/// The API reports success as status Success, failure as a NonZeroExitCode cause.
fn exit_code_of(status: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Status) -> i32 {
    if status.status.as_deref() == Some("Success") {
        return 0;
    }
    status
        .details
        .as_ref()
        .and_then(|d| d.causes.as_ref())
        .and_then(|causes| {
            causes
                .iter()
                .find(|c| c.reason.as_deref() == Some("ExitCode"))
                .and_then(|c| c.message.as_deref())
                .and_then(|m| m.parse().ok())
        })
        .unwrap_or(1)
}
