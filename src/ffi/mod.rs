//! The C ABI. This is the only module with `unsafe`.
//!
//! Conventions (the header repeats them):
//! - Every symbol is `gwb_`-prefixed. Strings are UTF-8 and NUL-terminated.
//! - Fallible functions return a `gwb_status`; their out-params are written
//!   only when it is `GWB_STATUS_OK`. On any other status, when `error_out`
//!   is not NULL, `*error_out` receives a new `gwb_error` that the caller
//!   frees with `gwb_error_free`.
//! - Handles (`gwb_group`, `gwb_change`, `gwb_error`) are opaque, immutable
//!   after creation and may be used from several threads at once; each is
//!   freed by its own `*_free`, which accepts NULL. Freeing twice is
//!   undefined behaviour.
//! - `char *` results are owned by the caller and released with
//!   `gwb_string_free`; `const char *` results are borrowed: from a handle
//!   (valid until it is freed) or static (valid for the life of the process).
//! - No panic crosses the boundary: it becomes `GWB_STATUS_PANIC` (or NULL,
//!   false or the "unset" value for functions without a status).
#![allow(non_camel_case_types)]

mod client;
pub use client::*;

use crate::domain::{
    Caveat, ChangeRequest, Decision, Effective, Group, GroupKind, OnPremisesTypeCode, Outcome,
    Reason, RefusalCode, TriState, WritebackState, WrittenBack,
};
use crate::report;
use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::ptr;
use std::sync::Mutex;

/// The ABI version. It changes whenever a function's signature or meaning,
/// a struct's layout or an enum's numbering changes incompatibly; callers
/// compare `gwb_abi_version()` with the `GWB_ABI_VERSION` they were built
/// against and refuse to run on a mismatch.
///
/// Version 2: `gwb_effective.written_back` is a `gwb_written_back`
/// (NO, YES or UNKNOWN) instead of a `bool`; `gwb_reason` gains
/// UNKNOWN_TYPE and TYPE_NOT_ALLOWED_FOR_KIND; `gwb_change_makes_explicit`,
/// `gwb_change_summary`, `gwb_written_back_name`, `gwb_group_input_json`,
/// `gwb_explain_keys_json`, `gwb_client_bulk_check`, `gwb_cloud_name` and
/// `gwb_environment_variables_json` are new; `gwb_progress` gains `would_write`
/// at its end.
pub const GWB_ABI_VERSION: u32 = 2;

/// The status of a fallible call. Numbers are stable and never reused.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum gwb_status {
    /// Success: the out-params were written.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullParameter = 1,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 2,
    /// A JSON argument was not valid JSON, or not of the expected shape.
    InvalidJson = 3,
    /// An argument was out of range (e.g. an unknown enum number).
    InvalidArgument = 4,
    /// The library panicked; the call had no effect. Please report it.
    Panic = 5,
    /// Graph answered 404: the group does not exist (`Request_ResourceNotFound`).
    NotFound = 6,
    /// Sign-in failed, or Graph answered 401 after one token refresh.
    Auth = 7,
    /// Graph answered 403: the app lacks the permission (`Authorization_RequestDenied`).
    Forbidden = 8,
    /// Still throttled (429) after the allowed retries.
    Throttled = 9,
    /// Any other error answer from Graph (see the error's Graph code).
    Graph = 10,
    /// A transport failure (connect, reset, timeout) after the allowed retries.
    Network = 11,
    /// The operation was cancelled.
    Cancelled = 12,
    /// A URL was refused: not https (except loopback), or a nextLink or
    /// redirect pointing away from the configured Graph host.
    UntrustedUrl = 13,
    /// The rules refused the change (see the error's message).
    Refused = 14,
    /// The device code sign-in is not finished yet: wait again.
    Pending = 15,
    /// Graph's answer could not be understood (e.g. truncated JSON).
    InvalidResponse = 16,
}

impl gwb_status {
    pub(crate) fn name(self) -> &'static str {
        match self {
            gwb_status::Ok => "ok",
            gwb_status::NullParameter => "nullParameter",
            gwb_status::InvalidUtf8 => "invalidUtf8",
            gwb_status::InvalidJson => "invalidJson",
            gwb_status::InvalidArgument => "invalidArgument",
            gwb_status::Panic => "panic",
            gwb_status::NotFound => "notFound",
            gwb_status::Auth => "auth",
            gwb_status::Forbidden => "forbidden",
            gwb_status::Throttled => "throttled",
            gwb_status::Graph => "graph",
            gwb_status::Network => "network",
            gwb_status::Cancelled => "cancelled",
            gwb_status::UntrustedUrl => "untrustedUrl",
            gwb_status::Refused => "refused",
            gwb_status::Pending => "pending",
            gwb_status::InvalidResponse => "invalidResponse",
        }
    }
    fn from_u32(n: u32) -> Option<Self> {
        [
            gwb_status::Ok,
            gwb_status::NullParameter,
            gwb_status::InvalidUtf8,
            gwb_status::InvalidJson,
            gwb_status::InvalidArgument,
            gwb_status::Panic,
            gwb_status::NotFound,
            gwb_status::Auth,
            gwb_status::Forbidden,
            gwb_status::Throttled,
            gwb_status::Graph,
            gwb_status::Network,
            gwb_status::Cancelled,
            gwb_status::UntrustedUrl,
            gwb_status::Refused,
            gwb_status::Pending,
            gwb_status::InvalidResponse,
        ]
        .into_iter()
        .find(|s| *s as u32 == n)
    }
}

/// Error detail: a status, a message for a person, and, when the error came
/// from Microsoft Graph, its error code and request id. Created by the
/// library on failure, freed by the caller with `gwb_error_free`.
pub struct gwb_error {
    status: gwb_status,
    message: CString,
    graph_code: Option<CString>,
    request_id: Option<CString>,
    http_status: u16,
}

