//! The C ABI of the Graph client: clients, listing cursors and bulk
//! changes. Same conventions as the rest of the ABI (see the header).

use super::{
    arg_ref, arg_str, free_handle, gwb_status, guard, guard_value, null_param, owned_string_out, write_out, FfiError,
};
use crate::bulk::Bulk;
use crate::domain::{ChangeRequest, WritebackState};
use crate::graph::{Client, ClientOptions, GraphError, Progress};
use crate::listing::{Cursor, ListOptions};
use crate::secret::Secret;
use serde_json::{json, Value};
use std::os::raw::c_char;
use std::time::Duration;

/// A Graph client: its sign-in, its own threads and its pacing. Created by
/// `gwb_client_new`, freed by `gwb_client_free`. Every function on it may be
/// called from several threads at once; each blocks the calling thread.
pub struct gwb_client {
    client: Client,
}

/// A listing in progress. Created by `gwb_client_list_groups`, freed by
/// `gwb_cursor_free` (which stops it). Pull pages with `gwb_cursor_next`.
pub struct gwb_cursor {
    cursor: Cursor,
}

/// A bulk change in progress. Created by `gwb_client_bulk_set`, freed by
/// `gwb_bulk_free` (which cancels what was not sent yet). Pull results with
/// `gwb_bulk_poll`.
pub struct gwb_bulk {
    bulk: Bulk,
}

/// Counters of work done, readable at any time from any thread.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct gwb_progress {
    /// Groups requested (bulk changes).
    pub total: u64,
    /// HTTP requests sent (each `$batch` counts once).
    pub requests: u64,
    pub pages_read: u64,
    pub groups_read: u64,
    pub written: u64,
    pub no_change: u64,
    pub refused: u64,
    pub failed: u64,
    pub cancelled: u64,
    /// Requests or sub-requests tried again.
    pub retries: u64,
    /// 429 answers received (including inside `$batch`).
    pub throttled: u64,
    /// Time spent waiting on `Retry-After` of 429 answers, in milliseconds.
    pub throttle_wait_ms: u64,
    /// Time spent pacing writes under the quota, in milliseconds.
    pub pacing_wait_ms: u64,
    /// Changes a preview (`gwb_client_bulk_check`) found would be written.
    pub would_write: u64,
}

/// Writes a snapshot of `p` to a caller's `gwb_progress`.
fn progress_to(progress_out: *mut gwb_progress, p: &Progress) -> Result<(), FfiError> {
    if progress_out.is_null() {
        return Err(null_param("progress_out"));
    }
    // SAFETY: a non-NULL out-param is writable per each function's contract.
    unsafe { write_out(progress_out, snapshot(p)) };
    Ok(())
}

fn snapshot(p: &Progress) -> gwb_progress {
    gwb_progress {
        total: p.get(|p| &p.total),
        requests: p.get(|p| &p.requests),
        pages_read: p.get(|p| &p.pages_read),
        groups_read: p.get(|p| &p.groups_read),
        written: p.get(|p| &p.written),
        no_change: p.get(|p| &p.no_change),
        refused: p.get(|p| &p.refused),
        failed: p.get(|p| &p.failed),
        cancelled: p.get(|p| &p.cancelled),
        retries: p.get(|p| &p.retries),
        throttled: p.get(|p| &p.throttled),
        throttle_wait_ms: p.get(|p| &p.throttle_wait_ms),
        pacing_wait_ms: p.get(|p| &p.pacing_wait_ms),
        would_write: p.get(|p| &p.would_write),
    }
}

