//! Browser sign-in (authorization code with PKCE) end to end against
//! graph-sim, with graph-sim itself as the browser (`graph-sim URL` GETs the
//! authorize URL and follows its redirect to the library's loopback
//! listener): sign in and list groups, a code bound to another challenge,
//! a redirect with another state, a sign-in that never comes back, renewal
//! with the refresh token after the access token expired, and the fallback
//! to device code where no browser can be opened.

mod common;

use common::*;
use group_writeback::graph::{Client, ClientOptions, GraphError};
use group_writeback::domain::WritebackState;
use group_writeback::listing::ListOptions;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn options(base: &str, extra: Value) -> ClientOptions {
    let mut v = json!({
        "endpoint": base,
        "auth": "browser",
        "tenantId": TENANT,
        "browserCommand": sim_binary().to_string_lossy(),
        "environment": {},
    });
    for (k, val) in extra.as_object().unwrap() {
        v[k] = val.clone();
    }
    serde_json::from_value(v).unwrap()
}

fn count_groups(client: &Client) -> Result<usize, GraphError> {
    Ok(list_all(client, ListOptions::default())?.len())
}

#[test]
fn signs_in_through_the_browser_and_lists_groups() {
    let sim = Sim::start(&["--groups", "30", "--throttle", "off"]);
    let client = Client::new(options(&sim.base, json!({})), None).unwrap();
    let info = client.info();
    assert_eq!(info.auth, "browser");
    assert_eq!(info.client_id.as_deref(), Some(group_writeback::auth::DEFAULT_PUBLIC_CLIENT_ID));
    assert_eq!(info.notice, None);
    client.sign_in().expect("signed in through the stand-in browser");
    assert_eq!(count_groups(&client).unwrap(), 30);
    assert_eq!(sim.stats()["tokensIssued"], 1, "one sign-in, its token reused");
}

