//! Listing groups: `GET /beta/groups` page by page, `@odata.nextLink`
//! followed to the end, the next page fetched while the caller works on the
//! current one. At most three pages are held at once (one waiting for the
//! caller, one being explained, one on its way), whatever the tenant's size.

use crate::domain::{Group, WrittenBack};
use crate::graph::{select_list, Charge, Client, GraphError, Inner, Progress};
use crate::retry::Cost;
use crate::report::RawObject;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use url::Url;

/// What to list, as JSON from callers (`camelCase`), mirroring
/// `Get-MgBetaGroup`'s parameters.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListOptions {
    /// `$filter`, passed through.
    #[serde(default)]
    pub filter: Option<String>,
    /// `$search`, passed through (needs `ConsistencyLevel: eventual`, added
    /// when not given).
    #[serde(default)]
    pub search: Option<String>,
    /// `$count=true` (`ConsistencyLevel: eventual` added when not given).
    #[serde(default)]
    pub count: bool,
    /// The `ConsistencyLevel` header.
    #[serde(default)]
    pub consistency_level: Option<String>,
    /// Page size (`$top`), 1 to 999; default 999.
    #[serde(default)]
    pub page_size: Option<u32>,
    /// Stop after this many groups (after client-side filtering).
    #[serde(default)]
    pub max_items: Option<u64>,
    /// Only the first page, as `Get-MgBetaGroup` reads without `-All`: of
    /// `pageSize` groups, else of Graph's own default page size
    /// ([`GRAPH_DEFAULT_PAGE_SIZE`]).
    #[serde(default)]
    pub first_page: bool,
    /// Properties to select in addition to the rules' own.
    #[serde(default)]
    pub property: Vec<String>,
    /// Keep only groups that are effectively written back (`true` or
    /// `"yes"`), that are not (`false` or `"no"`), or for which the answer
    /// is unknown (`"unknown"`).
    #[serde(default, deserialize_with = "written_back_filter")]
    pub written_back: Option<WrittenBack>,
    /// Keep only groups whose `isEnabled` is true (true) or is not (false):
    /// the portal's "Writeback enabled" column.
    #[serde(default)]
    pub writeback_enabled: Option<bool>,
    /// Return the groups as Graph returned them, without the explanation.
    #[serde(default)]
    pub raw: bool,
}

/// `writtenBack`: a JSON boolean, `null`, or one of [`WrittenBack::parse`]'s
/// words.
fn written_back_filter<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<WrittenBack>, D::Error> {
    use serde::de::Error;
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(true)) => Ok(Some(WrittenBack::Yes)),
        Some(Value::Bool(false)) => Ok(Some(WrittenBack::No)),
        Some(Value::String(s)) => WrittenBack::parse(&s).map(Some).ok_or_else(|| {
            D::Error::custom(format!(
                "writtenBack must be {}, not '{}'",
                WrittenBack::ALL.iter().map(|w| w.name()).collect::<Vec<_>>().join(", "),
                s.chars().take(40).collect::<String>()
            ))
        }),
        Some(other) => Err(D::Error::custom(format!(
            "writtenBack must be true, false or one of {}, not {}",
            WrittenBack::ALL.iter().map(|w| format!("\"{}\"", w.name())).collect::<Vec<_>>().join(", "),
            crate::domain::json_kind(&other)
        ))),
    }
}

/// One page for the caller: its groups as one JSON array, written as they
/// were explained (no `Value` is built for them).
#[derive(Debug)]
pub struct Page {
    groups_json: String,
    len: usize,
    pub count: Option<u64>,
    pub index: u64,
}

impl Page {
    /// The groups, as a JSON array.
    pub fn groups_json(&self) -> &str {
        &self.groups_json
    }

    /// How many groups the page has.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The groups, parsed.
    pub fn groups(&self) -> Vec<Value> {
        serde_json::from_str(&self.groups_json).unwrap_or_default()
    }

