//! `$filter`, `$orderby` and `$search` on groups: which operators each
//! property takes, and which need the advanced query parameters
//! (`ConsistencyLevel: eventual` **and** `$count=true`).
//!
//! Sources, cited rule by rule below:
//! - [AQ] <https://learn.microsoft.com/en-us/graph/aad-advanced-queries>
//!   (the version of 2025-08-29): the "Group properties" table (`eq`,
//!   `startsWith`, `eq Null`: by default or advanced only), the rules above
//!   it, the `$orderby` table and the error examples.
//! - [GR] the group resource's property table, "Supports `$filter` (...)":
//!   <https://learn.microsoft.com/en-us/graph/api/resources/group?view=graph-rest-beta>
//!   (and the v1.0 page of 2026-05-26, which carries the same notes).
//! - [QP] <https://learn.microsoft.com/en-us/graph/query-parameters>.
//!
//! Where [AQ]'s table and [GR] disagree, [AQ] decides what needs the
//! advanced parameters (it is the page about exactly that); anything the
//! documents do not say is marked *assumed*.

use crate::store::StoredGroup;
use crate::util::parse_guid;

/// Why a query is refused: the Graph error code and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub code: &'static str,
    pub message: String,
}

fn unsupported(message: impl Into<String>) -> QueryError {
    QueryError { code: "Request_UnsupportedQuery", message: message.into() }
}

fn bad(message: impl Into<String>) -> QueryError {
    QueryError { code: "Request_BadRequest", message: message.into() }
}

/// [AQ]'s error for a property the directory does not index for the
/// operator, with or without advanced parameters: "Unsupported or invalid
/// query filter clause specified for property 'createdDateTime' of
/// resource 'Group'." (code `Request_UnsupportedQuery`).
fn not_indexed(prop: &str) -> QueryError {
    unsupported(format!("Unsupported or invalid query filter clause specified for property '{}' of resource 'Group'.", prop))
}

/// [AQ]'s error when an advanced-only operator comes without the advanced
/// parameters (its example, for `endsWith`).
pub fn advanced_missing(what: &str) -> QueryError {
    unsupported(format!(
        "Operator '{}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information",
        what
    ))
}

/// How a property supports an operator ([AQ]'s legend).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sup {
    /// Blank cell or not listed: refused with or without advanced parameters.
    No,
    /// Works by default, and with advanced parameters.
    Default,
    /// Requires `ConsistencyLevel: eventual` and `$count=true`.
    Advanced,
    /// Works only *without* advanced parameters.
    DefaultOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Id,
    Str,
    Bool,
    /// A string collection, filtered with `any` (`groupTypes/any(c:c eq 'x')`).
    Coll,
    /// A collection of objects: only `/$count eq 0` is modeled.
    ObjColl,
}

/// One filterable property of a group.
#[derive(Debug)]
pub struct PropDef {
    pub name: &'static str,
    pub kind: Kind,
    /// `eq` (and so `in`, `ne`, `not`): [AQ] "The `in` operator is supported
    /// by default whenever `eq` operator is supported by default"; "All
    /// properties that support the `eq` operator also supports the `ne` or
    /// `not` operators" (those two always advanced).
    eq: Sup,
    starts: Sup,
    /// [AQ]: "The `endswith` operator is supported only with advanced query
    /// parameters and only by mail, otherMails, userPrincipalName, and
    /// proxyAddresses properties."
    ends: Sup,
    /// `eq null` / `ne null`.
    null: Sup,
    /// `/$count eq 0` and `/$count ne 0` ([AQ]: advanced; `eq 1` not supported).
    count: Sup,
}

const fn p(name: &'static str, kind: Kind, eq: Sup, starts: Sup, ends: Sup, null: Sup, count: Sup) -> PropDef {
    PropDef { name, kind, eq, starts, ends, null, count }
}

use Kind::*;
use Sup::{Advanced as A, Default as D, DefaultOnly as DO, No as N};

