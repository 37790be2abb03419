//! The Graph API: `/groups`, `/groups/$count`, `/groups/{id}` (GET, PATCH)
//! and `/$batch`, behind permissions and throttling. Used for top-level
//! requests and for each sub-request of a batch alike.

use crate::auth::{Permission, Principal};
use crate::config::PageShape;
use crate::filter::{
    advanced_missing, eval, parse_filter, parse_orderby, parse_search, proxy_addresses, search_matches, Filter, OrderBy, OrderKey,
    QueryError, Search,
};
use crate::store::{canonical_prop, ApiVersion, StoredGroup};
use crate::throttle::Verdict;
use crate::util::{b64url, b64url_decode, fmt_guid, random_guid, fnv64, iso_local, parse_guid, unix_now, SeededRng};
use crate::{Sim, WritebackValidation};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

pub const ODATA_JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

#[derive(Debug, Clone)]
pub enum RespBody {
    None,
    Json(Value),
    Text(String),
}

#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: RespBody,
}

impl ApiResponse {
    /// An OData JSON answer: `Content-Type` and `OData-Version: 4.0`, as
    /// the successful responses of the JSON batching doc's example carry
    /// (tests/fixtures/graph-docs/json-batching-response.json); error
    /// answers have neither (see [`error`]).
    pub fn json(status: u16, body: Value) -> Self {
        ApiResponse {
            status,
            headers: vec![("Content-Type".into(), ODATA_JSON.into()), ("OData-Version".into(), "4.0".into())],
            body: RespBody::Json(body),
        }
    }
    pub fn no_content() -> Self {
        ApiResponse { status: 204, headers: Vec::new(), body: RespBody::None }
    }
    pub fn header(mut self, k: &str, v: impl Into<String>) -> Self {
        self.headers.push((k.to_string(), v.into()));
        self
    }
}

/// The ids that Graph's error envelope carries.
#[derive(Debug, Clone)]
pub struct Ids {
    pub request_id: String,
    pub client_request_id: Option<String>,
}

/// `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
pub fn error_body(code: &str, message: &str, ids: &Ids) -> Value {
    let mut inner = Map::new();
    inner.insert("date".into(), Value::String(iso_local(unix_now() as i64)));
    inner.insert("request-id".into(), Value::String(ids.request_id.clone()));
    inner.insert(
        "client-request-id".into(),
        Value::String(ids.client_request_id.clone().unwrap_or_else(|| ids.request_id.clone())),
    );
    json!({"error": {"code": code, "message": message, "innerError": Value::Object(inner)}})
}

pub fn error(status: u16, code: &str, message: &str, ids: &Ids) -> ApiResponse {
    ApiResponse {
        status,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: RespBody::Json(error_body(code, message, ids)),
    }
}

fn query_error(e: QueryError, ids: &Ids) -> ApiResponse {
    error(400, e.code, &e.message, ids)
}

/// One Graph request (top-level or inside a batch).
pub struct ApiRequest<'a> {
    pub method: &'a str,
    pub version: ApiVersion,
    /// After the version segment: `/groups/{id}`.
    pub path: &'a str,
    pub query: &'a str,
    /// Lowercase names.
    pub headers: &'a HashMap<String, String>,
    pub body: Option<&'a [u8]>,
    pub principal: &'a Principal,
    pub ids: &'a Ids,
    pub in_batch: bool,
    pub seq: u64,
}

impl<'a> ApiRequest<'a> {
    fn eventual(&self) -> bool {
        self.headers.get("consistencylevel").map_or(false, |v| v.trim().eq_ignore_ascii_case("eventual"))
    }
}

const METHOD_NOT_ALLOWED: &str = "Specified HTTP method is not allowed for the request target.";