/// The `gwb_status` of an error: the one table from errors to statuses, used
/// for a call's error and for a bulk result's `error.gwbStatus`.
pub(crate) fn status_of(e: &GraphError) -> gwb_status {
    match e {
            GraphError::InvalidArgument(_) => gwb_status::InvalidArgument,
            GraphError::Network(_) => gwb_status::Network,
            GraphError::Graph { status: 404, .. } => gwb_status::NotFound,
            GraphError::Graph { status: 401, .. } => gwb_status::Auth,
            GraphError::Graph { status: 403, .. } => gwb_status::Forbidden,
            GraphError::Graph { status: 429, .. } => gwb_status::Throttled,
            GraphError::Graph { .. } => gwb_status::Graph,
            GraphError::Auth(_) => gwb_status::Auth,
            GraphError::UntrustedUrl(_) => gwb_status::UntrustedUrl,
            GraphError::Cancelled => gwb_status::Cancelled,
            GraphError::InvalidResponse(_) => gwb_status::InvalidResponse,
            GraphError::Refused(_) => gwb_status::Refused,
            GraphError::Pending => gwb_status::Pending,
    }
}

impl From<GraphError> for FfiError {
    fn from(e: GraphError) -> Self {
        let mut f = FfiError::new(status_of(&e), e.to_string());
        f.graph_code = match &e {
            GraphError::Refused(r) => Some(r.code.name().to_string()),
            other => other.graph_code().map(str::to_string),
        };
        f.request_id = e.request_id().map(str::to_string);
        f.http_status = e.http_status().unwrap_or(0);
        f
    }
}

/// Parses an optional JSON options argument (NULL or "" means `{}`).
///
/// SAFETY: `p` is NULL or NUL-terminated.
unsafe fn options_arg<T: serde::de::DeserializeOwned>(p: *const c_char, name: &str) -> Result<T, FfiError> {
    let text = if p.is_null() {
        "{}"
    } else {
        // SAFETY: per the caller's contract.
        let t = unsafe { arg_str(p, name) }?;
        if t.trim().is_empty() {
            "{}"
        } else {
            t
        }
    };
    serde_json::from_str(text)
        .map_err(|e| FfiError::new(gwb_status::InvalidJson, format!("'{}' is not valid: {}", name, e)))
}

