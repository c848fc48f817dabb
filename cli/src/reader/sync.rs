//! `article-sync sync`: race the routes for a verified head, fetch what is new, store it, and
//! say which banner state the reader is in and why.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use article_sync_core::net::{ConnectionState, NetConfig, Outcome};
use article_sync_core::reader::{Reader, ReaderConfig, ReaderError};
use article_sync_core::store::StoreError;
use article_sync_core::sync::{Phase, SyncError, SyncReport};

use super::show::{self, print_json};
use super::{Settings, SyncArgs};
use crate::error::Failure;
use crate::say;
use crate::text;

/// The reader configuration for `settings`: the key and the main URL are required; the core
/// validates the rest when it opens the reader.
pub fn reader_config(settings: &Settings, text_only: bool) -> Result<ReaderConfig, Failure> {
    let mut net = NetConfig {
        international_probes: settings.probes_intl.clone(),
        domestic_probes: settings.probes_domestic.clone(),
        ..NetConfig::default()
    };
    if let Some(ca) = &settings.ca {
        let pem = std::fs::read(ca).map_err(|e| {
            Failure::usage(format!("cannot read the CA file {}: {e}", ca.display()))
        })?;
        net.extra_root_certs_pem.push(pem);
    }
    Ok(ReaderConfig {
        database: settings.database.clone(),
        publisher_keys: vec![settings.publisher_key()?],
        main_url: settings.main_url()?.to_string(),
        mirrors: settings.mirrors.clone(),
        storage_budget_bytes: settings.budget_bytes,
        text_only: text_only || settings.text_only,
        net,
    })
}

/// Opens the reader, naming configuration mistakes as usage errors.
pub fn open_reader(config: ReaderConfig) -> Result<Reader, Failure> {
    let database = config.database.clone();
    Reader::open(config).map_err(|e| match e {
        ReaderError::Store(e) => open_failure(&database, &e),
        ReaderError::Config { field, reason } => {
            Failure::usage(format!("{}: {reason}", flag_of(field)))
        }
        e => e.into(),
    })
}

/// The database could not be opened: one line, with what to do about it.
pub fn open_failure(database: &std::path::Path, e: &StoreError) -> Failure {
    Failure::failed(format!(
        "cannot open the database {}: {e}; {}",
        database.display(),
        store_hint(e)
    ))
}

/// What to do about a store error. Only a damaged file is worth deleting the reader's data
/// (marks, queued comments) for; a busy store or a full disk passes.
fn store_hint(e: &StoreError) -> &'static str {
    match e {
        StoreError::Corrupt { .. } => "`article-sync wipe` deletes it, and a sync rebuilds it",
        StoreError::SchemaTooNew { .. } => "use a newer article-sync",
        StoreError::Busy => {
            "another process (a sync, or the app) holds it; try again when it has finished"
        }
        StoreError::DiskFull => "free some disk space, then try again",
        _ => "check the disk and the file's permissions, then try again",
    }
}

/// The flag that sets a field of the core's reader configuration.
fn flag_of(field: &str) -> &str {
    match field {
        "main_url" => "--main",
        "mirrors" => "--mirror",
        "international_probes" => "--probe-intl",
        "domestic_probes" => "--probe-domestic",
        "publisher_keys" => "--key",
        "extra_root_certs" => "--ca",
        "database" => "--db",
        other => other,
    }
}

