//! The tenant's groups: compact storage, seeded generation, Graph JSON
//! rendering, and the tenant file (load and save).

use crate::util::{fmt_guid, iso_utc, parse_guid, parse_iso, SeededRng};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::io::Write;

pub type Text = Cow<'static, str>;

/// How `mail` is stored: derived from `mailNickname` and the tenant's
/// domain (generated groups), or as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mail {
    None,
    Derived,
    Explicit(Box<str>),
}

/// One group, as small as it can be for half a million of them. Properties
/// that follow from others (mail, proxyAddresses, securityIdentifier, the
/// on-premises names of a synced group) are computed when rendered; any
/// other property read from a tenant file is kept in `extra`.
#[derive(Clone, Debug)]
pub struct StoredGroup {
    pub id: u128,
    pub display_name: Box<str>,
    pub description: Option<Text>,
    pub mail_nickname: Option<Box<str>>,
    pub mail: Mail,
    pub group_types: Vec<Text>,
    pub security_enabled: Option<bool>,
    pub mail_enabled: Option<bool>,
    pub on_premises_sync_enabled: Option<bool>,
    pub membership_rule: Option<Text>,
    pub membership_rule_processing_state: Option<Text>,
    pub created: i64,
    pub wb_enabled: Option<bool>,
    /// The stored `onPremisesGroupType`, verbatim (the service echoes the
    /// casing it was given).
    pub wb_type: Option<Text>,
    pub extra: Option<Box<Map<String, Value>>>,
}

/// Which API version renders the group: v1.0 has no writebackConfiguration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiVersion {
    Beta,
    V1,
}

impl ApiVersion {
    pub fn segment(self) -> &'static str {
        match self {
            ApiVersion::Beta => "beta",
            ApiVersion::V1 => "v1.0",
        }
    }
}

/// The properties returned without `$select`, in Graph's order.
pub const DEFAULT_PROPS: &[&str] = &[
    "id",
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "creationOptions",
    "description",
    "displayName",
    "expirationDateTime",
    "groupTypes",
    "isAssignableToRole",
    "mail",
    "mailEnabled",
    "mailNickname",
    "membershipRule",
    "membershipRuleProcessingState",
    "onPremisesDomainName",
    "onPremisesLastSyncDateTime",
    "onPremisesNetBiosName",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "preferredDataLocation",
    "preferredLanguage",
    "proxyAddresses",
    "renewedDateTime",
    "resourceBehaviorOptions",
    "resourceProvisioningOptions",
    "securityEnabled",
    "securityIdentifier",
    "theme",
    "visibility",
    "writebackConfiguration",
    "onPremisesProvisioningErrors",
    "serviceProvisioningErrors",
];

/// Other group properties that `$select` may name (null unless a tenant
/// file gave a value).
pub const OTHER_PROPS: &[&str] = &[
    "accessType",
    "allowExternalSenders",
    "assignedLabels",
    "assignedLicenses",
    "autoSubscribeNewMembers",
    "createdByAppId",
    "hasMembersWithLicenseErrors",
    "hideFromAddressLists",
    "hideFromOutlookClients",
    "infoCatalogs",
    "isFavorite",
    "isManagementRestricted",
    "isSubscribedByMail",
    "licenseProcessingState",
    "membershipRuleProcessingStatus",
    "organizationId",
    "unseenConversationsCount",
    "unseenCount",
    "unseenMessagesCount",
];

/// The canonical spelling of a group property (names are case-insensitive
/// in `$select`), if the version has it.
pub fn canonical_prop(name: &str, version: ApiVersion) -> Option<&'static str> {
    let found = DEFAULT_PROPS.iter().chain(OTHER_PROPS.iter()).find(|p| p.eq_ignore_ascii_case(name))?;
    if version == ApiVersion::V1 && *found == "writebackConfiguration" {
        return None;
    }
    Some(found)
}

/// Properties kept as fields of [`StoredGroup`] (never in `extra`).
const MODELED: &[&str] = &[
    "id",
    "displayName",
    "description",
    "mailNickname",
    "mail",
    "groupTypes",
    "securityEnabled",
    "mailEnabled",
    "onPremisesSyncEnabled",
    "membershipRule",
    "membershipRuleProcessingState",
    "createdDateTime",
    "writebackConfiguration",
];

pub struct Tenant {
    pub tenant_id: String,
    pub domain: String,
    /// Sorted by id: paging order, binary-searched lookups.
    pub groups: Vec<StoredGroup>,
}

