//! `article-sync bench`: the whole product measured beside what readers use today (newsboat
//! reading an RSS feed) and beside the floor of each job, on loopback, on the same machine in
//! the same run; the README's Performance section has the targets and the latest run.
//!
//! - [`fixture`]: per corpus size, the published trees and RSS feeds, cached under `--out`.
//! - [`child`]: syncs and cold opens in child processes (`bench-child`), reaped with `wait4`
//!   for their peak RSS; [`newsboat`] the same for the baseline.
//! - [`floor`]: the SQLite insert floor and the compressed-size floor.
//! - [`judged`]: the judged Persian search set (recall at 10, mean reciprocal rank).
//! - [`share`]: phone to phone: the exported copy's size, the export, a sync from a share.
//! - [`report`], [`chart`]: the table, `bench.json`, `bench.md` and `bench.png`.

pub mod chart;
pub mod child;
pub mod comments;
pub mod ffi;
pub mod fixture;
pub mod floor;
pub mod images;
pub mod judged;
pub mod measure;
pub mod newsboat;
pub mod publishing;
pub mod report;
pub mod rss;
pub mod seaweed;
pub mod share;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use article_sync_core::store::{ListFilter, SearchOptions, Store, StoreConfig};

use crate::corpus::Corpus;
use crate::error::Failure;
use crate::serve::{Fault, ServeConfig, Server, TestCa, TlsIdentity};
use child::{ChildMode, ChildOutcome, ChildSpec, run_child};
use fixture::{Fixture, NEW_ARTICLES};
use measure::{Summary, percentile};
use report::{Cell, Machine, Report, Row, Target, Unit, no_target};
use rss::FeedServer;

/// Why the bench could not run or a case could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{what}: {reason}")]
    Io { what: String, reason: String },
    #[error("publishing {0} articles: {1}")]
    Publish(u64, String),
    #[error("{0}: {1}")]
    Child(String, String),
    #[error("{0}")]
    Newsboat(String),
    #[error("server: {0}")]
    Server(String),
    #[error("chart: {0}")]
    Chart(String),
    #[error("FFI library: {0}")]
    Ffi(String),
    #[error("{0}")]
    Check(String),
}

impl BenchError {
    pub fn io(what: impl std::fmt::Debug, reason: impl std::fmt::Display) -> BenchError {
        BenchError::Io {
            what: format!("{what:?}"),
            reason: reason.to_string(),
        }
    }
}

impl From<BenchError> for Failure {
    fn from(e: BenchError) -> Failure {
        Failure::failed(format!("bench: {e}"))
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Corpus sizes (articles), comma-separated [default: 1000,10000,100000; with --quick
    /// 200,1000].
    #[arg(long, value_delimiter = ',')]
    pub sizes: Option<Vec<u64>>,
    /// Where bench.json, bench.md, bench.png and the cache of published trees go.
    #[arg(long, default_value = "bench-out")]
    pub out: PathBuf,
    /// Runs of each case [default: 3; with --quick 1].
    #[arg(long)]
    pub runs: Option<usize>,
    /// For CI: small sizes, one run, no FFI build; fails when any row is missing (values are
    /// not checked against the targets).
    #[arg(long)]
    pub quick: bool,
    /// Corpus seed.
    #[arg(long, default_value_t = 2018)]
    pub seed: u64,
    /// The FFI library to measure [default: target/release/libarticle_sync.so next to this
    /// executable, built when missing unless --quick or --no-build].
    #[arg(long)]
    pub ffi_lib: Option<PathBuf>,
    /// Never build the release FFI library.
    #[arg(long)]
    pub no_build: bool,
}

/// Every row with the baselines it must have.
pub const EXPECTED: &[(&str, &[&str])] = &[
    ("first_sync.time", &["newsboat", "SQLite floor"]),
    ("first_sync.searchable", &["newsboat", "readable"]),
    ("first_sync.peak_rss", &["newsboat"]),
    ("first_sync.bytes", &["newsboat"]),
    ("first_sync.bytes_whole", &["newsboat"]),
    ("first_sync.requests", &["newsboat"]),
    ("first_sync.requests_to_headlines", &[]),
    ("incremental.requests", &["newsboat"]),
    ("incremental.bytes", &["newsboat", "compressed floor"]),
    ("incremental.time", &["newsboat"]),
    ("no_change.requests", &["newsboat"]),
    ("no_change.bytes", &["newsboat"]),
    (
        "blackholed_main.time",
        &["route by route", "healthy route + stagger"],
    ),
    ("warm_start.wasted", &[]),
    ("store.insert", &[]),
    ("store.first_page", &[]),
    ("search.p50", &[]),
    ("search.p95", &[]),
    ("search.judged_slowest", &[]),
    ("judged.recall", &[]),
    ("judged.mrr", &[]),
    ("cold_open.time", &[]),
    ("ffi.size", &[]),
    ("comments.envelope", &[]),
    ("comments.delivery", &[]),
    ("comments.receipt", &[]),
    ("images.publish_time", &[]),
    ("images.phone_bytes", &["originals"]),
    ("images.first_sync_bytes", &["text-only"]),
    ("publish.s3_time", &[]),
    ("publish.s3_requests", &[]),
    ("publish.s3_bytes", &[]),
    ("publish.incremental_requests", &[]),
    ("publish.incremental_bytes", &[]),
    ("publish.site_time", &[]),
    ("share.export_bytes", &[]),
    ("share.export_time", &[]),
    ("share.sync_from_share", &[]),
    ("images.export_bytes", &["text-only"]),
];

/// The product's stagger and timeouts (NetConfig's defaults).
const STAGGER_MS: u64 = 250;
const TIMEOUT_MS: u64 = 10_000;
/// The route-by-route baseline: the next route only after the previous one failed.
const NO_STAGGER_MS: u64 = 3_600_000;
const SEARCH_QUERIES: usize = 60;
const MIB: f64 = 1024.0 * 1024.0;

/// Samples of one size: key → one value per run.
type Samples = BTreeMap<&'static str, Vec<f64>>;

pub fn run(args: Args) -> Result<(), Failure> {
    let sizes = match &args.sizes {
        Some(s) if s.is_empty() || s.contains(&0) => {
            return Err(Failure::usage("--sizes: give positive article counts"));
        }
        Some(s) => s.clone(),
        None if args.quick => vec![200, 1000],
        None => vec![1000, 10_000, 100_000],
    };
    let runs = args.runs.unwrap_or(if args.quick { 1 } else { 3 });
    if runs == 0 {
        return Err(Failure::usage("--runs: at least 1"));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))?;
    let report = runtime.block_on(bench(&args, &sizes, runs))?;
    println!("{}", report.text_table());
    for note in &report.notes {
        println!("  {note}");
    }
    let missing = report.missing(EXPECTED, if args.quick { &["ffi.size"] } else { &[] });
    if missing.is_empty() {
        println!(
            "\nevery row produced; wrote {}",
            args.out.join("bench.json").display()
        );
        Ok(())
    } else {
        Err(Failure::failed(format!(
            "bench: {} row(s) missing: {}",
            missing.len(),
            missing.join("; ")
        )))
    }
}

/// What every case of one size needs.
struct Stage<'a> {
    exe: PathBuf,
    fixture: &'a Fixture,
    ca_pem: String,
    servers: [Server; 3],
    urls: [String; 3],
    feed: FeedServer,
}

