//! Property tests: the portal state ↔ Graph properties round trip, and the
//! parsing of what the library writes.

use group_writeback::domain::{
    Decision, Group, GroupKind, OnPremisesGroupType, WritebackConfiguration, WritebackState, WrittenBack,
};
use proptest::prelude::*;

fn any_type() -> impl Strategy<Value = Option<OnPremisesGroupType>> {
    prop_oneof![
        Just(None),
        Just(Some(OnPremisesGroupType::UniversalDistributionGroup)),
        Just(Some(OnPremisesGroupType::UniversalSecurityGroup)),
        Just(Some(OnPremisesGroupType::UniversalMailEnabledSecurityGroup)),
        "[a-zA-Z]{1,24}".prop_map(|s| Some(OnPremisesGroupType::parse(&s))),
    ]
}

fn any_config() -> impl Strategy<Value = WritebackConfiguration> {
    (prop::option::of(any::<bool>()), any_type())
        .prop_map(|(e, t)| WritebackConfiguration::new(e, t))
}

fn any_group() -> impl Strategy<Value = Group> {
    (
        prop::sample::select(vec!["m365", "security", "mes", "dl", "none"]),
        prop::option::of(any::<bool>()),
        any::<bool>(),
        any_config(),
        "[ -~]{0,30}",
    )
        .prop_map(|(kind, synced, dynamic, writeback, name)| {
            let mut types = Vec::new();
            let (sec, mail) = match kind {
                "m365" => {
                    types.push("Unified".to_string());
                    (Some(false), Some(true))
                }
                "security" => (Some(true), Some(false)),
                "mes" => (Some(true), Some(true)),
                "dl" => (Some(false), Some(true)),
                _ => (None, None),
            };
            if dynamic {
                types.push("DynamicMembership".to_string());
            }
            Group {
                id: Some("11111111-2222-3333-4444-555555555555".into()),
                display_name: Some(name),
                group_types: types,
                security_enabled: sec,
                mail_enabled: mail,
                on_premises_sync_enabled: synced,
                membership_rule: None,
                writeback,
            }
        })
}

fn with_config(g: &Group, c: WritebackConfiguration) -> Group {
    Group { writeback: c, ..g.clone() }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Setting a state, then reading the portal view back, gives that state;
    /// the effective behaviour agrees; setting it again is "no change".
    #[test]
    fn state_round_trips_through_the_properties(g in any_group(), st in prop::sample::select(WritebackState::ALL.to_vec())) {
        let eligible = !g.is_synced() && matches!(g.kind(), GroupKind::Microsoft365 | GroupKind::Security);
        let allowed = eligible && match st.target_type() {
            None => true,
            Some(t) => g.kind().allowed_types().contains(&t),
        };
        let after = match g.validate_state(st) {
            Decision::Refused(r) => {
                // Refused exactly when the rules forbid it.
                prop_assert!(!allowed, "refused {:?}: {:?}", st, r);
                return Ok(());
            }
            Decision::NoChange => g.writeback.clone(),
            Decision::Send { after, .. } => after,
        };
        prop_assert!(allowed, "accepted {:?} for {:?}", st, g);
        let g2 = with_config(&g, after);
        prop_assert_eq!(g2.portal().state, st);
        let eff = g2.effective();
        match st.target_type() {
            None => prop_assert_eq!(eff.written_back, WrittenBack::No),
            Some(t) => {
                prop_assert_eq!(eff.written_back, WrittenBack::Yes);
                prop_assert_eq!(eff.written_back_as, Some(t));
            }
        }
        prop_assert_eq!(g2.validate_state(st), Decision::NoChange);
    }

    /// "Written back" is said only where the documents say it: never for a
    /// type they do not name or the kind may not have, never for a kind
    /// that was not read; and "written back as" is given exactly then.
    #[test]
    fn written_back_is_never_a_guess(g in any_group()) {
        let eff = g.effective();
        match eff.written_back {
            WrittenBack::Yes => {
                let t = eff.written_back_as.clone().expect("a type when written back");
                prop_assert!(t.is_known(), "{:?}", eff);
                prop_assert!(g.kind().allowed_types().contains(&t), "{:?} {:?}", g.kind(), eff);
                prop_assert!(!g.is_synced());
                prop_assert_ne!(g.writeback.is_enabled, Some(false));
            }
            WrittenBack::No => prop_assert!(eff.written_back_as.is_none()),
            WrittenBack::Unknown => {
                prop_assert!(eff.written_back_as.is_none());
                prop_assert_eq!(eff.display_name(), "Unknown");
            }
            WrittenBack::Unset => prop_assert!(false, "Unset is never an answer"),
        }
        // A change that only makes values explicit leaves both views as they are.
        for st in WritebackState::ALL {
            if let Decision::Send { after, makes_explicit: true, .. } = g.validate_state(st) {
                let g2 = with_config(&g, after);
                prop_assert_eq!(g2.portal().state, g.portal().state);
                prop_assert_eq!(g2.effective().written_back, eff.written_back);
                prop_assert_eq!(g2.effective().written_back_as, eff.written_back_as.clone());
            }
        }
    }

    /// What the library writes, it reads back unchanged.
    #[test]
    fn group_json_round_trips(g in any_group()) {
        let back = Group::from_json(&g.to_json()).unwrap();
        prop_assert_eq!(back, g);
    }

    /// Known types parse whatever their case; unknown ones are kept verbatim.
    #[test]
    fn type_names_parse_case_insensitively(raw in "[a-zA-Z]{0,40}", flips in prop::collection::vec(any::<bool>(), 40)) {
        for t in OnPremisesGroupType::KNOWN.iter() {
            let mixed: String = t.as_graph_str().chars().zip(flips.iter().cycle())
                .map(|(c, f)| if *f { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }).collect();
            prop_assert_eq!(&OnPremisesGroupType::parse(&mixed), t);
        }
        let parsed = OnPremisesGroupType::parse(&raw);
        if parsed.is_known() {
            prop_assert!(parsed.as_graph_str().eq_ignore_ascii_case(&raw));
        } else {
            prop_assert_eq!(parsed.as_graph_str(), raw.as_str());
        }
    }

    /// Arbitrary text never panics the parsers.
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = Group::from_json_str(&text);
        let _ = group_writeback::domain::ChangeRequest::from_json_str(&text);
    }
}

