//! Property tests over the C ABI: arbitrary bytes (invalid UTF-8, broken and
//! wrong-shaped JSON, huge numbers), out-of-range enum numbers and NULLs
//! never crash, never panic across the boundary, and always give a status
//! with an error message, or an answer.
//!
//! Runs briefly in `make test`; run longer with
//! `PROPTEST_CASES=100000 cargo test --test abi_fuzz`.

use group_writeback::ffi::*;
use proptest::prelude::*;
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::ptr;

fn cstring(bytes: &[u8]) -> CString {
    CString::new(bytes.iter().copied().filter(|b| *b != 0).collect::<Vec<u8>>()).unwrap()
}

/// Checks a failed call's error object and frees it.
unsafe fn check_error(status: gwb_status, err: *mut gwb_error) {
    assert_ne!(status, gwb_status::Panic, "a panic reached the boundary");
    if status == gwb_status::Ok {
        assert!(err.is_null());
        return;
    }
    assert!(!err.is_null(), "status {:?} without an error object", status);
    assert_eq!(gwb_error_status(err), status);
    let msg = CStr::from_ptr(gwb_error_message(err)).to_str().expect("messages are UTF-8");
    assert!(!msg.is_empty());
    gwb_error_free(err);
}

unsafe fn take_string(p: *mut c_char) -> String {
    assert!(!p.is_null());
    let s = CStr::from_ptr(p).to_str().expect("outputs are UTF-8").to_string();
    gwb_string_free(p);
    s
}

