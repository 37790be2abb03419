//! Bulk changes: many groups through JSON `$batch` (20 requests a batch),
//! several batches in flight, writes paced to the quota, sub-requests
//! retried on their own `Retry-After`. Every requested group ends with
//! exactly one result: `written`, `noChange`, `refused`, `failed` or
//! `cancelled` (never sent because the operation was cancelled first).

use crate::domain::{ChangeRequest, Decision, Group, WritebackState};
use crate::graph::{gave_up, group_ref, parse_error, select_list, Charge, Client, GraphError, Inner, Progress};
use crate::retry::{is_retryable_status, sleep_or_cancel, Cost, Next, RetryState, Signal};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::time::Instant;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// At most 20 requests in one `$batch`.
pub const BATCH_LIMIT: usize = 20;

/// One per-group result object.
pub fn result_json(
    group: &Value,
    result: &str,
    body: Option<&Value>,
    refusal: Option<&crate::domain::Refusal>,
    error: Option<&GraphError>,
    attempts: u32,
) -> Value {
    json!({
        "id": group["id"],
        "displayName": group["displayName"],
        "result": result,
        "body": body,
        "refusal": refusal.map(|r| json!({"code": r.code.name(), "message": r.message})),
        "error": error.map(GraphError::to_json),
        "attempts": attempts,
    })
}

struct Item {
    index: usize,
    id: String,
    request: Option<ChangeRequest>,
    group: Option<Group>,
    /// Set when the item already has its result.
    done: bool,
}

/// A bulk change in progress. Results are pulled with [`Bulk::poll`].
pub struct Bulk {
    shared: Arc<Shared>,
    cancel: CancellationToken,
    rt: Arc<tokio::runtime::Runtime>,
}

struct Shared {
    results: Mutex<Vec<Value>>,
    delivered: Mutex<usize>,
    finished: AtomicBool,
    notify: Notify,
    progress: Arc<Progress>,
    /// The client's counters, which count bulk changes too.
    client: Arc<Inner>,
    /// The number of results there will be.
    total: usize,
}

impl Shared {
    fn push(&self, mut r: Value, index: usize) {
        r["index"] = json!(index);
        let field: fn(&Progress) -> &std::sync::atomic::AtomicU64 = match r["result"].as_str() {
            Some("written") => |p| &p.written,
            // A preview's change that would be written: counted as not
            // (yet) needing a write is wrong, as failed is too; it is the
            // preview's own count.
            Some("wouldWrite") => |p| &p.would_write,
            Some("noChange") => |p| &p.no_change,
            Some("refused") => |p| &p.refused,
            Some("cancelled") => |p| &p.cancelled,
            _ => |p| &p.failed,
        };
        self.progress.add(field, 1);
        self.client.progress.add(field, 1);
        self.results.lock().unwrap_or_else(|p| p.into_inner()).push(r);
        self.notify.notify_waiters();
    }
}

