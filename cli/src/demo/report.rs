//! What the demo prints: each sync with its banner, route, downloads, evidence and headlines,
//! and the final table.

use std::time::Instant;

use article_sync_core::net::{ConnectionState, Outcome, ProbeScope};
use article_sync_core::reader::Reader;
use article_sync_core::reader::ReaderError;
use article_sync_core::store::ListFilter;
use article_sync_core::sync::SyncReport;

use super::world::{Host, World};
use crate::text;

/// One sync as the demo saw it.
pub struct Step {
    pub state: ConnectionState,
    pub result: Result<SyncReport, ReaderError>,
    pub secs: f64,
}

impl Step {
    /// The host whose head won, if any.
    pub fn route(&self, world: &World) -> Option<Host> {
        self.result
            .as_ref()
            .ok()
            .and_then(|r| world.host_of(&r.route))
    }
}

/// One row of the final table.
pub struct Row {
    pub title: String,
    pub expected: &'static str,
    pub got: String,
    /// Other checks of the scenario that failed.
    pub problems: Vec<String>,
    pub ok: bool,
    pub secs: f64,
}

/// Syncs `reader` and prints what happened.
pub async fn sync_step(world: &World, reader: &Reader, who: &str) -> Step {
    world.reset_stats();
    let before = reader.counts().map(|c| c.total).unwrap_or(0);
    let started = Instant::now();
    let result = reader.sync().await;
    let secs = started.elapsed().as_secs_f64();
    let state = reader
        .connection()
        .map_or(ConnectionState::Unknown, |c| c.state);
    let step = Step {
        state,
        result,
        secs,
    };
    let after = reader.counts().map(|c| c.total).unwrap_or(0);
    print_step(world, reader, who, &step, after.saturating_sub(before));
    step
}

fn print_step(world: &World, reader: &Reader, who: &str, step: &Step, new_articles: u64) {
    let (fa, en) = article_sync_core::net::banner_text(&step.state);
    println!("  {who} syncs ({:.2} s)", step.secs);
    println!("    ▌ {fa}");
    println!("    ▌ {en}  [{}]", step.state.name());
    match &step.result {
        Ok(r) => {
            println!("    route: {}  {}", world.label(&r.route), r.route);
            let a = &r.applied;
            let what = if r.changed {
                format!(
                    "{new_articles} new article(s), {} removed, {} comment(s), {} image(s){}",
                    a.articles_deleted,
                    a.comments_put,
                    r.media_fetched,
                    if r.used_snapshot {
                        " from the snapshot"
                    } else {
                        " from the log"
                    }
                )
            } else {
                "nothing new (head unchanged)".into()
            };
            println!(
                "    downloaded: {} request(s), {} — {what}",
                r.requests,
                text::bytes(r.bytes)
            );
        }
        Err(e) => println!("    sync failed: {e}"),
    }
    let servers: Vec<String> = [
        Host::Main,
        Host::Mirror1,
        Host::Mirror2,
        Host::Intl,
        Host::Domestic,
    ]
    .into_iter()
    .filter_map(|h| server_line(world, h))
    .collect();
    if !servers.is_empty() {
        println!("    servers saw: {}", servers.join(" · "));
    }
    for line in evidence(world, &step.state) {
        println!("    evidence: {line}");
    }
    if let Ok(page) = reader.store().list(&ListFilter::All, None, 3) {
        let total = reader.store().counts().map(|c| c.total).unwrap_or(0);
        println!("    newest of {total} stored article(s):");
        for a in &page.items {
            println!("      • {}", a.title);
        }
    }
}

/// What one server saw during the step, or `None` if nothing.
fn server_line(world: &World, host: Host) -> Option<String> {
    let s = world.stats(host);
    let total = s.total();
    let mut parts = Vec::new();
    if total.requests > 0 {
        parts.push(format!(
            "{} req {}",
            total.requests,
            text::bytes(total.bytes_sent)
        ));
    }
    if s.resets > 0 {
        parts.push(format!("{} reset", s.resets));
    }
    if s.blackholed > 0 {
        parts.push(format!("{} held silent", s.blackholed));
    }
    if s.tls_failures > 0 {
        parts.push(format!("{} TLS failure(s)", s.tls_failures));
    }
    (!parts.is_empty()).then(|| format!("{} {}", host.label(), parts.join(", ")))
}

/// The failed and cancelled attempts and the probes, one line each.
pub fn evidence(world: &World, state: &ConnectionState) -> Vec<String> {
    let Some(e) = state.evidence() else {
        return Vec::new();
    };
    let mut lines: Vec<String> = e
        .attempts
        .iter()
        .filter_map(|a| {
            let label = world.label(&a.url);
            match &a.outcome {
                Outcome::Ok { .. } => None,
                Outcome::Failed { kind, .. } if a.remembered => Some(format!(
                    "{label}: {} (its last failure, remembered; not tried while backing off)",
                    kind.as_str()
                )),
                Outcome::Failed { kind, detail } => {
                    Some(format!("{label}: {} — {}", kind.as_str(), essence(detail)))
                }
                Outcome::Cancelled { after_ms, .. } => Some(format!(
                    "{label}: no answer after {after_ms} ms, given up when another route won"
                )),
            }
        })
        .collect();
    lines.extend(e.probes.iter().map(|p| {
        let scope = match p.scope {
            ProbeScope::International => "international probe",
            ProbeScope::Domestic => "domestic probe",
        };
        match (p.status, p.failure) {
            (Some(s), _) => format!("{scope}: answered (HTTP {s})"),
            (None, Some(k)) => format!("{scope}: {} — {}", k.as_str(), essence(&p.detail)),
            (None, None) => format!("{scope}: {}", short(&p.detail)),
        }
    }));
    lines
}

/// The innermost cause of an error chain (`…: connection reset by peer`), shortened.
fn essence(detail: &str) -> String {
    let inner = detail
        .rsplit(": ")
        .map(str::trim)
        .find(|s| !s.is_empty())
        .unwrap_or(detail);
    // Drop the closing parentheses of the outer parts of the chain.
    let mut inner = inner.to_string();
    while inner.ends_with(')') && inner.matches(')').count() > inner.matches('(').count() {
        inner.pop();
    }
    short(&inner)
}

fn short(detail: &str) -> String {
    const MAX: usize = 90;
    if detail.chars().count() <= MAX {
        detail.to_string()
    } else {
        detail.chars().take(MAX).collect::<String>() + "…"
    }
}

/// The final table: one line per scenario with ✓ or ✗.
pub fn table(rows: &[Row]) {
    println!(
        "\n  {:<3}{:<48}{:<21}{:<21}{:>7}",
        "", "scenario", "expected", "got", "time"
    );
    for (i, r) in rows.iter().enumerate() {
        println!(
            "  {:<3}{:<48}{:<21}{:<21}{:>6.1}s",
            if r.ok { "✓" } else { "✗" },
            format!("{}. {}", i + 1, r.title),
            r.expected,
            r.got,
            r.secs
        );
        for p in &r.problems {
            println!("       ✗ {p}");
        }
    }
    let total: f64 = rows.iter().map(|r| r.secs).sum();
    let ok = rows.iter().filter(|r| r.ok).count();
    println!(
        "\n  {ok}/{} scenarios ended in the expected state; syncing took {total:.1} s in all",
        rows.len()
    );
}
