//! The Microsoft Graph client: one tokio runtime per client, every call
//! paced, retried and cancellable, the bearer token sent only to the
//! configured Graph host.

use crate::auth::{Assertion, AuthError, AuthSettings, Cloud, Credential, DeviceCodePrompt, ManagedIdentitySource, TokenProvider};
use crate::domain::{ChangeRequest, Decision, Group, Refusal, WritebackState};
use crate::retry::{is_retryable_status, Cost, Next, Pace, RetryBudget, RetryState, Signal};
use crate::secret::{clean_field, redact_all, redact_body, Secret};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio_util::sync::CancellationToken;
use url::Url;

/// The properties the rules need; always selected.
pub const REQUIRED_SELECT: [&str; 8] = crate::domain::Group::PROPERTIES;

/// The longest error message, and the longest code or request id, kept
/// from what a server sent.
pub const MAX_MESSAGE_CHARS: usize = 2048;
pub const MAX_CODE_CHARS: usize = 128;

/// The longest request URL sent. The HTTP stack cannot carry much more
/// (about 64 KB), and Graph's own limits are far lower.
const MAX_URL_LEN: usize = 32 * 1024;

/// Everything that can go wrong talking to Graph. Messages never contain a
/// token or secret.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GraphError {
    #[error("{0}")]
    InvalidArgument(String),
    #[error("network error: {0}")]
    Network(String),
    #[error("{message}")]
    Graph { status: u16, code: String, message: String, request_id: Option<String> },
    #[error("sign-in failed: {0}")]
    Auth(String),
    #[error("{0}")]
    UntrustedUrl(String),
    #[error("cancelled")]
    Cancelled,
    #[error("unexpected answer from Graph: {0}")]
    InvalidResponse(String),
    #[error("{}", .0.message)]
    Refused(Refusal),
    #[error("sign-in is still pending: the user has not finished the device code sign-in")]
    Pending,
}

impl GraphError {
    pub fn graph_code(&self) -> Option<&str> {
        match self {
            GraphError::Graph { code, .. } if !code.is_empty() => Some(code),
            _ => None,
        }
    }
    pub fn request_id(&self) -> Option<&str> {
        match self {
            GraphError::Graph { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }
    pub fn http_status(&self) -> Option<u16> {
        match self {
            GraphError::Graph { status, .. } => Some(*status),
            _ => None,
        }
    }
    /// The same error with its message rewritten by `f`, which gets the
    /// message alone (without the prefix `Display` adds, such as "network
    /// error: "), so a message is never prefixed twice.
    pub fn map_message(self, f: impl FnOnce(String) -> String) -> GraphError {
        match self {
            GraphError::InvalidArgument(m) => GraphError::InvalidArgument(f(m)),
            GraphError::Network(m) => GraphError::Network(f(m)),
            GraphError::Graph { status, code, message, request_id } => {
                GraphError::Graph { status, code, message: f(message), request_id }
            }
            GraphError::Auth(m) => GraphError::Auth(f(m)),
            GraphError::UntrustedUrl(m) => GraphError::UntrustedUrl(f(m)),
            GraphError::InvalidResponse(m) => GraphError::InvalidResponse(f(m)),
            other => other,
        }
    }

    /// Every string in the error with the secrets in `secrets` redacted (in
    /// any letter case), control characters removed and lengths bounded:
    /// what the client does to anything a server sent before a caller sees
    /// it.
    pub fn scrub(self, secrets: &[&Secret]) -> GraphError {
        let clean = |m: &str, max| clean_field(&redact_all(m, secrets), max);
        match self.map_message(|m| clean(&m, MAX_MESSAGE_CHARS)) {
            GraphError::Graph { status, code, message, request_id } => GraphError::Graph {
                status,
                code: clean(&code, MAX_CODE_CHARS),
                message,
                request_id: request_id.map(|r| clean(&r, MAX_CODE_CHARS)),
            },
            other => other,
        }
    }

    /// A JSON object for per-group results: `status` (Graph's HTTP status
    /// or null), `code` (Graph's error code, else [`GraphError::kind`]),
    /// `graphCode` (Graph's code only: null when the client caught the
    /// error itself), `gwbStatus` and `statusName` (the `gwb_status` a call
    /// failing this way returns), `message`, `requestId`.
    pub fn to_json(&self) -> Value {
        let status = crate::ffi::status_of(self);
        json!({
            "status": self.http_status(),
            "code": self.graph_code().map(str::to_string).unwrap_or_else(|| self.kind().to_string()),
            "graphCode": self.graph_code(),
            "gwbStatus": status as u32,
            "statusName": status.name(),
            "message": self.to_string(),
            "requestId": self.request_id(),
        })
    }
    /// A short machine-readable kind.
    pub fn kind(&self) -> &'static str {
        match self {
            GraphError::InvalidArgument(_) => "InvalidArgument",
            GraphError::Network(_) => "NetworkError",
            GraphError::Graph { status: 404, .. } => "NotFound",
            GraphError::Graph { status: 401, .. } => "Unauthorized",
            GraphError::Graph { status: 403, .. } => "Forbidden",
            GraphError::Graph { status: 429, .. } => "TooManyRequests",
            GraphError::Graph { .. } => "GraphError",
            GraphError::Auth(_) => "AuthenticationFailed",
            GraphError::UntrustedUrl(_) => "UntrustedUrl",
            GraphError::Cancelled => "Cancelled",
            GraphError::InvalidResponse(_) => "InvalidResponse",
            GraphError::Refused(_) => "Refused",
            GraphError::Pending => "Pending",
        }
    }
}

impl From<AuthError> for GraphError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::UntrustedUrl(m) => GraphError::UntrustedUrl(m),
            AuthError::InvalidCredential(m) => GraphError::InvalidArgument(m),
            other => GraphError::Auth(other.to_string()),
        }
    }
}

/// Counters a caller can poll while work runs on the client's threads.
#[derive(Default, Debug)]
pub struct Progress {
    pub total: AtomicU64,
    pub requests: AtomicU64,
    pub pages_read: AtomicU64,
    pub groups_read: AtomicU64,
    pub written: AtomicU64,
    pub no_change: AtomicU64,
    /// Changes a preview (a bulk check) found would be written.
    pub would_write: AtomicU64,
    pub refused: AtomicU64,
    pub failed: AtomicU64,
    pub cancelled: AtomicU64,
    pub retries: AtomicU64,
    pub throttled: AtomicU64,
    pub throttle_wait_ms: AtomicU64,
    pub pacing_wait_ms: AtomicU64,
}