pub fn handle(sim: &Sim, req: &ApiRequest) -> ApiResponse {
    let ids = req.ids;
    let trimmed = req.path.trim_matches('/');
    let mut segments: Vec<&str> = if trimmed.is_empty() { Vec::new() } else { trimmed.split('/').collect() };
    if let Some(first) = segments.first_mut() {
        if first.eq_ignore_ascii_case("groups") {
            *first = "groups";
        }
    }
    enum Route {
        List,
        Count,
        One(String),
        Batch,
    }
    let route = match segments.as_slice() {
        ["groups"] => Route::List,
        ["groups", "$count"] => Route::Count,
        ["groups", id] => Route::One(percent_decode(id)),
        ["$batch"] if !req.in_batch => Route::Batch,
        [] => return error(400, "BadRequest", "Invalid request: no resource segment.", ids),
        [first, ..] if !first.eq_ignore_ascii_case("groups") && *first != "$batch" => {
            return error(400, "BadRequest", &format!("Resource not found for the segment '{}'.", first), ids)
        }
        ["$batch", ..] => return error(400, "BadRequest", "A batch cannot contain a $batch request.", ids),
        [_, _, third, ..] => {
            return error(400, "BadRequest", &format!("Resource not found for the segment '{}'.", third), ids)
        }
        [other, ..] => return error(400, "BadRequest", &format!("Resource not found for the segment '{}'.", other), ids),
    };
    let (needs, writes) = match (&route, req.method) {
        (Route::List, "GET") | (Route::Count, "GET") | (Route::One(_), "GET") => (Permission::Read, 0),
        (Route::One(_), "PATCH") => (Permission::ReadWrite, 1),
        (Route::Batch, "POST") => return batch(sim, req),
        _ => return error(405, "Request_BadRequest", METHOD_NOT_ALLOWED, ids),
    };
    if req.principal.permission < needs {
        return error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.", ids);
    }
    let ru = 1;
    let verdict = sim.throttle.charge(&req.principal.app_id, ru, writes);
    let (ru_used, pct) = match verdict {
        Verdict::Allowed { resource_units, limit_percentage } => {
            if req.method == "GET" {
                sim.stats.lock().unwrap().reads += 1;
            }
            (resource_units, limit_percentage)
        }
        Verdict::Throttled { retry_after, limit_percentage, scope, information } => {
            sim.stats.lock().unwrap().throttled += 1;
            let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
            let form = sim.cfg.faults.retry_after_form;
            if let Some(v) = form.header(retry_after, sim.cfg.throttle_speed) {
                headers.push(("Retry-After".into(), v));
            }
            headers.push(("x-ms-throttle-limit-percentage".into(), limit_percentage));
            headers.push(("x-ms-throttle-scope".into(), scope));
            headers.push(("x-ms-throttle-information".into(), information.into()));
            return ApiResponse { status: 429, headers, body: RespBody::Json(throttled_body(ids)) };
        }
    };
    let mut resp = match route {
        Route::List => list(sim, req, false),
        Route::Count => list(sim, req, true),
        Route::One(id) => {
            if req.method == "GET" {
                get_one(sim, req, &id)
            } else {
                patch(sim, req, &id)
            }
        }
        Route::Batch => unreachable!(),
    };
    resp.headers.push(("x-ms-resource-unit".into(), ru_used.to_string()));
    if let Some(p) = pct {
        resp.headers.push(("x-ms-throttle-limit-percentage".into(), p));
    }
    resp
}

fn throttled_body(ids: &Ids) -> Value {
    let mut body = error_body("TooManyRequests", "Please retry again later.", ids);
    if let Some(inner) = body.pointer_mut("/error/innerError").and_then(Value::as_object_mut) {
        inner.insert("code".into(), Value::String("429".into()));
        inner.insert("status".into(), Value::String("429".into()));
        inner.insert("message".into(), Value::String("Please retry after".into()));
    }
    body
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The query options of a request.
#[derive(Default)]
struct Options {
    select: Option<String>,
    filter: Option<String>,
    top: Option<String>,
    count: Option<String>,
    search: Option<String>,
    skiptoken: Option<String>,
    orderby: Option<String>,
    /// In order, for building the next link.
    all: Vec<(String, String)>,
}

fn parse_options(query: &str, ids: &Ids, allowed: &[&str]) -> Result<Options, ApiResponse> {
    parse_options_in(query, ids, allowed, None)
}

/// The OData system query options without their `$`.
const SYSTEM_OPTIONS: &[&str] = &["select", "filter", "top", "count", "search", "skiptoken", "orderby", "expand", "skip", "format"];

/// The query options; on `version` beta, the system options are also
/// read without their `$` ([QP]: "On the beta endpoint, the `$` prefix is
/// optional. For example, instead of `$filter`, you can use `filter`.",
/// https://learn.microsoft.com/en-us/graph/query-parameters). On v1.0 "the
/// `$` prefix is optional for only a subset of APIs": there, as without a
/// version, other names are ignored (assumed for groups).
fn parse_options_in(query: &str, ids: &Ids, allowed: &[&str], version: Option<ApiVersion>) -> Result<Options, ApiResponse> {
    let mut o = Options::default();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        let mut key = k.to_string();
        let mut lower = key.to_ascii_lowercase();
        if !lower.starts_with('$') {
            if version == Some(ApiVersion::Beta) && SYSTEM_OPTIONS.contains(&lower.as_str()) {
                key = format!("${}", key);
                lower = format!("${}", lower);
            } else {
                continue;
            }
        }
        if !allowed.contains(&lower.as_str()) {
            let msg = match lower.as_str() {
                "$skip" => "'$skip' is not supported by the service for groups: follow @odata.nextLink.".to_string(),
                "$orderby" => "Request_UnsupportedQuery: '$orderby' is not supported here.".to_string(),
                "$expand" => "graph-sim does not support '$expand' on groups.".to_string(),
                _ => format!("Query option '{}' is not allowed here.", key),
            };
            let code = if lower == "$orderby" || lower == "$expand" { "Request_UnsupportedQuery" } else { "Request_BadRequest" };
            return Err(error(400, code, msg.trim_start_matches("Request_UnsupportedQuery: "), ids));
        }
        let slot = match lower.as_str() {
            "$select" => &mut o.select,
            "$filter" => &mut o.filter,
            "$top" => &mut o.top,
            "$count" => &mut o.count,
            "$search" => &mut o.search,
            "$skiptoken" => &mut o.skiptoken,
            "$orderby" => &mut o.orderby,
            _ => continue,
        };
        if slot.is_some() {
            return Err(error(400, "Request_BadRequest", &format!("Query option '{}' was specified more than once.", key), ids));
        }
        *slot = Some(v.to_string());
        if lower != "$skiptoken" {
            o.all.push((lower, v.to_string()));
        }
    }
    Ok(o)
}