/// Creates a client.
///
/// `options_json` (NULL for defaults) is an object with, all optional:
/// `cloud` ("Global", "USGov", "USGovDoD", "China"), `endpoint` (a Graph
/// base URL such as the simulated tenant's; https, or http on loopback
/// only), `authority` (sign-in base URL), `auth` ("accessToken",
/// "clientSecret", "certificate", "deviceCode", "browser", "environment",
/// "managedIdentity", "workloadIdentity", "clientAssertion"), `tenantId`,
/// `clientId`, `certificatePem`, `certificatePath`, `federatedTokenFile`,
/// `scopes` (for "browser" and "deviceCode": the delegated permissions, an
/// array of Graph permission names such as "Group.Read.All", full scope
/// URIs or ".default"; default ["Group.ReadWrite.All"]; `offline_access`
/// is always added), `tokenCache` (for "browser" and "deviceCode": a file
/// that keeps the person's refresh token between sessions, encrypted with
/// DPAPI for the current user; Windows only, refused elsewhere),
/// `browserCommand` (the program that opens the browser sign-in's page,
/// run with the URL as its one argument; default `GWB_BROWSER`, else the
/// system's browser), `browserTimeoutSeconds` (300),
/// `azureArcKeyDirectory` (the folder Azure Arc's challenge key files must
/// be in, when not the agent's),
/// `environment` (an object of the variables named by
/// `gwb_environment_variables_json` and their values, read instead of the
/// process's environment), `timeoutSeconds` (100),
/// `maxRetries` (8: failures other than throttling), `maxRetryWaitSeconds`
/// (300: the most time one request or change spends being retried, the
/// only bound while Graph answers 429), `writesPerSecond` (20: 3,000 per
/// 150 s), `writeBurst` (20), `resourceUnitsPerSecond` (350: 3,500 per
/// 10 s, the smallest tenants' quota), `resourceUnitBurst` (350),
/// `batchConcurrency` (4), `backoffBaseSeconds` (0.5). The paces must be
/// positive; the service's answers slow them down (see
/// `gwb_client_context_json`).
///
/// "managedIdentity" signs in as the system-assigned managed identity, or
/// as the user-assigned one whose client id is `clientId`, from the endpoint
/// the environment names: App Service, Functions and Azure Automation
/// (`IDENTITY_ENDPOINT` and `IDENTITY_HEADER`), an Azure Arc-enabled server
/// (`IDENTITY_ENDPOINT` and `IMDS_ENDPOINT`: its challenge's key file is read
/// only from the agent's folder, a `.key` of at most 4096 bytes), else the
/// instance metadata service (169.254.169.254, or
/// `AZURE_POD_IDENTITY_AUTHORITY_HOST`).
/// "browser" signs a person in with the authorization code flow and PKCE:
/// `gwb_client_sign_in` (or the first call that needs Graph) opens the
/// browser at the authorize page and waits for its redirect on a loopback
/// port (`http://localhost:PORT/`); the refresh token is kept in memory
/// only, to renew the access token. Default `tenantId` "organizations",
/// `clientId` Microsoft Graph PowerShell's public client. Where no browser
/// can be opened (an SSH session, or no DISPLAY/WAYLAND_DISPLAY on Linux)
/// and no `browserCommand` is given, the client is a "deviceCode" one: the
/// context's `notice` and the device code prompt's message say why.
/// "workloadIdentity" sends the federated token file's content (read at
/// each token request) as a client assertion; "clientAssertion" sends the
/// secret as one.
///
/// `secret` (NULL when the method needs none) is the access token, the
/// client secret, the certificate's private key PEM, a client assertion, or
/// (managedIdentity) the identity header. It is copied; the
/// library never prints it and wipes its copy when the client is freed.
///
/// Nothing is sent until the first call that needs Graph (or
/// `gwb_client_sign_in`). Errors: `GWB_STATUS_INVALID_JSON`,
/// `GWB_STATUS_INVALID_ARGUMENT` (a missing id, an unknown cloud or
/// method, an unreadable key), `GWB_STATUS_UNTRUSTED_URL` (http to a
/// non-loopback host).
///
/// # Safety
/// `options_json`, `secret` are NULL or NUL-terminated; `client_out`,
/// `error_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_client_new(
    options_json: *const c_char,
    secret: *const c_char,
    client_out: *mut *mut gwb_client,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        if client_out.is_null() {
            return Err(null_param("client_out"));
        }
        // SAFETY: per contract.
        let opts: ClientOptions = unsafe { options_arg(options_json, "options_json") }?;
        let secret = if secret.is_null() {
            None
        } else {
            // SAFETY: per contract.
            Some(Secret::from(unsafe { arg_str(secret, "secret") }?))
        };
        let client = Client::new(opts, secret)?;
        // SAFETY: non-NULL out-param.
        unsafe { write_out(client_out, Box::into_raw(Box::new(gwb_client { client }))) };
        Ok(())
    })
}

/// Frees a client, stopping its threads. Free its cursors and bulk changes
/// first or after: each keeps what it needs alive. NULL is allowed.
///
/// # Safety
/// `client` is NULL or a live `gwb_client` not freed before, and no other
/// thread is using it.
#[no_mangle]
pub unsafe extern "C" fn gwb_client_free(client: *mut gwb_client) {
    // SAFETY: per contract; made by Box::into_raw in this library.
    unsafe { free_handle(client) }
}

