//! Sign-in: a small HTTP/1.1 server in each test plays the Entra ID token and
//! devicecode endpoints; the provider's requests, caching, renewal, device
//! code polling and error handling are checked against it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use group_writeback::auth::{AuthError, AuthSettings, Cloud, Credential, TokenProvider};
use group_writeback::secret::Secret;
use tokio::net::TcpListener;
use tokio::time::Instant;
use url::Url;

// ---------------------------------------------------------------------------
// The test server

#[derive(Clone, Debug)]
struct Recorded {
    method: String,
    path: String,
    content_type: String,
    form: Vec<(String, String)>,
    at: Instant,
}

impl Recorded {
    fn field(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    fn field_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.form.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        names
    }
}

struct Reply {
    status: u16,
    body: String,
    headers: Vec<(String, String)>,
}

fn json(status: u16, body: serde_json::Value) -> Reply {
    Reply { status, body: body.to_string(), headers: vec![] }
}

fn oauth_error(status: u16, code: &str, description: &str) -> Reply {
    json(status, serde_json::json!({ "error": code, "error_description": description, "error_codes": [7000215] }))
}

fn token_reply(token: &str, expires_in: u64) -> Reply {
    json(200, serde_json::json!({ "token_type": "Bearer", "expires_in": expires_in, "ext_expires_in": expires_in, "access_token": token }))
}

type Handler = Arc<dyn Fn(&Recorded, usize) -> Reply + Send + Sync>;

struct Server {
    base: Url,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Server {
    fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
    fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

/// Serves on 127.0.0.1:0; `handler` gets each request and its index.
async fn serve(handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
    let handler: Handler = Arc::new(handler);
    let recorded = requests.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(s) => s,
                Err(_) => return,
            };
            let handler = handler.clone();
            let recorded = recorded.clone();
            tokio::spawn(async move {
                if let Some(request) = read_request(&stream).await {
                    let reply = {
                        let mut all = recorded.lock().unwrap();
                        let index = all.len();
                        all.push(request.clone());
                        drop(all);
                        handler(&request, index)
                    };
                    let mut head = format!(
                        "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                        reply.status,
                        reply.body.len()
                    );
                    for (k, v) in &reply.headers {
                        head.push_str(&format!("{k}: {v}\r\n"));
                    }
                    head.push_str("\r\n");
                    head.push_str(&reply.body);
                    write_all(&stream, head.as_bytes()).await;
                }
            });
        }
    });
    Server { base, requests }
}

async fn read_request(stream: &tokio::net::TcpStream) -> Option<Recorded> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_string();
            let length = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.trim().eq_ignore_ascii_case("content-length").then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                let mut first = head.lines().next()?.split(' ');
                let method = first.next()?.to_string();
                let path = first.next()?.to_string();
                let content_type = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.trim().eq_ignore_ascii_case("content-type").then(|| v.trim().to_string())
                    })
                    .unwrap_or_default();
                let body = &data[end + 4..end + 4 + length];
                let form = url::form_urlencoded::parse(body).into_owned().collect();
                return Some(Recorded { method, path, content_type, form, at: Instant::now() });
            }
        }
        stream.readable().await.ok()?;
        match stream.try_read(&mut buf) {
            Ok(0) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return None,
        }
    }
}

async fn write_all(stream: &tokio::net::TcpStream, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        if stream.writable().await.is_err() {
            return;
        }
        match stream.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return,
        }
    }
}

// ---------------------------------------------------------------------------
// Helpers

const TENANT: &str = "11111111-2222-3333-4444-555555555555";
const CLIENT: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const SCOPE: &str = "https://graph.microsoft.com/.default";
const CLIENT_SECRET: &str = "cs~SUPER-SECRET-client-secret-value";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/auth").join(name)
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name)).unwrap()
}

fn secret_settings(base: &Url) -> AuthSettings {
    AuthSettings {
        authority: base.clone(),
        scope: SCOPE.to_string(),
        credential: Credential::ClientSecret {
            tenant_id: TENANT.to_string(),
            client_id: CLIENT.to_string(),
            secret: Secret::from(CLIENT_SECRET),
        },
    }
}

fn cert_settings(base: &Url, key_file: &str, cert_file: &str) -> AuthSettings {
    AuthSettings {
        authority: base.clone(),
        scope: SCOPE.to_string(),
        credential: Credential::ClientCertificate {
            tenant_id: TENANT.to_string(),
            client_id: CLIENT.to_string(),
            private_key_pem: Secret::new(fixture(key_file)),
            certificate_pem: fixture(cert_file),
        },
    }
}

fn device_settings(base: &Url) -> AuthSettings {
    AuthSettings {
        authority: base.clone(),
        scope: SCOPE.to_string(),
        credential: Credential::DeviceCode { tenant_id: "organizations".to_string(), client_id: CLIENT.to_string() },
    }
}

fn token_path(tenant: &str) -> String {
    format!("/{tenant}/oauth2/v2.0/token")
}

fn invalid_message(result: Result<impl std::fmt::Debug, AuthError>) -> String {
    match result {
        Err(AuthError::InvalidCredential(m)) => m,
        other => panic!("expected InvalidCredential, got {other:?}"),
    }
}

fn assert_send_sync<T: Send + Sync>() {}

// ---------------------------------------------------------------------------
// Clouds and authorities