async fn bench(args: &Args, sizes: &[u64], runs: usize) -> Result<Report, BenchError> {
    let started = Instant::now();
    fs::create_dir_all(&args.out).map_err(|e| BenchError::io(&args.out, e))?;
    let out = fs::canonicalize(&args.out).map_err(|e| BenchError::io(&args.out, e))?;
    let exe = std::env::current_exe().map_err(|e| BenchError::io("the executable", e))?;
    let newsboat_version = tokio::task::block_in_place(newsboat::ensure)?;
    let ca = TestCa::new().map_err(|e| BenchError::Server(e.to_string()))?;
    let identity = ca
        .leaf(&["127.0.0.1", "localhost"])
        .map_err(|e| BenchError::Server(e.to_string()))?;
    let mut all: BTreeMap<u64, Samples> = BTreeMap::new();
    let mut errors: BTreeMap<(u64, &'static str), String> = BTreeMap::new();
    for &size in sizes {
        eprintln!("bench: N = {size}: preparing the trees and feeds…");
        let fixture =
            tokio::task::block_in_place(|| Fixture::prepare(&out.join("cache"), size, args.seed))?;
        if fixture.built {
            eprintln!(
                "bench: N = {size}: published in {:.1} s",
                fixture.publish_secs
            );
        }
        let stage = Stage::start(exe.clone(), &fixture, &ca, &identity).await?;
        let samples = all.entry(size).or_default();
        let articles = Corpus::new(args.seed).articles(0..size);
        let queries = queries(args.seed, size);
        for run in 0..runs {
            let dir = out
                .join("runs")
                .join(format!("n{size}"))
                .join(format!("r{run}"));
            remove_dir(&dir)?;
            fs::create_dir_all(&dir).map_err(|e| BenchError::io(&dir, e))?;
            eprintln!("bench: N = {size}, run {}/{runs}", run + 1);
            let first = dir.join("first.db");
            let mut results = vec![("first_sync", stage.first_sync(&first, samples))];
            let synced = results[0].1.is_ok();
            results.push(("first_sync", stage.first_sync_newsboat(&dir, samples)));
            if run == 0 {
                // Bytes only, which do not vary from run to run.
                results.push(("first_sync_whole", stage.first_sync_whole(&dir, samples)));
            }
            results.push(("first_sync", floor_insert(&dir, &articles, samples)));
            results.push(("store", store_insert(&dir, &articles, samples)));
            if synced {
                results.push(("store", first_page(&first, samples)));
                results.push(("cold_open", stage.cold_open(&first, samples)));
                results.push(("search", search(&first, &queries, samples)));
                let (key, copy) = (&fixture.public_key, dir.join("share"));
                let shared = share::measure(&first, &copy, key, size, samples).await;
                results.push(("share", shared));
                results.push(("no_change", stage.no_change(&dir, &first, samples)));
                results.push(("incremental", stage.incremental(&dir, &first, samples)));
                results.push(("blackholed_main", stage.blackholed(&dir, &first, samples)));
            } else {
                results.push(("incremental", stage.newsboat_later(&dir, samples)));
            }
            for (case, result) in results {
                if let Err(e) = result {
                    eprintln!("bench: N = {size}: {case}: {e}");
                    errors.entry((size, case)).or_insert_with(|| e.to_string());
                }
            }
            remove_dir(&dir)?;
        }
        let new = fixture.new_articles(args.seed);
        samples
            .entry("incremental.floor.bytes")
            .or_default()
            .push(floor::compressed_size(&new) as f64);
        stage.stop().await;
    }
    let comment_costs = comments::measure(&out.join("comments")).await;
    // 10,000 articles with one of 1,000 photos each; --quick: a few, each photo shown twice.
    let (photo_articles, photos) = if args.quick {
        (40, 20)
    } else {
        (10_000, 1_000)
    };
    eprintln!("bench: publishing {photo_articles} articles with one of {photos} photos each…");
    let scratch = out.join("images");
    let image_costs = images::measure(&scratch, photo_articles, photos, runs).await;
    // 10,000 articles to SeaweedFS; --quick: 200. On a thread of its own: each target blocks
    // on its own runtime.
    let publish_articles = if args.quick { 200 } else { 10_000 };
    eprintln!("bench: uploading {publish_articles} articles to SeaweedFS…");
    let publish_costs = tokio::task::block_in_place(|| {
        let scratch = out.join("publishing");
        std::thread::scope(|s| {
            s.spawn(|| publishing::measure(&scratch, publish_articles, runs, args.seed))
                .join()
                .unwrap_or_else(|_| Err(BenchError::Check("the publishing bench panicked".into())))
        })
    });
    let judged_score = tokio::task::block_in_place(|| judged_score(&out.join("judged")));
    let ffi = tokio::task::block_in_place(|| {
        ffi::measure(
            args.ffi_lib.as_deref(),
            !(args.quick || args.no_build),
            &out.join("ffi"),
        )
    });
    let report = Report {
        command: command_line(),
        machine: Machine::this(),
        date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        sizes: sizes.to_vec(),
        runs,
        quick: args.quick,
        newsboat: newsboat_version,
        rows: [
            rows(sizes, &all, &errors, ffi, comment_costs, judged_score),
            images::rows(image_costs),
            publishing::rows(publish_costs),
        ]
        .concat(),
        notes: notes(started.elapsed()),
    };
    write_outputs(&report, &out)?;
    Ok(report)
}

fn write_outputs(report: &Report, out: &Path) -> Result<(), BenchError> {
    let json = out.join("bench.json");
    let text = serde_json::to_vec_pretty(report).map_err(|e| BenchError::io(&json, e))?;
    fs::write(&json, text).map_err(|e| BenchError::io(&json, e))?;
    let md = out.join("bench.md");
    fs::write(&md, report.markdown()).map_err(|e| BenchError::io(&md, e))?;
    chart::draw(report, &out.join("bench.png"))
}

fn remove_dir(dir: &Path) -> Result<(), BenchError> {
    match fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(BenchError::io(dir, e)),
    }
}

