//! Bearer tokens, client credentials (secret and assertion), device code.

mod common;
use common::*;
use graph_sim::auth::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TENANT_ID, READONLY_CLIENT_ID, READONLY_CLIENT_SECRET};
use serde_json::{json, Value};
use std::time::Duration;

fn form(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", k, enc(v))).collect::<Vec<_>>().join("&")
}

fn token_call(base: &str, tenant: &str, pairs: &[(&str, &str)]) -> Resp {
    send(
        "POST",
        &format!("{}/{}/oauth2/v2.0/token", base, tenant),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(form(pairs).as_bytes()),
    )
}

fn client_secret_token(base: &str, id: &str, secret: &str) -> Resp {
    token_call(base, DEFAULT_TENANT_ID, &[
        ("client_id", id),
        ("client_secret", secret),
        ("scope", "https://graph.microsoft.com/.default"),
        ("grant_type", "client_credentials"),
    ])
}

#[test]
fn bearer_tokens_are_required_and_checked() {
    let r = sim(20, 1, |c| c.token_lifetime = 1);
    let url = format!("{}/beta/groups?$top=1", r.base_url);
    let none = send("GET", &url, &[], None);
    assert_eq!((none.status, none.code().as_str()), (401, "InvalidAuthenticationToken"));
    assert!(none.header("www-authenticate").is_some());
    let unknown = send("GET", &url, &[("Authorization", "Bearer nope")], None);
    assert_eq!((unknown.status, unknown.code().as_str()), (401, "InvalidAuthenticationToken"));
    let t = client_secret_token(&r.base_url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).json();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 1);
    let token = t["access_token"].as_str().unwrap().to_string();
    assert_eq!(Client::with_token(&r, &token).get("/beta/groups?$top=1", &[]).status, 200);
    std::thread::sleep(Duration::from_millis(1100));
    let expired = Client::with_token(&r, &token).get("/beta/groups?$top=1", &[]);
    assert_eq!((expired.status, expired.code().as_str()), (401, "InvalidAuthenticationToken"));
    assert!(expired.json()["error"]["message"].as_str().unwrap().contains("expired"));
}

#[test]
fn client_credentials_with_secrets_and_the_read_only_app() {
    let r = sim(20, 1, |_| {});
    let ok = client_secret_token(&r.base_url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["expires_in"], 3599);
    let wrong = client_secret_token(&r.base_url, DEFAULT_CLIENT_ID, "wrong");
    assert_eq!((wrong.status, wrong.json()["error"].as_str().unwrap()), (401, "invalid_client"));
    assert!(wrong.json()["error_codes"][0] == 7000215);
    let unknown_app = client_secret_token(&r.base_url, "11111111-1111-4111-8111-111111111111", "x");
    assert_eq!(unknown_app.status, 400);
    let bad_scope = token_call(&r.base_url, DEFAULT_TENANT_ID, &[
        ("client_id", DEFAULT_CLIENT_ID), ("client_secret", DEFAULT_CLIENT_SECRET),
        ("scope", "Group.Read.All"), ("grant_type", "client_credentials"),
    ]);
    assert_eq!(bad_scope.json()["error"], "invalid_scope");
    let bad_tenant = token_call(&r.base_url, "22222222-2222-4222-8222-222222222222", &[
        ("client_id", DEFAULT_CLIENT_ID), ("client_secret", DEFAULT_CLIENT_SECRET),
        ("scope", "https://graph.microsoft.com/.default"), ("grant_type", "client_credentials"),
    ]);
    assert_eq!(bad_tenant.status, 400);

    let ro = client_secret_token(&r.base_url, READONLY_CLIENT_ID, READONLY_CLIENT_SECRET).json();
    let c = Client::with_token(&r, ro["access_token"].as_str().unwrap());
    let list = c.get("/beta/groups?$top=5&$select=id", &[]);
    assert_eq!(list.status, 200);
    let id = list.json()["value"][0]["id"].as_str().unwrap().to_string();
    let denied = c.patch_json(&id, r#"{"writebackConfiguration":{"isEnabled":false}}"#);
    assert_eq!((denied.status, denied.code().as_str()), (403, "Authorization_RequestDenied"));
    let batch = c.batch(&json!({"requests": [{"id": "a", "method": "PATCH", "url": format!("/groups/{}", id),
        "headers": {"Content-Type": "application/json"}, "body": {"writebackConfiguration": {"isEnabled": false}}}]}));
    assert_eq!(batch.json()["responses"][0]["status"], 403);
}

fn pem_der(path: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap();
    let b64: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::decode(b64).unwrap()
}

fn assertion(aud: &str, iss: &str, exp_offset: i64) -> String {
    let b64 = |v: &Value| base64::encode_config(v.to_string(), base64::URL_SAFE_NO_PAD);
    let now = graph_sim::util::unix_now() as i64;
    let header = b64(&json!({"alg": "RS256", "typ": "JWT"}));
    let claims = b64(&json!({"aud": aud, "iss": iss, "sub": iss, "jti": "1", "nbf": now - 5, "exp": now + exp_offset}));
    let signing_input = format!("{}.{}", header, claims);
    let key_path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/client-assertion-key.pem");
    let key = ring::signature::RsaKeyPair::from_pkcs8(&pem_der(key_path)).unwrap();
    let mut sig = vec![0u8; key.public_modulus_len()];
    key.sign(&ring::signature::RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), signing_input.as_bytes(), &mut sig).unwrap();
    format!("{}.{}", signing_input, base64::encode_config(sig, base64::URL_SAFE_NO_PAD))
}