/// [AQ] "Group properties" (2025-08-29), row by row, plus `id` from [GR]
/// ("Supports `$filter` (`eq`, `ne`, `not`, `in`)"; [AQ]'s table leaves it
/// out). Properties not listed "don't support `$filter` at all" ([AQ]):
/// among them `createdDateTime`, which [AQ]'s table marks `ge/le`
/// advanced while [AQ]'s own worked error example (and [GR], which lists no
/// `$filter` for it) refuses it even with the advanced parameters: the
/// example is followed. `ge`/`le` on the date properties
/// (`expirationDateTime`, `renewedDateTime`, `onPremisesLastSyncDateTime`)
/// and `assignedLicenses/any(a:a/skuId eq ...)` are not modeled.
pub const PROPS: &[PropDef] = &[
    p("id", Id, D, N, N, N, N),
    p("displayName", Str, D, D, N, A, N),
    p("description", Str, A, A, N, A, N),
    p("classification", Str, D, D, N, N, N),
    p("createdByAppId", Str, D, N, N, N, N),
    p("mail", Str, D, D, A, A, N),
    p("mailNickname", Str, D, D, N, A, N),
    p("membershipRule", Str, D, D, N, N, N),
    p("membershipRuleProcessingState", Str, D, N, N, N, N),
    p("onPremisesSamAccountName", Str, A, A, N, N, N),
    p("onPremisesSecurityIdentifier", Str, D, N, N, A, N),
    p("preferredLanguage", Str, A, N, N, A, N),
    p("uniqueName", Str, D, D, N, N, N),
    p("securityEnabled", Bool, D, N, N, N, N),
    p("mailEnabled", Bool, D, N, N, N, N),
    p("isAssignableToRole", Bool, D, N, N, N, N),
    p("onPremisesSyncEnabled", Bool, D, N, N, A, N),
    p("hasMembersWithLicenseErrors", Bool, DO, N, N, DO, N),
    p("groupTypes", Coll, D, N, N, N, N),
    p("proxyAddresses", Coll, D, D, A, N, A),
    p("resourceBehaviorOptions", Coll, D, N, N, N, N),
    p("resourceProvisioningOptions", Coll, D, N, N, N, N),
    p("infoCatalogs", Coll, D, D, N, N, N),
    p("assignedLicenses", ObjColl, N, N, N, N, A),
    p("onPremisesProvisioningErrors", ObjColl, N, N, N, N, A),
];

fn prop_def(name: &str) -> Result<&'static PropDef, QueryError> {
    PROPS.iter().find(|p| p.name.eq_ignore_ascii_case(name)).ok_or_else(|| not_indexed(name))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lit {
    Str(String),
    Bool(bool),
    Null,
}

impl Lit {
    fn edm(&self) -> &'static str {
        match self {
            Lit::Str(_) => "Edm.String",
            Lit::Bool(_) => "Edm.Boolean",
            Lit::Null => "null",
        }
    }
}

#[derive(Debug, Clone)]
pub enum AnyPred {
    Eq(String),
    StartsWith(String),
    EndsWith(String),
}

#[derive(Debug, Clone)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp { prop: &'static PropDef, lit: Lit, negate: bool },
    /// `prop in ('a', 'b', ...)`.
    In(&'static PropDef, Vec<Lit>),
    StartsWith(&'static PropDef, String),
    EndsWith(&'static PropDef, String),
    /// `coll/any(x:...)`.
    Any(&'static PropDef, AnyPred),
    /// `coll/$count eq 0` (`zero`) or `ne 0`.
    CountZero { prop: &'static PropDef, zero: bool },
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    LParen,
    RParen,
    Comma,
    Slash,
    Colon,
    Other(char),
}

fn lex(s: &str) -> Result<Vec<Tok>, QueryError> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push(Tok::LParen);
                i += 1
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            '/' => {
                out.push(Tok::Slash);
                i += 1
            }
            ':' => {
                out.push(Tok::Colon);
                i += 1
            }
            '\'' => {
                let mut lit = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(bad(format!("Invalid filter clause: unterminated string literal in '{}'.", s))),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            lit.push('\'');
                            i += 2
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            lit.push(*ch);
                            i += 1
                        }
                    }
                }
                out.push(Tok::Str(lit));
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.' || chars[i] == '-') {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
            }
            other => {
                out.push(Tok::Other(other));
                i += 1
            }
        }
    }
    Ok(out)
}

