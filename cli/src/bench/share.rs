//! Phone to phone (issue 17): the size of a reader's exported copy, the time to export it, and
//! the time a new reader takes to sync from that reader's share over loopback HTTP. Per size,
//! from the reader the first sync filled (text only: the fixture's articles have no images);
//! the copy with images is measured with the image rows ([`super::images`]).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use article_sync_core::net::NetConfig;
use article_sync_core::reader::{Reader, ReaderConfig};
use article_sync_core::share::{self, Export};
use article_sync_core::store::{Store, StoreConfig};

use super::{BenchError, Samples, millis, push};

/// Exports the copy held in `db` into `out` (created): what it wrote and how long it took.
/// Fails when a new reader could not start from it.
pub fn export(db: &Path, out: &Path) -> Result<(Export, f64), BenchError> {
    std::fs::create_dir_all(out).map_err(|e| BenchError::io(out, e))?;
    let store = Store::open(db, StoreConfig::default()).map_err(|e| BenchError::io(db, e))?;
    let started = Instant::now();
    let export = tokio::task::block_in_place(|| share::export_tree(&store, out))
        .map_err(|e| BenchError::Check(format!("export: {e}")))?;
    let elapsed = millis(started.elapsed());
    // A reader that started from the snapshot holds no log file before it; a new reader needs
    // none of them, but it needs everything else.
    if let Some(path) = export.missing.iter().find(|p| !p.starts_with("log/")) {
        return Err(BenchError::Check(format!(
            "the export lacks {path}: no new reader can start from it"
        )));
    }
    Ok((export, elapsed))
}

/// The phone-to-phone rows' samples for the reader whose database is `first` (synced with
/// `size` articles): `share.bytes`, `share.export`, `share.sync`.
pub async fn measure(
    first: &Path,
    dir: &Path,
    public_key: &str,
    size: u64,
    samples: &mut Samples,
) -> Result<(), BenchError> {
    let (export, export_ms) = export(first, &dir.join("export"))?;
    push(samples, "share.bytes", export.bytes as f64);
    push(samples, "share.export", export_ms);

    let store =
        Arc::new(Store::open(first, StoreConfig::default()).map_err(|e| BenchError::io(first, e))?);
    let loopback: SocketAddr = ([127, 0, 0, 1], 0).into();
    let sharing = share::serve::start(store, loopback)
        .await
        .map_err(|e| BenchError::Server(e.to_string()))?;
    let config = ReaderConfig {
        database: dir.join("from-share.db"),
        publisher_keys: vec![public_key.to_string()],
        main_url: sharing.url.clone(),
        mirrors: vec![],
        storage_budget_bytes: 1 << 40,
        text_only: false,
        net: NetConfig::default(),
    };
    let started = Instant::now();
    let synced = async {
        let reader = Reader::open(config).map_err(|e| BenchError::Check(format!("reader: {e}")))?;
        reader
            .sync()
            .await
            .map_err(|e| BenchError::Check(format!("sync from the share: {e}")))?;
        reader
            .counts()
            .map_err(|e| BenchError::Check(e.to_string()))
    }
    .await;
    let elapsed = millis(started.elapsed());
    sharing.stop();
    let stored = synced?.total;
    if stored != size {
        return Err(BenchError::Check(format!(
            "the reader synced from the share holds {stored} articles, expected {size}"
        )));
    }
    push(samples, "share.sync", elapsed);
    Ok(())
}
