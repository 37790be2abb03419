//! Paging, $select, $top, $filter forms, ConsistencyLevel rules, $count, $search.

mod common;
use common::*;
use serde_json::Value;
use std::collections::HashSet;

fn is_unified(g: &Value) -> bool {
    g["groupTypes"].as_array().map_or(false, |a| a.iter().any(|t| t == "Unified"))
}

#[test]
fn paging_20000_groups_with_top_999_returns_each_once() {
    let r = sim(20_000, 11, |_| {});
    let c = Client::new(&r);
    let (all, pages) = c.all("/beta/groups?$top=999&$select=id,displayName,writebackConfiguration", &[]);
    assert_eq!(pages, 21);
    assert_eq!(all.len(), 20_000);
    let ids: HashSet<&str> = all.iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 20_000, "every group exactly once");
    for g in &all {
        let keys: HashSet<&str> = g.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["id", "displayName", "writebackConfiguration"].into_iter().collect());
    }
}

#[test]
fn default_page_size_top_limits_next_link_and_context() {
    let r = sim(250, 3, |_| {});
    let c = Client::new(&r);
    let first = c.get("/beta/groups", &[]);
    assert_eq!(first.status, 200);
    assert!(first.header("request-id").is_some());
    let v = first.json();
    assert_eq!(v["value"].as_array().unwrap().len(), 100);
    assert_eq!(v["@odata.context"], format!("{}/beta/$metadata#groups", r.base_url));
    let next = v["@odata.nextLink"].as_str().unwrap();
    assert!(next.starts_with(&format!("{}/beta/groups?", r.base_url)), "{}", next);
    assert!(next.contains("$skiptoken="));
    // Without $select, the default properties include writebackConfiguration.
    let g = &v["value"][0];
    assert!(g.get("writebackConfiguration").is_some() && g.get("securityIdentifier").is_some());

    // Over 999: Request_UnsupportedQuery, as the service answers; zero or
    // not a number: Request_BadRequest (assumed).
    for (bad, code) in [("1000", "Request_UnsupportedQuery"), ("0", "Request_BadRequest"), ("abc", "Request_BadRequest")] {
        let resp = c.get(&format!("/beta/groups?$top={}", bad), &[]);
        assert_eq!(resp.status, 400, "$top={}", bad);
        assert_eq!(resp.code(), code, "$top={}", bad);
    }
    assert_eq!(c.get("/beta/groups?$top=999", &[]).json()["value"].as_array().unwrap().len(), 250);
    let bad_token = c.get("/beta/groups?$skiptoken=garbage", &[]);
    assert_eq!((bad_token.status, bad_token.code().as_str()), (400, "Request_BadRequest"));
    let bad_select = c.get("/beta/groups?$select=id,noSuchThing", &[]);
    assert_eq!((bad_select.status, bad_select.code().as_str()), (400, "Request_BadRequest"));
    let skip = c.get("/beta/groups?$skip=10", &[]);
    assert_eq!(skip.status, 400);
    // v1.0 has no writebackConfiguration.
    let v1 = c.get("/v1.0/groups?$top=1", &[]).json();
    assert!(v1["value"][0].get("writebackConfiguration").is_none());
    assert_eq!(c.get("/v1.0/groups?$select=writebackConfiguration", &[]).status, 400);
}

