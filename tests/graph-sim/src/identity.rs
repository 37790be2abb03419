//! Managed identity endpoints: the instance metadata service (IMDS) and
//! App Service's identity endpoint (also Functions and Azure Automation).
//! Each answers as Microsoft documents it; what is not documented is marked
//! assumed (see README, Provenance).

use crate::auth::{AuthState, OAuthReply, Permission};
use crate::util::unix_now;
use serde_json::json;
use std::collections::HashMap;

/// The client id of the system-assigned managed identity graph-sim plays.
pub const SYSTEM_IDENTITY_CLIENT_ID: &str = "4a7c9e1f-2b3d-4c5e-8f60-718293a4b5c6";
/// The client id of the one user-assigned managed identity it knows.
pub const USER_IDENTITY_CLIENT_ID: &str = "6e0f1a2b-3c4d-4e5f-9a6b-7c8d9e0f1a2b";
/// `X-IDENTITY-HEADER` accepted by the App Service endpoint unless
/// `--identity-header` says otherwise (the platform's `IDENTITY_HEADER`).
pub const DEFAULT_IDENTITY_HEADER: &str = "graph-sim-identity-header-5f3a";

/// Which endpoint is asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Imds,
    AppService,
    /// An Azure Arc-enabled server's agent (himds), on IMDS's path.
    AzureArc,
}

/// What the endpoints need from the simulator's configuration.
pub struct Context<'a> {
    pub identity_header: &'a str,
    pub arc_key_dir: Option<&'a std::path::Path>,
    pub base_url: &'a str,
    pub lifetime: u64,
    /// `--imds-gone N`: IMDS answers its first N token requests 410, as
    /// while it is being updated.
    pub imds_gone: u64,
}

/// The content of every Azure Arc key file starts so (listed in
/// tests/secrets.txt: a key that leaks into output fails the scan).
pub const ARC_KEY_PREFIX: &str = "graph-sim-arc-key-";

fn error(status: u16, error: &str, description: &str) -> OAuthReply {
    OAuthReply { status, body: json!({ "error": error, "error_description": description }) }
}

/// `resource` as a Graph resource graph-sim serves (with or without the
/// trailing slash; the base URL is accepted as the simulated tenant's).
fn resource_ok(resource: &str, base_url: &str) -> bool {
    let r = resource.trim_end_matches('/');
    ["https://graph.microsoft.com", "https://graph.microsoft.us", "https://dod-graph.microsoft.us", "https://microsoftgraph.chinacloudapi.cn"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(r))
        || r.eq_ignore_ascii_case(base_url.trim_end_matches('/'))
}

