//! The fault matrix, through the C ABI (as a C or PowerShell host calls the
//! library) against graph-sim's fault flags: every case asserts the end
//! state. After a bulk change the simulated tenant holds exactly the
//! requested states (or, for a group that failed, its state before) and every
//! group has exactly one result; after a listing the groups returned are
//! exactly the tenant's, each once, or the call fails with an error that
//! says where it stopped. Errors name the group and carry Graph's code.
//!
//! The cases already covered in tests/client.rs (aggressive quota, mixed
//! error/reset/truncation rates, slow answers on a listing, a retry budget
//! running out on a listing, token expiry on a listing, hostile nextLink
//! and redirect, restart during a bulk change, cancellation) are not
//! repeated here.

mod common;

use common::*;
use group_writeback::ffi::*;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::ptr;
use std::time::{Duration, Instant};

/// An error as the ABI reports it.
#[derive(Debug)]
struct AbiError {
    status: gwb_status,
    message: String,
    code: Option<String>,
    request_id: Option<String>,
    http: u32,
}

unsafe fn take_error(status: gwb_status, err: *mut gwb_error) -> AbiError {
    assert_ne!(status, gwb_status::Panic, "a panic reached the boundary");
    assert!(!err.is_null(), "status {:?} without an error object", status);
    assert_eq!(gwb_error_status(err), status);
    let s = |p: *const c_char| if p.is_null() { None } else { Some(CStr::from_ptr(p).to_str().unwrap().to_string()) };
    let e = AbiError {
        status,
        message: s(gwb_error_message(err)).unwrap_or_default(),
        code: s(gwb_error_graph_code(err)),
        request_id: s(gwb_error_request_id(err)),
        http: gwb_error_http_status(err),
    };
    gwb_error_free(err);
    e
}

unsafe fn take_string(p: *mut c_char) -> String {
    assert!(!p.is_null());
    let s = CStr::from_ptr(p).to_str().unwrap().to_string();
    gwb_string_free(p);
    s
}

struct Abi(*mut gwb_client);

unsafe impl Send for Abi {}
unsafe impl Sync for Abi {}

impl Drop for Abi {
    fn drop(&mut self) {
        unsafe { gwb_client_free(self.0) }
    }
}

impl Abi {
    fn new(options: Value, secret: &str) -> Abi {
        let o = CString::new(options.to_string()).unwrap();
        let s = CString::new(secret).unwrap();
        let mut c = ptr::null_mut();
        let mut e = ptr::null_mut();
        let st = unsafe { gwb_client_new(o.as_ptr(), s.as_ptr(), &mut c, &mut e) };
        if st != gwb_status::Ok {
            panic!("gwb_client_new: {:?}", unsafe { take_error(st, e) });
        }
        Abi(c)
    }

    /// A client of the simulator with the static token and fast backoff.
    fn of(sim: &Sim, extra: Value) -> Abi {
        let mut o = json!({"endpoint": sim.base, "backoffBaseSeconds": 0.02, "maxRetries": 30, "timeoutSeconds": 10});
        for (k, v) in extra.as_object().unwrap() {
            o[k] = v.clone();
        }
        Abi::new(o, STATIC_TOKEN)
    }

    /// Every page of a listing, or the error that ended it (with the groups
    /// read before it).
    fn list(&self, options: Value) -> (Vec<Value>, Option<AbiError>) {
        let o = CString::new(options.to_string()).unwrap();
        let mut cur = ptr::null_mut();
        let mut e = ptr::null_mut();
        unsafe {
            let st = gwb_client_list_groups(self.0, o.as_ptr(), &mut cur, &mut e);
            if st != gwb_status::Ok {
                return (Vec::new(), Some(take_error(st, e)));
            }
            let mut all = Vec::new();
            let mut err = None;
            let mut pages = 0;
            loop {
                let mut page = ptr::null_mut();
                let mut e = ptr::null_mut();
                let st = gwb_cursor_next(cur, &mut page, &mut e);
                if st != gwb_status::Ok {
                    err = Some(take_error(st, e));
                    break;
                }
                if page.is_null() {
                    break;
                }
                let v: Value = serde_json::from_str(&take_string(page)).unwrap();
                all.extend(v["groups"].as_array().unwrap().iter().cloned());
                pages += 1;
                if pages > 10_000 {
                    panic!("the listing does not end");
                }
            }
            gwb_cursor_free(cur);
            (all, err)
        }
    }

