//! One table-driven test per table of the domain brief, every row covered.

use group_writeback::domain::{
    Caveat, ChangeRequest, Decision, Group, GroupKind, OnPremisesGroupType as T, Reason,
    RefusalCode, TypeRequest, WritebackConfiguration, WritebackState as S, WrittenBack, describe_change,
};
use serde_json::json;

const UDG: &str = "universalDistributionGroup";
const USG: &str = "universalSecurityGroup";
const UMESG: &str = "universalMailEnabledSecurityGroup";

/// A group of `kind` ("m365", "security", "mes", "dl", "synced-security",
/// "unknown") with the given writebackConfiguration JSON.
fn group(kind: &str, wb: serde_json::Value) -> Group {
    let (types, sec, mail, synced) = match kind {
        "m365" => (json!(["Unified"]), json!(false), json!(true), json!(null)),
        "m365-dynamic" => (json!(["Unified", "DynamicMembership"]), json!(false), json!(true), json!(null)),
        "security" => (json!([]), json!(true), json!(false), json!(null)),
        "security-dynamic" => (json!(["DynamicMembership"]), json!(true), json!(false), json!(null)),
        "mes" => (json!([]), json!(true), json!(true), json!(null)),
        "dl" => (json!([]), json!(false), json!(true), json!(null)),
        "synced-security" => (json!([]), json!(true), json!(false), json!(true)),
        "synced-m365" => (json!(["Unified"]), json!(false), json!(true), json!(true)),
        "unknown" => (json!([]), json!(null), json!(null), json!(null)),
        other => panic!("no such kind {}", other),
    };
    Group::from_json(&json!({
        "id": "00000000-0000-0000-0000-000000000001",
        "displayName": format!("{} group", kind),
        "groupTypes": types,
        "securityEnabled": sec,
        "mailEnabled": mail,
        "onPremisesSyncEnabled": synced,
        "writebackConfiguration": wb,
    }))
    .unwrap()
}

fn wb(enabled: serde_json::Value, t: serde_json::Value) -> serde_json::Value {
    json!({"isEnabled": enabled, "onPremisesGroupType": t})
}

// ---- Table "The property": isEnabled tri-state, onPremisesGroupType nullable string.
#[test]
fn table_the_property() {
    let rows: Vec<(serde_json::Value, Option<bool>, Option<T>, bool)> = vec![
        (json!({"isEnabled": null, "onPremisesGroupType": null}), None, None, false),
        (json!({"isEnabled": true, "onPremisesGroupType": UDG}), Some(true), Some(T::UniversalDistributionGroup), false),
        (json!({"isEnabled": false, "onPremisesGroupType": USG}), Some(false), Some(T::UniversalSecurityGroup), false),
        (json!({"isEnabled": true, "onPremisesGroupType": UMESG}), Some(true), Some(T::UniversalMailEnabledSecurityGroup), false),
        // PascalCase as the service has echoed: known, flagged as not canonical.
        (json!({"isEnabled": true, "onPremisesGroupType": "UniversalSecurityGroup"}), Some(true), Some(T::UniversalSecurityGroup), true),
        // Unknown value: kept verbatim, never guessed.
        (json!({"isEnabled": true, "onPremisesGroupType": "globalSecurityGroup"}), Some(true), Some(T::Unknown("globalSecurityGroup".into())), false),
        // Missing keys are null.
        (json!({}), None, None, false),
        (json!({"isEnabled": false}), Some(false), None, false),
        (json!(null), None, None, false),
    ];
    for (value, enabled, t, not_canonical) in rows {
        let parsed = WritebackConfiguration::from_json(Some(&value)).unwrap();
        assert_eq!(parsed.is_enabled, enabled, "{}", value);
        assert_eq!(parsed.on_premises_group_type, t, "{}", value);
        assert_eq!(parsed.type_not_canonical, not_canonical, "{}", value);
    }
    assert_eq!(WritebackConfiguration::from_json(None).unwrap(), WritebackConfiguration::default());
    // Written back in camelCase; an unknown value verbatim.
    let out = WritebackConfiguration::from_json(Some(&json!({"isEnabled": true, "onPremisesGroupType": "UNIVERSALSECURITYGROUP"}))).unwrap();
    assert_eq!(out.to_json(), json!({"isEnabled": true, "onPremisesGroupType": USG}));
    let odd = WritebackConfiguration::from_json(Some(&json!({"isEnabled": null, "onPremisesGroupType": "Weird"}))).unwrap();
    assert_eq!(odd.to_json(), json!({"isEnabled": null, "onPremisesGroupType": "Weird"}));
    // Wrong JSON types are errors that name the property.
    for bad in [json!({"isEnabled": "Boolean"}), json!({"onPremisesGroupType": 3}), json!([1])] {
        let err = WritebackConfiguration::from_json(Some(&bad)).unwrap_err().to_string();
        assert!(err.contains("writebackConfiguration"), "{}", err);
    }
}