fn parse_select(select: Option<&str>, version: ApiVersion, ids: &Ids) -> Result<Option<Vec<&'static str>>, ApiResponse> {
    let s = match select {
        None => return Ok(None),
        Some(s) => s,
    };
    let mut out: Vec<&'static str> = Vec::new();
    for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match canonical_prop(name, version) {
            Some(p) => {
                if !out.contains(&p) {
                    out.push(p)
                }
            }
            None => {
                return Err(error(
                    400,
                    "Request_BadRequest",
                    &format!("Could not find a property named '{}' on type 'microsoft.graph.group'.", name),
                    ids,
                ))
            }
        }
    }
    if out.is_empty() {
        return Err(error(400, "Request_BadRequest", "$select is empty.", ids));
    }
    Ok(Some(out))
}

fn context(sim: &Sim, version: ApiVersion, select: &Option<Vec<&'static str>>, entity: bool) -> String {
    let mut c = format!("{}/{}/$metadata#groups", sim.base_url, version.segment());
    if let Some(sel) = select {
        c.push('(');
        c.push_str(&sel.join(","));
        c.push(')');
    }
    if entity {
        c.push_str("/$entity");
    }
    c
}

const ADVANCED_HINT: &str = "Add the header 'ConsistencyLevel: eventual' and the query option $count=true: this is an advanced query (https://learn.microsoft.com/en-us/graph/aad-advanced-queries).";