/// What the client is connected to, as JSON: `cloud`, `graphBaseUrl`,
/// `authority`, `auth`, `tenantId`, `clientId`, `identity` (a managed
/// identity's kind: "systemAssigned" or "userAssigned", else null),
/// `tokenSource` (a managed identity's endpoint, "imds", "appService" or
/// "azureArc", or
/// the federated token file; else null), `notice` (why the sign-in is not
/// the one asked for: "browser" became "deviceCode"; else null), `scopes`
/// (a delegated sign-in's requested scopes, in full; else null),
/// `tokenCache` (the token cache's file; else null) (never a
/// secret), and its
/// current paces, `resourceUnitsPerSecond` and `writesPerSecond` (the
/// configured ones until the service's answers slow them down). On success
/// `*json_out` is a new string, freed with `gwb_string_free`.
///
/// # Safety
/// `client` is NULL or a live `gwb_client`; `json_out`, `error_out` are NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_client_context_json(
    client: *const gwb_client,
    json_out: *mut *mut c_char,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let c = unsafe { arg_ref(client, "client") }?;
        let i = c.client.info();
        let (resource_units, writes) = c.client.pace();
        let v = json!({
            "cloud": i.cloud, "graphBaseUrl": i.graph_base, "authority": i.authority,
            "auth": i.auth, "tenantId": i.tenant_id, "clientId": i.client_id,
            "identity": i.identity, "tokenSource": i.token_source, "notice": i.notice, "scopes": i.scopes, "tokenCache": i.token_cache,
            "resourceUnitsPerSecond": resource_units, "writesPerSecond": writes,
        });
        owned_string_out(json_out, &v.to_string())
    })
}

/// Signs in now (acquires a token), so a wrong credential shows at once. An
/// access token the caller gave is tried on one cheap request
/// (`GET /beta/groups?$top=1&$select=id`): `GWB_STATUS_AUTH` when Graph
/// answers 401, `GWB_STATUS_FORBIDDEN` for 403. For the device code method, use `gwb_client_device_code_begin` and
/// `gwb_client_device_code_wait` instead. For "browser", this opens the
/// browser and blocks until the sign-in completes, fails, times out
/// (`browserTimeoutSeconds`: `GWB_STATUS_AUTH`) or `gwb_client_cancel` is
/// called (`GWB_STATUS_CANCELLED`).
///
/// # Safety
/// `client` is NULL or a live `gwb_client`; `error_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_client_sign_in(client: *const gwb_client, error_out: *mut *mut gwb_error) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let c = unsafe { arg_ref(client, "client") }?;
        c.client.sign_in().map_err(FfiError::from)
    })
}

/// Starts the device code sign-in. On success `*prompt_json_out` is a new
/// string `{"message", "userCode", "verificationUri", "expiresIn",
/// "interval"}`: show `message` to the user, then call
/// `gwb_client_device_code_wait`.
///
/// # Safety
/// `client` is NULL or a live `gwb_client`; `prompt_json_out`, `error_out`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_client_device_code_begin(
    client: *const gwb_client,
    prompt_json_out: *mut *mut c_char,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let c = unsafe { arg_ref(client, "client") }?;
        if prompt_json_out.is_null() {
            return Err(null_param("prompt_json_out"));
        }
        let p = c.client.device_code_begin()?;
        let v = json!({
            "message": p.message, "userCode": p.user_code, "verificationUri": p.verification_uri,
            "expiresIn": p.expires_in, "interval": p.interval,
        });
        owned_string_out(prompt_json_out, &v.to_string())
    })
}

/// Waits up to `timeout_ms` for the user to finish the device code sign-in:
/// `GWB_STATUS_OK` when signed in, `GWB_STATUS_PENDING` when not yet (call
/// again; keep the wait short to stay responsive to cancellation),
/// `GWB_STATUS_AUTH` when the code expired or was declined.
///
/// # Safety
/// `client` is NULL or a live `gwb_client`; `error_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_client_device_code_wait(
    client: *const gwb_client,
    timeout_ms: u32,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let c = unsafe { arg_ref(client, "client") }?;
        c.client.device_code_wait(Duration::from_millis(timeout_ms as u64)).map_err(FfiError::from)
    })
}

/// Cancels every operation in progress on the client, from any thread
/// (what a Ctrl+C handler calls): blocked calls return
/// `GWB_STATUS_CANCELLED`, bulk changes stop dispatching. Operations
/// started afterwards run normally. NULL is ignored.
///
/// # Safety
/// `client` is NULL or a live `gwb_client`.
#[no_mangle]
pub unsafe extern "C" fn gwb_client_cancel(client: *const gwb_client) {
    // SAFETY: per contract.
    guard_value((), || {
        if let Some(c) = unsafe { client.as_ref() } {
            c.client.cancel()
        }
    })
}

