//! Resolves a file of groups (Graph JSON: `{"value": [...]}` or an array)
//! and prints, for each, the portal's columns next to the effective
//! behaviour; then validates the file's `changes` (`{"id", "state"}`).
//!
//!     cargo run --example explain -- samples/groups.json

use group_writeback::domain::{describe_change, Decision, Group, WritebackState, WrittenBack};
use serde_json::Value;

fn cell(s: &str, width: usize) -> String {
    let mut out: String = s.chars().take(width).collect();
    while out.chars().count() < width {
        out.push(' ');
    }
    out
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "samples/groups.json".into());
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {}: {}", path, e);
            std::process::exit(2);
        }
    };
    let doc: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{} is not JSON: {}", path, e);
            std::process::exit(2);
        }
    };
    let items = doc.get("value").unwrap_or(&doc).as_array().cloned().unwrap_or_default();
    let mut groups = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match Group::from_json(item) {
            Ok(g) => groups.push(g),
            Err(e) => eprintln!("group {} skipped: {}", i, e),
        }
    }

    println!("{} groups from {}\n", groups.len(), path);
    println!(
        "{} {} {} {} {} {}",
        cell("Name", 26),
        cell("Kind", 22),
        cell("Writeback enabled", 17),
        cell("Target writeback type", 22),
        cell("Group writeback state", 22),
        "Effective (what really happens)"
    );
    println!("{}", "-".repeat(150));
    let mut notes = Vec::new();
    for g in &groups {
        let p = g.portal();
        let e = g.effective();
        let mut kind = g.kind().display_name().to_string();
        if g.is_dynamic() {
            kind.push_str(", dynamic");
        }
        if g.is_synced() {
            kind.push_str(", synced");
        }
        let effective = match (e.written_back, &e.written_back_as) {
            (WrittenBack::Yes, Some(t)) => format!("written back as {}", t.as_graph_str()),
            (WrittenBack::No, _) => "not written back".to_string(),
            _ => "unknown".to_string(),
        };
        let marker = if e.caveats != 0 { " (!)" } else { "" };
        println!(
            "{} {} {} {} {} {}{}  [{}]",
            cell(g.display_name.as_deref().unwrap_or("?"), 26),
            cell(&kind, 22),
            cell(if p.writeback_enabled { "Yes" } else { "No" }, 17),
            cell(p.target_type.as_ref().map(|t| t.portal_name()).unwrap_or(""), 22),
            cell(if p.state == WritebackState::Unset { "(unknown type)" } else { p.state.portal_name() }, 22),
            effective,
            marker,
            e.reason.name()
        );
        for c in e.caveat_list() {
            notes.push(format!("{}: {}", g.display_name.as_deref().unwrap_or("?"), c.describe()));
        }
    }
    if !notes.is_empty() {
        println!("\n(!) caveats:");
        for n in notes {
            println!("  - {}", n);
        }
    }

    let changes = doc.get("changes").and_then(|c| c.as_array()).cloned().unwrap_or_default();
    if !changes.is_empty() {
        println!("\nRequested changes, validated offline (nothing is sent):");
    }
    for c in changes {
        let id = c["id"].as_str().unwrap_or("");
        let state = c["state"].as_str().and_then(WritebackState::parse);
        let (g, st) = match (groups.iter().find(|g| g.id.as_deref() == Some(id)), state) {
            (Some(g), Some(st)) => (g, st),
            _ => {
                println!("  - {}: unknown group or state", id);
                continue;
            }
        };
        let name = g.display_name.as_deref().unwrap_or(id);
        let d = g.validate_state(st);
        let summary = describe_change(g, &d);
        match &d {
            Decision::Send { body, .. } => {
                println!("  - {} → {}: {}\n      PATCH /beta/groups/{} {}", name, st.portal_name(), summary, id, body)
            }
            Decision::NoChange => println!("  - {} → {}: {}; nothing sent", name, st.portal_name(), summary),
            Decision::Refused(r) => println!("  - {} → {}: refused [{}] {}", name, st.portal_name(), r.code.name(), r.message),
        }
    }
}