#[test]
fn asks_for_the_delegated_scopes_given_and_group_read_write_by_default() {
    let sim = Sim::start(&["--groups", "40", "--seed", "5", "--throttle", "off"]);
    let first = |client: &Client| {
        list_all(client, ListOptions::default())
            .unwrap()
            .into_iter()
            .find(|g| g["kind"] == "microsoft365" && g["isSynced"] == false && g["writebackConfiguration"]["isEnabled"] != false)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // By default Group.ReadWrite.All (least privileged to update a group),
    // in the client's Graph resource: the token may write.
    let client = Client::new(options(&sim.base, json!({})), None).unwrap();
    let default_scopes = client.info().scopes.clone().unwrap();
    assert_eq!(default_scopes, [format!("{}/Group.ReadWrite.All", sim.base.trim_end_matches('/'))]);
    client.sign_in().unwrap();
    let id = first(&client);
    client.set_group_state(&id, WritebackState::NoWriteback).unwrap();

    // -Scopes Group.Read.All: the token reads and may not write (403).
    let reader = Client::new(options(&sim.base, json!({"scopes": ["Group.Read.All", "offline_access", "group.read.all"]})), None).unwrap();
    assert_eq!(reader.info().scopes.clone().unwrap(), [format!("{}/Group.Read.All", sim.base.trim_end_matches('/'))]);
    reader.sign_in().unwrap();
    let err = reader.set_group_state(&first(&reader), WritebackState::Security).unwrap_err();
    assert_eq!(err.http_status(), Some(403), "{err:?}");

    // Full URIs and OpenID scopes are kept as they are.
    let c = Client::new(options(&sim.base, json!({"scopes": ["https://graph.microsoft.com/Group.Read.All", "openid"]})), None).unwrap();
    assert_eq!(c.info().scopes.clone().unwrap(), ["https://graph.microsoft.com/Group.Read.All", "openid"]);

    // Device code takes them too; an app or a managed identity does not.
    let dc = Client::new(options(&sim.base, json!({"auth": "deviceCode", "scopes": ["Group.Read.All"]})), None).unwrap();
    assert_eq!(dc.info().scopes.clone().unwrap().len(), 1);
    for (extra, secret) in [
        (json!({"auth": "clientSecret", "clientId": CLIENT_ID, "scopes": ["Group.Read.All"]}), Some("x")),
        (json!({"auth": "managedIdentity", "scopes": ["Group.Read.All"]}), None),
    ] {
        let e = Client::new(options(&sim.base, extra), secret.map(group_writeback::secret::Secret::from)).unwrap_err();
        assert!(matches!(&e, GraphError::InvalidArgument(m) if m.contains("'scopes' applies to a person's sign-in")), "{e:?}");
    }
    // Bad scopes: said before anything is sent.
    for bad in [json!([]), json!([""]), json!(["Group.Read.All Group.ReadWrite.All"]), json!(["a\"b"]), json!(["offline_access"])] {
        let e = Client::new(options(&sim.base, json!({"scopes": bad})), None).unwrap_err();
        assert!(matches!(&e, GraphError::InvalidArgument(m) if m.contains("scope")), "{bad}: {e:?}");
    }
}

#[cfg(not(windows))]
#[test]
fn a_token_cache_is_refused_where_it_cannot_be_protected() {
    let sim = Sim::start(&["--groups", "3", "--throttle", "off"]);
    let path = std::env::temp_dir().join(format!("gwb-browser-cache-{}", std::process::id())).join("TokenCache.dat");
    for extra in [json!({"tokenCache": path}), json!({"auth": "deviceCode", "tokenCache": path})] {
        let e = Client::new(options(&sim.base, extra), None).unwrap_err();
        assert!(matches!(&e, GraphError::InvalidArgument(m) if m.contains("DPAPI") && m.contains("only Windows")), "{e:?}");
    }
    assert!(!path.exists() && !path.parent().unwrap().exists(), "nothing is written");
}

#[cfg(windows)]
#[test]
fn a_token_cache_keeps_the_sign_in_between_sessions() {
    let sim = Sim::start(&["--groups", "7", "--throttle", "off"]);
    let dir = std::env::temp_dir().join(format!("gwb-browser-cache-{}", std::process::id()));
    let path = dir.join("TokenCache.dat");
    let first = Client::new(options(&sim.base, json!({"tokenCache": path})), None).unwrap();
    assert_eq!(first.info().token_cache.as_deref(), Some(path.display().to_string().as_str()));
    first.sign_in().unwrap();
    assert_eq!(count_groups(&first).unwrap(), 7);
    drop(first);
    let raw = std::fs::read(&path).expect("the cache was written");
    assert!(!raw.windows(7).any(|w| w == b"gsim-rt"), "the refresh token is not in the file in clear");

    // A new session whose browser cannot even start: the kept refresh token signs in.
    let no_browser = dir.join("no-such-browser.exe");
    let second = Client::new(options(&sim.base, json!({"tokenCache": path, "browserCommand": no_browser})), None).unwrap();
    second.sign_in().expect("signed in from the token cache");
    assert_eq!(count_groups(&second).unwrap(), 7);
    // Device code with the same client and scopes: no code to enter.
    let device = Client::new(options(&sim.base, json!({"auth": "deviceCode", "tokenCache": path})), None).unwrap();
    device.sign_in().expect("signed in from the token cache");
    // Other scopes are another sign-in: nothing kept for them.
    let other = Client::new(options(&sim.base, json!({"tokenCache": path, "browserCommand": no_browser, "scopes": ["Group.Read.All"]})), None).unwrap();
    assert!(other.sign_in().is_err());
    // An app signs in again by itself: no cache.
    let e = Client::new(
        options(&sim.base, json!({"auth": "clientSecret", "clientId": CLIENT_ID, "tokenCache": path})),
        Some(group_writeback::secret::Secret::from(CLIENT_SECRET)),
    )
    .unwrap_err();
    assert!(matches!(&e, GraphError::InvalidArgument(m) if m.contains("a token cache keeps a person's sign-in")), "{e:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_client_id_given_wins() {
    let sim = Sim::start(&["--groups", "3", "--throttle", "off"]);
    let client = Client::new(options(&sim.base, json!({"clientId": CLIENT_ID})), None).unwrap();
    assert_eq!(client.info().client_id.as_deref(), Some(CLIENT_ID));
    client.sign_in().unwrap();
    assert_eq!(count_groups(&client).unwrap(), 3);
}

#[test]
fn a_verifier_that_does_not_match_the_challenge_is_refused() {
    let sim = Sim::start(&["--groups", "3", "--throttle", "off", "--authorize-fault", "challenge"]);
    let client = Client::new(options(&sim.base, json!({})), None).unwrap();
    let err = client.sign_in().unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, GraphError::Auth(_)), "{:?}", err);
    assert!(text.contains("invalid_grant") && text.contains("AADSTS501481"), "{}", text);
    assert!(!text.contains("gsim-code"), "the code is not shown: {}", text);
    assert_eq!(sim.stats()["tokensIssued"], 0);
}

#[test]
fn a_redirect_with_another_state_is_refused() {
    let sim = Sim::start(&["--groups", "3", "--throttle", "off", "--authorize-fault", "state"]);
    let client = Client::new(options(&sim.base, json!({})), None).unwrap();
    let err = client.sign_in().unwrap_err();
    assert!(err.to_string().contains("state"), "{}", err);
    assert_eq!(sim.stats()["tokensIssued"], 0, "the code was not exchanged");
}

#[test]
fn a_declined_sign_in_says_so() {
    let sim = Sim::start(&["--groups", "3", "--throttle", "off", "--authorize-fault", "deny"]);
    let client = Client::new(options(&sim.base, json!({})), None).unwrap();
    let err = client.sign_in().unwrap_err().to_string();
    assert!(err.contains("access_denied") && err.contains("AADSTS65004"), "{}", err);
}

