//! The real bodies from Microsoft's documentation (tests/fixtures/, each with
//! a note naming its source) parse as the rules expect.

use group_writeback::domain::{ChangeRequest, Decision, Group, GroupKind, OnPremisesGroupType, Reason, WrittenBack};
use serde_json::Value;
use std::path::PathBuf;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {}", path.display(), e))
}

fn json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

#[test]
fn single_group_bodies_parse_and_classify() {
    let rows = [
        ("graph-docs/beta-group-get-default-properties.json", GroupKind::Microsoft365, Reason::LegacyMicrosoft365Default),
        ("graph-docs/beta-group-post-role-assignable-m365-response.json", GroupKind::Microsoft365, Reason::LegacyMicrosoft365Default),
        ("graph-docs/beta-group-post-security-group-response.json", GroupKind::Security, Reason::NotConfigured),
        // No writebackConfiguration key at all: treated as null/null.
        ("graph-docs/beta-group-post-unified-response-no-writeback.json", GroupKind::Microsoft365, Reason::LegacyMicrosoft365Default),
    ];
    for (name, kind, reason) in rows {
        let g = Group::from_json_str(&fixture(name)).unwrap();
        assert!(g.id.is_some(), "{}", name);
        assert_eq!(g.kind(), kind, "{}", name);
        assert_eq!(g.writeback.is_enabled, None, "{}", name);
        assert_eq!(g.effective().reason, reason, "{}", name);
    }
}

#[test]
fn every_listed_group_parses() {
    let mut seen = 0;
    for name in [
        "graph-docs/beta-group-list-default.json",
        "graph-docs/beta-group-list-count-filter-select.json",
        "graph-docs/beta-group-list-search-count.json",
        "graph-docs/beta-group-list-startswith-top-count.json",
        "graph-docs/beta-group-list-dynamic-filter-select.json",
        "graph-docs/beta-group-list-licenses-expand.json",
        "graph-docs/beta-group-delta-nextlink.json",
    ] {
        let body = json(name);
        let items = body["value"].as_array().unwrap_or_else(|| panic!("{} has no value array", name));
        for item in items {
            let g = Group::from_json(item).unwrap_or_else(|e| panic!("{}: {}", name, e));
            // Selected bodies without the kind's properties are undetermined,
            // and then never guessed: unknown, or not written back when
            // writeback is off.
            if g.kind() == GroupKind::Undetermined {
                let want = if g.writeback.is_enabled == Some(false) { WrittenBack::No } else { WrittenBack::Unknown };
                assert_eq!(g.effective().written_back, want);
            }
            seen += 1;
        }
    }
    assert!(seen >= 7, "only {} groups in the list fixtures", seen);
    for name in [
        "graph-docs/beta-group-get-dynamic-select.json",
        "graph-docs/beta-group-get-select-nondefault.json",
        "graph-docs/beta-group-get-select-isManagementRestricted.json",
    ] {
        Group::from_json_str(&fixture(name)).unwrap_or_else(|e| panic!("{}: {}", name, e));
    }
}

#[test]
fn dynamic_membership_is_shown() {
    let body = json("graph-docs/beta-group-list-dynamic-filter-select.json");
    let dynamic = body["value"].as_array().unwrap().iter().map(|v| Group::from_json(v).unwrap()).filter(|g| g.is_dynamic()).count();
    assert!(dynamic >= 1);
}

#[test]
fn resource_representations_are_not_groups() {
    // The docs' type sketches hold placeholder strings such as "Boolean".
    // The group sketch happens to be well typed (onPremisesSyncEnabled: true).
    let sketch = Group::from_json_str(&fixture("graph-docs/beta-resource-group-json-representation.json")).unwrap();
    assert_eq!(sketch.effective().reason, Reason::SyncedFromOnPremises);
    let wb = json("graph-docs/beta-resource-groupwritebackconfiguration-json-representation.json");
    let err = group_writeback::domain::WritebackConfiguration::from_json(Some(&wb)).unwrap_err();
    assert!(err.to_string().contains("isEnabled"), "{}", err);
}

#[test]
fn patch_examples_as_sent_by_real_clients() {
    let m365 = Group::from_json_str(&fixture("graph-docs/beta-group-get-default-properties.json")).unwrap();
    // PascalCase from a real client: understood, sent in camelCase.
    let req = ChangeRequest::from_json_str(&fixture("patch-examples/msgraph-metadata-332-patch-body.json")).unwrap();
    match m365.validate(&req) {
        Decision::Send { body, .. } => {
            assert_eq!(body["writebackConfiguration"]["onPremisesGroupType"], "universalSecurityGroup");
            assert_eq!(body["writebackConfiguration"]["isEnabled"], true);
        }
        d => panic!("{:?}", d),
    }
    assert_eq!(
        OnPremisesGroupType::parse("UniversalSecurityGroup"),
        OnPremisesGroupType::UniversalSecurityGroup
    );
    // Only isEnabled: the legacy null/null M365 group must be sent false.
    let req = ChangeRequest::from_json_str(&fixture("patch-examples/entra-docs-disable-m365-writeback-patch-body.json")).unwrap();
    match m365.validate(&req) {
        Decision::Send { body, .. } => assert_eq!(body, serde_json::json!({"writebackConfiguration": {"isEnabled": false}})),
        d => panic!("{:?}", d),
    }
    // The posted payload that is not JSON is rejected cleanly.
    let bad = fixture("patch-examples/terraform-934-hamilton-196-payload-NOT-VALID-JSON.txt");
    assert!(ChangeRequest::from_json_str(&bad).is_err());
    assert!(Group::from_json_str(&bad).is_err());
    let fragment = fixture("patch-examples/entra-docs-graph-explorer-response-fragment.txt");
    assert!(Group::from_json_str(&fragment).is_err());
}
