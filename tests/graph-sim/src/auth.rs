//! Sign-in: registered applications, the v2.0 token endpoint (client
//! credentials with a secret or a signed client assertion, device code),
//! the device authorization endpoint, and the bearer tokens it issues.

use crate::util::{b64url, b64url_decode, random_guid, unix_now};
use ring::signature;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What a token may do with groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permission {
    None,
    /// `Group.Read.All`
    Read,
    /// `Group.ReadWrite.All`
    ReadWrite,
}

impl Permission {
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Permission {
        let mut p = Permission::None;
        for n in names {
            let n = n.rsplit('/').next().unwrap_or(n);
            let this = if n.eq_ignore_ascii_case("Group.ReadWrite.All") || n.eq_ignore_ascii_case("Directory.ReadWrite.All") {
                Permission::ReadWrite
            } else if n.eq_ignore_ascii_case("Group.Read.All") || n.eq_ignore_ascii_case("Directory.Read.All") {
                Permission::Read
            } else {
                Permission::None
            };
            p = p.max(this);
        }
        p
    }

    pub fn names(self) -> Vec<&'static str> {
        match self {
            Permission::None => vec![],
            Permission::Read => vec!["Group.Read.All"],
            Permission::ReadWrite => vec!["Group.ReadWrite.All"],
        }
    }
}

#[derive(Clone, Debug)]
pub struct App {
    pub client_id: String,
    pub display_name: String,
    pub secrets: Vec<String>,
    pub permission: Permission,
    /// May use the device code flow (a public client).
    pub public_client: bool,
    /// Certificates or public keys, as PEM, for client assertions.
    pub certificates: Vec<String>,
    /// The RSA public keys (PKCS#1 DER) of `certificates`.
    pub rsa_keys: Vec<Vec<u8>>,
    /// Federated identity credentials: tokens of these issuers and subjects
    /// are accepted as client assertions (workload identity federation).
    pub federated: Vec<FederatedCredential>,
}

/// A federated identity credential on an application
/// (https://learn.microsoft.com/en-us/graph/api/resources/federatedidentitycredential?view=graph-rest-1.0):
/// its `issuer`, `subject` and `audiences`.
#[derive(Clone, Debug)]
pub struct FederatedCredential {
    pub issuer: String,
    pub subject: String,
    pub audience: String,
}

/// The audience Microsoft recommends for federated identity credentials.
pub const FEDERATED_AUDIENCE: &str = "api://AzureADTokenExchange";

impl FederatedCredential {
    /// `ISSUER|SUBJECT` or `ISSUER|SUBJECT|AUDIENCE` (`--federated-credential`).
    pub fn parse(text: &str) -> Result<FederatedCredential, String> {
        let parts: Vec<&str> = text.split('|').collect();
        match parts.as_slice() {
            [issuer, subject] | [issuer, subject, _] if !issuer.is_empty() && !subject.is_empty() => Ok(FederatedCredential {
                issuer: issuer.to_string(),
                subject: subject.to_string(),
                audience: parts.get(2).filter(|a| !a.is_empty()).unwrap_or(&FEDERATED_AUDIENCE).to_string(),
            }),
            _ => Err(format!("'{}' is not ISSUER|SUBJECT[|AUDIENCE]", text)),
        }
    }
}

pub const DEFAULT_TENANT_ID: &str = "5d0c5a8e-6a3b-4f2e-9c71-2b8f4e1d7a30";
pub const DEFAULT_DOMAIN: &str = "graphsim.onmicrosoft.com";
pub const DEFAULT_CLIENT_ID: &str = "8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b";
pub const DEFAULT_CLIENT_SECRET: &str = "graph-sim-secret";
pub const READONLY_CLIENT_ID: &str = "2b7e9f40-13c5-4d8a-b6e2-7f0a1c3d5e6f";
pub const READONLY_CLIENT_SECRET: &str = "graph-sim-readonly-secret";
/// Microsoft Graph PowerShell's well-known public client id.
pub const GRAPH_POWERSHELL_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
/// The certificate registered on the default application (its key is in
/// testdata/client-assertion-key.pem).
pub const DEFAULT_CERTIFICATE: &str = include_str!("../testdata/client-assertion-cert.pem");

impl App {
    pub fn new(client_id: &str, name: &str, secrets: &[&str], permission: Permission, public_client: bool) -> App {
        App {
            client_id: client_id.to_string(),
            display_name: name.to_string(),
            secrets: secrets.iter().map(|s| s.to_string()).collect(),
            permission,
            public_client,
            certificates: Vec::new(),
            rsa_keys: Vec::new(),
            federated: Vec::new(),
        }
    }

    pub fn add_certificate(&mut self, pem: &str) -> Result<(), String> {
        let key = rsa_key_from_pem(pem)?;
        self.certificates.push(pem.to_string());
        self.rsa_keys.push(key);
        Ok(())
    }

    pub fn to_json(&self) -> Value {
        json!({
            "clientId": self.client_id,
            "displayName": self.display_name,
            "secrets": self.secrets,
            "permissions": self.permission.names(),
            "publicClient": self.public_client,
            "certificates": self.certificates,
        })
    }

