//! The identity and access service's published throttling model: token
//! buckets per application+tenant (resource units per 10 s, writes per
//! 150 s) and per tenant (writes per 300 s). `scale` shrinks every bucket
//! and its window alike, so the refill rate stays the published one while
//! the burst a test must send to reach the limit gets small; `speed`
//! shortens every window alone, multiplying every rate, so that a run of
//! thousands of writes takes seconds instead of minutes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug, Clone)]
struct Bucket {
    capacity: f64,
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(quota: f64, window_secs: f64, scale: f64, speed: f64, now: Instant) -> Self {
        let capacity = (quota * scale).round().max(1.0);
        let window = (window_secs * scale / speed).max(0.000_001);
        Bucket { capacity, rate: capacity / window, tokens: capacity, last: now }
    }

    fn refill(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + dt * self.rate).min(self.capacity);
        self.last = now;
    }

    /// Seconds until `cost` tokens are available (0 when they are).
    fn wait_for(&self, cost: f64) -> f64 {
        if self.tokens >= cost {
            0.0
        } else {
            (cost.min(self.capacity) - self.tokens) / self.rate
        }
    }

    fn used_fraction(&self) -> f64 {
        1.0 - self.tokens / self.capacity
    }
}

/// Resource-unit quota per application+tenant per 10 s by tenant size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TenantSize {
    /// Under 50 users: 3,500.
    S,
    /// 50 to 500 users: 5,000.
    M,
    /// Over 500 users: 8,000.
    L,
}

impl TenantSize {
    pub fn ru_quota(self) -> f64 {
        match self {
            TenantSize::S => 3500.0,
            TenantSize::M => 5000.0,
            TenantSize::L => 8000.0,
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_uppercase().as_str() {
            "S" => Some(TenantSize::S),
            "M" => Some(TenantSize::M),
            "L" => Some(TenantSize::L),
            _ => None,
        }
    }
}

pub const WRITE_QUOTA: f64 = 3000.0;
pub const WRITE_WINDOW: f64 = 150.0;
pub const RU_WINDOW: f64 = 10.0;
pub const TENANT_WRITE_QUOTA: f64 = 18_000.0;
pub const TENANT_WRITE_WINDOW: f64 = 300.0;

struct AppBuckets {
    ru: Bucket,
    write: Bucket,
}

pub struct Throttle {
    enabled: bool,
    scale: f64,
    speed: f64,
    size: TenantSize,
    tenant_id: String,
    apps: Mutex<(HashMap<String, AppBuckets>, Option<Bucket>)>,
}

/// What the throttle says about one request.
#[derive(Debug, Clone)]
pub enum Verdict {
    Allowed {
        resource_units: u32,
        /// `x-ms-throttle-limit-percentage`, sent when over 0.8.
        limit_percentage: Option<String>,
    },
    Throttled {
        /// Real seconds until the bucket holds the cost.
        retry_after: f64,
        limit_percentage: String,
        scope: String,
        information: &'static str,
    },
}

impl Throttle {
    pub fn new(enabled: bool, scale: f64, speed: f64, size: TenantSize, tenant_id: String) -> Self {
        Throttle { enabled, scale, speed, size, tenant_id, apps: Mutex::new((HashMap::new(), None)) }
    }

