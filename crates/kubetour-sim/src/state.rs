//! `sim serve --state FILE`: what a restart keeps, as etcd keeps it for a real API
//! server. The file holds the objects (with their uids and resourceVersions; the counter
//! goes on upward, never reusing one), the TLS CA, serving certificate and key and the
//! admin token (so a client that was connected still trusts the server and is still
//! let in), service-account tokens (the pods' mounted ones), and EMQX membership. Nodes
//! are objects, so they come back with the rest; pods that were running go on running
//! (the kubelet adopts them, see `controllers::podadopt`).
//!
//! Watch history is not kept: a client resuming a watch from an older resourceVersion
//! gets 410 Gone (HTTP 200, then one ERROR event, as a real server answers after etcd
//! compaction) and relists.
//!
//! Written atomically (a temporary file beside it, then rename), shortly after changes
//! (debounced, so a `kill -9` loses at most about a second) and at shutdown.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use super::api::ApiState;
use super::api::tls::Certs;
use super::clock::Clock;
use super::emqx::registry::Registry;
use super::resources::{ALL, Res};
use super::store::Store;
use super::workloads::world::lock;

/// What tells this file apart from any other JSON.
const KIND: &str = "KubetourSimState";
const VERSION: u64 = 1;
/// How long after a change the file is written: changes come in bursts (a rollout
/// writes dozens of objects), one write per burst is enough, and a kill loses at most
/// this much.
const DEBOUNCE: Duration = Duration::from_millis(500);

/// A service-account token: token, namespace, name, expiry.
pub type SavedToken = (String, String, String, Option<jiff::Timestamp>);

/// What a restarted cluster starts from.
pub struct Restore {
    pub store: Arc<Store>,
    pub admin_token: String,
    pub tokens: Vec<SavedToken>,
    pub registry: Registry,
    /// Taken by whoever serves TLS.
    pub certs: Option<Certs>,
}

/// Reads the state file; None when it does not exist yet (the first run).
pub fn load(path: &Path, speed: f64) -> anyhow::Result<Option<Restore>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(e).with_context(|| format!("reading the state file {}", path.display()));
        }
    };
    parse(&text, speed).map(Some).map_err(|why| {
        anyhow::anyhow!(
            "the state file {} cannot be used: {why} (move it away to start a fresh cluster)",
            path.display()
        )
    })
}

fn parse(text: &str, speed: f64) -> Result<Restore, String> {
    let saved: Value = serde_json::from_str(text).map_err(|e| format!("it is not JSON ({e})"))?;
    if saved["kind"] != KIND {
        return Err(format!(
            "it is not a kubetour simulated cluster's state (no \"kind\": \"{KIND}\")"
        ));
    }
    if saved["version"].as_u64() != Some(VERSION) {
        return Err(format!(
            "it has format version {}, this kubetour reads {VERSION}",
            saved["version"]
        ));
    }
    let rv = saved["resourceVersion"]
        .as_u64()
        .ok_or("resourceVersion is missing")?;
    let mut objects = Vec::new();
    for (i, entry) in saved["objects"]
        .as_array()
        .ok_or("objects is missing")?
        .iter()
        .enumerate()
    {
        let resource = entry["resource"].as_str().unwrap_or_default();
        let res = resource_of(resource)
            .ok_or_else(|| format!("objects[{i}]: unknown resource {resource:?}"))?;
        objects.push((res, entry["object"].clone()));
    }
    let store =
        Store::restored(Clock::new(speed), rv, objects).map_err(|e| format!("objects: {e}"))?;
    let admin_token = saved["adminToken"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or("adminToken is missing")?
        .to_string();
    let mut tokens = Vec::new();
    for t in saved["serviceAccountTokens"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let s = |k: &str| t[k].as_str().unwrap_or_default().to_string();
        let expires = match t["expires"].as_str() {
            Some(at) => Some(
                at.parse()
                    .map_err(|_| format!("a token's expiry {at:?} is not a time"))?,
            ),
            None => None,
        };
        tokens.push((s("token"), s("namespace"), s("name"), expires));
    }
    let registry = Registry::import(&saved["emqx"])?;
    let tls = &saved["tls"];
    let der = |v: &Value, what: &str| {
        v.as_str()
            .and_then(unhex)
            .ok_or_else(|| format!("tls.{what} is not hex"))
    };
    let mut chain = Vec::new();
    for c in tls["chainDer"]
        .as_array()
        .ok_or("tls.chainDer is missing")?
    {
        chain.push(CertificateDer::from(der(c, "chainDer")?));
    }
    let certs = Certs {
        ca_pem: tls["caPem"]
            .as_str()
            .ok_or("tls.caPem is missing")?
            .to_string(),
        chain,
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der(&tls["keyDer"], "keyDer")?)),
    };
    Ok(Restore {
        store,
        admin_token,
        tokens,
        registry,
        certs: Some(certs),
    })
}

