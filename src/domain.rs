//! The writeback rules of Microsoft Entra ID groups, as the service defines
//! them: the group's kind, the portal's view, the effective behaviour and
//! the validation of a requested change. No I/O happens here.
//!
//! Every table in this module follows the project's domain brief; where
//! Microsoft's own documents disagree, the result carries a [`Caveat`]
//! instead of silently choosing one reading.

use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;

/// `onPremisesGroupType`: what the group becomes in on-premises Active
/// Directory. The service types it as a plain string, so a value outside the
/// documented three is kept verbatim as [`OnPremisesGroupType::Unknown`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OnPremisesGroupType {
    UniversalDistributionGroup,
    UniversalSecurityGroup,
    UniversalMailEnabledSecurityGroup,
    /// A value the documentation does not name, exactly as read.
    Unknown(String),
}

impl OnPremisesGroupType {
    /// The three documented values, in the documented order.
    pub const KNOWN: [OnPremisesGroupType; 3] = [
        OnPremisesGroupType::UniversalDistributionGroup,
        OnPremisesGroupType::UniversalSecurityGroup,
        OnPremisesGroupType::UniversalMailEnabledSecurityGroup,
    ];

    /// Parses a value case-insensitively (the service has echoed
    /// `UniversalSecurityGroup`); anything else is kept as `Unknown`.
    pub fn parse(raw: &str) -> Self {
        for known in Self::KNOWN.iter() {
            if known.as_graph_str().eq_ignore_ascii_case(raw) {
                return known.clone();
            }
        }
        OnPremisesGroupType::Unknown(raw.to_string())
    }

    /// The value to send: documented camelCase for a known value, the
    /// original text for an unknown one.
    pub fn as_graph_str(&self) -> &str {
        match self {
            OnPremisesGroupType::Unknown(raw) => raw,
            known => known.code().graph_name(),
        }
    }

    pub fn is_known(&self) -> bool {
        !matches!(self, OnPremisesGroupType::Unknown(_))
    }

    /// The portal's name for this target type ("Security", ...).
    pub fn portal_name(&self) -> &str {
        match self {
            OnPremisesGroupType::UniversalDistributionGroup => "Distribution",
            OnPremisesGroupType::UniversalSecurityGroup => "Security",
            OnPremisesGroupType::UniversalMailEnabledSecurityGroup => "Mail-enabled security",
            OnPremisesGroupType::Unknown(raw) => raw,
        }
    }

    /// The portal state that selects this type, if it is a known type.
    pub fn state(&self) -> Option<WritebackState> {
        match self {
            OnPremisesGroupType::UniversalDistributionGroup => Some(WritebackState::Distribution),
            OnPremisesGroupType::UniversalSecurityGroup => Some(WritebackState::Security),
            OnPremisesGroupType::UniversalMailEnabledSecurityGroup => {
                Some(WritebackState::MailEnabledSecurity)
            }
            OnPremisesGroupType::Unknown(_) => None,
        }
    }

    /// The C enum code of this value.
    pub fn code(&self) -> OnPremisesTypeCode {
        match self {
            OnPremisesGroupType::UniversalDistributionGroup => OnPremisesTypeCode::UniversalDistribution,
            OnPremisesGroupType::UniversalSecurityGroup => OnPremisesTypeCode::UniversalSecurity,
            OnPremisesGroupType::UniversalMailEnabledSecurityGroup => {
                OnPremisesTypeCode::UniversalMailEnabledSecurity
            }
            OnPremisesGroupType::Unknown(_) => OnPremisesTypeCode::Unknown,
        }
    }
}

impl fmt::Display for OnPremisesGroupType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_graph_str())
    }
}

/// `onPremisesGroupType` as a number, for callers that need no JSON.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OnPremisesTypeCode {
    /// `null`: no type stored.
    Unset = 0,
    UniversalDistribution = 1,
    UniversalSecurity = 2,
    UniversalMailEnabledSecurity = 3,
    /// A value the documentation does not name (read the raw text).
    Unknown = 4,
}

impl OnPremisesTypeCode {
    /// The documented camelCase value; "" for `Unset` and `Unknown`.
    pub fn graph_name(self) -> &'static str {
        match self {
            OnPremisesTypeCode::UniversalDistribution => "universalDistributionGroup",
            OnPremisesTypeCode::UniversalSecurity => "universalSecurityGroup",
            OnPremisesTypeCode::UniversalMailEnabledSecurity => "universalMailEnabledSecurityGroup",
            OnPremisesTypeCode::Unset | OnPremisesTypeCode::Unknown => "",
        }
    }
}

/// A JSON `true`/`false`/`null` (or absent) value.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TriState {
    /// `null` or absent: never configured.
    Unset = 0,
    False = 1,
    True = 2,
}

impl TriState {
    pub fn from_option(value: Option<bool>) -> Self {
        match value {
            None => TriState::Unset,
            Some(false) => TriState::False,
            Some(true) => TriState::True,
        }
    }
    pub fn as_option(self) -> Option<bool> {
        match self {
            TriState::Unset => None,
            TriState::False => Some(false),
            TriState::True => Some(true),
        }
    }
}

/// `group.writebackConfiguration` (`microsoft.graph.groupWritebackConfiguration`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WritebackConfiguration {
    /// `isEnabled`: `None` is JSON `null`, "never configured".
    pub is_enabled: Option<bool>,
    /// `onPremisesGroupType`: `None` is JSON `null`.
    pub on_premises_group_type: Option<OnPremisesGroupType>,
    /// The stored type was not in the documented camelCase (e.g. PascalCase).
    pub type_not_canonical: bool,
}

impl WritebackConfiguration {
    pub fn new(is_enabled: Option<bool>, on_premises_group_type: Option<OnPremisesGroupType>) -> Self {
        WritebackConfiguration { is_enabled, on_premises_group_type, type_not_canonical: false }
    }

