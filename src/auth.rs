//! Sign-in to Microsoft Entra ID for Microsoft Graph.
//!
//! A [`TokenProvider`] turns one [`Credential`] into access tokens for the
//! Graph client: a caller-supplied token, the client-credentials grant with a
//! client secret or with a certificate (an RS256-signed JWT assertion), or the
//! device code flow for a person signing in. Tokens are cached and renewed
//! before they run out.
//!
//! Every token, secret and private key is held in a [`Secret`]: nothing here
//! prints one, and text quoted from the sign-in endpoint is passed through
//! [`redact`] before it goes into an error. Nothing is logged.
//!
//! Requests go only to absolute URLs under [`AuthSettings::authority`]; an
//! answer that arrives from another origin (a followed redirect) is refused.
//! The `reqwest::Client` handed in should not follow redirects at all
//! (`reqwest::redirect::Policy::none()`), since a 307/308 redirect would
//! re-send the form before this module can see it.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;
use ring::signature::{KeyPair, RsaKeyPair, RSA_PKCS1_SHA256};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;
use url::{Host, Url};
use zeroize::Zeroize;

use crate::secret::{redact, Secret};

/// Tokens are renewed when less than this remains...
const RENEW_MARGIN: Duration = Duration::from_secs(300);
/// ...or, for short-lived tokens, less than this fraction of their lifetime.
const RENEW_FRACTION: u32 = 10;
/// Lifetime assumed when the token endpoint does not say (`expires_in` absent).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(900);
/// Lifetime of a client assertion (JWT `exp` - `iat`).
const ASSERTION_LIFETIME_SECS: u64 = 600;
/// Device code polling: the interval when the server gives none (RFC 8628).
const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// Device code polling: what `slow_down` adds to the interval (RFC 8628).
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);
/// Longest lifetime believed from a server (a larger `expires_in` is cut to it).
const MAX_LIFETIME_SECS: u64 = 24 * 3600;
/// Longest device code polling interval believed from a server.
const MAX_POLL_INTERVAL_SECS: u64 = 600;
/// Longest server text quoted in an error.
const MAX_QUOTED: usize = 600;

const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const JWT_BEARER_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The Azure Identity environment variables read by [`AuthSettings::from_environment`].
/// The client id a device code sign-in uses when none is given: Microsoft
/// Graph PowerShell's public client, the one `Connect-MgGraph` signs in with
/// by default (any tenant's user can consent to the Group.* scopes there).
pub const DEFAULT_PUBLIC_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// Azure Identity's environment variables the `environment` sign-in reads,
/// as `(role, name)`: the role is the option it stands for.
pub const ENVIRONMENT_VARIABLES: [(&str, &str); 11] = [
    ("tenantId", ENV_TENANT_ID),
    ("clientId", ENV_CLIENT_ID),
    ("clientSecret", ENV_CLIENT_SECRET),
    ("certificatePath", ENV_CLIENT_CERTIFICATE_PATH),
    ("certificatePassword", ENV_CLIENT_CERTIFICATE_PASSWORD),
    ("authorityHost", ENV_AUTHORITY_HOST),
    ("federatedTokenFile", ENV_FEDERATED_TOKEN_FILE),
    ("identityEndpoint", ENV_IDENTITY_ENDPOINT),
    ("identityHeader", ENV_IDENTITY_HEADER),
    ("imdsEndpoint", ENV_IMDS_ENDPOINT),
    ("podIdentityAuthorityHost", ENV_POD_IDENTITY_AUTHORITY_HOST),
];

/// The roles of [`ENVIRONMENT_VARIABLES`] whose value is a secret: never
/// shown, passed to the library as the secret rather than in options (the
/// certificate password is only for a host that opens PFX files itself).
pub const SECRET_ENVIRONMENT_ROLES: [&str; 3] = ["clientSecret", "identityHeader", "certificatePassword"];

pub const ENV_TENANT_ID: &str = "AZURE_TENANT_ID";
pub const ENV_CLIENT_ID: &str = "AZURE_CLIENT_ID";
pub const ENV_CLIENT_SECRET: &str = "AZURE_CLIENT_SECRET";
pub const ENV_CLIENT_CERTIFICATE_PATH: &str = "AZURE_CLIENT_CERTIFICATE_PATH";
pub const ENV_CLIENT_CERTIFICATE_PASSWORD: &str = "AZURE_CLIENT_CERTIFICATE_PASSWORD";
pub const ENV_AUTHORITY_HOST: &str = "AZURE_AUTHORITY_HOST";
/// Workload identity federation (AKS, and any federation writing a token
/// file): the file holding the federated token, read by Azure.Identity's
/// `WorkloadIdentityCredential` with `AZURE_CLIENT_ID` and `AZURE_TENANT_ID`
/// (https://learn.microsoft.com/en-us/dotnet/api/azure.identity.workloadidentitycredential).
pub const ENV_FEDERATED_TOKEN_FILE: &str = "AZURE_FEDERATED_TOKEN_FILE";
/// Managed identity on App Service, Functions and Azure Automation (with
/// `IDENTITY_HEADER`) or on Azure Arc (with `IMDS_ENDPOINT`):
/// https://learn.microsoft.com/en-us/azure/app-service/overview-managed-identity#rest-endpoint-reference
pub const ENV_IDENTITY_ENDPOINT: &str = "IDENTITY_ENDPOINT";
pub const ENV_IDENTITY_HEADER: &str = "IDENTITY_HEADER";
pub const ENV_IMDS_ENDPOINT: &str = "IMDS_ENDPOINT";
/// The instance metadata service's address instead of 169.254.169.254, as
/// Azure.Identity's `ManagedIdentityCredential` (its IMDS source) and MSAL
/// read it: the token path `/metadata/identity/oauth2/token` is appended.
pub const ENV_POD_IDENTITY_AUTHORITY_HOST: &str = "AZURE_POD_IDENTITY_AUTHORITY_HOST";
/// The instance metadata service (IMDS):
/// https://learn.microsoft.com/en-us/entra/identity/managed-identities-azure-resources/how-to-use-vm-token#get-a-token-using-http
pub const IMDS_DEFAULT_HOST: &str = "http://169.254.169.254";
const IMDS_TOKEN_PATH: &str = "/metadata/identity/oauth2/token";
const IMDS_API_VERSION: &str = "2018-02-01";
/// App Service's REST endpoint version whose header is `X-IDENTITY-HEADER`.
const APP_SERVICE_API_VERSION: &str = "2019-08-01";
/// Azure Arc's hybrid instance metadata service (himds):
/// https://learn.microsoft.com/en-us/azure/azure-arc/servers/managed-identity-authentication
const ARC_API_VERSION: &str = "2020-06-01";
/// The largest key file Azure Arc's challenge may name, as MSAL and
/// Azure.Identity bound it (MSAL's `AZURE_ARC_SECRET_FILE_MAX_SIZE_BYTES`).
const ARC_MAX_KEY_FILE: u64 = 4096;

/// The folder the Azure Connected Machine agent writes its challenge key
/// files to; a challenge naming a file elsewhere is refused (as MSAL and
/// Azure.Identity refuse it). `None` where the agent does not run.
pub fn azure_arc_key_directory() -> Option<std::path::PathBuf> {
    if cfg!(windows) {
        std::env::var_os("ProgramData").map(|d| std::path::PathBuf::from(d).join("AzureConnectedMachineAgent").join("Tokens"))
    } else if cfg!(target_os = "linux") {
        Some(std::path::PathBuf::from("/var/opt/azcmagent/tokens"))
    } else {
        None
    }
}
/// A managed identity endpoint answers in well under this; IMDS is local.
const MANAGED_IDENTITY_TIMEOUT: Duration = Duration::from_secs(30);
/// Managed identity requests tried again after a transient failure.
const MANAGED_IDENTITY_RETRIES: u32 = 4;
/// How long IMDS may answer 410 while it is updated, and the first wait
/// after one ([`managed_identity_retry_wait`]).
const IMDS_UPDATE_WINDOW: Duration = Duration::from_secs(70);
const IMDS_UPDATE_FIRST_WAIT: Duration = Duration::from_secs(3);

// ---------------------------------------------------------------------------
// Clouds

/// A Microsoft cloud: its sign-in host and its Graph host. Tokens do not
/// cross clouds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cloud {
    Global,
    USGov,
    USGovDoD,
    China,
}

impl Cloud {
    pub const ALL: [Cloud; 4] = [Cloud::Global, Cloud::USGov, Cloud::USGovDoD, Cloud::China];

    /// `"Global"`, `"USGov"`, `"USGovDoD"` or `"China"`, in any case.
    pub fn parse(name: &str) -> Option<Cloud> {
        let name = name.trim();
        Cloud::ALL.into_iter().find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// The sign-in (authority) host.
    pub fn login_host(self) -> &'static str {
        match self {
            Cloud::Global => "login.microsoftonline.com",
            Cloud::USGov | Cloud::USGovDoD => "login.microsoftonline.us",
            Cloud::China => "login.chinacloudapi.cn",
        }
    }

    /// The Microsoft Graph host.
    pub fn graph_host(self) -> &'static str {
        match self {
            Cloud::Global => "graph.microsoft.com",
            Cloud::USGov => "graph.microsoft.us",
            Cloud::USGovDoD => "dod-graph.microsoft.us",
            Cloud::China => "microsoftgraph.chinacloudapi.cn",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Cloud::Global => "Global",
            Cloud::USGov => "USGov",
            Cloud::USGovDoD => "USGovDoD",
            Cloud::China => "China",
        }
    }
}

// ---------------------------------------------------------------------------
// Settings

/// What to sign in with.
pub enum Credential {
    /// A token obtained elsewhere, used as it is; it cannot be renewed.
    AccessToken(Secret),
    /// Client credentials grant with a client secret.
    ClientSecret { tenant_id: String, client_id: String, secret: Secret },
    /// Client credentials grant with a certificate: an unencrypted RSA private
    /// key (PKCS#8 `BEGIN PRIVATE KEY` or PKCS#1 `BEGIN RSA PRIVATE KEY`) and
    /// its certificate, both PEM.
    ClientCertificate { tenant_id: String, client_id: String, private_key_pem: Secret, certificate_pem: String },
    /// Device code flow: a person signs in in a browser.
    DeviceCode { tenant_id: String, client_id: String },
    /// Authorization code flow with PKCE (RFC 7636, S256): the browser is
    /// opened at the authorize page and comes back to a loopback listener
    /// (`http://localhost:PORT/`) with the code; `timeout` bounds the wait.
    Browser { tenant_id: String, client_id: String, launcher: BrowserLauncher, timeout: Duration },
    /// A managed identity: the system-assigned one (`client_id` None) or a
    /// user-assigned one by its client id, from `source`.
    ManagedIdentity { client_id: Option<String>, source: ManagedIdentitySource },
    /// Client credentials grant with a client assertion issued elsewhere
    /// (workload identity federation): given, or read from a file at each
    /// token request (a federated token file rotates).
    ClientAssertion { tenant_id: String, client_id: String, assertion: Assertion },
}

/// Where a managed identity's tokens come from, found in the environment as
/// Azure.Identity's `ManagedIdentityCredential` finds it.
#[derive(Clone)]
pub enum ManagedIdentitySource {
    /// The instance metadata service: `GET {endpoint}?api-version=2018-02-01
    /// &resource=...` with `Metadata: true`.
    Imds { endpoint: Url },
    /// App Service, Functions, Azure Automation: `GET
    /// {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=...` with
    /// `X-IDENTITY-HEADER: {IDENTITY_HEADER}`.
    AppService { endpoint: Url, header: Secret },
    /// An Azure Arc-enabled server: `GET
    /// {IDENTITY_ENDPOINT}?api-version=2020-06-01&resource=...` with
    /// `Metadata: true` is answered 401 with `WWW-Authenticate: Basic
    /// realm=<key file>`; the key file (only in `key_directory`, a `.key` of
    /// at most 4096 bytes) is read and the request sent again with
    /// `Authorization: Basic <its content>`. System-assigned only.
    AzureArc { endpoint: Url, key_directory: Option<std::path::PathBuf> },
}

