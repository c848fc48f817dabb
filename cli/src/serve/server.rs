//! The listener: accepting connections, the connection-level faults (reset, blackhole,
//! bad-cert), TLS, HTTP/1.1 and HTTP/2 (ALPN over TLS, prior knowledge on plain TCP), and the
//! admin listener.

use std::net::{Ipv4Addr, SocketAddr};
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use article_sync_core::format::note::SecretKey;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use socket2::SockRef;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::shared::Shared;
use super::stats::{Counters, Stats};
use super::tls::{TestCa, TlsIdentity};
use super::tree::Tree;
use super::{Fault, ServeError, admin, http};

/// How long a TLS handshake may take before the connection is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What to serve and how.
#[derive(Clone)]
pub struct ServeConfig {
    /// The tree folder (as written by `article-sync publish`).
    pub tree: PathBuf,
    /// Where to listen; port 0 picks a free port (see [`Server::addr`]).
    pub addr: SocketAddr,
    /// Serve HTTPS with this certificate; `None` serves plain HTTP (h2c by prior knowledge).
    pub tls: Option<TlsIdentity>,
    /// The fault in force at start.
    pub fault: Fault,
    /// The publisher's secret key, needed only by [`Fault::Stale`] to re-sign `head`.
    pub stale_key: Option<Arc<SecretKey>>,
    /// Where to listen for the admin endpoint (loopback only); `None` disables it.
    pub admin: Option<SocketAddr>,
    /// The pause between two bytes under [`Fault::Drip`].
    pub drip_interval: Duration,
}

impl ServeConfig {
    /// Plain HTTP on a free loopback port, no fault, no admin endpoint, a 1 s drip.
    pub fn new(tree: impl Into<PathBuf>) -> ServeConfig {
        ServeConfig {
            tree: tree.into(),
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            tls: None,
            fault: Fault::None,
            stale_key: None,
            admin: None,
            drip_interval: Duration::from_secs(1),
        }
    }
}

/// A running server. Dropping it stops it too; [`Server::shutdown`] also waits for the
/// listeners to close.
pub struct Server {
    shared: Arc<Shared>,
    addr: SocketAddr,
    admin_addr: Option<SocketAddr>,
    scheme: &'static str,
    stop: watch::Sender<bool>,
    listeners: Vec<JoinHandle<()>>,
}

impl Server {
    /// Binds the listener(s) and starts serving. Must run inside a tokio runtime.
    pub async fn start(config: ServeConfig) -> Result<Server, ServeError> {
        if !config.tree.is_dir() {
            return Err(ServeError::NotATree(config.tree));
        }
        if config.fault == Fault::Stale && config.stale_key.is_none() {
            return Err(ServeError::StaleNeedsKey);
        }
        if let Some(admin) = config.admin
            && !admin.ip().is_loopback()
        {
            return Err(ServeError::AdminNotLoopback(admin));
        }
        let tls = match &config.tls {
            Some(identity) => Some(TlsAcceptor::from(identity.server_config()?)),
            None => None,
        };
        let stranger = TestCa::named("unknown CA")?;
        let bad_tls = TlsAcceptor::from(
            stranger
                .leaf(&["localhost", &config.addr.ip().to_string()])?
                .server_config()?,
        );
        let shared = Arc::new(Shared {
            tree: Tree::new(config.tree),
            fault: watch::Sender::new(config.fault),
            counters: Counters::default(),
            stale_key: config.stale_key,
            drip_interval: config.drip_interval,
            tls,
            bad_tls,
        });
        let bind = |addr: SocketAddr| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|source| ServeError::Bind { addr, source })
        };
        let listener = bind(config.addr).await?;
        let addr = local_addr(&listener, config.addr)?;
        let admin_listener = match config.admin {
            Some(a) => Some(bind(a).await?),
            None => None,
        };
        let admin_addr = match &admin_listener {
            Some(l) => Some(local_addr(l, config.admin.unwrap_or(addr))?),
            None => None,
        };
        let (stop, stopped) = watch::channel(false);
        let mut listeners = vec![tokio::spawn(accept_tree(
            shared.clone(),
            listener,
            stopped.clone(),
        ))];
        if let Some(l) = admin_listener {
            listeners.push(tokio::spawn(accept_admin(shared.clone(), l, stopped)));
        }
        Ok(Server {
            shared,
            addr,
            admin_addr,
            scheme: if config.tls.is_some() {
                "https"
            } else {
                "http"
            },
            stop,
            listeners,
        })
    }

    /// The address the tree is served on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The admin endpoint's address, when enabled.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin_addr
    }

    /// The tree's base URL, e.g. `https://127.0.0.1:8443/`.
    pub fn url(&self) -> String {
        format!("{}://{}/", self.scheme, self.addr)
    }

    pub fn fault(&self) -> Fault {
        self.shared.fault()
    }

    /// Switches the fault for the next connections and requests. Switching to `reset` or
    /// `blackhole` also resets or silences the open connections; switching to `bad-cert` closes
    /// them once their current requests are answered.
    pub fn set_fault(&self, fault: Fault) -> Result<(), ServeError> {
        self.shared.set_fault(fault)
    }

    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    pub fn reset_stats(&self) {
        self.shared.counters.reset();
    }

    /// Stops accepting, ends every connection (held ones too) and waits for the listeners.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        for task in self.listeners.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