#[test]
fn client_assertion_is_verified() {
    let r = sim(5, 1, |_| {});
    let aud = format!("https://login.microsoftonline.com/{}/oauth2/v2.0/token", DEFAULT_TENANT_ID);
    let call = |jwt: &str| {
        token_call(&r.base_url, DEFAULT_TENANT_ID, &[
            ("client_id", DEFAULT_CLIENT_ID),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", jwt),
            ("scope", "https://graph.microsoft.com/.default"),
            ("grant_type", "client_credentials"),
        ])
    };
    let good = call(&assertion(&aud, DEFAULT_CLIENT_ID, 600));
    assert_eq!(good.status, 200, "{}", good.text());
    let local_aud = format!("{}/{}/oauth2/v2.0/token", r.base_url, DEFAULT_TENANT_ID);
    assert_eq!(call(&assertion(&local_aud, DEFAULT_CLIENT_ID, 600)).status, 200);
    // Tampered signature, wrong audience, wrong issuer, expired, not a JWT.
    let mut tampered = assertion(&aud, DEFAULT_CLIENT_ID, 600);
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    for (jwt, why) in [
        (tampered, "signature"),
        (assertion("https://example.com/token", DEFAULT_CLIENT_ID, 600), "audience"),
        (assertion(&aud, READONLY_CLIENT_ID, 600), "issuer"),
        (assertion(&aud, DEFAULT_CLIENT_ID, -60), "expired"),
        ("not.a-jwt".to_string(), "structure"),
    ] {
        let resp = call(&jwt);
        assert_eq!(resp.status, 401, "{}: {}", why, resp.text());
        assert_eq!(resp.json()["error"], "invalid_client", "{}", why);
    }
}

fn devicecode(base: &str) -> Value {
    let resp = send(
        "POST",
        &format!("{}/organizations/oauth2/v2.0/devicecode", base),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(form(&[("client_id", DEFAULT_CLIENT_ID), ("scope", "https://graph.microsoft.com/Group.ReadWrite.All offline_access")]).as_bytes()),
    );
    assert_eq!(resp.status, 200, "{}", resp.text());
    resp.json()
}

fn poll(base: &str, device_code: &str) -> Resp {
    token_call(base, "organizations", &[
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", DEFAULT_CLIENT_ID),
        ("device_code", device_code),
    ])
}