impl Drop for Bulk {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Reads the items: `[{"id": "...", "state": "Security"}` or
/// `{"id", "isEnabled", "onPremisesGroupType"}`, optionally with `"group"`:
/// the group's current Graph JSON (skips reading it)`]`.
fn parse_items(items: &Value) -> Result<Vec<(Item, Option<Value>)>, GraphError> {
    let arr = items.as_array().ok_or_else(|| {
        GraphError::InvalidArgument("the changes must be a JSON array of {\"id\", \"state\"} objects".into())
    })?;
    let mut out = Vec::with_capacity(arr.len());
    for (index, v) in arr.iter().enumerate() {
        let id = v.get("id").and_then(Value::as_str).unwrap_or("").trim().to_string();
        let mut item = Item { index, id: id.clone(), request: None, group: None, done: false };
        let mut early: Option<Value> = None;
        let bad = |msg: String| {
            Some(result_json(&json!({"id": id, "displayName": null}), "failed", None, None,
                Some(&GraphError::InvalidArgument(msg)), 0))
        };
        if !v.is_object() {
            early = bad(format!("change {} is not a JSON object", index));
        } else if id.is_empty() {
            early = bad(match v.get("id") {
                None | Some(Value::Null) => format!("change {} has no group id (give \"id\")", index),
                Some(Value::String(raw)) => format!(
                    "the group id '{}' is blank: give the group's object id",
                    crate::secret::clean_field(raw, 64)
                ),
                Some(other) => format!(
                    "change {}: the group id must be a string, not {}",
                    index,
                    crate::domain::json_kind(other)
                ),
            });
        } else if id.len() > 256 || id.chars().any(|c| c.is_control()) {
            // The same rule as a single read or write: never sent.
            early = bad(format!("change {}: '{}' is not a group id", index, id.chars().take(64).collect::<String>()));
        } else {
            let req = match v.get("state") {
                Some(Value::String(s)) => match WritebackState::parse(s) {
                    Some(st) => st.to_request().ok_or_else(|| "state".to_string()),
                    None => Err(format!(
                        "'{}' is not a writeback state: use NoWriteback, Security, Distribution or MailEnabledSecurity",
                        s
                    )),
                },
                Some(other) => Err(format!("'state' must be a string, not {}", other)),
                None => {
                    let mut props = v.as_object().cloned().unwrap_or_default();
                    props.remove("id");
                    props.remove("group");
                    ChangeRequest::from_json_str(&Value::Object(props).to_string()).map_err(|e| e.to_string())
                }
            };
            match req {
                Ok(r) => item.request = Some(r),
                Err(msg) => early = bad(msg),
            }
            if let Some(g) = v.get("group").filter(|g| !g.is_null()) {
                match Group::from_json(g) {
                    Ok(g) => item.group = Some(g),
                    Err(e) => early = bad(format!("the 'group' of change {} is not a group: {}", index, e)),
                }
            }
        }
        if early.is_some() {
            item.done = true;
        }
        out.push((item, early));
    }
    Ok(out)
}

/// Whether a bulk change writes, or only reads and decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    /// Read what must be read and apply the rules, as a real change does,
    /// but send no PATCH: what would be written ends `wouldWrite`, with the
    /// body, the summary and the group as read (a preview, for `-WhatIf` and
    /// `-Confirm`, whose confirmed changes are then sent with their
    /// `group`, so nothing is read twice).
    Check,
}

impl Client {
    /// Starts a bulk change in the background; see [`Bulk::poll`].
    pub fn bulk_set(&self, items: &Value) -> Result<Bulk, GraphError> {
        self.bulk(items, Mode::Write)
    }

    /// Starts a bulk change that only reads and decides; see [`Mode::Check`].
    pub fn bulk_check(&self, items: &Value) -> Result<Bulk, GraphError> {
        self.bulk(items, Mode::Check)
    }

    fn bulk(&self, items: &Value, mode: Mode) -> Result<Bulk, GraphError> {
        let parsed = parse_items(items)?;
        let cancel = self.operation_token();
        let progress = Arc::new(Progress::default());
        progress.add(|p| &p.total, parsed.len() as u64);
        self.inner.progress.add(|p| &p.total, parsed.len() as u64);
        let shared = Arc::new(Shared {
            results: Mutex::new(Vec::with_capacity(parsed.len())),
            delivered: Mutex::new(0),
            finished: AtomicBool::new(false),
            notify: Notify::new(),
            progress,
            client: self.inner.clone(),
            total: parsed.len(),
        });
        let mut items = Vec::with_capacity(parsed.len());
        for (item, early) in parsed {
            if let Some(r) = early {
                shared.push(r, item.index);
            }
            items.push(item);
        }
        let inner = self.inner.clone();
        let task_shared = shared.clone();
        let task_cancel = cancel.clone();
        self.rt.spawn(async move {
            run(inner, items, task_shared.clone(), task_cancel, mode).await;
            task_shared.finished.store(true, Ordering::SeqCst);
            task_shared.notify.notify_waiters();
        });
        Ok(Bulk { shared, cancel, rt: self.rt.clone() })
    }
}