    pub fn from_json(v: &Value) -> Result<App, String> {
        let client_id = v.get("clientId").and_then(Value::as_str).ok_or("an app needs a clientId")?;
        let name = v.get("displayName").and_then(Value::as_str).unwrap_or(client_id);
        let mut secrets: Vec<&str> = Vec::new();
        if let Some(s) = v.get("secret").and_then(Value::as_str) {
            secrets.push(s);
        }
        if let Some(list) = v.get("secrets").and_then(Value::as_array) {
            secrets.extend(list.iter().filter_map(Value::as_str));
        }
        let perms: Vec<&str> = v
            .get("permissions")
            .and_then(Value::as_array)
            .map(|l| l.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let public = v.get("publicClient").and_then(Value::as_bool).unwrap_or(false);
        let mut app = App::new(client_id, name, &secrets, Permission::from_names(perms), public);
        if let Some(certs) = v.get("certificates").and_then(Value::as_array) {
            for c in certs.iter().filter_map(Value::as_str) {
                app.add_certificate(c).map_err(|e| format!("app {}: {}", client_id, e))?;
            }
        }
        Ok(app)
    }
}

pub fn default_apps() -> Vec<App> {
    let mut rw = App::new(DEFAULT_CLIENT_ID, "graph-sim default app", &[DEFAULT_CLIENT_SECRET], Permission::ReadWrite, true);
    rw.add_certificate(DEFAULT_CERTIFICATE).expect("the bundled certificate parses");
    vec![
        rw,
        App::new(READONLY_CLIENT_ID, "graph-sim read-only app", &[READONLY_CLIENT_SECRET], Permission::Read, false),
        App::new(GRAPH_POWERSHELL_CLIENT_ID, "Microsoft Graph Command Line Tools", &[], Permission::ReadWrite, true),
    ]
}

/// An issued bearer token.
#[derive(Clone, Debug)]
pub struct Principal {
    pub app_id: String,
    pub permission: Permission,
    pub expires: Option<Instant>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum DeviceState {
    Pending,
    Approved,
    Denied,
    Redeemed,
}

#[derive(Clone, Debug)]
struct DeviceCode {
    user_code: String,
    client_id: String,
    scope: String,
    permission: Permission,
    created: Instant,
    expires: Instant,
    interval: Duration,
    last_poll: Option<Instant>,
    state: DeviceState,
}

#[derive(Clone, Debug)]
pub struct AuthConfig {
    pub token_lifetime: u64,
    pub device_interval: u64,
    pub device_expiry: u64,
    pub auto_approve_after: Option<f64>,
    pub static_token: Option<String>,
    /// `--authorize-fault`: deny, hang, state or challenge.
    pub authorize_fault: Option<String>,
}

/// An authorization code issued at `/authorize`, redeemed once at `/token`.
#[derive(Clone, Debug)]
struct AuthCode {
    client_id: String,
    redirect_uri: String,
    /// `(method, challenge)`: PKCE (RFC 7636), when the request had one.
    challenge: Option<(String, String)>,
    scope: String,
    permission: Permission,
    expires: Instant,
    redeemed: bool,
}

/// What a refresh token stands for: the sign-in it renews.
#[derive(Clone, Debug)]
struct RefreshGrant {
    client_id: String,
    scope: String,
    permission: Permission,
}

/// Authorization codes live about ten minutes ("Authorization codes are
/// short lived. Typically, they expire after about 10 minutes":
/// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow).
const AUTH_CODE_LIFETIME: Duration = Duration::from_secs(600);

/// What `GET /{tenant}/oauth2/v2.0/authorize` answers: a redirect to the
/// client's redirect URI, or a page (the service shows errors about the
/// redirect URI or the client itself on its own page, never redirecting).
pub enum AuthorizeReply {
    Redirect(String),
    Page(u16, String),
}

pub struct AuthState {
    pub tokens: HashMap<String, Principal>,
    device: HashMap<String, DeviceCode>,
    pub issued: u64,
    /// The Azure Arc challenge keys written so far (each file's content).
    pub arc_keys: Vec<String>,
    /// Token requests IMDS has received (for `--imds-gone`).
    pub imds_requests: u64,
    codes: HashMap<String, AuthCode>,
    refresh: HashMap<String, RefreshGrant>,
}

impl AuthState {
    pub fn new() -> Self {
        AuthState {
            tokens: HashMap::new(),
            device: HashMap::new(),
            issued: 0,
            arc_keys: Vec::new(),
            imds_requests: 0,
            codes: HashMap::new(),
            refresh: HashMap::new(),
        }
    }

    /// A refresh token for a delegated sign-in whose scope has
    /// `offline_access` (else None, as the service issues none).
    fn issue_refresh(&mut self, client_id: &str, scope: &str, permission: Permission) -> Option<String> {
        if !scope.split_whitespace().any(|w| w.eq_ignore_ascii_case("offline_access")) {
            return None;
        }
        let rt = format!("0.gsim-rt.{}", b64url(&rand::random::<[u8; 32]>()));
        self.refresh.insert(rt.clone(), RefreshGrant { client_id: client_id.to_string(), scope: scope.to_string(), permission });
        Some(rt)
    }

    /// A new bearer token for `app_id`, valid `lifetime` seconds.
    pub fn issue_token(&mut self, app_id: &str, permission: Permission, lifetime: u64) -> String {
        self.issue(app_id, permission, lifetime)
    }

    fn issue(&mut self, app_id: &str, permission: Permission, lifetime: u64) -> String {
        let bytes: [u8; 32] = rand::random();
        let token = format!("gsim.{}", b64url(&bytes));
        self.tokens.insert(
            token.clone(),
            Principal {
                app_id: app_id.to_string(),
                permission,
                expires: Some(Instant::now() + Duration::from_secs(lifetime)),
            },
        );
        self.issued += 1;
        token
    }

    /// Approves (or denies) the pending device code with this user code.
    pub fn decide_device(&mut self, user_code: &str, approve: bool) -> bool {
        let wanted = user_code.trim().to_ascii_uppercase();
        for d in self.device.values_mut() {
            if d.user_code == wanted && d.state == DeviceState::Pending {
                d.state = if approve { DeviceState::Approved } else { DeviceState::Denied };
                return true;
            }
        }
        false
    }

