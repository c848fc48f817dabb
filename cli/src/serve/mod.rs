//! `article-sync serve`: a tree on loopback, behaving like a real mirror or a censor on demand.
//!
//! The server answers only paths that [`TreePath::parse`] accepts and the website's pages
//! (`/` is `index.html`; 404 otherwise), reading each file from disk at request time. It speaks HTTP/1.1 and HTTP/2 (ALPN over TLS, prior knowledge
//! on plain TCP), gives ETags (the content hash for hashed files, the SHA-256 of the bytes for
//! `head` and the archives) and honours `If-None-Match` (304) and single byte ranges (206, 416).
//! `Content-Type` and `Cache-Control` come from the one table of
//! [`article_sync_core::publish::serving`]: immutable files are cached for a year, `head` and
//! the website's pages for a minute.
//!
//! Faults ([`Fault`]) make it behave like a censor or a hostile mirror; they are switched at run
//! time with [`Server::set_fault`] in-process, or through the admin endpoint (see [`admin`]) on
//! its own loopback listener (`--admin 127.0.0.1:PORT`):
//!
//! ```text
//! curl -X POST http://127.0.0.1:PORT/.admin/fault/reset
//! curl http://127.0.0.1:PORT/.admin/stats
//! ```
//!
//! The `stale` fault re-signs the current head's body with the publisher's key (`--key FILE`)
//! so that it expired [`STALE_BY_SECS`] ago, keeping its validity period (clamped to 1 hour ..
//! 30 days) and its version: a validly signed but expired head, as a frozen mirror would serve.
//!
//! [`TreePath::parse`]: article_sync_core::format::layout::TreePath::parse

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use article_sync_core::format::note::SecretKey;

pub mod admin;
mod error;
mod fault;
mod http;
mod server;
mod shared;
mod stats;
pub mod tls;
mod tree;

pub use error::ServeError;
pub use fault::{Fault, UnknownFault};
pub use http::{IMMUTABLE, ONE_MINUTE};
pub use server::{ServeConfig, Server};
pub use stats::{PathKind, PathStats, Stats};
pub use tls::{TestCa, TlsIdentity};
pub use tree::STALE_BY_SECS;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The tree folder to serve.
    #[arg(long)]
    pub tree: PathBuf,
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Serve HTTPS. Without --cert/--key-pem, a throw-away CA and a certificate for localhost
    /// and the listening address are made at start.
    #[arg(long)]
    pub tls: bool,
    /// PEM certificate chain to serve with --tls.
    #[arg(long, requires_all = ["tls", "key_pem"])]
    pub cert: Option<PathBuf>,
    /// PEM private key of --cert.
    #[arg(long, requires = "cert")]
    pub key_pem: Option<PathBuf>,
    /// Write the throw-away CA certificate (PEM) here, for clients to trust (`sync --ca FILE`).
    #[arg(long, requires = "tls", conflicts_with = "cert")]
    pub ca_out: Option<PathBuf>,
    /// Behaviour at start: none, reset, blackhole, drip, blockpage, bad-cert, tamper, rollback,
    /// stale, torn, 5xx.
    #[arg(long, default_value = "none")]
    pub fault: Fault,
    /// The publisher's secret key file; lets the `stale` fault re-sign head.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Listen for the admin endpoint here (loopback only): POST /.admin/fault/<kind>,
    /// GET /.admin/stats.
    #[arg(long)]
    pub admin: Option<SocketAddr>,
    /// Milliseconds between two bytes under the drip fault.
    #[arg(long, default_value_t = 1000)]
    pub drip_ms: u64,
}

/// Reads the publisher's secret key file (as written by `article-sync keygen`).
pub fn read_secret_key(path: &std::path::Path) -> Result<SecretKey, ServeError> {
    let text = std::fs::read_to_string(path).map_err(|source| ServeError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    SecretKey::parse(&text).map_err(|source| ServeError::Key {
        path: path.to_path_buf(),
        source,
    })
}

/// Builds the configuration from the command line, writing the CA to `--ca-out` if asked.
pub fn config_from_args(args: &Args) -> Result<ServeConfig, ServeError> {
    let mut config = ServeConfig::new(&args.tree);
    config.addr = args.addr;
    config.fault = args.fault;
    config.admin = args.admin;
    config.drip_interval = Duration::from_millis(args.drip_ms);
    if let Some(key) = &args.key {
        config.stale_key = Some(Arc::new(read_secret_key(key)?));
    }
    if args.tls {
        config.tls = Some(match (&args.cert, &args.key_pem) {
            (Some(cert), Some(key)) => TlsIdentity::from_pem_files(cert, key)?,
            _ => {
                let ca = TestCa::new()?;
                if let Some(path) = &args.ca_out {
                    std::fs::write(path, ca.pem()).map_err(|source| ServeError::Write {
                        path: path.clone(),
                        source,
                    })?;
                }
                ca.leaf(&["localhost", &args.addr.ip().to_string()])?
            }
        });
    }
    Ok(config)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = config_from_args(&args)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let server = Server::start(config).await?;
        println!(
            "serving {} on {} (fault: {})",
            args.tree.display(),
            server.url(),
            server.fault()
        );
        if let Some(admin) = server.admin_addr() {
            println!("admin on http://{admin}/.admin/ (POST fault/<kind>, GET stats)");
        }
        tokio::signal::ctrl_c()
            .await
            .context("waiting for Ctrl-C")?;
        server.shutdown().await;
        Ok(())
    })
}