    /// Reads the JSON value of `writebackConfiguration`; `null` or a missing
    /// key means both properties are null.
    pub fn from_json(value: Option<&Value>) -> Result<Self, ParseError> {
        let obj = match value {
            None | Some(Value::Null) => return Ok(Self::default()),
            Some(Value::Object(obj)) => obj,
            Some(other) => {
                return Err(ParseError::WrongType {
                    property: "writebackConfiguration",
                    expected: "an object or null",
                    found: json_kind(other),
                })
            }
        };
        let is_enabled = match obj.get("isEnabled") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                return Err(ParseError::WrongType {
                    property: "writebackConfiguration.isEnabled",
                    expected: "true, false or null",
                    found: json_kind(other),
                })
            }
        };
        let (on_premises_group_type, type_not_canonical) = match obj.get("onPremisesGroupType") {
            None | Some(Value::Null) => (None, false),
            Some(Value::String(s)) => {
                let t = OnPremisesGroupType::parse(s);
                let not_canonical = t.is_known() && t.as_graph_str() != s;
                (Some(t), not_canonical)
            }
            Some(other) => {
                return Err(ParseError::WrongType {
                    property: "writebackConfiguration.onPremisesGroupType",
                    expected: "a string or null",
                    found: json_kind(other),
                })
            }
        };
        Ok(WritebackConfiguration { is_enabled, on_premises_group_type, type_not_canonical })
    }

    /// Graph's JSON shape, with a known type in the documented camelCase.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.json_view()).unwrap_or_default()
    }

    /// [`WritebackConfiguration::to_json`]'s shape, serializable without
    /// building a `Value`.
    pub fn json_view(&self) -> WritebackJson<'_> {
        WritebackJson {
            is_enabled: self.is_enabled,
            on_premises_group_type: self.on_premises_group_type.as_ref().map(|t| t.as_graph_str()),
        }
    }
}

/// `writebackConfiguration` in Graph's shape (see [`WritebackConfiguration::json_view`]).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WritebackJson<'a> {
    is_enabled: Option<bool>,
    on_premises_group_type: Option<&'a str>,
}

/// A group's properties the rules read, in Graph's shape (see
/// [`Group::json_view`]).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupJson<'a> {
    id: Option<&'a str>,
    display_name: Option<&'a str>,
    group_types: &'a [String],
    security_enabled: Option<bool>,
    mail_enabled: Option<bool>,
    on_premises_sync_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    membership_rule: Option<&'a str>,
    writeback_configuration: WritebackJson<'a>,
}

impl GroupJson<'_> {
    pub fn has_membership_rule(&self) -> bool {
        self.membership_rule.is_some()
    }
}

/// What kind of group it is, from its own properties.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GroupKind {
    /// Not classified (only as a "no value" for C callers).
    Unset = 0,
    /// `groupTypes` contains `Unified`.
    Microsoft365 = 1,
    /// `securityEnabled` and not `mailEnabled`.
    Security = 2,
    /// `securityEnabled` and `mailEnabled`.
    MailEnabledSecurity = 3,
    /// `mailEnabled` and not `securityEnabled` (a cloud distribution list).
    Distribution = 4,
    /// The properties that decide the kind were not read (missing from a
    /// `$select`) or describe no known kind.
    Undetermined = 5,
}

impl GroupKind {
    pub fn name(self) -> &'static str {
        match self {
            GroupKind::Unset => "unset",
            GroupKind::Microsoft365 => "microsoft365",
            GroupKind::Security => "security",
            GroupKind::MailEnabledSecurity => "mailEnabledSecurity",
            GroupKind::Distribution => "distribution",
            GroupKind::Undetermined => "undetermined",
        }
    }
    /// The portal's words for the kind.
    pub fn display_name(self) -> &'static str {
        match self {
            GroupKind::Unset => "(unset)",
            GroupKind::Microsoft365 => "Microsoft 365",
            GroupKind::Security => "Security",
            GroupKind::MailEnabledSecurity => "Mail-enabled security",
            GroupKind::Distribution => "Distribution",
            GroupKind::Undetermined => "Undetermined",
        }
    }

    /// The on-premises types a group of this kind may be written back as.
    pub fn allowed_types(self) -> &'static [OnPremisesGroupType] {
        const M365: [OnPremisesGroupType; 3] = OnPremisesGroupType::KNOWN;
        const SECURITY: [OnPremisesGroupType; 1] = [OnPremisesGroupType::UniversalSecurityGroup];
        match self {
            GroupKind::Microsoft365 => &M365,
            GroupKind::Security => &SECURITY,
            _ => &[],
        }
    }

    /// The type written back when writeback is enabled but no type is set.
    pub fn default_type(self) -> Option<OnPremisesGroupType> {
        match self {
            GroupKind::Microsoft365 => Some(OnPremisesGroupType::UniversalDistributionGroup),
            GroupKind::Security => Some(OnPremisesGroupType::UniversalSecurityGroup),
            _ => None,
        }
    }
}

/// The portal's "Group writeback state" setting.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WritebackState {
    /// No state (a "no value" for C callers; also an unknown stored type,
    /// which the portal cannot show).
    Unset = 0,
    NoWriteback = 1,
    Security = 2,
    Distribution = 3,
    MailEnabledSecurity = 4,
}

impl WritebackState {
    pub const ALL: [WritebackState; 4] = [
        WritebackState::NoWriteback,
        WritebackState::Security,
        WritebackState::Distribution,
        WritebackState::MailEnabledSecurity,
    ];

    pub fn from_u32(n: u32) -> Option<Self> {
        match n {
            0 => Some(WritebackState::Unset),
            1 => Some(WritebackState::NoWriteback),
            2 => Some(WritebackState::Security),
            3 => Some(WritebackState::Distribution),
            4 => Some(WritebackState::MailEnabledSecurity),
            _ => None,
        }
    }