    /// Runs a bulk change to the end (or `deadline`), returning every result.
    fn bulk(&self, changes: &Value, deadline: Duration) -> Vec<Value> {
        let c = CString::new(changes.to_string()).unwrap();
        let mut b = ptr::null_mut();
        let mut e = ptr::null_mut();
        unsafe {
            let st = gwb_client_bulk_set(self.0, c.as_ptr(), &mut b, &mut e);
            if st != gwb_status::Ok {
                panic!("gwb_client_bulk_set: {:?}", take_error(st, e));
            }
            let started = Instant::now();
            let mut results = Vec::new();
            loop {
                let mut out = ptr::null_mut();
                let mut done = false;
                let mut e = ptr::null_mut();
                let st = gwb_bulk_poll(b, 200, &mut out, &mut done, &mut e);
                if st != gwb_status::Ok {
                    panic!("gwb_bulk_poll: {:?}", take_error(st, e));
                }
                let r: Value = serde_json::from_str(&take_string(out)).unwrap();
                results.extend(r.as_array().unwrap().iter().cloned());
                if done {
                    break;
                }
                if started.elapsed() > deadline {
                    let mut p = std::mem::zeroed::<gwb_progress>();
                    gwb_bulk_progress(b, &mut p, ptr::null_mut());
                    panic!("the bulk change did not finish in {:?}: {} results, progress {:?}", deadline, results.len(), p);
                }
            }
            gwb_bulk_free(b);
            results
        }
    }

    fn get_group(&self, id: &str) -> Result<Value, AbiError> {
        let i = CString::new(id).unwrap();
        let mut out = ptr::null_mut();
        let mut e = ptr::null_mut();
        unsafe {
            let st = gwb_client_get_group(self.0, i.as_ptr(), ptr::null(), &mut out, &mut e);
            if st != gwb_status::Ok {
                return Err(take_error(st, e));
            }
            Ok(serde_json::from_str(&take_string(out)).unwrap())
        }
    }

    fn set_state(&self, id: &str, state: u32) -> Result<Value, AbiError> {
        let i = CString::new(id).unwrap();
        let mut out = ptr::null_mut();
        let mut e = ptr::null_mut();
        unsafe {
            let st = gwb_client_set_state(self.0, i.as_ptr(), state, &mut out, &mut e);
            if st != gwb_status::Ok {
                return Err(take_error(st, e));
            }
            Ok(serde_json::from_str(&take_string(out)).unwrap())
        }
    }
}

/// The tenant's ids, read from a clean simulator without faults.
fn tenant_ids(sim: &Sim) -> Vec<String> {
    let (all, err) = Abi::of(sim, json!({})).list(json!({"raw": true}));
    assert!(err.is_none(), "{:?}", err);
    all.iter().map(|g| g["id"].as_str().unwrap().to_string()).collect()
}

/// The listing's end state: exactly the tenant's groups, each once.
fn assert_exact(listed: &[Value], tenant: &[String]) {
    let got: Vec<&str> = listed.iter().map(|g| g["id"].as_str().unwrap()).collect();
    let unique: HashSet<&str> = got.iter().copied().collect();
    assert_eq!(unique.len(), got.len(), "a group was returned twice");
    let want: HashSet<&str> = tenant.iter().map(String::as_str).collect();
    assert_eq!(unique, want, "the groups returned are not the tenant's");
}

/// Either exactly the tenant's groups, or an error that says where it
/// stopped (and nothing returned twice before it).
fn assert_exact_or_where(listed: &[Value], err: &Option<AbiError>, tenant: &[String]) {
    match err {
        None => assert_exact(listed, tenant),
        Some(e) => {
            assert!(e.message.contains("stopped after"), "the error does not say where it stopped: {:?}", e);
            let got: Vec<&str> = listed.iter().map(|g| g["id"].as_str().unwrap()).collect();
            let unique: HashSet<&str> = got.iter().copied().collect();
            assert_eq!(unique.len(), got.len(), "a group was returned twice before the error");
        }
    }
}

/// Eligible groups (Microsoft 365 and cloud security) with a state each,
/// chosen so that most of them are real changes.
fn targets(sim: &Sim, n: usize) -> Vec<(String, &'static str, Value)> {
    let (all, err) = Abi::of(sim, json!({})).list(json!({}));
    assert!(err.is_none(), "{:?}", err);
    all.iter()
        .filter(|g| g["isSynced"] == false && (g["kind"] == "microsoft365" || g["kind"] == "security"))
        .filter(|g| {
            let t = g["writebackConfiguration"]["onPremisesGroupType"].as_str().unwrap_or("");
            t.is_empty() || t.to_ascii_lowercase().starts_with("universal")
        })
        .take(n)
        .enumerate()
        .map(|(i, g)| {
            let enabled = g["writebackConfiguration"]["isEnabled"] == true;
            let state = match (g["kind"].as_str().unwrap(), i % 3) {
                ("security", _) if enabled => "NoWriteback",
                ("security", _) => "Security",
                (_, 0) => "Distribution",
                (_, 1) => "MailEnabledSecurity",
                _ if enabled => "NoWriteback",
                _ => "Distribution",
            };
            let id = g["id"].as_str().unwrap().to_string();
            let before = sim.stored(&id)["writebackConfiguration"].clone();
            (id, state, before)
        })
        .collect()
}