impl Progress {
    pub fn add(&self, field: fn(&Progress) -> &AtomicU64, n: u64) {
        field(self).fetch_add(n, Ordering::Relaxed);
    }
    pub fn get(&self, field: fn(&Progress) -> &AtomicU64) -> u64 {
        field(self).load(Ordering::Relaxed)
    }
}

/// Client settings, as JSON from callers (`camelCase`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientOptions {
    /// "Global" (default), "USGov", "USGovDoD", "China".
    #[serde(default)]
    pub cloud: Option<String>,
    /// A Graph base URL other than the cloud's (e.g. the simulated tenant:
    /// `http://127.0.0.1:4000`); sign-in goes there too unless `authority`.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The sign-in base URL (default: the cloud's, or `endpoint`).
    #[serde(default)]
    pub authority: Option<String>,
    /// "accessToken", "clientSecret", "certificate", "deviceCode",
    /// "browser" (authorization code with PKCE through the browser, device
    /// code where no browser can be opened: SSH, no display),
    /// "environment" (Azure Identity's variables), "managedIdentity" (the
    /// system-assigned identity, or the user-assigned one `clientId`; the
    /// secret, when given, is the identity header), "workloadIdentity" (a
    /// federated token file: `federatedTokenFile`, else
    /// `AZURE_FEDERATED_TOKEN_FILE`, with `tenantId`/`clientId` or
    /// `AZURE_TENANT_ID`/`AZURE_CLIENT_ID`), "clientAssertion" (the secret is
    /// a client assertion issued elsewhere). Default: "accessToken" when a
    /// secret is given, else "environment".
    #[serde(default)]
    pub auth: Option<String>,
    #[serde(default)]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
    /// For "certificate": the certificate PEM (the secret is the private key).
    #[serde(default)]
    pub certificate_pem: Option<String>,
    /// For "certificate": a PEM file holding the private key and certificate
    /// (instead of passing them).
    #[serde(default)]
    pub certificate_path: Option<String>,
    /// For "workloadIdentity": the federated token file.
    #[serde(default)]
    pub federated_token_file: Option<String>,
    /// For "browser": the program that opens the sign-in page, run with the
    /// URL as its one argument (default: `GWB_BROWSER`, else the system's
    /// browser).
    #[serde(default)]
    pub browser_command: Option<String>,
    /// For "browser": how long to wait for the browser to come back with
    /// the sign-in's code (300).
    #[serde(default = "default_browser_timeout")]
    pub browser_timeout_seconds: f64,
    /// For "browser" and "deviceCode": the delegated permissions to ask
    /// for, as `Connect-MgGraph -Scopes` takes them: a Graph permission by
    /// name (`Group.Read.All`, made `https://graph.microsoft.com/Group.Read.All`
    /// in the client's cloud), a full scope URI, or `.default`. Default:
    /// [`DEFAULT_DELEGATED_SCOPES`]. `offline_access` is always added.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// For "browser" and "deviceCode": a file to keep the person's refresh
    /// token in between sessions, protected with DPAPI for the current user
    /// (Windows only: refused elsewhere). Default: none, nothing written.
    #[serde(default)]
    pub token_cache: Option<String>,
    /// For "managedIdentity" on an Azure Arc-enabled server: the folder the
    /// agent's challenge key files must be in, when not the agent's own
    /// (`/var/opt/azcmagent/tokens`, `%ProgramData%\AzureConnectedMachineAgent\Tokens`).
    #[serde(default)]
    pub azure_arc_key_directory: Option<String>,
    /// The values of the environment variables the library reads
    /// (`gwb_environment_variables_json`), by name, used instead of the
    /// process's environment: a host whose variables native code cannot see
    /// (PowerShell on Linux) passes them here. Secret ones (the client
    /// secret, the identity header) go as the secret instead.
    #[serde(default)]
    pub environment: Option<std::collections::HashMap<String, String>>,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: f64,
    #[serde(default = "default_max_retries")]
    pub max_retries: u32,
    #[serde(default = "default_max_retry_wait")]
    pub max_retry_wait_seconds: f64,
    /// Write pace: the quota is 3,000 writes per 150 s per app and tenant.
    #[serde(default = "default_writes_per_second")]
    pub writes_per_second: f64,
    #[serde(default = "default_write_burst")]
    pub write_burst: u32,
    /// Resource-unit pace for every request: the smallest published quota
    /// is 3,500 per 10 s per app and tenant (tenants under 50 users).
    #[serde(default = "default_resource_units_per_second")]
    pub resource_units_per_second: f64,
    #[serde(default = "default_resource_unit_burst")]
    pub resource_unit_burst: u32,
    /// `$batch` requests in flight at once.
    #[serde(default = "default_concurrency")]
    pub batch_concurrency: usize,
    /// Base of the backoff when the service gives no `Retry-After`.
    #[serde(default = "default_backoff_base")]
    pub backoff_base_seconds: f64,
}

fn default_timeout() -> f64 {
    100.0
}
fn default_browser_timeout() -> f64 {
    300.0
}
fn default_max_retries() -> u32 {
    8
}
fn default_max_retry_wait() -> f64 {
    300.0
}
fn default_writes_per_second() -> f64 {
    3000.0 / 150.0
}
fn default_write_burst() -> u32 {
    20
}
fn default_resource_units_per_second() -> f64 {
    3500.0 / 10.0
}
fn default_resource_unit_burst() -> u32 {
    // A tenth of the smallest bucket.
    350
}
fn default_concurrency() -> usize {
    4
}
fn default_backoff_base() -> f64 {
    0.5
}

impl Default for ClientOptions {
    fn default() -> Self {
        serde_json::from_str("{}").expect("defaults")
    }
}

