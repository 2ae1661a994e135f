//! Retrying what fails for a passing reason. An API server under load answers 429 (with
//! a Retry-After), a restarting one 500/503, a flaky network drops connections; a
//! workshop's bad wifi makes all of these ordinary. Idempotent calls (reads, server-side
//! apply, deletes) are retried a few times with backoff before the error is reported.

use std::future::Future;
use std::time::Duration;

/// How many times a call is tried in all.
const ATTEMPTS: u32 = 6;
const FIRST_DELAY: Duration = Duration::from_millis(100);
const MAX_DELAY: Duration = Duration::from_secs(5);

/// Whether an error is worth another try.
pub fn is_transient(e: &kube::Error) -> bool {
    if let Some(u) = super::reach::unreached(e) {
        return u.is_transient();
    }
    match e {
        kube::Error::Api(status) => matches!(status.code, 429 | 500 | 502 | 503 | 504),
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        _ => false,
    }
}

/// The server's own advice on when to come back (Retry-After / retryAfterSeconds).
fn advised_delay(e: &kube::Error) -> Option<Duration> {
    match e {
        kube::Error::Api(status) => status
            .details
            .as_ref()
            .map(|d| d.retry_after_seconds)
            .filter(|s| *s > 0)
            .map(|s| Duration::from_secs(u64::from(s)).min(MAX_DELAY)),
        _ => None,
    }
}

/// Runs `call` until it succeeds, fails for good, or the attempts run out.
pub async fn transient<T, F, Fut>(mut call: F) -> kube::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = kube::Result<T>>,
{
    let mut delay = FIRST_DELAY;
    let mut attempt = 1;
    loop {
        match call().await {
            Err(e) if attempt < ATTEMPTS && is_transient(&e) => {
                tokio::time::sleep(advised_delay(&e).unwrap_or(delay)).await;
                delay = (delay * 2).min(MAX_DELAY);
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn api_error(code: u16) -> kube::Error {
        kube::Error::Api(Box::new(kube::core::Status {
            code,
            ..Default::default()
        }))
    }

    #[tokio::test(start_paused = true)]
    async fn a_passing_failure_is_retried_until_the_call_succeeds() {
        let calls = AtomicU32::new(0);
        let result = transient(|| async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => Err(api_error(500)),
                1 => Err(api_error(429)),
                _ => Ok(7),
            }
        })
        .await;
        assert_eq!(result.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_real_refusal_is_not_retried() {
        let calls = AtomicU32::new(0);
        let result: kube::Result<()> = transient(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(api_error(422))
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn retries_give_up_after_a_few_attempts() {
        let calls = AtomicU32::new(0);
        let result: kube::Result<()> = transient(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(api_error(503))
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), ATTEMPTS);
    }
}
