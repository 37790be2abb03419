//! Throttling at a small scale, and every fault at rate 1.0, reproducibly.

mod common;
use common::*;
use std::time::{Duration, Instant};

fn some_unified(c: &Client) -> Vec<String> {
    find_ids(c, |g| {
        g["groupTypes"].as_array().unwrap().iter().any(|t| t == "Unified")
            && g["writebackConfiguration"]["onPremisesGroupType"] != "globalSecurityGroup"
    })
}

#[test]
fn writes_are_throttled_with_retry_after_and_headers() {
    let r = sim(100, 8, |c| c.throttle_scale = 0.01);
    let c = Client::new(&r);
    let ids = some_unified(&c);
    let mut ok = 0;
    let mut throttled = None;
    for i in 0..200 {
        let resp = c.patch_json(&ids[i % ids.len()], r#"{"writebackConfiguration":{"isEnabled":false}}"#);
        match resp.status {
            204 => ok += 1,
            429 => {
                throttled = Some(resp);
                break;
            }
            s => panic!("unexpected {}", s),
        }
    }
    let t = throttled.expect("30 writes per 1.5 s is reached");
    assert!((25..=40).contains(&ok), "{} writes before the limit", ok);
    assert_eq!(t.code(), "TooManyRequests");
    let retry: f64 = t.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 0.0 && retry < 2.0, "{}", retry);
    assert!(t.header("x-ms-throttle-scope").unwrap().starts_with("Tenant_Application/"));
    assert_eq!(t.header("x-ms-throttle-information"), Some("WriteLimitExceeded"));
    assert!(t.header("x-ms-throttle-limit-percentage").is_some());
    assert!(t.json()["error"]["innerError"]["request-id"].is_string());
    // Reads still pass, and writes pass again after Retry-After.
    assert_eq!(c.get("/beta/groups?$top=1", &[]).status, 200);
    std::thread::sleep(Duration::from_secs_f64(retry + 0.05));
    assert_eq!(c.patch_json(&ids[0], r#"{"writebackConfiguration":{"isEnabled":false}}"#).status, 204);
    assert!(stats(&r)["throttled"].as_u64().unwrap() >= 1);
}

#[test]
fn throttle_off_never_answers_429() {
    let r = sim(100, 8, |c| {
        c.throttle_scale = 0.001;
        c.throttle = false;
    });
    let c = Client::new(&r);
    let ids = some_unified(&c);
    for i in 0..60 {
        assert_eq!(c.patch_json(&ids[i % ids.len()], r#"{"writebackConfiguration":{"isEnabled":false}}"#).status, 204);
    }
}

#[test]
fn error_faults_are_5xx_with_retry_after_on_503_504() {
    let r = sim(10, 1, |c| {
        c.faults.error_rate = 1.0;
        c.faults.retry_after = 0.25;
    });
    let c = Client::new(&r);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..30 {
        let resp = c.get("/beta/groups?$top=1", &[]);
        assert!([500, 502, 503, 504].contains(&resp.status), "{}", resp.status);
        if resp.status == 503 || resp.status == 504 {
            assert_eq!(resp.header("retry-after"), Some("0.25"));
        }
        assert!(resp.json()["error"]["code"].is_string());
        seen.insert(resp.status);
    }
    assert!(seen.len() >= 3, "a mix of statuses: {:?}", seen);
    // Control endpoints are never faulted.
    assert_eq!(stats(&r)["faults"]["errors"], 30);
}

#[test]
fn reset_truncate_latency_and_slow_faults() {
    let reset = sim(10, 1, |c| c.faults.reset_rate = 1.0);
    let url = format!("{}/beta/groups?$top=1", reset.base_url);
    assert_eq!(try_send("GET", &url, &[("Authorization", "Bearer test-static-token")], None).unwrap_err(), Failure::NoResponse);
    assert_eq!(stats(&reset)["faults"]["resets"], 1);

    let trunc = sim(10, 1, |c| c.faults.truncate_rate = 1.0);
    let url = format!("{}/beta/groups?$top=5", trunc.base_url);
    match try_send("GET", &url, &[("Authorization", "Bearer test-static-token")], None) {
        Err(Failure::Truncated { expected, got }) => assert!(got < expected && got > 0, "{} of {}", got, expected),
        other => panic!("expected a truncated body, got {:?}", other),
    }

    let slow = sim(10, 1, |c| {
        c.faults.latency_ms = 100;
        c.faults.slow_rate = 1.0;
        c.faults.slow_ms = 200;
    });
    let c = Client::new(&slow);
    let t = Instant::now();
    assert_eq!(c.get("/beta/groups?$top=1", &[]).status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300), "{:?}", t.elapsed());
}

#[test]
fn faults_are_reproducible_by_seed() {
    let run = |seed: u64| -> Vec<u16> {
        let r = sim(10, 1, |c| {
            c.faults.seed = seed;
            c.faults.error_rate = 0.5;
        });
        let c = Client::new(&r);
        (0..40).map(|_| c.get("/beta/groups?$top=1", &[]).status).collect()
    };
    let a = run(42);
    assert_eq!(a, run(42));
    assert_ne!(a, run(43));
    assert!(a.contains(&200) && a.iter().any(|s| *s >= 500));
}