    /// The identifier used by the PowerShell module and the JSON output.
    pub fn name(self) -> &'static str {
        match self {
            WritebackState::Unset => "Unset",
            WritebackState::NoWriteback => "NoWriteback",
            WritebackState::Security => "Security",
            WritebackState::Distribution => "Distribution",
            WritebackState::MailEnabledSecurity => "MailEnabledSecurity",
        }
    }

    /// Parses [`WritebackState::name`] or the portal's words, case-insensitively.
    pub fn parse(s: &str) -> Option<Self> {
        let squashed: String =
            s.chars().filter(|c| !c.is_whitespace() && *c != '-' && *c != '_').collect();
        Self::ALL.iter().copied().find(|st| st.name().eq_ignore_ascii_case(&squashed))
    }

    /// The portal's words.
    pub fn portal_name(self) -> &'static str {
        match self {
            WritebackState::Unset => "",
            WritebackState::NoWriteback => "No writeback",
            WritebackState::Security => "Security",
            WritebackState::Distribution => "Distribution",
            WritebackState::MailEnabledSecurity => "Mail-enabled security",
        }
    }

    /// The on-premises type this state selects (`None` for No writeback).
    pub fn target_type(self) -> Option<OnPremisesGroupType> {
        match self {
            WritebackState::Security => Some(OnPremisesGroupType::UniversalSecurityGroup),
            WritebackState::Distribution => Some(OnPremisesGroupType::UniversalDistributionGroup),
            WritebackState::MailEnabledSecurity => {
                Some(OnPremisesGroupType::UniversalMailEnabledSecurityGroup)
            }
            WritebackState::NoWriteback | WritebackState::Unset => None,
        }
    }

    /// The Graph properties the portal sends for this state: a type means
    /// `isEnabled: true` and that type; No writeback means `isEnabled: false`
    /// and leaves the stored type alone (it cannot be reset to null).
    pub fn to_request(self) -> Option<ChangeRequest> {
        match self {
            WritebackState::Unset => None,
            WritebackState::NoWriteback => {
                Some(ChangeRequest { is_enabled: Some(false), ..ChangeRequest::default() })
            }
            st => Some(ChangeRequest {
                is_enabled: Some(true),
                on_premises_group_type: Some(TypeRequest::Set(st.target_type()?)),
                is_enabled_null: false,
            }),
        }
    }
}

/// A group as far as the writeback rules need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub group_types: Vec<String>,
    pub security_enabled: Option<bool>,
    pub mail_enabled: Option<bool>,
    pub on_premises_sync_enabled: Option<bool>,
    /// `membershipRule`: set for dynamic groups (kept to show it).
    pub membership_rule: Option<String>,
    pub writeback: WritebackConfiguration,
}

/// Why a JSON document is not a group.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the text is not valid JSON: {0}")]
    Json(String),
    #[error("expected a JSON object for a group, found {0}")]
    NotAnObject(&'static str),
    #[error("property '{property}' must be {expected}, found {found}")]
    WrongType { property: &'static str, expected: &'static str, found: &'static str },
}

/// serde_json's message, with a hint when the text starts with a byte order
/// mark (JSON text must not; Windows tools sometimes write one).
pub(crate) fn json_error_text(text: &str, e: &serde_json::Error) -> String {
    if text.starts_with('\u{feff}') {
        format!("{} (the text starts with a UTF-8 byte order mark: remove it)", e)
    } else {
        e.to_string()
    }
}

pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn opt_bool(obj: &Map<String, Value>, key: &'static str) -> Result<Option<bool>, ParseError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(ParseError::WrongType {
            property: key,
            expected: "true, false or null",
            found: json_kind(other),
        }),
    }
}

fn opt_string(obj: &Map<String, Value>, key: &'static str) -> Result<Option<String>, ParseError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ParseError::WrongType {
            property: key,
            expected: "a string or null",
            found: json_kind(other),
        }),
    }
}

impl Group {
    /// Parses a Graph group object (any `$select`; missing properties are
    /// null). Text that is not JSON, or a property of the wrong JSON type,
    /// is an error.
    pub fn from_json_str(text: &str) -> Result<Self, ParseError> {
        let value: Value = serde_json::from_str(text).map_err(|e| ParseError::Json(json_error_text(text, &e)))?;
        Self::from_json(&value)
    }

    /// The properties [`Group::from_json`] reads (and a listing selects).
    pub const PROPERTIES: [&'static str; 8] = [
        "id",
        "displayName",
        "groupTypes",
        "securityEnabled",
        "mailEnabled",
        "onPremisesSyncEnabled",
        "membershipRule",
        "writebackConfiguration",
    ];

    pub fn from_json(value: &Value) -> Result<Self, ParseError> {
        let obj = value.as_object().ok_or_else(|| ParseError::NotAnObject(json_kind(value)))?;
        let group_types = match obj.get("groupTypes") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(ParseError::WrongType {
                        property: "groupTypes",
                        expected: "an array of strings",
                        found: json_kind(other),
                    }),
                })
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(ParseError::WrongType {
                    property: "groupTypes",
                    expected: "an array of strings",
                    found: json_kind(other),
                })
            }
        };
        Ok(Group {
            id: opt_string(obj, "id")?,
            display_name: opt_string(obj, "displayName")?,
            group_types,
            security_enabled: opt_bool(obj, "securityEnabled")?,
            mail_enabled: opt_bool(obj, "mailEnabled")?,
            on_premises_sync_enabled: opt_bool(obj, "onPremisesSyncEnabled")?,
            membership_rule: opt_string(obj, "membershipRule")?,
            writeback: WritebackConfiguration::from_json(obj.get("writebackConfiguration"))?,
        })
    }

    /// Graph's JSON shape of the properties this module reads.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.json_view()).unwrap_or_default()
    }

    /// [`Group::to_json`]'s shape, serializable without building a `Value`.
    pub fn json_view(&self) -> GroupJson<'_> {
        GroupJson {
            id: self.id.as_deref(),
            display_name: self.display_name.as_deref(),
            group_types: &self.group_types,
            security_enabled: self.security_enabled,
            mail_enabled: self.mail_enabled,
            on_premises_sync_enabled: self.on_premises_sync_enabled,
            membership_rule: self.membership_rule.as_deref(),
            writeback_configuration: self.writeback.json_view(),
        }
    }

    fn has_group_type(&self, t: &str) -> bool {
        self.group_types.iter().any(|g| g.eq_ignore_ascii_case(t))
    }

    /// The group's kind from `groupTypes`, `securityEnabled` and `mailEnabled`.
    pub fn kind(&self) -> GroupKind {
        if self.has_group_type("Unified") {
            return GroupKind::Microsoft365;
        }
        match (self.security_enabled, self.mail_enabled) {
            (Some(true), Some(false)) => GroupKind::Security,
            (Some(true), Some(true)) => GroupKind::MailEnabledSecurity,
            (Some(false), Some(true)) => GroupKind::Distribution,
            _ => GroupKind::Undetermined,
        }
    }

    /// Synced from on-premises: on-premises is its source of authority.
    pub fn is_synced(&self) -> bool {
        self.on_premises_sync_enabled == Some(true)
    }

    /// Dynamic membership (does not change eligibility; worth showing):
    /// `groupTypes` has `DynamicMembership`, or a `membershipRule` was read.
    pub fn is_dynamic(&self) -> bool {
        self.has_group_type("DynamicMembership")
            || self.membership_rule.as_deref().map_or(false, |r| !r.trim().is_empty())
    }

    /// The portal's view of this group.
    pub fn portal(&self) -> PortalView {
        PortalView::of(self)
    }

    /// Whether and as what the group is really written back, and why.
    pub fn effective(&self) -> Effective {
        Effective::of(self)
    }

    /// Checks a requested change against the rules: the PATCH body to send,
    /// "no change", or a refusal.
    pub fn validate(&self, request: &ChangeRequest) -> Decision {
        validate(self, request)
    }

    /// [`Group::validate`] for a portal state.
    pub fn validate_state(&self, state: WritebackState) -> Decision {
        match state.to_request() {
            Some(req) => validate(self, &req),
            None => Decision::Refused(Refusal::new(RefusalCode::InvalidRequest, self, None)),
        }
    }

    pub(crate) fn label(&self) -> String {
        match (&self.display_name, &self.id) {
            (Some(n), Some(id)) => format!("'{}' ({})", n, id),
            (Some(n), None) => format!("'{}'", n),
            (None, Some(id)) => id.clone(),
            (None, None) => "the group".to_string(),
        }
    }
}