/// True for loopback hosts, the only ones allowed over plain http.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Checks a base URL: https, or http on loopback only.
pub fn check_base_url(raw: &str, what: &str) -> Result<Url, GraphError> {
    let mut url = Url::parse(raw)
        .map_err(|e| GraphError::InvalidArgument(format!("{} '{}' is not a URL: {}", what, raw, e)))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(GraphError::UntrustedUrl(format!(
                "{} '{}' uses http: only https is allowed, except for loopback addresses (127.0.0.1, ::1, localhost)",
                what, raw
            )))
        }
        other => {
            return Err(GraphError::InvalidArgument(format!("{} '{}' has unsupported scheme '{}'", what, raw, other)))
        }
    }
    if url.host().is_none() {
        return Err(GraphError::InvalidArgument(format!("{} '{}' has no host", what, raw)));
    }
    if !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

/// A response read whole.
pub struct Reply<T = Value> {
    pub status: u16,
    pub body: T,
}

/// The delegated permissions a person's sign-in asks for by default: what
/// Microsoft documents as least privileged for updating a group
/// (https://learn.microsoft.com/en-us/graph/api/group-update?view=graph-rest-beta#permissions),
/// which also reads groups. `Connect-GroupWriteback -Scopes Group.Read.All`
/// asks for less where only reading is wanted.
pub const DEFAULT_DELEGATED_SCOPES: &[&str] = &["Group.ReadWrite.All"];

/// The OpenID Connect scopes, which name no resource.
const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

/// `scopes` as the token endpoint takes them: each Graph permission name
/// prefixed with the Graph resource of `default_scope` (`{resource}/.default`),
/// full URIs and OpenID scopes kept, duplicates and `offline_access` (the
/// flows add it) left out. A scope is a scope-token of RFC 6749 section 3.3.
fn delegated_scopes(given: Option<&[String]>, default_scope: &str) -> Result<Vec<String>, GraphError> {
    let resource = default_scope.strip_suffix(".default").unwrap_or(default_scope);
    let names: Vec<String> = match given {
        Some(g) => g.to_vec(),
        None => DEFAULT_DELEGATED_SCOPES.iter().map(|s| s.to_string()).collect(),
    };
    let mut out: Vec<String> = Vec::new();
    for name in names.iter().map(|n| n.trim()) {
        let valid = !name.is_empty() && name.bytes().all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
        if !valid {
            let shown: String = name.chars().take(80).collect();
            return Err(GraphError::InvalidArgument(format!(
                "scope {:?} is not valid: name a Graph permission such as Group.Read.All, or a full scope URI (no spaces, quotes or backslashes)",
                shown
            )));
        }
        let full = if OIDC_SCOPES.iter().any(|o| o.eq_ignore_ascii_case(name)) || name.contains("://") || name.contains('/') {
            name.to_string()
        } else {
            format!("{}{}", resource, name)
        };
        if full.eq_ignore_ascii_case("offline_access") || out.iter().any(|o| o.eq_ignore_ascii_case(&full)) {
            continue;
        }
        out.push(full);
    }
    if out.is_empty() {
        return Err(GraphError::InvalidArgument(
            "'scopes' names no permission: give at least one, such as Group.Read.All or Group.ReadWrite.All".into(),
        ));
    }
    Ok(out)
}

/// What the client is connected to, for display (no secrets).
#[derive(Debug, Clone)]
pub struct ContextInfo {
    pub cloud: String,
    pub graph_base: String,
    pub authority: String,
    pub auth: String,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    /// A managed identity's kind: "systemAssigned" or "userAssigned".
    pub identity: Option<String>,
    /// A managed identity's endpoint ("imds", "appService", "azureArc") or the federated
    /// token file.
    pub token_source: Option<String>,
    /// Why the sign-in is not the one asked for: "browser" falls back to
    /// device code where no browser can be opened (the reason is here, and
    /// at the start of the device code prompt's message).
    pub notice: Option<String>,
    /// A delegated sign-in's requested scopes (without `offline_access`).
    pub scopes: Option<Vec<String>>,
    /// The token cache's file, when one is kept.
    pub token_cache: Option<String>,
}

pub(crate) struct Inner {
    pub http: reqwest::Client,
    pub graph_base: Url,
    pub beta: Url,
    pub auth: TokenProvider,
    pub opts: ClientOptions,
    pub progress: Progress,
    pub pace: Pace,
    cancel: Mutex<CancellationToken>,
    pub info: ContextInfo,
}

/// A Graph client. Safe to share between threads: every method blocks the
/// calling thread on the client's own runtime.
pub struct Client {
    pub(crate) rt: Arc<tokio::runtime::Runtime>,
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("context", &self.inner.info).finish()
    }
}