/// Copies a database file (with its WAL, if any) to `to`, flushed to disk: the measured sync
/// must not pay for writing back the bench's own copy (its end-of-sync checkpoint fsyncs the
/// database file).
fn copy_db(from: &Path, to: &Path) -> Result<(), BenchError> {
    let copy = |from: &Path, to: &Path| -> std::io::Result<()> {
        fs::copy(from, to)?;
        fs::File::open(to)?.sync_all()
    };
    copy(from, to).map_err(|e| BenchError::io(to, e))?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", from.display()));
        if side.exists() {
            let target = PathBuf::from(format!("{}{suffix}", to.display()));
            copy(&side, &target).map_err(|e| BenchError::io(&target, e))?;
        }
    }
    Ok(())
}

fn push(samples: &mut Samples, key: &'static str, value: f64) {
    samples.entry(key).or_default().push(value);
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

impl<'a> Stage<'a> {
    async fn start(
        exe: PathBuf,
        fixture: &'a Fixture,
        ca: &TestCa,
        identity: &TlsIdentity,
    ) -> Result<Stage<'a>, BenchError> {
        let live = fixture.dir.join("live");
        point(&live, &fixture.base)?;
        let mut servers = Vec::new();
        for _ in 0..3 {
            let mut config = ServeConfig::new(&live);
            config.tls = Some(identity.clone());
            servers.push(
                Server::start(config)
                    .await
                    .map_err(|e| BenchError::Server(e.to_string()))?,
            );
        }
        let urls: Vec<String> = servers.iter().map(Server::url).collect();
        let feed = FeedServer::start(&fixture.feed_base).await?;
        let servers: [Server; 3] = servers
            .try_into()
            .map_err(|_| BenchError::Server("three servers".into()))?;
        Ok(Stage {
            exe,
            fixture,
            ca_pem: ca.pem(),
            urls: [urls[0].clone(), urls[1].clone(), urls[2].clone()],
            servers,
            feed,
        })
    }

    async fn stop(self) {
        for s in self.servers {
            s.shutdown().await;
        }
    }

    /// Serves the `base` tree (`plus10: false`) or the `plus10` tree.
    fn serve_tree(&self, plus10: bool) -> Result<(), BenchError> {
        let to = if plus10 {
            &self.fixture.plus10
        } else {
            &self.fixture.base
        };
        point(&self.fixture.dir.join("live"), to)
    }

    fn reset_stats(&self) {
        self.servers.iter().for_each(Server::reset_stats);
        self.feed.reset_stats();
    }

    /// Requests and body bytes the three tree servers answered since the last reset.
    fn served(&self) -> (f64, f64) {
        self.servers.iter().fold((0.0, 0.0), |(r, b), s| {
            let t = s.stats().total();
            (r + t.requests as f64, b + t.bytes_sent as f64)
        })
    }

    fn spec(&self, mode: ChildMode, db: &Path, stagger_ms: u64) -> ChildSpec {
        ChildSpec {
            mode,
            database: db.to_path_buf(),
            public_key: self.fixture.public_key.clone(),
            main: self.urls[0].clone(),
            mirrors: self.urls[1..].to_vec(),
            ca_pem: self.ca_pem.clone(),
            stagger_ms,
            connect_timeout_ms: TIMEOUT_MS,
            read_timeout_ms: TIMEOUT_MS,
        }
    }

    /// A sync in a child process; checks that it stored `expect` articles.
    fn child_sync(
        &self,
        db: &Path,
        stagger_ms: u64,
        expect: u64,
        what: &str,
    ) -> Result<(ChildOutcome, child::Finished), BenchError> {
        let spec = self.spec(ChildMode::Sync, db, stagger_ms);
        let (outcome, finished) =
            tokio::task::block_in_place(|| run_child(&self.exe, &spec, what))?;
        if outcome.articles != expect {
            return Err(BenchError::Check(format!(
                "{what}: {} articles stored, expected {expect}",
                outcome.articles
            )));
        }
        Ok((outcome, finished))
    }

    fn first_sync(&self, db: &Path, samples: &mut Samples) -> Result<(), BenchError> {
        self.serve_tree(false)?;
        self.reset_stats();
        let (outcome, finished) =
            self.child_sync(db, STAGGER_MS, self.fixture.size, "first sync")?;
        let (requests, bytes) = self.served();
        let to_headlines = outcome.requests_to_headlines.ok_or_else(|| {
            BenchError::Check("the first sync did not report when its headlines were stored".into())
        })?;
        push(samples, "first.ours.to_headlines", to_headlines as f64);
        let readable = outcome.readable_unix_ms.ok_or_else(|| {
            BenchError::Check("the first sync did not report when it was readable".into())
        })?;
        push(
            samples,
            "first.ours.readable",
            readable - finished.spawned_unix_ms,
        );
        push(samples, "first.ours.searchable", millis(finished.wall));
        push(samples, "first.ours.rss", finished.peak_rss as f64);
        push(samples, "first.ours.bytes", bytes);
        push(samples, "first.ours.requests", requests);
        Ok(())
    }

    /// The bytes of a first sync from the tree whose summaries were whole articles, and of
    /// newsboat's reload of that feed.
    fn first_sync_whole(&self, dir: &Path, samples: &mut Samples) -> Result<(), BenchError> {
        point(&self.fixture.dir.join("live"), &self.fixture.whole)?;
        self.reset_stats();
        let synced = self.child_sync(
            &dir.join("whole.db"),
            STAGGER_MS,
            self.fixture.size,
            "first sync, whole descriptions",
        );
        let (_, bytes) = self.served();
        self.serve_tree(false)?;
        synced?;
        push(samples, "whole.ours.bytes", bytes);
        let (_, _, bytes) = self.newsboat_reload(
            &dir.join("newsboat-whole"),
            &self.fixture.feed_whole,
            self.fixture.size,
        )?;
        push(samples, "whole.nb.bytes", bytes);
        Ok(())
    }

    fn newsboat_reload(
        &self,
        dir: &Path,
        feed: &Path,
        expect: u64,
    ) -> Result<(child::Finished, f64, f64), BenchError> {
        self.feed.switch(feed)?;
        self.feed.reset_stats();
        let url = self.feed.url();
        let finished = tokio::task::block_in_place(|| newsboat::reload(&self.exe, dir, &url))?;
        let items = newsboat::cached_items(dir)?;
        if items != expect {
            return Err(BenchError::Check(format!(
                "newsboat cached {items} items, expected {expect}"
            )));
        }
        let stats = self.feed.stats();
        Ok((finished, stats.requests as f64, stats.bytes as f64))
    }

    fn first_sync_newsboat(&self, dir: &Path, samples: &mut Samples) -> Result<(), BenchError> {
        let (finished, requests, bytes) = self.newsboat_reload(
            &dir.join("newsboat"),
            &self.fixture.feed_base,
            self.fixture.size,
        )?;
        push(samples, "first.nb.time", millis(finished.wall));
        push(samples, "first.nb.rss", finished.peak_rss as f64);
        push(samples, "first.nb.bytes", bytes);
        push(samples, "first.nb.requests", requests);
        Ok(())
    }

    fn cold_open(&self, first: &Path, samples: &mut Samples) -> Result<(), BenchError> {
        let spec = self.spec(ChildMode::Open, first, STAGGER_MS);
        let (outcome, _) =
            tokio::task::block_in_place(|| run_child(&self.exe, &spec, "cold open"))?;
        let page = (self.fixture.size as usize).min(child::FIRST_PAGE);
        if outcome.first_page != page {
            return Err(BenchError::Check(format!(
                "cold open listed {} articles, expected {page}",
                outcome.first_page
            )));
        }
        push(samples, "open.ours.time", outcome.millis);
        Ok(())
    }

    fn no_change(&self, dir: &Path, first: &Path, samples: &mut Samples) -> Result<(), BenchError> {
        let db = dir.join("no-change.db");
        copy_db(first, &db)?;
        self.serve_tree(false)?;
        self.reset_stats();
        self.child_sync(&db, STAGGER_MS, self.fixture.size, "no-change sync")?;
        let (requests, bytes) = self.served();
        push(samples, "same.ours.requests", requests);
        push(samples, "same.ours.bytes", bytes);
        let nb = dir.join("newsboat-no-change");
        fixture::copy_dir(&dir.join("newsboat"), &nb)?;
        // newsboat 2.21 sends no If-None-Match/If-Modified-Since on its second reload, only from
        // the third on: warm it up so that it shows its best.
        self.newsboat_reload(&nb, &self.fixture.feed_base, self.fixture.size)?;
        let (_, requests, bytes) =
            self.newsboat_reload(&nb, &self.fixture.feed_base, self.fixture.size)?;
        push(samples, "same.nb.requests", requests);
        push(samples, "same.nb.bytes", bytes);
        Ok(())
    }

    fn incremental(
        &self,
        dir: &Path,
        first: &Path,
        samples: &mut Samples,
    ) -> Result<(), BenchError> {
        let db = dir.join("incremental.db");
        copy_db(first, &db)?;
        self.serve_tree(true)?;
        self.reset_stats();
        let expect = self.fixture.size + NEW_ARTICLES;
        let (_, finished) = self.child_sync(&db, STAGGER_MS, expect, "incremental sync")?;
        let (requests, bytes) = self.served();
        push(samples, "incr.ours.time", millis(finished.wall));
        push(samples, "incr.ours.requests", requests);
        push(samples, "incr.ours.bytes", bytes);
        self.newsboat_later(dir, samples)
    }

    /// newsboat's reload of the feed with the 10 new articles, from its first-sync cache.
    fn newsboat_later(&self, dir: &Path, samples: &mut Samples) -> Result<(), BenchError> {
        let nb = dir.join("newsboat-incremental");
        fixture::copy_dir(&dir.join("newsboat"), &nb)?;
        let (finished, requests, bytes) = self.newsboat_reload(
            &nb,
            &self.fixture.feed_plus10,
            self.fixture.size + NEW_ARTICLES,
        )?;
        push(samples, "incr.nb.time", millis(finished.wall));
        push(samples, "incr.nb.requests", requests);
        push(samples, "incr.nb.bytes", bytes);
        Ok(())
    }

    /// The incremental sync with the main site blackholed and mirror 1 resetting every
    /// connection: raced (the product), route by route, and from a healthy first route.
    fn blackholed(
        &self,
        dir: &Path,
        first: &Path,
        samples: &mut Samples,
    ) -> Result<(), BenchError> {
        self.serve_tree(true)?;
        let expect = self.fixture.size + NEW_ARTICLES;
        let set = |main: Fault, mirror: Fault| -> Result<(), BenchError> {
            self.servers[0]
                .set_fault(main)
                .and_then(|()| self.servers[1].set_fault(mirror))
                .map_err(|e| BenchError::Server(e.to_string()))
        };
        set(Fault::Blackhole, Fault::Reset)?;
        let measured = (|| {
            let raced = dir.join("blackholed.db");
            copy_db(first, &raced)?;
            let (outcome, _) = self.child_sync(&raced, STAGGER_MS, expect, "blackholed sync")?;
            push(samples, "bh.ours.time", outcome.millis);
            // A warm start of the same reader, still blocked.
            let (outcome, _) = self.child_sync(&raced, STAGGER_MS, expect, "warm start")?;
            push(
                samples,
                "warm.ours.wasted",
                outcome.wasted_head_attempts as f64,
            );
            let sequential = dir.join("route-by-route.db");
            copy_db(first, &sequential)?;
            let (outcome, _) =
                self.child_sync(&sequential, NO_STAGGER_MS, expect, "route-by-route sync")?;
            push(samples, "bh.seq.time", outcome.millis);
            Ok::<(), BenchError>(())
        })();
        set(Fault::None, Fault::None)?;
        measured?;
        let healthy = dir.join("healthy.db");
        copy_db(first, &healthy)?;
        let (outcome, _) = self.child_sync(&healthy, STAGGER_MS, expect, "healthy sync")?;
        push(samples, "bh.floor.time", outcome.millis + STAGGER_MS as f64);
        Ok(())
    }
}

