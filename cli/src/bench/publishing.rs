//! What publishing to mirrors costs (issue 18): the website of N articles generated from
//! scratch, the tree of N articles uploaded to a real S3-compatible store (SeaweedFS on
//! loopback, [`super::seaweed`]) with `publish --to`'s upload, and the upload after 10 more
//! articles: only the new files, the pages that changed and `head`. Size-independent rows
//! (N = 10,000; `--quick`: 200).

use std::path::Path;
use std::time::Instant;

use article_sync_core::format::layout;
use article_sync_core::format::note::SecretKey;
use article_sync_core::publish::targets::{
    BucketTarget, Target, TargetReport, UploadOptions, upload_with,
};
use article_sync_core::publish::tree::TreeState;
use article_sync_core::publish::{self, PublishOptions, serving, site};

use super::BenchError;
use super::measure::Summary;
use super::report::{Cell, Row, Unit};
use super::seaweed::Seaweed;
use crate::corpus::Corpus;

/// Articles added before the incremental upload.
const NEW: u64 = 10;

/// The measured costs.
#[derive(Debug, Clone)]
pub struct PublishCosts {
    pub articles: u64,
    /// Each run's site generation, in milliseconds.
    pub site_ms: Vec<f64>,
    /// Each run's whole upload (into its own prefix), in milliseconds.
    pub upload_ms: Vec<f64>,
    /// The first whole upload.
    pub upload: Upload,
    pub incremental_ms: f64,
    pub incremental: Upload,
}

/// Requests, bytes and files of one upload.
#[derive(Debug, Clone, Copy)]
pub struct Upload {
    pub requests: u64,
    pub bytes: u64,
    pub files: usize,
}

impl Upload {
    fn of(report: &TargetReport, requests: u64) -> Upload {
        Upload {
            requests,
            bytes: report.bytes,
            files: report.uploaded.len(),
        }
    }
}

/// Publishes `n` corpus articles into `scratch`, times the site's generation `runs` times,
/// uploads the tree `runs` times to SeaweedFS, then 10 articles more once. Blocks: call it
/// from a thread outside any async runtime (each target runs its own).
pub fn measure(scratch: &Path, n: u64, runs: usize, seed: u64) -> Result<PublishCosts, BenchError> {
    let _ = std::fs::remove_dir_all(scratch);
    let tree = scratch.join("tree");
    let key = SecretKey::generate();
    let now = chrono::Utc::now().timestamp();
    let corpus = Corpus::new(seed);
    let publish = |articles: u64, now: i64| {
        let opts = PublishOptions::new(now, "bench");
        publish::publish(&tree, &key, corpus.articles(0..articles), &opts)
            .map_err(|e| BenchError::Publish(articles, e.to_string()))
    };
    publish(n, now)?;

    let state = TreeState::load(&tree).map_err(|e| BenchError::Publish(n, e.to_string()))?;
    let head = state
        .head
        .as_ref()
        .ok_or_else(|| BenchError::Check("the tree has no head".into()))?;
    let public = key.public();
    let input = site::SiteInput {
        publisher: &head.publisher,
        key: &public,
        head,
        mirrors: &[],
        articles: &state.articles,
        comments: &state.comments,
    };
    let mut site_ms = Vec::new();
    for run in 0..runs {
        let dir = scratch.join(format!("site-{run}"));
        let started = Instant::now();
        site::write(&dir, &input).map_err(|e| BenchError::io(&dir, e))?;
        site_ms.push(super::millis(started.elapsed()));
        let _ = std::fs::remove_dir_all(&dir);
    }

    let weed = Seaweed::start("mirror").map_err(BenchError::Server)?;
    let options = weed.target_options();
    let fail =
        |e: article_sync_core::publish::targets::TargetError| BenchError::Server(e.to_string());
    // SeaweedFS's first S3 write takes seconds (it grows volumes): not the upload's cost.
    let warm = BucketTarget::open("s3://mirror/warm-up", &options).map_err(fail)?;
    let headers = serving::headers(layout::HEAD, b"x")
        .ok_or_else(|| BenchError::Check("head has no headers".into()))?;
    warm.put(layout::HEAD, b"x", headers).map_err(fail)?;
    drop(warm);
    let opts = UploadOptions::default();
    let mut upload_ms = Vec::new();
    let mut first = None;
    for run in 0..runs {
        let target =
            BucketTarget::open(&format!("s3://mirror/run-{run}"), &options).map_err(fail)?;
        let started = Instant::now();
        let report = upload_with(&tree, &target, &opts).map_err(fail)?;
        upload_ms.push(super::millis(started.elapsed()));
        check(&report)?;
        if first.is_none() {
            first = Some((target, Upload::of(&report, 0)));
        }
    }
    let (target, mut upload) = first.ok_or_else(|| BenchError::Check("no run".into()))?;
    upload.requests = target.requests();

    publish(n + NEW, now + 60)?;
    let before = target.requests();
    let started = Instant::now();
    let report = upload_with(&tree, &target, &opts).map_err(fail)?;
    let incremental_ms = super::millis(started.elapsed());
    check(&report)?;
    let incremental = Upload::of(&report, target.requests() - before);
    drop(target);
    drop(weed);
    let _ = std::fs::remove_dir_all(scratch);
    Ok(PublishCosts {
        articles: n,
        site_ms,
        upload_ms,
        upload,
        incremental_ms,
        incremental,
    })
}