impl Client {
    /// Builds a client from options and an optional secret (the access
    /// token, the client secret, or the certificate's private key PEM).
    pub fn new(opts: ClientOptions, secret: Option<Secret>) -> Result<Client, GraphError> {
        for (name, rate) in [("writesPerSecond", opts.writes_per_second), ("resourceUnitsPerSecond", opts.resource_units_per_second)] {
            if !(rate.is_finite() && rate > 0.0) {
                return Err(GraphError::InvalidArgument(format!("'{}' must be a positive number, not {}", name, rate)));
            }
        }
        let cloud = match &opts.cloud {
            None => Cloud::Global,
            Some(name) => Cloud::parse(name).ok_or_else(|| {
                GraphError::InvalidArgument(format!(
                    "cloud '{}' is not known: use Global, USGov, USGovDoD or China",
                    name
                ))
            })?,
        };
        let graph_base = match &opts.endpoint {
            Some(e) => check_base_url(e, "endpoint")?,
            None => check_base_url(&format!("https://{}/", cloud.graph_host()), "endpoint")?,
        };
        let given_env = opts.environment.clone();
        let lookup = move |name: &str| -> Option<String> {
            match &given_env {
                Some(map) => map.get(name).cloned(),
                None => std::env::var(name).ok(),
            }
            .filter(|v| !v.is_empty())
        };
        let env_authority = lookup(crate::auth::ENV_AUTHORITY_HOST);
        let authority = match (&opts.authority, &opts.endpoint) {
            (Some(a), _) => check_base_url(a, "authority")?,
            (None, Some(_)) => graph_base.clone(),
            (None, None) => check_base_url(&format!("https://{}/", cloud.login_host()), "authority")?,
        };
        let scope = match &opts.endpoint {
            Some(_) => format!("{}.default", graph_base),
            None => format!("https://{}/.default", cloud.graph_host()),
        };
        let need = |v: &Option<String>, name: &str| {
            v.clone().filter(|s| !s.trim().is_empty()).ok_or_else(|| {
                GraphError::InvalidArgument(format!("'{}' is required for this sign-in method", name))
            })
        };
        let kind = opts.auth.clone().unwrap_or_else(|| {
            if secret.is_some() { "accessToken".into() } else { "environment".into() }
        });
        let delegated = matches!(kind.to_ascii_lowercase().as_str(), "browser" | "devicecode");
        let scopes = match (&opts.scopes, delegated) {
            (Some(_), false) => {
                return Err(GraphError::InvalidArgument(
                    "'scopes' applies to a person's sign-in (browser, deviceCode): an app, a managed identity or a workload identity \
                     gets the application permissions granted to it, asked for with the resource's /.default"
                        .into(),
                ))
            }
            (given, true) => Some(delegated_scopes(given.as_deref(), &scope)?),
            (None, false) => None,
        };
        let delegated_scope = scopes.as_ref().map(|s| s.join(" "));
        let need_secret = |what: &str| {
            secret.clone().filter(|s| !s.is_empty()).ok_or_else(|| {
                GraphError::InvalidArgument(format!("{} is required: pass it as the secret", what))
            })
        };
        let mut notice = None;
        let settings = match kind.to_ascii_lowercase().as_str() {
            "accesstoken" => {
                let token = need_secret("an access token")?;
                AuthSettings { authority, scope, credential: Credential::AccessToken(token) }
            }
            "clientsecret" => {
                let s = need_secret("a client secret")?;
                AuthSettings {
                    authority,
                    scope,
                    credential: Credential::ClientSecret {
                        tenant_id: need(&opts.tenant_id, "tenantId")?,
                        client_id: need(&opts.client_id, "clientId")?,
                        secret: s,
                    },
                }
            }
            "certificate" => {
                let (key, cert) = match (&opts.certificate_path, secret) {
                    (Some(path), None) => crate::auth::read_certificate_file(path)?,
                    (_, Some(key)) => {
                        let cert = opts.certificate_pem.clone().ok_or_else(|| {
                            GraphError::InvalidArgument("'certificatePem' is required with a private key".into())
                        })?;
                        (key, cert)
                    }
                    (None, None) => {
                        return Err(GraphError::InvalidArgument(
                            "a certificate sign-in needs 'certificatePath', or the private key as the secret and 'certificatePem'".into(),
                        ))
                    }
                };
                AuthSettings {
                    authority,
                    scope,
                    credential: Credential::ClientCertificate {
                        tenant_id: need(&opts.tenant_id, "tenantId")?,
                        client_id: need(&opts.client_id, "clientId")?,
                        private_key_pem: key,
                        certificate_pem: cert,
                    },
                }
            }
            "browser" => {
                let tenant_id = opts.tenant_id.clone().unwrap_or_else(|| "organizations".into());
                let client_id = opts
                    .client_id
                    .clone()
                    .filter(|c| !c.trim().is_empty())
                    .unwrap_or_else(|| crate::auth::DEFAULT_PUBLIC_CLIENT_ID.to_string());
                // The options' environment first, then the process's: the
                // display and SSH variables are inherited, never set by a host.
                let host_env = |name: &str| {
                    match opts.environment.as_ref().and_then(|m| m.get(name)) {
                        Some(v) => Some(v.clone()),
                        None => std::env::var(name).ok(),
                    }
                    .filter(|v| !v.trim().is_empty())
                };
                let program = opts
                    .browser_command
                    .clone()
                    .filter(|c| !c.trim().is_empty())
                    .or_else(|| host_env(crate::auth::ENV_BROWSER));
                let secs = opts.browser_timeout_seconds;
                if !(secs.is_finite() && secs >= 1.0) {
                    return Err(GraphError::InvalidArgument(format!("'browserTimeoutSeconds' must be at least 1, not {}", secs)));
                }
                let launcher = match (program, crate::auth::browser_unavailable(&host_env)) {
                    (Some(p), _) => Some(crate::auth::BrowserLauncher::Program(p)),
                    (None, None) => Some(crate::auth::BrowserLauncher::System),
                    (None, Some(why)) => {
                        notice = Some(format!(
                            "No browser can be opened here ({}): signing in with a device code instead.",
                            why
                        ));
                        None
                    }
                };
                let credential = match launcher {
                    Some(launcher) => Credential::Browser {
                        tenant_id,
                        client_id,
                        launcher,
                        timeout: Duration::from_secs_f64(secs.min(86_400.0)),
                    },
                    None => Credential::DeviceCode { tenant_id, client_id },
                };
                AuthSettings { authority, scope: delegated_scope.clone().unwrap_or(scope), credential }
            }
            "devicecode" => AuthSettings {
                authority,
                scope: delegated_scope.clone().unwrap_or(scope),
                credential: Credential::DeviceCode {
                    tenant_id: opts.tenant_id.clone().unwrap_or_else(|| "organizations".into()),
                    client_id: opts
                        .client_id
                        .clone()
                        .filter(|c| !c.trim().is_empty())
                        .unwrap_or_else(|| crate::auth::DEFAULT_PUBLIC_CLIENT_ID.to_string()),
                },
            },
            "environment" => {
                let default_authority = match (&opts.authority, &opts.endpoint, env_authority) {
                    (None, None, Some(host)) => {
                        let raw = if host.contains("://") { host } else { format!("https://{}", host) };
                        check_base_url(&raw, "AZURE_AUTHORITY_HOST")?
                    }
                    _ => authority,
                };
                AuthSettings::from_environment(&lookup, default_authority, scope)?
            }
            "managedidentity" => {
                let key_directory = opts.azure_arc_key_directory.clone().map(std::path::PathBuf::from);
                let source = ManagedIdentitySource::from_environment(&lookup, secret, key_directory)?;
                let client_id = opts.client_id.clone().filter(|c| !c.trim().is_empty());
                AuthSettings { authority, scope, credential: Credential::ManagedIdentity { client_id, source } }
            }
            "workloadidentity" => {
                let from_env = |v: &Option<String>, name: &str| {
                    v.clone().filter(|s| !s.trim().is_empty()).or_else(|| lookup(name)).ok_or_else(|| {
                        GraphError::InvalidArgument(format!("workload identity needs '{}' or {}", name_of(name), name))
                    })
                };
                fn name_of(env: &str) -> &'static str {
                    match env {
                        crate::auth::ENV_TENANT_ID => "tenantId",
                        crate::auth::ENV_CLIENT_ID => "clientId",
                        _ => "federatedTokenFile",
                    }
                }
                let file = from_env(&opts.federated_token_file, crate::auth::ENV_FEDERATED_TOKEN_FILE)?;
                AuthSettings {
                    authority,
                    scope,
                    credential: Credential::ClientAssertion {
                        tenant_id: from_env(&opts.tenant_id, crate::auth::ENV_TENANT_ID)?,
                        client_id: from_env(&opts.client_id, crate::auth::ENV_CLIENT_ID)?,
                        assertion: Assertion::File(file.into()),
                    },
                }
            }
            "clientassertion" => {
                let a = need_secret("a client assertion")?;
                AuthSettings {
                    authority,
                    scope,
                    credential: Credential::ClientAssertion {
                        tenant_id: need(&opts.tenant_id, "tenantId")?,
                        client_id: need(&opts.client_id, "clientId")?,
                        assertion: Assertion::Given(a),
                    },
                }
            }
            other => {
                return Err(GraphError::InvalidArgument(format!(
                    "sign-in method '{}' is not known: use accessToken, clientSecret, certificate, deviceCode, browser, environment, \
                     managedIdentity, workloadIdentity or clientAssertion",
                    other
                )))
            }
        };
        let authority_text = settings.authority.to_string();
        let mut auth = TokenProvider::new(settings)?;
        if let Some(path) = opts.token_cache.as_deref() {
            if path.trim().is_empty() {
                return Err(GraphError::InvalidArgument("'tokenCache' is empty: give a file path, or leave it out".into()));
            }
            auth = auth.with_cache(std::path::Path::new(path))?;
        }
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs_f64(opts.timeout_seconds.max(0.1)))
            .connect_timeout(Duration::from_secs(20))
            .pool_max_idle_per_host(opts.batch_concurrency.max(1) * 2)
            .user_agent(concat!("group-writeback/", env!("CARGO_PKG_VERSION")));
        if is_loopback(&graph_base) {
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| GraphError::Network(format!("cannot build the HTTP client: {}", e)))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("group-writeback")
            .on_thread_start(crate::panics::quiet_thread)
            .enable_all()
            .build()
            .map_err(|e| GraphError::Network(format!("cannot start the client's runtime: {}", e)))?;
        let beta = graph_base.join("beta/").expect("a base URL joins a relative path");
        let info = ContextInfo {
            cloud: if opts.endpoint.is_some() { "Custom".into() } else { cloud.name().into() },
            graph_base: graph_base.to_string(),
            authority: authority_text,
            auth: auth.kind().into(),
            tenant_id: auth.tenant_id().map(str::to_string),
            client_id: auth.client_id().map(str::to_string),
            identity: auth.identity().map(str::to_string),
            token_source: auth.token_source(),
            notice,
            scopes,
            token_cache: auth.cache_path().map(|p| p.display().to_string()),
        };
        let pace = Pace::new(opts.resource_units_per_second, opts.resource_unit_burst, opts.writes_per_second, opts.write_burst);
        Ok(Client {
            rt: Arc::new(rt),
            inner: Arc::new(Inner {
                http,
                graph_base,
                beta,
                auth,
                pace,
                opts,
                progress: Progress::default(),
                cancel: Mutex::new(CancellationToken::new()),
                info,
            }),
        })
    }

    pub fn info(&self) -> &ContextInfo {
        &self.inner.info
    }

    pub fn progress(&self) -> &Progress {
        &self.inner.progress
    }

    /// The client's current paces, as the service's answers have adjusted
    /// them: resource units per second and writes per second.
    pub fn pace(&self) -> (f64, f64) {
        (self.inner.pace.resource_units.rate(), self.inner.pace.writes.rate())
    }

    /// A token for a new operation: cancelled by [`Client::cancel`].
    pub(crate) fn operation_token(&self) -> CancellationToken {
        self.inner.cancel.lock().unwrap_or_else(|p| p.into_inner()).child_token()
    }

    /// Cancels every operation in progress on this client (from any thread).
    /// Later operations run normally.
    pub fn cancel(&self) {
        let mut guard = self.inner.cancel.lock().unwrap_or_else(|p| p.into_inner());
        guard.cancel();
        *guard = CancellationToken::new();
    }

    pub(crate) fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Signs in now (acquires a token), so that a wrong credential shows at
    /// connect time rather than at the first read.
    /// Signs in now, so a wrong credential shows at once: a token is
    /// acquired for a secret or certificate. A token the caller gave cannot
    /// be checked that way, so it is tried on one cheap request
    /// (`GET /beta/groups?$top=1&$select=id`, one resource unit, the
    /// permission the client needs anyway): a 401 or 403 is the error.
    pub fn sign_in(&self) -> Result<(), GraphError> {
        let inner = self.inner.clone();
        let cancel = self.operation_token();
        self.block_on(async move {
            tokio::select! {
                r = inner.auth.token(&inner.http) => r.map(|_| ()).map_err(GraphError::from),
                _ = cancel.cancelled() => Err(GraphError::Cancelled),
            }?;
            if inner.auth.kind() != "accessToken" {
                return Ok(());
            }
            let mut url = inner.beta.join("groups").expect("relative path");
            url.query_pairs_mut().append_pair("$top", "1").append_pair("$select", "id");
            inner
                .send(reqwest::Method::GET, url, None, &[], Cost::read(), &cancel, &[])
                .await
                .map(|_| ())
                .map_err(|e| e.map_message(|m| format!("the access token was refused: {}", m)))
        })
    }

    pub fn device_code_begin(&self) -> Result<DeviceCodePrompt, GraphError> {
        let inner = self.inner.clone();
        let notice = inner.info.notice.clone();
        self.block_on(async move {
            let mut prompt = inner.auth.device_code_begin(&inner.http).await.map_err(GraphError::from)?;
            if let Some(n) = notice {
                prompt.message = format!("{} {}", n, prompt.message);
            }
            Ok(prompt)
        })
    }

    /// Waits up to `max_wait` for the device code sign-in: Ok(()) when
    /// signed in, `Pending` when the wait ran out first.
    pub fn device_code_wait(&self, max_wait: Duration) -> Result<(), GraphError> {
        let inner = self.inner.clone();
        let cancel = self.operation_token();
        self.block_on(async move {
            tokio::select! {
                r = inner.auth.device_code_wait(&inner.http, max_wait) => match r {
                    Ok(true) => Ok(()),
                    Ok(false) => Err(GraphError::Pending),
                    Err(e) => Err(GraphError::from(e)),
                },
                _ = cancel.cancelled() => Err(GraphError::Cancelled),
            }
        })
    }

    /// `GET /beta/groups/{id}` with the rules' `$select` (plus `extra`).
    pub fn get_group(&self, id: &str, extra_select: &[String]) -> Result<Value, GraphError> {
        let inner = self.inner.clone();
        let cancel = self.operation_token();
        let url = inner.group_url(id, extra_select)?;
        let group_id = id.trim().to_string();
        self.block_on(async move {
            let reply = inner.send(reqwest::Method::GET, url, None, &[], Cost::read(), &cancel, &[]).await.map_err(|e| about_group(&group_id, e))?;
            the_group(&group_id, &reply.body)?;
            Ok(reply.body)
        })
    }

    /// Validates and applies one change: GET, the rules, then PATCH (204).
    /// Returns the per-group result object (see `crate::bulk`).
    pub fn set_group(&self, id: &str, request: &ChangeRequest) -> Result<Value, GraphError> {
        let inner = self.inner.clone();
        let cancel = self.operation_token();
        let get_url = inner.group_url(id, &[])?;
        let patch_url = inner.group_url(id, &[]).map(|mut u| {
            u.set_query(None);
            u
        })?;
        let request = request.clone();
        let group_id = id.trim().to_string();
        self.block_on(async move {
            let reply = inner.send(reqwest::Method::GET, get_url, None, &[], Cost::read(), &cancel, &[]).await.map_err(|e| about_group(&group_id, e))?;
            let group = the_group(&group_id, &reply.body)?;
            let p = &inner.progress;
            match group.validate(&request) {
                Decision::Refused(r) => {
                    p.add(|p| &p.refused, 1);
                    Err(GraphError::Refused(r))
                }
                Decision::NoChange => {
                    p.add(|p| &p.no_change, 1);
                    Ok(crate::bulk::result_json(&group_ref(&group, id), "noChange", None, None, None, 0))
                }
                Decision::Send { body, after, makes_explicit } => {
                    inner
                        .send(reqwest::Method::PATCH, patch_url, Some(body.clone()), &[], Cost::write(), &cancel, &[])
                        .await
                        .map_err(|e| about_group(&group_id, e))?;
                    p.add(|p| &p.written, 1);
                    let mut r = crate::bulk::result_json(&group_ref(&group, id), "written", Some(&body), None, None, 1);
                    r["after"] = after.to_json();
                    r["madeExplicit"] = Value::Bool(makes_explicit);
                    Ok(r)
                }
            }
        })
    }

    /// [`Client::set_group`] for a portal state.
    pub fn set_group_state(&self, id: &str, state: WritebackState) -> Result<Value, GraphError> {
        let req = state
            .to_request()
            .ok_or_else(|| GraphError::InvalidArgument("the state must not be Unset".into()))?;
        self.set_group(id, &req)
    }
}