impl Bulk {
    /// Waits up to `timeout` for new results; returns those not returned
    /// before, and whether every result has now been returned.
    pub fn poll(&self, timeout: Duration) -> (Vec<Value>, bool) {
        let shared = self.shared.clone();
        self.rt.block_on(async move {
            let deadline = Instant::now() + timeout;
            loop {
                let notified = shared.notify.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                {
                    let results = shared.results.lock().unwrap_or_else(|p| p.into_inner());
                    let mut delivered = shared.delivered.lock().unwrap_or_else(|p| p.into_inner());
                    let finished = shared.finished.load(Ordering::SeqCst);
                    if results.len() > *delivered || finished {
                        let new = results[*delivered..].to_vec();
                        *delivered = results.len();
                        let all = finished && *delivered >= shared.total;
                        return (new, all || (finished && results.len() == *delivered));
                    }
                }
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return (Vec::new(), false);
                }
                let _ = tokio::time::timeout(left, notified).await;
            }
        })
    }

    /// Stops dispatching (from any thread). Batches already sent finish, so
    /// their results are known; groups not yet sent end as `cancelled`.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    pub fn progress(&self) -> &Progress {
        &self.shared.progress
    }

    pub fn total(&self) -> usize {
        self.shared.total
    }
}

/// Values in one `$filter=id in (...)`: "When using the `in` operator, the
/// request is limited to 15 expressions in the filter clause by default"
/// (Microsoft Graph known issues, "Some limitations apply to query
/// parameters"; the group resource documents `$filter` `in` on `id`).
///
/// Why `id in` inside `$batch`, and not the alternatives Microsoft
/// documents: `directoryObjects/getByIds` takes up to 1,000 ids, but it
/// needs `Directory.Read.All` (the app has `Group.ReadWrite.All`), costs 5
/// resource units, and is not documented to return beta's
/// `writebackConfiguration` or to honour `$select`; `id in` on
/// `/beta/groups` is the listing this client already reads, with the same
/// `$select`, and costs one resource unit a request. Twenty of them in one
/// `$batch` read 300 groups in one round trip.
pub(crate) const ID_IN_LIMIT: usize = 15;

/// What a sub-request is for.
#[derive(Clone, Debug)]
enum Purpose {
    /// `GET /groups?$filter=id in (...)`: the groups of these items.
    ReadMany(Vec<usize>),
    /// `GET /groups/{id}`: one item's group.
    ReadOne(usize),
    /// `PATCH /groups/{id}`.
    Write(usize),
}

/// A pending sub-request.
struct Pending {
    purpose: Purpose,
    method: &'static str,
    url: String,
    body: Option<Value>,
    attempts: u32,
    not_before: Instant,
    retries: RetryState,
}

impl Pending {
    fn new(purpose: Purpose, method: &'static str, url: String, body: Option<Value>) -> Pending {
        Pending { purpose, method, url, body, attempts: 0, not_before: Instant::now(), retries: RetryState::default() }
    }

    /// `GET /groups/{id}` for one item.
    fn read_one(item: &Item, select: &str) -> Pending {
        Pending::new(Purpose::ReadOne(item.index), "GET", format!("/groups/{}?$select={}", encode(&item.id), select), None)
    }

    /// `GET /groups?$filter=id in (...)` for up to [`ID_IN_LIMIT`] items
    /// whose ids are GUIDs.
    fn read_many(chunk: &[&Item], select: &str) -> Pending {
        let ids: Vec<String> = chunk.iter().map(|i| format!("'{}'", i.id)).collect();
        let filter = format!("id in ({})", ids.join(","));
        Pending::new(
            Purpose::ReadMany(chunk.iter().map(|i| i.index).collect()),
            "GET",
            format!("/groups?$filter={}&$select={}", encode(&filter), select),
            None,
        )
    }

    fn cost(&self) -> Cost {
        if self.method == "GET" {
            Cost::read()
        } else {
            Cost::write()
        }
    }
}

/// What came back for one sub-request.
enum SubOutcome {
    Done(Value),
    Failed(GraphError),
    Retry(GraphError),
}

