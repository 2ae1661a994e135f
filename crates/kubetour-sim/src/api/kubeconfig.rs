//! The kubeconfig that reaches a served sim: CA embedded, the admin token, written with
//! mode 0600 (it holds a credential).

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

pub const CONTEXT: &str = "kubetour-sim";

pub fn render(addr: SocketAddr, ca_pem: &str, token: &str) -> anyhow::Result<String> {
    let doc = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": {
            "server": format!("https://{addr}"),
            "certificate-authority-data": STANDARD.encode(ca_pem),
        }}],
        "users": [{"name": "kubetour-admin", "user": {"token": token}}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": "kubetour-admin", "namespace": "default"}}],
        "current-context": CONTEXT,
        "preferences": {},
    });
    crate::yaml::to_string(&doc).map_err(|e| anyhow::anyhow!("rendering the kubeconfig: {e}"))
}

/// Writes `text` to `path` readable by the owner only.
pub fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    // "No such file or directory" about a file we are creating means its directory.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        anyhow::bail!(
            "cannot write the kubeconfig {}: the directory {} does not exist",
            path.display(),
            dir.display()
        );
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let mut file = options
            .open(path)
            .with_context(|| format!("writing {}", path.display()))?;
        // An existing file keeps its mode on open; tighten it.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("setting the mode of {}", path.display()))?;
        file.write_all(text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    #[cfg(not(unix))]
    {
        let mut file = options
            .open(path)
            .with_context(|| format!("writing {}", path.display()))?;
        file.write_all(text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kubeconfig_embeds_the_ca_and_is_private() {
        let text = render("127.0.0.1:6443".parse().unwrap(), "PEM", "tok").unwrap();
        assert!(text.contains("https://127.0.0.1:6443"));
        assert!(text.contains(&STANDARD.encode("PEM")));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kc");
        write_private(&path, &text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