/// Names the group in a failed call's message (Graph's own messages, such
/// as a 503's, often do not), keeping Graph's status, code and request id.
fn about_group(id: &str, e: GraphError) -> GraphError {
    match e {
        GraphError::Graph { .. } | GraphError::Network(_) | GraphError::InvalidResponse(_) => {
            e.map_message(|m| if m.contains(id) { m } else { format!("group {}: {}", id, m) })
        }
        other => other,
    }
}

/// The group Graph sent for a read of group `requested`. An answer that is
/// not a group object (a collection page, an array, nothing), or is another
/// group (a different `id`), is an `InvalidResponse` naming what came back:
/// never an empty group.
pub(crate) fn the_group(requested: &str, body: &Value) -> Result<Group, GraphError> {
    let not_it = |what: String| {
        GraphError::InvalidResponse(format!("the answer for group {} was not that group: Graph sent {}", requested, what))
    };
    let obj = match body {
        Value::Object(obj) => obj,
        Value::Null => return Err(not_it("an empty answer".into())),
        other => return Err(not_it(crate::domain::json_kind(other).to_string())),
    };
    match obj.get("id") {
        Some(Value::String(id)) if id.eq_ignore_ascii_case(requested.trim()) => {}
        Some(Value::String(id)) => return Err(not_it(format!("group '{}'", crate::secret::clean_field(id, 64)))),
        _ => {
            let what = match obj.get("value") {
                Some(Value::Array(items)) => format!("a collection page of {} object(s), not one group", items.len()),
                _ => {
                    let keys: Vec<String> = obj.keys().take(6).map(|k| crate::secret::clean_field(k, 40)).collect();
                    let more = if obj.len() > keys.len() { ", ..." } else { "" };
                    format!("an object without an id (keys: {}{})", keys.join(", "), more)
                }
            };
            return Err(not_it(what));
        }
    }
    Group::from_json(body).map_err(|e| GraphError::InvalidResponse(format!("the JSON of group {}: {}", requested, e)))
}