/// True for an id the service could hold: a GUID (8-4-4-4-12 hex digits).
/// Only these go into an `id in (...)` filter, which the service may refuse
/// whole for one malformed value; others are read on their own.
fn is_guid(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

/// An item whose group could not be read: its result now, `cancelled` when
/// the change was stopped first, else `failed`.
fn unread(shared: &Shared, it: &mut Item, (err, attempts): (GraphError, u32)) {
    let cancelled = matches!(err, GraphError::Cancelled);
    let result = if cancelled { "cancelled" } else { "failed" };
    let error = if cancelled { None } else { Some(&err) };
    shared.push(result_json(&json!({"id": it.id, "displayName": null}), result, None, None, error, attempts), it.index);
    it.done = true;
}

/// Reads one group from Graph's JSON, which must be the group asked for.
fn read_group(it: &Item, body: &Value) -> Result<Group, GraphError> {
    crate::graph::the_group(&it.id, body)
}

/// Step 1 of a bulk change: reads the groups whose state was not given.
/// GUIDs are read fifteen to a request (`$filter=id in (...)`), twenty
/// requests to a `$batch`. An id the filter did not return is read on its
/// own, so a group that does not exist gets the service's own 404, and a
/// filter the service refuses whole (400) is read id by id, so one bad id
/// never fails its neighbours.
async fn read_groups(inner: &Arc<Inner>, items: &mut [Item], shared: &Arc<Shared>, cancel: &CancellationToken) {
    let select = select_list(&[]);
    let need: Vec<&Item> = items.iter().filter(|i| !i.done && i.group.is_none()).collect();
    let (guids, others): (Vec<&Item>, Vec<&Item>) = need.into_iter().partition(|i| is_guid(&i.id));
    let mut reads: Vec<Pending> = guids.chunks(ID_IN_LIMIT).map(|c| Pending::read_many(c, &select)).collect();
    reads.extend(others.into_iter().map(|i| Pending::read_one(i, &select)));
    while !reads.is_empty() {
        let mut outcomes = Vec::new();
        dispatch(inner, reads, shared, cancel, |p, o| outcomes.push((p, o))).await;
        let mut again = Vec::new();
        for (p, outcome) in outcomes {
            match (p.purpose, outcome) {
                (Purpose::ReadMany(idxs), Ok(body)) => {
                    let mut found: HashMap<String, &Value> = HashMap::new();
                    let page = body.get("value").and_then(Value::as_array);
                    for g in page.into_iter().flatten() {
                        if let Some(id) = g.get("id").and_then(Value::as_str) {
                            found.insert(id.to_ascii_lowercase(), g);
                        }
                    }
                    for idx in idxs {
                        let it = &mut items[idx];
                        if page.is_none() {
                            let e = GraphError::InvalidResponse("the answer to $filter=id in (...) had no 'value' array".into());
                            unread(shared, it, (e, p.attempts));
                            continue;
                        }
                        match found.get(&it.id.to_ascii_lowercase()) {
                            Some(g) => match read_group(it, g) {
                                Ok(g) => it.group = Some(g),
                                Err(e) => unread(shared, it, (e, p.attempts)),
                            },
                            None => again.push(Pending::read_one(it, &select)),
                        }
                    }
                }
                (Purpose::ReadMany(idxs), Err((GraphError::Graph { status: 400, .. }, _))) => {
                    again.extend(idxs.into_iter().map(|idx| Pending::read_one(&items[idx], &select)));
                }
                (Purpose::ReadMany(idxs), Err((e, attempts))) => {
                    for idx in idxs {
                        unread(shared, &mut items[idx], (e.clone(), attempts));
                    }
                }
                (Purpose::ReadOne(idx), Ok(body)) => {
                    let it = &mut items[idx];
                    match read_group(it, &body) {
                        Ok(g) => it.group = Some(g),
                        Err(e) => unread(shared, it, (e, p.attempts)),
                    }
                }
                (Purpose::ReadOne(idx), Err(e)) => unread(shared, &mut items[idx], e),
                (Purpose::Write(_), _) => unreachable!("reads only"),
            }
        }
        reads = again;
    }
}

async fn run(inner: Arc<Inner>, mut items: Vec<Item>, shared: Arc<Shared>, cancel: CancellationToken, mode: Mode) {
    // Duplicate groups: only the first occurrence is applied.
    let mut first: HashMap<String, usize> = HashMap::new();
    for it in items.iter_mut().filter(|i| !i.done) {
        let key = it.id.to_ascii_lowercase();
        if let Some(prev) = first.get(&key) {
            let e = GraphError::InvalidArgument(format!(
                "group {} appears more than once in this change; only its first occurrence (change {}) is applied",
                it.id, prev
            ));
            shared.push(result_json(&json!({"id": it.id, "displayName": null}), "failed", None, None, Some(&e), 0), it.index);
            it.done = true;
        } else {
            first.insert(key, it.index);
        }
    }

    // 1. Read the groups whose current state was not given.
    read_groups(&inner, &mut items, &shared, &cancel).await;

    // 2. The rules decide; only real changes are sent.
    let mut writes = Vec::new();
    let mut afters = HashMap::new();
    for it in items.iter_mut().filter(|i| !i.done) {
        let group = it.group.as_ref().expect("read above");
        let gref = group_ref(group, &it.id);
        let decision = group.validate(it.request.as_ref().expect("parsed"));
        let summary = Value::String(crate::domain::describe_change(group, &decision));
        match decision {
            Decision::Refused(r) => {
                let mut r = result_json(&gref, "refused", None, Some(&r), None, 0);
                r["summary"] = summary;
                shared.push(r, it.index);
                it.done = true;
            }
            Decision::NoChange => {
                let mut r = result_json(&gref, "noChange", None, None, None, 0);
                r["group"] = crate::report::explain(group);
                r["summary"] = summary;
                shared.push(r, it.index);
                it.done = true;
            }
            Decision::Send { body, after, makes_explicit } if mode == Mode::Check => {
                let mut r = result_json(&gref, "wouldWrite", Some(&body), None, None, 0);
                r["after"] = after.to_json();
                r["madeExplicit"] = Value::Bool(makes_explicit);
                r["group"] = crate::report::explain(group);
                r["summary"] = summary;
                shared.push(r, it.index);
                it.done = true;
            }
            Decision::Send { body, after, makes_explicit } => {
                afters.insert(it.index, (after, makes_explicit));
                writes.push(Pending::new(Purpose::Write(it.index), "PATCH", format!("/groups/{}", encode(&it.id)), Some(body)));
            }
        }
    }

    // 3. Write, paced.
    let bodies: HashMap<usize, Value> = writes.iter().map(|w| (item_of(w), w.body.clone().unwrap_or(Value::Null))).collect();
    dispatch(&inner, writes, &shared, &cancel, |p, outcome| {
        let idx = item_of(&p);
        let it = &items[idx];
        let group = it.group.as_ref().expect("read above");
        let gref = group_ref(group, &it.id);
        let body = bodies.get(&idx);
        match outcome {
            Ok(_) => {
                let mut r = result_json(&gref, "written", body, None, None, p.attempts);
                if let Some((a, makes_explicit)) = afters.get(&idx) {
                    r["after"] = a.to_json();
                    r["madeExplicit"] = Value::Bool(*makes_explicit);
                    // The group as it now is: what was read, with the
                    // configuration written.
                    let now = crate::domain::Group { writeback: a.clone(), ..group.clone() };
                    r["group"] = crate::report::explain(&now);
                }
                shared.push(r, idx)
            }
            Err((GraphError::Cancelled, attempts)) => {
                shared.push(result_json(&gref, "cancelled", body, None, None, attempts), idx)
            }
            Err((e, attempts)) => shared.push(result_json(&gref, "failed", body, None, Some(&e), attempts), idx),
        }
    })
    .await;
}

/// The item a single-item sub-request is for.
fn item_of(p: &Pending) -> usize {
    match &p.purpose {
        Purpose::ReadOne(i) | Purpose::Write(i) => *i,
        Purpose::ReadMany(v) => v[0],
    }
}

/// Percent-encodes a path segment or query value (spaces as `%20`).
fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>().replace('+', "%20")
}

