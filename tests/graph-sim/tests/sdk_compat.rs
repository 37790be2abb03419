//! What Microsoft's own clients need of graph-sim (tests/sdk-conformance
//! runs the real ones): https with `--tls-cert`/`--tls-key`, since
//! Azure.Identity and MSAL insist on an https authority, and client
//! assertions as MSAL.NET writes them (`exp`/`nbf` as strings of digits).

mod common;
use common::*;
use graph_sim::auth::{DEFAULT_CLIENT_ID, DEFAULT_TENANT_ID};
use graph_sim::Config;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::rustls;

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata")).join(name)
}

fn tls_sim() -> graph_sim::Running {
    sim(5, 1, |c| {
        c.tls_cert = Some(testdata("tls-cert.pem"));
        c.tls_key = Some(testdata("tls-key.pem"));
    })
}

/// One request over TLS to `base` (https://127.0.0.1:PORT), trusting only
/// testdata/tls-cert.pem, with the server name `localhost`.
fn https_get(base: &str, path: &str, headers: &[(&str, &str)]) -> Result<(u16, String), String> {
    let host = base.strip_prefix("https://").expect("an https base URL");
    let pem = std::fs::read(testdata("tls-cert.pem")).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for der in rustls_pemfile::certs(&mut &pem[..]).unwrap() {
        roots.add(&rustls::Certificate(der)).unwrap();
    }
    let config = rustls::ClientConfig::builder().with_safe_defaults().with_root_certificates(roots).with_no_client_auth();
    let name = rustls::ServerName::try_from("localhost").unwrap();
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
    let mut tcp = TcpStream::connect(host).map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    let mut req = format!("GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", path, host);
    for (k, v) in headers {
        req.push_str(&format!("{}: {}\r\n", k, v));
    }
    req.push_str("\r\n");
    tls.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    // A peer that closes without close_notify is an UnexpectedEof after the data.
    if let Err(e) = tls.read_to_end(&mut raw) {
        if e.kind() != std::io::ErrorKind::UnexpectedEof || raw.is_empty() {
            return Err(e.to_string());
        }
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).ok_or_else(|| format!("no status line: {:?}", text))?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

#[test]
fn serves_https_with_the_given_certificate() {
    let r = tls_sim();
    assert!(r.base_url.starts_with("https://127.0.0.1:"), "{}", r.base_url);
    let (status, body) = https_get(&r.base_url, "/_sim/health", &[]).unwrap();
    assert_eq!((status, body.as_str()), (200, "ok"));
    // Graph answers over TLS as over plain HTTP.
    let (status, body) = https_get(&r.base_url, "/beta/groups?$top=2&$select=id", &[("Authorization", &format!("Bearer {}", TOKEN))]).unwrap();
    assert_eq!(status, 200, "{}", body);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["value"].as_array().map(Vec::len), Some(2));
    // A plain-HTTP request on the TLS port gets no HTTP answer.
    let plain = try_send("GET", &format!("http://{}/_sim/health", r.addr), &[], None);
    assert!(plain.is_err() || plain.as_ref().unwrap().status != 200, "{:?}", plain);
}

#[test]
fn tls_flags_are_checked() {
    let parsed = Config::from_args(["--tls-cert", "c.pem", "--tls-key", "k.pem"].iter().map(|s| s.to_string())).unwrap().unwrap();
    assert_eq!(parsed.tls_cert, Some(PathBuf::from("c.pem")));
    assert_eq!(parsed.tls_key, Some(PathBuf::from("k.pem")));
    let start = |cert: Option<PathBuf>, key: Option<PathBuf>| {
        let c = Config { groups: Some(1), tls_cert: cert, tls_key: key, ..Config::default() };
        graph_sim::start(c).map(|_| ())
    };
    let e = start(Some(testdata("tls-cert.pem")), None).unwrap_err();
    assert!(e.contains("go together"), "{}", e);
    let e = start(Some(testdata("tls-cert.pem")), Some(testdata("no-such-key.pem"))).unwrap_err();
    assert!(e.contains("no-such-key.pem"), "{}", e);
    // A key file without a key (the certificate given twice).
    let e = start(Some(testdata("tls-cert.pem")), Some(testdata("tls-cert.pem"))).unwrap_err();
    assert!(e.contains("no PRIVATE KEY"), "{}", e);
    // A certificate file without a certificate.
    let e = start(Some(testdata("tls-key.pem")), Some(testdata("tls-key.pem"))).unwrap_err();
    assert!(e.contains("no CERTIFICATE"), "{}", e);
}

fn pem_der(path: &std::path::Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap();
    let b64: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::decode(b64).unwrap()
}

/// A client assertion signed with the default app's test key, with the
/// given `exp` and `nbf` claim values.
fn assertion(aud: &str, exp: Value, nbf: Value) -> String {
    let b64 = |v: &Value| base64::encode_config(v.to_string(), base64::URL_SAFE_NO_PAD);
    let header = b64(&json!({"alg": "RS256", "typ": "JWT"}));
    let claims = b64(&json!({"aud": aud, "iss": DEFAULT_CLIENT_ID, "sub": DEFAULT_CLIENT_ID, "jti": "1", "nbf": nbf, "exp": exp}));
    let signing_input = format!("{}.{}", header, claims);
    let key = ring::signature::RsaKeyPair::from_pkcs8(&pem_der(&testdata("client-assertion-key.pem"))).unwrap();
    let mut sig = vec![0u8; key.public_modulus_len()];
    key.sign(&ring::signature::RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), signing_input.as_bytes(), &mut sig).unwrap();
    format!("{}.{}", signing_input, base64::encode_config(sig, base64::URL_SAFE_NO_PAD))
}

#[test]
fn client_assertion_times_as_strings_as_msal_dotnet_writes_them() {
    let r = sim(1, 1, |_| {});
    let aud = format!("{}/{}/oauth2/v2.0/token", r.base_url, DEFAULT_TENANT_ID);
    let call = |jwt: &str| {
        let form = [
            ("client_id", DEFAULT_CLIENT_ID),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", jwt),
            ("scope", "https://graph.microsoft.com/.default"),
            ("grant_type", "client_credentials"),
        ]
        .iter()
        .map(|(k, v)| format!("{}={}", k, enc(v)))
        .collect::<Vec<_>>()
        .join("&");
        send("POST", &aud, &[("Content-Type", "application/x-www-form-urlencoded")], Some(form.as_bytes()))
    };
    let now = graph_sim::util::unix_now() as i64;
    // As numbers (RFC 7519) and as strings of digits (MSAL.NET).
    let ok = call(&assertion(&aud, json!(now + 600), json!(now)));
    assert_eq!(ok.status, 200, "{}", ok.text());
    let ok = call(&assertion(&aud, json!((now + 600).to_string()), json!(now.to_string())));
    assert_eq!(ok.status, 200, "{}", ok.text());
    // Expired, or not yet valid, as strings too; and a string that is no time.
    for (exp, nbf, why) in [
        (json!((now - 60).to_string()), json!((now - 600).to_string()), "expired"),
        (json!((now + 3600).to_string()), json!((now + 1800).to_string()), "not yet valid"),
        (json!("soon"), json!(now), "not a time"),
    ] {
        let resp = call(&assertion(&aud, exp, nbf));
        assert_eq!(resp.status, 401, "{}: {}", why, resp.text());
        assert_eq!(resp.json()["error"], "invalid_client", "{}", why);
    }
}