/// A parsed group. Created by `gwb_group_parse`, freed by `gwb_group_free`.
pub struct gwb_group {
    group: Group,
    id: Option<CString>,
    display_name: Option<CString>,
    type_raw: Option<CString>,
}

/// The result of validating a requested change. Created by
/// `gwb_validate_state` or `gwb_validate_request`, freed by
/// `gwb_change_free`.
pub struct gwb_change {
    decision: Decision,
    body: Option<CString>,
    message: Option<CString>,
    summary: CString,
    json: String,
}

/// The portal's view of a group: its two columns and the state setting.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct gwb_portal {
    /// Column "Writeback enabled" (true only when `isEnabled` is true).
    pub writeback_enabled: bool,
    /// Column "Target writeback type": the stored `onPremisesGroupType`.
    pub target_type: OnPremisesTypeCode,
    /// The "Group writeback state" setting (UNSET for an unknown type).
    pub state: WritebackState,
}

/// Whether and as what a group is really written back, and why.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct gwb_effective {
    /// YES, NO, or UNKNOWN when the rules cannot tell (a stored type that is
    /// not documented or not allowed for the kind, a kind that was not read):
    /// never a guess.
    pub written_back: WrittenBack,
    /// The on-premises type it is written back as (UNSET unless YES).
    pub written_back_as: OnPremisesTypeCode,
    pub reason: Reason,
    /// `gwb_caveat` flags, OR-ed.
    pub caveats: u32,
}

// ------------------------------------------------------------------ plumbing

pub(crate) struct FfiError {
    status: gwb_status,
    message: String,
    graph_code: Option<String>,
    request_id: Option<String>,
    http_status: u16,
}

impl FfiError {
    pub(crate) fn new(status: gwb_status, message: impl Into<String>) -> Self {
        FfiError { status, message: message.into(), graph_code: None, request_id: None, http_status: 0 }
    }
}

pub(crate) fn to_cstring(s: &str) -> CString {
    // Interior NULs cannot cross as C strings; they are shown as U+FFFD.
    CString::new(s.replace('\0', "\u{FFFD}")).expect("NULs were replaced")
}

/// Runs a fallible entry point: a caught panic becomes `Panic`, an error
/// becomes its status and, when `error_out` is not NULL, an error object.
pub(crate) fn guard(error_out: *mut *mut gwb_error, f: impl FnOnce() -> Result<(), FfiError>) -> gwb_status {
    let result = match crate::panics::catch(f) {
        Ok(r) => r,
        Err(text) => {
            Err(FfiError::new(gwb_status::Panic, format!("internal error in group-writeback (please report it): {}", text)))
        }
    };
    match result {
        Ok(()) => gwb_status::Ok,
        Err(e) => {
            if !error_out.is_null() {
                let err = Box::new(gwb_error {
                    status: e.status,
                    message: to_cstring(&e.message),
                    graph_code: e.graph_code.as_deref().map(to_cstring),
                    request_id: e.request_id.as_deref().map(to_cstring),
                    http_status: e.http_status,
                });
                // SAFETY: the caller passes a writable `gwb_error **` or NULL.
                unsafe { *error_out = Box::into_raw(err) };
            }
            e.status
        }
    }
}

/// Frees a handle made by `Box::into_raw` in this library; NULL is a no-op.
///
/// SAFETY: `p` is NULL or a live handle of type `T` not freed before.
pub(crate) unsafe fn free_handle<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: per the function's contract.
        guard_value((), || drop(unsafe { Box::from_raw(p) }))
    }
}

/// Runs an infallible accessor: a caught panic gives `fallback`.
pub(crate) fn guard_value<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    crate::panics::catch(f).unwrap_or(fallback)
}

pub(crate) fn null_param(name: &str) -> FfiError {
    FfiError::new(gwb_status::NullParameter, format!("'{}' must not be NULL", name))
}

/// Borrows a NUL-terminated UTF-8 argument.
///
/// SAFETY: `p` is NULL or points to a NUL-terminated string that stays valid
/// for `'a`.
pub(crate) unsafe fn arg_str<'a>(p: *const c_char, name: &str) -> Result<&'a str, FfiError> {
    if p.is_null() {
        return Err(null_param(name));
    }
    // SAFETY: non-NULL and NUL-terminated per the function's contract.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str().map_err(|e| {
        FfiError::new(
            gwb_status::InvalidUtf8,
            format!("'{}' is not valid UTF-8 (invalid byte at offset {})", name, e.valid_up_to()),
        )
    })
}

/// SAFETY: `p` is NULL or a live handle created by this library.
pub(crate) unsafe fn arg_ref<'a, T>(p: *const T, name: &str) -> Result<&'a T, FfiError> {
    // SAFETY: per the contract, a non-NULL pointer is a live handle.
    unsafe { p.as_ref() }.ok_or_else(|| null_param(name))
}

/// SAFETY: `out` is NULL or writable.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) {
    // SAFETY: checked non-NULL by the caller of this helper.
    unsafe { out.write(value) };
}

pub(crate) fn borrowed(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |c| c.as_ptr())
}

/// A static, NUL-terminated copy of a `'static` string, made once.
pub(crate) fn static_cstr(s: &'static str) -> *const c_char {
    static TABLE: Mutex<Option<HashMap<&'static str, &'static CStr>>> = Mutex::new(None);
    let mut table = TABLE.lock().unwrap_or_else(|p| p.into_inner());
    let map = table.get_or_insert_with(HashMap::new);
    map.entry(s).or_insert_with(|| Box::leak(to_cstring(s).into_boxed_c_str())).as_ptr()
}