/// What a filter asks of the request: the first operator that needs the
/// advanced parameters, and the first that works only without them.
#[derive(Debug, Clone, Default)]
pub struct Needs {
    pub advanced: Option<String>,
    pub default_only: Option<String>,
}

impl Needs {
    fn note(&mut self, sup: Sup, what: impl FnOnce() -> String) {
        match sup {
            Sup::Advanced if self.advanced.is_none() => self.advanced = Some(what()),
            Sup::DefaultOnly if self.default_only.is_none() => self.default_only = Some(what()),
            _ => {}
        }
    }
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    text: &'a str,
    needs: Needs,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn syntax(&self) -> QueryError {
        bad(format!("Invalid filter clause: syntax error at token {} in '{}'.", self.pos + 1, self.text))
    }
    fn expect(&mut self, t: Tok) -> Result<(), QueryError> {
        if self.next() == Some(t) {
            Ok(())
        } else {
            Err(self.syntax())
        }
    }
    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(kw))
    }
    fn ident(&mut self) -> Result<String, QueryError> {
        match self.next() {
            Some(Tok::Ident(s)) => Ok(s),
            _ => Err(self.syntax()),
        }
    }

    /// An operator the property supports as `sup`: refused when `No`,
    /// otherwise noted for the request's check.
    fn require(&mut self, sup: Sup, prop: &str, what: impl FnOnce() -> String) -> Result<(), QueryError> {
        if sup == Sup::No {
            return Err(not_indexed(prop));
        }
        self.needs.note(sup, what);
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.pos += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        if self.keyword("not") {
            self.pos += 1;
            // [AQ]: "The `not` and `ne` negation operators are supported
            // only with advanced query parameters."
            self.needs.note(Sup::Advanced, || "not".to_string());
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let e = self.or()?;
            self.expect(Tok::RParen)?;
            return Ok(e);
        }
        self.primary()
    }

    fn string_arg(&mut self) -> Result<String, QueryError> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(s),
            _ => Err(self.syntax()),
        }
    }

    fn literal(&mut self) -> Result<Lit, QueryError> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Lit::Str(s)),
            Some(Tok::Ident(s)) if s == "true" => Ok(Lit::Bool(true)),
            Some(Tok::Ident(s)) if s == "false" => Ok(Lit::Bool(false)),
            Some(Tok::Ident(s)) if s == "null" => Ok(Lit::Null),
            _ => Err(self.syntax()),
        }
    }

    /// A literal of the property's type; ids must be GUIDs. The service's
    /// answer to a type mismatch is not documented: assumed 400
    /// `Request_BadRequest` with OData's message.
    fn check_type(&self, prop: &PropDef, lit: &Lit, op: &str) -> Result<(), QueryError> {
        let ok = match (lit, prop.kind) {
            (Lit::Null, _) => true,
            (Lit::Bool(_), Kind::Bool) => true,
            (Lit::Str(_), Kind::Str) | (Lit::Str(_), Kind::Id) => true,
            _ => false,
        };
        if !ok {
            let edm = if prop.kind == Kind::Bool { "Edm.Boolean" } else { "Edm.String" };
            return Err(bad(format!(
                "A binary operator with incompatible types was detected. Found operand types '{}' and '{}' for operator kind '{}'.",
                edm,
                lit.edm(),
                op
            )));
        }
        if prop.kind == Kind::Id {
            if let Lit::Str(s) = lit {
                if parse_guid(s).is_none() {
                    return Err(bad(format!("Invalid object identifier '{}'.", s)));
                }
            }
        }
        Ok(())
    }

    /// `in ('a', 'b', ...)` after the property: supported wherever `eq` is,
    /// and as `eq` is ([AQ]).
    fn in_list(&mut self, prop: &'static PropDef) -> Result<Expr, QueryError> {
        if matches!(prop.kind, Kind::Coll | Kind::ObjColl) {
            return Err(not_indexed(prop.name));
        }
        self.require(prop.eq, prop.name, || format!("in on '{}'", prop.name))?;
        self.expect(Tok::LParen)?;
        let mut values = Vec::new();
        loop {
            let lit = self.literal()?;
            if lit == Lit::Null {
                return Err(self.syntax());
            }
            self.check_type(prop, &lit, "In")?;
            values.push(lit);
            match self.next() {
                Some(Tok::Comma) => continue,
                Some(Tok::RParen) => break,
                _ => return Err(self.syntax()),
            }
        }
        Ok(Expr::In(prop, values))
    }

    /// `coll/any(x: x eq 'v' | startswith(x,'v') | endswith(x,'v'))` or
    /// `coll/$count eq 0`.
    fn lambda(&mut self, name: &str) -> Result<Expr, QueryError> {
        let prop = prop_def(name)?;
        if self.peek() == Some(&Tok::Other('$')) {
            self.pos += 1;
            if !self.ident()?.eq_ignore_ascii_case("count") {
                return Err(self.syntax());
            }
            let op = self.ident()?.to_ascii_lowercase();
            let n = self.ident()?;
            let zero = match (op.as_str(), n.as_str()) {
                ("eq", "0") => true,
                ("ne", "0") => false,
                // [AQ]: `/$count eq 1` is not supported.
                ("eq", _) | ("ne", _) => return Err(not_indexed(&format!("{}/$count", prop.name))),
                _ => return Err(self.syntax()),
            };
            self.require(prop.count, prop.name, || format!("{}/$count", prop.name))?;
            return Ok(Expr::CountZero { prop, zero });
        }
        if prop.kind != Kind::Coll {
            return Err(not_indexed(name));
        }
        match self.ident()? {
            s if s.eq_ignore_ascii_case("any") => {}
            // `all` is not supported on directory objects (assumed).
            _ => return Err(not_indexed(prop.name)),
        }
        self.expect(Tok::LParen)?;
        let var = self.ident()?;
        self.expect(Tok::Colon)?;
        let head = self.ident()?;
        let pred = if head == var {
            match self.ident()?.to_ascii_lowercase().as_str() {
                "eq" => {}
                "ne" | "in" | "ge" | "le" | "gt" | "lt" => return Err(not_indexed(prop.name)),
                _ => return Err(self.syntax()),
            }
            self.require(prop.eq, prop.name, || format!("eq on '{}'", prop.name))?;
            AnyPred::Eq(self.string_arg()?)
        } else {
            let func = head.to_ascii_lowercase();
            self.expect(Tok::LParen)?;
            if self.ident()? != var {
                return Err(self.syntax());
            }
            self.expect(Tok::Comma)?;
            let arg = self.string_arg()?;
            self.expect(Tok::RParen)?;
            match func.as_str() {
                "startswith" => {
                    self.require(prop.starts, prop.name, || format!("startsWith on '{}'", prop.name))?;
                    AnyPred::StartsWith(arg)
                }
                "endswith" => {
                    self.require(prop.ends, prop.name, || "endsWith".to_string())?;
                    AnyPred::EndsWith(arg)
                }
                _ => return Err(unsupported(format!("Unsupported function '{}' in $filter.", head))),
            }
        };
        self.expect(Tok::RParen)?;
        Ok(Expr::Any(prop, pred))
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        let name = self.ident()?;
        // Functions.
        if self.peek() == Some(&Tok::LParen) {
            let func = name.to_ascii_lowercase();
            self.pos += 1;
            let prop_name = self.ident()?;
            self.expect(Tok::Comma)?;
            let arg = self.string_arg()?;
            self.expect(Tok::RParen)?;
            if func != "startswith" && func != "endswith" {
                return Err(unsupported(format!("Unsupported function '{}' in $filter.", name)));
            }
            let prop = prop_def(&prop_name)?;
            if !matches!(prop.kind, Kind::Str | Kind::Id) {
                return Err(not_indexed(prop.name));
            }
            return if func == "startswith" {
                self.require(prop.starts, prop.name, || format!("startsWith on '{}'", prop.name))?;
                Ok(Expr::StartsWith(prop, arg))
            } else {
                self.require(prop.ends, prop.name, || "endsWith".to_string())?;
                Ok(Expr::EndsWith(prop, arg))
            };
        }
        // Lambdas and /$count.
        if self.peek() == Some(&Tok::Slash) {
            self.pos += 1;
            return self.lambda(&name);
        }
        // Comparison.
        let prop = prop_def(&name)?;
        let op = self.ident()?.to_ascii_lowercase();
        if matches!(prop.kind, Kind::Coll | Kind::ObjColl) {
            // [GR]: "The any operator is required for filter expressions on
            // multi-valued properties."
            return Err(not_indexed(prop.name));
        }
        if op == "in" {
            return self.in_list(prop);
        }
        let negate = match op.as_str() {
            "eq" => false,
            "ne" => true,
            // `ge`/`le` on strings: [GR] lists them for several string
            // properties, [AQ]'s table for none of the group's; refused
            // (assumed, following [AQ]).
            "gt" | "ge" | "lt" | "le" | "has" => return Err(not_indexed(prop.name)),
            _ => return Err(self.syntax()),
        };
        let lit = self.literal()?;
        self.check_type(prop, &lit, if negate { "NotEqual" } else { "Equal" })?;
        if lit == Lit::Null {
            self.require(prop.null, prop.name, || format!("eq null on '{}'", prop.name))?;
        } else {
            self.require(prop.eq, prop.name, || format!("eq on '{}'", prop.name))?;
        }
        if negate {
            self.needs.note(Sup::Advanced, || "ne".to_string());
        }
        Ok(Expr::Cmp { prop, lit, negate })
    }
}

