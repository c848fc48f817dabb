//! The size of the release FFI library for the host (`libarticle_sync.so`, stripped): the
//! cost the core adds to an app.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::BenchError;

/// The library measured.
#[derive(Debug, Clone)]
pub struct FfiSize {
    pub library: PathBuf,
    /// Size of the file as built.
    pub built_bytes: u64,
    /// Size after `strip` (of a copy).
    pub stripped_bytes: u64,
}

/// The cargo target folder the running executable was built in (`<target>/<profile>/exe`).
fn target_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile = exe.parent()?;
    let profile = if profile.ends_with("deps") {
        profile.parent()?
    } else {
        profile
    };
    profile.parent().map(Path::to_path_buf)
}

/// The release library: `explicit`, or `<target>/release/libarticle_sync.so`, built with
/// `cargo build --release -p article-sync-bindings` when missing and `build` is set.
pub fn measure(
    explicit: Option<&Path>,
    build: bool,
    scratch: &Path,
) -> Result<FfiSize, BenchError> {
    let library = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let target = target_dir().ok_or_else(|| {
                BenchError::Ffi("cannot tell the cargo target folder of this executable".into())
            })?;
            let library = target.join("release").join("libarticle_sync.so");
            if !library.exists() && build {
                let workspace = target.parent().filter(|w| w.join("Cargo.toml").exists());
                let Some(workspace) = workspace else {
                    return Err(BenchError::Ffi(format!(
                        "{} is missing and no workspace is around it to build it",
                        library.display()
                    )));
                };
                eprintln!(
                    "bench: building the FFI library (cargo build --release -p article-sync-bindings)…"
                );
                let ok = Command::new("cargo")
                    .args(["build", "--release", "-p", "article-sync-bindings"])
                    .current_dir(workspace)
                    .env("CARGO_TARGET_DIR", &target)
                    .status()
                    .is_ok_and(|s| s.success());
                if !ok {
                    return Err(BenchError::Ffi(
                        "cargo build --release -p article-sync-bindings failed".into(),
                    ));
                }
            }
            library
        }
    };
    let built_bytes = std::fs::metadata(&library)
        .map_err(|_| {
            BenchError::Ffi(format!(
                "not built: {} (cargo build --release -p article-sync-bindings)",
                library.display()
            ))
        })?
        .len();
    std::fs::create_dir_all(scratch).map_err(|e| BenchError::io(scratch, e))?;
    let stripped = scratch.join("libarticle_sync.stripped.so");
    let status = Command::new("strip")
        .arg("--strip-all")
        .arg("-o")
        .arg(&stripped)
        .arg(&library)
        .status()
        .map_err(|e| BenchError::Ffi(format!("cannot run strip: {e}")))?;
    if !status.success() {
        return Err(BenchError::Ffi(format!(
            "strip {} failed",
            library.display()
        )));
    }
    let stripped_bytes = std::fs::metadata(&stripped)
        .map_err(|e| BenchError::io(&stripped, e))?
        .len();
    Ok(FfiSize {
        library,
        built_bytes,
        stripped_bytes,
    })
}