/// The client's counters since it was created: every listing, read, set
/// and bulk change it ran.
///
/// # Safety
/// `client` is NULL or a live `gwb_client`; `progress_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_client_progress(
    client: *const gwb_client,
    progress_out: *mut gwb_progress,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let c = unsafe { arg_ref(client, "client") }?;
        progress_to(progress_out, c.client.progress())
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GetOptions {
    #[serde(default)]
    property: Vec<String>,
    #[serde(default)]
    raw: bool,
}

/// Reads one group (`GET /beta/groups/{id}`). `options_json` (NULL for
/// none): `{"property": [extra properties to select], "raw": false}`. On
/// success `*json_out` is a new string: the group explained as by
/// `gwb_group_explain_json` (or Graph's body when `raw`).
///
/// Errors: `GWB_STATUS_NOT_FOUND` (`Request_ResourceNotFound`), `AUTH`,
/// `FORBIDDEN`, `THROTTLED`, `GRAPH`, `NETWORK`, `CANCELLED`; the error
/// carries Graph's code and request id, redacted of every secret the client
/// holds. `INVALID_RESPONSE` when the answer is not that group (a
/// collection page, another id, no id), naming what came back.
///
/// # Safety
/// `client` is NULL or a live `gwb_client`; `group_id`, `options_json` are
/// NULL or NUL-terminated; `json_out`, `error_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_client_get_group(
    client: *const gwb_client,
    group_id: *const c_char,
    options_json: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let c = unsafe { arg_ref(client, "client") }?;
        // SAFETY: per contract.
        let id = unsafe { arg_str(group_id, "group_id") }?;
        // SAFETY: per contract.
        let opts: GetOptions = unsafe { options_arg(options_json, "options_json") }?;
        if json_out.is_null() {
            return Err(null_param("json_out"));
        }
        let body = c.client.get_group(id, &opts.property)?;
        let out = if opts.raw {
            body.to_string()
        } else {
            crate::report::explain_text(&body.to_string())
                .map_err(|e| FfiError::from(GraphError::InvalidResponse(format!("the group's JSON: {}", e))))?
        };
        owned_string_out(json_out, &out)
    })
}

/// Sets one group's writeback state (a `gwb_writeback_state` other than
/// UNSET): reads the group, validates the change with the rules, and sends
/// the PATCH only when something changes. On success `*result_json_out` is
/// a new string `{"id", "displayName", "result": "written"|"noChange",
/// "body", "after", "madeExplicit"}` (`madeExplicit`: the write only made
/// the stored values explicit; the state and effective writeback are as
/// before).
///
/// Errors: `GWB_STATUS_REFUSED` when the rules refuse it (the error's Graph
/// code slot holds the refusal code, e.g. "syncedFromOnPremises"); the
/// errors of `gwb_client_get_group`; `GWB_STATUS_INVALID_ARGUMENT` for a
/// bad state number.
///
/// # Safety
/// `client` is NULL or a live `gwb_client`; `group_id` is NULL or
/// NUL-terminated; `result_json_out`, `error_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_client_set_state(
    client: *const gwb_client,
    group_id: *const c_char,
    state: u32,
    result_json_out: *mut *mut c_char,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let c = unsafe { arg_ref(client, "client") }?;
        // SAFETY: per contract.
        let id = unsafe { arg_str(group_id, "group_id") }?;
        if result_json_out.is_null() {
            return Err(null_param("result_json_out"));
        }
        let st = match WritebackState::from_u32(state) {
            Some(WritebackState::Unset) | None => {
                return Err(FfiError::new(
                    gwb_status::InvalidArgument,
                    format!("state {} is not a writeback state: use 1 (NO_WRITEBACK), 2 (SECURITY), 3 (DISTRIBUTION) or 4 (MAIL_ENABLED_SECURITY)", state),
                ))
            }
            Some(st) => st,
        };
        let r = c.client.set_group_state(id, st)?;
        owned_string_out(result_json_out, &r.to_string())
    })
}