/// A NUL-terminated string made on first use and kept for the life of the
/// process (what `std::sync::OnceLock<CString>` gives from Rust 1.70; the
/// crate builds with 1.63).
pub(crate) struct LazyCStr(Mutex<Option<&'static CStr>>);

impl LazyCStr {
    pub(crate) const fn new() -> Self {
        LazyCStr(Mutex::new(None))
    }

    pub(crate) fn get_or_init(&self, make: impl FnOnce() -> CString) -> &'static CStr {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *slot.get_or_insert_with(|| Box::leak(make().into_boxed_c_str()))
    }
}

pub(crate) fn owned_string_out(out: *mut *mut c_char, s: &str) -> Result<(), FfiError> {
    if out.is_null() {
        return Err(null_param("json_out"));
    }
    // SAFETY: non-NULL out-param.
    unsafe { write_out(out, to_cstring(s).into_raw()) };
    Ok(())
}

// ------------------------------------------------------------------ versions

/// The library's version, e.g. "0.1.0". Static: do not free.
#[no_mangle]
pub extern "C" fn gwb_version() -> *const c_char {
    guard_value(ptr::null(), || static_cstr(crate::VERSION))
}

/// The ABI version of the loaded library (see `GWB_ABI_VERSION`).
#[no_mangle]
pub extern "C" fn gwb_abi_version() -> u32 {
    GWB_ABI_VERSION
}

// ------------------------------------------------------------------ strings and errors

/// Frees a string returned through a `char **` out-param. NULL is allowed.
///
/// # Safety
/// `s` must come from this library and not have been freed already.
#[no_mangle]
pub unsafe extern "C" fn gwb_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    guard_value((), || {
        // SAFETY: `s` was made by CString::into_raw in this library.
        drop(unsafe { CString::from_raw(s) })
    })
}

/// The name of a status number, e.g. "invalidJson"; NULL for a number that
/// is not a status. Static: do not free.
#[no_mangle]
pub extern "C" fn gwb_status_name(status: u32) -> *const c_char {
    guard_value(ptr::null(), || gwb_status::from_u32(status).map_or(ptr::null(), |s| static_cstr(s.name())))
}

/// The status of an error (`GWB_STATUS_NULL_PARAMETER` when `error` is NULL).
///
/// # Safety
/// `error` is NULL or a live `gwb_error`.
#[no_mangle]
pub unsafe extern "C" fn gwb_error_status(error: *const gwb_error) -> gwb_status {
    // SAFETY: per contract.
    guard_value(gwb_status::Panic, || unsafe { error.as_ref() }.map_or(gwb_status::NullParameter, |e| e.status))
}

/// The error's message, for a person. Borrowed from `error`: valid until
/// `gwb_error_free`. NULL when `error` is NULL.
///
/// # Safety
/// `error` is NULL or a live `gwb_error`.
#[no_mangle]
pub unsafe extern "C" fn gwb_error_message(error: *const gwb_error) -> *const c_char {
    // SAFETY: per contract.
    guard_value(ptr::null(), || unsafe { error.as_ref() }.map_or(ptr::null(), |e| e.message.as_ptr()))
}

/// Microsoft Graph's error code (e.g. "Request_ResourceNotFound") when the
/// error came from Graph, else NULL. Borrowed from `error`.
///
/// # Safety
/// `error` is NULL or a live `gwb_error`.
#[no_mangle]
pub unsafe extern "C" fn gwb_error_graph_code(error: *const gwb_error) -> *const c_char {
    // SAFETY: per contract.
    guard_value(ptr::null(), || unsafe { error.as_ref() }.map_or(ptr::null(), |e| borrowed(&e.graph_code)))
}

/// Graph's `request-id` when the error came from Graph, else NULL.
/// Borrowed from `error`.
///
/// # Safety
/// `error` is NULL or a live `gwb_error`.
#[no_mangle]
pub unsafe extern "C" fn gwb_error_request_id(error: *const gwb_error) -> *const c_char {
    // SAFETY: per contract.
    guard_value(ptr::null(), || unsafe { error.as_ref() }.map_or(ptr::null(), |e| borrowed(&e.request_id)))
}

/// The HTTP status Graph answered when the error came from Graph (e.g. 404,
/// 429), else 0.
///
/// # Safety
/// `error` is NULL or a live `gwb_error`.
#[no_mangle]
pub unsafe extern "C" fn gwb_error_http_status(error: *const gwb_error) -> u32 {
    // SAFETY: per contract.
    guard_value(0, || unsafe { error.as_ref() }.map_or(0, |e| e.http_status as u32))
}

/// Frees an error. NULL is allowed.
///
/// # Safety
/// `error` is NULL or a live `gwb_error` not freed before.
#[no_mangle]
pub unsafe extern "C" fn gwb_error_free(error: *mut gwb_error) {
    // SAFETY: per contract; made by Box::into_raw in this library.
    unsafe { free_handle(error) }
}

// ------------------------------------------------------------------ groups