impl fmt::Debug for ManagedIdentitySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManagedIdentitySource::Imds { endpoint } => f.debug_struct("Imds").field("endpoint", &endpoint.as_str()).finish(),
            ManagedIdentitySource::AppService { endpoint, .. } => f
                .debug_struct("AppService")
                .field("endpoint", &endpoint.as_str())
                .field("header", &"[redacted]")
                .finish(),
            ManagedIdentitySource::AzureArc { endpoint, key_directory } => f
                .debug_struct("AzureArc")
                .field("endpoint", &endpoint.as_str())
                .field("key_directory", key_directory)
                .finish(),
        }
    }
}

impl ManagedIdentitySource {
    /// `"imds"`, `"appService"` or `"azureArc"`.
    pub fn name(&self) -> &'static str {
        match self {
            ManagedIdentitySource::Imds { .. } => "imds",
            ManagedIdentitySource::AppService { .. } => "appService",
            ManagedIdentitySource::AzureArc { .. } => "azureArc",
        }
    }

    /// The source the environment describes, in Azure.Identity's order:
    /// `IDENTITY_ENDPOINT` with `IDENTITY_HEADER` is App Service (also
    /// Functions and Azure Automation); `IDENTITY_ENDPOINT` with
    /// `IMDS_ENDPOINT` is Azure Arc; otherwise the instance metadata service,
    /// at `AZURE_POD_IDENTITY_AUTHORITY_HOST` when set. `header` (when given)
    /// is the identity header, instead of `IDENTITY_HEADER`; `arc_key_directory`
    /// the folder Azure Arc's key files must be in, instead of the agent's
    /// ([`azure_arc_key_directory`]).
    pub fn from_environment(
        env: &dyn Fn(&str) -> Option<String>,
        header: Option<Secret>,
        arc_key_directory: Option<std::path::PathBuf>,
    ) -> Result<Self, AuthError> {
        let plain = |name: &str| env(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let header = header.filter(|h| !h.expose().trim().is_empty()).or_else(|| {
            env(ENV_IDENTITY_HEADER).map(Secret::new).filter(|h| !h.expose().trim().is_empty())
        });
        match (plain(ENV_IDENTITY_ENDPOINT), header, plain(ENV_IMDS_ENDPOINT)) {
            (Some(endpoint), Some(header), _) => {
                if header.expose().chars().any(|c| c.is_control()) {
                    return Err(AuthError::InvalidCredential(format!("{ENV_IDENTITY_HEADER} contains control characters")));
                }
                Ok(ManagedIdentitySource::AppService { endpoint: identity_endpoint(&endpoint, ENV_IDENTITY_ENDPOINT)?, header })
            }
            (Some(endpoint), None, Some(_)) => Ok(ManagedIdentitySource::AzureArc {
                endpoint: identity_endpoint(&endpoint, ENV_IDENTITY_ENDPOINT)?,
                key_directory: arc_key_directory.or_else(azure_arc_key_directory),
            }),
            (Some(_), None, None) => Err(AuthError::InvalidCredential(format!(
                "{ENV_IDENTITY_ENDPOINT} is set without {ENV_IDENTITY_HEADER}: the platform sets both (App Service, \
                 Functions, Azure Automation); is the managed identity turned on?"
            ))),
            (None, _, _) => {
                let host = plain(ENV_POD_IDENTITY_AUTHORITY_HOST).unwrap_or_else(|| IMDS_DEFAULT_HOST.to_string());
                let base = identity_endpoint(&host, ENV_POD_IDENTITY_AUTHORITY_HOST)?;
                let endpoint = base
                    .join(IMDS_TOKEN_PATH)
                    .map_err(|e| AuthError::InvalidCredential(format!("{ENV_POD_IDENTITY_AUTHORITY_HOST} {host}: {e}")))?;
                Ok(ManagedIdentitySource::Imds { endpoint })
            }
        }
    }

    fn endpoint(&self) -> &Url {
        match self {
            ManagedIdentitySource::Imds { endpoint }
            | ManagedIdentitySource::AppService { endpoint, .. }
            | ManagedIdentitySource::AzureArc { endpoint, .. } => endpoint,
        }
    }
}

/// A managed identity endpoint: plain http is what the platforms serve, so
/// it is allowed to a loopback or link-local address (IMDS is
/// 169.254.169.254; App Service's is 127.0.0.1 or localhost); anything else
/// must be https.
fn identity_endpoint(text: &str, name: &str) -> Result<Url, AuthError> {
    let url = Url::parse(text).map_err(|e| AuthError::InvalidCredential(format!("{name} {text:?} is not a URL: {e}")))?;
    let local = is_loopback(&url) || matches!(url.host(), Some(Host::Ipv4(ip)) if ip.is_link_local());
    let ok = url.host().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && match url.scheme() {
            "https" => true,
            "http" => local,
            _ => false,
        };
    if ok {
        Ok(url)
    } else {
        Err(AuthError::UntrustedUrl(format!("{name} {text} (a managed identity endpoint is https, or http to a loopback or link-local address)")))
    }
}

/// A client assertion issued elsewhere.
#[derive(Clone)]
pub enum Assertion {
    /// The assertion itself.
    Given(Secret),
    /// A file holding it, read at each token request.
    File(std::path::PathBuf),
}

impl fmt::Debug for Assertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Assertion::Given(_) => f.write_str("Given([redacted])"),
            Assertion::File(p) => f.debug_tuple("File").field(p).finish(),
        }
    }
}

impl Assertion {
    fn read(&self) -> Result<Secret, AuthError> {
        match self {
            Assertion::Given(s) => Ok(s.clone()),
            Assertion::File(path) => {
                let bytes = std::fs::read(path).map_err(|e| {
                    AuthError::InvalidCredential(format!("the federated token file {} cannot be read: {e}", path.display()))
                })?;
                let text = match String::from_utf8(bytes) {
                    Ok(t) => Secret::new(t),
                    Err(e) => {
                        let mut b = e.into_bytes();
                        b.zeroize();
                        return Err(AuthError::InvalidCredential(format!(
                            "the federated token file {} is not text",
                            path.display()
                        )));
                    }
                };
                let trimmed = text.expose().trim();
                if trimmed.is_empty() {
                    return Err(AuthError::InvalidCredential(format!("the federated token file {} is empty", path.display())));
                }
                if trimmed.len() == text.expose().len() {
                    Ok(text)
                } else {
                    Ok(Secret::new(trimmed.to_string()))
                }
            }
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::AccessToken(_) => f.debug_tuple("AccessToken").field(&"[redacted]").finish(),
            Credential::ClientSecret { tenant_id, client_id, .. } => f
                .debug_struct("ClientSecret")
                .field("tenant_id", tenant_id)
                .field("client_id", client_id)
                .field("secret", &"[redacted]")
                .finish(),
            Credential::ClientCertificate { tenant_id, client_id, certificate_pem, .. } => f
                .debug_struct("ClientCertificate")
                .field("tenant_id", tenant_id)
                .field("client_id", client_id)
                .field("private_key_pem", &"[redacted]")
                .field("certificate_pem", &format_args!("<{} bytes>", certificate_pem.len()))
                .finish(),
            Credential::DeviceCode { tenant_id, client_id } => f
                .debug_struct("DeviceCode")
                .field("tenant_id", tenant_id)
                .field("client_id", client_id)
                .finish(),
            Credential::Browser { tenant_id, client_id, launcher, timeout } => f
                .debug_struct("Browser")
                .field("tenant_id", tenant_id)
                .field("client_id", client_id)
                .field("launcher", launcher)
                .field("timeout", timeout)
                .finish(),
            Credential::ManagedIdentity { client_id, source } => f
                .debug_struct("ManagedIdentity")
                .field("client_id", client_id)
                .field("source", source)
                .finish(),
            Credential::ClientAssertion { tenant_id, client_id, assertion } => f
                .debug_struct("ClientAssertion")
                .field("tenant_id", tenant_id)
                .field("client_id", client_id)
                .field("assertion", assertion)
                .finish(),
        }
    }
}

/// Where and how to sign in.
pub struct AuthSettings {
    /// Base of the sign-in host, e.g. `https://login.microsoftonline.com/`, or
    /// a simulator's base such as `http://127.0.0.1:4000/`.
    pub authority: Url,
    /// e.g. `https://graph.microsoft.com/.default`.
    pub scope: String,
    pub credential: Credential,
}

impl fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthSettings")
            .field("authority", &self.authority.as_str())
            .field("scope", &self.scope)
            .field("credential", &self.credential)
            .finish()
    }
}

impl AuthSettings {
    /// Reads Azure Identity's environment variables, as its
    /// `EnvironmentCredential` does: `AZURE_TENANT_ID` and `AZURE_CLIENT_ID`
    /// with `AZURE_CLIENT_SECRET` (preferred when both are set) or
    /// `AZURE_CLIENT_CERTIFICATE_PATH` (a PEM file holding the unencrypted
    /// private key and the certificate); `AZURE_AUTHORITY_HOST` overrides
    /// `default_authority`. `env` looks a variable up.
    /// `AZURE_CLIENT_CERTIFICATE_PASSWORD` is not needed: PFX files and
    /// encrypted keys are refused, with the command that converts them.
    pub fn from_environment(
        env: &dyn Fn(&str) -> Option<String>,
        default_authority: Url,
        scope: String,
    ) -> Result<AuthSettings, AuthError> {
        let plain = |name: &str| env(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

        let authority = match plain(ENV_AUTHORITY_HOST) {
            Some(host) => parse_authority_host(&host)?,
            None => normalize_authority(default_authority),
        };
        check_authority(&authority)?;

        let tenant_id = plain(ENV_TENANT_ID);
        let client_id = plain(ENV_CLIENT_ID);
        let secret = env(ENV_CLIENT_SECRET).map(Secret::new).filter(|s| !s.expose().trim().is_empty());
        let certificate_path = plain(ENV_CLIENT_CERTIFICATE_PATH);
        let token_file = plain(ENV_FEDERATED_TOKEN_FILE);

        let method = if secret.is_some() {
            ENV_CLIENT_SECRET
        } else if certificate_path.is_some() {
            ENV_CLIENT_CERTIFICATE_PATH
        } else if token_file.is_some() {
            ENV_FEDERATED_TOKEN_FILE
        } else if plain("AZURE_USERNAME").is_some() || plain("AZURE_PASSWORD").is_some() {
            return Err(AuthError::InvalidCredential(
                "AZURE_USERNAME/AZURE_PASSWORD sign-in is not supported: set AZURE_CLIENT_SECRET or \
                 AZURE_CLIENT_CERTIFICATE_PATH for an app registration, or use device code sign-in"
                    .to_string(),
            ));
        } else {
            let found: Vec<&str> = [(ENV_TENANT_ID, tenant_id.is_some()), (ENV_CLIENT_ID, client_id.is_some())]
                .iter()
                .filter(|(_, set)| *set)
                .map(|(name, _)| *name)
                .collect();
            let what = if found.is_empty() {
                "no sign-in settings in the environment".to_string()
            } else {
                format!("{} set, but no credential", found.join(" and "))
            };
            return Err(AuthError::InvalidCredential(format!(
                "{what}: set {ENV_TENANT_ID}, {ENV_CLIENT_ID} and either {ENV_CLIENT_SECRET}, \
                 {ENV_CLIENT_CERTIFICATE_PATH} (a PEM file with the private key and the certificate) or \
                 {ENV_FEDERATED_TOKEN_FILE} (workload identity federation)"
            )));
        };

        let missing: Vec<&str> = [(ENV_TENANT_ID, tenant_id.is_none()), (ENV_CLIENT_ID, client_id.is_none())]
            .iter()
            .filter(|(_, missing)| *missing)
            .map(|(name, _)| *name)
            .collect();
        if !missing.is_empty() {
            return Err(AuthError::InvalidCredential(format!(
                "{method} is set but {} {} missing: set {}",
                missing.join(" and "),
                if missing.len() == 1 { "is" } else { "are" },
                missing.join(" and ")
            )));
        }
        let (tenant_id, client_id) = (tenant_id.unwrap_or_default(), client_id.unwrap_or_default());

        let credential = match (secret, certificate_path, token_file) {
            (Some(secret), _, _) => Credential::ClientSecret { tenant_id, client_id, secret },
            (None, Some(path), _) => {
                let (private_key_pem, certificate_pem) = read_certificate_file_as(&path, ENV_CLIENT_CERTIFICATE_PATH)?;
                Credential::ClientCertificate { tenant_id, client_id, private_key_pem, certificate_pem }
            }
            (None, None, Some(path)) => {
                Credential::ClientAssertion { tenant_id, client_id, assertion: Assertion::File(path.into()) }
            }
            (None, None, None) => unreachable!("one of them was found above"),
        };
        Ok(AuthSettings { authority, scope, credential })
    }
}

/// Reads a PEM file holding an unencrypted RSA private key and its
/// certificate(s), checks them, and splits them: the key blocks into a
/// [`Secret`] (for `private_key_pem`), the certificate blocks into a String
/// (for `certificate_pem`), so the key never sits in a plain String. A PFX
/// file or an encrypted key is refused with the command that converts it.
pub fn read_certificate_file(path: &str) -> Result<(Secret, String), AuthError> {
    read_certificate_file_as(path, "certificate file")
}

fn read_certificate_file_as(path: &str, label: &str) -> Result<(Secret, String), AuthError> {
    let invalid = |msg: String| AuthError::InvalidCredential(format!("{label} {path}: {msg}"));
    let convert_hint = format!(
        "convert it to PEM, e.g. `openssl pkcs12 -in {path} -out cert.pem -nodes`, and keep the result as \
         private as the original"
    );
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".pfx") || lower.ends_with(".p12") {
        return Err(invalid(format!("PFX/PKCS#12 files are not read here: {convert_hint}")));
    }
    let bytes = std::fs::read(path).map_err(|e| invalid(format!("cannot read it: {e}")))?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => Secret::new(text),
        Err(e) => {
            let mut bytes = e.into_bytes();
            let der = bytes.first() == Some(&0x30);
            bytes.zeroize();
            return Err(invalid(if der {
                format!("this looks like a binary PFX/PKCS#12 (or DER) file, not PEM: {convert_hint}")
            } else {
                "not a PEM file".to_string()
            }));
        }
    };
    if !text.expose().contains("-----BEGIN ") {
        return Err(invalid(format!("no PEM blocks found; if it is a PFX/PKCS#12 file, {convert_hint}")));
    }
    let (key, certs) = split_pem(text.expose());
    drop(text);
    if key.is_empty() {
        return Err(invalid(
            "no private key found: the file must hold the private key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY) \
             and the certificate (BEGIN CERTIFICATE)"
                .to_string(),
        ));
    }
    if certs.is_empty() {
        return Err(invalid(
            "no certificate found: the file must hold the certificate (BEGIN CERTIFICATE) after the private key"
                .to_string(),
        ));
    }
    // Validate now so the message can name the file.
    parse_certificate_key(&key, &certs).map_err(&invalid)?;
    Ok((key, certs))
}