/// Like `gwb_client_set_state`, with the change given as Graph properties
/// (`{"isEnabled": ..., "onPremisesGroupType": ...}`, bare or as a PATCH
/// body), as `gwb_validate_request` reads them.
///
/// # Safety
/// `client` is NULL or a live `gwb_client`; `group_id`, `request_json` are
/// NULL or NUL-terminated; `result_json_out`, `error_out` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_client_set_request(
    client: *const gwb_client,
    group_id: *const c_char,
    request_json: *const c_char,
    result_json_out: *mut *mut c_char,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let c = unsafe { arg_ref(client, "client") }?;
        // SAFETY: per contract.
        let id = unsafe { arg_str(group_id, "group_id") }?;
        // SAFETY: per contract.
        let text = unsafe { arg_str(request_json, "request_json") }?;
        if result_json_out.is_null() {
            return Err(null_param("result_json_out"));
        }
        let req = ChangeRequest::from_json_str(text).map_err(|e| FfiError::new(gwb_status::InvalidJson, e.to_string()))?;
        let r = c.client.set_group(id, &req)?;
        owned_string_out(result_json_out, &r.to_string())
    })
}

/// Starts listing groups (`GET /beta/groups`, `$top=999`, the rules'
/// `$select`, `@odata.nextLink` followed to the end). The next page is
/// fetched while the caller works on the current one; at most three pages
/// are held (one waiting for the caller, one being explained, one on its
/// way), whatever the tenant's size.
///
/// `options_json` (NULL for all groups): `filter` ($filter), `search`
/// ($search), `count` ($count), `consistencyLevel` (the header; "eventual"
/// is added for `search`/`count` when not given), `pageSize` (1–999),
/// `maxItems`, `property` (extra properties to select), `writtenBack`
/// (true/false: keep only groups that are / are not effectively written
/// back; "unknown": only those for which the rules cannot tell),
/// `writebackEnabled` (true/false: the portal's column), `raw`
/// (Graph's objects without the explanation).
///
/// # Safety
/// `client` is NULL or a live `gwb_client`; `options_json` is NULL or
/// NUL-terminated; `cursor_out`, `error_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_client_list_groups(
    client: *const gwb_client,
    options_json: *const c_char,
    cursor_out: *mut *mut gwb_cursor,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let c = unsafe { arg_ref(client, "client") }?;
        // SAFETY: per contract.
        let opts: ListOptions = unsafe { options_arg(options_json, "options_json") }?;
        if cursor_out.is_null() {
            return Err(null_param("cursor_out"));
        }
        let cursor = c.client.list_groups(opts)?;
        // SAFETY: non-NULL out-param.
        unsafe { write_out(cursor_out, Box::into_raw(Box::new(gwb_cursor { cursor }))) };
        Ok(())
    })
}

/// The next page: on success `*page_json_out` is a new string `{"groups":
/// [...], "count": n|null, "page": n}` (`count` is `@odata.count` when
/// asked), or NULL when the listing is complete. Blocks until the page is
/// there. On an error the listing is over and the message says after how
/// many pages and groups it stopped.
///
/// # Safety
/// `cursor` is NULL or a live `gwb_cursor`; `page_json_out`, `error_out`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_cursor_next(
    cursor: *const gwb_cursor,
    page_json_out: *mut *mut c_char,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let c = unsafe { arg_ref(cursor, "cursor") }?;
        if page_json_out.is_null() {
            return Err(null_param("page_json_out"));
        }
        match c.cursor.next_page()? {
            Some(page) => owned_string_out(page_json_out, &page.to_json_string()),
            None => {
                // SAFETY: non-NULL out-param.
                unsafe { write_out(page_json_out, std::ptr::null_mut()) };
                Ok(())
            }
        }
    })
}