/// Parses a group from Graph's JSON (a `GET /beta/groups/{id}` body or one
/// element of a list's `value`; any `$select`). Missing properties count as
/// null. On success `*group_out` receives a new handle, freed with
/// `gwb_group_free`.
///
/// Errors: `GWB_STATUS_NULL_PARAMETER`, `GWB_STATUS_INVALID_UTF8`,
/// `GWB_STATUS_INVALID_JSON` (not JSON, not an object, or a property of the
/// wrong JSON type; the message names it).
///
/// # Safety
/// `json` is NULL or NUL-terminated; `group_out` and `error_out` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_group_parse(
    json: *const c_char,
    group_out: *mut *mut gwb_group,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let text = unsafe { arg_str(json, "json") }?;
        if group_out.is_null() {
            return Err(null_param("group_out"));
        }
        let group = Group::from_json_str(text)
            .map_err(|e| FfiError::new(gwb_status::InvalidJson, format!("not a group: {}", e)))?;
        let handle = Box::new(gwb_group {
            id: group.id.as_deref().map(to_cstring),
            display_name: group.display_name.as_deref().map(to_cstring),
            type_raw: group.writeback.on_premises_group_type.as_ref().map(|t| to_cstring(t.as_graph_str())),
            group,
        });
        // SAFETY: non-NULL out-param.
        unsafe { write_out(group_out, Box::into_raw(handle)) };
        Ok(())
    })
}

/// Frees a group. NULL is allowed.
///
/// # Safety
/// `group` is NULL or a live `gwb_group` not freed before.
#[no_mangle]
pub unsafe extern "C" fn gwb_group_free(group: *mut gwb_group) {
    // SAFETY: per contract; made by Box::into_raw in this library.
    unsafe { free_handle(group) }
}

fn with_group<T>(group: *const gwb_group, fallback: T, f: impl FnOnce(&gwb_group) -> T) -> T
where
    T: Copy,
{
    // SAFETY: callers pass NULL or a live handle, per each function's contract.
    guard_value(fallback, || unsafe { group.as_ref() }.map_or(fallback, f))
}

/// The group's `id`, or NULL when it has none (or `group` is NULL).
/// Borrowed from `group`: valid until `gwb_group_free`.
///
/// # Safety
/// `group` is NULL or a live `gwb_group`.
#[no_mangle]
pub unsafe extern "C" fn gwb_group_id(group: *const gwb_group) -> *const c_char {
    with_group(group, ptr::null(), |g| borrowed(&g.id))
}

/// The group's `displayName`, or NULL. Borrowed from `group`.
///
/// # Safety
/// `group` is NULL or a live `gwb_group`.
#[no_mangle]
pub unsafe extern "C" fn gwb_group_display_name(group: *const gwb_group) -> *const c_char {
    with_group(group, ptr::null(), |g| borrowed(&g.display_name))
}

/// The group's kind (`GWB_GROUP_KIND_UNSET` when `group` is NULL).
///
/// # Safety
/// `group` is NULL or a live `gwb_group`.
#[no_mangle]
pub unsafe extern "C" fn gwb_group_get_kind(group: *const gwb_group) -> GroupKind {
    with_group(group, GroupKind::Unset, |g| g.group.kind())
}

/// True when the group is synced from on-premises (`onPremisesSyncEnabled`).
///
/// # Safety
/// `group` is NULL or a live `gwb_group`.
#[no_mangle]
pub unsafe extern "C" fn gwb_group_is_synced(group: *const gwb_group) -> bool {
    with_group(group, false, |g| g.group.is_synced())
}

/// True when the group has dynamic membership (`groupTypes` has
/// `DynamicMembership`, or a `membershipRule` was read).
///
/// # Safety
/// `group` is NULL or a live `gwb_group`.
#[no_mangle]
pub unsafe extern "C" fn gwb_group_is_dynamic(group: *const gwb_group) -> bool {
    with_group(group, false, |g| g.group.is_dynamic())
}

/// `writebackConfiguration.isEnabled` (UNSET for null or a NULL `group`).
///
/// # Safety
/// `group` is NULL or a live `gwb_group`.
#[no_mangle]
pub unsafe extern "C" fn gwb_group_is_enabled(group: *const gwb_group) -> TriState {
    with_group(group, TriState::Unset, |g| TriState::from_option(g.group.writeback.is_enabled))
}

/// `writebackConfiguration.onPremisesGroupType` as a number (UNSET for null,
/// UNKNOWN for an undocumented value: read `gwb_group_onprem_type_raw`).
///
/// # Safety
/// `group` is NULL or a live `gwb_group`.
#[no_mangle]
pub unsafe extern "C" fn gwb_group_onprem_type(group: *const gwb_group) -> OnPremisesTypeCode {
    with_group(group, OnPremisesTypeCode::Unset, |g| {
        g.group.writeback.on_premises_group_type.as_ref().map_or(OnPremisesTypeCode::Unset, |t| t.code())
    })
}

/// The stored `onPremisesGroupType`: documented camelCase for a known value,
/// the text as read for an unknown one, NULL for null. Borrowed from `group`.
///
/// # Safety
/// `group` is NULL or a live `gwb_group`.
#[no_mangle]
pub unsafe extern "C" fn gwb_group_onprem_type_raw(group: *const gwb_group) -> *const c_char {
    with_group(group, ptr::null(), |g| borrowed(&g.type_raw))
}

/// The portal's view of the group: its "Writeback enabled" and "Target
/// writeback type" columns and its "Group writeback state".
///
/// # Safety
/// `group` is NULL or a live `gwb_group`; `portal_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_group_portal(
    group: *const gwb_group,
    portal_out: *mut gwb_portal,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let g = unsafe { arg_ref(group, "group") }?;
        if portal_out.is_null() {
            return Err(null_param("portal_out"));
        }
        let p = g.group.portal();
        let out = gwb_portal {
            writeback_enabled: p.writeback_enabled,
            target_type: p.target_type.as_ref().map_or(OnPremisesTypeCode::Unset, |t| t.code()),
            state: p.state,
        };
        // SAFETY: non-NULL out-param.
        unsafe { write_out(portal_out, out) };
        Ok(())
    })
}

