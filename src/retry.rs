//! When to retry, how long to wait, and how fast to send.
//!
//! - `Retry-After` parsing, and exponential backoff with jitter when there
//!   is none.
//! - [`RetryBudget`]: the one rule for giving up, shared by single requests,
//!   listing pages and `$batch` sub-requests. While the service answers 429
//!   the budget is time (`maxRetryWaitSeconds`), never a count of attempts,
//!   so a change that keeps being throttled waits its turn instead of
//!   starving; other failures (5xx, resets, timeouts) are also bounded by a
//!   count (`maxRetries`).
//! - [`Pace`]: one client's two paces, one for the identity and access
//!   service's resource-unit quota (every request) and one for its write
//!   quota (every PATCH). Every request of the client, single or inside a
//!   `$batch`, listing or bulk, waits its turn on them. They learn from what
//!   the service says: `x-ms-resource-unit` (what a request costs),
//!   `x-ms-throttle-limit-percentage` (sent above 80 % of a limit: slow down
//!   before the service has to refuse), and on a 429 `Retry-After` with
//!   `x-ms-throttle-scope`/`x-ms-throttle-information` (which quota).
//!   Headers as documented in "Microsoft Graph service-specific throttling
//!   limits", identity and access service:
//!   <https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits>.

use rand::Rng;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Parses `Retry-After`: whole or fractional seconds (the docs show
/// `2.128` and `10`) or an HTTP date. `None` for anything else (then back
/// off).
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

/// `Retry-After` plus up to a quarter more, at random: requests the service
/// throttled together do not all come back at the same instant.
pub fn spread(retry_after: Duration) -> Duration {
    let extra = rand::thread_rng().gen_range(0.0..=0.25);
    retry_after + retry_after.mul_f64(extra)
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

/// The bounds on retrying one request (or one `$batch` sub-request).
#[derive(Debug, Clone, Copy)]
pub struct RetryBudget {
    /// Failures other than throttling tolerated (`maxRetries`).
    pub max_failures: u32,
    /// The most time spent retrying, from the first failure on
    /// (`maxRetryWaitSeconds`).
    pub max_wait: Duration,
    /// Base of the backoff when the service says nothing (`backoffBaseSeconds`).
    pub base: Duration,
}

/// One request's retries so far.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryState {
    failures: u32,
    throttles: u32,
    since: Option<Instant>,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Wait this long, then try again.
    Wait(Duration),
    /// Stop: why, in words to append to the last error's message.
    GiveUp(String),
}

impl RetryBudget {
    /// Decides after a retryable failure: a 429 (`throttled`) or a
    /// transient error. `retry_after` is what the service asked for.
    pub fn next(&self, st: &mut RetryState, throttled: bool, retry_after: Option<Duration>) -> Next {
        let now = Instant::now();
        let since = *st.since.get_or_insert(now);
        let exponent = if throttled {
            st.throttles += 1;
            st.throttles - 1
        } else {
            st.failures += 1;
            if st.failures > self.max_failures {
                return Next::GiveUp(format!(
                    "still failing after {} attempt(s); maxRetries is {}",
                    st.failures + st.throttles,
                    self.max_failures
                ));
            }
            st.failures - 1
        };
        let wait = match retry_after {
            Some(ra) => spread(ra),
            None => backoff(exponent, self.base, Duration::from_secs(30)),
        };
        let spent = now.saturating_duration_since(since);
        // Honouring the service's minimum is what counts against the budget.
        let needed = retry_after.unwrap_or(wait);
        if spent + needed > self.max_wait {
            return Next::GiveUp(format!(
                "{} after {:.1} s of retries; waiting {:.1} s more would pass maxRetryWaitSeconds ({} s)",
                if throttled { "still throttled" } else { "still failing" },
                spent.as_secs_f64(),
                needed.as_secs_f64(),
                self.max_wait.as_secs_f64()
            ));
        }
        // Never past the budget for the jitter's sake.
        Next::Wait(wait.min(self.max_wait - spent))
    }
}

/// Which of the service's quotas an answer speaks of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quota {
    /// Resource units per app and tenant (`Tenant_Application/ReadWrite`).
    ResourceUnits,
    /// Writes per app and tenant, or per tenant (`.../Write`).
    Writes,
}