/// Stops the listing from any thread; a blocked `gwb_cursor_next` returns
/// `GWB_STATUS_CANCELLED`. NULL is ignored.
///
/// # Safety
/// `cursor` is NULL or a live `gwb_cursor`.
#[no_mangle]
pub unsafe extern "C" fn gwb_cursor_cancel(cursor: *const gwb_cursor) {
    // SAFETY: per contract.
    guard_value((), || {
        if let Some(c) = unsafe { cursor.as_ref() } {
            c.cursor.cancel()
        }
    })
}

/// The listing's counters (pages and groups read, retries, throttling).
///
/// # Safety
/// `cursor` is NULL or a live `gwb_cursor`; `progress_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_cursor_progress(
    cursor: *const gwb_cursor,
    progress_out: *mut gwb_progress,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let c = unsafe { arg_ref(cursor, "cursor") }?;
        progress_to(progress_out, &c.cursor.progress)
    })
}

/// Stops and frees a listing. NULL is allowed.
///
/// # Safety
/// `cursor` is NULL or a live `gwb_cursor` not freed before, and no other
/// thread is using it.
#[no_mangle]
pub unsafe extern "C" fn gwb_cursor_free(cursor: *mut gwb_cursor) {
    // SAFETY: per contract; made by Box::into_raw in this library.
    unsafe { free_handle(cursor) }
}

/// Starts a bulk change in the background. `changes_json` is an array of
/// `{"id": "...", "state": "Security"}` or `{"id", "isEnabled",
/// "onPremisesGroupType"}`, each optionally with `"group"`: the group's
/// current Graph JSON (then it is not read again). The others are read
/// fifteen to a request (`$filter=id in (...)`), an id the filter does not
/// return on its own; then only real changes are written. Everything goes
/// through `$batch` (20 a batch, several in flight), paced to the quotas,
/// sub-requests retried on their own `Retry-After`.
///
/// Every change ends with exactly one result, pulled with `gwb_bulk_poll`:
/// `{"index", "id", "displayName", "result": "written"|"noChange"|
/// "refused"|"failed"|"cancelled", "body", "after" and "madeExplicit"
/// (written only: the configuration after the change, and whether it only
/// made stored values explicit), "group" (written and noChange: the group
/// explained as it now is, as `gwb_group_explain_json` gives it),
/// "refusal": {"code","message"}, "error": {"status" (HTTP or null),
/// "code", "graphCode" (Graph's code, null when the client caught the
/// error itself), "gwbStatus", "statusName", "message", "requestId"},
/// "summary" (refused and noChange: what the change is, in the portal's
/// words), "attempts"}`.
///
/// Errors (nothing started): `GWB_STATUS_INVALID_JSON` when `changes_json`
/// is not a JSON array. A bad element gives that element a `failed` result.
///
/// # Safety
/// `client` is NULL or a live `gwb_client`; `changes_json` is NULL or
/// NUL-terminated; `bulk_out`, `error_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_client_bulk_set(
    client: *const gwb_client,
    changes_json: *const c_char,
    bulk_out: *mut *mut gwb_bulk,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    // SAFETY: per contract, passed on unchanged.
    unsafe { start_bulk(client, changes_json, bulk_out, error_out, crate::bulk::Mode::Write) }
}

/// `gwb_client_bulk_set` and `gwb_client_bulk_check`: the changes read, the
/// bulk change started in `mode`.
///
/// SAFETY: as `gwb_client_bulk_set`.
unsafe fn start_bulk(
    client: *const gwb_client,
    changes_json: *const c_char,
    bulk_out: *mut *mut gwb_bulk,
    error_out: *mut *mut gwb_error,
    mode: crate::bulk::Mode,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let c = unsafe { arg_ref(client, "client") }?;
        // SAFETY: per contract.
        let text = unsafe { arg_str(changes_json, "changes_json") }?;
        if bulk_out.is_null() {
            return Err(null_param("bulk_out"));
        }
        let items: Value = serde_json::from_str(text)
            .map_err(|e| FfiError::new(gwb_status::InvalidJson, format!("'changes_json' is not valid JSON: {}", e)))?;
        if !items.is_array() {
            return Err(FfiError::new(gwb_status::InvalidJson, "'changes_json' must be a JSON array of changes"));
        }
        let bulk = match mode {
            crate::bulk::Mode::Write => c.client.bulk_set(&items)?,
            crate::bulk::Mode::Check => c.client.bulk_check(&items)?,
        };
        // SAFETY: non-NULL out-param.
        unsafe { write_out(bulk_out, Box::into_raw(Box::new(gwb_bulk { bulk }))) };
        Ok(())
    })
}

