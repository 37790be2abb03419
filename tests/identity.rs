//! Managed identity (the instance metadata service, App Service) and
//! workload identity federation (a federated token file, a client assertion
//! given) against graph-sim, through the Graph client as a C caller or the
//! cmdlet uses it. Each client gets its environment in the `environment`
//! option, so nothing here reads or changes the process's environment, and
//! nothing is ever sent to 169.254.169.254: the instance metadata service is
//! graph-sim, named by AZURE_POD_IDENTITY_AUTHORITY_HOST.

mod common;

use common::*;
use group_writeback::graph::{Client, ClientOptions, GraphError};
use group_writeback::listing::ListOptions;
use group_writeback::secret::Secret;
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

const IDENTITY_HEADER: &str = "graph-sim-identity-header-5f3a";
const WRONG_IDENTITY_HEADER: &str = "wrong-identity-header-42";
const SYSTEM_IDENTITY: &str = "4a7c9e1f-2b3d-4c5e-8f60-718293a4b5c6";
const USER_IDENTITY: &str = "6e0f1a2b-3c4d-4e5f-9a6b-7c8d9e0f1a2b";
const ISSUER: &str = "https://token.actions.githubusercontent.com";
const SUBJECT: &str = "repo:contoso/writeback:ref:refs/heads/main";
/// The signature part of every federated token here: listed in
/// tests/secrets.txt, so a token that leaks into output fails the scan.
const ASSERTION_SIGNATURE: &str = "fedsig-7c1e9bxyz";

fn client(sim: &Sim, options: Value, secret: Option<&str>) -> Result<Client, GraphError> {
    let mut v = json!({"endpoint": sim.base, "backoffBaseSeconds": 0.05});
    for (k, val) in options.as_object().unwrap() {
        v[k] = val.clone();
    }
    let opts: ClientOptions = serde_json::from_value(v).unwrap();
    Client::new(opts, secret.map(Secret::from))
}

fn reads_a_page(c: &Client) {
    let opts: ListOptions = serde_json::from_value(json!({"pageSize": 5, "maxItems": 5})).unwrap();
    let page = c.list_groups(opts).unwrap().next_page().unwrap().expect("a page");
    assert!(!page.to_json_string().is_empty());
}

fn federated_token(sub: &str, exp_from_now: i64) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let b64 = |v: Value| base64::encode_config(v.to_string().as_bytes(), base64::URL_SAFE_NO_PAD);
    let header = b64(json!({"alg": "RS256", "typ": "JWT", "kid": "k1"}));
    let claims = b64(json!({
        "iss": ISSUER, "sub": sub, "aud": "api://AzureADTokenExchange",
        "iat": now - 60, "nbf": now - 60, "exp": now + exp_from_now,
    }));
    format!("{header}.{claims}.{ASSERTION_SIGNATURE}")
}

