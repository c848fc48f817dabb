//! Search latency over the bench's corpus, quick to rerun while working on search.
//!
//! `cargo run --release -p article-sync-cli --example search_latency -- [DIR] [SIZE[@DB]…]`
//!
//! For each size (default 10000 and 100000) a store of the bench's generated articles is
//! built once under DIR (default `search-stores`) with the store's own insert, its index merged
//! into one segment as a synced store's is; then the bench's query list is timed over it
//! (warm, `ROUNDS` rounds: the median of the rounds' p50 and p95), the judged set's slowest
//! query over it, and the judged set's recall and MRR on its own corpus. `SIZE@DB` times the
//! queries of that size over the store DB instead (a synced one, say). Environment:
//! `SEARCH_LATENCY_ROUNDS` (default 7), `SEARCH_LATENCY_LIMIT` (results asked, default 20;
//! 1 leaves out most of the snippets' cost), `SEARCH_LATENCY_QUERIES` (print each query's
//! median time, hits and FTS5 expression).

use std::path::{Path, PathBuf};
use std::time::Instant;

use article_sync_cli::bench::measure::percentile;
use article_sync_cli::bench::{floor, judged, queries};
use article_sync_cli::corpus::Corpus;
use article_sync_core::store::{SearchOptions, Store, StoreConfig};

const SEED: u64 = 2018;
const ROUNDS: usize = 7;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "search-stores".into()));
    let mut sizes: Vec<(u64, Option<PathBuf>)> = args
        .map(|s| match s.split_once('@') {
            Some((size, db)) => (size.parse().expect("a size"), Some(db.into())),
            None => (s.parse().expect("a size"), None),
        })
        .collect();
    if sizes.is_empty() {
        sizes = vec![(10_000, None), (100_000, None)];
    }
    std::fs::create_dir_all(&dir).expect("the stores' folder");
    let judged = judged::queries();
    let judged_dir = tempfile::tempdir().expect("a temporary folder");
    let judged_store = judged::store(&judged_dir.path().join("judged.db")).expect("judged");
    let score = judged::score(&judged_store, &judged).expect("judged score");
    println!(
        "judged: recall {:.3}, MRR {:.3}, misses {:?}",
        score.recall, score.mrr, score.misses
    );
    for (size, db) in sizes {
        let store = match db {
            Some(db) => Store::open(&db, StoreConfig::default()).expect("open the store"),
            None => built(&dir, size),
        };
        let list = queries(SEED, size);
        let options = SearchOptions {
            limit: std::env::var("SEARCH_LATENCY_LIMIT").map_or(20, |r| r.parse().expect("limit")),
            ..SearchOptions::default()
        };
        let mut p50s = Vec::new();
        let mut p95s = Vec::new();
        let mut per_query = vec![Vec::new(); list.len()];
        store.search(&list[0], &options).expect("search");
        let rounds =
            std::env::var("SEARCH_LATENCY_ROUNDS").map_or(ROUNDS, |r| r.parse().expect("rounds"));
        for _ in 0..rounds {
            let mut millis = Vec::new();
            for (q, text) in list.iter().enumerate() {
                let started = Instant::now();
                store.search(text, &options).expect("search");
                let ms = started.elapsed().as_secs_f64() * 1e3;
                millis.push(ms);
                per_query[q].push(ms);
            }
            p50s.push(percentile(&millis, 50.0).unwrap_or_default());
            p95s.push(percentile(&millis, 95.0).unwrap_or_default());
        }
        let best: Vec<f64> = (per_query.iter())
            .map(|m| m.iter().copied().fold(f64::MAX, f64::min))
            .collect();
        println!(
            "N = {size}: each query's fastest round: p50 {:.3} ms, p95 {:.3} ms",
            percentile(&best, 50.0).unwrap_or_default(),
            percentile(&best, 95.0).unwrap_or_default()
        );
        let mut slowest = (0..judged.len()).map(|_| Vec::new()).collect::<Vec<_>>();
        for _ in 0..3 {
            let s = judged::score(&store, &judged).expect("judged over the corpus");
            for (q, ms) in s.millis.into_iter().enumerate() {
                slowest[q].push(ms);
            }
        }
        let slowest = (slowest.iter())
            .filter_map(|m| percentile(m, 50.0))
            .fold(0.0, f64::max);
        println!(
            "N = {size}: p50 {:.3} ms ({:.3}–{:.3}), p95 {:.3} ms ({:.3}–{:.3}), slowest judged {slowest:.3} ms",
            percentile(&p50s, 50.0).unwrap_or_default(),
            p50s.iter().copied().fold(f64::MAX, f64::min),
            p50s.iter().copied().fold(0.0, f64::max),
            percentile(&p95s, 50.0).unwrap_or_default(),
            p95s.iter().copied().fold(f64::MAX, f64::min),
            p95s.iter().copied().fold(0.0, f64::max),
        );
        if std::env::var_os("SEARCH_LATENCY_QUERIES").is_some() {
            for (text, ms) in list.iter().zip(&per_query) {
                let hits = store.search(text, &options).expect("search").len();
                println!(
                    "  {:8.3} ms  {hits:3} hits  {text}  {}",
                    percentile(ms, 50.0).unwrap_or_default(),
                    article_sync_core::store::query::Query::parse(text)
                        .fts()
                        .unwrap_or_default()
                );
            }
        }
    }
}

/// The store of `size` generated articles under `dir`, built on first use.
fn built(dir: &Path, size: u64) -> Store {
    let db = dir.join(format!("n{size}.db"));
    let done = dir.join(format!("n{size}.done"));
    if !done.exists() {
        let _ = article_sync_core::store::wipe_files(&db);
        eprintln!("building {}…", db.display());
        let articles = Corpus::new(SEED).articles(0..size);
        floor::store_insert(&db, &articles).expect("store insert");
        let store = Store::open(&db, StoreConfig::default()).expect("open");
        store.merge_search().expect("merge");
        store.checkpoint().expect("checkpoint");
        std::fs::write(&done, b"").expect("the marker");
    }
    Store::open(&db, StoreConfig::default()).expect("open the store")
}