/// Points the symlink `live` at `to` (atomically, by rename).
fn point(live: &Path, to: &Path) -> Result<(), BenchError> {
    let tmp = live.with_extension("tmp");
    let _ = fs::remove_file(&tmp);
    std::os::unix::fs::symlink(to, &tmp).map_err(|e| BenchError::io(&tmp, e))?;
    fs::rename(&tmp, live).map_err(|e| BenchError::io(live, e))
}

fn floor_insert(
    dir: &Path,
    articles: &[article_sync_core::publish::source::SourceArticle],
    samples: &mut Samples,
) -> Result<(), BenchError> {
    let took =
        tokio::task::block_in_place(|| floor::sqlite_insert(&dir.join("floor.db"), articles))?;
    push(samples, "first.floor.time", millis(took));
    Ok(())
}

fn store_insert(
    dir: &Path,
    articles: &[article_sync_core::publish::source::SourceArticle],
    samples: &mut Samples,
) -> Result<(), BenchError> {
    let took =
        tokio::task::block_in_place(|| floor::store_insert(&dir.join("store.db"), articles))?;
    push(samples, "store.insert.time", millis(took));
    Ok(())
}

/// The first page of the newest-first list (20 articles), warm: the median of 50 reads.
fn first_page(db: &Path, samples: &mut Samples) -> Result<(), BenchError> {
    tokio::task::block_in_place(|| {
        let store = Store::open(db, StoreConfig::default()).map_err(|e| BenchError::io(db, e))?;
        let mut latencies = Vec::new();
        for _ in 0..50 {
            let started = Instant::now();
            let page = store
                .list(&ListFilter::All, None, child::FIRST_PAGE)
                .map_err(|e| BenchError::io(db, e))?;
            latencies.push(millis(started.elapsed()));
            if page.items.is_empty() {
                return Err(BenchError::Check("the first page is empty".into()));
            }
        }
        let p50 = percentile(&latencies, 50.0)
            .ok_or_else(|| BenchError::Check("no first-page reads".into()))?;
        push(samples, "store.list.p50", p50);
        Ok(())
    })
}