fn check(report: &TargetReport) -> Result<(), BenchError> {
    if report.verified {
        Ok(())
    } else {
        Err(BenchError::Check(format!(
            "{}: head did not verify after the upload",
            report.url
        )))
    }
}

/// The rows (each with a note saying why when it could not be measured).
pub fn rows(costs: Result<PublishCosts, BenchError>) -> Vec<Row> {
    let row = |id: &str, title: &str, unit: Unit, value: Option<Summary>, note: String| Row {
        id: id.into(),
        title: title.into(),
        unit,
        cells: vec![Cell {
            note: Some(note),
            ..Cell::new(0, value)
        }],
    };
    let one = |v: f64| Summary::of(&[v]);
    let c = match costs {
        Ok(c) => c,
        Err(e) => {
            return ROWS
                .iter()
                .map(|(id, title, unit)| row(id, title, *unit, None, e.to_string()))
                .collect();
        }
    };
    let whole = format!(
        "{} articles: {} files in {} requests (a listing, the puts, head compared and read \
         back), 8 at once, to SeaweedFS's S3 endpoint on 127.0.0.1",
        c.articles, c.upload.files, c.upload.requests
    );
    let incremental = format!(
        "{NEW} new articles after {}: {} files sent (new log file, their pages, the pages \
         listing them, head) in {} requests, {:.0} ms",
        c.articles, c.incremental.files, c.incremental.requests, c.incremental_ms
    );
    let values = [
        Summary::of(&c.upload_ms),
        one(c.upload.requests as f64),
        one(c.upload.bytes as f64),
        one(c.incremental.requests as f64),
        one(c.incremental.bytes as f64),
        Summary::of(&c.site_ms),
    ];
    let notes = [
        whole.clone(),
        whole.clone(),
        whole,
        incremental.clone(),
        incremental,
        format!(
            "{} articles: every page rendered and written into an empty folder",
            c.articles
        ),
    ];
    ROWS.iter()
        .zip(values)
        .zip(notes)
        .map(|(((id, title, unit), value), note)| row(id, title, *unit, value, note))
        .collect()
}

/// Id, title and unit of each row, in order.
pub const ROWS: [(&str, &str, Unit); 6] = [
    (
        "publish.s3_time",
        "Publish: upload a tree of N articles to an S3-compatible store",
        Unit::Millis,
    ),
    (
        "publish.s3_requests",
        "Publish: requests of that upload",
        Unit::Count,
    ),
    (
        "publish.s3_bytes",
        "Publish: bytes of that upload",
        Unit::Bytes,
    ),
    (
        "publish.incremental_requests",
        "Publish: requests of the upload after 10 new articles",
        Unit::Count,
    ),
    (
        "publish.incremental_bytes",
        "Publish: bytes of the upload after 10 new articles",
        Unit::Bytes,
    ),
    (
        "publish.site_time",
        "Publish: generate the website of N articles",
        Unit::Millis,
    ),
];