/// Whether and as what the group is really written back, the reason, and
/// caveats where Microsoft's documents disagree or the state is unusual.
///
/// # Safety
/// `group` is NULL or a live `gwb_group`; `effective_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_group_effective(
    group: *const gwb_group,
    effective_out: *mut gwb_effective,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let g = unsafe { arg_ref(group, "group") }?;
        if effective_out.is_null() {
            return Err(null_param("effective_out"));
        }
        let e: Effective = g.group.effective();
        let out = gwb_effective {
            written_back: e.written_back,
            written_back_as: e.written_back_as.as_ref().map_or(OnPremisesTypeCode::Unset, |t| t.code()),
            reason: e.reason,
            caveats: e.caveats,
        };
        // SAFETY: non-NULL out-param.
        unsafe { write_out(effective_out, out) };
        Ok(())
    })
}

/// The group as Graph JSON (`id`, `displayName`, `groupTypes`,
/// `securityEnabled`, `mailEnabled`, `onPremisesSyncEnabled`,
/// `writebackConfiguration` with a known type in camelCase). On success
/// `*json_out` is a new string, freed with `gwb_string_free`.
///
/// # Safety
/// `group` is NULL or a live `gwb_group`; `json_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_group_to_json(
    group: *const gwb_group,
    json_out: *mut *mut c_char,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let g = unsafe { arg_ref(group, "group") }?;
        owned_string_out(json_out, &g.group.to_json().to_string())
    })
}

/// The group as Graph JSON plus what the rules say of it: `kind`,
/// `isSynced`, `isDynamic`, `portal` {`writebackEnabled`,
/// `targetWritebackType`, `state`, `stateDisplayName`} and `effective`
/// {`writtenBack` (true, false, or null when unknown), `writtenBackAs`,
/// `displayName` ("Distribution", "Not written back", "Unknown", ...),
/// `reason`, `explanation`, `caveats` [{`code`, `message`}]}. On success `*json_out` is a new string, freed
/// with `gwb_string_free`.
///
/// # Safety
/// `group` is NULL or a live `gwb_group`; `json_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_group_explain_json(
    group: *const gwb_group,
    json_out: *mut *mut c_char,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let g = unsafe { arg_ref(group, "group") }?;
        owned_string_out(json_out, &report::explain(&g.group).to_string())
    })
}

/// The keys an explained group (`gwb_group_explain_json`, listing pages,
/// bulk results' `group`) may have of its own, as a JSON array: the Graph
/// properties the rules read and `kind`, `kindDisplayName`, `isSynced`,
/// `isDynamic`, `portal`, `effective`. Any other key is a property the
/// caller asked for, passed through as Graph sent it. Static.
#[no_mangle]
pub extern "C" fn gwb_explain_keys_json() -> *const c_char {
    static KEYS: LazyCStr = LazyCStr::new();
    guard_value(ptr::null(), || KEYS.get_or_init(|| to_cstring(&report::GroupView::own_keys_json())).as_ptr())
}

/// Parses a group's JSON and explains it in one call (the output of
/// `gwb_group_explain_json`). Accepts a single group object, a JSON array
/// of them, or a Graph list page (`{"value": [...]}`); for the last two the
/// result is an array. On success `*json_out` is a new
/// string, freed with `gwb_string_free`.
///
/// # Safety
/// `group_json` is NULL or NUL-terminated; `json_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_explain_json(
    group_json: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let text = unsafe { arg_str(group_json, "group_json") }?;
        if json_out.is_null() {
            return Err(null_param("json_out"));
        }
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            FfiError::new(
                gwb_status::InvalidJson,
                format!("not a group: the text is not valid JSON: {}", crate::domain::json_error_text(text, &e)),
            )
        })?;
        let explain_one = |v: &serde_json::Value, at: Option<usize>| {
            Group::from_json(v).map(|g| report::explain(&g)).map_err(|e| {
                let place = at.map(|i| format!(" (element {})", i)).unwrap_or_default();
                FfiError::new(gwb_status::InvalidJson, format!("not a group{}: {}", place, e))
            })
        };
        let list = match &value {
            serde_json::Value::Object(o) if o.get("value").map_or(false, |v| v.is_array()) && !o.contains_key("id") => {
                o.get("value")
            }
            _ => None,
        };
        let out = match list.unwrap_or(&value) {
            serde_json::Value::Array(items) => serde_json::Value::Array(
                items.iter().enumerate().map(|(i, v)| explain_one(v, Some(i))).collect::<Result<_, _>>()?,
            ),
            v => explain_one(v, None)?,
        };
        owned_string_out(json_out, &out.to_string())
    })
}

/// Reads the group an object holds, whatever tool it came from: `object_json`
/// is the object's properties written out as JSON, names as they were (the
/// Graph SDK's PascalCase with `AdditionalProperties`, Graph's camelCase,
/// any letter case). On success `*json_out` is a new string
/// `{"isGroup", "complete", "group", "id", "name", "properties"}`:
/// `group` is the Graph JSON of the properties the rules read (for
/// `gwb_group_parse`), or null when the object has none of them; `complete`
/// is true when the kind and the stored configuration are all there and not
/// null, so the group can be judged without reading it; `name` is its
/// display name or id; `properties` lists what the rules read, for a
/// message. A caller converting objects lists no property names itself.
///
/// Errors: `GWB_STATUS_NULL_PARAMETER`, `GWB_STATUS_INVALID_UTF8`,
/// `GWB_STATUS_INVALID_JSON` (not JSON).
///
/// # Safety
/// `object_json` is NULL or NUL-terminated; `json_out`, `error_out` are NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_group_input_json(
    object_json: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let text = unsafe { arg_str(object_json, "object_json") }?;
        if json_out.is_null() {
            return Err(null_param("json_out"));
        }
        let input = crate::input::read_object_text(text)
            .map_err(|e| FfiError::new(gwb_status::InvalidJson, format!("the object is not JSON: {}", e)))?;
        let out = serde_json::to_string(&input)
            .map_err(|e| FfiError::new(gwb_status::InvalidJson, e.to_string()))?;
        owned_string_out(json_out, &out)
    })
}

