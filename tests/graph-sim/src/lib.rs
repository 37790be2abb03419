//! graph-sim: a simulated Microsoft Entra ID tenant that speaks the parts of
//! Microsoft Graph beta that group writeback needs: group lists and
//! queries, GET and PATCH of one group, JSON batching, sign-in (client
//! credentials and device code), the published throttling model, and
//! faults on demand. It models the service's storage, not the client's
//! writeback rules: a change is stored as sent unless
//! `--writeback-validation strict` asks for graph-sim's own refusals.
//!
//! Start one in-process with [`start`]; the binary wraps the same call.

pub mod auth;
pub mod config;
pub mod filter;
pub mod graph;
pub mod identity;
pub mod server;
pub mod store;
pub mod throttle;
pub mod tls;
pub mod util;
mod tenant_file;

pub use config::{Config, FaultConfig, RetryAfterForm, WritebackValidation, USAGE};

use auth::{App, AuthConfig, AuthState};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};
use store::Tenant;
use throttle::Throttle;

/// Counters behind `GET /_sim/stats`.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub requests: u64,
    pub graph_requests: u64,
    pub batch_sub_requests: u64,
    pub writes: u64,
    /// Reads of groups served (one group or a page, on its own or inside a
    /// `$batch`; not those throttled or faulted).
    pub reads: u64,
    pub throttled: u64,
    pub status: BTreeMap<u16, u64>,
    pub sub_status: BTreeMap<u16, u64>,
    pub fault_errors: u64,
    pub fault_resets: u64,
    pub fault_truncations: u64,
    pub fault_slow: u64,
    pub fault_batch_errors: u64,
    pub fault_bad_json: u64,
}

impl Stats {
    pub fn record(&mut self, status: u16) {
        *self.status.entry(status).or_insert(0) += 1;
    }
    pub fn record_sub(&mut self, status: u16) {
        self.batch_sub_requests += 1;
        *self.sub_status.entry(status).or_insert(0) += 1;
    }
    pub fn to_json(&self, tokens_issued: u64, groups: usize) -> Value {
        let map = |m: &BTreeMap<u16, u64>| -> Value {
            Value::Object(m.iter().map(|(k, v)| (k.to_string(), json!(v))).collect())
        };
        json!({
            "requests": self.requests,
            "graphRequests": self.graph_requests,
            "batchSubRequests": self.batch_sub_requests,
            "writes": self.writes,
            "reads": self.reads,
            "throttled": self.throttled,
            "statusCounts": map(&self.status),
            "subStatusCounts": map(&self.sub_status),
            "faults": {
                "errors": self.fault_errors,
                "resets": self.fault_resets,
                "truncations": self.fault_truncations,
                "slow": self.fault_slow,
                "batchErrors": self.fault_batch_errors,
                "badJson": self.fault_bad_json,
            },
            "tokensIssued": tokens_issued,
            "groups": groups,
        })
    }
}

/// The simulated tenant and everything the server needs.
pub struct Sim {
    pub cfg: Config,
    pub base_url: String,
    pub tenant: RwLock<Tenant>,
    pub apps: Vec<App>,
    pub auth: Mutex<AuthState>,
    pub auth_cfg: AuthConfig,
    pub throttle: Throttle,
    pub stats: Mutex<Stats>,
    pub seq: AtomicU64,
    pub shutdown: tokio::sync::watch::Sender<bool>,
}

impl Sim {
    pub fn apps_json(&self) -> Value {
        Value::Array(self.apps.iter().map(App::to_json).collect())
    }

    /// Writes the tenant file.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let tenant = self.tenant.read().unwrap();
        let tmp = path.with_extension("tmp-save");
        let file = std::fs::File::create(&tmp).map_err(|e| format!("{}: {}", tmp.display(), e))?;
        let mut out = std::io::BufWriter::new(file);
        store::save(&tenant, &self.apps_json(), &mut out).map_err(|e| format!("{}: {}", tmp.display(), e))?;
        drop(out);
        std::fs::rename(&tmp, path).map_err(|e| format!("{}: {}", path.display(), e))
    }

    pub fn request_shutdown(&self) {
        let _ = self.shutdown.send(true);
    }
}