/// Sends sub-requests in `$batch`es until each has an outcome, handing each
/// back with it: the body, or the error with the attempt count. Every
/// sub-request waits its turn on the client's pace (resource units, and the
/// write quota for writes); a batch holds no more than the pace's current
/// burst, so requests throttled together go out again spread at the
/// (slowed) pace, not as a herd. Retries follow the client's
/// [`RetryBudget`](crate::retry::RetryBudget): time while the service
/// throttles, a count as well for other failures.
async fn dispatch(
    inner: &Arc<Inner>,
    pending: Vec<Pending>,
    shared: &Arc<Shared>,
    cancel: &CancellationToken,
    mut on_done: impl FnMut(Pending, Result<Value, (GraphError, u32)>),
) {
    let mut queue: VecDeque<Pending> = pending.into();
    let mut inflight: JoinSet<Vec<(Pending, Signal, SubOutcome)>> = JoinSet::new();
    let concurrency = inner.opts.batch_concurrency.max(1);
    let budget = inner.retry_budget();
    let bump = |f: fn(&Progress) -> &std::sync::atomic::AtomicU64, n: u64| {
        inner.progress.add(f, n);
        shared.progress.add(f, n);
    };
    // Sent batches must finish even when the caller cancels, so that what
    // was written is known: they run under a token that is never cancelled.
    let sent_token = CancellationToken::new();
    loop {
        // Fill the pipeline with batches of ready requests.
        while inflight.len() < concurrency && !cancel.is_cancelled() {
            let now = Instant::now();
            let each = match queue.iter().find(|p| p.not_before <= now) {
                Some(p) => p.cost(),
                None => break,
            };
            let most = inner.pace.batch_size(each).min(BATCH_LIMIT);
            let mut batch = Vec::new();
            let mut rest = VecDeque::with_capacity(queue.len());
            while let Some(p) = queue.pop_front() {
                if batch.len() < most && p.not_before <= now && p.cost() == each {
                    batch.push(p);
                } else {
                    rest.push_back(p);
                }
            }
            queue = rest;
            match inner.pace.acquire(each.times(batch.len() as u32), cancel).await {
                Some(waited) => bump(|p| &p.pacing_wait_ms, waited.as_millis() as u64),
                None => {
                    queue.extend(batch);
                    break;
                }
            }
            let inner2 = inner.clone();
            let shared2 = shared.clone();
            let token = sent_token.clone();
            inflight.spawn(async move { send_batch(&inner2, batch, each, &shared2, &token).await });
        }
        if inflight.is_empty() {
            if queue.is_empty() {
                break;
            }
            if cancel.is_cancelled() {
                for p in queue.drain(..) {
                    let attempts = p.attempts;
                    on_done(p, Err((GraphError::Cancelled, attempts)));
                }
                break;
            }
            // Nothing in flight: wait for the earliest retry time.
            let earliest = queue.iter().map(|p| p.not_before).min().expect("non-empty");
            sleep_or_cancel(earliest.saturating_duration_since(Instant::now()), cancel).await;
            continue;
        }
        let finished = tokio::select! {
            r = inflight.join_next() => r,
            _ = cancel.cancelled(), if !cancel.is_cancelled() => continue,
        };
        let results = match finished {
            Some(Ok(r)) => r,
            // A batch task cannot panic short of a bug; its outcomes stay unknown.
            _ => continue,
        };
        for (mut p, signal, outcome) in results {
            let attempts = p.attempts;
            match outcome {
                SubOutcome::Done(body) => {
                    inner.pace.learn(p.cost(), &signal, Duration::ZERO);
                    on_done(p, Ok(body))
                }
                SubOutcome::Failed(e) => on_done(p, Err((e, attempts))),
                SubOutcome::Retry(e) => {
                    let throttled = signal.status == 429;
                    match budget.next(&mut p.retries, throttled, signal.retry_after) {
                        Next::GiveUp(why) => on_done(p, Err((gave_up(e, &why), attempts))),
                        Next::Wait(wait) => {
                            bump(|p| &p.retries, 1);
                            if throttled {
                                bump(|p| &p.throttle_wait_ms, wait.as_millis() as u64);
                                inner.pace.learn(p.cost(), &signal, wait);
                            }
                            p.not_before = Instant::now() + wait;
                            queue.push_back(p);
                        }
                    }
                }
            }
        }
        if cancel.is_cancelled() && inflight.is_empty() {
            for p in queue.drain(..) {
                let attempts = p.attempts;
                on_done(p, Err((GraphError::Cancelled, attempts)));
            }
            break;
        }
    }
}