/// A group as a list or GET returns it. `proxyAddresses` comes from
/// [`proxy_addresses`] (each address once).
fn render_group(g: &StoredGroup, select: Option<&[&'static str]>, version: ApiVersion, domain: &str) -> Map<String, Value> {
    let mut obj = g.render(select, version, domain);
    if obj.contains_key("proxyAddresses") {
        obj.insert("proxyAddresses".into(), json!(proxy_addresses(g, domain)));
    }
    // Default properties of a beta group that the documented answer has
    // (tests/fixtures/graph-docs/beta-group-get-default-properties.json):
    // null (an empty list for infoCatalogs) unless a tenant file gave them.
    if select.is_none() && version == ApiVersion::Beta {
        for p in BETA_DEFAULT_EXTRA {
            if !obj.contains_key(*p) {
                obj.insert((*p).to_string(), g.prop(p, domain));
            }
        }
    }
    obj
}

const BETA_DEFAULT_EXTRA: &[&str] = &["createdByAppId", "organizationId", "infoCatalogs", "isManagementRestricted"];

/// The sort key of `$orderby` (case-insensitive names; ties by id).
fn order_key(g: &StoredGroup, key: OrderKey) -> (String, i64) {
    match key {
        OrderKey::DisplayName => (g.display_name.to_lowercase(), 0),
        OrderKey::CreatedDateTime => (String::new(), g.created),
        OrderKey::DeletedDateTime => (String::new(), 0),
    }
}

fn list(sim: &Sim, req: &ApiRequest, count_only: bool) -> ApiResponse {
    let ids = req.ids;
    let allowed: &[&str] = if count_only {
        &["$filter", "$search"]
    } else {
        &["$select", "$filter", "$top", "$count", "$search", "$skiptoken", "$orderby"]
    };
    let o = match parse_options_in(req.query, ids, allowed, Some(req.version)) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let eventual = req.eventual();
    // [AQ] "Error handling for advanced queries": without the header, the
    // `$count` URL segment is an error, `400 Request_BadRequest` "$count is
    // not currently supported." (its example, on /users/$count).
    if count_only && !eventual {
        return error(400, "Request_BadRequest", "$count is not currently supported.", ids);
    }
    let select = match parse_select(o.select.as_deref(), req.version, ids) {
        Ok(s) => s,
        Err(e) => return e,
    };
    // Default page size 100, at most 999 (list groups,
    // https://learn.microsoft.com/en-us/graph/api/group-list?view=graph-rest-beta).
    let top: usize = match o.top.as_deref() {
        None => 100,
        Some(t) => match t.trim().parse::<i64>() {
            Ok(n) if (1..=999).contains(&n) => n as usize,
            // Over 999: `Request_UnsupportedQuery`, as the service was seen
            // answering (not in Microsoft's documents).
            Ok(n) if n > 999 => {
                return error(
                    400,
                    "Request_UnsupportedQuery",
                    &format!("Invalid page size specified: '{}'. Must be between 1 and 999 inclusive.", n),
                    ids,
                )
            }
            // Zero or negative, or not a number: assumed `Request_BadRequest`.
            Ok(n) => {
                return error(
                    400,
                    "Request_BadRequest",
                    &format!("Invalid page size specified: '{}'. Must be between 1 and 999 inclusive.", n),
                    ids,
                )
            }
            Err(_) => return error(400, "Request_BadRequest", &format!("Invalid value '{}' for $top.", t), ids),
        },
    };
    let want_count = match o.count.as_deref().map(|c| c.to_ascii_lowercase()) {
        None => false,
        Some(c) if c == "true" => true,
        Some(c) if c == "false" => false,
        Some(c) => return error(400, "Request_BadRequest", &format!("Invalid value '{}' for $count: use true or false.", c), ids),
    };
    // [AQ]: the advanced query parameters are the header *and* `$count`
    // (the `/$count` segment counts); without the header, `?$count=true` is
    // "silently ignored": 200 without `@odata.count`.
    let advanced_ok = eventual && (want_count || count_only);
    let show_count = want_count && eventual;
    let filter: Option<Filter> = match o.filter.as_deref() {
        None => None,
        Some(f) => match parse_filter(f) {
            Ok(p) => Some(p),
            Err(e) => return query_error(e, ids),
        },
    };
    if let Some(f) = &filter {
        if f.most_in > crate::filter::IN_LIMIT && !advanced_ok {
            return error(
                400,
                "Request_UnsupportedQuery",
                &format!(
                    "The 'in' operator takes at most {} values without advanced query parameters; this filter has {}. {}",
                    crate::filter::IN_LIMIT,
                    f.most_in,
                    ADVANCED_HINT
                ),
                ids,
            );
        }
        if let Some(what) = &f.needs.advanced {
            if !advanced_ok {
                return query_error(advanced_missing(what), ids);
            }
        }
        // [AQ]'s legend: some operators work "only *without* advanced query
        // parameters" (hasMembersWithLicenseErrors); the error is assumed.
        if let Some(what) = &f.needs.default_only {
            if advanced_ok {
                return error(
                    400,
                    "Request_UnsupportedQuery",
                    &format!("Operator '{}' is supported only without advanced query parameters.", what),
                    ids,
                );
            }
        }
    }
    let order: Option<OrderBy> = match o.orderby.as_deref() {
        None => None,
        Some(t) => match parse_orderby(t) {
            Ok(ob) => Some(ob),
            Err(e) => return query_error(e, ids),
        },
    };
    if let Some(ob) = &order {
        if ob.advanced && !advanced_ok {
            return query_error(advanced_missing("$orderby"), ids);
        }
        // [AQ]: "Use of `$filter` and `$orderby` in the same query for
        // directory objects always requires advanced query parameters."
        if filter.is_some() && !advanced_ok {
            return query_error(advanced_missing("$orderby with $filter"), ids);
        }
    }
    let search: Option<Search> = match o.search.as_deref() {
        None => None,
        Some(s) => {
            // [AQ]: `$search` needs the header (not `$count`); its message.
            if !eventual {
                return error(
                    400,
                    "Request_UnsupportedQuery",
                    "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
                    ids,
                );
            }
            let s = s.trim();
            match parse_search(s) {
                Ok(p) => Some(p),
                Err(e) => return query_error(e, ids),
            }
        }
    };
    let binding = fnv64(&[
        o.filter.as_deref().unwrap_or(""),
        o.search.as_deref().unwrap_or(""),
        o.orderby.as_deref().unwrap_or(""),
        req.version.segment(),
    ]);
    let tenant = sim.tenant.read().unwrap();
    let domain = tenant.domain.as_str();
    let matches = |g: &StoredGroup| {
        filter.as_ref().map_or(true, |f| eval(&f.expr, g, domain)) && search.as_ref().map_or(true, |s| search_matches(s, g, domain))
    };
    if count_only {
        let n = tenant.groups.iter().filter(|g| matches(g)).count();
        return ApiResponse {
            status: 200,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: RespBody::Text(n.to_string()),
        };
    }
    let (after, page_no) = match o.skiptoken.as_deref() {
        None => (None, 0u32),
        Some(t) => match decode_skiptoken(t) {
            Some((after, bound, page)) if bound == binding => (Some(after), page),
            _ => return error(400, "Request_BadRequest", "The $skiptoken is not valid for this query: use @odata.nextLink as given.", ids),
        },
    };
    let limit = sim.cfg.page_shape.limit(top, page_no);
    // A filter on ids alone is answered from the index (the same groups, in
    // the same order, as a scan would find).
    let by_id: Option<Vec<&StoredGroup>> = filter.as_ref().and_then(Filter::only_ids).map(|mut wanted| {
        wanted.sort_unstable();
        wanted.dedup();
        wanted.into_iter().filter_map(|id| tenant.index_of(id)).map(|i| &tenant.groups[i]).collect()
    });
    let mut chosen: Vec<&StoredGroup> = Vec::with_capacity(limit.min(tenant.groups.len()));
    let mut more = false;
    let next_after: u128;
    match &order {
        Some(ob) => {
            // Sorted pages: every match, sorted, then the page at the
            // token's position (positions move if groups change meanwhile).
            let mut all: Vec<&StoredGroup> = match &by_id {
                Some(found) => found.iter().copied().filter(|g| matches(g)).collect(),
                None => tenant.groups.iter().filter(|g| matches(g)).collect(),
            };
            all.sort_by(|a, b| order_key(a, ob.key).cmp(&order_key(b, ob.key)).then(a.id.cmp(&b.id)));
            if ob.desc {
                all.reverse();
            }
            let pos = (after.unwrap_or(0) as usize).min(all.len());
            let end = (pos + limit).min(all.len());
            chosen.extend_from_slice(&all[pos..end]);
            more = end < all.len();
            next_after = end as u128;
        }
        None => {
            let start = after.map_or(0, |a| tenant.after(a));
            let candidates: Box<dyn Iterator<Item = &StoredGroup>> = match &by_id {
                Some(found) => Box::new(found.iter().copied().filter(move |g| after.map_or(true, |a| g.id > a))),
                None => Box::new(tenant.groups[start.min(tenant.groups.len())..].iter()),
            };
            for g in candidates {
                if !matches(g) {
                    continue;
                }
                if chosen.len() == limit {
                    more = true;
                    break;
                }
                chosen.push(g);
            }
            next_after = chosen.last().map(|g| g.id).or(after).unwrap_or(0);
        }
    }
    // `--page-shape with-empty` also ends on an empty page: the last groups
    // come with a nextLink whose page is empty and has none.
    if !more && sim.cfg.page_shape == PageShape::WithEmpty && !chosen.is_empty() {
        more = true;
    }
    let page: Vec<Value> = chosen
        .iter()
        .map(|g| {
            let mut obj = render_group(g, select.as_deref(), req.version, domain);
            // `@odata.id` on each item, as in the documented answer to an
            // advanced query (list groups, "Example 6: List dynamic
            // groups", tests/fixtures/graph-docs/beta-group-list-dynamic-filter-select.json);
            // the documented answers without `ConsistencyLevel` have none.
            if eventual {
                obj.insert(
                    "@odata.id".into(),
                    Value::String(format!(
                        "{}/v2/{}/directoryObjects/{}/Microsoft.DirectoryServices.Group",
                        sim.base_url,
                        tenant.tenant_id,
                        fmt_guid(g.id)
                    )),
                );
            }
            Value::Object(obj)
        })
        .collect();
    let mut body = Map::new();
    body.insert("@odata.context".into(), Value::String(context(sim, req.version, &select, false)));
    if show_count && o.skiptoken.is_none() {
        let n = match &by_id {
            Some(found) => found.iter().filter(|g| matches(g)).count(),
            None => tenant.groups.iter().filter(|g| matches(g)).count(),
        };
        body.insert("@odata.count".into(), json!(n));
    }
    if more {
        let token = encode_skiptoken(next_after, binding, page_no.saturating_add(1));
        let mut link = format!("{}/{}/groups?", sim.base_url, req.version.segment());
        for (k, v) in &o.all {
            link.push_str(k);
            link.push('=');
            link.extend(url::form_urlencoded::byte_serialize(v.as_bytes()));
            link.push('&');
        }
        link.push_str("$skiptoken=");
        link.push_str(&token);
        body.insert("@odata.nextLink".into(), Value::String(link));
    }
    body.insert("value".into(), Value::Array(page));
    ApiResponse::json(200, Value::Object(body))
}

const SKIPTOKEN_MAGIC: &[u8; 4] = b"GSk2";

/// An opaque token: the position (the last id returned, or an offset in a
/// sorted listing), the query it belongs to, and the page number (for
/// `--page-shape`).
fn encode_skiptoken(after: u128, binding: u64, page: u32) -> String {
    let mut b = Vec::with_capacity(32);
    b.extend_from_slice(SKIPTOKEN_MAGIC);
    let mixed = after ^ ((binding as u128) << 64 | binding as u128);
    b.extend_from_slice(&mixed.to_be_bytes());
    b.extend_from_slice(&binding.to_be_bytes());
    b.extend_from_slice(&(page ^ binding as u32).to_be_bytes());
    format!("RFNwdAIA{}", b64url(&b))
}

fn decode_skiptoken(t: &str) -> Option<(u128, u64, u32)> {
    let b = b64url_decode(t.strip_prefix("RFNwdAIA")?)?;
    if b.len() != 32 || &b[..4] != SKIPTOKEN_MAGIC {
        return None;
    }
    let mut id = [0u8; 16];
    id.copy_from_slice(&b[4..20]);
    let mut bind = [0u8; 8];
    bind.copy_from_slice(&b[20..28]);
    let binding = u64::from_be_bytes(bind);
    let after = u128::from_be_bytes(id) ^ ((binding as u128) << 64 | binding as u128);
    let mut page = [0u8; 4];
    page.copy_from_slice(&b[28..32]);
    Some((after, binding, u32::from_be_bytes(page) ^ binding as u32))
}

fn not_found(id: &str, ids: &Ids) -> ApiResponse {
    error(
        404,
        "Request_ResourceNotFound",
        &format!("Resource '{}' does not exist or one of its queried reference-property objects are not present.", id),
        ids,
    )
}

fn parse_id(id: &str, ids: &Ids) -> Result<u128, ApiResponse> {
    parse_guid(id).ok_or_else(|| error(400, "Request_BadRequest", &format!("Invalid object identifier '{}'.", id), ids))
}

fn get_one(sim: &Sim, req: &ApiRequest, id: &str) -> ApiResponse {
    let ids = req.ids;
    let o = match parse_options_in(req.query, ids, &["$select"], Some(req.version)) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let select = match parse_select(o.select.as_deref(), req.version, ids) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let key = match parse_id(id, ids) {
        Ok(k) => k,
        Err(e) => return e,
    };
    let tenant = sim.tenant.read().unwrap();
    let g = match tenant.get(key) {
        Some(g) => g,
        None => return not_found(id, ids),
    };
    let mut obj = render_group(g, select.as_deref(), req.version, &tenant.domain);
    obj.insert("@odata.context".into(), Value::String(context(sim, req.version, &select, true)));
    ApiResponse::json(200, Value::Object(obj))
}

fn is_json_content_type(headers: &HashMap<String, String>) -> bool {
    headers
        .get("content-type")
        .map_or(false, |ct| ct.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"))
}

const BAD_PAYLOAD: &str =
    "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.";

fn patch(sim: &Sim, req: &ApiRequest, id: &str) -> ApiResponse {
    let ids = req.ids;
    if let Err(e) = parse_options(req.query, ids, &[]) {
        return e;
    }
    let key = match parse_id(id, ids) {
        Ok(k) => k,
        Err(e) => return e,
    };
    if !is_json_content_type(req.headers) {
        return error(400, "Request_BadRequest", BAD_PAYLOAD, ids);
    }
    let body: Value = match req.body.map(serde_json::from_slice::<Value>) {
        Some(Ok(v)) => v,
        _ => return error(400, "Request_BadRequest", BAD_PAYLOAD, ids),
    };
    let obj = match body.as_object() {
        Some(o) => o,
        None => return error(400, "Request_BadRequest", "The request body must be a JSON object.", ids),
    };
    let mut new_name: Option<String> = None;
    let mut new_description: Option<Option<String>> = None;
    let mut wb: Option<&Value> = None;
    for (k, v) in obj {
        match (k.as_str(), v) {
            ("writebackConfiguration", _) if req.version == ApiVersion::V1 => {
                return error(
                    400,
                    "Request_BadRequest",
                    "Property 'writebackConfiguration' does not exist on type 'microsoft.graph.group' in v1.0: use the beta endpoint.",
                    ids,
                )
            }
            ("writebackConfiguration", Value::Object(_)) => wb = Some(v),
            ("writebackConfiguration", other) => {
                return error(
                    400,
                    "Request_BadRequest",
                    &format!("Invalid value for property 'writebackConfiguration': expected an object, found {}.", kind_of(other)),
                    ids,
                )
            }
            ("displayName", Value::String(s)) if !s.trim().is_empty() => new_name = Some(s.clone()),
            ("description", Value::String(s)) => new_description = Some(Some(s.clone())),
            ("description", Value::Null) => new_description = Some(None),
            ("displayName", _) | ("description", _) => {
                return error(400, "Request_BadRequest", &format!("Invalid value for property '{}'.", k), ids)
            }
            ("@odata.type", _) => {}
            (other, _) => {
                let msg = if canonical_prop(other, req.version).is_some() {
                    format!("graph-sim does not update property '{}': only writebackConfiguration, displayName and description.", other)
                } else {
                    // The service's own words for an unknown property
                    // (https://github.com/pnp/PnP-Sites-Core/issues/1807).
                    format!("Invalid property '{}'.", other)
                };
                return error(400, "Request_BadRequest", &msg, ids);
            }
        }
    }
    // writebackConfiguration's members, by the schema alone: isEnabled is a
    // nullable Boolean, onPremisesGroupType a nullable String (not an enum),
    // https://learn.microsoft.com/en-us/graph/api/resources/groupwritebackconfiguration?view=graph-rest-beta
    let mut change = WritebackChange::default();
    if let Some(Value::Object(inner)) = wb {
        for (k, v) in inner {
            match (k.as_str(), v) {
                ("isEnabled", Value::Bool(b)) => change.enabled = Some(Some(*b)),
                ("isEnabled", Value::Null) => change.enabled = Some(None),
                ("onPremisesGroupType", Value::String(s)) => change.type_set = Some(s.clone()),
                ("onPremisesGroupType", Value::Null) => change.type_null = true,
                ("isEnabled", other) | ("onPremisesGroupType", other) => {
                    let expected = if k == "isEnabled" { "Edm.Boolean" } else { "Edm.String" };
                    return error(
                        400,
                        "Request_BadRequest",
                        &format!("Invalid value for property 'writebackConfiguration.{}': expected {} or null, found {}.", k, expected, kind_of(other)),
                        ids,
                    );
                }
                (k, _) if k.starts_with("@odata.") => {}
                (other, _) => return error(400, "Request_BadRequest", &format!("Invalid property '{}'.", other), ids),
            }
        }
    }
    let mut tenant = sim.tenant.write().unwrap();
    let g = match tenant.get_mut(key) {
        Some(g) => g,
        None => return not_found(id, ids),
    };
    if sim.cfg.writeback_validation == WritebackValidation::Strict {
        if let Some(why) = strict_refusal(g, &change) {
            return error(400, "Request_BadRequest", &format!("{} (graph-sim --writeback-validation strict)", why), ids);
        }
    }
    // What is stored is what was sent, with the one documented exception:
    // a type, once set, is not cleared by null (the old one is kept,
    // https://github.com/microsoftgraph/msgraph-metadata/issues/332; that
    // the answer is then 204 is assumed). `isEnabled: null` is stored as
    // null (assumed: the property is nullable, nothing shows an answer).
    if let Some(e) = change.enabled {
        g.wb_enabled = e;
    }
    if let Some(t) = change.type_set {
        g.wb_type = Some(Cow::Owned(t));
    }
    if let Some(n) = new_name {
        g.display_name = n.into_boxed_str();
    }
    if let Some(d) = new_description {
        g.description = d.map(Cow::Owned);
    }
    drop(tenant);
    sim.stats.lock().unwrap().writes += 1;
    ApiResponse::no_content()
}

/// The `writebackConfiguration` members of a `PATCH`, as sent.
#[derive(Default)]
struct WritebackChange {
    /// `Some(None)`: `"isEnabled": null`.
    enabled: Option<Option<bool>>,
    type_set: Option<String>,
    type_null: bool,
}

/// The documented `onPremisesGroupType` values (compared case-insensitively:
/// the service has echoed `UniversalSecurityGroup`).
const KNOWN_TYPES: [&str; 3] = ["universalDistributionGroup", "universalSecurityGroup", "universalMailEnabledSecurityGroup"];

/// `--writeback-validation strict`: graph-sim's own table of the writeback
/// changes it refuses. An assumption, not an imitation: nothing public shows
/// the service refusing any of these (it types `onPremisesGroupType` as a
/// plain string). The conditions are written here from the documented
/// eligibility (which kinds can be written back, as which types), not taken
/// from the client's code, so a client whose rules are wrong is caught.
fn strict_refusal(g: &StoredGroup, change: &WritebackChange) -> Option<&'static str> {
    if change.enabled.is_none() && change.type_set.is_none() && !change.type_null {
        return None;
    }
    if g.on_premises_sync_enabled == Some(true) {
        return Some("A group synced from on-premises cannot be written back.");
    }
    // Kinds, from groupTypes, securityEnabled and mailEnabled.
    let security_only = if g.is_unified() {
        false
    } else {
        match (g.security_enabled, g.mail_enabled) {
            (Some(true), Some(false)) => true,
            (Some(true), Some(true)) => return Some("A mail-enabled security group cannot be written back."),
            (Some(false), Some(true)) => return Some("A cloud distribution group cannot be written back."),
            _ => return Some("The group's kind (groupTypes, securityEnabled, mailEnabled) does not allow writeback."),
        }
    };
    let allowed = |t: &str| -> Result<(), &'static str> {
        if !KNOWN_TYPES.iter().any(|k| k.eq_ignore_ascii_case(t)) {
            Err("onPremisesGroupType is not one of universalDistributionGroup, universalSecurityGroup, universalMailEnabledSecurityGroup.")
        } else if security_only && !t.eq_ignore_ascii_case("universalSecurityGroup") {
            Err("A security group can only be written back as universalSecurityGroup.")
        } else {
            Ok(())
        }
    };
    if change.type_null && g.wb_type.is_some() {
        return Some("onPremisesGroupType cannot be reset to null once set.");
    }
    if let Some(t) = &change.type_set {
        if let Err(why) = allowed(t) {
            return Some(why);
        }
    }
    if change.enabled == Some(None) {
        return Some("isEnabled cannot be set to null.");
    }
    // Enabling keeps a stored type: it must be allowed too.
    let enabled_after = change.enabled.unwrap_or(g.wb_enabled);
    let type_after = change.type_set.as_deref().or(g.wb_type.as_deref());
    if let (Some(true), Some(t)) = (enabled_after, type_after) {
        if let Err(why) = allowed(t) {
            return Some(why);
        }
    }
    None
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

// ------------------------------------------------------------ $batch

pub const MAX_BATCH: usize = 20;

struct SubRequest {
    id: String,
    method: String,
    url: String,
    headers: HashMap<String, String>,
    /// Header names as sent, for echoing nothing but checking presence.
    body: Option<Value>,
    depends_on: Vec<String>,
}

fn batch(sim: &Sim, req: &ApiRequest) -> ApiResponse {
    let ids = req.ids;
    let bad = |msg: &str| error(400, "BadRequest", msg, ids);
    if !is_json_content_type(req.headers) {
        return bad("Invalid batch payload format: Content-Type must be application/json.");
    }
    let payload: Value = match req.body.map(serde_json::from_slice::<Value>) {
        Some(Ok(v)) => v,
        _ => return bad("Invalid batch payload format."),
    };
    let list = match payload.get("requests").and_then(Value::as_array) {
        Some(l) => l,
        None => return bad("Invalid batch payload format: 'requests' must be an array."),
    };
    if list.len() > MAX_BATCH {
        return bad(&format!("The number of requests in the batch ({}) exceeds the limit of {}.", list.len(), MAX_BATCH));
    }
    let mut subs: Vec<SubRequest> = Vec::with_capacity(list.len());
    for (i, r) in list.iter().enumerate() {
        let field = |k: &str| r.get(k).and_then(Value::as_str).map(String::from);
        let id = match field("id") {
            Some(id) if !id.is_empty() => id,
            _ => return bad(&format!("Invalid batch payload format: request {} has no string 'id'.", i + 1)),
        };
        let method = match field("method") {
            Some(m) => m.to_ascii_uppercase(),
            None => return bad(&format!("Invalid batch payload format: request '{}' has no 'method'.", id)),
        };
        let url = match field("url") {
            Some(u) => u,
            None => return bad(&format!("Invalid batch payload format: request '{}' has no 'url'.", id)),
        };
        let mut headers = HashMap::new();
        match r.get("headers") {
            None | Some(Value::Null) => {}
            Some(Value::Object(h)) => {
                for (k, v) in h {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    headers.insert(k.to_ascii_lowercase(), v);
                }
            }
            Some(_) => return bad(&format!("Invalid batch payload format: 'headers' of request '{}' must be an object.", id)),
        }
        let depends_on = match r.get("dependsOn") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => {
                let mut d = Vec::new();
                for x in a {
                    match x.as_str() {
                        Some(s) => d.push(s.to_string()),
                        None => return bad(&format!("Invalid batch payload format: 'dependsOn' of request '{}' must list ids.", id)),
                    }
                }
                d
            }
            Some(_) => return bad(&format!("Invalid batch payload format: 'dependsOn' of request '{}' must be an array.", id)),
        };
        if subs.iter().any(|s| s.id.eq_ignore_ascii_case(&id)) {
            return bad(&format!("Request Id '{}' must be unique: the batch has it more than once.", id));
        }
        let body = match r.get("body") {
            None | Some(Value::Null) => None,
            Some(b) => Some(b.clone()),
        };
        subs.push(SubRequest { id, method, url, headers, body, depends_on });
    }
    for s in &subs {
        for d in &s.depends_on {
            if !subs.iter().any(|o| o.id.eq_ignore_ascii_case(d)) {
                return bad(&format!("Request '{}' depends on '{}', which is not in the batch.", s.id, d));
            }
        }
    }
    // Dependency order (stable), refusing cycles.
    let mut order: Vec<usize> = Vec::with_capacity(subs.len());
    let mut placed = vec![false; subs.len()];
    while order.len() < subs.len() {
        let before = order.len();
        for i in 0..subs.len() {
            if placed[i] {
                continue;
            }
            let ready = subs[i].depends_on.iter().all(|d| {
                subs.iter().position(|o| o.id.eq_ignore_ascii_case(d)).map_or(false, |j| placed[j])
            });
            if ready {
                placed[i] = true;
                order.push(i);
            }
        }
        if order.len() == before {
            return bad("The dependsOn references of the batch form a cycle.");
        }
    }
    let mut results: Vec<Option<(u16, Value)>> = vec![None; subs.len()];
    for &i in &order {
        let s = &subs[i];
        let failed_dep = s.depends_on.iter().any(|d| {
            let j = subs.iter().position(|o| o.id.eq_ignore_ascii_case(d)).unwrap();
            results[j].as_ref().map_or(true, |(st, _)| !(200..300).contains(st))
        });
        let fault = crate::server::decide_batch_fault(&sim.cfg.faults, req.seq, i);
        // Each sub-request is a request of its own: its own request id in
        // an error's innerError, and the batch's client-request-id (assumed;
        // the JSON batching doc's example shows sub-responses with a
        // request-id each, two of them the same).
        let sub_ids = Ids { request_id: random_guid(), client_request_id: ids.client_request_id.clone() };
        let resp = if failed_dep {
            error(424, "FailedDependency", "The request failed because a request it depends on failed.", &sub_ids)
        } else if let Some(status) = fault {
            // Answered with a fault, not run: nothing is read or changed.
            let mut st = sim.stats.lock().unwrap();
            st.fault_batch_errors += 1;
            if status == 429 {
                st.throttled += 1;
            }
            drop(st);
            crate::server::batch_fault_response(&sim.cfg.faults, status, &sub_ids)
        } else {
            run_sub(sim, req, s, &sub_ids)
        };
        sim.stats.lock().unwrap().record_sub(resp.status);
        results[i] = Some((resp.status, sub_response_json(&s.id, resp)));
    }
    let mut responses: Vec<Value> = results.into_iter().map(|r| r.unwrap().1).collect();
    if sim.cfg.shuffle_batch && responses.len() > 1 {
        let mut rng = SeededRng::new(sim.cfg.faults.seed ^ req.seq.wrapping_mul(0x2545_f491_4f6c_dd1d));
        for i in (1..responses.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            responses.swap(i, j);
        }
    }
    ApiResponse::json(200, json!({ "responses": responses }))
}