// ------------------------------------------------------------------ validation

fn make_change(group: &Group, decision: Decision, change_out: *mut *mut gwb_change) {
    let body = match &decision {
        Decision::Send { body, .. } => Some(to_cstring(&body.to_string())),
        _ => None,
    };
    let message = match &decision {
        Decision::Refused(r) => Some(to_cstring(&r.message)),
        _ => None,
    };
    let summary = to_cstring(&crate::domain::describe_change(group, &decision));
    let json = report::decision(group, &decision).to_string();
    let handle = Box::new(gwb_change { decision, body, message, summary, json });
    // SAFETY: callers checked `change_out` is non-NULL.
    unsafe { write_out(change_out, Box::into_raw(handle)) };
}

/// Validates setting the portal state `state` (a `gwb_writeback_state`
/// other than UNSET) on `group`. On success `*change_out` receives the
/// decision: send a PATCH body, no change needed, or a refusal with its
/// code. A refusal is a successful validation, not an error status.
///
/// Errors: `GWB_STATUS_NULL_PARAMETER`; `GWB_STATUS_INVALID_ARGUMENT` when
/// `state` is UNSET or not a `gwb_writeback_state`.
///
/// # Safety
/// `group` is NULL or a live `gwb_group`; `change_out`, `error_out` are NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_validate_state(
    group: *const gwb_group,
    state: u32,
    change_out: *mut *mut gwb_change,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let g = unsafe { arg_ref(group, "group") }?;
        if change_out.is_null() {
            return Err(null_param("change_out"));
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
        make_change(&g.group, g.group.validate_state(st), change_out);
        Ok(())
    })
}

/// Validates a change given as Graph properties: a JSON object with
/// `isEnabled` and/or `onPremisesGroupType`, bare or as a PATCH body
/// (`{"writebackConfiguration": {...}}`). Type names are read
/// case-insensitively. An explicit `null` is refused by the rules
/// (`onPremisesGroupType` cannot be reset; `isEnabled` cannot be null).
///
/// Errors: `GWB_STATUS_NULL_PARAMETER`, `GWB_STATUS_INVALID_UTF8`,
/// `GWB_STATUS_INVALID_JSON` (not JSON, or not that shape).
///
/// # Safety
/// `group` is NULL or a live `gwb_group`; `request_json` is NULL or
/// NUL-terminated; `change_out`, `error_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_validate_request(
    group: *const gwb_group,
    request_json: *const c_char,
    change_out: *mut *mut gwb_change,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let g = unsafe { arg_ref(group, "group") }?;
        // SAFETY: per contract.
        let text = unsafe { arg_str(request_json, "request_json") }?;
        if change_out.is_null() {
            return Err(null_param("change_out"));
        }
        let req = ChangeRequest::from_json_str(text)
            .map_err(|e| FfiError::new(gwb_status::InvalidJson, e.to_string()))?;
        make_change(&g.group, g.group.validate(&req), change_out);
        Ok(())
    })
}

fn with_change<T: Copy>(change: *const gwb_change, fallback: T, f: impl FnOnce(&gwb_change) -> T) -> T {
    // SAFETY: callers pass NULL or a live handle, per each function's contract.
    guard_value(fallback, || unsafe { change.as_ref() }.map_or(fallback, f))
}

/// The decision: SEND, NO_CHANGE or REFUSED (UNSET when `change` is NULL).
///
/// # Safety
/// `change` is NULL or a live `gwb_change`.
#[no_mangle]
pub unsafe extern "C" fn gwb_change_outcome(change: *const gwb_change) -> Outcome {
    with_change(change, Outcome::Unset, |c| c.decision.outcome())
}

/// The exact PATCH body to send to `/groups/{id}` when the outcome is SEND,
/// else NULL. Borrowed from `change`: valid until `gwb_change_free`.
///
/// # Safety
/// `change` is NULL or a live `gwb_change`.
#[no_mangle]
pub unsafe extern "C" fn gwb_change_body(change: *const gwb_change) -> *const c_char {
    with_change(change, ptr::null(), |c| borrowed(&c.body))
}

/// The refusal's code when the outcome is REFUSED, else NONE.
///
/// # Safety
/// `change` is NULL or a live `gwb_change`.
#[no_mangle]
pub unsafe extern "C" fn gwb_change_refusal(change: *const gwb_change) -> RefusalCode {
    with_change(change, RefusalCode::None, |c| match &c.decision {
        Decision::Refused(r) => r.code,
        _ => RefusalCode::None,
    })
}

/// The refusal's message for an administrator when the outcome is REFUSED,
/// else NULL. Borrowed from `change`.
///
/// # Safety
/// `change` is NULL or a live `gwb_change`.
#[no_mangle]
pub unsafe extern "C" fn gwb_change_message(change: *const gwb_change) -> *const c_char {
    with_change(change, ptr::null(), |c| borrowed(&c.message))
}

/// Whether a SEND only makes the stored values explicit: the portal's state
/// and the effective writeback stay the same (e.g. a security group with
/// `isEnabled` null and type universalSecurityGroup, set to Security). Such
/// a change is sent, not skipped. False for any other outcome or NULL.
///
/// # Safety
/// `change` is NULL or a live `gwb_change`.
#[no_mangle]
pub unsafe extern "C" fn gwb_change_makes_explicit(change: *const gwb_change) -> bool {
    with_change(change, false, |c| matches!(c.decision, Decision::Send { makes_explicit: true, .. }))
}