/// The portal's two columns and its "Group writeback state" setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortalView {
    /// Column "Writeback enabled": shown as enabled only when `isEnabled` is
    /// `true` (a legacy `null` shows as not enabled).
    pub writeback_enabled: bool,
    /// Column "Target writeback type": the stored `onPremisesGroupType`.
    pub target_type: Option<OnPremisesGroupType>,
    /// The "Group writeback state" setting on the group's page. `Unset`
    /// when the stored type is unknown to the portal.
    pub state: WritebackState,
}

impl PortalView {
    /// The portal's table: `isEnabled = false` and `null`/`null` read
    /// "No writeback"; `isEnabled = true` or `null` with a type read as that
    /// type; `true` with no type reads as the kind's default type.
    pub fn of(group: &Group) -> Self {
        let wb = &group.writeback;
        let state = match (wb.is_enabled, &wb.on_premises_group_type) {
            (Some(false), _) => WritebackState::NoWriteback,
            (None, None) => WritebackState::NoWriteback,
            (_, Some(t)) => t.state().unwrap_or(WritebackState::Unset),
            (Some(true), None) => group
                .kind()
                .default_type()
                .and_then(|t| t.state())
                .unwrap_or(WritebackState::Unset),
        };
        PortalView {
            writeback_enabled: wb.is_enabled == Some(true),
            target_type: wb.on_premises_group_type.clone(),
            state,
        }
    }
}

/// Why the group is or is not written back. The numbers are stable.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// No value (C callers only).
    Unset = 0,
    /// Synced from on-premises: on-premises is its source of authority.
    SyncedFromOnPremises = 1,
    /// Mail-enabled security and distribution groups are not written back.
    KindNotEligible = 2,
    /// `isEnabled` is `false`.
    Disabled = 3,
    /// `isEnabled` is `true` and a type is set: written back as that type.
    EnabledWithType = 4,
    /// `isEnabled` is `true` and no type: the kind's documented default.
    EnabledDefaultType = 5,
    /// Microsoft 365 group with `null`/`null`: written back as distribution
    /// (legacy behaviour), though the portal shows "No writeback".
    LegacyMicrosoft365Default = 6,
    /// Security group with `null`/`null`: not configured.
    NotConfigured = 7,
    /// `isEnabled` is `null` but a type is set: follows the type.
    UnsetEnabledWithType = 8,
    /// The properties that decide the kind were not read: whether it is
    /// written back is unknown (unless writeback is turned off).
    KindUndetermined = 9,
    /// The stored type is not a documented value: unknown.
    UnknownType = 10,
    /// The stored type is not allowed for the group's kind (a security
    /// group with a distribution type): unknown.
    TypeNotAllowedForKind = 11,
}

impl Reason {
    pub fn name(self) -> &'static str {
        match self {
            Reason::Unset => "unset",
            Reason::SyncedFromOnPremises => "syncedFromOnPremises",
            Reason::KindNotEligible => "kindNotEligible",
            Reason::Disabled => "disabled",
            Reason::EnabledWithType => "enabledWithType",
            Reason::EnabledDefaultType => "enabledDefaultType",
            Reason::LegacyMicrosoft365Default => "legacyMicrosoft365Default",
            Reason::NotConfigured => "notConfigured",
            Reason::UnsetEnabledWithType => "unsetEnabledWithType",
            Reason::KindUndetermined => "kindUndetermined",
            Reason::UnknownType => "unknownType",
            Reason::TypeNotAllowedForKind => "typeNotAllowedForKind",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Reason::Unset => "No reason.",
            Reason::SyncedFromOnPremises => "The group is synced from on-premises Active Directory, which is its source of authority; it is not written back.",
            Reason::KindNotEligible => "Mail-enabled security groups and cloud distribution groups are not written back.",
            Reason::Disabled => "Writeback is turned off (isEnabled is false).",
            Reason::EnabledWithType => "Writeback is on (isEnabled is true) with a target type set.",
            Reason::EnabledDefaultType => "Writeback is on (isEnabled is true) with no target type, so the documented default applies: distribution for a Microsoft 365 group, security for a security group.",
            Reason::LegacyMicrosoft365Default => "Writeback was never configured (isEnabled and onPremisesGroupType are null): a Microsoft 365 group is then written back as a distribution group, for compatibility with group writeback v1, although the portal shows \"No writeback\".",
            Reason::NotConfigured => "Writeback was never configured (isEnabled and onPremisesGroupType are null): per the portal's documentation a security group is then not written back.",
            Reason::UnsetEnabledWithType => "isEnabled is null but a target type is set: the group is treated as written back as that type.",
            Reason::KindUndetermined => "The group's kind cannot be determined (groupTypes, securityEnabled and mailEnabled must be read), so whether it is written back is unknown.",
            Reason::UnknownType => "Writeback is on, but the stored onPremisesGroupType is not one of the documented values: whether and as what the sync engine writes the group back is unknown. Set the state explicitly.",
            Reason::TypeNotAllowedForKind => "Writeback is on, but the stored onPremisesGroupType is not allowed for this kind of group (a security group may only be written back as universalSecurityGroup): whether and as what the sync engine writes it back is unknown. Set the state explicitly.",
        }
    }
}