#[test]
fn a_sign_in_that_never_comes_back_times_out() {
    let sim = Sim::start(&["--groups", "3", "--throttle", "off", "--authorize-fault", "hang"]);
    let client = Client::new(options(&sim.base, json!({"browserTimeoutSeconds": 2})), None).unwrap();
    let started = Instant::now();
    let err = client.sign_in().unwrap_err().to_string();
    assert!(err.contains("did not come back") && err.contains("within 2 s"), "{}", err);
    assert!(started.elapsed() >= Duration::from_secs(2), "waited the timeout");
}

#[test]
fn a_browser_program_that_cannot_start_is_an_error() {
    let sim = Sim::start(&["--groups", "3", "--throttle", "off"]);
    let client =
        Client::new(options(&sim.base, json!({"browserCommand": "/nonexistent/gwb-no-such-browser"})), None).unwrap();
    let err = client.sign_in().unwrap_err().to_string();
    assert!(err.contains("cannot start the browser") && err.contains("GWB_BROWSER"), "{}", err);
}

#[test]
fn the_refresh_token_renews_the_access_token_after_it_expires() {
    let sim = Sim::start(&["--groups", "20", "--throttle", "off", "--token-lifetime", "2"]);
    let client = Client::new(options(&sim.base, json!({})), None).unwrap();
    client.sign_in().unwrap();
    assert_eq!(count_groups(&client).unwrap(), 20);
    std::thread::sleep(Duration::from_millis(2500));
    // A second browser sign-in is never made (the provider refuses one once
    // signed in): this read succeeds only through the refresh token.
    assert_eq!(count_groups(&client).unwrap(), 20);
    let issued = sim.stats()["tokensIssued"].as_u64().unwrap();
    assert!(issued >= 2, "renewed: {} tokens", issued);
}

#[test]
fn no_browser_falls_back_to_device_code_and_says_why() {
    let sim = Sim::start(&["--groups", "5", "--throttle", "off", "--auto-approve-after", "0", "--device-code-interval", "1"]);
    for (env, why) in [
        (json!({"SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 22"}), "SSH session"),
        (json!({"DISPLAY": "", "WAYLAND_DISPLAY": ""}), "no display"),
    ] {
        if why == "no display" && (cfg!(windows) || cfg!(target_os = "macos") || std::env::var_os("SSH_CONNECTION").is_some()) {
            continue;
        }
        let opts = options(&sim.base, json!({"browserCommand": null, "environment": env}));
        let client = Client::new(opts, None).unwrap();
        let info = client.info();
        assert_eq!(info.auth, "deviceCode", "{}", why);
        let notice = info.notice.clone().expect("a notice");
        assert!(notice.contains(why) && notice.contains("device code"), "{}", notice);
        let prompt = client.device_code_begin().unwrap();
        assert!(prompt.message.starts_with(&notice), "{}", prompt.message);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match client.device_code_wait(Duration::from_secs(5)) {
                Ok(()) => break,
                Err(GraphError::Pending) if Instant::now() < deadline => continue,
                Err(e) => panic!("{}", e),
            }
        }
        assert_eq!(count_groups(&client).unwrap(), 5);
    }
}

#[test]
fn cancel_stops_a_sign_in_that_waits_for_the_browser() {
    let sim = Sim::start(&["--groups", "3", "--throttle", "off", "--authorize-fault", "hang"]);
    let client = std::sync::Arc::new(Client::new(options(&sim.base, json!({})), None).unwrap());
    let canceller = {
        let client = client.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(500));
            client.cancel();
        })
    };
    let started = Instant::now();
    let err = client.sign_in().unwrap_err();
    canceller.join().unwrap();
    assert!(matches!(err, GraphError::Cancelled), "{:?}", err);
    assert!(started.elapsed() < Duration::from_secs(60), "not the 300 s timeout");
}

#[test]
fn device_code_keeps_its_refresh_token_too() {
    let sim = Sim::start(&[
        "--groups", "4", "--throttle", "off", "--token-lifetime", "2", "--auto-approve-after", "0", "--device-code-interval", "1",
    ]);
    let opts = options(&sim.base, json!({"auth": "deviceCode", "browserCommand": null}));
    let client = Client::new(opts, None).unwrap();
    client.device_code_begin().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match client.device_code_wait(Duration::from_secs(5)) {
            Ok(()) => break,
            Err(GraphError::Pending) if Instant::now() < deadline => continue,
            Err(e) => panic!("{}", e),
        }
    }
    assert_eq!(count_groups(&client).unwrap(), 4);
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(count_groups(&client).unwrap(), 4, "renewed with the refresh token");
    assert!(sim.stats()["tokensIssued"].as_u64().unwrap() >= 2);
}