/// One line saying what the change does, in the portal's words, for a
/// preview ("Security -> No writeback (effective: Security -> Not written
/// back)"; "... makes the stored value explicit ..."; "no change: ..."; the
/// refusal's message). Borrowed from `change`; NULL when `change` is NULL.
///
/// # Safety
/// `change` is NULL or a live `gwb_change`.
#[no_mangle]
pub unsafe extern "C" fn gwb_change_summary(change: *const gwb_change) -> *const c_char {
    with_change(change, ptr::null(), |c| c.summary.as_ptr())
}

/// The decision as JSON: `{"outcome": "send"|"noChange"|"refused",
/// "makesExplicit", "body", "after", "summary", "refusal": {"code",
/// "message"}}`. On success `*json_out` is a
/// new string, freed with `gwb_string_free`.
///
/// # Safety
/// `change` is NULL or a live `gwb_change`; `json_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_change_to_json(
    change: *const gwb_change,
    json_out: *mut *mut c_char,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let c = unsafe { arg_ref(change, "change") }?;
        owned_string_out(json_out, &c.json)
    })
}

/// Frees a change. NULL is allowed.
///
/// # Safety
/// `change` is NULL or a live `gwb_change` not freed before.
#[no_mangle]
pub unsafe extern "C" fn gwb_change_free(change: *mut gwb_change) {
    // SAFETY: per contract; made by Box::into_raw in this library.
    unsafe { free_handle(change) }
}

// ------------------------------------------------------------------ names

/// Parses a state name: "NoWriteback", "Security", "Distribution",
/// "MailEnabledSecurity" or the portal's words ("No writeback",
/// "Mail-enabled security"), case-insensitively.
///
/// Errors: `GWB_STATUS_NULL_PARAMETER`, `GWB_STATUS_INVALID_UTF8`,
/// `GWB_STATUS_INVALID_ARGUMENT` (not a state name).
///
/// # Safety
/// `name` is NULL or NUL-terminated; `state_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gwb_state_parse(
    name: *const c_char,
    state_out: *mut WritebackState,
    error_out: *mut *mut gwb_error,
) -> gwb_status {
    guard(error_out, || {
        // SAFETY: per contract.
        let text = unsafe { arg_str(name, "name") }?;
        if state_out.is_null() {
            return Err(null_param("state_out"));
        }
        let st = WritebackState::parse(text).ok_or_else(|| {
            FfiError::new(
                gwb_status::InvalidArgument,
                format!("'{}' is not a writeback state: use NoWriteback, Security, Distribution or MailEnabledSecurity", text),
            )
        })?;
        // SAFETY: non-NULL out-param.
        unsafe { write_out(state_out, st) };
        Ok(())
    })
}

/// The identifier of a `gwb_writeback_state` ("NoWriteback", ...; "Unset"
/// for 0), or NULL for a number that is not a state. Static.
#[no_mangle]
pub extern "C" fn gwb_state_name(state: u32) -> *const c_char {
    guard_value(ptr::null(), || WritebackState::from_u32(state).map_or(ptr::null(), |s| static_cstr(s.name())))
}

/// The portal's words for a `gwb_writeback_state` ("No writeback",
/// "Mail-enabled security", ...; "" for UNSET), or NULL for a number that
/// is not a state. Static.
#[no_mangle]
pub extern "C" fn gwb_state_display_name(state: u32) -> *const c_char {
    guard_value(ptr::null(), || {
        WritebackState::from_u32(state).map_or(ptr::null(), |s| static_cstr(s.portal_name()))
    })
}

const GROUP_KINDS: [GroupKind; 6] = [
    GroupKind::Unset,
    GroupKind::Microsoft365,
    GroupKind::Security,
    GroupKind::MailEnabledSecurity,
    GroupKind::Distribution,
    GroupKind::Undetermined,
];

/// The name of a `gwb_group_kind` ("microsoft365", "security", ...), or NULL
/// for a number that is not a kind. Static.
#[no_mangle]
pub extern "C" fn gwb_group_kind_name(kind: u32) -> *const c_char {
    guard_value(ptr::null(), || {
        GROUP_KINDS.iter().find(|k| **k as u32 == kind).map_or(ptr::null(), |k| static_cstr(k.name()))
    })
}

const ONPREM_TYPES: [OnPremisesTypeCode; 5] = [
    OnPremisesTypeCode::Unset,
    OnPremisesTypeCode::UniversalDistribution,
    OnPremisesTypeCode::UniversalSecurity,
    OnPremisesTypeCode::UniversalMailEnabledSecurity,
    OnPremisesTypeCode::Unknown,
];

/// The Graph value of a known `gwb_onprem_type` (e.g.
/// "universalSecurityGroup"); "" for UNSET and UNKNOWN; NULL for a number
/// that is not a type. Static.
#[no_mangle]
pub extern "C" fn gwb_onprem_type_name(onprem_type: u32) -> *const c_char {
    guard_value(ptr::null(), || {
        ONPREM_TYPES
            .iter()
            .find(|t| **t as u32 == onprem_type)
            .map_or(ptr::null(), |t| static_cstr(t.graph_name()))
    })
}

const REASONS: [Reason; 12] = [
    Reason::Unset,
    Reason::SyncedFromOnPremises,
    Reason::KindNotEligible,
    Reason::Disabled,
    Reason::EnabledWithType,
    Reason::EnabledDefaultType,
    Reason::LegacyMicrosoft365Default,
    Reason::NotConfigured,
    Reason::UnsetEnabledWithType,
    Reason::KindUndetermined,
    Reason::UnknownType,
    Reason::TypeNotAllowedForKind,
];