/// Where the answer is uncertain or the state unusual. Flags in a `u32`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Caveat {
    /// Microsoft's documents disagree about this case (a security group with
    /// `null`/`null`: the portal document says not written back, a later
    /// Entra Connect document says written back).
    DocumentsDisagree = 1,
    /// `isEnabled` is `null` while a type is set.
    UnsetEnabledWithType = 2,
    /// The stored type is not one of the documented values.
    UnknownType = 4,
    /// The portal shows "No writeback" but the group is written back.
    PortalShowsNoWriteback = 8,
    /// The stored type is not allowed for this kind of group.
    TypeNotAllowedForKind = 16,
    /// The stored type is not in the documented camelCase (e.g. PascalCase).
    TypeNotCanonical = 32,
}

impl Caveat {
    pub const ALL: [Caveat; 6] = [
        Caveat::DocumentsDisagree,
        Caveat::UnsetEnabledWithType,
        Caveat::UnknownType,
        Caveat::PortalShowsNoWriteback,
        Caveat::TypeNotAllowedForKind,
        Caveat::TypeNotCanonical,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Caveat::DocumentsDisagree => "documentsDisagree",
            Caveat::UnsetEnabledWithType => "unsetEnabledWithType",
            Caveat::UnknownType => "unknownType",
            Caveat::PortalShowsNoWriteback => "portalShowsNoWriteback",
            Caveat::TypeNotAllowedForKind => "typeNotAllowedForKind",
            Caveat::TypeNotCanonical => "typeNotCanonical",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Caveat::DocumentsDisagree => "Microsoft's documents disagree here: the portal's group writeback page says a security group with isEnabled and onPremisesGroupType both null is not written back; a later Entra Connect document says it is. Set the state explicitly to be sure.",
            Caveat::UnsetEnabledWithType => "Unusual: isEnabled is null while onPremisesGroupType is set. Set the state explicitly to be sure.",
            Caveat::UnknownType => "The stored onPremisesGroupType is not one of the documented values (universalDistributionGroup, universalSecurityGroup, universalMailEnabledSecurityGroup); how the sync engine treats it is unknown.",
            Caveat::PortalShowsNoWriteback => "The portal shows \"No writeback\" for this group, yet it is written back.",
            Caveat::TypeNotAllowedForKind => "The stored onPremisesGroupType is not allowed for this kind of group (a security group may only be written back as universalSecurityGroup).",
            Caveat::TypeNotCanonical => "The stored onPremisesGroupType is not in the documented camelCase; it was read case-insensitively.",
        }
    }

    /// The caveats set in `flags`, in a stable order.
    pub fn from_flags(flags: u32) -> Vec<Caveat> {
        Self::ALL.iter().copied().filter(|c| flags & (*c as u32) != 0).collect()
    }
}

/// Whether a group is written back: yes, no, or unknown, when the stored
/// values or the properties read leave the sync engine's behaviour open.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WrittenBack {
    /// No value (C callers only).
    Unset = 0,
    No = 1,
    Yes = 2,
    /// The rules cannot tell: the stored type is not a documented value or
    /// not allowed for the group's kind, or the kind was not read.
    Unknown = 3,
}

impl WrittenBack {
    pub const ALL: [WrittenBack; 3] = [WrittenBack::Yes, WrittenBack::No, WrittenBack::Unknown];

    /// `"yes"`, `"no"`, `"unknown"` (and `"unset"`).
    pub fn name(self) -> &'static str {
        match self {
            WrittenBack::Unset => "unset",
            WrittenBack::No => "no",
            WrittenBack::Yes => "yes",
            WrittenBack::Unknown => "unknown",
        }
    }

    /// `true`, `false`, or `None` for unknown: the JSON value of
    /// `effective.writtenBack`.
    pub fn as_option(self) -> Option<bool> {
        match self {
            WrittenBack::Yes => Some(true),
            WrittenBack::No => Some(false),
            WrittenBack::Unknown | WrittenBack::Unset => None,
        }
    }

    /// Reads a filter value: `yes`/`true`, `no`/`false` or `unknown`, in any
    /// case.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        for (w, alias) in [(WrittenBack::Yes, "true"), (WrittenBack::No, "false"), (WrittenBack::Unknown, "unknown")] {
            if s.eq_ignore_ascii_case(w.name()) || s.eq_ignore_ascii_case(alias) {
                return Some(w);
            }
        }
        None
    }

    pub fn from_u32(n: u32) -> Option<Self> {
        match n {
            0 => Some(WrittenBack::Unset),
            1 => Some(WrittenBack::No),
            2 => Some(WrittenBack::Yes),
            3 => Some(WrittenBack::Unknown),
            _ => None,
        }
    }
}

/// The effective behaviour: whether and as what the group is written back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effective {
    pub written_back: WrittenBack,
    /// The on-premises type when written back (only with `Yes`).
    pub written_back_as: Option<OnPremisesGroupType>,
    pub reason: Reason,
    /// [`Caveat`] flags.
    pub caveats: u32,
}