    pub fn pending_user_codes(&self) -> Vec<String> {
        self.device.values().filter(|d| d.state == DeviceState::Pending).map(|d| d.user_code.clone()).collect()
    }
}

impl Default for AuthState {
    fn default() -> Self {
        Self::new()
    }
}

/// How a bearer token on a Graph request resolves.
pub enum BearerCheck {
    Ok(Principal),
    Missing,
    Malformed,
    Unknown,
    Expired,
}

pub fn check_bearer(state: &AuthState, cfg: &AuthConfig, header: Option<&str>) -> BearerCheck {
    let h = match header {
        None => return BearerCheck::Missing,
        Some(h) => h.trim(),
    };
    let token = match h.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
        _ => return BearerCheck::Malformed,
    };
    if token.is_empty() {
        return BearerCheck::Missing;
    }
    if let Some(st) = &cfg.static_token {
        if st == token {
            return BearerCheck::Ok(Principal {
                app_id: DEFAULT_CLIENT_ID.to_string(),
                permission: Permission::ReadWrite,
                expires: None,
            });
        }
    }
    match state.tokens.get(token) {
        None => BearerCheck::Unknown,
        Some(p) if p.expires.map_or(false, |e| Instant::now() >= e) => BearerCheck::Expired,
        Some(p) => BearerCheck::Ok(p.clone()),
    }
}

// ------------------------------------------------------------ endpoints

/// An answer of the sign-in endpoints: status and JSON body.
pub struct OAuthReply {
    pub status: u16,
    pub body: Value,
}

fn oauth_error(status: u16, error: &str, aadsts: u32, description: &str) -> OAuthReply {
    let trace = random_guid();
    let correlation = random_guid();
    let ts = crate::util::iso_utc(unix_now() as i64).replace('Z', "");
    OAuthReply {
        status,
        body: json!({
            "error": error,
            "error_description": format!("AADSTS{}: {}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}Z", aadsts, description, trace, correlation, ts),
            "error_codes": [aadsts],
            "timestamp": format!("{}Z", ts),
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", aadsts),
        }),
    }
}

/// A plain device-flow error (RFC 8628 style, as the service sends it).
fn device_error(error: &str, aadsts: u32, description: &str) -> OAuthReply {
    oauth_error(400, error, aadsts, description)
}

pub struct Endpoint<'a> {
    pub tenant_id: &'a str,
    pub domain: &'a str,
    pub base_url: &'a str,
    pub apps: &'a [App],
    pub cfg: &'a AuthConfig,
}

impl<'a> Endpoint<'a> {
    pub fn tenant_matches(&self, t: &str, allow_common: bool) -> bool {
        t.eq_ignore_ascii_case(self.tenant_id)
            || t.eq_ignore_ascii_case(self.domain)
            || (allow_common && (t.eq_ignore_ascii_case("organizations") || t.eq_ignore_ascii_case("common")))
    }