impl Tenant {
    pub fn new(tenant_id: String, domain: String) -> Self {
        Tenant { tenant_id, domain, groups: Vec::new() }
    }

    pub fn index_of(&self, id: u128) -> Option<usize> {
        self.groups.binary_search_by(|g| g.id.cmp(&id)).ok()
    }

    pub fn get(&self, id: u128) -> Option<&StoredGroup> {
        self.index_of(id).map(|i| &self.groups[i])
    }

    pub fn get_mut(&mut self, id: u128) -> Option<&mut StoredGroup> {
        self.index_of(id).map(move |i| &mut self.groups[i])
    }

    /// The first index whose id is greater than `id`.
    pub fn after(&self, id: u128) -> usize {
        self.groups.partition_point(|g| g.id <= id)
    }

    pub fn sort(&mut self) {
        self.groups.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        self.groups.dedup_by(|a, b| a.id == b.id);
    }
}

impl StoredGroup {
    pub fn is_unified(&self) -> bool {
        self.group_types.iter().any(|t| t.eq_ignore_ascii_case("Unified"))
    }

    pub fn has_group_type(&self, t: &str) -> bool {
        self.group_types.iter().any(|g| g.eq_ignore_ascii_case(t))
    }

    pub fn mail_value(&self, domain: &str) -> Option<String> {
        match &self.mail {
            Mail::None => None,
            Mail::Explicit(m) => Some(m.to_string()),
            Mail::Derived => self.mail_nickname.as_ref().map(|n| format!("{}@{}", n, domain)),
        }
    }

    pub fn writeback_json(&self) -> Value {
        json!({
            "isEnabled": self.wb_enabled,
            "onPremisesGroupType": self.wb_type.as_deref(),
        })
    }

    fn cloud_sid(&self) -> String {
        let b = self.id.to_be_bytes();
        let a = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        let bb = ((u16::from_be_bytes([b[6], b[7]]) as u32) << 16) | u16::from_be_bytes([b[4], b[5]]) as u32;
        let c = u32::from_le_bytes([b[8], b[9], b[10], b[11]]);
        let d = u32::from_le_bytes([b[12], b[13], b[14], b[15]]);
        format!("S-1-12-1-{}-{}-{}-{}", a, bb, c, d)
    }

    fn synced(&self) -> bool {
        self.on_premises_sync_enabled == Some(true)
    }

    /// The value of one property (canonical name), before `extra` is
    /// consulted.
    fn derived(&self, name: &str, domain: &str) -> Value {
        let opt_text = |t: &Option<Text>| t.as_ref().map(|s| Value::String(s.to_string())).unwrap_or(Value::Null);
        match name {
            "id" => Value::String(fmt_guid(self.id)),
            "createdDateTime" | "renewedDateTime" => Value::String(iso_utc(self.created)),
            "description" => opt_text(&self.description),
            "displayName" => Value::String(self.display_name.to_string()),
            "groupTypes" => Value::Array(self.group_types.iter().map(|t| Value::String(t.to_string())).collect()),
            "mail" => self.mail_value(domain).map(Value::String).unwrap_or(Value::Null),
            "mailEnabled" => json!(self.mail_enabled),
            "mailNickname" => json!(self.mail_nickname.as_deref()),
            "membershipRule" => opt_text(&self.membership_rule),
            "membershipRuleProcessingState" => opt_text(&self.membership_rule_processing_state),
            "securityEnabled" => json!(self.security_enabled),
            "onPremisesSyncEnabled" => json!(self.on_premises_sync_enabled),
            "securityIdentifier" => Value::String(self.cloud_sid()),
            "writebackConfiguration" => self.writeback_json(),
            "proxyAddresses" => {
                let mut v = Vec::new();
                if let Some(m) = self.mail_value(domain) {
                    v.push(Value::String(format!("SMTP:{}", m)));
                    if self.is_unified() {
                        if let Some(n) = &self.mail_nickname {
                            let initial = domain.split('.').next().unwrap_or("tenant");
                            v.push(Value::String(format!("smtp:{}@{}.onmicrosoft.com", n, initial)));
                        }
                    }
                }
                Value::Array(v)
            }
            "visibility" => {
                if self.is_unified() {
                    Value::String(if self.id & 1 == 0 { "Public" } else { "Private" }.into())
                } else {
                    Value::Null
                }
            }
            "onPremisesDomainName" if self.synced() => Value::String("corp.contoso.com".into()),
            "onPremisesNetBiosName" if self.synced() => Value::String("CORP".into()),
            "onPremisesSamAccountName" if self.synced() => json!(self.mail_nickname.as_deref()),
            "onPremisesSecurityIdentifier" if self.synced() => Value::String(format!(
                "S-1-5-21-1004336348-1177238915-682003330-{}",
                1000 + (self.id % 900_000) as u64
            )),
            "onPremisesLastSyncDateTime" if self.synced() => Value::String(iso_utc(self.created + 3600)),
            "resourceBehaviorOptions"
            | "resourceProvisioningOptions"
            | "onPremisesProvisioningErrors"
            | "serviceProvisioningErrors"
            | "creationOptions"
            | "infoCatalogs" => Value::Array(Vec::new()),
            _ => Value::Null,
        }
    }