impl Effective {
    /// The effective-behaviour table of the domain brief, row by row. Where
    /// the brief's table has no row (a stored type it does not document, a
    /// type not allowed for the kind, a kind that was not read) the answer
    /// is [`WrittenBack::Unknown`], never a guess.
    pub fn of(group: &Group) -> Self {
        let kind = group.kind();
        let wb = &group.writeback;
        let mut caveats = 0u32;
        if wb.type_not_canonical {
            caveats |= Caveat::TypeNotCanonical as u32;
        }
        if let Some(OnPremisesGroupType::Unknown(_)) = wb.on_premises_group_type {
            caveats |= Caveat::UnknownType as u32;
        }
        let answer = |written_back, reason, caveats| Effective { written_back, written_back_as: None, reason, caveats };
        if group.is_synced() {
            return answer(WrittenBack::No, Reason::SyncedFromOnPremises, caveats);
        }
        match kind {
            GroupKind::MailEnabledSecurity | GroupKind::Distribution => {
                return answer(WrittenBack::No, Reason::KindNotEligible, caveats)
            }
            // Turned off is off, whatever the kind.
            GroupKind::Undetermined | GroupKind::Unset if wb.is_enabled == Some(false) => {
                return answer(WrittenBack::No, Reason::Disabled, caveats)
            }
            GroupKind::Undetermined | GroupKind::Unset => {
                return answer(WrittenBack::Unknown, Reason::KindUndetermined, caveats)
            }
            GroupKind::Microsoft365 | GroupKind::Security => {}
        }
        if let Some(t) = &wb.on_premises_group_type {
            if t.is_known() && !kind.allowed_types().contains(t) {
                caveats |= Caveat::TypeNotAllowedForKind as u32;
            }
        }
        let written = |t: OnPremisesGroupType, reason, caveats| Effective {
            written_back: WrittenBack::Yes,
            written_back_as: Some(t),
            reason,
            caveats,
        };
        // A stored type the sync engine may not accept: what it does with it
        // is not documented.
        let open = |t: &OnPremisesGroupType, caveats| {
            let reason = if t.is_known() { Reason::TypeNotAllowedForKind } else { Reason::UnknownType };
            answer(WrittenBack::Unknown, reason, caveats)
        };
        match (wb.is_enabled, &wb.on_premises_group_type) {
            (Some(false), _) => answer(WrittenBack::No, Reason::Disabled, caveats),
            (_, Some(t)) if !t.is_known() || !kind.allowed_types().contains(t) => {
                let extra = if wb.is_enabled.is_none() { Caveat::UnsetEnabledWithType as u32 } else { 0 };
                open(t, caveats | extra)
            }
            (Some(true), Some(t)) => written(t.clone(), Reason::EnabledWithType, caveats),
            (Some(true), None) => {
                // kind is M365 or Security here, both have a default.
                match kind.default_type() {
                    Some(t) => written(t, Reason::EnabledDefaultType, caveats),
                    None => answer(WrittenBack::Unknown, Reason::KindUndetermined, caveats),
                }
            }
            (None, None) => match kind {
                GroupKind::Microsoft365 => written(
                    OnPremisesGroupType::UniversalDistributionGroup,
                    Reason::LegacyMicrosoft365Default,
                    caveats | Caveat::PortalShowsNoWriteback as u32,
                ),
                _ => answer(WrittenBack::No, Reason::NotConfigured, caveats | Caveat::DocumentsDisagree as u32),
            },
            (None, Some(t)) => written(
                t.clone(),
                Reason::UnsetEnabledWithType,
                caveats | Caveat::UnsetEnabledWithType as u32,
            ),
        }
    }

    pub fn caveat_list(&self) -> Vec<Caveat> {
        Caveat::from_flags(self.caveats)
    }

    /// In the portal's words: the type it is written back as
    /// ("Distribution", "Security", "Mail-enabled security"), "Not written
    /// back" or "Unknown".
    pub fn display_name(&self) -> &str {
        match (self.written_back, &self.written_back_as) {
            (WrittenBack::Yes, Some(t)) => t.portal_name(),
            (WrittenBack::No, _) => "Not written back",
            _ => "Unknown",
        }
    }
}

/// The requested value of `onPremisesGroupType`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeRequest {
    Set(OnPremisesGroupType),
    /// An explicit JSON `null`: refused, the service cannot reset it.
    ResetToNull,
}

/// A requested change of `writebackConfiguration`: `None` leaves a property
/// as it is (it is not sent).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeRequest {
    pub is_enabled: Option<bool>,
    pub on_premises_group_type: Option<TypeRequest>,
    /// The request sent `"isEnabled": null`, which validation refuses.
    pub is_enabled_null: bool,
}

/// Why a request is not acceptable as JSON.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the request is not valid JSON: {0}")]
    Json(String),
    #[error("the request must be a JSON object with isEnabled and/or onPremisesGroupType, optionally inside writebackConfiguration; found {0}")]
    Shape(String),
}

impl ChangeRequest {
    /// Reads `{"isEnabled": .., "onPremisesGroupType": ..}`, either bare or
    /// as a PATCH body (`{"writebackConfiguration": {...}}`). An explicit
    /// `"isEnabled": null` is refused at validation (`isEnabledNull`); an
    /// explicit `"onPremisesGroupType": null` is a request to reset it, which
    /// validation refuses.
    pub fn from_json_str(text: &str) -> Result<Self, RequestError> {
        let value: Value = serde_json::from_str(text).map_err(|e| RequestError::Json(json_error_text(text, &e)))?;
        let outer = value.as_object().ok_or_else(|| RequestError::Shape(json_kind(&value).into()))?;
        // A PATCH body: writebackConfiguration, perhaps beside OData annotations.
        let wrapped = outer.contains_key("writebackConfiguration")
            && outer.keys().all(|k| k == "writebackConfiguration" || k.starts_with("@odata."));
        let obj = match outer.get("writebackConfiguration") {
            Some(Value::Object(inner)) if wrapped => inner,
            Some(other) if wrapped => {
                return Err(RequestError::Shape(format!("writebackConfiguration as {}", json_kind(other))))
            }
            _ => outer,
        };
        let mut req = ChangeRequest::default();
        for (k, v) in obj {
            match (k.as_str(), v) {
                ("isEnabled", Value::Bool(b)) => req.is_enabled = Some(*b),
                ("isEnabled", Value::Null) => req.is_enabled_null = true,
                ("onPremisesGroupType", Value::String(s)) => {
                    req.on_premises_group_type = Some(TypeRequest::Set(OnPremisesGroupType::parse(s)))
                }
                ("onPremisesGroupType", Value::Null) => {
                    req.on_premises_group_type = Some(TypeRequest::ResetToNull)
                }
                ("isEnabled", other) | ("onPremisesGroupType", other) => {
                    return Err(RequestError::Shape(format!("'{}' as {}", k, json_kind(other))))
                }
                (k, _) if k.starts_with("@odata.") => {}
                (other, _) => return Err(RequestError::Shape(format!("unknown property '{}'", other))),
            }
        }
        Ok(req)
    }

