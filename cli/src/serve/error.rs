use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use article_sync_core::format::FormatError;

/// Why a server could not start or a fault could not be switched on.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("tree {0} is not a folder")]
    NotATree(PathBuf),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("the admin endpoint listens on loopback only, not on {0}")]
    AdminNotLoopback(SocketAddr),
    #[error("the stale fault needs the publisher's secret key (--key FILE) to re-sign head")]
    StaleNeedsKey,
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("writing {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("publisher key {path}: {source}")]
    Key {
        path: PathBuf,
        #[source]
        source: FormatError,
    },
    #[error("PEM {what}: {reason}")]
    Pem { what: String, reason: String },
    #[error("making a certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
}