    /// The value of a property as Graph returns it.
    pub fn prop(&self, name: &str, domain: &str) -> Value {
        if let Some(extra) = &self.extra {
            if let Some(v) = extra.get(name) {
                return v.clone();
            }
        }
        self.derived(name, domain)
    }

    /// The group with the given properties (all defaults when `None`).
    pub fn render(&self, select: Option<&[&'static str]>, version: ApiVersion, domain: &str) -> Map<String, Value> {
        let mut obj = Map::new();
        match select {
            Some(props) => {
                obj.insert("id".into(), Value::String(fmt_guid(self.id)));
                for p in props {
                    obj.insert((*p).to_string(), self.prop(p, domain));
                }
            }
            None => {
                for p in DEFAULT_PROPS {
                    if version == ApiVersion::V1 && *p == "writebackConfiguration" {
                        continue;
                    }
                    obj.insert((*p).to_string(), self.prop(p, domain));
                }
            }
        }
        obj
    }

    /// The stored state, as the tenant file holds it.
    pub fn to_file_json(&self, domain: &str) -> Value {
        let mut obj = Map::new();
        for p in MODELED {
            obj.insert((*p).to_string(), self.derived(p, domain));
        }
        if let Some(extra) = &self.extra {
            for (k, v) in extra.iter() {
                obj.insert(k.clone(), v.clone());
            }
        }
        Value::Object(obj)
    }

    /// Reads a Graph group object from a tenant file.
    pub fn from_file_json(v: &Value, domain: &str) -> Result<StoredGroup, String> {
        let obj = v.as_object().ok_or("a group must be a JSON object")?;
        // Graph's JSON types of the modelled properties (the service's
        // schema, not any rule about writeback).
        let id_text = match obj.get("id") {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => return Err("a group needs an id".into()),
            Some(_) => return Err("a group's 'id' must be a string".into()),
        };
        let id = parse_guid(&id_text).ok_or_else(|| format!("group id '{}' is not a GUID", id_text))?;
        let text = |key: &str| -> Result<Option<Text>, String> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(Cow::Owned(s.clone()))),
                Some(_) => Err(format!("group {}: '{}' must be a string or null", id_text, key)),
            }
        };
        let flag = |from: &Map<String, Value>, key: &str, what: &str| -> Result<Option<bool>, String> {
            match from.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Bool(b)) => Ok(Some(*b)),
                Some(_) => Err(format!("group {}: '{}{}' must be true, false or null", id_text, what, key)),
            }
        };
        let group_types: Vec<Text> = match obj.get("groupTypes") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|t| match t {
                    Value::String(s) => Ok(Cow::Owned(s.clone())),
                    _ => Err(format!("group {}: 'groupTypes' must be an array of strings", id_text)),
                })
                .collect::<Result<_, String>>()?,
            Some(_) => return Err(format!("group {}: 'groupTypes' must be an array of strings", id_text)),
        };
        let empty = Map::new();
        let wb = match obj.get("writebackConfiguration") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(w)) => w,
            Some(_) => return Err(format!("group {}: 'writebackConfiguration' must be an object or null", id_text)),
        };
        let wb_type = match wb.get("onPremisesGroupType") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(Cow::Owned(s.clone())),
            Some(_) => {
                return Err(format!("group {}: 'writebackConfiguration.onPremisesGroupType' must be a string or null", id_text))
            }
        };
        let wb_enabled = flag(wb, "isEnabled", "writebackConfiguration.")?;
        let created = match obj.get("createdDateTime") {
            Some(Value::String(s)) => parse_iso(s).ok_or_else(|| format!("group {}: bad createdDateTime", id_text))?,
            _ => 1_577_836_800,
        };
        let mut g = StoredGroup {
            id,
            display_name: text("displayName")?.map(|t| t.into_owned()).unwrap_or_default().into_boxed_str(),
            description: text("description")?,
            mail_nickname: text("mailNickname")?.map(|t| t.into_owned().into_boxed_str()),
            mail: Mail::None,
            group_types,
            security_enabled: flag(obj, "securityEnabled", "")?,
            mail_enabled: flag(obj, "mailEnabled", "")?,
            on_premises_sync_enabled: flag(obj, "onPremisesSyncEnabled", "")?,
            membership_rule: text("membershipRule")?,
            membership_rule_processing_state: text("membershipRuleProcessingState")?,
            created,
            wb_enabled,
            wb_type,
            extra: None,
        };
        if let Some(m) = text("mail")? {
            g.mail = Mail::Derived;
            if g.mail_value(domain).as_deref() != Some(&*m) {
                g.mail = Mail::Explicit(m.into_owned().into_boxed_str());
            }
        }
        let mut extra = Map::new();
        for (k, val) in obj {
            if MODELED.contains(&k.as_str()) || k.starts_with("@odata.") {
                continue;
            }
            if &g.derived(k, domain) != val {
                extra.insert(k.clone(), val.clone());
            }
        }
        if !extra.is_empty() {
            g.extra = Some(Box::new(extra));
        }
        Ok(g)
    }
}

