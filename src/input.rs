//! Reading a group from whatever a caller holds: Graph's own JSON, or the
//! properties of an object from another tool written out as JSON (the Graph
//! SDK's PascalCase objects with their `AdditionalProperties`, objects read
//! with `ConvertFrom-Json`, dictionaries, this library's own explained
//! groups). This is the one place that knows which of an object's
//! properties the rules read; a caller only writes out what it has.

use crate::domain::{json_kind, Group};
use serde::Serialize;
use serde_json::{Map, Value};

/// The properties that must be present, and not null, for a group to be
/// judged without reading it again: the kind (`securityEnabled`,
/// `mailEnabled`; `groupTypes` may be absent, read as no types) and the
/// stored configuration. The Graph SDK's objects have every property, null
/// when it was not selected, so a null here means "not read".
const NEEDED_TO_JUDGE: [&str; 3] = ["securityEnabled", "mailEnabled", "writebackConfiguration"];

/// The inner properties of `writebackConfiguration`.
const WRITEBACK_PROPERTIES: [&str; 2] = ["isEnabled", "onPremisesGroupType"];

/// What an object holds of a group.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupInput {
    /// Any of the rules' properties was found.
    pub is_group: bool,
    /// Everything the rules need is there, not null: the group can be
    /// judged without reading it from Graph.
    pub complete: bool,
    /// The group in Graph's shape, the rules' properties only (camelCase
    /// names); null when it is not a group.
    pub group: Option<Value>,
    /// The group's id, when it has one that is text.
    pub id: Option<String>,
    /// Its display name, else its id: a name for messages.
    pub name: Option<String>,
    /// The properties the rules read, for a message saying what a group
    /// looks like.
    pub properties: &'static [&'static str],
}

/// A key of `obj` equal to `name` in any letter case: Graph's camelCase and
/// the SDK's PascalCase both match. An exact match wins.
fn get_ci<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

/// `name` on the object itself, or, when missing or null there, in its
/// `AdditionalProperties` (where the Graph SDK keeps what its model lacks,
/// such as beta's `writebackConfiguration`).
fn lookup<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    let own = get_ci(obj, name);
    if matches!(own, Some(v) if !v.is_null()) {
        return own;
    }
    let extra = match get_ci(obj, "additionalProperties") {
        Some(Value::Object(extra)) => get_ci(extra, name),
        _ => None,
    };
    extra.or(own)
}

/// Reads the group an object holds. `value` is the object written out as
/// JSON, its property names as they were (any letter case).
pub fn read_object(value: &Value) -> GroupInput {
    let mut out = GroupInput {
        is_group: false,
        complete: false,
        group: None,
        id: None,
        name: None,
        properties: &Group::PROPERTIES,
    };
    let obj = match value {
        Value::Object(obj) => obj,
        _ => return out,
    };
    let mut graph = Map::new();
    for name in Group::PROPERTIES.iter() {
        let found = match lookup(obj, name) {
            Some(v) => v,
            None => continue,
        };
        let v = match (*name, found) {
            // One group type given as text rather than a list.
            ("groupTypes", Value::String(s)) => Value::Array(vec![Value::String(s.clone())]),
            ("writebackConfiguration", Value::Object(wb)) => {
                let mut inner = Map::new();
                for p in WRITEBACK_PROPERTIES.iter() {
                    if let Some(v) = get_ci(wb, p) {
                        inner.insert((*p).to_string(), v.clone());
                    }
                }
                Value::Object(inner)
            }
            (_, v) => v.clone(),
        };
        graph.insert((*name).to_string(), v);
    }
    if graph.is_empty() {
        return out;
    }
    out.is_group = true;
    out.complete = NEEDED_TO_JUDGE.iter().all(|p| graph.get(*p).map_or(false, |v| !v.is_null()));
    out.id = graph.get("id").and_then(Value::as_str).map(str::to_string);
    out.name = graph
        .get("displayName")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| out.id.clone());
    out.group = Some(Value::Object(graph));
    out
}

/// [`read_object`] for JSON text; text that is not JSON is an error in
/// serde's words.
pub fn read_object_text(text: &str) -> Result<GroupInput, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| crate::domain::json_error_text(text, &e))?;
    Ok(read_object(&value))
}

/// Why `value` is not a group, for a message: "a string", "an object with
/// none of the properties ...".
pub fn not_a_group(value: &Value) -> String {
    match value {
        Value::Object(_) => format!("an object with none of the properties {}", Group::PROPERTIES.join(", ")),
        other => json_kind(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_sdk_shape_is_read_with_its_additional_properties() {
        // Get-MgBetaGroup: PascalCase, every property present (null when not
        // selected), beta's writebackConfiguration in AdditionalProperties.
        let sdk = json!({
            "Id": "g1", "DisplayName": "Sales", "GroupTypes": ["Unified"], "SecurityEnabled": false,
            "MailEnabled": true, "OnPremisesSyncEnabled": null, "MembershipRule": "user.dept -eq \"x\"",
            "Mail": "sales@contoso.com", "AdditionalProperties": {
                "writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": "universalSecurityGroup", "@odata.type": "x"}
            }
        });
        let r = read_object(&sdk);
        assert!(r.is_group && r.complete);
        assert_eq!(r.name.as_deref(), Some("Sales"));
        assert_eq!(
            r.group.unwrap(),
            json!({"id": "g1", "displayName": "Sales", "groupTypes": ["Unified"], "securityEnabled": false,
                   "mailEnabled": true, "onPremisesSyncEnabled": null, "membershipRule": "user.dept -eq \"x\"",
                   "writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": "universalSecurityGroup"}})
        );
    }

    #[test]
    fn missing_or_null_kind_properties_make_it_incomplete() {
        let r = read_object(&json!({"Id": "g1", "DisplayName": "x", "SecurityEnabled": null, "MailEnabled": false,
                                    "AdditionalProperties": {}}));
        assert!(r.is_group && !r.complete);
        let r = read_object(&json!({"id": "g1"}));
        assert!(r.is_group && !r.complete);
        assert_eq!(r.name.as_deref(), Some("g1"));
    }

    #[test]
    fn a_single_group_type_and_camel_case_dictionaries_are_read() {
        let r = read_object(&json!({"groupTypes": "Unified", "securityEnabled": false, "mailEnabled": true,
                                    "writebackConfiguration": {"IsEnabled": null, "OnPremisesGroupType": null}}));
        assert!(r.complete);
        assert_eq!(r.group.as_ref().unwrap()["groupTypes"], json!(["Unified"]));
        assert_eq!(r.group.as_ref().unwrap()["writebackConfiguration"], json!({"isEnabled": null, "onPremisesGroupType": null}));
    }

    #[test]
    fn what_is_not_a_group_says_so() {
        for v in [json!("text"), json!(42), json!([1]), json!(null), json!({"ProcessName": "pwsh", "Id2": 1})] {
            let r = read_object(&v);
            assert!(!r.is_group && r.group.is_none(), "{}", v);
        }
        assert!(not_a_group(&json!({})).contains("writebackConfiguration"));
        assert_eq!(not_a_group(&json!(3)), "a number");
    }
}