/// Starts a preview of a bulk change: the same `changes_json` as
/// `gwb_client_bulk_set`, the groups read the same way (fifteen to a
/// request) and the rules applied, but nothing is written. Each change ends
/// with one result, as for `gwb_client_bulk_set`, except that a change that
/// would be written ends `"wouldWrite"` with its `body`, `after`,
/// `madeExplicit` and `group` (as read). Every result but `failed` and
/// `cancelled` carries `summary` (`gwb_change_summary`'s line). Send the
/// changes a user confirmed with `gwb_client_bulk_set`, each with the
/// `group` the preview returned, and they are not read again.
///
/// Errors: as `gwb_client_bulk_set`.
///
/// # Safety
/// As `gwb_client_bulk_set`.
#[no_mangle]
pub unsafe extern "C" fn gwb_client_bulk_check(
    client: *const gwb_client,
    changes_json: *const c_char,
    bulk_out: *mut *mut gwb_bulk,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    // SAFETY: per contract, passed on unchanged.
    unsafe { start_bulk(client, changes_json, bulk_out, error_out, crate::bulk::Mode::Check) }
}

/// Waits up to `timeout_ms` for results. On success `*results_json_out` is
/// a new string: a JSON array of the results not returned before (maybe
/// empty), and `*done_out` is true once every result has been returned.
///
/// # Safety
/// `bulk` is NULL or a live `gwb_bulk`; `results_json_out`, `done_out`,
/// `error_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_bulk_poll(
    bulk: *const gwb_bulk,
    timeout_ms: u32,
    results_json_out: *mut *mut c_char,
    done_out: *mut bool,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let b = unsafe { arg_ref(bulk, "bulk") }?;
        if results_json_out.is_null() {
            return Err(null_param("results_json_out"));
        }
        if done_out.is_null() {
            return Err(null_param("done_out"));
        }
        let (results, done) = b.bulk.poll(Duration::from_millis(timeout_ms as u64));
        owned_string_out(results_json_out, &Value::Array(results).to_string())?;
        // SAFETY: non-NULL out-param.
        unsafe { write_out(done_out, done) };
        Ok(())
    })
}

/// Stops the bulk change from any thread: batches already sent finish (so
/// their results are known), groups not yet sent end as `cancelled`. NULL
/// is ignored.
///
/// # Safety
/// `bulk` is NULL or a live `gwb_bulk`.
#[no_mangle]
pub unsafe extern "C" fn gwb_bulk_cancel(bulk: *const gwb_bulk) {
    // SAFETY: per contract.
    guard_value((), || {
        if let Some(b) = unsafe { bulk.as_ref() } {
            b.bulk.cancel()
        }
    })
}

/// The bulk change's counters (`total`, `written`, `no_change`, `refused`,
/// `failed`, `cancelled`, retries, throttling, pacing).
///
/// # Safety
/// `bulk` is NULL or a live `gwb_bulk`; `progress_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_bulk_progress(
    bulk: *const gwb_bulk,
    progress_out: *mut gwb_progress,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let b = unsafe { arg_ref(bulk, "bulk") }?;
        progress_to(progress_out, b.bulk.progress())
    })
}

/// Frees a bulk change, cancelling what was not sent. NULL is allowed.
///
/// # Safety
/// `bulk` is NULL or a live `gwb_bulk` not freed before, and no other
/// thread is using it.
#[no_mangle]
pub unsafe extern "C" fn gwb_bulk_free(bulk: *mut gwb_bulk) {
    // SAFETY: per contract; made by Box::into_raw in this library.
    unsafe { free_handle(bulk) }
}

use super::gwb_error;