/// A parsed `$filter` and what it needs of the request.
pub struct Filter {
    pub expr: Expr,
    pub needs: Needs,
    /// The most values of any `in (...)`: more than [`IN_LIMIT`] needs an
    /// advanced query.
    pub most_in: usize,
}

/// "When using the `in` operator, the request is limited to 15 expressions
/// in the filter clause by default OR a URL length of 2,048 characters when
/// using advanced query capabilities" (Microsoft Graph known issues). What
/// the service answers beyond that is not documented: assumed 400
/// `Request_UnsupportedQuery`.
pub const IN_LIMIT: usize = 15;

fn most_in(e: &Expr) -> usize {
    match e {
        Expr::And(a, b) | Expr::Or(a, b) => most_in(a).max(most_in(b)),
        Expr::Not(a) => most_in(a),
        Expr::In(_, v) => v.len(),
        _ => 0,
    }
}

impl Filter {
    /// The ids a filter of exactly `id eq '...'` or `id in (...)` asks
    /// for, so the tenant is searched by id instead of group by group.
    pub fn only_ids(&self) -> Option<Vec<u128>> {
        match &self.expr {
            Expr::Cmp { prop, lit: Lit::Str(s), negate: false } if prop.kind == Kind::Id => parse_guid(s).map(|g| vec![g]),
            Expr::In(prop, values) if prop.kind == Kind::Id => values
                .iter()
                .map(|v| match v {
                    Lit::Str(s) => parse_guid(s),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }

    /// Whether the filter needs the advanced parameters.
    pub fn advanced(&self) -> bool {
        self.needs.advanced.is_some()
    }
}

pub fn parse_filter(text: &str) -> Result<Filter, QueryError> {
    if text.trim().is_empty() {
        return Err(bad("Invalid filter clause: the filter is empty."));
    }
    let mut p = Parser { toks: lex(text)?, pos: 0, text, needs: Needs::default() };
    let expr = p.or()?;
    if p.pos != p.toks.len() {
        return Err(p.syntax());
    }
    let most_in = most_in(&expr);
    Ok(Filter { expr, needs: p.needs, most_in })
}

/// The group's `proxyAddresses`: as a tenant file gave them, else derived
/// from `mail` (`SMTP:` primary) and, for a Microsoft 365 group, the
/// tenant's initial domain (`smtp:`), each address once (assumed; [GR]'s
/// example is `["SMTP: bob@contoso.com", "smtp: bob@sales.contoso.com"]`).
pub fn proxy_addresses(g: &StoredGroup, domain: &str) -> Vec<String> {
    if let Some(v) = g.extra.as_ref().and_then(|e| e.get("proxyAddresses")) {
        return v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect()).unwrap_or_default();
    }
    let mut out: Vec<String> = Vec::new();
    if let Some(m) = g.mail_value(domain) {
        out.push(format!("SMTP:{}", m));
        if g.is_unified() {
            if let Some(n) = &g.mail_nickname {
                let initial = domain.split('.').next().unwrap_or("tenant");
                let second = format!("{}@{}.onmicrosoft.com", n, initial);
                if !second.eq_ignore_ascii_case(&m) {
                    out.push(format!("smtp:{}", second));
                }
            }
        }
    }
    out
}

fn text_of(g: &StoredGroup, prop: &PropDef, domain: &str) -> Option<String> {
    match prop.name {
        "id" => Some(crate::util::fmt_guid(g.id)),
        "displayName" => Some(g.display_name.to_string()),
        "mail" => g.mail_value(domain),
        "mailNickname" => g.mail_nickname.as_ref().map(|s| s.to_string()),
        "description" => g.description.as_ref().map(|s| s.to_string()),
        "membershipRule" => g.membership_rule.as_ref().map(|s| s.to_string()),
        "membershipRuleProcessingState" => g.membership_rule_processing_state.as_ref().map(|s| s.to_string()),
        other => g.prop(other, domain).as_str().map(String::from),
    }
}

fn bool_of(g: &StoredGroup, prop: &PropDef, domain: &str) -> Option<bool> {
    match prop.name {
        "securityEnabled" => g.security_enabled,
        "mailEnabled" => g.mail_enabled,
        "onPremisesSyncEnabled" => g.on_premises_sync_enabled,
        // Never returned by GET, false unless a tenant file says otherwise.
        "hasMembersWithLicenseErrors" => Some(g.prop(prop.name, domain).as_bool().unwrap_or(false)),
        other => g.prop(other, domain).as_bool(),
    }
}

fn coll_of(g: &StoredGroup, prop: &PropDef, domain: &str) -> Vec<String> {
    match prop.name {
        "groupTypes" => g.group_types.iter().map(|t| t.to_string()).collect(),
        "proxyAddresses" => proxy_addresses(g, domain),
        other => match g.prop(other, domain) {
            serde_json::Value::Array(a) => a.iter().map(|x| x.as_str().map(String::from).unwrap_or_else(|| x.to_string())).collect(),
            _ => Vec::new(),
        },
    }
}

fn starts_with_ci(hay: &str, needle: &str) -> bool {
    hay.len() >= needle.len() && hay.get(..needle.len()).map_or(false, |h| h.eq_ignore_ascii_case(needle))
}

fn ends_with_ci(hay: &str, needle: &str) -> bool {
    hay.len() >= needle.len() && hay.get(hay.len() - needle.len()..).map_or(false, |h| h.eq_ignore_ascii_case(needle))
}

fn lit_matches(g: &StoredGroup, prop: &PropDef, lit: &Lit, domain: &str) -> bool {
    if prop.kind == Kind::Bool {
        let v = bool_of(g, prop, domain);
        match lit {
            Lit::Bool(b) => v == Some(*b),
            Lit::Null => v.is_none(),
            Lit::Str(_) => false,
        }
    } else {
        let v = text_of(g, prop, domain);
        match lit {
            Lit::Str(s) => v.map_or(false, |v| v.eq_ignore_ascii_case(s)),
            Lit::Null => v.is_none(),
            Lit::Bool(_) => false,
        }
    }
}

pub fn eval(e: &Expr, g: &StoredGroup, domain: &str) -> bool {
    match e {
        Expr::And(a, b) => eval(a, g, domain) && eval(b, g, domain),
        Expr::Or(a, b) => eval(a, g, domain) || eval(b, g, domain),
        Expr::Not(a) => !eval(a, g, domain),
        Expr::Any(prop, pred) if prop.name == "groupTypes" => match pred {
            AnyPred::Eq(t) => g.has_group_type(t),
            _ => coll_of(g, prop, domain).iter().any(|v| any_matches(pred, v)),
        },
        Expr::Any(prop, pred) => coll_of(g, prop, domain).iter().any(|v| any_matches(pred, v)),
        Expr::CountZero { prop, zero } => {
            let n = if prop.name == "proxyAddresses" {
                proxy_addresses(g, domain).len()
            } else {
                g.prop(prop.name, domain).as_array().map_or(0, |a| a.len())
            };
            (n == 0) == *zero
        }
        Expr::StartsWith(p, s) => text_of(g, p, domain).map_or(false, |v| starts_with_ci(&v, s)),
        Expr::EndsWith(p, s) => text_of(g, p, domain).map_or(false, |v| ends_with_ci(&v, s)),
        Expr::In(p, values) => values.iter().any(|lit| lit_matches(g, p, lit, domain)),
        Expr::Cmp { prop, lit, negate } => lit_matches(g, prop, lit, domain) != *negate,
    }
}

fn any_matches(pred: &AnyPred, v: &str) -> bool {
    match pred {
        AnyPred::Eq(s) => v.eq_ignore_ascii_case(s),
        AnyPred::StartsWith(s) => starts_with_ci(v, s),
        AnyPred::EndsWith(s) => ends_with_ci(v, s),
    }
}

// ------------------------------------------------------------ $orderby

/// What `$orderby` sorts groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKey {
    DisplayName,
    CreatedDateTime,
    /// Null for every group the simulator holds: sorted by id.
    DeletedDateTime,
}

#[derive(Debug, Clone, Copy)]
pub struct OrderBy {
    pub key: OrderKey,
    pub desc: bool,
    /// [AQ]'s `$orderby` table: group `displayName` by default,
    /// `createdDateTime` and `deletedDateTime` advanced only.
    pub advanced: bool,
}

/// `$orderby=displayName [asc|desc]`. [AQ]: on groups, `displayName`
/// sorts by default, `createdDateTime` and `deletedDateTime` need the
/// advanced parameters, every other property is not supported (code
/// `Request_UnsupportedQuery` assumed); "Use of `$filter` and `$orderby` in
/// the same query for directory objects always requires advanced query
/// parameters" (checked by the caller). More than one sort key: assumed
/// unsupported.
pub fn parse_orderby(text: &str) -> Result<OrderBy, QueryError> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let (name, dir) = match parts.as_slice() {
        [name] => (*name, "asc"),
        [name, dir] => (*name, *dir),
        _ => return Err(bad(format!("Invalid $orderby '{}'.", text))),
    };
    if name.contains(',') {
        return Err(unsupported(format!("Sorting by more than one property is not supported: '{}'.", text)));
    }
    let desc = match dir.to_ascii_lowercase().as_str() {
        "asc" => false,
        "desc" => true,
        _ => return Err(bad(format!("Invalid $orderby direction '{}'.", dir))),
    };
    let (key, advanced) = match name.to_ascii_lowercase().as_str() {
        "displayname" => (OrderKey::DisplayName, false),
        "createddatetime" => (OrderKey::CreatedDateTime, true),
        "deleteddatetime" => (OrderKey::DeletedDateTime, true),
        _ => return Err(unsupported(format!("Sorting by property '{}' of resource 'Group' is not supported.", name))),
    };
    Ok(OrderBy { key, desc, advanced })
}