/// Persian queries from the corpus's titles: words, and every third query two words.
pub fn queries(seed: u64, size: u64) -> Vec<String> {
    let corpus = Corpus::new(seed);
    let mut words: Vec<String> = Vec::new();
    for n in 0..size.min(200) {
        for w in corpus.article(n).title.split_whitespace() {
            let w = w.trim_end_matches('.');
            let letters = w
                .chars()
                .all(|c| ('\u{0621}'..='\u{06CC}').contains(&c) || c == '\u{200C}');
            if w.chars().count() >= 3 && letters && !words.iter().any(|x| x == w) {
                words.push(w.to_string());
            }
        }
    }
    (0..SEARCH_QUERIES)
        .filter_map(|i| {
            let a = words.get((i * 7) % words.len().max(1))?;
            if i % 3 == 2 {
                let b = words.get((i * 13 + 5) % words.len())?;
                Some(format!("{a} {b}"))
            } else {
                Some(a.clone())
            }
        })
        .collect()
}

/// The judged set on its own corpus, in a new store under `dir`.
fn judged_score(dir: &Path) -> Result<judged::Score, BenchError> {
    remove_dir(dir)?;
    fs::create_dir_all(dir).map_err(|e| BenchError::io(dir, e))?;
    let store = judged::store(&dir.join("judged.db"))?;
    let score = judged::score(&store, &judged::queries());
    drop(store);
    remove_dir(dir)?;
    score
}

/// Search latencies over the synced store (warm process, one warm-up query); then the slowest
/// judged query (each the median of 3 runs) over the same store.
fn search(db: &Path, queries: &[String], samples: &mut Samples) -> Result<(), BenchError> {
    tokio::task::block_in_place(|| {
        let store = Store::open(db, StoreConfig::default()).map_err(|e| BenchError::io(db, e))?;
        let options = SearchOptions::default();
        let mut latencies = Vec::with_capacity(queries.len());
        let mut hits = 0;
        if let Some(q) = queries.first() {
            store
                .search(q, &options)
                .map_err(|e| BenchError::io(db, e))?;
        }
        for q in queries {
            let started = Instant::now();
            hits += store
                .search(q, &options)
                .map_err(|e| BenchError::io(db, e))?
                .len();
            latencies.push(millis(started.elapsed()));
        }
        if hits == 0 {
            return Err(BenchError::Check("no search query found anything".into()));
        }
        let (Some(p50), Some(p95)) = (percentile(&latencies, 50.0), percentile(&latencies, 95.0))
        else {
            return Err(BenchError::Check("no search queries".into()));
        };
        push(samples, "search.p50", p50);
        push(samples, "search.p95", p95);
        let judged = judged::queries();
        let mut runs = Vec::new();
        for _ in 0..3 {
            runs.push(judged::score(&store, &judged)?.millis);
        }
        let slowest = (0..judged.len())
            .filter_map(|q| percentile(&[runs[0][q], runs[1][q], runs[2][q]], 50.0))
            .fold(0.0, f64::max);
        push(samples, "search.judged_slowest", slowest);
        Ok(())
    })
}

