//! Simulated time: wall-clock timestamps that follow tokio's clock.
//!
//! Tests run the sim on paused tokio time; timestamps must advance with it, so "now" is
//! the wall time at start plus tokio's elapsed time, never `SystemTime::now()` directly.

use std::time::Duration;

use jiff::Timestamp;
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct Clock {
    start_wall: Timestamp,
    start: Instant,
    /// Simulated delays are divided by this (2.0 = twice as fast).
    speed: f64,
}

impl Clock {
    pub fn new(speed: f64) -> Self {
        let speed = if speed.is_finite() && speed > 0.0 {
            speed
        } else {
            1.0
        };
        Clock {
            start_wall: Timestamp::now(),
            start: Instant::now(),
            speed,
        }
    }

    pub fn now(&self) -> Timestamp {
        let elapsed = self.start.elapsed();
        self.start_wall
            .checked_add(jiff::SignedDuration::try_from(elapsed).unwrap_or_default())
            .unwrap_or(self.start_wall)
    }

    /// RFC 3339 with whole seconds, as the API server writes metadata timestamps.
    pub fn now_rfc3339(&self) -> String {
        format_seconds(self.now())
    }

    /// A simulated delay scaled by the speed factor.
    pub fn scaled(&self, d: Duration) -> Duration {
        d.div_f64(self.speed)
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }
}

/// `2026-11-22T11:47:45Z`
pub fn format_seconds(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn timestamps_follow_paused_tokio_time() {
        let clock = Clock::new(1.0);
        let before = clock.now();
        tokio::time::sleep(Duration::from_secs(3600)).await;
        let after = clock.now();
        let diff = after.duration_since(before);
        assert!(diff.as_secs() >= 3600, "advanced only {diff:?}");
        assert!(clock.now_rfc3339().ends_with('Z'));
    }

    #[test]
    fn speed_divides_delays() {
        let clock = Clock::new(50.0);
        assert_eq!(
            clock.scaled(Duration::from_secs(10)),
            Duration::from_millis(200)
        );
        assert_eq!(Clock::new(-1.0).speed(), 1.0);
    }
}
