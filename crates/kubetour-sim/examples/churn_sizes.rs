//! What the simulated cluster retains under churn (issue 23): a Deployment of 3 EMQX
//! pods, one pod deleted every 3 s of simulated (paused tokio) time, and every 50
//! deletions the sizes of what could grow: stored objects and Events, watch history (and
//! its JSON bytes), container logs, EMQX membership, MQTT clients.
//!
//! `cargo run -p kubetour-sim --example churn_sizes -- 400`
//!
//! The process exits without freeing anything, so `heaptrack` run on it reports what is
//! live at the end as leaks: `heaptrack_print -f FILE --print-leaks 1`, two lengths
//! (a multiple of 100 deletions each, which is the same phase of the 5-minute compaction)
//! compared site by site.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use kubetour_sim::{Sim, SimConfig};
use serde_json::json;

/// The system allocator, counting the bytes the program holds: what is live, exactly,
/// as opposed to `mallinfo2`'s figure, which also counts the allocator's own overhead.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static BLOCKS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call goes straight to `System`; only the counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
            BLOCKS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        BLOCKS.fetch_sub(1, Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            LIVE.fetch_add(new_size, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() -> anyhow::Result<()> {
    rustls::crypto::ring::default_provider()
        .install_default()
        .ok();
    let deletions: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()?
        .block_on(churn(deletions))
}

async fn churn(deletions: usize) -> anyhow::Result<()> {
    let sim = Sim::start(SimConfig::default());
    let client = sim.client();
    let deploy: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "emqx"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "emqx"}},
            "template": {"metadata": {"labels": {"app": "emqx"}},
                "spec": {"containers": [{"name": "emqx", "image": "emqx/emqx:5.8.9"}]}}}
    }))?;
    Api::<Deployment>::namespaced(client.clone(), "default")
        .create(&PostParams::default(), &deploy)
        .await?;
    let pods: Api<Pod> = Api::namespaced(client, "default");
    tokio::time::sleep(Duration::from_secs(60)).await;
    println!(
        "deleted objects events events_kB packed_kB history history_kB log_kB containers emqx_nodes rss_kB heap_kB live_kB blocks tasks"
    );
    for i in 0..=deletions {
        if i % 50 == 0 {
            report(&sim, i);
        }
        if i == deletions {
            break;
        }
        let mut running: Vec<Pod> = pods
            .list(&ListParams::default().labels("app=emqx"))
            .await?
            .items
            .into_iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .collect();
        running.sort_by_key(|p| p.metadata.creation_timestamp.clone().map(|t| t.0));
        if let Some(name) = running.first().and_then(|p| p.metadata.name.clone()) {
            pods.delete(&name, &DeleteParams::default()).await?;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    // Leave without dropping the cluster: under `heaptrack` (or valgrind) everything
    // still live at the last report then shows up as "leaked", by allocation site, so
    // two runs of different lengths can be compared site by site.
    std::process::exit(0)
}

fn report(sim: &Sim, deleted: usize) {
    // The process's own figures first, then sizes read where they are held: nothing
    // here may parse the stored Events back into trees (a snapshot would, and its peak
    // would show up in RSS as if the cluster held it).
    let (rss, heap, live, blocks) = (
        rss_kb(),
        heap_kb(),
        LIVE.load(Ordering::Relaxed) / 1024,
        BLOCKS.load(Ordering::Relaxed),
    );
    let store = &sim.store;
    let held = store.held_sizes();
    let world = &sim.api_state().world;
    let containers = world.containers.lock().unwrap();
    let log_bytes: usize = containers
        .values()
        .flat_map(|c| {
            c.log
                .current
                .lines
                .iter()
                .chain(c.log.previous.iter().flat_map(|p| &p.lines))
        })
        .map(|l| l.text.len())
        .sum();
    let nodes = world.registry.lock().unwrap().sizes().0;
    println!(
        "{deleted:>7} {:>7} {:>6} {:>9} {:>9} {:>7} {:>10} {:>6} {:>10} {nodes:>10} {rss:>6} {heap:>7} {live:>7} {blocks:>7} {:>5}",
        held.objects,
        held.events,
        held.event_text / 1024,
        held.event_packed / 1024,
        store.history_len(),
        store.history_bytes() / 1024,
        log_bytes / 1024,
        containers.len(),
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks(),
    );
}

/// This process's resident set (`VmRSS` in /proc/self/status), 0 where there is none.
fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Bytes the allocator has handed out and not had back (glibc's `mallinfo2`): what the
/// program holds, as opposed to what RSS also counts (freed memory not yet returned).
fn heap_kb() -> u64 {
    // SAFETY: mallinfo2 only reads the allocator's counters.
    let info = unsafe { libc::mallinfo2() };
    (info.uordblks / 1024) as u64
}