pub(crate) fn group_ref(group: &Group, id: &str) -> Value {
    json!({"id": group.id.clone().unwrap_or_else(|| id.to_string()), "displayName": group.display_name})
}

/// Reads Graph's error envelope (`error.code`, `error.message`,
/// `error.innerError.request-id` or the older `requestId`).
pub fn parse_error(status: u16, body: &Value, header_request_id: Option<String>) -> GraphError {
    let err = body.get("error");
    let code = err.and_then(|e| e.get("code")).and_then(Value::as_str).unwrap_or("").to_string();
    let message = err.and_then(|e| e.get("message")).and_then(Value::as_str).unwrap_or("").to_string();
    let inner_id = err
        .and_then(|e| e.get("innerError").or_else(|| e.get("innererror")))
        .and_then(|i| i.get("request-id").or_else(|| i.get("requestId")))
        .and_then(Value::as_str)
        .map(str::to_string);
    let code = if code.is_empty() { format!("HTTP{}", status) } else { code };
    let message = if message.is_empty() {
        format!("Graph answered {} without an error message", status)
    } else {
        message
    };
    GraphError::Graph {
        status,
        code: clean_field(&code, MAX_CODE_CHARS),
        message: clean_field(&message, MAX_MESSAGE_CHARS),
        request_id: inner_id.or(header_request_id).map(|r| clean_field(&r, MAX_CODE_CHARS)),
    }
}