pub fn run(args: SyncArgs, verbose: bool) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let config = reader_config(&settings, args.text_only)?;
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))?;
    let _guard = runtime.enter();
    let reader = open_reader(config)?;
    let show_progress = !settings.json && std::io::stderr().is_terminal();
    let stored = |r: &Reader| r.counts().map(|c| c.total).unwrap_or(0);
    let before = stored(&reader);
    let result = runtime.block_on(async {
        let bar = show_progress.then(|| spawn_progress(&reader));
        let result = reader.sync().await;
        if let Some((bar, task)) = bar {
            task.abort();
            bar.finish_and_clear();
        }
        result
    });
    let state = reader.connection()?.state;
    let new_articles = stored(&reader).saturating_sub(before);
    match result {
        Ok(report) => {
            if settings.json {
                let mut v = report_json(&state, &report);
                if let Some(obj) = v.as_object_mut() {
                    obj.insert("new_articles".into(), json!(new_articles));
                }
                print_json(&v);
            } else {
                print_report(&state, &report, new_articles, verbose);
            }
            Ok(())
        }
        Err(err) => {
            if settings.json {
                let mut v = show::connection_json(&state, None);
                if let Some(obj) = v.as_object_mut() {
                    obj.insert("error".into(), json!(err.to_string()));
                }
                print_json(&v);
            }
            Err(match err {
                ReaderError::Sync(e) => sync_failure(&e, &state),
                e => e.into(),
            })
        }
    }
}

/// The JSON of a successful sync: the connection object plus what was downloaded and applied.
pub fn report_json(state: &ConnectionState, report: &SyncReport) -> serde_json::Value {
    let mut v = show::connection_json(state, Some(&report.route));
    if let Some(obj) = v.as_object_mut() {
        obj.insert("head_version".into(), json!(report.head_version));
        obj.insert("changed".into(), json!(report.changed));
        obj.insert("used_snapshot".into(), json!(report.used_snapshot));
        obj.insert("requests".into(), json!(report.requests));
        obj.insert(
            "requests_to_headlines".into(),
            json!(report.requests_to_headlines),
        );
        obj.insert("bytes".into(), json!(report.bytes));
        obj.insert("media_fetched".into(), json!(report.media_fetched));
        obj.insert("comments_sent".into(), json!(report.comments_sent));
        obj.insert("clock_off_by".into(), json!(report.clock_off_by));
        obj.insert("copy_of".into(), json!(report.copy_of));
        let a = &report.applied;
        obj.insert(
            "applied".into(),
            json!({
                "articles_put": a.articles_put,
                "articles_deleted": a.articles_deleted,
                "comments_put": a.comments_put,
                "comments_deleted": a.comments_deleted,
                "receipts": a.receipts,
                "evicted": a.evicted,
            }),
        );
    }
    v
}

fn print_report(state: &ConnectionState, report: &SyncReport, new_articles: u64, verbose: bool) {
    let [fa, en] = show::banner_lines(state);
    say!("{fa}");
    say!("{en}");
    let a = &report.applied;
    say!(
        "synced from {} — head version {}{}",
        report.route,
        report.head_version,
        if report.changed { "" } else { " (nothing new)" }
    );
    say!(
        "downloaded {} in {} request(s){}; {new_articles} new article(s), {} removed, {} comment change(s), {} image(s)",
        text::bytes(report.bytes),
        report.requests,
        if report.used_snapshot {
            " (snapshot)"
        } else {
            ""
        },
        a.articles_deleted,
        a.comments_put + a.comments_deleted,
        report.media_fetched
    );
    if let Some(issued) = report.copy_of {
        say!(
            "copy of {}, not live: passed on from another reader while the internet is cut off",
            text::date(issued)
        );
    }
    if let Some(off) = report.clock_off_by {
        say!(
            "your device's clock seems wrong ({} {}); set the date and time (automatic network time is best)",
            text::duration(off.unsigned_abs()),
            if off > 0 { "ahead" } else { "behind" }
        );
    }
    if report.comments_sent + a.receipts > 0 {
        say!(
            "your comments: {} sent, {} answered by the publisher (`article-sync outbox`)",
            report.comments_sent,
            a.receipts
        );
    }
    let lines = show::evidence_lines(state);
    let failures = state.evidence().map_or(0, |e| {
        e.attempts
            .iter()
            .filter(|a| matches!(a.outcome, Outcome::Failed { .. }))
            .count()
    });
    if verbose || failures > 0 {
        for line in lines {
            say!("  {line}");
        }
    }
}