fn changes(t: &[(String, &'static str, Value)]) -> Value {
    json!(t.iter().map(|(id, s, _)| json!({"id": id, "state": s})).collect::<Vec<_>>())
}

fn holds(sim: &Sim, id: &str, state: &str) -> bool {
    let wb = &sim.stored(id)["writebackConfiguration"];
    match state {
        "NoWriteback" => wb["isEnabled"] == false,
        s => {
            let want = match s {
                "Security" => "universalSecurityGroup",
                "Distribution" => "universalDistributionGroup",
                _ => "universalMailEnabledSecurityGroup",
            };
            wb["isEnabled"] == true && wb["onPremisesGroupType"].as_str().map_or(false, |t| t.eq_ignore_ascii_case(want))
        }
    }
}

/// The bulk change's end state: one result per group; each group reported
/// written or unchanged holds the requested state; each failed one names
/// the group, carries a code, and (`failed_unchanged`) still holds its
/// state from before. Returns the results by id.
fn assert_bulk_end_state(
    sim: &Sim,
    t: &[(String, &'static str, Value)],
    results: &[Value],
    failed_unchanged: bool,
) -> HashMap<String, Value> {
    assert_eq!(results.len(), t.len(), "exactly one result per group");
    let mut by_id = HashMap::new();
    let mut indexes = HashSet::new();
    for r in results {
        assert!(indexes.insert(r["index"].as_u64().unwrap()), "two results for change {}", r["index"]);
        let id = r["id"].as_str().expect("every result names its group").to_string();
        assert!(by_id.insert(id.to_ascii_lowercase(), r.clone()).is_none(), "two results for group {}", id);
    }
    for (id, state, before) in t {
        let r = by_id.get(&id.to_ascii_lowercase()).unwrap_or_else(|| panic!("no result for group {}", id));
        match r["result"].as_str().unwrap() {
            "written" | "noChange" => assert!(holds(sim, id, state), "{} reported {} but holds {}", id, r["result"], sim.stored(id)),
            "failed" => {
                assert!(r["error"]["code"].as_str().map_or(false, |c| !c.is_empty()), "a failure without a code: {}", r);
                assert_eq!(r["id"].as_str().unwrap(), id, "the failure names its group");
                if failed_unchanged {
                    assert_eq!(sim.stored(id)["writebackConfiguration"], *before, "{} failed but was changed", id);
                }
            }
            other => panic!("unexpected result {} for {}: {}", other, id, r),
        }
    }
    by_id
}

fn assert_all_applied(results: &[Value]) {
    let bad: Vec<&Value> = results.iter().filter(|r| r["result"] != "written" && r["result"] != "noChange").collect();
    assert!(bad.is_empty(), "every change should go through the faults: {:#?}", bad);
}

/// Graph's own error code on a failed single call names the group too.
fn assert_names_group(e: &AbiError, id: &str) {
    assert!(e.message.contains(id), "the error does not name the group {}: {:?}", id, e);
}

// ---- 429 storms ----

#[test]
fn fault_429_storm_listing() {
    let sim = Sim::start(&["--groups", "700", "--seed", "51", "--throttle", "off"]);
    let tenant = tenant_ids(&sim);
    let stormy = Sim::start(&["--groups", "700", "--seed", "51", "--throttle", "off", "--fault-seed", "3", "--fault-429-rate", "0.5", "--fault-retry-after", "1", "--throttle-speed", "50"]);
    let (listed, err) = Abi::of(&stormy, json!({})).list(json!({"pageSize": 50}));
    assert!(err.is_none(), "{:?}", err);
    assert_exact(&listed, &tenant);
    assert!(stormy.stats()["throttled"].as_u64().unwrap() > 3, "{}", stormy.stats());
}

#[test]
fn fault_429_storm_bulk() {
    // 429 on whole $batch requests, on sub-requests, and the quota itself
    // (a burst of 30, 400 writes a second on a clock 20 times fast) against
    // a client told to go ten times faster.
    let sim = Sim::start(&[
        "--groups", "500", "--seed", "52", "--throttle-scale", "0.01", "--fault-seed", "5",
        "--fault-429-rate", "0.2", "--fault-retry-after", "1", "--throttle-speed", "20",
    ]);
    let t = targets(&sim, 120);
    let client = Abi::of(&sim, json!({"writesPerSecond": 4000, "writeBurst": 200, "batchConcurrency": 4, "maxRetries": 2}));
    let results = client.bulk(&changes(&t), Duration::from_secs(40));
    assert_bulk_end_state(&sim, &t, &results, true);
    assert_all_applied(&results);
    assert!(sim.stats()["throttled"].as_u64().unwrap() > 3, "{}", sim.stats());
}

// ---- Retry-After: long, short, missing, malformed, as a date ----

#[test]
fn fault_retry_after_long_listing_fails_saying_where() {
    // 503/504 asking for 30 s against a 1 s budget: the listing fails
    // quickly, names Graph's code and says where it stopped.
    let sim = Sim::start(&["--groups", "600", "--seed", "53", "--throttle", "off", "--fault-seed", "2", "--fault-429-rate", "0.3", "--fault-retry-after", "30"]);
    let client = Abi::of(&sim, json!({"maxRetryWaitSeconds": 1}));
    let started = Instant::now();
    let (listed, err) = client.list(json!({"pageSize": 50}));
    assert!(started.elapsed() < Duration::from_secs(10), "the budget was not kept: {:?}", started.elapsed());
    let e = err.expect("a 30 s Retry-After exceeds the 1 s budget");
    assert_eq!(e.status, gwb_status::Throttled, "{:?}", e);
    assert_eq!(e.code.as_deref(), Some("TooManyRequests"));
    assert_eq!(e.http, 429);
    assert!(e.message.contains("stopped after"), "{:?}", e);
    assert_exact_or_where(&listed, &Some(e), &[]);
}

#[test]
fn fault_retry_after_long_bulk_fails_fast_naming_the_group() {
    // Sub-requests answered 429/503/504 with a 30 s Retry-After and a 1 s
    // budget: those groups fail at once (nothing was applied), the rest are
    // written; nobody waits 30 s.
    let sim = Sim::start(&[
        "--groups", "300", "--seed", "54", "--throttle", "off", "--fault-seed", "6",
        "--batch-fault-rate", "0.25", "--fault-retry-after", "30",
    ]);
    let t = targets(&sim, 60);
    let client = Abi::of(&sim, json!({"maxRetryWaitSeconds": 1, "maxRetries": 3}));
    let started = Instant::now();
    let results = client.bulk(&changes(&t), Duration::from_secs(25));
    assert!(started.elapsed() < Duration::from_secs(15), "a 30 s Retry-After beyond the budget was waited for: {:?}", started.elapsed());
    let by_id = assert_bulk_end_state(&sim, &t, &results, true);
    let failed: Vec<&Value> = by_id.values().filter(|r| r["result"] == "failed").collect();
    assert!(!failed.is_empty(), "some sub-requests asked for 30 s");
    for r in failed {
        assert!(matches!(r["error"]["status"].as_u64(), Some(429 | 500 | 502 | 503 | 504)), "{}", r);
        assert!(["TooManyRequests", "serviceNotAvailable", "GatewayTimeout", "UnknownError", "BadGateway"]
            .contains(&r["error"]["code"].as_str().unwrap()), "{}", r);
    }
}

fn retry_after_form_case(form: &str, seed: &str) {
    let tenant_sim = Sim::start(&["--groups", "400", "--seed", seed, "--throttle", "off"]);
    let tenant = tenant_ids(&tenant_sim);
    drop(tenant_sim);
    let sim = Sim::start(&[
        "--groups", "400", "--seed", seed, "--throttle", "off", "--fault-seed", "7",
        "--error-rate", "0.15", "--fault-429-rate", "0.1", "--batch-fault-rate", "0.2",
        "--fault-retry-after", "0.05", "--retry-after-form", form,
    ]);
    let client = Abi::of(&sim, json!({}));
    let (listed, err) = client.list(json!({"pageSize": 40}));
    assert!(err.is_none(), "{}: {:?}", form, err);
    assert_exact(&listed, &tenant);
    let t = targets(&sim, 40);
    let results = client.bulk(&changes(&t), Duration::from_secs(40));
    assert_bulk_end_state(&sim, &t, &results, true);
    assert_all_applied(&results);
}

#[test]
fn fault_retry_after_short_fractional() {
    retry_after_form_case("fractional", "55");
}

/// A lighter Retry-After case (fewer faults), for forms that make each
/// wait last longer.
fn light_retry_after_case(form: &str, seed: &str, fault_seed: &str) {
    let sim = Sim::start(&["--groups", "200", "--seed", seed, "--throttle", "off", "--fault-seed", fault_seed,
        "--fault-429-rate", "0.05", "--batch-fault-rate", "0.05", "--fault-retry-after", "0.05", "--retry-after-form", form]);
    let client = Abi::of(&sim, json!({}));
    let (listed, err) = client.list(json!({"pageSize": 50}));
    assert!(err.is_none(), "{}: {:?}", form, err);
    assert_eq!(listed.len(), 200);
    let t = targets(&sim, 40);
    let results = client.bulk(&changes(&t), Duration::from_secs(40));
    assert_bulk_end_state(&sim, &t, &results, true);
    assert_all_applied(&results);
}

#[test]
fn fault_retry_after_whole_seconds() {
    // Rounded up to 1 s: fewer faults so that the run stays short.
    light_retry_after_case("seconds", "56", "8");
}

#[test]
fn fault_retry_after_http_date() {
    light_retry_after_case("http-date", "57", "9");
}

#[test]
fn fault_retry_after_missing() {
    retry_after_form_case("missing", "58");
}

#[test]
fn fault_retry_after_malformed() {
    retry_after_form_case("malformed", "59");
}

// ---- 500, 502, 503, 504 ----

#[test]
fn fault_5xx_each_status_listing_and_bulk() {
    let tenant_sim = Sim::start(&["--groups", "600", "--seed", "60", "--throttle", "off"]);
    let tenant = tenant_ids(&tenant_sim);
    drop(tenant_sim);
    let sim = Sim::start(&["--groups", "600", "--seed", "60", "--throttle", "off", "--fault-seed", "10",
        "--error-rate", "0.3", "--batch-fault-rate", "0.2", "--fault-retry-after", "1", "--throttle-speed", "50"]);
    let client = Abi::of(&sim, json!({}));
    let (listed, err) = client.list(json!({"pageSize": 40}));
    assert!(err.is_none(), "{:?}", err);
    assert_exact(&listed, &tenant);
    let t = targets(&sim, 80);
    let results = client.bulk(&changes(&t), Duration::from_secs(40));
    assert_bulk_end_state(&sim, &t, &results, true);
    assert_all_applied(&results);
    let st = sim.stats();
    for s in ["500", "502", "503", "504"] {
        assert!(st["statusCounts"][s].as_u64().unwrap_or(0) > 0, "no {} answer was met: {}", s, st);
        assert!(st["subStatusCounts"][s].as_u64().unwrap_or(0) > 0, "no {} sub-answer was met: {}", s, st);
    }
}

#[test]
fn fault_5xx_persisting_fails_with_graph_code_and_group() {
    // Every answer a 5xx: a single set fails with Graph's code and names
    // the group; a listing fails saying it stopped after 0 pages.
    let sim = Sim::start(&["--groups", "20", "--seed", "61", "--throttle", "off", "--error-rate", "1", "--fault-retry-after", "1", "--throttle-speed", "100"]);
    let client = Abi::of(&sim, json!({"maxRetries": 2}));
    let id = "4de51a22-3289-4ea5-bbdb-8503ea644f1b";
    let e = client.set_state(id, 2).unwrap_err();
    assert_eq!(e.status, gwb_status::Graph, "{:?}", e);
    assert!(matches!(e.http, 500 | 502 | 503 | 504), "{:?}", e);
    assert!(["UnknownError", "BadGateway", "serviceNotAvailable", "GatewayTimeout"].contains(&e.code.as_deref().unwrap_or("")), "{:?}", e);
    assert_names_group(&e, id);
    let (listed, err) = client.list(json!({}));
    assert!(listed.is_empty());
    let e = err.unwrap();
    assert!(e.message.contains("stopped after 0 page"), "{:?}", e);
    assert!(e.code.is_some(), "{:?}", e);
}

// ---- resets, truncation ----

fn transport_case(flag: &str, seed: &str) {
    let tenant_sim = Sim::start(&["--groups", "500", "--seed", seed, "--throttle", "off"]);
    let tenant = tenant_ids(&tenant_sim);
    drop(tenant_sim);
    let sim = Sim::start(&["--groups", "500", "--seed", seed, "--throttle", "off", "--fault-seed", "11", flag, "0.25"]);
    let client = Abi::of(&sim, json!({}));
    let (listed, err) = client.list(json!({"pageSize": 40}));
    assert!(err.is_none(), "{}: {:?}", flag, err);
    assert_exact(&listed, &tenant);
    let t = targets(&sim, 60);
    let results = client.bulk(&changes(&t), Duration::from_secs(40));
    assert_bulk_end_state(&sim, &t, &results, true);
    assert_all_applied(&results);
    let f = &sim.stats()["faults"];
    assert!(f["resets"].as_u64().unwrap() + f["truncations"].as_u64().unwrap() + f["badJson"].as_u64().unwrap() > 0, "{}", f);
}

#[test]
fn fault_reset_before_any_byte() {
    transport_case("--reset-rate", "62");
}

#[test]
fn fault_reset_mid_body() {
    transport_case("--truncate-rate", "63");
}

#[test]
fn fault_truncated_json() {
    transport_case("--truncate-json-rate", "64");
}

// ---- slower than the timeout, token expiry (bulk; listings in client.rs) ----

#[test]
fn fault_slower_than_timeout_bulk() {
    let sim = Sim::start(&["--groups", "300", "--seed", "65", "--throttle", "off", "--fault-seed", "12", "--slow-rate", "0.2", "--slow-ms", "2500"]);
    let t = targets(&sim, 60);
    let client = Abi::of(&sim, json!({"timeoutSeconds": 1}));
    let results = client.bulk(&changes(&t), Duration::from_secs(45));
    assert_bulk_end_state(&sim, &t, &results, true);
    assert_all_applied(&results);
    assert!(sim.stats()["faults"]["slow"].as_u64().unwrap() > 0);
}

#[test]
fn fault_token_expiry_mid_bulk() {
    let sim = Sim::start(&["--groups", "300", "--seed", "66", "--throttle", "off", "--token-lifetime", "1", "--latency-ms", "120"]);
    let t = targets(&sim, 80);
    let client = Abi::new(
        json!({"endpoint": sim.base, "auth": "clientSecret", "tenantId": TENANT, "clientId": CLIENT_ID,
               "backoffBaseSeconds": 0.02, "batchConcurrency": 1}),
        CLIENT_SECRET,
    );
    let results = client.bulk(&changes(&t), Duration::from_secs(40));
    assert_bulk_end_state(&sim, &t, &results, true);
    assert_all_applied(&results);
    assert!(sim.stats()["tokensIssued"].as_u64().unwrap() >= 2, "{}", sim.stats());
}

// ---- a $batch answer mixing 204, 400, 404, 429 and 5xx ----

/// A stale description of a group makes the client send what its rules
/// would refuse for the group as it really is (a security group asked to
/// become a distribution group). Nothing public shows the service refusing
/// it: by default graph-sim stores it as sent and the client reports it
/// written; with `--writeback-validation strict` (graph-sim's assumption)
/// it is refused and the client reports that group failed with Graph's
/// status and code, the rest of the batch unaffected either way.
#[test]
fn fault_batch_mixing_204_400_404_429_5xx() {
    for strict in [false, true] {
        fault_batch_mixing(strict);
    }
}

fn fault_batch_mixing(strict: bool) {
    let mut args = vec!["--groups", "300", "--seed", "67", "--throttle", "off", "--fault-seed", "13",
        "--batch-fault-rate", "0.3", "--fault-retry-after", "1", "--throttle-speed", "50", "--batch-order", "shuffled"];
    if strict {
        args.extend_from_slice(&["--writeback-validation", "strict"]);
    }
    let sim = Sim::start(&args);
    let t = targets(&sim, 40);
    let (all, _) = Abi::of(&sim, json!({})).list(json!({"raw": true}));
    // A security group described to the client as a Microsoft 365 group,
    // asked to become a distribution group: the client sends it.
    let sec = all
        .iter()
        .find(|g| g["securityEnabled"] == true && g["mailEnabled"] == false && g["groupTypes"].as_array().map_or(false, |a| a.is_empty())
            && g["onPremisesSyncEnabled"] != true && !t.iter().any(|(id, _, _)| id == g["id"].as_str().unwrap()))
        .unwrap()
        .clone();
    let mut stale = sec.clone();
    stale["groupTypes"] = json!(["Unified"]);
    stale["securityEnabled"] = json!(false);
    stale["mailEnabled"] = json!(true);
    stale["writebackConfiguration"] = json!({"isEnabled": false, "onPremisesGroupType": null});
    let sec_id = sec["id"].as_str().unwrap().to_string();
    let sec_before = sim.stored(&sec_id)["writebackConfiguration"].clone();
    // 404: a group that does not exist, with its JSON given so a PATCH is sent.
    let ghost = "0f0f0f0f-0000-4000-8000-00000000dead";
    let ghost_group = json!({"id": ghost, "displayName": "Ghost", "groupTypes": ["Unified"], "securityEnabled": false, "mailEnabled": true,
                             "writebackConfiguration": {"isEnabled": false, "onPremisesGroupType": null}});
    let mut items: Vec<Value> = t.iter().map(|(id, s, _)| json!({"id": id, "state": s})).collect();
    items.push(json!({"id": sec_id, "state": "Distribution", "group": stale}));
    items.push(json!({"id": ghost, "state": "Security", "group": ghost_group}));
    let client = Abi::of(&sim, json!({"batchConcurrency": 1}));
    let results = client.bulk(&json!(items), Duration::from_secs(40));
    assert_eq!(results.len(), t.len() + 2, "exactly one result per group");
    let by_id: HashMap<String, Value> = results.iter().map(|r| (r["id"].as_str().unwrap().to_string(), r.clone())).collect();
    assert_eq!(by_id.len(), t.len() + 2);
    let stale_result = &by_id[&sec_id];
    if strict {
        assert_eq!(stale_result["result"], "failed", "{}", stale_result);
        assert_eq!(stale_result["error"]["status"], 400, "{}", stale_result);
        assert_eq!(stale_result["error"]["code"], "Request_BadRequest", "{}", stale_result);
        assert_eq!(sim.stored(&sec_id)["writebackConfiguration"], sec_before, "a refused PATCH changed nothing");
    } else {
        assert_eq!(stale_result["result"], "written", "{}", stale_result);
        assert_eq!(
            sim.stored(&sec_id)["writebackConfiguration"],
            json!({"isEnabled": true, "onPremisesGroupType": "universalDistributionGroup"}),
            "stored as sent"
        );
    }
    let r404 = &by_id[ghost];
    assert_eq!(r404["result"], "failed", "{}", r404);
    assert_eq!(r404["error"]["status"], 404, "{}", r404);
    assert_eq!(r404["error"]["code"], "Request_ResourceNotFound", "{}", r404);
    let rest: Vec<Value> = results.iter().filter(|r| r["id"] != json!(sec_id) && r["id"] != json!(ghost)).cloned().collect();
    assert_bulk_end_state(&sim, &t, &rest, true);
    assert_all_applied(&rest);
    let sub = &sim.stats()["subStatusCounts"];
    let expected: &[&str] = if strict { &["204", "400", "404", "429"] } else { &["204", "404", "429"] };
    for s in expected {
        assert!(sub[*s].as_u64().unwrap_or(0) > 0, "no {} sub-answer: {}", s, sub);
    }
    if !strict {
        assert_eq!(sub["400"].as_u64().unwrap_or(0), 0, "nothing refused by default: {}", sub);
    }
    assert!(["500", "502", "503", "504"].iter().any(|s| sub[*s].as_u64().unwrap_or(0) > 0), "no 5xx sub-answer: {}", sub);
}

// ---- nextLink: a loop, another host ----

/// A server whose pages link in a cycle of `period` pages.
fn looping_server(period: usize) -> Hostile {
    let me = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let me2 = me.clone();
    let server = Hostile::start("127.0.0.1", move |path| {
        let base = me2.lock().unwrap().clone();
        // The first page is 0; then pages 1..=period, the last linking back to 1.
        let n: usize = path.split("skiptoken=p").nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let next = if n == 0 { 1 } else { 1 + n % period };
        let body = json!({"value": [{"id": format!("00000000-0000-4000-8000-{:012}", n), "groupTypes": ["Unified"]}],
                          "@odata.nextLink": format!("{}/beta/groups?$skiptoken=p{}", base, next)});
        Hostile::json(200, &body.to_string(), "")
    });
    *me.lock().unwrap() = server.base.clone();
    server
}

#[test]
fn fault_next_link_loop() {
    for period in [1, 3] {
        let server = looping_server(period);
        let client = Abi::new(json!({"endpoint": server.base}), "loop-token-7");
        let (listed, err) = client.list(json!({}));
        let e = err.expect("a looping listing must fail");
        assert_eq!(e.status, gwb_status::InvalidResponse, "{:?}", e);
        assert!(e.message.contains("loop") && e.message.contains("stopped after"), "{:?}", e);
        let ids: HashSet<&str> = listed.iter().map(|g| g["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), listed.len(), "no group returned twice");
        assert_eq!(listed.len(), period + 1, "every page before the loop, once");
    }
}

#[test]
fn fault_next_link_to_another_host() {
    let foreign = Hostile::start("127.0.0.2", |_| Hostile::json(200, r#"{"value":[]}"#, ""));
    let foreign_base = foreign.base.clone();
    let graph = Hostile::start("127.0.0.1", move |_| {
        let body = json!({"value": [{"id": "00000000-0000-4000-8000-000000000001", "groupTypes": ["Unified"]}],
                          "@odata.nextLink": format!("{}/beta/groups?$skiptoken=x", foreign_base)});
        Hostile::json(200, &body.to_string(), "")
    });
    let client = Abi::new(json!({"endpoint": graph.base}), "secret-bearer-abc");
    let (listed, err) = client.list(json!({}));
    assert_eq!(listed.len(), 1);
    let e = err.expect("the foreign nextLink is refused");
    assert_eq!(e.status, gwb_status::UntrustedUrl, "{:?}", e);
    assert!(e.message.contains("127.0.0.2"), "{:?}", e);
    assert!(e.message.contains("stopped after 1 page"), "the error does not say where it stopped: {:?}", e);
    std::thread::sleep(Duration::from_millis(100));
    assert!(foreign.seen.lock().unwrap().is_empty(), "the foreign host was contacted");
}

/// Through the C ABI: a server that echoes the token (in another letter
/// case) in its error code, message and request id never gets it into a
/// `gwb_error`; a one-group read answered with a page is INVALID_RESPONSE
/// naming what came back; a refused nextLink names its whole origin.
#[test]
fn fault_hostile_answers_through_the_abi() {
    const TOKEN: &str = "abi-Bearer-Token-0123456789abcdef";
    let upper = TOKEN.to_uppercase();
    let me = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let me2 = me.clone();
    let graph = Hostile::start("127.0.0.1", move |path| {
        if path.contains("echo") {
            let body = json!({"error": {"code": format!("X_{}", upper), "message": format!("no {}", upper.to_lowercase()),
                                        "innerError": {"request-id": format!("rid-{}", upper)}}});
            Hostile::json(400, &body.to_string(), &format!("request-id: rid-{}\r\n", upper))
        } else if path.contains("/beta/groups/") {
            Hostile::json(200, r#"{"@odata.context":"x","value":[{"id":"a"}]}"#, "")
        } else {
            // The nextLink points at this host on another port.
            let base = me2.lock().unwrap().clone();
            let other = base.rsplit_once(':').map(|(h, _)| format!("{}:1", h)).unwrap_or_default();
            let body = json!({"value": [{"id": "00000000-0000-4000-8000-000000000001", "groupTypes": ["Unified"]}],
                              "@odata.nextLink": format!("{}/beta/groups?$skiptoken=x", other)});
            Hostile::json(200, &body.to_string(), "")
        }
    });
    *me.lock().unwrap() = graph.base.clone();
    let client = Abi::new(json!({"endpoint": graph.base, "maxRetries": 0}), TOKEN);

    let e = client.get_group("echo").unwrap_err();
    assert_eq!(e.http, 400, "{:?}", e);
    let shown = format!("{} {:?} {:?}", e.message, e.code, e.request_id).to_lowercase();
    assert!(!shown.contains(&TOKEN.to_lowercase()), "the token reached the caller: {}", shown);
    assert_eq!(e.request_id.as_deref(), Some("rid-[redacted]"), "{:?}", e);
    assert_eq!(e.code.as_deref(), Some("X_[redacted]"), "{:?}", e);

    let e = client.get_group("00000000-0000-4000-8000-000000000001").unwrap_err();
    assert_eq!(e.status, gwb_status::InvalidResponse, "{:?}", e);
    assert!(e.message.contains("was not that group") && e.message.contains("a collection page of 1 object(s)"), "{:?}", e);

    let (_, err) = client.list(json!({}));
    let e = err.expect("the nextLink to another port is refused");
    assert_eq!(e.status, gwb_status::UntrustedUrl, "{:?}", e);
    let other = graph.base.rsplit_once(':').map(|(h, _)| format!("{}:1", h)).unwrap();
    assert!(e.message.contains(&other) && e.message.contains(&graph.base), "the message must name both origins: {:?}", e);
}

// ---- the simulator killed and restarted mid-run ----

#[test]
fn fault_restart_mid_listing() {
    let dir = std::env::temp_dir().join(format!("gwb-faults-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tenant.json");
    let file_s = file.to_str().unwrap().to_string();
    let listen = format!("127.0.0.1:{}", free_port());
    let sim = Sim::start(&["--listen", &listen, "--groups", "1500", "--seed", "68", "--throttle", "off", "--save", &file_s, "--latency-ms", "60"]);
    let tenant = tenant_ids(&sim);
    let client = std::sync::Arc::new(Abi::of(&sim, json!({"maxRetries": 60, "maxRetryWaitSeconds": 60})));
    let c2 = client.clone();
    let h = std::thread::spawn(move || c2.list(json!({"pageSize": 50})));
    std::thread::sleep(Duration::from_millis(500));
    sim.terminate();
    std::thread::sleep(Duration::from_millis(700));
    let _back = Sim::start(&["--listen", &listen, "--groups", "0", "--tenant", &file_s, "--throttle", "off"]);
    let (listed, err) = h.join().unwrap();
    assert!(err.is_none(), "{:?}", err);
    assert_exact(&listed, &tenant);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- bad input that reaches the Graph client ----

#[test]
fn bad_input_huge_filter_is_an_error_not_an_empty_listing() {
    let sim = Sim::start(&["--groups", "20", "--seed", "69", "--throttle", "off"]);
    let client = Abi::of(&sim, json!({}));
    for n in [64 * 1024, 1024 * 1024] {
        let (listed, err) = client.list(json!({"filter": "x".repeat(n)}));
        assert!(listed.is_empty());
        let e = err.expect("a listing that cannot be sent is an error, never an empty, complete listing");
        assert_eq!(e.status, gwb_status::InvalidArgument, "{:?}", e);
        assert!(e.message.len() < 1024, "the filter is not echoed whole");
    }
    // The client still works.
    let (listed, err) = client.list(json!({}));
    assert!(err.is_none(), "{:?}", err);
    assert_eq!(listed.len(), 20);
}

#[test]
fn bad_input_huge_and_control_ids_in_a_bulk_change_are_never_sent() {
    let sim = Sim::start(&["--groups", "50", "--seed", "70", "--throttle", "off"]);
    let t = targets(&sim, 3);
    let client = Abi::of(&sim, json!({}));
    let before = sim.stats()["requests"].as_u64().unwrap();
    let huge = "a".repeat(1024 * 1024);
    let items = json!([
        {"id": huge, "state": "Security"},
        {"id": "a\r\nb", "state": "Security"},
        {"id": "", "state": "Security"},
        {"id": t[0].0, "state": 7},
        {"id": t[1].0, "state": null},
        "not an object",
    ]);
    let results = client.bulk(&items, Duration::from_secs(20));
    assert_eq!(results.len(), 6, "one result per change");
    for r in &results {
        assert_eq!(r["result"], "failed", "{}", r);
        assert_eq!(r["error"]["code"], "InvalidArgument", "{}", r);
        assert!(r["error"]["message"].as_str().unwrap().len() < 1024, "the input is not echoed whole");
    }
    assert_eq!(sim.stats()["requests"].as_u64().unwrap(), before, "nothing was sent");
}
