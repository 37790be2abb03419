//! Test helpers: start graph-sim as a user would (its binary), and a tiny
//! hostile HTTP server for the cases the simulator must not play.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

pub const TENANT: &str = "5d0c5a8e-6a3b-4f2e-9c71-2b8f4e1d7a30";
pub const CLIENT_ID: &str = "8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b";
pub const CLIENT_SECRET: &str = "graph-sim-secret";
pub const READONLY_CLIENT_ID: &str = "2b7e9f40-13c5-4d8a-b6e2-7f0a1c3d5e6f";
pub const READONLY_SECRET: &str = "graph-sim-readonly-secret";
pub const STATIC_TOKEN: &str = "test-static-token-0123456789";

/// Every group a listing returns, page after page.
pub fn list_all(
    client: &group_writeback::graph::Client,
    o: group_writeback::listing::ListOptions,
) -> Result<Vec<serde_json::Value>, group_writeback::graph::GraphError> {
    let cursor = client.list_groups(o)?;
    let mut all = Vec::new();
    while let Some(page) = cursor.next_page()? {
        all.extend(page.groups());
    }
    Ok(all)
}

/// The graph-sim binary, built by `cargo build --workspace`.
pub fn sim_binary() -> PathBuf {
    if let Ok(p) = std::env::var("GRAPH_SIM") {
        return PathBuf::from(p);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let exe = target.join("debug").join(if cfg!(windows) { "graph-sim.exe" } else { "graph-sim" });
    assert!(exe.exists(), "{} is missing: build it first with `cargo build -p graph-sim` (make test does)", exe.display());
    exe
}

pub struct Sim {
    pub base: String,
    child: Child,
}

impl Sim {
    pub fn start(args: &[&str]) -> Sim {
        let mut cmd = Command::new(sim_binary());
        if !args.contains(&"--listen") {
            cmd.args(["--listen", "127.0.0.1:0"]);
        }
        cmd.args(["--quiet", "--static-token", STATIC_TOKEN]);
        cmd.args(args);
        cmd.stdout(Stdio::piped()).stderr(Stdio::null()).stdin(Stdio::null());
        let mut child = cmd.spawn().expect("graph-sim starts");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("graph-sim prints its URL");
        let base = line.trim().trim_end_matches('/').to_string();
        assert!(base.starts_with("http://127.0.0.1:"), "unexpected first line: {:?}", line);
        Sim { base, child }
    }

    /// Stops the simulator the way an operator would (SIGTERM; on Windows,
    /// which has no SIGTERM, its `POST /_sim/shutdown`), so that `--save
    /// FILE` is written, and waits for it to exit.
    pub fn terminate(mut self) {
        #[cfg(unix)]
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        #[cfg(not(unix))]
        {
            let status = http_request("POST", &format!("{}/_sim/shutdown", self.base), None).0;
            assert_eq!(status, 202, "POST /_sim/shutdown");
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("graph-sim did not stop when asked to");
    }

    /// A GET on the simulator's control endpoints (no auth).
    pub fn control(&self, path: &str) -> serde_json::Value {
        let (status, body) = http_get(&format!("{}{}", self.base, path), None);
        assert_eq!(status, 200, "{} → {}: {}", path, status, body);
        serde_json::from_str(&body).unwrap()
    }

    pub fn stored(&self, id: &str) -> serde_json::Value {
        self.control(&format!("/_sim/groups/{}", id))
    }

    pub fn stats(&self) -> serde_json::Value {
        self.control("/_sim/stats")
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port that is free now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A minimal blocking HTTP/1.1 GET (Connection: close).
pub fn http_get(url: &str, bearer: Option<&str>) -> (u16, String) {
    http_request("GET", url, bearer)
}

/// A minimal blocking HTTP/1.1 request without a body (Connection: close).
pub fn http_request(method: &str, url: &str, bearer: Option<&str>) -> (u16, String) {
    let u = url::Url::parse(url).unwrap();
    let addr = format!("{}:{}", u.host_str().unwrap(), u.port_or_known_default().unwrap());
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let path = match u.query() {
        Some(q) => format!("{}?{}", u.path(), q),
        None => u.path().to_string(),
    };
    let auth = bearer.map(|t| format!("Authorization: Bearer {}\r\n", t)).unwrap_or_default();
    let length = if method == "GET" { "" } else { "Content-Length: 0\r\n" };
    write!(s, "{} {} HTTP/1.1\r\nHost: {}\r\n{}{}Connection: close\r\n\r\n", method, path, u.host_str().unwrap(), auth, length)
        .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status: u16 = raw.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    // Chunked bodies: keep it simple by decoding when needed.
    let body = if raw.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(&body) } else { body };
    (status, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, rest) = match s.split_once("\r\n") {
            Some(parts) => parts,
            None => break,
        };
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// A request seen by the hostile server.
#[derive(Clone, Debug)]
pub struct Seen {
    pub request_line: String,
    pub authorization: Option<String>,
}

/// A server on `ip` that answers every request with `respond(path)` and
/// records what it saw.
pub struct Hostile {
    pub base: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

impl Hostile {
    pub fn start(ip: &str, respond: impl Fn(&str) -> String + Send + 'static) -> Hostile {
        Hostile::start_with_body(ip, move |path, _| respond(path))
    }

    /// [`Hostile::start`] with the request's body too (read by its
    /// `Content-Length`).
    pub fn start_with_body(ip: &str, respond: impl Fn(&str, &str) -> String + Send + 'static) -> Hostile {
        let listener = TcpListener::bind(format!("{}:0", ip)).expect("bind");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        listener.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while !stop2.load(Ordering::Relaxed) && std::time::Instant::now() < deadline {
                match listener.accept() {
                    Ok((mut s, _)) => {
                        s.set_nonblocking(false).unwrap();
                        let mut reader = BufReader::new(s.try_clone().unwrap());
                        let mut line = String::new();
                        if reader.read_line(&mut line).is_err() {
                            continue;
                        }
                        let mut auth = None;
                        let mut length = 0usize;
                        loop {
                            let mut h = String::new();
                            if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                                break;
                            }
                            if let Some((k, v)) = h.split_once(':') {
                                if k.eq_ignore_ascii_case("authorization") {
                                    auth = Some(v.trim().to_string());
                                } else if k.eq_ignore_ascii_case("content-length") {
                                    length = v.trim().parse().unwrap_or(0);
                                }
                            }
                        }
                        let mut body = vec![0u8; length.min(16 << 20)];
                        if reader.read_exact(&mut body).is_err() {
                            continue;
                        }
                        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                        seen2.lock().unwrap().push(Seen { request_line: line.trim().to_string(), authorization: auth });
                        let response = respond(&path, &String::from_utf8_lossy(&body));
                        let _ = s.write_all(response.as_bytes());
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
                }
            }
        });
        Hostile { base, seen, stop }
    }

    pub fn json(status: u16, body: &str, extra_headers: &str) -> String {
        format!(
            "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{}Connection: close\r\n\r\n{}",
            status,
            body.len(),
            extra_headers,
            body
        )
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
