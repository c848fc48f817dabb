//! The baseline reader: newsboat (a widely used offline feed reader with a SQLite cache),
//! reloading an RSS feed non-interactively: `newsboat -x reload -u urls -c cache.db -C config`.

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::BenchError;
use super::child::{Finished, run_isolated};

/// How to install newsboat by hand.
pub const INSTALL_HINT: &str = "sudo apt-get install -y newsboat";

/// newsboat's version line, installing it with apt-get first when missing and running as root.
pub fn ensure() -> Result<String, BenchError> {
    if let Some(version) = version() {
        return Ok(version);
    }
    // SAFETY: plain syscall without arguments.
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        return Err(BenchError::Newsboat(format!(
            "newsboat is not installed; install it with `{INSTALL_HINT}` and run the bench again"
        )));
    }
    eprintln!("bench: newsboat is missing; installing it with `apt-get install -y newsboat`…");
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "-q", "newsboat"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    if !install() {
        let _ = Command::new("apt-get").args(["update", "-q"]).status();
        install();
    }
    version().ok_or_else(|| {
        BenchError::Newsboat(format!(
            "newsboat could not be installed; install it with `{INSTALL_HINT}` and run the bench again"
        ))
    })
}

fn version() -> Option<String> {
    let out = Command::new("newsboat").arg("--version").output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().next().map(|l| l.trim().to_string())
}

/// One `newsboat -x reload` of the feed at `url` with the cache in `dir` (created if missing,
/// reused if there), measured through `exe bench-child measure`.
pub fn reload(exe: &Path, dir: &Path, url: &str) -> Result<Finished, BenchError> {
    std::fs::create_dir_all(dir).map_err(|e| BenchError::io(dir, e))?;
    let urls = dir.join("urls");
    std::fs::write(&urls, format!("{url}\n")).map_err(|e| BenchError::io(&urls, e))?;
    let config = dir.join("config");
    // Keep every item, wait long enough for a large feed, and do not retry.
    std::fs::write(
        &config,
        "max-items 0\nkeep-articles-days 0\ndownload-timeout 600\ndownload-retries 1\n\
         reload-threads 1\nshow-read-feeds yes\n",
    )
    .map_err(|e| BenchError::io(&config, e))?;
    let args: Vec<OsString> = vec![
        "-x".into(),
        "reload".into(),
        "-u".into(),
        urls.into_os_string(),
        "-c".into(),
        dir.join("cache.db").into_os_string(),
        "-C".into(),
        config.into_os_string(),
    ];
    let envs = [
        ("HOME", dir.as_os_str()),
        ("XDG_CONFIG_HOME", dir.as_os_str()),
        ("XDG_DATA_HOME", dir.as_os_str()),
        ("LANG", OsStr::new("C.UTF-8")),
    ];
    let finished = run_isolated(
        exe,
        "newsboat",
        OsStr::new("newsboat"),
        &args,
        &envs,
        Duration::from_secs(1800),
    )?;
    Ok(finished)
}

/// Items in a newsboat cache.
pub fn cached_items(dir: &Path) -> Result<u64, BenchError> {
    let db = dir.join("cache.db");
    let conn = rusqlite::Connection::open(&db).map_err(|e| BenchError::io(&db, e))?;
    conn.query_row("SELECT count(*) FROM rss_item", [], |r| r.get::<_, i64>(0))
        .map(|n| n.max(0) as u64)
        .map_err(|e| BenchError::io(&db, e))
}
