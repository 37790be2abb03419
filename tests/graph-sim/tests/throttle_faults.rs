//! Throttling at a small scale, and every fault at rate 1.0, reproducibly.

mod common;
use common::*;
use std::time::{Duration, Instant};

/// Writes until the quota answers 429; that answer.
fn first_throttled_write(r: &graph_sim::Running) -> Resp {
    let c = Client::new(r);
    let ids = some_unified(&c);
    (0..200)
        .map(|i| c.patch_json(&ids[i % ids.len()], r#"{"writebackConfiguration":{"isEnabled":false}}"#))
        .find(|resp| resp.status == 429)
        .expect("the quota is reached")
}

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
    // Whole seconds by default, as the service writes them.
    let retry: u64 = t.header("retry-after").unwrap().parse().expect("whole seconds");
    assert_eq!(retry, 1, "a wait of milliseconds is written as 1");
    let retry = retry as f64;
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
        c.faults.retry_after_form = graph_sim::RetryAfterForm::Fractional;
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

fn patch_batch(ids: &[String], on: bool) -> serde_json::Value {
    let requests: Vec<serde_json::Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            serde_json::json!({"id": (i + 1).to_string(), "method": "PATCH", "url": format!("/groups/{}", id),
                "headers": {"Content-Type": "application/json"}, "body": {"writebackConfiguration": {"isEnabled": on}}})
        })
        .collect();
    serde_json::json!({ "requests": requests })
}

#[test]
fn batch_faults_answer_sub_requests_without_running_them() {
    let r = sim(200, 3, |c| {
        c.throttle = false;
        c.faults.seed = 5;
        c.faults.batch_fault_rate = 0.5;
        c.faults.retry_after = 0.25;
        c.faults.retry_after_form = graph_sim::RetryAfterForm::Fractional;
    });
    let c = Client::new(&r);
    let ids: Vec<String> = some_unified(&c).into_iter().take(20).collect();
    assert_eq!(ids.len(), 20);
    let mut seen = std::collections::BTreeSet::new();
    for round in 0..4 {
        let on = round % 2 == 0;
        // Every group starts the round at the opposite value, so a faulted
        // PATCH that was applied would show.
        for id in &ids {
            let body = format!(r#"{{"writebackConfiguration":{{"isEnabled":{}}}}}"#, !on);
            assert_eq!(c.patch_json(id, &body).status, 204);
        }
        let resp = c.batch(&patch_batch(&ids, on));
        assert_eq!(resp.status, 200, "the outer status stays 200");
        for sub in resp.json()["responses"].as_array().unwrap() {
            let n: usize = sub["id"].as_str().unwrap().parse().unwrap();
            let id = &ids[n - 1];
            let status = sub["status"].as_u64().unwrap() as u16;
            seen.insert(status);
            let stored = raw(&r, id)["writebackConfiguration"]["isEnabled"].clone();
            match status {
                204 => assert_eq!(stored, on, "{}", id),
                429 | 500 | 502 | 503 | 504 => {
                    assert!(sub["body"]["error"]["code"].is_string(), "{}", sub);
                    let retry = sub["headers"]["Retry-After"].as_str();
                    if matches!(status, 429 | 503 | 504) {
                        assert_eq!(retry, Some("0.25"), "{}", sub);
                    } else {
                        assert_eq!(retry, None, "{}", sub);
                    }
                    assert_eq!(stored, !on, "a faulted PATCH was applied to {}", id);
                }
                s => panic!("unexpected sub-status {}", s),
            }
        }
    }
    assert!(seen.contains(&204) && seen.iter().filter(|s| **s >= 429).count() >= 3, "{:?}", seen);
    assert!(stats(&r)["faults"]["batchErrors"].as_u64().unwrap() > 0);
}

#[test]
fn batch_faults_are_reproducible_by_seed() {
    let run = |seed: u64| -> Vec<u64> {
        let r = sim(60, 3, |c| {
            c.throttle = false;
            c.faults.seed = seed;
            c.faults.batch_fault_rate = 0.4;
            c.shuffle_batch = false;
        });
        let c = Client::new(&r);
        let ids: Vec<String> = some_unified(&c).into_iter().take(10).collect();
        let mut out = Vec::new();
        for _ in 0..3 {
            let resp = c.batch(&patch_batch(&ids, true));
            out.extend(resp.json()["responses"].as_array().unwrap().iter().map(|s| s["status"].as_u64().unwrap()));
        }
        out
    };
    let a = run(11);
    assert_eq!(a, run(11));
    assert_ne!(a, run(12));
}

#[test]
fn retry_after_forms() {
    use graph_sim::RetryAfterForm;
    let get = |form: RetryAfterForm| {
        let r = sim(10, 1, |c| {
            c.faults.error_rate = 1.0;
            c.faults.retry_after = 1.5;
            c.faults.retry_after_form = form;
        });
        let c = Client::new(&r);
        loop {
            let resp = c.get("/beta/groups?$top=1", &[]);
            if resp.status == 503 || resp.status == 504 {
                return resp.header("retry-after").map(str::to_string);
            }
        }
    };
    assert_eq!(get(RetryAfterForm::Fractional).as_deref(), Some("1.5"));
    assert_eq!(get(RetryAfterForm::Seconds).as_deref(), Some("2"));
    assert_eq!(get(RetryAfterForm::Missing), None);
    assert_eq!(get(RetryAfterForm::Malformed).as_deref(), Some("soon"));
    let date = get(RetryAfterForm::HttpDate).unwrap();
    let when = httpdate::parse_http_date(&date).expect("an HTTP date");
    let ahead = when.duration_since(std::time::SystemTime::now()).unwrap_or_default();
    assert!(ahead >= Duration::from_secs(1) && ahead <= Duration::from_secs(4), "{} is {:?} ahead", date, ahead);

    // The throttle's own 429s take the same form.
    let r = sim(100, 8, |c| {
        c.throttle_scale = 0.01;
        c.faults.retry_after_form = RetryAfterForm::Missing;
    });
    let throttled = first_throttled_write(&r);
    assert_eq!(throttled.header("retry-after"), None);
    assert_eq!(throttled.code(), "TooManyRequests");
}

#[test]
fn truncated_json_is_framed_as_complete() {
    let r = sim(10, 1, |c| c.faults.truncate_json_rate = 1.0);
    let c = Client::new(&r);
    let resp = c.get("/beta/groups?$top=5", &[]);
    assert_eq!(resp.status, 200);
    let text = resp.text();
    assert!(!text.is_empty());
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_err(), "the body should be cut: {}", text);
    assert_eq!(stats(&r)["faults"]["badJson"], 1);
}