/// Sends one `$batch` (its sub-requests' pace already paid) and sorts out
/// each sub-response.
async fn send_batch(
    inner: &Arc<Inner>,
    mut batch: Vec<Pending>,
    each: Cost,
    shared: &Arc<Shared>,
    token: &CancellationToken,
) -> Vec<(Pending, Signal, SubOutcome)> {
    let requests: Vec<Value> = batch
        .iter_mut()
        .enumerate()
        .map(|(n, p)| {
            p.attempts += 1;
            let mut r = json!({"id": (n + 1).to_string(), "method": p.method, "url": p.url});
            if let Some(b) = &p.body {
                r["headers"] = json!({"Content-Type": "application/json"});
                r["body"] = b.clone();
            }
            r
        })
        .collect();
    let url = inner.beta.join("$batch").expect("relative path");
    let charge = Charge::Paid(each.times(batch.len() as u32));
    let reply = inner
        .send_as(reqwest::Method::POST, url, Some(json!({"requests": requests})), &[], charge, token, &[&shared.progress], |b: &bytes::Bytes| {
            serde_json::from_slice::<Value>(b)
        })
        .await;
    let body = match reply {
        Ok(r) => r.body.unwrap_or(Value::Null),
        Err(e) => {
            // The whole batch failed after the client's own retries: for
            // writes the outcome is unknown, so say so.
            return batch.into_iter().map(|p| (p, Signal::default(), SubOutcome::Failed(e.clone()))).collect();
        }
    };
    let mut by_id: HashMap<String, Value> = HashMap::new();
    if let Some(responses) = body.get("responses").and_then(Value::as_array) {
        for r in responses {
            if let Some(id) = r.get("id").and_then(|v| v.as_str().map(str::to_string).or_else(|| v.as_u64().map(|n| n.to_string()))) {
                by_id.insert(id, r.clone());
            }
        }
    }
    let now = SystemTime::now();
    batch
        .into_iter()
        .enumerate()
        .map(|(n, p)| {
            let r = match by_id.remove(&(n + 1).to_string()) {
                Some(r) => r,
                None => {
                    let e = GraphError::InvalidResponse("the $batch answer had no response for this request".into());
                    return (p, Signal::default(), SubOutcome::Retry(e));
                }
            };
            let status = r.get("status").and_then(Value::as_u64).unwrap_or(0).min(999) as u16;
            let header = |name: &str| {
                r.get("headers").and_then(Value::as_object).and_then(|h| {
                    h.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.as_str().map(str::to_string))
                })
            };
            let signal = Signal::read(status, header, now);
            let body = r.get("body").cloned().unwrap_or(Value::Null);
            let outcome = if (200..300).contains(&status) {
                SubOutcome::Done(body)
            } else {
                let e = parse_error(status, &body, header("request-id"));
                if status == 429 {
                    inner.progress.add(|p| &p.throttled, 1);
                    shared.progress.add(|p| &p.throttled, 1);
                }
                if is_retryable_status(status) {
                    SubOutcome::Retry(e)
                } else {
                    SubOutcome::Failed(e)
                }
            };
            (p, signal, outcome)
        })
        .collect()
}