/// Splits PEM text into its private-key blocks (returned as a Secret) and its
/// certificate blocks; anything else is dropped.
fn split_pem(text: &str) -> (Secret, String) {
    // Sized up front: growing would leave copies of the key behind.
    let mut key = String::with_capacity(text.len());
    let mut certs = String::with_capacity(text.len());
    let mut current: Option<bool> = None; // Some(true): in a key block; Some(false): in a certificate block
    for line in text.lines() {
        let line = line.trim_end();
        if current.is_none() {
            if let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) {
                if label.contains("PRIVATE KEY") {
                    current = Some(true);
                } else if label == "CERTIFICATE" {
                    current = Some(false);
                } else {
                    continue;
                }
            } else {
                continue;
            }
        }
        let target = if current == Some(true) { &mut key } else { &mut certs };
        target.push_str(line);
        target.push('\n');
        if line.starts_with("-----END ") {
            current = None;
        }
    }
    (Secret::new(key), certs)
}

// ---------------------------------------------------------------------------
// Errors

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The sign-in endpoint could not be reached or answered unreadably.
    #[error("could not reach the sign-in endpoint: {0}")]
    Network(String),
    /// The token endpoint's OAuth error (`error`, `error_description`).
    #[error("sign-in refused (HTTP {status}): {code}: {description}")]
    Rejected { code: String, description: String, status: u16 },
    /// The device code expired before the sign-in was completed.
    #[error("the device code expired before sign-in was completed: start the device code sign-in again")]
    Expired,
    /// A caller-supplied access token was rejected and cannot be renewed.
    #[error("the access token was rejected and cannot be renewed here: sign in again")]
    NotRefreshable,
    /// The credential or the environment's settings cannot be used; says what to do.
    #[error("{0}")]
    InvalidCredential(String),
    /// The authority is neither https nor a loopback http address.
    #[error("refusing sign-in authority {0}: use https (plain http only for a loopback address)")]
    UntrustedUrl(String),
    /// The browser sign-in could not be done (no browser started, no
    /// redirect in time, a redirect with another `state`); says why.
    #[error("browser sign-in failed: {0}")]
    Browser(String),
    /// Device code sign-in has not been started or not completed yet.
    #[error("device code sign-in has not completed: start it, show its message, then wait for it")]
    DeviceCodeNotStarted,
}

// ---------------------------------------------------------------------------
// Authority checks

/// `AZURE_AUTHORITY_HOST`: a URL such as `https://login.microsoftonline.us/`,
/// or a bare host name (https is then assumed).
fn parse_authority_host(text: &str) -> Result<Url, AuthError> {
    let with_scheme = if text.contains("://") { text.to_string() } else { format!("https://{text}") };
    let url = Url::parse(&with_scheme).map_err(|e| AuthError::UntrustedUrl(format!("{text} ({e})")))?;
    Ok(normalize_authority(url))
}

/// The authority as a base URL: its path ends with '/'.
fn normalize_authority(mut url: Url) -> Url {
    if !url.cannot_be_a_base() && !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url
}

fn check_authority(url: &Url) -> Result<(), AuthError> {
    let refuse = || Err(AuthError::UntrustedUrl(url.as_str().to_string()));
    if url.cannot_be_a_base()
        || url.host().is_none()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return refuse();
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        _ => refuse(),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback() || matches!(ip.to_ipv4_mapped(), Some(v4) if v4.is_loopback()),
        None => false,
    }
}

/// A tenant goes into the URL path: a GUID, a domain name, or `organizations`/`common`.
fn check_tenant(tenant_id: &str) -> Result<(), AuthError> {
    let ok = !tenant_id.is_empty()
        && !tenant_id.starts_with('.')
        && tenant_id.len() <= 256
        && tenant_id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    if ok {
        Ok(())
    } else if tenant_id.is_empty() {
        Err(AuthError::InvalidCredential("the tenant id is empty: give the directory (tenant) id or domain".into()))
    } else {
        Err(AuthError::InvalidCredential(format!(
            "the tenant id {tenant_id:?} is not a directory id or domain name (letters, digits, '-', '.', '_')"
        )))
    }
}

fn check_client(client_id: &str) -> Result<(), AuthError> {
    if client_id.trim().is_empty() {
        Err(AuthError::InvalidCredential("the client id is empty: give the app registration's application (client) id".into()))
    } else if client_id.chars().any(|c| c.is_control()) {
        Err(AuthError::InvalidCredential("the client id contains control characters".into()))
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Certificate credential

struct CertificateKey {
    key: RsaKeyPair,
    /// base64url(SHA-1(certificate DER)), the JWT header's `x5t`.
    x5t: String,
}

/// Parses the private key and finds the certificate that holds its public key.
fn parse_certificate_key(private_key_pem: &Secret, certificate_pem: &str) -> Result<CertificateKey, String> {
    let pem = private_key_pem.expose();
    if pem.contains("ENCRYPTED PRIVATE KEY") || pem.contains("Proc-Type: 4,ENCRYPTED") {
        return Err("the private key is encrypted, which is not read here: decrypt it, e.g. \
                    `openssl pkey -in key.pem -out plain-key.pem`, and keep the result private"
            .to_string());
    }
    let mut items = rustls_pemfile::read_all(&mut pem.as_bytes())
        .map_err(|_| "the private key PEM is malformed (broken base64 or a missing END line)".to_string())?;
    let key_count = items
        .iter()
        .filter(|i| matches!(i, rustls_pemfile::Item::PKCS8Key(_) | rustls_pemfile::Item::RSAKey(_) | rustls_pemfile::Item::ECKey(_)))
        .count();
    let result = if key_count > 1 {
        Err("more than one private key found: give exactly one".to_string())
    } else {
        match items.iter().find(|i| !matches!(i, rustls_pemfile::Item::X509Certificate(_))) {
            Some(rustls_pemfile::Item::PKCS8Key(der)) => RsaKeyPair::from_pkcs8(der).map_err(key_refused),
            Some(rustls_pemfile::Item::RSAKey(der)) => RsaKeyPair::from_der(der).map_err(key_refused),
            Some(rustls_pemfile::Item::ECKey(_)) => Err(not_rsa()),
            _ => Err("no private key found: expected a PEM block BEGIN PRIVATE KEY (PKCS#8) or \
                      BEGIN RSA PRIVATE KEY (PKCS#1)"
                .to_string()),
        }
    };
    for item in items.iter_mut() {
        match item {
            rustls_pemfile::Item::PKCS8Key(der) | rustls_pemfile::Item::RSAKey(der) | rustls_pemfile::Item::ECKey(der) => {
                der.zeroize()
            }
            _ => {}
        }
    }
    let key = result?;

    let certs = rustls_pemfile::certs(&mut certificate_pem.as_bytes())
        .map_err(|_| "the certificate PEM is malformed (broken base64 or a missing END line)".to_string())?;
    if certs.is_empty() {
        return Err("no certificate found: expected a PEM block BEGIN CERTIFICATE".to_string());
    }
    // The certificate's SubjectPublicKeyInfo holds the RSAPublicKey DER as is.
    let public = key.public_key().as_ref();
    let cert = certs
        .iter()
        .find(|der| der.windows(public.len()).any(|w| w == public))
        .ok_or_else(|| "the certificate does not belong to the private key (its public key differs)".to_string())?;
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, cert);
    Ok(CertificateKey { key, x5t: b64url(digest.as_ref()) })
}

fn not_rsa() -> String {
    "the private key is not an RSA key: certificate sign-in needs an RSA key (2048 bits or more)".to_string()
}

fn key_refused(e: ring::error::KeyRejected) -> String {
    match e.description_() {
        "WrongAlgorithm" => not_rsa(),
        "TooSmall" => "the RSA private key is too small: use 2048 bits or more".to_string(),
        reason => format!("the private key was refused ({reason})"),
    }
}

fn b64url(bytes: &[u8]) -> String {
    base64::encode_config(bytes, base64::URL_SAFE_NO_PAD)
}

/// A client assertion: a JWT signed RS256, valid ten minutes.
fn client_assertion(cert: &CertificateKey, client_id: &str, audience: &str) -> Result<Secret, AuthError> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut id = [0u8; 16];
    rand::thread_rng().fill(&mut id);
    id[6] = (id[6] & 0x0f) | 0x40;
    id[8] = (id[8] & 0x3f) | 0x80;
    let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
    let jti = format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32]);
    let header = serde_json::json!({ "alg": "RS256", "typ": "JWT", "x5t": cert.x5t });
    let claims = serde_json::json!({
        "aud": audience,
        "iss": client_id,
        "sub": client_id,
        "jti": jti,
        "nbf": now,
        "iat": now,
        "exp": now + ASSERTION_LIFETIME_SECS,
    });
    let signing_input = format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims.to_string().as_bytes()));
    let mut signature = vec![0u8; cert.key.public_modulus_len()];
    cert.key
        .sign(&RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), signing_input.as_bytes(), &mut signature)
        .map_err(|_| AuthError::InvalidCredential("could not sign the client assertion with the private key".into()))?;
    Ok(Secret::new(format!("{signing_input}.{}", b64url(&signature))))
}