/// What one answer's status and headers say about the quotas.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signal {
    pub status: u16,
    /// `x-ms-resource-unit`: what the request cost.
    pub resource_units: Option<u32>,
    /// `x-ms-throttle-limit-percentage`: the share of a limit used, 0.8 to
    /// 1.8, sent only above 0.8.
    pub limit_fraction: Option<f64>,
    /// On a 429: which quota (`x-ms-throttle-information`, else the limit
    /// part of `x-ms-throttle-scope`).
    pub quota: Option<Quota>,
    pub retry_after: Option<Duration>,
}

impl Signal {
    /// Reads the status and the headers (looked up case-insensitively by
    /// `header`).
    pub fn read(status: u16, header: impl Fn(&str) -> Option<String>, now: SystemTime) -> Signal {
        let resource_units = header("x-ms-resource-unit")
            .and_then(|v| v.trim().parse::<u32>().ok())
            .filter(|n| (1..=1000).contains(n));
        let limit_fraction = header("x-ms-throttle-limit-percentage")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|f| f.is_finite() && (0.0..=10.0).contains(f));
        let quota = header("x-ms-throttle-information")
            .and_then(|i| {
                if i.contains("WriteLimit") {
                    Some(Quota::Writes)
                } else if i.contains("ResourceUnit") {
                    Some(Quota::ResourceUnits)
                } else {
                    None
                }
            })
            .or_else(|| {
                // `<Scope>/<Limit>/<ApplicationId>/<TenantId>`: Limit is
                // ReadWrite (resource units) or Write.
                header("x-ms-throttle-scope").and_then(|s| match s.split('/').nth(1) {
                    Some(l) if l.eq_ignore_ascii_case("Write") => Some(Quota::Writes),
                    Some(l) if l.eq_ignore_ascii_case("ReadWrite") => Some(Quota::ResourceUnits),
                    _ => None,
                })
            });
        let retry_after = header("retry-after").and_then(|v| parse_retry_after(&v, now));
        Signal { status, resource_units, limit_fraction, quota, retry_after }
    }
}

/// Spaces units evenly at a rate per second, allowing a burst (a generic
/// cell-rate algorithm), and adapts: a 429 pauses everything for its
/// `Retry-After` and halves the pace and the burst; a warning that a limit
/// is near slows it a little; clean answers bring it back, never above the
/// configured pace.
pub struct Pacer {
    state: Mutex<PacerState>,
    /// The configured pace, and its spacing: the fastest the pacer goes.
    base_rate: f64,
    base_interval: Duration,
    /// The slowest it goes after throttling: a twentieth of the configured
    /// pace (1 write a second for the default 20, 17.5 resource units for
    /// 350), but not below one unit a second unless configured slower.
    slowest: Duration,
    /// The configured burst, the most the pacer ever allows.
    base_burst: u32,
}

#[derive(Debug)]
struct PacerState {
    interval: Duration,
    burst: u32,
    /// When the next unit would be due at the current pace.
    tat: Option<Instant>,
    paused_until: Option<Instant>,
    /// No further halving (and no recovery) before this: the 429s of one
    /// burst arrive together and are one episode.
    calm_until: Option<Instant>,
    /// The same for warnings that a limit is near.
    warned_until: Option<Instant>,
    /// Clean answers counted toward the next step of the burst's recovery.
    clean: u32,
}

impl PacerState {
    /// Inside an episode of throttling or of warnings.
    fn calm(&self, now: Instant) -> bool {
        self.calm_until.map_or(false, |c| c > now) || self.warned_until.map_or(false, |c| c > now)
    }
}