#[test]
fn the_fault_flags_parse() {
    use graph_sim::{Config, RetryAfterForm};
    let args = |a: &[&str]| Config::from_args(a.iter().map(|s| s.to_string()));
    let c = args(&["--batch-fault-rate", "0.3", "--truncate-json-rate=0.1", "--retry-after-form", "http-date"]).unwrap().unwrap();
    assert_eq!(c.faults.batch_fault_rate, 0.3);
    assert_eq!(c.faults.truncate_json_rate, 0.1);
    assert_eq!(c.faults.retry_after_form, RetryAfterForm::HttpDate);
    assert!(args(&["--retry-after-form", "later"]).is_err());
    assert!(args(&["--batch-fault-rate", "2"]).is_err());
}

#[test]
fn a_429_storm_on_demand() {
    let r = sim(10, 1, |c| {
        c.faults.throttle_fault_rate = 1.0;
        c.faults.retry_after = 0.5;
    });
    let c = Client::new(&r);
    let resp = c.get("/beta/groups?$top=1", &[]);
    assert_eq!(resp.status, 429);
    assert_eq!(resp.code(), "TooManyRequests");
    // Whole seconds, rounded up, unless asked for fractions; seconds of the
    // simulated clock, which --throttle-speed runs faster.
    assert_eq!(resp.header("retry-after"), Some("1"));
    assert_eq!(stats(&r)["throttled"], 1);
    for (form, speed, secs, want) in [
        // (form, clock speed, --fault-retry-after in simulated seconds, header)
        (graph_sim::RetryAfterForm::Fractional, 1.0, 0.5, "0.5"),
        (graph_sim::RetryAfterForm::Seconds, 2.0, 0.5, "0.5"),
        (graph_sim::RetryAfterForm::Seconds, 10.0, 1.0, "0.1"),
        (graph_sim::RetryAfterForm::Seconds, 10.0, 1.5, "0.2"),
        (graph_sim::RetryAfterForm::Fractional, 10.0, 0.5, "0.05"),
    ] {
        let r = sim(10, 1, |c| {
            c.faults.throttle_fault_rate = 1.0;
            c.faults.retry_after = secs;
            c.faults.retry_after_form = form;
            c.throttle_speed = speed;
        });
        let resp = Client::new(&r).get("/beta/groups?$top=1", &[]);
        assert_eq!(resp.header("retry-after"), Some(want), "{:?} at speed {}", form, speed);
    }
    let args = |a: &[&str]| graph_sim::Config::from_args(a.iter().map(|s| s.to_string()));
    assert_eq!(args(&["--fault-429-rate", "0.5"]).unwrap().unwrap().faults.throttle_fault_rate, 0.5);
}