// ------------------------------------------------------------ $search

#[derive(Debug, Clone)]
pub struct Search {
    /// Clauses in OR groups of AND clauses.
    any_of: Vec<Vec<(SearchProp, String)>>,
}

#[derive(Debug, Clone, Copy)]
enum SearchProp {
    DisplayName,
    Description,
}

/// `"displayName:video" OR "description:prod"`: quoted `property:term`
/// clauses joined by AND / OR (AND binds tighter).
pub fn parse_search(text: &str) -> Result<Search, QueryError> {
    let mut any_of: Vec<Vec<(SearchProp, String)>> = vec![Vec::new()];
    let mut rest = text.trim();
    let mut expect_clause = true;
    while !rest.is_empty() {
        if expect_clause {
            if !rest.starts_with('"') {
                return Err(bad(format!(
                    "Syntax error: the $search clause must be quoted, as in \"displayName:term\"; found '{}'.",
                    text
                )));
            }
            let end = rest[1..].find('"').ok_or_else(|| bad("Syntax error: unterminated quote in $search."))? + 1;
            let clause = &rest[1..end];
            rest = rest[end + 1..].trim_start();
            let (prop, term) = clause.split_once(':').ok_or_else(|| {
                unsupported(format!("$search on groups needs a property: \"displayName:{}\".", clause))
            })?;
            // [GR]: on groups, `displayName` and `description` support
            // `$search`; other properties are refused (code assumed).
            let prop = match prop.trim().to_ascii_lowercase().as_str() {
                "displayname" => SearchProp::DisplayName,
                "description" => SearchProp::Description,
                other => return Err(unsupported(format!("$search is not supported on property '{}' of resource 'Group'.", other))),
            };
            any_of.last_mut().unwrap().push((prop, term.trim().to_lowercase()));
            expect_clause = false;
        } else {
            let (word, tail) = rest.split_at(rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len()));
            match word {
                "AND" => {}
                "OR" => any_of.push(Vec::new()),
                _ => return Err(bad(format!("Syntax error in $search: expected AND or OR, found '{}'.", word))),
            }
            rest = tail.trim_start();
            expect_clause = true;
        }
    }
    if expect_clause {
        return Err(bad("Syntax error in $search: a clause is missing."));
    }
    Ok(Search { any_of })
}

