//! https: `--tls-cert FILE --tls-key FILE` (PEM) make graph-sim serve TLS
//! (rustls) on its port, so that clients which insist on an https authority
//! (Azure.Identity, MSAL) can sign in to it. The client decides what to
//! trust (a test trusts the certificate it generated, for its own process).

use hyper::server::accept::Accept;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::net::TcpStream;
use tokio_rustls::rustls::{Certificate, PrivateKey, ServerConfig};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// Reads a PEM certificate chain and its private key (PKCS#8, PKCS#1 RSA
/// or SEC1 EC) into a server configuration: TLS 1.2 and 1.3, HTTP/1.1
/// (ALPN `http/1.1`, the only protocol graph-sim speaks).
pub fn server_config(cert_file: &Path, key_file: &Path) -> Result<Arc<ServerConfig>, String> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("{}: {}", p.display(), e));
    let cert_pem = read(cert_file)?;
    let key_pem = read(key_file)?;
    let certs: Vec<Certificate> = rustls_pemfile::certs(&mut &cert_pem[..])
        .map_err(|e| format!("--tls-cert {}: {}", cert_file.display(), e))?
        .into_iter()
        .map(Certificate)
        .collect();
    if certs.is_empty() {
        return Err(format!("--tls-cert {}: no CERTIFICATE block", cert_file.display()));
    }
    let mut key = None;
    let mut rd = &key_pem[..];
    loop {
        match rustls_pemfile::read_one(&mut rd).map_err(|e| format!("--tls-key {}: {}", key_file.display(), e))? {
            Some(rustls_pemfile::Item::PKCS8Key(k)) | Some(rustls_pemfile::Item::RSAKey(k)) | Some(rustls_pemfile::Item::ECKey(k)) => {
                key = Some(PrivateKey(k));
                break;
            }
            Some(_) => {}
            None => break,
        }
    }
    let key = key.ok_or_else(|| format!("--tls-key {}: no PRIVATE KEY block", key_file.display()))?;
    let mut cfg = ServerConfig::builder()
        .with_safe_defaults()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("--tls-cert/--tls-key: {}", e))?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

/// The accepted TLS connections, for `hyper::Server::builder`. Handshakes
/// run on their own tasks, so a client that connects and never completes
/// one holds up nobody; a failed handshake is dropped.
pub struct TlsIncoming {
    rx: tokio::sync::mpsc::Receiver<TlsStream<TcpStream>>,
}

impl TlsIncoming {
    /// Accepts on `listener` until `stop` resolves. Must be called inside a
    /// tokio runtime.
    pub fn new(listener: tokio::net::TcpListener, config: Arc<ServerConfig>, stop: impl std::future::Future<Output = ()> + Send + 'static) -> TlsIncoming {
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let acceptor = TlsAcceptor::from(config);
        tokio::spawn(async move {
            tokio::pin!(stop);
            loop {
                let accepted = tokio::select! {
                    _ = &mut stop => break,
                    a = listener.accept() => a,
                };
                let (tcp, _) = match accepted {
                    Ok(c) => c,
                    // Out of descriptors and the like: wait a little, go on.
                    Err(_) => {
                        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = tcp.set_nodelay(true);
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let handshake = tokio::time::timeout(std::time::Duration::from_secs(30), acceptor.accept(tcp));
                    if let Ok(Ok(stream)) = handshake.await {
                        let _ = tx.send(stream).await;
                    }
                });
            }
        });
        TlsIncoming { rx }
    }
}

impl Accept for TlsIncoming {
    type Conn = TlsStream<TcpStream>;
    type Error = std::io::Error;

    fn poll_accept(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Self::Conn, Self::Error>>> {
        self.get_mut().rx.poll_recv(cx).map(|c| c.map(Ok))
    }
}
