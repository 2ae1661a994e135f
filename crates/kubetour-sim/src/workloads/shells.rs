//! The shell of a simulated container (`sim::shell`) with what the container sees: its
//! environment, hostname, the kubelet-managed /etc/hosts and /etc/resolv.conf, the
//! EMQX data directory, and `emqx ctl` / `emqx_ctl` going to the EMQX model. Files a
//! shell writes (`kubectl cp`, `>`) stay with the container until the pod goes.

use std::sync::Arc;

use serde_json::Value;

use super::env::{effective_env, pod_facts};
use super::world::{CtrKey, World, lock};
use crate::emqx::version::{Family, parse_image};
use crate::shell::{Fs, Host, Output, Shell};

/// EMQX's programs in an `emqx/emqx` container, answered by the model.
pub struct ImageHost {
    pub world: Arc<World>,
    pub key: CtrKey,
    pub uid: String,
    pub emqx: bool,
}

impl Host for ImageHost {
    fn program(&mut self, argv: &[String], _stdin: &[u8]) -> Option<Output> {
        let first = argv.first()?;
        let name = first.rsplit('/').next().unwrap_or(first);
        if !self.emqx || !matches!(name, "emqx" | "emqx_ctl") {
            return None;
        }
        let out = self.world.exec(&self.key, &self.uid, argv)?;
        Some(Output {
            stdout: out.stdout.into_bytes(),
            stderr: out.stderr.into_bytes(),
            code: out.exit_code,
        })
    }
}

fn container<'a>(pod: &'a Value, name: &str) -> Option<&'a Value> {
    pod["spec"]["containers"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == name)
}

/// The shell for one container of the pod, with its files as last left, and the host
/// that runs the image's programs.
pub fn open(world: &Arc<World>, pod: &Value, name: &str) -> (Shell, ImageHost) {
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or("");
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or("");
    let uid = pod["metadata"]["uid"].as_str().unwrap_or("").to_string();
    let key: CtrKey = (ns.to_string(), pod_name.to_string(), name.to_string());
    let spec = container(pod, name).cloned().unwrap_or(Value::Null);
    let image = spec["image"].as_str().unwrap_or("");
    let version = parse_image(image);
    let facts = pod_facts(pod);
    let fqdn = match (
        pod["spec"]["hostname"].as_str().filter(|h| !h.is_empty()),
        pod["spec"]["subdomain"].as_str().filter(|s| !s.is_empty()),
    ) {
        (Some(h), Some(sub)) => format!("{h}.{sub}.{ns}.svc.cluster.local"),
        _ => facts.hostname.clone(),
    };
    let home = if version.is_some() {
        "/opt/emqx"
    } else {
        "/root"
    };
    let mut env = vec![
        (
            "PATH".to_string(),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
        ),
        ("HOSTNAME".to_string(), facts.hostname.clone()),
    ];
    env.extend(effective_env(&world.store, pod, &spec));
    for (k, v) in [
        ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
        ("KUBERNETES_SERVICE_PORT", "443"),
        ("KUBERNETES_SERVICE_PORT_HTTPS", "443"),
        ("KUBERNETES_PORT", "tcp://10.96.0.1:443"),
        ("HOME", home),
    ] {
        env.push((k.to_string(), v.to_string()));
    }
    let saved = lock(&world.files)
        .get(&key)
        .filter(|(u, _)| *u == uid)
        .map(|(_, fs)| fs.clone());
    let fs = saved.unwrap_or_else(|| {
        let node = world.node_name(&key, &uid);
        seed(
            &facts.etc_hosts,
            ns,
            &facts.hostname,
            version.as_ref().map(|v| v.family()),
            node,
        )
    });
    let cwd = if version.is_some() { "/opt/emqx" } else { "/" };
    let mut shell = Shell::new(env, cwd, &facts.hostname, &fqdn, fs);
    shell.has_bash = version.as_ref().is_some_and(|v| v.family() == Family::V5);
    let host = ImageHost {
        world: world.clone(),
        emqx: version.is_some(),
        key,
        uid,
    };
    (shell, host)
}

/// Keeps the files a shell left (for the next exec into the same container).
pub fn save(world: &World, host: &ImageHost, shell: &Shell) {
    lock(&world.files).insert(host.key.clone(), (host.uid.clone(), shell.fs.clone()));
}

/// What a fresh container's file system holds that learners look at.
fn seed(
    etc_hosts: &str,
    ns: &str,
    hostname: &str,
    family: Option<Family>,
    node: Option<String>,
) -> Fs {
    let mut fs = Fs::new();
    for dir in ["/etc", "/tmp", "/root", "/var/log"] {
        fs.mkdir_p(dir);
    }
    let resolv = format!(
        "search {ns}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
    );
    let files = [
        ("/etc/hosts", etc_hosts.to_string()),
        ("/etc/resolv.conf", resolv),
        ("/etc/hostname", format!("{hostname}\n")),
    ];
    for (path, text) in files {
        let _ = fs.write(path, text.into_bytes());
    }
    let Some(family) = family else {
        return fs;
    };
    let data = "/opt/emqx/data";
    let node = node.unwrap_or_else(|| "emqx@127.0.0.1".to_string());
    let dirs: &[&str] = match family {
        Family::V4 => &["configs", "mnesia"],
        Family::V5 => &["authz", "certs", "configs", "mnesia", "patches", "trace"],
    };
    for d in dirs {
        fs.mkdir_p(&format!("{data}/{d}"));
    }
    fs.mkdir_p(&format!("{data}/mnesia/{node}"));
    for d in ["bin", "etc", "lib", "log", "releases"] {
        fs.mkdir_p(&format!("/opt/emqx/{d}"));
    }
    if family == Family::V4 {
        let _ = fs.write(
            &format!("{data}/loaded_plugins"),
            b"{emqx_management, true}.\n{emqx_dashboard, true}.\n".to_vec(),
        );
    }
    fs
}