#[test]
fn device_code_pending_slow_down_approved_expired() {
    let r = sim(5, 1, |c| {
        c.device_interval = 1;
        c.device_expiry = 3;
    });
    let d = devicecode(&r.base_url);
    let code = d["device_code"].as_str().unwrap();
    assert_eq!(d["interval"], 1);
    assert!(d["verification_uri"].as_str().unwrap().starts_with(&r.base_url));
    assert_eq!(poll(&r.base_url, code).json()["error"], "authorization_pending");
    assert_eq!(poll(&r.base_url, code).json()["error"], "slow_down");
    let approve = send(
        "POST",
        &format!("{}/_sim/devicecode/approve", r.base_url),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(format!("user_code={}", d["user_code"].as_str().unwrap()).as_bytes()),
    );
    assert_eq!(approve.status, 200);
    let tok = poll(&r.base_url, code);
    assert_eq!(tok.status, 200, "{}", tok.text());
    let c = Client::with_token(&r, tok.json()["access_token"].as_str().unwrap());
    assert_eq!(c.get("/beta/groups?$top=1", &[]).status, 200);

    let late = devicecode(&r.base_url);
    std::thread::sleep(Duration::from_millis(3100));
    assert_eq!(poll(&r.base_url, late["device_code"].as_str().unwrap()).json()["error"], "expired_token");
}

#[test]
fn device_code_auto_approval() {
    let r = sim(5, 1, |c| {
        c.device_interval = 0;
        c.auto_approve_after = Some(0.3);
    });
    let d = devicecode(&r.base_url);
    let code = d["device_code"].as_str().unwrap();
    assert_eq!(poll(&r.base_url, code).json()["error"], "authorization_pending");
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(poll(&r.base_url, code).status, 200);
}

#[test]
fn managed_identity_endpoints_answer_as_documented() {
    use graph_sim::identity::{DEFAULT_IDENTITY_HEADER, SYSTEM_IDENTITY_CLIENT_ID, USER_IDENTITY_CLIENT_ID};
    let r = sim(5, 1, |c| c.identity_header = "custom-identity-header-77".into());
    let imds = |query: &str, headers: &[(&str, &str)]| {
        send("GET", &format!("{}/metadata/identity/oauth2/token?{}", r.base_url, query), headers, None)
    };
    let q = "api-version=2018-02-01&resource=https%3A%2F%2Fgraph.microsoft.com";
    // IMDS: the Metadata header is required.
    let no_header = imds(q, &[]);
    assert_eq!(no_header.status, 400);
    assert_eq!(no_header.json()["error"], "bad_request_102");
    let ok = imds(q, &[("Metadata", "true")]).json();
    for k in ["access_token", "expires_in", "expires_on", "ext_expires_in", "not_before", "resource", "token_type"] {
        assert!(ok[k].is_string(), "{} is a string in {}", k, ok);
    }
    assert_eq!(ok["client_id"], SYSTEM_IDENTITY_CLIENT_ID);
    let token = ok["access_token"].as_str().unwrap().to_string();
    assert_eq!(Client::with_token(&r, &token).get("/beta/groups?$top=1", &[]).status, 200);
    let user = imds(&format!("{}&client_id={}", q, USER_IDENTITY_CLIENT_ID), &[("Metadata", "true")]).json();
    assert_eq!(user["client_id"], USER_IDENTITY_CLIENT_ID);
    let unknown = imds(&format!("{}&client_id={}", q, DEFAULT_CLIENT_ID), &[("Metadata", "true")]);
    assert_eq!((unknown.status, unknown.json()["error_description"].as_str().unwrap()), (400, "Identity not found"));
    let bad_resource = imds("api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net", &[("Metadata", "true")]);
    assert_eq!((bad_resource.status, bad_resource.json()["error"].as_str().unwrap()), (400, "invalid_resource"));

    // App Service: X-IDENTITY-HEADER must be --identity-header's value.
    let app = |headers: &[(&str, &str)]| {
        send("GET", &format!("{}/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fgraph.microsoft.com%2F", r.base_url), headers, None)
    };
    assert_eq!(app(&[]).status, 401);
    assert_eq!(app(&[("X-IDENTITY-HEADER", DEFAULT_IDENTITY_HEADER)]).status, 401);
    let ok = app(&[("X-IDENTITY-HEADER", "custom-identity-header-77")]).json();
    assert!(ok["expires_on"].as_str().unwrap().parse::<u64>().is_ok(), "{}", ok);
    assert!(ok.get("expires_in").is_none());
    assert_eq!(ok["token_type"], "Bearer");
}