fn sub_response_json(id: &str, resp: ApiResponse) -> Value {
    let mut headers = Map::new();
    headers.insert("Cache-Control".into(), Value::String("no-cache".into()));
    for (k, v) in resp.headers {
        headers.insert(k, Value::String(v));
    }
    let mut obj = Map::new();
    obj.insert("id".into(), Value::String(id.to_string()));
    obj.insert("status".into(), json!(resp.status));
    obj.insert("headers".into(), Value::Object(headers));
    match resp.body {
        RespBody::None => {}
        RespBody::Json(v) => {
            obj.insert("body".into(), v);
        }
        RespBody::Text(t) => {
            obj.insert("body".into(), Value::String(t));
        }
    }
    Value::Object(obj)
}

fn run_sub(sim: &Sim, outer: &ApiRequest, s: &SubRequest, ids: &Ids) -> ApiResponse {
    let lower = s.url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return error(400, "BadRequest", &format!("Invalid request URI '{}': a batch request URL is relative, as in /groups/{{id}}.", s.url), ids);
    }
    let (path, query) = match s.url.split_once('?') {
        Some((p, q)) => (p, q),
        None => (s.url.as_str(), ""),
    };
    let path = format!("/{}", path.trim_start_matches('/'));
    let body_bytes: Option<Vec<u8>> = match &s.body {
        None => None,
        Some(b) => {
            if !s.headers.contains_key("content-type") {
                return error(400, "BadRequest", "Content-Type header must be specified for a request with a body.", ids);
            }
            if is_json_content_type(&s.headers) {
                Some(serde_json::to_vec(b).unwrap_or_default())
            } else {
                match b {
                    Value::String(text) => Some(
                        base64::decode(text).or_else(|_| b64url_decode(text).ok_or(())).unwrap_or_else(|_| text.clone().into_bytes()),
                    ),
                    other => Some(serde_json::to_vec(other).unwrap_or_default()),
                }
            }
        }
    };
    let sub = ApiRequest {
        method: &s.method,
        version: outer.version,
        path: &path,
        query,
        headers: &s.headers,
        body: body_bytes.as_deref(),
        principal: outer.principal,
        ids,
        in_batch: true,
        seq: outer.seq,
    };
    handle(sim, &sub)
}

/// The raw stored state of a group, for `/_sim/groups/{id}`.
pub fn raw_group(sim: &Sim, id: &str) -> Option<Value> {
    let key = parse_guid(id)?;
    let tenant = sim.tenant.read().unwrap();
    let g = tenant.get(key)?;
    // Only what is stored: graph-sim computes nothing the client decides
    // (kind, effective writeback).
    Some(g.to_file_json(&tenant.domain))
}
