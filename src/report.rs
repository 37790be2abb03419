//! JSON views of the rules' answers, shared by the C ABI, the demo and the
//! PowerShell module: a group with its portal columns and effective
//! behaviour, and a validation decision.

use crate::domain::{Decision, Group};
use serde_json::{json, Map, Value};

/// The group in Graph's shape, plus `kind`, `isSynced`, `isDynamic`,
/// `portal` (the two columns and the state) and `effective` (whether and as
/// what it is written back, the reason and the caveats).
pub fn explain(group: &Group) -> Value {
    let mut obj = match group.to_json() {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let kind = group.kind();
    let portal = group.portal();
    let eff = group.effective();
    obj.insert("kind".into(), json!(kind.name()));
    obj.insert("kindDisplayName".into(), json!(kind.display_name()));
    obj.insert("isSynced".into(), json!(group.is_synced()));
    obj.insert("isDynamic".into(), json!(group.is_dynamic()));
    obj.insert(
        "portal".into(),
        json!({
            "writebackEnabled": portal.writeback_enabled,
            "targetWritebackType": portal.target_type.as_ref().map(|t| t.portal_name().to_string()),
            "state": portal.state.name(),
            "stateDisplayName": portal.state.portal_name(),
        }),
    );
    let caveats: Vec<Value> = eff
        .caveat_list()
        .into_iter()
        .map(|c| json!({"code": c.name(), "message": c.describe()}))
        .collect();
    obj.insert(
        "effective".into(),
        json!({
            "writtenBack": eff.written_back,
            "writtenBackAs": eff.written_back_as.as_ref().map(|t| t.as_graph_str().to_string()),
            "reason": eff.reason.name(),
            "explanation": eff.reason.describe(),
            "caveats": caveats,
        }),
    );
    Value::Object(obj)
}

/// `{"outcome": "send"|"noChange"|"refused", "body": {...}|null,
///   "refusal": {"code", "message"}|null}`.
pub fn decision(d: &Decision) -> Value {
    match d {
        Decision::Send { body, after } => json!({
            "outcome": "send",
            "body": body,
            "after": after.to_json(),
            "refusal": null,
        }),
        Decision::NoChange => json!({"outcome": "noChange", "body": null, "after": null, "refusal": null}),
        Decision::Refused(r) => json!({
            "outcome": "refused",
            "body": null,
            "after": null,
            "refusal": {"code": r.code.name(), "message": r.message},
        }),
    }
}