    /// The PATCH body for this request (only the properties it names).
    pub fn patch_body(&self) -> Value {
        let mut inner = Map::new();
        if let Some(b) = self.is_enabled {
            inner.insert("isEnabled".into(), Value::Bool(b));
        }
        if let Some(TypeRequest::Set(t)) = &self.on_premises_group_type {
            inner.insert("onPremisesGroupType".into(), Value::String(t.as_graph_str().into()));
        }
        let mut outer = Map::new();
        outer.insert("writebackConfiguration".into(), Value::Object(inner));
        Value::Object(outer)
    }

    /// The configuration the group would have after this change.
    pub fn apply_to(&self, current: &WritebackConfiguration) -> WritebackConfiguration {
        let mut next = current.clone();
        if let Some(b) = self.is_enabled {
            next.is_enabled = Some(b);
        }
        if let Some(TypeRequest::Set(t)) = &self.on_premises_group_type {
            next.on_premises_group_type = Some(t.clone());
            next.type_not_canonical = false;
        }
        next
    }
}

/// Why a change is refused. The numbers and names are stable.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefusalCode {
    /// Not refused (C callers only).
    None = 0,
    /// Synced from on-premises: change it in on-premises AD instead.
    SyncedFromOnPremises = 1,
    /// A cloud distribution group cannot be written back.
    DistributionGroupNotEligible = 2,
    /// A mail-enabled security group cannot be written back.
    MailEnabledSecurityGroupNotEligible = 3,
    /// The kind of group cannot be determined from what was read.
    KindUndetermined = 4,
    /// The requested type is not allowed for this kind of group.
    TypeNotAllowedForKind = 5,
    /// `onPremisesGroupType` cannot be reset to null.
    TypeCannotBeReset = 6,
    /// The requested type is not one of the documented values.
    UnknownType = 7,
    /// `isEnabled` cannot be set to null.
    IsEnabledNull = 8,
    /// The request names nothing to change (or an unset state).
    InvalidRequest = 9,
}

impl RefusalCode {
    pub fn name(self) -> &'static str {
        match self {
            RefusalCode::None => "none",
            RefusalCode::SyncedFromOnPremises => "syncedFromOnPremises",
            RefusalCode::DistributionGroupNotEligible => "distributionGroupNotEligible",
            RefusalCode::MailEnabledSecurityGroupNotEligible => "mailEnabledSecurityGroupNotEligible",
            RefusalCode::KindUndetermined => "kindUndetermined",
            RefusalCode::TypeNotAllowedForKind => "typeNotAllowedForKind",
            RefusalCode::TypeCannotBeReset => "typeCannotBeReset",
            RefusalCode::UnknownType => "unknownType",
            RefusalCode::IsEnabledNull => "isEnabledNull",
            RefusalCode::InvalidRequest => "invalidRequest",
        }
    }
}

/// A refused change: the stable code and a message for an administrator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: RefusalCode,
    pub message: String,
}

impl Refusal {
    fn new(code: RefusalCode, group: &Group, requested: Option<&OnPremisesGroupType>) -> Self {
        let who = group.label();
        let req = requested.map(|t| t.as_graph_str().to_string()).unwrap_or_default();
        let message = match code {
            RefusalCode::None => String::new(),
            RefusalCode::SyncedFromOnPremises => format!(
                "{} is synced from on-premises Active Directory, which is its source of authority: it cannot be written back. Change it on-premises instead.",
                who
            ),
            RefusalCode::DistributionGroupNotEligible => format!(
                "{} is a cloud distribution group: only Microsoft 365 groups and security groups can be written back.",
                who
            ),
            RefusalCode::MailEnabledSecurityGroupNotEligible => format!(
                "{} is a mail-enabled security group: only Microsoft 365 groups and security groups can be written back.",
                who
            ),
            RefusalCode::KindUndetermined => format!(
                "The kind of {} is unknown: read groupTypes, securityEnabled and mailEnabled (include them in $select) before changing its writeback.",
                who
            ),
            RefusalCode::TypeNotAllowedForKind => format!(
                "{} is a security group: it can only be written back as universalSecurityGroup (Security), not as {}.",
                who, req
            ),
            RefusalCode::TypeCannotBeReset => format!(
                "onPremisesGroupType of {} cannot be reset to null once set: choose No writeback (isEnabled false), which keeps the type but stops writeback.",
                who
            ),
            RefusalCode::UnknownType => format!(
                "'{}' is not an on-premises group type: use universalDistributionGroup, universalSecurityGroup or universalMailEnabledSecurityGroup.",
                req
            ),
            RefusalCode::IsEnabledNull => format!(
                "isEnabled of {} cannot be set to null: use true (write back) or false (No writeback).",
                who
            ),
            RefusalCode::InvalidRequest => format!(
                "Nothing to change for {}: give a state (NoWriteback, Security, Distribution, MailEnabledSecurity) or isEnabled and/or onPremisesGroupType.",
                who
            ),
        };
        Refusal { code, message }
    }
}

/// The outcome of validating a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Send this PATCH body to `/groups/{id}`. `makes_explicit`: the portal's
    /// state and the effective writeback stay as they are, only the stored
    /// values change to say it explicitly (`isEnabled: null` becomes `true`
    /// or `false`, a missing type becomes the default one). This is sent, not
    /// skipped: where a value is null the documents disagree or call it
    /// unusual, and the explicit value settles it.
    Send { body: Value, after: WritebackConfiguration, makes_explicit: bool },
    /// The group already stores exactly the requested values: nothing to
    /// send.
    NoChange,
    Refused(Refusal),
}

/// Outcome codes for C callers.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    Unset = 0,
    Send = 1,
    NoChange = 2,
    Refused = 3,
}

impl Decision {
    pub fn outcome(&self) -> Outcome {
        match self {
            Decision::Send { .. } => Outcome::Send,
            Decision::NoChange => Outcome::NoChange,
            Decision::Refused(_) => Outcome::Refused,
        }
    }
}