/// A term matches where a word of the value begins (case-insensitive).
fn word_prefix_match(value: &str, term: &str) -> bool {
    let v = value.to_lowercase();
    if term.is_empty() {
        return true;
    }
    let mut at_boundary = true;
    for (i, c) in v.char_indices() {
        if at_boundary && v[i..].starts_with(term) {
            return true;
        }
        at_boundary = !c.is_alphanumeric();
    }
    false
}

pub fn search_matches(s: &Search, g: &StoredGroup, _domain: &str) -> bool {
    s.any_of.iter().any(|all| {
        all.iter().all(|(prop, term)| {
            let value = match prop {
                SearchProp::DisplayName => Some(g.display_name.to_string()),
                SearchProp::Description => g.description.as_ref().map(|d| d.to_string()),
            };
            value.map_or(false, |v| word_prefix_match(&v, term))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_documented_forms() {
        for f in [
            "groupTypes/any(c:c eq 'Unified')",
            "securityEnabled eq true and mailEnabled eq false",
            "startswith(displayName,'Fin')",
            "id eq '1226170d-83d5-49b8-99ab-d1ab3d91333e'",
            "onPremisesSyncEnabled eq true",
            "onPremisesSyncEnabled eq false",
            "proxyAddresses/any(p:p eq 'SMTP:x@contoso.com')",
            "proxyAddresses/any(p:startswith(p,'smtp:x'))",
            "classification eq 'High'",
            "isAssignableToRole eq true",
            "mailEnabled in (true, false)",
        ] {
            let p = parse_filter(f).unwrap();
            assert!(!p.advanced(), "{}", f);
        }
        for f in [
            "mailEnabled ne true",
            "NOT(groupTypes/any(s:s eq 'Unified'))",
            "endswith(mail,'@contoso.com')",
            "proxyAddresses/any(p:endswith(p,'contoso.com'))",
            "description eq 'x'",
            "onPremisesSyncEnabled eq null",
            "proxyAddresses/$count eq 0",
        ] {
            assert!(parse_filter(f).unwrap().advanced(), "{}", f);
        }
        for f in [
            "writebackConfiguration/isEnabled eq true",
            "createdDateTime ge 2020",
            "endswith(displayName,'x')",
            "endswith(mailNickname,'x')",
            "securityEnabled eq null",
            "classification eq null",
            "displayName ge 'a'",
            "groupTypes eq 'Unified'",
            "proxyAddresses/$count eq 1",
        ] {
            assert_eq!(parse_filter(f).err().map(|e| e.code), Some("Request_UnsupportedQuery"), "{}", f);
        }
        assert!(parse_filter("hasMembersWithLicenseErrors eq true").unwrap().needs.default_only.is_some());
        assert_eq!(parse_filter("displayName eq").err().unwrap().code, "Request_BadRequest");
        assert_eq!(parse_filter("securityEnabled eq 'x'").err().unwrap().code, "Request_BadRequest");
        assert!(word_prefix_match("Finance Project Atlas", "proj"));
        assert!(!word_prefix_match("Finance Project Atlas", "roj"));
        assert!(parse_search("\"displayName:video\" OR \"description:prod\"").is_ok());
        assert!(parse_search("video").is_err());
        assert_eq!(parse_search("\"mail:x\"").err().unwrap().code, "Request_UnsupportedQuery");
        assert!(parse_orderby("displayName desc").unwrap().desc);
        assert!(parse_orderby("createdDateTime").unwrap().advanced);
        assert_eq!(parse_orderby("mail").err().unwrap().code, "Request_UnsupportedQuery");
    }
}