/// One line: what failed, the banner state, the routes' failures, what to try.
pub fn sync_failure(err: &SyncError, state: &ConnectionState) -> Failure {
    let routes: Vec<String> = state
        .evidence()
        .map(|e| {
            e.attempts
                .iter()
                .filter(|a| !a.remembered)
                .filter_map(|a| match &a.outcome {
                    Outcome::Failed { kind, .. } => Some(format!("{} {}", a.url, kind.as_str())),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let hint = match (err, state) {
        (SyncError::Verification { .. }, _) => {
            "a route served content that failed verification and was not stored; sync again or add another mirror (`article-sync mirrors add URL`)"
        }
        (SyncError::ClockWrong { .. }, _) => {
            "set the device's date and time (automatic network time is best), then sync again"
        }
        (SyncError::UpdateNeeded { .. }, _) => {
            "install a newer article-sync; stored articles stay readable (`article-sync list`)"
        }
        (SyncError::Stale { .. }, _) | (SyncError::Rollback { .. }, _) => {
            "the routes serve an old tree (a frozen or hostile mirror); add a fresh mirror (`article-sync mirrors add URL`)"
        }
        (SyncError::Storage(e), _) => store_hint(e),
        (SyncError::AlreadyRunning, _) => {
            "another process (a sync, or the app) is syncing this database; try again when it has finished"
        }
        (_, ConnectionState::NationalShutdown(_)) => {
            "the internet seems cut nationwide; stored articles stay readable (`article-sync list`); sync again later"
        }
        (_, ConnectionState::Offline(_)) => "check the internet connection, then sync again",
        _ => {
            "the main site and every mirror failed; add a mirror (`article-sync mirrors add URL`) or sync again later"
        }
    };
    let (_, en) = article_sync_core::net::banner_text(state);
    let on = if routes.is_empty() {
        String::new()
    } else {
        format!(" [{}]", routes.join(", "))
    };
    Failure::failed(format!(
        "sync failed: {err}{on}; state {} ({en}); {hint}",
        state.name()
    ))
    .with_details(show::evidence_lines(state))
}

/// A spinner while routes race, then a bar of bytes and entries, on stderr.
fn spawn_progress(reader: &Reader) -> (ProgressBar, tokio::task::JoinHandle<()>) {
    let bar = ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(100));
    bar.set_message("racing routes for head…");
    let Ok(mut rx) = reader.progress() else {
        return (bar, tokio::spawn(async {}));
    };
    let handle = bar.clone();
    let task = tokio::spawn(async move {
        let spinner = ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bytes = ProgressStyle::with_template(
            "{spinner} {prefix:<10} [{bar:30}] {bytes}/{total_bytes} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        while rx.changed().await.is_ok() {
            let p = rx.borrow_and_update().clone();
            let phase = match p.phase {
                Phase::Connecting => {
                    handle.set_style(spinner.clone());
                    handle.set_message("racing routes for head…");
                    continue;
                }
                Phase::Headlines => "headlines",
                Phase::Snapshot => "snapshot",
                Phase::Log => "log",
                Phase::Indexing => "indexing",
                Phase::Media => "images",
                Phase::Idle | Phase::Done => continue,
            };
            handle.set_style(bytes.clone());
            handle.set_prefix(phase);
            handle.set_length(p.bytes_total.unwrap_or(p.bytes));
            handle.set_position(p.bytes);
            let items = match p.items_total {
                Some(t) => format!("{}/{t}", p.items),
                None => p.items.to_string(),
            };
            let unit = match p.phase {
                Phase::Media => "images",
                Phase::Indexing => "articles",
                _ => "articles and comments",
            };
            handle.set_message(format!("{items} {unit}"));
        }
    });
    (bar, task)
}