fn local_addr(listener: &TcpListener, asked: SocketAddr) -> Result<SocketAddr, ServeError> {
    listener.local_addr().map_err(|source| ServeError::Bind {
        addr: asked,
        source,
    })
}

/// Accepts on the tree's address; `reset` and `blackhole` act here, before any byte is read.
async fn accept_tree(shared: Arc<Shared>, listener: TcpListener, mut stop: watch::Receiver<bool>) {
    loop {
        let stream = tokio::select! {
            _ = stop.changed() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        Counters::bump(&shared.counters.connections);
        match shared.fault() {
            Fault::Reset => {
                Counters::bump(&shared.counters.resets);
                reset(&SockRef::from(&stream));
            }
            Fault::Blackhole => {
                Counters::bump(&shared.counters.blackholed);
                tokio::spawn(hold(stream, stop.clone()));
            }
            fault => {
                tokio::spawn(serve_connection(
                    shared.clone(),
                    stream,
                    fault,
                    stop.clone(),
                ));
            }
        }
    }
}

/// Makes the socket's close send a TCP RST.
fn reset(socket: &SockRef<'_>) {
    let _ = socket.set_linger(Some(Duration::ZERO));
}

/// Holds a connection without ever writing to it, until the client closes it or the server
/// stops. What the client sends is read and thrown away.
async fn hold(mut stream: TcpStream, mut stop: watch::Receiver<bool>) {
    let mut sink = tokio::io::sink();
    tokio::select! {
        _ = tokio::io::copy(&mut stream, &mut sink) => {}
        _ = stop.changed() => {}
    }
}

/// How a connection's HTTP serving ended.
enum Ending {
    Closed,
    Reset,
    Blackhole,
}

async fn serve_connection(
    shared: Arc<Shared>,
    stream: TcpStream,
    fault: Fault,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    // A second descriptor of the same socket, so a fault switched on later can reset or hold it
    // after the HTTP connection (which owns the stream) is dropped.
    let Ok(socket) = stream.as_fd().try_clone_to_owned() else {
        return;
    };
    let mut changes = shared.fault.subscribe();
    let acceptor = if fault == Fault::BadCert {
        Some(shared.bad_tls.clone())
    } else {
        shared.tls.clone()
    };
    let ending = match acceptor {
        None => drive(&shared, stream, &mut changes, stop.clone()).await,
        Some(acceptor) => {
            let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream));
            let tls = tokio::select! {
                tls = handshake => tls,
                _ = stop.changed() => return,
            };
            match tls {
                Ok(Ok(tls)) => drive(&shared, tls, &mut changes, stop.clone()).await,
                _ => {
                    Counters::bump(&shared.counters.tls_failures);
                    return;
                }
            }
        }
    };
    match ending {
        Ending::Closed => {}
        Ending::Reset => {
            Counters::bump(&shared.counters.resets);
            reset(&SockRef::from(&socket));
        }
        Ending::Blackhole => {
            Counters::bump(&shared.counters.blackholed);
            if let Some(stream) = into_tokio(socket) {
                hold(stream, stop).await;
            }
        }
    }
}

fn into_tokio(socket: OwnedFd) -> Option<TcpStream> {
    let std = std::net::TcpStream::from(socket);
    std.set_nonblocking(true).ok()?;
    TcpStream::from_std(std).ok()
}

/// Serves HTTP/1.1 or HTTP/2 on one connection until it closes, the server stops, or a fault
/// that ends open connections is switched on.
async fn drive<I>(
    shared: &Arc<Shared>,
    io: I,
    changes: &mut watch::Receiver<Fault>,
    mut stop: watch::Receiver<bool>,
) -> Ending
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let builder = auto::Builder::new(TokioExecutor::new());
    let for_service = shared.clone();
    let service = service_fn(move |req| http::handle(for_service.clone(), req));
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return Ending::Closed,
            changed = changes.changed() => {
                if changed.is_err() {
                    return Ending::Closed;
                }
                let fault = *changes.borrow_and_update();
                match fault {
                    Fault::Reset => return Ending::Reset,
                    Fault::Blackhole => return Ending::Blackhole,
                    Fault::BadCert if !draining => {
                        draining = true;
                        conn.as_mut().graceful_shutdown();
                    }
                    _ => {}
                }
            }
            _ = stop.changed() => return Ending::Closed,
        }
    }
}

/// Accepts on the admin address: plain HTTP/1.1, loopback peers only.
async fn accept_admin(shared: Arc<Shared>, listener: TcpListener, mut stop: watch::Receiver<bool>) {
    loop {
        let (stream, peer) = tokio::select! {
            _ = stop.changed() => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let shared = shared.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let builder = auto::Builder::new(TokioExecutor::new());
            let service = service_fn(move |req| admin::handle(shared.clone(), peer, req));
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                _ = stop.changed() => {}
            }
        });
    }
}
