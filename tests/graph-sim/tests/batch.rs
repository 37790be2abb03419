//! JSON batching: limits, ids, Content-Type, per-request statuses,
//! dependsOn, and throttling of each sub-request.

mod common;
use common::*;
use serde_json::{json, Value};

fn by_id(resp: &Value) -> std::collections::HashMap<String, Value> {
    resp["responses"].as_array().unwrap().iter().map(|r| (r["id"].as_str().unwrap().to_string(), r.clone())).collect()
}

fn unified_ids(c: &Client) -> Vec<String> {
    find_ids(c, |g| {
        g["groupTypes"].as_array().unwrap().iter().any(|t| t == "Unified")
            && g["writebackConfiguration"]["onPremisesGroupType"] != "globalSecurityGroup"
    })
}

#[test]
fn batch_envelope_rules() {
    let r = sim(60, 4, |_| {});
    let c = Client::new(&r);
    let many: Vec<Value> = (0..21).map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/groups?$top=1"})).collect();
    let too_many = c.batch(&json!({ "requests": many }));
    assert_eq!(too_many.status, 400);
    assert!(too_many.json()["error"]["message"].as_str().unwrap().contains("20"));
    let twenty: Vec<Value> = (0..20).map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/groups?$top=1"})).collect();
    let ok = c.batch(&json!({ "requests": twenty }));
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["responses"].as_array().unwrap().len(), 20);
    let dup = c.batch(&json!({"requests": [
        {"id": "1", "method": "GET", "url": "/groups?$top=1"},
        {"id": "1", "method": "GET", "url": "/groups?$top=2"},
    ]}));
    assert_eq!(dup.status, 400);
    assert!(dup.json()["error"]["message"].as_str().unwrap().contains("unique"));
    assert_eq!(c.batch(&json!({"nope": []})).status, 400);
    let bad_dep = c.batch(&json!({"requests": [{"id": "1", "method": "GET", "url": "/groups", "dependsOn": ["9"]}]}));
    assert_eq!(bad_dep.status, 400);
}

#[test]
fn batch_mixed_statuses_content_type_and_depends_on() {
    let r = sim(80, 4, |c| c.shuffle_batch = true);
    let c = Client::new(&r);
    let ids = unified_ids(&c);
    let dist = find_ids(&c, |g| g["securityEnabled"] == false && g["mailEnabled"] == true && g["groupTypes"].as_array().unwrap().is_empty() && g["onPremisesSyncEnabled"] != true);
    let missing = "00000000-0000-4000-8000-000000000000";
    let untouched = raw(&r, &ids[1]);
    let body = |on: bool| json!({"writebackConfiguration": {"isEnabled": on}});
    let resp = c.batch(&json!({"requests": [
        {"id": "1", "method": "PATCH", "url": format!("/groups/{}", ids[0]), "headers": {"Content-Type": "application/json"}, "body": body(true)},
        {"id": "2", "method": "PATCH", "url": format!("/groups/{}", ids[1]), "body": body(true)},
        {"id": "3", "method": "GET", "url": format!("groups/{}?$select=id,writebackConfiguration", ids[2])},
        {"id": "4", "method": "GET", "url": format!("/groups/{}", missing)},
        {"id": "5", "method": "PATCH", "url": format!("/groups/{}", dist[0]), "headers": {"content-type": "application/json"}, "body": {"writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": 5}}},
        {"id": "6", "method": "PATCH", "url": format!("/groups/{}", ids[3]), "dependsOn": ["4"], "headers": {"Content-Type": "application/json"}, "body": body(false)},
        {"id": "7", "method": "PATCH", "url": format!("/groups/{}", ids[4]), "dependsOn": ["1"], "headers": {"Content-Type": "application/json"}, "body": body(false)},
        {"id": "8", "method": "GET", "url": "https://graph.microsoft.com/beta/groups"},
        {"id": "9", "method": "GET", "url": "/groups/$count", "headers": {"ConsistencyLevel": "eventual"}},
    ]}));
    assert_eq!(resp.status, 200, "{}", resp.text());
    let all = resp.json();
    let m = by_id(&all);
    let status = |id: &str| m[id]["status"].as_u64().unwrap();
    assert_eq!(status("1"), 204);
    assert!(m["1"].get("body").is_none());
    assert_eq!(status("2"), 400, "a body without Content-Type");
    assert_eq!(status("3"), 200);
    assert_eq!(m["3"]["body"]["id"], ids[2].as_str());
    assert_eq!(status("4"), 404);
    assert_eq!(m["4"]["body"]["error"]["code"], "Request_ResourceNotFound");
    assert_eq!(status("5"), 400, "a number where the schema has a string");
    assert_eq!(m["5"]["body"]["error"]["code"], "Request_BadRequest");
    assert_eq!(status("6"), 424, "its dependency failed");
    assert_eq!(status("7"), 204);
    assert_eq!(status("8"), 400, "sub-request URLs are relative");
    assert_eq!(status("9"), 200);
    assert_eq!(m["9"]["body"], "80");
    assert!(m["4"]["headers"]["Content-Type"].as_str().unwrap().starts_with("application/json"));
    assert_eq!(raw(&r, &ids[0])["writebackConfiguration"]["isEnabled"], true);
    assert_eq!(raw(&r, &ids[1]), untouched, "the sub-request without Content-Type changed nothing");
    assert_eq!(raw(&r, &ids[4])["writebackConfiguration"]["isEnabled"], false);
    let st = stats(&r);
    assert!(st["batchSubRequests"].as_u64().unwrap() >= 9);
}

#[test]
fn each_sub_request_is_throttled_on_its_own() {
    let r = sim(200, 4, |c| c.throttle_scale = 0.005);
    let c = Client::new(&r);
    let ids = unified_ids(&c);
    let mut saw = 0;
    for round in 0..3 {
        let reqs: Vec<Value> = (0..20)
            .map(|i| json!({"id": format!("{}", i), "method": "PATCH", "url": format!("/groups/{}", ids[(round * 20 + i) % ids.len()]),
                "headers": {"Content-Type": "application/json"}, "body": {"writebackConfiguration": {"isEnabled": false}}}))
            .collect();
        let resp = c.batch(&json!({ "requests": reqs }));
        assert_eq!(resp.status, 200);
        for sub in resp.json()["responses"].as_array().unwrap() {
            let s = sub["status"].as_u64().unwrap();
            assert!(s == 204 || s == 429, "{}", sub);
            if s == 429 {
                saw += 1;
                let ra: f64 = sub["headers"]["Retry-After"].as_str().unwrap().parse().unwrap();
                assert!(ra > 0.0);
                assert_eq!(sub["body"]["error"]["code"], "TooManyRequests");
                assert!(sub["headers"]["x-ms-throttle-scope"].as_str().unwrap().starts_with("Tenant_Application/"));
            }
        }
    }
    assert!(saw > 0, "15 writes per 0.75 s: 60 quick writes are throttled");
}
