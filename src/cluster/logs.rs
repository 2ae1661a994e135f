//! Following a pod's log: the last lines, then new ones as the container writes them,
//! handed over in batches so a chatty pod costs one message per read, not per line.

use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, LogParams};

use super::refusal;

/// How many lines of history a follow starts with.
pub const TAIL: i64 = 100;

/// Follows `pod`'s log, calling `lines` for every batch read. Returns why it stopped.
pub async fn follow(
    client: &Client,
    namespace: &str,
    pod: &str,
    mut lines: impl FnMut(Vec<String>),
) -> String {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let params = LogParams {
        follow: true,
        tail_lines: Some(TAIL),
        ..LogParams::default()
    };
    let reader = match api.log_stream(pod, &params).await {
        Ok(r) => r,
        // Which part refused (RBAC on pods/log, the kubelet, a container not running),
        // then the server's own words.
        Err(e) => {
            return format!(
                "could not read the log of pod {pod}: {}",
                refusal::from_kube(&e)
            );
        }
    };
    let mut stream = reader.lines().ready_chunks(64);
    while let Some(batch) = stream.next().await {
        let mut out = Vec::with_capacity(batch.len());
        for line in batch {
            match line {
                Ok(l) => out.push(l),
                Err(e) => {
                    lines(out);
                    // A read error mid-stream is the connection going (the server
                    // stopped, the network dropped); the follow starts again once the
                    // pods' watch is back.
                    tracing::debug!("log stream of {pod}: {e}");
                    return "log stream cut off: the connection to the API server was lost"
                        .to_string();
                }
            }
        }
        lines(out);
    }
    "log ended (the container stopped or the pod went away)".to_string()
}
