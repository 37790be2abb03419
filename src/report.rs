//! JSON views of the rules' answers, shared by the C ABI, the demo and the
//! PowerShell module: a group with its portal columns and effective
//! behaviour, and a validation decision.

use crate::domain::{describe_change, Decision, Group, GroupJson, ParseError};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The group in Graph's shape, plus `kind`, `isSynced`, `isDynamic`,
/// `portal` (the two columns and the state) and `effective` (whether and as
/// what it is written back, the reason and the caveats).
pub fn explain(group: &Group) -> Value {
    serde_json::to_value(GroupView::of(group)).unwrap_or_default()
}

/// [`explain`]'s view, serializable straight into text.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupView<'a> {
    #[serde(flatten)]
    graph: GroupJson<'a>,
    kind: &'static str,
    kind_display_name: &'static str,
    is_synced: bool,
    is_dynamic: bool,
    portal: PortalJson,
    effective: EffectiveJson,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PortalJson {
    writeback_enabled: bool,
    target_writeback_type: Option<String>,
    state: &'static str,
    state_display_name: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EffectiveJson {
    /// `null` when unknown.
    written_back: Option<bool>,
    written_back_as: Option<String>,
    display_name: String,
    reason: &'static str,
    explanation: &'static str,
    caveats: Vec<CaveatJson>,
}

#[derive(Serialize)]
struct CaveatJson {
    code: &'static str,
    message: &'static str,
}

impl<'a> GroupView<'a> {
    /// Every key the view writes, but `membershipRule` (written only when
    /// the group has one). A test checks the list against the view.
    const KEYS: [&'static str; 13] = [
        "id",
        "displayName",
        "groupTypes",
        "securityEnabled",
        "mailEnabled",
        "onPremisesSyncEnabled",
        "writebackConfiguration",
        "kind",
        "kindDisplayName",
        "isSynced",
        "isDynamic",
        "portal",
        "effective",
    ];

    pub fn of(group: &'a Group) -> Self {
        let kind = group.kind();
        let portal = group.portal();
        let eff = group.effective();
        GroupView {
            graph: group.json_view(),
            kind: kind.name(),
            kind_display_name: kind.display_name(),
            is_synced: group.is_synced(),
            is_dynamic: group.is_dynamic(),
            portal: PortalJson {
                writeback_enabled: portal.writeback_enabled,
                target_writeback_type: portal.target_type.as_ref().map(|t| t.portal_name().to_string()),
                state: portal.state.name(),
                state_display_name: portal.state.portal_name(),
            },
            effective: EffectiveJson {
                written_back: eff.written_back.as_option(),
                written_back_as: eff.written_back_as.as_ref().map(|t| t.as_graph_str().to_string()),
                display_name: eff.display_name().to_string(),
                reason: eff.reason.name(),
                explanation: eff.reason.describe(),
                caveats: eff
                    .caveat_list()
                    .into_iter()
                    .map(|c| CaveatJson { code: c.name(), message: c.describe() })
                    .collect(),
            },
        }
    }

    /// Every key an explained group may have of its own, as a JSON array
    /// (the view's keys and `membershipRule`): any other key of an explained
    /// group is a property the caller selected, passed through.
    pub fn own_keys_json() -> String {
        let mut keys: Vec<&str> = Self::KEYS.to_vec();
        keys.push("membershipRule");
        serde_json::to_string(&keys).unwrap_or_else(|_| "[]".into())
    }

    /// Whether the view writes `key`, so that a passed-through property of
    /// the same name is left out.
    pub fn has_key(&self, key: &str) -> bool {
        Self::KEYS.contains(&key) || (key == "membershipRule" && self.graph.has_membership_rule())
    }
}

/// One JSON object's properties as they were sent, each value kept as its
/// JSON text: a group from a page is explained and passed on without being
/// rebuilt as a `Value`. The last of repeated keys wins, as in a
/// `serde_json::Map`.
pub struct RawObject<'a> {
    props: BTreeMap<Cow<'a, str>, &'a RawValue>,
}

/// A key, borrowed from the text unless it has escapes.
#[derive(serde::Deserialize)]
struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'de> Deserialize<'de> for RawObject<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawObject<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut props = BTreeMap::new();
                while let Some(Key(k)) = map.next_key()? {
                    let v: &'de RawValue = map.next_value()?;
                    props.insert(k, v);
                }
                Ok(RawObject { props })
            }
        }
        d.deserialize_map(V)
    }
}

impl<'a> RawObject<'a> {
    /// Reads `item` and the group the rules see in it, with
    /// [`Group::from_json`]'s errors (also when `item` is not an object).
    pub fn parse(item: &'a str) -> Result<(Self, Group), ParseError> {
        let obj: RawObject = serde_json::from_str(item).map_err(|e| not_a_group(item, &e))?;
        let group = obj.group()?;
        Ok((obj, group))
    }