#[test]
fn filter_forms_match_client_side_filtering() {
    let r = sim(3000, 5, |_| {});
    let c = Client::new(&r);
    let sel = "$select=id,displayName,groupTypes,securityEnabled,mailEnabled,onPremisesSyncEnabled";
    let (all, _) = c.all(&format!("/beta/groups?$top=999&{}", sel), &[]);
    assert_eq!(all.len(), 3000);
    let some_id = all[1234]["id"].as_str().unwrap().to_string();
    let cases: Vec<(String, Box<dyn Fn(&Value) -> bool>)> = vec![
        ("groupTypes/any(c:c eq 'Unified')".into(), Box::new(is_unified)),
        ("securityEnabled eq true".into(), Box::new(|g: &Value| g["securityEnabled"] == true)),
        ("securityEnabled eq false".into(), Box::new(|g: &Value| g["securityEnabled"] == false)),
        ("mailEnabled eq true".into(), Box::new(|g: &Value| g["mailEnabled"] == true)),
        ("mailEnabled eq false".into(), Box::new(|g: &Value| g["mailEnabled"] == false)),
        ("onPremisesSyncEnabled eq true".into(), Box::new(|g: &Value| g["onPremisesSyncEnabled"] == true)),
        ("startswith(displayName,'SG-')".into(), Box::new(|g: &Value| g["displayName"].as_str().unwrap().starts_with("SG-"))),
        (format!("id eq '{}'", some_id), Box::new(move |g: &Value| g["id"] == some_id.as_str())),
        (
            "securityEnabled eq true and mailEnabled eq false".into(),
            Box::new(|g: &Value| g["securityEnabled"] == true && g["mailEnabled"] == false),
        ),
        (
            "groupTypes/any(c:c eq 'Unified') and startswith(displayName,'Fin')".into(),
            Box::new(|g: &Value| is_unified(g) && g["displayName"].as_str().unwrap().starts_with("Fin")),
        ),
    ];
    for (filter, pred) in cases {
        let (got, _) = c.all(&format!("/beta/groups?$top=999&{}&$filter={}", sel, enc(&filter)), &[]);
        let want: HashSet<&str> = all.iter().filter(|g| pred(g)).map(|g| g["id"].as_str().unwrap()).collect();
        let got_ids: HashSet<&str> = got.iter().map(|g| g["id"].as_str().unwrap()).collect();
        assert!(!want.is_empty(), "{} matches something", filter);
        assert_eq!(got_ids, want, "{}", filter);
        assert_eq!(got.len(), want.len(), "{}: no duplicates", filter);
    }
    for unsupported in [
        "writebackConfiguration/isEnabled eq true",
        "createdDateTime ge 2020-01-01T00:00:00Z",
        "endswith(displayName,'x')",
        "contains(displayName,'x')",
    ] {
        let resp = c.get(&format!("/beta/groups?$filter={}", enc(unsupported)), &[]);
        assert_eq!((resp.status, resp.code().as_str()), (400, "Request_UnsupportedQuery"), "{}", unsupported);
    }
}

#[test]
fn advanced_queries_need_consistency_level_eventual() {
    let r = sim(2000, 9, |_| {});
    let c = Client::new(&r);
    let ev = [("ConsistencyLevel", "eventual")];
    let advanced = [
        format!("$filter={}&$count=true", enc("mailEnabled ne true")),
        format!("$filter={}&$count=true", enc("NOT(groupTypes/any(s:s eq 'Unified'))")),
        format!("$filter={}&$count=true", enc("endswith(mail,'.onmicrosoft.com')")),
        format!("$search={}", enc("\"displayName:finance\"")),
    ];
    for q in &advanced {
        let without = c.get(&format!("/beta/groups?{}", q), &[]);
        assert_eq!((without.status, without.code().as_str()), (400, "Request_UnsupportedQuery"), "{}", q);
        let with = c.get(&format!("/beta/groups?{}", q), &ev);
        assert_eq!(with.status, 200, "{}: {}", q, with.text());
    }
    // $count=true without the header is ignored: no @odata.count.
    let ignored = c.get("/beta/groups?$count=true&$top=5", &[]);
    assert_eq!(ignored.status, 200);
    assert!(ignored.json().get("@odata.count").is_none());
    assert!(c.get("/beta/groups?$count=true&$top=5", &ev).json()["@odata.count"].as_u64().is_some());
    // $count: a number on the first page only, equal to what paging returns.
    let q = format!("/beta/groups?$top=50&$count=true&$filter={}&$select=id,mailEnabled", enc("mailEnabled ne true"));
    let first = c.get(&q, &ev).json();
    let count = first["@odata.count"].as_u64().unwrap() as usize;
    let (all, _) = c.all(&q, &ev);
    assert_eq!(all.len(), count);
    assert!(all.iter().all(|g| g["mailEnabled"] != true));
    let second = c.get(first["@odata.nextLink"].as_str().unwrap(), &ev).json();
    assert!(second.get("@odata.count").is_none());
    // The next link needs the header again.
    let again = c.get(first["@odata.nextLink"].as_str().unwrap(), &[]);
    assert_eq!(again.status, 400);
    // /$count is plain text.
    let n = c.get("/beta/groups/$count", &ev);
    assert_eq!(n.status, 200);
    assert!(n.header("content-type").unwrap().starts_with("text/plain"));
    assert_eq!(n.text(), "2000");
    let no_header = c.get("/beta/groups/$count", &[]);
    assert_eq!((no_header.status, no_header.code().as_str()), (400, "Request_BadRequest"));
    let unified = c.get(&format!("/beta/groups/$count?$filter={}", enc("groupTypes/any(c:c eq 'Unified')")), &ev).text();
    assert!(unified.parse::<u32>().unwrap() > 0);
    // $search matches words that begin with the term.
    let (found, _) = c.all(&format!("/beta/groups?$top=999&$search={}&$select=id,displayName", enc("\"displayName:finance\"")), &ev);
    assert!(!found.is_empty());
    assert!(found.iter().all(|g| g["displayName"].as_str().unwrap().to_lowercase().split(|ch: char| !ch.is_alphanumeric()).any(|w| w.starts_with("finance"))));
}
