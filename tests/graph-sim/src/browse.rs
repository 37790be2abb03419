//! `graph-sim URL`: a stand-in for a web browser in tests of the browser
//! sign-in. A library that opens "the browser" with the authorize URL as
//! its one argument can be pointed at this program: it GETs the URL (plain
//! http only), follows redirects (graph-sim's `/authorize` sends the
//! browser to the client's loopback redirect URI) and prints each status
//! line to stderr. Exit status 0 when the last answer was 2xx, else 1.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const MAX_REDIRECTS: usize = 5;

pub fn run(start: &str) -> i32 {
    let mut url = match url::Url::parse(start) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("graph-sim (browser): {}: {}", start, e);
            return 2;
        }
    };
    for _ in 0..=MAX_REDIRECTS {
        let (status, location) = match get(&url) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("graph-sim (browser): GET {}: {}", url.origin().ascii_serialization(), e);
                return 1;
            }
        };
        eprintln!("graph-sim (browser): {} {}{}", status, url.origin().ascii_serialization(), url.path());
        match (status, location) {
            (300..=399, Some(loc)) => {
                url = match url.join(&loc) {
                    Ok(u) => u,
                    Err(e) => {
                        eprintln!("graph-sim (browser): bad Location: {}", e);
                        return 1;
                    }
                }
            }
            (200..=299, _) => return 0,
            _ => return 1,
        }
    }
    eprintln!("graph-sim (browser): more than {} redirects", MAX_REDIRECTS);
    1
}

/// One GET; `(status, Location)`.
fn get(url: &url::Url) -> Result<(u16, Option<String>), String> {
    if url.scheme() != "http" {
        return Err("only http URLs are followed".into());
    }
    let host = url.host_str().ok_or("no host")?;
    let port = url.port_or_known_default().unwrap_or(80);
    // A browser tries every address localhost has; 127.0.0.1 first here.
    let addrs: Vec<std::net::SocketAddr> = if host.eq_ignore_ascii_case("localhost") {
        vec![([127, 0, 0, 1], port).into(), (std::net::Ipv6Addr::LOCALHOST, port).into()]
    } else {
        std::net::ToSocketAddrs::to_socket_addrs(&(host, port)).map_err(|e| e.to_string())?.collect()
    };
    let mut stream = addrs
        .iter()
        .find_map(|a| TcpStream::connect_timeout(a, Duration::from_secs(10)).ok())
        .ok_or("cannot connect")?;
    stream.set_read_timeout(Some(Duration::from_secs(60))).map_err(|e| e.to_string())?;
    let target = match url.query() {
        Some(q) => format!("{}?{}", url.path(), q),
        None => url.path().to_string(),
    };
    let host_header = match url.port() {
        Some(p) => format!("{}:{}", host, p),
        None => host.to_string(),
    };
    write!(
        stream,
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: graph-sim-browser\r\nAccept: text/html\r\nConnection: close\r\n\r\n",
        target, host_header
    )
    .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw);
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or("no HTTP status line")?;
    let location = lines.find_map(|l| {
        let (name, value) = l.split_once(':')?;
        if name.trim().eq_ignore_ascii_case("location") {
            Some(value.trim().to_string())
        } else {
            None
        }
    });
    Ok((status, location))
}
