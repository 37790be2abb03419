//! `$filter` and `$search` on groups: the subset the directory supports,
//! and which parts need `ConsistencyLevel: eventual` (advanced queries).

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prop {
    Id,
    DisplayName,
    Mail,
    MailNickname,
    SecurityEnabled,
    MailEnabled,
    OnPremisesSyncEnabled,
    MembershipRuleProcessingState,
}

impl Prop {
    fn from_name(name: &str) -> Result<Prop, QueryError> {
        let p = match name.to_ascii_lowercase().as_str() {
            "id" => Prop::Id,
            "displayname" => Prop::DisplayName,
            "mail" => Prop::Mail,
            "mailnickname" => Prop::MailNickname,
            "securityenabled" => Prop::SecurityEnabled,
            "mailenabled" => Prop::MailEnabled,
            "onpremisessyncenabled" => Prop::OnPremisesSyncEnabled,
            "membershipruleprocessingstate" => Prop::MembershipRuleProcessingState,
            _ => {
                return Err(unsupported(format!(
                    "Unsupported or invalid query filter clause specified for property '{}' of resource 'Group'.",
                    name
                )))
            }
        };
        Ok(p)
    }

    fn is_bool(self) -> bool {
        matches!(self, Prop::SecurityEnabled | Prop::MailEnabled | Prop::OnPremisesSyncEnabled)
    }

    fn edm(self) -> &'static str {
        if self.is_bool() {
            "Edm.Boolean"
        } else {
            "Edm.String"
        }
    }
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
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Eq { prop: Prop, lit: Lit, negate: bool },
    /// `prop in ('a', 'b', ...)`.
    In(Prop, Vec<String>),
    StartsWith(Prop, String),
    EndsWith(Prop, String),
    AnyGroupType(String),
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

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    text: &'a str,
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

    /// `in ('a', 'b', ...)` after the property: string properties only,
    /// at least one value; ids must be GUIDs, as with `eq`.
    fn in_list(&mut self, prop: Prop) -> Result<Expr, QueryError> {
        if prop.is_bool() {
            return Err(bad(format!(
                "A binary operator with incompatible types was detected. Found operand types '{}' and 'Collection(Edm.String)' for operator kind 'In'.",
                prop.edm()
            )));
        }
        self.expect(Tok::LParen)?;
        let mut values = Vec::new();
        loop {
            values.push(self.string_arg()?);
            match self.next() {
                Some(Tok::Comma) => continue,
                Some(Tok::RParen) => break,
                _ => return Err(self.syntax()),
            }
        }
        if prop == Prop::Id {
            if let Some(v) = values.iter().find(|v| parse_guid(v).is_none()) {
                return Err(bad(format!("Invalid object identifier '{}'.", v)));
            }
        }
        Ok(Expr::In(prop, values))
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        let name = match self.next() {
            Some(Tok::Ident(s)) => s,
            _ => return Err(self.syntax()),
        };
        // Functions.
        if self.peek() == Some(&Tok::LParen) {
            let func = name.to_ascii_lowercase();
            self.pos += 1;
            let prop_name = match self.next() {
                Some(Tok::Ident(s)) => s,
                _ => return Err(self.syntax()),
            };
            self.expect(Tok::Comma)?;
            let arg = self.string_arg()?;
            self.expect(Tok::RParen)?;
            let prop = Prop::from_name(&prop_name)?;
            if !matches!(prop, Prop::DisplayName | Prop::Mail | Prop::MailNickname) {
                return Err(unsupported(format!(
                    "Unsupported or invalid query filter clause specified for property '{}' of resource 'Group'.",
                    prop_name
                )));
            }
            return match func.as_str() {
                "startswith" => Ok(Expr::StartsWith(prop, arg)),
                "endswith" => Ok(Expr::EndsWith(prop, arg)),
                _ => Err(unsupported(format!("Unsupported function '{}' in $filter.", name))),
            };
        }
        // Lambda on groupTypes.
        if self.peek() == Some(&Tok::Slash) {
            self.pos += 1;
            if !name.eq_ignore_ascii_case("groupTypes") {
                return Err(unsupported(format!("Unsupported lambda on property '{}' of resource 'Group'.", name)));
            }
            match self.next() {
                Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("any") => {}
                _ => return Err(unsupported("Only groupTypes/any(c:c eq '...') is supported.")),
            }
            self.expect(Tok::LParen)?;
            let var = match self.next() {
                Some(Tok::Ident(s)) => s,
                _ => return Err(self.syntax()),
            };
            self.expect(Tok::Colon)?;
            match self.next() {
                Some(Tok::Ident(s)) if s == var => {}
                _ => return Err(self.syntax()),
            }
            match self.next() {
                Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("eq") => {}
                _ => return Err(unsupported("Only groupTypes/any(c:c eq '...') is supported.")),
            }
            let value = self.string_arg()?;
            self.expect(Tok::RParen)?;
            return Ok(Expr::AnyGroupType(value));
        }
        // Comparison.
        let prop = Prop::from_name(&name)?;
        let op = match self.next() {
            Some(Tok::Ident(s)) => s.to_ascii_lowercase(),
            _ => return Err(self.syntax()),
        };
        if op == "in" {
            return self.in_list(prop);
        }
        let negate = match op.as_str() {
            "eq" => false,
            "ne" => true,
            "gt" | "ge" | "lt" | "le" | "has" => {
                return Err(unsupported(format!("Unsupported operator '{}' for property '{}' of resource 'Group'.", op, name)))
            }
            _ => return Err(self.syntax()),
        };
        let lit = match self.next() {
            Some(Tok::Str(s)) => Lit::Str(s),
            Some(Tok::Ident(s)) if s == "true" => Lit::Bool(true),
            Some(Tok::Ident(s)) if s == "false" => Lit::Bool(false),
            Some(Tok::Ident(s)) if s == "null" => Lit::Null,
            _ => return Err(self.syntax()),
        };
        let compatible = match (&lit, prop.is_bool()) {
            (Lit::Null, _) => true,
            (Lit::Bool(_), true) => true,
            (Lit::Str(_), false) => true,
            _ => false,
        };
        if !compatible {
            return Err(bad(format!(
                "A binary operator with incompatible types was detected. Found operand types '{}' and '{}' for operator kind '{}'.",
                prop.edm(),
                lit.edm(),
                if negate { "NotEqual" } else { "Equal" }
            )));
        }
        if prop == Prop::Id {
            if let Lit::Str(s) = &lit {
                if parse_guid(s).is_none() {
                    return Err(bad(format!("Invalid object identifier '{}'.", s)));
                }
            }
        }
        Ok(Expr::Eq { prop, lit, negate })
    }
}