/// The reference for a listed group: the object as sent, OData annotations
/// left out, with `report::explain`'s view merged over it.
fn merged_reference(item: &serde_json::Value, g: &Group) -> serde_json::Value {
    let mut out = item.as_object().cloned().unwrap_or_default();
    out.retain(|k, _| !k.starts_with("@odata"));
    if let serde_json::Value::Object(v) = group_writeback::report::explain(g) {
        out.extend(v);
    }
    serde_json::Value::Object(out)
}

fn extra_props() -> impl Strategy<Value = Vec<(String, serde_json::Value)>> {
    prop::collection::vec(
        (
            prop_oneof![
                Just("@odata.type".to_string()),
                Just("members@odata.bind".to_string()),
                Just("mail".to_string()),
                Just("membershipRule".to_string()),
                Just("displayName".to_string()),
                Just("kind".to_string()),
                Just("quote\"and\\slash".to_string()),
                "[a-zA-Z]{1,12}",
            ],
            prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::from),
                any::<i64>().prop_map(serde_json::Value::from),
                "[ -~\u{e9}\u{1f600}]{0,20}".prop_map(serde_json::Value::from),
                Just(serde_json::json!({"a": [1, {"b": null}]})),
            ],
        ),
        0..6,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A listed group is written straight into the page's text; it is the
    /// same JSON as the explained view merged over the object as sent.
    #[test]
    fn streamed_explanation_equals_the_merged_view(g in any_group(), extra in extra_props(), rule in prop::option::of("[ -~]{0,20}")) {
        let mut item = g.to_json();
        if let Some(r) = rule {
            item["membershipRule"] = serde_json::Value::from(r);
        }
        for (k, v) in extra {
            item[k.as_str()] = v;
        }
        let parsed = match Group::from_json(&item) {
            Ok(p) => p,
            Err(e) => {
                // Bad input: both paths refuse it alike.
                let streamed = group_writeback::report::explain_text(&item.to_string()).unwrap_err();
                prop_assert_eq!(streamed, e);
                return Ok(());
            }
        };
        let streamed = group_writeback::report::explain_text(&item.to_string()).unwrap();
        let streamed: serde_json::Value = serde_json::from_str(&streamed).unwrap();
        prop_assert_eq!(streamed, merged_reference(&item, &parsed));
    }
}

#[test]
fn streamed_explanation_refuses_what_is_not_a_group() {
    use group_writeback::domain::ParseError;
    use group_writeback::report::explain_text;
    assert_eq!(explain_text("[1]").unwrap_err(), ParseError::NotAnObject("an array"));
    assert_eq!(explain_text("\"x\"").unwrap_err(), ParseError::NotAnObject("a string"));
    assert!(matches!(explain_text("{\"id\":").unwrap_err(), ParseError::Json(_)));
    assert!(matches!(explain_text(r#"{"groupTypes": "Unified"}"#).unwrap_err(), ParseError::WrongType { property: "groupTypes", .. }));
    // The last of a repeated key wins, as in a parsed object.
    let v: serde_json::Value = serde_json::from_str(&explain_text(r#"{"mail":"a","mail":"b","groupTypes":["Unified"]}"#).unwrap()).unwrap();
    assert_eq!(v["mail"], "b");
    assert_eq!(v["kind"], "microsoft365");
}