// ---- Table "Kinds of group".
#[test]
fn table_kinds_of_group() {
    let rows = [
        ("m365", GroupKind::Microsoft365, false, false),
        ("m365-dynamic", GroupKind::Microsoft365, false, true),
        ("security", GroupKind::Security, false, false),
        ("security-dynamic", GroupKind::Security, false, true),
        ("mes", GroupKind::MailEnabledSecurity, false, false),
        ("dl", GroupKind::Distribution, false, false),
        ("synced-security", GroupKind::Security, true, false),
        ("synced-m365", GroupKind::Microsoft365, true, false),
        ("unknown", GroupKind::Undetermined, false, false),
    ];
    for (kind, expected, synced, dynamic) in rows {
        let g = group(kind, json!(null));
        assert_eq!(g.kind(), expected, "{}", kind);
        assert_eq!(g.is_synced(), synced, "{}", kind);
        assert_eq!(g.is_dynamic(), dynamic, "{}", kind);
    }
    // Unified wins over the security/mail flags; neither flag set is undetermined.
    let g = Group::from_json(&json!({"groupTypes": ["unified"], "securityEnabled": true, "mailEnabled": true})).unwrap();
    assert_eq!(g.kind(), GroupKind::Microsoft365);
    let g = Group::from_json(&json!({"securityEnabled": false, "mailEnabled": false})).unwrap();
    assert_eq!(g.kind(), GroupKind::Undetermined);
}

// ---- Table "What each kind may be written back as".
#[test]
fn table_allowed_types_per_kind() {
    let rows: [(&str, &[&str]); 6] = [
        ("m365", &[UDG, USG, UMESG]),
        ("security", &[USG]),
        ("mes", &[]),
        ("dl", &[]),
        ("synced-security", &[]),
        ("synced-m365", &[]),
    ];
    for (kind, allowed) in rows {
        let g = group(kind, wb(json!(false), json!(null)));
        for t in [UDG, USG, UMESG] {
            let req = ChangeRequest { is_enabled: Some(true), on_premises_group_type: Some(TypeRequest::Set(T::parse(t))), is_enabled_null: false };
            let decision = g.validate(&req);
            let is_allowed = matches!(decision, Decision::Send { .. });
            assert_eq!(is_allowed, allowed.contains(&t), "{} as {}: {:?}", kind, t, decision);
        }
    }
    assert_eq!(GroupKind::Microsoft365.allowed_types().len(), 3);
    assert_eq!(GroupKind::Security.allowed_types(), &[T::UniversalSecurityGroup]);
}