/// `GET /metadata/identity/oauth2/token` (IMDS) or `GET /msi/token` (App
/// Service). `headers` are lowercase.
/// The answer, and for Azure Arc's challenge the `WWW-Authenticate` value.
pub fn token(
    source: Source,
    state: &mut AuthState,
    query: &HashMap<String, String>,
    headers: &HashMap<String, String>,
    ctx: &Context,
) -> (OAuthReply, Option<String>) {
    let (identity_header, base_url, lifetime) = (ctx.identity_header, ctx.base_url, ctx.lifetime);
    match source {
        Source::AzureArc => {
            // https://learn.microsoft.com/en-us/azure/azure-arc/servers/managed-identity-authentication:
            // a request without the key is answered 401 with
            // `WWW-Authenticate: Basic realm=<key file>`; the file is
            // readable by administrators and the himds group only; the
            // request is sent again with `Authorization: Basic <key>`.
            if !headers.get("metadata").map_or(false, |v| v.trim().eq_ignore_ascii_case("true")) {
                // Assumed: as IMDS.
                return (error(400, "bad_request_102", "Required metadata header not specified"), None);
            }
            if query.get("client_id").map_or(false, |c| !c.is_empty()) {
                // Assumed wording: Arc has only the system-assigned identity.
                return (error(400, "invalid_request", "Identity not found"), None);
            }
            let given = headers.get("authorization").and_then(|h| {
                let (scheme, rest) = h.trim().split_once(' ')?;
                if scheme.eq_ignore_ascii_case("basic") {
                    Some(rest.trim().to_string())
                } else {
                    None
                }
            });
            let known = given.map_or(false, |k| state.arc_keys.iter().any(|a| *a == k));
            if !known {
                let dir = match ctx.arc_key_dir {
                    Some(d) => d,
                    None => return (error(500, "server_error", "no key folder"), None),
                };
                let bytes: [u8; 16] = rand::random();
                let key: String = format!("{}{}", ARC_KEY_PREFIX, bytes.iter().map(|b| format!("{:02x}", b)).collect::<String>());
                let path = dir.join(format!("{}.key", crate::util::random_guid()));
                if let Err(e) = std::fs::write(&path, &key) {
                    return (error(500, "server_error", &format!("cannot write the key file: {}", e)), None);
                }
                state.arc_keys.push(key);
                // Assumed body: the documented part is the status and the header.
                return (
                    error(401, "unauthorized", "Authorization: Basic <key> is required: read the key file the challenge names."),
                    Some(format!("Basic realm={}", path.display())),
                );
            }
        }
        Source::Imds => {
            // https://learn.microsoft.com/en-us/entra/identity/managed-identities-azure-resources/how-to-use-vm-token#error-handling:
            // 400 bad_request_102 "Required metadata header not specified".
            if !headers.get("metadata").map_or(false, |v| v.trim().eq_ignore_ascii_case("true")) {
                return (error(400, "bad_request_102", "Required metadata header not specified"), None);
            }
            if query.get("api-version").map_or(true, |v| v.is_empty()) {
                // Assumed wording: IMDS requires api-version on every call
                // (https://learn.microsoft.com/en-us/azure/virtual-machines/instance-metadata-service#versioning).
                return (error(400, "invalid_request", "Required query variable 'api-version' is missing"), None);
            }
            // how-to-use-vm-token, retry guidance: 410 while IMDS is being
            // updated, for up to 70 seconds. The body is assumed.
            state.imds_requests += 1;
            if state.imds_requests <= ctx.imds_gone {
                return (error(410, "gone", "IMDS is being updated: try again."), None);
            }
        }
        Source::AppService => {
            // https://learn.microsoft.com/en-us/azure/app-service/overview-managed-identity#rest-endpoint-reference:
            // X-IDENTITY-HEADER must carry IDENTITY_HEADER's value. The
            // answer to a missing or wrong one is not documented: assumed 401.
            match headers.get("x-identity-header") {
                Some(v) if v == identity_header => {}
                Some(_) => return (error(401, "unauthorized", "The X-IDENTITY-HEADER value is not valid."), None),
                None => return (error(401, "unauthorized", "The X-IDENTITY-HEADER header is missing."), None),
            }
            if query.get("api-version").map(String::as_str) != Some("2019-08-01") {
                return (error(400, "invalid_request", "api-version 2019-08-01 is the version whose header is X-IDENTITY-HEADER."), None);
            }
        }
    }
    let resource = query.get("resource").map(String::as_str).unwrap_or("");
    if resource.is_empty() {
        return (error(400, "invalid_request", "Required query variable 'resource' is missing"), None);
    }
    if !resource_ok(resource, base_url) {
        // AADSTS500011: the resource principal is not in the tenant.
        return (error(400, "invalid_resource", &format!("AADSTS500011: The resource principal named {} was not found in the tenant.", resource)), None);
    }
    let client_id = match query.get("client_id").map(String::as_str) {
        None | Some("") => SYSTEM_IDENTITY_CLIENT_ID,
        Some(id) if id.eq_ignore_ascii_case(USER_IDENTITY_CLIENT_ID) => USER_IDENTITY_CLIENT_ID,
        // how-to-use-vm-token, error handling: 400 invalid_request "Identity not found".
        Some(_) => return (error(400, "invalid_request", "Identity not found"), None),
    };
    let token = state.issue_token(client_id, Permission::ReadWrite, lifetime);
    let now = unix_now() as u64;
    let body = match source {
        // The documented IMDS answer: every value a string (Arc's agent
        // answers as IMDS does).
        Source::Imds | Source::AzureArc => json!({
            "access_token": token,
            "refresh_token": "",
            "expires_in": lifetime.to_string(),
            "expires_on": (now + lifetime).to_string(),
            "ext_expires_in": lifetime.to_string(),
            "not_before": now.to_string(),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": client_id,
        }),
        // The documented App Service answer (2019-08-01): expires_on a string
        // of seconds since the epoch, no expires_in.
        Source::AppService => json!({
            "access_token": token,
            "expires_on": (now + lifetime).to_string(),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": client_id,
        }),
    };
    (OAuthReply { status: 200, body }, None)
}