fn validate(group: &Group, request: &ChangeRequest) -> Decision {
    let refuse = |code, t: Option<&OnPremisesGroupType>| Decision::Refused(Refusal::new(code, group, t));
    if request.is_enabled.is_none()
        && request.on_premises_group_type.is_none()
        && !request.is_enabled_null
    {
        return refuse(RefusalCode::InvalidRequest, None);
    }
    // The source must be eligible at all.
    if group.is_synced() {
        return refuse(RefusalCode::SyncedFromOnPremises, None);
    }
    let kind = group.kind();
    match kind {
        GroupKind::Distribution => return refuse(RefusalCode::DistributionGroupNotEligible, None),
        GroupKind::MailEnabledSecurity => {
            return refuse(RefusalCode::MailEnabledSecurityGroupNotEligible, None)
        }
        GroupKind::Undetermined | GroupKind::Unset => return refuse(RefusalCode::KindUndetermined, None),
        GroupKind::Microsoft365 | GroupKind::Security => {}
    }
    // The requested type must be known, allowed for the kind, and not null.
    match &request.on_premises_group_type {
        // Asking for null where nothing is stored changes nothing (older
        // Terraform and MSIdentityTools send this beside isEnabled).
        Some(TypeRequest::ResetToNull) if group.writeback.on_premises_group_type.is_none() => {}
        Some(TypeRequest::ResetToNull) => return refuse(RefusalCode::TypeCannotBeReset, None),
        Some(TypeRequest::Set(t)) if !t.is_known() => return refuse(RefusalCode::UnknownType, Some(t)),
        Some(TypeRequest::Set(t)) if !kind.allowed_types().contains(t) => {
            return refuse(RefusalCode::TypeNotAllowedForKind, Some(t))
        }
        _ => {}
    }
    if request.is_enabled_null {
        return refuse(RefusalCode::IsEnabledNull, None);
    }
    // What is left after the change must itself be allowed: enabling a group
    // whose stored type is unknown or not allowed for its kind is refused.
    let after = request.apply_to(&group.writeback);
    if after.is_enabled == Some(true) {
        match &after.on_premises_group_type {
            Some(t) if !t.is_known() => return refuse(RefusalCode::UnknownType, Some(t)),
            Some(t) if !kind.allowed_types().contains(t) => {
                return refuse(RefusalCode::TypeNotAllowedForKind, Some(t))
            }
            _ => {}
        }
    }
    // Already in place? Compare what would be sent with what is stored.
    let current = &group.writeback;
    let enabled_same = request.is_enabled.map_or(true, |b| current.is_enabled == Some(b));
    let type_same = match &request.on_premises_group_type {
        Some(TypeRequest::Set(t)) => current.on_premises_group_type.as_ref() == Some(t),
        _ => true,
    };
    if enabled_same && type_same {
        return Decision::NoChange;
    }
    let next = Group { writeback: after.clone(), ..group.clone() };
    let (before_eff, after_eff) = (group.effective(), next.effective());
    let makes_explicit = before_eff.written_back != WrittenBack::Unknown
        && before_eff.written_back == after_eff.written_back
        && before_eff.written_back_as == after_eff.written_back_as
        && group.portal().state == next.portal().state;
    Decision::Send { body: request.patch_body(), after, makes_explicit }
}

/// One line saying what a decision does to `group`, in the portal's words:
/// "Security -> No writeback (effective: Security -> Not written back)",
/// "Security -> Security: makes the stored value explicit (isEnabled null ->
/// true); effective writeback stays Security", "no change: ...", or the
/// refusal's message.
pub fn describe_change(group: &Group, decision: &Decision) -> String {
    let state = |g: &Group| {
        let p = g.portal();
        match (p.state, &p.target_type) {
            (WritebackState::Unset, Some(t)) => format!("'{}' (not a state the portal shows)", t.as_graph_str()),
            (WritebackState::Unset, None) => "(no state)".to_string(),
            (st, _) => st.portal_name().to_string(),
        }
    };
    let eff = |g: &Group| g.effective().display_name().to_string();
    match decision {
        Decision::Refused(r) => r.message.clone(),
        Decision::NoChange => format!("no change: already {} (effective: {})", state(group), eff(group)),
        Decision::Send { after, makes_explicit, .. } => {
            let next = Group { writeback: after.clone(), ..group.clone() };
            if *makes_explicit {
                let show_bool = |b: Option<bool>| b.map_or("null".to_string(), |b| b.to_string());
                let show_type = |t: &Option<OnPremisesGroupType>| {
                    t.as_ref().map_or("null".to_string(), |t| t.as_graph_str().to_string())
                };
                let (a, b) = (&group.writeback, after);
                let mut changed = Vec::new();
                if a.is_enabled != b.is_enabled {
                    changed.push(format!("isEnabled {} -> {}", show_bool(a.is_enabled), show_bool(b.is_enabled)));
                }
                if a.on_premises_group_type != b.on_premises_group_type {
                    changed.push(format!(
                        "onPremisesGroupType {} -> {}",
                        show_type(&a.on_premises_group_type),
                        show_type(&b.on_premises_group_type)
                    ));
                }
                format!(
                    "{} -> {}: makes the stored value explicit ({}); the effective writeback stays {}",
                    state(group),
                    state(&next),
                    changed.join(", "),
                    eff(group)
                )
            } else {
                format!("{} -> {} (effective: {} -> {})", state(group), state(&next), eff(group), eff(&next))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_types_parse_case_insensitively_and_write_camel_case() {
        for t in OnPremisesGroupType::KNOWN.iter() {
            let s = t.as_graph_str();
            assert_eq!(&OnPremisesGroupType::parse(&s.to_uppercase()), t);
            let pascal = format!("{}{}", s[..1].to_uppercase(), &s[1..]);
            assert_eq!(&OnPremisesGroupType::parse(&pascal), t);
        }
        let odd = OnPremisesGroupType::parse("globalSecurityGroup");
        assert_eq!(odd, OnPremisesGroupType::Unknown("globalSecurityGroup".into()));
        assert_eq!(odd.as_graph_str(), "globalSecurityGroup");
    }

    #[test]
    fn state_names_parse_from_identifiers_and_portal_words() {
        assert_eq!(WritebackState::parse("No writeback"), Some(WritebackState::NoWriteback));
        assert_eq!(WritebackState::parse("mail-enabled security"), Some(WritebackState::MailEnabledSecurity));
        assert_eq!(WritebackState::parse("security"), Some(WritebackState::Security));
        assert_eq!(WritebackState::parse("Unset"), None);
        assert_eq!(WritebackState::parse(""), None);
    }
}