/// JSON-ish text: mostly near-valid group bodies with random damage.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    let values = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        Just("\"Unified\"".to_string()),
        Just("\"UniversalSecurityGroup\"".to_string()),
        Just("[\"Unified\",\"DynamicMembership\"]".to_string()),
        Just("1e999".to_string()),
        Just("-0".to_string()),
        Just("{}".to_string()),
        Just("[]".to_string()),
        "\"[^\"\\\\]{0,12}\"".prop_map(|s| s),
    ];
    let keys = prop::sample::select(vec![
        "id", "displayName", "groupTypes", "securityEnabled", "mailEnabled", "onPremisesSyncEnabled",
        "writebackConfiguration", "isEnabled", "onPremisesGroupType", "membershipRule", "value", "@odata.type",
    ]);
    let object = prop::collection::vec((keys, values), 0..8).prop_map(|pairs| {
        let body: Vec<String> = pairs.into_iter().map(|(k, v)| format!("\"{}\":{}", k, v)).collect();
        format!("{{{}}}", body.join(","))
    });
    prop_oneof![
        4 => object.clone().prop_map(|s| s.into_bytes()),
        2 => (object, any::<prop::sample::Index>(), any::<u8>()).prop_map(|(s, at, b)| {
            let mut v = s.into_bytes();
            let i = at.index(v.len().max(1)).min(v.len().saturating_sub(1));
            if !v.is_empty() { v[i] = b; }
            v
        }),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400)))]

    #[test]
    fn offline_entry_points_survive_anything(group in jsonish(), request in jsonish(), state in any::<u32>(), n in any::<u32>()) {
        unsafe {
            let text = cstring(&group);
            let mut g: *mut gwb_group = ptr::null_mut();
            let mut err: *mut gwb_error = ptr::null_mut();
            let status = gwb_group_parse(text.as_ptr(), &mut g, &mut err);
            check_error(status, err);
            if status != gwb_status::Ok {
                prop_assert!(g.is_null(), "out-param written on failure");
            } else {
                let _ = (gwb_group_id(g), gwb_group_display_name(g), gwb_group_get_kind(g), gwb_group_is_synced(g),
                         gwb_group_is_dynamic(g), gwb_group_is_enabled(g), gwb_group_onprem_type(g), gwb_group_onprem_type_raw(g));
                let mut portal = std::mem::MaybeUninit::<gwb_portal>::uninit();
                prop_assert_eq!(gwb_group_portal(g, portal.as_mut_ptr(), ptr::null_mut()), gwb_status::Ok);
                let mut eff = std::mem::MaybeUninit::<gwb_effective>::uninit();
                prop_assert_eq!(gwb_group_effective(g, eff.as_mut_ptr(), ptr::null_mut()), gwb_status::Ok);
                let mut json: *mut c_char = ptr::null_mut();
                prop_assert_eq!(gwb_group_explain_json(g, &mut json, ptr::null_mut()), gwb_status::Ok);
                let explained: serde_json::Value = serde_json::from_str(&take_string(json)).unwrap();
                prop_assert!(explained["effective"]["reason"].is_string());
                prop_assert_eq!(gwb_group_to_json(g, &mut json, ptr::null_mut()), gwb_status::Ok);
                // What the library writes, it reads again.
                let again = CString::new(take_string(json)).unwrap();
                let mut g2: *mut gwb_group = ptr::null_mut();
                prop_assert_eq!(gwb_group_parse(again.as_ptr(), &mut g2, ptr::null_mut()), gwb_status::Ok);
                gwb_group_free(g2);

                let mut change: *mut gwb_change = ptr::null_mut();
                err = ptr::null_mut();
                let st = gwb_validate_state(g, state % 8, &mut change, &mut err);
                check_error(st, err);
                if st == gwb_status::Ok {
                    let outcome = gwb_change_outcome(change);
                    prop_assert!(matches!(outcome as u32, 1..=3));
                    let body = gwb_change_body(change);
                    prop_assert_eq!(body.is_null(), outcome as u32 != 1);
                    prop_assert_eq!(gwb_change_message(change).is_null(), outcome as u32 != 3);
                    let mut cj: *mut c_char = ptr::null_mut();
                    prop_assert_eq!(gwb_change_to_json(change, &mut cj, ptr::null_mut()), gwb_status::Ok);
                    take_string(cj);
                } else {
                    prop_assert!(change.is_null());
                    prop_assert!(state % 8 == 0 || state % 8 > 4);
                }
                gwb_change_free(change);

                let req = cstring(&request);
                change = ptr::null_mut();
                err = ptr::null_mut();
                let st = gwb_validate_request(g, req.as_ptr(), &mut change, &mut err);
                check_error(st, err);
                gwb_change_free(change);
            }
            gwb_group_free(g);

            // One-shot explanation of anything.
            let mut json: *mut c_char = ptr::null_mut();
            err = ptr::null_mut();
            let st = gwb_explain_json(text.as_ptr(), &mut json, &mut err);
            check_error(st, err);
            if st == gwb_status::Ok { take_string(json); } else { prop_assert!(json.is_null()); }

            // Name look-ups take any number.
            for f in [gwb_state_name, gwb_state_display_name, gwb_group_kind_name, gwb_onprem_type_name,
                      gwb_reason_name, gwb_reason_message, gwb_caveat_name, gwb_caveat_message,
                      gwb_refusal_name, gwb_status_name] {
                let p = f(n);
                if !p.is_null() { prop_assert!(CStr::from_ptr(p).to_str().is_ok()); }
            }
            let name = cstring(&request);
            let mut parsed = std::mem::MaybeUninit::uninit();
            err = ptr::null_mut();
            check_error(gwb_state_parse(name.as_ptr(), parsed.as_mut_ptr(), &mut err), err);
        }
    }

    #[test]
    fn client_options_never_crash(options in jsonish(), secret in prop::collection::vec(any::<u8>(), 0..40)) {
        unsafe {
            let o = cstring(&options);
            let s = cstring(&secret);
            let mut c: *mut gwb_client = ptr::null_mut();
            let mut err: *mut gwb_error = ptr::null_mut();
            let st = gwb_client_new(o.as_ptr(), s.as_ptr(), &mut c, &mut err);
            if st != gwb_status::Ok {
                prop_assert!(c.is_null());
                // The secret never appears in the message.
                let msg = CStr::from_ptr(gwb_error_message(err)).to_string_lossy().to_string();
                if let Ok(sec) = s.to_str() {
                    if sec.len() >= 8 { prop_assert!(!msg.contains(sec), "{}", msg); }
                }
            }
            check_error(st, err);
            gwb_client_free(c);
        }
    }
}