#[test]
fn clouds_table() {
    let table = [
        ("Global", Cloud::Global, "login.microsoftonline.com", "graph.microsoft.com"),
        ("USGov", Cloud::USGov, "login.microsoftonline.us", "graph.microsoft.us"),
        ("USGovDoD", Cloud::USGovDoD, "login.microsoftonline.us", "dod-graph.microsoft.us"),
        ("China", Cloud::China, "login.chinacloudapi.cn", "microsoftgraph.chinacloudapi.cn"),
    ];
    for (name, cloud, login, graph) in table {
        assert_eq!(Cloud::parse(name), Some(cloud));
        assert_eq!(Cloud::parse(&name.to_lowercase()), Some(cloud));
        assert_eq!(Cloud::parse(&name.to_uppercase()), Some(cloud));
        assert_eq!(cloud.name(), name);
        assert_eq!(cloud.login_host(), login);
        assert_eq!(cloud.graph_host(), graph);
    }
    for unknown in ["", "Public", "USGovernment", "Germany", "Global "] {
        if unknown.trim() == "Global" {
            assert_eq!(Cloud::parse(unknown), Some(Cloud::Global));
        } else {
            assert_eq!(Cloud::parse(unknown), None, "{unknown:?}");
        }
    }
}

#[test]
fn http_authority_only_for_loopback() {
    let with = |authority: &str| {
        TokenProvider::new(AuthSettings { authority: Url::parse(authority).unwrap(), ..secret_settings(&Url::parse("https://x/").unwrap()) })
    };
    for refused in [
        "http://login.microsoftonline.com/",
        "http://10.0.0.1/",
        "http://127.0.0.1.example.com/",
        "http://localhost.example.com/",
        "ftp://127.0.0.1/",
        "https://user:pw@login.microsoftonline.com/",
        "https://login.microsoftonline.com/?x=1",
    ] {
        match with(refused) {
            Err(AuthError::UntrustedUrl(u)) => assert!(u.starts_with(&refused[..6]), "{u}"),
            other => panic!("{refused}: expected UntrustedUrl, got {other:?}"),
        }
    }
    for accepted in [
        "https://login.microsoftonline.com/",
        "https://login.microsoftonline.us",
        "http://127.0.0.1:4000/",
        "http://127.8.9.10/",
        "http://localhost:4000/",
        "http://LOCALHOST:4000/",
        "http://[::1]:4000/",
        "http://[::ffff:127.0.0.1]:4000/",
        "http://127.0.0.1:4000/sim",
    ] {
        assert!(with(accepted).is_ok(), "{accepted}");
    }
}

#[test]
fn ids_are_checked() {
    let base = Url::parse("https://login.microsoftonline.com/").unwrap();
    let make = |tenant: &str, client: &str| {
        TokenProvider::new(AuthSettings {
            authority: base.clone(),
            scope: SCOPE.into(),
            credential: Credential::DeviceCode { tenant_id: tenant.into(), client_id: client.into() },
        })
    };
    assert!(make("contoso.onmicrosoft.com", CLIENT).is_ok());
    assert!(make("organizations", CLIENT).is_ok());
    for tenant in ["", "../other", "a/b", "t?x=1", "t#f", ".."] {
        assert!(invalid_message(make(tenant, CLIENT)).contains("tenant"), "{tenant:?}");
    }
    assert!(invalid_message(make(TENANT, " ")).contains("client id"));
    let empty_secret = TokenProvider::new(AuthSettings {
        authority: base.clone(),
        scope: SCOPE.into(),
        credential: Credential::ClientSecret { tenant_id: TENANT.into(), client_id: CLIENT.into(), secret: Secret::from("") },
    });
    assert!(invalid_message(empty_secret).contains("secret is empty"));
    let empty_scope = TokenProvider::new(AuthSettings { scope: " ".into(), ..secret_settings(&base) });
    assert!(invalid_message(empty_scope).contains("scope"));
}

#[test]
fn kinds_and_ids() {
    assert_send_sync::<TokenProvider>();
    let base = Url::parse("https://login.microsoftonline.com/").unwrap();
    let p = TokenProvider::new(secret_settings(&base)).unwrap();
    assert_eq!((p.kind(), p.tenant_id(), p.client_id()), ("clientSecret", Some(TENANT), Some(CLIENT)));
    let p = TokenProvider::new(cert_settings(&base, "test-only-key-pkcs8.pem", "test-only-cert.pem")).unwrap();
    assert_eq!((p.kind(), p.tenant_id(), p.client_id()), ("certificate", Some(TENANT), Some(CLIENT)));
    let p = TokenProvider::new(device_settings(&base)).unwrap();
    assert_eq!((p.kind(), p.tenant_id(), p.client_id()), ("deviceCode", Some("organizations"), Some(CLIENT)));
    let p = TokenProvider::new(AuthSettings {
        authority: base,
        scope: SCOPE.into(),
        credential: Credential::AccessToken(Secret::from("eyJ.abc.def")),
    })
    .unwrap();
    assert_eq!((p.kind(), p.tenant_id(), p.client_id()), ("accessToken", None, None));
}

// ---------------------------------------------------------------------------
// Client secret

#[tokio::test]
async fn client_secret_form_and_cache() {
    let server = serve(|_, n| token_reply(&format!("access-token-{n}"), 3599)).await;
    let provider = TokenProvider::new(secret_settings(&server.base)).unwrap();
    let http = http();
    let first = provider.token(&http).await.unwrap();
    let second = provider.token(&http).await.unwrap();
    assert_eq!(first.expose(), "access-token-0");
    assert_eq!(second.expose(), "access-token-0");
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "two token() calls, one request");
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, token_path(TENANT));
    assert_eq!(r.content_type, "application/x-www-form-urlencoded");
    assert_eq!(r.field_names(), ["client_id", "client_secret", "grant_type", "scope"]);
    assert_eq!(r.field("client_id"), Some(CLIENT));
    assert_eq!(r.field("client_secret"), Some(CLIENT_SECRET));
    assert_eq!(r.field("grant_type"), Some("client_credentials"));
    assert_eq!(r.field("scope"), Some(SCOPE));
}

