//! A slow API server on demand (`sim serve --latency 2s`): every answer, watches
//! included, starts that much later. For showing that a client's screen does not wait
//! for the cluster (the benchmark's start-up figure); off unless asked for.

use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;

/// Puts `delay` in front of every request the router answers.
pub fn layer(router: Router, delay: Duration) -> Router {
    router.layer(middleware::from_fn_with_state(delay, slow))
}

async fn slow(State(delay): State<Duration>, req: Request, next: Next) -> Response {
    tokio::time::sleep(delay).await;
    next.run(req).await
}

/// `--latency`: a duration such as `2s`, `250ms` or `1m`.
pub fn parse(text: &str) -> Result<Duration, String> {
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((text, ""), |i| text.split_at(i));
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: give one such as 2s or 250ms"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => {
            return Err(format!(
                "`{text}` has no unit this understands: use ms, s or m (2s, 250ms)"
            ));
        }
    };
    if !(0.0..=600.0).contains(&seconds) {
        return Err(format!("{text} is not a usable latency: give 0 to 10m"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_read_with_their_unit() {
        assert_eq!(parse("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse("2").unwrap_err().contains("no unit"));
        assert!(parse("fast").unwrap_err().contains("not a duration"));
        assert!(parse("11m").unwrap_err().contains("not a usable latency"));
    }
}
