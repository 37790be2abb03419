//! The seeded tenant: determinism, the mix of kinds and states, the tenant
//! file, and the binary's command line.

mod common;
use common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn everything(r: &graph_sim::Running) -> Vec<Value> {
    Client::new(r).all("/beta/groups?$top=999", &[]).0
}

#[test]
fn same_seed_same_tenant() {
    let a = sim(500, 77, |_| {});
    let b = sim(500, 77, |_| {});
    let c = sim(500, 78, |_| {});
    let (ga, gb, gc) = (everything(&a), everything(&b), everything(&c));
    assert_eq!(ga, gb);
    assert_ne!(ga, gc);
    for g in &ga {
        let id = g["id"].as_str().unwrap();
        assert!(graph_sim::util::parse_guid(id).is_some(), "{}", id);
    }
}

#[test]
fn the_mix_has_every_kind_and_state() {
    let r = sim(2000, 1, |_| {});
    let all = everything(&r);
    let has = |f: &dyn Fn(&Value) -> bool| all.iter().any(|g| f(g));
    let wb = |g: &Value| (g["writebackConfiguration"]["isEnabled"].clone(), g["writebackConfiguration"]["onPremisesGroupType"].clone());
    let unified = |g: &Value| g["groupTypes"].as_array().unwrap().iter().any(|t| t == "Unified");
    assert!(has(&|g| unified(g)));
    assert!(has(&|g| !unified(g) && g["securityEnabled"] == true && g["mailEnabled"] == false));
    assert!(has(&|g| g["securityEnabled"] == true && g["mailEnabled"] == true));
    assert!(has(&|g| !unified(g) && g["securityEnabled"] == false && g["mailEnabled"] == true));
    assert!(has(&|g| g["onPremisesSyncEnabled"] == true));
    assert!(has(&|g| g["groupTypes"].as_array().unwrap().iter().any(|t| t == "DynamicMembership") && g["membershipRule"].is_string()));
    assert!(has(&|g| wb(g).0 == false));
    assert!(has(&|g| wb(g).0.is_null() && wb(g).1.is_null()));
    assert!(has(&|g| wb(g).0 == true && wb(g).1.is_null()));
    assert!(has(&|g| wb(g).0.is_null() && wb(g).1.is_string()));
    for t in ["universalDistributionGroup", "universalSecurityGroup", "universalMailEnabledSecurityGroup", "UniversalSecurityGroup", "globalSecurityGroup"] {
        assert!(has(&|g| wb(g).0 == true && wb(g).1 == t), "{}", t);
    }
}

#[test]
fn tenant_file_round_trip_and_binary_cli() {
    let dir = std::env::temp_dir().join(format!("graph-sim-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let saved = dir.join("saved.json");
    let r = sim(300, 12, |_| {});
    let c = Client::new(&r);
    let id = find_ids(&c, |g| g["groupTypes"].as_array().unwrap().iter().any(|t| t == "Unified") && g["onPremisesSyncEnabled"] != true)[0].clone();
    assert_eq!(c.patch_json(&id, r#"{"writebackConfiguration":{"isEnabled":true,"onPremisesGroupType":"universalSecurityGroup"}}"#).status, 204);
    let resp = send("POST", &format!("{}/_sim/save?path={}", r.base_url, enc(saved.to_str().unwrap())), &[], None);
    assert_eq!(resp.status, 200, "{}", resp.text());
    let before = everything(&r);

    // The binary loads it, prints its URL first, and saves it again on exit.
    let resaved = dir.join("resaved.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_graph-sim"))
        .args(["--listen", "127.0.0.1:0", "--tenant", saved.to_str().unwrap(), "--save", resaved.to_str().unwrap(), "--static-token", TOKEN, "--quiet"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let base = first.trim().to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{}", base);
    let other = Client { base: base.clone(), token: TOKEN.to_string() };
    let (loaded, _) = other.all("/beta/groups?$top=999", &[]);
    assert_eq!(loaded.len(), 300);
    let strip = |v: &Vec<Value>| -> Vec<Value> { v.iter().map(|g| { let mut g = g.clone(); g.as_object_mut().unwrap().remove("@odata.context"); g }).collect() };
    assert_eq!(strip(&loaded), strip(&before));
    let g = send("GET", &format!("{}/_sim/groups/{}", base, id), &[], None).json();
    assert_eq!(g["writebackConfiguration"]["onPremisesGroupType"], "universalSecurityGroup");
    assert_eq!(send("POST", &format!("{}/_sim/shutdown", base), &[], None).status, 202);
    assert!(child.wait().unwrap().success());
    let doc: Value = serde_json::from_slice(&std::fs::read(&resaved).unwrap()).unwrap();
    assert_eq!(doc["groups"].as_array().unwrap().len(), 300);
    assert!(doc["apps"].as_array().unwrap().len() >= 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_hand_written_tenant_file_loads() {
    let dir = std::env::temp_dir().join(format!("graph-sim-hand-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tenant.json");
    let fixture = r#"{
      "tenantId": "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4",
      "apps": [{"clientId": "0c0c0c0c-0000-4000-8000-000000000001", "secret": "s3", "permissions": ["Group.Read.All"]}],
      "groups": [
        {"id": "4de51a22-3289-4ea5-bbdb-8503ea644f1b", "displayName": "Library Assist", "groupTypes": ["Unified"],
         "mailEnabled": true, "securityEnabled": false, "mail": "library@contoso.com", "mailNickname": "library",
         "preferredDataLocation": "EU", "writebackConfiguration": {"isEnabled": null, "onPremisesGroupType": null}},
        {"id": "d7797254-3084-44d0-99c9-a3b5ab149538", "displayName": "Golf Discussion", "groupTypes": [],
         "mailEnabled": true, "securityEnabled": false}
      ]}"#;
    std::fs::write(&path, fixture).unwrap();
    let r = sim(0, 1, |c| c.tenant_file = Some(path.clone()));
    let c = Client::new(&r);
    let g = c.get("/beta/groups/4de51a22-3289-4ea5-bbdb-8503ea644f1b", &[]).json();
    assert_eq!(g["mail"], "library@contoso.com");
    assert_eq!(g["preferredDataLocation"], "EU");
    assert!(g["writebackConfiguration"]["isEnabled"].is_null());
    let golf = c.get("/beta/groups/d7797254-3084-44d0-99c9-a3b5ab149538?$select=writebackConfiguration", &[]).json();
    assert!(golf["writebackConfiguration"]["isEnabled"].is_null(), "a missing key reads as null");
    let token = send(
        "POST",
        &format!("{}/45b7d2e7-b882-4a80-ba97-10b7a63b8fa4/oauth2/v2.0/token", r.base_url),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(b"grant_type=client_credentials&client_id=0c0c0c0c-0000-4000-8000-000000000001&client_secret=s3&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"),
    );
    assert_eq!(token.status, 200, "{}", token.text());
    let _ = std::fs::remove_dir_all(&dir);
}
