//! A small HTTP(S) listener for the comment endpoints (`inbox`, `relay`): HTTP/1.1 and HTTP/2,
//! TLS when given an identity, one task per connection, stopped on drop.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::serve::TlsIdentity;

/// A running listener; dropping it stops accepting.
pub struct Listener {
    addr: SocketAddr,
    scheme: &'static str,
    stop: watch::Sender<bool>,
}

impl Listener {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, e.g. `http://127.0.0.1:8080/`.
    pub fn url(&self) -> String {
        format!("{}://{}/", self.scheme, self.addr)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

/// Binds `addr` and answers every request with `handle(request, peer)`.
pub async fn listen<H, F>(
    addr: SocketAddr,
    tls: Option<&TlsIdentity>,
    handle: H,
) -> anyhow::Result<Listener>
where
    H: Fn(Request<Incoming>, SocketAddr) -> F + Send + Sync + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let tls = match tls {
        Some(identity) => Some(TlsAcceptor::from(identity.server_config()?)),
        None => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let (stop, mut stopped) = watch::channel(false);
    let handle = Arc::new(handle);
    tokio::spawn(async move {
        loop {
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(_) => continue,
                },
                _ = stopped.changed() => return,
            };
            let handle = handle.clone();
            let tls = tls.clone();
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let answer = handle(request, peer);
                    async move { Ok::<_, Infallible>(answer.await) }
                });
                let builder = auto::Builder::new(TokioExecutor::new());
                let served = async {
                    match tls {
                        Some(acceptor) => {
                            let handshake = tokio::time::timeout(
                                std::time::Duration::from_secs(10),
                                acceptor.accept(stream),
                            );
                            if let Ok(Ok(stream)) = handshake.await {
                                let _ = builder
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await;
                            }
                        }
                        None => {
                            let _ = builder
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        }
                    }
                };
                tokio::select! {
                    () = served => {}
                    _ = stopped.changed() => {}
                }
            });
        }
    });
    Ok(Listener { addr, scheme, stop })
}

/// A TLS identity for `--tls`: a throw-away CA (its PEM written to `ca_out` when given) and a
/// certificate for localhost and `addr`'s address.
pub fn throwaway_tls(
    addr: SocketAddr,
    ca_out: Option<&std::path::Path>,
) -> anyhow::Result<TlsIdentity> {
    let ca = crate::serve::TestCa::new()?;
    if let Some(path) = ca_out {
        std::fs::write(path, ca.pem())?;
    }
    Ok(ca.leaf(&["localhost", &addr.ip().to_string()])?)
}

/// Runs `start` on a new runtime, prints what it returns, and serves until Ctrl-C or SIGTERM.
pub fn run_until_stopped<F>(start: F) -> anyhow::Result<()>
where
    F: Future<Output = anyhow::Result<(Listener, String)>>,
{
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let (listener, banner) = start.await?;
        println!("{banner}");
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r?,
            _ = term.recv() => {}
        }
        drop(listener);
        Ok(())
    })
}