fn new_client_request_id() -> String {
    let b: [u8; 16] = rand::random();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        u16::from_be_bytes([b[4], b[5]]),
        u16::from_be_bytes([b[6], b[7]]) & 0x0fff,
        (u16::from_be_bytes([b[8], b[9]]) & 0x3fff) | 0x8000,
        u64::from_be_bytes([0, 0, b[10], b[11], b[12], b[13], b[14], b[15]])
    )
}

impl Inner {
    /// `beta/groups/{id}?$select=...` (the id percent-encoded).
    pub fn group_url(&self, id: &str, extra_select: &[String]) -> Result<Url, GraphError> {
        let id = id.trim();
        if id.is_empty() {
            return Err(GraphError::InvalidArgument("the group id is empty".into()));
        }
        if id.len() > 256 || id.chars().any(|c| c.is_control()) {
            return Err(GraphError::InvalidArgument(format!(
                "'{}' is not a group id",
                id.chars().take(64).collect::<String>()
            )));
        }
        let mut url = self.beta.join("groups/").expect("relative path");
        url.path_segments_mut().expect("http URL").pop_if_empty().push(id);
        url.query_pairs_mut().append_pair("$select", &select_list(extra_select));
        Ok(url)
    }

    /// The bounds on retrying, from the options.
    pub fn retry_budget(&self) -> RetryBudget {
        RetryBudget {
            max_failures: self.opts.max_retries,
            max_wait: Duration::from_secs_f64(self.opts.max_retry_wait_seconds.max(0.0).min(1e9)),
            base: Duration::from_secs_f64(self.opts.backoff_base_seconds.clamp(0.001, 1e6)),
        }
    }

    /// Sends one request with retries: 429/5xx/network errors are retried
    /// (honouring `Retry-After`, bounded by [`RetryBudget`]), a 401 triggers
    /// one token refresh, and the bearer token is only ever sent to the
    /// configured Graph origin. Every attempt first waits its turn on the
    /// client's pace for `cost`.
    #[allow(clippy::too_many_arguments)]
    pub async fn send(
        &self,
        method: reqwest::Method,
        url: Url,
        body: Option<Value>,
        headers: &[(&str, String)],
        cost: Cost,
        cancel: &CancellationToken,
        extra_progress: &[&Progress],
    ) -> Result<Reply, GraphError> {
        let reply = self
            .send_as(method, url, body, headers, Charge::Pay(cost), cancel, extra_progress, |b: &bytes::Bytes| serde_json::from_slice::<Value>(b))
            .await?;
        Ok(Reply { status: reply.status, body: reply.body.unwrap_or(Value::Null) })
    }