// ---- Table "The portal's view": columns and state from the Graph properties.
#[test]
fn table_portal_view() {
    // (kind, isEnabled, type, Writeback enabled column, Target type column, state)
    let rows: Vec<(&str, serde_json::Value, serde_json::Value, bool, Option<&str>, S)> = vec![
        ("m365", json!(null), json!(null), false, None, S::NoWriteback),
        ("security", json!(null), json!(null), false, None, S::NoWriteback),
        ("m365", json!(false), json!(null), false, None, S::NoWriteback),
        ("m365", json!(false), json!(USG), false, Some("Security"), S::NoWriteback),
        ("m365", json!(true), json!(UDG), true, Some("Distribution"), S::Distribution),
        ("m365", json!(true), json!(USG), true, Some("Security"), S::Security),
        ("m365", json!(true), json!(UMESG), true, Some("Mail-enabled security"), S::MailEnabledSecurity),
        ("security", json!(true), json!(USG), true, Some("Security"), S::Security),
        // Enabled with no type: the kind's default type.
        ("m365", json!(true), json!(null), true, None, S::Distribution),
        ("security", json!(true), json!(null), true, None, S::Security),
        // isEnabled null with a type: the portal's table shows it as written back.
        ("m365", json!(null), json!(UMESG), false, Some("Mail-enabled security"), S::MailEnabledSecurity),
        // An unknown type has no portal state.
        ("m365", json!(true), json!("somethingElse"), true, Some("somethingElse"), S::Unset),
    ];
    for (kind, e, t, col_enabled, col_type, state) in rows {
        let g = group(kind, wb(e.clone(), t.clone()));
        let p = g.portal();
        let label = format!("{} {} {}", kind, e, t);
        assert_eq!(p.writeback_enabled, col_enabled, "{}", label);
        assert_eq!(p.target_type.as_ref().map(|x| x.portal_name()), col_type, "{}", label);
        assert_eq!(p.state, state, "{}", label);
    }
    // And the reverse: a chosen state gives the properties to send.
    let rows = [
        (S::NoWriteback, Some(false), None),
        (S::Security, Some(true), Some(USG)),
        (S::Distribution, Some(true), Some(UDG)),
        (S::MailEnabledSecurity, Some(true), Some(UMESG)),
    ];
    for (state, enabled, t) in rows {
        let req = state.to_request().unwrap();
        assert_eq!(req.is_enabled, enabled);
        match (&req.on_premises_group_type, t) {
            (None, None) => {}
            (Some(TypeRequest::Set(x)), Some(name)) => assert_eq!(x.as_graph_str(), name),
            other => panic!("{:?}", other),
        }
    }
    assert!(S::Unset.to_request().is_none());
}

