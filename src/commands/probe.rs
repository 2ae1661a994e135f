//! `kubetour probe`: prove delivery on any cluster, for operators. Every Running pod the
//! selector matches in the namespace (not only what kubetour created) gets a port-forward
//! and an MQTT connection; one message is published from each to all; the matrix
//! (published on → received on) is printed. Exit 0 when every pair delivered, 1 when
//! some did not, 2 on errors (no such pods, a bad selector, a refused port-forward).

use std::process::ExitCode;

use anyhow::{Context, bail};
use k8s_openapi::api::core::v1::Pod;
use kube::ResourceExt;

use crate::cli::ProbeArgs;
use crate::cluster::errors::explain;
use crate::cluster::facts;
use crate::cluster::portforward_mqtt::Login;
use crate::delivery::{Expectation, Matrix, RoundOptions, run_round, table};

/// A label selector as kubectl -l takes it: `k=v`, `k==v`, `k!=v`, `k`, `!k`, or a
/// set-based term (`k in (a,b)`), comma-separated.
pub fn check_selector(selector: &str) -> Result<(), String> {
    let s = selector.trim();
    if s.is_empty() {
        return Err("the label selector is empty: give e.g. --selector app=emqx".into());
    }
    if s.contains('(') {
        // Set-based: the API server judges it and names what is wrong.
        return Ok(());
    }
    let key_ok = |k: &str| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
    };
    for part in s.split(',') {
        let part = part.trim();
        let (key, value) = match part.split_once("!=").or_else(|| part.split_once('=')) {
            Some((k, v)) => (k.trim(), Some(v.trim().trim_start_matches('='))),
            None => (part.trim_start_matches('!'), None),
        };
        let value_ok = value.is_none_or(|v| {
            v.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        });
        if !key_ok(key) || !value_ok {
            return Err(format!(
                "label selector `{selector}`: `{part}` is not key=value, key!=value, key or !key"
            ));
        }
    }
    Ok(())
}

fn running(p: &Pod) -> bool {
    p.metadata.deletion_timestamp.is_none()
        && p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
}

pub fn run(args: &ProbeArgs) -> anyhow::Result<ExitCode> {
    check_selector(&args.selector).map_err(anyhow::Error::msg)?;
    let login = match (&args.username, &args.password) {
        (Some(u), Some(p)) => Some(Login {
            username: u.clone(),
            password: p.clone(),
        }),
        (None, None) => None,
        _ => bail!("give both --username and --password, or neither"),
    };
    let options = RoundOptions {
        port: args.port,
        timeout: args.timeout,
        login,
    };
    let rt = crate::commands::runtime::runtime()?;
    let outcome = rt.block_on(probe(args, &options));
    match outcome {
        Ok(matrix) => Ok(report(args, &matrix)),
        Err(e) if args.json => {
            let out = serde_json::json!({"ok": false, "error": format!("{e:#}")});
            println!("{out}");
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e),
    }
}

async fn probe(args: &ProbeArgs, options: &RoundOptions) -> anyhow::Result<Matrix> {
    let ns = args.namespace.as_str();
    let opened = crate::commands::target::open(&args.target, ns).await?;
    let client = opened.connection.client.clone();
    let pods = facts::pods_matching(&client, ns, &args.selector)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "listing pods with selector `{}` in namespace {ns}: {}",
                args.selector,
                explain(&e)
            )
        })?;
    let mut names: Vec<String> = pods
        .iter()
        .filter(|p| running(p))
        .map(|p| p.name_any())
        .collect();
    names.sort();
    if names.len() < 2 {
        let all: Vec<String> = pods.iter().map(|p| p.name_any()).collect();
        bail!(
            "delivery needs two or more Running pods matching `{}` in namespace {ns}; found {} \
             Running{}",
            args.selector,
            names.len(),
            if all.is_empty() {
                " (no pod matches at all: check --namespace and --selector)".to_string()
            } else {
                format!(" of {} matching: {}", all.len(), all.join(", "))
            }
        );
    }
    let matrix = run_round(&client, ns, &names, options).await;
    if let Some(refused) = matrix
        .refused
        .as_ref()
        .filter(|r| r.trouble.is_cluster_wide())
    {
        return Err(anyhow::anyhow!("{refused}")).with_context(|| {
            format!(
                "port-forward to the pods in namespace {ns} was refused, so no MQTT \
                 connection could be made (kubetour probe needs `create` on \
                 `pods/portforward` in {ns})"
            )
        });
    }
    if matrix.unreachable.len() == matrix.pods.len()
        && let Some((pod, why)) = matrix.unreachable.iter().next()
    {
        bail!(
            "no MQTT connection to any of the {} pods in namespace {ns} (port {}); {pod}: {why}",
            matrix.pods.len(),
            options.port
        );
    }
    Ok(matrix)
}

fn report(args: &ProbeArgs, m: &Matrix) -> ExitCode {
    let ok = m.judge(Expectation::EveryPair).met;
    if args.json {
        let out = serde_json::json!({
            "ok": ok,
            "namespace": args.namespace,
            "selector": args.selector,
            "matrix": m,
        });
        println!("{out}");
    } else {
        print!("{}", table::plain(m));
        let (delivered, of) = m.across();
        println!(
            "{delivered}/{of} pairs across pods delivered in {} ms: {}",
            m.elapsed.as_millis(),
            if ok {
                "every node reaches every other"
            } else {
                "NOT every pair delivered"
            }
        );
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
