//! Bulk changes: many groups through JSON `$batch` (20 requests a batch),
//! several batches in flight, writes paced to the quota, sub-requests
//! retried on their own `Retry-After`. Every requested group ends with
//! exactly one result: `written`, `noChange`, `refused`, `failed` or
//! `cancelled` (never sent because the operation was cancelled first).

use crate::domain::{ChangeRequest, Decision, Group, WritebackState};
use crate::graph::{parse_error, select_list, Client, GraphError, Inner, Progress};
use crate::retry::{backoff, is_retryable_status, parse_retry_after, sleep_or_cancel};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
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
            early = bad(format!("change {} has no group id", index));
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

impl Client {
    /// Starts a bulk change in the background; see [`Bulk::poll`].
    pub fn bulk_set(&self, items: &Value) -> Result<Bulk, GraphError> {
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
            run(inner, items, task_shared.clone(), task_cancel).await;
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

/// A pending sub-request.
#[derive(Clone)]
struct Pending {
    item: usize,
    method: &'static str,
    url: String,
    body: Option<Value>,
    attempts: u32,
    not_before: Instant,
    /// Time spent waiting to retry it, bounded by `maxRetryWaitSeconds`.
    waited: Duration,
}

/// What came back for one sub-request.
enum SubOutcome {
    Done(Value),
    Failed(GraphError),
    Retry(Option<Duration>, GraphError),
}

async fn run(inner: Arc<Inner>, mut items: Vec<Item>, shared: Arc<Shared>, cancel: CancellationToken) {
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
    let select = select_list(&[]);
    let reads: Vec<Pending> = items
        .iter()
        .filter(|i| !i.done && i.group.is_none())
        .map(|i| Pending {
            item: i.index,
            method: "GET",
            url: format!("/groups/{}?$select={}", encode_id(&i.id), select),
            body: None,
            attempts: 0,
            not_before: Instant::now(),
            waited: Duration::ZERO,
        })
        .collect();
    let mut read_results = Vec::new();
    dispatch(&inner, reads, &shared, &cancel, false, |i, o| read_results.push((i, o))).await;
    for (idx, outcome) in read_results {
        let it = &mut items[idx];
        match outcome {
            Ok(body) => match Group::from_json(&body) {
                Ok(g) => it.group = Some(g),
                Err(e) => {
                    let err = GraphError::InvalidResponse(format!("the group's JSON: {}", e));
                    shared.push(result_json(&json!({"id": it.id, "displayName": null}), "failed", None, None, Some(&err), 1), it.index);
                    it.done = true;
                }
            },
            Err((err, attempts)) => {
                let result = if matches!(err, GraphError::Cancelled) { "cancelled" } else { "failed" };
                shared.push(result_json(&json!({"id": it.id, "displayName": null}), result, None, None,
                    if result == "failed" { Some(&err) } else { None }, attempts), it.index);
                it.done = true;
            }
        }
    }

    // 2. The rules decide; only real changes are sent.
    let mut writes = Vec::new();
    let mut afters = HashMap::new();
    for it in items.iter_mut().filter(|i| !i.done) {
        let group = it.group.as_ref().expect("read above");
        let gref = json!({"id": group.id.clone().unwrap_or_else(|| it.id.clone()), "displayName": group.display_name});
        match group.validate(it.request.as_ref().expect("parsed")) {
            Decision::Refused(r) => {
                shared.push(result_json(&gref, "refused", None, Some(&r), None, 0), it.index);
                it.done = true;
            }
            Decision::NoChange => {
                let mut r = result_json(&gref, "noChange", None, None, None, 0);
                r["group"] = crate::report::explain(group);
                shared.push(r, it.index);
                it.done = true;
            }
            Decision::Send { body, after } => {
                afters.insert(it.index, after);
                writes.push(Pending {
                    item: it.index,
                    method: "PATCH",
                    url: format!("/groups/{}", encode_id(&it.id)),
                    body: Some(body),
                    attempts: 0,
                    not_before: Instant::now(),
                    waited: Duration::ZERO,
                });
            }
        }
    }

    // 3. Write, paced.
    let bodies: HashMap<usize, Value> = writes.iter().map(|w| (w.item, w.body.clone().unwrap_or(Value::Null))).collect();
    dispatch(&inner, writes, &shared, &cancel, true, |idx, outcome| {
        let it = &items[idx];
        let group = it.group.as_ref().expect("read above");
        let gref = json!({"id": group.id.clone().unwrap_or_else(|| it.id.clone()), "displayName": group.display_name});
        let body = bodies.get(&idx);
        match outcome {
            Ok(_) => {
                let mut r = result_json(&gref, "written", body, None, None, 1);
                if let Some(a) = afters.get(&idx) {
                    r["after"] = a.to_json();
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

fn encode_id(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>().replace('+', "%20")
}

/// Sends sub-requests in `$batch`es until each has an outcome. Returns one
/// outcome per pending request: the body, or the error with the attempt
/// count. `paced`: acquire a write slot per sub-request.
async fn dispatch(
    inner: &Arc<Inner>,
    pending: Vec<Pending>,
    shared: &Arc<Shared>,
    cancel: &CancellationToken,
    paced: bool,
    mut on_done: impl FnMut(usize, Result<Value, (GraphError, u32)>),
) {
    let mut queue: VecDeque<Pending> = pending.into();
    let mut inflight: JoinSet<Vec<(Pending, SubOutcome)>> = JoinSet::new();
    let concurrency = inner.opts.batch_concurrency.max(1);
    let max_retries = inner.opts.max_retries;
    let base = Duration::from_secs_f64(inner.opts.backoff_base_seconds.max(0.001));
    let max_wait = Duration::from_secs_f64(inner.opts.max_retry_wait_seconds.max(0.0));
    // Sent batches must finish even when the caller cancels, so that what
    // was written is known: they run under a token that is never cancelled.
    let sent_token = CancellationToken::new();
    loop {
        // Fill the pipeline with batches of ready requests.
        while inflight.len() < concurrency && !cancel.is_cancelled() {
            let now = Instant::now();
            let mut batch = Vec::new();
            let mut rest = VecDeque::new();
            while let Some(p) = queue.pop_front() {
                if batch.len() < BATCH_LIMIT && p.not_before <= now {
                    batch.push(p);
                } else {
                    rest.push_back(p);
                }
            }
            queue = rest;
            if batch.is_empty() {
                break;
            }
            if paced {
                match inner.pacer.acquire(batch.len() as u32, cancel).await {
                    Some(waited) => {
                        let ms = waited.as_millis() as u64;
                        inner.progress.add(|p| &p.pacing_wait_ms, ms);
                        shared.progress.add(|p| &p.pacing_wait_ms, ms);
                    }
                    None => {
                        queue.extend(batch);
                        break;
                    }
                }
            }
            let inner2 = inner.clone();
            let shared2 = shared.clone();
            let token = sent_token.clone();
            inflight.spawn(async move { send_batch(&inner2, batch, &shared2, &token).await });
        }
        if inflight.is_empty() {
            if queue.is_empty() {
                break;
            }
            if cancel.is_cancelled() {
                for p in queue.drain(..) {
                    on_done(p.item, Err((GraphError::Cancelled, p.attempts)));
                }
                break;
            }
            // Nothing in flight: wait for the earliest retry time.
            let earliest = queue.iter().map(|p| p.not_before).min().expect("non-empty");
            let wait = earliest.saturating_duration_since(Instant::now());
            sleep_or_cancel(wait, cancel).await;
            continue;
        }
        let finished = tokio::select! {
            r = inflight.join_next() => r,
            _ = cancel.cancelled(), if !cancel.is_cancelled() => continue,
        };
        let Some(joined) = finished else { continue };
        let results = match joined {
            Ok(r) => r,
            Err(_) => continue, // a batch task cannot panic short of a bug; its outcomes stay unknown
        };
        let throttled = results.iter().any(|(_, o)| matches!(o, SubOutcome::Retry(_, GraphError::Graph { status: 429, .. })));
        if paced && !throttled {
            inner.pacer.succeeded().await;
        }
        for (mut p, outcome) in results {
            match outcome {
                SubOutcome::Done(body) => on_done(p.item, Ok(body)),
                SubOutcome::Failed(e) => on_done(p.item, Err((e, p.attempts))),
                SubOutcome::Retry(after, e) => {
                    let wait = after.unwrap_or_else(|| backoff(p.attempts.saturating_sub(1), base, Duration::from_secs(30)));
                    // The same bounds as a single request's retries: the
                    // count, and the time the service may make us wait.
                    if p.attempts > max_retries || p.waited + wait > max_wait {
                        on_done(p.item, Err((e, p.attempts)));
                    } else {
                        p.waited += wait;
                        inner.progress.add(|p| &p.retries, 1);
                        shared.progress.add(|p| &p.retries, 1);
                        if matches!(e, GraphError::Graph { status: 429, .. }) {
                            inner.progress.add(|p| &p.throttle_wait_ms, wait.as_millis() as u64);
                            shared.progress.add(|p| &p.throttle_wait_ms, wait.as_millis() as u64);
                            if paced {
                                inner.pacer.throttled(wait).await;
                            }
                        }
                        p.not_before = Instant::now() + wait;
                        queue.push_back(p);
                    }
                }
            }
        }
        if cancel.is_cancelled() && inflight.is_empty() {
            for p in queue.drain(..) {
                on_done(p.item, Err((GraphError::Cancelled, p.attempts)));
            }
            break;
        }
    }
}

/// Sends one `$batch` and sorts out each sub-response.
async fn send_batch(
    inner: &Arc<Inner>,
    mut batch: Vec<Pending>,
    shared: &Arc<Shared>,
    token: &CancellationToken,
) -> Vec<(Pending, SubOutcome)> {
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
    let reply = inner
        .send(reqwest::Method::POST, url, Some(json!({"requests": requests})), &[], token, &[&shared.progress])
        .await;
    let body = match reply {
        Ok(r) => r.body,
        Err(e) => {
            // The whole batch failed after the client's own retries: for
            // writes the outcome is unknown, so say so.
            return batch.into_iter().map(|p| (p, SubOutcome::Failed(e.clone()))).collect();
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
            let outcome = match by_id.remove(&(n + 1).to_string()) {
                None => SubOutcome::Retry(None, GraphError::InvalidResponse("the $batch answer had no response for this request".into())),
                Some(r) => {
                    let status = r.get("status").and_then(Value::as_u64).unwrap_or(0) as u16;
                    let header = |name: &str| {
                        r.get("headers").and_then(Value::as_object).and_then(|h| {
                            h.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.as_str().map(str::to_string))
                        })
                    };
                    let body = r.get("body").cloned().unwrap_or(Value::Null);
                    if (200..300).contains(&status) {
                        SubOutcome::Done(body)
                    } else {
                        let e = parse_error(status, &body, header("request-id"));
                        if status == 429 {
                            inner.progress.add(|p| &p.throttled, 1);
                            shared.progress.add(|p| &p.throttled, 1);
                        }
                        if is_retryable_status(status) {
                            SubOutcome::Retry(header("retry-after").and_then(|v| parse_retry_after(&v, now)), e)
                        } else {
                            SubOutcome::Failed(e)
                        }
                    }
                }
            };
            (p, outcome)
        })
        .collect()
}