/// A parsed `$filter`, and whether it needs an advanced query
/// (`ne`, `not`, `endswith`, comparisons with null).
pub struct Filter {
    pub expr: Expr,
    pub advanced: bool,
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
            Expr::Eq { prop: Prop::Id, lit: Lit::Str(s), negate: false } => parse_guid(s).map(|g| vec![g]),
            Expr::In(Prop::Id, values) => values.iter().map(|v| parse_guid(v)).collect(),
            _ => None,
        }
    }
}

fn needs_advanced(e: &Expr) -> bool {
    match e {
        Expr::And(a, b) | Expr::Or(a, b) => needs_advanced(a) || needs_advanced(b),
        Expr::Not(_) | Expr::EndsWith(..) => true,
        Expr::Eq { negate, lit, prop } => {
            *negate || *lit == Lit::Null || (*prop == Prop::OnPremisesSyncEnabled && *lit == Lit::Bool(false))
        }
        Expr::StartsWith(..) | Expr::AnyGroupType(_) | Expr::In(..) => false,
    }
}

pub fn parse_filter(text: &str) -> Result<Filter, QueryError> {
    if text.trim().is_empty() {
        return Err(bad("Invalid filter clause: the filter is empty."));
    }
    let mut p = Parser { toks: lex(text)?, pos: 0, text };
    let expr = p.or()?;
    if p.pos != p.toks.len() {
        return Err(p.syntax());
    }
    let advanced = needs_advanced(&expr);
    let most_in = most_in(&expr);
    Ok(Filter { expr, advanced, most_in })
}

fn text_of(g: &StoredGroup, prop: Prop, domain: &str) -> Option<String> {
    match prop {
        Prop::Id => Some(crate::util::fmt_guid(g.id)),
        Prop::DisplayName => Some(g.display_name.to_string()),
        Prop::Mail => g.mail_value(domain),
        Prop::MailNickname => g.mail_nickname.as_ref().map(|s| s.to_string()),
        Prop::MembershipRuleProcessingState => g.membership_rule_processing_state.as_ref().map(|s| s.to_string()),
        _ => None,
    }
}

