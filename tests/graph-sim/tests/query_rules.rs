//! Query options on GET /groups as Microsoft documents them for groups:
//! which `$filter` forms work by default, which need the advanced query
//! parameters (`ConsistencyLevel: eventual` and `$count=true`), which are
//! refused either way, with the error code of each; `$count`, `$orderby`,
//! `$top`, `$search`, options without `$` on beta; page shapes; the
//! headers and ids of answers. Sources: tests/graph-sim/README.md,
//! "Provenance".

mod common;
use common::*;
use graph_sim::config::PageShape;
use serde_json::{json, Value};
use std::collections::HashSet;

const EV: [(&str, &str); 1] = [("ConsistencyLevel", "eventual")];

/// (status, code) of a listing with `$filter`, plus `extra` options.
fn filter_status(c: &Client, filter: &str, extra: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let r = c.get(&format!("/beta/groups?$top=5&$filter={}{}", enc(filter), extra), headers);
    let code = if r.status == 200 { String::new() } else { r.code() };
    (r.status, code)
}

fn ok() -> (u16, String) {
    (200, String::new())
}

fn refused(code: &str) -> (u16, String) {
    (400, code.to_string())
}

#[test]
fn filters_by_default_advanced_only_and_never() {
    let r = sim(400, 21, |_| {});
    let c = Client::new(&r);
    let adv = "&$count=true";
    // Works by default (and with the advanced parameters too).
    for f in [
        "onPremisesSyncEnabled eq false",
        "onPremisesSyncEnabled eq true",
        "securityEnabled eq true and mailEnabled eq false",
        "groupTypes/any(c:c eq 'Unified')",
        "startswith(displayName,'SG-')",
        "startswith(mailNickname,'a')",
        "proxyAddresses/any(p:p eq 'SMTP:nobody@graphsim.onmicrosoft.com')",
        "proxyAddresses/any(p:startswith(p,'SMTP:'))",
        "classification eq 'High'",
        "startswith(classification,'H')",
        "isAssignableToRole eq false",
        "membershipRule eq 'x'",
        "resourceProvisioningOptions/any(x:x eq 'Team')",
        "mailEnabled in (true)",
        "isAssignableToRole in (true, false)",
        "onPremisesSyncEnabled in (false)",
        "displayName in ('a','b')",
        "hasMembersWithLicenseErrors eq true",
    ] {
        assert_eq!(filter_status(&c, f, "", &[]), ok(), "{} by default", f);
        if !f.starts_with("hasMembers") {
            assert_eq!(filter_status(&c, f, adv, &EV), ok(), "{} advanced", f);
        }
    }
    // Needs ConsistencyLevel: eventual and $count=true: refused without
    // either, accepted with both.
    for f in [
        "mailEnabled ne true",
        "NOT(groupTypes/any(s:s eq 'Unified'))",
        "endswith(mail,'.onmicrosoft.com')",
        "proxyAddresses/any(p:endswith(p,'onmicrosoft.com'))",
        "description eq 'x'",
        "startswith(description,'x')",
        "onPremisesSyncEnabled eq null",
        "displayName eq null",
        "mail eq null",
        "mailNickname ne null",
        "proxyAddresses/$count eq 0",
        "preferredLanguage eq 'en-US'",
    ] {
        let want = refused("Request_UnsupportedQuery");
        assert_eq!(filter_status(&c, f, "", &[]), want, "{} without", f);
        assert_eq!(filter_status(&c, f, "", &EV), want, "{} without $count", f);
        assert_eq!(filter_status(&c, f, adv, &[]), want, "{} without the header", f);
        assert_eq!(filter_status(&c, f, adv, &EV), ok(), "{} advanced", f);
    }
    // Refused with or without the advanced parameters.
    for f in [
        "endswith(displayName,'1')",
        "endswith(mailNickname,'1')",
        "createdDateTime ge 2021-11-01",
        "writebackConfiguration/isEnabled eq true",
        "securityEnabled eq null",
        "classification eq null",
        "displayName ge 'a'",
        "groupTypes eq 'Unified'",
        "proxyAddresses/$count eq 1",
        "contains(displayName,'x')",
    ] {
        let want = refused("Request_UnsupportedQuery");
        assert_eq!(filter_status(&c, f, "", &[]), want, "{} without", f);
        assert_eq!(filter_status(&c, f, adv, &EV), want, "{} advanced", f);
    }
    // Works only without the advanced parameters.
    assert_eq!(filter_status(&c, "hasMembersWithLicenseErrors eq true", adv, &EV), refused("Request_UnsupportedQuery"));
    // Syntax and type errors.
    for f in ["displayName eq", "securityEnabled eq 'x'", "id eq 'nope'", "(displayName eq 'x'"] {
        assert_eq!(filter_status(&c, f, "", &[]), refused("Request_BadRequest"), "{}", f);
    }
    // The documented message of a missing advanced parameter.
    let msg = c.get(&format!("/beta/groups?$filter={}", enc("endswith(mail,'x')")), &[]).json();
    assert!(msg["error"]["message"].as_str().unwrap().starts_with("Operator 'endsWith' is not supported because the required parameters might be missing."));
}