// ---- Table "Effective behaviour": every row, for both Microsoft 365 and security groups.
#[test]
fn table_effective_behaviour() {
    // (kind, isEnabled, type, written back, as, reason, caveats that must be set)
    let (yes, no, unknown) = (WrittenBack::Yes, WrittenBack::No, WrittenBack::Unknown);
    let rows: Vec<(&str, serde_json::Value, serde_json::Value, WrittenBack, Option<&str>, Reason, u32)> = vec![
        // false | any
        ("m365", json!(false), json!(null), no, None, Reason::Disabled, 0),
        ("m365", json!(false), json!(UMESG), no, None, Reason::Disabled, 0),
        ("security", json!(false), json!(null), no, None, Reason::Disabled, 0),
        ("security", json!(false), json!(USG), no, None, Reason::Disabled, 0),
        // true | set
        ("m365", json!(true), json!(USG), yes, Some(USG), Reason::EnabledWithType, 0),
        ("m365", json!(true), json!(UMESG), yes, Some(UMESG), Reason::EnabledWithType, 0),
        ("m365", json!(true), json!(UDG), yes, Some(UDG), Reason::EnabledWithType, 0),
        ("security", json!(true), json!(USG), yes, Some(USG), Reason::EnabledWithType, 0),
        // true | null → documented defaults
        ("m365", json!(true), json!(null), yes, Some(UDG), Reason::EnabledDefaultType, 0),
        ("security", json!(true), json!(null), yes, Some(USG), Reason::EnabledDefaultType, 0),
        // null | null → legacy M365 distribution (portal shows No writeback); security: documents disagree
        ("m365", json!(null), json!(null), yes, Some(UDG), Reason::LegacyMicrosoft365Default, Caveat::PortalShowsNoWriteback as u32),
        ("security", json!(null), json!(null), no, None, Reason::NotConfigured, Caveat::DocumentsDisagree as u32),
        // null | set → follow the type, flagged as unusual
        ("m365", json!(null), json!(USG), yes, Some(USG), Reason::UnsetEnabledWithType, Caveat::UnsetEnabledWithType as u32),
        ("security", json!(null), json!(USG), yes, Some(USG), Reason::UnsetEnabledWithType, Caveat::UnsetEnabledWithType as u32),
        // Not eligible sources.
        ("synced-security", json!(true), json!(USG), no, None, Reason::SyncedFromOnPremises, 0),
        ("synced-m365", json!(null), json!(null), no, None, Reason::SyncedFromOnPremises, 0),
        ("dl", json!(true), json!(UDG), no, None, Reason::KindNotEligible, 0),
        ("mes", json!(null), json!(null), no, None, Reason::KindNotEligible, 0),
        // A kind that was not read: unknown, unless writeback is off.
        ("unknown", json!(true), json!(USG), unknown, None, Reason::KindUndetermined, 0),
        ("unknown", json!(null), json!(null), unknown, None, Reason::KindUndetermined, 0),
        ("unknown", json!(false), json!(USG), no, None, Reason::Disabled, 0),
        // Unusual stored values are reported.
        ("m365", json!(true), json!("UniversalSecurityGroup"), yes, Some(USG), Reason::EnabledWithType, Caveat::TypeNotCanonical as u32),
        // A type the documents do not name, or one the kind may not have:
        // what the sync engine does is unknown, and it is said so.
        ("m365", json!(true), json!("oddGroup"), unknown, None, Reason::UnknownType, Caveat::UnknownType as u32),
        ("m365", json!(true), json!("universalFooGroup"), unknown, None, Reason::UnknownType, Caveat::UnknownType as u32),
        ("m365", json!(null), json!("oddGroup"), unknown, None, Reason::UnknownType, Caveat::UnknownType as u32 | Caveat::UnsetEnabledWithType as u32),
        ("m365", json!(false), json!("oddGroup"), no, None, Reason::Disabled, Caveat::UnknownType as u32),
        ("security", json!(true), json!(UDG), unknown, None, Reason::TypeNotAllowedForKind, Caveat::TypeNotAllowedForKind as u32),
        ("security", json!(null), json!(UMESG), unknown, None, Reason::TypeNotAllowedForKind, Caveat::TypeNotAllowedForKind as u32 | Caveat::UnsetEnabledWithType as u32),
        ("security", json!(true), json!("oddGroup"), unknown, None, Reason::UnknownType, Caveat::UnknownType as u32),
    ];
    for (kind, e, t, written, as_type, reason, caveats) in rows {
        let g = group(kind, wb(e.clone(), t.clone()));
        let eff = g.effective();
        let label = format!("{} {} {}: {:?}", kind, e, t, eff);
        assert_eq!(eff.written_back, written, "{}", label);
        assert_eq!(eff.written_back_as.as_ref().map(|x| x.as_graph_str()), as_type, "{}", label);
        assert_eq!(eff.reason, reason, "{}", label);
        assert_eq!(eff.caveats & caveats, caveats, "{}", label);
        if caveats == 0 {
            assert_eq!(eff.caveats, 0, "{}", label);
        }
    }
}

