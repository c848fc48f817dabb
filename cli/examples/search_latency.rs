//! Search latency over the bench's corpus, quick to rerun while working on search.
//!
//! `cargo run --release -p article-sync-cli --example search_latency -- [DIR] [SIZE[@DB]…]`
//!
//! For each size (default 10000 and 100000) a store of the bench's generated articles is
//! built once under DIR (default `search-stores`) with the store's own insert, its index merged
//! into one segment as a synced store's is; then the bench's query list is timed over it as
//! the bench does (`ROUNDS` times: the store opened, one warm-up query, each query once; the
//! median of the rounds' p50 and p95) and warm (each query's fastest of 3), the judged set's slowest
//! query over it, and the judged set's recall and MRR on its own corpus. `SIZE@DB` times the
//! queries of that size over the store DB instead (a synced one, say). Environment:
//! `SEARCH_LATENCY_ROUNDS` (default 7), `SEARCH_LATENCY_LIMIT` (results asked, default 20;
//! 1 leaves out most of the snippets' cost), `SEARCH_LATENCY_QUERIES` (print each query's
//! median time, hits and FTS5 expression), `SEARCH_LATENCY_DUMP=FILE` (every result of every
//! query written to FILE.SIZE, to compare two builds).

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
        let db = db.unwrap_or_else(|| built(&dir, size));
        let open = || Store::open(&db, StoreConfig::default()).expect("open the store");
        let list = queries(SEED, size);
        let options = SearchOptions {
            limit: std::env::var("SEARCH_LATENCY_LIMIT").map_or(20, |r| r.parse().expect("limit")),
            ..SearchOptions::default()
        };
        let time = |store: &Store, text: &str| {
            let started = Instant::now();
            store.search(text, &options).expect("search");
            started.elapsed().as_secs_f64() * 1e3
        };
        // As the bench: a store opened, one warm-up query, then each query once.
        let mut p50s = Vec::new();
        let mut p95s = Vec::new();
        let rounds =
            std::env::var("SEARCH_LATENCY_ROUNDS").map_or(ROUNDS, |r| r.parse().expect("rounds"));
        for _ in 0..rounds {
            let store = open();
            time(&store, &list[0]);
            let millis: Vec<f64> = list.iter().map(|text| time(&store, text)).collect();
            p50s.push(percentile(&millis, 50.0).unwrap_or_default());
            p95s.push(percentile(&millis, 95.0).unwrap_or_default());
        }
        // Warm: the fastest of three more rounds in one store, for each query.
        let store = open();
        let per_query: Vec<Vec<f64>> = (0..3)
            .map(|_| {
                list.iter()
                    .map(|text| time(&store, text))
                    .collect::<Vec<f64>>()
            })
            .collect();
        if let Some(dump) = std::env::var_os("SEARCH_LATENCY_DUMP") {
            let mut out = String::new();
            for text in &list {
                for hit in store.search(text, &options).expect("search") {
                    out.push_str(&format!("{text}\t{hit:?}\n"));
                }
            }
            let mut path = PathBuf::from(dump);
            path.as_mut_os_string().push(format!(".{size}"));
            std::fs::write(&path, out).expect("the dump");
        }
        let best: Vec<f64> = (0..list.len())
            .map(|q| per_query.iter().map(|r| r[q]).fold(f64::MAX, f64::min))
            .collect();
        println!(
            "N = {size}: warm, each query's fastest of 3: p50 {:.3} ms, p95 {:.3} ms",
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
            "N = {size}: as the bench: p50 {:.3} ms ({:.3}–{:.3}), p95 {:.3} ms ({:.3}–{:.3}), slowest judged {slowest:.3} ms",
            percentile(&p50s, 50.0).unwrap_or_default(),
            p50s.iter().copied().fold(f64::MAX, f64::min),
            p50s.iter().copied().fold(0.0, f64::max),
            percentile(&p95s, 50.0).unwrap_or_default(),
            p95s.iter().copied().fold(f64::MAX, f64::min),
            p95s.iter().copied().fold(0.0, f64::max),
        );
        if std::env::var_os("SEARCH_LATENCY_QUERIES").is_some() {
            for (text, ms) in list.iter().zip(&best) {
                let hits = store.search(text, &options).expect("search").len();
                println!(
                    "  {ms:8.3} ms  {hits:3} hits  {text}  {}",
                    article_sync_core::store::query::Query::parse(text)
                        .fts()
                        .unwrap_or_default()
                );
            }
        }
    }
}

/// The store of `size` generated articles under `dir`, built on first use.
fn built(dir: &Path, size: u64) -> PathBuf {
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
    db
}