// ---------------------------------------------------------------------------
// Responses

/// A string field read straight into a [`Secret`].
struct SecretField(Secret);

impl<'de> Deserialize<'de> for SecretField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SecretField;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SecretField, E> {
                Ok(SecretField(Secret::new(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<SecretField, E> {
                Ok(SecretField(Secret::new(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// `expires_in` and `interval` are numbers, but older endpoints sent strings.
fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrString {
        N(u64),
        F(f64),
        S(String),
    }
    Ok(match Option::<NumberOrString>::deserialize(d)? {
        None => None,
        Some(NumberOrString::N(n)) => Some(n),
        Some(NumberOrString::F(f)) if f.is_finite() && f >= 0.0 => Some(f as u64),
        Some(NumberOrString::F(_)) => None,
        Some(NumberOrString::S(s)) => s.trim().parse().ok(),
    })
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    access_token: Option<SecretField>,
    #[serde(default, deserialize_with = "seconds")]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<SecretField>,
}

#[derive(Deserialize)]
struct DeviceCodeResponse {
    device_code: SecretField,
    user_code: String,
    #[serde(alias = "verification_url")]
    verification_uri: String,
    #[serde(default, deserialize_with = "seconds")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "seconds")]
    interval: Option<u64>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// A sign-in server's text, fit to quote: control characters removed and
/// cut to `MAX_QUOTED` characters.
fn clip(text: &str) -> String {
    crate::secret::clean_field(text.trim(), MAX_QUOTED)
}

fn redact_all(text: &str, secrets: &[&Secret]) -> String {
    secrets.iter().fold(text.to_string(), |t, s| redact(&t, s))
}

/// An unsuccessful answer as [`AuthError::Rejected`], server text redacted.
fn rejection(status: u16, body: &[u8], secrets: &[&Secret]) -> AuthError {
    match serde_json::from_slice::<OAuthErrorBody>(body) {
        Ok(e) => AuthError::Rejected {
            code: clip(&redact_all(&e.error, secrets)),
            description: clip(&redact_all(e.error_description.as_deref().unwrap_or(""), secrets)),
            status,
        },
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            AuthError::Rejected {
                code: "unexpected_response".to_string(),
                description: if text.trim().is_empty() {
                    "the sign-in endpoint answered with an empty body".to_string()
                } else {
                    clip(&redact_all(&text, secrets))
                },
                status,
            }
        }
    }
}

fn invalid_response(status: u16, what: &str) -> AuthError {
    AuthError::Rejected { code: "invalid_response".to_string(), description: what.to_string(), status }
}

// ---------------------------------------------------------------------------
// The provider

enum Method {
    Static(Secret),
    Browser { tenant_id: String, client_id: String, launcher: BrowserLauncher, timeout: Duration },
    ClientSecret { tenant_id: String, client_id: String, secret: Secret },
    Certificate { tenant_id: String, client_id: String, cert: Box<CertificateKey> },
    DeviceCode { tenant_id: String, client_id: String },
    /// Its own HTTP client: never through a proxy (the endpoints are local
    /// to the machine), no redirects.
    ManagedIdentity { client_id: Option<String>, source: ManagedIdentitySource, http: reqwest::Client },
    ClientAssertion { tenant_id: String, client_id: String, assertion: Assertion },
}

/// A managed identity endpoint's token answer. IMDS writes every field as a
/// string (`"expires_in": "3599"`, `"expires_on": "1506484173"`); App Service
/// (2019-08-01) gives `expires_on` as a string of seconds since the epoch
/// and no `expires_in`. Numbers are read too.
#[derive(Deserialize)]
struct ManagedIdentityTokenResponse {
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    access_token: Option<SecretField>,
    #[serde(default, deserialize_with = "seconds")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "seconds")]
    expires_on: Option<u64>,
}

struct CachedToken {
    token: Secret,
    renew_at: Instant,
    expires_at: Instant,
}

struct PendingDeviceCode {
    device_code: Secret,
    interval: Duration,
    next_poll: Instant,
    expires_at: Instant,
}

#[derive(Default)]
struct State {
    cached: Option<CachedToken>,
    /// The token the cached one replaced: it may still be valid for a few
    /// minutes, so it is still a secret to keep out of what is shown.
    previous: Option<Secret>,
    refresh_token: Option<Secret>,
    device: Option<PendingDeviceCode>,
    /// Device code sign-in completed at least once.
    signed_in: bool,
}

/// A new token, as received.
struct Issued {
    token: Secret,
    refresh_token: Option<Secret>,
    lifetime: Duration,
    requested_at: Instant,
}

/// Gives access tokens for one credential; cached, renewed ahead of expiry.
/// `Send + Sync`: share it between tasks.
pub struct TokenProvider {
    authority: Url,
    scope: String,
    method: Method,
    state: Mutex<State>,
    /// A person's refresh token kept between sessions (browser, device
    /// code), when asked for and where it can be protected.
    cache: Option<crate::token_cache::TokenCache>,
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProvider")
            .field("kind", &self.kind())
            .field("authority", &self.authority.as_str())
            .field("scope", &self.scope)
            .field("tenant_id", &self.tenant_id())
            .field("client_id", &self.client_id())
            .finish_non_exhaustive()
    }
}

impl TokenProvider {
    /// Checks the settings now: the authority (https, or http only for a
    /// loopback address), the ids, and for a certificate the key and
    /// certificate PEM (an RSA key whose certificate is given).
    pub fn new(settings: AuthSettings) -> Result<TokenProvider, AuthError> {
        let AuthSettings { authority, scope, credential } = settings;
        let authority = normalize_authority(authority);
        check_authority(&authority)?;
        if scope.trim().is_empty() {
            return Err(AuthError::InvalidCredential(
                "the scope is empty: use the Graph host's /.default, e.g. https://graph.microsoft.com/.default".into(),
            ));
        }
        let method = match credential {
            Credential::AccessToken(token) => {
                let text = token.expose().trim();
                let text = match text.get(..7) {
                    Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => text[7..].trim(),
                    _ => text,
                };
                if text.is_empty() {
                    return Err(AuthError::InvalidCredential("the access token is empty".into()));
                }
                if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(AuthError::InvalidCredential(
                        "the access token contains spaces or control characters: give the token alone".into(),
                    ));
                }
                let token = if text.len() == token.expose().len() { token } else { Secret::new(text.to_string()) };
                Method::Static(token)
            }
            Credential::ClientSecret { tenant_id, client_id, secret } => {
                check_tenant(&tenant_id)?;
                check_client(&client_id)?;
                if secret.expose().trim().is_empty() {
                    return Err(AuthError::InvalidCredential("the client secret is empty".into()));
                }
                Method::ClientSecret { tenant_id, client_id, secret }
            }
            Credential::ClientCertificate { tenant_id, client_id, private_key_pem, certificate_pem } => {
                check_tenant(&tenant_id)?;
                check_client(&client_id)?;
                let cert = parse_certificate_key(&private_key_pem, &certificate_pem).map_err(AuthError::InvalidCredential)?;
                Method::Certificate { tenant_id, client_id, cert: Box::new(cert) }
            }
            Credential::DeviceCode { tenant_id, client_id } => {
                check_tenant(&tenant_id)?;
                check_client(&client_id)?;
                Method::DeviceCode { tenant_id, client_id }
            }
            Credential::Browser { tenant_id, client_id, launcher, timeout } => {
                check_tenant(&tenant_id)?;
                check_client(&client_id)?;
                if let BrowserLauncher::Program(p) = &launcher {
                    if p.trim().is_empty() {
                        return Err(AuthError::InvalidCredential("the browser program is empty".into()));
                    }
                }
                if timeout.is_zero() {
                    return Err(AuthError::InvalidCredential("the browser sign-in's timeout must be positive".into()));
                }
                Method::Browser { tenant_id, client_id, launcher, timeout }
            }
            Credential::ManagedIdentity { client_id, source } => {
                let client_id = client_id.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
                if let Some(c) = &client_id {
                    check_client(c)?;
                    if let ManagedIdentitySource::AzureArc { .. } = source {
                        return Err(AuthError::InvalidCredential(
                            "an Azure Arc-enabled server has only its system-assigned managed identity: leave the client id out"
                                .into(),
                        ));
                    }
                }
                let http = reqwest::Client::builder()
                    .no_proxy()
                    .redirect(reqwest::redirect::Policy::none())
                    .timeout(MANAGED_IDENTITY_TIMEOUT)
                    .user_agent(concat!("group-writeback/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| AuthError::Network(format!("cannot build the managed identity HTTP client: {e}")))?;
                Method::ManagedIdentity { client_id, source, http }
            }
            Credential::ClientAssertion { tenant_id, client_id, assertion } => {
                check_tenant(&tenant_id)?;
                check_client(&client_id)?;
                if let Assertion::Given(a) = &assertion {
                    if a.expose().trim().is_empty() {
                        return Err(AuthError::InvalidCredential("the client assertion is empty".into()));
                    }
                }
                Method::ClientAssertion { tenant_id, client_id, assertion }
            }
        };
        Ok(TokenProvider { authority, scope, method, state: Mutex::new(State::default()), cache: None })
    }

    /// `"accessToken"`, `"clientSecret"`, `"certificate"`, `"deviceCode"`,
    /// `"managedIdentity"`, `"workloadIdentity"` (a federated token file) or
    /// `"clientAssertion"` (an assertion given).
    pub fn kind(&self) -> &'static str {
        match &self.method {
            Method::Static(_) => "accessToken",
            Method::ClientSecret { .. } => "clientSecret",
            Method::Certificate { .. } => "certificate",
            Method::DeviceCode { .. } => "deviceCode",
            Method::Browser { .. } => "browser",
            Method::ManagedIdentity { .. } => "managedIdentity",
            Method::ClientAssertion { assertion: Assertion::File(_), .. } => "workloadIdentity",
            Method::ClientAssertion { assertion: Assertion::Given(_), .. } => "clientAssertion",
        }
    }

    pub fn tenant_id(&self) -> Option<&str> {
        match &self.method {
            Method::Static(_) | Method::ManagedIdentity { .. } => None,
            Method::ClientSecret { tenant_id, .. }
            | Method::Certificate { tenant_id, .. }
            | Method::DeviceCode { tenant_id, .. }
            | Method::Browser { tenant_id, .. }
            | Method::ClientAssertion { tenant_id, .. } => Some(tenant_id),
        }
    }

    pub fn client_id(&self) -> Option<&str> {
        match &self.method {
            Method::Static(_) => None,
            Method::ManagedIdentity { client_id, .. } => client_id.as_deref(),
            Method::ClientSecret { client_id, .. }
            | Method::Certificate { client_id, .. }
            | Method::DeviceCode { client_id, .. }
            | Method::Browser { client_id, .. }
            | Method::ClientAssertion { client_id, .. } => Some(client_id),
        }
    }

    /// For a managed identity: `"systemAssigned"` or `"userAssigned"`.
    pub fn identity(&self) -> Option<&'static str> {
        match &self.method {
            Method::ManagedIdentity { client_id: None, .. } => Some("systemAssigned"),
            Method::ManagedIdentity { client_id: Some(_), .. } => Some("userAssigned"),
            _ => None,
        }
    }

    /// Where the tokens come from, when not from the sign-in endpoint:
    /// `"imds"`, `"appService"` or `"azureArc"` for a managed identity, the federated
    /// token file's path for workload identity.
    pub fn token_source(&self) -> Option<String> {
        match &self.method {
            Method::ManagedIdentity { source, .. } => Some(source.name().to_string()),
            Method::ClientAssertion { assertion: Assertion::File(p), .. } => Some(p.display().to_string()),
            _ => None,
        }
    }

    /// Keeps a person's refresh token in the file `path` between sessions
    /// ([`crate::token_cache`]): only for the browser and device code
    /// sign-ins, and only where it can be protected (Windows).
    pub fn with_cache(mut self, path: &std::path::Path) -> Result<TokenProvider, AuthError> {
        let (tenant_id, client_id) = match &self.method {
            Method::Browser { tenant_id, client_id, .. } | Method::DeviceCode { tenant_id, client_id } => (tenant_id, client_id),
            _ => {
                return Err(AuthError::InvalidCredential(
                    "a token cache keeps a person's sign-in (browser, device code): an app or a managed identity signs in again by itself".into(),
                ))
            }
        };
        let key = format!("{}|{}|{}|{}", self.authority, tenant_id.to_ascii_lowercase(), client_id.to_ascii_lowercase(), self.scope);
        self.cache = Some(crate::token_cache::TokenCache::open(path, key).map_err(AuthError::InvalidCredential)?);
        Ok(self)
    }

    /// The token cache's file, when one is kept.
    pub fn cache_path(&self) -> Option<&std::path::Path> {
        self.cache.as_ref().map(|c| c.path())
    }

    /// A person's sign-in from the refresh token kept in the cache: None
    /// when there is none or the service no longer accepts it (then it is
    /// forgotten and the person signs in again).
    async fn from_cache(&self, http: &reqwest::Client, state: &mut State, tenant_id: &str, client_id: &str) -> Result<Option<Issued>, AuthError> {
        let kept = match self.cache.as_ref().and_then(|c| c.load()) {
            Some(k) => k,
            None => return Ok(None),
        };
        match self.redeem_refresh_token(http, state, tenant_id, client_id, kept).await {
            Ok(issued) => {
                state.signed_in = true;
                Ok(Some(issued))
            }
            Err(AuthError::NotRefreshable) => {
                if let Some(c) = &self.cache {
                    c.forget();
                }
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// An access token: the cached one while it has more than five minutes
    /// (or a tenth of its lifetime, for short ones) left, else a new one.
    /// Concurrent callers share one request. A device code sign-in that has
    /// not completed gives [`AuthError::DeviceCodeNotStarted`].
    pub async fn token(&self, http: &reqwest::Client) -> Result<Secret, AuthError> {
        if let Method::Static(token) = &self.method {
            return Ok(token.clone());
        }
        let mut state = self.state.lock().await;
        let now = Instant::now();
        if let Some(cached) = &state.cached {
            if now < cached.renew_at {
                return Ok(cached.token.clone());
            }
        }
        match self.renew(http, &mut state).await {
            Ok(token) => Ok(token),
            // Renewal is early: a token that is still valid serves while the
            // sign-in endpoint cannot be reached.
            Err(AuthError::Network(e)) => match &state.cached {
                Some(cached) if Instant::now() + Duration::from_secs(30) < cached.expires_at => Ok(cached.token.clone()),
                _ => Err(AuthError::Network(e)),
            },
            Err(e) => Err(e),
        }
    }

    /// Every secret this provider holds or has handed out and that may
    /// still be valid, `extra` first: the static token, the client secret,
    /// the current and the previous access token, the refresh token, a
    /// pending device code. Text a server sends is redacted of all of them.
    pub async fn secrets(&self, extra: &Secret) -> Vec<Secret> {
        let mut out = vec![extra.clone()];
        match &self.method {
            Method::Static(t) => out.push(t.clone()),
            Method::ClientSecret { secret, .. } => out.push(secret.clone()),
            Method::ManagedIdentity { source: ManagedIdentitySource::AppService { header, .. }, .. } => out.push(header.clone()),
            Method::ClientAssertion { assertion: Assertion::Given(a), .. } => out.push(a.clone()),
            Method::Certificate { .. }
            | Method::DeviceCode { .. }
            | Method::Browser { .. }
            | Method::ManagedIdentity { .. }
            | Method::ClientAssertion { .. } => {}
        }
        let state = self.state.lock().await;
        out.extend(state.cached.as_ref().map(|c| c.token.clone()));
        out.extend(state.previous.clone());
        out.extend(state.refresh_token.clone());
        out.extend(state.device.as_ref().map(|d| d.device_code.clone()));
        out.dedup_by(|a, b| a.expose() == b.expose());
        out
    }

    /// After Graph answered 401: forgets the cached token and gets a new one.
    /// A caller-supplied token gives [`AuthError::NotRefreshable`]; so does a
    /// device code sign-in for which no refresh token was issued.
    pub async fn refresh(&self, http: &reqwest::Client) -> Result<Secret, AuthError> {
        if let Method::Static(_) = &self.method {
            return Err(AuthError::NotRefreshable);
        }
        let mut state = self.state.lock().await;
        if let Some(old) = state.cached.take() {
            state.previous = Some(old.token);
        }
        self.renew(http, &mut state).await
    }

    /// A new token for the credential; caches it.
    async fn renew(&self, http: &reqwest::Client, state: &mut State) -> Result<Secret, AuthError> {
        let issued = match &self.method {
            Method::Static(_) => return Err(AuthError::NotRefreshable),
            Method::ClientSecret { tenant_id, client_id, secret } => {
                let url = self.endpoint(tenant_id, "token")?;
                let form = [
                    ("client_id", client_id.as_str()),
                    ("scope", self.scope.as_str()),
                    ("grant_type", "client_credentials"),
                    ("client_secret", secret.expose()),
                ];
                self.request_token(http, url, &form, &[secret]).await?
            }
            Method::Certificate { tenant_id, client_id, cert } => {
                let url = self.endpoint(tenant_id, "token")?;
                let assertion = client_assertion(cert, client_id, url.as_str())?;
                let form = [
                    ("client_id", client_id.as_str()),
                    ("scope", self.scope.as_str()),
                    ("grant_type", "client_credentials"),
                    ("client_assertion_type", JWT_BEARER_ASSERTION),
                    ("client_assertion", assertion.expose()),
                ];
                self.request_token(http, url, &form, &[&assertion]).await?
            }
            Method::ClientAssertion { tenant_id, client_id, assertion } => {
                // Read at each request: a federated token file is rotated
                // (AKS writes a new one before the old expires).
                let assertion = assertion.read()?;
                let url = self.endpoint(tenant_id, "token")?;
                let form = [
                    ("client_id", client_id.as_str()),
                    ("scope", self.scope.as_str()),
                    ("grant_type", "client_credentials"),
                    ("client_assertion_type", JWT_BEARER_ASSERTION),
                    ("client_assertion", assertion.expose()),
                ];
                self.request_token(http, url, &form, &[&assertion]).await?
            }
            Method::ManagedIdentity { client_id, source, http } => {
                self.managed_identity_token(http, client_id.as_deref(), source).await?
            }
            Method::Browser { tenant_id, client_id, launcher, timeout } => match state.refresh_token.clone() {
                Some(refresh_token) => self.redeem_refresh_token(http, state, tenant_id, client_id, refresh_token).await?,
                None if state.signed_in => return Err(AuthError::NotRefreshable),
                None => match self.from_cache(http, state, tenant_id, client_id).await? {
                    Some(issued) => issued,
                    None => {
                        let issued = self.browser_sign_in(http, tenant_id, client_id, launcher, *timeout).await?;
                        state.signed_in = true;
                        issued
                    }
                },
            },
            Method::DeviceCode { tenant_id, client_id } => {
                let refresh_token = match &state.refresh_token {
                    Some(rt) => rt.clone(),
                    None if state.signed_in => return Err(AuthError::NotRefreshable),
                    None => match self.from_cache(http, state, tenant_id, client_id).await? {
                        Some(issued) => return Ok(self.store(state, issued)),
                        None => return Err(AuthError::DeviceCodeNotStarted),
                    },
                };
                self.redeem_refresh_token(http, state, tenant_id, client_id, refresh_token).await?
            }
        };
        Ok(self.store(state, issued))
    }

    /// Caches a new token; a new refresh token is kept in memory, and in the
    /// token cache when there is one (best effort: a cache that cannot be
    /// written means signing in again next session, not a failure now).
    fn store(&self, state: &mut State, issued: Issued) -> Secret {
        if let (Some(cache), Some(rt)) = (&self.cache, &issued.refresh_token) {
            let _ = cache.save(rt);
        }
        let Issued { token, refresh_token, lifetime, requested_at } = issued;
        let margin = RENEW_MARGIN.min(lifetime / RENEW_FRACTION);
        if let Some(old) = state.cached.take() {
            state.previous = Some(old.token);
        }
        state.cached = Some(CachedToken {
            token: token.clone(),
            renew_at: requested_at + (lifetime - margin),
            expires_at: requested_at + lifetime,
        });
        if refresh_token.is_some() {
            state.refresh_token = refresh_token;
        }
        token
    }

    /// Starts device code sign-in: `POST {authority}{tenant}/oauth2/v2.0/devicecode`.
    /// Show the prompt's message to the person, then call [`Self::device_code_wait`].
    pub async fn device_code_begin(&self, http: &reqwest::Client) -> Result<DeviceCodePrompt, AuthError> {
        let (tenant_id, client_id) = match &self.method {
            Method::DeviceCode { tenant_id, client_id } => (tenant_id, client_id),
            _ => {
                return Err(AuthError::InvalidCredential(format!(
                    "device code sign-in needs a device code credential; this one is {}",
                    self.kind()
                )))
            }
        };
        let url = self.endpoint(tenant_id, "devicecode")?;
        let scope = self.device_code_scope();
        let form = [("client_id", client_id.as_str()), ("scope", scope.as_str())];
        let started = Instant::now();
        let (status, body) = self.post_form(http, url, &form).await?;
        if !(200..300).contains(&status) {
            return Err(rejection(status, &body, &[]));
        }
        let answer: DeviceCodeResponse = serde_json::from_slice(&body)
            .map_err(|_| invalid_response(status, "the devicecode answer lacks device_code, user_code or verification_uri"))?;
        if answer.device_code.0.is_empty() || answer.user_code.trim().is_empty() {
            return Err(invalid_response(status, "the devicecode answer has an empty device_code or user_code"));
        }
        let expires_in = answer.expires_in.unwrap_or(900).min(MAX_LIFETIME_SECS);
        let interval = answer
            .interval
            .map(|s| Duration::from_secs(s.clamp(1, MAX_POLL_INTERVAL_SECS)))
            .unwrap_or(DEFAULT_POLL_INTERVAL);
        let message = answer.message.filter(|m| !m.trim().is_empty()).unwrap_or_else(|| {
            format!(
                "To sign in, use a web browser to open the page {} and enter the code {} to authenticate.",
                answer.verification_uri, answer.user_code
            )
        });
        let prompt = DeviceCodePrompt {
            message,
            user_code: answer.user_code,
            verification_uri: answer.verification_uri,
            expires_in,
            interval: interval.as_secs(),
        };
        let mut state = self.state.lock().await;
        state.device = Some(PendingDeviceCode {
            device_code: answer.device_code.0,
            interval,
            next_poll: started + interval,
            expires_at: started + Duration::from_secs(expires_in),
        });
        Ok(prompt)
    }

    /// Polls the token endpoint at the server's interval until the person
    /// has signed in (`Ok(true)`) or `max_wait` has passed (`Ok(false)`: call
    /// again). `slow_down` adds five seconds to the interval; an expired
    /// code gives [`AuthError::Expired`]; a declined one
    /// [`AuthError::Rejected`] with `authorization_declined`.
    pub async fn device_code_wait(&self, http: &reqwest::Client, max_wait: Duration) -> Result<bool, AuthError> {
        let (tenant_id, client_id) = match &self.method {
            Method::DeviceCode { tenant_id, client_id } => (tenant_id, client_id),
            _ => return Err(AuthError::DeviceCodeNotStarted),
        };
        let now = Instant::now();
        let deadline = now.checked_add(max_wait).unwrap_or_else(|| now + Duration::from_secs(MAX_LIFETIME_SECS));
        loop {
            let (device_code, next_poll) = {
                let mut state = self.state.lock().await;
                let pending = match &state.device {
                    Some(pending) => pending,
                    None if state.signed_in => return Ok(true),
                    None => return Err(AuthError::DeviceCodeNotStarted),
                };
                if Instant::now() >= pending.expires_at {
                    state.device = None;
                    return Err(AuthError::Expired);
                }
                (pending.device_code.clone(), pending.next_poll)
            };
            if next_poll > deadline {
                tokio::time::sleep_until(deadline).await;
                return Ok(false);
            }
            tokio::time::sleep_until(next_poll).await;

            let url = self.endpoint(tenant_id, "token")?;
            let form = [
                ("grant_type", DEVICE_CODE_GRANT),
                ("client_id", client_id.as_str()),
                ("device_code", device_code.expose()),
            ];
            let result = self.request_token(http, url, &form, &[&device_code]).await;

            let mut state = self.state.lock().await;
            let now = Instant::now();
            let same_flow = matches!(state.device.as_ref(), Some(p) if p.device_code == device_code);
            match result {
                Ok(issued) => {
                    if same_flow {
                        state.device = None;
                    }
                    state.signed_in = true;
                    self.store(&mut state, issued);
                    return Ok(true);
                }
                Err(AuthError::Rejected { code, description, status }) => {
                    if !same_flow {
                        // Another call started a new sign-in meanwhile: follow that one.
                        continue;
                    }
                    let pending = state.device.as_mut().expect("same_flow");
                    match code.as_str() {
                        "authorization_pending" => pending.next_poll = now + pending.interval,
                        "slow_down" => {
                            pending.interval = (pending.interval + SLOW_DOWN_STEP).min(Duration::from_secs(MAX_POLL_INTERVAL_SECS));
                            pending.next_poll = now + pending.interval;
                        }
                        "expired_token" | "code_expired" => {
                            state.device = None;
                            return Err(AuthError::Expired);
                        }
                        _ => {
                            // authorization_declined, bad_verification_code, invalid_client...
                            state.device = None;
                            return Err(AuthError::Rejected { code, description, status });
                        }
                    }
                }
                Err(e) => {
                    // A transport failure: keep the sign-in going; the next call polls again.
                    if let (true, Some(pending)) = (same_flow, state.device.as_mut()) {
                        pending.next_poll = now + pending.interval;
                    }
                    return Err(e);
                }
            }
        }
    }

    /// A token from a managed identity endpoint, tried again as
    /// [`managed_identity_retry_wait`] says.
    async fn managed_identity_token(
        &self,
        http: &reqwest::Client,
        client_id: Option<&str>,
        source: &ManagedIdentitySource,
    ) -> Result<Issued, AuthError> {
        let mut retries = RetryCount::default();
        loop {
            let result = self.managed_identity_attempt(http, client_id, source).await;
            let failure = match &result {
                Err(AuthError::Network(_)) => Some(None),
                Err(AuthError::Rejected { status, .. }) => Some(Some(*status)),
                _ => None,
            };
            let wait = match failure {
                Some(status) => managed_identity_retry_wait(source, status, &mut retries),
                None => None,
            };
            match wait {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return result,
            }
        }
    }

    /// One request for a token to a managed identity endpoint: a GET with
    /// the resource (the scope without `/.default`) and, for a user-assigned
    /// identity, `client_id`.
    async fn managed_identity_attempt(
        &self,
        http: &reqwest::Client,
        client_id: Option<&str>,
        source: &ManagedIdentitySource,
    ) -> Result<Issued, AuthError> {
        let resource = self.scope.split_whitespace().next().unwrap_or("");
        let resource = resource.strip_suffix("/.default").unwrap_or(resource);
        let mut url = source.endpoint().clone();
        {
            let api_version = match source {
                ManagedIdentitySource::Imds { .. } => IMDS_API_VERSION,
                ManagedIdentitySource::AppService { .. } => APP_SERVICE_API_VERSION,
                ManagedIdentitySource::AzureArc { .. } => ARC_API_VERSION,
            };
            let mut query = url.query_pairs_mut();
            query.append_pair("api-version", api_version).append_pair("resource", resource);
            if let Some(id) = client_id {
                query.append_pair("client_id", id);
            }
        }
        let shown = {
            let mut u = url.clone();
            u.set_query(None);
            u.to_string()
        };
        let mut request = http.get(url.clone()).header(reqwest::header::ACCEPT, "application/json");
        let mut secrets: Vec<&Secret> = Vec::new();
        match source {
            ManagedIdentitySource::Imds { .. } | ManagedIdentitySource::AzureArc { .. } => {
                request = request.header("Metadata", "true")
            }
            ManagedIdentitySource::AppService { header, .. } => {
                let mut value = reqwest::header::HeaderValue::from_str(header.expose())
                    .map_err(|_| AuthError::InvalidCredential(format!("{ENV_IDENTITY_HEADER} is not a valid header value")))?;
                value.set_sensitive(true);
                request = request.header("X-IDENTITY-HEADER", value);
                secrets.push(header);
            }
        }
        let requested_at = Instant::now();
        let mut response = request.send().await.map_err(|e| network_as("GET", &shown, e))?;
        let key;
        if let (ManagedIdentitySource::AzureArc { key_directory, .. }, 401) = (source, response.status().as_u16()) {
            // The challenge names the key file; its content proves the
            // caller may read it (an administrator, or the himds group).
            let challenge = response
                .headers()
                .get(reqwest::header::WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .ok_or_else(|| invalid_response(401, "the Azure Arc endpoint's 401 has no WWW-Authenticate header"))?;
            key = read_arc_key(&challenge, key_directory.as_deref())?;
            let mut value = reqwest::header::HeaderValue::from_str(&format!("Basic {}", key.expose()))
                .map_err(|_| AuthError::InvalidCredential("the Azure Arc key file is not a valid header value".into()))?;
            value.set_sensitive(true);
            response = http
                .get(url)
                .header(reqwest::header::ACCEPT, "application/json")
                .header("Metadata", "true")
                .header(reqwest::header::AUTHORIZATION, value)
                .send()
                .await
                .map_err(|e| network_as("GET", &shown, e))?;
            secrets.push(&key);
        }
        let status = response.status().as_u16();
        let mut body = response.bytes().await.map_err(|e| network_as("GET", &shown, e))?.to_vec();
        let result = read_managed_identity_token(status, &body, &secrets);
        body.zeroize();
        let (token, lifetime) = result?;
        Ok(Issued { token, refresh_token: None, lifetime, requested_at })
    }

    /// Browser sign-in: the authorization code flow with PKCE, as
    /// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
    /// describes it for desktop apps. Listens on 127.0.0.1 (port chosen by
    /// the system) for the one redirect; the redirect URI is
    /// `http://localhost:PORT/`: the public client registers `http://localhost`,
    /// and for public clients the port of a localhost redirect URI is
    /// ignored when it is compared
    /// (https://learn.microsoft.com/en-us/entra/identity-platform/reply-url#localhost-exceptions).
    /// The redirect must carry the `state` sent, else the sign-in is
    /// refused; the code is exchanged with the `code_verifier`.
    async fn browser_sign_in(
        &self,
        http: &reqwest::Client,
        tenant_id: &str,
        client_id: &str,
        launcher: &BrowserLauncher,
        timeout: Duration,
    ) -> Result<Issued, AuthError> {
        let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|e| AuthError::Browser(format!("cannot listen on a loopback port for the sign-in's redirect: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| AuthError::Browser(format!("cannot listen on a loopback port for the sign-in's redirect: {e}")))?
            .port();
        let redirect_uri = format!("http://localhost:{port}/");
        // RFC 7636: a verifier of 43 characters from 32 random bytes; the
        // challenge is BASE64URL(SHA256(verifier)).
        let verifier = Secret::new(b64url(&rand::random::<[u8; 32]>()));
        let challenge = b64url(ring::digest::digest(&ring::digest::SHA256, verifier.expose().as_bytes()).as_ref());
        let expected_state = b64url(&rand::random::<[u8; 16]>());
        let scope = self.device_code_scope();
        let mut url = self.endpoint(tenant_id, "authorize")?;
        url.query_pairs_mut()
            .append_pair("client_id", client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("response_mode", "query")
            .append_pair("scope", &scope)
            .append_pair("state", &expected_state)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        open_browser(launcher, url.as_str())?;
        let code = match tokio::time::timeout(timeout, wait_for_redirect(&listener, &expected_state)).await {
            Ok(result) => result?,
            Err(_) => {
                return Err(AuthError::Browser(format!(
                    "the browser did not come back to {redirect_uri} within {} s: sign in again, or use device code sign-in",
                    timeout.as_secs()
                )))
            }
        };
        drop(listener);
        let url = self.endpoint(tenant_id, "token")?;
        let form = [
            ("client_id", client_id),
            ("scope", scope.as_str()),
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("redirect_uri", redirect_uri.as_str()),
            ("code_verifier", verifier.expose()),
        ];
        self.request_token(http, url, &form, &[&code, &verifier]).await
    }

    /// The device code flow asks for `offline_access` too, so that a refresh
    /// token is issued and the sign-in outlives the first access token.
    fn device_code_scope(&self) -> String {
        if self.scope.split_whitespace().any(|s| s == "offline_access") {
            self.scope.clone()
        } else {
            format!("{} offline_access", self.scope)
        }
    }

    /// `{authority}{tenant}/oauth2/v2.0/{leaf}`, refused if it would leave the authority.
    fn endpoint(&self, tenant_id: &str, leaf: &str) -> Result<Url, AuthError> {
        let url = self
            .authority
            .join(&format!("{tenant_id}/oauth2/v2.0/{leaf}"))
            .map_err(|e| AuthError::InvalidCredential(format!("cannot build the sign-in URL: {e}")))?;
        if url.origin() != self.authority.origin() || !url.path().starts_with(self.authority.path()) {
            return Err(AuthError::UntrustedUrl(url.to_string()));
        }
        Ok(url)
    }

    /// POSTs a form; `(status, body)`. A response from another origin than the
    /// request's (a followed redirect) is refused.
    async fn post_form(&self, http: &reqwest::Client, url: Url, form: &[(&str, &str)]) -> Result<(u16, Vec<u8>), AuthError> {
        let origin = url.origin();
        let shown = url.to_string();
        let response = http
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .map_err(|e| network(&shown, e))?;
        if response.url().origin() != origin {
            return Err(AuthError::Network(format!(
                "POST {shown}: the answer came from another host ({}); redirects are not followed for sign-in",
                response.url().origin().ascii_serialization()
            )));
        }
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| network(&shown, e))?;
        Ok((status, body.to_vec()))
    }

    /// A person's sign-in (browser or device code) renewed with the refresh
    /// token kept in memory (never written anywhere), so a long run is not
    /// interrupted. One the service no longer accepts is forgotten: the
    /// person signs in again ([`AuthError::NotRefreshable`]).
    async fn redeem_refresh_token(
        &self,
        http: &reqwest::Client,
        state: &mut State,
        tenant_id: &str,
        client_id: &str,
        refresh_token: Secret,
    ) -> Result<Issued, AuthError> {
        let url = self.endpoint(tenant_id, "token")?;
        let scope = self.device_code_scope();
        let form = [
            ("client_id", client_id),
            ("scope", scope.as_str()),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ];
        match self.request_token(http, url, &form, &[&refresh_token]).await {
            Err(AuthError::Rejected { code, .. }) if code == "invalid_grant" => {
                state.refresh_token = None;
                Err(AuthError::NotRefreshable)
            }
            other => other,
        }
    }

    /// POSTs a token request and reads the token.
    async fn request_token(
        &self,
        http: &reqwest::Client,
        url: Url,
        form: &[(&str, &str)],
        secrets: &[&Secret],
    ) -> Result<Issued, AuthError> {
        let requested_at = Instant::now();
        let (status, mut body) = self.post_form(http, url, form).await?;
        let result = read_token(status, &body, secrets);
        body.zeroize();
        let (token, refresh_token, lifetime) = result?;
        Ok(Issued { token, refresh_token, lifetime, requested_at })
    }
}

/// A token answer's body as `T`: a 2xx JSON body (else the rejection or an
/// invalid response naming `who`, the endpoint).
fn token_answer<T: serde::de::DeserializeOwned>(status: u16, body: &[u8], secrets: &[&Secret], who: &str) -> Result<T, AuthError> {
    if !(200..300).contains(&status) {
        return Err(rejection(status, body, secrets));
    }
    serde_json::from_slice(body).map_err(|_| invalid_response(status, &format!("the {who}'s answer is not a JSON token response")))
}

/// The access token of an answer whose `token_type`, if given, is Bearer.
fn bearer_token(status: u16, token_type: Option<&str>, access_token: Option<SecretField>, who: &str) -> Result<Secret, AuthError> {
    if let Some(kind) = token_type {
        if !kind.eq_ignore_ascii_case("bearer") {
            return Err(invalid_response(status, &format!("unsupported token_type {:?}: expected Bearer", clip(kind))));
        }
    }
    match access_token {
        Some(SecretField(t)) if !t.is_empty() => Ok(t),
        _ => Err(invalid_response(status, &format!("the {who}'s answer has no access_token"))),
    }
}

fn read_token(status: u16, body: &[u8], secrets: &[&Secret]) -> Result<(Secret, Option<Secret>, Duration), AuthError> {
    const WHO: &str = "token endpoint";
    let answer: TokenResponse = token_answer(status, body, secrets, WHO)?;
    let token = bearer_token(status, answer.token_type.as_deref(), answer.access_token, WHO)?;
    let lifetime = answer
        .expires_in
        .filter(|&s| s > 0)
        .map(|s| Duration::from_secs(s.min(MAX_LIFETIME_SECS)))
        .unwrap_or(DEFAULT_LIFETIME);
    Ok((token, answer.refresh_token.map(|r| r.0).filter(|r| !r.is_empty()), lifetime))
}

/// The key file an Azure Arc challenge (`Basic realm=<path>`) names, read
/// only if it is a `.key` file of at most 4096 bytes directly in
/// `directory` (after resolving links), as MSAL and Azure.Identity check it:
/// otherwise a local process posing as the agent could make this read any
/// file and send it back.
fn read_arc_key(challenge: &str, directory: Option<&std::path::Path>) -> Result<Secret, AuthError> {
    let refuse = |why: String| AuthError::InvalidCredential(format!("the Azure Arc challenge is refused: {why}"));
    let path = challenge
        .trim()
        .strip_prefix("Basic realm=")
        .map(|p| p.trim().trim_matches('"'))
        .filter(|p| !p.is_empty())
        .ok_or_else(|| refuse("WWW-Authenticate is not 'Basic realm=<key file>'".into()))?;
    let directory = directory.ok_or_else(|| refuse("the Azure Connected Machine agent does not run on this platform".into()))?;
    let path = std::path::Path::new(path);
    if path.extension().and_then(|e| e.to_str()) != Some("key") {
        return Err(refuse(format!("{} is not a .key file", path.display())));
    }
    let file = std::fs::canonicalize(path).map_err(|e| refuse(format!("{}: {e}", path.display())))?;
    let folder = std::fs::canonicalize(directory).map_err(|e| refuse(format!("{}: {e}", directory.display())))?;
    if file.parent() != Some(folder.as_path()) {
        return Err(refuse(format!("{} is not in {}", path.display(), directory.display())));
    }
    let size = std::fs::metadata(&file).map_err(|e| refuse(format!("{}: {e}", path.display())))?.len();
    if size > ARC_MAX_KEY_FILE {
        return Err(refuse(format!("{} is larger than {ARC_MAX_KEY_FILE} bytes", path.display())));
    }
    let mut bytes = std::fs::read(&file).map_err(|e| refuse(format!("cannot read {}: {e}", path.display())))?;
    let text = std::str::from_utf8(&bytes).map(|t| Secret::new(t.trim().to_string()));
    bytes.zeroize();
    match text {
        Ok(t) if !t.is_empty() => Ok(t),
        _ => Err(refuse(format!("{} is empty or not text", path.display()))),
    }
}

/// The retries so far of one managed identity token request: of any
/// transient failure, and of IMDS's 410 in particular.
#[derive(Default)]
struct RetryCount {
    transient: u32,
    gone: u32,
    gone_waited: Duration,
}

/// How long to wait before asking a managed identity endpoint again after
/// a failure (`status` None: no answer), or None to give up. Transient:
/// no answer, 429, 5xx, and from IMDS or Arc 404 and 410, which IMDS
/// answers while it starts or is updated ("Retry guidance" in
/// https://learn.microsoft.com/en-us/entra/identity/managed-identities-azure-resources/how-to-use-vm-token#retry-guidance);
/// tried again after 0.5, 1, 2 and 4 s. IMDS's 410 means an update that
/// takes up to 70 seconds, so it is tried again from 3 s, doubling, until
/// at least 70 s have been waited (3 + 6 + 12 + 24 + 48), as Azure.Identity
/// does since it follows that guidance.
fn managed_identity_retry_wait(source: &ManagedIdentitySource, status: Option<u16>, count: &mut RetryCount) -> Option<Duration> {
    let local = !matches!(source, ManagedIdentitySource::AppService { .. });
    let imds = matches!(source, ManagedIdentitySource::Imds { .. });
    if imds && status == Some(410) {
        if count.gone_waited >= IMDS_UPDATE_WINDOW {
            return None;
        }
        let wait = IMDS_UPDATE_FIRST_WAIT * (1u32 << count.gone.min(16));
        count.gone += 1;
        count.gone_waited += wait;
        return Some(wait);
    }
    let transient = match status {
        None => true,
        Some(s) => s == 429 || (500..600).contains(&s) || (local && (s == 404 || s == 410)),
    };
    if !transient || count.transient >= MANAGED_IDENTITY_RETRIES {
        return None;
    }
    let wait = Duration::from_millis(500 << count.transient);
    count.transient += 1;
    Some(wait)
}

fn read_managed_identity_token(status: u16, body: &[u8], secrets: &[&Secret]) -> Result<(Secret, Duration), AuthError> {
    const WHO: &str = "managed identity endpoint";
    let answer: ManagedIdentityTokenResponse = token_answer(status, body, secrets, WHO)?;
    let token = bearer_token(status, answer.token_type.as_deref(), answer.access_token, WHO)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let lifetime = answer
        .expires_in
        .filter(|&s| s > 0)
        .or_else(|| answer.expires_on.map(|at| at.saturating_sub(now)).filter(|&s| s > 0))
        .map(|s| Duration::from_secs(s.min(MAX_LIFETIME_SECS)))
        .unwrap_or(DEFAULT_LIFETIME);
    Ok((token, lifetime))
}

fn network(url: &str, e: reqwest::Error) -> AuthError {
    network_as("POST", url, e)
}

fn network_as(method: &str, url: &str, e: reqwest::Error) -> AuthError {
    let e = e.without_url();
    let mut text = format!("{method} {url}: {e}");
    // The causes (e.g. "Connection refused"); transport errors carry no body.
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        let shown = c.to_string();
        if !text.contains(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        cause = c.source();
    }
    AuthError::Network(text)
}

/// How the browser sign-in opens the authorize page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BrowserLauncher {
    /// The system's browser: `rundll32 url.dll,FileProtocolHandler URL` on
    /// Windows (ShellExecute's handler for URLs, which takes the URL as it
    /// is, `&` included), `open URL` on macOS, `xdg-open URL` elsewhere.
    System,
    /// A program run with the URL as its one argument (`GWB_BROWSER`, the
    /// `browserCommand` option): another browser, or a test's stand-in.
    Program(String),
}

/// The variable naming the program that opens the browser sign-in's URL.
pub const ENV_BROWSER: &str = "GWB_BROWSER";

/// Why no browser can be opened here, if none can: an SSH session
/// (`SSH_CONNECTION` or `SSH_TTY`), or on Linux and other Unixes no display
/// (neither `DISPLAY` nor `WAYLAND_DISPLAY`). `env` looks a variable up.
/// A browser program named explicitly is used regardless.
pub fn browser_unavailable(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let set = |name: &str| env(name).map_or(false, |v| !v.trim().is_empty());
    if set("SSH_CONNECTION") || set("SSH_TTY") {
        return Some("this is an SSH session".into());
    }
    if cfg!(any(windows, target_os = "macos")) {
        return None;
    }
    if !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
        return Some("there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)".into());
    }
    None
}

fn open_browser(launcher: &BrowserLauncher, url: &str) -> Result<(), AuthError> {
    let (program, mut cmd) = match launcher {
        BrowserLauncher::Program(p) => (p.clone(), std::process::Command::new(p)),
        BrowserLauncher::System if cfg!(windows) => {
            let mut c = std::process::Command::new("rundll32");
            c.arg("url.dll,FileProtocolHandler");
            ("rundll32".to_string(), c)
        }
        BrowserLauncher::System if cfg!(target_os = "macos") => ("open".to_string(), std::process::Command::new("open")),
        BrowserLauncher::System => ("xdg-open".to_string(), std::process::Command::new("xdg-open")),
    };
    cmd.arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd
        .spawn()
        .map_err(|e| AuthError::Browser(format!("cannot start the browser ({program}): {e}; name one with {ENV_BROWSER}, or use device code sign-in")))?;
    // Reaped when it ends; the sign-in does not wait for it.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

/// How long a connection to the loopback listener may take to send its request.
const REDIRECT_READ_TIMEOUT: Duration = Duration::from_secs(30);
const REDIRECT_MAX_HEAD: usize = 16 * 1024;

/// Waits for the redirect: the first request to `/` carrying `code`,
/// `error` or `state`. Other requests (a favicon) get 404; a connection
/// that sends nothing in time (a browser's preconnect) is dropped. The
/// browser is answered with a short page saying it can be closed.
async fn wait_for_redirect(listener: &tokio::net::TcpListener, expected_state: &str) -> Result<Secret, AuthError> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    loop {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| AuthError::Browser(format!("the loopback listener failed: {e}")))?;
        let read_head = async {
            let mut head = Vec::new();
            let mut buf = [0u8; 2048];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < REDIRECT_MAX_HEAD {
                let n = stream.read(&mut buf).await.ok()?;
                if n == 0 {
                    return None;
                }
                head.extend_from_slice(&buf[..n]);
            }
            Some(head)
        };
        let mut head = match tokio::time::timeout(REDIRECT_READ_TIMEOUT, read_head).await {
            Ok(Some(h)) => h,
            _ => continue,
        };
        let text = String::from_utf8_lossy(&head).into_owned();
        head.zeroize();
        let target = text.lines().next().and_then(|l| {
            let mut parts = l.split_whitespace();
            match (parts.next(), parts.next()) {
                (Some("GET"), Some(t)) => Some(t.to_string()),
                _ => None,
            }
        });
        let url = target.and_then(|t| Url::parse("http://localhost/").ok()?.join(&t).ok());
        let params: std::collections::HashMap<String, String> = match &url {
            Some(u) if u.path() == "/" => u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect(),
            _ => std::collections::HashMap::new(),
        };
        if !["code", "error", "state"].iter().any(|k| params.contains_key(*k)) {
            let _ = stream
                .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .await;
            continue;
        }
        let outcome = if params.get("state").map(String::as_str) != Some(expected_state) {
            Err(AuthError::Browser(
                "the redirect's state is not the one this sign-in sent: refused (the page that sent it is not this sign-in's)".into(),
            ))
        } else if let Some(error) = params.get("error") {
            Err(AuthError::Rejected {
                code: clip(error),
                description: clip(params.get("error_description").map(String::as_str).unwrap_or("")),
                status: 302,
            })
        } else {
            match params.get("code") {
                Some(code) if !code.is_empty() => Ok(Secret::new(code.clone())),
                _ => Err(AuthError::Browser("the redirect has neither a code nor an error".into())),
            }
        };
        let message = match &outcome {
            Ok(_) => "You are signed in to group-writeback. You can close this window and go back to the command line.".to_string(),
            Err(e) => format!("The sign-in to group-writeback failed: {e}. You can close this window."),
        };
        let html = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>group-writeback sign-in</title></head><body><p>{}</p></body></html>",
            message.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
        );
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
            html.len(),
            html
        );
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
        return outcome;
    }
}

/// What to show the person signing in with a device code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceCodePrompt {
    /// The server's instructions, to be shown as they are.
    pub message: String,
    pub user_code: String,
    pub verification_uri: String,
    /// Seconds until the code expires.
    pub expires_in: u64,
    /// Seconds between polls, as the server asked.
    pub interval: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_pem_separates_keys_from_certificates() {
        let text = "junk\n-----BEGIN CERTIFICATE-----\nQ0VSVDE=\n-----END CERTIFICATE-----\n\
                    -----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\r\n\
                    -----BEGIN DH PARAMETERS-----\nREg=\n-----END DH PARAMETERS-----\n\
                    -----BEGIN CERTIFICATE-----\nQ0VSVDI=\n-----END CERTIFICATE-----\n";
        let (key, certs) = split_pem(text);
        assert_eq!(key.expose(), "-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n");
        assert_eq!(
            certs,
            "-----BEGIN CERTIFICATE-----\nQ0VSVDE=\n-----END CERTIFICATE-----\n\
             -----BEGIN CERTIFICATE-----\nQ0VSVDI=\n-----END CERTIFICATE-----\n"
        );
    }

    #[test]
    fn clip_cuts_on_a_character_boundary() {
        let long = "é".repeat(MAX_QUOTED + 1);
        let clipped = clip(&long);
        assert!(clipped.ends_with("...") && clipped.chars().count() == MAX_QUOTED + 3, "{}", clipped.len());
        assert_eq!(clip("  short  "), "short");
        assert_eq!(clip("a\u{1b}[2Jb\nc"), "a[2Jb c");
    }

    #[test]
    fn seconds_accepts_numbers_and_strings() {
        #[derive(Deserialize)]
        struct T {
            #[serde(default, deserialize_with = "seconds")]
            v: Option<u64>,
        }
        let read = |json: &str| serde_json::from_str::<T>(json).unwrap().v;
        assert_eq!(read(r#"{"v":3599}"#), Some(3599));
        assert_eq!(read(r#"{"v":"3599"}"#), Some(3599));
        assert_eq!(read(r#"{"v":5.0}"#), Some(5));
        assert_eq!(read(r#"{"v":"soon"}"#), None);
        assert_eq!(read(r#"{"v":null}"#), None);
        assert_eq!(read(r#"{}"#), None);
    }

    #[test]
    fn secret_field_reads_escaped_and_plain_strings() {
        let t: TokenResponse = serde_json::from_str(r#"{"access_token":"a\/b","refresh_token":"r"}"#).unwrap();
        assert_eq!(t.access_token.unwrap().0.expose(), "a/b");
        assert_eq!(t.refresh_token.unwrap().0.expose(), "r");
        assert!(serde_json::from_str::<TokenResponse>(r#"{"access_token":5}"#).is_err());
    }

    #[test]
    fn renewal_margin() {
        let provider = TokenProvider::new(AuthSettings {
            authority: Url::parse("http://127.0.0.1:4000/").unwrap(),
            scope: "https://graph.microsoft.com/.default".into(),
            credential: Credential::DeviceCode { tenant_id: "contoso.onmicrosoft.com".into(), client_id: "c".into() },
        })
        .unwrap();
        let at = Instant::now();
        for (lifetime, renew_after) in [(3599, 3299), (3000, 2700), (100, 90), (5, 5)] {
            let mut state = State::default();
            let issued = Issued {
                token: Secret::from("t"),
                refresh_token: None,
                lifetime: Duration::from_secs(lifetime),
                requested_at: at,
            };
            provider.store(&mut state, issued);
            let cached = state.cached.unwrap();
            assert_eq!(cached.renew_at - at, Duration::from_millis(renew_after * 1000 - if lifetime == 5 { 500 } else { 0 }));
            assert_eq!(cached.expires_at - at, Duration::from_secs(lifetime));
        }
    }

    #[test]
    fn managed_identity_answers_with_strings_or_numbers() {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let read = |body: String| read_managed_identity_token(200, body.as_bytes(), &[]).map(|(t, l)| (t.expose().to_string(), l.as_secs()));
        // IMDS: every value a string.
        let imds = format!(r#"{{"access_token":"a","expires_in":"3599","expires_on":"{}","token_type":"Bearer"}}"#, now + 3599);
        assert_eq!(read(imds).unwrap(), ("a".to_string(), 3599));
        // App Service 2019-08-01: expires_on only, a string of epoch seconds.
        let (_, lifetime) = read(format!(r#"{{"access_token":"b","expires_on":"{}","token_type":"Bearer"}}"#, now + 1800)).unwrap();
        assert!((1795..=1800).contains(&lifetime), "{lifetime}");
        // Numbers are read too; nothing said: the default lifetime.
        assert_eq!(read(r#"{"access_token":"c","expires_in":600}"#.to_string()).unwrap().1, 600);
        assert_eq!(read(r#"{"access_token":"d"}"#.to_string()).unwrap().1, DEFAULT_LIFETIME.as_secs());
        assert!(read(r#"{"access_token":"e","token_type":"pop"}"#.to_string()).is_err());
        assert!(read(r#"{"expires_in":"3599"}"#.to_string()).is_err());
    }

    #[test]
    fn managed_identity_source_from_the_environment() {
        let source = |vars: &[(&str, &str)]| {
            let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            ManagedIdentitySource::from_environment(&move |n: &str| vars.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()), None, None)
        };
        let imds = source(&[]).unwrap();
        assert_eq!((imds.name(), imds.endpoint().as_str()), ("imds", "http://169.254.169.254/metadata/identity/oauth2/token"));
        let pod = source(&[(ENV_POD_IDENTITY_AUTHORITY_HOST, "http://127.0.0.1:9/")]).unwrap();
        assert_eq!(pod.endpoint().as_str(), "http://127.0.0.1:9/metadata/identity/oauth2/token");
        let app = source(&[(ENV_IDENTITY_ENDPOINT, "http://localhost:8081/msi/token"), (ENV_IDENTITY_HEADER, "h")]).unwrap();
        assert_eq!(app.name(), "appService");
        assert!(!format!("{app:?}").contains("\"h\""));
        let arc = source(&[(ENV_IDENTITY_ENDPOINT, "http://localhost:40342/metadata/identity/oauth2/token"), (ENV_IMDS_ENDPOINT, "http://localhost:40342")]).unwrap();
        assert_eq!(arc.name(), "azureArc");
        // Plain http only to loopback or link-local addresses.
        assert!(matches!(source(&[(ENV_POD_IDENTITY_AUTHORITY_HOST, "http://imds.example.com")]), Err(AuthError::UntrustedUrl(_))));
        assert!(source(&[(ENV_POD_IDENTITY_AUTHORITY_HOST, "https://imds.example.com")]).is_ok());
        assert!(matches!(source(&[(ENV_IDENTITY_ENDPOINT, "http://10.0.0.5/msi/token"), (ENV_IDENTITY_HEADER, "h")]), Err(AuthError::UntrustedUrl(_))));
        assert!(source(&[(ENV_IDENTITY_ENDPOINT, "http://localhost:8081/msi/token")]).is_err());
    }

    #[test]
    fn managed_identity_retry_schedule() {
        let url = Url::parse("http://169.254.169.254/metadata/identity/oauth2/token").unwrap();
        let imds = ManagedIdentitySource::Imds { endpoint: url.clone() };
        let arc = ManagedIdentitySource::AzureArc { endpoint: url.clone(), key_directory: None };
        let app = ManagedIdentitySource::AppService { endpoint: url, header: Secret::new("h".to_string()) };
        let waits = |source: &ManagedIdentitySource, status: Option<u16>| {
            let mut count = RetryCount::default();
            std::iter::from_fn(|| managed_identity_retry_wait(source, status, &mut count)).map(|d| d.as_millis()).collect::<Vec<_>>()
        };
        // Transient failures: four more tries, after 0.5, 1, 2 and 4 s.
        for status in [None, Some(429), Some(500), Some(503)] {
            for source in [&imds, &arc, &app] {
                assert_eq!(waits(source, status), [500, 1000, 2000, 4000], "{status:?}");
            }
        }
        // IMDS's 410 (being updated, up to 70 s): from 3 s, until at least 70 s in all.
        let gone = waits(&imds, Some(410));
        assert_eq!(gone, [3000, 6000, 12000, 24000, 48000]);
        assert!(gone.iter().sum::<u128>() >= 70_000 && gone[..4].iter().sum::<u128>() < 70_000);
        // 404 and 410 are transient from IMDS and Arc only; 400 and 401 never.
        assert_eq!(waits(&arc, Some(410)), [500, 1000, 2000, 4000]);
        assert_eq!(waits(&imds, Some(404)), [500, 1000, 2000, 4000]);
        for status in [Some(404), Some(410), Some(400), Some(401)] {
            assert!(waits(&app, status).is_empty(), "{status:?}");
        }
        assert!(waits(&imds, Some(400)).is_empty());
        // A 410 after other failures still gets its own window, and the
        // other failures their own count.
        let mut count = RetryCount::default();
        assert_eq!(managed_identity_retry_wait(&imds, Some(500), &mut count), Some(Duration::from_millis(500)));
        assert_eq!(managed_identity_retry_wait(&imds, Some(410), &mut count), Some(Duration::from_secs(3)));
        assert_eq!(managed_identity_retry_wait(&imds, Some(500), &mut count), Some(Duration::from_millis(1000)));
    }

    #[test]
    fn arc_key_files_only_from_the_agent_folder() {
        let base = std::env::temp_dir().join(format!("gwb-arc-unit-{}", std::process::id()));
        let (agent, other) = (base.join("agent"), base.join("other"));
        std::fs::create_dir_all(&agent).unwrap();
        std::fs::create_dir_all(&other).unwrap();
        let write = |dir: &std::path::Path, name: &str, content: &[u8]| {
            let p = dir.join(name);
            std::fs::write(&p, content).unwrap();
            format!("Basic realm={}", p.display())
        };
        let ok = write(&agent, "a.key", b"secret-key\n");
        assert_eq!(read_arc_key(&ok, Some(&agent)).unwrap().expose(), "secret-key");
        for (challenge, why) in [
            (write(&other, "b.key", b"k"), "is not in"),
            (write(&agent, "c.txt", b"k"), "not a .key"),
            (write(&agent, "d.key", &[b'k'; 4097]), "larger than"),
            (format!("Basic realm={}", agent.join("..").join("other").join("b.key").display()), "is not in"),
            ("Bearer realm=x".to_string(), "not 'Basic realm"),
        ] {
            let e = read_arc_key(&challenge, Some(&agent)).unwrap_err().to_string();
            assert!(e.contains(why), "{challenge}: {e}");
        }
        assert!(read_arc_key(&ok, None).is_err());
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn endpoints_stay_under_the_authority() {
        let provider = TokenProvider::new(AuthSettings {
            authority: Url::parse("http://127.0.0.1:4000/sim").unwrap(),
            scope: "https://graph.microsoft.com/.default".into(),
            credential: Credential::DeviceCode { tenant_id: "contoso.onmicrosoft.com".into(), client_id: "c".into() },
        })
        .unwrap();
        assert_eq!(
            provider.endpoint("contoso.onmicrosoft.com", "devicecode").unwrap().as_str(),
            "http://127.0.0.1:4000/sim/contoso.onmicrosoft.com/oauth2/v2.0/devicecode"
        );
        assert!(provider.endpoint("//evil.example", "token").is_err());
        assert_eq!(provider.device_code_scope(), "https://graph.microsoft.com/.default offline_access");
    }
}