// ---- Rules for changing it.
#[test]
fn table_rules_for_changing() {
    enum Want {
        Send(serde_json::Value),
        /// Sent, but the portal's state and the effective writeback stay:
        /// only the stored values become explicit.
        Explicit(serde_json::Value),
        NoChange,
        Refused(RefusalCode),
    }
    use Want::*;
    let rows: Vec<(&str, serde_json::Value, &str, Want)> = vec![
        // Choosing a type = isEnabled true + that type.
        ("m365", wb(json!(null), json!(null)), "Security", Send(json!({"writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": USG}}))),
        ("m365", wb(json!(false), json!(USG)), "Distribution", Send(json!({"writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": UDG}}))),
        ("m365", wb(json!(true), json!(UDG)), "MailEnabledSecurity", Send(json!({"writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": UMESG}}))),
        ("security", wb(json!(null), json!(null)), "Security", Send(json!({"writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": USG}}))),
        // No writeback = isEnabled false, the type left alone (it cannot be reset).
        ("m365", wb(json!(true), json!(USG)), "NoWriteback", Send(json!({"writebackConfiguration": {"isEnabled": false}}))),
        // The legacy null/null M365 group IS written back: No writeback must be sent.
        ("m365", wb(json!(null), json!(null)), "NoWriteback", Send(json!({"writebackConfiguration": {"isEnabled": false}}))),
        // Not written back per the portal document, but the documents
        // disagree: the explicit false settles it.
        ("security", wb(json!(null), json!(null)), "NoWriteback", Explicit(json!({"writebackConfiguration": {"isEnabled": false}}))),
        // Already the state the portal shows and the effective writeback,
        // but stored with a null: sent, to make it explicit.
        ("security", wb(json!(null), json!(USG)), "Security", Explicit(json!({"writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": USG}}))),
        ("security", wb(json!(true), json!(null)), "Security", Explicit(json!({"writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": USG}}))),
        ("m365", wb(json!(true), json!(null)), "Distribution", Explicit(json!({"writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": UDG}}))),
        ("m365", wb(json!(null), json!(UMESG)), "MailEnabledSecurity", Explicit(json!({"writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": UMESG}}))),
        // The legacy M365 default: the portal shows No writeback either way,
        // but the effective writeback changes, so this is a real change.
        ("m365", wb(json!(null), json!(null)), "Distribution", Send(json!({"writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": UDG}}))),
        // An unknown stored type made known: a real change.
        ("m365", wb(json!(true), json!("universalFooGroup")), "Distribution", Send(json!({"writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": UDG}}))),
        // Already in place: no change, nothing sent.
        ("m365", wb(json!(true), json!(USG)), "Security", NoChange),
        ("m365", wb(json!(true), json!("UniversalSecurityGroup")), "Security", NoChange),
        ("m365", wb(json!(false), json!(UDG)), "NoWriteback", NoChange),
        ("security", wb(json!(false), json!(null)), "NoWriteback", NoChange),
        // A security group may only be written back as security.
        ("security", wb(json!(null), json!(null)), "Distribution", Refused(RefusalCode::TypeNotAllowedForKind)),
        ("security", wb(json!(null), json!(null)), "MailEnabledSecurity", Refused(RefusalCode::TypeNotAllowedForKind)),
        // Ineligible sources.
        ("synced-security", wb(json!(null), json!(null)), "Security", Refused(RefusalCode::SyncedFromOnPremises)),
        ("synced-m365", wb(json!(true), json!(UDG)), "NoWriteback", Refused(RefusalCode::SyncedFromOnPremises)),
        ("dl", wb(json!(null), json!(null)), "Distribution", Refused(RefusalCode::DistributionGroupNotEligible)),
        ("mes", wb(json!(null), json!(null)), "Security", Refused(RefusalCode::MailEnabledSecurityGroupNotEligible)),
        ("unknown", wb(json!(null), json!(null)), "Security", Refused(RefusalCode::KindUndetermined)),
    ];
    for (kind, config, state, want) in rows {
        let g = group(kind, config.clone());
        let d = g.validate_state(S::parse(state).unwrap());
        let label = format!("{} {} → {}: {:?}", kind, config, state, d);
        match (want, &d) {
            (Send(body), Decision::Send { body: got, makes_explicit: false, .. }) => assert_eq!(got, &body, "{}", label),
            (Explicit(body), Decision::Send { body: got, makes_explicit: true, .. }) => {
                assert_eq!(got, &body, "{}", label);
                let summary = describe_change(&g, &d);
                assert!(summary.contains("makes the stored value explicit"), "{}: {}", label, summary);
            }
            (NoChange, Decision::NoChange) => {}
            (Refused(code), Decision::Refused(r)) => {
                assert_eq!(r.code, code, "{}", label);
                assert!(r.message.contains(&format!("{} group", kind)) || code == RefusalCode::UnknownType, "{}", label);
            }
            _ => panic!("unexpected decision: {}", label),
        }
    }
}