fn command_line() -> String {
    let mut words = vec!["article-sync".to_string()];
    words.extend(std::env::args().skip(1));
    words.join(" ")
}

fn notes(elapsed: Duration) -> Vec<String> {
    vec![
        "Ratio = article-sync ÷ baseline, medians; below 1 article-sync needs less. ✓/✗: the targets (first sync and search at N = 10,000; the others at every N).".into(),
        "Corpus: N generated Persian articles (cli/src/corpus.rs, the same on every machine): words drawn by how often Persian writers use them (wordfreq's list of 30,000 words, tests/fixtures/words/fa.tsv), one in 8 from the seed article, one in 20 the article's own five topic words; titles of 6–12 words, summaries of 20–35, bodies of 5–8 paragraphs of 60–110, 0–2 comments an article.".into(),
        "article-sync: each sync runs as its own process (`article-sync bench-child`) against three in-process HTTPS servers on 127.0.0.1 (main site and two mirrors, a throw-away CA). First sync: \"readable\" is spawn to the instant the child's sync stored its last article (it reports that instant; the snapshot's parts are committed as they arrive and the list shows after its headlines), \"searchable\" is spawn to exit (the sync returns after rebuilding the search index in batches); other wall times are spawn to exit. Peak RSS is the child's ru_maxrss, bytes and requests are counted by the servers (response bodies).".into(),
        "newsboat: `newsboat -x reload` of the same articles as one RSS 2.0 feed (full bodies in content:encoded, gzip and ETag honoured), served over plain HTTP on 127.0.0.1 (no TLS: simpler for newsboat's curl, and slightly in its favour); same clock, rusage and byte counting. Its incremental reload fetches the whole feed again, as RSS does. Its no-change reload is its third (newsboat 2.21 sends If-None-Match only from the third reload on, newsboat issue 2734), answered 304.".into(),
        "Feed descriptions whole articles: the same articles published with each summary the article's whole text (as a feed reader makes it from such a feed; the publisher keeps its first sentences), and served to newsboat as a feed whose `<description>` is the whole article (no `content:encoded`); bytes of the first sync, from the first run.".into(),
        "SQLite floor: the same article rows written with the store's own row statement in one transaction, from memory (no download, verification, search index or comments).".into(),
        format!("Compressed floor: gzip of the {NEW_ARTICLES} new articles and their comments as JSON lines of the wire model."),
        "Requests until the list shows: the requests the first sync had made when the snapshot's headlines were stored (it reports the count itself).".into(),
        format!("Blackholed main: the incremental sync of {NEW_ARTICLES} articles with the main site blackholed (accepts, never answers) and mirror 1 resetting every connection, timed inside the process. Route by route: the same client with the stagger set to one hour, so each route is tried only after the previous one failed (10 s connect and read timeouts). Floor: the same sync with every route healthy, plus one stagger ({STAGGER_MS} ms). Warm start: the same reader syncs again with the main site and mirror 1 still failing; every head request of its race to another route than the winner is wasted (the child counts its race's attempts)."),
        "Store: the store's own insert of N generated articles and their comments in one transaction (`Store::apply_entries`, search index and budget included), in the bench process; first page: the newest 20 articles from the synced store, warm, median of 50 reads.".into(),
        "Search: p50/p95 of Persian one- and two-word queries (words of the corpus's titles) over the synced store, in a warm process; slowest judged query: the judged set's queries (tests/fixtures/judged) over the same store, each the median of 3, the slowest of them. Cold open: a new process opens the store and lists the first page (20 articles), timed inside it.".into(),
        format!("Judged search: the {} judged queries over their own corpus of {} articles written the ways readers type Persian (tests/fixtures/judged, `cargo test` checks it too): recall = mean share of each query's judged articles in its top {}; MRR = mean of 1 / the rank of its first judged article.", judged::queries().len(), judged::articles().len(), judged::TOP),
        "FFI library: target/release/libarticle_sync.so for the host, stripped (strip --strip-all) copy.".into(),
        format!("The whole bench took {:.0} s (publishing excluded when the trees were cached).", elapsed.as_secs_f64()),
    ]
}

