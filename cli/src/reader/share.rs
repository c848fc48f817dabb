//! Passing the reader's verified copy on: `export` (into a folder), `share` (over HTTP).

use serde_json::json;

use super::Settings;
use super::library::open;
use super::show::print_json;
use super::{ExportArgs, ShareArgs};
use crate::error::Failure;
use crate::say;
use crate::text;

pub fn export(args: ExportArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let reader = open(&settings, false)?;
    let export = reader.export_tree(&args.out)?;
    if settings.json {
        print_json(&json!({
            "out": args.out,
            "head_version": export.head_version,
            "files": export.files,
            "bytes": export.bytes,
            "envelopes": export.envelopes,
            "missing": export.missing,
        }));
        return Ok(());
    }
    say!(
        "wrote head version {} to {}: {} files, {}",
        export.head_version,
        args.out.display(),
        export.files,
        text::bytes(export.bytes)
    );
    if export.envelopes > 0 {
        say!(
            "with {} sealed comment(s) still waiting for delivery: the next reader that gets \
             online delivers them",
            export.envelopes
        );
    }
    if !export.missing.is_empty() {
        say!(
            "not held (a reader that needs them cannot sync from this copy): {}",
            export.missing.join(", ")
        );
    }
    Ok(())
}

pub fn share(args: ShareArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let reader = open(&settings, false)?;
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| Failure::failed(format!("starting the async runtime: {e}")))?;
    runtime.block_on(async {
        let sharing =
            article_sync_core::share::serve::start(reader.store().clone(), args.addr).await;
        let sharing = sharing.map_err(article_sync_core::reader::ReaderError::from)?;
        say!(
            "sharing {} on {} (add it as a mirror; the landing page shows its QR code)",
            settings.database.display(),
            sharing.url
        );
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| Failure::failed(format!("waiting for Ctrl-C: {e}")))?;
        sharing.stop();
        Ok(())
    })
}