#[test]
fn federated_assertions_match_a_federated_credential() {
    let issuer = "https://token.actions.githubusercontent.com";
    let subject = "repo:contoso/app:environment:prod";
    let r = sim(5, 1, |c| c.federated.push(graph_sim::auth::FederatedCredential::parse(&format!("{}|{}", issuer, subject)).unwrap()));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let jwt = |sub: &str, aud: &str, exp: i64| {
        let b = |v: Value| base64::encode_config(v.to_string(), base64::URL_SAFE_NO_PAD);
        format!(
            "{}.{}.c2ln",
            b(json!({"alg": "RS256", "typ": "JWT"})),
            b(json!({"iss": issuer, "sub": sub, "aud": aud, "exp": now + exp, "nbf": now - 10}))
        )
    };
    let call = |assertion: &str| {
        token_call(&r.base_url, DEFAULT_TENANT_ID, &[
            ("client_id", DEFAULT_CLIENT_ID),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", assertion),
            ("scope", "https://graph.microsoft.com/.default"),
            ("grant_type", "client_credentials"),
        ])
    };
    assert_eq!(call(&jwt(subject, "api://AzureADTokenExchange", 600)).status, 200);
    let expired = call(&jwt(subject, "api://AzureADTokenExchange", -600));
    assert_eq!((expired.status, expired.json()["error_codes"][0].as_u64()), (401, Some(700024)));
    for (sub, aud) in [("repo:contoso/other:environment:prod", "api://AzureADTokenExchange"), (subject, "api://other")] {
        let refused = call(&jwt(sub, aud, 600));
        assert_eq!((refused.status, refused.json()["error"].as_str().unwrap()), (400, "invalid_request"));
        assert_eq!(refused.json()["error_codes"][0], 70021);
    }
}

#[test]
fn azure_arc_agent_challenges_then_answers_the_key() {
    let dir = std::env::temp_dir().join(format!("graph-sim-arc-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.clone();
    let r = sim(5, 1, move |c| c.arc_key_dir = Some(d));
    let url = format!("{}/metadata/identity/oauth2/token?api-version=2020-06-01&resource=https%3A%2F%2Fgraph.microsoft.com", r.base_url);
    let challenge = send("GET", &url, &[("Metadata", "true")], None);
    assert_eq!(challenge.status, 401);
    let realm = challenge.header("www-authenticate").unwrap().strip_prefix("Basic realm=").unwrap().to_string();
    assert!(realm.ends_with(".key") && std::path::Path::new(&realm).starts_with(&dir), "{}", realm);
    let key = std::fs::read_to_string(&realm).unwrap();
    assert!(key.starts_with(graph_sim::identity::ARC_KEY_PREFIX));
    let wrong = send("GET", &url, &[("Metadata", "true"), ("Authorization", "Basic nope")], None);
    assert_eq!(wrong.status, 401);
    let ok = send("GET", &url, &[("Metadata", "true"), ("Authorization", &format!("Basic {}", key))], None);
    assert_eq!(ok.status, 200);
    assert!(ok.json()["expires_in"].is_string());
    assert_eq!(send("GET", &url, &[], None).status, 400);
    let _ = std::fs::remove_dir_all(&dir);
}
