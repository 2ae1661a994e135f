//! Image pulls as the kubelet does them: once per node and image (unless the pull
//! policy says Always), 1–2 s each, with the events real kubelets write; a pull the
//! container runtime refuses goes ErrImagePull -> ImagePullBackOff and is retried with
//! a doubling back-off.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::events::Event;
use super::names;
use super::podrun::{MAX_BACKOFF, NOTICE, PodCtx, lock, sleep_or_deleted};
use super::podstatus::PodModel;

enum Pull {
    Done,
    Failed(String),
    Deleted,
}

/// Pulls container `i`'s image until it is there. True when deletion interrupted it.
pub async fn ensure_image(
    ctx: &PodCtx,
    model: &mut PodModel,
    i: usize,
    deleting: &mut watch::Receiver<bool>,
) -> bool {
    let mut backoff = Duration::from_secs(10);
    loop {
        let error = match pull(ctx, model, i, deleting).await {
            Pull::Done => return false,
            Pull::Deleted => return true,
            Pull::Failed(error) => error,
        };
        let (name, image) = {
            let c = &model.containers[i];
            (c.name.clone(), c.image.clone())
        };
        let event = |e: Event| ctx.event(e.on_container(&name));
        event(Event::warning(
            "Failed",
            format!("Failed to pull image \"{image}\": {error}"),
        ));
        event(Event::warning("Failed", "Error: ErrImagePull"));
        model.containers[i].set_waiting("ErrImagePull", Some(error.clone()));
        ctx.write(model);
        if sleep_or_deleted(ctx.scaled(NOTICE), deleting).await {
            return true;
        }
        event(Event::normal(
            "BackOff",
            format!("Back-off pulling image \"{image}\""),
        ));
        event(Event::warning("Failed", "Error: ImagePullBackOff"));
        model.containers[i].set_waiting(
            "ImagePullBackOff",
            Some(format!(
                "Back-off pulling image \"{image}\": ErrImagePull: {error}"
            )),
        );
        ctx.write(model);
        if sleep_or_deleted(ctx.scaled(backoff), deleting).await {
            return true;
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn pull(
    ctx: &PodCtx,
    model: &PodModel,
    i: usize,
    deleting: &mut watch::Receiver<bool>,
) -> Pull {
    let c = &model.containers[i];
    let image = c.image.clone();
    let always = c.spec["imagePullPolicy"].as_str() == Some("Always")
        || (c.spec["imagePullPolicy"].is_null() && pulls_always_by_default(&image));
    let refused = ctx.runtimes.for_image(&image).pull_error(&image);
    let simulated = pull_duration(&image);
    let now = Instant::now();
    let key = (ctx.node.clone(), image.clone());
    let ready_at = {
        let mut nodes = lock(&ctx.nodes);
        match nodes.images.get(&key) {
            Some(t) if *t <= now && !always => None,
            Some(t) if *t > now => Some(*t),
            _ if refused.is_some() => Some(now + ctx.scaled(simulated)),
            _ => {
                let t = now + ctx.scaled(simulated);
                nodes.images.insert(key, t);
                Some(t)
            }
        }
    };
    let event = |e: Event| ctx.event(e.on_container(&c.name));
    let Some(ready_at) = ready_at else {
        event(Event::normal(
            "Pulled",
            format!("Container image \"{image}\" already present on machine"),
        ));
        return Pull::Done;
    };
    event(Event::normal(
        "Pulling",
        format!("Pulling image \"{image}\""),
    ));
    if sleep_or_deleted(ready_at.saturating_duration_since(now), deleting).await {
        return Pull::Deleted;
    }
    if let Some(error) = refused {
        return Pull::Failed(error);
    }
    let took = format!("{:.3}s", simulated.as_secs_f64());
    event(Event::normal(
        "Pulled",
        format!(
            "Successfully pulled image \"{image}\" in {took} ({took} including waiting). Image size: {} bytes.",
            image_size(&image)
        ),
    ));
    Pull::Done
}

/// `:latest` or no tag means imagePullPolicy Always, as the API server defaults it.
fn pulls_always_by_default(image: &str) -> bool {
    let last = image.rsplit('/').next().unwrap_or(image);
    if image.contains('@') {
        return false;
    }
    match last.split_once(':') {
        Some((_, tag)) => tag == "latest",
        None => true,
    }
}

/// 1–2 s, fixed per image so runs repeat.
fn pull_duration(image: &str) -> Duration {
    let h = names::fnv32a(image.as_bytes());
    Duration::from_millis(1000 + u64::from(h % 1000))
}

fn image_size(image: &str) -> u64 {
    40_000_000 + u64::from(names::fnv32a(image.as_bytes()) % 80_000_000)
}

/// The reference containerd resolves: `nginx:1.27` -> `docker.io/library/nginx:1.27`.
pub fn full_reference(image: &str) -> String {
    let first = image.split('/').next().unwrap_or("");
    let has_registry =
        image.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    if has_registry {
        image.to_string()
    } else if image.contains('/') {
        format!("docker.io/{image}")
    } else {
        format!("docker.io/library/{image}")
    }
}

/// containerd's error for an image that does not exist.
pub fn not_found_error(image: &str) -> String {
    let full = full_reference(image);
    format!(
        "rpc error: code = NotFound desc = failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": {full}: not found"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_image_names_resolve_like_containerd_does() {
        assert_eq!(full_reference("nginx:1.27"), "docker.io/library/nginx:1.27");
        assert_eq!(
            full_reference("emqx/emqx:5.8.9"),
            "docker.io/emqx/emqx:5.8.9"
        );
        assert_eq!(full_reference("quay.io/x/y:1"), "quay.io/x/y:1");
        assert!(not_found_error("nginx:1.99").ends_with("docker.io/library/nginx:1.99: not found"));
    }

    #[test]
    fn latest_or_untagged_images_are_pulled_always() {
        assert!(pulls_always_by_default("nginx"));
        assert!(pulls_always_by_default("nginx:latest"));
        assert!(!pulls_always_by_default("nginx:1.27"));
        assert!(!pulls_always_by_default("localhost:5000/nginx:1.27"));
    }
}