/// Rows from the samples; a cell without samples says why (the case's error).
fn rows(
    sizes: &[u64],
    all: &BTreeMap<u64, Samples>,
    errors: &BTreeMap<(u64, &'static str), String>,
    ffi: Result<ffi::FfiSize, BenchError>,
    comment_costs: Result<comments::CommentCosts, BenchError>,
    judged_score: Result<judged::Score, BenchError>,
) -> Vec<Row> {
    let get = |size: u64, key: &str| {
        all.get(&size)
            .and_then(|s| s.get(key))
            .and_then(|v| Summary::of(v))
    };
    let at_10k = |size: u64| size == 10_000;
    let at_100k = |size: u64| size == 100_000;
    type Build<'f> = &'f dyn Fn(u64, Option<Summary>) -> Cell;
    let row =
        |id: &str, title: &str, unit: Unit, case: &'static str, ours: &str, build: Build| Row {
            id: id.to_string(),
            title: title.to_string(),
            unit,
            cells: sizes
                .iter()
                .map(|&size| {
                    let mut cell = build(size, get(size, ours));
                    if cell.value.is_none() {
                        cell.note = Some(
                            errors
                                .get(&(size, case))
                                .cloned()
                                .unwrap_or_else(|| "not measured".into()),
                        );
                    }
                    cell
                })
                .collect(),
        };
    let mut rows = vec![
        row(
            "first_sync.time",
            "First sync of N: wall time until every article is readable",
            Unit::Millis,
            "first_sync",
            "first.ours.readable",
            &|size, v| {
                Cell::new(size, v)
                    .baseline("newsboat", get(size, "first.nb.time"), |r| {
                        at_10k(size).then(|| Target::ratio_at_most(r, 1.0 / 3.0))
                    })
                    .baseline("SQLite floor", get(size, "first.floor.time"), |r| {
                        (at_10k(size) || at_100k(size)).then(|| Target::ratio_at_most(r, 1.5))
                    })
            },
        ),
        row(
            "first_sync.searchable",
            "First sync of N: wall time until searchable (the sync returns)",
            Unit::Millis,
            "first_sync",
            "first.ours.searchable",
            &|size, v| {
                Cell::new(size, v)
                    .baseline("newsboat", get(size, "first.nb.time"), |r| {
                        at_10k(size).then(|| Target::ratio_at_most(r, 1.0 / 3.0))
                    })
                    .baseline("readable", get(size, "first.ours.readable"), |r| {
                        at_100k(size).then(|| Target::ratio_at_most(r, 2.0))
                    })
            },
        ),
        row(
            "first_sync.peak_rss",
            "First sync of N: peak RSS",
            Unit::Bytes,
            "first_sync",
            "first.ours.rss",
            &|size, v| {
                let mut cell =
                    Cell::new(size, v).baseline("newsboat", get(size, "first.nb.rss"), no_target);
                let cap = match size {
                    10_000 => Some(48.0),
                    100_000 => Some(96.0),
                    _ => None,
                };
                if let Some(cap) = cap {
                    cell.target = v.map(|v| Target::below(Unit::Bytes, v.median, cap * MIB));
                }
                cell
            },
        ),
        row(
            "first_sync.bytes",
            "First sync of N: bytes",
            Unit::Bytes,
            "first_sync",
            "first.ours.bytes",
            &|size, v| {
                Cell::new(size, v).baseline("newsboat", get(size, "first.nb.bytes"), |r| {
                    Some(Target::ratio_at_most(r, 0.75))
                })
            },
        ),
        row(
            "first_sync.bytes_whole",
            "First sync of N, feed descriptions whole articles: bytes",
            Unit::Bytes,
            "first_sync_whole",
            "whole.ours.bytes",
            &|size, v| {
                Cell::new(size, v).baseline("newsboat", get(size, "whole.nb.bytes"), |r| {
                    Some(Target::ratio_at_most(r, 0.75))
                })
            },
        ),
        row(
            "first_sync.requests",
            "First sync of N: requests",
            Unit::Count,
            "first_sync",
            "first.ours.requests",
            &|size, v| {
                Cell::new(size, v).baseline("newsboat", get(size, "first.nb.requests"), no_target)
            },
        ),
        row(
            "first_sync.requests_to_headlines",
            "First sync of N: requests until the list shows",
            Unit::Count,
            "first_sync",
            "first.ours.to_headlines",
            &|size, v| {
                let mut cell = Cell::new(size, v);
                cell.target = v.map(|v| Target::at_most(Unit::Count, v.median, 3.0));
                cell
            },
        ),
        row(
            "incremental.requests",
            "10 new among N: requests",
            Unit::Count,
            "incremental",
            "incr.ours.requests",
            &|size, v| {
                Cell::new(size, v).baseline("newsboat", get(size, "incr.nb.requests"), no_target)
            },
        ),
        row(
            "incremental.bytes",
            "10 new among N: bytes",
            Unit::Bytes,
            "incremental",
            "incr.ours.bytes",
            &|size, v| {
                Cell::new(size, v)
                    .baseline("newsboat", get(size, "incr.nb.bytes"), |r| {
                        Some(Target::ratio_at_most(r, 1.0 / 50.0))
                    })
                    .baseline(
                        "compressed floor",
                        get(size, "incremental.floor.bytes"),
                        |r| Some(Target::ratio_at_most(r, 1.5)),
                    )
            },
        ),
        row(
            "incremental.time",
            "10 new among N: wall time",
            Unit::Millis,
            "incremental",
            "incr.ours.time",
            &|size, v| {
                Cell::new(size, v).baseline("newsboat", get(size, "incr.nb.time"), no_target)
            },
        ),
        row(
            "no_change.requests",
            "No change: requests",
            Unit::Count,
            "no_change",
            "same.ours.requests",
            &|size, v| {
                Cell::new(size, v).baseline("newsboat", get(size, "same.nb.requests"), no_target)
            },
        ),
        row(
            "no_change.bytes",
            "No change: bytes",
            Unit::Bytes,
            "no_change",
            "same.ours.bytes",
            &|size, v| {
                Cell::new(size, v).baseline("newsboat", get(size, "same.nb.bytes"), no_target)
            },
        ),
        row(
            "blackholed_main.time",
            "Main blackholed, mirror dead, mirror healthy: time to synced",
            Unit::Millis,
            "blackholed_main",
            "bh.ours.time",
            &|size, v| {
                Cell::new(size, v)
                    .baseline("route by route", get(size, "bh.seq.time"), |r| {
                        Some(Target::ratio_at_most(r, 1.0 / 20.0))
                    })
                    .baseline(
                        "healthy route + stagger",
                        get(size, "bh.floor.time"),
                        no_target,
                    )
            },
        ),
        row(
            "warm_start.wasted",
            "Warm start, main still blocked: head requests before the last good mirror",
            Unit::Count,
            "blackholed_main",
            "warm.ours.wasted",
            &|size, v| {
                let mut cell = Cell::new(size, v);
                cell.target = v.map(|v| Target::at_most(Unit::Count, v.median, 0.0));
                cell
            },
        ),
        row(
            "store.insert",
            "Store: insert of N articles with their comments",
            Unit::Millis,
            "store",
            "store.insert.time",
            &|size, v| Cell::new(size, v),
        ),
        row(
            "store.first_page",
            "Store: first page of the list (warm), p50",
            Unit::Millis,
            "store",
            "store.list.p50",
            &|size, v| Cell::new(size, v),
        ),
        row(
            "search.p50",
            "Search over N: p50",
            Unit::Millis,
            "search",
            "search.p50",
            &|size, v| {
                let mut cell = Cell::new(size, v);
                let limit = match size {
                    10_000 => Some(2.0),
                    100_000 => Some(8.0),
                    _ => None,
                };
                if let Some(limit) = limit {
                    cell.target = v.map(|v| Target::below(Unit::Millis, v.median, limit));
                }
                cell
            },
        ),
        row(
            "search.p95",
            "Search over N: p95",
            Unit::Millis,
            "search",
            "search.p95",
            &|size, v| {
                let mut cell = Cell::new(size, v);
                if at_10k(size) {
                    cell.target = v.map(|v| Target::below(Unit::Millis, v.median, 5.0));
                }
                cell
            },
        ),
        row(
            "search.judged_slowest",
            "Search over N: slowest judged query",
            Unit::Millis,
            "search",
            "search.judged_slowest",
            &|size, v| {
                let mut cell = Cell::new(size, v);
                if at_10k(size) {
                    cell.target = v.map(|v| Target::below(Unit::Millis, v.median, 5.0));
                }
                cell
            },
        ),
        row(
            "cold_open.time",
            "Cold process: open + first page",
            Unit::Millis,
            "cold_open",
            "open.ours.time",
            &|size, v| Cell::new(size, v),
        ),
        row(
            "share.export_bytes",
            "Phone to phone: bytes of a reader's exported copy of N (text only)",
            Unit::Bytes,
            "share",
            "share.bytes",
            &|size, v| Cell::new(size, v),
        ),
        row(
            "share.export_time",
            "Phone to phone: time to export the copy of N into a folder",
            Unit::Millis,
            "share",
            "share.export",
            &|size, v| Cell::new(size, v),
        ),
        row(
            "share.sync_from_share",
            "Phone to phone: a new reader's sync of N from a phone's share (loopback HTTP)",
            Unit::Millis,
            "share",
            "share.sync",
            &|size, v| Cell::new(size, v),
        ),
    ];
    let mut ffi_cell = match &ffi {
        Ok(f) => Cell::new(0, Summary::of(&[f.stripped_bytes as f64])),
        Err(_) => Cell::new(0, None),
    };
    ffi_cell.note = Some(match ffi {
        Ok(f) => format!(
            "{} ({} before strip)",
            f.library.display(),
            Unit::Bytes.format(f.built_bytes as f64)
        ),
        Err(e) => e.to_string(),
    });
    rows.push(Row {
        id: "ffi.size".into(),
        title: "FFI library (release, stripped)".into(),
        unit: Unit::Bytes,
        cells: vec![ffi_cell],
    });
    rows.extend(comment_rows(comment_costs));
    rows.extend(judged_rows(judged_score));
    rows
}