/// Builds the tenant: the tenant file's groups and apps (if any), plus the
/// generated groups.
pub fn build_tenant(cfg: &Config) -> Result<(Tenant, Vec<App>), String> {
    let mut apps = auth::default_apps();
    let mut tenant = Tenant::new(cfg.tenant_id.clone(), cfg.domain.clone());
    if let Some(path) = &cfg.tenant_file {
        let file = std::fs::File::open(path).map_err(|e| format!("{}: {}", path.display(), e))?;
        let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 20, file));
        let mut load = tenant_file::Load { tenant: &mut tenant, apps: &mut apps, saw_groups: false };
        serde::Deserializer::deserialize_map(&mut de, &mut load).map_err(|e| format!("{}: {}", path.display(), e))?;
        de.end().map_err(|e| format!("{}: {}", path.display(), e))?;
        if !load.saw_groups {
            return Err(format!("{}: no \"groups\" array", path.display()));
        }
    }
    if let Some(app) = apps.iter_mut().find(|a| a.client_id.eq_ignore_ascii_case(auth::DEFAULT_CLIENT_ID)) {
        app.federated.extend(cfg.federated.iter().cloned());
    }
    let n = cfg.groups.unwrap_or(if cfg.tenant_file.is_some() { 0 } else { 1000 });
    if n > 0 {
        let generated = store::generate(n, cfg.seed);
        if tenant.groups.is_empty() {
            tenant.groups = generated;
        } else {
            tenant.groups.extend(generated);
        }
    }
    tenant.sort();
    Ok((tenant, apps))
}

/// A running simulator. Dropping it stops the server.
pub struct Running {
    pub base_url: String,
    pub addr: SocketAddr,
    pub sim: Arc<Sim>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Resolves when `/_sim/shutdown` was called or [`Sim::request_shutdown`].
    pub fn shutdown_signal(&self) -> tokio::sync::watch::Receiver<bool> {
        self.sim.shutdown.subscribe()
    }

    /// Stops the server and waits for it.
    pub fn stop(&mut self) {
        self.sim.request_shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Builds the tenant, binds, and serves on a background thread.
pub fn start(mut cfg: Config) -> Result<Running, String> {
    cfg.faults.clock_speed = cfg.throttle_speed;
    let tls = match (&cfg.tls_cert, &cfg.tls_key) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
        (None, None) => None,
        _ => return Err("--tls-cert and --tls-key go together".into()),
    };
    let (tenant, apps) = build_tenant(&cfg)?;
    let listener = std::net::TcpListener::bind(cfg.listen).map_err(|e| format!("--listen {}: {}", cfg.listen, e))?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let base_url = format!("{}://{}", if tls.is_some() { "https" } else { "http" }, addr);
    let (tx, _rx) = tokio::sync::watch::channel(false);
    let auth_cfg = AuthConfig {
        token_lifetime: cfg.token_lifetime,
        device_interval: cfg.device_interval,
        device_expiry: cfg.device_expiry,
        auto_approve_after: cfg.auto_approve_after,
        authorize_fault: cfg.authorize_fault.clone(),
        static_token: cfg.static_token.clone(),
    };
    let throttle = Throttle::new(cfg.throttle, cfg.throttle_scale, cfg.throttle_speed, cfg.tenant_size, tenant.tenant_id.clone());
    let sim = Arc::new(Sim {
        cfg,
        base_url: base_url.clone(),
        tenant: RwLock::new(tenant),
        apps,
        auth: Mutex::new(AuthState::new()),
        auth_cfg,
        throttle,
        stats: Mutex::new(Stats::default()),
        seq: AtomicU64::new(0),
        shutdown: tx,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("graph-sim")
        .build()
        .map_err(|e| e.to_string())?;
    let server_sim = sim.clone();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
    let thread = std::thread::Builder::new()
        .name("graph-sim-server".into())
        .spawn(move || {
            runtime.block_on(async move {
                match server::serve(server_sim, listener, tls) {
                    Ok(fut) => {
                        let _ = ready_tx.send(Ok(()));
                        fut.await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
            runtime.shutdown_timeout(std::time::Duration::from_millis(200));
        })
        .map_err(|e| e.to_string())?;
    ready_rx.recv().map_err(|e| e.to_string())??;
    Ok(Running { base_url, addr, sim, thread: Some(thread) })
}
