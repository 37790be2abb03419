//! The Graph client against graph-sim: paging, filters, get/set, bulk
//! changes under an aggressive quota, faults, token expiry, hostile URLs and
//! cancellation.

mod common;

use common::*;
use group_writeback::domain::{ChangeRequest, WritebackState, WrittenBack};
use group_writeback::graph::{Client, ClientOptions, GraphError};
use group_writeback::listing::ListOptions;
use group_writeback::secret::Secret;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::{Duration, Instant};

fn options(base: &str, extra: Value) -> ClientOptions {
    let mut v = json!({"endpoint": base, "backoffBaseSeconds": 0.05});
    for (k, val) in extra.as_object().unwrap() {
        v[k] = val.clone();
    }
    serde_json::from_value(v).unwrap()
}

fn token_client(sim: &Sim, extra: Value) -> Client {
    Client::new(options(&sim.base, extra), Some(Secret::from(STATIC_TOKEN))).unwrap()
}

fn secret_client(sim: &Sim, extra: Value) -> Client {
    let mut e = json!({"auth": "clientSecret", "tenantId": TENANT, "clientId": CLIENT_ID});
    for (k, v) in extra.as_object().unwrap() {
        e[k] = v.clone();
    }
    Client::new(options(&sim.base, e), Some(Secret::from(CLIENT_SECRET))).unwrap()
}

fn ids(groups: &[Value]) -> Vec<String> {
    groups.iter().map(|g| g["id"].as_str().unwrap().to_string()).collect()
}

fn assert_each_once(groups: &[Value], expected: usize) {
    let ids = ids(groups);
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(ids.len(), expected, "groups returned");
    assert_eq!(unique.len(), expected, "each group exactly once");
}

#[test]
fn pages_through_tens_of_thousands_of_groups() {
    let sim = Sim::start(&["--groups", "20000", "--seed", "7", "--throttle", "off"]);
    let client = token_client(&sim, json!({}));
    let cursor = client.list_groups(ListOptions::default()).unwrap();
    let mut all = Vec::new();
    let mut pages = 0;
    while let Some(page) = cursor.next_page().unwrap() {
        assert!(page.len() <= 999 && page.groups().len() == page.len());
        pages += 1;
        all.extend(page.groups());
    }
    assert_each_once(&all, 20000);
    assert_eq!(pages, 21, "$top=999 pages");
    // Every group carries the explanation.
    for g in &all {
        assert!(g["effective"]["reason"].is_string(), "{}", g);
        assert!(g["portal"]["state"].is_string(), "{}", g);
    }
    let p = cursor.progress.as_ref();
    assert_eq!(p.get(|p| &p.groups_read), 20000);
    assert_eq!(p.get(|p| &p.pages_read), 21);
}

#[test]
fn filters_search_count_and_client_side_filters() {
    let sim = Sim::start(&["--groups", "3000", "--seed", "11", "--throttle", "off"]);
    let client = token_client(&sim, json!({}));
    let everything = list_all(&client, ListOptions::default()).unwrap();

    let unified = list_all(&client, ListOptions { filter: Some("groupTypes/any(c:c eq 'Unified')".into()), ..Default::default() }).unwrap();
    let expected = everything.iter().filter(|g| g["kind"] == "microsoft365").count();
    assert!(expected > 0);
    assert_each_once(&unified, expected);

    let sec = list_all(&client, ListOptions { filter: Some("securityEnabled eq true and mailEnabled eq false".into()), ..Default::default() }).unwrap();
    assert!(sec.iter().all(|g| g["securityEnabled"] == true && g["mailEnabled"] == false));

    let first = everything[0]["displayName"].as_str().unwrap();
    let prefix: String = first.chars().take(3).collect();
    let starts = list_all(&client, ListOptions { filter: Some(format!("startswith(displayName,'{}')", prefix)), ..Default::default() }).unwrap();
    assert!(!starts.is_empty());
    assert!(starts.iter().all(|g| g["displayName"].as_str().unwrap().to_lowercase().starts_with(&prefix.to_lowercase())));

    // $count and $search: ConsistencyLevel is added for the caller.
    let cursor = client.list_groups(ListOptions { count: true, page_size: Some(100), ..Default::default() }).unwrap();
    let page = cursor.next_page().unwrap().unwrap();
    assert_eq!(page.count, Some(3000));
    let word = first.split_whitespace().next().unwrap();
    let found = list_all(&client, ListOptions { search: Some(format!("\"displayName:{}\"", word)), ..Default::default() }).unwrap();
    assert!(!found.is_empty());

    // The portal's filters, applied on the client.
    let written = list_all(&client, ListOptions { written_back: Some(WrittenBack::Yes), ..Default::default() }).unwrap();
    let expected_written = everything.iter().filter(|g| g["effective"]["writtenBack"] == true).count();
    assert_eq!(written.len(), expected_written);
    let enabled = list_all(&client, ListOptions { writeback_enabled: Some(true), ..Default::default() }).unwrap();
    assert!(enabled.iter().all(|g| g["writebackConfiguration"]["isEnabled"] == true));

    // maxItems stops early; an unsupported filter is Graph's 400, passed on.
    let five = list_all(&client, ListOptions { max_items: Some(5), ..Default::default() }).unwrap();
    assert_eq!(five.len(), 5);
    let err = list_all(&client, ListOptions { filter: Some("writebackConfiguration/isEnabled eq true".into()), ..Default::default() }).unwrap_err();
    assert_eq!(err.http_status(), Some(400), "{:?}", err);
    assert!(err.graph_code().is_some());
    let err = client.list_groups(ListOptions { page_size: Some(1000), ..Default::default() }).err().unwrap();
    assert!(matches!(err, GraphError::InvalidArgument(_)));
}