impl Pacer {
    pub fn new(rate_per_second: f64, burst: u32) -> Self {
        let rate = if rate_per_second.is_finite() && rate_per_second > 0.0 { rate_per_second } else { 1e9 };
        let base = Duration::from_secs_f64(1.0 / rate);
        Pacer {
            state: Mutex::new(PacerState {
                interval: base,
                burst: burst.max(1),
                tat: None,
                paused_until: None,
                calm_until: None,
                warned_until: None,
                clean: 0,
            }),
            base_rate: rate,
            base_interval: base,
            slowest: base.max((base * 20).min(Duration::from_secs(1))),
            base_burst: burst.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PacerState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until `n` units may be sent. Returns the time waited, or
    /// `None` when cancelled (the reservation stays: the pace errs slow).
    pub async fn acquire(&self, n: u32, cancel: &CancellationToken) -> Option<Duration> {
        if cancel.is_cancelled() {
            return None;
        }
        let wait_until = {
            let mut st = self.lock();
            let now = Instant::now();
            let paused = st.paused_until.filter(|p| *p > now);
            let mut start = match st.tat {
                Some(t) if t > now => t,
                _ => now,
            };
            if let Some(p) = paused {
                start = start.max(p);
            }
            let next = start + st.interval * n;
            let slack = st.interval * st.burst;
            let wait_until = next.checked_sub(slack).unwrap_or(now).max(now).max(paused.unwrap_or(now));
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

    /// The service answered 429 for this quota: nothing more is sent before
    /// `retry_after` has passed; once per episode the pace and the burst
    /// are halved (down to a twentieth of the configured pace and a burst
    /// of one).
    pub fn throttled(&self, retry_after: Duration) {
        let mut st = self.lock();
        let now = Instant::now();
        let until = now + retry_after;
        if st.calm_until.map_or(true, |c| c <= now) {
            st.interval = (st.interval * 2).min(self.slowest).max(st.interval);
            st.burst = (st.burst / 2).max(1);
            st.clean = 0;
            let episode = (st.interval * st.burst).max(retry_after);
            st.calm_until = Some(now + episode);
        }
        if st.paused_until.map_or(true, |p| p < until) {
            st.paused_until = Some(until);
        }
    }

    /// An answer said that a limit is near (`fraction` of it used, 0.8 or
    /// more): the pace slows by 10 % at 0.8 up to half at 1.2 and over,
    /// once per episode, before the service has to refuse.
    pub fn near_limit(&self, fraction: f64) {
        let mut st = self.lock();
        let now = Instant::now();
        if st.calm(now) {
            return;
        }
        let factor = (1.1 + (fraction - 0.8) * 2.25).clamp(1.1, 2.0);
        st.interval = st.interval.mul_f64(factor).min(self.slowest).max(st.interval);
        st.clean = 0;
        st.warned_until = Some(now + st.interval * st.burst);
    }

    /// `n` answers came back without a warning: the pace recovers by half
    /// a percent for each (10 % over a batch of 20), and the burst by one
    /// for every 20, never beyond the configured ones.
    pub fn clean(&self, n: u32) {
        let mut st = self.lock();
        let now = Instant::now();
        if st.calm(now) {
            return;
        }
        st.interval = st.interval.div_f64(1.005f64.powi(n.min(1000) as i32)).max(self.base_interval);
        st.clean += n;
        while st.clean >= 20 {
            st.clean -= 20;
            st.burst = (st.burst + 1).min(self.base_burst);
        }
    }

    /// The current pace, in units per second (to a thousandth).
    pub fn rate(&self) -> f64 {
        let interval = self.lock().interval;
        if interval <= self.base_interval {
            self.base_rate
        } else {
            (1000.0 / interval.as_secs_f64()).round() / 1000.0
        }
    }

    /// The current burst: the most units sent at once.
    pub fn burst(&self) -> u32 {
        self.lock().burst
    }
}

/// What a request draws on: how many reads (GET) and writes (PATCH) it is,
/// or, for a `$batch`, holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cost {
    pub reads: u32,
    pub writes: u32,
}

impl Cost {
    /// One read (a GET).
    pub fn read() -> Cost {
        Cost { reads: 1, writes: 0 }
    }

    /// One write (a PATCH).
    pub fn write() -> Cost {
        Cost { reads: 0, writes: 1 }
    }

    pub fn times(self, n: u32) -> Cost {
        Cost { reads: self.reads * n, writes: self.writes * n }
    }

    pub fn is_none(self) -> bool {
        self.reads == 0 && self.writes == 0
    }
}

/// One client's paces: resource units for every request, writes for every
/// write. A write costs resource units too (1 by the published table).
pub struct Pace {
    pub resource_units: Pacer,
    pub writes: Pacer,
    /// Resource units of one read and one write, as `x-ms-resource-unit`
    /// last said (1 until it says otherwise).
    read_cost: AtomicU32,
    write_cost: AtomicU32,
}

impl Pace {
    pub fn new(resource_units_per_second: f64, resource_unit_burst: u32, writes_per_second: f64, write_burst: u32) -> Pace {
        Pace {
            resource_units: Pacer::new(resource_units_per_second, resource_unit_burst),
            writes: Pacer::new(writes_per_second, write_burst),
            read_cost: AtomicU32::new(1),
            write_cost: AtomicU32::new(1),
        }
    }

    /// The resource units `cost` is expected to use.
    pub fn resource_units_of(&self, cost: Cost) -> u32 {
        cost.reads.saturating_mul(self.read_cost.load(Ordering::Relaxed))
            .saturating_add(cost.writes.saturating_mul(self.write_cost.load(Ordering::Relaxed)))
    }

    /// Waits until `cost` may be sent: the write pace first (the scarcer
    /// quota), then resource units. The time waited, or `None` when
    /// cancelled.
    pub async fn acquire(&self, cost: Cost, cancel: &CancellationToken) -> Option<Duration> {
        let mut waited = Duration::ZERO;
        if cost.writes > 0 {
            waited += self.writes.acquire(cost.writes, cancel).await?;
        }
        let ru = self.resource_units_of(cost);
        if ru > 0 {
            waited += self.resource_units.acquire(ru, cancel).await?;
        }
        Some(waited)
    }

    /// The most requests of `each` to send at once: 20 (a `$batch`'s
    /// limit), or fewer while throttling has shrunk a burst.
    pub fn batch_size(&self, each: Cost) -> usize {
        let mut n = 20u32;
        if each.writes > 0 {
            n = n.min(self.writes.burst() / each.writes.max(1));
        }
        let ru = self.resource_units_of(each).max(1);
        n = n.min(self.resource_units.burst() / ru);
        n.max(1) as usize
    }

    fn pacers(&self, cost: Cost, quota: Option<Quota>) -> impl Iterator<Item = &Pacer> {
        let writes = match quota {
            Some(Quota::ResourceUnits) => false,
            _ => cost.writes > 0,
        };
        let units = match quota {
            Some(Quota::Writes) => false,
            _ => !cost.is_none(),
        };
        [(writes, &self.writes), (units, &self.resource_units)].into_iter().filter(|(on, _)| *on).map(|(_, p)| p)
    }

    /// Learns from the answer to one request of `cost` (a single read or
    /// write; a `$batch` answer is learned from sub-response by
    /// sub-response). `wait` is how long the caller will wait before trying
    /// a throttled request again.
    pub fn learn(&self, cost: Cost, signal: &Signal, wait: Duration) {
        if let Some(ru) = signal.resource_units {
            if cost == Cost::write() {
                self.write_cost.store(ru, Ordering::Relaxed);
            } else if cost == Cost::read() {
                self.read_cost.store(ru, Ordering::Relaxed);
            }
        }
        if signal.status == 429 {
            // Which quota: as the service said, else every one the request
            // draws on (right either way: slower, never faster).
            for p in self.pacers(cost, signal.quota) {
                p.throttled(wait);
            }
        } else if (200..300).contains(&signal.status) {
            match signal.limit_fraction {
                Some(f) if f >= 0.8 => {
                    for p in self.pacers(cost, None) {
                        p.near_limit(f);
                    }
                }
                _ => {
                    for p in self.pacers(cost, None) {
                        p.clean(1);
                    }
                }
            }
        }
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

    #[test]
    fn spread_waits_at_least_retry_after_and_not_all_alike() {
        let ra = Duration::from_secs(10);
        let waits: Vec<Duration> = (0..100).map(|_| spread(ra)).collect();
        assert!(waits.iter().all(|w| *w >= ra && *w <= ra.mul_f64(1.25)));
        let distinct: std::collections::HashSet<_> = waits.iter().collect();
        assert!(distinct.len() > 50, "the waits are spread: {}", distinct.len());
    }

    fn budget(max_failures: u32, max_wait_secs: u64) -> RetryBudget {
        RetryBudget { max_failures, max_wait: Duration::from_secs(max_wait_secs), base: Duration::from_millis(500) }
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn throttling_is_bounded_by_time_not_by_count() {
        let b = budget(3, 300);
        let mut st = RetryState::default();
        // Far more 429s than maxRetries: each waits its Retry-After.
        for _ in 0..100 {
            match b.next(&mut st, true, Some(Duration::from_secs(2))) {
                Next::Wait(w) => {
                    assert!(w >= Duration::from_secs(2) && w <= Duration::from_millis(2500), "{:?}", w);
                    tokio::time::advance(Duration::from_secs(2)).await;
                }
                Next::GiveUp(why) => panic!("gave up on a count: {}", why),
            }
        }
        // 200 s spent; a Retry-After past the 300 s gives up, saying so.
        match b.next(&mut st, true, Some(Duration::from_secs(120))) {
            Next::GiveUp(why) => {
                assert!(why.contains("still throttled after 200.0 s"), "{}", why);
                assert!(why.contains("maxRetryWaitSeconds (300 s)"), "{}", why);
            }
            other => panic!("{:?}", other),
        }
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn other_failures_are_bounded_by_count_too() {
        let b = budget(2, 300);
        let mut st = RetryState::default();
        assert!(matches!(b.next(&mut st, false, None), Next::Wait(_)));
        assert!(matches!(b.next(&mut st, true, Some(Duration::from_secs(1))), Next::Wait(_)));
        assert!(matches!(b.next(&mut st, false, Some(Duration::from_secs(1))), Next::Wait(_)));
        match b.next(&mut st, false, None) {
            Next::GiveUp(why) => assert!(why.contains("after 4 attempt(s); maxRetries is 2"), "{}", why),
            other => panic!("{:?}", other),
        }
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn pacer_spaces_units_to_the_rate() {
        let pacer = Pacer::new(20.0, 20);
        let cancel = CancellationToken::new();
        let start = Instant::now();
        for _ in 0..10 {
            pacer.acquire(20, &cancel).await.unwrap();
        }
        // 200 units at 20/s with a burst of 20: at least 9 s.
        let took = start.elapsed();
        assert!(took >= Duration::from_secs(9) && took < Duration::from_secs(11), "{:?}", took);
        cancel.cancel();
        assert!(pacer.acquire(20, &cancel).await.is_none());
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_429_pauses_halves_once_per_episode_and_recovers() {
        let pacer = Pacer::new(100.0, 100);
        let cancel = CancellationToken::new();
        pacer.acquire(100, &cancel).await.unwrap();
        pacer.throttled(Duration::from_secs(3));
        assert!((pacer.rate() - 50.0).abs() < 1e-6, "{}", pacer.rate());
        assert_eq!(pacer.burst(), 50);
        // The other answers of the same burst: one episode, one halving.
        for _ in 0..19 {
            pacer.throttled(Duration::from_secs(3));
        }
        assert!((pacer.rate() - 50.0).abs() < 1e-6, "{}", pacer.rate());
        let waited = pacer.acquire(1, &cancel).await.unwrap();
        assert!(waited >= Duration::from_secs(3), "{:?}", waited);
        // Clean answers bring it back, never above the configured pace.
        for _ in 0..2000 {
            pacer.clean(1);
        }
        assert!((pacer.rate() - 100.0).abs() < 1e-6, "{}", pacer.rate());
        assert_eq!(pacer.burst(), 100);
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_near_limit_warning_slows_before_any_429() {
        let pacer = Pacer::new(100.0, 20);
        pacer.near_limit(0.8);
        let r1 = pacer.rate();
        assert!(r1 < 100.0 && r1 > 85.0, "{}", r1);
        // Within the episode, more warnings change nothing.
        pacer.near_limit(1.5);
        assert_eq!(pacer.rate(), r1);
        tokio::time::advance(Duration::from_secs(1)).await;
        pacer.near_limit(1.5);
        assert!(pacer.rate() < r1 / 1.9, "{}", pacer.rate());
        // The slowest it goes is a twentieth of the configured pace.
        for _ in 0..50 {
            tokio::time::advance(Duration::from_secs(60)).await;
            pacer.near_limit(1.8);
            pacer.throttled(Duration::from_secs(1));
        }
        assert!((pacer.rate() - 5.0).abs() < 1e-6, "{}", pacer.rate());
        assert_eq!(pacer.burst(), 1);
        let slow = Pacer::new(10.0, 5);
        for _ in 0..50 {
            tokio::time::advance(Duration::from_secs(60)).await;
            slow.throttled(Duration::from_secs(1));
        }
        assert!((slow.rate() - 1.0).abs() < 1e-6, "one a second at least: {}", slow.rate());
    }

    #[test]
    fn signals_name_the_quota() {
        let now = SystemTime::now();
        let headers = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.to_string())
        };
        let s = Signal::read(429, headers(&[("Retry-After", "10"), ("x-ms-throttle-information", "WriteLimitExceeded")]), now);
        assert_eq!((s.quota, s.retry_after), (Some(Quota::Writes), Some(Duration::from_secs(10))));
        let s = Signal::read(429, headers(&[("x-ms-throttle-scope", "Tenant_Application/ReadWrite/app/tenant")]), now);
        assert_eq!(s.quota, Some(Quota::ResourceUnits));
        let s = Signal::read(429, headers(&[("x-ms-throttle-scope", "Tenant/Write/app/tenant")]), now);
        assert_eq!(s.quota, Some(Quota::Writes));
        let s = Signal::read(200, headers(&[("x-ms-resource-unit", "2"), ("x-ms-throttle-limit-percentage", "0.9")]), now);
        assert_eq!((s.resource_units, s.limit_fraction, s.quota), (Some(2), Some(0.9), None));
        let s = Signal::read(200, headers(&[("x-ms-resource-unit", "lots"), ("x-ms-throttle-limit-percentage", "NaN")]), now);
        assert_eq!((s.resource_units, s.limit_fraction), (None, None));
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn the_pace_learns_costs_and_which_quota_to_slow() {
        let pace = Pace::new(350.0, 350, 20.0, 20);
        let now = SystemTime::now();
        let h = |pairs: Vec<(&'static str, String)>| move |name: &str| pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
        pace.learn(Cost::read(), &Signal::read(200, h(vec![("x-ms-resource-unit", "3".into())]), now), Duration::ZERO);
        assert_eq!(pace.resource_units_of(Cost { reads: 10, writes: 2 }), 32);
        // A read throttled on resource units leaves the write pace alone.
        pace.learn(Cost::read(), &Signal::read(429, h(vec![("x-ms-throttle-information", "ResourceUnitLimitExceeded".into())]), now), Duration::from_secs(1));
        assert!((pace.writes.rate() - 20.0).abs() < 1e-6);
        assert!(pace.resource_units.rate() < 350.0);
        // A write throttled without saying why slows both.
        tokio::time::advance(Duration::from_secs(30)).await;
        let ru = pace.resource_units.rate();
        pace.learn(Cost::write(), &Signal::read(429, h(vec![]), now), Duration::from_secs(1));
        assert!(pace.writes.rate() < 20.0 && pace.resource_units.rate() < ru);
        // Batches shrink with the burst.
        assert_eq!(pace.batch_size(Cost::write()), 10);
    }
}