fn bool_of(g: &StoredGroup, prop: Prop) -> Option<bool> {
    match prop {
        Prop::SecurityEnabled => g.security_enabled,
        Prop::MailEnabled => g.mail_enabled,
        Prop::OnPremisesSyncEnabled => g.on_premises_sync_enabled,
        _ => None,
    }
}

fn starts_with_ci(hay: &str, needle: &str) -> bool {
    hay.len() >= needle.len() && hay.get(..needle.len()).map_or(false, |h| h.eq_ignore_ascii_case(needle))
}

fn ends_with_ci(hay: &str, needle: &str) -> bool {
    hay.len() >= needle.len() && hay.get(hay.len() - needle.len()..).map_or(false, |h| h.eq_ignore_ascii_case(needle))
}

pub fn eval(e: &Expr, g: &StoredGroup, domain: &str) -> bool {
    match e {
        Expr::And(a, b) => eval(a, g, domain) && eval(b, g, domain),
        Expr::Or(a, b) => eval(a, g, domain) || eval(b, g, domain),
        Expr::Not(a) => !eval(a, g, domain),
        Expr::AnyGroupType(t) => g.has_group_type(t),
        Expr::StartsWith(p, s) => text_of(g, *p, domain).map_or(false, |v| starts_with_ci(&v, s)),
        Expr::In(p, values) => text_of(g, *p, domain).map_or(false, |v| values.iter().any(|x| x.eq_ignore_ascii_case(&v))),
        Expr::EndsWith(p, s) => text_of(g, *p, domain).map_or(false, |v| ends_with_ci(&v, s)),
        Expr::Eq { prop, lit, negate } => {
            let equal = if prop.is_bool() {
                match lit {
                    Lit::Bool(b) => bool_of(g, *prop) == Some(*b),
                    Lit::Null => bool_of(g, *prop).is_none(),
                    Lit::Str(_) => false,
                }
            } else {
                let v = text_of(g, *prop, domain);
                match lit {
                    Lit::Str(s) => v.map_or(false, |v| v.eq_ignore_ascii_case(s)),
                    Lit::Null => v.is_none(),
                    Lit::Bool(_) => false,
                }
            };
            equal != *negate
        }
    }
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
    Mail,
    MailNickname,
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
            let prop = match prop.trim().to_ascii_lowercase().as_str() {
                "displayname" => SearchProp::DisplayName,
                "description" => SearchProp::Description,
                "mail" => SearchProp::Mail,
                "mailnickname" => SearchProp::MailNickname,
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

pub fn search_matches(s: &Search, g: &StoredGroup, domain: &str) -> bool {
    s.any_of.iter().any(|all| {
        all.iter().all(|(prop, term)| {
            let value = match prop {
                SearchProp::DisplayName => Some(g.display_name.to_string()),
                SearchProp::Description => g.description.as_ref().map(|d| d.to_string()),
                SearchProp::Mail => g.mail_value(domain),
                SearchProp::MailNickname => g.mail_nickname.as_ref().map(|n| n.to_string()),
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
        ] {
            let p = parse_filter(f).unwrap();
            assert!(!p.advanced, "{}", f);
        }
        for f in ["mailEnabled ne true", "NOT(groupTypes/any(s:s eq 'Unified'))", "endswith(mail,'@contoso.com')"] {
            assert!(parse_filter(f).unwrap().advanced, "{}", f);
        }
        assert_eq!(parse_filter("writebackConfiguration/isEnabled eq true").err().unwrap().code, "Request_UnsupportedQuery");
        assert_eq!(parse_filter("createdDateTime ge 2020").err().unwrap().code, "Request_UnsupportedQuery");
        assert_eq!(parse_filter("displayName eq").err().unwrap().code, "Request_BadRequest");
        assert_eq!(parse_filter("securityEnabled eq 'x'").err().unwrap().code, "Request_BadRequest");
        assert!(word_prefix_match("Finance Project Atlas", "proj"));
        assert!(!word_prefix_match("Finance Project Atlas", "roj"));
        assert!(parse_search("\"displayName:video\" OR \"description:prod\"").is_ok());
        assert!(parse_search("video").is_err());
    }
}