/// The name of cloud number `n` (0 "Global", 1 "USGov", 2 "USGovDoD", 3
/// "China"), the values of the client option `cloud`; NULL past the last.
/// Static.
#[no_mangle]
pub extern "C" fn gwb_cloud_name(n: u32) -> *const c_char {
    guard_value(ptr::null(), || {
        crate::auth::Cloud::ALL.get(n as usize).map_or(ptr::null(), |c| static_cstr(c.name()))
    })
}

/// The environment variables the sign-in methods read (Azure Identity's),
/// as a JSON object from the option each stands for to its name
/// (`{"tenantId": "AZURE_TENANT_ID", "clientId": ..., "clientSecret": ...,
/// "certificatePath": ..., "certificatePassword": ..., "authorityHost":
/// ..., "federatedTokenFile": "AZURE_FEDERATED_TOKEN_FILE",
/// "identityEndpoint": "IDENTITY_ENDPOINT", "identityHeader":
/// "IDENTITY_HEADER", "imdsEndpoint": "IMDS_ENDPOINT",
/// "podIdentityAuthorityHost": "AZURE_POD_IDENTITY_AUTHORITY_HOST"}`): a host
/// that keeps its own environment (PowerShell on Linux and macOS does)
/// reads them by these names and passes them in the client option
/// `environment`, except the secret ones (`clientSecret`, `identityHeader`,
/// `certificatePassword`), which go as the secret or stay with the host.
/// Static.
#[no_mangle]
pub extern "C" fn gwb_environment_variables_json() -> *const c_char {
    static JSON: LazyCStr = LazyCStr::new();
    guard_value(ptr::null(), || {
        JSON.get_or_init(|| {
            let map: serde_json::Map<String, serde_json::Value> = crate::auth::ENVIRONMENT_VARIABLES
                .iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
                .collect();
            to_cstring(&serde_json::Value::Object(map).to_string())
        })
        .as_ptr()
    })
}

/// The name of a `gwb_written_back` ("yes", "no", "unknown"; "unset" for
/// UNSET), or NULL for a number that is not one. Static.
#[no_mangle]
pub extern "C" fn gwb_written_back_name(written_back: u32) -> *const c_char {
    guard_value(ptr::null(), || WrittenBack::from_u32(written_back).map_or(ptr::null(), |w| static_cstr(w.name())))
}

/// The name of a `gwb_reason` (e.g. "legacyMicrosoft365Default"), or NULL
/// for a number that is not a reason. Static.
#[no_mangle]
pub extern "C" fn gwb_reason_name(reason: u32) -> *const c_char {
    guard_value(ptr::null(), || {
        REASONS.iter().find(|r| **r as u32 == reason).map_or(ptr::null(), |r| static_cstr(r.name()))
    })
}

/// A sentence explaining a `gwb_reason`, or NULL for a number that is not a
/// reason. Static.
#[no_mangle]
pub extern "C" fn gwb_reason_message(reason: u32) -> *const c_char {
    guard_value(ptr::null(), || {
        REASONS.iter().find(|r| **r as u32 == reason).map_or(ptr::null(), |r| static_cstr(r.describe()))
    })
}

/// The name of one `gwb_caveat` flag (e.g. "documentsDisagree"), or NULL
/// when `caveat` is not exactly one flag. Static.
#[no_mangle]
pub extern "C" fn gwb_caveat_name(caveat: u32) -> *const c_char {
    guard_value(ptr::null(), || {
        Caveat::ALL.iter().find(|c| **c as u32 == caveat).map_or(ptr::null(), |c| static_cstr(c.name()))
    })
}

/// A sentence explaining one `gwb_caveat` flag, or NULL when `caveat` is not
/// exactly one flag. Static.
#[no_mangle]
pub extern "C" fn gwb_caveat_message(caveat: u32) -> *const c_char {
    guard_value(ptr::null(), || {
        Caveat::ALL.iter().find(|c| **c as u32 == caveat).map_or(ptr::null(), |c| static_cstr(c.describe()))
    })
}

const REFUSALS: [RefusalCode; 10] = [
    RefusalCode::None,
    RefusalCode::SyncedFromOnPremises,
    RefusalCode::DistributionGroupNotEligible,
    RefusalCode::MailEnabledSecurityGroupNotEligible,
    RefusalCode::KindUndetermined,
    RefusalCode::TypeNotAllowedForKind,
    RefusalCode::TypeCannotBeReset,
    RefusalCode::UnknownType,
    RefusalCode::IsEnabledNull,
    RefusalCode::InvalidRequest,
];

/// The stable name of a `gwb_refusal` (e.g. "syncedFromOnPremises"), or NULL
/// for a number that is not a refusal code. Static.
#[no_mangle]
pub extern "C" fn gwb_refusal_name(refusal: u32) -> *const c_char {
    guard_value(ptr::null(), || {
        REFUSALS.iter().find(|r| **r as u32 == refusal).map_or(ptr::null(), |r| static_cstr(r.name()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_an_entry_point_becomes_a_status_and_an_error() {
        let mut err: *mut gwb_error = ptr::null_mut();
        let status = guard(&mut err, || panic!("boom"));
        assert_eq!(status, gwb_status::Panic);
        assert!(!err.is_null());
        // SAFETY: err was just created by guard.
        unsafe {
            assert_eq!(gwb_error_status(err), gwb_status::Panic);
            let msg = CStr::from_ptr(gwb_error_message(err)).to_str().unwrap();
            assert!(msg.contains("boom"), "{}", msg);
            gwb_error_free(err);
        }
        assert_eq!(guard_value(7, || panic!("accessor")), 7);
    }

    #[test]
    fn static_names_are_interned_once() {
        let a = static_cstr("security");
        let b = static_cstr("security");
        assert_eq!(a, b);
    }
}