#[tokio::test]
async fn concurrent_callers_share_one_request() {
    let server = serve(|_, n| token_reply(&format!("access-token-{n}"), 3599)).await;
    let provider = TokenProvider::new(secret_settings(&server.base)).unwrap();
    let http = http();
    let (a, b, c) = tokio::join!(provider.token(&http), provider.token(&http), provider.token(&http));
    assert_eq!([a.unwrap().expose(), b.unwrap().expose(), c.unwrap().expose()], ["access-token-0"; 3]);
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn refresh_drops_the_cache() {
    let server = serve(|_, n| token_reply(&format!("access-token-{n}"), 3599)).await;
    let provider = TokenProvider::new(secret_settings(&server.base)).unwrap();
    let http = http();
    assert_eq!(provider.token(&http).await.unwrap().expose(), "access-token-0");
    assert_eq!(provider.refresh(&http).await.unwrap().expose(), "access-token-1");
    assert_eq!(provider.token(&http).await.unwrap().expose(), "access-token-1");
    assert_eq!(server.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn renewed_five_minutes_before_expiry() {
    let server = serve(|_, n| token_reply(&format!("access-token-{n}"), 3599)).await;
    let provider = TokenProvider::new(secret_settings(&server.base)).unwrap();
    let http = http();
    provider.token(&http).await.unwrap();
    tokio::time::advance(Duration::from_secs(3599 - 300 - 2)).await;
    assert_eq!(provider.token(&http).await.unwrap().expose(), "access-token-0");
    assert_eq!(server.count(), 1);
    tokio::time::advance(Duration::from_secs(3)).await;
    assert_eq!(provider.token(&http).await.unwrap().expose(), "access-token-1");
    assert_eq!(server.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn short_tokens_renewed_at_ninety_percent() {
    let server = serve(|_, n| token_reply(&format!("access-token-{n}"), 100)).await;
    let provider = TokenProvider::new(secret_settings(&server.base)).unwrap();
    let http = http();
    provider.token(&http).await.unwrap();
    tokio::time::advance(Duration::from_secs(89)).await;
    assert_eq!(provider.token(&http).await.unwrap().expose(), "access-token-0");
    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(provider.token(&http).await.unwrap().expose(), "access-token-1");
}

#[tokio::test]
async fn expires_in_as_string_is_read() {
    let server = serve(|_, _| json(200, serde_json::json!({"token_type":"Bearer","expires_in":"3599","access_token":"t-string"}))).await;
    let provider = TokenProvider::new(secret_settings(&server.base)).unwrap();
    assert_eq!(provider.token(&http()).await.unwrap().expose(), "t-string");
}

#[tokio::test]
async fn absurd_lifetimes_do_not_overflow() {
    let server = serve(|_, n| json(200, serde_json::json!({"token_type":"Bearer","expires_in":u64::MAX,"access_token":format!("t{n}")}))).await;
    let provider = TokenProvider::new(secret_settings(&server.base)).unwrap();
    let http = http();
    assert_eq!(provider.token(&http).await.unwrap().expose(), "t0");
    assert_eq!(provider.token(&http).await.unwrap().expose(), "t0");
    let server = serve(|r, _| {
        if is_devicecode(r) {
            json(200, serde_json::json!({"user_code":"U","device_code":"D","verification_uri":"https://x/","expires_in":u64::MAX,"interval":u64::MAX}))
        } else {
            token_reply("t", 3599)
        }
    })
    .await;
    let provider = TokenProvider::new(device_settings(&server.base)).unwrap();
    let prompt = provider.device_code_begin(&http).await.unwrap();
    assert_eq!((prompt.expires_in, prompt.interval), (86400, 600));
    assert!(prompt.message.contains("https://x/") && prompt.message.contains('U'));
    assert!(!provider.device_code_wait(&http, Duration::ZERO).await.unwrap());
}

#[tokio::test]
async fn oauth_error_is_rejected_with_code_and_description() {
    let server = serve(|_, _| {
        oauth_error(
            401,
            "invalid_client",
            &format!("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent is the client secret value (got '{CLIENT_SECRET}'). Trace ID: 0"),
        )
    })
    .await;
    let provider = TokenProvider::new(secret_settings(&server.base)).unwrap();
    let e = provider.token(&http()).await.unwrap_err();
    match &e {
        AuthError::Rejected { code, description, status } => {
            assert_eq!(code, "invalid_client");
            assert!(description.starts_with("AADSTS7000215: Invalid client secret provided."), "{description}");
            assert!(!description.contains(CLIENT_SECRET), "the echoed secret is redacted: {description}");
            assert!(description.contains("[redacted]"));
            assert_eq!(*status, 401);
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    assert!(!format!("{e} {e:?}").contains(CLIENT_SECRET));
}

#[tokio::test]
async fn non_json_failure_is_rejected_and_quoted() {
    let server = serve(|_, _| Reply { status: 502, body: "<html>Bad Gateway</html>".into(), headers: vec![] }).await;
    let provider = TokenProvider::new(secret_settings(&server.base)).unwrap();
    match provider.token(&http()).await {
        Err(AuthError::Rejected { code, description, status: 502 }) => {
            assert_eq!(code, "unexpected_response");
            assert!(description.contains("Bad Gateway"));
        }
        other => panic!("expected Rejected 502, got {other:?}"),
    }
}

#[tokio::test]
async fn success_without_token_is_an_error() {
    let server = serve(|_, _| json(200, serde_json::json!({"token_type":"Bearer","expires_in":3599}))).await;
    let provider = TokenProvider::new(secret_settings(&server.base)).unwrap();
    match provider.token(&http()).await {
        Err(AuthError::Rejected { code, .. }) => assert_eq!(code, "invalid_response"),
        other => panic!("expected invalid_response, got {other:?}"),
    }
}

#[tokio::test]
async fn unreachable_endpoint_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    drop(listener);
    let provider = TokenProvider::new(secret_settings(&base)).unwrap();
    match provider.token(&http()).await {
        Err(AuthError::Network(m)) => {
            assert!(m.contains(&token_path(TENANT)), "{m}");
            assert!(!m.contains(CLIENT_SECRET));
        }
        other => panic!("expected Network, got {other:?}"),
    }
}

#[tokio::test]
async fn authority_with_a_path_prefix() {
    let server = serve(|_, _| token_reply("t", 3599)).await;
    let base = server.base.join("sim/entra").unwrap(); // no trailing slash: treated as a folder
    let provider = TokenProvider::new(secret_settings(&base)).unwrap();
    provider.token(&http()).await.unwrap();
    assert_eq!(server.requests()[0].path, format!("/sim/entra{}", token_path(TENANT)));
}

#[tokio::test]
async fn redirect_to_another_host_is_refused() {
    let other = serve(|_, _| token_reply("from-the-other-host", 3599)).await;
    let target = other.base.join(&token_path(TENANT)[1..]).unwrap().to_string();
    let server = serve(move |_, _| Reply { status: 302, body: String::new(), headers: vec![("Location".into(), target.clone())] }).await;
    let provider = TokenProvider::new(secret_settings(&server.base)).unwrap();
    // A client that follows redirects (reqwest's default).
    let following = reqwest::Client::new();
    match provider.token(&following).await {
        Err(AuthError::Network(m)) => assert!(m.contains("another host"), "{m}"),
        other => panic!("expected the redirect to be refused, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Caller-supplied access token

#[tokio::test]
async fn access_token_is_used_as_is_and_not_refreshable() {
    let provider = TokenProvider::new(AuthSettings {
        authority: Url::parse("https://login.microsoftonline.com/").unwrap(),
        scope: SCOPE.into(),
        credential: Credential::AccessToken(Secret::from("Bearer eyJ0eXAi.OiJKV1Qi.sig-ACCESS")),
    })
    .unwrap();
    let http = http();
    assert_eq!(provider.token(&http).await.unwrap().expose(), "eyJ0eXAi.OiJKV1Qi.sig-ACCESS");
    assert!(matches!(provider.refresh(&http).await, Err(AuthError::NotRefreshable)));
    assert!(matches!(provider.device_code_begin(&http).await, Err(AuthError::InvalidCredential(_))));
    for bad in ["", "  ", "two words"] {
        let r = TokenProvider::new(AuthSettings {
            authority: Url::parse("https://login.microsoftonline.com/").unwrap(),
            scope: SCOPE.into(),
            credential: Credential::AccessToken(Secret::from(bad)),
        });
        assert!(matches!(r, Err(AuthError::InvalidCredential(_))), "{bad:?}");
    }
}

// ---------------------------------------------------------------------------
// Certificate

fn b64url_decode(part: &str) -> Vec<u8> {
    base64::decode_config(part, base64::URL_SAFE_NO_PAD).unwrap()
}

/// Checks a client assertion: header, claims, RS256 signature with the
/// fixture's public key. Returns the claims.
fn check_assertion(assertion: &str, audience: &str) -> serde_json::Value {
    let parts: Vec<&str> = assertion.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: serde_json::Value = serde_json::from_slice(&b64url_decode(parts[0])).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&b64url_decode(parts[1])).unwrap();
    let expected_x5t = fixture("test-only-cert-x5t.txt");
    assert_eq!(header, serde_json::json!({"alg": "RS256", "typ": "JWT", "x5t": expected_x5t.trim()}));
    assert_eq!(claims["aud"], audience);
    assert_eq!(claims["iss"], CLIENT);
    assert_eq!(claims["sub"], CLIENT);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let iat = claims["iat"].as_u64().unwrap();
    assert!(iat <= now && now - iat < 60);
    assert_eq!(claims["nbf"].as_u64(), Some(iat));
    assert_eq!(claims["exp"].as_u64(), Some(iat + 600));
    assert_eq!(claims["jti"].as_str().unwrap().len(), 36);
    let public_key = std::fs::read(fixture_path("test-only-public-key-pkcs1.der")).unwrap();
    let message = format!("{}.{}", parts[0], parts[1]);
    ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, &public_key)
        .verify(message.as_bytes(), &b64url_decode(parts[2]))
        .expect("RS256 signature verifies with the certificate's public key");
    // A tampered message does not verify.
    assert!(ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, &public_key)
        .verify(format!("{message}x").as_bytes(), &b64url_decode(parts[2]))
        .is_err());
    claims
}

async fn certificate_flow(key_file: &str) {
    let server = serve(|_, n| token_reply(&format!("cert-token-{n}"), 3599)).await;
    let provider = TokenProvider::new(cert_settings(&server.base, key_file, "test-only-cert.pem")).unwrap();
    let http = http();
    assert_eq!(provider.token(&http).await.unwrap().expose(), "cert-token-0");
    assert_eq!(provider.refresh(&http).await.unwrap().expose(), "cert-token-1");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let audience = server.base.join(&token_path(TENANT)[1..]).unwrap().to_string();
    let mut ids = Vec::new();
    for r in &requests {
        assert_eq!(r.path, token_path(TENANT));
        assert_eq!(r.field_names(), ["client_assertion", "client_assertion_type", "client_id", "grant_type", "scope"]);
        assert_eq!(r.field("client_assertion_type"), Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
        assert_eq!(r.field("grant_type"), Some("client_credentials"));
        assert_eq!(r.field("client_id"), Some(CLIENT));
        assert_eq!(r.field("scope"), Some(SCOPE));
        let claims = check_assertion(r.field("client_assertion").unwrap(), &audience);
        ids.push(claims["jti"].as_str().unwrap().to_string());
    }
    assert_ne!(ids[0], ids[1], "each assertion has its own jti");
}

#[tokio::test]
async fn certificate_assertion_pkcs8() {
    certificate_flow("test-only-key-pkcs8.pem").await;
}

#[tokio::test]
async fn certificate_assertion_pkcs1() {
    certificate_flow("test-only-key-pkcs1.pem").await;
}

#[test]
fn certificate_problems_are_explained() {
    let base = Url::parse("https://login.microsoftonline.com/").unwrap();
    let check = |key: &str, cert: &str, expected: &str| {
        let m = invalid_message(TokenProvider::new(cert_settings(&base, key, cert)));
        assert!(m.contains(expected), "{key} + {cert}: {m}");
    };
    check("test-only-key-pkcs8.pem", "test-only-unrelated-cert.pem", "does not belong to the private key");
    check("test-only-ec-key.pem", "test-only-cert.pem", "not an RSA key");
    check("test-only-key-encrypted.pem", "test-only-cert.pem", "decrypt it");
    check("test-only-cert.pem", "test-only-cert.pem", "no private key found");
    check("test-only-key-pkcs8.pem", "test-only-key-pkcs8.pem", "no certificate found");
    // The certificate may be part of a chain; the matching one is used.
    let chain = format!("{}{}", fixture("test-only-unrelated-cert.pem"), fixture("test-only-cert.pem"));
    let settings = AuthSettings {
        authority: base.clone(),
        scope: SCOPE.into(),
        credential: Credential::ClientCertificate {
            tenant_id: TENANT.into(),
            client_id: CLIENT.into(),
            private_key_pem: Secret::new(fixture("test-only-key-pkcs1.pem")),
            certificate_pem: chain,
        },
    };
    assert!(TokenProvider::new(settings).is_ok());
    let garbage = AuthSettings {
        authority: base,
        scope: SCOPE.into(),
        credential: Credential::ClientCertificate {
            tenant_id: TENANT.into(),
            client_id: CLIENT.into(),
            private_key_pem: Secret::from("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n"),
            certificate_pem: fixture("test-only-cert.pem"),
        },
    };
    let m = invalid_message(TokenProvider::new(garbage));
    assert!(m.contains("malformed") || m.contains("no private key"), "{m}");
}

// ---------------------------------------------------------------------------
// Device code

fn device_code_reply(interval: u64, expires_in: u64) -> Reply {
    json(
        200,
        serde_json::json!({
            "user_code": "ABCD-EFGH",
            "device_code": "DEVICE-CODE-SECRET-0123456789",
            "verification_uri": "https://microsoft.com/devicelogin",
            "expires_in": expires_in,
            "interval": interval,
            "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD-EFGH to authenticate."
        }),
    )
}

fn is_devicecode(r: &Recorded) -> bool {
    r.path.ends_with("/oauth2/v2.0/devicecode")
}

#[tokio::test(start_paused = true)]
async fn device_code_pending_slow_down_then_signed_in() {
    // The device code polls are answered in order by this script.
    let script = Arc::new(Mutex::new(vec![
        oauth_error(400, "authorization_pending", "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending."),
        oauth_error(400, "slow_down", "slow down"),
        json(200, serde_json::json!({"token_type":"Bearer","expires_in":3599,"access_token":"device-token-1","refresh_token":"REFRESH-TOKEN-1"})),
    ]));
    let polls = script.clone();
    let server = serve(move |r, _| {
        if is_devicecode(r) {
            return device_code_reply(5, 900);
        }
        if r.field("grant_type") == Some("refresh_token") {
            return json(200, serde_json::json!({"token_type":"Bearer","expires_in":3599,"access_token":"device-token-2"}));
        }
        polls.lock().unwrap().remove(0)
    })
    .await;
    let provider = TokenProvider::new(device_settings(&server.base)).unwrap();
    let http = http();
    assert!(matches!(provider.token(&http).await, Err(AuthError::DeviceCodeNotStarted)));

    let prompt = provider.device_code_begin(&http).await.unwrap();
    assert_eq!(prompt.user_code, "ABCD-EFGH");
    assert_eq!(prompt.verification_uri, "https://microsoft.com/devicelogin");
    assert_eq!((prompt.expires_in, prompt.interval), (900, 5));
    assert!(prompt.message.contains("ABCD-EFGH"));
    assert!(matches!(provider.token(&http).await, Err(AuthError::DeviceCodeNotStarted)));

    assert!(provider.device_code_wait(&http, Duration::from_secs(120)).await.unwrap());
    assert!(script.lock().unwrap().is_empty());
    assert_eq!(provider.token(&http).await.unwrap().expose(), "device-token-1");

    let requests = server.requests();
    assert_eq!(requests.len(), 4, "devicecode + three polls");
    let begin = &requests[0];
    assert_eq!(begin.path, "/organizations/oauth2/v2.0/devicecode");
    assert_eq!(begin.field_names(), ["client_id", "scope"]);
    assert_eq!(begin.field("client_id"), Some(CLIENT));
    assert_eq!(begin.field("scope"), Some("https://graph.microsoft.com/.default offline_access"));
    let gaps: Vec<u64> = requests.windows(2).map(|w| (w[1].at - w[0].at).as_secs()).collect();
    assert_eq!(gaps, [5, 5, 10], "interval 5 s, then 5 + 5 after slow_down");
    for poll in &requests[1..] {
        assert_eq!(poll.path, "/organizations/oauth2/v2.0/token");
        assert_eq!(poll.field_names(), ["client_id", "device_code", "grant_type"]);
        assert_eq!(poll.field("grant_type"), Some("urn:ietf:params:oauth:grant-type:device_code"));
        assert_eq!(poll.field("device_code"), Some("DEVICE-CODE-SECRET-0123456789"));
        assert_eq!(poll.field("client_id"), Some(CLIENT));
    }

    // Waiting again once signed in: done at once.
    assert!(provider.device_code_wait(&http, Duration::from_secs(1)).await.unwrap());

    // After a 401: the refresh token is redeemed.
    assert_eq!(provider.refresh(&http).await.unwrap().expose(), "device-token-2");
    let requests = server.requests();
    let r = requests.last().unwrap();
    assert_eq!(r.field_names(), ["client_id", "grant_type", "refresh_token", "scope"]);
    assert_eq!(r.field("refresh_token"), Some("REFRESH-TOKEN-1"));
    assert_eq!(r.field("scope"), Some("https://graph.microsoft.com/.default offline_access"));
    // The first refresh token stays usable when the answer brings no new one.
    assert_eq!(provider.refresh(&http).await.unwrap().expose(), "device-token-2");
    assert_eq!(server.requests().last().unwrap().field("refresh_token"), Some("REFRESH-TOKEN-1"));
    assert!(!format!("{provider:?}").contains("REFRESH-TOKEN"));
}

#[tokio::test(start_paused = true)]
async fn device_code_wait_returns_false_when_max_wait_passes() {
    let server = serve(|r, _| {
        if is_devicecode(r) {
            device_code_reply(5, 900)
        } else {
            token_reply("device-token", 3599)
        }
    })
    .await;
    let provider = TokenProvider::new(device_settings(&server.base)).unwrap();
    let http = http();
    provider.device_code_begin(&http).await.unwrap();
    let started = Instant::now();
    assert!(!provider.device_code_wait(&http, Duration::from_secs(2)).await.unwrap());
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    assert_eq!(server.count(), 1, "no poll before the interval");
    assert!(provider.device_code_wait(&http, Duration::MAX).await.unwrap());
    assert_eq!(server.count(), 2);
    assert_eq!(provider.token(&http).await.unwrap().expose(), "device-token");
    // No refresh token was issued: a 401 means signing in again.
    assert!(matches!(provider.refresh(&http).await, Err(AuthError::NotRefreshable)));
}

#[tokio::test(start_paused = true)]
async fn device_code_expired() {
    let server = serve(|r, _| {
        if is_devicecode(r) {
            device_code_reply(5, 900)
        } else {
            oauth_error(400, "expired_token", "AADSTS70020: The provided value for the input parameter 'device_code' is not valid.")
        }
    })
    .await;
    let provider = TokenProvider::new(device_settings(&server.base)).unwrap();
    let http = http();
    provider.device_code_begin(&http).await.unwrap();
    assert!(matches!(provider.device_code_wait(&http, Duration::from_secs(60)).await, Err(AuthError::Expired)));
    assert!(matches!(provider.device_code_wait(&http, Duration::from_secs(60)).await, Err(AuthError::DeviceCodeNotStarted)));
    assert!(matches!(provider.token(&http).await, Err(AuthError::DeviceCodeNotStarted)));
}

#[tokio::test(start_paused = true)]
async fn device_code_expires_locally_without_polling_forever() {
    let server = serve(|r, _| {
        if is_devicecode(r) {
            device_code_reply(5, 12)
        } else {
            oauth_error(400, "authorization_pending", "pending")
        }
    })
    .await;
    let provider = TokenProvider::new(device_settings(&server.base)).unwrap();
    let http = http();
    provider.device_code_begin(&http).await.unwrap();
    assert!(matches!(provider.device_code_wait(&http, Duration::from_secs(600)).await, Err(AuthError::Expired)));
    assert!(server.count() <= 4);
}

#[tokio::test(start_paused = true)]
async fn device_code_declined() {
    let server = serve(|r, _| {
        if is_devicecode(r) {
            device_code_reply(5, 900)
        } else {
            oauth_error(400, "authorization_declined", "The end user denied the authorization request.")
        }
    })
    .await;
    let provider = TokenProvider::new(device_settings(&server.base)).unwrap();
    let http = http();
    provider.device_code_begin(&http).await.unwrap();
    match provider.device_code_wait(&http, Duration::from_secs(60)).await {
        Err(AuthError::Rejected { code, status: 400, .. }) => assert_eq!(code, "authorization_declined"),
        other => panic!("expected Rejected, got {other:?}"),
    }
}

#[tokio::test]
async fn device_code_not_started_and_wrong_credential() {
    let http = http();
    let provider = TokenProvider::new(device_settings(&Url::parse("http://127.0.0.1:9/").unwrap())).unwrap();
    assert!(matches!(provider.device_code_wait(&http, Duration::from_secs(1)).await, Err(AuthError::DeviceCodeNotStarted)));
    assert!(matches!(provider.refresh(&http).await, Err(AuthError::DeviceCodeNotStarted)));
    let secret = TokenProvider::new(secret_settings(&Url::parse("http://127.0.0.1:9/").unwrap())).unwrap();
    assert!(matches!(secret.device_code_begin(&http).await, Err(AuthError::InvalidCredential(_))));
}

#[tokio::test]
async fn device_code_begin_error_is_rejected() {
    let server = serve(|_, _| oauth_error(400, "unauthorized_client", "AADSTS700016: Application not found in the directory.")).await;
    let provider = TokenProvider::new(device_settings(&server.base)).unwrap();
    match provider.device_code_begin(&http()).await {
        Err(AuthError::Rejected { code, description, status: 400 }) => {
            assert_eq!(code, "unauthorized_client");
            assert!(description.starts_with("AADSTS700016"));
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Environment

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |name| map.get(name).cloned()
}

fn from_env(pairs: &[(&str, &str)]) -> Result<AuthSettings, AuthError> {
    AuthSettings::from_environment(
        &env_of(pairs),
        Url::parse("https://login.microsoftonline.com/").unwrap(),
        SCOPE.to_string(),
    )
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("group-writeback-auth-test-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn environment_client_secret() {
    let s = from_env(&[("AZURE_TENANT_ID", TENANT), ("AZURE_CLIENT_ID", CLIENT), ("AZURE_CLIENT_SECRET", CLIENT_SECRET)]).unwrap();
    assert_eq!(s.authority.as_str(), "https://login.microsoftonline.com/");
    assert_eq!(s.scope, SCOPE);
    match &s.credential {
        Credential::ClientSecret { tenant_id, client_id, secret } => {
            assert_eq!((tenant_id.as_str(), client_id.as_str(), secret.expose()), (TENANT, CLIENT, CLIENT_SECRET));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(TokenProvider::new(s).unwrap().kind(), "clientSecret");
}

#[test]
fn environment_certificate() {
    let path = fixture_path("test-only-key-and-cert.pem");
    let s = from_env(&[("AZURE_TENANT_ID", TENANT), ("AZURE_CLIENT_ID", CLIENT), ("AZURE_CLIENT_CERTIFICATE_PATH", path.to_str().unwrap())]).unwrap();
    match &s.credential {
        Credential::ClientCertificate { tenant_id, client_id, private_key_pem, certificate_pem } => {
            assert_eq!((tenant_id.as_str(), client_id.as_str()), (TENANT, CLIENT));
            assert!(private_key_pem.expose().starts_with("-----BEGIN PRIVATE KEY-----"));
            assert!(!private_key_pem.expose().contains("CERTIFICATE"));
            assert!(certificate_pem.starts_with("-----BEGIN CERTIFICATE-----"));
            assert!(!certificate_pem.contains("PRIVATE KEY"), "the key stays out of the plain String");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(TokenProvider::new(s).unwrap().kind(), "certificate");
}

#[test]
fn environment_secret_wins_over_certificate() {
    let path = fixture_path("test-only-key-and-cert.pem");
    let s = from_env(&[
        ("AZURE_TENANT_ID", TENANT),
        ("AZURE_CLIENT_ID", CLIENT),
        ("AZURE_CLIENT_SECRET", CLIENT_SECRET),
        ("AZURE_CLIENT_CERTIFICATE_PATH", path.to_str().unwrap()),
    ])
    .unwrap();
    assert!(matches!(s.credential, Credential::ClientSecret { .. }));
}

#[test]
fn environment_authority_host() {
    let base = [("AZURE_TENANT_ID", TENANT), ("AZURE_CLIENT_ID", CLIENT), ("AZURE_CLIENT_SECRET", CLIENT_SECRET)];
    for (host, expected) in [
        ("https://login.microsoftonline.us", "https://login.microsoftonline.us/"),
        ("https://login.microsoftonline.us/", "https://login.microsoftonline.us/"),
        ("login.chinacloudapi.cn", "https://login.chinacloudapi.cn/"),
        ("http://127.0.0.1:4000", "http://127.0.0.1:4000/"),
        ("", "https://login.microsoftonline.com/"),
    ] {
        let mut pairs = base.to_vec();
        pairs.push(("AZURE_AUTHORITY_HOST", host));
        assert_eq!(from_env(&pairs).unwrap().authority.as_str(), expected, "{host:?}");
    }
    let mut pairs = base.to_vec();
    pairs.push(("AZURE_AUTHORITY_HOST", "http://login.example.com"));
    assert!(matches!(from_env(&pairs), Err(AuthError::UntrustedUrl(_))));
}

#[test]
fn environment_incomplete_or_unsupported() {
    let m = invalid_message(from_env(&[]));
    assert!(m.contains("no sign-in settings") && m.contains("AZURE_CLIENT_SECRET"), "{m}");
    let m = invalid_message(from_env(&[("AZURE_TENANT_ID", ""), ("AZURE_CLIENT_SECRET", "")]));
    assert!(m.contains("no sign-in settings"), "empty values count as unset: {m}");
    let m = invalid_message(from_env(&[("AZURE_TENANT_ID", TENANT), ("AZURE_CLIENT_ID", CLIENT)]));
    assert!(m.contains("no credential") && m.contains("AZURE_CLIENT_CERTIFICATE_PATH"), "{m}");
    let m = invalid_message(from_env(&[("AZURE_CLIENT_ID", CLIENT), ("AZURE_CLIENT_SECRET", CLIENT_SECRET)]));
    assert!(m.contains("AZURE_TENANT_ID is missing"), "{m}");
    let m = invalid_message(from_env(&[("AZURE_TENANT_ID", TENANT), ("AZURE_CLIENT_SECRET", CLIENT_SECRET)]));
    assert!(m.contains("AZURE_CLIENT_ID is missing"), "{m}");
    let m = invalid_message(from_env(&[("AZURE_CLIENT_SECRET", CLIENT_SECRET)]));
    assert!(m.contains("AZURE_TENANT_ID and AZURE_CLIENT_ID are missing"), "{m}");
    assert!(!m.contains(CLIENT_SECRET));
    let m = invalid_message(from_env(&[("AZURE_TENANT_ID", TENANT), ("AZURE_CLIENT_ID", CLIENT), ("AZURE_USERNAME", "u@contoso.com"), ("AZURE_PASSWORD", "pw-secret")]));
    assert!(m.contains("not supported") && !m.contains("pw-secret"), "{m}");
}

#[test]
fn environment_certificate_files_refused_with_advice() {
    let with_path = |path: &str, password: Option<&str>| {
        let mut pairs = vec![("AZURE_TENANT_ID", TENANT), ("AZURE_CLIENT_ID", CLIENT), ("AZURE_CLIENT_CERTIFICATE_PATH", path)];
        if let Some(p) = password {
            pairs.push(("AZURE_CLIENT_CERTIFICATE_PASSWORD", p));
        }
        invalid_message(from_env(&pairs))
    };
    let pfx = fixture_path("test-only-bundle.pfx");
    let m = with_path(pfx.to_str().unwrap(), Some("test-only"));
    assert!(m.contains("PKCS#12") && m.contains("openssl pkcs12") && m.contains("PEM"), "{m}");
    // The same bytes under another name are recognised too.
    let disguised = temp_file("bundle.pem", &std::fs::read(&pfx).unwrap());
    let m = with_path(disguised.to_str().unwrap(), None);
    assert!(m.contains("PKCS#12") && m.contains("openssl pkcs12"), "{m}");
    std::fs::remove_file(disguised).ok();

    let encrypted = fixture_path("test-only-encrypted-key-and-cert.pem");
    let m = with_path(encrypted.to_str().unwrap(), Some("test-only"));
    assert!(m.contains("encrypted") && m.contains("openssl pkey"), "{m}");
    assert!(!m.contains("test-only\""), "{m}");

    let m = with_path("/nonexistent/group-writeback/cert.pem", None);
    assert!(m.contains("cannot read") && m.contains("/nonexistent/group-writeback/cert.pem"), "{m}");

    let cert_only = fixture_path("test-only-cert.pem");
    assert!(with_path(cert_only.to_str().unwrap(), None).contains("no private key found"));
    let key_only = fixture_path("test-only-key-pkcs8.pem");
    assert!(with_path(key_only.to_str().unwrap(), None).contains("no certificate found"));
    let mismatched = temp_file(
        "mismatch.pem",
        format!("{}{}", fixture("test-only-key-pkcs8.pem"), fixture("test-only-unrelated-cert.pem")).as_bytes(),
    );
    let m = with_path(mismatched.to_str().unwrap(), None);
    std::fs::remove_file(&mismatched).ok();
    assert!(m.contains("does not belong"), "{m}");
}

// ---------------------------------------------------------------------------
// Nothing secret in Debug or Display

#[tokio::test]
async fn debug_output_never_holds_secrets() {
    const ACCESS: &str = "eyJ0eXAiOiJKV1Qi.ACCESS-TOKEN-BODY.sig";
    const ISSUED: &str = "ISSUED-ACCESS-TOKEN-0123456789";
    let key_pem = fixture("test-only-key-pkcs8.pem");
    let key_body: String = key_pem.lines().nth(1).unwrap().to_string();
    let server = serve(|_, _| token_reply(ISSUED, 3599)).await;

    let settings = [
        secret_settings(&server.base),
        cert_settings(&server.base, "test-only-key-pkcs8.pem", "test-only-cert.pem"),
        AuthSettings { authority: server.base.clone(), scope: SCOPE.into(), credential: Credential::AccessToken(Secret::from(ACCESS)) },
        device_settings(&server.base),
    ];
    let forbidden = [CLIENT_SECRET, ACCESS, ISSUED, key_body.as_str(), "PRIVATE KEY"];
    let check = |text: String| {
        for f in forbidden {
            assert!(!text.contains(f), "{f} leaked in {text}");
        }
    };
    let http = http();
    for s in settings {
        check(format!("{s:?} {:?} {:#?}", s.credential, s));
        let provider = TokenProvider::new(s).unwrap();
        let _ = provider.token(&http).await;
        check(format!("{provider:?} {provider:#?}"));
    }
    let errors = [
        AuthError::Network("x".into()),
        AuthError::Rejected { code: "invalid_client".into(), description: "d".into(), status: 401 },
        AuthError::Expired,
        AuthError::NotRefreshable,
        AuthError::InvalidCredential("x".into()),
        AuthError::UntrustedUrl("http://x/".into()),
        AuthError::DeviceCodeNotStarted,
    ];
    for e in errors {
        check(format!("{e} {e:?}"));
    }
    // Errors from a server that echoes what it was sent.
    let echo = serve(|r, _| oauth_error(400, "invalid_request", &format!("{:?}", r.form))).await;
    for s in [secret_settings(&echo.base), cert_settings(&echo.base, "test-only-key-pkcs8.pem", "test-only-cert.pem")] {
        let provider = TokenProvider::new(s).unwrap();
        let e = provider.token(&http).await.unwrap_err();
        let text = format!("{e} {e:?}");
        check(text.clone());
        assert!(!text.contains("eyJhbGciOiJSUzI1NiI"), "the client assertion is redacted: {text}");
    }
}

#[test]
fn certificate_file_helper_splits_and_checks() {
    let path = fixture_path("test-only-key-and-cert.pem");
    let (key, cert) = group_writeback::auth::read_certificate_file(path.to_str().unwrap()).unwrap();
    assert!(key.expose().contains("BEGIN PRIVATE KEY") && !cert.contains("PRIVATE KEY"));
    let m = invalid_message(group_writeback::auth::read_certificate_file(fixture_path("test-only-bundle.pfx").to_str().unwrap()));
    assert!(m.starts_with("certificate file ") && m.contains("openssl pkcs12"), "{m}");
}
