//! The state one server shares between its listener, its connections ([`super::http`]) and its
//! admin endpoint ([`super::admin`]): the tree, the fault in force, the counters, TLS.

use std::sync::Arc;
use std::time::Duration;

use article_sync_core::format::note::SecretKey;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::stats::{Counters, Stats};
use super::tree::Tree;
use super::{Fault, ServeError};

/// State shared by the listener, the connections and the admin endpoint.
pub(crate) struct Shared {
    pub(crate) tree: Tree,
    pub(super) fault: watch::Sender<Fault>,
    pub(crate) counters: Counters,
    pub(crate) stale_key: Option<Arc<SecretKey>>,
    pub(crate) drip_interval: Duration,
    pub(super) tls: Option<TlsAcceptor>,
    pub(super) bad_tls: TlsAcceptor,
}

impl Shared {
    pub(crate) fn fault(&self) -> Fault {
        *self.fault.borrow()
    }

    pub(crate) fn set_fault(&self, fault: Fault) -> Result<(), ServeError> {
        if fault == Fault::Stale && self.stale_key.is_none() {
            return Err(ServeError::StaleNeedsKey);
        }
        self.fault.send_replace(fault);
        Ok(())
    }

    pub(crate) fn stats(&self) -> Stats {
        self.counters.read(self.fault())
    }
}
