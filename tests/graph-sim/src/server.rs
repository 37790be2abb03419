//! HTTP: routing, bearer tokens, faults, the sign-in endpoints and the
//! control endpoints under `/_sim`.

use crate::auth::{check_bearer, BearerCheck, Endpoint, OAuthReply};
use crate::graph::{self, ApiRequest, ApiResponse, Ids, RespBody};
use crate::store::ApiVersion;
use crate::util::{random_guid, SeededRng};
use crate::{FaultConfig, Sim};
use hyper::body::Bytes;
use hyper::service::{make_service_fn, service_fn};
use hyper::{Body, Request, Response};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// The error that makes hyper drop the connection without an answer.
#[derive(Debug)]
pub struct ConnectionReset;

impl std::fmt::Display for ConnectionReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("graph-sim fault: connection reset")
    }
}

impl std::error::Error for ConnectionReset {}

/// Serves plain HTTP, or https with `tls` (`--tls-cert`/`--tls-key`).
/// Must be called inside a tokio runtime.
pub fn serve(
    sim: Arc<Sim>,
    listener: std::net::TcpListener,
    tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
) -> Result<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>, String> {
    let stopped = |sim: &Sim| {
        let mut rx = sim.shutdown.subscribe();
        async move {
            while !*rx.borrow() {
                if rx.changed().await.is_err() {
                    break;
                }
            }
        }
    };
    let shutdown = stopped(&sim);
    match tls {
        None => {
            let builder = hyper::Server::from_tcp(listener).map_err(|e| e.to_string())?;
            let make = make_service_fn(move |_conn| {
                let sim = sim.clone();
                async move { Ok::<_, Infallible>(service_fn(move |req| handle(sim.clone(), req))) }
            });
            let server = builder.http1_keepalive(true).serve(make).with_graceful_shutdown(shutdown);
            Ok(Box::pin(async move {
                let _ = server.await;
            }))
        }
        Some(config) => {
            let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
            let incoming = crate::tls::TlsIncoming::new(listener, config, stopped(&sim));
            let make = make_service_fn(move |_conn| {
                let sim = sim.clone();
                async move { Ok::<_, Infallible>(service_fn(move |req| handle(sim.clone(), req))) }
            });
            let server = hyper::Server::builder(incoming).http1_keepalive(true).serve(make).with_graceful_shutdown(shutdown);
            Ok(Box::pin(async move {
                let _ = server.await;
            }))
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct FaultDecision {
    pub error: Option<u16>,
    pub reset: bool,
    pub truncate: bool,
    pub slow: bool,
    pub bad_json: bool,
}

/// The faults of the `seq`-th request: the same for the same fault seed.
pub fn decide_faults(f: &FaultConfig, seq: u64) -> FaultDecision {
    let mut rng = SeededRng::new(f.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ seq.wrapping_add(1).wrapping_mul(0xd1b5_4a32_d192_ed03));
    let e = rng.chance(f.error_rate);
    let which = rng.below(4) as usize;
    let r = rng.chance(f.reset_rate);
    let t = rng.chance(f.truncate_rate);
    let s = rng.chance(f.slow_rate);
    // Drawn last, so adding it left the earlier flags' plans unchanged.
    let j = rng.chance(f.truncate_json_rate);
    let throttled = rng.chance(f.throttle_fault_rate);
    let error = if e {
        Some([500, 502, 503, 504][which])
    } else if throttled {
        Some(429)
    } else {
        None
    };
    FaultDecision { error, reset: r, truncate: t, slow: s, bad_json: j }
}

/// The fault of the `index`-th sub-request of the `seq`-th request under
/// `--batch-fault-rate`: `Some(status)` (429, 500, 502, 503 or 504) when it
/// is answered with a fault instead of being run. Reproducible by seed.
pub fn decide_batch_fault(f: &FaultConfig, seq: u64, index: usize) -> Option<u16> {
    if f.batch_fault_rate <= 0.0 {
        return None;
    }
    let mut rng = SeededRng::new(
        f.seed.wrapping_mul(0xa076_1d64_78bd_642f)
            ^ seq.wrapping_add(1).wrapping_mul(0xe703_7ed1_a0b4_28db)
            ^ (index as u64 + 1).wrapping_mul(0x8ebc_6af0_9c88_c6e3),
    );
    if !rng.chance(f.batch_fault_rate) {
        return None;
    }
    Some([429, 500, 502, 503, 504][rng.below(5) as usize])
}

/// The answer of a faulted sub-request: a 429 like the throttle's (with
/// `Retry-After`), or a 5xx as `--error-rate` gives them.
pub fn batch_fault_response(f: &FaultConfig, status: u16, ids: &Ids) -> ApiResponse {
    if status == 429 {
        let mut r = graph::error(429, "TooManyRequests", "Too many requests (graph-sim fault).", ids);
        if let Some(v) = f.retry_after_form.header(f.simulated(f.retry_after), f.clock_speed) {
            r.headers.push(("Retry-After".into(), v));
        }
        return r;
    }
    fault_response(status, ids, f)
}

fn fault_response(status: u16, ids: &Ids, f: &FaultConfig) -> ApiResponse {
    let (code, msg) = match status {
        500 => ("UnknownError", "An internal server error occurred (graph-sim fault)."),
        502 => ("BadGateway", "The gateway received an invalid response (graph-sim fault)."),
        503 => ("serviceNotAvailable", "The service is temporarily unavailable; retry after the delay (graph-sim fault)."),
        _ => ("GatewayTimeout", "The gateway timed out (graph-sim fault)."),
    };
    let mut r = graph::error(status, code, msg, ids);
    if status == 503 || status == 504 {
        if let Some(v) = f.retry_after_form.header(f.simulated(f.retry_after), f.clock_speed) {
            r.headers.push(("Retry-After".into(), v));
        }
    }
    r
}

fn headers_of(req: &Request<Body>) -> HashMap<String, String> {
    let mut h = HashMap::new();
    for (k, v) in req.headers() {
        if let Ok(s) = v.to_str() {
            h.entry(k.as_str().to_ascii_lowercase()).or_insert_with(|| s.to_string());
        }
    }
    h
}

fn build(resp: ApiResponse, ids: &Ids, truncate: bool) -> Response<Body> {
    build_with(resp, ids, truncate, false)
}

/// `bad_json`: send only the first half of the body, framed as complete.
fn build_with(resp: ApiResponse, ids: &Ids, truncate: bool, bad_json: bool) -> Response<Body> {
    let mut b = Response::builder().status(resp.status);
    b = b.header("request-id", ids.request_id.as_str());
    b = b.header("client-request-id", ids.client_request_id.as_deref().unwrap_or(&ids.request_id));
    b = b.header("Cache-Control", "no-cache");
    b = b.header(
        "x-ms-ags-diagnostic",
        r#"{"ServerInfo":{"DataCenter":"graph-sim","Slice":"E","Ring":"1","ScaleUnit":"000","RoleInstance":"graph-sim"}}"#,
    );
    let mut has_ct = false;
    for (k, v) in &resp.headers {
        if k.eq_ignore_ascii_case("content-type") {
            has_ct = true;
        }
        b = b.header(k.as_str(), v.as_str());
    }
    let bytes: Vec<u8> = match resp.body {
        RespBody::None => Vec::new(),
        RespBody::Json(v) => {
            if !has_ct {
                b = b.header("Content-Type", "application/json");
            }
            serde_json::to_vec(&v).unwrap_or_default()
        }
        RespBody::Text(t) => t.into_bytes(),
    };
    if resp.status == 204 || resp.status == 304 {
        return b.body(Body::empty()).unwrap();
    }
    let bytes = if bad_json && bytes.len() > 1 { bytes[..bytes.len() / 2].to_vec() } else { bytes };
    b = b.header("Content-Length", bytes.len().to_string());
    if truncate && bytes.len() > 1 {
        let (mut tx, body) = Body::channel();
        let half = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
        tokio::spawn(async move {
            let _ = tx.send_data(half).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            tx.abort();
        });
        return b.body(body).unwrap();
    }
    b.body(Body::from(bytes)).unwrap()
}

fn oauth_response(r: OAuthReply, ids: &Ids) -> ApiResponse {
    ApiResponse {
        status: r.status,
        headers: vec![
            ("Content-Type".into(), "application/json; charset=utf-8".into()),
            ("x-ms-request-id".into(), ids.request_id.clone()),
        ],
        body: RespBody::Json(r.body),
    }
}

fn form_of(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn basic_credentials(headers: &HashMap<String, String>) -> Option<(String, String)> {
    let h = headers.get("authorization")?;
    let (scheme, rest) = h.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64::decode(rest.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let dec = |s: &str| form_of(format!("x={}", s).as_bytes()).remove("x").unwrap_or_default();
    Some((dec(id), dec(secret)))
}

pub async fn handle(sim: Arc<Sim>, req: Request<Body>) -> Result<Response<Body>, ConnectionReset> {
    let headers = headers_of(&req);
    let ids = Ids { request_id: random_guid(), client_request_id: headers.get("client-request-id").cloned() };
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let body = match hyper::body::to_bytes(req.into_body()).await {
        Ok(b) => b,
        Err(_) => return Err(ConnectionReset),
    };
    if path == "/_sim" || path.starts_with("/_sim/") {
        let resp = control(&sim, &method, &path, &query, &headers, &body);
        return Ok(build(resp, &ids, false));
    }
    let seq = sim.seq.fetch_add(1, Ordering::SeqCst);
    let faults = decide_faults(&sim.cfg.faults, seq);
    {
        let mut st = sim.stats.lock().unwrap();
        st.requests += 1;
        if faults.slow {
            st.fault_slow += 1;
        }
    }
    let mut delay = sim.cfg.faults.latency_ms;
    if faults.slow {
        delay += sim.cfg.faults.slow_ms;
    }
    // A read is answered `--latency-ms` after it arrived, the simulator's own
    // work included (as a real service's response time includes its work):
    // it is built first and the rest of the latency waited after. Anything
    // else waits first, so that a client that gives up during the wait
    // leaves no change behind, and a slow fault always waits whole.
    let arrived = std::time::Instant::now();
    let overlap = method == "GET" && !faults.slow && faults.error.is_none();
    if delay > 0 && !overlap {
        wait_until(arrived + Duration::from_millis(delay)).await;
    }
    if let Some(status) = faults.error {
        let resp = batch_fault_response(&sim.cfg.faults, status, &ids);
        let mut st = sim.stats.lock().unwrap();
        st.fault_errors += 1;
        if status == 429 {
            st.throttled += 1;
        }
        st.record(status);
        drop(st);
        return Ok(build(resp, &ids, false));
    }
    let resp = route(&sim, &method, &path, &query, &headers, &body, &ids, seq);
    let status = resp.status;
    {
        let mut st = sim.stats.lock().unwrap();
        if faults.reset {
            st.fault_resets += 1;
        } else {
            st.record(status);
            if faults.truncate {
                st.fault_truncations += 1;
            } else if faults.bad_json && !matches!(resp.body, RespBody::None) && status != 204 {
                st.fault_bad_json += 1;
            }
        }
    }
    let answer = if faults.reset {
        Err(ConnectionReset)
    } else {
        Ok(build_with(resp, &ids, faults.truncate, faults.bad_json && !faults.truncate))
    };
    if delay > 0 && overlap {
        wait_until(arrived + Duration::from_millis(delay)).await;
    }
    answer
}

/// Waits until `deadline`, within about 0.3 ms: tokio's timer rounds up to
/// whole milliseconds, which made `--latency-ms 20` about 21-22 ms. A blocking-pool thread sleeps instead; dropping the request
/// (the client gave up) still ends the wait.
async fn wait_until(deadline: std::time::Instant) {
    let left = deadline.saturating_duration_since(std::time::Instant::now());
    if !left.is_zero() {
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(left)).await;
    }
}

#[allow(clippy::too_many_arguments)]
fn route(
    sim: &Sim,
    method: &str,
    path: &str,
    query: &str,
    headers: &HashMap<String, String>,
    body: &[u8],
    ids: &Ids,
    seq: u64,
) -> ApiResponse {
    let (version, rest) = if let Some(rest) = path.strip_prefix("/beta") {
        (Some(ApiVersion::Beta), rest)
    } else if let Some(rest) = path.strip_prefix("/v1.0") {
        (Some(ApiVersion::V1), rest)
    } else {
        (None, path)
    };
    if let Some(version) = version {
        if !(rest.is_empty() || rest.starts_with('/')) {
            return graph::error(400, "BadRequest", &format!("Invalid version in '{}'.", path), ids);
        }
        sim.stats.lock().unwrap().graph_requests += 1;
        let check = {
            let st = sim.auth.lock().unwrap();
            check_bearer(&st, &sim.auth_cfg, headers.get("authorization").map(String::as_str))
        };
        let principal = match check {
            BearerCheck::Ok(p) => p,
            other => {
                let msg = match other {
                    BearerCheck::Missing => "Access token is empty.",
                    BearerCheck::Malformed => "Access token validation failure: the Authorization header must be 'Bearer <token>'.",
                    BearerCheck::Unknown => "Access token validation failure. Invalid audience or unknown token.",
                    BearerCheck::Expired => "Lifetime validation failed, the token is expired.",
                    BearerCheck::Ok(_) => unreachable!(),
                };
                return graph::error(401, "InvalidAuthenticationToken", msg, ids).header(
                    "WWW-Authenticate",
                    format!(
                        "Bearer realm=\"\", authorization_uri=\"{}/{}/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                        sim.base_url,
                        sim.tenant.read().unwrap().tenant_id
                    ),
                );
            }
        };
        let req = ApiRequest {
            method,
            version,
            path: rest,
            query,
            headers,
            body: if body.is_empty() { None } else { Some(body) },
            principal: &principal,
            ids,
            in_batch: false,
            seq,
        };
        return graph::handle(sim, &req);
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (tenant_id, domain) = {
        let t = sim.tenant.read().unwrap();
        (t.tenant_id.clone(), t.domain.clone())
    };
    let ep = Endpoint { tenant_id: &tenant_id, domain: &domain, base_url: &sim.base_url, apps: &sim.apps, cfg: &sim.auth_cfg };
    match (method, segments.as_slice()) {
        ("POST", [tenant, "oauth2", "v2.0", "token"]) => {
            let form = form_of(body);
            let basic = basic_credentials(headers);
            let mut st = sim.auth.lock().unwrap();
            oauth_response(ep.token(&mut st, tenant, &form, basic), ids)
        }
        ("GET", [tenant, "oauth2", "v2.0", "authorize"]) => {
            let q = form_of(query.as_bytes());
            let mut st = sim.auth.lock().unwrap();
            match ep.authorize(&mut st, tenant, &q) {
                crate::auth::AuthorizeReply::Redirect(location) => ApiResponse {
                    status: 302,
                    headers: vec![("Location".into(), location), ("Cache-Control".into(), "no-store".into())],
                    body: RespBody::Text(String::new()),
                },
                crate::auth::AuthorizeReply::Page(status, html) => ApiResponse {
                    status,
                    headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
                    body: RespBody::Text(html),
                },
            }
        }
        ("POST", [tenant, "oauth2", "v2.0", "devicecode"]) => {
            let form = form_of(body);
            let mut st = sim.auth.lock().unwrap();
            oauth_response(ep.devicecode(&mut st, tenant, &form), ids)
        }
        // Managed identity: the instance metadata service's path, and App
        // Service's (IDENTITY_ENDPOINT = {base}/msi/token).
        ("GET", ["metadata", "identity", "oauth2", "token"]) | ("GET", ["msi", "token"]) => {
            let source = if segments[0] == "msi" {
                crate::identity::Source::AppService
            } else if sim.cfg.arc_key_dir.is_some() {
                crate::identity::Source::AzureArc
            } else {
                crate::identity::Source::Imds
            };
            let q = form_of(query.as_bytes());
            let mut st = sim.auth.lock().unwrap();
            let ctx = crate::identity::Context {
                identity_header: &sim.cfg.identity_header,
                arc_key_dir: sim.cfg.arc_key_dir.as_deref(),
                base_url: &sim.base_url,
                lifetime: sim.auth_cfg.token_lifetime,
                imds_gone: sim.cfg.imds_gone,
            };
            let (reply, challenge) = crate::identity::token(source, &mut st, &q, headers, &ctx);
            let resp = oauth_response(reply, ids);
            match challenge {
                Some(c) => resp.header("WWW-Authenticate", c),
                None => resp,
            }
        }
        ("GET", [tenant, "v2.0", ".well-known", "openid-configuration"]) => oauth_response(ep.openid_configuration(tenant), ids),
        ("GET", ["common", "discovery", "instance"]) | ("GET", ["organizations", "discovery", "instance"]) => {
            oauth_response(ep.instance_discovery(), ids)
        }
        ("GET", ["devicelogin"]) => ApiResponse {
            status: 200,
            headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            body: RespBody::Text(format!(
                "<!doctype html><title>graph-sim device login</title><p>graph-sim approves device codes with <code>POST {}/_sim/devicecode/approve</code> and the form field <code>user_code</code>, or with <code>--auto-approve-after SECS</code>.</p>",
                sim.base_url
            )),
        },
        _ => graph::error(404, "NotFound", &format!("graph-sim has no endpoint '{} {}'.", method, path), ids),
    }
}

fn user_code_of(query: &str, headers: &HashMap<String, String>, body: &[u8]) -> Option<String> {
    if headers.get("content-type").map_or(false, |c| c.contains("json")) {
        if let Ok(v) = serde_json::from_slice::<Value>(body) {
            for k in ["user_code", "userCode"] {
                if let Some(s) = v.get(k).and_then(Value::as_str) {
                    return Some(s.to_string());
                }
            }
        }
    }
    let mut form = form_of(body);
    if let Some(c) = form.remove("user_code") {
        return Some(c);
    }
    form_of(query.as_bytes()).remove("user_code")
}

fn control(sim: &Sim, method: &str, path: &str, query: &str, headers: &HashMap<String, String>, body: &[u8]) -> ApiResponse {
    let json_ok = |v: Value| ApiResponse {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: RespBody::Json(v),
    };
    let fail = |status: u16, msg: String| ApiResponse {
        status,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: RespBody::Json(json!({"error": {"code": "SimControl", "message": msg}})),
    };
    let segments: Vec<&str> = path.trim_matches('/').split('/').skip(1).collect();
    match (method, segments.as_slice()) {
        ("GET", ["health"]) => ApiResponse { status: 200, headers: vec![("Content-Type".into(), "text/plain".into())], body: RespBody::Text("ok".into()) },
        ("GET", ["stats"]) => {
            let issued = sim.auth.lock().unwrap().issued;
            let groups = sim.tenant.read().unwrap().groups.len();
            let st = sim.stats.lock().unwrap().clone();
            json_ok(st.to_json(issued, groups))
        }
        ("POST", ["stats", "reset"]) => {
            *sim.stats.lock().unwrap() = crate::Stats::default();
            json_ok(json!({"reset": true}))
        }
        ("GET", ["groups", id]) => match graph::raw_group(sim, id) {
            Some(v) => json_ok(v),
            None => fail(404, format!("no group '{}'", id)),
        },
        ("GET", ["devicecode"]) => {
            let codes = sim.auth.lock().unwrap().pending_user_codes();
            json_ok(json!({"pending": codes}))
        }
        ("POST", ["devicecode", action]) if *action == "approve" || *action == "deny" => {
            let mut st = sim.auth.lock().unwrap();
            let code = match user_code_of(query, headers, body) {
                Some(c) => c,
                None => {
                    let pending = st.pending_user_codes();
                    if pending.len() == 1 {
                        pending[0].clone()
                    } else {
                        return fail(400, format!("give user_code: {} device codes are pending", pending.len()));
                    }
                }
            };
            if st.decide_device(&code, *action == "approve") {
                json_ok(json!({ "userCode": code, "decision": action }))
            } else {
                fail(404, format!("no pending device code with user code '{}'", code))
            }
        }
        ("POST", ["save"]) => {
            let from_query = form_of(query.as_bytes()).remove("path");
            let from_body = serde_json::from_slice::<Value>(body).ok().and_then(|v| v.get("path").and_then(Value::as_str).map(String::from));
            let path = from_query.or(from_body).map(std::path::PathBuf::from).or_else(|| sim.cfg.save_file.clone());
            match path {
                None => fail(400, "no path: start with --save FILE or pass ?path=".into()),
                Some(p) => match sim.save(&p) {
                    Ok(()) => json_ok(json!({"saved": p.display().to_string()})),
                    Err(e) => fail(500, e),
                },
            }
        }
        ("POST", ["shutdown"]) => {
            sim.request_shutdown();
            ApiResponse { status: 202, headers: vec![("Content-Type".into(), "application/json".into())], body: RespBody::Json(json!({"shuttingDown": true})) }
        }
        _ => fail(404, format!("no control endpoint '{} {}'", method, path)),
    }
}