// ------------------------------------------------------------ generation

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    M365,
    Security,
    MailSecurity,
    Distribution,
}

#[derive(Clone, Copy)]
struct Spec {
    kind: Kind,
    synced: bool,
    dynamic: bool,
    enabled: Option<bool>,
    wb_type: Option<&'static str>,
}

const UDG: &str = "universalDistributionGroup";
const USG: &str = "universalSecurityGroup";
const UMESG: &str = "universalMailEnabledSecurityGroup";
const UDG_P: &str = "UniversalDistributionGroup";
const USG_P: &str = "UniversalSecurityGroup";
const UMESG_P: &str = "UniversalMailEnabledSecurityGroup";
/// A value outside the documented three, as a stored anomaly.
pub const UNKNOWN_TYPE: &str = "globalSecurityGroup";

const fn spec(kind: Kind, synced: bool, dynamic: bool, enabled: Option<bool>, wb_type: Option<&'static str>) -> Spec {
    Spec { kind, synced, dynamic, enabled, wb_type }
}

/// Every kind and writeback state appears in the first groups generated,
/// so even a small tenant has all of them.
const CATALOGUE: &[Spec] = &[
    spec(Kind::M365, false, false, None, None),
    spec(Kind::M365, false, false, Some(false), None),
    spec(Kind::M365, false, false, Some(false), Some(UDG)),
    spec(Kind::M365, false, false, Some(true), Some(UDG)),
    spec(Kind::M365, false, false, Some(true), Some(USG)),
    spec(Kind::M365, false, false, Some(true), Some(UMESG)),
    spec(Kind::M365, false, false, Some(true), None),
    spec(Kind::M365, false, false, None, Some(USG)),
    spec(Kind::M365, false, false, Some(true), Some(USG_P)),
    spec(Kind::M365, false, false, Some(true), Some(UDG_P)),
    spec(Kind::M365, false, false, Some(true), Some(UMESG_P)),
    spec(Kind::M365, false, false, Some(true), Some(UNKNOWN_TYPE)),
    spec(Kind::M365, false, true, None, None),
    spec(Kind::Security, false, false, None, None),
    spec(Kind::Security, false, false, Some(false), None),
    spec(Kind::Security, false, false, Some(false), Some(USG)),
    spec(Kind::Security, false, false, Some(true), Some(USG)),
    spec(Kind::Security, false, false, Some(true), None),
    spec(Kind::Security, false, false, None, Some(USG)),
    spec(Kind::Security, false, false, Some(true), Some(USG_P)),
    spec(Kind::Security, false, false, Some(true), Some(UDG)),
    spec(Kind::Security, false, false, Some(true), Some(UNKNOWN_TYPE)),
    spec(Kind::Security, false, true, Some(true), Some(USG)),
    spec(Kind::Security, false, true, None, None),
    spec(Kind::MailSecurity, false, false, None, None),
    spec(Kind::MailSecurity, false, false, Some(false), None),
    spec(Kind::Distribution, false, false, None, None),
    spec(Kind::Distribution, false, false, Some(false), None),
    spec(Kind::Security, true, false, None, None),
    spec(Kind::Security, true, false, Some(false), None),
    spec(Kind::Distribution, true, false, None, None),
    spec(Kind::MailSecurity, true, false, None, None),
];