#[test]
fn quota_retry_after_counts_whole_seconds_of_the_sped_up_clock() {
    // 30 writes per 1.5 s, 10 times fast: 200 writes a second; a wait of a
    // few milliseconds is one simulated second, 0.1 s.
    let r = sim(100, 8, |c| {
        c.throttle_scale = 0.01;
        c.throttle_speed = 10.0;
    });
    let throttled = first_throttled_write(&r);
    assert_eq!(throttled.header("retry-after"), Some("0.1"));
}

#[test]
fn filter_id_in_reads_many_groups_at_once() {
    let r = sim(300, 4, |_| {});
    let c = Client::new(&r);
    let all = find_ids(&c, |_| true);
    let want: Vec<&String> = all.iter().step_by(7).take(15).collect();
    let missing = "00000000-0000-4000-8000-00000000beef";
    let mut list: Vec<String> = want.iter().map(|id| format!("'{}'", id.to_uppercase())).collect();
    list[14] = format!("'{}'", missing);
    let filter = format!("id in ({})", list.join(","));
    let before = stats(&r)["reads"].as_u64().unwrap();
    let resp = c.get(&format!("/beta/groups?$filter={}&$select=id,displayName", enc(&filter)), &[]);
    assert_eq!(resp.status, 200, "{}", resp.text());
    let got: Vec<String> = resp.json()["value"].as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap().to_string()).collect();
    // Ids match case-insensitively; one that does not exist is just absent.
    let mut expected: Vec<String> = want[..14].iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(got, expected, "in id order");
    assert_eq!(stats(&r)["reads"].as_u64().unwrap(), before + 1, "one read");
    // More than 15 values needs the advanced query parameters.
    let sixteen: Vec<String> = all.iter().take(16).map(|id| format!("'{}'", id)).collect();
    let filter = format!("id in ({})", sixteen.join(","));
    let resp = c.get(&format!("/beta/groups?$filter={}", enc(&filter)), &[]);
    assert_eq!((resp.status, resp.code()), (400, "Request_UnsupportedQuery".to_string()));
    let resp = c.get(&format!("/beta/groups?$filter={}&$count=true", enc(&filter)), &[("ConsistencyLevel", "eventual")]);
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["value"].as_array().unwrap().len(), 16);
    // Not a GUID: the whole filter is refused; other properties take `in` too.
    let resp = c.get(&format!("/beta/groups?$filter={}", enc("id in ('nope')")), &[]);
    assert_eq!((resp.status, resp.code()), (400, "Request_BadRequest".to_string()));
    let resp = c.get(&format!("/beta/groups?$filter={}", enc("securityEnabled in ('true')")), &[]);
    assert_eq!(resp.status, 400);
    let resp = c.get(&format!("/beta/groups?$filter={}&$select=displayName", enc("displayName in ('nobody','NOBODY2')")), &[]);
    assert_eq!(resp.status, 200);
    // Inside a $batch, as the client sends it.
    let body = serde_json::json!({"requests": [{"id": "1", "method": "GET",
        "url": format!("/groups?$filter={}&$select=id", enc(&format!("id in ('{}','{}')", all[0], all[1])))}]});
    let resp = c.batch(&body);
    let sub = &resp.json()["responses"][0];
    assert_eq!(sub["status"], 200, "{}", sub);
    assert_eq!(sub["body"]["value"].as_array().unwrap().len(), 2);
}