    /// Charges `ru` resource units and `writes` writes to the app, or says
    /// how long to wait. A throttled request is not charged.
    pub fn charge(&self, app_id: &str, ru: u32, writes: u32) -> Verdict {
        if !self.enabled {
            return Verdict::Allowed { resource_units: ru, limit_percentage: None };
        }
        let now = Instant::now();
        let mut guard = self.apps.lock().unwrap();
        let (apps, tenant) = &mut *guard;
        let (scale, speed) = (self.scale, self.speed);
        let size = self.size;
        let tenant_bucket =
            tenant.get_or_insert_with(|| Bucket::new(TENANT_WRITE_QUOTA, TENANT_WRITE_WINDOW, scale, speed, now));
        let app = apps.entry(app_id.to_string()).or_insert_with(|| AppBuckets {
            ru: Bucket::new(size.ru_quota(), RU_WINDOW, scale, speed, now),
            write: Bucket::new(WRITE_QUOTA, WRITE_WINDOW, scale, speed, now),
        });
        app.ru.refill(now);
        app.write.refill(now);
        tenant_bucket.refill(now);
        let (ru_c, w_c) = (ru as f64, writes as f64);
        let checks: [(f64, &'static str, &'static str, bool); 3] = [
            (app.ru.wait_for(ru_c), "Tenant_Application/ReadWrite", "ResourceUnitLimitExceeded", true),
            (if writes > 0 { app.write.wait_for(w_c) } else { 0.0 }, "Tenant_Application/Write", "WriteLimitExceeded", true),
            (if writes > 0 { tenant_bucket.wait_for(w_c) } else { 0.0 }, "Tenant/Write", "WriteLimitExceeded", false),
        ];
        let worst = checks.iter().cloned().fold(None::<(f64, &str, &str, bool)>, |acc, c| match acc {
            Some(a) if a.0 >= c.0 => Some(a),
            _ if c.0 > 0.0 => Some(c),
            other => other,
        });
        let pct = |b: &Bucket, cost: f64| ((1.0 - (b.tokens - cost) / b.capacity).clamp(0.0, 1.8) * 10.0).round() / 10.0;
        if let Some((wait, scope, info, per_app)) = worst {
            let usage = if info == "ResourceUnitLimitExceeded" {
                pct(&app.ru, ru_c)
            } else if per_app {
                pct(&app.write, w_c)
            } else {
                pct(tenant_bucket, w_c)
            };
            let scope = format!("{}/{}/{}", scope, app_id, self.tenant_id);
            return Verdict::Throttled {
                retry_after: wait,
                limit_percentage: format!("{:.1}", usage.max(1.0)),
                scope,
                information: info,
            };
        }
        app.ru.tokens -= ru_c;
        if writes > 0 {
            app.write.tokens -= w_c;
            tenant_bucket.tokens -= w_c;
        }
        let used = app.ru.used_fraction().max(if writes > 0 { app.write.used_fraction() } else { 0.0 });
        let limit_percentage = if used > 0.8 { Some(format!("{:.1}", used)) } else { None };
        Verdict::Allowed { resource_units: ru, limit_percentage }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_scale_reaches_the_write_limit() {
        let t = Throttle::new(true, 0.01, 1.0, TenantSize::L, "t".into());
        let mut allowed = 0;
        let mut throttled = None;
        for _ in 0..100 {
            match t.charge("app", 1, 1) {
                Verdict::Allowed { .. } => allowed += 1,
                v @ Verdict::Throttled { .. } => {
                    throttled = Some(v);
                    break;
                }
            }
        }
        assert!((30..=32).contains(&allowed), "allowed {}", allowed);
        match throttled.unwrap() {
            Verdict::Throttled { retry_after, information, .. } => {
                assert_eq!(information, "WriteLimitExceeded");
                assert!(retry_after > 0.0);
            }
            _ => unreachable!(),
        }
    }

    #[test]
    fn speed_multiplies_the_rate_and_keeps_the_burst() {
        // 30 writes per 1.5 s at speed 25: the same burst of 30, refilled at
        // 500 writes/s instead of 20.
        let t = Throttle::new(true, 0.01, 25.0, TenantSize::L, "t".into());
        let mut allowed = 0;
        let mut wait = None;
        for _ in 0..100 {
            match t.charge("app", 1, 1) {
                Verdict::Allowed { .. } => allowed += 1,
                Verdict::Throttled { retry_after, .. } => {
                    wait = Some(retry_after);
                    break;
                }
            }
        }
        assert!((30..=32).contains(&allowed), "allowed {}", allowed);
        // One write's worth at 500/s is 2 ms (20/s would be 50 ms).
        let w = wait.unwrap();
        assert!(w > 0.0 && w < 0.02, "retry after {}", w);
    }
}