const DEPTS: &[&str] = &[
    "Finance", "Sales", "Marketing", "Engineering", "Legal", "HR", "Operations", "Support", "Research",
    "Facilities", "Security", "Procurement", "Design", "Data", "Training", "Logistics",
];
const TOPICS: &[&str] = &[
    "Team", "Project Atlas", "Leadership", "Interns", "Announcements", "Planning", "Vendors", "Community",
    "All Staff", "Onboarding", "Budget", "Roadmap", "Helpdesk", "Partners", "Quality", "Audit",
];
const ROLES: &[&str] = &[
    "Admins", "Readers", "Editors", "Managers", "Contractors", "Devices", "VPN", "Printers", "Approvers",
    "Owners", "Operators", "Auditors",
];
const RULES: &[&str] = &[
    "user.department -eq \"Sales\"",
    "(user.accountEnabled -eq true) and (user.userType -eq \"Member\")",
    "user.country -eq \"NL\"",
    "(user.userType -contains \"Guest\" and user.accountEnabled -eq true) or (user.city -eq \"Nairobi\")",
    "device.deviceOSType -eq \"Windows\"",
];
const DESCRIPTIONS: &[&str] = &[
    "Collaboration space",
    "Access to shared resources",
    "Mailing list",
    "Managed by IT",
    "Synced from Active Directory",
    "Dynamic membership",
];

fn random_spec(rng: &mut SeededRng) -> Spec {
    let pascal = |t: &'static str, rng: &mut SeededRng| -> &'static str {
        if rng.chance(0.08) {
            match t {
                UDG => UDG_P,
                USG => USG_P,
                _ => UMESG_P,
            }
        } else {
            t
        }
    };
    let r = rng.next_f64();
    if r < 0.10 {
        let kind = *rng.pick(&[Kind::Security, Kind::Security, Kind::Security, Kind::Distribution, Kind::Distribution, Kind::MailSecurity]);
        let enabled = if rng.chance(0.05) { Some(false) } else { None };
        return spec(kind, true, false, enabled, None);
    }
    let kind = if r < 0.48 {
        Kind::M365
    } else if r < 0.83 {
        Kind::Security
    } else if r < 0.89 {
        Kind::MailSecurity
    } else {
        Kind::Distribution
    };
    let dynamic = matches!(kind, Kind::M365 | Kind::Security) && rng.chance(0.12);
    let w = rng.next_f64();
    let (enabled, wb_type) = match kind {
        Kind::M365 => {
            let t = *rng.pick(&[UDG, USG, UMESG]);
            if w < 0.45 {
                (None, None)
            } else if w < 0.55 {
                (Some(false), None)
            } else if w < 0.60 {
                (Some(false), Some(t))
            } else if w < 0.85 {
                (Some(true), Some(pascal(t, rng)))
            } else if w < 0.90 {
                (Some(true), None)
            } else if w < 0.94 {
                (None, Some(t))
            } else if w < 0.945 {
                (Some(true), Some(UNKNOWN_TYPE))
            } else {
                (None, None)
            }
        }
        Kind::Security => {
            if w < 0.55 {
                (None, None)
            } else if w < 0.67 {
                (Some(false), None)
            } else if w < 0.70 {
                (Some(false), Some(USG))
            } else if w < 0.88 {
                (Some(true), Some(pascal(USG, rng)))
            } else if w < 0.94 {
                (Some(true), None)
            } else if w < 0.97 {
                (None, Some(USG))
            } else if w < 0.972 {
                (Some(true), Some(UNKNOWN_TYPE))
            } else if w < 0.975 {
                (Some(true), Some(UDG))
            } else {
                (None, None)
            }
        }
        Kind::MailSecurity | Kind::Distribution => {
            if w < 0.93 {
                (None, None)
            } else {
                (Some(false), None)
            }
        }
    };
    spec(kind, false, dynamic, enabled, wb_type)
}

