//! A minimal blocking HTTP/1.1 client (one connection per request) and
//! helpers to start a simulator in-process.
#![allow(dead_code)]

use graph_sim::{Config, Running};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

pub const TOKEN: &str = "test-static-token";

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({}): {}", e, String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// `error.code` of Graph's error envelope.
    pub fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or("").to_string()
    }
}

/// What went wrong below HTTP.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// The connection closed before any response byte.
    NoResponse,
    /// The body is shorter than Content-Length.
    Truncated { expected: usize, got: usize },
    Io(String),
}

pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Sends one request to `url` (absolute, http://host:port/...).
pub fn try_send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Result<Resp, Failure> {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut stream = TcpStream::connect(host).map_err(|e| Failure::Io(e.to_string()))?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", method, path, host);
    for (k, v) in headers {
        req.push_str(&format!("{}: {}\r\n", k, v));
    }
    if let Some(b) = body {
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    } else if method == "POST" || method == "PATCH" {
        req.push_str("Content-Length: 0\r\n");
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    if let Some(b) = body {
        bytes.extend_from_slice(b);
    }
    stream.write_all(&bytes).map_err(|e| Failure::Io(e.to_string()))?;
    let mut raw = Vec::new();
    let read = stream.read_to_end(&mut raw);
    if raw.is_empty() {
        return Err(Failure::NoResponse);
    }
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or(Failure::NoResponse)?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
        .collect();
    let find = |n: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v.clone());
    if find("transfer-encoding").map_or(false, |t| t.eq_ignore_ascii_case("chunked")) {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let nl = rest.windows(2).position(|w| w == b"\r\n").ok_or(Failure::Truncated { expected: 0, got: out.len() })?;
            let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..nl]).trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            if rest.len() < nl + 2 + size {
                return Err(Failure::Truncated { expected: nl + 2 + size, got: rest.len() });
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + size]);
            rest = &rest[nl + 2 + size + 2..];
        }
        body = out;
    } else if let Some(cl) = find("content-length") {
        let expected: usize = cl.parse().unwrap();
        if body.len() < expected {
            return Err(Failure::Truncated { expected, got: body.len() });
        }
    } else if let Err(e) = read {
        return Err(Failure::Io(e.to_string()));
    }
    Ok(Resp { status, headers, body })
}

pub fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Resp {
    try_send(method, url, headers, body).unwrap_or_else(|e| panic!("{} {}: {:?}", method, url, e))
}

/// A simulator with the static test token.
pub fn sim(groups: u64, seed: u64, tweak: impl FnOnce(&mut Config)) -> Running {
    let mut cfg = Config::default();
    cfg.groups = Some(groups);
    cfg.seed = seed;
    cfg.static_token = Some(TOKEN.to_string());
    tweak(&mut cfg);
    graph_sim::start(cfg).expect("simulator starts")
}

pub struct Client {
    pub base: String,
    pub token: String,
}

impl Client {
    pub fn new(r: &Running) -> Self {
        Client { base: r.base_url.clone(), token: TOKEN.to_string() }
    }
    pub fn with_token(r: &Running, token: &str) -> Self {
        Client { base: r.base_url.clone(), token: token.to_string() }
    }
    fn auth(&self) -> String {
        format!("Bearer {}", self.token)
    }
    /// GET of a path under the base URL (or an absolute URL).
    pub fn get(&self, path: &str, extra: &[(&str, &str)]) -> Resp {
        let url = if path.starts_with("http") { path.to_string() } else { format!("{}{}", self.base, path) };
        let auth = self.auth();
        let mut h = vec![("Authorization", auth.as_str())];
        h.extend_from_slice(extra);
        send("GET", &url, &h, None)
    }
    pub fn patch_json(&self, id: &str, body: &str) -> Resp {
        let auth = self.auth();
        send(
            "PATCH",
            &format!("{}/beta/groups/{}", self.base, id),
            &[("Authorization", auth.as_str()), ("Content-Type", "application/json")],
            Some(body.as_bytes()),
        )
    }
    pub fn batch(&self, body: &Value) -> Resp {
        let auth = self.auth();
        let text = body.to_string();
        send(
            "POST",
            &format!("{}/beta/$batch", self.base),
            &[("Authorization", auth.as_str()), ("Content-Type", "application/json")],
            Some(text.as_bytes()),
        )
    }
    /// Every group of a listing, following nextLink.
    pub fn all(&self, first: &str, extra: &[(&str, &str)]) -> (Vec<Value>, usize) {
        let mut out = Vec::new();
        let mut pages = 0;
        let mut next = Some(first.to_string());
        while let Some(url) = next {
            let r = self.get(&url, extra);
            assert_eq!(r.status, 200, "{}", r.text());
            let v = r.json();
            out.extend(v["value"].as_array().unwrap().iter().cloned());
            next = v["@odata.nextLink"].as_str().map(String::from);
            pages += 1;
        }
        (out, pages)
    }
}

/// The raw stored state of a group.
pub fn raw(r: &Running, id: &str) -> Value {
    send("GET", &format!("{}/_sim/groups/{}", r.base_url, id), &[], None).json()
}

pub fn stats(r: &Running) -> Value {
    send("GET", &format!("{}/_sim/stats", r.base_url), &[], None).json()
}

/// Ids of stored groups matching a predicate on their raw state.
pub fn find_ids(c: &Client, pred: impl Fn(&Value) -> bool) -> Vec<String> {
    let sel = "id,displayName,groupTypes,securityEnabled,mailEnabled,onPremisesSyncEnabled,writebackConfiguration";
    let (all, _) = c.all(&format!("/beta/groups?$top=999&$select={}", sel), &[]);
    all.into_iter().filter(|g| pred(g)).map(|g| g["id"].as_str().unwrap().to_string()).collect()
}
