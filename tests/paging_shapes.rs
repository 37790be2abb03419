//! The library against pages that are short or empty and still carry an
//! `@odata.nextLink` (graph-sim `--page-shape short|with-empty`), which the
//! service can return: listings give every group exactly once, `maxItems`
//! stops where it should, and bulk reads (fifteen ids to a request, whose
//! answer may come short) still find every group.

mod common;

use common::*;
use group_writeback::graph::{Client, ClientOptions, GraphError};
use group_writeback::listing::ListOptions;
use group_writeback::secret::Secret;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::{Duration, Instant};

fn client(sim: &Sim) -> Client {
    let o: ClientOptions = serde_json::from_value(json!({"endpoint": sim.base, "backoffBaseSeconds": 0.05})).unwrap();
    Client::new(o, Some(Secret::from(STATIC_TOKEN))).unwrap()
}

/// Every group of a listing, and the number of pages the cursor gave.
fn list_all(client: &Client, o: ListOptions) -> Result<(Vec<Value>, usize), GraphError> {
    let cursor = client.list_groups(o)?;
    let mut all = Vec::new();
    let mut pages = 0;
    while let Some(page) = cursor.next_page()? {
        pages += 1;
        all.extend(page.groups());
    }
    Ok((all, pages))
}

fn assert_each_once(groups: &[Value], expected: usize, what: &str) {
    let ids: Vec<&str> = groups.iter().map(|g| g["id"].as_str().unwrap()).collect();
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(ids.len(), expected, "{}: groups returned", what);
    assert_eq!(unique.len(), expected, "{}: each group exactly once", what);
}

#[test]
fn listings_over_short_and_empty_pages_return_every_group_once() {
    let full = Sim::start(&["--groups", "3000", "--seed", "31", "--throttle", "off"]);
    let (reference, full_pages) = list_all(&client(&full), ListOptions { page_size: Some(200), ..Default::default() }).unwrap();
    assert_each_once(&reference, 3000, "full pages");
    assert_eq!(full_pages, 15);
    let filter = "groupTypes/any(c:c eq 'Unified')".to_string();
    let (unified_ref, _) = list_all(&client(&full), ListOptions { filter: Some(filter.clone()), ..Default::default() }).unwrap();
    assert!(!unified_ref.is_empty());
    for shape in ["short", "with-empty"] {
        let sim = Sim::start(&["--groups", "3000", "--seed", "31", "--throttle", "off", "--page-shape", shape]);
        let c = client(&sim);
        let (all, pages) = list_all(&c, ListOptions { page_size: Some(200), ..Default::default() }).unwrap();
        assert_each_once(&all, 3000, shape);
        assert!(pages > full_pages * 2, "{}: {} pages", shape, pages);
        let want: HashSet<&str> = reference.iter().map(|g| g["id"].as_str().unwrap()).collect();
        assert_eq!(all.iter().map(|g| g["id"].as_str().unwrap()).collect::<HashSet<_>>(), want, "{}", shape);
        // Explained as on full pages.
        assert!(all.iter().all(|g| g["effective"]["reason"].is_string()), "{}", shape);

        let (unified, _) = list_all(&c, ListOptions { filter: Some(filter.clone()), ..Default::default() }).unwrap();
        assert_each_once(&unified, unified_ref.len(), shape);

        // maxItems: exactly that many, also when a page on the way is empty.
        for max in [1u64, 130, 2999] {
            let (some, _) = list_all(&c, ListOptions { page_size: Some(100), max_items: Some(max), ..Default::default() }).unwrap();
            assert_each_once(&some, max as usize, &format!("{} maxItems {}", shape, max));
        }
        // A client-side filter over short pages.
        let (enabled, _) = list_all(&c, ListOptions { writeback_enabled: Some(true), ..Default::default() }).unwrap();
        let expected = reference.iter().filter(|g| g["writebackConfiguration"]["isEnabled"] == true).count();
        assert_each_once(&enabled, expected, shape);
    }
}

#[test]
fn bulk_reads_find_every_group_when_the_answer_is_short() {
    for shape in ["short", "with-empty"] {
        let sim = Sim::start(&["--groups", "600", "--seed", "32", "--throttle", "off", "--page-shape", shape]);
        let c = client(&sim);
        let (all, _) = list_all(&c, ListOptions::default()).unwrap();
        // Security groups not synced, each asked for Security.
        let ids: Vec<String> = all
            .iter()
            .filter(|g| g["kind"] == "security" && g["isSynced"] == false)
            .take(60)
            .map(|g| g["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids.len(), 60);
        let items: Vec<Value> = ids.iter().map(|id| json!({"id": id, "state": "Security"})).collect();
        let bulk = c.bulk_set(&json!(items)).unwrap();
        let mut results = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let (mut r, done) = bulk.poll(Duration::from_millis(200));
            results.append(&mut r);
            if done {
                break;
            }
            assert!(Instant::now() < deadline, "{}: bulk change did not finish", shape);
        }
        assert_eq!(results.len(), 60, "{}", shape);
        let failed: Vec<&Value> = results.iter().filter(|r| r["result"] != "written" && r["result"] != "noChange").collect();
        assert!(failed.is_empty(), "{}: {:#?}", shape, failed);
        for id in &ids {
            let wb = &sim.stored(id)["writebackConfiguration"];
            assert_eq!(wb["isEnabled"], true, "{} {}", shape, id);
            assert!(wb["onPremisesGroupType"].as_str().unwrap().eq_ignore_ascii_case("universalSecurityGroup"), "{} {}", shape, id);
        }
    }
}
