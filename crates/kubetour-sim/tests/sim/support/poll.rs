//! Waiting for what a client waits for: never a fixed sleep.
#![allow(dead_code)]

use std::time::Duration;

/// Polls `check` every 100 ms until it gives Some; fails after about 60 s (of real or
/// paused time).
pub async fn eventually<T, F, Fut>(what: &str, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    eventually_within(60, what, check).await
}

/// `eventually` with a limit of `secs` (paused-time tests wait minutes of simulated time).
pub async fn eventually_within<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..secs * 10 {
        if let Some(v) = check().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}