/// The size-independent judged search rows; each cell says why when it could not be measured.
fn judged_rows(score: Result<judged::Score, BenchError>) -> Vec<Row> {
    let one = |id: &str, title: &str, value: Option<f64>, note: String| {
        let mut cell = Cell::new(0, value.and_then(|v| Summary::of(&[v])));
        if let Some(v) = value {
            cell.target = Some(Target::at_least(
                Unit::Ratio,
                v,
                if id == "judged.recall" {
                    judged::RECALL_TARGET
                } else {
                    0.9
                },
            ));
        }
        cell.note = Some(note);
        Row {
            id: id.into(),
            title: title.into(),
            unit: Unit::Ratio,
            cells: vec![cell],
        }
    };
    let recall = format!(
        "Judged search: recall of the judged articles in the top {}",
        judged::TOP
    );
    let mrr = "Judged search: mean reciprocal rank";
    match score {
        Ok(s) => {
            let missed = if s.misses.is_empty() {
                "no judged article missed".to_string()
            } else {
                let queries: Vec<String> = s
                    .misses
                    .iter()
                    .map(|m| format!("{} ({})", m.0, m.1))
                    .collect();
                format!("missed in: {}", queries.join("; "))
            };
            vec![
                one("judged.recall", &recall, Some(s.recall), missed),
                one(
                    "judged.mrr",
                    mrr,
                    Some(s.mrr),
                    format!("{} queries", s.millis.len()),
                ),
            ]
        }
        Err(e) => vec![
            one("judged.recall", &recall, None, e.to_string()),
            one("judged.mrr", mrr, None, e.to_string()),
        ],
    }
}

/// The size-independent comment rows; each cell says why when it could not be measured.
fn comment_rows(costs: Result<comments::CommentCosts, BenchError>) -> Vec<Row> {
    let one = |id: &str, title: &str, unit: Unit, value: Option<Vec<f64>>, note: String| {
        let mut cell = Cell::new(0, value.as_deref().and_then(Summary::of));
        cell.note = Some(note);
        Row {
            id: id.into(),
            title: title.into(),
            unit,
            cells: vec![cell],
        }
    };
    match costs {
        Ok(c) => vec![
            one(
                "comments.envelope",
                "Comment: sealed envelope of a 300-character comment",
                Unit::Bytes,
                Some(vec![c.envelope_bytes as f64]),
                format!(
                    "4,000 characters: {}",
                    Unit::Bytes.format(c.longest_envelope_bytes as f64)
                ),
            ),
            one(
                "comments.delivery",
                "Comment: delivery through a relay to the inbox (loopback)",
                Unit::Millis,
                Some(c.delivery_ms.clone()),
                format!(
                    "{} deliveries, the inbox's durable write included",
                    c.delivery_ms.len()
                ),
            ),
            one(
                "comments.receipt",
                "Comment: bytes a receipt adds to an incremental sync",
                Unit::Bytes,
                Some(vec![c.receipt_bytes]),
                "per receipt, in a log file of the current format".into(),
            ),
        ],
        Err(e) => ["comments.envelope", "comments.delivery", "comments.receipt"]
            .into_iter()
            .map(|id| one(id, id, Unit::Bytes, None, e.to_string()))
            .collect(),
    }
}