    /// `{"count": n|null, "groups": [...], "page": n}`.
    pub fn to_json_string(&self) -> String {
        let count = self.count.map_or_else(|| "null".to_string(), |c| c.to_string());
        format!("{{\"count\":{},\"groups\":{},\"page\":{}}}", count, self.groups_json, self.index)
    }
}

/// A page's body as Graph sent it, read only as far as the next request
/// needs: the groups stay unparsed text until that request is on its way.
struct PageBody {
    bytes: bytes::Bytes,
    /// Where the `value` array is in `bytes`, when it is an array.
    value: Option<std::ops::Range<usize>>,
    next_link: Option<String>,
    count: Option<u64>,
}

impl PageBody {
    /// The groups of page `number`, each as its JSON text.
    fn items(&self, number: u64) -> Result<Vec<&RawValue>, GraphError> {
        let range = match &self.value {
            Some(r) => r.clone(),
            None => return Ok(Vec::new()),
        };
        std::str::from_utf8(&self.bytes[range])
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str(text).map_err(|e| e.to_string()))
            .map_err(|e| GraphError::InvalidResponse(format!("the groups of page {} are not JSON text: {}", number, e)))
    }
}

/// Reads a page body. Text that is not JSON is an error (retried as a body
/// cut short); a `value` that is not an array, or a nextLink or count of
/// another type, is read as absent, as a `Value` lookup would.
fn parse_page(bytes: &bytes::Bytes) -> Result<PageBody, serde_json::Error> {
    #[derive(Deserialize)]
    struct Head<'a> {
        #[serde(borrow, default)]
        value: Option<&'a RawValue>,
        #[serde(borrow, default, rename = "@odata.nextLink")]
        next_link: Option<&'a RawValue>,
        #[serde(borrow, default, rename = "@odata.count")]
        count: Option<&'a RawValue>,
    }
    let head = match serde_json::from_slice::<Head>(bytes) {
        Ok(h) => h,
        // JSON of another shape (not an object, a key twice): read as a
        // `Value`, so the page is judged by what it holds.
        Err(e) if e.is_data() => {
            let v: Value = serde_json::from_slice(bytes)?;
            let array = v.get("value").filter(|a| a.is_array()).map(Value::to_string).unwrap_or_default();
            return Ok(PageBody {
                value: (!array.is_empty()).then(|| 0..array.len()),
                bytes: bytes::Bytes::from(array),
                next_link: v.get("@odata.nextLink").and_then(Value::as_str).map(str::to_string),
                count: v.get("@odata.count").and_then(Value::as_u64),
            });
        }
        Err(e) => return Err(e),
    };
    let value = head.value.filter(|r| r.get().starts_with('[')).map(|r| {
        let start = r.get().as_ptr() as usize - bytes.as_ptr() as usize;
        start..start + r.get().len()
    });
    Ok(PageBody {
        value,
        next_link: head.next_link.and_then(|r| serde_json::from_str::<String>(r.get()).ok()),
        count: head.count.and_then(|r| serde_json::from_str::<u64>(r.get()).ok()),
        bytes: bytes.clone(),
    })
}