#[test]
fn filters_select_the_right_groups() {
    let r = sim(600, 22, |_| {});
    let c = Client::new(&r);
    let sel = "$select=id,displayName,mail,onPremisesSyncEnabled,proxyAddresses,description";
    let (all, _) = c.all(&format!("/beta/groups?$top=999&{}", sel), &[]);
    let ids = |gs: &[Value]| -> HashSet<String> { gs.iter().map(|g| g["id"].as_str().unwrap().to_string()).collect() };
    let check = |filter: &str, advanced: bool, pred: &dyn Fn(&Value) -> bool| {
        let q = format!("/beta/groups?$top=999&{}&$filter={}{}", sel, enc(filter), if advanced { "&$count=true" } else { "" });
        let (got, _) = c.all(&q, if advanced { &EV[..] } else { &[] });
        let want: Vec<Value> = all.iter().filter(|g| pred(g)).cloned().collect();
        assert_eq!(ids(&got), ids(&want), "{}", filter);
        assert_eq!(got.len(), want.len(), "{}", filter);
        want.len()
    };
    // The generated tenant has no group that stopped syncing: none match.
    assert_eq!(check("onPremisesSyncEnabled eq false", false, &|g| g["onPremisesSyncEnabled"] == false), 0);
    assert!(check("onPremisesSyncEnabled eq null", true, &|g| g["onPremisesSyncEnabled"].is_null()) > 0);
    assert!(check("onPremisesSyncEnabled ne true", true, &|g| g["onPremisesSyncEnabled"] != true) > 0);
    assert!(
        check("proxyAddresses/any(p:startswith(p,'smtp:'))", false, &|g| {
            g["proxyAddresses"].as_array().unwrap().iter().any(|a| a.as_str().unwrap().to_lowercase().starts_with("smtp:"))
        }) > 0
    );
    assert!(check("proxyAddresses/$count eq 0", true, &|g| g["proxyAddresses"].as_array().unwrap().is_empty()) > 0);
    let first_desc = all.iter().find_map(|g| g["description"].as_str()).unwrap().to_string();
    assert!(
        check(&format!("description eq '{}'", first_desc.replace('\'', "''")), true, &|g| {
            g["description"].as_str().map_or(false, |d| d.eq_ignore_ascii_case(&first_desc))
        }) > 0
    );
    assert!(check("endswith(mail,'onmicrosoft.com')", true, &|g| g["mail"].as_str().map_or(false, |m| m.ends_with("onmicrosoft.com"))) > 0);
}

#[test]
fn proxy_addresses_hold_each_address_once() {
    let r = sim(300, 23, |_| {});
    let c = Client::new(&r);
    let (all, _) = c.all("/beta/groups?$top=999&$select=id,mail,proxyAddresses,groupTypes", &[]);
    let mut with_mail = 0;
    for g in &all {
        let list: Vec<String> = g["proxyAddresses"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_lowercase()).collect();
        let distinct: HashSet<&String> = list.iter().collect();
        assert_eq!(distinct.len(), list.len(), "{}", g);
        if let Some(m) = g["mail"].as_str() {
            with_mail += 1;
            assert_eq!(list[0], format!("smtp:{}", m.to_lowercase()), "the primary address is the mail");
        } else {
            assert!(list.is_empty());
        }
    }
    assert!(with_mail > 0);
    // The same on GET of one group.
    let id = all.iter().find(|g| g["mail"].is_string()).unwrap()["id"].as_str().unwrap().to_string();
    let one = c.get(&format!("/beta/groups/{}?$select=proxyAddresses", id), &[]).json();
    let listed = all.iter().find(|g| g["id"] == id.as_str()).unwrap();
    assert_eq!(one["proxyAddresses"], listed["proxyAddresses"]);
}