    fn app(&self, client_id: &str) -> Option<&'a App> {
        self.apps.iter().find(|a| a.client_id.eq_ignore_ascii_case(client_id))
    }

    fn unknown_tenant(&self, t: &str) -> OAuthReply {
        oauth_error(400, "invalid_request", 90002, &format!("Tenant '{}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", t))
    }

    /// `POST /{tenant}/oauth2/v2.0/token`.
    pub fn token(&self, state: &mut AuthState, tenant: &str, form: &HashMap<String, String>, basic: Option<(String, String)>) -> OAuthReply {
        let grant = form.get("grant_type").map(String::as_str).unwrap_or("");
        match grant {
            "client_credentials" => {
                if !self.tenant_matches(tenant, false) {
                    if self.tenant_matches(tenant, true) {
                        return oauth_error(400, "invalid_request", 50059, "The client credentials flow needs a tenant id or domain, not 'common' or 'organizations'.");
                    }
                    return self.unknown_tenant(tenant);
                }
                self.client_credentials(state, tenant, form, basic)
            }
            "urn:ietf:params:oauth:grant-type:device_code" => {
                if !self.tenant_matches(tenant, true) {
                    return self.unknown_tenant(tenant);
                }
                self.device_token(state, form)
            }
            "authorization_code" | "refresh_token" => {
                if !self.tenant_matches(tenant, true) {
                    return self.unknown_tenant(tenant);
                }
                if grant == "authorization_code" {
                    self.code_token(state, form)
                } else {
                    self.refresh_token(state, form)
                }
            }
            "" => oauth_error(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'."),
            other => oauth_error(400, "unsupported_grant_type", 70003, &format!("The app requested an unsupported grant type '{}'.", other)),
        }
    }

    fn scope_ok(&self, scope: &str) -> bool {
        let resource = match scope.strip_suffix("/.default") {
            Some(r) => r.trim_end_matches('/'),
            None => return false,
        };
        let known = [
            "https://graph.microsoft.com",
            "https://graph.microsoft.us",
            "https://dod-graph.microsoft.us",
            "https://microsoftgraph.chinacloudapi.cn",
            "https://canary.graph.microsoft.com",
            "00000003-0000-0000-c000-000000000000",
        ];
        known.iter().any(|k| k.eq_ignore_ascii_case(resource)) || resource.eq_ignore_ascii_case(self.base_url.trim_end_matches('/'))
    }

    fn client_credentials(&self, state: &mut AuthState, tenant: &str, form: &HashMap<String, String>, basic: Option<(String, String)>) -> OAuthReply {
        let (basic_id, basic_secret) = match basic {
            Some((i, s)) => (Some(i), Some(s)),
            None => (None, None),
        };
        let assertion = form.get("client_assertion");
        let client_id = form.get("client_id").cloned().or(basic_id).or_else(|| {
            assertion.and_then(|a| jwt_claims(a).ok()).and_then(|c| c.get("iss").and_then(Value::as_str).map(String::from))
        });
        let client_id = match client_id {
            Some(c) if !c.is_empty() => c,
            _ => return oauth_error(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'."),
        };
        let app = match self.app(&client_id) {
            Some(a) => a,
            None => return oauth_error(400, "unauthorized_client", 700016, &format!("Application with identifier '{}' was not found in the directory '{}'.", client_id, tenant)),
        };
        let scope = form.get("scope").map(String::as_str).unwrap_or("");
        if scope.is_empty() {
            return oauth_error(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.");
        }
        if !self.scope_ok(scope) {
            return oauth_error(400, "invalid_scope", 1002012, &format!("The provided value for scope {} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", scope));
        }
        let secret = form.get("client_secret").cloned().or(basic_secret);
        if let Some(secret) = secret {
            if !app.secrets.iter().any(|s| *s == secret) {
                return oauth_error(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.");
            }
        } else if let Some(assertion) = assertion {
            let atype = form.get("client_assertion_type").map(String::as_str).unwrap_or("");
            if atype != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
                return oauth_error(400, "invalid_request", 50027, "client_assertion_type must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.");
            }
            if let Err((code, msg)) = self.verify_assertion(app, tenant, assertion) {
                if code == 70021 {
                    // A real answer, quoted in Azure Workload Identity's
                    // troubleshooting guide
                    // (https://azure.github.io/azure-workload-identity/docs/troubleshooting.html):
                    // 400 invalid_request, not invalid_client.
                    return oauth_error(400, "invalid_request", code, &msg);
                }
                return oauth_error(401, "invalid_client", code, &msg);
            }
        } else {
            return oauth_error(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
        }
        let lifetime = self.cfg.token_lifetime;
        let token = state.issue(&app.client_id, app.permission, lifetime);
        OAuthReply {
            status: 200,
            body: json!({"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token}),
        }
    }

    /// Checks a client assertion: three base64url parts, an RS256/PS256
    /// header, `iss` = `sub` = client id, an accepted `aud`, a valid time
    /// range, and the signature against the app's registered keys.
    fn verify_assertion(&self, app: &App, tenant: &str, jwt: &str) -> Result<(), (u32, String)> {
        let malformed = |why: &str| (50027, format!("JWT token is invalid or malformed: {}.", why));
        let parts: Vec<&str> = jwt.split('.').collect();
        if parts.len() != 3 {
            return Err(malformed("a JWT has three dot-separated parts"));
        }
        let header: Value = b64url_decode(parts[0])
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| malformed("the header is not base64url JSON"))?;
        let claims = jwt_claims(jwt).map_err(|e| malformed(&e))?;
        let sig = b64url_decode(parts[2]).ok_or_else(|| malformed("the signature is not base64url"))?;
        let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
        let algorithm: &dyn signature::VerificationAlgorithm = match alg {
            "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
            "PS256" => &signature::RSA_PSS_2048_8192_SHA256,
            other => return Err((5002738, format!("Unsupported client assertion algorithm '{}': use RS256 or PS256.", other))),
        };
        let claim = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        if !claim("iss").eq_ignore_ascii_case(&app.client_id) && !app.federated.is_empty() {
            return self.verify_federated(app, &claims);
        }
        if !claim("iss").eq_ignore_ascii_case(&app.client_id) {
            return Err((700021, format!("Client assertion application identifier doesn't match 'client_id' parameter (iss '{}').", claim("iss"))));
        }
        if !claim("sub").eq_ignore_ascii_case(&app.client_id) {
            return Err((700023, format!("Client assertion subject doesn't match 'client_id' parameter (sub '{}').", claim("sub"))));
        }
        let aud_ok = |aud: &str| {
            let aud = aud.trim_end_matches('/');
            let base = self.base_url.trim_end_matches('/');
            [base, "https://login.microsoftonline.com", "https://login.microsoftonline.us", "https://login.chinacloudapi.cn"]
                .iter()
                .any(|host| {
                    [tenant, self.tenant_id, self.domain].iter().any(|t| {
                        aud.eq_ignore_ascii_case(&format!("{}/{}/oauth2/v2.0/token", host, t))
                            || aud.eq_ignore_ascii_case(&format!("{}/{}/v2.0", host, t))
                            || aud.eq_ignore_ascii_case(&format!("{}/{}/oauth2/token", host, t))
                    })
                })
        };
        let aud_match = match claims.get("aud") {
            Some(Value::String(a)) => aud_ok(a),
            Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(aud_ok),
            _ => false,
        };
        if !aud_match {
            return Err((50027, format!("The audience claim value is invalid '{}'. The audience must be the token endpoint, e.g. {}/{}/oauth2/v2.0/token.", claims.get("aud").cloned().unwrap_or(Value::Null), self.base_url, self.tenant_id)));
        }
        let now = unix_now();
        // NumericDate claims as JSON numbers (RFC 7519 and the example on
        // https://learn.microsoft.com/en-us/entra/identity-platform/certificate-credentials)
        // or as strings of digits: MSAL.NET, which Azure.Identity's
        // ClientCertificateCredential uses, writes `"exp":"1796036375"`
        // (its Internal/JsonWebToken.cs), and Entra ID accepts its assertions.
        let time_claim = |k: &str| match claims.get(k) {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse::<f64>().ok().filter(|v| v.is_finite()),
            _ => None,
        };
        let exp = time_claim("exp").ok_or_else(|| malformed("the 'exp' claim is missing or not a NumericDate"))?;
        let nbf = time_claim("nbf").unwrap_or(0.0);
        if exp <= now || nbf > now + 300.0 {
            return Err((700024, "Client assertion is not within its valid time range.".to_string()));
        }
        if app.rsa_keys.is_empty() {
            // No key registered: the structure and claims are all that is checked.
            return Ok(());
        }
        let signed = &jwt[..parts[0].len() + 1 + parts[1].len()];
        let ok = app
            .rsa_keys
            .iter()
            .any(|k| signature::UnparsedPublicKey::new(algorithm, k).verify(signed.as_bytes(), &sig).is_ok());
        if ok {
            Ok(())
        } else {
            Err((700027, "Client assertion failed signature validation: no certificate registered on the application verifies it.".to_string()))
        }
    }

    /// A token another identity provider issued, presented as the client
    /// assertion (workload identity federation,
    /// https://learn.microsoft.com/en-us/entra/workload-id/workload-identity-federation):
    /// its `iss` and `sub` must match a federated credential of the app
    /// exactly and `aud` hold that credential's audience, else AADSTS70021
    /// (400 `invalid_request`, worded as the real answer Azure Workload
    /// Identity's troubleshooting guide quotes); an expired one is
    /// AADSTS700024 (`invalid_client`, worded as the service's answers in
    /// public MSAL and Azure PowerShell issues). Neither code is on the
    /// sign-in error codes page.
    /// The service checks the signature against the issuer's published keys
    /// (its OpenID configuration); graph-sim cannot fetch them and does not
    /// check it (assumed).
    fn verify_federated(&self, app: &App, claims: &serde_json::Map<String, Value>) -> Result<(), (u32, String)> {
        let claim = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let audiences: Vec<String> = match claims.get("aud") {
            Some(Value::String(a)) => vec![a.clone()],
            Some(Value::Array(l)) => l.iter().filter_map(Value::as_str).map(String::from).collect(),
            _ => vec![],
        };
        let (iss, sub) = (claim("iss"), claim("sub"));
        let matched = app.federated.iter().any(|f| f.issuer == iss && f.subject == sub && audiences.iter().any(|a| *a == f.audience));
        if !matched {
            return Err((
                70021,
                format!(
                    "No matching federated identity record found for presented assertion. Assertion Issuer: '{}'. Assertion Subject: '{}'. Assertion Audience: '{}'.",
                    iss,
                    sub,
                    audiences.join(",")
                ),
            ));
        }
        let time = |k: &str| match claims.get(k) {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        let now = unix_now();
        match time("exp") {
            Some(exp) if exp > now && time("nbf").unwrap_or(0.0) <= now + 300.0 => Ok(()),
            Some(_) => Err((700024, "Client assertion is not within its valid time range.".to_string())),
            None => Err((50027, "JWT token is invalid or malformed: the 'exp' claim is missing or not a NumericDate.".to_string())),
        }
    }

    /// `POST /{tenant}/oauth2/v2.0/devicecode`.
    pub fn devicecode(&self, state: &mut AuthState, tenant: &str, form: &HashMap<String, String>) -> OAuthReply {
        if !self.tenant_matches(tenant, true) {
            return self.unknown_tenant(tenant);
        }
        let client_id = form.get("client_id").map(String::as_str).unwrap_or("");
        if client_id.is_empty() {
            return oauth_error(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
        }
        let app = match self.app(client_id) {
            Some(a) => a,
            None => return oauth_error(400, "unauthorized_client", 700016, &format!("Application with identifier '{}' was not found in the directory '{}'.", client_id, tenant)),
        };
        if !app.public_client {
            return oauth_error(400, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret' (the application does not allow public client flows).");
        }
        let scope = form.get("scope").cloned().unwrap_or_default();
        if scope.trim().is_empty() {
            return oauth_error(400, "invalid_scope", 70011, "The provided request must include a 'scope' input parameter.");
        }
        let words: Vec<&str> = scope.split_whitespace().collect();
        let mut permission = Permission::from_names(words.iter().copied());
        if words.iter().any(|w| w.ends_with("/.default") || *w == ".default") {
            permission = permission.max(app.permission);
        }
        let permission = permission.min(app.permission.max(Permission::Read));
        let device_code = format!(
            "DAQABAAEAAA{}{}",
            b64url(&rand::random::<[u8; 32]>()),
            b64url(&rand::random::<[u8; 16]>())
        );
        let user_code: String = {
            let alphabet = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
            let r: [u8; 9] = rand::random();
            r.iter().map(|b| alphabet[(*b as usize) % alphabet.len()] as char).collect()
        };
        let now = Instant::now();
        state.device.insert(
            device_code.clone(),
            DeviceCode {
                user_code: user_code.clone(),
                client_id: app.client_id.clone(),
                scope: scope.clone(),
                permission,
                created: now,
                expires: now + Duration::from_secs(self.cfg.device_expiry),
                interval: Duration::from_secs(self.cfg.device_interval),
                last_poll: None,
                state: DeviceState::Pending,
            },
        );
        let uri = format!("{}/devicelogin", self.base_url);
        OAuthReply {
            status: 200,
            body: json!({
                "user_code": user_code,
                "device_code": device_code,
                "verification_uri": uri,
                "expires_in": self.cfg.device_expiry,
                "interval": self.cfg.device_interval,
                "message": format!("To sign in, use a web browser to open the page {} and enter the code {} to authenticate. (graph-sim: POST {}/_sim/devicecode/approve with user_code={})", uri, user_code, self.base_url, user_code),
            }),
        }
    }

    fn device_token(&self, state: &mut AuthState, form: &HashMap<String, String>) -> OAuthReply {
        let code = match form.get("device_code") {
            Some(c) => c.clone(),
            None => return oauth_error(400, "invalid_request", 900144, "The request body must contain the following parameter: 'device_code'."),
        };
        let lifetime = self.cfg.token_lifetime;
        let now = Instant::now();
        let auto = self.cfg.auto_approve_after;
        let d = match state.device.get_mut(&code) {
            Some(d) => d,
            None => return device_error("invalid_grant", 70000, "The provided value for the input parameter 'device_code' is not valid."),
        };
        if let Some(client_id) = form.get("client_id") {
            if !client_id.eq_ignore_ascii_case(&d.client_id) {
                return device_error("invalid_grant", 70000, "The device code was issued to another client.");
            }
        }
        if now >= d.expires {
            return device_error("expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.");
        }
        if d.state == DeviceState::Pending {
            if let Some(secs) = auto {
                if now.saturating_duration_since(d.created).as_secs_f64() >= secs {
                    d.state = DeviceState::Approved;
                }
            }
        }
        let too_fast = d.last_poll.map_or(false, |t| now.saturating_duration_since(t) < d.interval);
        d.last_poll = Some(now);
        match d.state {
            DeviceState::Redeemed => device_error("invalid_grant", 70000, "The device code has already been redeemed."),
            DeviceState::Denied => device_error("authorization_declined", 70019, "The end user denied the authorization request."),
            DeviceState::Pending if too_fast => {
                d.interval += Duration::from_secs(5);
                device_error("slow_down", 70016, "Polling too fast: wait at least the interval between polls.")
            }
            DeviceState::Pending => device_error("authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling."),
            DeviceState::Approved => {
                d.state = DeviceState::Redeemed;
                let (client_id, permission, scope) = (d.client_id.clone(), d.permission, d.scope.clone());
                delegated_token(state, &client_id, permission, &scope, lifetime)
            }
        }
    }

    /// `GET /{tenant}/oauth2/v2.0/authorize` (the authorization code flow,
    /// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow):
    /// a test user signs in at once and the browser is sent to
    /// `redirect_uri?code=...&state=...`. A public client's registered
    /// redirect URI is `http://localhost` (as Microsoft Graph PowerShell's
    /// is): any port is accepted, the port of a localhost redirect URI being
    /// ignored for public clients
    /// (https://learn.microsoft.com/en-us/entra/identity-platform/reply-url#localhost-exceptions);
    /// `127.0.0.1` is another URI and is refused. Errors about the client or
    /// the redirect URI are shown on a page; the others are sent to the
    /// redirect URI as `error` and `error_description`.
    pub fn authorize(&self, state: &mut AuthState, tenant: &str, query: &HashMap<String, String>) -> AuthorizeReply {
        let page = |status: u16, aadsts: u32, text: &str| {
            AuthorizeReply::Page(
                status,
                format!(
                    "<!doctype html><title>Sign in to your account</title><p>Sorry, but we're having trouble signing you in.</p><p>AADSTS{}: {}</p>",
                    aadsts,
                    html_escape(text)
                ),
            )
        };
        if !self.tenant_matches(tenant, true) {
            return page(400, 90002, &format!("Tenant '{}' not found.", tenant));
        }
        let get = |name: &str| query.get(name).map(String::as_str).unwrap_or("");
        let client_id = get("client_id");
        if client_id.is_empty() {
            return page(400, 900144, "The request body must contain the following parameter: 'client_id'.");
        }
        let app = match self.app(client_id) {
            Some(a) => a,
            None => return page(400, 700016, &format!("Application with identifier '{}' was not found in the directory '{}'.", client_id, tenant)),
        };
        let redirect_uri = get("redirect_uri");
        let loopback = url::Url::parse(redirect_uri).ok().filter(|u| {
            app.public_client
                && u.scheme() == "http"
                && u.host_str().map_or(false, |h| h.eq_ignore_ascii_case("localhost"))
                && u.path() == "/"
                && u.query().is_none()
                && u.fragment().is_none()
        });
        let mut target = match loopback {
            Some(u) => u,
            None => {
                return page(
                    400,
                    50011,
                    &format!(
                        "The redirect URI '{}' specified in the request does not match the redirect URIs configured for the application '{}'.",
                        redirect_uri, app.client_id
                    ),
                )
            }
        };
        let client_state = query.get("state").cloned();
        let redirect_error = |mut target: url::Url, error: &str, aadsts: u32, text: &str| {
            {
                let mut q = target.query_pairs_mut();
                q.append_pair("error", error).append_pair("error_description", &format!("AADSTS{}: {}", aadsts, text));
                if let Some(st) = &client_state {
                    q.append_pair("state", st);
                }
            }
            AuthorizeReply::Redirect(target.to_string())
        };
        match get("response_type") {
            "" => return redirect_error(target, "invalid_request", 900144, "The request body must contain the following parameter: 'response_type'."),
            "code" => {}
            other => {
                return redirect_error(target, "unsupported_response_type", 700054, &format!("response_type '{}' is not enabled for the application.", other))
            }
        }
        let scope = get("scope").to_string();
        if scope.trim().is_empty() {
            return redirect_error(target, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.");
        }
        let challenge = match (get("code_challenge"), get("code_challenge_method")) {
            ("", "") => None,
            ("", _) => return redirect_error(target, "invalid_request", 900144, "The request body must contain the following parameter: 'code_challenge'."),
            (c, "") | (c, "plain") => Some(("plain".to_string(), c.to_string())),
            (c, "S256") => Some(("S256".to_string(), c.to_string())),
            (_, other) => return redirect_error(target, "invalid_request", 900144, &format!("The code_challenge_method '{}' is not supported: use S256 or plain.", other)),
        };
        match self.cfg.authorize_fault.as_deref() {
            Some("deny") => return redirect_error(target, "access_denied", 65004, "User declined to consent to access the app."),
            Some("hang") => {
                return AuthorizeReply::Page(200, "<!doctype html><title>Sign in to your account</title><p>graph-sim: this sign-in never completes (--authorize-fault hang).</p>".to_string())
            }
            _ => {}
        }
        let words: Vec<&str> = scope.split_whitespace().collect();
        let mut permission = Permission::from_names(words.iter().copied());
        if words.iter().any(|w| w.ends_with("/.default") || *w == ".default") {
            permission = permission.max(app.permission);
        }
        let permission = permission.min(app.permission.max(Permission::Read));
        let challenge = match (challenge, self.cfg.authorize_fault.as_deref()) {
            (Some((m, _)), Some("challenge")) => Some((m, b64url(&rand::random::<[u8; 32]>()))),
            (c, _) => c,
        };
        let code = format!("1.gsim-code.{}", b64url(&rand::random::<[u8; 32]>()));
        state.codes.insert(
            code.clone(),
            AuthCode {
                client_id: app.client_id.clone(),
                redirect_uri: redirect_uri.to_string(),
                challenge,
                scope,
                permission,
                expires: Instant::now() + AUTH_CODE_LIFETIME,
                redeemed: false,
            },
        );
        let state_back = match (client_state, self.cfg.authorize_fault.as_deref()) {
            (Some(st), Some("state")) => Some(format!("{}-altered", st)),
            (st, _) => st,
        };
        {
            let mut q = target.query_pairs_mut();
            q.append_pair("code", &code);
            if let Some(st) = &state_back {
                q.append_pair("state", st);
            }
            q.append_pair("session_state", &random_guid());
        }
        AuthorizeReply::Redirect(target.to_string())
    }

    /// The token endpoint's `authorization_code` grant: the code once, from
    /// the client and redirect URI it was issued to, with the PKCE verifier
    /// whose S256 hash is the challenge.
    fn code_token(&self, state: &mut AuthState, form: &HashMap<String, String>) -> OAuthReply {
        let get = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
        for name in ["client_id", "code", "redirect_uri"] {
            if get(name).is_empty() {
                return oauth_error(400, "invalid_request", 900144, &format!("The request body must contain the following parameter: '{}'.", name));
            }
        }
        let lifetime = self.cfg.token_lifetime;
        let c = match state.codes.get_mut(get("code")) {
            Some(c) => c,
            None => return oauth_error(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."),
        };
        if c.redeemed {
            return oauth_error(400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");
        }
        if Instant::now() >= c.expires {
            return oauth_error(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.");
        }
        if !c.client_id.eq_ignore_ascii_case(get("client_id")) {
            return oauth_error(400, "invalid_grant", 70000, "The provided authorization code was issued to another client.");
        }
        if c.redirect_uri != get("redirect_uri") {
            return oauth_error(400, "invalid_grant", 70000, "The redirect_uri does not match the one the authorization code was issued for.");
        }
        if let Some((method, challenge)) = &c.challenge {
            let verifier = get("code_verifier");
            if verifier.is_empty() {
                return oauth_error(400, "invalid_request", 900144, "The request body must contain the following parameter: 'code_verifier'.");
            }
            let computed = if method == "S256" {
                b64url(ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()).as_ref())
            } else {
                verifier.to_string()
            };
            if &computed != challenge {
                // The code is spent anyway: it cannot be tried again.
                c.redeemed = true;
                return oauth_error(400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.");
            }
        }
        c.redeemed = true;
        let (client_id, permission, scope) = (c.client_id.clone(), c.permission, c.scope.clone());
        delegated_token(state, &client_id, permission, &scope, lifetime)
    }

    /// The token endpoint's `refresh_token` grant. The refresh token stays
    /// valid after use (the service rotates them but the old one lives on
    /// until it expires) and a new one is issued with each answer.
    fn refresh_token(&self, state: &mut AuthState, form: &HashMap<String, String>) -> OAuthReply {
        let get = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
        for name in ["client_id", "refresh_token"] {
            if get(name).is_empty() {
                return oauth_error(400, "invalid_request", 900144, &format!("The request body must contain the following parameter: '{}'.", name));
            }
        }
        let grant = match state.refresh.get(get("refresh_token")) {
            Some(g) => g.clone(),
            None => return oauth_error(400, "invalid_grant", 70000, "The provided value for the input parameter 'refresh_token' or 'assertion' is not valid."),
        };
        if !grant.client_id.eq_ignore_ascii_case(get("client_id")) {
            return oauth_error(400, "invalid_grant", 70000, "The refresh token was issued to another client.");
        }
        let scope = if get("scope").trim().is_empty() { grant.scope.clone() } else { get("scope").to_string() };
        delegated_token(state, &grant.client_id, grant.permission, &scope, self.cfg.token_lifetime)
    }

    /// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
    pub fn openid_configuration(&self, tenant: &str) -> OAuthReply {
        if !self.tenant_matches(tenant, true) {
            return self.unknown_tenant(tenant);
        }
        let b = self.base_url;
        OAuthReply {
            status: 200,
            body: json!({
                "token_endpoint": format!("{}/{}/oauth2/v2.0/token", b, tenant),
                "device_authorization_endpoint": format!("{}/{}/oauth2/v2.0/devicecode", b, tenant),
                "authorization_endpoint": format!("{}/{}/oauth2/v2.0/authorize", b, tenant),
                "issuer": format!("{}/{}/v2.0", b, self.tenant_id),
                "jwks_uri": format!("{}/{}/discovery/v2.0/keys", b, tenant),
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "tenant_region_scope": "WW",
                "cloud_instance_name": "microsoftonline.com",
            }),
        }
    }

    /// `GET /common/discovery/instance` (MSAL's instance discovery).
    pub fn instance_discovery(&self) -> OAuthReply {
        let host = self.base_url.split("://").nth(1).unwrap_or(self.base_url);
        OAuthReply {
            status: 200,
            body: json!({
                "tenant_discovery_endpoint": format!("{}/{}/v2.0/.well-known/openid-configuration", self.base_url, self.tenant_id),
                "api-version": "1.1",
                "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
            }),
        }
    }
}

/// The decoded claims of a JWT (not verified).
/// A delegated sign-in's token answer: an access token, and a refresh
/// token when the scope has `offline_access`.
fn delegated_token(state: &mut AuthState, client_id: &str, permission: Permission, scope: &str, lifetime: u64) -> OAuthReply {
    let token = state.issue(client_id, permission, lifetime);
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scope,
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": token,
    });
    if let Some(rt) = state.issue_refresh(client_id, scope, permission) {
        body["refresh_token"] = Value::String(rt);
    }
    OAuthReply { status: 200, body }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub fn jwt_claims(jwt: &str) -> Result<serde_json::Map<String, Value>, String> {
    let payload = jwt.split('.').nth(1).ok_or("a JWT has three dot-separated parts")?;
    let bytes = b64url_decode(payload).ok_or("the payload is not base64url")?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err("the payload is not a JSON object".to_string()),
    }
}

// ------------------------------------------------------------ PEM / DER

fn pem_blocks(pem: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut label: Option<String> = None;
    let mut body = String::new();
    for line in pem.lines() {
        let line = line.trim();
        if let Some(l) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) {
            label = Some(l.to_string());
            body.clear();
        } else if line.starts_with("-----END ") {
            if let Some(l) = label.take() {
                if let Ok(der) = base64::decode(&body) {
                    out.push((l, der));
                }
            }
        } else if label.is_some() {
            body.push_str(line);
        }
    }
    out
}

/// One DER element: (tag, content, rest).
fn der_next(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *input.first()?;
    let first = *input.get(1)? as usize;
    let (len, header) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *input.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let content = input.get(header..header + len)?;
    Some((tag, content, &input[header + len..]))
}

/// SubjectPublicKeyInfo DER to the RSA public key (PKCS#1 DER).
fn rsa_from_spki(spki: &[u8]) -> Option<Vec<u8>> {
    let (tag, seq, _) = der_next(spki)?;
    if tag != 0x30 {
        return None;
    }
    let (_, _alg, rest) = der_next(seq)?;
    let (tag, bits, _) = der_next(rest)?;
    if tag != 0x03 || bits.first() != Some(&0) {
        return None;
    }
    Some(bits[1..].to_vec())
}

/// X.509 certificate DER to its SubjectPublicKeyInfo DER.
fn spki_from_certificate(cert: &[u8]) -> Option<Vec<u8>> {
    let (_, cert_seq, _) = der_next(cert)?;
    let (_, tbs, _) = der_next(cert_seq)?;
    let mut rest = tbs;
    let (tag, _, r) = der_next(rest)?;
    if tag == 0xa0 {
        rest = r;
    }
    // serial, signature algorithm, issuer, validity, subject
    for _ in 0..5 {
        rest = der_next(rest)?.2;
    }
    let before = rest;
    let (_, _, after) = der_next(rest)?;
    Some(before[..before.len() - after.len()].to_vec())
}

/// The RSA public key of a PEM certificate, public key or RSA public key.
pub fn rsa_key_from_pem(pem: &str) -> Result<Vec<u8>, String> {
    for (label, der) in pem_blocks(pem) {
        let key = match label.as_str() {
            "CERTIFICATE" => spki_from_certificate(&der).and_then(|s| rsa_from_spki(&s)),
            "PUBLIC KEY" => rsa_from_spki(&der),
            "RSA PUBLIC KEY" => Some(der),
            _ => None,
        };
        if let Some(k) = key {
            return Ok(k);
        }
    }
    Err("no RSA certificate or public key found in the PEM text".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint_with<'a>(apps: &'a [App], cfg: &'a AuthConfig) -> Endpoint<'a> {
        Endpoint { tenant_id: "t1", domain: "contoso.test", base_url: "http://127.0.0.1:1", apps, cfg }
    }

    fn cfg(fault: Option<&str>) -> AuthConfig {
        AuthConfig {
            token_lifetime: 60,
            device_interval: 5,
            device_expiry: 900,
            auto_approve_after: None,
            static_token: None,
            authorize_fault: fault.map(String::from),
        }
    }

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const VERIFIER: &str = "dBjftJeZ4CVP-mJ92K9vDnG0XkF3hU1qAbCdEfGhIjK";

    fn authorize_query(redirect: &str) -> HashMap<String, String> {
        let challenge = b64url(ring::digest::digest(&ring::digest::SHA256, VERIFIER.as_bytes()).as_ref());
        q(&[
            ("client_id", GRAPH_POWERSHELL_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", redirect),
            ("scope", "https://graph.microsoft.com/.default offline_access"),
            ("state", "s1"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
    }

    fn code_of(reply: AuthorizeReply) -> String {
        match reply {
            AuthorizeReply::Redirect(loc) => {
                let u = url::Url::parse(&loc).unwrap();
                assert!(loc.starts_with("http://localhost:5000/?"), "{}", loc);
                let p: HashMap<String, String> = u.query_pairs().into_owned().collect();
                assert_eq!(p.get("state").map(String::as_str), Some("s1"));
                p["code"].clone()
            }
            AuthorizeReply::Page(s, t) => panic!("{} {}", s, t),
        }
    }

    #[test]
    fn authorization_code_with_pkce_once_then_refresh() {
        let apps = default_apps();
        let c = cfg(None);
        let ep = endpoint_with(&apps, &c);
        let mut st = AuthState::new();
        let code = code_of(ep.authorize(&mut st, "t1", &authorize_query("http://localhost:5000/")));
        let form = |verifier: &str| {
            q(&[
                ("grant_type", "authorization_code"),
                ("client_id", GRAPH_POWERSHELL_CLIENT_ID),
                ("code", &code),
                ("redirect_uri", "http://localhost:5000/"),
                ("code_verifier", verifier),
            ])
        };
        let ok = ep.token(&mut st, "t1", &form(VERIFIER), None);
        assert_eq!(ok.status, 200, "{}", ok.body);
        let rt = ok.body["refresh_token"].as_str().unwrap().to_string();
        let again = ep.token(&mut st, "t1", &form(VERIFIER), None);
        assert_eq!(again.body["error"], "invalid_grant");
        assert!(again.body["error_description"].as_str().unwrap().starts_with("AADSTS54005:"));
        let refreshed = ep.token(
            &mut st,
            "t1",
            &q(&[("grant_type", "refresh_token"), ("client_id", GRAPH_POWERSHELL_CLIENT_ID), ("refresh_token", &rt)]),
            None,
        );
        assert_eq!(refreshed.status, 200, "{}", refreshed.body);
        let unknown = ep.token(
            &mut st,
            "t1",
            &q(&[("grant_type", "refresh_token"), ("client_id", GRAPH_POWERSHELL_CLIENT_ID), ("refresh_token", "0.gsim-rt.nope")]),
            None,
        );
        assert_eq!(unknown.body["error"], "invalid_grant");
    }

    #[test]
    fn a_wrong_verifier_spends_the_code() {
        let apps = default_apps();
        let c = cfg(None);
        let ep = endpoint_with(&apps, &c);
        let mut st = AuthState::new();
        let code = code_of(ep.authorize(&mut st, "t1", &authorize_query("http://localhost:5000/")));
        let mut form = q(&[
            ("grant_type", "authorization_code"),
            ("client_id", GRAPH_POWERSHELL_CLIENT_ID),
            ("code", &code),
            ("redirect_uri", "http://localhost:5000/"),
            ("code_verifier", "another-verifier-another-verifier-another-verifier"),
        ]);
        let r = ep.token(&mut st, "t1", &form, None);
        assert_eq!(r.body["error"], "invalid_grant");
        assert!(r.body["error_description"].as_str().unwrap().starts_with("AADSTS501481:"));
        form.insert("code_verifier".into(), VERIFIER.into());
        assert_eq!(ep.token(&mut st, "t1", &form, None).body["error"], "invalid_grant");
    }

    #[test]
    fn redirect_uris_other_than_localhost_get_a_page() {
        let apps = default_apps();
        let c = cfg(None);
        let ep = endpoint_with(&apps, &c);
        let mut st = AuthState::new();
        for bad in ["http://127.0.0.1:5000/", "https://evil.example/", "http://localhost:5000/cb", ""] {
            match ep.authorize(&mut st, "t1", &authorize_query(bad)) {
                AuthorizeReply::Page(400, t) => assert!(t.contains("AADSTS50011"), "{}", t),
                _ => panic!("{} was accepted", bad),
            }
        }
        let mut no_type = authorize_query("http://localhost:5000/");
        no_type.remove("response_type");
        match ep.authorize(&mut st, "t1", &no_type) {
            AuthorizeReply::Redirect(loc) => assert!(loc.contains("error=invalid_request") && loc.contains("state=s1"), "{}", loc),
            AuthorizeReply::Page(..) => panic!("a page"),
        }
    }

    #[test]
    fn bundled_certificate_yields_a_key() {
        let k = rsa_key_from_pem(DEFAULT_CERTIFICATE).unwrap();
        assert_eq!(k[0], 0x30);
        assert!(k.len() > 256);
    }
}