/// A listing in progress. Dropping it stops the background fetch.
pub struct Cursor {
    rx: tokio::sync::Mutex<mpsc::Receiver<Result<Page, GraphError>>>,
    cancel: CancellationToken,
    pub progress: Arc<Progress>,
    client: Arc<Inner>,
    rt: Arc<tokio::runtime::Runtime>,
    finished: std::sync::atomic::AtomicBool,
    /// Set by the fetching task when Graph's last page was delivered (or
    /// `maxItems` reached): a channel that closes without it means the task
    /// ended abnormally, which must not look like a complete listing.
    complete: Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for Cursor {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// The page size Graph uses when `$top` is not given (100 for groups, as
/// Microsoft's paging documentation and the `Get-MgBetaGroup` default show).
pub const GRAPH_DEFAULT_PAGE_SIZE: u32 = 100;

impl ListOptions {
    /// `firstPage` as the page size and limit it stands for.
    fn settled(mut self) -> Self {
        if self.first_page {
            let size = self.page_size.unwrap_or(GRAPH_DEFAULT_PAGE_SIZE);
            self.page_size = Some(size);
            self.max_items = Some(self.max_items.map_or(size as u64, |m| m.min(size as u64)));
        }
        self
    }
}

fn first_url(inner: &Inner, o: &ListOptions) -> Result<Url, GraphError> {
    let mut url = inner.beta.join("groups").expect("relative path");
    let top = o.page_size.unwrap_or(999);
    if !(1..=999).contains(&top) {
        return Err(GraphError::InvalidArgument(format!("the page size must be 1 to 999, not {}", top)));
    }
    let top = match o.max_items {
        Some(0) => 1,
        Some(n) if o.written_back.is_none() && o.writeback_enabled.is_none() && n < top as u64 => n as u32,
        _ => top,
    };
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("$select", &select_list(&o.property));
        q.append_pair("$top", &top.to_string());
        if let Some(f) = o.filter.as_deref().filter(|f| !f.trim().is_empty()) {
            q.append_pair("$filter", f);
        }
        if let Some(s) = o.search.as_deref().filter(|s| !s.trim().is_empty()) {
            q.append_pair("$search", s);
        }
        if o.count {
            q.append_pair("$count", "true");
        }
    }
    Ok(url)
}

/// The client-side filters, decided on the parsed group so that groups
/// left out are never explained.
fn keep(o: &ListOptions, group: &Group) -> bool {
    if let Some(want) = o.written_back {
        if group.effective().written_back != want {
            return false;
        }
    }
    if let Some(want) = o.writeback_enabled {
        if (group.writeback.is_enabled == Some(true)) != want {
            return false;
        }
    }
    true
}

impl Client {
    /// Starts a listing; pages are pulled with [`Cursor::next_page`].
    pub fn list_groups(&self, options: ListOptions) -> Result<Cursor, GraphError> {
        let options = options.settled();
        let inner = self.inner.clone();
        let url = first_url(&inner, &options)?;
        let cancel = self.operation_token();
        let progress = Arc::new(Progress::default());
        // Capacity 1: one finished page waits for the caller while the next
        // is explained and the one after it fetched: about three pages.
        let (tx, rx) = mpsc::channel(1);
        let mut headers: Vec<(&'static str, String)> = Vec::new();
        let level = options
            .consistency_level
            .clone()
            .or_else(|| (options.count || options.search.is_some()).then(|| "eventual".to_string()));
        if let Some(l) = level {
            headers.push(("ConsistencyLevel", l));
        }
        let task_inner = inner.clone();
        let task_cancel = cancel.clone();
        let task_progress = progress.clone();
        let complete = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let task_complete = complete.clone();
        self.rt.spawn(async move {
            fetch_all(task_inner, url, headers, options, task_cancel, task_progress, tx, task_complete).await;
        });
        Ok(Cursor {
            rx: tokio::sync::Mutex::new(rx),
            cancel,
            progress,
            client: inner,
            rt: self.rt.clone(),
            finished: std::sync::atomic::AtomicBool::new(false),
            complete,
        })
    }
}

async fn fetch_all(
    inner: Arc<Inner>,
    url: Url,
    headers: Vec<(&'static str, String)>,
    options: ListOptions,
    cancel: CancellationToken,
    progress: Arc<Progress>,
    tx: mpsc::Sender<Result<Page, GraphError>>,
    complete: Arc<std::sync::atomic::AtomicBool>,
) {
    let mark_complete = || complete.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut index = 0u64;
    let mut delivered = 0u64;
    let mut seen_links = std::collections::HashSet::new();
    // Each page's request runs as its own task, started as soon as the
    // previous page's nextLink is known, so fetching page N+1 overlaps
    // explaining page N.
    let fetch = |url: Url| {
        let (inner, headers, cancel, progress) = (inner.clone(), headers.clone(), cancel.clone(), progress.clone());
        tokio::spawn(async move {
            inner
                .send_as(reqwest::Method::GET, url, None, &headers, Charge::Pay(Cost::read()), &cancel, &[&progress], parse_page)
                .await
                .map(|r| r.body)
        })
    };
    let mut in_flight = Some(fetch(url));
    while let Some(request) = in_flight.take() {
        let reply = match request.await {
            Ok(r) => r,
            Err(e) => Err(GraphError::InvalidResponse(format!("the request for page {} did not complete: {}", index + 1, e))),
        };
        let body = match reply {
            Ok(body) => body,
            Err(e) => {
                let (pages, groups) = (index, progress.get(|p| &p.groups_read));
                let e = match e {
                    GraphError::Graph { .. }
                    | GraphError::Network(_)
                    | GraphError::InvalidResponse(_)
                    | GraphError::UntrustedUrl(_) => e.map_message(|m| {
                        format!("the listing stopped after {} page(s) and {} group(s): {}", pages, groups, m)
                    }),
                    other => other,
                };
                let _ = tx.send(Err(e)).await;
                return;
            }
        };
        let body = body.unwrap_or(PageBody { bytes: bytes::Bytes::new(), value: None, next_link: None, count: None });
        let (next, count) = (body.next_link.clone(), body.count);
        if body.value.is_none() {
            let _ = tx.send(Err(GraphError::InvalidResponse(format!("page {} has no 'value' array", index + 1)))).await;
            return;
        }
        // Room for this page must exist before the next request starts, so
        // that no more than one page waits for the caller, one is being
        // explained and one is on its way, whatever the tenant's size.
        let permit = match tx.reserve().await {
            Ok(p) => p,
            Err(_) => return, // the caller dropped the cursor
        };
        // With maxItems, whether this page may be the last one wanted
        // depends on how many groups it has; otherwise they are split out
        // only once the next request is on its way.
        let mut early = None;
        if let Some(max) = options.max_items {
            match body.items(index + 1) {
                Ok(v) => early = Some((delivered + v.len() as u64 >= max, v)),
                Err(e) => {
                    permit.send(Err(e));
                    return;
                }
            }
        }
        let may_end_here = early.as_ref().map_or(false, |(end, _)| *end);
        // The next page first: start its request unless this page may
        // already be the last one the caller wants.
        let mut next_error = None;
        if let Some(link) = &next {
            match Url::parse(link) {
                Err(e) => {
                    next_error = Some(GraphError::InvalidResponse(format!(
                        "the nextLink after page {} is not a URL: {}",
                        index + 1,
                        e
                    )))
                }
                Ok(_) if !seen_links.insert(link.clone()) => {
                    next_error = Some(GraphError::InvalidResponse(format!(
                        "the listing stopped after {} page(s): Graph returned a nextLink it had already returned (a loop)",
                        index + 1
                    )))
                }
                Ok(u) if !may_end_here => in_flight = Some(fetch(u)),
                Ok(_) => {}
            }
        }
        // Explaining is CPU work: done off the runtime's worker, so that the
        // request just started goes out now rather than after it.
        let built = tokio::task::block_in_place(|| {
            let items = match early {
                Some((_, v)) => v,
                None => body.items(index + 1)?,
            };
            progress.add(|p| &p.pages_read, 1);
            inner.progress.add(|p| &p.pages_read, 1);
            progress.add(|p| &p.groups_read, items.len() as u64);
            inner.progress.add(|p| &p.groups_read, items.len() as u64);
            explain_page(&items, &options, &mut delivered, index + 1)
        });
        let (groups_json, len) = match built {
            Ok(b) => b,
            Err(e) => {
                abort(&mut in_flight);
                permit.send(Err(e));
                return;
            }
        };
        index += 1;
        let done_by_max = options.max_items.map_or(false, |m| delivered >= m);
        if done_by_max || next.is_none() {
            mark_complete();
        }
        permit.send(Ok(Page { groups_json, len, count, index }));
        if done_by_max {
            abort(&mut in_flight);
            return;
        }
        if let Some(e) = next_error {
            let _ = tx.send(Err(e)).await;
            return;
        }
        // A page that might have been the last wanted was not; fetch on.
        if in_flight.is_none() {
            if let Some(u) = next.as_deref().and_then(|l| Url::parse(l).ok()) {
                in_flight = Some(fetch(u));
            }
        }
    }
}

/// A page's groups, kept by the client-side filters and explained (or as
/// sent, with `raw`), written as one JSON array; `delivered` counts the
/// groups handed out so far, for `maxItems`.
fn explain_page(
    items: &[&RawValue],
    options: &ListOptions,
    delivered: &mut u64,
    page: u64,
) -> Result<(String, usize), GraphError> {
    let mut out = Vec::with_capacity(items.iter().map(|i| i.get().len()).sum::<usize>() * 2 + 2);
    out.push(b'[');
    let mut len = 0usize;
    for (i, item) in items.iter().enumerate() {
        if options.max_items.map_or(false, |max| *delivered >= max) {
            break;
        }
        let (obj, group) = RawObject::parse(item.get()).map_err(|e| GraphError::InvalidResponse(format!("group {} of page {} is not a group: {}", i + 1, page, e)))?;
        if !keep(options, &group) {
            continue;
        }
        *delivered += 1;
        if len > 0 {
            out.push(b',');
        }
        len += 1;
        if options.raw {
            out.extend_from_slice(item.get().as_bytes());
        } else {
            obj.write_explained(&group, &mut out);
        }
    }
    out.push(b']');
    let text = String::from_utf8(out).map_err(|e| GraphError::InvalidResponse(format!("page {} is not UTF-8: {}", page, e)))?;
    Ok((text, len))
}

fn abort<T>(request: &mut Option<tokio::task::JoinHandle<T>>) {
    if let Some(r) = request.take() {
        r.abort();
    }
}

impl Cursor {
    /// The next page, `Ok(None)` at the end. Blocks the calling thread.
    pub fn next_page(&self) -> Result<Option<Page>, GraphError> {
        if self.finished.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(None);
        }
        let cancel = self.cancel.clone();
        let result = self.rt.block_on(async {
            let mut rx = self.rx.lock().await;
            tokio::select! {
                r = rx.recv() => r,
                _ = cancel.cancelled() => None,
            }
        });
        match result {
            Some(Ok(page)) => Ok(Some(page)),
            Some(Err(e)) => {
                self.finished.store(true, std::sync::atomic::Ordering::Relaxed);
                Err(e)
            }
            None if self.cancel.is_cancelled() => {
                self.finished.store(true, std::sync::atomic::Ordering::Relaxed);
                Err(GraphError::Cancelled)
            }
            None if self.complete.load(std::sync::atomic::Ordering::SeqCst) => {
                self.finished.store(true, std::sync::atomic::Ordering::Relaxed);
                Ok(None)
            }
            None => {
                self.finished.store(true, std::sync::atomic::Ordering::Relaxed);
                Err(GraphError::InvalidResponse(format!(
                    "the listing stopped unexpectedly after {} page(s) and {} group(s), before Graph's last page",
                    self.progress.get(|p| &p.pages_read),
                    self.progress.get(|p| &p.groups_read)
                )))
            }
        }
    }

    /// Stops the listing (from any thread); a blocked `next_page` returns
    /// `Cancelled`.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    pub fn client_progress(&self) -> &Progress {
        &self.client.progress
    }
}
