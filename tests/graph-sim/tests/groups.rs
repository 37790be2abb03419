//! GET and PATCH of one group: shapes, ids, what a writeback PATCH stores
//! (by default) or is refused (`--writeback-validation strict`).

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

/// The groups and bodies our rules refuse: (group, body, what strict mode
/// says, what is stored after it in the default mode as (isEnabled, type)).
fn refused_cases(c: &Client) -> Vec<(String, String, &'static str)> {
    let m365 = first_of(c, "m365", |g| g["writebackConfiguration"]["onPremisesGroupType"].is_null());
    let m365_typed = first_of(c, "m365", |g| !g["writebackConfiguration"]["onPremisesGroupType"].is_null());
    let sec = first_of(c, "security", |g| g["writebackConfiguration"]["onPremisesGroupType"].is_null());
    let dist = first_of(c, "distribution", |_| true);
    let mailsec = first_of(c, "mailsec", |_| true);
    let synced = first_of(c, "synced", |_| true);
    let enable = |t: &str| format!(r#"{{"writebackConfiguration":{{"isEnabled":true,"onPremisesGroupType":"{}"}}}}"#, t);
    vec![
        (dist, enable("universalDistributionGroup"), "distribution group"),
        (mailsec, enable("universalSecurityGroup"), "mail-enabled security group"),
        (synced, enable("universalSecurityGroup"), "synced from on-premises"),
        (sec.clone(), enable("universalDistributionGroup"), "only be written back as universalSecurityGroup"),
        (sec, enable("universalMailEnabledSecurityGroup"), "only be written back as universalSecurityGroup"),
        (m365.clone(), enable("globalSecurityGroup"), "is not one of"),
        (m365_typed, r#"{"writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":null}}"#.to_string(), "cannot be reset"),
        (m365, r#"{"writebackConfiguration":{"isEnabled":null}}"#.to_string(), "isEnabled cannot be set to null"),
    ]
}

/// The default: what our rules refuse is not refused by the service as far
/// as anything public shows, so graph-sim stores it as sent; a type is never
/// cleared by null (it keeps the old one).
#[test]
fn patch_stores_what_our_rules_refuse_by_default() {
    let r = sim(100, 2, |_| {});
    let c = Client::new(&r);
    for (id, body, _) in refused_cases(&c) {
        let before = raw(&r, &id);
        let resp = c.patch_json(&id, &body);
        assert_eq!(resp.status, 204, "{} on {}: {}", body, id, resp.text());
        let sent: Value = serde_json::from_str(&body).unwrap();
        let sent = &sent["writebackConfiguration"];
        let stored = &raw(&r, &id)["writebackConfiguration"];
        assert_eq!(stored["isEnabled"], sent["isEnabled"], "isEnabled stored as sent: {} on {}", body, id);
        if sent["onPremisesGroupType"].is_null() {
            assert_eq!(stored["onPremisesGroupType"], before["writebackConfiguration"]["onPremisesGroupType"], "null keeps the type: {}", body);
        } else {
            assert_eq!(stored["onPremisesGroupType"], sent["onPremisesGroupType"], "the type stored verbatim: {}", body);
        }
        let read = c.get(&format!("/beta/groups/{}?$select=writebackConfiguration", id), &[]).json();
        assert_eq!(&read["writebackConfiguration"], stored, "Graph reads back what is stored");
    }
    // The control view computes nothing the client decides.
    let any = find_ids(&c, |_| true).remove(0);
    assert!(raw(&r, &any).get("_sim").is_none());
}

/// `--writeback-validation strict`: graph-sim's own refusals (an assumption),
/// 400 `Request_BadRequest` in Graph's envelope, nothing stored.
#[test]
fn patch_strict_mode_refuses_what_our_rules_refuse() {
    let r = sim(100, 2, |c| c.writeback_validation = graph_sim::WritebackValidation::Strict);
    let c = Client::new(&r);
    for (id, body, says) in refused_cases(&c) {
        let before = raw(&r, &id);
        let resp = c.patch_json(&id, &body);
        assert_eq!((resp.status, resp.code().as_str()), (400, "Request_BadRequest"), "{} on {}", body, id);
        let e = resp.json();
        let msg = e["error"]["message"].as_str().unwrap();
        assert!(msg.contains(says) && msg.contains("strict"), "{}: {}", body, msg);
        assert!(e["error"].get("details").is_none(), "no invented details: {}", e);
        assert_eq!(raw(&r, &id), before, "a refused PATCH changes nothing");
    }
    // What the rules allow still goes through, with the casing sent.
    let m365 = first_of(&c, "m365", |g| g["writebackConfiguration"]["onPremisesGroupType"].is_null());
    let ok = c.patch_json(&m365, r#"{"writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":"UniversalSecurityGroup"}}"#);
    assert_eq!(ok.status, 204, "{}", ok.text());
    assert_eq!(raw(&r, &m365)["writebackConfiguration"]["onPremisesGroupType"], "UniversalSecurityGroup");
    // Null where no type is stored asks for nothing: allowed.
    let sec = first_of(&c, "security", |g| g["writebackConfiguration"]["onPremisesGroupType"].is_null());
    assert_eq!(c.patch_json(&sec, r#"{"writebackConfiguration":{"isEnabled":false,"onPremisesGroupType":null}}"#).status, 204);
    assert_eq!(raw(&r, &sec)["writebackConfiguration"], serde_json::json!({"isEnabled": false, "onPremisesGroupType": null}));
}

/// Schema errors are 400 `Request_BadRequest` in either mode.
#[test]
fn patch_refuses_schema_errors_in_both_modes() {
    for strict in [false, true] {
        let r = sim(100, 2, |c| {
            if strict {
                c.writeback_validation = graph_sim::WritebackValidation::Strict
            }
        });
        let c = Client::new(&r);
        let m365 = first_of(&c, "m365", |_| true);
        let before = raw(&r, &m365);
        for body in [
            "{not json",
            r#"    "writebackConfiguration": { "isEnabled": true, "onPremisesGroupType":  UniversalSecurityGroup },"#,
            r#"{"writebackConfiguration":{"isEnabled":"yes"}}"#,
            r#"{"writebackConfiguration":{"onPremisesGroupType":5}}"#,
            r#"{"writebackConfiguration":true}"#,
            r#"{"writebackConfiguration":{"isEnabled":true,"extra":1}}"#,
            r#"{"noSuchProperty":1}"#,
            r#"[1,2]"#,
        ] {
            let resp = c.patch_json(&m365, body);
            assert_eq!((resp.status, resp.code().as_str()), (400, "Request_BadRequest"), "strict {}: {}", strict, body);
        }
        let unknown = c.patch_json(&m365, r#"{"writebackConfiguration":{"isEnabled":true,"extra":1}}"#).json();
        assert_eq!(unknown["error"]["message"], "Invalid property 'extra'.");
        assert_eq!(raw(&r, &m365), before, "nothing stored");
        let no_ct = send(
            "PATCH",
            &format!("{}/beta/groups/{}", r.base_url, m365),
            &[("Authorization", "Bearer test-static-token")],
            Some(br#"{"writebackConfiguration":{"isEnabled":false}}"#),
        );
        assert_eq!(no_ct.status, 400);
    }
}

#[test]
fn writeback_validation_flag() {
    let parse = |args: &[&str]| graph_sim::Config::from_args(args.iter().map(|s| s.to_string()));
    assert_eq!(parse(&[]).unwrap().unwrap().writeback_validation, graph_sim::WritebackValidation::Store);
    assert_eq!(parse(&["--writeback-validation", "strict"]).unwrap().unwrap().writeback_validation, graph_sim::WritebackValidation::Strict);
    assert_eq!(parse(&["--writeback-validation=store"]).unwrap().unwrap().writeback_validation, graph_sim::WritebackValidation::Store);
    assert!(parse(&["--writeback-validation", "rules"]).unwrap_err().contains("store or strict"));
}