fn build(spec: Spec, index: u64, rng: &mut SeededRng) -> StoredGroup {
    let id = rng.guid();
    let dept = *rng.pick(DEPTS);
    let (name, nick) = match (spec.kind, spec.synced) {
        (_, true) => {
            let role = *rng.pick(ROLES);
            (format!("CORP {} {} {:06}", dept, role, index), format!("corp-{}-{}-{}", dept, role, index))
        }
        (Kind::M365, _) => {
            let topic = *rng.pick(TOPICS);
            (format!("{} {} {:06}", dept, topic, index), format!("{}{}{}", dept, topic, index))
        }
        (Kind::Security, _) => {
            let role = *rng.pick(ROLES);
            (format!("SG-{}-{} {:06}", dept, role, index), format!("sg-{}-{}-{}", dept, role, index))
        }
        (Kind::MailSecurity, _) => {
            let role = *rng.pick(ROLES);
            (format!("MESG {} {} {:06}", dept, role, index), format!("mesg-{}-{}-{}", dept, role, index))
        }
        (Kind::Distribution, _) => {
            let topic = *rng.pick(TOPICS);
            (format!("DL {} {} {:06}", dept, topic, index), format!("dl-{}-{}-{}", dept, topic, index))
        }
    };
    let nick: String = nick.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>().to_lowercase();
    let (security, mail) = match spec.kind {
        Kind::M365 => (false, true),
        Kind::Security => (true, false),
        Kind::MailSecurity => (true, true),
        Kind::Distribution => (false, true),
    };
    let mut group_types: Vec<Text> = Vec::new();
    if spec.kind == Kind::M365 {
        group_types.push(Cow::Borrowed("Unified"));
    }
    if spec.dynamic {
        group_types.push(Cow::Borrowed("DynamicMembership"));
    }
    let description = if spec.synced {
        DESCRIPTIONS[4]
    } else if spec.dynamic {
        DESCRIPTIONS[5]
    } else {
        match spec.kind {
            Kind::M365 => DESCRIPTIONS[0],
            Kind::Security => DESCRIPTIONS[1],
            Kind::MailSecurity => DESCRIPTIONS[3],
            Kind::Distribution => DESCRIPTIONS[2],
        }
    };
    let (rule, rule_state) = if spec.dynamic {
        let state = if rng.chance(0.1) { "Paused" } else { "On" };
        (Some(Cow::Borrowed(*rng.pick(RULES))), Some(Cow::Borrowed(state)))
    } else {
        (None, None)
    };
    // 2016-01-01 plus up to eight years.
    let created = 1_451_606_400 + rng.below(8 * 365 * 86_400) as i64;
    StoredGroup {
        id,
        display_name: name.into_boxed_str(),
        description: Some(Cow::Borrowed(description)),
        mail_nickname: Some(nick.into_boxed_str()),
        mail: if mail { Mail::Derived } else { Mail::None },
        group_types,
        security_enabled: Some(security),
        mail_enabled: Some(mail),
        on_premises_sync_enabled: if spec.synced { Some(true) } else { None },
        membership_rule: rule,
        membership_rule_processing_state: rule_state,
        created,
        wb_enabled: spec.enabled,
        wb_type: spec.wb_type.map(Cow::Borrowed),
        extra: None,
    }
}

/// `n` groups, the same for the same seed.
pub fn generate(n: u64, seed: u64) -> Vec<StoredGroup> {
    let mut rng = SeededRng::new(seed);
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n {
        let s = if (i as usize) < CATALOGUE.len() { CATALOGUE[i as usize] } else { random_spec(&mut rng) };
        out.push(build(s, i, &mut rng));
    }
    out
}

/// Writes the tenant file: `{"tenantId", "domain", "apps": [...], "groups": [...]}`.
pub fn save(tenant: &Tenant, apps: &Value, out: &mut dyn Write) -> std::io::Result<()> {
    write!(
        out,
        "{{\n\"tenantId\": {},\n\"domain\": {},\n\"apps\": {},\n\"groups\": [",
        Value::String(tenant.tenant_id.clone()),
        Value::String(tenant.domain.clone()),
        serde_json::to_string(apps)?
    )?;
    for (i, g) in tenant.groups.iter().enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *out, &g.to_file_json(&tenant.domain))?;
    }
    out.write_all(b"\n]\n}\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_seeded_and_round_trips() {
        let a = generate(200, 5);
        let b = generate(200, 5);
        assert_eq!(a.len(), 200);
        for (x, y) in a.iter().zip(b.iter()) {
            assert_eq!(x.id, y.id);
            assert_eq!(x.display_name, y.display_name);
        }
        let domain = "example.onmicrosoft.com";
        for g in &a {
            let back = StoredGroup::from_file_json(&g.to_file_json(domain), domain).unwrap();
            assert_eq!(back.render(None, ApiVersion::Beta, domain), g.render(None, ApiVersion::Beta, domain));
            assert!(back.extra.is_none());
        }
    }
}