#[test]
fn get_and_set_one_group() {
    let sim = Sim::start(&["--groups", "400", "--seed", "3", "--throttle", "off"]);
    let client = secret_client(&sim, json!({}));
    let all = list_all(&client, ListOptions::default()).unwrap();
    let m365 = all.iter().find(|g| g["kind"] == "microsoft365" && g["isSynced"] == false && g["writebackConfiguration"]["isEnabled"] != true).unwrap();
    let id = m365["id"].as_str().unwrap();

    let got = client.get_group(id, &[]).unwrap();
    assert_eq!(got["id"], id);

    let before = sim.stats();
    let r = client.set_group_state(id, WritebackState::MailEnabledSecurity).unwrap();
    assert_eq!(r["result"], "written", "{}", r);
    let stored = sim.stored(id);
    assert_eq!(stored["writebackConfiguration"]["isEnabled"], true, "{}", stored);
    assert_eq!(stored["writebackConfiguration"]["onPremisesGroupType"], "universalMailEnabledSecurityGroup");
    // Again: nothing to send.
    let r = client.set_group_state(id, WritebackState::MailEnabledSecurity).unwrap();
    assert_eq!(r["result"], "noChange");
    let after = sim.stats();
    assert_eq!(after["writes"].as_u64().unwrap() - before["writes"].as_u64().unwrap(), 1, "one PATCH only: {} → {}", before, after);

    // Refusals never reach the wire.
    let synced = all.iter().find(|g| g["isSynced"] == true).unwrap();
    let dl = all.iter().find(|g| g["kind"] == "distribution").unwrap();
    let before = sim.stats();
    for (g, code) in [(synced, "syncedFromOnPremises"), (dl, "distributionGroupNotEligible")] {
        match client.set_group_state(g["id"].as_str().unwrap(), WritebackState::Security) {
            Err(GraphError::Refused(r)) => assert_eq!(r.code.name(), code),
            other => panic!("{:?}", other),
        }
    }
    let req = ChangeRequest::from_json_str(r#"{"onPremisesGroupType": null}"#).unwrap();
    assert!(matches!(client.set_group(id, &req), Err(GraphError::Refused(_))));
    assert_eq!(sim.stats()["writes"], before["writes"]);

    // Not found: Graph's code and request id come through.
    let err = client.get_group("00000000-0000-0000-0000-00000000dead", &[]).unwrap_err();
    assert_eq!(err.http_status(), Some(404));
    assert_eq!(err.graph_code(), Some("Request_ResourceNotFound"));
    assert!(err.request_id().map_or(false, |r| !r.is_empty()));
}

/// The client never relies on the service to refuse a change: what its
/// rules refuse is refused before anything is sent, whether graph-sim stores
/// such a change as sent (the default, as nothing public shows the service
/// refusing it) or refuses it (`--writeback-validation strict`, an
/// assumption). What it does send is stored as sent in both.
#[test]
fn refusals_never_depend_on_the_service() {
    for strict in [false, true] {
        let mut args = vec!["--groups", "400", "--seed", "3", "--throttle", "off"];
        if strict {
            args.extend_from_slice(&["--writeback-validation", "strict"]);
        }
        let sim = Sim::start(&args);
        let client = token_client(&sim, json!({}));
        let all = list_all(&client, ListOptions::default()).unwrap();
        let find = |what: &str, pred: &dyn Fn(&Value) -> bool| -> String {
            all.iter().find(|g| pred(g)).unwrap_or_else(|| panic!("a {} group", what))["id"].as_str().unwrap().to_string()
        };
        let cloud = |g: &Value| g["isSynced"] == false;
        let synced = find("synced", &|g| g["isSynced"] == true);
        let dl = find("distribution", &|g| g["kind"] == "distribution" && cloud(g));
        let mesg = find("mail-enabled security", &|g| g["kind"] == "mailEnabledSecurity" && cloud(g));
        let sec = find("security", &|g| g["kind"] == "security" && cloud(g));
        let typed = find("typed Microsoft 365", &|g| {
            g["kind"] == "microsoft365" && cloud(g) && g["writebackConfiguration"]["onPremisesGroupType"].is_string()
        });
        let refused: Vec<(&str, &str, &str)> = vec![
            (&synced, r#"{"isEnabled": true, "onPremisesGroupType": "universalSecurityGroup"}"#, "syncedFromOnPremises"),
            (&dl, r#"{"isEnabled": true, "onPremisesGroupType": "universalDistributionGroup"}"#, "distributionGroupNotEligible"),
            (&mesg, r#"{"isEnabled": false}"#, "mailEnabledSecurityGroupNotEligible"),
            (&sec, r#"{"isEnabled": true, "onPremisesGroupType": "universalDistributionGroup"}"#, "typeNotAllowedForKind"),
            (&typed, r#"{"isEnabled": true, "onPremisesGroupType": "globalSecurityGroup"}"#, "unknownType"),
            (&typed, r#"{"onPremisesGroupType": null}"#, "typeCannotBeReset"),
            (&typed, r#"{"isEnabled": null}"#, "isEnabledNull"),
        ];
        let before = sim.stats();
        for (id, body, code) in refused {
            let stored = sim.stored(id);
            match client.set_group(id, &ChangeRequest::from_json_str(body).unwrap()) {
                Err(GraphError::Refused(r)) => assert_eq!(r.code.name(), code, "strict {}: {} on {}", strict, body, id),
                other => panic!("strict {}: {} on {}: {:?}", strict, body, id, other),
            }
            assert_eq!(sim.stored(id), stored, "strict {}: nothing changed", strict);
        }
        let after = sim.stats();
        assert_eq!(after["writes"], before["writes"], "strict {}: no PATCH reached the service", strict);
        assert_eq!(after["statusCounts"]["400"], before["statusCounts"]["400"], "strict {}: none refused there: {}", strict, after);
        // Allowed: sent, and stored as sent.
        let r = client.set_group(&sec, &ChangeRequest::from_json_str(r#"{"isEnabled": true, "onPremisesGroupType": "universalSecurityGroup"}"#).unwrap()).unwrap();
        assert_eq!(r["result"], "written", "strict {}: {}", strict, r);
        assert_eq!(
            sim.stored(&sec)["writebackConfiguration"],
            json!({"isEnabled": true, "onPremisesGroupType": "universalSecurityGroup"}),
            "strict {}",
            strict
        );
        assert_eq!(sim.stats()["writes"].as_u64().unwrap(), before["writes"].as_u64().unwrap() + 1);
    }
}

/// A stand-in Graph for `$batch` only, whose sub-requests `answer(method,
/// url)` answers with (status, body).
fn batch_server(answer: impl Fn(&str, &str) -> (u16, Value) + Send + 'static) -> Hostile {
    Hostile::start_with_body("127.0.0.1", move |path, body| {
        if !path.ends_with("/$batch") {
            return Hostile::json(404, r#"{"error":{"code":"Request_ResourceNotFound","message":"only $batch here"}}"#, "");
        }
        let req: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let responses: Vec<Value> = req["requests"].as_array().into_iter().flatten().map(|r| {
            let (status, body) = answer(r["method"].as_str().unwrap_or(""), r["url"].as_str().unwrap_or(""));
            json!({"id": r["id"], "status": status, "headers": {}, "body": body})
        }).collect();
        Hostile::json(200, &json!({"responses": responses}).to_string(), "")
    })
}

fn m365(id: &str) -> Value {
    json!({"id": id, "displayName": format!("G {}", &id[..8]), "groupTypes": ["Unified"], "securityEnabled": false,
           "mailEnabled": true, "onPremisesSyncEnabled": null,
           "writebackConfiguration": {"isEnabled": false, "onPremisesGroupType": null}})
}

#[test]
fn bulk_reads_are_right_whether_the_service_filters_by_id_or_not() {
    let ids: Vec<String> = (0..40).map(|i| format!("{:08x}-0000-4000-8000-{:012x}", i + 1, i)).collect();
    let wrong = ids[7].clone();
    let items: Vec<Value> = ids.iter().map(|id| json!({"id": id, "state": "Security"})).collect();
    let one_id = |url: &str| url.trim_start_matches("/groups/").split('?').next().unwrap_or("").to_string();

    // A service that refuses `id in` whole (400): every group is read on its
    // own; one answered with another group fails, saying so.
    let refusing = {
        let wrong = wrong.clone();
        batch_server(move |method, url| match method {
            "GET" if url.starts_with("/groups?") => (400, json!({"error": {"code": "Request_UnsupportedQuery", "message": "no 'in' here"}})),
            "GET" if one_id(url) == wrong => (200, m365("ffffffff-0000-4000-8000-000000000000")),
            "GET" => (200, m365(&one_id(url))),
            "PATCH" => (204, Value::Null),
            _ => (405, Value::Null),
        })
    };
    let client = Client::new(options(&refusing.base, json!({})), Some(Secret::from(STATIC_TOKEN))).unwrap();
    let (results, _b) = bulk_all(&client, &json!(items));
    assert_eq!(results.len(), 40);
    for r in &results {
        if r["id"] == wrong.as_str() {
            assert_eq!(r["result"], "failed", "{}", r);
            assert_eq!(r["error"]["code"], "InvalidResponse", "{}", r);
            assert!(r["error"]["message"].as_str().unwrap().contains("was not that group"), "{}", r);
        } else {
            assert_eq!(r["result"], "written", "{}", r);
        }
    }

    // A service whose filter answers only some of the ids (and an extra
    // group nobody asked for): the others are read on their own.
    let partial = batch_server(move |method, url| match method {
        "GET" if url.starts_with("/groups?") => {
            let filter = url::form_urlencoded::parse(url.split_once('?').unwrap().1.as_bytes())
                .find(|(k, _)| k == "$filter").map(|(_, v)| v.into_owned()).unwrap_or_default();
            let asked: Vec<String> = filter.split('\'').skip(1).step_by(2).map(str::to_string).collect();
            let mut value: Vec<Value> = asked.iter().step_by(2).map(|id| m365(id)).collect();
            value.push(m365("eeeeeeee-0000-4000-8000-000000000000"));
            (200, json!({"value": value}))
        }
        "GET" => (200, m365(&one_id(url))),
        "PATCH" => (204, Value::Null),
        _ => (405, Value::Null),
    });
    let client = Client::new(options(&partial.base, json!({})), Some(Secret::from(STATIC_TOKEN))).unwrap();
    let (results, _b) = bulk_all(&client, &json!(items));
    assert!(results.iter().all(|r| r["result"] == "written"), "{:#?}", results.iter().find(|r| r["result"] != "written"));
    let seen: Vec<String> = partial.seen.lock().unwrap().iter().map(|s| s.request_line.clone()).collect();
    assert!(seen.len() >= 3, "reads with the filter, then the missing ones, then the writes: {:?}", seen);
}

#[test]
fn paces_must_be_positive() {
    for bad in [json!({"writesPerSecond": 0}), json!({"resourceUnitsPerSecond": -5}), json!({"writesPerSecond": -0.0})] {
        let mut v = bad.clone();
        v["endpoint"] = json!("http://127.0.0.1:9");
        let opts: ClientOptions = serde_json::from_value(v).unwrap();
        let err = Client::new(opts, Some(Secret::from(STATIC_TOKEN))).unwrap_err();
        assert!(matches!(&err, GraphError::InvalidArgument(m) if m.contains("must be a positive number")), "{}: {:?}", bad, err);
    }
}

#[test]
fn read_only_app_is_forbidden_to_write() {
    let sim = Sim::start(&["--groups", "50", "--seed", "5", "--throttle", "off"]);
    let opts = options(&sim.base, json!({"auth": "clientSecret", "tenantId": TENANT, "clientId": READONLY_CLIENT_ID}));
    let client = Client::new(opts, Some(Secret::from(READONLY_SECRET))).unwrap();
    let all = list_all(&client, ListOptions::default()).unwrap();
    let g = all.iter().find(|g| g["kind"] == "microsoft365" && g["isSynced"] == false && g["writebackConfiguration"]["isEnabled"] != false).unwrap();
    let err = client.set_group_state(g["id"].as_str().unwrap(), WritebackState::NoWriteback).unwrap_err();
    assert_eq!(err.http_status(), Some(403), "{:?}", err);
    assert_eq!(err.graph_code(), Some("Authorization_RequestDenied"));
    // A wrong secret fails at sign-in, and the secret is not in the message.
    let opts = options(&sim.base, json!({"auth": "clientSecret", "tenantId": TENANT, "clientId": CLIENT_ID}));
    let bad = Client::new(opts, Some(Secret::from("not-the-secret-xyz"))).unwrap();
    let err = bad.sign_in().unwrap_err();
    assert!(matches!(err, GraphError::Auth(_)), "{:?}", err);
    assert!(!format!("{} {:?}", err, err).contains("not-the-secret-xyz"));
    // A bad static token fails at sign-in too: it is tried on one cheap read.
    let client = Client::new(options(&sim.base, json!({})), Some(Secret::from("wrong-token"))).unwrap();
    let err = client.sign_in().unwrap_err();
    assert_eq!(err.http_status(), Some(401), "{:?}", err);
    assert!(err.to_string().contains("the access token was refused"), "{}", err);
    assert!(!format!("{} {:?}", err, err).contains("wrong-token"));
    let good = Client::new(options(&sim.base, json!({})), Some(Secret::from(STATIC_TOKEN))).unwrap();
    good.sign_in().unwrap();
    // And it stays 401 InvalidAuthenticationToken, not refreshable, on any call.
    let err = client.get_group(g["id"].as_str().unwrap(), &[]).unwrap_err();
    assert_eq!(err.graph_code(), Some("InvalidAuthenticationToken"));
    assert!(!format!("{} {:?}", err, err).contains("wrong-token"));
}

fn bulk_all(client: &Client, items: &Value) -> (Vec<Value>, group_writeback::bulk::Bulk) {
    let bulk = client.bulk_set(items).unwrap();
    let mut results = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (mut r, done) = bulk.poll(Duration::from_millis(200));
        results.append(&mut r);
        if done {
            break;
        }
        if Instant::now() > deadline {
            let p = bulk.progress();
            panic!(
                "bulk change did not finish: {} results; requests {} written {} retries {} throttled {} throttle wait {} ms pacing wait {} ms",
                results.len(), p.get(|p| &p.requests), p.get(|p| &p.written), p.get(|p| &p.retries),
                p.get(|p| &p.throttled), p.get(|p| &p.throttle_wait_ms), p.get(|p| &p.pacing_wait_ms)
            );
        }
    }
    (results, bulk)
}

/// Eligible groups and the state each should get.
fn targets(all: &[Value], n: usize) -> Vec<(String, &'static str)> {
    all.iter()
        .filter(|g| g["isSynced"] == false && (g["kind"] == "microsoft365" || g["kind"] == "security"))
        .take(n)
        .enumerate()
        .map(|(i, g)| {
            let state = match (g["kind"].as_str().unwrap(), i % 3) {
                ("security", 0) => "NoWriteback",
                ("security", _) => "Security",
                (_, 0) => "Distribution",
                (_, 1) => "MailEnabledSecurity",
                _ => "NoWriteback",
            };
            (g["id"].as_str().unwrap().to_string(), state)
        })
        .collect()
}

fn assert_end_state(sim: &Sim, targets: &[(String, &str)]) {
    for (id, state) in targets {
        let stored = sim.stored(id);
        let wb = &stored["writebackConfiguration"];
        match *state {
            "NoWriteback" => assert_eq!(wb["isEnabled"], false, "{} {}", id, stored),
            s => {
                let t = WritebackState::parse(s).unwrap().target_type().unwrap();
                assert_eq!(wb["isEnabled"], true, "{} {}", id, stored);
                assert!(wb["onPremisesGroupType"].as_str().unwrap().eq_ignore_ascii_case(t.as_graph_str()), "{} {}", id, stored);
            }
        }
    }
}

#[test]
fn bulk_change_under_an_aggressive_quota() {
    // A burst of 30 writes and 200 a second (the published 20/s on a clock
    // ten times fast, Retry-After in whole simulated seconds: 0.1 s); the
    // client is told to go twice as fast, so it meets 429s and must honour
    // every Retry-After, and learn the pace.
    let sim = Sim::start(&["--groups", "600", "--seed", "21", "--throttle-scale", "0.01", "--throttle-speed", "10"]);
    let client = token_client(&sim, json!({"writesPerSecond": 400, "writeBurst": 200, "batchConcurrency": 4, "maxRetries": 3}));
    let all = list_all(&client, ListOptions::default()).unwrap();
    let t = targets(&all, 300);
    let mut items: Vec<Value> = t.iter().map(|(id, s)| json!({"id": id, "state": s})).collect();
    // Plus ones the rules refuse, an unknown group, a bad state and a duplicate.
    let synced = all.iter().find(|g| g["isSynced"] == true).unwrap()["id"].clone();
    items.push(json!({"id": synced, "state": "Security"}));
    items.push(json!({"id": "00000000-0000-0000-0000-00000000beef", "state": "Security"}));
    items.push(json!({"id": t[0].0, "state": "Sideways"}));
    items.push(json!({"id": t[1].0, "state": t[1].1}));
    let reads_before = sim.stats()["reads"].as_u64().unwrap();
    let (results, bulk) = bulk_all(&client, &json!(items));
    assert_eq!(results.len(), items.len(), "exactly one result per change");
    let mut seen = HashSet::new();
    for r in &results {
        assert!(seen.insert(r["index"].as_u64().unwrap()), "index twice: {}", r);
    }
    let failed: Vec<&Value> = results.iter().filter(|r| r["result"] == "failed").collect();
    assert_eq!(failed.len(), 3, "unknown id, bad state, duplicate: {:#?}", failed);
    assert!(failed.iter().any(|r| r["error"]["code"] == "Request_ResourceNotFound"));
    assert!(results.iter().any(|r| r["result"] == "refused" && r["refusal"]["code"] == "syncedFromOnPremises"));
    let applied = results.iter().filter(|r| r["result"] == "written" || r["result"] == "noChange").count();
    assert_eq!(applied, 300);
    assert_end_state(&sim, &t);
    let p = bulk.progress();
    assert!(p.get(|p| &p.throttled) > 0, "the quota was reached");
    assert!(client.pace().1 < 400.0, "the write pace learned from the 429s: {:?}", client.pace());
    let stats = sim.stats();
    // Nothing written twice needlessly: PATCHes accepted equal the writes reported.
    let written = results.iter().filter(|r| r["result"] == "written").count() as u64;
    assert_eq!(stats["writes"].as_u64().unwrap(), written, "{}", stats);
    // 301 groups read fifteen to a request (21), and the unknown one again
    // on its own for the service's 404.
    assert_eq!(stats["reads"].as_u64().unwrap() - reads_before, 22, "{}", stats);
}

#[test]
fn bulk_change_of_5000_bare_ids_reads_fifteen_to_a_request() {
    // The scaled quota: a burst of 30 writes, 1,000 a second (the published
    // 20/s on a clock 50 times fast); the client is told that pace.
    let sim = Sim::start(&["--groups", "7500", "--seed", "23", "--throttle-scale", "0.01", "--throttle-speed", "50"]);
    let client = token_client(&sim, json!({"writesPerSecond": 1000, "resourceUnitsPerSecond": 17500}));
    let all = list_all(&client, ListOptions::default()).unwrap();
    let t = targets(&all, 5000);
    assert_eq!(t.len(), 5000);
    let items: Vec<Value> = t.iter().map(|(id, s)| json!({"id": id, "state": s})).collect();
    let before = sim.stats();
    let (results, _bulk) = bulk_all(&client, &json!(items));
    assert_eq!(results.len(), 5000);
    let failed: Vec<&Value> = results.iter().filter(|r| r["result"] != "written" && r["result"] != "noChange").collect();
    assert!(failed.is_empty(), "{} not applied: {:#?}", failed.len(), &failed[..failed.len().min(3)]);
    assert_end_state(&sim, &t);
    let after = sim.stats();
    let reads = after["reads"].as_u64().unwrap() - before["reads"].as_u64().unwrap();
    assert!(reads <= (5000 + 14) / 15, "{} reads for 5,000 groups: {}", reads, after);
    // Each read was a $batch sub-request (none sent on its own); how many
    // $batches carried them depends on the burst the pace allowed.
    let sub = after["batchSubRequests"].as_u64().unwrap() - before["batchSubRequests"].as_u64().unwrap();
    let writes = after["writes"].as_u64().unwrap() - before["writes"].as_u64().unwrap();
    let throttled = after["throttled"].as_u64().unwrap() - before["throttled"].as_u64().unwrap();
    assert_eq!(sub, reads + writes + throttled, "{}", after);
    assert_eq!(results.iter().filter(|r| r["result"] == "written").count() as u64, writes);
}

#[test]
fn throttling_for_longer_than_max_retries_still_completes() {
    // Two in three requests are answered 429 (Retry-After 20 ms: one
    // simulated second on a clock 50 times fast). maxRetries is 1, so a
    // budget counted in attempts would fail most of them; the budget for
    // throttling is time.
    let sim = Sim::start(&["--groups", "400", "--seed", "24", "--throttle", "off", "--fault-seed", "9",
        "--fault-429-rate", "0.67", "--fault-retry-after", "1", "--throttle-speed", "50"]);
    let client = token_client(&sim, json!({"maxRetries": 1, "maxRetryWaitSeconds": 120, "writesPerSecond": 200}));
    let all = list_all(&client, ListOptions { page_size: Some(50), ..Default::default() }).unwrap();
    assert_each_once(&all, 400);
    let t = targets(&all, 40);
    let items: Vec<Value> = t.iter().map(|(id, s)| json!({"id": id, "state": s})).collect();
    let (results, _bulk) = bulk_all(&client, &json!(items));
    let failed: Vec<&Value> = results.iter().filter(|r| r["result"] == "failed").collect();
    assert!(failed.is_empty(), "{:#?}", failed);
    assert_end_state(&sim, &t);
    assert!(sim.stats()["throttled"].as_u64().unwrap() > 10, "{}", sim.stats());
    for (id, _) in t.iter().take(10) {
        assert_eq!(client.get_group(id, &[]).unwrap()["id"], id.as_str());
    }

    // With a budget shorter than one Retry-After of 1 s, a throttled change
    // fails at once, and its message says it was the time that ran out.
    let slow = Sim::start(&["--groups", "50", "--seed", "24", "--throttle", "off", "--fault-429-rate", "1"]);
    let client = token_client(&slow, json!({"maxRetryWaitSeconds": 0.5}));
    let started = Instant::now();
    let err = client.get_group(&t[0].0, &[]).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(err.http_status(), Some(429), "{:?}", err);
    assert!(err.to_string().contains("still throttled after") && err.to_string().contains("maxRetryWaitSeconds (0.5 s)"), "{}", err);
}

#[test]
fn the_pace_learns_the_read_quota_and_warnings_slow_it_before_any_429() {
    // Resource units: a bucket of 35 (a small tenant, scaled) refilled at
    // the published 350 a second. The client is told ten times that: its
    // reads of a few thousand groups meet 429s on the read quota (each
    // Retry-After a whole second), and it learns.
    let sim = Sim::start(&["--groups", "20000", "--seed", "25", "--throttle-scale", "0.01", "--tenant-size", "S"]);
    let client = token_client(&sim, json!({"resourceUnitsPerSecond": 3500, "resourceUnitBurst": 2000, "maxRetries": 0}));
    let all = list_all(&client, ListOptions { page_size: Some(999), ..Default::default() }).unwrap();
    // 2,000 groups already as requested: only reads, no writes.
    let same: Vec<Value> = all.iter()
        .filter(|g| g["isSynced"] == false && g["writebackConfiguration"]["isEnabled"] == false)
        .filter(|g| g["kind"] == "microsoft365" || g["kind"] == "security")
        .take(2000)
        .map(|g| json!({"id": g["id"], "state": "NoWriteback"}))
        .collect();
    assert_eq!(same.len(), 2000);
    let (results, bulk) = bulk_all(&client, &json!(same));
    assert!(results.iter().all(|r| r["result"] == "noChange"), "{:#?}", results.iter().find(|r| r["result"] != "noChange"));
    assert!(bulk.progress().get(|p| &p.throttled) > 0, "the read quota was reached: {} groups, {}", same.len(), sim.stats());
    assert!(client.pace().0 < 35000.0, "the read pace learned: {:?}", client.pace());

    // Writes: a bucket of 300 refilled at 100 a second (the published
    // 20/s on a clock 5 times fast). A client twice too fast hears
    // x-ms-throttle-limit-percentage once the bucket is 80 % used, and slows
    // down before the service has to refuse: the 60 writes left then are
    // more than it has in flight (4 batches of 10).
    let sim = Sim::start(&["--groups", "2500", "--seed", "26", "--throttle-scale", "0.1", "--throttle-speed", "5"]);
    let client = token_client(&sim, json!({"writesPerSecond": 200, "writeBurst": 10}));
    let all = list_all(&client, ListOptions::default()).unwrap();
    let changes: Vec<Value> = all.iter()
        .filter(|g| g["isSynced"] == false && (g["kind"] == "microsoft365" || g["kind"] == "security"))
        .filter(|g| g["writebackConfiguration"]["isEnabled"] != false)
        .take(500)
        .map(|g| json!({"id": g["id"], "state": "NoWriteback", "group": g}))
        .collect();
    assert_eq!(changes.len(), 500);
    let (results, bulk) = bulk_all(&client, &json!(changes));
    assert!(results.iter().all(|r| r["result"] == "written"), "{:#?}", results.iter().find(|r| r["result"] != "written"));
    assert_eq!(bulk.progress().get(|p| &p.throttled), 0, "warned in time, never refused");
    assert!(client.pace().1 < 200.0, "the warnings slowed the write pace: {:?}", client.pace());
}

#[test]
fn bulk_change_paced_to_the_quota_meets_no_throttling() {
    let sim = Sim::start(&["--groups", "300", "--seed", "22", "--throttle-scale", "0.01"]);
    // The service allows 30 writes per 1.5 s = 20/s; pace at 18/s.
    let client = token_client(&sim, json!({"writesPerSecond": 18, "writeBurst": 10}));
    let all = list_all(&client, ListOptions::default()).unwrap();
    let t = targets(&all, 60);
    let items: Vec<Value> = t.iter().map(|(id, s)| json!({"id": id, "state": s})).collect();
    let (results, bulk) = bulk_all(&client, &json!(items));
    assert_eq!(results.len(), 60);
    assert!(results.iter().all(|r| r["result"] == "written" || r["result"] == "noChange"), "{:#?}", results);
    assert_eq!(bulk.progress().get(|p| &p.throttled), 0, "paced writes are not throttled");
    assert_end_state(&sim, &t);
}

#[test]
fn faults_are_retried_and_nothing_is_lost() {
    let sim = Sim::start(&[
        "--groups", "2500", "--seed", "9", "--throttle", "off", "--fault-seed", "4",
        "--error-rate", "0.15", "--reset-rate", "0.05", "--truncate-rate", "0.05", "--fault-retry-after", "1", "--throttle-speed", "20",
    ]);
    let client = token_client(&sim, json!({"maxRetries": 20, "timeoutSeconds": 10}));
    let all = list_all(&client, ListOptions { page_size: Some(200), ..Default::default() }).unwrap();
    assert_each_once(&all, 2500);
    let t = targets(&all, 120);
    let items: Vec<Value> = t.iter().map(|(id, s)| json!({"id": id, "state": s})).collect();
    let (results, _) = bulk_all(&client, &json!(items));
    assert_eq!(results.len(), 120);
    let bad: Vec<&Value> = results.iter().filter(|r| r["result"] != "written" && r["result"] != "noChange").collect();
    assert!(bad.is_empty(), "{:#?}", bad);
    assert_end_state(&sim, &t);
    assert!(client.progress().get(|p| &p.retries) > 0);
}

#[test]
fn token_expiry_mid_run_is_refreshed() {
    let sim = Sim::start(&["--groups", "3000", "--seed", "2", "--throttle", "off", "--token-lifetime", "1", "--latency-ms", "150"]);
    let client = secret_client(&sim, json!({}));
    let all = list_all(&client, ListOptions { page_size: Some(200), ..Default::default() }).unwrap();
    assert_each_once(&all, 3000);
    assert!(sim.stats()["tokensIssued"].as_u64().unwrap_or(0) >= 2, "{}", sim.stats());
}

#[test]
fn bearer_token_never_goes_to_a_foreign_host() {
    // The foreign host: another loopback address that records what it gets.
    let foreign = Hostile::start("127.0.0.2", |_| Hostile::json(200, r#"{"value":[]}"#, ""));
    let foreign_base = foreign.base.clone();
    let graph = Hostile::start("127.0.0.1", move |path| {
        if path.contains("redirect-me") {
            format!("HTTP/1.1 302 Found\r\nLocation: {}/beta/groups\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", foreign_base)
        } else {
            let body = json!({"value": [{"id": "1", "displayName": "a", "groupTypes": ["Unified"], "securityEnabled": false, "mailEnabled": true}],
                              "@odata.nextLink": format!("{}/beta/groups?$skiptoken=steal", foreign_base)});
            Hostile::json(200, &body.to_string(), "")
        }
    });
    let client = Client::new(options(&graph.base, json!({})), Some(Secret::from("secret-bearer-abc"))).unwrap();
    let cursor = client.list_groups(ListOptions::default()).unwrap();
    assert_eq!(cursor.next_page().unwrap().unwrap().len(), 1);
    let err = cursor.next_page().unwrap_err();
    assert!(matches!(err, GraphError::UntrustedUrl(_)), "{:?}", err);
    assert!(err.to_string().contains("127.0.0.2"), "{}", err);
    let err = client.get_group("redirect-me", &[]).unwrap_err();
    assert!(matches!(err, GraphError::UntrustedUrl(_)), "{:?}", err);
    std::thread::sleep(Duration::from_millis(100));
    assert!(foreign.seen.lock().unwrap().is_empty(), "the foreign host was contacted: {:?}", foreign.seen.lock().unwrap());
    // http to anything but loopback is refused outright.
    let err = Client::new(options("http://graph.example.com", json!({})), Some(Secret::from("t"))).unwrap_err();
    assert!(matches!(err, GraphError::UntrustedUrl(_)), "{:?}", err);
}

#[test]
fn a_looping_next_link_stops_with_an_error() {
    // A server whose every page points back to the same nextLink.
    let me = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let me2 = me.clone();
    let loop_server = Hostile::start("127.0.0.1", move |_| {
        let base = me2.lock().unwrap().clone();
        let body = json!({"value": [{"id": "1", "groupTypes": ["Unified"]}], "@odata.nextLink": format!("{}/beta/groups?$skiptoken=same", base)});
        Hostile::json(200, &body.to_string(), "")
    });
    *me.lock().unwrap() = loop_server.base.clone();
    let client = Client::new(options(&loop_server.base, json!({})), Some(Secret::from("t0k3n"))).unwrap();
    let cursor = client.list_groups(ListOptions::default()).unwrap();
    let mut pages = 0;
    let err = loop {
        match cursor.next_page() {
            Ok(Some(_)) => pages += 1,
            Ok(None) => panic!("a looping listing must not end normally"),
            Err(e) => break e,
        }
        assert!(pages < 5, "the loop was not detected");
    };
    assert!(err.to_string().contains("loop"), "{}", err);
}

#[test]
fn cancellation_mid_run_reports_what_was_done() {
    let sim = Sim::start(&["--groups", "400", "--seed", "31", "--throttle", "off"]);
    let client = token_client(&sim, json!({"writesPerSecond": 40, "writeBurst": 20, "batchConcurrency": 1}));
    let all = list_all(&client, ListOptions::default()).unwrap();
    let t = targets(&all, 200);
    let items: Vec<Value> = t.iter().map(|(id, s)| json!({"id": id, "state": s})).collect();
    let bulk = client.bulk_set(&json!(items)).unwrap();
    let mut results = Vec::new();
    let started = Instant::now();
    loop {
        let (mut r, done) = bulk.poll(Duration::from_millis(100));
        results.append(&mut r);
        if started.elapsed() > Duration::from_millis(1500) {
            client.cancel();
        }
        if done {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60));
    }
    assert_eq!(results.len(), 200, "one result per group even when cancelled");
    let cancelled = results.iter().filter(|r| r["result"] == "cancelled").count();
    let written: Vec<&Value> = results.iter().filter(|r| r["result"] == "written").collect();
    assert!(cancelled > 0 && !written.is_empty(), "cancelled {} written {}", cancelled, written.len());
    // What was reported written is written; what was cancelled was not sent.
    assert_eq!(sim.stats()["writes"].as_u64().unwrap(), written.len() as u64);
    // The client still works after a cancel.
    assert!(client.get_group(&t[0].0, &[]).is_ok());
    // A listing can be cancelled from another thread too.
    let cursor = std::sync::Arc::new(client.list_groups(ListOptions { page_size: Some(1), ..Default::default() }).unwrap());
    let c2 = cursor.clone();
    let h = std::thread::spawn(move || {
        let mut n = 0;
        loop {
            match c2.next_page() {
                Ok(Some(_)) => n += 1,
                Ok(None) => return Ok(n),
                Err(e) => return Err(e),
            }
        }
    });
    std::thread::sleep(Duration::from_millis(200));
    cursor.cancel();
    let r = h.join().unwrap();
    assert!(matches!(r, Err(GraphError::Cancelled)), "{:?}", r);
}

#[test]
fn answers_slower_than_the_timeout_are_retried() {
    let sim = Sim::start(&[
        "--groups", "1500", "--seed", "12", "--throttle", "off", "--fault-seed", "8",
        "--slow-rate", "0.2", "--slow-ms", "3000",
    ]);
    let client = token_client(&sim, json!({"timeoutSeconds": 1, "maxRetries": 20}));
    let all = list_all(&client, ListOptions { page_size: Some(100), ..Default::default() }).unwrap();
    assert_each_once(&all, 1500);
    assert!(client.progress().get(|p| &p.retries) > 0, "some answers were slower than the timeout");
}

#[test]
fn a_retry_budget_that_runs_out_fails_with_the_last_error() {
    // Every answer is a 503 asking to come back in 30 s; the budget is 1 s.
    let sim = Sim::start(&["--groups", "10", "--seed", "1", "--throttle", "off", "--error-rate", "1", "--fault-retry-after", "30"]);
    let client = token_client(&sim, json!({"maxRetryWaitSeconds": 1, "maxRetries": 3}));
    let started = Instant::now();
    let err = list_all(&client, ListOptions::default()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10), "gave up in time: {:?}", started.elapsed());
    assert!(err.http_status().map_or(false, |s| s >= 500), "{:?}", err);
    assert!(err.to_string().contains("stopped after 0 page"), "{}", err);
}

#[test]
fn the_service_going_away_mid_run_loses_nothing() {
    // The tenant is saved when the simulator stops and loaded when it comes
    // back on the same address, as a real service would keep its state.
    let dir = std::env::temp_dir().join(format!("gwb-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tenant.json");
    let file_s = file.to_str().unwrap().to_string();
    let listen = format!("127.0.0.1:{}", free_port());
    let sim = Sim::start(&["--listen", &listen, "--groups", "300", "--seed", "41", "--throttle", "off", "--save", &file_s]);
    let client = token_client(&sim, json!({"writesPerSecond": 40, "writeBurst": 20, "batchConcurrency": 1, "maxRetries": 40, "maxRetryWaitSeconds": 60}));
    let all = list_all(&client, ListOptions::default()).unwrap();
    let t = targets(&all, 120);
    let items: Vec<Value> = t.iter().map(|(id, s)| json!({"id": id, "state": s})).collect();
    let bulk = client.bulk_set(&json!(items)).unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    sim.terminate();
    std::thread::sleep(Duration::from_millis(800));
    let sim = Sim::start(&["--listen", &listen, "--groups", "0", "--tenant", &file_s, "--throttle", "off"]);
    let mut results = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let (mut r, done) = bulk.poll(Duration::from_millis(200));
        results.append(&mut r);
        if done {
            break;
        }
        assert!(Instant::now() < deadline, "the bulk change did not finish after the restart");
    }
    assert_eq!(results.len(), 120, "one result per group");
    let bad: Vec<&Value> = results.iter().filter(|r| r["result"] != "written" && r["result"] != "noChange").collect();
    // Requests that met the closed port or a reset were sent again once the
    // service was back (setting a value twice is harmless): nothing failed.
    assert!(bad.is_empty(), "{:#?}", bad);
    assert_end_state(&sim, &t);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A server that echoes the bearer token back in every field it can: the
/// error's code, message and inner error, the request-id header, a group's
/// name (spelled with JSON escapes), a `$batch` sub-response and a nextLink.
/// None of it reaches a caller, in any letter case.
#[test]
fn nothing_a_server_sends_shows_the_token() {
    const TOKEN: &str = "eyJhbGciOi.Secret-Bearer-Token_0123456789";
    let upper = TOKEN.to_uppercase();
    let lower = TOKEN.to_lowercase();
    // "\u0065" is "e": the token spelled so that only a JSON parser sees it.
    let escaped = format!("\\u0065{}", &TOKEN[1..]);
    let (up, low, esc) = (upper.clone(), lower.clone(), escaped.clone());
    let server = Hostile::start_with_body("127.0.0.1", move |path, _| {
        let hdr = format!("request-id: rid-{}\r\n", up);
        if path.contains("/beta/groups/") && path.contains("fails") {
            let body = format!(
                r#"{{"error":{{"code":"Code_{}","message":"bad {} and \u001b[31m{}","innerError":{{"request-id":"inner-{}","date":"x"}}}}}}"#,
                low, up, esc, TOKEN
            );
            Hostile::json(400, &body, &hdr)
        } else if path.contains("/beta/groups/") {
            let body = format!(
                r#"{{"id":"{}","displayName":"name {}","groupTypes":["Unified"],"securityEnabled":false,"mailEnabled":true}}"#,
                path.trim_start_matches("/beta/groups/").split('?').next().unwrap_or(""),
                esc
            );
            Hostile::json(200, &body, &hdr)
        } else if path.ends_with("/$batch") {
            let body = format!(
                r#"{{"responses":[{{"id":"1","status":403,"headers":{{"request-id":"sub-{}"}},"body":{{"error":{{"code":"Authorization_{}","message":"{}"}}}}}}]}}"#,
                up, low, esc
            );
            Hostile::json(200, &body, &hdr)
        } else {
            let body = format!(
                r#"{{"value":[{{"id":"1","displayName":"{}","groupTypes":["Unified"]}}],"@odata.nextLink":"http://127.0.0.9:1/beta/groups?$skiptoken={}"}}"#,
                esc, low
            );
            Hostile::json(200, &body, &hdr)
        }
    });
    let client = Client::new(options(&server.base, json!({"maxRetries": 0})), Some(Secret::from(TOKEN))).unwrap();
    let shows = |text: &str| text.to_lowercase().contains(&lower);

    // An error: message, code and request id.
    let err = client.get_group("fails", &[]).unwrap_err();
    for text in [err.to_string(), err.graph_code().unwrap_or("").to_string(), err.request_id().unwrap_or("").to_string(), err.to_json().to_string()] {
        assert!(!shows(&text), "the token is in {}", text);
    }
    assert!(err.to_string().contains("[redacted]"), "{}", err);
    assert!(err.request_id().unwrap().starts_with("inner-"), "{:?}", err.request_id());
    assert!(!err.to_string().contains('\u{1b}'), "control characters are removed: {:?}", err.to_string());

    // A group read whose name holds the token, spelled with escapes.
    let g = client.get_group("11111111-0000-4000-8000-000000000001", &[]).unwrap();
    assert!(!shows(&g.to_string()), "{}", g);
    assert_eq!(g["displayName"], "name [redacted]");

    // A bulk change whose $batch sub-response holds it.
    let items = json!([{"id": "11111111-0000-4000-8000-000000000002", "state": "Security",
                        "group": {"id": "11111111-0000-4000-8000-000000000002", "groupTypes": ["Unified"], "securityEnabled": false, "mailEnabled": true}}]);
    let (results, _b) = bulk_all(&client, &items);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["result"], "failed", "{}", results[0]);
    assert!(!shows(&results[0].to_string()), "{}", results[0]);

    // A page, and a nextLink to another host that carries it.
    let cursor = client.list_groups(ListOptions::default()).unwrap();
    let page = cursor.next_page().unwrap().unwrap();
    assert!(!shows(page.groups_json()), "{}", page.groups_json());
    let err = cursor.next_page().unwrap_err();
    assert!(matches!(err, GraphError::UntrustedUrl(_)), "{:?}", err);
    assert!(!shows(&err.to_string()), "{}", err);
    // The whole origin, port included, beside the configured one.
    assert!(err.to_string().contains("http://127.0.0.9:1"), "{}", err);
    assert!(err.to_string().contains(&server.base), "{}", err);
}

/// A one-group read answered with something else is an error naming what
/// came back, never an empty group.
#[test]
fn a_read_answered_with_something_else_is_an_invalid_response() {
    let server = Hostile::start("127.0.0.1", |path| {
        let body = if path.contains("page") {
            r#"{"@odata.context":"x","value":[{"id":"a"},{"id":"b"}]}"#.to_string()
        } else if path.contains("other") {
            r#"{"id":"22222222-0000-4000-8000-000000000000","groupTypes":["Unified"]}"#.to_string()
        } else if path.contains("array") {
            "[1,2]".to_string()
        } else {
            r#"{"displayName":"no id","mailEnabled":true}"#.to_string()
        };
        Hostile::json(200, &body, "")
    });
    let client = Client::new(options(&server.base, json!({})), Some(Secret::from(STATIC_TOKEN))).unwrap();
    for (id, says) in [
        ("page", "a collection page of 2 object(s)"),
        ("other", "group '22222222-0000-4000-8000-000000000000'"),
        ("array", "an array"),
        ("noid", "an object without an id (keys: displayName, mailEnabled)"),
    ] {
        let err = client.get_group(id, &[]).unwrap_err();
        assert!(matches!(err, GraphError::InvalidResponse(_)), "{}: {:?}", id, err);
        assert!(err.to_string().contains(says) && err.to_string().contains("was not that group"), "{}: {}", id, err);
        let err = client.set_group_state(id, WritebackState::Security).unwrap_err();
        assert!(matches!(err, GraphError::InvalidResponse(_)), "{}: {:?}", id, err);
    }
    assert!(server.seen.lock().unwrap().iter().all(|s| !s.request_line.starts_with("PATCH")), "nothing was written");
}

/// A network failure's message says "network error" once, also when the
/// listing adds where it stopped.
#[test]
fn a_network_error_is_prefixed_once() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::new(options(&format!("http://127.0.0.1:{}", port), json!({"maxRetries": 0, "timeoutSeconds": 2})),
        Some(Secret::from(STATIC_TOKEN))).unwrap();
    let err = list_all(&client, ListOptions::default()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, GraphError::Network(_)), "{:?}", err);
    assert_eq!(text.matches("network error").count(), 1, "{}", text);
    assert!(text.contains("the listing stopped after 0 page(s)"), "{}", text);
    let err = client.get_group("11111111-0000-4000-8000-000000000001", &[]).unwrap_err();
    assert_eq!(err.to_string().matches("network error").count(), 1, "{}", err);
}

/// A preview (bulk check) reads the groups fifteen to a request and decides
/// each change, writing nothing; sending the changes it found, each with the
/// group it returned, writes them without reading anything again.
#[test]
fn a_bulk_check_previews_and_its_groups_are_not_read_again() {
    let sim = Sim::start(&["--groups", "400", "--seed", "23", "--throttle", "off"]);
    let client = token_client(&sim, json!({}));
    let all = list_all(&client, ListOptions { raw: true, ..Default::default() }).unwrap();
    let explained = list_all(&client, ListOptions::default()).unwrap();
    let t = targets(&explained, 90);
    let items: Vec<Value> = t.iter().map(|(id, s)| json!({"id": id, "state": s})).collect();
    assert!(all.len() == 400);
    let before = sim.stats();
    let (preview, _b) = {
        let bulk = client.bulk_check(&json!(items)).unwrap();
        let mut results = Vec::new();
        loop {
            let (mut r, done) = bulk.poll(Duration::from_millis(200));
            results.append(&mut r);
            if done {
                break;
            }
        }
        (results, bulk)
    };
    let after_preview = sim.stats();
    assert_eq!(preview.len(), 90);
    assert_eq!(after_preview["writes"], before["writes"], "a preview writes nothing");
    let reads = after_preview["reads"].as_u64().unwrap() - before["reads"].as_u64().unwrap();
    assert!(reads <= 6, "90 bare ids read in {} requests", reads);
    let would: Vec<&Value> = preview.iter().filter(|r| r["result"] == "wouldWrite").collect();
    assert!(!would.is_empty());
    for r in &preview {
        let result = r["result"].as_str().unwrap();
        assert!(["wouldWrite", "noChange", "refused"].contains(&result), "{}", r);
        assert!(r["summary"].as_str().map_or(false, |s| !s.is_empty()), "{}", r);
        if result == "wouldWrite" {
            assert!(r["body"].is_object() && r["group"]["id"] == r["id"], "{}", r);
        }
    }
    // Send what the preview found, with its groups: nothing is read again.
    let confirmed: Vec<Value> = would
        .iter()
        .map(|r| {
            let state = &items[r["index"].as_u64().unwrap() as usize]["state"];
            json!({"id": r["id"], "state": state, "group": r["group"]})
        })
        .collect();
    let (results, _b) = bulk_all(&client, &json!(confirmed));
    let end = sim.stats();
    assert_eq!(end["reads"], after_preview["reads"], "the confirmed changes were not read again");
    assert!(results.iter().all(|r| r["result"] == "written"), "{:#?}", results);
    assert_eq!(end["writes"].as_u64().unwrap() - before["writes"].as_u64().unwrap(), would.len() as u64);
}

/// `firstPage` reads one page of Graph's default size (or `pageSize`), as
/// Get-MgBetaGroup does without -All; a device code sign-in without a
/// client id uses the library's default public client.
#[test]
fn first_page_and_the_default_public_client() {
    let sim = Sim::start(&["--groups", "250", "--seed", "3", "--throttle", "off"]);
    let client = token_client(&sim, json!({}));
    let first = list_all(&client, ListOptions { first_page: true, ..Default::default() }).unwrap();
    assert_eq!(first.len(), 100);
    let five = list_all(&client, ListOptions { first_page: true, page_size: Some(5), ..Default::default() }).unwrap();
    assert_eq!(five.len(), 5);
    let device = Client::new(options(&sim.base, json!({"auth": "deviceCode"})), None).unwrap();
    assert_eq!(device.info().client_id.as_deref(), Some(group_writeback::auth::DEFAULT_PUBLIC_CLIENT_ID));
}
