//! When to retry, how long to wait, and how fast to write: `Retry-After`
//! parsing, exponential backoff with jitter, and a pacer that keeps writes
//! under the service's quota instead of discovering it by 429s.

use rand::Rng;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// Parses `Retry-After`: whole or fractional seconds (the docs show
/// `2.128`) or an HTTP date. `None` for anything else (then back off).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(24.0 * 3600.0)));
        }
        return None;
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Whether an HTTP status is worth another try: throttling and the
/// transient server errors.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// Exponential backoff with full jitter: a random wait in
/// `[base/2, base * 2^attempt]`, capped.
pub fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let exp = base.as_secs_f64() * 2f64.powi(attempt.min(16) as i32);
    let top = exp.min(cap.as_secs_f64()).max(base.as_secs_f64() / 2.0);
    let low = (base.as_secs_f64() / 2.0).min(top);
    let secs = rand::thread_rng().gen_range(low..=top);
    Duration::from_secs_f64(secs)
}

/// Sleeps for `d` unless cancelled first; returns false when cancelled.
pub async fn sleep_or_cancel(d: Duration, cancel: &CancellationToken) -> bool {
    if d.is_zero() {
        return !cancel.is_cancelled();
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => !cancel.is_cancelled(),
        _ = cancel.cancelled() => false,
    }
}

/// Spaces writes evenly at a rate per second, allowing a burst (a generic
/// cell-rate algorithm). Shared by every batch of a client, so several
/// batches in flight together stay under the quota. When the service still
/// throttles (the quota is shared with other apps, or set wrong), every
/// write waits out the `Retry-After` and the pace slows down.
pub struct Pacer {
    state: Mutex<PacerState>,
    /// The configured burst, the most the pacer ever allows.
    base_burst: u32,
}

struct PacerState {
    /// The configured spacing, the fastest the pacer ever goes.
    base: Duration,
    interval: Duration,
    burst: u32,
    tat: Option<Instant>,
    paused_until: Option<Instant>,
}

impl Pacer {
    pub fn new(rate_per_second: f64, burst: u32) -> Self {
        let rate = if rate_per_second.is_finite() && rate_per_second > 0.0 { rate_per_second } else { 1e9 };
        Pacer {
            state: Mutex::new(PacerState {
                base: Duration::from_secs_f64(1.0 / rate),
                interval: Duration::from_secs_f64(1.0 / rate),
                burst: burst.max(1),
                tat: None,
                paused_until: None,
            }),
            base_burst: burst.max(1),
        }
    }

    /// Waits until `n` writes may be sent. Returns the time waited, or
    /// `None` when cancelled (nothing was reserved then).
    pub async fn acquire(&self, n: u32, cancel: &CancellationToken) -> Option<Duration> {
        let wait_until = {
            let mut st = self.state.lock().await;
            if cancel.is_cancelled() {
                return None;
            }
            let now = Instant::now();
            let mut start = match st.tat {
                Some(t) if t > now => t,
                _ => now,
            };
            if let Some(p) = st.paused_until {
                if p > start {
                    start = p;
                }
            }
            let next = start + st.interval * n;
            let slack = st.interval * st.burst;
            let wait_until = next.checked_sub(slack).unwrap_or(now).max(now).max(st.paused_until.unwrap_or(now));
            st.tat = Some(next);
            wait_until
        };
        let wait = wait_until.saturating_duration_since(Instant::now());
        if sleep_or_cancel(wait, cancel).await {
            Some(wait)
        } else {
            None
        }
    }

    /// The service answered 429 to a write: nothing more is sent before
    /// `retry_after` has passed, the pace drops by a third (down to one
    /// write a second) and the burst allowed is halved.
    pub async fn throttled(&self, retry_after: Duration) {
        let mut st = self.state.lock().await;
        let now = Instant::now();
        let until = now + retry_after;
        // One slow-down per episode: the answers of one burst arrive together.
        if st.paused_until.map_or(true, |p| p <= now) {
            let slower = st.interval.mul_f64(1.5);
            st.interval = slower.min(Duration::from_secs(1)).max(st.interval);
            st.burst = (st.burst / 2).max(1);
        }
        if st.paused_until.map_or(true, |p| p < until) {
            st.paused_until = Some(until);
        }
    }

    /// A batch of writes went through unthrottled: the pace recovers by 10%
    /// toward the configured rate (additive-increase, multiplicative-decrease
    /// with `throttled`).
    pub async fn succeeded(&self) {
        let mut st = self.state.lock().await;
        st.interval = st.interval.div_f64(1.1).max(st.base);
        st.burst = (st.burst + 1).min(self.base_burst);
    }

    /// The current pace, in writes per second.
    pub async fn rate(&self) -> f64 {
        1.0 / self.state.lock().await.interval.as_secs_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("2.128", now), Some(Duration::from_millis(2128)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(30)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        for bad in ["", "soon", "-1", "NaN", "inf", "1e400"] {
            assert_eq!(parse_retry_after(bad, now), None, "{}", bad);
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_millis(500);
        let cap = Duration::from_secs(30);
        for attempt in 0..20 {
            let d = backoff(attempt, base, cap);
            assert!(d >= Duration::from_millis(250) && d <= cap, "{:?}", d);
        }
        // Later attempts can wait longer than the first ever can.
        let max_first = (0..200).map(|_| backoff(0, base, cap)).max().unwrap();
        assert!(max_first <= base);
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn pacer_spaces_writes_to_the_rate() {
        let pacer = Pacer::new(20.0, 20);
        let cancel = CancellationToken::new();
        let start = Instant::now();
        for _ in 0..10 {
            pacer.acquire(20, &cancel).await.unwrap();
        }
        // 200 writes at 20/s with a burst of 20: at least 9 s.
        let took = start.elapsed();
        assert!(took >= Duration::from_secs(9) && took < Duration::from_secs(11), "{:?}", took);
        cancel.cancel();
        assert!(pacer.acquire(20, &cancel).await.is_none());
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn throttling_pauses_every_write_and_slows_the_pace() {
        let pacer = Pacer::new(100.0, 100);
        let cancel = CancellationToken::new();
        pacer.acquire(100, &cancel).await.unwrap();
        pacer.throttled(Duration::from_secs(3)).await;
        assert!(pacer.rate().await < 100.0);
        let waited = pacer.acquire(1, &cancel).await.unwrap();
        assert!(waited >= Duration::from_secs(3), "{:?}", waited);
        // A shorter Retry-After later does not shorten the pause.
        pacer.throttled(Duration::from_millis(10)).await;
        assert!(pacer.rate().await >= 1.0);
        // Successes bring the pace back, never above the configured rate.
        for _ in 0..200 {
            pacer.succeeded().await;
        }
        assert!((pacer.rate().await - 100.0).abs() < 1e-6);
    }
}
