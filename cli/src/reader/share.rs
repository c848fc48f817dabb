//! Passing the reader's verified copy on: `export` (into a folder).

use serde_json::json;

use super::ExportArgs;
use super::Settings;
use super::library::open;
use super::show::print_json;
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
    if !export.missing.is_empty() {
        say!(
            "not held (a reader that needs them cannot sync from this copy): {}",
            export.missing.join(", ")
        );
    }
    Ok(())
}
