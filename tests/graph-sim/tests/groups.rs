//! GET and PATCH of one group: shapes, ids, service-side writeback rules.

mod common;
use common::*;
use serde_json::Value;

fn kind(g: &Value) -> &'static str {
    let unified = g["groupTypes"].as_array().unwrap().iter().any(|t| t == "Unified");
    if g["onPremisesSyncEnabled"] == true {
        "synced"
    } else if unified {
        "m365"
    } else if g["securityEnabled"] == true && g["mailEnabled"] == false {
        "security"
    } else if g["securityEnabled"] == true {
        "mailsec"
    } else {
        "distribution"
    }
}

fn first_of(c: &Client, k: &str, extra: impl Fn(&Value) -> bool) -> String {
    find_ids(c, |g| kind(g) == k && extra(g)).into_iter().next().unwrap_or_else(|| panic!("a {} group", k))
}

#[test]
fn get_one_with_select_and_error_shapes() {
    let r = sim(100, 2, |_| {});
    let c = Client::new(&r);
    let id = first_of(&c, "m365", |_| true);
    let g = c.get(&format!("/beta/groups/{}", id), &[]).json();
    assert_eq!(g["id"], id.as_str());
    assert_eq!(g["@odata.context"], format!("{}/beta/$metadata#groups/$entity", r.base_url));
    assert!(g["writebackConfiguration"].is_object());
    let s = c.get(&format!("/beta/groups/{}?$select=displayName,writebackConfiguration", id), &[]).json();
    assert_eq!(s["@odata.context"], format!("{}/beta/$metadata#groups(displayName,writebackConfiguration)/$entity", r.base_url));
    assert_eq!(s.as_object().unwrap().len(), 4, "id is returned even if not selected: {}", s);

    let missing = "00000000-0000-4000-8000-000000000000";
    let nf = send("GET", &format!("{}/beta/groups/{}", r.base_url, missing), &[("Authorization", "Bearer test-static-token"), ("client-request-id", "my-crid-1")], None);
    assert_eq!(nf.status, 404);
    let e = nf.json();
    assert_eq!(e["error"]["code"], "Request_ResourceNotFound");
    assert!(e["error"]["message"].as_str().unwrap().contains(missing));
    let inner = &e["error"]["innerError"];
    assert_eq!(inner["request-id"], nf.header("request-id").unwrap());
    assert_eq!(inner["client-request-id"], "my-crid-1");
    assert_eq!(nf.header("client-request-id"), Some("my-crid-1"));
    assert!(inner["date"].as_str().unwrap().len() >= 19);
    let bad = c.get("/beta/groups/not-a-guid", &[]);
    assert_eq!((bad.status, bad.code().as_str()), (400, "Request_BadRequest"));
    let unknown = c.get("/beta/users", &[]);
    assert_eq!(unknown.status, 400);
    assert_eq!(send("DELETE", &format!("{}/beta/groups/{}", r.base_url, id), &[("Authorization", "Bearer test-static-token")], None).status, 405);
    assert_eq!(c.patch_json(missing, r#"{"writebackConfiguration":{"isEnabled":false}}"#).status, 404);
}

#[test]
fn patch_applies_allowed_changes_and_keeps_casing() {
    let r = sim(100, 2, |_| {});
    let c = Client::new(&r);
    let m365 = first_of(&c, "m365", |g| g["writebackConfiguration"]["isEnabled"].is_null() && g["writebackConfiguration"]["onPremisesGroupType"].is_null());
    let p = c.patch_json(&m365, r#"{"writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":"universalSecurityGroup"}}"#);
    assert_eq!(p.status, 204, "{}", p.text());
    assert!(p.body.is_empty());
    let stored = raw(&r, &m365);
    assert_eq!(stored["writebackConfiguration"]["isEnabled"], true);
    assert_eq!(stored["writebackConfiguration"]["onPremisesGroupType"], "universalSecurityGroup");
    // PascalCase is accepted and echoed.
    assert_eq!(c.patch_json(&m365, r#"{"writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":"UniversalDistributionGroup"}}"#).status, 204);
    let read = c.get(&format!("/beta/groups/{}?$select=writebackConfiguration", m365), &[]).json();
    assert_eq!(read["writebackConfiguration"]["onPremisesGroupType"], "UniversalDistributionGroup");
    // Only isEnabled: the type stays.
    assert_eq!(c.patch_json(&m365, r#"{"writebackConfiguration":{"isEnabled":false}}"#).status, 204);
    let stored = raw(&r, &m365);
    assert_eq!(stored["writebackConfiguration"]["isEnabled"], false);
    assert_eq!(stored["writebackConfiguration"]["onPremisesGroupType"], "UniversalDistributionGroup");
    let sec = first_of(&c, "security", |_| true);
    assert_eq!(c.patch_json(&sec, r#"{"writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":"universalSecurityGroup"}}"#).status, 204);
    assert!(stats(&r)["writes"].as_u64().unwrap() >= 4);
}

#[test]
fn patch_refuses_what_the_service_refuses() {
    let r = sim(100, 2, |_| {});
    let c = Client::new(&r);
    let m365 = first_of(&c, "m365", |_| true);
    // Only a type that is set can be refused a reset to null.
    let m365_typed = first_of(&c, "m365", |g| !g["writebackConfiguration"]["onPremisesGroupType"].is_null());
    let sec = first_of(&c, "security", |g| g["writebackConfiguration"]["onPremisesGroupType"].is_null());
    let dist = first_of(&c, "distribution", |_| true);
    let mailsec = first_of(&c, "mailsec", |_| true);
    let synced = first_of(&c, "synced", |_| true);
    let enable = |t: &str| format!(r#"{{"writebackConfiguration":{{"isEnabled":true,"onPremisesGroupType":"{}"}}}}"#, t);
    let cases: Vec<(&str, String, &str)> = vec![
        (dist.as_str(), enable("universalDistributionGroup"), "distributionGroupNotEligible"),
        (mailsec.as_str(), enable("universalSecurityGroup"), "mailEnabledSecurityGroupNotEligible"),
        (synced.as_str(), enable("universalSecurityGroup"), "syncedFromOnPremises"),
        (sec.as_str(), enable("universalDistributionGroup"), "typeNotAllowedForKind"),
        (sec.as_str(), enable("universalMailEnabledSecurityGroup"), "typeNotAllowedForKind"),
        (m365.as_str(), enable("globalSecurityGroup"), "unknownType"),
        (m365_typed.as_str(), r#"{"writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":null}}"#.to_string(), "typeCannotBeReset"),
        (m365.as_str(), r#"{"writebackConfiguration":{"isEnabled":null}}"#.to_string(), "isEnabledNull"),
    ];
    for (id, body, detail) in cases {
        let before = raw(&r, id);
        let resp = c.patch_json(id, &body);
        assert_eq!((resp.status, resp.code().as_str()), (400, "Request_BadRequest"), "{} on {}", body, id);
        let e = resp.json();
        assert_eq!(e["error"]["details"][0]["code"], detail, "{}", e);
        assert!(e["error"]["message"].as_str().unwrap().len() > 20);
        assert_eq!(raw(&r, id), before, "a refused PATCH changes nothing");
    }
    for body in [
        "{not json",
        r#"    "writebackConfiguration": { "isEnabled": true, "onPremisesGroupType":  UniversalSecurityGroup },"#,
        r#"{"writebackConfiguration":{"isEnabled":"yes"}}"#,
        r#"{"writebackConfiguration":{"onPremisesGroupType":5}}"#,
        r#"{"writebackConfiguration":true}"#,
        r#"{"writebackConfiguration":{"isEnabled":true,"extra":1}}"#,
        r#"[1,2]"#,
    ] {
        let resp = c.patch_json(&m365, body);
        assert_eq!((resp.status, resp.code().as_str()), (400, "Request_BadRequest"), "{}", body);
    }
    let no_ct = send(
        "PATCH",
        &format!("{}/beta/groups/{}", r.base_url, m365),
        &[("Authorization", "Bearer test-static-token")],
        Some(br#"{"writebackConfiguration":{"isEnabled":false}}"#),
    );
    assert_eq!(no_ct.status, 400);
}