#[test]
fn count_orderby_top_search_and_options_without_dollar() {
    let r = sim(300, 24, |_| {});
    let c = Client::new(&r);
    // $count=true without the header: ignored (200, no @odata.count).
    let v = c.get("/beta/groups?$count=true&$top=3", &[]);
    assert_eq!(v.status, 200);
    assert!(v.json().get("@odata.count").is_none());
    assert_eq!(c.get("/beta/groups?$count=true&$top=3", &EV).json()["@odata.count"], 300);
    // /$count without the header: Request_BadRequest.
    let n = c.get("/beta/groups/$count", &[]);
    assert_eq!((n.status, n.code().as_str()), (400, "Request_BadRequest"));
    assert_eq!(c.get("/beta/groups/$count", &EV).text(), "300");
    // $top over 999: Request_UnsupportedQuery.
    let t = c.get("/beta/groups?$top=1000", &[]);
    assert_eq!((t.status, t.code().as_str()), (400, "Request_UnsupportedQuery"));

    // $orderby=displayName works by default, both ways, across pages.
    let (asc, pages) = c.all("/beta/groups?$orderby=displayName&$top=70&$select=id,displayName", &[]);
    assert_eq!((asc.len(), pages), (300, 5));
    let names: Vec<String> = asc.iter().map(|g| g["displayName"].as_str().unwrap().to_lowercase()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(asc.iter().map(|g| g["id"].as_str().unwrap()).collect::<HashSet<_>>().len(), 300);
    let (desc, _) = c.all("/beta/groups?$orderby=displayName%20desc&$top=999&$select=id,displayName", &[]);
    let mut reversed: Vec<String> = desc.iter().map(|g| g["displayName"].as_str().unwrap().to_lowercase()).collect();
    reversed.reverse();
    assert_eq!(reversed, sorted);
    // With $filter, or on createdDateTime: advanced only; other properties: never.
    let f = format!("/beta/groups?$orderby=displayName&$filter={}", enc("securityEnabled eq true"));
    assert_eq!(c.get(&f, &[]).code(), "Request_UnsupportedQuery");
    assert_eq!(c.get(&format!("{}&$count=true", f), &EV).status, 200);
    assert_eq!(c.get("/beta/groups?$orderby=createdDateTime", &[]).code(), "Request_UnsupportedQuery");
    assert_eq!(c.get("/beta/groups?$orderby=createdDateTime&$count=true", &EV).status, 200);
    let m = c.get("/beta/groups?$orderby=mail&$count=true", &EV);
    assert_eq!((m.status, m.code().as_str()), (400, "Request_UnsupportedQuery"));

    // $search: the header is enough; displayName and description only.
    assert_eq!(c.get(&format!("/beta/groups?$search={}", enc("\"displayName:sg\"")), &EV).status, 200);
    let s = c.get(&format!("/beta/groups?$search={}", enc("\"displayName:sg\"")), &[]);
    assert_eq!((s.status, s.code().as_str()), (400, "Request_UnsupportedQuery"));
    assert_eq!(c.get(&format!("/beta/groups?$search={}", enc("\"mail:sg\"")), &EV).code(), "Request_UnsupportedQuery");

    // Without `$` on beta: the same answer as with it; on v1.0 ignored.
    let with = c.get(&format!("/beta/groups?$top=7&$select=id&$filter={}", enc("securityEnabled eq true")), &[]).json();
    let without = c.get(&format!("/beta/groups?top=7&select=id&filter={}", enc("securityEnabled eq true")), &[]).json();
    assert_eq!(with["value"], without["value"]);
    assert_eq!(without["value"].as_array().unwrap().len(), 7);
    let next = without["@odata.nextLink"].as_str().unwrap();
    assert!(next.contains("$filter=") && next.contains("$top=7"), "{}", next);
    assert_eq!(c.get("/v1.0/groups?top=7", &[]).json()["value"].as_array().unwrap().len(), 100);
    // Both spellings at once: the option twice.
    assert_eq!(c.get("/beta/groups?top=7&$top=8", &[]).code(), "Request_BadRequest");
}

#[test]
fn short_and_empty_pages_still_give_every_group_once() {
    for shape in [PageShape::Short, PageShape::WithEmpty] {
        let r = sim(1000, 25, |c| c.page_shape = shape);
        let c = Client::new(&r);
        let mut pages = 0;
        let mut empty = 0;
        let mut short = 0;
        let mut seen = HashSet::new();
        let mut next = Some("/beta/groups?$top=100&$select=id".to_string());
        while let Some(url) = next {
            let v = c.get(&url, &[]).json();
            let n = v["value"].as_array().unwrap().len();
            pages += 1;
            if n == 0 {
                empty += 1;
            }
            if n < 100 {
                short += 1;
            }
            for g in v["value"].as_array().unwrap() {
                assert!(seen.insert(g["id"].as_str().unwrap().to_string()), "{:?}: a group twice", shape);
            }
            next = v["@odata.nextLink"].as_str().map(String::from);
        }
        assert_eq!(seen.len(), 1000, "{:?}", shape);
        assert_eq!(short, pages, "{:?}: every page short", shape);
        assert!(pages > 10, "{:?}: {} pages", shape, pages);
        if shape == PageShape::WithEmpty {
            assert!(empty >= 3, "empty pages: {}", empty);
        } else {
            assert_eq!(empty, 0);
        }
        // A filter and a sort page the same way.
        let q = format!("/beta/groups?$top=50&$select=id&$filter={}", enc("securityEnabled eq true"));
        let (got, _) = c.all(&q, &[]);
        let (want, _) = {
            let r2 = sim(1000, 25, |_| {});
            let c2 = Client::new(&r2);
            c2.all(&q, &[])
        };
        assert_eq!(got, want, "{:?}", shape);
        let (sorted, _) = c.all("/beta/groups?$top=50&$select=id&$orderby=displayName", &[]);
        assert_eq!(sorted.len(), 1000);
    }
}

#[test]
fn headers_odata_id_and_batch_request_ids() {
    let r = sim(50, 26, |c| c.shuffle_batch = false);
    let c = Client::new(&r);
    let list = c.get("/beta/groups?$top=2", &[]);
    assert_eq!(list.header("OData-Version"), Some("4.0"));
    assert!(list.json()["value"][0].get("@odata.id").is_none(), "no @odata.id without ConsistencyLevel");
    let adv = c.get("/beta/groups?$top=2&$count=true", &EV).json();
    let item = &adv["value"][0];
    let odata_id = item["@odata.id"].as_str().unwrap();
    assert!(odata_id.ends_with(&format!("/directoryObjects/{}/Microsoft.DirectoryServices.Group", item["id"].as_str().unwrap())), "{}", odata_id);
    let err = c.get("/beta/groups?$top=abc", &[]);
    assert!(err.header("OData-Version").is_none());
    // The default properties of the documented beta GET answer.
    let g0 = &c.get("/beta/groups?$top=1", &[]).json()["value"][0];
    for k in ["createdByAppId", "organizationId", "infoCatalogs", "isManagementRestricted", "writebackConfiguration"] {
        assert!(g0.get(k).is_some(), "{} missing: {}", k, g0);
    }

    // Each failed sub-request carries its own request id, not the batch's.
    let missing = "00000000-0000-4000-8000-000000000001";
    let body = json!({"requests": [
        {"id": "1", "method": "GET", "url": format!("/groups/{}", missing)},
        {"id": "2", "method": "GET", "url": format!("/groups/{}", missing)},
        {"id": "3", "method": "GET", "url": "/groups?$top=1"},
    ]});
    let resp = c.batch(&body);
    let outer = resp.header("request-id").unwrap().to_string();
    let v = resp.json();
    let rs = v["responses"].as_array().unwrap();
    let inner: Vec<&str> = rs[..2].iter().map(|x| x["body"]["error"]["innerError"]["request-id"].as_str().unwrap()).collect();
    assert_ne!(inner[0], outer);
    assert_ne!(inner[1], outer);
    assert_ne!(inner[0], inner[1]);
    assert_eq!(rs[2]["headers"]["OData-Version"], "4.0");
}