/// The cluster's state as the file holds it.
pub fn capture(state: &ApiState, certs: &Certs) -> Value {
    let (rv, objects) = state.store.snapshot();
    let objects: Vec<Value> = objects
        .into_iter()
        .map(|(res, object)| json!({"resource": resource_name(res), "object": object}))
        .collect();
    let tokens: Vec<Value> = state
        .world
        .tokens
        .export()
        .into_iter()
        .map(|(token, namespace, name, expires)| {
            let mut t = json!({"token": token, "namespace": namespace, "name": name});
            if let Some(at) = expires {
                t["expires"] = json!(at.to_string());
            }
            t
        })
        .collect();
    let key = match &certs.key {
        PrivateKeyDer::Pkcs8(k) => hex(k.secret_pkcs8_der()),
        other => hex(other.secret_der()),
    };
    json!({
        "kind": KIND, "version": VERSION,
        "resourceVersion": rv,
        "adminToken": state.auth.admin_token(),
        "tls": {
            "caPem": certs.ca_pem,
            "chainDer": certs.chain.iter().map(|c| hex(c)).collect::<Vec<_>>(),
            "keyDer": key,
        },
        "serviceAccountTokens": tokens,
        "emqx": lock(&state.world.registry).export(),
        "objects": objects,
    })
}

/// Writes `saved` to `path` all at once: a temporary file in the same directory, then
/// a rename, so a crash mid-write leaves the previous file whole. Mode 0600 (it holds
/// the admin token and the serving key).
pub fn write(path: &Path, saved: &Value) -> anyhow::Result<()> {
    let tmp = temp_path(path);
    let text = serde_json::to_vec(saved).context("encoding the state")?;
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options
            .open(&tmp)
            .with_context(|| format!("writing {}", tmp.display()))?;
        f.write_all(&text)
            .with_context(|| format!("writing {}", tmp.display()))?;
        f.sync_all()
            .with_context(|| format!("writing {}", tmp.display()))?;
    }
    std::fs::rename(&tmp, path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Keeps the file written: after each burst of changes to the objects, and when EMQX
/// membership (which lives beside the objects) changed. Runs until aborted.
pub async fn keep_written(state: Arc<ApiState>, certs: Arc<Certs>, path: PathBuf) {
    let mut live = match state.store.subscribe(None) {
        Ok(s) => s.live,
        Err(_) => return,
    };
    let mut membership = lock(&state.world.registry).export();
    let mut failing = false;
    loop {
        let changed = tokio::select! {
            r = live.recv() => !matches!(r, Err(RecvError::Closed)),
            // Membership changes write no object; look at it once a second.
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                let now = lock(&state.world.registry).export();
                let moved = now != membership;
                membership = now;
                moved
            }
        };
        if !changed {
            continue;
        }
        tokio::time::sleep(DEBOUNCE).await;
        // Whatever came in meanwhile is in the snapshot taken now.
        while live.try_recv().is_ok() {}
        match write(&path, &capture(&state, &certs)) {
            Ok(()) => failing = false,
            Err(e) if !failing => {
                failing = true;
                eprintln!("# could not save the cluster's state: {e:#}");
            }
            Err(_) => {}
        }
    }
}

fn resource_name(res: Res) -> String {
    let info = res.info();
    format!("{}/{}", info.api_version(), info.plural)
}

fn resource_of(name: &str) -> Option<Res> {
    ALL.iter()
        .find(|i| resource_name(i.res) == name)
        .map(|i| i.res)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