fn temp_file(name: &str, content: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gwb-identity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn assert_no_secret(text: &str) {
    for s in [IDENTITY_HEADER, WRONG_IDENTITY_HEADER, ASSERTION_SIGNATURE] {
        assert!(!text.contains(s), "a secret in {text:?}");
    }
}

#[test]
fn imds_system_and_user_assigned() {
    let sim = Sim::start(&["--groups", "20"]);
    let env = json!({"AZURE_POD_IDENTITY_AUTHORITY_HOST": sim.base});
    let system = client(&sim, json!({"auth": "managedIdentity", "environment": env}), None).unwrap();
    system.sign_in().unwrap();
    reads_a_page(&system);
    let info = system.info();
    assert_eq!((info.auth.as_str(), info.identity.as_deref(), info.token_source.as_deref()), ("managedIdentity", Some("systemAssigned"), Some("imds")));
    assert_eq!(info.client_id, None);

    let user = client(&sim, json!({"auth": "managedIdentity", "clientId": USER_IDENTITY, "environment": env}), None).unwrap();
    user.sign_in().unwrap();
    reads_a_page(&user);
    assert_eq!(user.info().identity.as_deref(), Some("userAssigned"));
    assert_eq!(user.info().client_id.as_deref(), Some(USER_IDENTITY));

    // An identity not assigned to the machine: IMDS's 400 "Identity not found".
    let unknown = client(&sim, json!({"auth": "managedIdentity", "clientId": SYSTEM_IDENTITY.replace('4', "5"), "environment": env}), None).unwrap();
    let e = unknown.sign_in().unwrap_err().to_string();
    assert!(e.contains("Identity not found") && e.contains("400"), "{e}");
}

#[test]
fn imds_refuses_a_request_without_the_metadata_header() {
    let sim = Sim::start(&["--groups", "1"]);
    let url = format!("{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://graph.microsoft.com", sim.base);
    let (status, body) = http_get(&url, None);
    assert_eq!(status, 400, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"], "bad_request_102");
    assert_eq!(v["error_description"], "Required metadata header not specified");
}

#[test]
fn app_service_endpoint_and_its_header() {
    let sim = Sim::start(&["--groups", "20"]);
    let endpoint = format!("{}/msi/token", sim.base);
    let env = json!({"IDENTITY_ENDPOINT": endpoint, "IDENTITY_HEADER": IDENTITY_HEADER});
    let c = client(&sim, json!({"auth": "managedIdentity", "environment": env}), None).unwrap();
    c.sign_in().unwrap();
    reads_a_page(&c);
    assert_eq!(c.info().token_source.as_deref(), Some("appService"));
    assert_no_secret(&format!("{:?}", c));

    // The header given as the secret wins over the environment's.
    let wrong = client(&sim, json!({"auth": "managedIdentity", "environment": env}), Some(WRONG_IDENTITY_HEADER)).unwrap();
    let e = wrong.sign_in().unwrap_err().to_string();
    assert!(e.contains("401") && e.contains("unauthorized"), "{e}");
    assert_no_secret(&e);

    // IDENTITY_ENDPOINT without IDENTITY_HEADER: not a usable source.
    let e = client(&sim, json!({"auth": "managedIdentity", "environment": {"IDENTITY_ENDPOINT": endpoint}}), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("IDENTITY_HEADER"), "{e}");

    // Plain http to a host that is neither loopback nor link-local is refused.
    let env = json!({"IDENTITY_ENDPOINT": "http://identity.example.com/msi/token", "IDENTITY_HEADER": IDENTITY_HEADER});
    let e = client(&sim, json!({"auth": "managedIdentity", "environment": env}), None).unwrap_err();
    assert!(matches!(e, GraphError::UntrustedUrl(_)), "{e:?}");
    assert_no_secret(&e.to_string());
}

#[test]
fn workload_identity_from_a_federated_token_file() {
    let credential = format!("{ISSUER}|{SUBJECT}");
    let sim = Sim::start(&["--groups", "20", "--federated-credential", &credential]);
    let file = temp_file("token-ok", &format!("{}\n", federated_token(SUBJECT, 600)));
    let c = client(
        &sim,
        json!({"auth": "workloadIdentity", "tenantId": TENANT, "clientId": CLIENT_ID, "federatedTokenFile": file}),
        None,
    )
    .unwrap();
    c.sign_in().unwrap();
    reads_a_page(&c);
    assert_eq!(c.info().auth, "workloadIdentity");
    assert_eq!(c.info().token_source.as_deref(), Some(file.to_str().unwrap()));

    // From Azure Identity's variables, as WorkloadIdentityCredential reads them,
    // through the environment sign-in too.
    let env = json!({"AZURE_FEDERATED_TOKEN_FILE": file, "AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": CLIENT_ID});
    for auth in ["workloadIdentity", "environment"] {
        let c = client(&sim, json!({"auth": auth, "environment": env}), None).unwrap();
        c.sign_in().unwrap();
        assert_eq!(c.info().auth, "workloadIdentity");
    }

    // The file is read at each request: an expired token written over it is
    // what the next sign-in sends, and the service's AADSTS700024 comes back.
    let rotating = temp_file("token-rotating", &federated_token(SUBJECT, 600));
    let c = client(&sim, json!({"auth": "workloadIdentity", "tenantId": TENANT, "clientId": CLIENT_ID, "federatedTokenFile": rotating}), None).unwrap();
    c.sign_in().unwrap();
    std::fs::write(&rotating, federated_token(SUBJECT, -600)).unwrap();
    let expired = client(&sim, json!({"auth": "workloadIdentity", "tenantId": TENANT, "clientId": CLIENT_ID, "federatedTokenFile": rotating}), None).unwrap();
    let e = expired.sign_in().unwrap_err().to_string();
    assert!(e.contains("AADSTS700024") && e.contains("invalid_client"), "{e}");
    assert_no_secret(&e);

    // A subject the app does not trust: AADSTS70021.
    let other = temp_file("token-other", &federated_token("repo:contoso/other:ref:refs/heads/main", 600));
    let c = client(&sim, json!({"auth": "workloadIdentity", "tenantId": TENANT, "clientId": CLIENT_ID, "federatedTokenFile": other}), None).unwrap();
    let e = c.sign_in().unwrap_err().to_string();
    assert!(e.contains("AADSTS70021"), "{e}");
    assert_no_secret(&e);

    // A file that cannot be read.
    let missing = file.with_file_name("no-such-token");
    let c = client(&sim, json!({"auth": "workloadIdentity", "tenantId": TENANT, "clientId": CLIENT_ID, "federatedTokenFile": missing}), None).unwrap();
    let e = c.sign_in().unwrap_err().to_string();
    assert!(e.contains("cannot be read") && e.contains("no-such-token"), "{e}");

    // Missing ids name what to set.
    let e = client(&sim, json!({"auth": "workloadIdentity", "environment": {"AZURE_FEDERATED_TOKEN_FILE": file}}), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("AZURE_TENANT_ID"), "{e}");
}

#[test]
fn client_assertion_given() {
    let credential = format!("{ISSUER}|{SUBJECT}");
    let sim = Sim::start(&["--groups", "20", "--federated-credential", &credential]);
    let assertion = federated_token(SUBJECT, 600);
    let c = client(&sim, json!({"auth": "clientAssertion", "tenantId": TENANT, "clientId": CLIENT_ID}), Some(&assertion)).unwrap();
    c.sign_in().unwrap();
    reads_a_page(&c);
    assert_eq!(c.info().auth, "clientAssertion");
    assert_no_secret(&format!("{:?}", c));

    let expired = federated_token(SUBJECT, -600);
    let c = client(&sim, json!({"auth": "clientAssertion", "tenantId": TENANT, "clientId": CLIENT_ID}), Some(&expired)).unwrap();
    let e = c.sign_in().unwrap_err().to_string();
    assert!(e.contains("AADSTS700024"), "{e}");
    assert_no_secret(&e);
}

#[test]
fn azure_arc_challenge_and_its_key_file() {
    let keys = std::env::temp_dir().join(format!("gwb-arc-keys-{}", std::process::id()));
    std::fs::create_dir_all(&keys).unwrap();
    let sim = Sim::start(&["--groups", "20", "--arc-key-dir", keys.to_str().unwrap()]);
    let endpoint = format!("{}/metadata/identity/oauth2/token", sim.base);
    let env = json!({"IDENTITY_ENDPOINT": endpoint, "IMDS_ENDPOINT": sim.base});

    // The key file is in the folder the agent uses: read, sent, signed in.
    let c = client(&sim, json!({"auth": "managedIdentity", "environment": env, "azureArcKeyDirectory": keys}), None).unwrap();
    c.sign_in().unwrap();
    reads_a_page(&c);
    assert_eq!(c.info().token_source.as_deref(), Some("azureArc"));

    // A challenge naming a file outside the allowed folder is refused: the
    // file is not read, nothing is sent back.
    let elsewhere = std::env::temp_dir().join(format!("gwb-arc-other-{}", std::process::id()));
    std::fs::create_dir_all(&elsewhere).unwrap();
    let c = client(&sim, json!({"auth": "managedIdentity", "environment": env, "azureArcKeyDirectory": elsewhere}), None).unwrap();
    let e = c.sign_in().unwrap_err().to_string();
    assert!(e.contains("Azure Arc challenge is refused") && e.contains("is not in"), "{e}");
    assert!(!e.contains("graph-sim-arc-key-"), "{e}");

    // Arc has only the system-assigned identity.
    let e = client(&sim, json!({"auth": "managedIdentity", "clientId": USER_IDENTITY, "environment": env, "azureArcKeyDirectory": keys}), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("system-assigned"), "{e}");
    let _ = std::fs::remove_dir_all(&keys);
    let _ = std::fs::remove_dir_all(&elsewhere);
}

#[test]
fn imds_being_updated_is_waited_for_and_the_wait_can_be_cancelled() {
    // IMDS answers 410 while it is updated (up to 70 s): the client waits
    // (3 s for the first) and asks again instead of failing.
    let sim = Sim::start(&["--groups", "20", "--imds-gone", "1"]);
    let env = json!({"AZURE_POD_IDENTITY_AUTHORITY_HOST": sim.base});
    let c = client(&sim, json!({"auth": "managedIdentity", "environment": env}), None).unwrap();
    c.sign_in().unwrap();
    reads_a_page(&c);
    let stats = sim.control("/_sim/stats");
    assert_eq!(stats["statusCounts"]["410"], 1, "{stats}");
    assert_eq!(stats["tokensIssued"], 1, "{stats}");

    // A longer update: the wait ends when the caller cancels (cancelled
    // again and again until sign_in returns, so the cancel cannot come
    // before the wait begins and be missed).
    let updating = Sim::start(&["--groups", "1", "--imds-gone", "1000"]);
    let env = json!({"AZURE_POD_IDENTITY_AUTHORITY_HOST": updating.base});
    let c = std::sync::Arc::new(client(&updating, json!({"auth": "managedIdentity", "environment": env}), None).unwrap());
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let canceller = {
        let (c, done) = (c.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                std::thread::sleep(std::time::Duration::from_millis(100));
                c.cancel();
            }
        })
    };
    let result = c.sign_in();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    canceller.join().unwrap();
    assert!(matches!(result, Err(GraphError::Cancelled)), "{result:?}");
}

#[test]
fn imds_is_tried_again_after_transient_failures() {
    // --fault-seed 5: the first request is answered 502, as IMDS may answer
    // while it starts; the second gets the token.
    let sim = Sim::start(&["--groups", "20", "--error-rate", "0.5", "--fault-seed", "5"]);
    let env = json!({"AZURE_POD_IDENTITY_AUTHORITY_HOST": sim.base});
    let c = client(&sim, json!({"auth": "managedIdentity", "environment": env, "maxRetries": 20}), None).unwrap();
    c.sign_in().unwrap();
    let stats = sim.control("/_sim/stats");
    assert_eq!(stats["faults"]["errors"], 1, "{stats}");
    assert_eq!(stats["tokensIssued"], 1, "{stats}");

    // Always failing: five requests (the first and four more), then the error.
    let down = Sim::start(&["--groups", "1", "--error-rate", "1"]);
    let env = json!({"AZURE_POD_IDENTITY_AUTHORITY_HOST": down.base});
    let c = client(&down, json!({"auth": "managedIdentity", "environment": env}), None).unwrap();
    let e = c.sign_in().unwrap_err().to_string();
    assert!(e.contains("50"), "{e}");
    assert_eq!(down.control("/_sim/stats")["faults"]["errors"], 5);
}