    /// The group the rules see in this object, with the same errors as
    /// [`Group::from_json`] (which reads only the properties it knows, so
    /// only those are parsed).
    pub fn group(&self) -> Result<Group, ParseError> {
        let mut known = Map::new();
        for key in Group::PROPERTIES.iter() {
            if let Some(raw) = self.props.get(*key) {
                let v: Value = serde_json::from_str(raw.get()).map_err(|e| ParseError::Json(e.to_string()))?;
                known.insert((*key).to_string(), v);
            }
        }
        Group::from_json(&Value::Object(known))
    }

    /// Appends the group's explained view to `out`, followed by this
    /// object's other properties (the ones the view does not write, OData
    /// annotations left out) exactly as they were sent.
    pub fn write_explained(&self, group: &Group, out: &mut Vec<u8>) {
        let start = out.len();
        let view = GroupView::of(group);
        if serde_json::to_writer(&mut *out, &view).is_err() || out.last() != Some(&b'}') {
            // Not reachable with these types; an empty object beats a torn one.
            out.truncate(start);
            out.extend_from_slice(b"{}");
            return;
        }
        out.pop();
        for (k, v) in &self.props {
            if k.starts_with("@odata") || view.has_key(k) {
                continue;
            }
            out.push(b',');
            if serde_json::to_writer(&mut *out, k.as_ref()).is_err() {
                out.extend_from_slice(b"\"\"");
            }
            out.push(b':');
            out.extend_from_slice(v.get().as_bytes());
        }
        out.push(b'}');
    }
}

/// Why `item`, which [`RawObject`] could not read, is not a group: in
/// [`Group::from_json`]'s words when it is JSON but not an object.
fn not_a_group(item: &str, e: &serde_json::Error) -> ParseError {
    match serde_json::from_str::<Value>(item) {
        Ok(v) => Group::from_json(&v).err().unwrap_or_else(|| ParseError::Json(e.to_string())),
        Err(_) => ParseError::Json(e.to_string()),
    }
}

/// A group object as Graph sent it (`item`), explained: the view of
/// [`explain`] merged over the object, so properties the caller selected
/// pass through.
pub fn explain_text(item: &str) -> Result<String, ParseError> {
    let (obj, group) = RawObject::parse(item)?;
    let mut out = Vec::with_capacity(item.len() + 1024);
    obj.write_explained(&group, &mut out);
    String::from_utf8(out).map_err(|e| ParseError::Json(e.to_string()))
}

/// `{"outcome": "send"|"noChange"|"refused", "makesExplicit": bool,
///   "body": {...}|null, "after": {...}|null, "summary": "...",
///   "refusal": {"code", "message"}|null}`; `summary` is
/// [`describe_change`]'s line.
pub fn decision(group: &Group, d: &Decision) -> Value {
    let summary = describe_change(group, d);
    match d {
        Decision::Send { body, after, makes_explicit } => json!({
            "outcome": "send",
            "makesExplicit": makes_explicit,
            "body": body,
            "after": after.to_json(),
            "summary": summary,
            "refusal": null,
        }),
        Decision::NoChange => json!({"outcome": "noChange", "makesExplicit": false, "body": null, "after": null, "summary": summary, "refusal": null}),
        Decision::Refused(r) => json!({
            "outcome": "refused",
            "makesExplicit": false,
            "body": null,
            "after": null,
            "summary": summary,
            "refusal": {"code": r.code.name(), "message": r.message},
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys a passed-through property must not repeat are the keys the
    /// view really writes.
    #[test]
    fn view_keys_are_the_keys_the_view_writes() {
        let mut group = Group::from_json(&json!({"groupTypes": ["Unified"], "securityEnabled": false, "mailEnabled": true})).unwrap();
        for rule in [None, Some("user.department -eq \"x\"")] {
            group.membership_rule = rule.map(str::to_string);
            let view = GroupView::of(&group);
            let written: Vec<String> = match explain(&group) {
                Value::Object(m) => m.keys().cloned().collect(),
                other => panic!("not an object: {}", other),
            };
            let mut expected: Vec<String> = GroupView::KEYS.iter().map(|k| k.to_string()).collect();
            if rule.is_some() {
                expected.push("membershipRule".into());
            }
            let mut sorted = written.clone();
            sorted.sort();
            expected.sort();
            assert_eq!(sorted, expected);
            assert!(written.iter().all(|k| view.has_key(k)));
            assert_eq!(view.has_key("membershipRule"), rule.is_some());
            assert!(!view.has_key("mail"));
        }
    }
}