    /// [`Inner::send`] with the success body read by `parse` (`None` for an
    /// empty body or a 204). A body `parse` rejects as cut short or not
    /// JSON is retried like a transport failure; one it rejects for its
    /// shape is not.
    ///
    /// Everything a server sends is redacted of every secret the client
    /// holds before it is parsed or shown (see [`redact_body`]), and every
    /// error is scrubbed again on its way out ([`GraphError::scrub`]).
    #[allow(clippy::too_many_arguments)]
    pub async fn send_as<T>(
        &self,
        method: reqwest::Method,
        url: Url,
        body: Option<Value>,
        headers: &[(&str, String)],
        charge: Charge,
        cancel: &CancellationToken,
        extra_progress: &[&Progress],
        parse: impl Fn(&bytes::Bytes) -> Result<T, serde_json::Error>,
    ) -> Result<Reply<Option<T>>, GraphError> {
        match self.send_unscrubbed(method, url, body, headers, charge, cancel, extra_progress, parse).await {
            Ok(r) => Ok(r),
            Err(e) => {
                let secrets = self.auth.secrets(&Secret::default()).await;
                Err(e.scrub(&secrets.iter().collect::<Vec<_>>()))
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_unscrubbed<T>(
        &self,
        method: reqwest::Method,
        url: Url,
        body: Option<Value>,
        headers: &[(&str, String)],
        charge: Charge,
        cancel: &CancellationToken,
        extra_progress: &[&Progress],
        parse: impl Fn(&bytes::Bytes) -> Result<T, serde_json::Error>,
    ) -> Result<Reply<Option<T>>, GraphError> {
        if !same_origin(&url, &self.graph_base) {
            return Err(GraphError::UntrustedUrl(format!(
                "refused to send the token to {}: the configured Graph origin is {}, and the token goes nowhere else",
                clean_field(&url.origin().ascii_serialization(), 256),
                self.graph_base.origin().ascii_serialization()
            )));
        }
        if url.as_str().len() > MAX_URL_LEN {
            return Err(GraphError::InvalidArgument(format!(
                "the request URL would be {} characters long, more than the {} this client sends (a filter, search or id that long is not a valid query)",
                url.as_str().len(),
                MAX_URL_LEN
            )));
        }
        let bump = |f: fn(&Progress) -> &AtomicU64, n: u64| {
            self.progress.add(f, n);
            for p in extra_progress {
                p.add(f, n);
            }
        };
        let (cost, mut paid) = match charge {
            Charge::Pay(c) => (c, false),
            Charge::Paid(c) => (c, true),
        };
        let budget = self.retry_budget();
        let mut retries = RetryState::default();
        let mut refreshed = false;
        loop {
            if cancel.is_cancelled() {
                return Err(GraphError::Cancelled);
            }
            if !paid && !cost.is_none() {
                match self.pace.acquire(cost, cancel).await {
                    Some(waited) => bump(|p| &p.pacing_wait_ms, waited.as_millis() as u64),
                    None => return Err(GraphError::Cancelled),
                }
            }
            paid = false;
            let token = tokio::select! {
                t = self.auth.token(&self.http) => t.map_err(GraphError::from)?,
                _ = cancel.cancelled() => return Err(GraphError::Cancelled),
            };
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(token.expose())
                .header("Accept", "application/json")
                .header("client-request-id", new_client_request_id());
            for (k, v) in headers {
                req = req.header(*k, v.as_str());
            }
            if let Some(b) = &body {
                req = req.header("Content-Type", "application/json").body(b.to_string());
            }
            bump(|p| &p.requests, 1);
            let outcome = tokio::select! {
                r = Self::exchange(req) => r,
                _ = cancel.cancelled() => return Err(GraphError::Cancelled),
            };
            // Nothing the server sent is read before the secrets are out of it.
            let secrets = self.auth.secrets(&token).await;
            let secrets: Vec<&Secret> = secrets.iter().collect();
            let outcome = match outcome {
                Ok((signal, request_id, bytes)) => {
                    let request_id = request_id.map(|r| clean_field(&redact_all(&r, &secrets), MAX_CODE_CHARS));
                    let bytes = redact_body(&bytes, &secrets).map_or(bytes, bytes::Bytes::from);
                    Ok((signal, request_id, bytes))
                }
                Err(e) => Err(e.scrub(&secrets)),
            };
            // What to do next: return, or wait and try again.
            let (err, signal) = match outcome {
                Ok((signal, request_id, bytes)) => {
                    let status = signal.status;
                    if (200..300).contains(&status) {
                        // A `$batch`'s answer is learned from sub-response by
                        // sub-response; any other from its own headers.
                        if charge.is_single() {
                            self.pace.learn(cost, &signal, Duration::ZERO);
                        }
                        if bytes.is_empty() || status == 204 {
                            return Ok(Reply { status, body: None });
                        }
                        match parse(&bytes) {
                            Ok(v) => return Ok(Reply { status, body: Some(v) }),
                            Err(e) if e.is_data() => {
                                return Err(GraphError::InvalidResponse(format!(
                                    "the {} answer was not in the expected shape ({}), request-id {}",
                                    status,
                                    e,
                                    request_id.as_deref().unwrap_or("?")
                                )))
                            }
                            Err(e) => (
                                GraphError::InvalidResponse(format!(
                                    "the {} answer was not complete JSON ({}), request-id {}",
                                    status,
                                    e,
                                    request_id.as_deref().unwrap_or("?")
                                )),
                                None,
                            ),
                        }
                    } else if (300..400).contains(&status) {
                        return Err(GraphError::UntrustedUrl(format!(
                            "Graph answered {} (a redirect): redirects are not followed, so the token is never sent elsewhere",
                            status
                        )));
                    } else {
                        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                        let e = parse_error(status, &body, request_id);
                        if status == 401 && !refreshed {
                            refreshed = true;
                            match self.auth.refresh(&self.http).await {
                                Ok(_) => {
                                    bump(|p| &p.retries, 1);
                                    // Refused before any work: nothing to pay again.
                                    paid = true;
                                    continue;
                                }
                                Err(AuthError::NotRefreshable) => return Err(e),
                                Err(other) => return Err(GraphError::from(other)),
                            }
                        }
                        if !is_retryable_status(status) {
                            return Err(e);
                        }
                        if status == 429 {
                            bump(|p| &p.throttled, 1);
                        }
                        (e, Some(signal))
                    }
                }
                Err(network) => (network, None),
            };
            let throttled = signal.as_ref().map_or(false, |s| s.status == 429);
            let retry_after = signal.as_ref().and_then(|s| s.retry_after);
            let wait = match budget.next(&mut retries, throttled, retry_after) {
                Next::Wait(w) => w,
                Next::GiveUp(why) => return Err(gave_up(err, &why)),
            };
            if let Some(s) = &signal {
                if throttled {
                    self.pace.learn(cost, s, wait);
                }
            }
            bump(|p| &p.retries, 1);
            if throttled {
                bump(|p| &p.throttle_wait_ms, wait.as_millis() as u64);
            }
            if !crate::retry::sleep_or_cancel(wait, cancel).await {
                return Err(GraphError::Cancelled);
            }
        }
    }

    /// One HTTP exchange, the body read whole. Transport failures (reset,
    /// timeout, a body cut short) are `Network` errors, which are retried.
    async fn exchange(req: reqwest::RequestBuilder) -> Result<(Signal, Option<String>, bytes::Bytes), GraphError> {
        let resp = req.send().await.map_err(|e| GraphError::Network(describe_reqwest(&e)))?;
        let status = resp.status().as_u16();
        let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let request_id = header("request-id");
        let signal = Signal::read(status, header, SystemTime::now());
        let bytes = resp.bytes().await.map_err(|e| GraphError::Network(describe_reqwest(&e)))?;
        Ok((signal, request_id, bytes))
    }
}

/// What a request costs on the client's pace, and whether that was paid
/// before it was handed over (a `$batch` paid for its sub-requests when it
/// was formed, so that a cancel before sending sends nothing).
#[derive(Debug, Clone, Copy)]
pub enum Charge {
    /// Wait for the pace before every attempt.
    Pay(Cost),
    /// Paid for the first attempt; wait for the pace before any retry.
    Paid(Cost),
}

impl Charge {
    /// One read or one write (not a `$batch`).
    fn is_single(self) -> bool {
        let c = match self {
            Charge::Pay(c) | Charge::Paid(c) => c,
        };
        c.reads + c.writes == 1
    }
}

/// The last error of a request the client stopped retrying, saying why it
/// stopped (Graph's status, code and request id kept).
pub fn gave_up(e: GraphError, why: &str) -> GraphError {
    match e {
        GraphError::Graph { .. } | GraphError::Network(_) | GraphError::InvalidResponse(_) => {
            e.map_message(|m| format!("{} ({})", m, why))
        }
        other => other,
    }
}

/// A transport error in words, without URLs' query strings.
fn describe_reqwest(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "the request timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the answer was cut short"
    } else if e.is_request() {
        "the request failed"
    } else {
        "transport error"
    };
    let mut detail = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    let host = e.url().and_then(|u| u.host_str()).unwrap_or("?").to_string();
    if detail.is_empty() {
        format!("{} ({})", what, host)
    } else {
        format!("{} ({}): {}", what, host, detail)
    }
}

/// The `$select` value: the rules' properties plus the caller's.
pub fn select_list(extra: &[String]) -> String {
    let mut all: Vec<String> = REQUIRED_SELECT.iter().map(|s| s.to_string()).collect();
    for e in extra {
        for p in e.split(',') {
            let p = p.trim();
            if !p.is_empty() && !all.iter().any(|a| a.eq_ignore_ascii_case(p)) {
                all.push(p.to_string());
            }
        }
    }
    all.join(",")
}