#[test]
fn requests_as_graph_properties() {
    let m365 = group("m365", wb(json!(true), json!(UDG)));
    let sec = group("security", wb(json!(true), json!(UDG)));
    let check = |g: &Group, text: &str| g.validate(&ChangeRequest::from_json_str(text).unwrap());
    // The type cannot be reset to null.
    match check(&m365, r#"{"onPremisesGroupType": null}"#) {
        Decision::Refused(r) => assert_eq!(r.code, RefusalCode::TypeCannotBeReset),
        d => panic!("{:?}", d),
    }
    match check(&m365, r#"{"writebackConfiguration": {"isEnabled": null}}"#) {
        Decision::Refused(r) => assert_eq!(r.code, RefusalCode::IsEnabledNull),
        d => panic!("{:?}", d),
    }
    match check(&m365, r#"{}"#) {
        Decision::Refused(r) => assert_eq!(r.code, RefusalCode::InvalidRequest),
        d => panic!("{:?}", d),
    }
    match check(&m365, r#"{"onPremisesGroupType": "globalGroup"}"#) {
        Decision::Refused(r) => {
            assert_eq!(r.code, RefusalCode::UnknownType);
            assert!(r.message.contains("globalGroup"));
        }
        d => panic!("{:?}", d),
    }
    // PascalCase in a request is accepted and sent in camelCase.
    match check(&m365, r#"{"writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": "UniversalSecurityGroup"}}"#) {
        Decision::Send { body, .. } => assert_eq!(body, json!({"writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": USG}})),
        d => panic!("{:?}", d),
    }
    // Only isEnabled, as the portal docs' example sends.
    match check(&m365, r#"{"writebackConfiguration": {"isEnabled": false}}"#) {
        Decision::Send { body, after, .. } => {
            assert_eq!(body, json!({"writebackConfiguration": {"isEnabled": false}}));
            assert_eq!(after.on_premises_group_type, Some(T::UniversalDistributionGroup));
        }
        d => panic!("{:?}", d),
    }
    // Enabling a security group whose stored type is not allowed is refused.
    match check(&sec, r#"{"isEnabled": true}"#) {
        Decision::Refused(r) => assert_eq!(r.code, RefusalCode::TypeNotAllowedForKind),
        d => panic!("{:?}", d),
    }
    // OData annotations beside the wrapper are ignored, as SDKs send them.
    match check(&m365, r##"{"@odata.type": "#microsoft.graph.group", "writebackConfiguration": {"isEnabled": false}}"##) {
        Decision::Send { body, .. } => assert_eq!(body, json!({"writebackConfiguration": {"isEnabled": false}})),
        d => panic!("{:?}", d),
    }
    // Null for a type that was never set resets nothing: it is not refused.
    let unset = group("m365", wb(json!(true), json!(null)));
    match check(&unset, r#"{"isEnabled": false, "onPremisesGroupType": null}"#) {
        Decision::Send { body, .. } => assert_eq!(body, json!({"writebackConfiguration": {"isEnabled": false}})),
        d => panic!("{:?}", d),
    }
    assert_eq!(check(&unset, r#"{"onPremisesGroupType": null}"#), Decision::NoChange);
    // Malformed requests are errors, not decisions.
    for bad in ["not json", "[1]", r#"{"isEnabled": "yes"}"#, r#"{"colour": "blue"}"#, r#"{"writebackConfiguration": 4}"#] {
        assert!(ChangeRequest::from_json_str(bad).is_err(), "{}", bad);
    }
}
